--- FEEL builtins: numbers. Rounding to a scale uses luaforce.decimal's
-- modes; sqrt, log and exp are computed in doubles, as Camunda does.
local N = require "luaforce.feel.number"
local values = require "luaforce.feel.kinds"

-- Scales as Camunda allows them (DECIMAL128's exponent range); a fraction
-- is cut off, as Camunda takes the scale's intValue.
local function scale_of(s)
  local n = N.truncate(s)
  if not n or n < -6111 or n > 6176 then return nil, "the scale must be between -6111 and 6176" end
  return n
end

-- Java's rounding modes by the names Camunda's `decimal(n, scale, mode)`
-- takes (any case), as luaforce.decimal names them.
local MODES = {
  UP = "up", DOWN = "down", CEILING = "ceiling", FLOOR = "floor", HALF_UP = "half_up",
  HALF_DOWN = "half_down", HALF_EVEN = "half_even", UNNECESSARY = "unnecessary",
}
local MODE_NAMES = "UP, DOWN, CEILING, FLOOR, HALF_UP, HALF_DOWN, HALF_EVEN, UNNECESSARY"

-- n at `scale` digits after the point, rounded by `mode`; nil, why.
local function round(n, scale, mode)
  local sc, err = scale_of(scale)
  if not sc then return nil, err end
  local r = N.set_scale(n, sc, mode)
  if r == nil then
    -- only "unnecessary" fails: rounding was needed
    return nil, ("rounding mode UNNECESSARY: %s needs rounding to scale %d"):format(N.tostring(n), sc)
  end
  return r
end

local function rounder(mode)
  return function(n, scale) return round(n, scale, mode) end
end

return function(def)
  def("decimal", { "n: number", "scale: number" }, rounder("half_even"))
  def("decimal", { "n: number", "scale: number", "mode: string" }, function(n, scale, mode)
    local m = MODES[mode:upper()]
    if not m then
      return nil, ("unknown rounding mode '%s' (one of %s)"):format(mode, MODE_NAMES)
    end
    return round(n, scale, m)
  end)
  def("floor", { "n: number" }, function(n) return N.set_scale(n, 0, "floor") end)
  -- Camunda spells floor's and round half down's scale "scala"; both
  -- spellings name it here
  local floor = rounder("floor")
  def("floor", { "n: number", "scale: number" }, floor)
  def("floor", { "n: number", "scala: number" }, floor)
  def("ceiling", { "n: number" }, function(n) return N.set_scale(n, 0, "ceiling") end)
  def("ceiling", { "n: number", "scale: number" }, rounder("ceiling"))
  def("round up", { "n: number", "scale: number" }, rounder("up"))
  def("round down", { "n: number", "scale: number" }, rounder("down"))
  def("round half up", { "n: number", "scale: number" }, rounder("half_up"))
  local half_down = rounder("half_down")
  def("round half down", { "n: number", "scale: number" }, half_down)
  def("round half down", { "n: number", "scala: number" }, half_down)
  -- abs takes numbers and, since Camunda 8.5, durations
  local function abs(n)
    if n == nil then return nil, "the argument must be a number or a duration, not null" end
    if N.is(n) then return N.abs(n) end
    local k = values.kind(n)
    if k == "days and time duration" or k == "years and months duration" then
      if k == "days and time duration" and n.s < 0 then return values.kinds[k].arith("neg", n) end
      if k == "years and months duration" and n.months < 0 then return values.kinds[k].arith("neg", n) end
      return n
    end
    return nil, "the argument must be a number or a duration, not " .. k
  end
  def("abs", { "number: any" }, abs)
  def("abs", { "n: any" }, abs)
  def("modulo", { "dividend: number", "divisor: number" }, N.modulo)
  def("sqrt", { "number: number" }, N.sqrt)
  def("log", { "number: number" }, N.log)
  def("exp", { "number: number" }, N.exp)
  -- a fraction is neither odd nor even (Camunda: `n % 2` is 1, or 0)
  def("odd", { "number: number" }, function(n)
    if not N.is_whole(n) then return false end
    return N.modulo(n, 2) ~= 0
  end)
  def("even", { "number: number" }, function(n)
    if not N.is_whole(n) then return false end
    return N.modulo(n, 2) == 0
  end)
  def("random number", {}, function() return N.from_double(math.random()) end)
end
