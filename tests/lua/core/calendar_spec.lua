-- luaforce.core.calendar: day numbers (days since 1970-01-01, proleptic
-- Gregorian) as FEEL, SOQL date values, the local org, Retry-After dates
-- and time zone rules use them. Known values: Python's datetime (years 1
-- to 9999) and java.time's LocalDate.MIN/MAX; everything else is checked by
-- walking day after day, which needs no second copy of the arithmetic.
require "luaforce.core"
local raises = require "support.raises"
local calendar = require "luaforce.core.calendar"

local function date_of(days) return { calendar.civil_from_days(days) } end

describe("luaforce.core.calendar", function()
  -- { y, m, d, days, ISO weekday }
  local rows = {
    { 1970, 1, 1, 0, 4 },
    { 1969, 12, 31, -1, 3 },
    { 2000, 2, 29, 11016, 2 },
    { 1900, 3, 1, -25508, 4 },
    { 2100, 2, 28, 47540, 7 },
    { 2024, 1, 31, 19753, 3 },
    { 1, 1, 1, -719162, 1 },
    { 9999, 12, 31, 2932896, 5 },
    { 0, 2, 29, -719469, 2 }, -- year 0 (1 BC) is a leap year
    { 0, 1, 1, -719528, 6 },
    { -1, 3, 1, -719834, 1 },
    { -1, 2, 28, -719835, 7 }, -- year -1 is not
    { -400, 3, 1, -865565, 3 },
    { -999999999, 1, 1, -365243219162, 1 }, -- java.time LocalDate.MIN
    { 999999999, 12, 31, 365241780471, 5 }, -- and MAX
  }

  it("converts known dates both ways, with their weekdays", function()
    for _, r in ipairs(rows) do
      local y, m, d, days, wd = table.unpack(r)
      assert.are.equal(days, calendar.days_from_civil(y, m, d), ("%d-%02d-%02d"):format(y, m, d))
      assert.are.same({ y, m, d }, date_of(days))
      assert.are.equal(wd, calendar.weekday(days))
    end
  end)

  it("returns integers, also for floats with an integer value", function()
    assert.are.equal("integer", math.type(calendar.days_from_civil(2024.0, 3.0, 1.0)))
    assert.are.same({ 2024, 3, 1 }, date_of(calendar.days_from_civil(2024.0, 3.0, 1.0) + 0.0))
    for _, v in ipairs(date_of(19783.0)) do assert.are.equal("integer", math.type(v)) end
  end)

  it("walks every day from year -10000 to 10000 without a gap", function()
    local first, last = calendar.days_from_civil(-10000, 1, 1), calendar.days_from_civil(10000, 12, 31)
    local civil, back, dim = calendar.civil_from_days, calendar.days_from_civil, calendar.days_in_month
    local py, pm, pd = -10001, 12, 31
    local bad
    for days = first, last do
      local y, m, d = civil(days)
      local ny, nm, nd = py, pm, pd + 1
      if nd > dim(py, pm) then
        nd, nm = 1, nm + 1
        if nm > 12 then nm, ny = 1, ny + 1 end
      end
      if y ~= ny or m ~= nm or d ~= nd or back(y, m, d) ~= days then
        bad = ("day %d is %d-%d-%d, after %d-%d-%d"):format(days, y, m, d, py, pm, pd)
        break
      end
      py, pm, pd = y, m, d
    end
    assert.is_nil(bad)
    assert.are.same({ 10000, 12, 31 }, { py, pm, pd })
  end)

  it("counts a day past the month's end on into the next month", function()
    assert.are.equal(calendar.days_from_civil(2024, 2, 1), calendar.days_from_civil(2024, 1, 32))
    assert.are.equal(calendar.days_from_civil(2024, 2, 29), calendar.days_from_civil(2024, 3, 0))
    assert.are.equal(calendar.days_from_civil(2015, 10, 1) + 98, calendar.days_from_civil(2015, 10, 99))
  end)

  it("knows leap years and month lengths", function()
    for _, y in ipairs { 2000, 2024, 1600, 0, -4, -400 } do
      assert.is_true(calendar.is_leap(y), y)
      assert.are.equal(29, calendar.days_in_month(y, 2))
    end
    for _, y in ipairs { 1900, 2100, 2023, 1, -1, -100 } do
      assert.is_false(calendar.is_leap(y), y)
      assert.are.equal(28, calendar.days_in_month(y, 2))
    end
    local lengths = {}
    for m = 1, 12 do lengths[m] = calendar.days_in_month(2023, m) end
    assert.are.same({ 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }, lengths)
  end)

  it("round-trips years far beyond the calendar (tz rules, FEEL arithmetic)", function()
    for _, y in ipairs { 3000000000, -3000000000, 25000000000000000, -25000000000000000 } do
      assert.are.same({ y, 7, 15 }, date_of(calendar.days_from_civil(y, 7, 15)))
    end
  end)

  it("wraps like Lua integers at the ends of the integer range instead of failing", function()
    local y, m, d = calendar.civil_from_days(math.maxinteger)
    assert.are.equal("integer", math.type(y))
    assert.is_true(m >= 1 and m <= 12 and d >= 1 and d <= 31)
    assert.are.equal("integer", math.type(calendar.days_from_civil(math.mininteger, 1, math.maxinteger)))
    local w = calendar.weekday(math.mininteger)
    assert.is_true(w >= 1 and w <= 7)
  end)

  it("raises on a month outside 1..12 and on arguments that are no integers", function()
    raises(function() calendar.days_from_civil(2024, 13, 1) end, "#2", "days_from_civil", "month must be from 1 to 12, got 13")
    raises(function() calendar.days_in_month(2024, 0) end, "#2", "days_in_month", "month must be from 1 to 12, got 0")
    raises(function() calendar.civil_from_days(1.5) end, "#1", "civil_from_days", "number has no integer representation")
    raises(function() calendar.weekday("monday") end, "#1", "weekday", "number expected, got string")
    raises(function() calendar.is_leap(nil) end, "#1", "is_leap", "number expected, got nil")
  end)
end)
