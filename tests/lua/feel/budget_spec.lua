-- The evaluation budget: runaway expressions stop with kind = "budget"
-- within the step or time limit, quickly; ordinary ones are not touched;
-- the limits are the caller's to set. The sandbox tests live in init_spec.
local feel = require "luaforce.feel"
local compile = require "luaforce.feel.compile"

local function stopped(expr, opts, within)
  local t0 = os.clock()
  local v, warnings, failure = feel.eval(expr, {}, opts)
  local took = os.clock() - t0
  assert.is_nil(v, expr)
  assert.is_table(failure, expr)
  assert.equal("budget", failure.kind, expr)
  assert.equal("BUDGET_EXCEEDED", failure.type)
  assert.equal(failure, warnings[#warnings])
  -- a functional bound (it stops at all, not after minutes), generous
  -- enough for the sanitizer build; speed is for scripts/bench
  assert.is_true(took < (within or 10), ("%s took %.2f s"):format(expr, took))
  return failure
end

describe("FEEL evaluation budget", function()
  local runaways = {
    "{f: function(n) f(n + 1)}.f(1)",                      -- tail recursion: no stack growth
    "{f: function(n) if n = 0 then 0 else 1 + f(n - 1)}.f(100000000)",
    "for x in 1..1000000000 return x",
    "count(for x in 1..100000000 return x)",
    "sum(for x in 1..10000, y in 1..10000 return x * y)",
    "some x in for y in 1..100000000 return y satisfies x < 0",
    "every x in for y in 1..100000000 return y satisfies x > 0",
    "count((for y in 1..100000000 return y)[item > 5])",
    "{loop: function(f) f(f)}.loop({loop: function(f) f(f)}.loop)",
    "sort(for x in 1..2000000 return x, function(a, b) a > b)",
  }
  for _, expr in ipairs(runaways) do
    it("stops " .. expr, function() stopped(expr, { max_steps = 100000 }, 10) end)
  end

  it("stops runaways within the default limits, in about a second at most", function()
    stopped("{f: function(n) f(n + 1)}.f(1)", nil, 10)
    stopped("for x in 1..1000000000 return x", nil, 10)
  end)

  it("stops at the step limit given", function()
    local f = stopped("for x in 1..100000 return x", { max_steps = 1000 }, 0.5)
    assert.truthy(f.message:find("1000 steps", 1, true), f.message)
    assert.equal(100, #(feel.eval("for x in 1..100 return x", {}, { max_steps = 1000 })))
  end)

  it("stops at the time limit given", function()
    local t0 = os.clock()
    local f = stopped("count(for x in 1..1000000000 return x)", { max_steps = math.huge, max_seconds = 0.1 }, 1)
    assert.truthy(f.message:find("0.1 seconds", 1, true), f.message)
    assert.is_true(os.clock() - t0 >= 0.05)
  end)

  it("lets ordinary expressions run and counts loops and calls only", function()
    local records = {}
    for i = 1, 20000 do records[i] = { Amount = i } end
    local v, w, f = feel.eval("sum(for r in records[Amount > 10] return r.Amount * 2)", { records = records })
    assert.is_nil(f)
    assert.equal(2 * (20000 * 20001 // 2 - 55), v)
    assert.equal(0, #w)
    -- a fresh budget per evaluation
    for _ = 1, 3 do
      assert.equal(200000, #(feel.eval("for x in 1..200000 return x", {})))
    end
    assert.equal(6765, (feel.eval("{fib: function(n) if n < 2 then n else fib(n - 1) + fib(n - 2)}.fib(20)")))
  end)

  it("has documented defaults that callers may change", function()
    assert.equal(1000000, compile.limits.steps)
    assert.equal(1, compile.limits.seconds)
    local saved = compile.limits.steps
    compile.limits.steps = 50
    finally(function() compile.limits.steps = saved end)
    stopped("for x in 1..100 return x", nil, 0.5)
  end)

  it("reports the failure through feel.result as an error", function()
    local vars, err = feel.result("{x: count(for i in 1..100000000 return i)}", { body = {} })
    assert.is_nil(vars)
    assert.truthy(err.message:find("steps", 1, true), err.message)
  end)
end)
