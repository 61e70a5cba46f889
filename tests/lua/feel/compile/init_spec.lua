-- The FEEL compiler: literals, and the contexts it builds and reads.
local rows = require "feel.rows"
local json = require "luaforce.json"
local NULL, D, L, C = rows.NULL, rows.D, rows.empty_list, rows.empty_context

describe("luaforce.feel.compile", function()
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

  it("turns a tree into a closure over a scope, and refuses node kinds it does not know", function()
    local compile = require "luaforce.feel.compile"
    local fn = compile.compile { kind = "list", items = { { kind = "number", text = "1.50" }, { kind = "null" } } }
    local v = fn({})
    assert.equal('[1.50,null]', json.encode(v))
    assert.has_error(function() compile.compile { kind = "goto" } end,
      "luaforce.feel.compile: unknown node kind 'goto'")
  end)

  it("compiles every node kind the parser makes", function()
    local parser = require "luaforce.feel.parser"
    local compile = require "luaforce.feel.compile"
    for k in pairs(parser.KINDS) do
      local ok, err = pcall(compile.compile, { kind = k })
      -- a stub node has no children: a compiler may fail on them, but never
      -- for want of a compiler
      assert.is_falsy(not ok and tostring(err):find("unknown node kind", 1, true), k)
    end
  end)
end)
