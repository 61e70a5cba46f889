--- luaforce.output.cells: the text of one value in a table or CSV cell.
--
--   cells.text(v) -> string         a scalar: strings as they are, numbers
--                                   and decimals in all their digits (as
--                                   JSON writes them), booleans true/false,
--                                   null and nil blank
--   cells.table(v) -> string        for a table: one line (line breaks as
--                                   `↵`, other control characters as
--                                   blanks), a child subquery's result as
--                                   `[3 records]`, another object or list
--                                   as compact JSON
--   cells.csv(v) -> string          for CSV: a child subquery's result as
--                                   its records in compact JSON, another
--                                   object or list as compact JSON
-- Objects and lists are written without Salesforce's `attributes`.
local json = require "luaforce.json"
local records = require "luaforce.output.records"

local M = {}

local null = json.null
local encode = json.encode
local clean, is_child = records.clean, records.is_child

--- See the file comment.
function M.text(v)
  local t = type(v)
  if v == nil or v == null then return "" end
  if t == "string" then return v end
  if t == "boolean" then return tostring(v) end
  local text = encode(v)
  return text or tostring(v)
end
local text = M.text

--- See the file comment.
function M.table(v)
  if type(v) == "table" then
    if is_child(v) then
      local n = math.tointeger(v.totalSize) or #v.records
      return ("[%d record%s]"):format(n, n == 1 and "" or "s")
    end
    return encode(clean(v)) or "?"
  end
  local s = text(v)
  if s:find("[%c]") then
    s = s:gsub("\r\n", "\n"):gsub("\n", "↵"):gsub("%c", " ")
  end
  return s
end

--- See the file comment.
function M.csv(v)
  if type(v) == "table" then
    if is_child(v) then return encode(clean(v.records)) or "" end
    return encode(clean(v)) or ""
  end
  return text(v)
end

return M
