-- End-to-end: scripts/soak as a developer runs it, shortened. The fault soak
-- (600 updates, 150 creates, 60 deletes, 60 upserts under every kind of
-- fault, then the sequences of issue 14) must find every report true to the
-- org; the load test (a few clients against a `luaforce emulator` process)
-- must see no failure, every request answered and memory flat after the
-- warm-up. Counts, never times. And the verdicts themselves
-- (scripts/soak_check.lua), on reports and org states made by hand, so that
-- a violation is known to be caught.
local proc = require "support.proc"

local check = dofile(proc.root .. "/scripts/soak_check.lua")

-- Under the sanitizer build everything runs many times slower, and ASan
-- keeps freed memory in quarantine, so RSS tells nothing of leaks there.
local SANITIZED = os.getenv("ASAN_OPTIONS") ~= nil

local function soak(args)
  local parts = { proc.quote(proc.root .. "/scripts/soak") }
  for _, a in ipairs(args) do parts[#parts + 1] = proc.quote(a) end
  return proc.sh(table.concat(parts, " "), { env = { LUAFORCE_BIN = proc.bin } })
end

local function err(fields)
  return setmetatable(fields, { __tostring = function(e) return e.code end })
end

describe("scripts/soak_check", function()
  describe("single", function()
    local rows = {
      { "a 204", { status = 204 }, nil, "applied", nil },
      { "a 503 after retries", nil, err { code = "503", error_code = "SERVER_UNAVAILABLE", exit = 1 }, "failed", nil },
      { "a lost answer", nil, err { code = "OUTCOME_UNKNOWN", exit = 6 }, "unknown", nil },
      { "a gateway's 502 to a write", nil, err { code = "502", exit = 6 }, "unknown", nil },
      { "OUTCOME_UNKNOWN with exit 1", nil, err { code = "OUTCOME_UNKNOWN", exit = 1 }, "unknown", "exit 1" },
    }
    for _, r in ipairs(rows) do
      it(r[1], function()
        local outcome, said, problem = check.single(r[2], r[3])
        assert.equal(r[4], outcome)
        assert.is_string(said)
        if r[5] then assert.matches(r[5], problem, 1, true) else assert.is_nil(problem) end
      end)
    end
  end)

  describe("many", function()
    local function result(ok, code) return ok and { success = true, id = "x" } or
      { success = false, errors = { { statusCode = code } } } end

    it("reads successes and per-record failures", function()
      local results = { result(true), result(false, "REQUIRED_FIELD_MISSING"), failed = 1,
        chunks = { { first = 1, last = 2, state = "committed" } } }
      local rows, problems = check.many("update", 2, results, nil)
      assert.same({ { outcome = "applied", said = "success" }, { outcome = "failed", said = "REQUIRED_FIELD_MISSING" } },
        rows)
      assert.same({}, problems)
    end)

    it("reads an unknown chunk of a call that exits 6", function()
      local list = { result(true), result(false, "OUTCOME_UNKNOWN"), failed = 1 }
      local e = err { code = "OUTCOME_UNKNOWN", exit = 6, results = list,
        chunks = { { first = 1, last = 1, state = "committed" }, { first = 2, last = 2, state = "unknown" } } }
      local rows, problems = check.many("update", 2, nil, e)
      assert.equal("unknown", rows[2].outcome)
      assert.same({}, problems)
    end)

    it("flags an unknown chunk in a call that does not exit 6", function()
      local list = { result(false, "OUTCOME_UNKNOWN"), failed = 1 }
      local e = err { code = "503", exit = 1, results = list, chunks = { { first = 1, last = 1, state = "unknown" } } }
      local _, problems = check.many("update", 1, nil, e)
      assert.matches("exits 1", problems[1], 1, true)
    end)

    it("flags OUTCOME_UNKNOWN in a chunk that is not unknown, a short list, a wrong count", function()
      local list = { result(false, "OUTCOME_UNKNOWN"), failed = 2,
        chunks = { { first = 1, last = 2, state = "committed" } } }
      local rows, problems = check.many("update", 2, list, nil)
      assert.is_nil(rows[2])
      local text = table.concat(problems, "\n")
      assert.matches("1 results for 2 records", text, 1, true)
      assert.matches("record 1: OUTCOME_UNKNOWN in a chunk in state committed", text, 1, true)
      assert.matches("record 2: no result", text, 1, true)
      assert.matches("results.failed is 2, 1 records failed", text, 1, true)
    end)

    it("reads ENTITY_IS_DELETED of a delete as done", function()
      local rows = check.many("delete", 1, { result(false, "ENTITY_IS_DELETED"), failed = 1 }, nil)
      assert.equal("applied", rows[1].outcome)
    end)
  end)

  describe("verify", function()
    local function state()
      return {
        accounts = { A1 = { Name = "soak u1", Description = "updated 1" }, A2 = { Name = "soak u2", Description = "seed" },
          C1 = { Name = "soak c1" }, C2 = { Name = "soak c2" }, C3 = { Name = "soak c2" } },
        names = { ["soak u1"] = { "A1" }, ["soak u2"] = { "A2" }, ["soak c1"] = { "C1" }, ["soak c2"] = { "C2", "C3" } },
        invoices = { ["soak-x1"] = { { Id = "I1", Notes__c = "upserted 1" } } },
        expected = { ["soak u1"] = true, ["soak u2"] = true, ["soak c1"] = true, ["soak c2"] = true,
          ["soak d1"] = true, ["soak-x1"] = true },
      }
    end

    local function verdicts(items, st)
      local violations, resolved = check.verify(items, st or state())
      local text = {}
      for _, v in ipairs(violations) do text[#text + 1] = v.message end
      return table.concat(text, "\n"), #violations, resolved
    end

    it("accepts reports true to the org", function()
      local items = {
        { kind = "update", id = "A1", token = "updated 1", outcome = "applied" },
        { kind = "update", id = "A2", token = "updated 2", outcome = "failed" },
        { kind = "create", marker = "soak c1", outcome = "applied", got_id = "C1" },
        { kind = "delete", id = "D1", outcome = "applied" },
        { kind = "upsert", ext = "soak-x1", token = "upserted 1", outcome = "unknown" },
      }
      local st = state()
      st.names["soak c2"], st.expected["soak c2"] = nil, nil
      local text, n, resolved = verdicts(items, st)
      assert.equal(0, n, text)
      assert.same({ applied = 1, not_applied = 0 }, resolved)
    end)

    it("catches an update reported failed that was applied (issue 14, defect 1)", function()
      local text, n = verdicts { { kind = "update", id = "A1", token = "updated 1", outcome = "failed" } }
      assert.equal(1, n)
      assert.matches('reported failed, but it was applied: Description = "updated 1"', text, 1, true)
    end)

    it("catches an update reported applied that was not, and a delete reported failed that was done", function()
      local text = verdicts { { kind = "update", id = "A2", token = "updated 2", outcome = "applied" },
        { kind = "delete", id = "D1", outcome = "failed" } }
      assert.matches('reported applied, but the org does not show it: Description = "seed"', text, 1, true)
      assert.matches("reported failed, but it was applied: the record is gone", text, 1, true)
    end)

    it("catches a record created twice whatever the report says", function()
      local text = verdicts { { kind = "create", marker = "soak c2", outcome = "unknown" } }
      assert.matches("created 2 times (C2, C3)", text, 1, true)
    end)

    it("catches a record no input asked for, and one the report skips", function()
      local st = state()
      st.names["soak c9"] = { "C9" }
      local text = verdicts({ { kind = "update", id = "A1", token = "updated 1" } }, st)
      assert.matches("a record no input asked for: Account soak c9", text, 1, true)
      assert.matches("the report says nothing of this record", text, 1, true)
    end)
  end)

  it("tally counts every record once", function()
    local rows, total = check.tally { { kind = "update", via = "single", outcome = "applied" },
      { kind = "update", via = "single", outcome = "unknown" }, { kind = "create", via = "many" } }
    assert.equal(3, total)
    assert.same({ kind = "update", via = "single", total = 2, applied = 1, failed = 0, unknown = 1, unaccounted = 0 },
      rows[1])
    assert.equal(1, rows[4].unaccounted)
  end)
end)

describe("scripts/soak", function()
  it("explains itself", function()
    local r = soak { "--help" }
    assert.equal(0, r.code)
    assert.matches("usage: scripts/soak", r.stdout, 1, true)
    assert.matches("--updates N", r.stdout, 1, true)
    assert.matches("--clients N", r.stdout, 1, true)
  end)

  it("refuses a bad option in one line, exit 2", function()
    for _, args in ipairs { { "--updatez", "5" }, { "--rate", "2" }, { "load", "--mode", "threads" },
      { "--batch", "201" } } do
      local r = soak(args)
      assert.equal(2, r.code, r.stderr)
      assert.matches("soak: ", r.stderr, 1, true)
      assert.matches("scripts/soak --help", r.stderr, 1, true)
      assert.equal(1, select(2, r.stderr:gsub("\n", "")), r.stderr)
      assert.equal("", r.stdout)
    end
  end)

  it("finds every report under faults true to the org", function()
    -- the fault mix at 20%, so that every kind fires in a short run;
    -- chunks of 10, so that every kind goes through collection calls too.
    local r = soak { "--updates", "600", "--creates", "150", "--deletes", "60", "--upserts", "60", "--rate", "0.2",
      "--batch", "10", "--seed", "7" }
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("OK: 870 records, applied %+ failed %+ unknown = ", r.stdout)
    local total, applied, failed, unknown, unaccounted =
      r.stdout:match("\ntotal%s+(%d+)%s+(%d+)%s+(%d+)%s+(%d+)%s+(%d+)\n")
    assert.equal("870", total)
    assert.equal(870, tonumber(applied) + tonumber(failed) + tonumber(unknown))
    assert.equal("0", unaccounted)
    assert.is_true(tonumber(unknown) > 0, "no unknown outcome: the cuts after writes did not happen")
    local fired, kinds = r.stdout:match("faults fired in the mix %((%d+)%): ([^\n]+)")
    assert.is_true(tonumber(fired) > 50, r.stdout)
    local seen = 0
    for kind in kinds:gmatch("[^,]+") do
      local name, n = kind:match("^%s*(.-) (%d+)$")
      assert.is_true(tonumber(n) > 0, name .. " never fired")
      seen = seen + 1
    end
    assert.equal(11, seen, kinds)
    -- issue 14's sequence: whatever the retries got, an answer lost after
    -- the write is at worst an unknown outcome
    for line in r.stdout:gmatch("\n  ([^\n]*after the write, then[^\n]*)") do
      assert.matches(": unknown %d+; org: applied %d+, not applied 0;", line)
    end
  end)

  it("keeps the local org answering under load, memory flat after the warm-up", function()
    -- 3 clients, the default warm-up (800 operations each: it fills the
    -- org's cache of query cursors), then 600 operations each; under the
    -- sanitizers, where RSS is not checked, a shorter run
    local warmup, steady = SANITIZED and 200 or 800, SANITIZED and 300 or 600
    local args = { "load", "--clients", "3", "--ops", tostring(steady) }
    if SANITIZED then
      table.move({ "--warmup", tostring(warmup), "--tolerance", "100000" }, 1, 4, #args + 1, args)
    end
    local r = soak(args)
    assert.equal(0, r.code, r.stdout .. r.stderr)
    local ops = r.stdout:match("operations: (%d+)")
    local requests = r.stdout:match("requests: (%d+) answered")
    assert.equal(3 * (1 + warmup + steady), tonumber(ops))
    assert.equal(ops, requests)
    assert.matches("\nerrors: 0\n", r.stdout)
    assert.matches("OK: every request answered, no error", r.stdout, 1, true)
    if not SANITIZED then
      local growth = tonumber(r.stdout:match("RSS second half %- first half = ([%+%-][%d.]+) MB"))
      assert.is_true(growth <= 12, r.stdout)
    end
  end)
end)
