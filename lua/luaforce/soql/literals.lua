--- luaforce.soql.literals: SOQL literal values, escaping and names for the builder.
--
-- Everything that turns Lua data into SOQL text passes through here, so the
-- rules live in one place:
--   * strings are escaped in one pass per character (\ ' " and the control
--     characters; \n \r \t \b \f by name, the rest and DEL and the C1 range
--     as \uXXXX); invalid UTF-8 is refused, never repaired;
--   * numbers: integers as integers, floats finite and never in exponent
--     form, luaforce.decimal values with every digit;
--   * dates, date-times, date literals and currency are typed values, built
--     by constructors that validate them;
--   * identifiers are validated, never escaped.
-- Problems raise a luaforce error (code INVALID_SOQL, exit 2) that names
-- what is wrong: building a query from bad input is a mistake to fix, and
-- the fluent builder has no place to return `nil, err`.
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local calendar = require "luaforce.core.calendar"
local errors = require "luaforce.errors"
local parser = require "luaforce.soql.parser"

local M = {}

local byte, sub, find, format, match = string.byte, string.sub, string.find, string.format, string.match
local gsub, concat = string.gsub, table.concat
local mtype, tointeger = math.type, math.tointeger
local days_in_month, civil_from_days = calendar.days_in_month, calendar.civil_from_days

--- The most characters a string literal may have in WHERE and HAVING.
M.MAX_STRING = 4000

---------------------------------------------------------------------------
-- Errors

--- Raises the builder's error object: code INVALID_SOQL, exit 2.
function M.fail(message, hint)
  error(errors.new { code = "INVALID_SOQL", message = message, hint = hint, exit = errors.EXIT.USAGE })
end
local fail = M.fail

-- A value as a message shows it: strings quoted, cut short, with bytes
-- that are not UTF-8 written as \ddd; other values as tostring has them
-- (a query that cannot be built shows as its type).
local function shown(v)
  if type(v) ~= "string" then
    local ok, text = pcall(tostring, v)
    return ok and text or type(v)
  end
  if #v > 40 then
    local cut = utf8.len(v) and utf8.offset(v, 38) or 38 -- keep whole characters
    v = sub(v, 1, cut - 1) .. "..."
  end
  local q = format("%q", v):gsub("\\\n", "\\n")
  if not utf8.len(q) then q = q:gsub("[\128-\255]", function(c) return "\\" .. byte(c) end) end
  return q
end
M.shown = shown

--- Bytewise "less than", so sorted output never depends on the C locale
-- (Lua's string `<` uses strcoll).
function M.byte_less(a, b)
  local n = #a < #b and #a or #b
  for i = 1, n do
    local x, y = byte(a, i), byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

--- The string keys of t, sorted bytewise.
function M.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    if type(k) == "string" then keys[#keys + 1] = k end
  end
  table.sort(keys, M.byte_less)
  return keys
end

---------------------------------------------------------------------------
-- Typed values. A Value holds its finished SOQL text; `kind` says what it
-- is ("null", "date", "datetime", "date_literal", "currency", "raw").

local Value = {}
Value.__index = Value
Value.__name = "luaforce.soql.Value"
function Value.__tostring(v) return v.text end

local function value(kind, text)
  return setmetatable({ kind = kind, text = text }, Value)
end

--- True when v is a typed value made by this module.
function M.is_value(v) return getmetatable(v) == Value end

-- The metatables of the builder's own objects (values, items, queries).
-- Any other table is data, even with a metatable: arrays and objects that
-- luaforce.json decoded carry one, and an id list from a response must be
-- usable as it is.
local OWN = { [Value] = true }

--- Registers a metatable of the builder's own objects.
function M.own(mt) OWN[mt] = true end

--- True when t is a table of data (not a value, item or query).
function M.is_plain(t)
  return type(t) == "table" and not OWN[getmetatable(t)]
end

--- SOQL `null` (Lua's nil cannot live in a table). luaforce.json's
-- json.null is accepted as null too.
M.NULL = value("null", "null")

--- The only way to put unchecked text into a query: as a value, a
-- condition or a select item, inserted exactly as given.
function M.raw(text)
  if type(text) ~= "string" then
    error(format("bad argument #1 to 'raw' (string expected, got %s)", type(text)), 2)
  end
  return value("raw", text)
end

---------------------------------------------------------------------------
-- Strings

local NAMED = {
  ["\\"] = "\\\\", ["'"] = "\\'", ['"'] = '\\"',
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ["\b"] = "\\b", ["\f"] = "\\f",
}
local function esc_ascii(c) return NAMED[c] or format("\\u%04X", byte(c)) end
-- U+0080..U+009F are \xC2 followed by the code point's own low byte
local function esc_c1(c) return format("\\u%04X", byte(c, 2)) end

--- The number of characters of s, or raises for invalid UTF-8 (overlong
-- forms, surrogates and code points past U+10FFFF included).
function M.check_utf8(s, where)
  local n, bad = utf8.len(s)
  if not n then
    fail(format("invalid UTF-8 at byte %d of %s%s", bad, shown(s), where and (" in " .. where) or ""),
      "decode or clean the text before it goes into a query")
  end
  return n
end

-- The text between the quotes for s (already checked).
local function escape_text(s)
  s = gsub(s, "[\0-\31\\'\"\127]", esc_ascii)
  return (gsub(s, "\194[\128-\159]", esc_c1))
end

local function check_length(nchars, s, where)
  if nchars > M.MAX_STRING then
    fail(format("string of %d characters in %s: SOQL allows at most %d in WHERE and HAVING (%s)",
      nchars, where or "a condition", M.MAX_STRING, shown(s)))
  end
end

--- s escaped for use between single quotes in SOQL text you assemble
-- yourself. Raises for a non-string and for invalid UTF-8.
function M.escape(s)
  if type(s) ~= "string" then
    error(format("bad argument #1 to 'escape' (string expected, got %s)", type(s)), 2)
  end
  M.check_utf8(s)
  return escape_text(s)
end

-- LIKE patterns here are Lua strings in which `%` and `_` are wildcards and
-- a backslash makes the next `%`, `_` or `\` literal: the same meaning the
-- text between the quotes has in SOQL, before string escaping.

--- s as a LIKE pattern that matches exactly s.
function M.like_escape(s)
  return (gsub(s, "[\\%%_]", "\\%0"))
end

--- The SOQL text between the quotes for LIKE pattern p, and the number of
-- characters of its decoded value (what the 4,000 limit counts).
function M.pattern_text(p, where)
  local n = M.check_utf8(p, where)
  local parts, i = {}, 1
  while true do
    local a = find(p, "\\", i, true)
    if not a then
      parts[#parts + 1] = escape_text(sub(p, i))
      break
    end
    parts[#parts + 1] = escape_text(sub(p, i, a - 1))
    local c = sub(p, a + 1, a + 1)
    if c ~= "%" and c ~= "_" and c ~= "\\" then
      fail(format("invalid LIKE pattern %s: a backslash must be followed by %%, _ or another backslash",
        shown(p)), "soql.starts_with/ends_with/contains and soql.escape_like make the escapes for you")
    end
    parts[#parts + 1] = "\\" .. c
    n = n - 1
    i = a + 2
  end
  return concat(parts), n
end

--- s escaped for use inside a LIKE pattern you write yourself between
-- single quotes: string escapes plus `\%` and `\_`.
function M.escape_like(s)
  if type(s) ~= "string" then
    error(format("bad argument #1 to 'escape_like' (string expected, got %s)", type(s)), 2)
  end
  return (M.pattern_text(M.like_escape(s)))
end

--- A quoted string literal; `limit` applies the WHERE/HAVING length rule.
function M.string_literal(s, limit, where)
  local n = M.check_utf8(s, where)
  if limit then check_length(n, s, where) end
  return "'" .. escape_text(s) .. "'"
end

--- A quoted LIKE pattern literal (see pattern_text).
function M.pattern_literal(p, limit, where)
  local text, n = M.pattern_text(p, where)
  if limit then check_length(n, p, where) end
  return "'" .. text .. "'"
end

---------------------------------------------------------------------------
-- Numbers

local function nonfinite(x)
  return x ~= x or x == math.huge or x == -math.huge
end

-- Digits and decimal exponent of x's shortest round-trip form, plainly
-- written: 1e20 -> "100000000000000000000", 1e-7 -> "0.0000001".
local function float_text(x)
  local i = tointeger(x)
  if i then return format("%d", i) end -- integral floats print as integers
  local s
  for p = 1, 17 do
    s = format("%." .. (p - 1) .. "e", x)
    if tonumber(s) == x then break end
  end
  local sign, d1, rest, e = match(s, "^(%-?)(%d)%.?(%d*)e([+-]%d+)$")
  local digits = (d1 .. rest):gsub("0+$", "")
  if digits == "" then digits = "0" end
  e = tonumber(e)
  local n = #digits
  local out
  if e >= n - 1 then
    out = digits .. string.rep("0", e - n + 1)
  elseif e >= 0 then
    out = sub(digits, 1, e + 1) .. "." .. sub(digits, e + 2)
  else
    out = "0." .. string.rep("0", -e - 1) .. digits
  end
  return sign .. out
end

-- The most digits a decimal may print with (guards against 1E+999999999).
local MAX_DECIMAL_DIGITS = 1000

--- The SOQL text of a number (Lua integer or float) or a luaforce.decimal.
function M.number_text(x)
  if mtype(x) == "integer" then return format("%d", x) end
  if mtype(x) == "float" then
    if nonfinite(x) then
      fail(format("%s is not a number SOQL can hold (nan and infinities are refused)",
        x ~= x and "nan" or (x > 0 and "inf" or "-inf")))
    end
    return float_text(x)
  end
  -- a luaforce.decimal
  local scale, precision = x:scale(), x:precision()
  if scale > MAX_DECIMAL_DIGITS or precision - scale > MAX_DECIMAL_DIGITS then
    fail(format("decimal %s has too many digits for a SOQL literal", shown(tostring(x))))
  end
  return x:plain()
end

local decimal = require "luaforce.decimal"
local json = require "luaforce.json"

local function is_decimal(v) return decimal.is(v) end

local function is_json_null(v) return v == json.null end

---------------------------------------------------------------------------
-- Dates and date-times

-- An integer field of a date table within [lo, hi].
local function int_field(t, key, lo, hi, what)
  local v = t[key]
  local i = tointeger(v)
  if i == nil or i < lo or i > hi then
    fail(format("invalid %s: %s = %s (expecting an integer from %d to %d)", what, key, shown(v), lo, hi))
  end
  return i
end

local function date_text(y, m, d)
  return format("%04d-%02d-%02d", y, m, d)
end

-- The zone suffix for an offset: nil/"Z" -> Z, "+05:30"/"+0530", or an
-- integer number of minutes east of UTC.
local function zone_text(off)
  if off == nil or off == "Z" or off == "z" then return "Z" end
  local sign, hh, mm
  if type(off) == "string" then
    sign, hh, mm = match(off, "^([+-])(%d%d):?(%d%d)$")
    if sign then hh, mm = tonumber(hh), tonumber(mm) end
  elseif tointeger(off) then
    local minutes = tointeger(off)
    sign = minutes < 0 and "-" or "+"
    minutes = math.abs(minutes)
    hh, mm = minutes // 60, minutes % 60
  end
  if not sign or hh > 18 or mm > 59 or (hh == 18 and mm > 0) then
    fail(format("invalid time zone offset %s (expecting Z, +hh:mm, -hh:mm or minutes east of UTC, at most 18 hours)",
      shown(off)))
  end
  return format("%s%02d:%02d", sign, hh, mm)
end

-- A date table ({year, month, day}) as text.
local function date_from_table(t)
  local y = int_field(t, "year", 0, 9999, "date")
  local m = int_field(t, "month", 1, 12, "date")
  local d = int_field(t, "day", 1, 31, "date")
  if d > days_in_month(y, m) then fail(format("invalid date: %s is not a calendar date", date_text(y, m, d))) end
  return date_text(y, m, d)
end

-- A date-time table (os.date("*t") shape; `offset` optional, else UTC).
local function datetime_from_table(t)
  local date = date_from_table(t)
  local hh = int_field(t, "hour", 0, 23, "date-time")
  local mi = int_field(t, "min", 0, 59, "date-time")
  local ss = t.sec == nil and 0 or int_field(t, "sec", 0, 59, "date-time")
  return format("%sT%02d:%02d:%02d%s", date, hh, mi, ss, zone_text(t.offset))
end

-- Validated ISO text: YYYY-MM-DD.
local function date_from_text(s)
  local y, m, d = match(s, "^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then fail(format("invalid date %s (expecting YYYY-MM-DD)", shown(s))) end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m < 1 or m > 12 or d < 1 or d > days_in_month(y, m) then
    fail(format("invalid date %s: not a calendar date", shown(s)))
  end
  return s
end

-- Validated ISO text: YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm|±hhmm), written
-- back in the form SOQL takes (the zone always with a colon, so the
-- `+0000` Salesforce returns in records can go straight back in).
local function datetime_from_text(s)
  local date, hh, mi, ss, frac, zone = match(s, "^(%d%d%d%d%-%d%d%-%d%d)T(%d%d):(%d%d):(%d%d)(%.?%d*)(.*)$")
  if not date or not (frac == "" or match(frac, "^%.%d+$")) then
    fail(format("invalid date-time %s (expecting YYYY-MM-DDThh:mm:ss with Z or +hh:mm)", shown(s)))
  end
  date_from_text(date)
  if tonumber(hh) > 23 or tonumber(mi) > 59 or tonumber(ss) > 59 then
    fail(format("invalid date-time %s: no such time of day", shown(s)))
  end
  if zone == "" then
    fail(format("invalid date-time %s: the time zone is missing (add Z for UTC)", shown(s)))
  end
  return format("%sT%s:%s:%s%s%s", date, hh, mi, ss, frac, zone_text(zone))
end

--- A date value from "YYYY-MM-DD" or a table {year, month, day}.
function M.date(v)
  if type(v) == "string" then return value("date", date_from_text(v)) end
  if M.is_plain(v) then return value("date", date_from_table(v)) end
  error(format("bad argument #1 to 'date' (string or table expected, got %s)", type(v)), 2)
end

--- A date-time value from ISO text or an os.date("*t")-style table (UTC
-- unless the table has `offset`: "+05:30" or minutes east of UTC).
function M.datetime(v)
  if type(v) == "string" then return value("datetime", datetime_from_text(v)) end
  if M.is_plain(v) then return value("datetime", datetime_from_table(v)) end
  error(format("bad argument #1 to 'datetime' (string or table expected, got %s)", type(v)), 2)
end

--- A UTC date-time from seconds since 1970-01-01 (a float keeps milliseconds).
function M.epoch(seconds)
  if type(seconds) ~= "number" then
    error(format("bad argument #1 to 'epoch' (number expected, got %s)", type(seconds)), 2)
  end
  if nonfinite(seconds) then
    fail(format("%s is not a time (nan and infinities are refused)", seconds ~= seconds and "nan" or tostring(seconds)))
  end
  if seconds < -62167219200 or seconds >= 253402300800 then
    fail(format("epoch %s is outside the years 0000-9999", tostring(seconds)))
  end
  local ms = math.floor(seconds * 1000 + 0.5)
  if mtype(seconds) == "integer" then ms = seconds * 1000 end
  local secs, frac = ms // 1000, ms % 1000
  local days, rem = secs // 86400, secs % 86400
  local y, m, d = civil_from_days(days)
  local text = format("%sT%02d:%02d:%02d", date_text(y, m, d), rem // 3600, rem % 3600 // 60, rem % 60)
  if frac ~= 0 then text = text .. format(".%03d", frac) end
  return value("datetime", text .. "Z")
end

---------------------------------------------------------------------------
-- Date literals and currency

local DATE_LITERALS = parser.DATE_LITERALS

--- A date literal: literal("TODAY"), literal("LAST_N_DAYS", 30) or
-- literal("LAST_N_DAYS:30"); the name is checked against
-- parser.DATE_LITERALS (case-insensitive).
function M.literal(name, n)
  if type(name) ~= "string" then
    error(format("bad argument #1 to 'literal' (string expected, got %s)", type(name)), 2)
  end
  local base, num = match(name, "^([%a_%d]+):(%d+)$")
  if base then
    if n ~= nil then fail(format("date literal %s already has its number", shown(name))) end
    name, n = base, tonumber(num)
  end
  local u = name:upper()
  local takes_n = DATE_LITERALS[u]
  if takes_n == nil then
    fail(format("unknown date literal %s", shown(name)), "see parser.DATE_LITERALS for the list")
  end
  if not takes_n then
    if n ~= nil then fail(format("date literal %s takes no number", u)) end
    return value("date_literal", u)
  end
  local i = tointeger(n)
  if i == nil or i < 0 then
    fail(format("date literal %s needs a non-negative integer, got %s", u, shown(n)))
  end
  return value("date_literal", format("%s:%d", u, i))
end

--- A currency literal: currency("USD", 100) -> USD100. The amount is a
-- non-negative number, decimal or numeric string (SOQL's currency literals
-- are unsigned).
function M.currency(code, amount)
  if type(code) ~= "string" or not match(code, "^%a%a%a$") then
    fail(format("invalid currency code %s (expecting three letters, like USD)", shown(code)))
  end
  local text
  if type(amount) == "number" or is_decimal(amount) then
    text = M.number_text(amount)
  elseif type(amount) == "string" and match(amount, "^%d+%.?%d*$") then
    text = amount
  else
    fail(format("invalid currency amount %s (expecting a number)", shown(amount)))
  end
  if find(text, "^%-") then
    fail(format("invalid currency amount %s: SOQL currency literals cannot be negative", text))
  end
  return value("currency", code:upper() .. text)
end

---------------------------------------------------------------------------
-- Any value

--- True when t is a table shaped like a date ({year, month, day}).
function M.is_date_table(t)
  return M.is_plain(t) and t.year ~= nil and t.month ~= nil and t.day ~= nil
end

--- The SOQL literal for a Lua value: string, integer, float, boolean,
-- NULL/json.null, decimal, typed value, or a date / date-time table (with
-- `hour` it is a date-time). `limit` applies the 4,000-character rule;
-- `where` names the place for messages.
function M.literal_text(v, limit, where)
  local t = type(v)
  if t == "string" then return M.string_literal(v, limit, where) end
  if t == "number" then return M.number_text(v) end
  if t == "boolean" then return v and "true" or "false" end
  if getmetatable(v) == Value then return v.text end
  if t == "nil" then
    fail(format("missing value%s (Lua nil; use soql.NULL for SOQL null)", where and (" for " .. where) or ""))
  end
  if is_json_null(v) then return "null" end
  if is_decimal(v) then return M.number_text(v) end
  if M.is_date_table(v) then
    if v.hour ~= nil then return datetime_from_table(v) end
    return date_from_table(v)
  end
  fail(format("%s is not a SOQL value%s", t, where and (" (" .. where .. ")") or ""),
    "values are strings, numbers, booleans, soql.NULL, decimals, dates and soql.* typed values")
end

---------------------------------------------------------------------------
-- Identifiers

-- Salesforce's reserved words and this grammar's own keywords (as the
-- parser has them): none may be a one-segment field name or an alias.
local RESERVED = {}
for w in ([[AND ASC DESC EXCLUDES FIRST FROM GROUP HAVING IN INCLUDES LAST LIKE LIMIT NOT NULL NULLS OR
  SELECT WHERE WITH ORDER BY OFFSET FOR USING TYPEOF WHEN THEN ELSE END TRUE FALSE]]):gmatch("%a+") do
  RESERVED[w] = true
end
M.RESERVED = RESERVED

-- Words that end a FROM clause, so never a FROM alias.
M.CLAUSES = {}
for w in ("USING WHERE WITH GROUP HAVING ORDER LIMIT OFFSET FOR UPDATE"):gmatch("%a+") do M.CLAUSES[w] = true end

local SEGMENT = "^[A-Za-z][A-Za-z0-9_]*$"
M.MAX_HOPS = 5

--- A single name (object, relationship, alias, scope): validated.
-- `reserved` = true also refuses reserved words.
function M.name(s, what, reserved)
  if type(s) ~= "string" or not match(s, SEGMENT) then
    fail(format("invalid %s %s (a name is a letter followed by letters, digits and _)", what, shown(s)))
  end
  if reserved and RESERVED[s:upper()] then
    fail(format("invalid %s %s: a SOQL reserved word", what, shown(s)))
  end
  return s
end

--- A field path (Account.Owner.Name): each segment validated, at most 5
-- relationship hops (a leading name in `prefixes`, the FROM object or
-- alias, does not count; `prefixes` = false leaves the hop check to the
-- caller). Returns the path text and its segments.
function M.path(s, what, prefixes)
  what = what or "field"
  if type(s) ~= "string" then
    fail(format("invalid %s: expected a field name string, got %s", what, type(s)))
  end
  local segs = {}
  for seg in (s .. "."):gmatch("([^.]*)%.") do segs[#segs + 1] = seg end
  for _, seg in ipairs(segs) do
    if not match(seg, SEGMENT) then
      fail(format("invalid %s name %s (each part is a letter followed by letters, digits and _)", what, shown(s)),
        "names are checked, never escaped; to compare with a value use a condition table")
    end
  end
  if #segs == 1 and RESERVED[s:upper()] then
    fail(format("invalid %s name %s: a SOQL reserved word", what, shown(s)))
  end
  if prefixes ~= false then M.check_hops(segs, prefixes, what) end
  return s, segs
end

--- Raises when a path follows more than 5 relationships. `prefixes` is a
-- set of upper-cased names (the FROM object and alias) a path may start
-- with without it counting.
function M.check_hops(segs, prefixes, what)
  local hops = #segs - 1
  if hops > 0 and prefixes and prefixes[segs[1]:upper()] then hops = hops - 1 end
  if hops > M.MAX_HOPS then
    fail(format("%s %s follows %d relationships; SOQL allows at most %d", what or "field",
      shown(table.concat(segs, ".")), hops, M.MAX_HOPS))
  end
end

return M
