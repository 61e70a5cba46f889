-- luaforce.errors: the one error table, and the one exit-code precedence
-- table for runs with several outcomes (README.md and --help print it).
local errors = require "luaforce.errors"

describe("errors.outcome_exit", function()
  local rows = {
    -- name, outcomes, exit code
    { "nothing happened", {}, 0 },
    { "all done", { done = 5 }, 0 },
    { "an unknown outcome outranks everything", { unknown = 1, interrupted = true, done = 3, failed = { 2 } }, 6 },
    { "then an interruption", { interrupted = true, done = 3, failed = { 4 } }, 130 },
    { "a partial failure is 1", { done = 3, failed = { 4, 2 } }, 1 },
    { "nothing done: the failure's own code", { failed = { 4 } }, 4 },
    { "nothing done, several kinds: the first", { failed = { 3, 2, 4 } }, 3 },
    { "a usage error alone", { done = 0, failed = { 2 } }, 2 },
  }
  for _, row in ipairs(rows) do
    it(row[1], function()
      assert.are.equal(row[3], errors.outcome_exit(row[2]))
    end)
  end
end)

describe("errors.is_interrupt", function()
  it("knows Ctrl-C and what stands in for it, nothing else", function()
    assert.is_true(errors.is_interrupt(errors.interrupted))
    assert.is_true(errors.is_interrupt(errors.new { code = "OUTCOME_UNKNOWN", interrupted = true, exit = 6 }))
    assert.is_false(errors.is_interrupt(errors.new { code = "OUTCOME_UNKNOWN", exit = 6 }))
    assert.is_false(errors.is_interrupt({ interrupted = true }))
    assert.is_false(errors.is_interrupt("interrupted"))
    assert.is_false(errors.is_interrupt(nil))
  end)
end)

describe("errors.new", function()
  it("prints one line: code, message, request and hint", function()
    local e = errors.new { code = "400", error_code = "INVALID_FIELD", message = "No such column",
      errors = { {}, {} }, request = { method = "GET", path = "/x" }, hint = "did you mean Name?" }
    assert.are.equal("400 INVALID_FIELD: No such column (and 1 more error) (GET /x) (did you mean Name?)",
      tostring(e))
    assert.are.equal(1, e.exit)
    assert.are.equal("bad thing (fix it)", tostring(errors.usage("bad thing", "fix it")))
    assert.are.equal(2, errors.usage("x").exit)
  end)
end)
