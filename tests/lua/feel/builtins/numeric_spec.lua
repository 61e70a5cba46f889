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
