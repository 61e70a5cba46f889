-- FEEL range relation builtins (lua/luaforce/feel/builtins/range.lua):
-- before, after, meets, met by, overlaps (before, after), finishes,
-- finished by, includes, during, starts, started by, coincides over points
-- and ranges; the variants Camunda's parameter names pick; open ends (a
-- unary test such as `< 10` as a value) counting as infinitely far; and
-- the failures (null with a warning) when a relation does not apply.
local range = require "luaforce.feel.range"
local rows = require "feel.rows"
local NULL = rows.NULL

-- Ranges with an open end, as unary tests give them (no literal writes one
-- as a value).
local function open_ends()
  return {
    below10 = range.new(nil, 10, false, false), -- < 10
    upto10 = range.new(nil, 10, false, true),   -- <= 10
    from5 = range.new(5, nil, true, false),     -- >= 5
    above5 = range.new(5, nil, false, false),   -- > 5
  }
end

describe("FEEL range builtins", function()
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

  describe("every variant by its parameter names", function()
    rows.run {
      { "before(point1: 1, point2: 2)", true }, { "after(point1: 1, point2: 2)", false },
      { "coincides(point1: 3, point2: 3)", true },
      -- `point` and `range` name (point, range) first, as in Camunda: the
      -- question is whether the point is before the range, in any order
      { "before(point: 11, range: [5..10])", false }, { "before(range: [5..10], point: 11)", false },
      { "before(point: 4, range: [5..10])", true }, { "after(range: [6..9], point: 5)", false },
      { "after(point: 10, range: [6..9])", true },
      { "finished by(range: [1..5], point: 5)", true }, { "started by(range: [1..5], point: 1)", true },
      { "finishes(point: 5, range: [1..5])", true }, { "starts(point: 1, range: [1..5])", true },
      { "meets(range1: [1..5], range2: [5..10])", true }, { "met by(range1: [5..10], range2: [1..5])", true },
      { "overlaps(range1: [1..5], range2: [4..10])", true },
      { "overlaps before(range1: [1..5], range2: [4..10])", true },
      { "overlaps after(range1: [4..10], range2: [1..5])", true },
      { "coincides(range1: [1..5], range2: [1..5])", true },
      { "before(point1: 1, range: [2..3])", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { "meets(point1: 1, point2: 2)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    }
  end)

  describe("points of other kinds", function()
    rows.run {
      { 'before(@"10:00:00", @"11:00:00")', true },
      { 'during(@"2024-02-10", [@"2024-02-01"..@"2024-02-29"])', true },
      { 'finishes(@"2024-02-29", [@"2024-02-01"..@"2024-02-29"])', true },
      { 'before(@"2024-01-31T10:00:00Z", @"2024-01-31T09:00:00-05:00")', true },
      { 'before(@"P1D", @"PT25H")', true }, { 'after(@"P1Y", @"P11M")', true },
    }
  end)

  -- Camunda relates numbers, dates, times, date-times and durations only,
  -- and only two of one kind (a local and a zoned date-time are two kinds)
  describe("values that are not points of one kind", function()
    rows.run {
      { 'before("a", "b")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'after("b", ["a".."c"])', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'includes(["a".."c"], "b")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { "before(true, false)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { "before([1,2], [3,4])", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { "before({}, {x: 1})", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'before(5, date("2021-12-21"))', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'before(@"2024-01-31T10:00:00", @"2024-01-31T11:00:00Z")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'before(@"10:00:00", @"11:00:00+01:00")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'before(@"P1D", @"P1Y")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    }
  end)

  describe("equal and touching ends", function()
    rows.run {
      { "includes([1..5], [1..5])", true }, { "includes((1..5), [1..5])", false },
      { "during([1..5], [1..5])", true }, { "during((1..5), [1..5])", true },
      { "starts([1..5], [1..5])", true }, { "finishes([1..5], [1..5])", true },
      { "coincides([1..5], (1..5))", false },
      { "meets([1..5), [5..10])", false }, { "overlaps([1..5], [5..10])", true },
      { "overlaps before([1..5], [1..10])", false }, { "overlaps after([1..10], [1..5])", false },
      { "before([1..5), 5)", true }, { "before([1..5], 5)", false }, { "after((5..9], 5)", true },
    }
  end)

  describe("open ends count as infinitely far", function()
    rows.run({
      { "before(below10, 20)", true }, { "before(below10, 10)", true }, { "before(upto10, 10)", false },
      { "includes(below10, -1000000)", true }, { "includes(from5, 100)", true }, { "includes(above5, 5)", false },
      { "after(from5, 4)", true }, { "after(above5, 5)", true }, { "after(100, below10)", true },
      { "before(4, from5)", true }, { "before(5, from5)", false },
      { "overlaps(below10, from5)", true }, { "before(below10, from5)", false },
      { "before(below10, [10..20])", true }, { "before(upto10, [10..20])", false },
      { "meets(upto10, [10..20])", true }, { "meets(below10, [10..20])", false },
      { "includes(below10, [1..5])", true }, { "during([1..5], below10)", true },
      { "includes([1..5], below10)", false },
      { "overlaps before(below10, [5..20])", true }, { "overlaps after(from5, [1..6])", true },
      { "coincides(below10, below10)", true }, { "coincides(below10, upto10)", false },
      { "starts(from5, from5)", true }, { "before(below10, below10)", false },
    }, open_ends)
  end)

  describe("nulls and what does not relate", function()
    rows.run {
      { "before(null, 1)", NULL }, { "before(1, null)", NULL }, { "includes(null, [1..2])", NULL },
      { "met by(1, 2)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { "includes(1, 2)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { "during([1..5], 3)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { "finishes([1..5], 5)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { "starts([1..2], 1)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'before([1..5], "x")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { 'includes([1..5], @"2024-01-01")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    }

    -- { expression, the warning's message }
    rows.failures {
      { "met by(1, 2)", "met by does not relate a point to a point" },
      { "during([1..5], 3)", "during does not relate a range to a point" },
      { 'before([1..5], "x")', 'range [1..5] and "x" are not points of one kind' },
      { "before(point1: 1, range: [2..3])", "no variant takes the arguments (point1, range)" },
    }
  end)
end)
