--- FEEL builtins: dates, times and durations (conversion and temporal
-- functions), with Camunda's parameter names. Variants that share an
-- argument count but differ in types (`date and time(date, time)` and
-- `date and time(date, timezone)`) dispatch on the kinds inside one impl;
-- named calls pick the variant by its parameter names.
local values = require "luaforce.feel.kinds"
local T = require "luaforce.feel.temporal"
local N = require "luaforce.feel.number"

local kind = values.kind

local DAYS = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" }
local MONTHS = { "January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December" }

-- The day number of a date or a date and time, or nil, message.
local function days_of(v, what)
  local k = kind(v)
  if k == "date" or k == "date and time" then return v.days end
  return nil, ("'%s' must be a date or a date and time, not %s"):format(what or "date", k)
end

local function whole(n)
  if not N.is_whole(n) then return nil end
  return N.truncate(n)
end

-- Seconds (a FEEL number, maybe with a fraction) as whole seconds and nanos.
local function split_seconds(sec)
  local s = N.truncate(sec)
  if s == nil then return nil end
  local frac = N.sub(sec, s)
  local ns = N.truncate((N.mul(frac, 1000000000))) or 0
  return s, ns
end

local function time_of(h, m, sec, offset)
  local hh, mi = whole(h), whole(m)
  local ss, ns = split_seconds(sec)
  if not hh or not mi or not ss or hh < 0 or hh > 23 or mi < 0 or mi > 59 or ss < 0 or ss > 59 or ns < 0 then
    return nil, "the hour, minute and second are no time of day"
  end
  local off
  if offset ~= nil then
    if kind(offset) ~= "days and time duration" then
      return nil, "'offset' must be a days and time duration"
    end
    off = offset.s
    if off > 18 * 3600 or off < -18 * 3600 then return nil, "the offset must be within 18 hours" end
  end
  return T.time(hh * 3600 + mi * 60 + ss, ns, off)
end

-- date and time(date, time): the date part of `d` at time `t`.
local function combine(d, t)
  local days, err = days_of(d, "date")
  if not days then return nil, err end
  if kind(t) ~= "time" then return nil, "'time' must be a time" end
  if t.zone then
    local z, zerr = T.zone(t.zone)
    if not z then return nil, zerr end
    return T.datetime(days, t.sod, t.ns, nil, t.zone, z)
  end
  return T.datetime(days, t.sod, t.ns, t.offset)
end

-- date and time(date, timezone): a zoned value moved to the zone (the same
-- instant), a local one placed in it.
local function in_zone(d, zname)
  if kind(d) ~= "date and time" then return nil, "'date' must be a date and time" end
  local z, err = T.zone(zname)
  if not z then return nil, err end
  local zn, zo = zname, z
  if z.fixed then zn, zo = nil, nil end
  if d.offset == nil then
    if zo then return T.datetime(d.days, d.sod, d.ns, nil, zn, zo) end
    return T.datetime(d.days, d.sod, d.ns, z.fixed)
  end
  local epoch = d.days * 86400 + d.sod - d.offset
  return T.datetime_at(epoch, d.ns, zn, zo, z.fixed)
end

-- Period.between(from, to) in whole months, as java.time counts them.
local function months_between(a, b)
  local y1, m1, d1 = T.civil_from_days(a)
  local y2, m2, d2 = T.civil_from_days(b)
  local months = (y2 * 12 + m2) - (y1 * 12 + m1)
  if months > 0 and d2 < d1 then
    months = months - 1
  elseif months < 0 and d2 > d1 then
    months = months + 1
  end
  return months
end

-- ISO 8601 week of the year (weeks start on Monday; week 1 holds a Thursday).
local function iso_week(days)
  local thursday = days - T.weekday(days) + 4
  local y = T.civil_from_days(thursday)
  local jan1 = T.days_from_civil(y, 1, 1)
  return (thursday - jan1) // 7 + 1
end

return function(def)
  -- conversion ---------------------------------------------------------------
  def("date", { "from: any" }, function(v)
    local k = kind(v)
    if k == "string" then
      local d = T.parse_date(v)
      if not d then return nil, ("'%s' is no date (YYYY-MM-DD)"):format(v) end
      return d
    end
    if k == "date" then return v end
    if k == "date and time" then return T.date(v.days) end
    if v == nil then return nil end
    return nil, "'from' must be a string, a date or a date and time, not " .. k
  end)
  def("date", { "year: number", "month: number", "day: number" }, function(y, m, d)
    local r = T.date_of(whole(y), whole(m), whole(d))
    if not r then return nil, "the year, month and day are no calendar date" end
    return r
  end)

  def("time", { "from: any" }, function(v)
    local k = kind(v)
    if k == "string" then
      local t, err = T.parse_time(v, T.clock_epoch())
      if not t then return nil, err or ("'%s' is no time (hh:mm:ss)"):format(v) end
      return t
    end
    if k == "time" then return v end
    if k == "date and time" then return T.time(v.sod, v.ns, v.offset, v.zone) end
    if k == "date" then return T.time(0, 0, 0) end -- Camunda: midnight UTC
    if v == nil then return nil end
    return nil, "'from' must be a string, a date or a date and time, not " .. k
  end)
  def("time", { "hour: number", "minute: number", "second: number" }, time_of)
  def("time", { "hour: number", "minute: number", "second: number", "offset: any" }, time_of)

  def("date and time", { "from: string" }, function(s)
    local v, err = T.parse_datetime(s)
    if not v then return nil, err or ("'%s' is no date and time (YYYY-MM-DDThh:mm:ss)"):format(s) end
    return v
  end)
  local function two(d, x)
    if d == nil or x == nil then return nil end
    if kind(x) == "string" then return in_zone(d, x) end
    return combine(d, x)
  end
  def("date and time", { "date: any", "time: any" }, two)
  def("date and time", { "date: any", "timezone: string" }, two)

  def("duration", { "from: string" }, function(s)
    local v = T.parse_duration(s)
    if not v then return nil, ("'%s' is no ISO 8601 duration (P1DT2H, P1Y2M)"):format(s) end
    return v
  end)

  def("years and months duration", { "from: any", "to: any" }, function(a, b)
    if a == nil or b == nil then return nil end
    local da, err = days_of(a, "from")
    if not da then return nil, err end
    local db, err2 = days_of(b, "to")
    if not db then return nil, err2 end
    return T.ymd(months_between(da, db))
  end)

  -- temporal -----------------------------------------------------------------
  def("now", {}, function() return T.now() end)
  def("today", {}, function()
    local n, err = T.now()
    if not n then return nil, err end
    return T.date(n.days)
  end)

  local function on_days(name, f)
    def(name, { "date: any" }, function(v)
      if v == nil then return nil end
      local days, err = days_of(v)
      if not days then return nil, err end
      return f(days)
    end)
  end
  on_days("day of week", function(days) return DAYS[T.weekday(days)] end)
  on_days("day of year", function(days)
    local y = T.civil_from_days(days)
    return days - T.days_from_civil(y, 1, 1) + 1
  end)
  on_days("week of year", iso_week)
  on_days("month of year", function(days)
    local _, m = T.civil_from_days(days)
    return MONTHS[m]
  end)
  on_days("last day of month", function(days)
    local y, m = T.civil_from_days(days)
    return T.date(T.days_from_civil(y, m, T.days_in_month(y, m)))
  end)
end
