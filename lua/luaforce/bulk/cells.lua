--- luaforce.bulk.cells: records <-> CSV cells, by Bulk API 2.0's rules.
--
--   cells.columns(record) -> list   the record's column names: fields as they
--       are, a relationship table `{Account = {ExtId__c = "A-1"}}` as
--       `Account.ExtId__c`; `Id` first, then sorted; `attributes` skipped
--   cells.merge(into, record) -> into   adds the record's columns to a set
--       (column -> true), for a scan of many records
--   cells.ordered(set) -> list       a set's columns in that order
--   cells.row(record, columns, n) -> list of texts | nil, err   one CSV row:
--       a missing field is an empty cell (insert: no value; update: left as
--       it is), json.null and "" are `#N/A` (the field is set to null, as
--       REST does for null and ""), booleans true/false, numbers and
--       decimals in all their digits, a date table (os.date("!*t") or
--       {year =, month =, day =}) as yyyy-MM-dd, with hour as
--       yyyy-MM-ddTHH:mm:ssZ (UTC), strings as they are (valid UTF-8 only);
--       `n` (the record's number) goes into errors
--   cells.record(header, fields) -> record   a result or query row: a
--       column `Account.Name` (or `Account.Owner.Name`) becomes nested tables, an empty cell is
--       absent (Salesforce has no empty text: empty is null), sf__Created is
--       a boolean; every other value is the CSV text
--   cells.DELIMITERS                 Salesforce's columnDelimiter names -> byte
--   cells.NULL = "#N/A"
local errors = require "luaforce.errors"
local json = require "luaforce.json"

local M = {}

M.NULL = "#N/A"
M.DELIMITERS = { COMMA = ",", TAB = "\t", PIPE = "|", SEMICOLON = ";", CARET = "^", BACKQUOTE = "`" }

local null = json.null
local ulen = utf8.len

local function is_date(t)
  return math.type(t.year) == "integer" and math.type(t.month) == "integer" and math.type(t.day) == "integer"
end

local function bad(n, column, why)
  return nil, errors.new {
    code = "BAD_RECORD", exit = errors.EXIT.USAGE,
    message = ("record %d, field %s: %s"):format(n or 0, column, why),
  }
end

--- See the file comment.
function M.merge(into, record)
  for k, v in pairs(record) do
    if k ~= "attributes" then
      if type(v) == "table" and v ~= null and not is_date(v) and getmetatable(v) == nil then
        for sub in pairs(v) do
          if sub ~= "attributes" then into[k .. "." .. tostring(sub)] = true end
        end
      else
        into[k] = true
      end
    end
  end
  return into
end

--- See the file comment.
function M.ordered(set)
  local list = {}
  for k in pairs(set) do
    if k ~= "Id" then list[#list + 1] = k end
  end
  table.sort(list)
  if set.Id then table.insert(list, 1, "Id") end
  return list
end

--- See the file comment.
function M.columns(record)
  return M.ordered(M.merge({}, record))
end

local function date_text(t)
  if t.hour ~= nil then
    return ("%04d-%02d-%02dT%02d:%02d:%02dZ"):format(t.year, t.month, t.day, t.hour or 0, t.min or 0,
      math.floor(t.sec or 0))
  end
  return ("%04d-%02d-%02d"):format(t.year, t.month, t.day)
end

local function text(v, n, column)
  local t = type(v)
  if v == nil then return "" end
  if v == null or v == "" then return M.NULL end
  if t == "string" then
    if not ulen(v) then return bad(n, column, "the text is not valid UTF-8 (Salesforce reads UTF-8 only)") end
    return v
  end
  if t == "boolean" then return v and "true" or "false" end
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return bad(n, column, "not a finite number") end
    if math.type(v) == "integer" then return ("%d"):format(v) end
    return (json.encode(v))
  end
  if t == "table" and getmetatable(v) == nil then
    if is_date(v) then return date_text(v) end
    return bad(n, column, "a table that is neither a relationship {Field = value} nor a date {year, month, day}")
  end
  local s = json.encode(v) -- a decimal
  if s and not s:find('^"') then return s end
  return bad(n, column, ("a %s cannot be a CSV cell"):format(t))
end

--- See the file comment.
function M.row(record, columns, n)
  local out = {}
  for i, column in ipairs(columns) do
    local v = record[column]
    if v == nil then
      local rel, field = column:match("^([^.]+)%.(.+)$")
      if rel then
        local parent = record[rel]
        if type(parent) == "table" and parent ~= null then v = parent[field] end
      end
    elseif type(v) == "table" and v ~= null and getmetatable(v) == nil and not is_date(v) then
      return bad(n, column, "a relationship table needs a column Object.Field")
    end
    local s, err = text(v, n, column)
    if not s then return nil, err end
    out[i] = s
  end
  return out
end

--- See the file comment.
function M.record(header, fields)
  local rec = {}
  for i, name in ipairs(header) do
    local v = fields[i]
    if v ~= nil and v ~= "" then
      if name == "sf__Created" then
        v = v == "true"
      end
      if name:find(".", 1, true) and not name:find("^sf__") then
        -- Account.Owner.Name -> rec.Account.Owner.Name
        local t = rec
        local segs = {}
        for seg in name:gmatch("[^.]+") do segs[#segs + 1] = seg end
        for k = 1, #segs - 1 do
          local nxt = t[segs[k]]
          if type(nxt) ~= "table" then
            nxt = {}
            t[segs[k]] = nxt
          end
          t = nxt
        end
        t[segs[#segs]] = v
      else
        rec[name] = v
      end
    end
  end
  return rec
end

return M
