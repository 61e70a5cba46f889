-- The FEEL language, construct by construct, over Salesforce-shaped data.
local rows = require "feel.rows"
local json = require "luaforce.json"
local NULL, D, L, C = rows.NULL, rows.D, rows.empty_list, rows.empty_context

describe("luaforce.feel language", function()
  describe("literals", function()
    rows.run {
      { "1", 1 }, { "-5", -5 }, { "- 5", -5 }, { "1.50", D "1.50" }, { "1.5", 1.5 }, { ".5", 0.5 }, { "007", 7 },
      { "2.0", 2 },
      { '"a\\tb\\n\\"c\\"\\\\"', 'a\tb\n"c"\\' },
      { '"\\u00e9t\\u00e9"', "été" }, { '"\\ud83d\\ude00"', "😀" },
      { "true", true }, { "false", false }, { "null", NULL },
      { "[1, \"a\", null, [true]]", { 1, "a", NULL, { true } } },
      { "[]", L() },
      { '{a: 1, "b c": 2, d: {e: 3}}', { a = 1, ["b c"] = 2, d = { e = 3 } } },
      { "{}", C() },
      { "{a: 1, b: a + 1, c: b * 10}", { a = 1, b = 2, c = 20 } },
      { "{a: 1, a: 2}", { a = 2 } },
      { "1 // a comment\n + 2", 3 }, { "1 /* inline */ + /* two\nlines */ 2", 3 },
    }
  end)

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
      { "true and true", true }, { "true and false", false }, { "true and null", NULL },
      { "false and null", false }, { "null and false", false }, { '"x" and true', NULL },
      { "true or null", true }, { "false or null", NULL }, { "false or false", false }, { "null or true", true },
      { "not(true)", false }, { "not(null)", NULL }, { 'not("yes")', NULL },
    }
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

  describe("names", function()
    local ctx = function()
      return { ["first name"] = "Ada", ["Content-Type"] = "json", item = 5, count = 3, xs = { 1, 2, 3 } }
    end
    rows.run({
      { "first name", "Ada" }, { "first name + \"!\"", "Ada!" }, { "`Content-Type`", "json" },
      { "missing", NULL, warn = "NO_VARIABLE_FOUND" },
      { "count", 3 }, { "count(xs)", 3 },
      { "string length(first name)", 3 },
    }, ctx)
  end)

  describe("paths, projection and indexing over a query response", function()
    rows.run({
      { "body.totalSize", 3 },
      { "body.records[1].Name", "Acme" }, { "body.records[-1].Name", "Cirrus" },
      { "body.records[0]", NULL }, { "body.records[4]", NULL }, { "body.records[1.5].Id", "001A" },
      { "body.records.Name", { "Acme", "Bolt", "Cirrus" } },
      { "body.records.Industry", { "Energy", NULL, "Energy" } },
      { "body.records.Missing", { NULL, NULL, NULL } },
      { "body.records[1].Contacts.records.LastName", { "Lovelace", "Hopper" } },
      { "body.records[2].Contacts.records", NULL, warn = "NO_CONTEXT_ENTRY_FOUND" },
      { "headers.`Content-Type`", "application/json;charset=UTF-8" },
      { "body.nope", NULL, warn = "NO_CONTEXT_ENTRY_FOUND" },
      { "body.records[1].AnnualRevenue + 0.9", 1500001 },
      { '"abc"[1]', NULL, warn = "INVALID_TYPE" },
      { "{a: [10, 20, 30]}.a[-2]", 20 },
      { "document", NULL },
    }, rows.query_response)
  end)

  describe("filters (Camunda: non-comparisons run per item)", function()
    rows.run({
      { "[1, 2, 3, 4][item > 2]", { 3, 4 } },
      { "[1, 2, 3][item > 5]", L() },
      { "body.records[AnnualRevenue > 1000000].Name", { "Acme" } },
      { "body.records[Industry = \"Energy\"].Id", { "001A", "001C" } },
      { "body.records[Industry = null].Name", { "Bolt" } },
      { "body.records[item.NumberOfEmployees < 50].Name", { "Bolt", "Cirrus" } },
      { 'body.records[starts with(Name, "B")].Id', { "001B" } },
      { "body.records[Contacts != null and Contacts.totalSize > 1].Name", { "Acme" } },
      { "[{ok: true, n: 1}, {ok: false, n: 2}, {ok: true, n: 3}][ok].n", { 1, 3 } },
      { "[true, false, null, true][item]", { true, true } },
      { "{i: 2, r: [10, 20, 30][i]}.r", 20 },
      { "[[1, 2], [3]][count(item) > 1]", { { 1, 2 } } },
      { "flatten(body.records.Contacts.records)[Email != null].Email",
        { "ada@acme.example", "marie@cirrus.example" } },
      { "null[item > 1]", NULL },
    }, rows.query_response)
  end)

  describe("for, some, every", function()
    rows.run({
      { "for x in [1, 2, 3] return x * x", { 1, 4, 9 } },
      { "for x in [1, 2], y in [10, 20] return x + y", { 11, 21, 12, 22 } },
      { "for i in 1..3 return i", { 1, 2, 3 } }, { "for i in 3..1 return i", { 3, 2, 1 } },
      { "for x in [1, 2, 3] return if x = 1 then x else x + partial[-1]", { 1, 3, 6 } },
      -- partial is a copy of the results so far, never the list being built
      { "for i in [1, 2, 3] return partial", { L(), { L() }, { L(), { L() } } } },
      { "for i in [1, 2], j in [3] return count(partial)", { 0, 1 } },
      { "for r in body.records return r.Id", { "001A", "001B", "001C" } },
      { "for r in body.records return {id: r.Id, revenue: r.AnnualRevenue}",
        { { id = "001A", revenue = 1500000.1 }, { id = "001B", revenue = NULL }, { id = "001C", revenue = 250000.2 } } },
      { "for x in [] return x", L() },
      { "for x in null return x", NULL },
      { "for x in [null] return x", { NULL } },
      { "some x in [1, 2, 3] satisfies x > 2", true },
      { "some x in [1, 2] satisfies x > 2", false },
      { "some x in [1, null] satisfies x > 2", NULL },
      { "every x in [1, 2] satisfies x > 0", true },
      { "every x in [1, null] satisfies x > 0", NULL },
      { "every x in [1, null, -1] satisfies x > 0", false },
      { "every x in [] satisfies x > 0", true }, { "some x in [] satisfies x > 0", false },
      { "some x in [1, 2], y in [2, 3] satisfies x = y", true },
      { "every r in body.records satisfies r.Id != null", true },
      { "some r in body.records satisfies r.Industry = \"Tech\"", false },
      { "some r in body.records satisfies r.Industry > \"A\"", true },
      { "every r in body.records satisfies r.Industry > \"A\"", NULL },
    }, rows.query_response)
  end)

  describe("functions", function()
    rows.run {
      { "{f: function(a, b) a - b, r: f(10, 4)}.r", 6 },
      { "{f: function(a, b) a - b, r: f(b: 10, a: 4)}.r", -6 },
      { "{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(20)}.r", 2432902008176640000 },
      { "{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(25)}.r",
        D "15511210043330985984000000" },
      { "{fib: function(n) if n < 2 then n else fib(n - 1) + fib(n - 2), r: fib(15)}.r", 610 },
      { "(function(x) x + 1)(2)", 3 },
      { "{k: 10, add: function(x) x + k}.add(5)", 15 },
      { "{f: function(a) a}.f(1, 2)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
      { "nosuch(1)", NULL, warn = "NO_FUNCTION_FOUND" },
      { "{adders: for i in [1, 2] return function(x) x + i, r: for f in adders return f(10)}.r", { 11, 12 } },
      { 'substring(string: "abcdef", start position: 2, length: 3)', "bcd" },
      { 'substring(start position: 2, string: "abcdef")', "bcdef" },
      { 'substring(text: "abc", start position: 2)', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    }
  end)

  it("keeps the entry order of contexts it builds, and of decoded ones", function()
    local feel = require "luaforce.feel"
    local v = feel.eval("{z: 1, a: 2, m: {y: 1, b: 2}}")
    assert.equal('{"z":1,"a":2,"m":{"y":1,"b":2}}', json.encode(v))
    v = feel.eval("body", rows.query_response())
    assert.equal('{"totalSize":3,"done":false,', json.encode(v):sub(1, 28))
    v = feel.eval('context put({z: 1, a: 2}, "b", 3)')
    assert.equal('{"z":1,"a":2,"b":3}', json.encode(v))
  end)

  it("reads the caller's tables in place and gives them back unchanged", function()
    local feel = require "luaforce.feel"
    local ctx = rows.query_response()
    local records = ctx.body.records
    local v = feel.eval("body.records", ctx)
    assert.equal(records, v)
    v = feel.eval("{all: body.records}", ctx)
    assert.equal(records, v.all)
  end)
end)
