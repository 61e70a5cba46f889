-- Dates, times, date-times and durations: literals, parsing (Salesforce's
-- +0000 too), text, properties, comparison, arithmetic (month-end clamping,
-- a Berlin DST change). The temporal builtins (date(), now(), day of week(),
-- ...) and the caller's clock: tests/lua/feel/builtins/temporal_spec.lua.
local feel = require "luaforce.feel"
local rows = require "feel.rows"
local NULL = rows.NULL

describe("FEEL temporal values", function()
  describe("literals and text", function()
    rows.run {
      { '@"2024-01-31"', "2024-01-31" },
      { 'string(@"2024-01-31")', "2024-01-31" },
      { '@"10:30:00"', "10:30:00" },
      { '@"10:30:00.250+01:00"', "10:30:00.25+01:00" },
      { '@"2024-01-31T10:00:00"', "2024-01-31T10:00:00" },
      { '@"2024-01-31T10:00:00Z"', "2024-01-31T10:00:00Z" },
      { '@"2024-01-31T10:00:00-05:00"', "2024-01-31T10:00:00-05:00" },
      -- a zoned value reaches Lua/JSON with its offset, string() as Camunda writes it
      { '@"2024-01-31T10:00:00@Europe/Berlin"', "2024-01-31T10:00:00+01:00[Europe/Berlin]" },
      { 'string(@"2024-07-31T10:00:00@Europe/Berlin")', "2024-07-31T10:00:00@Europe/Berlin" },
      { 'date and time("2018-04-29T09:30:00+02:00[Europe/Berlin]")', "2018-04-29T09:30:00+02:00[Europe/Berlin]" },
      { '@"PT30S"', "PT30S" },
      { '@"P1DT2H3M4S"', "P1DT2H3M4S" },
      -- negative durations carry one leading sign, as Camunda writes them
      { 'string(@"-P1DT2H3M4S")', "-P1DT2H3M4S" },
      { 'string(@"-PT1S")', "-PT1S" },
      { '@"-P1D"', "-P1D" },
      { 'duration("PT-3M-4S")', "-PT3M4S" },
      { '@"PT90M"', "PT1H30M" },
      { '@"PT1.5S"', "PT1.5S" },
      { '@"P0D"', "PT0S" },
      { '@"P1Y2M"', "P1Y2M" },
      { '@"P14M"', "P1Y2M" },
      { 'string(@"-P1Y2M")', "-P1Y2M" },
      { '@"-P1M"', "-P1M" },
      { '@"2024-02-30"', NULL, warn = "INVALID_TYPE" },
      { '@"P1Y2D"', NULL, warn = "INVALID_TYPE" },
      { '@"yesterday"', NULL, warn = "INVALID_TYPE" },
    }
  end)

  describe("years before 0000-03-01 (proleptic Gregorian; year 0 is a leap year)", function()
    rows.run {
      { '@"-0400-03-01"', "-0400-03-01" },
      { '@"-0400-03-01" - @"-0400-02-29"', "P1D" },
      { '@"-0001-03-01" - @"-0001-02-28"', "P1D" },
      { '@"0000-03-01" - @"0000-02-28"', "P2D" },
      { '@"0000-01-01" - duration("P1D")', "-0001-12-31" },
      { '@"-0001-02-28".weekday', 7 },
      { 'date(-999999999, 1, 1) - date(999999999, 12, 31)', "-P730484999633D" },
    }
  end)

  describe("Salesforce date-times", function()
    rows.run {
      { 'date and time("2023-04-12T09:15:30.000+0000")', "2023-04-12T09:15:30Z" },
      { 'date and time("2023-04-12T09:15:30.000+0000").time offset', "PT0S" },
      -- `=` is Camunda's value equality (the same wall time, offset and zone)
      { 'date and time("2023-04-12T09:15:30.000+0200") = @"2023-04-12T09:15:30+02:00"', true },
      { 'date and time("2023-04-12T09:15:30.000+0200") = @"2023-04-12T07:15:30Z"', false },
      { 'date and time("2023-04-12T09:15:30.000+0000") = @"2023-04-12T09:15:30Z"', true },
      { 'date(date and time(r.CreatedDate))', "2023-04-12", { r = { CreatedDate = "2023-04-12T23:59:59.000+0000" } } },
      { 'date and time(r.CreatedDate) > date and time("2023-01-01T00:00:00Z")', true,
        { r = { CreatedDate = "2023-04-12T09:15:30.000+0000" } } },
      { 'date(r.CloseDate) + @"P30D"', "2023-05-12", { r = { CloseDate = "2023-04-12" } } },
    }
  end)

  describe("properties", function()
    rows.run {
      { '@"2024-01-31".year', 2024 }, { '@"2024-01-31".month', 1 }, { '@"2024-01-31".day', 31 },
      { '@"2024-01-31".weekday', 3 }, -- a Wednesday (ISO: Monday = 1)
      { '@"2024-01-31T10:20:30".hour', 10 }, { '@"2024-01-31T10:20:30".minute', 20 },
      { '@"2024-01-31T10:20:30".second', 30 },
      { '@"2024-01-31T10:20:30".time offset', NULL },
      { '@"2024-01-31T10:20:30+05:30".time offset', "PT5H30M" },
      { '@"2024-07-31T10:00:00@Europe/Berlin".time offset', "PT2H" },
      { '@"2024-07-31T10:00:00@Europe/Berlin".timezone', "Europe/Berlin" },
      { '@"2024-07-31T10:00:00".timezone', NULL },
      -- an offset is no timezone: only zone ids have one
      { '@"2024-01-31T10:30:15Z".timezone', NULL },
      { '@"2024-01-31T10:30:15+01:00".timezone', NULL },
      { '@"10:20:30+01:00".timezone', NULL },
      { '@"10:20:30+01:00".hour', 10 },
      { '@"P2DT3H4M5S".days', 2 }, { '@"P2DT3H4M5S".hours', 3 }, { '@"P2DT3H4M5S".minutes', 4 },
      { '@"P2DT3H4M5S".seconds', 5 }, { '@"-PT90M".hours', -1 }, { '@"-PT90M".minutes', -30 },
      { '@"P1Y8M".years', 1 }, { '@"P1Y8M".months', 8 }, { '@"-P14M".months', -2 },
      { '@"2024-01-31".hour', NULL, warn = "NO_PROPERTY_FOUND" },
    }
  end)

  describe("comparison", function()
    rows.run {
      { '@"2024-01-31" < @"2024-02-01"', true },
      { '@"2024-01-31" = date(2024, 1, 31)', true },
      -- `=` on zoned values is Camunda's (ValComparator: java.time equality):
      -- the same wall time, offset and zone; `<`, `>` compare instants
      { '@"2024-01-31T10:00:00+01:00" = @"2024-01-31T09:00:00Z"', false },
      { '@"2024-01-31T10:00:00@Europe/Berlin" = @"2024-01-31T09:00:00Z"', false },
      { '@"2024-01-31T10:00:00@Europe/Berlin" = @"2024-01-31T10:00:00+01:00"', false },
      { '@"2024-01-31T10:00:00@Europe/Berlin" = @"2024-01-31T10:00:00@Europe/Berlin"', true },
      { '@"2024-01-31T10:00:00+01:00" <= @"2024-01-31T09:00:00Z"', true },
      { '@"2024-01-31T10:00:00Z" = @"2024-01-31T10:00:00+00:00"', true },
      { 'time("10:00:00+01:00") = time("11:00:00+02:00")', false },
      { 'time("10:00:00+01:00") = time("10:00:00+02:00")', false },
      { 'time("10:00:00+01:00") = time("10:00:00+01:00")', true },
      { '@"10:00:00@Europe/Paris" = @"10:00:00+01:00"', false },
      { '@"2024-07-31T10:00:00@Europe/Berlin" < @"2024-07-31T09:00:00Z"', true },
      { '@"PT1H" = @"PT60M"', true }, { '@"P1D" > @"PT23H"', true },
      { '@"P1Y" = @"P12M"', true }, { '@"P1Y" < @"P13M"', true },
      { '@"10:00:00" < @"11:00:00"', true },
      { '@"2024-01-31" between @"2024-01-01" and @"2024-12-31"', true },
      -- a local date-time has no instant: it does not compare with an offset one
      { '@"2024-01-31T10:00:00" < @"2024-01-31T10:00:00Z"', NULL, warn = "NOT_COMPARABLE" },
      { '@"2024-01-31" = "2024-01-31"', NULL, warn = "NOT_COMPARABLE" },
      { '@"2024-01-31" instance of date', true },
      { '@"2024-01-31T10:00:00" instance of date and time', true },
      { '@"10:00:00" instance of time', true },
      { '@"PT1S" instance of days and time duration', true },
      { '@"P1M" instance of years and months duration', true },
      { '@"P1M" instance of days and time duration', false },
    }
  end)

  describe("arithmetic", function()
    rows.run {
      -- month arithmetic clamps to the month's end
      { '@"2024-01-31" + @"P1M"', "2024-02-29" },
      { '@"2023-01-31" + @"P1M"', "2023-02-28" },
      { '@"2024-03-31" - @"P1M"', "2024-02-29" },
      { '@"2024-02-29" + @"P1Y"', "2025-02-28" },
      { '@"2024-01-31T10:00:00" + @"P1M"', "2024-02-29T10:00:00" },
      { '@"P1M" + @"2024-01-31"', "2024-02-29" },
      { '@"2024-01-31" + @"P1D"', "2024-02-01" },
      { '@"2024-12-31T23:59:59Z" + @"PT1S"', "2025-01-01T00:00:00Z" },
      { '@"2024-01-01T00:00:00" - @"PT0.5S"', "2023-12-31T23:59:59.5" },
      -- date - date is a days-time duration
      { '@"2024-03-01" - @"2024-02-01"', "P29D" },
      { '@"2024-01-01" - @"2024-03-01"', "-P60D" },
      { '@"2024-01-01" - @"2024-01-31"', "-P30D" },
      { '@"2024-01-31T12:00:00Z" - @"2024-01-31T10:30:00+01:00"', "PT2H30M" },
      { '@"11:00:00" - @"09:30:00"', "PT1H30M" },
      { '@"23:30:00" + @"PT1H"', "00:30:00" },
      { '@"PT1H" + @"PT30M"', "PT1H30M" },
      { '@"P1Y" - @"P2M"', "P10M" },
      { '@"P1Y" - @"P13M"', "-P1M" },
      { '@"PT1H" * 2.5', "PT2H30M" }, { '3 * @"P1D"', "P3D" }, { '@"P1D" / 4', "PT6H" },
      { '@"P1D" / @"PT1H"', 24 }, { '@"P1Y" * 2', "P2Y" }, { '@"P1Y" / 5', "P2M" },
      { '@"P1Y" / @"P1M"', 12 },
      -- unary minus takes numbers only: a negative duration is written @"-PT5M"
      { '- @"PT5M"', NULL, warn = "INVALID_TYPE" },
      { '-@"P1D"', NULL, warn = "INVALID_TYPE" },
      { '@"2024-01-31T10:00:00" - @"2024-01-31T10:00:00Z"', NULL, warn = "INVALID_TYPE" },
      { '@"2024-01-31" + 1', NULL, warn = "INVALID_TYPE" },
      { '@"P1D" / 0', NULL, warn = "INVALID_TYPE" },
    }
  end)

  describe("a Berlin DST change", function()
    rows.run {
      -- spring forward, 2024-03-31 02:00 -> 03:00: a wall time in the gap moves on by the gap
      { '@"2024-03-31T02:30:00@Europe/Berlin"', "2024-03-31T03:30:00+02:00[Europe/Berlin]" },
      -- date-time + P1D adds 24 hours: across the change the wall clock shows one hour more
      { '@"2024-03-30T12:00:00@Europe/Berlin" + @"P1D"', "2024-03-31T13:00:00+02:00[Europe/Berlin]" },
      { '@"2024-03-31T12:00:00@Europe/Berlin" - @"2024-03-30T12:00:00@Europe/Berlin"', "PT23H" },
      -- months move the wall clock
      { '@"2024-03-30T12:00:00@Europe/Berlin" + @"P1M"', "2024-04-30T12:00:00+02:00[Europe/Berlin]" },
      -- fall back, 2024-10-27 03:00 -> 02:00: an ambiguous wall time takes the earlier offset
      { '@"2024-10-27T02:30:00@Europe/Berlin"', "2024-10-27T02:30:00+02:00[Europe/Berlin]" },
      { '@"2024-10-27T02:30:00@Europe/Berlin" + @"PT1H"', "2024-10-27T02:30:00+01:00[Europe/Berlin]" },
      { '@"2024-10-27T00:00:00@Europe/Berlin" + @"P1D"', "2024-10-27T23:00:00+01:00[Europe/Berlin]" },
      { 'date and time(@"2020-07-31T14:27:30@Europe/Berlin", "America/Los_Angeles")',
        "2020-07-31T05:27:30-07:00[America/Los_Angeles]" },
      { 'date and time(@"2024-01-15T10:00:00", "Europe/Berlin")', "2024-01-15T10:00:00+01:00[Europe/Berlin]" },
      { 'date and time(@"2024-01-15T10:00:00+05:00", "Z")', "2024-01-15T05:00:00Z" },
      { 'date and time("2024-01-15T10:00:00@Mars/Olympus")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'date and time("2024-01-15T10:00:00@../../etc/passwd")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    }
  end)

  -- java.time's ranges: years to +-999999999, 64-bit seconds; past them null
  -- and a warning, never a wrapped-around value nor an error
  describe("values past java.time's ranges are null with a warning", function()
    local MAXS = "PT9223372036854775807S"
    rows.run {
      { '@"2024-01-01" + @"P9223372036854775807D"', NULL, warn = "INVALID_TYPE" },
      { '@"P2DT3999999999999999999H"', NULL, warn = "INVALID_TYPE" },
      { '@"P9999999999Y"', NULL, warn = "INVALID_TYPE" },
      { 'duration("P9223372036854775807D")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { '@"2024-01-01" + duration("P106751991167300D")', NULL, warn = "INVALID_TYPE" },
      { '@"2024-01-01T00:00:00" + duration("' .. MAXS .. '")', NULL, warn = "INVALID_TYPE" },
      { '@"2024-01-01T00:00:00Z" - duration("' .. MAXS .. '")', NULL, warn = "INVALID_TYPE" },
      { '@"2024-01-01T00:00:00@Europe/Berlin" + duration("' .. MAXS .. '")', NULL, warn = "INVALID_TYPE" },
      { 'duration("' .. MAXS .. '") + @"PT1S"', NULL, warn = "INVALID_TYPE" },
      { 'duration("P1D") - duration("-' .. MAXS .. '")', NULL, warn = "INVALID_TYPE" },
      { 'duration("P2147483647Y") * 2', NULL, warn = "INVALID_TYPE" },
      { '@"999999999-12-31" + @"P1D"', NULL, warn = "INVALID_TYPE" },
      { '@"-999999999-01-01" - @"P1D"', NULL, warn = "INVALID_TYPE" },
      { '@"999999999-12-31" + @"P1M"', NULL, warn = "INVALID_TYPE" },
      { '@"999999999-12-31T23:59:59" + @"PT1S"', NULL, warn = "INVALID_TYPE" },
      { 'date(1000000000, 1, 1)', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      -- the edges themselves, and a time of day, which wraps as java.time's does
      { 'string(@"999999999-12-31" - @"P1D")', "+999999999-12-30" },
      { 'string(@"-999999999-01-01T00:00:00" + @"PT1S")', "-999999999-01-01T00:00:01" },
      { 'string(duration("' .. MAXS .. '"))', "P106751991167300DT15H30M7S" },
      { 'string(@"10:00:00" + duration("' .. MAXS .. '"))', "01:30:07" },
    }
  end)

  describe("builtins of other kinds take temporal values", function()
    rows.run {
      { 'abs(@"-PT5H")', "PT5H" }, { 'abs(@"-P2M")', "P2M" },
      { 'to json({when: @"2024-01-31", wait: @"PT1M"})', '{"when":"2024-01-31","wait":"PT1M"}' },
    }
  end)

  it("gives temporal results to Lua as ISO text", function()
    local v = feel.eval('{d: @"2024-01-31", list: [@"PT1H", null]}')
    assert.equal("2024-01-31", v.d)
    assert.equal("PT1H", v.list[1])
    assert.equal(NULL, v.list[2])
  end)
end)
