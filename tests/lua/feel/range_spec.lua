-- Ranges and unary tests: literals with open and closed ends, `in` with
-- ranges, unary tests and lists of them, iteration. The range relations
-- (before, meets, ...) are builtins: tests/lua/feel/builtins/range_spec.lua.
local rows = require "feel.rows"
local NULL = rows.NULL

describe("FEEL ranges and unary tests", function()
  describe("in", function()
    rows.run {
      { "5 in [1..10]", true }, { "1 in [1..10]", true }, { "10 in [1..10]", true },
      { "1 in (1..10)", false }, { "10 in (1..10)", false }, { "1 in ]1..10]", false },
      { "10 in [1..10[", false }, { "10 in [1..10)", false }, { "0 in [1..10]", false },
      { "5.5 in (5..6)", true },
      { "x in < 10", true, { x = 3 } }, { "x in < 10", false, { x = 10 } }, { "x in <= 10", true, { x = 10 } },
      { "x in >= y", true, { x = 7, y = 7 } }, { "x in > y", false, { x = 7, y = 7 } },
      { "x in (< 10, > 20)", true, { x = 5 } }, { "x in (< 10, > 20)", true, { x = 25 } },
      { "x in (< 10, > 20)", false, { x = 15 } },
      { "x in (1, 2, 3)", true, { x = 2 } }, { "x in (1, 2, 3)", false, { x = 4 } },
      { "x in ([1..5], >= 8)", true, { x = 9 } },
      { "x in [1..5, 8]", true, { x = 3 } }, { "x in [1..5, 8]", true, { x = 8 } },
      { "x in [1..5, 8]", false, { x = 6 } },
      { "x in = 3", true, { x = 3 } }, { "x in != 3", false, { x = 3 } },
      { "(1 + 2) in (3)", true },
      { '"b" in ["a".."c"]', true }, { '"d" in ["a".."c"]', false },
      { '@"2024-02-10" in [@"2024-02-01"..@"2024-02-29"]', true },
      { '@"2024-03-01" in [@"2024-02-01"..@"2024-03-01")', false },
      { 'r.Amount in ]1000..5000]', true, { r = { Amount = 1500.5 } } },
      { "count(records[Amount in [100..200]])", 2,
        { records = { { Amount = 100 }, { Amount = 250 }, { Amount = 150.5 } } } },
      { '"a" in [1..10]', NULL, warn = "NOT_COMPARABLE" },
      { "null in [1..10]", NULL },
    }
  end)

  describe("as values", function()
    rows.run {
      { "[1..10]", "[1..10]" }, { "(1..10]", "(1..10]" }, { "]1..10[", "(1..10)" },
      { "[1..10].start", 1 }, { "[1..10).end", 10 }, { "[1..10).end included", false },
      { "(1..10].start included", false },
      { "[1..10] instance of range", true },
      { "[1..10] = [1..10]", true }, { "[1..10] = [1..10)", false },
      { "for x in [1..3] return x * 2", { 2, 4, 6 } },
      { "for x in (0..3) return x", { 1, 2 } },
      { "for x in 3..1 return x", { 3, 2, 1 } },
      { "[1..null]", NULL, warn = "INVALID_TYPE" },
      { '[1.."z"]', NULL, warn = "INVALID_TYPE" },
    }
  end)
end)
