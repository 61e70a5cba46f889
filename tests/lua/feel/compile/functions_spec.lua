-- FEEL functions: definitions, recursion, closures, positional and named calls.
local rows = require "feel.rows"
local NULL, D = rows.NULL, rows.D

describe("luaforce.feel.compile.functions", function()
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
      -- parameter names keep their spaces as written (Camunda's InterpreterFunctionTest)
      { "{f: function(test name) `test name` + 1, r: f(test name: 2)}.r", 3 },
      { "{f: function(test   name yada) `test   name yada` + 1, r: f(test   name yada: 1)}.r", 2 },
      { '{f: function(x, y) if x = null then "x" else if y = null then "y" else "ok", r: f(y: 1)}.r', "x" },
    }
  end)

  it("counts each call of a FEEL function as a step of the budget", function()
    local feel = require "luaforce.feel"
    local fib = "{fib: function(n) if n < 2 then n else fib(n - 1) + fib(n - 2)}.fib(15)"
    assert.equal(610, (feel.eval(fib, {}, { max_steps = 5000 })))
    local v, _, failure = feel.eval(fib, {}, { max_steps = 1000 })
    assert.is_nil(v)
    assert.equal("budget", failure.kind)
  end)

  it("calls Lua functions from the context with Lua values, and a failing one is a warning", function()
    local feel = require "luaforce.feel"
    local got
    local v = feel.eval("f(1.5, [1, null])", { f = function(a, b) got = { a, b }; return 2.0 end })
    assert.equal(2, v)
    assert.equal("integer", math.type(v))
    assert.equal(1.5, got[1])
    local w
    v, w = feel.eval("f(1)", { f = function() error("boom", 0) end })
    assert.is_nil(v)
    assert.equal("FUNCTION_INVOCATION_FAILURE", w[1].type)
    assert.equal("the function failed: boom", w[1].message)
    v, w = feel.eval("f(x: 1)", { f = function() return 1 end })
    assert.is_nil(v)
    assert.equal("this function takes no named arguments", w[1].message)
  end)
end)
