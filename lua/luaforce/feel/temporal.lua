--- luaforce.feel.temporal: FEEL's dates, times and durations as Camunda 8
-- (feel-scala on java.time) has them.
--
-- Five value kinds, each a small table whose metatable names the kind
-- (`__feelkind`, the `instance of` name) and registered in values.kinds:
--   date                       {days, y, m, d}           days since 1970-01-01
--   time                       {sod, ns, offset?, zone?}  second of day, nanos;
--                              no offset: a local time; a zone: "10:00@Europe/Paris"
--   date and time              {days, sod, ns, offset?, zone?, zobj?}
--                              local fields; offset nil = a local date-time;
--                              a zone's offset is resolved when the value is made
--   days and time duration     {s, ns}     whole seconds (signed) + 0..999999999 ns
--   years and months duration  {months}
--
-- Zones come from luaforce.tz (the system's tzdata, read without touching
-- TZ); "Z", "UTC", "GMT", "Etc/UTC" and fixed offsets ("+01:00") need no
-- tzdata. A local time in a DST gap moves forward by the gap, in an overlap
-- it takes the earlier offset (java.time's rules, applied by luaforce.tz).
--
-- Text, as Camunda's string() writes it: "2024-01-31", "10:00:00",
-- "10:00:00.5+01:00", "2024-01-31T10:00:00Z", "2024-01-31T10:00:00@Europe/Berlin",
-- "P1DT2H3M4S" (negative: "-P1DT2H", as Camunda), "P1Y2M" ("-P1Y2M"). To Lua and JSON
-- the same, except a zoned date-time also states its offset:
-- "2024-01-31T10:00:00+01:00[Europe/Berlin]" (Camunda's `to json`).
--
-- Salesforce writes date-times as 2023-04-12T09:15:30.000+0000: the offset
-- without a colon is accepted (Camunda would give null).
--
-- Ranges, as java.time's: years -999999999 to 999999999, a days and time
-- duration's seconds a signed 64-bit integer, a years and months duration's
-- years a signed 32-bit one. A value past them (from a literal, a builtin
-- or arithmetic) is null and a warning, never a wrapped-around number: the
-- constructors return `nil, M.OUT_OF_RANGE` for them, and take a nil
-- number (an overflowing sum or product, see add_ok and mul_ok) the same way.
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local calendar = require "luaforce.core.calendar"
local values = require "luaforce.feel.kinds"
local N = require "luaforce.feel.number"

local M = {}

local floor, mtype, tointeger = math.floor, math.type, math.tointeger
local setmetatable, type, tonumber, format = setmetatable, type, tonumber, string.format

local DATE_MT = { __feelkind = "date" }
local TIME_MT = { __feelkind = "time" }
local DT_MT = { __feelkind = "date and time" }
local DTD_MT = { __feelkind = "days and time duration" }
local YMD_MT = { __feelkind = "years and months duration" }
M.DATE_MT, M.TIME_MT, M.DT_MT, M.DTD_MT, M.YMD_MT = DATE_MT, TIME_MT, DT_MT, DTD_MT, YMD_MT

local DAY = 86400
local NANO = 1000000000

-- Calendar --------------------------------------------------------------------

-- Day numbers (days since 1970-01-01, proleptic Gregorian) and back, days
-- in a month, the ISO weekday (1 = Monday ... 7 = Sunday): luaforce.core.calendar.
local days_from_civil, civil_from_days = calendar.days_from_civil, calendar.civil_from_days
local days_in_month, weekday = calendar.days_in_month, calendar.weekday
M.days_from_civil, M.civil_from_days = days_from_civil, civil_from_days
M.days_in_month, M.weekday = days_in_month, weekday

-- Zones ---------------------------------------------------------------------------

local tz -- luaforce.tz, loaded on first use

local function fixed_zone(offset)
  return {
    fixed = offset,
    offset_at_utc = function() return offset end,
    resolve_local = function(_, y, m, d, hh, mi, ss)
      return days_from_civil(y, m, d) * DAY + hh * 3600 + mi * 60 + ss - offset, offset
    end,
  }
end

local UTC_NAMES = { Z = true, UTC = true, GMT = true, ["Etc/UTC"] = true, ["Etc/GMT"] = true, UT = true }

-- "+01:00", "-0530", "+01" as seconds east of UTC; nil otherwise.
local function parse_offset(s)
  if s == "Z" then return 0 end
  local sign, hh, rest = s:match("^([+-])(%d%d)(.*)$")
  if not sign then return nil end
  local mm = 0
  if rest ~= "" then
    mm = rest:match("^:?(%d%d)$")
    if not mm then return nil end
    mm = tonumber(mm)
  end
  hh = tonumber(hh)
  if hh > 18 or mm > 59 or (hh == 18 and mm > 0) then return nil end
  local off = hh * 3600 + mm * 60
  return sign == "-" and -off or off
end
M.parse_offset = parse_offset

local zone_cache = {}

--- The zone called `name` (an IANA id, "Z"/"UTC", or "+01:00"), or nil, message.
local function zone(name)
  local z = zone_cache[name]
  if z then return z end
  if UTC_NAMES[name] then
    z = fixed_zone(0)
  else
    local off = parse_offset(name)
    if off then
      z = fixed_zone(off)
    else
      tz = tz or require "luaforce.tz"
      local zz, err = tz.zone(name)
      if not zz then
        return nil, type(err) == "table" and err.message or ("time zone '%s' is unknown"):format(name)
      end
      z = zz
    end
  end
  zone_cache[name] = z
  return z
end
M.zone = zone

local function offset_at(z, epoch)
  local off = z:offset_at_utc(epoch)
  if type(off) == "table" then off = off.offset end
  return off
end

-- The epoch second and offset of a local date-time in a zone.
local function resolve(z, days, sod)
  if z.fixed then return days * DAY + sod - z.fixed, z.fixed end
  local y, m, d = civil_from_days(days)
  local epoch, off = z:resolve_local(y, m, d, sod // 3600, sod % 3600 // 60, sod % 60)
  if type(epoch) == "table" then epoch, off = epoch.epoch or epoch[1], epoch.offset or epoch[2] end
  if off == nil then off = offset_at(z, epoch) end
  return epoch, off
end

-- Ranges ---------------------------------------------------------------------------

local MAX_YEAR = 999999999
local MIN_DAYS, MAX_DAYS = days_from_civil(-MAX_YEAR, 1, 1), days_from_civil(MAX_YEAR, 12, 31)
local MAX_MONTHS = 2147483647 * 12 + 11
local maxinteger = math.maxinteger
M.OUT_OF_RANGE = "the result is out of range (years from -999999999 to 999999999, durations within 64-bit seconds)"
local OUT_OF_RANGE = M.OUT_OF_RANGE

-- a + b, or nil when it does not fit an integer (or either is nil).
local function add_ok(a, b)
  if a == nil or b == nil then return nil end
  local v = a + b
  if (a ~ v) & (b ~ v) < 0 then return nil end
  return v
end

-- a * k for a positive integer k, or nil when it does not fit.
local function mul_ok(a, k)
  if a == nil or a > maxinteger // k or a < -(maxinteger // k) then return nil end
  return a * k
end

-- Constructors ------------------------------------------------------------------------

local function new_date(days)
  if days == nil or days < MIN_DAYS or days > MAX_DAYS then return nil, OUT_OF_RANGE end
  local y, m, d = civil_from_days(days)
  return setmetatable({ days = days, y = y, m = m, d = d }, DATE_MT)
end
M.date = new_date

--- A date from its parts, or nil when they are no calendar date.
function M.date_of(y, m, d)
  if mtype(y) ~= "integer" or mtype(m) ~= "integer" or mtype(d) ~= "integer" then return nil end
  if m < 1 or m > 12 or d < 1 or d > days_in_month(y, m) or y < -999999999 or y > 999999999 then return nil end
  return new_date(days_from_civil(y, m, d))
end

local function new_time(sod, ns, offset, zname)
  return setmetatable({ sod = sod, ns = ns or 0, offset = offset, zone = zname }, TIME_MT)
end
M.time = new_time

-- A date-time from local fields; `zname` resolves the offset (and may move
-- the local time out of a DST gap).
local function new_dt(days, sod, ns, offset, zname, zobj)
  if days == nil or days < MIN_DAYS or days > MAX_DAYS then return nil, OUT_OF_RANGE end
  if zobj then
    local epoch, off = resolve(zobj, days, sod)
    local loc = epoch + off
    days, sod, offset = loc // DAY, loc % DAY, off
  end
  return setmetatable({ days = days, sod = sod, ns = ns or 0, offset = offset, zone = zname, zobj = zobj }, DT_MT)
end
M.datetime = new_dt

-- A zoned (or offset) date-time at an instant.
local function dt_at_epoch(epoch, ns, zname, zobj, fixed)
  if epoch == nil or epoch // DAY < MIN_DAYS - 1 or epoch // DAY > MAX_DAYS + 1 then return nil, OUT_OF_RANGE end
  local off = fixed
  if zobj then off = offset_at(zobj, epoch) end
  local loc = epoch + off
  if loc // DAY < MIN_DAYS or loc // DAY > MAX_DAYS then return nil, OUT_OF_RANGE end
  return setmetatable({ days = loc // DAY, sod = loc % DAY, ns = ns or 0, offset = off, zone = zname, zobj = zobj }, DT_MT)
end
M.datetime_at = dt_at_epoch

local function new_dtd(s, ns)
  ns = ns or 0
  if ns >= NANO or ns < 0 then
    s = add_ok(s, ns // NANO)
    ns = ns % NANO
  end
  if s == nil then return nil, OUT_OF_RANGE end
  return setmetatable({ s = s, ns = ns }, DTD_MT)
end
M.dtd = new_dtd

local function new_ymd(months)
  if months == nil or months > MAX_MONTHS or months < -MAX_MONTHS then return nil, OUT_OF_RANGE end
  return setmetatable({ months = months }, YMD_MT)
end
M.ymd = new_ymd

-- Parsing ---------------------------------------------------------------------------

local function parse_date_text(s)
  local y, m, d = s:match("^(%-?%d%d%d%d+)%-(%d%d)%-(%d%d)$")
  if not y then return nil end
  return M.date_of(tointeger(tonumber(y)), tointeger(tonumber(m)), tointeger(tonumber(d)))
end
M.parse_date = parse_date_text

-- "HH:MM[:SS[.fffffffff]]" at the start of s: second of day, nanos, the rest.
local function parse_clock(s)
  local hh, mi, rest = s:match("^(%d%d):(%d%d)(.*)$")
  if not hh then return nil end
  local ss, ns = 0, 0
  local sec, after = rest:match("^:(%d%d)(.*)$")
  if sec then
    ss, rest = tonumber(sec), after
    local frac, after2 = rest:match("^[.,](%d+)(.*)$")
    if frac then
      ns = tonumber((frac .. "000000000"):sub(1, 9))
      rest = after2
    end
  end
  hh, mi = tonumber(hh), tonumber(mi)
  if hh > 23 or mi > 59 or ss > 59 then return nil end
  return hh * 3600 + mi * 60 + ss, ns, rest
end

-- The zone part after a time: "" (local), "Z", "+01:00", "+0100" (Salesforce),
-- "@Europe/Berlin", "+01:00[Europe/Berlin]". Returns kind, offset, zone name,
-- zone object; or nil, message.
local function parse_zone_part(rest)
  if rest == "" then return "local" end
  local zname = rest:match("^@(.+)$") or rest:match("^[+-]%d%d:?%d%d%[(.+)%]$") or rest:match("^Z%[(.+)%]$")
  if zname then
    local z, err = zone(zname)
    if not z then return nil, err end
    return "zone", nil, zname, z
  end
  local off = parse_offset(rest)
  if off then return "offset", off end
  return nil
end

--- A time from text ("10:30:00", "T10:30:00+01:00", "10:30:00@Europe/Paris").
function M.parse_time(s, now_epoch)
  s = s:gsub("^T", "", 1)
  local sod, ns, rest = parse_clock(s)
  if not sod then return nil end
  local kindz, off, zname, z = parse_zone_part(rest)
  if not kindz then return nil, off end
  if kindz == "zone" then off = offset_at(z, now_epoch or 0) end
  return new_time(sod, ns, off, zname)
end

--- A date-time from text: "2024-01-31T10:00:00", with "Z", "+01:00", "+0100",
-- "@Europe/Berlin" or "+01:00[Europe/Berlin]"; a date alone is its midnight.
function M.parse_datetime(s)
  local date, rest = s:match("^(%-?%d%d%d%d+%-%d%d%-%d%d)T(.*)$")
  if not date then
    local d = parse_date_text(s)
    if not d then return nil end
    return new_dt(d.days, 0, 0)
  end
  local d = parse_date_text(date)
  if not d then return nil end
  local sod, ns, rest2 = parse_clock(rest)
  if not sod then return nil end
  local kindz, off, zname, z = parse_zone_part(rest2)
  if not kindz then return nil, off end
  if kindz == "zone" then return new_dt(d.days, sod, ns, nil, zname, z) end
  return new_dt(d.days, sod, ns, off)
end

-- ISO 8601 durations: "P1Y2M", "P3DT4H5M6.5S", "-PT5M", and Camunda's
-- per-part signs "PT-3M-4S". Years/months and days/time do not mix.
local DATE_UNITS = { Y = 1, M = 2, W = 3, D = 4 }
local TIME_UNITS = { H = 1, M = 2, S = 3 }

--- A duration from text: a years-and-months or a days-and-time one, or nil.
function M.parse_duration(s)
  local neg, body = s:match("^([+-]?)P(.+)$")
  if not neg then return nil end
  local sign = neg == "-" and -1 or 1
  local parts = {}
  local datepart, timepart = body:match("^([^T]*)T(.*)$")
  if not datepart then datepart = body end
  if timepart == "" then return nil end
  local last = 0
  for num, unit, pos in datepart:gmatch("([+-]?%d+)(%a)()") do
    local u = DATE_UNITS[unit]
    if not u or u <= last then return nil end
    last = u
    parts[unit] = tointeger(tonumber(num))
    if not parts[unit] then return nil, OUT_OF_RANGE end
  end
  if datepart:gsub("[+-]?%d+%a", "") ~= "" then return nil end
  if timepart then
    last = 0
    if timepart:gsub("[+-]?%d+%.?%d*[HMS]", "") ~= "" then return nil end
    for num, unit in timepart:gmatch("([+-]?%d+%.?%d*)([HMS])") do
      local u = TIME_UNITS[unit]
      if u <= last then return nil end
      if num:find(".", 1, true) and unit ~= "S" then return nil end
      last = u
      parts["T" .. unit] = num
    end
  end
  if parts.W then return nil end
  local has_ym = parts.Y or parts.M
  local has_dt = parts.D or timepart
  if has_ym and has_dt then return nil end
  if not has_ym and not has_dt then return nil end
  if has_ym then
    local y, m = parts.Y or 0, parts.M or 0
    if y > MAX_MONTHS // 12 or y < -(MAX_MONTHS // 12) or m > MAX_MONTHS or m < -MAX_MONTHS then
      return nil, OUT_OF_RANGE
    end
    return new_ymd(sign * (y * 12 + m))
  end
  local secs = add_ok(add_ok(mul_ok(parts.D or 0, DAY), mul_ok(tointeger(tonumber(parts.TH or 0)), 3600)),
    mul_ok(tointeger(tonumber(parts.TM or 0)), 60))
  local ns = 0
  local sec = parts.TS
  if sec then
    local whole, frac = sec:match("^([+-]?%d+)%.?(%d*)$")
    local w = tointeger(tonumber(whole))
    local f = tonumber((frac .. "000000000"):sub(1, 9))
    if whole:sub(1, 1) == "-" then
      secs, ns = add_ok(secs, w), -f
    else
      secs, ns = add_ok(secs, w), f
    end
  end
  if secs == nil or secs == math.mininteger then return nil, OUT_OF_RANGE end
  if sign < 0 then secs, ns = -secs, -ns end
  return new_dtd(secs, ns)
end

--- A temporal literal @"...": a date-time, date, time or duration.
function M.literal(text)
  local v
  local c = text:sub(1, 1)
  if c == "P" or ((c == "-" or c == "+") and text:sub(2, 2) == "P") then
    local err
    v, err = M.parse_duration(text)
    if not v and err then return nil, ('@"%s": %s'):format(text, err) end
  elseif text:find("^%-?%d%d%d%d+%-%d%d%-%d%dT") then
    local err
    v, err = M.parse_datetime(text)
    if not v and err then return nil, err end
  elseif text:find("^%-?%d%d%d%d+%-%d%d%-%d%d$") then
    v = parse_date_text(text)
  else
    local err
    v, err = M.parse_time(text, M.clock_epoch())
    if not v and err then return nil, err end
  end
  if v == nil then return nil, ('@"%s" is no date, time, date and time or duration'):format(text) end
  return v
end

-- Text ------------------------------------------------------------------------------

local function fmt_date(days)
  local y, m, d = civil_from_days(days)
  if y < 0 then return format("-%04d-%02d-%02d", -y, m, d) end
  if y > 9999 then return format("+%d-%02d-%02d", y, m, d) end
  return format("%04d-%02d-%02d", y, m, d)
end

local function fmt_clock(sod, ns)
  local s = format("%02d:%02d:%02d", sod // 3600, sod % 3600 // 60, sod % 60)
  if ns ~= 0 then s = s .. "." .. (format("%09d", ns):gsub("0+$", "")) end
  return s
end

local function fmt_offset(off)
  if off == 0 then return "Z" end
  local sign = off < 0 and "-" or "+"
  local a = off < 0 and -off or off
  local s = format("%s%02d:%02d", sign, a // 3600, a % 3600 // 60)
  if a % 60 ~= 0 then s = s .. format(":%02d", a % 60) end
  return s
end
M.format_offset = fmt_offset

local function fmt_dtd(v)
  local s, ns = v.s, v.ns
  if s == 0 and ns == 0 then return "PT0S" end
  local neg = s < 0
  if neg then
    if ns > 0 then s, ns = -s - 1, NANO - ns else s = -s end
  end
  local days, rem = s // DAY, s % DAY
  local out = { neg and "-P" or "P" }
  if days ~= 0 then out[#out + 1] = days .. "D" end
  local h, mi, sec = rem // 3600, rem % 3600 // 60, rem % 60
  if h ~= 0 or mi ~= 0 or sec ~= 0 or ns ~= 0 then
    out[#out + 1] = "T"
    if h ~= 0 then out[#out + 1] = h .. "H" end
    if mi ~= 0 then out[#out + 1] = mi .. "M" end
    if sec ~= 0 or ns ~= 0 then
      local t = tostring(sec)
      if ns ~= 0 then t = t .. "." .. (format("%09d", ns):gsub("0+$", "")) end
      out[#out + 1] = t .. "S"
    end
  end
  return table.concat(out)
end

local function fmt_ymd(v)
  local m = v.months
  if m == 0 then return "P0Y" end
  local a = m < 0 and -m or m
  local y, mo = a // 12, a % 12
  local out = m < 0 and "-P" or "P"
  if y ~= 0 then out = out .. y .. "Y" end
  if mo ~= 0 then out = out .. mo .. "M" end
  return out
end

local function fmt_time(v)
  local s = fmt_clock(v.sod, v.ns)
  if v.zone then return s .. "@" .. v.zone end
  if v.offset then return s .. fmt_offset(v.offset) end
  return s
end

local function fmt_dt(v, iso)
  local s = fmt_date(v.days) .. "T" .. fmt_clock(v.sod, v.ns)
  if v.zone then
    if iso then return s .. fmt_offset(v.offset) .. "[" .. v.zone .. "]" end
    return s .. "@" .. v.zone
  end
  if v.offset then return s .. fmt_offset(v.offset) end
  return s
end

-- The evaluation clock ------------------------------------------------------------------
-- now() and today() read values.diag.now_ms (set per evaluation from the
-- caller's `now` option) and values.diag.zone; otherwise the real clock.

local function real_now_ms()
  return require("luaforce.core.sys").now_ms()
end

--- The evaluation's "now" in epoch milliseconds.
function M.clock_ms()
  local t = values.diag.now_ms
  if t then return t end
  return real_now_ms()
end

function M.clock_epoch() return M.clock_ms() // 1000 end

--- now(): a date-time at the clock's instant in the evaluation's zone
-- (values.diag.zone, else UTC, written with "Z").
function M.now()
  local ms = M.clock_ms()
  local zname = values.diag.zone
  local epoch, ns = ms // 1000, (ms % 1000) * 1000000
  if zname and not UTC_NAMES[zname] then
    local z, err = zone(zname)
    if not z then return nil, err end
    if z.fixed then return dt_at_epoch(epoch, ns, nil, nil, z.fixed) end
    return dt_at_epoch(epoch, ns, zname, z)
  end
  return dt_at_epoch(epoch, ns, nil, nil, 0)
end

-- Arithmetic helpers ----------------------------------------------------------------

local function add_months_ymd(y, m, d, k)
  local total = y * 12 + (m - 1) + k
  local ny, nm = total // 12, total % 12 + 1
  local dim = days_in_month(ny, nm)
  if d > dim then d = dim end
  return ny, nm, d
end

-- A year java.time cannot hold: no calendar day to compute.
local function bad_year(y) return y < -MAX_YEAR or y > MAX_YEAR end

local function date_plus_months(v, k)
  local y, m, d = add_months_ymd(v.y, v.m, v.d, k)
  if bad_year(y) then return nil, OUT_OF_RANGE end
  return new_date(days_from_civil(y, m, d))
end

local function dt_plus_months(v, k)
  local y, m, d = civil_from_days(v.days)
  y, m, d = add_months_ymd(y, m, d, k)
  if bad_year(y) then return nil, OUT_OF_RANGE end
  local days = days_from_civil(y, m, d)
  if v.zobj then return new_dt(days, v.sod, v.ns, nil, v.zone, v.zobj) end
  return new_dt(days, v.sod, v.ns, v.offset)
end

-- date-time + a days-time duration: on the instant line for zoned values
-- (P1D is 24 hours, also across a DST change), on the local line otherwise.
local function dt_plus_dtd(v, d, sign)
  local ds, dns = d.s, d.ns
  if sign < 0 then
    if ds == math.mininteger then return nil, OUT_OF_RANGE end
    ds, dns = -ds, -dns
  end
  local ns = v.ns + dns
  local carry = ns // NANO
  ns = ns % NANO
  if v.zobj then
    local epoch = add_ok(add_ok(v.days * DAY + v.sod - v.offset, ds), carry)
    return dt_at_epoch(epoch, ns, v.zone, v.zobj)
  end
  local loc = add_ok(add_ok(v.days * DAY + v.sod, ds), carry)
  if loc == nil or loc // DAY < MIN_DAYS or loc // DAY > MAX_DAYS then return nil, OUT_OF_RANGE end
  return setmetatable({ days = loc // DAY, sod = loc % DAY, ns = ns, offset = v.offset }, DT_MT)
end

local function dtd_total(d) return d.s, d.ns end

local function dtd_sub(a, b)
  if b.s == math.mininteger then return nil, OUT_OF_RANGE end
  return new_dtd(add_ok(a.s, -b.s), a.ns - b.ns)
end

local function dtd_add(a, b)
  return new_dtd(add_ok(a.s, b.s), a.ns + b.ns)
end

-- A days-time duration as a FEEL number of seconds, and back.
local function dtd_seconds(d)
  if d.ns == 0 then return d.s end
  return N.add(d.s, N.div(d.ns, NANO))
end
M.dtd_seconds = dtd_seconds

local function dtd_from_seconds(x)
  if x == nil then return nil end
  local whole = N.set_scale(x, 0, "floor")
  local frac = N.sub(x, whole)
  local ns = N.set_scale(N.mul(frac, NANO), 0, "half_even")
  local s = N.truncate(whole)
  ns = N.truncate(ns)
  if not s or not ns then return nil, "the duration is out of range" end
  return new_dtd(s, ns)
end

local function local_secs(v) return v.days * DAY + v.sod end
local function epoch_of(v) return v.days * DAY + v.sod - v.offset end

-- Two date-times' difference: both local, or both with offsets.
local function dt_diff(a, b)
  if (a.offset == nil) ~= (b.offset == nil) then
    return nil, "a local date and time and one with an offset cannot be subtracted"
  end
  local sa = a.offset and epoch_of(a) or local_secs(a)
  local sb = b.offset and epoch_of(b) or local_secs(b)
  return new_dtd(sa - sb, a.ns - b.ns)
end

local function time_secs(v)
  return v.sod - (v.offset or 0)
end

local function kind_of(v)
  local mt = getmetatable(v)
  return mt and type(mt) == "table" and mt.__feelkind
end

-- The kinds' arithmetic: a op b where at least one is temporal. Returns the
-- value, or nil, message.
local function arith(op, a, b)
  local ka, kb = kind_of(a), kind_of(b)
  if op == "neg" then
    if ka == "days and time duration" then
      if a.s == math.mininteger then return nil, OUT_OF_RANGE end
      return new_dtd(-a.s, -a.ns)
    end
    if ka == "years and months duration" then return new_ymd(-a.months) end
    return nil
  end
  if op == "+" then
    if kb == "date" or kb == "date and time" or kb == "time" then
      if ka == "days and time duration" or ka == "years and months duration" then a, b, ka, kb = b, a, kb, ka end
    end
  end
  local sign = op == "+" and 1 or (op == "-" and -1 or nil)
  if ka == "date" then
    if sign and kb == "years and months duration" then return date_plus_months(a, sign * b.months) end
    if sign and kb == "days and time duration" then
      -- Camunda: the date at midnight plus the duration, then its date
      local s, ns = dtd_total(b)
      if sign < 0 then
        if s == math.mininteger then return nil, OUT_OF_RANGE end
        s, ns = -s, -ns
      end
      local secs = add_ok(add_ok(a.days * DAY, s), ns // NANO)
      return new_date(secs and secs // DAY)
    end
    if op == "-" and kb == "date" then return new_dtd((a.days - b.days) * DAY, 0) end
    if op == "-" and kb == "date and time" then
      return dt_diff(new_dt(a.days, 0, 0, b.offset), b)
    end
  elseif ka == "date and time" then
    if sign and kb == "years and months duration" then return dt_plus_months(a, sign * b.months) end
    if sign and kb == "days and time duration" then return dt_plus_dtd(a, b, sign) end
    if op == "-" and kb == "date and time" then return dt_diff(a, b) end
    if op == "-" and kb == "date" then return dt_diff(a, new_dt(b.days, 0, 0, a.offset)) end
  elseif ka == "time" then
    if sign and kb == "days and time duration" then
      local s, ns = b.s, b.ns
      if sign < 0 then s, ns = -s, -ns end
      local t = a.ns + ns
      local sod = (a.sod + s % DAY + t // NANO) % DAY
      return new_time(sod, t % NANO, a.offset, a.zone)
    end
    if op == "-" and kb == "time" then
      if (a.offset == nil) ~= (b.offset == nil) then
        return nil, "a local time and one with an offset cannot be subtracted"
      end
      return new_dtd(time_secs(a) - time_secs(b), a.ns - b.ns)
    end
  elseif ka == "days and time duration" then
    if kb == "days and time duration" then
      if op == "+" then return dtd_add(a, b) end
      if op == "-" then return dtd_sub(a, b) end
      if op == "/" then
        if b.s == 0 and b.ns == 0 then return nil, "division by zero" end
        return N.div(dtd_seconds(a), dtd_seconds(b))
      end
    elseif N.is(b) then
      if op == "*" then return dtd_from_seconds((N.mul(dtd_seconds(a), b))) end
      if op == "/" then
        local q, err = N.div(dtd_seconds(a), b)
        if q == nil then return nil, err end
        return dtd_from_seconds(q)
      end
    end
  elseif ka == "years and months duration" then
    if kb == "years and months duration" then
      if op == "+" then return new_ymd(a.months + b.months) end
      if op == "-" then return new_ymd(a.months - b.months) end
      if op == "/" then
        if b.months == 0 then return nil, "division by zero" end
        return N.div(a.months, b.months)
      end
    elseif N.is(b) then
      if op == "*" then
        local m = N.truncate((N.mul(a.months, b)))
        if not m then return nil, "the duration is out of range" end
        return new_ymd(m)
      end
      if op == "/" then
        local q, err = N.div(a.months, b)
        if q == nil then return nil, err end
        return new_ymd(N.truncate(q))
      end
    end
  elseif N.is(a) and op == "*" then
    if kb == "days and time duration" or kb == "years and months duration" then return arith("*", b, a) end
  end
  return nil
end
M.arith = arith

-- Comparison ----------------------------------------------------------------------------

local function cmp(x, y)
  if x < y then return -1 elseif x > y then return 1 end
  return 0
end

local function cmp2(x1, y1, x2, y2)
  local c = cmp(x1, y1)
  if c ~= 0 then return c end
  return cmp(x2, y2)
end

local COMPARE = {
  date = function(a, b) return cmp(a.days, b.days) end,
  time = function(a, b)
    if (a.offset == nil) ~= (b.offset == nil) then return nil end
    return cmp2(time_secs(a), time_secs(b), a.ns, b.ns)
  end,
  ["date and time"] = function(a, b)
    if (a.offset == nil) ~= (b.offset == nil) then return nil end
    if a.offset then return cmp2(epoch_of(a), epoch_of(b), a.ns, b.ns) end
    return cmp2(local_secs(a), local_secs(b), a.ns, b.ns)
  end,
  ["days and time duration"] = function(a, b) return cmp2(a.s, b.s, a.ns, b.ns) end,
  ["years and months duration"] = function(a, b) return cmp(a.months, b.months) end,
}

-- Properties ----------------------------------------------------------------------------

local function offset_dtd(off)
  if off == nil then return nil end
  return new_dtd(off, 0)
end

-- A zone id only (`@Europe/Berlin`): a value with just an offset ("Z",
-- "+01:00") has no timezone in Camunda, its `time offset` says it.
local function zone_name(v)
  return v.zone
end

local function date_props(days, key)
  local y, m, d = civil_from_days(days)
  if key == "year" then return y, true end
  if key == "month" then return m, true end
  if key == "day" then return d, true end
  if key == "weekday" then return weekday(days), true end
  return nil, false
end

local function clock_props(v, key)
  local sod = v.sod
  if key == "hour" then return sod // 3600, true end
  if key == "minute" then return sod % 3600 // 60, true end
  if key == "second" then return sod % 60, true end
  if key == "time offset" then return offset_dtd(v.offset), true end
  if key == "timezone" then return zone_name(v), true end
  return nil, false
end

local function dtd_parts(d)
  local s, ns = d.s, d.ns
  local neg = s < 0
  if neg and ns > 0 then s, ns = -s - 1, NANO - ns elseif neg then s = -s end
  local sg = neg and -1 or 1
  return sg, s // DAY, s % DAY // 3600, s % 3600 // 60, s % 60, ns
end

local PROPERTY = {
  date = function(v, key) return date_props(v.days, key) end,
  time = clock_props,
  ["date and time"] = function(v, key)
    local r, ok = date_props(v.days, key)
    if ok then return r, true end
    if key == "date" then return new_date(v.days), true end
    if key == "time" then return new_time(v.sod, v.ns, v.offset, v.zone), true end
    return clock_props(v, key)
  end,
  ["days and time duration"] = function(v, key)
    local sg, d, h, mi, s, ns = dtd_parts(v)
    if key == "days" then return sg * d, true end
    if key == "hours" then return sg * h, true end
    if key == "minutes" then return sg * mi, true end
    if key == "seconds" then
      if ns == 0 then return sg * s, true end
      return N.mul(sg, N.add(s, N.div(ns, NANO))), true
    end
    return nil, false
  end,
  ["years and months duration"] = function(v, key)
    local m = v.months
    local a = m < 0 and -m or m
    local sg = m < 0 and -1 or 1
    if key == "years" then return sg * (a // 12), true end
    if key == "months" then return sg * (a % 12), true end
    return nil, false
  end,
}

-- Registration ----------------------------------------------------------------------------

-- string() of a zero duration is "P0D", as Camunda writes it; to Lua and
-- JSON it stays "PT0S" (java.time's Duration, what Camunda hands out).
local TOSTRING = {
  date = function(v) return fmt_date(v.days) end,
  time = fmt_time,
  ["date and time"] = function(v) return fmt_dt(v, false) end,
  ["days and time duration"] = function(v)
    if v.s == 0 and v.ns == 0 then return "P0D" end
    return fmt_dtd(v)
  end,
  ["years and months duration"] = fmt_ymd,
}

local TOLUA = {
  date = TOSTRING.date,
  time = fmt_time,
  ["date and time"] = function(v) return fmt_dt(v, true) end,
  ["days and time duration"] = fmt_dtd,
  ["years and months duration"] = fmt_ymd,
}

for k, f in pairs(TOSTRING) do
  local compare = COMPARE[k]
  local prop = PROPERTY[k]
  values.kinds[k] = {
    tostring = f,
    tolua = TOLUA[k],
    compare = compare,
    -- `=` on zoned times and date-times is Camunda's value equality, not
    -- the instant's: the same wall time, offset and zone (10:00+01:00 is not
    -- 11:00+02:00, nor 10:00@Europe/Paris); `<` and `>` order by the instant
    equal = function(a, b)
      local c = compare(a, b)
      if c == nil then return nil end
      return c == 0 and a.offset == b.offset and a.zone == b.zone
    end,
    property = function(v, key)
      local r, ok = prop(v, key)
      if ok then return r end
      return nil, ("%s has no property '%s'"):format(k, key)
    end,
    arith = arith,
  }
end

values.temporal_literal = M.literal
values.zero_duration = function() return new_dtd(0, 0) end

M.format_dtd, M.format_ymd = fmt_dtd, fmt_ymd
M.fmt_date = fmt_date

return M
