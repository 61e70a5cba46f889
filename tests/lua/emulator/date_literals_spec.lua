-- luaforce.emulator.date_literals: SOQL's relative date literals as day ranges.
local dl = require "luaforce.emulator.date_literals"
local dt = require "luaforce.emulator.datetime"

-- "now" = Wednesday 2024-05-15 13:45 UTC (a leap year, mid-quarter Q2)
local NOW = dt.parse_datetime("2024-05-15T13:45:00Z")

describe("luaforce.emulator.date_literals", function()
  -- { literal, n, first day, last day (inclusive) }
  local rows = {
    { "TODAY", nil, "2024-05-15", "2024-05-15" },
    { "YESTERDAY", nil, "2024-05-14", "2024-05-14" },
    { "TOMORROW", nil, "2024-05-16", "2024-05-16" },
    -- weeks start on Sunday: 2024-05-12 .. 2024-05-18
    { "THIS_WEEK", nil, "2024-05-12", "2024-05-18" },
    { "LAST_WEEK", nil, "2024-05-05", "2024-05-11" },
    { "NEXT_WEEK", nil, "2024-05-19", "2024-05-25" },
    { "THIS_MONTH", nil, "2024-05-01", "2024-05-31" },
    { "LAST_MONTH", nil, "2024-04-01", "2024-04-30" },
    { "NEXT_MONTH", nil, "2024-06-01", "2024-06-30" },
    { "THIS_QUARTER", nil, "2024-04-01", "2024-06-30" },
    { "LAST_QUARTER", nil, "2024-01-01", "2024-03-31" },
    { "NEXT_QUARTER", nil, "2024-07-01", "2024-09-30" },
    { "THIS_YEAR", nil, "2024-01-01", "2024-12-31" },
    { "LAST_YEAR", nil, "2023-01-01", "2023-12-31" },
    { "NEXT_YEAR", nil, "2025-01-01", "2025-12-31" },
    -- fiscal = calendar
    { "THIS_FISCAL_QUARTER", nil, "2024-04-01", "2024-06-30" },
    { "LAST_FISCAL_YEAR", nil, "2023-01-01", "2023-12-31" },
    { "NEXT_FISCAL_QUARTER", nil, "2024-07-01", "2024-09-30" },
    -- LAST_N_DAYS:n includes today and the n days before it
    { "LAST_N_DAYS", 1, "2024-05-14", "2024-05-15" },
    { "LAST_N_DAYS", 7, "2024-05-08", "2024-05-15" },
    { "LAST_N_DAYS", 0, "2024-05-15", "2024-05-15" },
    { "LAST_90_DAYS", nil, "2024-02-15", "2024-05-15" },
    -- NEXT_N_DAYS:n starts tomorrow
    { "NEXT_N_DAYS", 1, "2024-05-16", "2024-05-16" },
    { "NEXT_N_DAYS", 20, "2024-05-16", "2024-06-04" },
    { "NEXT_90_DAYS", nil, "2024-05-16", "2024-08-13" },
    { "N_DAYS_AGO", 15, "2024-04-30", "2024-04-30" },
    { "N_DAYS_AGO", 0, "2024-05-15", "2024-05-15" },
    -- whole units before / after the current one
    { "LAST_N_WEEKS", 2, "2024-04-28", "2024-05-11" },
    { "NEXT_N_WEEKS", 1, "2024-05-19", "2024-05-25" },
    { "N_WEEKS_AGO", 3, "2024-04-21", "2024-04-27" },
    { "LAST_N_MONTHS", 5, "2023-12-01", "2024-04-30" },
    { "NEXT_N_MONTHS", 9, "2024-06-01", "2025-02-28" },
    { "N_MONTHS_AGO", 14, "2023-03-01", "2023-03-31" },
    { "LAST_N_QUARTERS", 2, "2023-10-01", "2024-03-31" },
    { "NEXT_N_QUARTERS", 3, "2024-07-01", "2025-03-31" },
    { "N_QUARTERS_AGO", 5, "2023-01-01", "2023-03-31" },
    { "LAST_N_YEARS", 2, "2022-01-01", "2023-12-31" },
    { "NEXT_N_YEARS", 1, "2025-01-01", "2025-12-31" },
    { "N_YEARS_AGO", 24, "2000-01-01", "2000-12-31" },
    { "LAST_N_FISCAL_QUARTERS", 1, "2024-01-01", "2024-03-31" },
    { "NEXT_N_FISCAL_YEARS", 2, "2025-01-01", "2026-12-31" },
    { "N_FISCAL_YEARS_AGO", 1, "2023-01-01", "2023-12-31" },
    { "N_FISCAL_QUARTERS_AGO", 2, "2023-10-01", "2023-12-31" },
  }
  for _, row in ipairs(rows) do
    local name, n, first, last = row[1], row[2], row[3], row[4]
    it(("%s%s is %s .. %s"):format(name, n and ":" .. n or "", first, last), function()
      local a, b = dl.range(name, n, NOW)
      assert.equal(first, dt.format_date(a))
      assert.equal(last, dt.format_date(b - 1))
    end)
  end

  it("weeks start on Sunday, also when today is Sunday or Saturday", function()
    local sunday = dt.parse_datetime("2024-05-12T00:00:00Z")
    local a, b = dl.range("THIS_WEEK", nil, sunday)
    assert.same({ "2024-05-12", "2024-05-18" }, { dt.format_date(a), dt.format_date(b - 1) })
    local saturday = dt.parse_datetime("2024-05-18T23:59:59Z")
    a, b = dl.range("THIS_WEEK", nil, saturday)
    assert.same({ "2024-05-12", "2024-05-18" }, { dt.format_date(a), dt.format_date(b - 1) })
  end)

  it("crosses year ends and handles February of leap years", function()
    local jan = dt.parse_datetime("2024-01-10T08:00:00Z")
    local a, b = dl.range("LAST_MONTH", nil, jan)
    assert.same({ "2023-12-01", "2023-12-31" }, { dt.format_date(a), dt.format_date(b - 1) })
    a, b = dl.range("LAST_QUARTER", nil, jan)
    assert.same({ "2023-10-01", "2023-12-31" }, { dt.format_date(a), dt.format_date(b - 1) })
    a, b = dl.range("NEXT_MONTH", nil, jan)
    assert.same({ "2024-02-01", "2024-02-29" }, { dt.format_date(a), dt.format_date(b - 1) })
    -- 1999-12-31 was a Friday: its week ran into 2000
    local y2k = dt.parse_datetime("1999-12-31T12:00:00Z")
    a, b = dl.range("THIS_WEEK", nil, y2k)
    assert.same({ "1999-12-26", "2000-01-01" }, { dt.format_date(a), dt.format_date(b - 1) })
  end)

  it("uses the UTC day of now", function()
    local late = dt.parse_datetime("2024-05-15T23:59:59.999Z")
    assert.equal("2024-05-15", dt.format_date((dl.range("TODAY", nil, late))))
    local early = dt.parse_datetime("2024-05-16T00:00:00Z")
    assert.equal("2024-05-16", dt.format_date((dl.range("TODAY", nil, early))))
  end)

  it("gives the bounds as stored-form text for dates and date-times", function()
    assert.same({ "2024-05-15", "2024-05-16" }, { dl.bounds("date", "TODAY", nil, NOW) })
    assert.same({ "2024-05-08T00:00:00.000+0000", "2024-05-16T00:00:00.000+0000" },
      { dl.bounds("datetime", "LAST_N_DAYS", 7, NOW) })
  end)

  it("knows which literals exist and which take :n", function()
    assert.same({ true, false }, { dl.known("TODAY") })
    assert.same({ true, false }, { dl.known("LAST_90_DAYS") })
    assert.same({ true, true }, { dl.known("LAST_N_DAYS") })
    assert.same({ true, true }, { dl.known("N_FISCAL_QUARTERS_AGO") })
    assert.is_false(dl.known("LAST_FORTNIGHT"))
    assert.is_false(dl.known("THIS_DAY"))
  end)

  it("refuses unknown literals and a missing or negative n", function()
    local a, reason = dl.range("LAST_FORTNIGHT", nil, NOW)
    assert.is_nil(a)
    assert.matches("unknown date literal", reason)
    assert.is_nil((dl.range("LAST_N_DAYS", nil, NOW)))
    assert.is_nil((dl.range("LAST_N_DAYS", -1, NOW)))
  end)
end)
