-- luaforce.chain.items: the source's items a window at a time, their keys,
-- and what an earlier run's state says about each.
local items = require "luaforce.chain.items"
local report = require "luaforce.chain.report"
local steps = require "luaforce.chain.steps"
local value = require "luaforce.chain.value"

local function from_step(src, key)
  return { op = "from", index = 1, source = src, key = key and value.prepare(key, "step 1 (from) key") or nil }
end

local function ctx_for(chain_steps, previous, journal)
  return { eopts = { exact = true }, stats = { requests = 0 }, steps = chain_steps, previous = previous,
    journal = journal, keys = {}, seq = 0, collected = {}, collect_stage = {},
    report = report.new(chain_steps, {}) }
end

local function all_windows(next_window)
  local out = {}
  for list in next_window do out[#out + 1] = list end
  return out
end

describe("chain.items", function()
  it("gives a from list a window at a time, keyed by position unless a key is given", function()
    local list = {}
    for i = 1, 5 do list[i] = { n = "N" .. i } end
    local ws = all_windows(items.windows({ from_step(list) }, ctx_for({}), 2))
    assert.equal(3, #ws)
    assert.same({ 2, 2, 1 }, { #ws[1], #ws[2], #ws[3] })
    assert.equal("1", ws[1][1].key)
    assert.equal("5", ws[3][1].key)
    ws = all_windows(items.windows({ from_step(list, "=n") }, ctx_for({}), 10))
    assert.equal("N3", ws[1][3].key)
  end)

  it("takes an iterator function, and gives one empty item when there is no source", function()
    local i = 0
    local ws = all_windows(items.windows({ from_step(function()
      i = i + 1
      if i <= 3 then return { n = i } end
    end) }, ctx_for({}), 2))
    assert.same({ 2, 1 }, { #ws[1], #ws[2] })
    ws = all_windows(items.windows({ steps.new(1, "get", "Account", "=id") }, ctx_for({}), 10))
    assert.equal(1, #ws)
    assert.same({ { key = "1", vars = {} } }, ws[1])
  end)

  it("refuses an item that is no table, and a key that is no text or number", function()
    local ok, e = pcall(all_windows, items.windows({ from_step({ { n = 1 }, 7 }) }, ctx_for({}), 10))
    assert.is_false(ok)
    assert.matches("item 2 is a number, not a table of variables", tostring(e), 1, true)
    ok, e = pcall(items.key_of, from_step({}, "=k"), { k = {} }, 4, { exact = true })
    assert.is_false(ok)
    assert.matches("the key of item 4 must be text or a number, not a table", tostring(e), 1, true)
    -- a null key falls back on the position
    assert.equal("4", items.key_of(from_step({}, "=k"), {}, 4, { exact = true }))
  end)

  it("refuses two items with one key when a state file keeps them apart", function()
    local ctx = ctx_for({ { op = "from" } }, nil, {})
    local ok, e = pcall(items.admit, ctx, { { key = "A", vars = {} }, { key = "A", vars = {} } })
    assert.is_false(ok)
    assert.matches("two items have the key 'A'", tostring(e), 1, true)
    -- without a state file, keys only name items in the report
    assert.equal(2, #items.admit(ctx_for({ { op = "from" } }), { { key = "A", vars = {} }, { key = "A", vars = {} } }))
  end)

  it("applies what an earlier run settled, item by item", function()
    local chain_steps = { { op = "from" }, steps.new(2, "create", "Invoice__c", { External_Id__c = "=ext" },
      { external_id = "External_Id__c" }), steps.new(3, "update", "Account", "=id", { Site = "x" }),
      steps.new(4, "create", "Account", { Name = "=n" }) }
    local previous = {
      done = { state = "done", at = 4, vars = { n = "done" } },
      lost_keyed = { pending = { 2 } },
      lost_plain = { pending = { 4 }, through = 3, through_vars = { n = "x" } },
      failed = { state = "failed", at = 4, through = 3, through_vars = { n = "again" } },
      applied = { state = "failed", at = 4, applied = true, through = 3 },
      middle = { through = 2, through_vars = { id = "001" } },
    }
    local ctx = ctx_for(chain_steps, previous)
    local list = {}
    for _, k in ipairs { "done", "lost_keyed", "lost_plain", "failed", "applied", "middle", "new" } do
      list[#list + 1] = { key = k, vars = { source = k } }
    end
    local out = items.admit(ctx, list)
    local by = {}
    for _, it in ipairs(out) do by[it.key] = it end
    -- worked on again: the keyed lost create (from the start, as an upsert),
    -- the failed one and the one in the middle (after their last write), the new one
    assert.same({ [2] = true }, by.lost_keyed.as_upsert)
    assert.is_nil(by.lost_keyed.start)
    assert.equal(4, by.failed.start)
    assert.same({ n = "again" }, by.failed.vars)
    assert.equal(3, by.middle.start)
    assert.is_not_nil(by.new)
    assert.equal(4, #out)
    -- reported as they were: done, a lost write nothing keys (unknown), the
    -- one whose write was applied
    local states = {}
    for _, e in ipairs(ctx.report.items) do states[e.key] = e.state end
    assert.same({ done = "done", lost_plain = "unknown", applied = "failed" }, states)
    assert.equal(1, ctx.report.counts.unknown)
  end)
end)
