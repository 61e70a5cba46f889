--- luaforce.emulator.date_literals: SOQL's relative date literals (TODAY,
-- LAST_N_DAYS:30, THIS_FISCAL_QUARTER, ...) as half-open ranges of days.
--
-- Every literal is a range [first day, day after the last) in day numbers
-- (days since 1970-01-01), computed from "now" in UTC: the local org's users
-- all live in UTC, so "today" is the UTC day of `now`. Weeks start on Sunday
-- (the en_US locale) and the fiscal year is the calendar year, so the FISCAL
-- forms equal their calendar twins.
--
-- The ranges, with `today` the current day and "unit" one of WEEK, MONTH,
-- QUARTER, YEAR (the current unit is the one holding today):
--   TODAY / YESTERDAY / TOMORROW    that one day
--   THIS_unit / LAST_unit / NEXT_unit   the current / previous / next unit
--   LAST_N_DAYS:n   [today - n, today + 1): today AND the n days before it,
--                   n + 1 days in all. Salesforce's guide says "starts with
--                   the current day and continues for the past n days; this
--                   includes the current day", so LAST_N_DAYS:1 is yesterday
--                   and today. LAST_90_DAYS is LAST_N_DAYS:90.
--   NEXT_N_DAYS:n   [today + 1, today + n + 1): the n days after today, not
--                   today. NEXT_90_DAYS is NEXT_N_DAYS:90.
--   N_DAYS_AGO:n    the single day today - n.
--   LAST_N_units:n  the n whole units before the current one (not it).
--   NEXT_N_units:n  the n whole units after the current one (not it).
--   N_units_AGO:n   the single unit n units before the current one.
local dt = require "luaforce.emulator.datetime"

local M = {}

local DAY_MS = 86400000

-- Unit arithmetic: each unit numbers its periods (days from 1970-01-01, weeks
-- from the first Sunday of 1970, months and quarters from year 0) and knows
-- the first day of period i.
local UNITS = {
  DAY = {
    index = function(today) return today end,
    first = function(i) return i end,
  },
  WEEK = {
    -- weeks run Sunday..Saturday; day 3 (1970-01-04) was a Sunday
    index = function(today) return (today - 3) // 7 end,
    first = function(i) return i * 7 + 3 end,
  },
  MONTH = {
    index = function(today)
      local y, m = dt.civil_from_days(today)
      return y * 12 + (m - 1)
    end,
    first = function(i) return dt.days_from_civil(i // 12, i % 12 + 1, 1) end,
  },
  QUARTER = {
    index = function(today)
      local y, m = dt.civil_from_days(today)
      return y * 4 + (m - 1) // 3
    end,
    first = function(i) return dt.days_from_civil(i // 4, (i % 4) * 3 + 1, 1) end,
  },
  YEAR = {
    index = function(today) return (dt.civil_from_days(today)) end,
    first = function(i) return dt.days_from_civil(i, 1, 1) end,
  },
}

-- [first day of unit index a, first day of unit index b)
local function span(unit, a, b)
  local u = UNITS[unit]
  return u.first(a), u.first(b)
end

-- The literal forms: name -> {unit, how, [fixed n]}.
-- how: "this" (the period at offset k from the current one), "last_n",
-- "next_n", "ago", and "last_n_days" (which, unlike the others, includes today).
local FORMS = {
  TODAY = { "DAY", "this", 0 },
  YESTERDAY = { "DAY", "this", -1 },
  TOMORROW = { "DAY", "this", 1 },
  LAST_90_DAYS = { "DAY", "last_n_days", n = 90 },
  NEXT_90_DAYS = { "DAY", "next_n", n = 90 },
  LAST_N_DAYS = { "DAY", "last_n_days" },
  NEXT_N_DAYS = { "DAY", "next_n" },
  N_DAYS_AGO = { "DAY", "ago" },
}
for _, unit in ipairs { "WEEK", "MONTH", "QUARTER", "YEAR" } do
  local plural = unit .. "S"
  local forms = { unit }
  if unit == "QUARTER" or unit == "YEAR" then forms[2] = "FISCAL_" .. unit end
  for _, u in ipairs(forms) do
    local p = u == unit and plural or "FISCAL_" .. plural
    FORMS["THIS_" .. u] = { unit, "this", 0 }
    FORMS["LAST_" .. u] = { unit, "this", -1 }
    FORMS["NEXT_" .. u] = { unit, "this", 1 }
    FORMS["LAST_N_" .. p] = { unit, "last_n" }
    FORMS["NEXT_N_" .. p] = { unit, "next_n" }
    FORMS["N_" .. p .. "_AGO"] = { unit, "ago" }
  end
end

--- True when `name` (upper case) is a date literal; the second value is true
-- when it takes a `:n` argument.
function M.known(name)
  local f = FORMS[name]
  if not f then return false end
  return true, f[2] ~= "this" and f.n == nil
end

--- The day range of a literal: `first, stop` (day numbers, stop exclusive),
-- for `name` (upper case), its argument `n` (for the `:n` forms) and `now`
-- (epoch milliseconds, default the real clock). Unknown names or a missing
-- or negative `n` give nil and a reason.
function M.range(name, n, now)
  local f = FORMS[name]
  if not f then return nil, ("unknown date literal: %s"):format(tostring(name)) end
  now = now or dt.now_ms()
  local today = now // DAY_MS
  local unit, how = f[1], f[2]
  if how ~= "this" then
    n = f.n or n
    if math.type(n) ~= "integer" or n < 0 then
      return nil, ("date literal %s needs a non-negative integer argument"):format(name)
    end
  end
  local cur = UNITS[unit].index(today)
  if how == "this" then
    return span(unit, cur + f[3], cur + f[3] + 1)
  elseif how == "last_n_days" then
    return today - n, today + 1
  elseif how == "last_n" then
    return span(unit, cur - n, cur)
  elseif how == "next_n" then
    return span(unit, cur + 1, cur + 1 + n)
  else -- ago
    return span(unit, cur - n, cur - n + 1)
  end
end

--- The range as stored-form strings for a field of `kind` "date" (`"YYYY-MM-DD"`)
-- or "datetime" (`"YYYY-MM-DDT00:00:00.000+0000"`, the UTC midnights), so that a
-- value v is in the range when `first <= v and v < stop` as text.
function M.bounds(kind, name, n, now)
  local a, b = M.range(name, n, now)
  if not a then return nil, b end
  if kind == "datetime" then
    return dt.format_datetime(a * DAY_MS), dt.format_datetime(b * DAY_MS)
  end
  return dt.format_date(a), dt.format_date(b)
end

return M
