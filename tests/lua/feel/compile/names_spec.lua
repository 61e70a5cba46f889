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
    assert.is_false(mentioned.c, "a path key is no name")
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

  it("compiles in one pass over the tree: nested contexts, loops and filters visit each node once", function()
    local feel = require "luaforce.feel"
    local function visits(src)
      local before = names.stats.visited
      assert(feel.compile(src))
      return names.stats.visited - before
    end
    -- {a:{a:...1}}: n contexts and one number; each context asks what its
    -- values mention (a walk per context was quadratic: 40 KB took 42 s)
    for _, n in ipairs { 10, 100, 200 } do
      assert.equal(n + 1, visits(("{a:"):rep(n) .. "1" .. ("}"):rep(n)))
    end
    -- loops in loops, filters in filters: still one visit per node
    local n = 100
    local src = ("for x in [1] return "):rep(n) .. "x"
    assert.equal(3 * n + 1, visits(src))
    -- a wide context whose entries refer to each other
    local parts = {}
    for i = 1, 2000 do parts[i] = ("k%d: k%d + 1"):format(i, i - 1) end
    assert.equal(1 + 1 + 2000 * 3, visits("{k0: 0, " .. table.concat(parts, ", ") .. "}"))
    -- nothing asks in a plain expression: no index is built
    assert.equal(0, visits("a + b * count([1, 2])"))
  end)
end)
