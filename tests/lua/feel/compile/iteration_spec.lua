-- FEEL iteration: for, some, every.
local rows = require "feel.rows"
local NULL, L = rows.NULL, rows.empty_list

describe("luaforce.feel.compile.iteration", function()
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
      -- over ranges (Camunda's InterpreterListExpressionTest)
      { "some x in 1..5 satisfies x > 3", true },
      { "some x in 1..5 satisfies x > 10", false },
      { "every x in 1..5 satisfies x < 10", true },
      { "every x in 1..10 satisfies x < 5", false },
      { "some x in [1..5] satisfies x > 3", true },
      { "some x in [1, 2] satisfies x > 2", false },
      { "some x in [1, null] satisfies x > 2", NULL, warn = "INVALID_TYPE" },
      { "some x in [false, 2] satisfies x", NULL, warn = "INVALID_TYPE" },
      { "every x in [true, 3] satisfies x", NULL, warn = "INVALID_TYPE" },
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

  it("counts each iteration as a step of the budget", function()
    local feel = require "luaforce.feel"
    assert.equal(100, #(feel.eval("for x in 1..100 return x", {}, { max_steps = 1000 })))
    for _, e in ipairs { "for x in 1..100 return x", "some x in [1..100] satisfies x < 0", "every x in [1..100] satisfies x > 0" } do
      local v, _, failure = feel.eval(e, {}, { max_steps = 10 })
      assert.is_nil(v, e)
      assert.equal("budget", failure.kind, e)
    end
  end)

  it("iterates a range value, and refuses what is no list", function()
    local feel = require "luaforce.feel"
    assert.same({ 1, 2, 3 }, (feel.eval("for i in [1..3] return i")))
    assert.same({ 1, 2 }, (feel.eval("for i in [1..3) return i")))
    local v, w = feel.eval('for i in "abc" return i')
    assert.is_nil(v)
    assert.equal("'i' iterates over \"abc\", not a list", w[1].message)
    v, w = feel.eval("for i in 1..2.5 return i")
    assert.is_nil(v)
    assert.equal("INVALID_TYPE", w[1].type)
  end)
end)
