--- luaforce.client.checks: what the client checks before anything is sent:
-- API names of objects and fields, record ids, and what counts as SOQL.
--
--   checks.name_problem(name) -> why | nil
--       An API name: letters, digits and single underscores, starting with a
--       letter, no trailing underscore; "__" separates at most a namespace,
--       the name and a suffix (ns__Thing__c).
--   checks.check_object(name), checks.check_field(name), checks.check_id(id)
--       -> the value, or RAISE a usage error (exit 2) naming it (an id: 15 or
--       18 base-62 characters, an 18-character id's checksum verified).
--   checks.invalid(kind, value, request[, label]) -> nil | err
--       The same checks for values that come from data: the 400 Salesforce
--       would have answered (INVALID_TYPE, INVALID_FIELD, MALFORMED_ID; exit
--       2, nothing sent), `label` ("record 3") put before the message. kind:
--       "object" | "field" | "id".
--   checks.soql_text(q) -> the SOQL text of a string or of a luaforce.soql
--       query (anything whose tostring renders SOQL), or nil.
local errors = require "luaforce.errors"
local cerrors = require "luaforce.client.errors"
local ids = require "luaforce.client.ids"

local M = {}

--- See the file comment.
function M.name_problem(name)
  if type(name) ~= "string" then return "a name is a string" end
  if name == "" then return "the name is empty" end
  if #name > 100 then return "the name is too long" end
  if not name:find("^%a[%w_]*$") then return "letters, digits and _ only, starting with a letter" end
  if name:find("_$") or name:find("___", 1, true) then return "misplaced underscores" end
  local parts = 1
  for _ in name:gmatch("__") do parts = parts + 1 end
  if parts > 3 then return "too many __ parts" end
  return nil
end

-- The message for a bad object name, field name or id; nil when it is fine.
local function problem(kind, value)
  if kind == "id" then
    local ok, why = ids.to18(value)
    if ok then return nil end
    return ("'%s' is no record id: %s"):format(tostring(value), why)
  end
  local why = M.name_problem(value)
  if not why then return nil end
  return ("'%s' is no %s API name (%s)"):format(tostring(value), kind, why)
end

local function checker(kind)
  return function(value)
    local message = problem(kind, value)
    if message then error(errors.usage(message), 2) end
    return value
  end
end

--- See the file comment.
M.check_object = checker("object")
M.check_field = checker("field")
M.check_id = checker("id")

local CODE = { object = "INVALID_TYPE", field = "INVALID_FIELD", id = "MALFORMED_ID" }

--- See the file comment.
function M.invalid(kind, value, request, label)
  local message = problem(kind, value)
  if not message then return nil end
  if label then message = label .. ": " .. message end
  return cerrors.bad_input(CODE[kind], message, request, kind == "field" and { value } or nil)
end

--- See the file comment.
function M.soql_text(q)
  if type(q) == "string" then return q end
  local mt = getmetatable(q)
  if type(q) == "table" and type(mt) == "table" and mt.__tostring then return tostring(q) end
  return nil
end

return M
