-- The evaluation budget: runaway expressions stop with kind = "budget"
-- at the step or time limit; ordinary ones are not touched; the limits are
-- the caller's to set. No assertion reads a clock: a Lua function in the
-- context counts how far an evaluation got. The sandbox tests live in
-- init_spec; speed is for scripts/bench.
local feel = require "luaforce.feel"
local budget = require "luaforce.feel.budget"

local function stopped(expr, opts, context)
  local v, warnings, failure = feel.eval(expr, context or {}, opts)
  assert.is_nil(v, expr)
  assert.is_table(failure, expr)
  assert.equal("budget", failure.kind, expr)
  assert.equal("BUDGET_EXCEEDED", failure.type)
  assert.equal(failure, warnings[#warnings])
  return failure
end

-- A context whose `tick(x)` counts its calls: how many iterations ran.
local function counting()
  local ticks = 0
  return { tick = function(x) ticks = ticks + 1; return x end }, function() return ticks end
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
    it("stops " .. expr, function() stopped(expr, { max_steps = 100000 }) end)
  end

  it("stops runaways within the default limits", function()
    local saved = budget.limits.steps
    budget.limits.steps = 200000
    finally(function() budget.limits.steps = saved end)
    stopped("{f: function(n) f(n + 1)}.f(1)")
    local ctx, ticks = counting()
    stopped("for x in 1..1000000000 return tick(x)", nil, ctx)
    -- the step limit or the second, whichever came first: well short of the loop
    assert.is_true(ticks() <= budget.limits.steps, ticks() .. " iterations")
  end)

  it("stops at the step limit given", function()
    local ctx, ticks = counting()
    local f = stopped("for x in 1..100000 return tick(x)", { max_steps = 1000 }, ctx)
    assert.truthy(f.message:find("1000 steps", 1, true), f.message)
    assert.equal(1000, ticks(), "iterations")
    assert.equal(100, #(feel.eval("for x in 1..100 return x", {}, { max_steps = 1000 })))
  end)

  it("stops at the time limit given", function()
    local ctx, ticks = counting()
    local f = stopped("count(for x in 1..1000000000 return tick(x))", { max_steps = math.huge, max_seconds = 0.1 }, ctx)
    assert.truthy(f.message:find("0.1 seconds", 1, true), f.message)
    assert.is_true(ticks() < 1000000000, ticks() .. " iterations")
  end)

  it("counts the steps of the evaluation under way, each evaluation from zero", function()
    local seen = {}
    local ctx = { used = function() seen[#seen + 1] = budget.steps_used(); return 0 end }
    feel.eval("for x in 1..5 return used()", ctx)
    assert.same({ 1, 2, 3, 4, 5 }, seen)
    seen = {}
    feel.eval("used()", ctx)
    assert.same({ 0 }, seen)
    assert.equal(0, budget.steps_used(), "no evaluation under way")
  end)

  it("gives a nested evaluation its own budget and restores the outer one", function()
    local inner
    local ctx = {
      nested = function()
        inner = { feel.eval("for x in 1..100 return x", {}, { max_steps = 10 }) }
        return budget.steps_used()
      end,
    }
    local v, w, f = feel.eval("for x in 1..3 return nested()", ctx, { max_steps = 50 })
    assert.is_nil(f)
    assert.same({ 1, 2, 3 }, v, "the outer count goes on where it was")
    assert.same({}, w)
    assert.equal("budget", inner[3].kind)
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

  -- Ctrl-C is no failure of the expression: it leaves eval as the error it
  -- is, through every pcall in FEEL's own code (a filter's probe, sort, a
  -- caller's Lua function)
  it("lets an interruption through, wherever it strikes", function()
    local errors = require "luaforce.errors"
    local function ctrl_c() error(errors.interrupted, 0) end
    for _, expr in ipairs { "f()", "[1, 2, 3][f()]", "sort([3, 1, 2], function(x, y) f())",
      "for x in [1, 2] return f()", "some x in [1] satisfies f()" } do
      local ok, err = pcall(feel.eval, expr, { f = ctrl_c })
      assert.is_false(ok, expr)
      assert.is_true(errors.is_interrupt(err), expr .. ": " .. tostring(err))
    end
    assert.is_true(budget.passes(errors.interrupted))
    assert.is_true(budget.passes({ feel_abort = true }))
    assert.is_false(budget.passes({ message = "x" }))
    assert.is_false(budget.passes("text"))
    -- an ordinary Lua error in a caller's function stays a warning
    local v, warnings = feel.eval("f()", { f = function() error("boom") end })
    assert.is_nil(v)
    assert.equal("FUNCTION_INVOCATION_FAILURE", warnings[1].type)
  end)

  it("has documented defaults that callers may change", function()
    assert.equal(10000000, budget.limits.steps)
    assert.equal(5, budget.limits.seconds)
    assert.equal(512 * 1048576, budget.limits.memory)
    local saved = budget.limits.steps
    budget.limits.steps = 50
    finally(function() budget.limits.steps = saved end)
    stopped("for x in 1..100 return x")
  end)

  it("passes an evaluation of exactly max_steps steps and stops the one a step longer", function()
    for _, n in ipairs { 1, 7, 10000, 10001, 25000 } do
      local v, _, f = feel.eval("for x in 1..n return x", { n = n }, { max_steps = n })
      assert.is_nil(f, n)
      assert.equal(n, #v)
      stopped("for x in 1..n return x", { max_steps = n - 1 }, { n = n })
    end
  end)

  it("allows a million-item for under the default budget, with room", function()
    local used
    local v, _, f = feel.eval("[count(for x in 1..1000000 return x + 1), u()]",
      { u = function() used = budget.steps_used(); return 0 end })
    assert.is_nil(f)
    assert.same({ 1000000, 0 }, v)
    -- one step per iteration, and count's work over the million items
    -- (a step per 4); a Lua function of the context takes none
    assert.equal(1000000 + 250000, used)
    assert.is_true(used * 8 <= budget.limits.steps)
  end)

  -- the work of a builtin is charged by the size of what it is given, so a
  -- loop of regular expressions over a long text reaches the limits soon
  it("charges builtins by the size of their arguments", function()
    local text = string.rep("abcdefgh", 8192) -- 64 KiB: 1024 steps a call
    local seen
    local ctx = { text = text, used = function() seen = budget.steps_used(); return 0 end }
    local v, _, f = feel.eval("[matches(text, \"z\"), used()]", ctx)
    assert.is_nil(f)
    assert.same({ false, 0 }, v)
    assert.equal(1024, seen) -- the text's work (a Lua function of the context takes no step)
    local list = {}
    for i = 1, 4000 do list[i] = i end
    feel.eval("[count(xs), used()]", { xs = list, used = ctx.used })
    assert.equal(1000, seen)
    local failure = stopped("for i in 1..100000 return replace(text, \"[aeiou]\", \"x\")", { max_steps = 100000 }, ctx)
    assert.truthy(failure.message:find("more than 100000 steps", 1, true), failure.message)
  end)

  it("charges the results builtins and concatenation build, and stops a doubling at the memory limit", function()
    local seen
    local ctx = { used = function() seen = budget.bytes_charged(); return 0 end }
    feel.eval("[string join(for i in 1..1000 return \"0123456789\"), used()]", ctx)
    assert.equal(10000 + 24, seen)
    feel.eval("[\"x\" + string join(for i in 1..1000 return \"0123456789\"), used()]", ctx)
    assert.equal(2 * (10000 + 24) + 1, seen) -- the join's result and the concatenation's
    seen = nil
    feel.eval("[\"ab\" + \"cd\", used()]", ctx)
    assert.equal(0, seen, "short values are not charged")
    for _, expr in ipairs {
      'for i in 1..64 return if i = 1 then "ab" else partial[-1] + partial[-1]',
      "for i in 1..64 return if i = 1 then [1, 2] else concatenate(partial[-1], partial[-1])",
      'for i in 1..64 return if i = 1 then "ab" else string join([partial[-1], partial[-1]])',
    } do
      local failure = stopped(expr, { max_memory = 16 * 1048576, max_steps = math.huge })
      assert.truthy(failure.message:find("more than 16 MB of memory; max_memory or --max-memory raises it", 1, true),
        failure.message)
    end
    -- the limit counts what the evaluation holds, not what it built and dropped
    local v, _, f = feel.eval('count(for i in 1..200 return string length(string join(for j in 1..1000 return "0123456789")))',
      {}, { max_memory = 4 * 1048576 })
    assert.is_nil(f)
    assert.equal(200, v)
  end)

  -- Camunda's ListPerformanceTest: a million items through distinct values,
  -- union and duplicate values in linear time; values without a key (dates,
  -- lists) compared one by one, each scan charged
  it("runs distinct values and union over large lists in steps proportional to their size", function()
    local xs, seen = {}, nil
    for i = 1, 200000 do xs[i] = i % 100000 end
    local ctx = { xs = xs, used = function() seen = budget.steps_used(); return 0 end }
    local v, _, f = feel.eval("[count(distinct values(xs)), count(duplicate values(xs)), count(union(xs, [0, -1])), used()]", ctx)
    assert.is_nil(f)
    assert.same({ 100000, 100000, 100001, 0 }, v)
    -- the work of the arguments (50,000 steps for each look at xs, 25,000
    -- for each count of 100,000) and the building of the three results (a
    -- step per 64 bytes, 16 bytes an item): nothing quadratic
    assert.equal(50000 * 3 + 25000 * 3 + (25000 + 25000 + 25001), seen)
    local failure = stopped("count(distinct values(for i in 1..5000 return date(2000 + i, 1, 1)))", { max_steps = 100000 })
    assert.truthy(failure.message:find("100000 steps", 1, true))
    assert.equal(300, (feel.eval("count(distinct values(for i in 1..600 return date(2000 + modulo(i, 300), 1, 1)))")))
  end)

  it("charges each copy of partial by its length", function()
    local failure = stopped("for i in 1..100000 return count(partial)", { max_steps = 1000000 })
    assert.truthy(failure.message:find("1000000 steps", 1, true))
  end)

  it("names the limit and the option that raises it", function()
    local f = stopped("for x in 1..100 return x", { max_steps = 10 })
    assert.equal("the evaluation took more than 10 steps (loop iterations, function calls and the work of builtins);"
      .. " max_steps or --max-steps raises it", f.message)
  end)
end)
