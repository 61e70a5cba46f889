-- FEEL names: variables with spaces and backticks, builtins as values, scopes.
local rows = require "feel.rows"
local names = require "luaforce.feel.compile.names"
local lexer = require "luaforce.feel.lexer"
local parser = require "luaforce.feel.parser"
local json = require "luaforce.json"
local NULL = rows.NULL

describe("luaforce.feel.compile.names", function()
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

  it("looks names up through the frames, innermost first, and tells null from unbound", function()
    local outer = { ctx = { a = 1, b = json.null, c = "outer" } }
    local vars = { vars = { c = "param" }, parent = outer }
    local inner = { name = "x", value = json.null, parent = vars }
    assert.same({ nil, true }, { names.lookup(inner, "x") })
    assert.same({ "param", true }, { names.lookup(inner, "c") })
    assert.same({ 1, true }, { names.lookup(inner, "a") })
    assert.same({ nil, true }, { names.lookup(inner, "b") })
    assert.same({ nil, false }, { names.lookup(inner, "nope") })
    local leaky = { ctx = setmetatable({}, { __index = { os = os } }) }
    assert.same({ nil, false }, { names.lookup(leaky, "os") }, "a metatable lends nothing")
  end)

  it("tells which names a subtree mentions and whether it defines a function", function()
    local tree = parser.parse(assert(lexer.tokenize("a + b.c + f(d)")), {})
    local mentioned, fundef = names.analyse(tree)
    assert.is_true(mentioned.a and mentioned.b and mentioned.d and mentioned.f)
    assert.is_nil(mentioned.c, "a path key is no name")
    assert.is_false(fundef)
    local _, defines = names.analyse(parser.parse(assert(lexer.tokenize("{g: function(x) x}")), {}))
    assert.is_true(defines)
  end)

  it("calls a function in scope before a builtin of that name; other values do not hide builtins", function()
    local feel = require "luaforce.feel"
    assert.equal(99, (feel.eval("{count: function(l) 99, r: count([1])}.r")))
    assert.equal(1, (feel.eval("{count: 5, r: count([1])}.r")))
    local v, w = feel.eval("nosuch(1)")
    assert.is_nil(v)
    assert.equal("no function found with name 'nosuch'", w[1].message)
  end)
end)
