-- luaforce.cli.repl: how the REPL reads a Lua line and a dot command's
-- words, without a terminal. Its pieces have their own specs
-- (repl_history_spec, repl_show_spec, repl_complete_spec);
-- tests/e2e/repl_spec.lua drives the whole REPL through a pseudo-terminal.
local repl = require "luaforce.cli.repl"

describe("repl Lua lines", function()
  it("compiles as lua does: an expression, a statement, an unfinished chunk, an error", function()
    assert.is_function(repl.compile("1 + 1", {}, true))
    assert.is_function(repl.compile("x = 1", {}, true))
    local _, why = repl.compile("for i = 1, 2 do", {}, true)
    assert.equal("incomplete", why)
    _, why = repl.compile("x = = 1", {}, true)
    assert.matches("unexpected symbol", why)
  end)

  it("splits a dot command's words, quotes grouping", function()
    assert.same({ ".save", "my file.json" }, repl.words(".save 'my file.json'"))
    assert.same({ ".connect", "--instance", "local" }, repl.words("  .connect  --instance local "))
  end)
end)
