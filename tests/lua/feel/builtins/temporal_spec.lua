-- FEEL temporal builtins (lua/luaforce/feel/builtins/temporal.lua): date(),
-- time(), date and time(), duration(), years and months duration() in
-- every variant, positional and by Camunda's parameter names; day of week,
-- day of year, week of year (ISO), month of year, last day of month; now()
-- and today() on the caller's clock; nulls and the failures (null with a
-- warning) of arguments that are no date, time or duration.
local feel = require "luaforce.feel"
local rows = require "feel.rows"
local NULL = rows.NULL

describe("FEEL temporal builtins", function()
  describe("conversion and temporal functions", function()
    rows.run {
      { 'date("2012-12-25")', "2012-12-25" }, { "date(2012, 12, 25)", "2012-12-25" },
      { 'date(date and time("2012-12-25T11:00:00+01:00"))', "2012-12-25" },
      { "date(2023, 2, 29)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'date("2012-12-25T11:00:00")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'time("23:59:00")', "23:59:00" }, { 'time("T23:59:00+01:00")', "23:59:00+01:00" },
      { "time(23, 59, 0)", "23:59:00" }, { "time(14, 30, 1.5)", "14:30:01.5" },
      { 'time(14, 30, 0, duration("PT1H"))', "14:30:00+01:00" },
      { 'time(date and time("2012-12-25T11:00:00"))', "11:00:00" },
      { "time(24, 0, 0)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'date and time("2012-12-24")', "2012-12-24T00:00:00" },
      { 'date and time(date("2012-12-24"), time("23:59:00"))', "2012-12-24T23:59:00" },
      { 'date and time(date: date("2012-12-24"), time: time("23:59:00+01:00"))', "2012-12-24T23:59:00+01:00" },
      { 'date and time(date: @"2024-01-15T10:00:00Z", timezone: "Europe/Berlin")',
        "2024-01-15T11:00:00+01:00[Europe/Berlin]" },
      { 'duration("P2DT20H14M")', "P2DT20H14M" }, { 'duration("P2Y4M")', "P2Y4M" },
      { 'duration("2 days")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'years and months duration(date("2011-12-22"), date("2013-08-24"))', "P1Y8M" },
      { 'years and months duration(date("2013-08-24"), date("2011-12-22"))', "-P1Y8M" },
      { 'years and months duration(date("2024-03-31"), date("2024-01-01"))', "-P2M" },
      { 'years and months duration(from: @"2024-01-31", to: @"2024-02-29")', "P0Y" },
      { 'day of week(@"2019-09-17")', "Tuesday" },
      { 'day of week(@"2019-09-22T12:00:00")', "Sunday" },
      { 'day of year(@"2019-09-17")', 260 }, { 'day of year(@"2024-12-31")', 366 },
      { 'week of year(@"2019-09-17")', 38 }, { 'week of year(@"2021-01-03")', 53 },
      { 'week of year(@"2024-12-30")', 1 },
      { 'month of year(@"2019-09-17")', "September" },
      { 'last day of month(@"2024-02-10")', "2024-02-29" },
      { 'last day of month(@"2023-02-10T10:00:00")', "2023-02-28" },
      { 'day of week("2019-09-17")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    }
  end)

  describe("now() and today() follow the caller's clock", function()
    it("takes an ISO date-time or epoch milliseconds", function()
      local opts = { now = "2024-03-31T23:30:00Z" }
      assert.equal("2024-03-31T23:30:00Z", (feel.eval("now()", nil, opts)))
      assert.equal("2024-03-31", (feel.eval("today()", nil, opts)))
      assert.equal("2024-04-01T01:30:00+02:00[Europe/Berlin]",
        (feel.eval("now()", nil, { now = "2024-03-31T23:30:00Z", zone = "Europe/Berlin" })))
      assert.equal("2024-04-01", (feel.eval("today()", nil, { now = "2024-03-31T23:30:00Z", zone = "Europe/Berlin" })))
      assert.equal("1970-01-02T00:00:00.5Z", (feel.eval("now()", nil, { now = 86400500 })))
      assert.is_true((feel.eval('now() > @"2020-01-01T00:00:00Z"')))
      assert.equal(3, (feel.eval("today().month", nil, opts)))
    end)
    it("refuses a clock that is no date-time", function()
      assert.has_error(function() feel.eval("now()", nil, { now = "soon" }) end)
    end)
  end)

  describe("conversions by parameter name and from every kind", function()
    rows.run {
      { 'date(from: "2024-02-29")', "2024-02-29" }, { "date(year: 2024, month: 2, day: 29)", "2024-02-29" },
      { 'date(@"2024-01-31")', "2024-01-31" }, { 'date(@"2024-01-31T23:59:59+14:00")', "2024-01-31" },
      { "time(hour: 9, minute: 5, second: 0)", "09:05:00" },
      { 'time(hour: 9, minute: 5, second: 0, offset: @"-PT5H30M")', "09:05:00-05:30" },
      { "time(9, 5, 59.999)", "09:05:59.999" },
      -- a date's time is midnight UTC, as Camunda has it
      { 'time(@"2024-01-31")', "00:00:00Z" },
      { 'time(@"2024-01-31T10:00:00+02:00")', "10:00:00+02:00" },
      { 'time(@"2024-01-31T10:00:00@Europe/Berlin")', "10:00:00@Europe/Berlin" },
      { 'time("10:00:00@Europe/Berlin")', "10:00:00@Europe/Berlin" },
      { 'date and time("2024-01-31T10:00:00@Europe/Paris")', "2024-01-31T10:00:00+01:00[Europe/Paris]" },
      { 'date and time(date("2024-01-31"), time("10:00:00@Europe/Berlin"))',
        "2024-01-31T10:00:00+01:00[Europe/Berlin]" },
      -- the date part of a date and time, at the time given
      { 'date and time(@"2024-01-31T23:00:00", time("10:00:00"))', "2024-01-31T10:00:00" },
      -- a local date and time placed at an offset; a zoned one moved to it
      { 'date and time(@"2024-01-31T10:00:00", "+05:00")', "2024-01-31T10:00:00+05:00" },
      { 'date and time(@"2024-01-31T10:00:00Z", "+05:00")', "2024-01-31T15:00:00+05:00" },
      { 'duration(from: "PT1H")', "PT1H" },
      { 'years and months duration(@"2024-01-31T10:00:00", @"2025-03-01T00:00:00")', "P1Y1M" },
      { 'years and months duration(@"2024-01-01", @"2024-01-01")', "P0Y" },
      { 'years and months duration(@"2024-01-31", @"2024-02-28")', "P0Y" },
    }
  end)

  describe("calendar facts", function()
    rows.run {
      { 'day of week(date: @"2024-01-01")', "Monday" },
      { 'day of week(@"2024-03-31T00:30:00@Europe/Berlin")', "Sunday" },
      { 'day of year(@"2024-01-01")', 1 }, { 'day of year(@"2023-12-31")', 365 },
      -- ISO weeks: week 1 holds the year's first Thursday
      { 'week of year(@"2024-01-01")', 1 }, { 'week of year(@"2023-01-01")', 52 },
      { 'week of year(@"2020-12-31")', 53 },
      { 'month of year(@"2024-12-01T00:00:00Z")', "December" },
      { 'last day of month(@"2024-12-15")', "2024-12-31" },
      { 'last day of month(@"2100-02-01")', "2100-02-28" }, { 'last day of month(@"2000-02-01")', "2000-02-29" },
    }
  end)

  describe("nulls", function()
    rows.run {
      { "date(null)", NULL }, { "time(null)", NULL }, { 'date and time(null, time("10:00:00"))', NULL },
      { 'date and time(date("2024-01-31"), null)', NULL },
      { 'years and months duration(null, @"2024-01-01")', NULL },
      { "day of week(null)", NULL }, { "last day of month(null)", NULL },
    }
  end)

  describe("arguments that are no date, time or duration", function()
    -- { expression, the warning's message }
    rows.failures {
      { "date(5)", "'from' must be a string, a date or a date and time, not number" },
      { 'date(@"10:00:00")', "'from' must be a string, a date or a date and time, not time" },
      { "date(2024.5, 1, 1)", "the year, month and day are no calendar date" },
      { "date(2024, 13, 1)", "the year, month and day are no calendar date" },
      { "time(5)", "'from' must be a string, a date or a date and time, not number" },
      { 'time("25:00:00")', "'25:00:00' is no time (hh:mm:ss)" },
      { "time(9, 60, 0)", "the hour, minute and second are no time of day" },
      { "time(-1, 0, 0)", "the hour, minute and second are no time of day" },
      { "time(9.5, 0, 0)", "the hour, minute and second are no time of day" },
      { 'time(9, 5, 0, @"PT19H")', "the offset must be within 18 hours" },
      { 'time(9, 5, 0, @"P1M")', "'offset' must be a days and time duration" },
      { 'date and time("nope")', "'nope' is no date and time (YYYY-MM-DDThh:mm:ss)" },
      { 'date and time(date("2024-01-31"), 5)', "'time' must be a time" },
      { 'date and time(5, time("10:00:00"))', "'date' must be a date or a date and time, not number" },
      { 'date and time(date("2024-01-31"), "Europe/Berlin")', "'date' must be a date and time" },
      { 'date and time(@"2024-01-31T10:00:00Z", "Nowhere/City")', "unknown time zone 'Nowhere/City'" },
      { 'duration("P1Y2M3D")', "'P1Y2M3D' is no ISO 8601 duration (P1DT2H, P1Y2M)" },
      { 'years and months duration(@"10:00:00", @"2024-01-01")',
        "'from' must be a date or a date and time, not time" },
      { 'years and months duration(@"2024-01-01", "2024-02-01")',
        "'to' must be a date or a date and time, not string" },
      { 'last day of month(@"10:00:00")', "'date' must be a date or a date and time, not time" },
      { "today(1)", "takes today(), not 1 argument" },
    }
  end)
end)
