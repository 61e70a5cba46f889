local values = require "luaforce.feel.kinds"
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"

describe("luaforce.feel.kinds", function()
  it("tells the kinds of Lua values", function()
    local cases = {
      { nil, "null" }, { json.null, "null" }, { true, "boolean" }, { 1, "number" }, { 0.5, "number" },
      { decimal.new("1.5"), "number" }, { "s", "string" }, { { 1, 2 }, "list" }, { {}, "list" },
      { json.object {}, "context" }, { json.array {}, "list" }, { { a = 1 }, "context" },
      { print, "function" },
    }
    for _, c in ipairs(cases) do assert.equal(c[2], values.kind(c[1])) end
  end)

  it("orders keys as recorded, then sorted", function()
    local t = json.decode('{"z": 1, "a": 2}')
    t.m = 3
    t.b = 4
    assert.same({ "z", "a", "b", "m" }, values.keys(t))
    assert.same({ "a", "b" }, values.keys { b = 1, a = 2 })
  end)

  it("compares by FEEL's rules", function()
    assert.is_true(values.equal(1, decimal.new("1.00")))
    assert.is_true(values.equal(nil, json.null))
    assert.is_false(values.equal(1, nil))
    assert.is_nil(values.equal(1, "1"))
    assert.is_true(values.equal({ 1, json.null }, json.array { 1, json.null }))
    assert.equal(-1, values.compare("a", "b"))
    assert.is_nil(values.compare(true, false))
  end)

  it("writes values as string() does", function()
    assert.equal('[1, "a", null, {k:true}]', values.tostring(json.decode('[1, "a", null, {"k": true}]')))
  end)

  it("converts back to Lua without copying unchanged tables", function()
    local t = json.decode('{"a": [1, 2.5, "x"]}')
    assert.equal(t, values.tolua(t))
    local built = json.array { decimal.new("0.5"), decimal.new("2") }
    local out = values.tolua(built)
    assert.are_not.equal(built, out)
    assert.equal(0.5, out[1])
    assert.equal("integer", math.type(out[2]))
    assert.is_true(json.is_array(out))
  end)

  it("names values in messages: strings quoted and cut, others by kind", function()
    assert.equal('"abc"', values.describe("abc"))
    assert.equal('"' .. ("x"):rep(37) .. '..."', values.describe(("x"):rep(50)))
    assert.equal("null", values.describe(nil))
    assert.equal("number 1.50", values.describe(decimal.new("1.50")))
    assert.equal("list", values.describe({ 1 }))
    assert.equal("context", values.describe(json.object {}))
    assert.equal("boolean true", values.describe(true))
  end)

  it("calls function values: FEEL ones through call, Lua ones with Lua values", function()
    local feel_fn = setmetatable({ call = function(a, b) return a + b end }, values.FUNCTION_MT)
    assert.equal("function", values.kind(feel_fn))
    assert.equal(3, values.call(feel_fn, 1, 2))
    local seen
    local r = values.call(function(x) seen = x; return 4.0 end, decimal.new("0.5"))
    assert.equal(0.5, seen)
    assert.equal(4, r)
    assert.equal("integer", math.type(r))
    local warnings = {}
    values.diag.list = warnings
    finally(function() values.diag.list = nil end)
    assert.is_nil(values.call(function() error("no", 0) end))
    assert.equal("the function failed: no", warnings[1].message)
  end)

  describe("warnings", function()
    local feel = require "luaforce.feel"

    it("keeps one warning per type, message and place, counting the repeats", function()
      local _, w = feel.eval("for i in 1..10000 return x + i")
      assert.equal(1, #w)
      assert.equal("NO_VARIABLE_FOUND", w[1].type)
      assert.equal(10000, w[1].count)
      _, w = feel.eval("[x, x]")
      assert.equal(2, #w, "two places, two warnings")
      assert.is_nil(w[1].count)
      _, w = feel.eval("for i in 1..3 return string(i) + 1")
      assert.equal(3, #w, "three messages")
    end)

    it("keeps at most MAX_WARNINGS distinct ones and counts the rest in a last one", function()
      local _, w = feel.eval("for i in 1..1000 return string(i) + 1")
      assert.equal(values.MAX_WARNINGS + 1, #w)
      local last = w[#w]
      assert.equal("TOO_MANY_WARNINGS", last.type)
      assert.equal(1000 - values.MAX_WARNINGS, last.count)
      assert.equal("900 more warnings were left out", last.message)
    end)
  end)
end)
