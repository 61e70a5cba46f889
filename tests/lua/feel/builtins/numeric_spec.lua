local rows = require "feel.rows"
local NULL, D = rows.NULL, rows.D

describe("FEEL numeric builtins", function()
  rows.run {
    { "decimal(1 / 3, 2)", 0.33 }, { "decimal(2.5, 0) = 2", true }, { "decimal(3.5, 0)", 4 },
    { "decimal(1.50, 3)", D "1.500" }, { "decimal(n: 2.675, scale: 2)", 2.68 },
    { "floor(1.5)", 1 }, { "floor(-1.5)", -2 }, { "floor(-1.56, 1)", -1.6 },
    { "ceiling(1.5)", 2 }, { "ceiling(-1.5)", -1 }, { "ceiling(-1.56, 1)", -1.5 },
    { "round up(5.5, 0)", 6 }, { "round up(-5.5, 0)", -6 }, { "round up(1.121, 2)", 1.13 },
    { "round down(5.5, 0)", 5 }, { "round down(-5.5, 0)", -5 }, { "round down(1.129, 2)", 1.12 },
    { "round half up(5.5, 0)", 6 }, { "round half up(-5.5, 0)", -6 }, { "round half up(1.005, 2)", 1.01 },
    { "round half up(1.005, 2) = 1.01", true },
    { "round half down(5.5, 0)", 5 }, { "round half down(-5.5, 0)", -5 }, { "round half down(1.126, 2)", 1.13 },
    { "decimal(1234.5, -2)", 1200 },
    { "floor(n: -1.56, scale: 1)", -1.6 }, { "floor(n: -1.56, scala: 1)", -1.6 },
    { "round half down(n: 1.125, scala: 2)", 1.12 }, { "round half down(n: 1.125, scale: 2)", 1.12 },
    { "abs(number: -1)", 1 }, { "abs(n: -1)", 1 },
    { "abs(-10)", 10 }, { "abs(10.5)", 10.5 }, { "abs(null)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { "modulo(12, 5)", 2 }, { "modulo(-12, 5)", 3 }, { "modulo(12, -5)", -3 }, { "modulo(10.1, 4.5)", 1.1 },
    { "modulo(1, 0)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { "sqrt(16)", 4 }, { "sqrt(2)", 1.4142135623730951 }, { "sqrt(-1)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { "log(10)", 2.302585092994046 }, { "exp(1)", 2.718281828459045 }, { "exp(0)", 1 },
    { "odd(5)", true }, { "odd(2)", false }, { "even(-4)", true }, { "even(1.5)", false },
    { "odd(1.5)", false }, -- a fraction is neither
    { "random number() >= 0 and random number() < 1", true },
    { 'floor("1")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
  }
end)

-- decimal(n, scale, mode): Java's rounding modes, by name in any case
describe("FEEL decimal with a rounding mode", function()
  -- { n, UP, DOWN, CEILING, FLOOR, HALF_UP, HALF_DOWN, HALF_EVEN, UNNECESSARY } at scale 0
  local MODES = { "UP", "DOWN", "CEILING", "FLOOR", "HALF_UP", "HALF_DOWN", "HALF_EVEN", "UNNECESSARY" }
  local cases = {
    { "5.5", 6, 5, 6, 5, 6, 5, 6, NULL }, { "2.5", 3, 2, 3, 2, 3, 2, 2, NULL },
    { "1.6", 2, 1, 2, 1, 2, 2, 2, NULL }, { "1.1", 2, 1, 2, 1, 1, 1, 1, NULL },
    { "1.0", 1, 1, 1, 1, 1, 1, 1, 1 }, { "-1.0", -1, -1, -1, -1, -1, -1, -1, -1 },
    { "-1.1", -2, -1, -1, -2, -1, -1, -1, NULL }, { "-1.6", -2, -1, -1, -2, -2, -2, -2, NULL },
    { "-2.5", -3, -2, -2, -3, -3, -2, -2, NULL }, { "-5.5", -6, -5, -5, -6, -6, -5, -6, NULL },
  }
  local list = {}
  for _, c in ipairs(cases) do
    for i, mode in ipairs(MODES) do
      local expected = c[i + 1]
      list[#list + 1] = { ('decimal(%s, 0, "%s")'):format(c[1], mode), expected,
        warn = expected == NULL and "FUNCTION_INVOCATION_FAILURE" or nil }
    end
  end
  rows.run(list)
  rows.run {
    { 'decimal(1.5, 0, "ceiling")', 2 }, { 'decimal(1.5, 0, "CeiLing")', 2 },
    { 'decimal(1.25, 1, "half_up")', 1.3 }, { 'decimal(1.2345, 2, "DOWN")', 1.23 },
    { 'decimal(1250, -2, "HALF_EVEN")', 1200 }, { 'decimal(1.50, 1, "UNNECESSARY")', 1.5 },
    { 'decimal(n: 2.5, scale: 0, mode: "UP")', 3 },
    { 'decimal(1.5, 0, "unknown")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'decimal(1.5, 0, null)', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    -- a fractional scale is cut to an integer (Camunda's intValue)
    { 'decimal(1.555, 1.9, "UP")', 1.6 }, { "decimal(1.555, 1.9)", 1.6 }, { "floor(-1.56, 1.5)", -1.6 },
  }
  rows.failures {
    { 'decimal(1.5, 0, "unknown")', "unknown rounding mode 'unknown'" },
    { 'decimal(5.5, 0, "UNNECESSARY")', "needs rounding" },
  }
end)
