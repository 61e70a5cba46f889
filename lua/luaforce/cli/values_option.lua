--- luaforce.cli.values_option: the --values option, record fields from the command line.
--
--   --values 'Name="Acme Corp" Industry=Energy NumberOfEmployees=12 Fax=null'
--
-- The text is split the way a shell splits words: blanks separate
-- `Field=value` words; "double quotes" keep blanks and take \" and \\
-- escapes; 'single quotes' keep everything as written; pieces join
-- (Name=Acme' 'Corp). Each value is then turned into the JSON its field's
-- type wants, from the object's describe:
--   int                       a whole number (12, -3)
--   double currency percent   a number, every digit kept (12.50)
--   boolean                   true false (also yes no 1 0, any case)
--   date                      YYYY-MM-DD
--   datetime                  YYYY-MM-DDThh:mm[:ss[.fff]](Z|+hh:mm)
--   time                      hh:mm[:ss[.fff]][Z]
--   anything else             the text as written
-- An unquoted `null` (or an empty value for a field that is not text)
-- clears the field (JSON null); "null" in quotes is the four letters. A
-- field the object does not have is an INVALID_FIELD error (exit 2) with
-- the nearest field name as the hint; a value its type cannot take is a
-- usage error naming the field and the type.
--
-- API
--   values.split(text) -> list of {name =, value =, quoted =} | nil, err
--   values.coerce(list, describe) -> fields (a json.object in the order
--     given, names as describe spells them) | nil, err
--   values.parse(text, describe) -> split then coerce
local args = require "luaforce.cli.args"
local errors = require "luaforce.errors"
local json = require "luaforce.json"

local M = {}

-- One word of the text from position i: the word's text, whether any part
-- was quoted, the position after it; or nil, err.
local function word(text, i)
  local parts, quoted = {}, false
  local n = #text
  while i <= n do
    local c = text:sub(i, i)
    if c:match("%s") then break end
    if c == "'" then
      local close = text:find("'", i + 1, true)
      if not close then return nil, errors.usage("--values: a ' is not closed", "close the quote") end
      parts[#parts + 1] = text:sub(i + 1, close - 1)
      quoted, i = true, close + 1
    elseif c == '"' then
      local j, buf = i + 1, {}
      while true do
        if j > n then return nil, errors.usage('--values: a " is not closed', "close the quote") end
        local d = text:sub(j, j)
        if d == '"' then break end
        if d == "\\" and j < n and text:sub(j + 1, j + 1):match('["\\]') then
          d, j = text:sub(j + 1, j + 1), j + 1
        end
        buf[#buf + 1] = d
        j = j + 1
      end
      parts[#parts + 1] = table.concat(buf)
      quoted, i = true, j + 1
    elseif c == "\\" and i < n then
      parts[#parts + 1] = text:sub(i + 1, i + 1)
      i = i + 2
    else
      local j = text:find("[%s'\"\\]", i) or n + 1
      parts[#parts + 1] = text:sub(i, j - 1)
      i = j
    end
  end
  return table.concat(parts), quoted, i
end

--- See the file comment.
function M.split(text)
  if type(text) ~= "string" then error("values.split: text expected", 2) end
  local out = {}
  local i = 1
  while true do
    i = text:find("%S", i)
    if not i then break end
    -- the name is unquoted text before the first '='
    local name, eq = text:match("^([%a][%w_]*)()=", i)
    if not name then
      local bad = text:match("^%S+", i)
      return nil, errors.usage(("--values: '%s' is not Field=value"):format(bad),
        [[write Name="Acme Corp" Industry=Energy]])
    end
    local v, quoted, after = word(text, eq + 1)
    if v == nil then return nil, quoted end
    out[#out + 1] = { name = name, value = v, quoted = quoted }
    i = after
  end
  if #out == 0 then return nil, errors.usage("--values is empty", [[write Name="Acme Corp" Industry=Energy]]) end
  return out
end

local NUMBER = { double = true, currency = true, percent = true }
local TEXT = {
  string = true, textarea = true, picklist = true, multipicklist = true, combobox = true, email = true,
  phone = true, url = true, encryptedstring = true, id = true, reference = true,
}
local BOOLEAN = { ["true"] = true, yes = true, ["1"] = true, ["false"] = false, no = false, ["0"] = false }

local function leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end
local MONTH_DAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

local function valid_date(s)
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return false end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m < 1 or m > 12 or d < 1 then return false end
  local max = MONTH_DAYS[m] + ((m == 2 and leap(y)) and 1 or 0)
  return d <= max
end

local function valid_time(s, zone_required)
  local h, mi, rest = s:match("^(%d%d):(%d%d)(.*)$")
  if not h or tonumber(h) > 23 or tonumber(mi) > 59 then return false end
  local sec, more = rest:match("^:(%d%d)(.*)$")
  if sec then
    if tonumber(sec) > 59 then return false end
    rest = more:gsub("^%.%d+", "")
  end
  if rest == "" then return not zone_required end
  if rest == "Z" then return true end
  local zh, zm = rest:match("^[+-](%d%d):?(%d%d)$")
  return zh ~= nil and tonumber(zh) <= 14 and tonumber(zm) <= 59
end

local function valid_datetime(s)
  local d, t = s:match("^([^T]+)T(.+)$")
  return d ~= nil and valid_date(d) and valid_time(t, true)
end

local function type_error(name, ty, v, want)
  return nil, errors.usage(("--values: %s takes %s (type %s), not '%s'"):format(name, want, ty, v))
end

-- The JSON value of one word for a field of type `ty`, or nil, err.
local function convert(name, ty, v, quoted)
  if not quoted and v == "null" then return json.null end
  if TEXT[ty] or ty == nil then return v end
  if v == "" and not quoted then return json.null end
  if ty == "int" then
    local n = v:match("^[+-]?%d+$") and math.tointeger(tonumber(v))
    if not n then return type_error(name, ty, v, "a whole number") end
    return n
  elseif NUMBER[ty] then
    if not v:match("^[+-]?%d+%.?%d*$") and not v:match("^[+-]?%.%d+$")
        and not v:match("^[+-]?%d+%.?%d*[eE][+-]?%d+$") then
      return type_error(name, ty, v, "a number")
    end
    -- JSON keeps every digit (a decimal when a double cannot)
    local n = json.decode((v:gsub("^%+", ""):gsub("^(%-?)%.", "%10."):gsub("%.$", "")))
    if n == nil then return type_error(name, ty, v, "a number") end
    return n
  elseif ty == "boolean" then
    local b = BOOLEAN[v:lower()]
    if b == nil then return type_error(name, ty, v, "true or false") end
    return b
  elseif ty == "date" then
    if not valid_date(v) then return type_error(name, ty, v, "a date (YYYY-MM-DD)") end
    return v
  elseif ty == "datetime" then
    if not valid_datetime(v) then
      return type_error(name, ty, v, "a date-time (2024-06-01T12:00:00Z)")
    end
    return v
  elseif ty == "time" then
    if not valid_time(v, false) then return type_error(name, ty, v, "a time (12:30:00)") end
    return v
  end
  return v
end

--- The error a misspelt field gets: Salesforce's code and wording, and the
-- nearest name the object has. Also used by the record commands.
function M.unknown_field(name, describe)
  local names = {}
  for _, f in ipairs(describe.fields or {}) do names[#names + 1] = f.name end
  local near = args.nearest(name, names)
  return errors.new {
    code = "INVALID_FIELD", exit = errors.EXIT.USAGE, fields = { name },
    message = ("No such column '%s' on sobject of type %s"):format(name, tostring(describe.name)),
    hint = near and ("did you mean " .. near .. "?") or ("see 'luaforce describe " .. tostring(describe.name) .. "'"),
  }
end

--- See the file comment.
function M.coerce(list, describe)
  local by_name = {}
  for _, f in ipairs(describe.fields or {}) do by_name[f.name:lower()] = f end
  local out, keys = {}, {}
  for _, item in ipairs(list) do
    local f = by_name[item.name:lower()]
    if not f then return nil, M.unknown_field(item.name, describe) end
    local v, err = convert(f.name, f.type, item.value, item.quoted)
    if v == nil then return nil, err end
    if out[f.name] == nil then keys[#keys + 1] = f.name end
    out[f.name] = v
  end
  return json.object(out, keys)
end

--- See the file comment.
function M.parse(text, describe)
  local list, err = M.split(text)
  if not list then return nil, err end
  return M.coerce(list, describe)
end

return M
