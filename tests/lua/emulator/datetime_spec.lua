-- luaforce.emulator.datetime: the local org's dates as day numbers and
-- canonical text (the calendar itself is luaforce.core.calendar's).
local dt = require "luaforce.emulator.datetime"

describe("luaforce.emulator.datetime", function()
  it("reads and writes every date Salesforce can store, 0000-01-01 to 9999-12-31", function()
    for _, s in ipairs { "0000-01-01", "0000-02-29", "0000-03-01", "1969-12-31", "1970-01-01", "2000-02-29",
      "2100-02-28", "9999-12-31" } do
      assert.are.equal(s, dt.format_date(dt.parse_date(s)))
    end
    assert.are.equal(0, dt.parse_date("1970-01-01"))
    assert.is_nil(dt.parse_date("2100-02-29"))
    assert.is_nil(dt.parse_date("2024-13-01"))
  end)

  it("numbers weekdays from Sunday = 0, as Salesforce's weeks start", function()
    local got = {}
    for i = 0, 6 do got[#got + 1] = dt.weekday(dt.parse_date("2024-05-12") + i) end -- a Sunday
    assert.are.same({ 0, 1, 2, 3, 4, 5, 6 }, got)
    assert.are.equal(6, dt.weekday(dt.parse_date("0000-01-01"))) -- a Saturday
  end)

  it("converts day numbers and civil dates both ways", function()
    assert.are.equal(19753, dt.days_from_civil(2024, 1, 31))
    assert.are.same({ 2024, 1, 31 }, { dt.civil_from_days(19753) })
  end)

  it("writes date-times in UTC with milliseconds", function()
    assert.are.equal("0000-01-01T00:00:00.000+0000", dt.normalize_datetime("0000-01-01T01:30:00+01:30"))
    assert.are.equal("2024-01-31T09:00:00.250+0000", dt.normalize_datetime("2024-01-31T10:00:00.25+01:00"))
  end)
end)
