--- luaforce.feel.range: FEEL ranges and unary tests.
--
-- A range is `{low, high, low_closed, high_closed}` with the metatable
-- `{__feelkind = "range"}`: `[1..10]` (both ends in), `(1..10)` and
-- `]1..10[` (both out), `[1..10)` and so on. An open-ended range, the value
-- of a unary test such as `< 10` or `>= x`, lacks one end (nil: unbounded).
-- Ends are numbers, strings or temporal values that compare with each other.
--
-- `x in r` is true when x lies in r; x and the ends being incomparable
-- (a string in a range of numbers) gives null, as a comparison would.
-- As a value, a range prints as it is written ("[1..10]", "< 10") and
-- reaches Lua and JSON as that text.
local values = require "luaforce.feel.kinds"

local M = {}

local compare = values.compare

local RANGE_MT = { __feelkind = "range" }
M.RANGE_MT = RANGE_MT

--- A new range. `low`/`high` nil: unbounded on that side.
function M.new(low, high, low_closed, high_closed)
  return setmetatable({ low = low, high = high, low_closed = low_closed, high_closed = high_closed }, RANGE_MT)
end

--- True, false, or nil (incomparable) for `x in r`.
function M.includes(r, x)
  if x == nil then return nil end
  local lo, hi = r.low, r.high
  if lo ~= nil then
    local c = compare(x, lo)
    if c == nil then return nil end
    if c < 0 or (c == 0 and not r.low_closed) then return false end
  end
  if hi ~= nil then
    local c = compare(x, hi)
    if c == nil then return nil end
    if c > 0 or (c == 0 and not r.high_closed) then return false end
  end
  return true
end

local function text(r)
  local s = values.tostring
  local function q(v) return type(v) == "string" and ('"' .. v .. '"') or s(v) end
  if r.low == nil then return (r.high_closed and "<= " or "< ") .. q(r.high) end
  if r.high == nil then return (r.low_closed and ">= " or "> ") .. q(r.low) end
  return (r.low_closed and "[" or "(") .. q(r.low) .. ".." .. q(r.high) .. (r.high_closed and "]" or ")")
end
M.tostring = text

local function same(a, b)
  if a == nil or b == nil then return a == b end
  return values.equal(a, b) == true
end

values.kinds.range = {
  tostring = text,
  tolua = text,
  equal = function(a, b)
    return same(a.low, b.low) and same(a.high, b.high)
      and (a.low == nil or a.low_closed == b.low_closed) and (a.high == nil or a.high_closed == b.high_closed)
  end,
  test = function(r, x) return M.includes(r, x) end,
  property = function(r, key)
    if key == "start" then return r.low end
    if key == "end" then return r.high end
    if key == "start included" then return r.low ~= nil and r.low_closed or false end
    if key == "end included" then return r.high ~= nil and r.high_closed or false end
    return nil, ("a range has no property '%s'"):format(key)
  end,
}

return M
