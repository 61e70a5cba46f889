-- luaforce.soql.vocabulary: the one list of SOQL's function names, and the
-- parser and builder agreeing with it.
local vocabulary = require "luaforce.soql.vocabulary"
local parser = require "luaforce.soql.parser"
local soql = require "luaforce.soql"

local DATE_FUNCTIONS = {
  "CALENDAR_MONTH", "CALENDAR_QUARTER", "CALENDAR_YEAR", "DAY_IN_MONTH", "DAY_IN_WEEK", "DAY_IN_YEAR",
  "DAY_ONLY", "FISCAL_MONTH", "FISCAL_QUARTER", "FISCAL_YEAR", "HOUR_IN_DAY", "WEEK_IN_MONTH", "WEEK_IN_YEAR",
}

local function keys(set)
  local out = {}
  for k in pairs(set) do out[#out + 1] = k end
  table.sort(out)
  return out
end

describe("luaforce.soql.vocabulary", function()
  it("lists Salesforce's aggregates and date functions", function()
    assert.same({ "AVG", "COUNT", "COUNT_DISTINCT", "MAX", "MIN", "SUM" }, keys(vocabulary.AGGREGATES))
    assert.same(DATE_FUNCTIONS, keys(vocabulary.DATE_FUNCTIONS))
  end)

  it("FUNCTIONS: the date functions and the others, no aggregate", function()
    for _, fn in ipairs(DATE_FUNCTIONS) do assert.is_true(vocabulary.FUNCTIONS[fn]) end
    for _, fn in ipairs { "FORMAT", "TOLABEL", "CONVERTCURRENCY", "CONVERTTIMEZONE", "GROUPING" } do
      assert.is_true(vocabulary.FUNCTIONS[fn])
    end
    assert.equal(#DATE_FUNCTIONS + 5, #keys(vocabulary.FUNCTIONS))
    for fn in pairs(vocabulary.AGGREGATES) do assert.is_nil(vocabulary.FUNCTIONS[fn]) end
  end)

  it("INNER: FORMAT over aggregates and convertCurrency, date functions over convertTimezone", function()
    assert.same({ "AVG", "CONVERTCURRENCY", "COUNT", "COUNT_DISTINCT", "MAX", "MIN", "SUM" },
      keys(vocabulary.INNER.FORMAT))
    for _, fn in ipairs(DATE_FUNCTIONS) do assert.same({ "CONVERTTIMEZONE" }, keys(vocabulary.INNER[fn])) end
    assert.is_nil(vocabulary.INNER.TOLABEL)
  end)

  it("the parser and the builder take every date function, and what INNER allows", function()
    for _, fn in ipairs(DATE_FUNCTIONS) do
      local text = ("SELECT %s(CreatedDate), COUNT(Id) FROM Account GROUP BY %s(CreatedDate)"):format(fn, fn)
      assert(parser.parse(text), text)
      assert.equal(fn .. "(convertTimezone(CreatedDate))",
        soql.fn(fn, soql.fn("convertTimezone", "CreatedDate")):__tostring())
    end
    assert(parser.parse("SELECT FORMAT(SUM(Amount)) FROM Opportunity"))
    local _, err = parser.parse("SELECT toLabel(SUM(Amount)) FROM Opportunity")
    assert.equal("TOLABEL() cannot be applied to SUM()", err.reason)
    _, err = parser.parse("SELECT NOPE(Amount) FROM Opportunity")
    assert.equal("unknown function: 'NOPE'", err.reason)
  end)
end)
