-- luaforce.client.each: org:each over lists and iterators, against the
-- local org: results and failures per item, as many requests in flight as
-- asked, a records iterator consumed as it goes, an iterator that fails.
local client = require "luaforce.client"
local emulator = require "luaforce.emulator"
local errors = require "luaforce.errors"

describe("org:each", function()
  local emu, org, ids
  setup(function()
    local accounts = {}
    for i = 1, 24 do accounts[i] = { Name = ("Each %02d"):format(i) } end
    emu = assert(emulator.start { empty = true, data = { Account = accounts }, min_batch_size = 5,
      faults = { "GET /services/data/*/sobjects/Account/* -> latency=40ms" } })
    org = assert(client.connect { instance_url = emu.url, access_token = emu.token, retry = { attempts = 1 } })
    ids = {}
    for i, r in ipairs(assert(org:fetch_all("SELECT Id FROM Account ORDER BY Name"))) do ids[i] = r.Id end
  end)
  teardown(function() emu:stop() end)

  it("gives each item's result in place, and each failure with its item", function()
    local list = { ids[1], ids[2], "001000000000000AAA", ids[4], "boom", ids[6] }
    local results, failures = org:each(list, function(id, i)
      if id == "boom" then error("a bug in the script") end
      local res, err = org:get("Account", id, { query = { fields = "Name" } })
      if not res then return nil, err end
      return res.body.Name .. "#" .. i
    end)
    assert.equal(6, results.n)
    assert.equal("Each 01#1", results[1])
    assert.equal("Each 02#2", results[2])
    assert.is_nil(results[3])
    assert.equal("Each 04#4", results[4])
    assert.equal("Each 06#6", results[6])
    assert.equal(2, #failures)
    assert.equal(3, failures[1].index)
    assert.equal("001000000000000AAA", failures[1].item)
    assert.equal("404", failures[1].err.code)
    assert.equal("NOT_FOUND", failures[1].err.error_code)
    assert.equal(5, failures[2].index)
    assert.equal("SCRIPT_ERROR", failures[2].err.code)
    assert.matches("a bug in the script", failures[2].err.message)
    assert.matches("each_spec.lua", failures[2].err.traceback)
  end)

  it("keeps as many requests in flight as concurrency says", function()
    local rows = { { 1, 1, 1 }, { 4, 3, 4 }, { 8, 6, 8 } }
    for _, row in ipairs(rows) do
      local e = assert(emulator.start { empty = true, data = { Account = { { Name = "A" } } },
        faults = { "GET /services/data/*/sobjects/Account/* -> latency=40ms" } })
      local o = assert(client.connect { instance_url = e.url, access_token = e.token })
      local id = assert(o:fetch_all("SELECT Id FROM Account"))[1].Id
      local list = {}
      for i = 1, 16 do list[i] = id end
      local results, failures = o:each(list, function(x)
        return assert(o:get("Account", x)).status
      end, { concurrency = row[1] })
      local peak = e:stats().peak_concurrent
      e:stop()
      assert.equal(16, results.n)
      assert.equal(0, #failures)
      assert.equal(200, results[16])
      assert.is_true(peak >= row[2] and peak <= row[3],
        ("concurrency %d: peak %d"):format(row[1], peak))
    end
  end)

  it("takes items from an iterator as it goes: org:records, page by page", function()
    local seen = {}
    local results, failures = org:each(org:records("SELECT Id, Name FROM Account ORDER BY Name",
      { batch_size = 5 }), function(rec, i)
      seen[#seen + 1] = i
      local res = assert(org:get("Account", rec.Id, { query = { fields = "Name" } }))
      return res.body.Name == rec.Name
    end, { concurrency = 4 })
    assert.equal(24, results.n)
    assert.equal(0, #failures)
    for i = 1, 24 do assert.is_true(results[i]) end
    table.sort(seen)
    for i = 1, 24 do assert.equal(i, seen[i]) end
  end)

  it("returns nil, err when the iterator fails, with what was done so far", function()
    local o = assert(client.connect { instance_url = emu.url, access_token = emu.token, retry = { attempts = 1 } })
    emu:set_faults { "GET /services/data/*/query/* -> status=503" }
    local done = 0
    local results, err = o:each(o:records("SELECT Id FROM Account", { batch_size = 5 }), function()
      done = done + 1
      return true
    end, { concurrency = 2 })
    emu:set_faults { "GET /services/data/*/sobjects/Account/* -> latency=40ms" }
    assert.is_nil(results)
    assert.equal("503", err.code)
    assert.equal(5, done)
    assert.equal(5, err.results.n)
    assert.same({}, err.failures)
  end)

  it("takes a plain function as iterator too, and an empty list", function()
    local n = 0
    local results = org:each(function()
      n = n + 1
      if n <= 3 then return n * 10 end
    end, function(x) return x + 1 end)
    assert.same({ 11, 21, 31, n = 3 }, results)
    local r2, f2 = org:each({}, function() error("never") end)
    assert.equal(0, r2.n)
    assert.same({}, f2)
  end)

  it("does not catch Ctrl-C as a failure", function()
    assert.has_error(function()
      org:each({ 1, 2 }, function() error(errors.interrupted, 0) end)
    end)
  end)

  it("raises for bad arguments", function()
    assert.has_error(function() org:each(42, function() end) end)
    assert.has_error(function() org:each({}, "fn") end)
    assert.has_error(function() org:each({}, function() end, { concurrency = 0 }) end)
    assert.has_error(function() org:each({}, function() end, { workers = 2 }) end)
  end)
end)
