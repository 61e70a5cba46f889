local rows = require "feel.rows"
local NULL = rows.NULL

describe("FEEL boolean builtins", function()
  rows.run({
    { "not(false)", true }, { "not(negand: true)", false }, { "not(1)", NULL },
    { "is defined(body)", true }, { "is defined(body.nextRecordsUrl)", true },
    { "is defined(document)", false }, { "is defined(nothing)", false },
    { "is defined(value: null)", false },
    { 'get or else(body.records[2].Industry, "Unknown")', "Unknown" },
    { 'get or else(body.records[1].Industry, "Unknown")', "Energy" },
    { "get or else(value: null, default: 0)", 0 },
    { "assert(body.totalSize, body.totalSize > 0)", 3 },
  }, rows.query_response)

  it("fails the evaluation with Camunda's message when an assertion does not hold", function()
    local feel = require "luaforce.feel"
    local value, _, failure = feel.eval("assert(x, x > 5)", { x = 4 })
    assert.is_nil(value)
    assert.equal("The condition is not fulfilled", failure.message)
    value, _, failure = feel.eval('assert(x, x > 5, "too small")', { x = 4 })
    assert.is_nil(value)
    assert.equal("too small", failure.message)
  end)
end)
