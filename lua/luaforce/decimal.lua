--- luaforce.decimal: exact decimal numbers.
--
-- A decimal is an immutable value `coefficient x 10^exponent` with a
-- coefficient of any length, the model of Java's BigDecimal: it keeps every
-- digit and the scale it was written with (`decimal("1.50")` prints `1.50`).
-- Salesforce currency fields and JSON numbers past a double's 17 digits
-- arrive as decimals; FEEL arithmetic will work on this same type.
--
--     local decimal = require "luaforce.decimal"
--     local d = decimal("123456789012345678901234567890.50")
--     tostring(d)            --> "123456789012345678901234567890.50"
--     decimal("1.0") == decimal("1")   --> true (by value)
--     decimal("1E+3"):tonumber()       --> 1000 (an integer)
--
-- Construction (`decimal.new(x)` or `decimal(x)`):
--   * a string in number syntax: optional `+`/`-`, digits with an optional
--     fraction, an optional exponent (`e`/`E`, optional sign). `.5` and `5.`
--     are accepted, as Lua's tonumber and Java's BigDecimal accept them;
--     leading zeros too (`007`). No whitespace, hex, `_`, `nan` or `inf`.
--     Invalid text raises an error object (luaforce.errors, code
--     INVALID_DECIMAL, exit 2); `decimal.parse` returns `nil, err` instead.
--   * a Lua integer: exactly (`decimal(1000)` is `1000`).
--   * a Lua float: the shortest digits that read back to the same double, in
--     the form luaforce prints floats, so `decimal(0.1)` is exactly `0.1` and
--     `decimal(100.0)` is `100.0` (scale 1, like Lua's own "100.0"). NaN and
--     infinities raise.
--   * a decimal: returned as it is.
-- There is no negative zero: `decimal("-0")` is `0` (as in BigDecimal).
-- Exponents are limited to |exponent| <= decimal.EXP_MAX (999,999,999).
--
-- Text: `tostring(d)` / `d:tostring()` is BigDecimal.toString(): plain
-- notation unless the exponent is positive or the number is below 1E-6,
-- then scientific (`1.23E+5`, `1E+400`, `1.5E-9`). It is always valid JSON
-- and reads back to the same value and scale. `d:plain()` never uses an
-- exponent (`1E+5` -> `100000`); beware that `1E+999999999` makes a
-- billion-character string.
--
-- Methods: d:tostring(), d:plain(), d:tonumber() (an integer when integral
-- and within int64, else the correctly rounded double, possibly inf or 0),
-- d:tointeger() (integer or nil), d:sign() (-1/0/1), d:is_integer() (no
-- nonzero fraction: 1.00 is), d:precision() (significant digits of the
-- coefficient, 1 for zero), d:scale() (BigDecimal's scale: -exponent).
--
-- Comparison: `==` between decimals by value (`1.0 == 1`); `<`, `<=` also
-- between a decimal and a Lua number (a float compares as decimal(x)).
-- `decimal(1) == 1` is false: Lua only calls __eq for two userdata; use
-- decimal.compare. Decimals hash by identity: as table keys use tostring(d).
require "luaforce.core" -- registers luaforce.core.* in package.preload under a stock lua5.4
local core = require "luaforce.core.decimal"
local errors = require "luaforce.errors"

local raw_new, raw_compare, is = core.raw_new, core.compare, core.is

local M = {}

--- The largest |exponent| a decimal can have.
M.EXP_MAX = core.EXP_MAX

-- The input as it should appear in a message: quoted, cut to a readable length.
local function shown(x)
  local s = tostring(x)
  if #s > 60 then s = s:sub(1, 57) .. "..." end
  return string.format("%q", s)
end

local function nonfinite_name(x)
  if x ~= x then return "nan" end
  return x > 0 and "inf" or "-inf"
end

-- The error object for input raw_new refused for `reason`.
local function input_error(x, reason)
  local message
  if reason == "range" then
    message = ("%s is out of the decimal range (exponent beyond +-%d)"):format(shown(x), M.EXP_MAX)
  elseif reason == "nonfinite" then
    message = ("%s cannot be a decimal"):format(nonfinite_name(x))
  else
    message = ("%s is not a decimal number"):format(shown(x))
  end
  return errors.new { code = "INVALID_DECIMAL", message = message, input = x, exit = errors.EXIT.USAGE }
end

local function type_error(fname, x, level)
  error(("bad argument #1 to '%s' (number, string or decimal expected, got %s)"):format(fname, type(x)),
    level + 1)
end

--- Makes a decimal from a string, a Lua number or a decimal; raises an
-- error object (exit 2) for input that is not a finite decimal number.
function M.new(x)
  local d, reason = raw_new(x)
  if d then return d end
  if reason == "type" then type_error("new", x, 2) end
  error(input_error(x, reason), 2)
end

--- Like new, but returns `nil, err` for bad input (misuse still raises).
function M.parse(x)
  local d, reason = raw_new(x)
  if d then return d end
  if reason == "type" then type_error("parse", x, 2) end
  return nil, input_error(x, reason)
end

--- True when v is a decimal.
M.is = is

-- Decimals and Lua numbers pass as they are; strings become decimals.
local function operand(v, argn)
  local t = type(v)
  if t == "number" or is(v) then return v end
  if t == "string" then return M.new(v) end
  error(("bad argument #%d to 'compare' (number, string or decimal expected, got %s)"):format(argn, t), 3)
end

--- -1, 0 or 1 as a is less than, equal to or greater than b, by value.
-- Accepts decimals, Lua numbers and numeric strings; NaN raises.
function M.compare(a, b)
  return raw_compare(operand(a, 1), operand(b, 2))
end

--- v (a decimal, number or numeric string) as a Lua number: an integer when
-- it is integral and fits, else the nearest double.
function M.tonumber(v)
  if type(v) == "number" then return v end
  return M.new(v):tonumber()
end

--- v as a Lua integer, or nil when it is not integral or out of range.
function M.tointeger(v)
  if type(v) == "number" then return math.tointeger(v) end
  return M.new(v):tointeger()
end

return setmetatable(M, {
  __call = function(_, x)
    local d, reason = raw_new(x)
    if d then return d end
    if reason == "type" then type_error("decimal", x, 2) end
    error(input_error(x, reason), 2)
  end,
})
