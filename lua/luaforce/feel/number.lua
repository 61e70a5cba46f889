--- luaforce.feel.number: FEEL's numbers, the one place that knows how.
--
-- A FEEL number is a Lua integer when it is whole and fits int64, and a
-- luaforce.decimal otherwise; Lua floats from the caller's context (JSON's
-- 0.1) are numbers too and take part exactly as decimal(x) reads them.
-- Integers are the fast path: + - * stay in Lua integers while the result
-- cannot overflow, everything else goes through luaforce.decimal with
-- Camunda's context (34 significant digits, half-even: Scala's BigDecimal
-- with DECIMAL128 rounds + - * / and ** alike). Every decimal result is
-- normalised back: whole and within int64 -> integer (so `2.0 + 1` is the
-- integer 3, and `decimal(2.5, 0) = 2` holds).
--
-- sqrt, log, exp and ** with a fractional exponent go through doubles, as
-- Camunda computes them (sqrt(2) = 1.4142135623730951, not 34 digits).
--
-- Failures (division by zero, results out of range) return `nil, message`;
-- the caller turns them into null and a warning.
local decimal = require "luaforce.decimal"

local M = {}

local mtype, tointeger, floor = math.type, math.tointeger, math.floor
local is_dec = decimal.is
local PRECISION = decimal.PRECISION or 34
local dadd, dsub, dmul, ddiv, dpow = decimal.add, decimal.sub, decimal.mul, decimal.div, decimal.pow
local dcompare, dnew = decimal.compare, decimal.new

local SMALL = 3037000499 -- floor(sqrt(2^63 - 1)): products of two smaller magnitudes fit

--- True when v is a FEEL number.
function M.is(v)
  return type(v) == "number" or is_dec(v)
end

-- A decimal (or float) as the engine keeps it: an integer when it can be.
local function norm(d)
  if d == nil then return nil end
  if is_dec(d) then
    local i = d:tointeger()
    if i then return i end
    return d
  end
  if mtype(d) == "float" then
    local i = tointeger(d)
    if i then return i end
    return dnew(d)
  end
  return d
end
M.norm = norm

local function errtext(err)
  if type(err) == "table" then
    if err.code == "DIVISION_BY_ZERO" then return "division by zero" end
    return err.message or tostring(err)
  end
  return tostring(err)
end

--- The number a literal's text denotes ("12", "1.50", ".5").
function M.literal(text)
  local i = tointeger(tonumber(text))
  if i and not text:find(".", 1, true) then return i end
  return norm(dnew(text))
end

--- a + b
function M.add(a, b)
  if mtype(a) == "integer" and mtype(b) == "integer" then
    local r = a + b
    -- overflow when both operands share a sign the result lacks
    if (a ~ r) & (b ~ r) >= 0 then return r end
  end
  local r, err = dadd(a, b, PRECISION)
  if not r then return nil, errtext(err) end
  return norm(r)
end

--- a - b
function M.sub(a, b)
  if mtype(a) == "integer" and mtype(b) == "integer" then
    local r = a - b
    if (a ~ b) & (a ~ r) >= 0 then return r end
  end
  local r, err = dsub(a, b, PRECISION)
  if not r then return nil, errtext(err) end
  return norm(r)
end

--- a * b
function M.mul(a, b)
  if mtype(a) == "integer" and mtype(b) == "integer"
      and a < SMALL and a > -SMALL and b < SMALL and b > -SMALL then
    return a * b
  end
  local r, err = dmul(a, b, PRECISION)
  if not r then return nil, errtext(err) end
  return norm(r)
end

--- a / b, 34 significant digits, half-even.
function M.div(a, b)
  if b == 0 then return nil, "division by zero" end
  if mtype(a) == "integer" and mtype(b) == "integer" and b ~= -1 and a % b == 0 then
    return a // b
  end
  local r, err = ddiv(a, b, PRECISION)
  if not r then return nil, errtext(err) end
  return norm(r)
end

local function is_whole(v)
  if mtype(v) == "integer" then return true end
  if mtype(v) == "float" then return v == floor(v) end
  return v:is_integer()
end

local function to_double(v)
  if type(v) == "number" then return v + 0.0 end
  return v:tonumber() + 0.0
end

-- A double result as a FEEL number; NaN and infinities are no number.
local function from_double(x)
  if x ~= x or x == math.huge or x == -math.huge then return nil, "the result is not a finite number" end
  return norm(dnew(x))
end
M.from_double = from_double

--- a ** b: exact powers for whole exponents (rounded to 34 digits), doubles otherwise.
function M.pow(a, b)
  if is_whole(b) then
    local n = mtype(b) == "integer" and b or tointeger(to_double(b))
    if not n or n > 999999999 or n < -999999999 then return nil, "the exponent is too large" end
    if a == 0 and n < 0 then return nil, "division by zero" end
    local r, err = dpow(a, n, PRECISION)
    if not r then return nil, errtext(err) end
    return norm(r)
  end
  return from_double(to_double(a) ^ to_double(b))
end

--- -a
function M.neg(a)
  if mtype(a) == "integer" then
    if a ~= math.mininteger then return -a end
    return norm(dnew(a):negate())
  end
  if mtype(a) == "float" then return norm(-a) end
  return norm(a:negate())
end

--- -1, 0 or 1 by value.
function M.compare(a, b)
  if type(a) == "number" and type(b) == "number" then
    if a < b then return -1 elseif a > b then return 1 else return 0 end
  end
  return dcompare(a, b)
end

--- True when a and b are the same number (1.0 = 1).
function M.eq(a, b)
  if type(a) == "number" and type(b) == "number" then return a == b end
  return dcompare(a, b) == 0
end

M.is_whole = is_whole

--- The number's sign: -1, 0 or 1.
function M.sign(v)
  if type(v) == "number" then return v < 0 and -1 or (v > 0 and 1 or 0) end
  return v:sign()
end

--- v cut toward zero to a Lua integer (for list positions), or nil when
-- it does not fit.
function M.truncate(v)
  if mtype(v) == "integer" then return v end
  if mtype(v) == "float" then
    if v ~= v then return nil end
    return tointeger(v >= 0 and floor(v) or -floor(-v))
  end
  local whole = v:trunc() -- nil past decimal.DIGITS_MAX digits (1e999999999)
  return whole and whole:tointeger()
end

--- v as exact text: BigDecimal.toString, as Camunda's string() writes numbers.
local format = string.format
function M.tostring(v)
  local mt = mtype(v)
  if mt == "integer" then return tostring(v) end
  if mt == "float" then
    -- the shortest of %.15g..%.17g that reads back, when it is plain
    -- notation with a fraction; anything else as decimal(v) writes it
    if v == v and v > -1e15 and v < 1e15 then
      for digits = 15, 17 do
        local s = format("%." .. digits .. "g", v)
        if tonumber(s) == v then
          if s:find(".", 1, true) and not s:find("e", 1, true) then return s end
          break
        end
      end
    end
    return tostring(dnew(v))
  end
  return tostring(v)
end

local function as_dec(v)
  if is_dec(v) then return v end
  return dnew(v)
end

--- v with exactly `scale` digits after the point, rounded by `mode`
-- (luaforce.decimal's modes: "half_even", "half_up", "floor", ...).
function M.set_scale(v, scale, mode)
  local r, err = decimal.set_scale(as_dec(v), scale, mode)
  if not r then return nil, errtext(err) end
  return norm(r)
end

--- |v|
function M.abs(v)
  if mtype(v) == "integer" then
    if v ~= math.mininteger then return v < 0 and -v or v end
  elseif mtype(v) == "float" then
    return norm(v < 0 and -v or v)
  end
  return norm(as_dec(v):abs())
end

--- a - b * floor(a / b): the divisor's sign, as FEEL's modulo.
function M.modulo(a, b)
  if b == 0 then return nil, "division by zero" end
  if mtype(a) == "integer" and mtype(b) == "integer" and b ~= -1 then return a % b end
  local r, err = decimal.mod(a, b)
  if not r then return nil, errtext(err) end
  return norm(r)
end

--- sqrt, log (natural) and exp in doubles, as Camunda computes them.
function M.sqrt(v)
  if M.sign(v) < 0 then return nil, "the square root of a negative number" end
  return from_double(math.sqrt(to_double(v)))
end

function M.log(v)
  if M.sign(v) <= 0 then return nil, "the logarithm of a number that is not positive" end
  return from_double(math.log(to_double(v)))
end

function M.exp(v)
  return from_double(math.exp(to_double(v)))
end

--- The engine's number as the caller should see it: integers stay; a
-- decimal whose exact text a double writes the same way (0.3, 2.4, 1.01)
-- becomes that double; other decimals stay decimals, so nothing is lost:
-- not the digits of 1/3 or 10**30 + 1, and not the scale of decimal(x, 2)'s
-- 1.50. `exact` keeps every non-integer as a decimal.
function M.tolua(v, exact)
  if not is_dec(v) then return v end
  local i = v:tointeger()
  if i then return i end
  if exact then return v end
  local f = v:tonumber()
  if f ~= f or f == math.huge or f == -math.huge then return v end
  if tostring(dnew(f)) == tostring(v) then return f end
  return v
end

return M
