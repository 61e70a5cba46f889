--- luaforce.auth.oauth: one OAuth 2.0 client-credentials exchange with a
-- Salesforce token endpoint, and what its answer means.
--
-- Salesforce answers 200 with `access_token`, `instance_url`, `id`,
-- `issued_at` (milliseconds, as a string) and no `expires_in`; failures are
-- 400 (401 behind some proxies) with `{"error", "error_description"}`. A
-- proxy or a wrong URL gives HTML or other text: reported as
-- OAUTH_TOKEN_ERROR, never a crash. All of these exit 3. A transport
-- failure is not an authentication failure: it passes through as the
-- network error it is (exit 4).
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local base64 = require "luaforce.core.base64"
local errors = require "luaforce.errors"
local json = require "luaforce.json"

local M = {}

local function percent(s)
  return (s:gsub("[^%w%-%._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

--- application/x-www-form-urlencoded text of a list of {name, value}.
function M.form(pairs_list)
  local out = {}
  for i, p in ipairs(pairs_list) do out[i] = percent(p[1]) .. "=" .. percent(p[2]) end
  return table.concat(out, "&")
end

--- The header value for HTTP Basic client authentication (RFC 6749
-- §2.3.1: each part form-encoded before joining).
function M.basic(client_id, client_secret)
  return "Basic " .. base64.encode(percent(client_id) .. ":" .. percent(client_secret))
end

--- Every form a secret takes on the wire, for http.add_secret.
function M.secret_forms(client_id, client_secret)
  return { client_secret, percent(client_secret), M.basic(client_id, client_secret):sub(7) }
end

-- What to do about each OAuth error code Salesforce documents.
local HINTS = {
  invalid_client = "check the client secret, the connected app's consumer secret",
  invalid_client_id = "check the client id, the connected app's consumer key",
  invalid_grant = "the client credentials flow needs the org's My Domain URL," ..
    " https://NAME.my.salesforce.com, and a Run As user on the connected app",
  unsupported_grant_type = "this endpoint does not offer the client credentials flow: check the token URL",
}

local function token_error(fields)
  fields.exit = errors.EXIT.AUTH
  return errors.new(fields)
end

-- A short, single-line excerpt of a body that is not what we expected.
local function excerpt(body)
  local title = body:match("<[Tt][Ii][Tt][Ll][Ee][^>]*>%s*(.-)%s*</[Tt][Ii][Tt][Ll][Ee]>")
  if title and title ~= "" then return title end
  local s = body:gsub("<[^>]*>", " "):gsub("%s+", " "):match("^%s*(.-)%s*$")
  if #s > 80 then s = s:sub(1, 77) .. "..." end
  return s
end

--- Reads a token endpoint's response. Returns an entry `{access_token,
-- instance_url, id, issued_at, token_type, scope}` or nil, err.
function M.parse(res, token_url)
  local body = res.body or ""
  local ctype = (res.headers and res.headers["content-type"] or ""):lower()
  local doc
  if body:match("^%s*{") then doc = json.decode(body) end
  if type(doc) ~= "table" then doc = nil end

  if doc and res.status >= 200 and res.status < 300 and type(doc.access_token) == "string"
      and doc.access_token ~= "" then
    local function str(v) return type(v) == "string" and v ~= "" and v or nil end
    return {
      access_token = doc.access_token,
      instance_url = str(doc.instance_url) and doc.instance_url:gsub("/+$", ""),
      id = str(doc.id),
      issued_at = str(doc.issued_at) or (math.type(doc.issued_at) and tostring(doc.issued_at)) or nil,
      token_type = str(doc.token_type),
      scope = str(doc.scope),
    }
  end

  local common = { status = res.status, token_url = token_url, response = res }
  if doc and type(doc.error) == "string" then
    local description = type(doc.error_description) == "string" and doc.error_description or nil
    common.code = doc.error
    common.error = doc.error
    common.error_description = description
    common.message = ("the token endpoint refused the client: %s"):format(description or doc.error)
    common.hint = HINTS[doc.error]
    return nil, token_error(common)
  end

  common.code = "OAUTH_TOKEN_ERROR"
  local what
  if doc then
    what = "a JSON answer without an access_token"
  elseif ctype:find("html", 1, true) or body:match("^%s*<") then
    local e = excerpt(body)
    what = "an HTML page" .. (e ~= "" and (" (" .. e .. ")") or "") .. ", not a token"
  elseif body == "" then
    what = "an empty body, not a token"
  else
    what = ("%s text (%s), not a token"):format(ctype ~= "" and ctype or "non-JSON", excerpt(body))
  end
  common.message = ("the token endpoint %s answered HTTP %d with %s"):format(token_url, res.status, what)
  common.hint = "is the token URL right, and is a proxy in the way?"
  return nil, token_error(common)
end

--- One client-credentials exchange over `session`. cfg: token_url,
-- client_id, client_secret, basic, timeout. Returns an entry or nil, err.
function M.fetch(session, cfg)
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
  }
  local body
  if cfg.basic then
    headers["Authorization"] = M.basic(cfg.client_id, cfg.client_secret)
    body = M.form { { "grant_type", "client_credentials" } }
  else
    body = M.form { { "grant_type", "client_credentials" }, { "client_id", cfg.client_id },
      { "client_secret", cfg.client_secret } }
  end
  local res, err = session:request { method = "POST", url = cfg.token_url, headers = headers, body = body,
    timeout = cfg.timeout }
  if not res then return nil, err end
  return M.parse(res, cfg.token_url)
end

return M
