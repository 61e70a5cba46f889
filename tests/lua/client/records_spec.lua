-- luaforce.client.records: org:records and org:fetch_all against the local
-- org: every page with small batches, child subqueries completed, max,
-- include_deleted (queryAll), the next page requested before the current
-- one is handed out, records not kept once given, failures raised (and
-- returned by fetch_all), a page cut mid-body fetched again.
local client = require "luaforce.client"
local ids = require "luaforce.client.ids"
local emulator = require "luaforce.emulator"
local json = require "luaforce.json"
local errors = require "luaforce.errors"

local ACCOUNTS, CONTACTS_EACH = 23, 7

-- 23 accounts with fixed ids, 7 contacts each.
local function data()
  local accounts, contacts = {}, {}
  for i = 1, ACCOUNTS do
    local id = assert(ids.to18(("001000000%06d"):format(i)))
    accounts[i] = { Id = id, Name = ("Acct %03d"):format(i) }
    for j = 1, CONTACTS_EACH do
      contacts[#contacts + 1] = { LastName = ("C%03d-%d"):format(i, j), AccountId = id }
    end
  end
  return { Account = accounts, Contact = contacts }
end

local function api_requests(emu)
  return emu:stats().api_requests
end

describe("org:records", function()
  local emu, org
  setup(function()
    emu = assert(emulator.start { empty = true, data = data(), min_batch_size = 5, child_batch_size = 3 })
    org = assert(client.connect { instance_url = emu.url, access_token = emu.token,
      retry = { attempts = 2, base_delay = 0.01, max_delay = 0.02 } })
  end)
  teardown(function() emu:stop() end)
  before_each(function()
    emu:reset()
    emu:set_faults {}
  end)

  it("gives every record of every page, in order, one request per page", function()
    local rows = {
      -- batch_size, expected pages
      { 5, 5 }, { 7, 4 }, { 23, 1 }, { 2000, 1 }, { nil, 1 },
    }
    for _, row in ipairs(rows) do
      local before = api_requests(emu)
      local it = org:records("SELECT Id, Name FROM Account ORDER BY Name", { batch_size = row[1] })
      local names, positions = {}, {}
      for rec, i in it do
        names[#names + 1] = rec.Name
        positions[#positions + 1] = i
      end
      assert.equal(ACCOUNTS, #names, "batch " .. tostring(row[1]))
      for i = 1, ACCOUNTS do
        assert.equal(("Acct %03d"):format(i), names[i])
        assert.equal(i, positions[i])
      end
      assert.equal(ACCOUNTS, it.total)
      assert.equal(row[2], it.pages)
      assert.equal(row[2], api_requests(emu) - before, "requests for batch " .. tostring(row[1]))
    end
  end)

  it("completes child subqueries that come in pages of their own", function()
    local soql = "SELECT Id, Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account ORDER BY Name"
    -- the page as the connector sees it: children cut at 3, with a locator
    local first = assert(org:query(soql)).body.records[1].Contacts
    assert.is_false(first.done)
    assert.equal(3, #first.records)
    assert.is_string(first.nextRecordsUrl)

    local seen = 0
    for rec in org:records(soql, { batch_size = 5 }) do
      seen = seen + 1
      local kids = rec.Contacts
      assert.is_true(kids.done)
      assert.is_nil(kids.nextRecordsUrl)
      assert.equal(CONTACTS_EACH, kids.totalSize)
      assert.equal(CONTACTS_EACH, #kids.records)
      local n = tonumber(rec.Name:match("%d+"))
      for j = 1, CONTACTS_EACH do
        assert.equal(("C%03d-%d"):format(n, j), kids.records[j].LastName)
      end
    end
    assert.equal(ACCOUNTS, seen)
  end)

  it("stops at max without fetching the pages past it", function()
    local rows = { { 7, 7, 2 }, { 5, 5, 1 }, { 1, 1, 1 }, { 0, 0, 0 }, { 100, ACCOUNTS, 5 } }
    for _, row in ipairs(rows) do
      local before = api_requests(emu)
      local n = 0
      local it = org:records("SELECT Id FROM Account", { batch_size = 5, max = row[1] })
      for _ in it do n = n + 1 end
      assert.equal(row[2], n, "max " .. row[1])
      assert.equal(row[3], api_requests(emu) - before, "requests for max " .. row[1])
    end
  end)

  it("include_deleted is queryAll: deleted rows come too", function()
    local list = assert(org:fetch_all("SELECT Id FROM Account ORDER BY Name", { batch_size = 5 }))
    assert(org:delete("Account", list[2].Id))
    assert(org:delete("Account", list[9].Id))
    local live = assert(org:fetch_all("SELECT Id, IsDeleted FROM Account", { batch_size = 5 }))
    assert.equal(ACCOUNTS - 2, #live)
    local all = assert(org:fetch_all("SELECT Id, IsDeleted FROM Account", { batch_size = 5, include_deleted = true }))
    assert.equal(ACCOUNTS, #all)
    local deleted = 0
    for _, r in ipairs(all) do if r.IsDeleted then deleted = deleted + 1 end end
    assert.equal(2, deleted)
  end)

  it("has asked for the next page before it hands out the current one", function()
    local before = api_requests(emu)
    local it = org:records("SELECT Id FROM Account", { batch_size = 5 })
    local first = it()
    assert.is_table(first)
    assert.equal(2, api_requests(emu) - before)
    -- and no further: one page ahead, not the whole result
    for _ = 2, 5 do it() end
    assert.equal(2, api_requests(emu) - before)
    it()
    assert.equal(3, api_requests(emu) - before)
  end)

  it("does not keep the records it has handed out", function()
    local weak = setmetatable({}, { __mode = "v" })
    local n = 0
    for rec in org:records("SELECT Id, Name FROM Account", { batch_size = 5 }) do
      n = n + 1
      weak[n] = rec
    end
    collectgarbage()
    collectgarbage()
    local alive = 0
    for i = 1, n do if weak[i] then alive = alive + 1 end end
    assert.equal(ACCOUNTS, n)
    assert.is_true(alive <= 5, ("%d records still held"):format(alive))
  end)

  it("fetch_all returns a list; a bad query is nil, err", function()
    local list = assert(org:fetch_all("SELECT Id FROM Account", { batch_size = 5 }))
    assert.is_true(json.is_array(list))
    assert.equal(ACCOUNTS, #list)
    local empty = assert(org:fetch_all("SELECT Id FROM Account WHERE Name = 'nobody'"))
    assert.equal(0, #empty)
    assert.equal("[]", json.encode(empty))
    local none, err = org:fetch_all("SELECT Id FRM Account")
    assert.is_nil(none)
    assert.equal("400", err.code)
    assert.equal("MALFORMED_QUERY", err.error_code)
  end)

  it("raises a page's error in the loop, after the records before it", function()
    org = assert(client.connect { instance_url = emu.url, access_token = emu.token, retry = { attempts = 1 } })
    emu:set_faults { "GET /services/data/*/query/* -> status=500" }
    local got = 0
    local ok, err = pcall(function()
      for _ in org:records("SELECT Id FROM Account", { batch_size = 5 }) do got = got + 1 end
    end)
    assert.is_false(ok)
    assert.is_true(errors.is(err))
    assert.equal("500", err.code)
    assert.equal(5, got)
    local list, ferr = org:fetch_all("SELECT Id FROM Account", { batch_size = 5 })
    assert.is_nil(list)
    assert.equal("500", ferr.code)
  end)

  it("fetches a page cut mid-body again, without losing or repeating a record", function()
    emu:set_faults { "GET /services/data/*/query/* -> cut nth=2" }
    local seen, n = {}, 0
    for rec in org:records("SELECT Id FROM Account", { batch_size = 5 }) do
      assert.is_nil(seen[rec.Id])
      seen[rec.Id] = true
      n = n + 1
    end
    assert.equal(ACCOUNTS, n)
    assert.equal(1, emu:stats().faults.total)
  end)

  it("reads a page that was not JSON again, and reports a proxy's page readably", function()
    emu:set_faults { "GET /services/data/*/query/* -> html status=200 nth=1" }
    local n = 0
    for _ in org:records("SELECT Id FROM Account", { batch_size = 5 }) do n = n + 1 end
    assert.equal(ACCOUNTS, n)
    assert.equal(1, emu:stats().faults.total)

    emu:set_faults { "GET /services/data/*/query/* -> html" }
    local ok, err = pcall(function()
      for _ in org:records("SELECT Id FROM Account", { batch_size = 5 }) do end
    end)
    assert.is_false(ok)
    assert.equal("502", err.code)
    assert.matches("not JSON", err.message)
  end)

  it("raises at once for a bad argument", function()
    assert.has_error(function() org:records(42) end)
    assert.has_error(function() org:records("  ") end)
    assert.has_error(function() org:records("SELECT Id FROM Account", { batch = 5 }) end)
    assert.has_error(function() org:records("SELECT Id FROM Account", { max = -1 }) end)
    assert.has_error(function() org:records("SELECT Id FROM Account", { batch_size = 2001 }) end)
  end)
end)
