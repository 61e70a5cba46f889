-- luaforce.chain.report: counts, the summary a user reads, and the exit
-- code by the precedence table (unknown > interrupted > ok > partial 1 >
-- the first failure's code).
local report = require "luaforce.chain.report"
local steps = require "luaforce.chain.steps"
local errors = require "luaforce.errors"

local function chain_steps()
  return { { op = "from" }, steps.new(2, "create", "Account", { Name = "=n" }),
    steps.new(3, "update", "Account", "=response.body.id", { Site = "x" }) }
end

local function failure(exit, message)
  return errors.new { code = "E" .. exit, exit = exit, message = message or ("failed with " .. exit) }
end

-- A closed report of items given as {state, at, err}.
local function run(items, extra)
  local r = report.new(chain_steps(), extra or {})
  for i, it in ipairs(items) do
    r:finish { key = tostring(i), state = it[1], at = it[2], err = it[3], vars = it.vars or {}, resumed = it.resumed }
  end
  if extra and extra.interrupted then r.interrupted = true end
  return r:close(0.25)
end

describe("chain.report", function()
  describe("exit codes", function()
    local rows = {
      { "all done", { { "done", 3 }, { "done", 3 } }, 0 },
      { "nothing at all", {}, 0 },
      { "done and filtered out", { { "done", 3 }, { "filtered", 2 } }, 0 },
      { "only filtered out", { { "filtered", 2 } }, 0 },
      { "some done, some failed: partial", { { "done", 3 }, { "failed", 2, failure(2) } }, 1 },
      { "some done, one stopped by a bpmnError: partial", { { "done", 3 }, { "stopped", 2, failure(7) } }, 1 },
      { "all failed: the first failure's code", { { "failed", 2, failure(8) }, { "failed", 3, failure(2) } }, 8 },
      { "only a bpmnError", { { "stopped", 2, failure(7) } }, 7 },
      { "a failure without an error counts as an API error", { { "failed", 2 } }, 1 },
      -- a filtered item ended as the chain says: it counts as done
      { "filtered and failed: partial", { { "filtered", 2 }, { "failed", 2, failure(9) } }, 1 },
      { "an unknown outranks everything", { { "done", 3 }, { "failed", 2, failure(2) }, { "unknown", 2, failure(6) } }, 6 },
      { "interrupted", { { "done", 3 }, { "failed", 2, failure(2) } }, 130, { interrupted = true } },
      { "interrupted with an unknown write", { { "unknown", 2, failure(6) } }, 6, { interrupted = true } },
    }
    for _, row in ipairs(rows) do
      it(("%s: %d"):format(row[1], row[3]), function()
        assert.equal(row[3], run(row[2], row[4]).exit)
      end)
    end
  end)

  it("counts items by state, per step, and those an earlier run settled", function()
    local r = run { { "done", 3 }, { "done", 3, resumed = true }, { "failed", 2, failure(1) }, { "unknown", 3, failure(6) },
      { "stopped", 3, failure(7) }, { "filtered", 2 } }
    assert.same({ items = 6, done = 2, failed = 1, unknown = 1, stopped = 1, filtered = 1, resumed = 1 }, r.counts)
    assert.equal(1, r.steps[2].failed)
    assert.equal(1, r.steps[3].failed) -- the stopped one
    assert.equal(1, r.steps[3].unknown)
    assert.equal("create", r.items[3].op)
    assert.is_true(r.items[2].resumed)
  end)

  it("names each item's record: the id its last operation named or made, else the item's Id", function()
    local r = report.new(chain_steps(), {})
    r:finish { key = "1", state = "done", at = 3, vars = { response = { body = { id = "001A" } } }, record = "001A" }
    r:finish { key = "2", state = "filtered", at = 1, vars = { Id = "001B" } }
    r:finish { key = "3", state = "failed", at = 3, err = failure(1), vars = {}, record = "001C" }
    -- a create that failed made no record: not the one an earlier step answered
    r:finish { key = "4", state = "failed", at = 2, err = failure(1), vars = { response = { body = { id = "001D" } } } }
    assert.equal("001A", r.items[1].record)
    assert.equal("001B", r.items[2].record)
    assert.equal("001C", r.items[3].record)
    assert.is_nil(r.items[4].record)
  end)

  it("summarises: a head line, a line per step, a line per failing item", function()
    local r = run({ { "done", 3 }, { "failed", 2, failure(1, "400 REQUIRED_FIELD_MISSING: Name\nmore detail") },
      { "unknown", 3, failure(6, "lost") }, { "filtered", 2 } }, { state = "/tmp/x.state" })
    r.requests = 3
    local lines = {}
    for line in r:summary():gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.equal("chain: 3 steps, 4 items, 3 requests in 0.25 s: 1 done, 1 filtered out, 1 failed, 1 outcome unknown",
      lines[1])
    assert.matches("^  1%. from %s+0 done$", lines[2])
    assert.matches("^  2%. create Account {Name}%s+0 done, 1 failed$", lines[3])
    assert.matches("^  3%. update Account =response%.body%.id {Site}%s+0 done, 1 unknown$", lines[4])
    -- the first line of each error
    assert.equal("  item 2: failed at step 2: E1: 400 REQUIRED_FIELD_MISSING: Name", lines[5])
    assert.equal("  item 3: unknown at step 3: E6: lost", lines[6])
    assert.equal("  state kept in /tmp/x.state: resume to run what is left (nothing finished is sent again)", lines[7])
    assert.equal(7, #lines)
    assert.equal(r:summary(), tostring(r))
  end)

  it("says one item, one step, a dry run, an interruption; no state line when all went well", function()
    local r = report.new({ steps.new(1, "create", "Account", {}) }, { dry_run = true, state = "/tmp/s" })
    r:finish { key = "1", state = "done", at = 1, vars = {} }
    r.requests = 1
    r:close(0)
    assert.equal("chain (dry run): 1 step, 1 item, 1 request in 0.00 s: 1 done", r:summary():match("^[^\n]*"))
    assert.is_nil(r:summary():find("state kept", 1, true))
    r = run({ { "done", 3, resumed = true } }, { interrupted = true, state = "/tmp/s" })
    assert.equal("chain: 3 steps, 1 item, 0 requests in 0.25 s: 1 done (1 settled by an earlier run); interrupted",
      r:summary():match("^[^\n]*"))
    assert.matches("state kept in /tmp/s", r:summary(), 1, true)
  end)

  it("lists at most max_lines failing items, then points at the report", function()
    local items = {}
    for i = 1, 12 do items[i] = { "failed", 2, failure(1) } end
    local text = run(items):summary()
    local n = select(2, text:gsub("\n  item ", ""))
    assert.equal(10, n)
    assert.equal("\n  ... (the report's items list them all)", text:sub(-41))
    assert.equal(3, select(2, run(items):summary(3):gsub("\n  item ", "")))
  end)
end)
