-- luaforce.client.collections: create_many, update_many, upsert_many,
-- delete_many and get_many against the local org: 2,001 records in 200-record
-- chunks, results aligned with the input, per-record errors kept, chunks in
-- flight together, all_or_none atomic per chunk and stopping at the first
-- failing chunk, a lost answer never sent again, input checked first.
local client = require "luaforce.client"
local emulator = require "luaforce.emulator"
local json = require "luaforce.json"

local function count(org, soql)
  return assert(org:query(soql)).body.totalSize
end

local function contacts(n, prefix)
  local list = {}
  for i = 1, n do list[i] = { LastName = ("%s%04d"):format(prefix, i) } end
  return list
end

describe("collections", function()
  local emu, org
  setup(function()
    emu = assert(emulator.start { empty = true })
    org = assert(client.connect { instance_url = emu.url, access_token = emu.token,
      retry = { attempts = 2, base_delay = 0.01, max_delay = 0.02 } })
  end)
  teardown(function() emu:stop() end)
  before_each(function()
    emu:reset()
    emu:set_faults {}
  end)

  local function requests() return emu:stats().api_requests end

  it("creates 2,001 records in 11 chunks, results aligned, a bad record reported in place", function()
    local recs = contacts(2001, "Many")
    recs[1500] = { FirstName = "NoLastName" }
    local before = requests()
    local res = assert(org:create_many("Contact", recs))
    assert.equal(11, requests() - before)
    assert.equal(2001, #res)
    assert.equal(1, res.failed)
    assert.equal(11, #res.chunks)
    for _, c in ipairs(res.chunks) do assert.equal("committed", c.state) end
    assert.is_false(res[1500].success)
    assert.equal("REQUIRED_FIELD_MISSING", res[1500].errors[1].statusCode)
    assert.same({ "LastName" }, res[1500].errors[1].fields)
    -- each result is its own record's: read the ids back
    local back = assert(org:get_many("Contact", { res[1].id, res[1999].id, res[2001].id }, { "LastName" }))
    assert.equal("Many0001", back[1].LastName)
    assert.equal("Many1999", back[2].LastName)
    assert.equal("Many2001", back[3].LastName)
    assert.equal(2000, count(org, "SELECT COUNT() FROM Contact"))
    -- the input is not changed
    assert.is_nil(recs[1].attributes)
  end)

  it("updates, reads and deletes 2,001 records, with per-record errors in place", function()
    local created = assert(org:create_many("Contact", contacts(2001, "Upd")))
    local ids, updates = {}, {}
    for i, r in ipairs(created) do
      ids[i] = r.id
      updates[i] = { Id = r.id, Title = "T" .. i }
    end
    assert(org:delete("Contact", ids[7]))
    local res = assert(org:update_many("Contact", updates))
    assert.equal(2001, #res)
    assert.equal(1, res.failed)
    assert.equal("ENTITY_IS_DELETED", res[7].errors[1].statusCode)
    assert.equal(ids[7], res[7].id)
    assert.equal(ids[8], res[8].id)

    local got = assert(org:get_many("Contact", ids, { "Id", "Title" }))
    assert.equal(2001, #got)
    assert.equal(json.null, got[7])
    for _, i in ipairs { 1, 8, 200, 201, 2001 } do
      assert.equal("T" .. i, got[i].Title)
      assert.equal(ids[i], got[i].Id)
    end

    local before = requests()
    local del = assert(org:delete_many(ids))
    assert.equal(11, requests() - before)
    assert.equal(2001, #del)
    assert.equal(1, del.failed)
    assert.equal("ENTITY_IS_DELETED", del[7].errors[1].statusCode)
    assert.is_true(del[2001].success)
    assert.equal(0, count(org, "SELECT COUNT() FROM Contact"))
  end)

  it("upserts on an external id: created or not, per record", function()
    local first = assert(org:upsert_many("Invoice__c", "External_Id__c", {
      { External_Id__c = "X-1", Amount__c = 1 }, { External_Id__c = "X-2", Amount__c = 2 },
    }))
    assert.is_true(first[1].created)
    assert.is_true(first[2].created)
    local second = assert(org:upsert_many("Invoice__c", "External_Id__c", {
      { External_Id__c = "X-2", Amount__c = 20 }, { External_Id__c = "X-3", Amount__c = 3 }, { Amount__c = 4 },
    }))
    assert.is_false(second[1].created)
    assert.equal(first[2].id, second[1].id)
    assert.is_true(second[2].created)
    assert.is_false(second[3].success)
    assert.equal(1, second.failed)
    assert.equal(3, count(org, "SELECT COUNT() FROM Invoice__c"))
  end)

  it("keeps several chunks in flight, as many as asked", function()
    local e2 = assert(emulator.start { empty = true,
      faults = { "POST /services/data/*/composite/sobjects -> latency=60ms" } })
    local o2 = assert(client.connect { instance_url = e2.url, access_token = e2.token })
    local res = assert(o2:create_many("Contact", contacts(1600, "Par"), { concurrency = 4 }))
    assert.equal(1600, #res)
    local peak = e2:stats().peak_concurrent
    e2:stop()
    -- the server counts a request until its completion callback runs, a
    -- moment after the client has the answer and may start the next chunk:
    -- allow one of overlap
    assert.is_true(peak >= 3 and peak <= 5, "peak " .. tostring(peak))

    local e3 = assert(emulator.start { empty = true,
      faults = { "POST /services/data/*/composite/sobjects -> latency=30ms" } })
    local o3 = assert(client.connect { instance_url = e3.url, access_token = e3.token })
    assert(o3:create_many("Contact", contacts(600, "One"), { concurrency = 1 }))
    local peak1 = e3:stats().peak_concurrent
    e3:stop()
    assert.is_true(peak1 <= 2, "peak " .. tostring(peak1))
  end)

  it("all_or_none: atomic per chunk, stops at the failing chunk, says what was committed", function()
    local recs = contacts(450, "Aon")
    recs[300] = { FirstName = "NoLastName" }
    local before = requests()
    local res, err = org:create_many("Contact", recs, { all_or_none = true })
    assert.is_nil(res)
    assert.equal(2, requests() - before)
    assert.equal("400", err.code)
    assert.equal("REQUIRED_FIELD_MISSING", err.error_code)
    assert.equal(300, err.index)
    local states = {}
    for i, c in ipairs(err.chunks) do states[i] = c.state end
    assert.same({ "committed", "rolled_back", "not_sent" }, states)
    assert.matches("chunk 1 %(records 1%-200%) committed", err.message)
    assert.matches("chunk 2 %(records 201%-400%) rolled back", err.message)
    assert.matches("chunk 3 %(records 401%-450%) not sent", err.message)
    assert.equal(450, #err.results)
    assert.is_true(err.results[1].success)
    assert.equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", err.results[201].errors[1].statusCode)
    assert.equal("REQUIRED_FIELD_MISSING", err.results[300].errors[1].statusCode)
    assert.equal("NOT_SENT", err.results[401].errors[1].statusCode)
    assert.equal(200, count(org, "SELECT COUNT() FROM Contact"))

    -- a good run commits everything
    local ok = assert(org:create_many("Contact", contacts(450, "Good"), { all_or_none = true }))
    assert.equal(0, ok.failed)
    assert.equal(650, count(org, "SELECT COUNT() FROM Contact"))
  end)

  it("stops at a chunk that fails as a whole, and reports the rest as not sent", function()
    emu:set_faults { "PATCH /services/data/*/composite/sobjects -> status=400 code=JSON_PARSER_ERROR nth=2" }
    local created = assert(org:create_many("Contact", contacts(1000, "Stop")))
    local updates = {}
    for i, r in ipairs(created) do updates[i] = { Id = r.id, Title = "x" } end
    local res, err = org:update_many("Contact", updates, { concurrency = 1 })
    assert.is_nil(res)
    assert.equal("400", err.code)
    assert.equal("JSON_PARSER_ERROR", err.error_code)
    local states = {}
    for i, c in ipairs(err.chunks) do states[i] = c.state end
    assert.same({ "committed", "failed", "not_sent", "not_sent", "not_sent" }, states)
    -- chunk 1 was written: a partial failure is exit 1, whatever chunk 2's own code
    assert.equal(1, err.exit)
    assert.equal(2, err.chunks[2].err.exit)
    assert.is_true(err.results[200].success)
    assert.equal("JSON_PARSER_ERROR", err.results[201].errors[1].statusCode)
    assert.equal(created[201].id, err.results[201].id)
    assert.equal("NOT_SENT", err.results[1000].errors[1].statusCode)
    assert.equal(200, count(org, "SELECT COUNT() FROM Contact WHERE Title = 'x'"))
  end)

  it("never sends a create chunk twice when its answer is lost", function()
    emu:set_faults { "POST /services/data/*/composite/sobjects -> close when=after nth=2" }
    local res, err = org:create_many("Contact", contacts(600, "Once"), { concurrency = 1 })
    assert.is_nil(res)
    assert.equal("OUTCOME_UNKNOWN", err.code)
    assert.equal(6, err.exit)
    local states = {}
    for i, c in ipairs(err.chunks) do states[i] = c.state end
    assert.same({ "committed", "unknown", "not_sent" }, states)
    assert.equal("OUTCOME_UNKNOWN", err.results[250].errors[1].statusCode)
    -- chunk 2 was written by the org, once; chunk 3 never went
    assert.equal(400, count(org, "SELECT COUNT() FROM Contact"))
  end)

  -- defect: a chunk applied by a first attempt whose answer was lost was
  -- marked failed when the retries then got 503s
  it("marks a chunk unknown, never failed, once an attempt of it may have been applied", function()
    local created = assert(org:create_many("Contact", contacts(300, "Maybe")))
    local updates = {}
    for i, r in ipairs(created) do updates[i] = { Id = r.id, Title = "m" } end
    emu:set_faults { "PATCH /services/data/*/composite/sobjects -> close when=after times=1",
      "PATCH /services/data/*/composite/sobjects -> status=503" }
    local res, err = org:update_many("Contact", updates, { concurrency = 1 })
    assert.is_nil(res)
    assert.equal("OUTCOME_UNKNOWN", err.code)
    assert.equal(6, err.exit)
    assert.same({ "unknown", "not_sent" }, { err.chunks[1].state, err.chunks[2].state })
    assert.equal("OUTCOME_UNKNOWN", err.results[1].errors[1].statusCode)
    assert.equal(200, count(org, "SELECT COUNT() FROM Contact WHERE Title = 'm'"))

    -- the retry is answered, and reports a record failed: that record's
    -- outcome is unknown, the others are done
    emu:set_faults { "PATCH /services/data/*/composite/sobjects -> close when=after times=1" }
    updates = { { Id = created[1].id, Title = "n" }, { Id = created[2].id, Title = "n", NoSuchField__c = 1 } }
    res, err = org:update_many("Contact", updates)
    assert.is_nil(res)
    assert.equal(6, err.exit)
    assert.equal("unknown", err.chunks[1].state)
    assert.is_true(err.results[1].success)
    assert.equal("OUTCOME_UNKNOWN", err.results[2].errors[1].statusCode)
    assert.matches("INVALID_FIELD", err.results[2].errors[1].message)
    assert.equal(created[2].id, err.results[2].id)

    -- a delete the lost attempt did is done, not "ENTITY_IS_DELETED"
    emu:set_faults { "DELETE /services/data/*/composite/sobjects -> close when=after times=1" }
    local ids = { created[1].id, created[2].id }
    res = assert(org:delete_many(ids))
    assert.is_true(res[1].success and res[2].success)
    assert.equal(0, res.failed)
    assert.equal("committed", res.chunks[1].state)
  end)

  it("reports the first failure's code when nothing was written, and 6 over it when an outcome is unknown", function()
    emu:set_faults { "PATCH /services/data/*/composite/sobjects -> status=400 code=JSON_PARSER_ERROR nth=1" }
    local created = assert(org:create_many("Contact", contacts(400, "Codes")))
    local updates = {}
    for i, r in ipairs(created) do updates[i] = { Id = r.id, Title = "y" } end
    local _, err = org:update_many("Contact", updates, { concurrency = 1 })
    assert.equal(2, err.exit) -- nothing committed: the failure's own code
    emu:set_faults { "POST /services/data/*/composite/sobjects -> status=400 code=JSON_PARSER_ERROR nth=1",
      "POST /services/data/*/composite/sobjects -> close when=after nth=2" }
    local res
    res, err = org:create_many("Contact", contacts(400, "Race"), { concurrency = 2 })
    assert.is_nil(res)
    local states = {}
    for _, c in ipairs(err.chunks) do states[c.state] = (states[c.state] or 0) + 1 end
    assert.same({ failed = 1, unknown = 1 }, states)
    assert.equal(6, err.exit) -- one chunk may have been written: that outranks the failed one
  end)

  -- observe: what a caller sees of each chunk, from the coroutine that sends it
  local function watcher()
    local events = {}
    return events, function(event, chunk)
      events[#events + 1] = { event = event, chunk = chunk, index = chunk.index, state = chunk.state }
    end
  end

  it("tells observe of each chunk as it goes out and once its state is known", function()
    local events, observe = watcher()
    local res = assert(org:create_many("Contact", contacts(450, "Obs"), { concurrency = 1, observe = observe }))
    local seq = {}
    for i, e in ipairs(events) do seq[i] = e.event .. " " .. e.index .. " " .. tostring(e.state) end
    assert.same({ "send 1 nil", "done 1 committed", "send 2 nil", "done 2 committed",
      "send 3 nil", "done 3 committed" }, seq)
    local spans = {}
    for k = 2, 6, 2 do
      local c = events[k].chunk
      assert.equal(events[k - 1].chunk, c) -- the same table, filled in
      spans[#spans + 1] = { c.first, c.last, #c.results }
      for j = 1, #c.results do assert.equal(res[c.first + j - 1], c.results[j]) end
      assert.is_nil(c.err)
    end
    assert.same({ { 1, 200, 200 }, { 201, 400, 200 }, { 401, 450, 50 } }, spans)

    -- reads too: json.null where no record has the id
    events, observe = watcher()
    local got = assert(org:get_many("Contact", { res[1].id, "003000000000009AAA", res[450].id }, { "LastName" },
      { batch_size = 2, concurrency = 1, observe = observe }))
    assert.equal(4, #events)
    assert.same({ "committed", "committed" }, { events[2].state, events[4].state })
    local c1, c2 = events[2].chunk, events[4].chunk
    assert.same({ got[1], json.null }, c1.results)
    assert.equal("Obs0450", c2.results[1].LastName)
  end)

  it("tells observe which chunks failed, rolled back or have an unknown outcome", function()
    local created = assert(org:create_many("Contact", contacts(500, "St")))
    local updates = {}
    for i, r in ipairs(created) do updates[i] = { Id = r.id, Title = "s" } end
    emu:set_faults { "PATCH /services/data/*/composite/sobjects -> status=400 code=JSON_PARSER_ERROR nth=2" }
    local events, observe = watcher()
    local res, err = org:update_many("Contact", updates, { concurrency = 1, observe = observe })
    assert.is_nil(res)
    assert.equal(4, #events) -- chunk 3 was never sent: no event
    local c2 = events[4].chunk
    assert.same({ "failed", 2, 201, 400 }, { c2.state, c2.index, c2.first, c2.last })
    assert.equal("JSON_PARSER_ERROR", c2.err.error_code)
    assert.equal(200, #c2.results)
    assert.equal(err.results[201], c2.results[1])
    assert.equal("JSON_PARSER_ERROR", c2.results[1].errors[1].statusCode)

    emu:set_faults {}
    events, observe = watcher()
    local recs = contacts(3, "Rb")
    recs[2] = { FirstName = "NoLastName" }
    assert.is_nil(org:create_many("Contact", recs, { all_or_none = true, observe = observe }))
    assert.equal("rolled_back", events[2].state)
    assert.is_nil(events[2].chunk.err)
    assert.equal("REQUIRED_FIELD_MISSING", events[2].chunk.results[2].errors[1].statusCode)

    emu:set_faults { "POST /services/data/*/composite/sobjects -> close when=after times=1" }
    events, observe = watcher()
    assert.is_nil(org:create_many("Contact", contacts(2, "Lost"), { observe = observe }))
    assert.equal("unknown", events[2].state)
    assert.equal("OUTCOME_UNKNOWN", events[2].chunk.err.code)
    assert.equal("OUTCOME_UNKNOWN", events[2].chunk.results[2].errors[1].statusCode)
  end)

  it("calls observe from each sending coroutine when chunks are in flight together", function()
    emu:set_faults { "POST /services/data/*/composite/sobjects -> latency=30ms" }
    local events, observe = watcher()
    local threads, open, peak = {}, 0, 0
    local res = assert(org:create_many("Contact", contacts(800, "Conc"), { concurrency = 4,
      observe = function(event, chunk)
        observe(event, chunk)
        threads[coroutine.running()] = true
        open = open + (event == "send" and 1 or -1)
        peak = math.max(peak, open)
      end }))
    assert.equal(800, #res)
    assert.equal(8, #events)
    local sent, done = {}, {}
    for _, e in ipairs(events) do
      if e.event == "send" then
        assert.is_nil(sent[e.index])
        sent[e.index] = true
      else
        assert.is_true(sent[e.index]) -- never done before sent
        done[e.index] = e.state
      end
    end
    assert.same({ "committed", "committed", "committed", "committed" }, done)
    assert.is_true(peak > 1, "peak " .. peak)
    local n = 0
    for _ in pairs(threads) do n = n + 1 end
    assert.is_true(n > 1, "coroutines " .. n)
    assert.has_error(function() org:create_many("Contact", {}, { observe = true }) end)
  end)

  it("checks names and ids before sending anything", function()
    local before = requests()
    local rows = {
      { function() return org:create_many("Bad Name", { {} }) end, "INVALID_TYPE" },
      { function() return org:update_many("Contact", { { Id = "003NOTANID" } }) end, "MALFORMED_ID" },
      { function() return org:update_many("Contact", { { LastName = "x" } }) end, "MISSING_ARGUMENT" },
      { function() return org:delete_many({ "003000000000001AAA", "nope" }) end, "MALFORMED_ID" },
      { function() return org:upsert_many("Invoice__c", "Bad-Field", { {} }) end, "INVALID_FIELD" },
      { function() return org:get_many("Contact", { "003000000000001" }, { "Last Name" }) end, "INVALID_FIELD" },
    }
    for i, row in ipairs(rows) do
      local res, err = row[1]()
      assert.is_nil(res, "row " .. i)
      assert.equal(row[2], err.error_code, "row " .. i)
      assert.equal(2, err.exit)
    end
    assert.equal(before, requests())
    assert.has_error(function() org:create_many("Contact", { "not a table" }) end)
    assert.has_error(function() org:create_many("Contact", {}, { batch_size = 201 }) end)
    assert.has_error(function() org:create_many("Contact", {}, { allornone = true }) end)
    assert.has_error(function() org:get_many("Contact", {}, {}) end)
  end)

  it("sends nothing for an empty list", function()
    local before = requests()
    local res = assert(org:create_many("Contact", {}))
    assert.equal(0, #res)
    assert.equal(0, res.failed)
    assert.equal(before, requests())
  end)
end)
