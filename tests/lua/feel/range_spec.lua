-- Ranges and unary tests: literals with open and closed ends, `in` with
-- ranges, unary tests and lists of them, iteration, and the range
-- relations with Camunda's parameter names.
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

  describe("relations", function()
    rows.run {
      { "before(1, 10)", true }, { "before(10, 1)", false }, { "before([1..5], 10)", true },
      { "before(1, [2..5])", true }, { "before([1..5], [6..10])", true }, { "before([1..5), [5..10])", true },
      { "before([1..5], [5..10])", false },
      { "after(10, 1)", true }, { "after([1..5], 10)", false }, { "after(12, [2..5])", true },
      { "after([6..10], [1..5])", true }, { "after([5..10], [1..5))", true },
      { "meets([1..5], [5..10])", true }, { "meets([1..3], [4..6])", false }, { "meets([1..5], (5..8])", false },
      { "met by([5..10], [1..5])", true }, { "met by((5..8], [1..5))", false }, { "met by([5..10], [1..5))", false },
      { "overlaps([5..10], [1..6])", true }, { "overlaps((3..7], [1..4])", true }, { "overlaps([1..3], (3..6])", false },
      { "overlaps((5..8], [1..5))", false }, { "overlaps([4..10], [1..5))", true },
      { "overlaps before([1..5], [4..10])", true }, { "overlaps before([3..4], [1..2])", false },
      { "overlaps before([1..3], (3..5])", false }, { "overlaps before([1..5), (3..8])", true },
      { "overlaps before([1..5), [5..10])", false },
      { "overlaps after([4..10], [1..5])", true }, { "overlaps after([3..5], [1..3))", false },
      { "overlaps after([4..10], [1..5))", true },
      { "finishes(5, [1..5])", true }, { "finishes(10, [1..7])", false }, { "finishes([3..5], [1..5])", true },
      { "finishes((1..5], [1..5))", false }, { "finishes([5..10], [1..10))", false },
      { "finished by([5..10], 10)", true }, { "finished by([1..5], [3..5])", true },
      { "finished by([5..10], (1..10))", false },
      { "includes([5..10], 6)", true }, { "includes([3..4], 5)", false }, { "includes([1..10], [4..6])", true },
      { "includes((5..8], [1..5))", false }, { "includes([1..10], [1..5))", true },
      { "during(5, [1..10])", true }, { "during(1, (1..10])", false }, { "during([4..6], [1..10))", true },
      { "during((1..5], (1..10])", true },
      { "starts(1, [1..5])", true }, { "starts(1, (1..8])", false }, { "starts((1..5], [1..5])", false },
      { "starts([1..10], [1..5])", false }, { "starts((1..5), (1..10))", true },
      { "started by([1..10], 1)", true }, { "started by((1..10], 1)", false }, { "started by([1..10], [1..5])", true },
      { "started by([1..10], [1..10))", true },
      { "coincides(5, 5)", true }, { "coincides(3, 4)", false }, { "coincides([1..5], [1..5])", true },
      { "coincides((1..5], [1..5))", false },
      -- Camunda's parameter names, dates
      { "before(range1: [1..5], range2: [6..10])", true },
      { "includes(range: [1..10], point: 3)", true },
      { "during(point: 3, range: [1..10])", true },
      { 'before(@"2024-01-01", [@"2024-02-01"..@"2024-03-01"])', true },
      { "meets(1, 2)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'before(1, "a")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    }
  end)
end)
