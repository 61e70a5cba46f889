-- luaforce.emulator.soql_exec.exact_sum: SUM as Salesforce adds numbers,
-- exactly, past what a double or an int64 holds.
local exact_sum = require "luaforce.emulator.soql_exec.exact_sum"
local decimal = require "luaforce.decimal"

describe("luaforce.emulator.soql_exec.exact_sum", function()
  it("sum: the exact decimal of integers, floats (by their shortest text) and decimals", function()
    local rows = {
      { { 0.1, 0.2 }, "0.3" },
      { { 1, 2, 3 }, "6" },
      { { 1000.1, 0.2 }, "1000.3" },
      { { math.maxinteger, 1 }, "9223372036854775808" },
      { { decimal("1234567890123456.78"), 0.3, -1 }, "1234567890123456.08" },
      { { -0.5, 0.25 }, "-0.25" },
      { { 1e-7, 1 }, "1.0000001" },
      { { 5, -5 }, "0" },
      { {}, "0" },
    }
    for _, row in ipairs(rows) do
      local d = exact_sum.sum(row[1])
      assert.is_true(decimal.is(d))
      assert.equal(0, decimal.compare(d, decimal(row[2])), tostring(d) .. " ~= " .. row[2])
    end
  end)

  it("sum_of: integers for integer fields, else a float when exact, else the decimal", function()
    local s = exact_sum.sum_of({ 1, 2, 3 }, "int")
    assert.equal(6, s)
    assert.equal("integer", math.type(s))
    assert.equal(6.0, exact_sum.sum_of({ 1, 2, 3 }, "double"))
    assert.equal("float", math.type(exact_sum.sum_of({ 1, 2, 3 }, "double")))
    assert.equal(0.3, exact_sum.sum_of({ 0.1, 0.2 }, "currency"))
    local big = exact_sum.sum_of({ decimal("0.01"), 1 }, "currency")
    assert.is_true(decimal.is(big))
    assert.equal("1.01", tostring(big))
    local past = exact_sum.sum_of({ 9007199254740993, 0.5 }, "double")
    assert.is_true(decimal.is(past))
    assert.equal("9007199254740993.5", tostring(past))
  end)
end)
