-- FEEL operators: arithmetic, comparison, `in`, three-valued logic, `if`.
local rows = require "feel.rows"
local NULL, D = rows.NULL, rows.D

describe("luaforce.feel.compile.operators", function()
  describe("arithmetic", function()
    rows.run {
      { "1 + 2", 3 }, { "2 * (3 + 5)", 16 }, { "7 - 10", -3 }, { "10 / 4", 2.5 }, { "6 / 2", 3 },
      { "2 ** 10", 1024 }, { "2 ** -1", 0.5 }, { "-2 ** 2", 4 }, { "2 * 3 ** 2", 18 },
      { "0.1 + 0.2", 0.3 }, { "0.1 + 0.2 = 0.3", true }, { "1.1 + 1.3", 2.4 },
      { "1 / 3", D "0.3333333333333333333333333333333333" },
      { "2 / 3", D "0.6666666666666666666666666666666667" },
      { "10 ** 30 + 1", D "1000000000000000000000000000001" },
      { "9223372036854775807 + 1", D "9223372036854775808" },
      { "3037000500 * 3037000500", D "9223372037000250000" },
      { "1500000.10 + 250000.20", D "1750000.30" },
      { "1 / 0", NULL, warn = "INVALID_TYPE" },
      { '"Hello " + "World"', "Hello World" },
      { '"a" + 1', NULL, warn = "INVALID_TYPE" },
      { "1 + null", NULL }, { "null * 2", NULL },
      { "- \"x\"", NULL, warn = "INVALID_TYPE" },
      { "4 ** 0.5", 2 },
    }
  end)

  describe("comparison", function()
    rows.run {
      { "1 = 1", true }, { "1 = 1.0", true }, { "1 != 2", true }, { '"a" < "b"', true },
      { "2 <= 2", true }, { "3 > 2.5", true }, { "1 >= 2", false },
      { "null = null", true }, { "1 = null", false }, { "null != 1", true },
      { '1 = "1"', NULL, warn = "NOT_COMPARABLE" }, { '1 < "2"', NULL, warn = "NOT_COMPARABLE" },
      { "true < false", NULL, warn = "NOT_COMPARABLE" }, { "null < 1", NULL },
      { "[1, 2] = [1, 2]", true }, { "[1, 2] = [2, 1]", false },
      { "{a: 1, b: [null]} = {b: [null], a: 1.0}", true }, { "{a: 1} = {a: 1, b: 2}", false },
      { "5 between 1 and 10", true }, { "5 between 10 and 1", false }, { "10 between 1 and 10", true },
      { '"b" between "a" and "c"', true },
      { "2 in [1, 2, 3]", true }, { "4 in [1, 2, 3]", false }, { "null in [1, null]", true },
      { "2 in 2", true },
      -- a range that fails (an end is null) decides nothing
      { "5 in [x..10]", NULL, { x = NULL }, warn = "INVALID_TYPE" },
      { "5 in [1..10]", true },
      { "1 instance of number", true }, { '"a" instance of string', true }, { "true instance of boolean", true },
      { "[] instance of list", true }, { "{} instance of context", true }, { "null instance of Null", true },
      { "1 instance of Any", true }, { "null instance of Any", false }, { "1 instance of string", false },
      { "(function(x) x) instance of function", true }, { "1 instance of date and time", false },
    }
  end)

  describe("three-valued logic", function()
    rows.run {
      { "true and true", true }, { "true and false", false }, { "true and null", NULL, warn = "INVALID_TYPE" },
      { "false and null", false }, { "null and false", false, warn = "INVALID_TYPE" },
      { '"x" and true', NULL, warn = "INVALID_TYPE" }, { "true and 2", NULL, warn = "INVALID_TYPE" },
      { "true or null", true }, { "false or null", NULL, warn = "INVALID_TYPE" }, { "false or 3", NULL, warn = "INVALID_TYPE" },
      { "false or false", false }, { "null or true", true, warn = "INVALID_TYPE" },
      { "not(true)", false }, { "not(null)", NULL }, { 'not("yes")', NULL },
    }
  end)

  describe("the input of unary tests", function()
    rows.run {
      { "5 in ? < 10", true }, { "5 in ? < 3", false }, { "5 in (? > 1, ? < 0)", true },
      { "5 in ? + 1", NULL }, -- only a boolean decides (Camunda)
      { "< 3", true, { cellInput = 2 } }, { ">= x", false, { cellInput = 2, x = 3 } },
      { "< 3", NULL, warn = "NO_VARIABLE_FOUND" },
      -- a range literal stays a value (docs/feel.md, range-values)
      { "3 in [1..5] = true", true },
    }

    it("fails an evaluation that names ? outside a unary test, as Camunda does", function()
      local feel = require "luaforce.feel"
      local v, warnings, failure = feel.eval("? < 10", {})
      assert.is_nil(v)
      assert.is_table(warnings)
      assert.same("NO_INPUT_VALUE", failure and failure.type)
      assert.truthy(failure.message:find("only inside a unary test", 1, true))
    end)
  end)

  describe("if then else", function()
    rows.run {
      { "if 1 > 0 then \"pos\" else \"neg\"", "pos" },
      { "if null then 1 else 2", 2 },
      { 'if "true" then 1 else 2', 2, warn = "INVALID_TYPE" },
      { "if false then 1 else if true then 2 else 3", 3 - 1 },
      { "1 + (if true then 1 else 0)", 2 },
    }
  end)
end)
