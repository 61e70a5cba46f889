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
--
-- Arithmetic (the model is BigDecimal with a MathContext; FEEL's numbers):
--   Operands may be decimals, Lua integers and floats (converted exactly as
--   decimal(x) converts them) or numeric strings. `precision` counts
--   significant digits; 0 means exact (no rounding). `mode` is one of
--   "half_even" (the default), "half_up", "half_down", "up", "down",
--   "ceiling", "floor", or "unnecessary" (fails when rounding would change
--   the value). decimal.PRECISION is 34 (DECIMAL128, Camunda's context).
--   Functions that can fail for data return `nil, err` (err an error object:
--   code DIVISION_BY_ZERO, DECIMAL_RANGE, ROUNDING_NECESSARY, DECIMAL_DOMAIN);
--   misuse (a bad type, an unknown mode) raises.
--
--   decimal.add(a, b[, precision[, mode]])   a + b, exact unless precision
--   decimal.sub(a, b[, precision[, mode]])   a - b        (scale: max of the two)
--   decimal.mul(a, b[, precision[, mode]])   a * b        (scale: sum of the two)
--       Camunda (Scala BigDecimal) rounds + - * to 34 digits: FEEL passes
--       decimal.PRECISION. An exact result that already fits is unchanged.
--   decimal.div(a, b[, precision=34[, mode]])   a / b rounded to precision
--       digits; an exact quotient keeps the smallest scale >= scale(a) -
--       scale(b) that holds it (10/4 -> 2.5, 1.00/4 -> 0.25, 6/2 -> 3);
--       precision 0: exact or nil, err (ROUNDING_NECESSARY) when the
--       quotient does not terminate. b == 0 -> nil, err (DIVISION_BY_ZERO).
--   decimal.idiv(a, b)   floor(a / b), an integral decimal of scale 0.
--   decimal.mod(a, b)    a - b * floor(a / b): the sign of the divisor, as
--       FEEL's modulo (modulo(-7, 3) = 2, modulo(7, -3) = -2); scale: max.
--   decimal.pow(a, n[, precision=34[, mode]])   a^n for an integer n (a Lua
--       integer, an integral float or decimal; |n| <= 999999999): exact, then
--       rounded when longer than precision; n < 0 is div(1, a^-n, precision).
--       Correctly rounded (powers past 8192 digits use truncated steps with
--       guard digits, widened until the rounding is certain, up to 100).
--   decimal.sqrt(d[, precision=34[, mode]])   correctly rounded; an exact
--       root keeps scale(d)/2 where it can (sqrt(16) -> 4, sqrt(0.25) ->
--       0.5); d < 0 -> nil, err (DECIMAL_DOMAIN).
--   decimal.ln(d[, precision=34[, mode]]), decimal.exp(d[, ...])   natural
--       log and e^d, correctly rounded to precision (<= 2000) digits
--       (computed with guard digits and widened until the rounding is
--       certain). ln of d <= 0 -> nil, err (DECIMAL_DOMAIN); ln(1) = 0 and
--       exp(0) = 1 exactly. Note: Camunda computes sqrt, log and exp
--       in doubles; a FEEL engine matching it digit for digit uses
--       decimal(math.sqrt(d:tonumber())) instead.
--   decimal.round_to(d, precision[, mode])   to at most precision digits.
--   decimal.set_scale(d, scale[, mode])      exactly `scale` digits after the
--       point (negative: round to tens, hundreds...): FEEL's decimal(n, scale),
--       round up/down/half up/half down (modes "up", "down", "half_up",
--       "half_down"), floor(n, scale), ceiling(n, scale).
--   Results longer than decimal.DIGITS_MAX digits, or with an exponent past
--   EXP_MAX, are nil, err (DECIMAL_RANGE).
--
--   Methods (and functions of the same name): d:floor(), d:ceiling(),
--   d:trunc() (scale 0, as setScale(0, m)), d:abs(), d:negate(), d:strip()
--   (no trailing zeros; zero is 0), and d:round_to(p, mode),
--   d:set_scale(s, mode) as above.
--   Operators: `+ - *` are exact, `/` is div(a, b, 34), `^` is pow(a, n, 34),
--   `//` idiv, `%` mod, unary `-`; one side may be a Lua number. Operators
--   raise where the functions return nil, err (division by zero included).
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

-- ---- arithmetic ----------------------------------------------------------
-- The C functions answer data they cannot compute with `nil, err`; the error
-- object comes from `failure`, installed into the C side once. Misuse (bad
-- types, unknown modes) raises in C.

--- Significant digits of DECIMAL128, Camunda's context for FEEL numbers.
M.PRECISION = 34
--- The longest coefficient an arithmetic result may have.
M.DIGITS_MAX = core.DIGITS_MAX

local failures = {
  division_by_zero = { "DIVISION_BY_ZERO", "division by zero" },
  range = { "DECIMAL_RANGE", "result out of the decimal range" },
  rounding_necessary = { "ROUNDING_NECESSARY", "the result cannot be exact at this precision or scale" },
  domain = { "DECIMAL_DOMAIN", "argument outside the function's domain" },
}

core.set_failure(function(fname, code)
  local f = failures[code]
  return errors.new { code = f[1], message = ("decimal.%s: %s"):format(fname, f[2]) }
end)

for _, name in ipairs { "add", "sub", "mul", "div", "idiv", "mod", "pow", "sqrt", "ln", "exp",
  "round_to", "set_scale", "abs", "negate", "strip", "floor", "ceiling", "trunc" } do
  M[name] = core[name]
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
