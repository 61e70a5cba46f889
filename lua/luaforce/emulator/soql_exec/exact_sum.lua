--- luaforce.emulator.soql_exec.exact_sum: SUM and AVG as Salesforce adds.
--
--   exact_sum.sum(values) -> a luaforce.decimal: the exact sum of numbers
--       (Lua integers and floats, decimals)
--   exact_sum.sum_of(values, ftype) -> what SUM of a field of type `ftype`
--       answers: an integer for "int" fields of integers, else a float when
--       one holds the sum exactly (shortest form), else the exact decimal
local decimal = require "luaforce.decimal"

local M = {}

local byte, sub, format, rep = string.byte, string.sub, string.format, string.rep
local concat = table.concat
local mtype = math.type
local dcompare = decimal.compare
local type, tonumber, tostring = type, tonumber, tostring

-- Exact sums. Each number is read as its decimal digits (a float by its
-- shortest round-trip text), so currency cents add up as Salesforce adds
-- them (0.1 + 0.2 = 0.3), past what a double or an int64 holds.
local LIMB, LIMB_DIGITS = 10000000, 7

local function digits_of(v)
  local s
  if mtype(v) == "integer" then
    s = tostring(v)
  elseif type(v) == "number" then
    s = decimal.new(v):plain()
  else
    s = v:plain()
  end
  local neg = byte(s) == 45
  if neg then s = sub(s, 2) end
  local int, frac = s:match("^(%d*)%.?(%d*)$")
  return int .. frac, #frac, neg
end

local function add_digits(acc, digits)
  local i, k, carry = #digits, 1, 0
  while i >= 1 or carry > 0 do
    local chunk = 0
    if i >= 1 then
      local j = i - LIMB_DIGITS + 1
      if j < 1 then j = 1 end
      chunk = tonumber(sub(digits, j, i))
      i = j - 1
    end
    local s = (acc[k] or 0) + chunk + carry
    if s >= LIMB then acc[k], carry = s - LIMB, 1 else acc[k], carry = s, 0 end
    k = k + 1
  end
end

local function trim(a)
  while #a > 0 and a[#a] == 0 do a[#a] = nil end
  return a
end

local function cmp_limbs(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  for k = #a, 1, -1 do
    if a[k] ~= b[k] then return a[k] < b[k] and -1 or 1 end
  end
  return 0
end

local function sub_limbs(a, b) -- a >= b
  local out, borrow = {}, 0
  for k = 1, #a do
    local d = a[k] - (b[k] or 0) - borrow
    if d < 0 then d, borrow = d + LIMB, 1 else borrow = 0 end
    out[k] = d
  end
  return trim(out)
end

--- See the file comment.
function M.sum(values)
  local scale, parts = 0, {}
  for i = 1, #values do
    local d, sc, neg = digits_of(values[i])
    parts[i] = { d, sc, neg }
    if sc > scale then scale = sc end
  end
  local pos, neg = {}, {}
  for i = 1, #parts do
    local p = parts[i]
    add_digits(p[3] and neg or pos, p[1] .. rep("0", scale - p[2]))
  end
  trim(pos)
  trim(neg)
  local sign, mag = "", nil
  if cmp_limbs(pos, neg) >= 0 then mag = sub_limbs(pos, neg) else mag, sign = sub_limbs(neg, pos), "-" end
  local t = { #mag > 0 and tostring(mag[#mag]) or "0" }
  for k = #mag - 1, 1, -1 do t[#t + 1] = format("%07d", mag[k]) end
  local digits = concat(t)
  if scale > 0 then
    if #digits <= scale then digits = rep("0", scale - #digits + 1) .. digits end
    digits = sub(digits, 1, #digits - scale) .. "." .. sub(digits, -scale)
  end
  return decimal.new(sign .. digits)
end

-- A sum as Salesforce's JSON shows it: a float when one holds the value
-- exactly (in shortest form), else the exact decimal.
local function plain_number(d)
  local f = d:tonumber() + 0.0
  if f == f and f ~= math.huge and f ~= -math.huge and dcompare(d, f) == 0 then return f end
  return d
end

--- The sum of non-null numbers of a field of type `ftype` (see the file
-- comment).
function M.sum_of(values, ftype)
  local all_int = true
  for i = 1, #values do
    if mtype(values[i]) ~= "integer" then all_int = false break end
  end
  if all_int and ftype == "int" then
    local s = 0
    for i = 1, #values do s = s + values[i] end
    return s
  end
  local d = M.sum(values)
  for i = 1, #values do
    if decimal.is(values[i]) then return d end
  end
  return plain_number(d)
end

return M
