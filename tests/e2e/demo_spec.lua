-- The main job, as ./scripts/demo runs it: against the in-process local org.
local proc = require "support.proc"
local json = require "luaforce.json"

describe("examples/demo.lua", function()
  it("closes the overdue deals, deletes the stale record and prints a FEEL summary", function()
    local r = proc.luaforce { "run", "--instance", "local", "examples/demo.lua" }
    assert.equal(0, r.code, r.stderr)
    local moved = tonumber(r.stdout:match("Moved (%d+) overdue opportunities to Closed Lost"))
    assert.is_true(moved > 0)
    local summary = json.decode(r.stdout:match("Summary %(FEEL result expression%):\n(.*)$"))
    assert.equal(moved, summary.closedLost)
    assert.equal("TEST - delete me", summary.deleted)
    assert.is_true(#summary.stages >= 1)
    -- every row of the table names its account
    assert.matches("Opportunity%s+Account%s+Was%s+Close date%s+Amount", r.stdout)
  end)
end)
