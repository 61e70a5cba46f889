--- FEEL builtins: the range relations of DMN 1.3 (before, after, meets,
-- met by, overlaps, overlaps before, overlaps after, finishes, finished by,
-- includes, during, starts, started by, coincides), over points (numbers,
-- temporal values, durations: strings do not count, as in Camunda) and ranges, with Camunda's parameter names:
-- `before(point1, point2)`, `before(point, range)`, `before(range, point)`,
-- `before(range1, range2)`. A positional call dispatches on the kinds; a
-- named call picks the variant by its names. An open end of a range (from
-- a unary test `< 10`) counts as infinitely far.
local values = require "luaforce.feel.kinds"

local kind, compare, describe = values.kind, values.compare, values.describe

local NEG_INF, POS_INF = {}, {}

-- a <=> b for points and range ends; raises a marker when they do not compare
local INCOMPARABLE = {}
local function c(a, b)
  if a == b and (a == NEG_INF or a == POS_INF) then return 0 end
  if a == NEG_INF or b == POS_INF then return -1 end
  if a == POS_INF or b == NEG_INF then return 1 end
  local r = compare(a, b)
  if r == nil then error(INCOMPARABLE, 0) end
  return r
end

-- A range's ends with infinities for the open sides: s, e, s included, e included.
local function ends(r)
  local s, e = r.low, r.high
  if s == nil then s = NEG_INF end
  if e == nil then e = POS_INF end
  return s, e, r.low ~= nil and r.low_closed, r.high ~= nil and r.high_closed
end

-- The relations; each takes (kind pattern, a, b). "pp" point-point,
-- "rp" range-point, "pr" point-range, "rr" range-range.
local REL = {}

REL.before = {
  pp = function(a, b) return c(a, b) < 0 end,
  pr = function(p, r)
    local s, _, si = ends(r)
    local x = c(p, s)
    return x < 0 or (x == 0 and not si)
  end,
  rp = function(r, p)
    local _, e, _, ei = ends(r)
    local x = c(e, p)
    return x < 0 or (x == 0 and not ei)
  end,
  rr = function(r1, r2)
    local _, e1, _, ei1 = ends(r1)
    local s2, _, si2 = ends(r2)
    local x = c(e1, s2)
    return x < 0 or (x == 0 and (not ei1 or not si2))
  end,
}

REL.after = {
  pp = function(a, b) return c(a, b) > 0 end,
  pr = function(p, r)
    local _, e, _, ei = ends(r)
    local x = c(p, e)
    return x > 0 or (x == 0 and not ei)
  end,
  rp = function(r, p)
    local s, _, si = ends(r)
    local x = c(s, p)
    return x > 0 or (x == 0 and not si)
  end,
  rr = function(r1, r2)
    local s1, _, si1 = ends(r1)
    local _, e2, _, ei2 = ends(r2)
    local x = c(e2, s1)
    return x < 0 or (x == 0 and (not ei2 or not si1))
  end,
}

REL.meets = {
  rr = function(r1, r2)
    local _, e1, _, ei1 = ends(r1)
    local s2, _, si2 = ends(r2)
    return ei1 and si2 and c(e1, s2) == 0
  end,
}

REL["met by"] = {
  rr = function(r1, r2)
    local s1, _, si1 = ends(r1)
    local _, e2, _, ei2 = ends(r2)
    return si1 and ei2 and c(s1, e2) == 0
  end,
}

REL.overlaps = {
  rr = function(r1, r2)
    local s1, e1, si1, ei1 = ends(r1)
    local s2, e2, si2, ei2 = ends(r2)
    local a, b = c(e1, s2), c(s1, e2)
    return (a > 0 or (a == 0 and ei1 and si2)) and (b < 0 or (b == 0 and si1 and ei2))
  end,
}

local function overlaps_before(r1, r2)
  local s1, e1, si1, ei1 = ends(r1)
  local s2, e2, si2, ei2 = ends(r2)
  local a, b, d = c(s1, s2), c(e1, s2), c(e1, e2)
  return (a < 0 or (a == 0 and si1 and not si2))
    and (b > 0 or (b == 0 and ei1 and si2))
    and (d < 0 or (d == 0 and (not ei1 or ei2)))
end
REL["overlaps before"] = { rr = overlaps_before }
REL["overlaps after"] = { rr = function(r1, r2) return overlaps_before(r2, r1) end }

REL.finishes = {
  pr = function(p, r)
    local _, e, _, ei = ends(r)
    return ei and c(e, p) == 0
  end,
  rr = function(r1, r2)
    local s1, e1, si1, ei1 = ends(r1)
    local s2, e2, si2, ei2 = ends(r2)
    if ei1 ~= ei2 or c(e1, e2) ~= 0 then return false end
    local x = c(s1, s2)
    return x > 0 or (x == 0 and (not si1 or si2))
  end,
}

REL["finished by"] = {
  rp = function(r, p) return REL.finishes.pr(p, r) end,
  rr = function(r1, r2) return REL.finishes.rr(r2, r1) end,
}

local function includes_point(r, p)
  local s, e, si, ei = ends(r)
  local a, b = c(s, p), c(e, p)
  return (a < 0 and b > 0) or (a == 0 and si) or (b == 0 and ei)
end

local function includes_range(r1, r2)
  local s1, e1, si1, ei1 = ends(r1)
  local s2, e2, si2, ei2 = ends(r2)
  local a, b = c(s1, s2), c(e1, e2)
  return (a < 0 or (a == 0 and (si1 or not si2))) and (b > 0 or (b == 0 and (ei1 or not ei2)))
end

REL.includes = { rp = includes_point, rr = includes_range }
REL.during = {
  pr = function(p, r) return includes_point(r, p) end,
  rr = function(r1, r2) return includes_range(r2, r1) end,
}

REL.starts = {
  pr = function(p, r)
    local s, _, si = ends(r)
    return si and c(s, p) == 0
  end,
  rr = function(r1, r2)
    local s1, e1, si1, ei1 = ends(r1)
    local s2, e2, si2, ei2 = ends(r2)
    if si1 ~= si2 or c(s1, s2) ~= 0 then return false end
    local x = c(e1, e2)
    return x < 0 or (x == 0 and (not ei1 or ei2))
  end,
}

REL["started by"] = {
  rp = function(r, p) return REL.starts.pr(p, r) end,
  rr = function(r1, r2) return REL.starts.rr(r2, r1) end,
}

REL.coincides = {
  pp = function(a, b) return c(a, b) == 0 end,
  rr = function(r1, r2)
    local s1, e1, si1, ei1 = ends(r1)
    local s2, e2, si2, ei2 = ends(r2)
    return si1 == si2 and ei1 == ei2 and c(s1, s2) == 0 and c(e1, e2) == 0
  end,
}

-- Camunda's parameter names per pattern.
local NAMES = {
  pp = { "point1", "point2" }, rp = { "range", "point" }, pr = { "point", "range" }, rr = { "range1", "range2" },
}
-- Camunda's order of the variants: a named call takes the first whose names
-- fit, so `before(point: 11, range: [5..10])` asks whether the point is
-- before the range, whatever order the names come in.
local ORDER = { "pp", "pr", "rp", "rr" }

-- The kinds a point can be (Camunda's: no strings, booleans, lists or
-- contexts), and which points compare: the same kind, both local or both
-- with an offset or zone (a time, a date and time).
local POINT = {
  number = true, date = true, time = true, ["date and time"] = true,
  ["days and time duration"] = true, ["years and months duration"] = true,
}
local function class(v)
  local k = kind(v)
  if k == "range" then v = v.low ~= nil and v.low or v.high; k = kind(v) end
  if not POINT[k] then return nil end
  if k == "time" or k == "date and time" then return k .. (v.offset == nil and v.zone == nil and " local" or "") end
  return k
end

return function(def)
  for name, rel in pairs(REL) do
    local function impl(a, b)
      if a == nil or b == nil then return nil end
      local ca, cb = class(a), class(b)
      if ca == nil or ca ~= cb then
        return nil, ("%s and %s are not points of one kind (numbers, dates, times, date-times or durations)")
          :format(describe(a), describe(b))
      end
      local pat = (kind(a) == "range" and "r" or "p") .. (kind(b) == "range" and "r" or "p")
      local f = rel[pat]
      if not f then
        local what = { p = "a point", r = "a range" }
        return nil, ("%s does not relate %s to %s"):format(name, what[pat:sub(1, 1)], what[pat:sub(2, 2)])
      end
      local ok, r = pcall(f, a, b)
      if not ok then
        if r == INCOMPARABLE then return nil, "the points and ranges cannot be compared" end
        error(r, 0)
      end
      return r
    end
    for _, pat in ipairs(ORDER) do
      if rel[pat] then
        local n = NAMES[pat]
        def(name, { n[1] .. ": any", n[2] .. ": any" }, impl)
      end
    end
  end
end
