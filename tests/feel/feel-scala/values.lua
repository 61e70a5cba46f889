-- tests/feel/feel-scala/values.lua: the values a feel-scala test writes
-- in Scala (ValNumber(3), List(1, 2), Map("a" -> 1), LocalDate.parse(..),
-- Duration.ofHours(2), ...), evaluated from scala.lua's tree and written as
-- canonical text: the form tests/feel/canonical.lua gives luaforce's values
-- (exact decimal text, JSON strings, tagged temporal values and ranges,
-- contexts in the order written).
--
--     local V = dofile("tests/feel/feel-scala/values.lua")
--     local v = V.eval(node, env)    -- raises {scala_value = why} when it cannot
--     V.text(v)                      --> '{"@date":"2024-01-01"}'
--
-- env: a table of name -> value or {thunk = node, env = env}; env.parent is
-- looked up next.
local scala = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "scala.lua")

local M = {}
M.scala = scala

local NULL = scala.NULL
M.NULL = NULL
M.FAILURE = { t = "failure" }

local function cannot(why) error({ scala_value = why }, 0) end
M.cannot = cannot

-- Numbers -------------------------------------------------------------------------

-- Decimal text (with an optional exponent) as plain text without trailing zeros.
local function plain(text)
  local sign, int, frac, exp = text:match("^([%-]?)(%d*)%.?(%d*)[eE]?([%+%-]?%d*)$")
  if not int then cannot("a number " .. text) end
  local digits = int .. frac
  local point = #int + (tonumber(exp ~= "" and exp or "0"))
  if point < 0 then digits = ("0"):rep(-point) .. digits; point = 0 end
  if point > #digits then digits = digits .. ("0"):rep(point - #digits) end
  local i, f = digits:sub(1, point), digits:sub(point + 1)
  i = i:gsub("^0+", "")
  f = f:gsub("0+$", "")
  if i == "" then i = "0" end
  local s = f ~= "" and (i .. "." .. f) or i
  if s == "0" then return "0" end
  return sign .. s
end
M.plain = plain

local function num(text) return { t = "num", text = plain(text) } end
M.num = num

local function negate(v)
  if type(v) == "table" and v.t == "num" then
    if v.text == "0" then return v end
    return { t = "num", text = v.text:sub(1, 1) == "-" and v.text:sub(2) or "-" .. v.text }
  end
  cannot("a minus before a " .. type(v))
end

-- Temporal values -------------------------------------------------------------------

local function days_in(y, m)
  local d = ({ 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 })[m]
  if m == 2 and (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then d = 29 end
  return d
end

local function date_text(y, m, d)
  if m < 1 or m > 12 or d < 1 or d > days_in(y, m) then cannot("an invalid date") end
  if y < 0 then return ("-%04d-%02d-%02d"):format(-y, m, d) end
  if y > 9999 then return ("+%d-%02d-%02d"):format(y, m, d) end
  return ("%04d-%02d-%02d"):format(y, m, d)
end

local function clock_text(h, mi, s, frac)
  local t = ("%02d:%02d:%02d"):format(h, mi, s)
  frac = (frac or ""):gsub("0+$", "")
  if frac ~= "" then t = t .. "." .. frac end
  return t
end

local function offset_text(off)
  if off == "Z" or off:match("^[%+%-]00:?00$") or off == "+00" then return "Z" end
  local sign, h, m, s = off:match("^([%+%-])(%d%d):?(%d%d)$")
  if not sign then sign, h = off:match("^([%+%-])(%d%d?)$"); m = "00" end
  if not sign then sign, h, m, s = off:match("^([%+%-])(%d%d):(%d%d):(%d%d)$") end
  if not sign then cannot("an offset " .. off) end
  local t = ("%s%02d:%s"):format(sign, tonumber(h), m)
  if s and s ~= "00" then t = t .. ":" .. s end
  return t
end

-- ISO date text: 2019-01-01
local function parse_date(s)
  local y, m, d = s:match("^([%-%+]?%d%d%d%d+)%-(%d%d)%-(%d%d)$")
  if not y then cannot("a date " .. s) end
  return { t = "date", text = date_text(tonumber(y), tonumber(m), tonumber(d)) }
end

-- Local time text and the rest: 10:00, 10:00:30.5, then an offset / [zone].
local function parse_clock(s)
  local h, mi, rest = s:match("^(%d%d):(%d%d)(.*)$")
  if not h then cannot("a time " .. s) end
  local sec, frac = rest:match("^:(%d%d)%.?(%d*)")
  if sec then rest = rest:gsub("^:%d%d%.?%d*", "") end
  return clock_text(tonumber(h), tonumber(mi), tonumber(sec or 0), frac), rest
end

-- The zone part after a time: "", "Z", "+01:00", "+01:00[Europe/Berlin]", "@Europe/Berlin".
local function zone_suffix(rest, need)
  if rest == "" then
    if need then cannot("a zoned value without an offset") end
    return ""
  end
  local zone = rest:match("%[(.-)%]$") or rest:match("^@(.+)$")
  if zone then
    if zone == "Z" or zone:match("^[%+%-]%d") then return offset_text(zone) end
    if zone == "UTC" and rest:match("^Z%[") then return "@UTC" end
    return "@" .. zone
  end
  return offset_text(rest)
end

local function parse_time(s, zoned)
  local clock, rest = parse_clock(s)
  return { t = "time", text = clock .. zone_suffix(rest, zoned) }
end

local function parse_dt(s, zoned)
  local d, t = s:match("^(.-)T(.*)$")
  if not d then cannot("a date-time " .. s) end
  local clock, rest = parse_clock(t)
  return { t = "dt", text = parse_date(d).text .. "T" .. clock .. zone_suffix(rest, zoned) }
end

-- Durations: Java's Duration (PnDTnHnMn.nS, signs per field) and Period (PnYnMnWnD).
local function parse_duration(s)
  local sign = 1
  if s:sub(1, 1) == "-" then sign = -1; s = s:sub(2) elseif s:sub(1, 1) == "+" then s = s:sub(2) end
  local days, tpart = s:match("^P(.-)T(.*)$")
  if not days then days, tpart = s:match("^P(.*)$"), "" end
  if not days then cannot("a duration " .. s) end
  local ns_total = 0 -- in nanoseconds, as an integer
  local d = days:match("^([%-%+]?%d+)D$")
  if days ~= "" and not d then
    -- a Period
    local y = tonumber(days:match("([%-%+]?%d+)Y") or 0)
    local m = tonumber(days:match("([%-%+]?%d+)M") or 0)
    local rest = days:gsub("[%-%+]?%d+[YM]", "")
    if rest ~= "" or tpart ~= "" then cannot("a period with days " .. s) end
    return { t = "ymd", months = sign * (y * 12 + m) }
  end
  ns_total = tonumber(d or 0) * 86400 * 1000000000
  for n, frac, unit in tpart:gmatch("([%-%+]?%d+)%.?(%d*)([HMS])") do
    local mult = ({ H = 3600, M = 60, S = 1 })[unit] * 1000000000
    local part = tonumber(n) * mult
    if frac ~= "" then
      local f = tonumber((frac .. "000000000"):sub(1, 9))
      part = part + (n:sub(1, 1) == "-" and -f or f)
    end
    ns_total = ns_total + part
  end
  return { t = "dtd", ns = sign * ns_total }
end

-- Durations as FEEL writes them (feel-scala's text: days, then T, hours,
-- minutes, seconds; "PT0S" and "P0Y" for zero, as luaforce writes them).
-- Written here on purpose rather than borrowed from luaforce.feel.temporal:
-- the expected side must not come from the engine under test.
local function dtd_text(ns)
  if ns == 0 then return "PT0S" end
  local neg = ns < 0
  if neg then ns = -ns end
  local secs, frac = ns // 1000000000, ns % 1000000000
  local days, rem = secs // 86400, secs % 86400
  local out = { neg and "-P" or "P" }
  if days ~= 0 then out[#out + 1] = days .. "D" end
  local h, mi, s = rem // 3600, rem % 3600 // 60, rem % 60
  if h ~= 0 or mi ~= 0 or s ~= 0 or frac ~= 0 then
    out[#out + 1] = "T"
    if h ~= 0 then out[#out + 1] = h .. "H" end
    if mi ~= 0 then out[#out + 1] = mi .. "M" end
    if s ~= 0 or frac ~= 0 then
      local t = tostring(s)
      if frac ~= 0 then t = t .. "." .. (("%09d"):format(frac):gsub("0+$", "")) end
      out[#out + 1] = t .. "S"
    end
  end
  return table.concat(out)
end

local function ymd_text(m)
  if m == 0 then return "P0Y" end
  local a = m < 0 and -m or m
  local out = m < 0 and "-P" or "P"
  if a // 12 ~= 0 then out = out .. (a // 12) .. "Y" end
  if a % 12 ~= 0 then out = out .. (a % 12) .. "M" end
  return out
end

-- Calls on temporal classes, by "Class.method" --------------------------------------

local function str(v)
  if type(v) ~= "string" then cannot("a text argument expected") end
  return v
end
local function int(v)
  if type(v) ~= "table" or v.t ~= "num" or not v.text:match("^%-?%d+$") then cannot("an integer argument expected") end
  return math.tointeger(tonumber(v.text))
end
local function zone_of(v)
  if type(v) == "table" and v.t == "zone" then return v.text end
  cannot("a zone argument expected")
end

local function of_local(y, mo, d, h, mi, s, ns)
  return date_text(y, mo, d) .. "T" .. clock_text(h, mi, s or 0, ns and ns ~= 0 and ("%09d"):format(ns) or "")
end

local CALLS = {
  ["LocalDate.parse"] = function(a) return parse_date(str(a[1])) end,
  ["LocalDate.of"] = function(a) return { t = "date", text = date_text(int(a[1]), int(a[2]), int(a[3])) } end,
  ["LocalTime.parse"] = function(a) return parse_time(str(a[1])) end,
  ["LocalTime.of"] = function(a)
    return { t = "time", text = clock_text(int(a[1]), int(a[2]), a[3] and int(a[3]) or 0,
      a[4] and ("%09d"):format(int(a[4])) or "") }
  end,
  ["OffsetTime.parse"] = function(a) return parse_time(str(a[1]), true) end,
  ["ZonedTime.parse"] = function(a) return parse_time(str(a[1]), true) end,
  ["LocalDateTime.parse"] = function(a) return parse_dt(str(a[1])) end,
  ["LocalDateTime.of"] = function(a)
    return { t = "dt", text = of_local(int(a[1]), int(a[2]), int(a[3]), int(a[4]), int(a[5]),
      a[6] and int(a[6]), a[7] and int(a[7])) }
  end,
  ["ZonedDateTime.parse"] = function(a) return parse_dt(str(a[1]), true) end,
  ["OffsetDateTime.parse"] = function(a) return parse_dt(str(a[1]), true) end,
  ["ZonedDateTime.of"] = function(a)
    if #a == 8 then
      return { t = "dt", text = of_local(int(a[1]), int(a[2]), int(a[3]), int(a[4]), int(a[5]), int(a[6]), int(a[7]))
        .. zone_suffix("@" .. zone_of(a[8]), true) }
    end
    if #a == 3 and a[1].t == "date" and a[2].t == "time" then
      return { t = "dt", text = a[1].text .. "T" .. a[2].text .. zone_suffix("@" .. zone_of(a[3]), true) }
    end
    if #a == 2 and a[1].t == "dt" then
      return { t = "dt", text = a[1].text .. zone_suffix("@" .. zone_of(a[2]), true) }
    end
    cannot("ZonedDateTime.of with " .. #a .. " arguments")
  end,
  ["ZoneId.of"] = function(a) return { t = "zone", text = str(a[1]) } end,
  ["ZoneOffset.of"] = function(a) return { t = "zone", text = str(a[1]) } end,
  ["ZoneOffset.ofHours"] = function(a) return { t = "zone", text = ("%+03d:00"):format(int(a[1])) } end,
  ["Duration.parse"] = function(a) return parse_duration(str(a[1])) end,
  ["Duration.ofDays"] = function(a) return { t = "dtd", ns = int(a[1]) * 86400 * 1000000000 } end,
  ["Duration.ofHours"] = function(a) return { t = "dtd", ns = int(a[1]) * 3600 * 1000000000 } end,
  ["Duration.ofMinutes"] = function(a) return { t = "dtd", ns = int(a[1]) * 60 * 1000000000 } end,
  ["Duration.ofSeconds"] = function(a) return { t = "dtd", ns = int(a[1]) * 1000000000 + (a[2] and int(a[2]) or 0) } end,
  ["Duration.ofMillis"] = function(a) return { t = "dtd", ns = int(a[1]) * 1000000 } end,
  ["Period.parse"] = function(a) return parse_duration(str(a[1])) end,
  ["Period.ofYears"] = function(a) return { t = "ymd", months = int(a[1]) * 12 } end,
  ["Period.ofMonths"] = function(a) return { t = "ymd", months = int(a[1]) } end,
  ["Period.of"] = function(a)
    if int(a[3]) ~= 0 then cannot("a period with days") end
    return { t = "ymd", months = int(a[1]) * 12 + int(a[2]) }
  end,
  -- FeelIntegrationTest's and FeelEngineTest's helpers
  date = function(a) return parse_date(str(a[1])) end,
  localTime = function(a) return parse_time(str(a[1])) end,
  time = function(a) return parse_time(str(a[1]), true) end,
  localDateTime = function(a) return parse_dt(str(a[1])) end,
  dateTime = function(a) return parse_dt(str(a[1]), true) end,
  yearMonthDuration = function(a) return parse_duration(str(a[1])) end,
  dayTimeDuration = function(a) return parse_duration(str(a[1])) end,
  BigDecimal = function(a)
    if type(a[1]) == "string" then return num(a[1]) end
    if type(a[1]) == "table" and a[1].t == "num" then return a[1] end
    cannot("BigDecimal of something else")
  end,
}
CALLS["ZoneId.of"] = CALLS["ZoneId.of"]
CALLS["java.time.Duration.parse"] = CALLS["Duration.parse"]
CALLS["java.time.Period.parse"] = CALLS["Period.parse"]

-- Val wrappers: the argument is the value, or text for the temporal ones.
local WRAP_TEXT = {
  ValDate = parse_date, ValLocalDate = parse_date,
  ValTime = function(s) return parse_time(s, true) end,
  ValLocalTime = parse_time,
  ValDateTime = function(s) return parse_dt(s, true) end,
  ValLocalDateTime = parse_dt,
  ValYearMonthDuration = parse_duration, ValDayTimeDuration = parse_duration,
}
local PASS = { ValNumber = true, ValString = true, ValBoolean = true, ValList = true, ValContext = true,
  ValDate = true, ValLocalDate = true, ValTime = true, ValLocalTime = true, ValDateTime = true,
  ValLocalDateTime = true, ValYearMonthDuration = true, ValDayTimeDuration = true, ["Context.StaticContext"] = true,
  ["ZonedTime.of"] = false, Some = false }

local BOUNDARY = { ClosedRangeBoundary = "closed", OpenRangeBoundary = "open" }

-- The dotted name of an id/sel chain (List.empty, java.lang.Long.MAX_VALUE).
local function dotted(n)
  if n.t == "id" then return n.name end
  if n.t == "sel" then
    local o = dotted(n.obj)
    return o and (o .. "." .. n.name)
  end
end
M.dotted = dotted

local eval

local function lookup(env, name)
  while env do
    local v = rawget(env, name)
    if v ~= nil then
      if type(v) == "table" and v.thunk then
        local ok, r = pcall(eval, v.thunk, v.env)
        if not ok then error(r, 0) end
        return r
      end
      return v
    end
    env = rawget(env, "parent")
  end
  return nil
end
M.lookup = lookup

local function args_of(node, env)
  local a = {}
  for i, arg in ipairs(node.args) do
    if arg.name then cannot("a named argument " .. arg.name .. " in Scala") end
    a[i] = eval(arg.e, env)
  end
  return a
end

local function as_map(entries)
  local m = { t = "map", keys = {}, vals = {} }
  for _, p in ipairs(entries) do
    if type(p) ~= "table" or (p.t ~= "pair" and p.t ~= "tuple") then cannot("a Map entry that is no pair") end
    local k, v
    if p.t == "pair" then k, v = p.a, p.b else k, v = p.items[1], p.items[2] end
    if type(k) ~= "string" then cannot("a Map key that is no text") end
    if m.vals[k] == nil then m.keys[#m.keys + 1] = k end
    m.vals[k] = v
  end
  return m
end

local function call(node, env)
  local name = dotted(node.fn)
  if name == "List" or name == "Seq" or name == "Vector" or name == "Array" then return { t = "list", items = args_of(node, env) } end
  if name == "Map" or name == "ListMap" then return as_map(args_of(node, env)) end
  if name == "Table" then
    local rows = {}
    for i, arg in ipairs(node.args) do
      if i > 1 then -- the first is the headings
        local r = eval(arg.e, env)
        if type(r) ~= "table" or r.t ~= "tuple" then r = { t = "tuple", items = { r } } end
        r.line = arg.e.line
        rows[#rows + 1] = r
      end
    end
    return { t = "table", rows = rows }
  end
  if name == "ValNull" then return NULL end
  if name == "ValError" or name == "ValFatalError" then
    local ok, msg = pcall(eval, node.args[1] and node.args[1].e or { t = "lit", v = "" }, env)
    return { t = "failure", msg = ok and type(msg) == "string" and msg or nil }
  end
  if name == "ValRange" then
    local a = args_of(node, env)
    for i = 1, 2 do if type(a[i]) ~= "table" or a[i].t ~= "bound" then cannot("a range boundary") end end
    return { t = "range", lo = a[1].v, hi = a[2].v, loc = a[1].kind == "closed", hic = a[2].kind == "closed" }
  end
  if name and BOUNDARY[name] then return { t = "bound", kind = BOUNDARY[name], v = eval(node.args[1].e, env) } end
  if name and WRAP_TEXT[name] then
    local v = eval(node.args[1].e, env)
    if type(v) == "string" then return WRAP_TEXT[name](v) end
    return v
  end
  if name and PASS[name] then
    if #node.args ~= 1 then cannot(name .. " with " .. #node.args .. " arguments") end
    return eval(node.args[1].e, env)
  end
  if name == "ValFunction" then return { t = "function" } end
  if name == "evaluateFunction" then
    local src = eval(node.args[1].e, env)
    if type(src) ~= "string" then cannot("a function that is no FEEL text") end
    if src:find("external", 1, true) then cannot("a Java external function") end
    return { t = "feel", text = src }
  end
  if name == "UnaryTests.defaultInputVariable" then return "cellInput" end
  if name and CALLS[name] then return CALLS[name](args_of(node, env)) end
  -- a method on a value: x.toLocalDate, List(..).map, ...
  if node.fn.t == "sel" then
    local obj = eval(node.fn.obj, env)
    local m = node.fn.name
    if type(obj) == "table" and obj.t == "list" and m == "map" and #node.args == 1 and node.args[1].e.t == "lambda" then
    local lam = node.args[1].e
    local items = {}
    for i, x in ipairs(obj.items) do
      local inner = { parent = env }
      if lam.params[1] ~= "_" then inner[lam.params[1]] = x end
      items[i] = eval(lam.body, inner)
    end
    return { t = "list", items = items }
  end
  if type(obj) == "table" and obj.t == "dt" and m == "withZoneSameInstant" then cannot("a zone conversion in Scala") end
    cannot(("a call of .%s"):format(m))
  end
  cannot("a call of " .. tostring(name))
end

local function select_(node, env)
  local name = dotted(node)
  if name == "List.empty" or name == "Nil" or name == "Seq.empty" then return { t = "list", items = {} } end
  if name == "UnaryTests.defaultInputVariable" then return "cellInput" end
  if name == "Map.empty" then return { t = "map", keys = {}, vals = {} } end
  if name == "ZoneOffset.UTC" then return { t = "zone", text = "Z" } end
  local obj = eval(node.obj, env)
  local m = node.name
  if type(obj) == "table" and obj.t == "dt" then
    if m == "toLocalDate" then return { t = "date", text = obj.text:sub(1, (obj.text:find("T", 1, true))  - 1) } end
  end
  if type(obj) == "table" and obj.t == "list" and (m == "toList" or m == "toSeq") then return obj end
  if type(obj) == "table" and obj.t == "list" and m == "last" then return obj.items[#obj.items] end
  if type(obj) == "table" and obj.t == "num" and (m == "toInt" or m == "toLong" or m == "toDouble") then return obj end
  cannot("." .. m .. " of a value")
end

function eval(node, env)
  local t = node.t
  if t == "lit" then
    if type(node.v) == "table" and node.v.num then
      local text = node.v.num:gsub("[lLdDfF]$", ""):gsub("_", "")
      if text:match("^0[xX]") then return num(tostring(math.tointeger(tonumber(text)))) end
      return num(text)
    end
    return node.v
  end
  if t == "istr" then
    local out = {}
    for i, p in ipairs(node.parts) do
      if type(p) == "string" then out[i] = p
      else
        local v = lookup(env, p.name)
        if type(v) ~= "string" then
          if type(v) == "table" and v.t == "num" then v = v.text else cannot("interpolating " .. p.name) end
        end
        out[i] = v
      end
    end
    return table.concat(out)
  end
  if t == "id" then
    if node.name == "ValNull" then return NULL end
    if node.name == "Nil" then return { t = "list", items = {} } end
    local v = lookup(env, node.name)
    if v == nil then cannot("the name " .. node.name) end
    return v
  end
  if t == "sel" then return select_(node, env) end
  if t == "call" then return call(node, env) end
  if t == "tuple" then
    local items = {}
    for i, e in ipairs(node.items) do items[i] = eval(e, env) end
    return { t = "tuple", items = items }
  end
  if t == "prefix" then
    if node.op == "-" then return negate(eval(node.e, env)) end
    cannot("a prefix " .. node.op)
  end
  if t == "infix" then
    if node.op == "->" then return { t = "pair", a = eval(node.l, env), b = eval(node.r, env) } end
    if node.op == "to" or node.op == "until" then
      local a, b = tonumber(eval(node.l, env).text), tonumber(eval(node.r, env).text)
      if node.op == "until" then b = b - 1 end
      local items = {}
      for i = a, b do items[#items + 1] = num(tostring(i)) end
      return { t = "list", items = items }
    end
    if node.op == "+" then
      local a, b = eval(node.l, env), eval(node.r, env)
      if type(a) == "string" and type(b) == "string" then return a .. b end
    end
    cannot("Scala's operator " .. node.op)
  end
  cannot("a Scala " .. t)
end
M.eval = eval

-- Canonical text ----------------------------------------------------------------------

local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function jstr(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == "\127" then return c end
    return ESC[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

local TAG = { date = "@date", time = "@time", dt = "@date and time" }

local function text(v)
  if v == NULL then return "null" end
  local ty = type(v)
  if ty == "boolean" then return tostring(v) end
  if ty == "string" then return jstr(v) end
  if ty ~= "table" then cannot("a " .. ty) end
  local t = v.t
  if t == "num" then return v.text end
  if t == "list" then
    local parts = {}
    for i, x in ipairs(v.items) do parts[i] = text(x) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  if t == "map" then
    local parts = {}
    for i, k in ipairs(v.keys) do parts[i] = jstr(k) .. ":" .. text(v.vals[k]) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  if TAG[t] then return "{" .. jstr(TAG[t]) .. ":" .. jstr(v.text) .. "}" end
  if t == "dtd" then return '{"@days and time duration":' .. jstr(dtd_text(v.ns)) .. "}" end
  if t == "ymd" then return '{"@years and months duration":' .. jstr(ymd_text(v.months)) .. "}" end
  if t == "range" then
    return '{"@range":[' .. (v.loc and '"["' or '"("') .. "," .. text(v.lo) .. "," .. text(v.hi) .. ","
      .. (v.hic and '"]"' or '")"') .. "]}"
  end
  if t == "function" then return '{"@function":true}' end
  if t == "feel" then return '{"@feel":' .. jstr(v.text) .. "}" end
  if t == "failure" then return "failure" end
  cannot("a Scala " .. tostring(t) .. " as a FEEL value")
end
M.text = text
M.json_string = jstr

return M
