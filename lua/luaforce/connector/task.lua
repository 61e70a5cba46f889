--- luaforce.connector.task: a connector task read from its JSON form.
--
-- A task file is one JSON object holding the Salesforce template's field
-- ids (../docs/connector.md lists them), nested or flat:
--     {"authentication": {"type": "bearer", "token": "..."}}
--     {"authentication.type": "bearer", "authentication.token": "..."}
-- Field values are what the Modeler's fields hold: a string starting with
-- `=` is a FEEL expression over the process variables, any other value is
-- taken as it is (`body` and `queryParameters` may also be JSON objects).
-- Besides the template's fields a task file may carry what a BPMN file keeps
-- beside the inputs: `retries` (the task definition's, default 3) and
-- `retryBackoff` (the header the connector runtime reads, an ISO 8601
-- duration such as "PT10S").
--
-- task.read(value, origin) -> task | nil, err
--   `value` is the decoded JSON; `origin` names it in messages (the file).
--   err is a usage error (exit 2) naming the field and the fix: an unknown
--   field (with the nearest known name), a nested group other than
--   `authentication`, a header that is not a string, bad retries.
--
-- The task it returns is the one shape the runner takes, from a task file
-- or a BPMN file (luaforce.connector.bpmn gives the same shape):
--   { origin = "task.json", form = "template" | "bpmn",
--     inputs = { {target = "baseUrl", source = "https://..."}, ... }  -- in order
--     headers = { resultVariable =, resultExpression =, errorExpression =,
--                 retryBackoff = },
--     retries = 3 | nil, id =, name = }
-- "template" inputs are the template's field ids; "bpmn" inputs are the
-- zeebe:input targets the template binds them to (method, url, ...).
local errors = require "luaforce.errors"
local json = require "luaforce.json"
local walk = require "luaforce.connector.walk"

local M = {}

--- The template's input fields, in the Modeler's order.
M.INPUTS = {
  "baseUrl", "apiVersion", "authentication.type", "authentication.token", "authentication.clientId",
  "authentication.clientSecret", "salesforceOperationType", "interactionType", "objectType", "objectId",
  "relationshipFieldName", "queryParameters", "soqlQuery", "body", "connectionTimeoutInSeconds",
}

--- The fields that are task headers in a BPMN file (never evaluated as
-- inputs: the expressions run after the call).
M.HEADERS = { "resultVariable", "resultExpression", "errorExpression", "retryBackoff" }

local KNOWN = {}
for _, f in ipairs(M.INPUTS) do KNOWN[f] = "input" end
for _, f in ipairs(M.HEADERS) do KNOWN[f] = "header" end
KNOWN.retries = "retries"

-- Every field a task file may hold, for "did you mean".
local NAMES = {}
for _, list in ipairs { M.INPUTS, M.HEADERS, { "retries" } } do
  for _, f in ipairs(list) do NAMES[#NAMES + 1] = f end
end

--- The known field nearest to `name`, or nil when none is close.
function M.nearest(name)
  return errors.nearest(name, NAMES)
end

local function bad(origin, message, hint)
  return nil, errors.usage(("%s: %s"):format(origin, message), hint)
end

local function unknown(origin, key)
  local near = M.nearest(key)
  return bad(origin, ("unknown field '%s'"):format(key),
    near and ("did you mean '" .. near .. "'?") or "see 'luaforce help connector' for the fields")
end

-- The retries a task file gives: a whole number from 0 up (a string of
-- digits is accepted, as a BPMN attribute holds it).
function M.retries(v, where)
  local n = v
  if type(v) == "string" and v:match("^%s*%d+%s*$") then n = tonumber(v) end
  n = math.tointeger(n)
  if not n or n < 0 then
    return nil, errors.usage(("%s: retries must be a whole number from 0 up, not %s"):format(where,
      json.encode(v) or tostring(v)), "for example \"retries\": 3")
  end
  return n
end

--- See the file comment.
function M.read(value, origin)
  origin = origin or "the task"
  if not walk.is_object(value) then
    return bad(origin, "a connector task must be a JSON object of the template's fields",
      [[for example {"salesforceOperationType": "soqlQuery", "soqlQuery": "SELECT Id FROM Account", ...}]])
  end
  local task = { origin = origin, form = "template", inputs = {}, headers = {} }
  local seen = {}
  local function add(key, v)
    local what = KNOWN[key]
    if not what then return unknown(origin, key) end
    if seen[key] then return bad(origin, ("the field '%s' is given twice"):format(key), "keep one") end
    seen[key] = true
    if what == "header" then
      if type(v) ~= "string" then
        return bad(origin, ("'%s' must be a string"):format(key),
          key == "resultVariable" and "a variable name" or "a FEEL expression such as \"={id: body.id}\"")
      end
      task.headers[key] = v
    elseif what == "retries" then
      local n, err = M.retries(v, origin)
      if not n then return nil, err end
      task.retries = n
    else
      task.inputs[#task.inputs + 1] = { target = key, source = v }
    end
    return true
  end
  for _, key in ipairs(json.keys(value)) do
    local v = value[key]
    if v == nil then v = json.null end
    local ok, err
    if key == "authentication" then
      if not walk.is_object(v) then
        return bad(origin, "'authentication' must be an object such as {\"type\": \"bearer\", \"token\": \"...\"}")
      end
      for _, sub in ipairs(json.keys(v)) do
        local sv = v[sub]
        if sv == nil then sv = json.null end
        ok, err = add("authentication." .. sub, sv)
        if not ok then return nil, err end
      end
    else
      ok, err = add(key, v)
      if not ok then return nil, err end
    end
  end
  return task
end

return M
