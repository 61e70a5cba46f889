--- luaforce.emulator.reply: the shapes of the local org's HTTP answers.
--
-- A reply is the table the C server sends: `{status =, headers = {{name,
-- value}, ...}, body =}`. Salesforce's JSON answers carry
-- `Content-Type: application/json;charset=UTF-8` (jsforce parses JSON only
-- for application/json) and its errors are a JSON array of
-- `{"message", "errorCode", "fields"?}`.
local json = require "luaforce.json"

local M = {}

M.JSON_TYPE = "application/json;charset=UTF-8"

local ERROR_KEYS = { "message", "errorCode", "fields" }

--- A JSON reply whose body is already JSON text (written by the caller, as
-- the query pages are): sent as it is.
function M.json_text(status, text, headers)
  if type(text) ~= "string" then
    error("bad argument #2 to 'json_text' (string expected, got " .. type(text) .. ")", 2)
  end
  local h = { { "Content-Type", M.JSON_TYPE } }
  for _, kv in ipairs(headers or {}) do h[#h + 1] = kv end
  return { status = status, headers = h, body = text }
end

-- `v` with every string (keys too) made valid UTF-8, in new tables that
-- keep their metatables (an object's key order).
local function valid_value(v)
  if type(v) == "string" then return M.valid_utf8(v) end
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[valid_value(k)] = valid_value(x) end
  return setmetatable(out, getmetatable(v))
end

--- A JSON reply of `value` (encoded here) with `status`. Answers quote the
-- request (an id, a name, a reference); bytes of it that are not UTF-8
-- become "?" rather than a failure to encode.
function M.json(status, value, headers)
  local text, err = json.encode(value)
  if not text and tostring(err):find("invalid UTF-8", 1, true) then text, err = json.encode(valid_value(value)) end
  return M.json_text(status, assert(text, err), headers)
end

--- `s` with every byte that is not part of valid UTF-8 written as "?" (as
-- the C server does in the error bodies it writes itself): messages quote
-- the request (its method, a field name, a line of SOQL), and JSON holds
-- valid UTF-8 only. Non-strings come back as they are.
function M.valid_utf8(s)
  if type(s) ~= "string" or utf8.len(s) then return s end
  local out, i = {}, 1
  while i <= #s do
    local _, bad = utf8.len(s, i)
    if not bad then
      out[#out + 1] = s:sub(i)
      break
    end
    out[#out + 1] = s:sub(i, bad - 1) .. "?"
    i = bad + 1
  end
  return table.concat(out)
end

--- One Salesforce error object (key order as Salesforce writes it); bytes
-- of `message` that are not valid UTF-8 become "?".
function M.error_object(code, message, fields)
  local e = { message = M.valid_utf8(message), errorCode = code }
  if fields and #fields > 0 then e.fields = json.array(fields) end
  return json.object(e, ERROR_KEYS)
end

--- An error reply: `[{"message": ..., "errorCode": ...}]`.
function M.error(status, code, message, fields, headers)
  return M.json(status, json.array { M.error_object(code, message, fields) }, headers)
end

--- An error reply from a list of `{errorCode, message, fields}` tables.
function M.errors(status, list)
  local out = {}
  for i, e in ipairs(list) do
    out[i] = M.error_object(e.errorCode or e.statusCode, e.message, e.fields)
  end
  return M.json(status, json.array(out))
end

--- A reply without a body (204, 304, ...).
function M.empty(status, headers)
  return { status = status, headers = headers or {}, body = "" }
end

M.not_found = function()
  return M.error(404, "NOT_FOUND", "The requested resource does not exist")
end

--- 405 with the Allow header, as Salesforce words it.
function M.method_not_allowed(method, allowed)
  local list = table.concat(allowed, ",")
  return M.error(405, "METHOD_NOT_ALLOWED",
    ("HTTP Method '%s' not allowed. Allowed are %s"):format(method, list), nil, { { "Allow", list } })
end

return M
