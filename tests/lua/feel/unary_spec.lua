-- feel.unary: unary tests as an entry point (a decision table's input
-- entry). The rows are a sample of every form in feel-scala's
-- src/test/scala/org/camunda/feel/impl/interpreter/InterpreterUnaryTest.scala
-- (the pinned 1.22 line): {line in that file, tests, input, expected[,
-- variables]}, the input and variables written as FEEL expressions;
-- tests/lua/feel/conformance_spec.lua runs all of them.
local feel = require "luaforce.feel"
local unary = require "luaforce.feel.unary"

-- The FEEL value of an expression, as the engine holds it (a date stays a
-- date; eval would give its ISO text).
local function value(text)
  local c = assert(feel.compile(text))
  return c.fn(feel.scope({}))
end

describe("FEEL unary tests", function()
  local ROWS = {
    { 34, "< 3", "2", true },
    { 43, "<= 3", "4", false },
    { 56, ">= 3", "3", true },
    { 66, "-1", "0", false },
    { 79, "[2..4]", "3", true },
    { 92, "2,3", "2", true },
    { 99, "not(3)", "2", true },
    { 101, "not(3)", "4", true },
    { 107, "not(2,3)", "3", false },
    { 114, "var", "3", true, "{var: 3}" },
    { 127, "< a.b", "3", true, "{a: {b: 4}}" },
    { 138, "> 3", "null", nil },
    { 154, " \"a\" ", "null", false },
    { 167, "false", "true", false },
    { 181, "1 < 2", "true", true },
    { 194, "false and true", "true", false },
    { 205, "true or true", "true", true },
    { 212, "true or \"otherwise\" ", "true", true },
    { 225, "<= date(\"2015-09-18\")", "date(\"2015-09-17\")", true },
    { 234, "> date(\"2015-09-18\")", "date(\"2015-09-19\")", true },
    { 247, "date(\"2015-09-18\")", "date(\"2015-09-18\")", true },
    { 272, "[date(\"2015-09-17\")..date(\"2015-09-19\")]", "date(\"2015-09-18\")", true },
    { 288, "< time(\"11:00:00+01:00\")", "time(\"10:00:00+01:00\")", true },
    { 304, "time(\"11:00:00+02:00\")", "time(\"10:00:00+01:00\")", false },
    { 327, "[time(\"08:00:00+01:00\")..time(\"10:00:00+01:00\")]", "time(\"11:30:00+01:00\")", false },
    { 352, "< date and time(\"2015-09-17T12:00:00+01:00\")", "date and time(\"2015-09-17T10:00:00+01:00\")", true },
    { 377, "date and time(\"2015-09-17T08:30:00+02:00\")", "date and time(\"2015-09-17T08:30:00+01:00\")", false },
    { 402, "[date and time(\"2015-09-17T09:00:00+01:00\")..date and time(\"2015-09-17T10:00:00+01:00\")]", "date and time(\"2015-09-17T08:30:00+01:00\")", false },
    { 423, "duration(\"P1Y3M\")", "duration(\"P1Y4M\")", false },
    { 449, "< duration(\"P2DT4H\")", "duration(\"P1DT4H\")", true },
    { 472, "[duration(\"P1D\")..duration(\"P2D\")]", "duration(\"PT4H\")", false },
    { 491, "[]", "[1, 2]", false },
    { 498, "every x in ? satisfies x > 3", "[1, 2, 3]", false },
    { 499, "every x in ? satisfies x > 3", "[4, 5, 6]", true },
    { 503, "some x in ? satisfies x > 4", "[1, 2, 3]", false },
    { 504, "some x in ? satisfies x > 4", "[4, 5, 6]", true },
    { 512, "{}", "{x: 1}", false },
    { 520, "-", "null", true },
    { 525, "null", "1", false },
    { 534, " starts with(?, \"f\") ", "\"foo\"", true },
    { 535, " starts with(?, \"b\") ", "\"foo\"", false },
    { 546, "list contains([481, 485, 551, 483], ?)", "481", true },
    { 547, "list contains([481, 485, 551, 483], ?)", "999", false },
    { 552, "5", "5", true },
    { 561, "x", "5", false, "{x: 3}" },
    { 578, "[1,2,3]", "5", false },
    { 587, "> x", "5", true, "{x: 3}" },
    { 600, " < @\"2024-08-19\" ", "null", nil },
    { 605, "odd(?)", "5", true },
    { 606, "abs(?) < 10", "5", true },
    { 607, "? > x", "5", true, "{x: 3}" },
    { 612, "even(?)", "5", false },
    { 613, "abs(?) < 3", "5", false },
    { 614, "? > x", "5", false, "{x: 10}" },
    { 619, "abs(?)", "5", nil },
    { 620, "?", "5", nil },
    { 621, "? + not_existing", "5", nil },
    { 626, "null", "null", true },
    { 635, "not_existing", "5", false },
    { 640, "? = null", "null", true },
    { 641, "odd(?) or ? = null", "null", true },
    { 646, "? != null", "null", false },
    { 647, "odd(?) and ? != null", "null", false },
    { 652, "? < 10", "null", nil },
    { 653, "odd(?)", "null", nil },
    { 654, "5 < ? and ? < 10", "null", nil },
    { 655, "5 < ? or ? < 10", "null", nil },
    { 661, "4 < 10", "3", true },
    { 674, "odd(4)", "3", false },
    { 680, "not(1)", "3", true },
    { 686, "not(3)", "3", false },
    { 687, " not(\"b\") ", "\"b\"", false },
    { 692, "not(1)", "\"b\"", nil },
    { 698, "not(< 3)", "5", true },
    { 700, "not(> x)", "5", true, "{x: 10}" },
    { 708, "not([1..10])", "5", false },
    { 716, "not(< 3)", "\"a\"", nil },
    { 717, "not(< 3)", "null", nil },
    { 722, "not(x)", "3", true, "{x: false}" },
    { 726, "not(odd(4))", "3", true },
    { 732, "not(x)", "3", false, "{x: true}" },
    { 736, "not(even(4))", "3", false },
    { 742, "not(null)", "5", true },
    { 743, "not(not_existing)", "5", true },
    { 748, "not(null)", "null", false },
    { 754, "not(2,3)", "5", true },
    { 756, "not([0..3], [10..20])", "5", true },
    { 762, "not(< 3, > 10)", "1", false },
    { 768, "not(2,3)", "\"a\"", nil },
    { 769, "not(< 3, > 10)", "\"a\"", nil },
    { 770, "not([0..3], [10..20])", "\"a\"", nil },
  }

  it("decide the decision-table cell forms as feel-scala's InterpreterUnaryTest does", function()
    local misses = {}
    for _, row in ipairs(ROWS) do
      local line, tests, input, expected, vars = row[1], row[2], row[3], row[4], row[5]
      local got, warnings, failure = feel.unary(tests, value(input), vars and value(vars) or nil)
      assert.is_table(warnings, tests)
      assert.is_nil(failure, tests)
      if got ~= expected then
        misses[#misses + 1] = ("line %d: %s with %s gave %s, not %s"):format(line, tests, input, tostring(got), tostring(expected))
      end
    end
    assert.same({}, misses)
  end)

  it("returns nil and a syntax error for tests that do not parse", function()
    for _, text in ipairs { "<", "not(", "[1..", "", "1,", "< 3 4" } do
      local v, err = feel.unary(text, 1)
      assert.is_nil(v, text)
      assert.equal("syntax", err.kind, text)
      assert.equal("FEEL_SYNTAX", err.code)
      assert.truthy(err.message:find("^syntax error at line 1, column %d+: "), err.message)
    end
  end)

  it("reads not(...) as a negation only when it encloses the whole text", function()
    assert.is_true((feel.unary("not(false) or x", 1, { x = false })))
    assert.is_true((feel.unary("not(1), 2", 2)))
    assert.is_false((feel.unary("not(1, 2)", 2)))
  end)

  it("gives warnings for values that do not compare, and names ? the input", function()
    local v, warnings = feel.unary("< 10", "a")
    assert.is_nil(v)
    assert.equal("NOT_COMPARABLE", warnings[1].type)
    assert.is_true((feel.unary("? > limit", 20, { limit = 10 })))
    assert.is_true((feel.unary('"b", "c"', "c")))
    local json = require "luaforce.json"
    assert.is_true((feel.unary("null", json.null)))
    assert.is_true((feel.unary("-", nil)))
  end)

  it("runs under the budget, and compiles once for many inputs", function()
    local c = assert(unary.compile("some x in (for i in 1..100000000 return i) satisfies x = ?"))
    local v, _, failure = c:eval(-1, nil, { max_steps = 1000 })
    assert.is_nil(v)
    assert.equal("BUDGET_EXCEEDED", failure.type)
    local cell = assert(unary.compile("[1..5], > 100"))
    local got = {}
    for _, x in ipairs { 0, 3, 50, 200 } do got[#got + 1] = cell:eval(x) end
    assert.same({ false, true, false, true }, got)
  end)
end)
