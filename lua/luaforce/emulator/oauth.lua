--- luaforce.emulator.oauth: the local org's OAuth 2.0 client-credentials
-- flow and its sessions.
--
-- Tokens: the static token (always accepted, for tests and `--instance
-- local`) and tokens issued by POST /services/oauth2/token to a known client.
-- An issued token lives `token_ttl` seconds (forever when nil) and dies
-- earlier when `expire_all()` is called (the expire-tokens fault).
-- Answers follow Salesforce: no `expires_in`, no `refresh_token`,
-- `issued_at` as a string of milliseconds, and 400 bodies
-- `{"error": ..., "error_description": ...}`.
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local base64 = require "luaforce.core.base64"
local json = require "luaforce.json"
local reply = require "luaforce.emulator.reply"
local util = require "luaforce.emulator.util"

local M = {}

-- The static token has Salesforce's shape, `<15-character org id>!<letters,
-- digits, dots>`, because clients check it before sending it (the Salesforce
-- CLI's check is `00D\w{12,15}![.\w]*`). The spelling of earlier releases
-- is still accepted so that existing scripts keep working.
M.STATIC_TOKEN = "00DLOCAL0000001!luaforce.local.token"
M.LEGACY_STATIC_TOKEN = "00DLOCAL!luaforce-local-token"
M.DEFAULT_CLIENT = { client_id = "luaforce-local", client_secret = "luaforce-local-secret" }

local Sessions = {}
Sessions.__index = Sessions

--- opts: clients (list of {client_id, client_secret}), ttl (seconds or nil),
-- clock, org_id, user_id.
function M.new(opts)
  local s = setmetatable({
    clients = {},
    tokens = {},
    ttl = opts.ttl,
    clock = opts.clock,
    org_id = opts.org_id,
    user_id = opts.user_id,
    expired_before = nil,
    issued = 0,
  }, Sessions)
  for _, c in ipairs(opts.clients or { M.DEFAULT_CLIENT }) do
    s.clients[c.client_id] = c.client_secret
  end
  return s
end

--- True when `token` may call the API now.
function Sessions:valid(token)
  if token == M.STATIC_TOKEN or token == M.LEGACY_STATIC_TOKEN then return true end
  local issued = token and self.tokens[token]
  if not issued then return false end
  if self.expired_before and issued <= self.expired_before then return false end
  if self.ttl and self.clock.now() - issued >= self.ttl * 1000 then return false end
  return true
end

--- Every token issued up to now stops working (the static one excepted).
function Sessions:expire_all()
  -- forgotten tokens are refused like expired ones; a cut-off time would
  -- also kill a token issued later in the same millisecond
  self.tokens = {}
end

--- The bearer token of a request, or nil.
function M.bearer(req)
  local h = req.headers.authorization
  if not h then return nil end
  return h:match("^[Bb]earer%s+(%S+)%s*$") or h:match("^OAuth%s+(%S+)%s*$")
end

local TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"

function Sessions:mint()
  self.issued = self.issued + 1
  local parts = {}
  for i = 1, 96 do
    local k = math.random(1, #TOKEN_CHARS)
    parts[i] = TOKEN_CHARS:sub(k, k)
  end
  return self.org_id:sub(1, 15) .. "!" .. table.concat(parts)
end

local function oauth_error(code, description)
  return reply.json(400, json.object({ error = code, error_description = description },
    { "error", "error_description" }))
end

local TOKEN_KEYS = { "access_token", "signature", "scope", "instance_url", "id", "token_type",
  "issued_at", "token_format" }

--- POST /services/oauth2/token. `base_url` is the emulator's own URL.
function Sessions:token_endpoint(req, base_url)
  if req.method ~= "POST" then return reply.method_not_allowed(req.method, { "POST" }) end
  local form = util.parse_form(req.body or "")
  if form.grant_type ~= "client_credentials" then
    return oauth_error("unsupported_grant_type", "grant type not supported")
  end
  local id, secret = form.client_id, form.client_secret
  local basic = req.headers.authorization and req.headers.authorization:match("^[Bb]asic%s+(%S+)")
  if basic then
    local decoded = base64.decode(basic, "optional") or ""
    local bid, bsecret = decoded:match("^([^:]*):(.*)$")
    id, secret = id or (bid and util.url_decode(bid)), secret or (bsecret and util.url_decode(bsecret))
  end
  if not id or id == "" then return oauth_error("invalid_client_id", "client identifier invalid") end
  local expected = self.clients[id]
  if not expected then return oauth_error("invalid_client_id", "client identifier invalid") end
  if secret ~= expected then return oauth_error("invalid_client", "invalid client credentials") end
  local token = self:mint()
  local now = self.clock.now()
  self.tokens[token] = now
  local body = {
    access_token = token,
    signature = base64.encode(util.digest(token .. tostring(now))),
    scope = "api",
    instance_url = base_url,
    id = base_url .. "/id/" .. self.org_id .. "/" .. self.user_id,
    token_type = "Bearer",
    issued_at = tostring(now),
    token_format = "opaque",
  }
  return reply.json(200, json.object(body, TOKEN_KEYS))
end

return M
