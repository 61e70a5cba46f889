--- luaforce.emulator.datetime: Salesforce dates and date-times as the local
-- org stores, compares and prints them.
--
-- Stored forms are canonical strings that sort the way their values do:
--   date      "2024-01-31"
--   datetime  "2024-01-31T10:00:00.000+0000"   (always UTC, milliseconds)
-- so comparisons and ORDER BY work on the strings themselves. Arithmetic goes
-- through day numbers (days since 1970-01-01) and epoch milliseconds, with
-- the proleptic Gregorian calendar and no dependence on the process's TZ.
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local calendar = require "luaforce.core.calendar"

local M = {}

local floor = math.floor

local days_from_civil, civil_from_days = calendar.days_from_civil, calendar.civil_from_days
local days_in_month = calendar.days_in_month

--- Days since 1970-01-01 of a civil date, and the civil date (y, m, d) of
-- a day number (luaforce.core.calendar's).
M.days_from_civil = days_from_civil
M.civil_from_days = civil_from_days

--- 0 = Sunday ... 6 = Saturday (Salesforce weeks start on Sunday; the
-- calendar's ISO weekday has Sunday = 7).
function M.weekday(days) return calendar.weekday(days) % 7 end

--- Parses "YYYY-MM-DD"; returns the day number or nil.
function M.parse_date(s)
  if type(s) ~= "string" then return nil end
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m < 1 or m > 12 or d < 1 or d > days_in_month(y, m) then return nil end
  return days_from_civil(y, m, d)
end

--- Parses an ISO date-time as Salesforce accepts it:
-- `YYYY-MM-DDTHH:MM:SS(.fff)?(Z|+HH:MM|+HHMM|-HH:MM|-HHMM)`; with `lenient`,
-- a missing zone (read as UTC) and a space instead of `T` are also taken.
-- Returns epoch milliseconds or nil.
function M.parse_datetime(s, lenient)
  if type(s) ~= "string" then return nil end
  local date, hh, mi, ss, rest = s:match("^(%d%d%d%d%-%d%d%-%d%d)[T ](%d%d):(%d%d):(%d%d)(.*)$")
  if not date or (not lenient and not s:find("T", 1, true)) then return nil end
  local days = M.parse_date(date)
  if not days then return nil end
  hh, mi, ss = tonumber(hh), tonumber(mi), tonumber(ss)
  if hh > 23 or mi > 59 or ss > 59 then return nil end
  local ms = 0
  local frac, zone = rest:match("^%.(%d+)(.*)$")
  if frac then
    ms = floor(tonumber((frac .. "00"):sub(1, 3)))
    rest = zone
  end
  local offset
  if rest == "Z" then
    offset = 0
  elseif rest == "" then
    if not lenient then return nil end
    offset = 0
  else
    local sign, oh, om = rest:match("^([+-])(%d%d):?(%d%d)$")
    if not sign then return nil end
    oh, om = tonumber(oh), tonumber(om)
    if oh > 18 or om > 59 then return nil end
    offset = (oh * 60 + om) * (sign == "-" and -1 or 1)
  end
  return ((days * 86400 + hh * 3600 + mi * 60 + ss) - offset * 60) * 1000 + ms
end

--- "YYYY-MM-DD" of a day number.
function M.format_date(days)
  local y, m, d = civil_from_days(days)
  return ("%04d-%02d-%02d"):format(y, m, d)
end

--- Salesforce's "YYYY-MM-DDTHH:MM:SS.fff+0000" of epoch milliseconds.
function M.format_datetime(ms)
  local secs = ms // 1000
  local days = secs // 86400
  local rem = secs - days * 86400
  return ("%sT%02d:%02d:%02d.%03d+0000"):format(M.format_date(days),
    rem // 3600, rem % 3600 // 60, rem % 60, ms % 1000)
end

--- Normalizes a date-time text to the stored form, or nil when malformed.
function M.normalize_datetime(s, lenient)
  local ms = M.parse_datetime(s, lenient)
  return ms and M.format_datetime(ms)
end

require "luaforce.core" -- registers luaforce.core.* in package.preload under a stock lua5.4
local sys = require "luaforce.core.sys"

--- The current time in epoch milliseconds (the real clock).
function M.now_ms()
  return sys.now_ms()
end

--- A clock: `clock.now()` gives epoch milliseconds. With `fixed` (an ISO
-- date-time or epoch ms) the clock starts there and advances with real time,
-- so a fixed `--now` keeps CreatedDate increasing within one run; with
-- `frozen = true` it never moves. `clock.fixed` is that starting instant
-- (nil for the real clock): what the demo data is relative to, so that a
-- fixed `--now` gives the same data however long start-up takes.
function M.clock(fixed, frozen)
  local base = fixed
  if type(fixed) == "string" then
    base = M.parse_datetime(fixed, true) or M.parse_date(fixed) and M.parse_date(fixed) * 86400000
    if not base then return nil, ("not an ISO date-time: '%s'"):format(fixed) end
  end
  local started = M.now_ms()
  local c = { fixed = base }
  function c.now()
    if not base then return M.now_ms() end
    if frozen then return base end
    return base + (M.now_ms() - started)
  end
  function c.today() return c.now() // 86400000 end
  return c
end

return M
