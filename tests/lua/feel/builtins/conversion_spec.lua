local rows = require "feel.rows"
local NULL, D, C = rows.NULL, rows.D, rows.empty_context

describe("FEEL conversion builtins", function()
  rows.run {
    { "string(1.10)", "1.10" }, { "string(1 / 3)", "0.3333333333333333333333333333333333" },
    { "string(10 ** 30)", "1000000000000000000000000000000" },
    { "string(true)", "true" }, { 'string("a")', "a" }, { "string(null)", NULL },
    { 'string([1, "a", null])', '[1, "a", null]' }, { 'string({a: 1, b: "x"})', '{a:1, b:"x"}' },
    { "string(from: 5)", "5" },
    { 'number("1500.50")', D "1500.50" }, { 'number("-3")', -3 }, { 'number(".5")', 0.5 },
    { 'number("")', NULL }, { 'number(" 42 ")', NULL },
    { 'number("abc")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'number("x", ".", ",")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'number("1 000,5", " ", ",")', D "1000.5" }, { 'number("1,000.25", ",", ".")', 1000.25 },
    { 'number("1.000.000", ".", null)', 1000000 },
    { 'number(from: "12", grouping separator: null, decimal separator: ".")', 12 },
    { 'number("1,5", ",", ",")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'number(5)', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'context([{key: "a", value: 1}, {key: "b", value: null}])', { a = 1, b = NULL } },
    { 'context([{key: "a", value: 1}, {key: "a", value: 2}])', { a = 2 } },
    { "context([])", C() },
    { 'context([{k: "a"}])', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'from json("{\\"a\\": [1, 2.5, null, true]}")', { a = { 1, 2.5, NULL, true } } },
    { 'from json("12345678901234567890.5") + 1', D "12345678901234567891.5" },
    { 'from json("null")', NULL }, { 'from json("{oops")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'to json({a: 1, b: [true, null], c: "x"})', '{"a":1,"b":[true,null],"c":"x"}' },
    { "to json(0.1 + 0.2)", "0.3" }, { "to json(1 / 3)", "0.3333333333333333333333333333333333" },
    { "to json(null)", "null" }, { 'to json("a\\"b")', '"a\\"b"' },
    -- a function is its text, as Camunda writes it
    { "to json(function(a, b) a + b)", '"function(a, b)"' },
    { "to json([1, function(x) x])", '[1,"function(x)"]' },
    { 'from json(json: "[1]")', { 1 } },
    -- string() of a zero days-time duration is "P0D" (JSON and Lua keep PT0S)
    { 'string(@"P0D")', "P0D" }, { 'string(@"-PT0S")', "P0D" }, { 'string(@"PT0H0M0S")', "P0D" },
    { 'string(@"P0DT0H0M0S")', "P0D" }, { 'string([@"PT0S"])', "[P0D]" }, { 'to json(@"P0D")', '"PT0S"' },
    { 'string(@"-PT1S")', "-PT1S" }, { 'string(@"P0Y")', "P0Y" }, { 'string(@"-P0M")', "P0Y" },
  }
end)
