--- luaforce.connector.request: the one Salesforce call a task's evaluated
-- inputs describe, checked before anything is sent.
--
-- request.build(fields, form[, instance]) -> req, notes | nil, err
--   `fields` are luaforce.connector.inputs' (secrets already in); `form` is
--   the task's ("template": the template's field ids; "bpmn": the targets a
--   BPMN file binds them to: salesforceInteractionType, method, url, ...).
--   `instance`: the URL of an org that replaces the task's baseUrl and
--   authentication (`--instance`): those fields are then not checked, and
--   req.auth is nil.
--   req = {
--     operation = "sObject" | "soqlQuery", interaction = "get" | "post" |
--     "patch" | "delete", method = "GET" | "POST" | "PATCH" | "DELETE",
--     path = "/services/data/v58.0/sobjects/Account/001...",  -- each
--                                   -- segment percent-escaped
--     query = {name = "text"} | nil, body = table | nil (nulls kept: a null
--     clears the field), base_url = "https://..." (no trailing "/"),
--     api_version = "v58.0", auth = luaforce.auth options, connect_timeout =
--     seconds (nil: no limit), url = base_url .. path (for messages)
--   }
--   `notes` lists what luaforce did differently from the connector, for the
--   runner to print: a BPMN `url` input that differs from the URL the
--   fields give, a trailing "/" removed from baseUrl, inputs it does not
--   know (ignored).
--   err (code INVALID_INPUT, exit 2) lists every problem found, each naming
--   the field and what it needs; nothing is sent. The connector runtime
--   would fail such a job with no retries (an incident).
local errors = require "luaforce.errors"
local http = require "luaforce.http"
local json = require "luaforce.json"
local task = require "luaforce.connector.task"
local walk = require "luaforce.connector.walk"

local M = {}

--- The default of the template's apiVersion field (Camunda's: v58.0).
M.DEFAULT_API_VERSION = "v58.0"
--- connectionTimeoutInSeconds' default.
M.DEFAULT_TIMEOUT = 20

local INTERACTIONS = { get = "GET", post = "POST", patch = "PATCH", delete = "DELETE" }
local OPERATIONS = { sobject = "sObject", soqlquery = "soqlQuery" }
local AUTH_TYPES = { bearer = "bearer", ["oauth-client-credentials-flow"] = "oauth-client-credentials-flow" }

-- What each form's inputs mean: target -> the template field.
local BPMN_TARGETS = {
  salesforceInteractionType = "salesforceOperationType", method = "interactionType",
  url = "url", ["authentication.oauthTokenEndpoint"] = "oauthTokenEndpoint",
  ["authentication.clientAuthentication"] = "clientAuthentication",
}
local IS_TEMPLATE = {}
for _, f in ipairs(task.INPUTS) do IS_TEMPLATE[f] = true end

local function present(v)
  return v ~= nil and v ~= json.null and v ~= ""
end

-- A value as the text a URL or a header would hold: strings as they are,
-- numbers as written; nil for anything else.
local function text(v)
  if type(v) == "string" then return v end
  if math.type(v) == "integer" then return tostring(v) end
  if type(v) == "number" or (type(v) == "table" and getmetatable(v) and getmetatable(v).__tostring
      and not walk.is_object(v) and not walk.is_array(v)) then
    return tostring(v)
  end
  return nil
end

local function shown(v)
  if type(v) == "string" then return ("'%s'"):format(v) end
  return json.encode(v) or tostring(v)
end

-- The template fields from either form, and the inputs nobody knows.
local function normalize(fields, form)
  local out, unknown = {}, {}
  for target, v in pairs(fields) do
    local f = target
    if form == "bpmn" and BPMN_TARGETS[target] then f = BPMN_TARGETS[target] end
    if IS_TEMPLATE[f] or (form == "bpmn" and BPMN_TARGETS[target]) then
      out[f] = v
    elseif form == "bpmn" and target == "queryParameters" then
      out.queryParameters = v
    else
      unknown[#unknown + 1] = target
    end
  end
  table.sort(unknown)
  return out, unknown
end

-- A path segment: escaped, and never empty, "." or "..".
local function segment(problems, field, v, required, why)
  if not present(v) then
    if required then problems[#problems + 1] = ("%s is missing (%s)"):format(field, why) end
    return nil
  end
  local s = text(v)
  if not s then
    problems[#problems + 1] = ("%s must be text, not %s"):format(field, shown(v))
    return nil
  end
  if s == "." or s == ".." or s:find("[%c]") then
    problems[#problems + 1] = ("%s %s cannot be a part of a URL path"):format(field, shown(s))
    return nil
  end
  return http.escape(s)
end

local function check_base(problems, notes, v)
  if not present(v) then
    problems[#problems + 1] = "baseUrl is missing (the org's URL, such as https://MyDomain.my.salesforce.com)"
    return nil
  end
  if type(v) ~= "string" or not v:match("^[Hh][Tt][Tt][Pp][Ss]?://[^/%s]+") then
    problems[#problems + 1] = ("baseUrl must be an http(s) URL, not %s"):format(shown(v))
    return nil
  end
  local trimmed = v:gsub("/+$", "")
  if trimmed ~= v then
    notes[#notes + 1] = "baseUrl ends with '/': luaforce removed it (the connector would request '//services/...')"
  end
  if trimmed:match("^%a+://[^/]+/.") then
    problems[#problems + 1] = ("baseUrl must be the org's URL without a path, not %s"):format(shown(v))
    return nil
  end
  return trimmed
end

local function check_version(problems, v)
  if not present(v) then return M.DEFAULT_API_VERSION end
  local s = text(v)
  if not s or not s:match("^v%d+%.%d+$") then
    local hint = s and s:match("^%d+%.%d+$") and (" (write v" .. s .. ")") or " such as v58.0"
    problems[#problems + 1] = ("apiVersion must be a version%s, not %s"):format(hint, shown(v))
    return nil
  end
  return s
end

local function check_auth(problems, f)
  local t = f["authentication.type"]
  if not present(t) then
    problems[#problems + 1] = "authentication.type is missing (bearer or oauth-client-credentials-flow)"
    return nil
  end
  local kind = type(t) == "string" and AUTH_TYPES[t] or nil
  if not kind then
    problems[#problems + 1] = ("authentication.type must be bearer or oauth-client-credentials-flow, not %s"):format(shown(t))
    return nil
  end
  if kind == "bearer" then
    local token = f["authentication.token"]
    if not present(token) or type(token) ~= "string" then
      problems[#problems + 1] = "authentication.token is missing (a bearer task needs the access token)"
      return nil
    end
    return { type = "bearer", token = token }
  end
  local id, secret = f["authentication.clientId"], f["authentication.clientSecret"]
  local ok = true
  if not present(id) or type(id) ~= "string" then
    problems[#problems + 1] = "authentication.clientId is missing (the connected app's consumer key)"
    ok = false
  end
  if not present(secret) or type(secret) ~= "string" then
    problems[#problems + 1] = "authentication.clientSecret is missing (the connected app's consumer secret)"
    ok = false
  end
  if not ok then return nil end
  return { type = "oauth-client-credentials", client_id = id, client_secret = secret }
end

local function check_timeout(problems, v)
  if not present(v) then return M.DEFAULT_TIMEOUT end
  local n = v
  if type(v) == "string" then n = v:match("^%s*%d+%s*$") and tonumber(v) end
  n = math.tointeger(n)
  if not n or n < 0 then
    problems[#problems + 1] = ("connectionTimeoutInSeconds must be a whole number of seconds (0: no limit), not %s")
      :format(shown(v))
    return nil
  end
  if n == 0 then return false end
  return n
end

-- queryParameters of a get: a context of names to values, sent as text.
local function check_query(problems, v)
  if not present(v) then return nil end
  if not walk.is_object(v) then
    problems[#problems + 1] = ("queryParameters must be a context such as {fields: \"Name,Industry\"}, not %s")
      :format(shown(v))
    return nil
  end
  local q = {}
  for _, k in ipairs(json.keys(v)) do
    local x = v[k]
    if x ~= nil and x ~= json.null then
      local s = text(x)
      if type(x) == "boolean" then s = tostring(x) end
      if not s then
        problems[#problems + 1] = ("queryParameters.%s must be text or a number, not %s"):format(k, shown(x))
      else
        q[k] = s
      end
    end
  end
  return q
end

local function check_body(problems, v, interaction)
  if not present(v) then
    problems[#problems + 1] = ("body is missing (%s needs the record's fields, such as {Name: \"Acme\"})")
      :format(interaction == "post" and "a create (post)" or "an update (patch)")
    return nil
  end
  if not walk.is_object(v) then
    problems[#problems + 1] = ("body must be a context of record fields such as {Name: \"Acme\"}, not %s"):format(shown(v))
    return nil
  end
  return v
end

local function invalid(problems)
  local lines = { "the task's inputs are not valid (nothing was sent):" }
  for _, p in ipairs(problems) do lines[#lines + 1] = "  - " .. p end
  return nil, errors.new {
    code = "INVALID_INPUT", exit = errors.EXIT.USAGE, problems = problems,
    message = table.concat(lines, "\n"),
  }
end

-- The URL the template's own hidden `url` input computes from the fields,
-- as written (not escaped): what a BPMN file's `url` should equal.
local function template_url(raw_base, version, f, operation)
  if operation == "soqlQuery" then return ("%s/services/data/%s/query"):format(raw_base, version) end
  local u = ("%s/services/data/%s/sobjects/%s"):format(raw_base, version, text(f.objectType) or "")
  if present(f.objectId) then u = u .. "/" .. (text(f.objectId) or "") end
  if present(f.relationshipFieldName) then u = u .. "/" .. (text(f.relationshipFieldName) or "") end
  return u
end

--- See the file comment.
function M.build(fields, form, instance)
  local f, unknown = normalize(fields, form or "template")
  local problems, notes = {}, {}
  for _, name in ipairs(unknown) do
    notes[#notes + 1] = ("the input '%s' is not one of the Salesforce template's: ignored"):format(name)
  end
  local req = {}
  if instance then
    req.base_url = instance
  else
    req.base_url = check_base(problems, notes, f.baseUrl)
    req.auth = check_auth(problems, f)
  end
  req.api_version = check_version(problems, f.apiVersion)
  local timeout = check_timeout(problems, f.connectionTimeoutInSeconds)
  req.connect_timeout = timeout or nil

  local op = f.salesforceOperationType
  req.operation = type(op) == "string" and OPERATIONS[op:lower()] or nil
  if not req.operation then
    problems[#problems + 1] = present(op)
      and ("salesforceOperationType must be sObject or soqlQuery, not %s"):format(shown(op))
      or "salesforceOperationType is missing (sObject or soqlQuery)"
  end
  local base = "/services/data/" .. (req.api_version or M.DEFAULT_API_VERSION)
  if req.operation == "soqlQuery" then
    req.interaction, req.method = "get", "GET"
    local q = f.soqlQuery
    if not present(q) or type(q) ~= "string" then
      problems[#problems + 1] = present(q) and ("soqlQuery must be text, not %s"):format(shown(q))
        or "soqlQuery is missing (the SOQL text, such as SELECT Id, Name FROM Account)"
    end
    req.path = base .. "/query"
    req.query = { q = q }
  elseif req.operation == "sObject" then
    local it = f.interactionType
    req.interaction = type(it) == "string" and INTERACTIONS[it:lower()] and it:lower() or nil
    if not req.interaction then
      problems[#problems + 1] = present(it)
        and ("interactionType must be get, post, patch or delete, not %s"):format(shown(it))
        or "interactionType is missing (get, post, patch or delete)"
    end
    req.method = req.interaction and INTERACTIONS[req.interaction]
    local needs_id = req.interaction and req.interaction ~= "post"
    local object = segment(problems, "objectType", f.objectType, true, "the sObject, such as Account")
    local id = segment(problems, "objectId", f.objectId, needs_id, ("a %s needs the record's id"):format(req.interaction))
    if id and req.interaction == "post" then
      problems[#problems + 1] = "objectId is set on a create (post): Salesforce gives the new record its id"
    end
    local rel
    if present(f.relationshipFieldName) then
      if req.interaction and req.interaction ~= "get" then
        problems[#problems + 1] = "relationshipFieldName applies to get only"
      else
        rel = segment(problems, "relationshipFieldName", f.relationshipFieldName, false)
      end
    end
    req.path = base .. "/sobjects/" .. (object or "")
    if id then req.path = req.path .. "/" .. id end
    if rel then req.path = req.path .. "/" .. rel end
    if req.interaction == "get" then
      req.query = check_query(problems, f.queryParameters)
    elseif present(f.queryParameters) and form ~= "bpmn" then
      problems[#problems + 1] = "queryParameters apply to get only"
    end
    if req.interaction == "post" or req.interaction == "patch" then
      req.body = check_body(problems, f.body, req.interaction)
    end
  end
  if #problems > 0 then return invalid(problems) end

  req.url = req.base_url .. req.path
  if form == "bpmn" and not instance then
    local raw = f.baseUrl
    local want = template_url(raw, req.api_version, f, req.operation)
    if present(f.url) and f.url ~= want then
      notes[#notes + 1] = ("the BPMN file's url input is %s where the template computes %s: luaforce builds the URL from the fields")
        :format(shown(f.url), shown(want))
    end
    local tep = f.oauthTokenEndpoint
    if req.auth and req.auth.type ~= "bearer" and present(tep) and tep ~= raw .. "/services/oauth2/token" then
      notes[#notes + 1] = ("the BPMN file's authentication.oauthTokenEndpoint is %s: luaforce uses %s"):format(
        shown(tep), shown(req.base_url .. "/services/oauth2/token"))
    end
  end
  return req, notes
end

return M
