-- Every builtin called both ways: positionally and by Camunda's parameter
-- names, each variant, with the same result. The table must name every
-- variant of every builtin luaforce's categories register (a new builtin
-- or variant without a row fails the spec), so a named call can never bind
-- differently from the positional one again.
local feel = require "luaforce.feel"
local builtins = require "luaforce.feel.builtins"
local canonical = require "feel.rows".canon

-- { function, {param, value text[, positional text]}, ... [, vary = true] [, null = true] }
-- The positional text replaces the value for a varargs parameter (its
-- items spread); `vary`: the result differs per call (compare kinds);
-- `null`: the result is null both ways; `swap`: by name, the arguments bind
-- as the variant with the same names in the other order, registered first
-- (Camunda's rule: `before(range: r, point: p)` is `before(p, r)`).
local ROWS = {
  { "abs", { "number", "-1" } }, { "abs", { "n", "-1.5" } },
  { "after", { "point1", "5" }, { "point2", "1" } },
  { "after", { "point", "11" }, { "range", "[5..10]" } },
  { "after", { "range", "[5..10]" }, { "point", "1" }, swap = true },
  { "after", { "range1", "[5..10]" }, { "range2", "[1..4]" } },
  { "all", { "list", "[true, false]" } }, { "any", { "list", "[true, false]" } },
  { "and", { "list", "[true, true]" } }, { "or", { "list", "[false, null]" }, null = true },
  { "append", { "list", "[1]" }, { "items", "[2, 3]", "2, 3" } },
  { "assert", { "value", "1" }, { "condition", "true" } },
  { "assert", { "value", "1" }, { "condition", "true" }, { "cause", '"no"' } },
  { "before", { "point1", "1" }, { "point2", "5" } },
  { "before", { "point", "11" }, { "range", "[5..10]" } },
  { "before", { "range", "[5..10]" }, { "point", "11" }, swap = true },
  { "before", { "range1", "[1..10]" }, { "range2", "(10..20]" } },
  { "ceiling", { "n", "1.5" } }, { "ceiling", { "n", "-1.56" }, { "scale", "1" } },
  { "coincides", { "point1", "5" }, { "point2", "5" } },
  { "coincides", { "range1", "[1..5]" }, { "range2", "[1..5]" } },
  { "concatenate", { "lists", "[[1], [2, 3]]", "[1], [2, 3]" } },
  { "contains", { "string", '"foobar"' }, { "match", '"ob"' } },
  { "context", { "entries", '[{key: "a", value: 1}]' } },
  { "context merge", { "contexts", "[{a: 1}, {b: 2}]", "{a: 1}, {b: 2}" } },
  { "context put", { "context", "{a: 1}" }, { "key", '"b"' }, { "value", "2" } },
  { "context put", { "context", "{a: {b: 1}}" }, { "keys", '["a", "c"]' }, { "value", "2" } },
  { "count", { "list", "[1, 2]" } },
  { "date", { "from", '"2024-01-31"' } },
  { "date", { "year", "2024" }, { "month", "1" }, { "day", "31" } },
  { "date and time", { "from", '"2024-01-31T10:00:00"' } },
  { "date and time", { "date", '@"2024-01-31"' }, { "time", '@"10:00:00"' } },
  { "date and time", { "date", '@"2024-01-31T10:00:00"' }, { "timezone", '"Europe/Berlin"' } },
  { "day of week", { "date", '@"2024-01-31"' } }, { "day of year", { "date", '@"2024-01-31"' } },
  { "decimal", { "n", "1.25" }, { "scale", "1" } },
  { "decimal", { "n", "1.25" }, { "scale", "1" }, { "mode", '"HALF_UP"' } },
  { "distinct values", { "list", "[1, 1, 2]" } }, { "duplicate values", { "list", "[1, 1, 2]" } },
  { "duration", { "from", '"P1D"' } },
  { "during", { "point", "5" }, { "range", "[1..10]" } },
  { "during", { "range1", "[2..3]" }, { "range2", "[1..10]" } },
  { "ends with", { "string", '"foobar"' }, { "match", '"bar"' } },
  { "even", { "number", "2" } }, { "exp", { "number", "1" } },
  { "extract", { "input", '"a1b22"' }, { "pattern", '"[0-9]+"' } },
  { "finished by", { "range", "[1..5]" }, { "point", "5" } },
  { "finished by", { "range1", "[1..5]" }, { "range2", "[3..5]" } },
  { "finishes", { "point", "5" }, { "range", "[1..5]" } },
  { "finishes", { "range1", "[3..5]" }, { "range2", "[1..5]" } },
  { "flatten", { "list", "[[1], [[2]]]" } },
  { "floor", { "n", "1.5" } }, { "floor", { "n", "-1.56" }, { "scale", "1" } },
  { "floor", { "n", "-1.56" }, { "scala", "1" } },
  { "from base64", { "value", '"RkVFTA=="' } }, { "from json", { "json", '"[1, 2]"' } },
  { "get entries", { "context", "{a: 1}" } }, { "get entries", { "m", "{a: 1}" } },
  { "get or else", { "value", "null" }, { "default", "1" } },
  { "get value", { "context", "{a: 1}" }, { "key", '"a"' } },
  { "get value", { "m", "{a: 1}" }, { "key", '"a"' } },
  { "get value", { "context", "{a: {b: 2}}" }, { "keys", '["a", "b"]' } },
  { "includes", { "range", "[1..10]" }, { "point", "5" } },
  { "includes", { "range1", "[1..10]" }, { "range2", "[2..3]" } },
  { "index of", { "list", "[1, 2, 1]" }, { "match", "1" } },
  { "insert before", { "list", "[1, 3]" }, { "position", "2" }, { "newItem", "2" } },
  { "is blank", { "string", '" "' } }, { "is defined", { "value", "1" } },
  { "is empty", { "list", "[]" } },
  { "last day of month", { "date", '@"2024-02-10"' } },
  { "list contains", { "list", "[1, 2]" }, { "element", "2" } },
  { "log", { "number", "10" } }, { "lower case", { "string", '"ABC"' } },
  { "matches", { "input", '"foobar"' }, { "pattern", '"^fo*b"' } },
  { "matches", { "input", '"FOO"' }, { "pattern", '"foo"' }, { "flags", '"i"' } },
  { "max", { "list", "[1, 3, 2]" } }, { "mean", { "list", "[1, 2]" } },
  { "median", { "list", "[1, 3, 2]" } }, { "min", { "list", "[2, 1]" } },
  { "mode", { "list", "[1, 1, 2]" } }, { "product", { "list", "[2, 3]" } },
  { "stddev", { "list", "[2, 4, 7, 5]" } }, { "sum", { "list", "[1, 2]" } },
  { "meets", { "range1", "[1..5]" }, { "range2", "[5..10]" } },
  { "met by", { "range1", "[5..10]" }, { "range2", "[1..5]" } },
  { "modulo", { "dividend", "12" }, { "divisor", "5" } },
  { "month of year", { "date", '@"2024-02-10"' } },
  { "not", { "negand", "false" } },
  { "now", vary = true },
  { "number", { "from", '"1500.5"' } },
  { "number", { "from", '"1,500"' }, { "grouping separator", '","' } },
  { "number", { "from", '"1.500,5"' }, { "grouping separator", '"."' }, { "decimal separator", '","' } },
  { "odd", { "number", "3" } },
  { "overlaps", { "range1", "[1..5]" }, { "range2", "[3..8]" } },
  { "overlaps after", { "range1", "[3..8]" }, { "range2", "[1..5]" } },
  { "overlaps before", { "range1", "[1..5]" }, { "range2", "[3..8]" } },
  { "partition", { "list", "[1, 2, 3]" }, { "size", "2" } },
  { "put", { "context", "{a: 1}" }, { "key", '"b"' }, { "value", "2" } },
  { "put all", { "contexts", "[{a: 1}, {a: 2}]", "{a: 1}, {a: 2}" } },
  { "random number", vary = true },
  { "remove", { "list", "[1, 2, 3]" }, { "position", "2" } },
  { "replace", { "input", '"abc"' }, { "pattern", '"b"' }, { "replacement", '"x"' } },
  { "replace", { "input", '"aBc"' }, { "pattern", '"b"' }, { "replacement", '"x"' }, { "flags", '"i"' } },
  { "reverse", { "list", "[1, 2]" } },
  { "round down", { "n", "1.129" }, { "scale", "2" } }, { "round up", { "n", "1.121" }, { "scale", "2" } },
  { "round half down", { "n", "1.125" }, { "scale", "2" } },
  { "round half down", { "n", "1.125" }, { "scala", "2" } },
  { "round half up", { "n", "1.125" }, { "scale", "2" } },
  { "sort", { "list", "[3, 1, 2]" }, { "precedes", "function(x, y) x < y" } },
  { "split", { "string", '"a;b"' }, { "delimiter", '";"' } },
  { "sqrt", { "number", "16" } },
  { "started by", { "range", "[1..5]" }, { "point", "1" } },
  { "started by", { "range1", "[1..5]" }, { "range2", "[1..3]" } },
  { "starts", { "point", "1" }, { "range", "[1..5]" } },
  { "starts", { "range1", "[1..3]" }, { "range2", "[1..5]" } },
  { "starts with", { "string", '"foobar"' }, { "match", '"foo"' } },
  { "string", { "from", "1.10" } },
  { "string join", { "list", '["a", "b"]' } },
  { "string join", { "list", '["a", "b"]' }, { "delimiter", '", "' } },
  { "string join", { "list", '["a", "b"]' }, { "delimiter", '", "' }, { "prefix", '"["' }, { "suffix", '"]"' } },
  { "string length", { "string", '"foo"' } },
  { "sublist", { "list", "[1, 2, 3]" }, { "start", "2" } },
  { "sublist", { "list", "[1, 2, 3]" }, { "start", "1" }, { "length", "2" } },
  { "substring", { "string", '"foobar"' }, { "start position", "3" } },
  { "substring", { "string", '"foobar"' }, { "start position", "3" }, { "length", "2" } },
  { "substring after", { "string", '"foobar"' }, { "match", '"ob"' } },
  { "substring before", { "string", '"foobar"' }, { "match", '"bar"' } },
  { "time", { "from", '"10:30:00"' } },
  { "time", { "hour", "10" }, { "minute", "30" }, { "second", "0" } },
  { "time", { "hour", "10" }, { "minute", "30" }, { "second", "0" }, { "offset", '@"PT1H"' } },
  { "to base64", { "value", '"FEEL"' } }, { "to json", { "value", "{a: [1]}" } },
  { "today", vary = true },
  { "trim", { "string", '" a "' } },
  { "union", { "lists", "[[1, 2], [2, 3]]", "[1, 2], [2, 3]" } },
  { "upper case", { "string", '"abc"' } },
  { "uuid", vary = true },
  { "week of year", { "date", '@"2024-02-10"' } },
  { "years and months duration", { "from", '@"2020-01-01"' }, { "to", '@"2021-03-05"' } },
}

-- the expression calling row's function positionally, and by name
local function calls(row)
  local pos, named = {}, {}
  for i, p in ipairs(row) do
    pos[row.swap and #row + 1 - i or i] = p[3] or p[2]
    named[i] = p[1] .. ": " .. p[2]
  end
  return ("%s(%s)"):format(row.name, table.concat(pos, ", ")),
    ("%s(%s)"):format(row.name, table.concat(named, ", "))
end

-- rows keep their function's name at [1]; the parameters follow
for _, row in ipairs(ROWS) do
  row.name = table.remove(row, 1)
end

describe("every builtin by position and by Camunda's parameter names", function()
  for _, row in ipairs(ROWS) do
    local positional, named = calls(row)
    it(named, function()
      local a, wa = feel.eval(positional)
      local b, wb = feel.eval(named)
      assert(type(wa) == "table" and wa.kind == nil, "syntax error in " .. positional)
      assert(type(wb) == "table" and wb.kind == nil, "syntax error in " .. named)
      assert.equal(0, #wa, positional .. " warned: " .. tostring(wa[1] and wa[1].message))
      assert.equal(0, #wb, named .. " warned: " .. tostring(wb[1] and wb[1].message))
      if row.vary then
        assert.equal(feel.values.kind(a), feel.values.kind(b))
      else
        assert.equal(canonical(a), canonical(b), named)
      end
      if row.null then assert.is_nil(a) else assert.is_not_nil(a, positional .. " is null") end
    end)
  end

  it("has a row for every variant of every builtin, and for no other", function()
    local have = {}
    for _, row in ipairs(ROWS) do
      local names = {}
      for i, p in ipairs(row) do names[i] = p[1] end
      have[row.name .. "(" .. table.concat(names, ", ") .. ")"] = true
    end
    local missing, registered = {}, {}
    for name, f in pairs(builtins.functions) do
      if f.category then
        for _, v in ipairs(f.variants) do
          local names = {}
          for i, p in ipairs(v.params) do names[i] = p.name end
          local sig = name .. "(" .. table.concat(names, ", ") .. ")"
          registered[sig] = true
          -- the aggregates' several items are positional only (Camunda
          -- names that variant's parameter `list`, which has its own row)
          local items_only = #names == 1 and names[1] == "items" and v.varargs
          if not have[sig] and not items_only then missing[#missing + 1] = sig end
        end
      end
    end
    -- and no row names a variant that is not there
    for sig in pairs(have) do
      if not registered[sig] then missing[#missing + 1] = "no such variant: " .. sig end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("binds names as Camunda does where the order is not the positional one", function()
    -- (point, range) is the variant both names pick, whatever their order
    assert.is_false(feel.eval("before(point: 11, range: [5..10])"))
    assert.is_false(feel.eval("before(range: [5..10], point: 11)"))
    assert.same({ 1, 2, 3 }, feel.eval("union(lists: [[1, 2], [2, 3]])"))
    local v, warnings = feel.eval("abs(value: 1)")
    assert.is_nil(v)
    assert.matches("no variant takes the arguments (value)", warnings[1].message, 1, true)
  end)
end)
