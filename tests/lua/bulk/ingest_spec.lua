-- luaforce.bulk.ingest against the local org: jobs sized by the data, rows
-- streamed through files, failures per row reported and checked against
-- the org's records, the rows to send again written and sent again, and the
-- outcome rules: an upload that may be partial is never closed, a lost
-- close is looked up, Ctrl-C aborts (130 before processing, 6 after), a job
-- that cannot be followed is unknown.
local bulk = require "luaforce.bulk"
local client = require "luaforce.client"
local emulator = require "luaforce.emulator"
local errors = require "luaforce.errors"
local json = require "luaforce.json"

local FAST = { interval = 0.01, max_interval = 0.05 }

local function count(org, soql)
  return assert(org:query(soql)).body.totalSize
end

local function contacts(n, prefix, bad_every)
  local list = {}
  for i = 1, n do
    if bad_every and i % bad_every == 0 then
      list[i] = { FirstName = ("NoLast%05d"):format(i) }
    else
      list[i] = { LastName = ("%s%05d"):format(prefix, i), Email = ("%s%05d@example.com"):format(prefix:lower(), i) }
    end
  end
  return list
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

describe("bulk.ingest", function()
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

  it("inserts 10,500 records in 3 jobs; failed rows reported with Salesforce's error, the rest in the org", function()
    local before = requests()
    local report = assert(bulk.ingest(org, { object = "Contact", operation = "insert",
      records = contacts(10500, "Bulk", 1000), job_records = 4000, poll = FAST }))
    assert.equal(3, #report.jobs)
    for _, j in ipairs(report.jobs) do
      assert.matches("^750", j.id)
      assert.equal("JobComplete", j.state)
      assert.equal("done", j.outcome)
    end
    assert.same({ 4000, 4000, 2500 }, { report.jobs[1].rows, report.jobs[2].rows, report.jobs[3].rows })
    assert.equal(10500, report.counts.records)
    assert.equal(10490, report.counts.successful)
    assert.equal(10, report.counts.failed)
    assert.equal(0, report.counts.unprocessed)
    assert.equal(1, report.exit) -- some rows failed, none unknown
    assert.is_false(report.ok)
    assert.equal(10490, count(org, "SELECT COUNT() FROM Contact"))
    -- create, upload, close and a few polls per job: not one request per record
    assert.is_true(requests() - before < 60, "requests: " .. (requests() - before))

    local failed = {}
    for rec in report:failed() do failed[#failed + 1] = rec end
    assert.equal(10, #failed)
    assert.matches("REQUIRED_FIELD_MISSING", failed[1].sf__Error)
    assert.equal("NoLast01000", failed[1].FirstName)

    local ok_rows, created = 0, 0
    for rec in report:successful() do
      ok_rows = ok_rows + 1
      if rec.sf__Created then created = created + 1 end
      assert.matches("^003", rec.sf__Id)
    end
    assert.equal(10490, ok_rows)
    assert.equal(10490, created)
  end)

  it("writes the rows to send again; fixed, they import through csv_file with sf__ columns ignored", function()
    local report = assert(bulk.ingest(org, { object = "Contact", operation = "insert",
      records = contacts(30, "Fix", 10), poll = FAST }))
    assert.equal(3, report.counts.failed)
    local path = os.tmpname()
    assert.equal(3, assert(report:write_failed(path)))
    local text = slurp(path)
    assert.matches("^sf__Error,Email,FirstName,LastName\n", text)
    assert.matches("REQUIRED_FIELD_MISSING", text)
    -- the user fixes the rows: every row gets a last name
    local fixed = text:gsub(",NoLast(%d+),\n", ",NoLast%1,Fixed%1\n")
    write(path, fixed)
    local again = assert(bulk.ingest(org, { object = "Contact", operation = "insert", csv_file = path, poll = FAST }))
    os.remove(path)
    assert.equal(0, again.exit, again:summary())
    assert.equal(3, again.counts.successful)
    assert.equal(30, count(org, "SELECT COUNT() FROM Contact"))
  end)

  it("upserts on an external id: created and updated rows told apart", function()
    local first = {}
    for i = 1, 5 do first[i] = { External_Id__c = "INV-" .. i, Status__c = "Draft" } end
    assert.equal(0, assert(bulk.ingest(org, { object = "Invoice__c", operation = "upsert",
      external_id = "External_Id__c", records = first, poll = FAST })).exit)
    local second = {}
    for i = 4, 8 do second[#second + 1] = { External_Id__c = "INV-" .. i, Status__c = "Sent" } end
    local report = assert(bulk.ingest(org, { object = "Invoice__c", operation = "upsert",
      external_id = "External_Id__c", records = second, poll = FAST }))
    assert.equal(0, report.exit)
    local created, updated = 0, 0
    for rec in report:successful() do
      if rec.sf__Created then created = created + 1 else updated = updated + 1 end
    end
    assert.equal(3, created)
    assert.equal(2, updated)
    assert.equal(8, count(org, "SELECT COUNT() FROM Invoice__c"))
    assert.equal("Sent", assert(org:query("SELECT Status__c FROM Invoice__c WHERE External_Id__c = 'INV-5'")).body.records[1].Status__c)
  end)

  it("updates with #N/A nulling a field and an empty cell leaving one alone", function()
    local res = assert(org:create("Contact", { LastName = "Keep", Email = "keep@example.com", Title = "Boss" }))
    local id = res.body.id
    local report = assert(bulk.ingest(org, { object = "Contact", operation = "update",
      records = { { Id = id, Title = json.null, Email = nil, LastName = "Kept" } },
      fields = { "Id", "Email", "LastName", "Title" }, poll = FAST }))
    assert.equal(0, report.exit, report:summary())
    local rec = assert(org:get("Contact", id, { fields = { "LastName", "Email", "Title" } })).body
    assert.equal("Kept", rec.LastName)
    assert.equal("keep@example.com", rec.Email)
    assert.is_nil(rec.Title)
  end)

  it("deletes to the recycle bin (queryAll still sees them), hard-deletes for good", function()
    local ids = {}
    for i = 1, 6 do ids[i] = assert(org:create("Contact", { LastName = "Gone" .. i })).body.id end
    local soft, hard = {}, {}
    for i = 1, 3 do soft[i] = { Id = ids[i] } end
    for i = 4, 6 do hard[#hard + 1] = { Id = ids[i] } end
    assert.equal(0, assert(bulk.ingest(org, { object = "Contact", operation = "delete", records = soft, poll = FAST })).exit)
    assert.equal(0, assert(bulk.ingest(org, { object = "Contact", operation = "hardDelete", records = hard, poll = FAST })).exit)
    assert.equal(0, count(org, "SELECT COUNT() FROM Contact"))
    local all = assert(org:call("GET", "/queryAll", { query = { q = "SELECT Id FROM Contact" } })).body
    assert.equal(3, all.totalSize)
  end)

  it("refuses bad input before any job: nothing is created, nothing is sent", function()
    local before = requests()
    local path = os.tmpname()
    write(path, "LastName,Email\nA,a@example.com\nB,b@example.com,extra\n")
    local r, err = bulk.ingest(org, { object = "Contact", operation = "insert", csv_file = path })
    os.remove(path)
    assert.is_nil(r)
    assert.equal(2, err.exit)
    assert.matches("record 2: 3 fields where the header has 2", err.message)
    r, err = bulk.ingest(org, { object = "Contact", operation = "upsert", records = { { LastName = "x" } } })
    assert.is_nil(r)
    assert.matches("external_id", err.message)
    r, err = bulk.ingest(org, { object = "Contact", operation = "insert", records = { { LastName = "\xff" } } })
    assert.is_nil(r)
    assert.matches("UTF%-8", err.message)
    -- a list is checked whole before the first job, whatever the job size
    local list = contacts(10, "Late")
    list[8] = { LastName = "bad \xff" }
    r, err = bulk.ingest(org, { object = "Contact", operation = "insert", records = list, job_records = 2 })
    assert.is_nil(r)
    assert.matches("record 8", err.message)
    assert.equal(before, requests())
    assert.has_error(function() bulk.ingest(org, { object = "Contact", operation = "insert", records = {}, bogus = 1 }) end)
  end)

  it("a column Salesforce does not know fails the job: exit 2, nothing written", function()
    local report = assert(bulk.ingest(org, { object = "Contact", operation = "insert",
      records = { { LastName = "A", Nope__c = "x" } }, poll = FAST }))
    assert.equal("failed", report.jobs[1].outcome)
    assert.matches("Nope__c", report.jobs[1].error_message)
    assert.equal(2, report.exit)
    assert.equal(0, count(org, "SELECT COUNT() FROM Contact"))
  end)

  it("an upload whose answer was lost is never closed: the job is aborted, nothing is written", function()
    emu:set_faults { "PUT /services/data/*/jobs/ingest/*/batches -> close when=after" }
    local report = assert(bulk.ingest(org, { object = "Contact", operation = "insert",
      records = contacts(20, "Lost"), poll = FAST }))
    assert.equal("not_sent", report.jobs[1].outcome)
    assert.equal(20, report.counts.not_sent)
    assert.equal(0, count(org, "SELECT COUNT() FROM Contact"))
    assert.equal("Aborted", assert(bulk.job(org, report.jobs[1].id)).state)
    assert.equal(4, report.exit) -- the network's code: not 6, the job was never closed
    assert.matches("nothing of it was processed", report:summary())
    local path = os.tmpname()
    assert.equal(20, assert(report:write_failed(path)))
    assert.matches("NOT_SENT", slurp(path))
    os.remove(path)
  end)

  it("a run stopped by a failed upload keeps every row it did not send in the rows to send again", function()
    emu:set_faults { "PUT /services/data/*/jobs/ingest/*/batches -> status=400 nth=2" }
    local recs = contacts(6, "Stop")
    local report = assert(bulk.ingest(org, { object = "Contact", operation = "insert", records = recs,
      job_records = 2, poll = FAST }))
    assert.equal(2, report.counts.successful)
    assert.equal(4, report.counts.not_sent)
    assert.equal(2, count(org, "SELECT COUNT() FROM Contact"))
    local path = os.tmpname()
    assert.equal(4, assert(report:write_failed(path)))
    local text = slurp(path)
    os.remove(path)
    for i = 3, 6 do assert.matches(("Stop%05d"):format(i), text) end
    assert.equal(1, report.exit)
  end)

  it("a lost answer to a job's create is a network failure: no data was sent", function()
    emu:set_faults { "POST /services/data/*/jobs/ingest -> close when=after" }
    local r, err = bulk.ingest(org, { object = "Contact", operation = "insert", records = contacts(3, "Lost"),
      poll = FAST })
    assert.is_nil(r)
    assert.equal(4, err.exit)
    assert.matches("nothing was written", err.message)
    assert.equal(0, count(org, "SELECT COUNT() FROM Contact"))
  end)

  it("a close whose answer was lost is looked up: the job goes on", function()
    emu:set_faults { "PATCH /services/data/*/jobs/ingest/* -> close when=after times=1" }
    local report = assert(bulk.ingest(org, { object = "Contact", operation = "insert",
      records = contacts(20, "Closed"), poll = FAST }))
    assert.equal(0, report.exit, report:summary())
    assert.equal(20, count(org, "SELECT COUNT() FROM Contact"))
  end)

  it("a job that cannot be followed any more is unknown: exit 6, the job named", function()
    emu:set_faults { "GET /services/data/*/jobs/ingest/* -> status=503" }
    local report = assert(bulk.ingest(org, { object = "Contact", operation = "insert",
      records = contacts(5, "Blind"), poll = FAST }))
    assert.equal("unknown", report.jobs[1].outcome)
    assert.equal(6, report.exit)
    assert.matches("outcome unknown.*luaforce bulk status " .. report.jobs[1].id, report:summary())
  end)

  describe("waiting and Ctrl-C", function()
    -- an org that processes jobs only when told to, 10 rows a step
    local slow, sorg
    setup(function()
      slow = assert(emulator.start { empty = true, bulk_manual = true, bulk_rows_per_step = 10 })
      sorg = assert(client.connect { instance_url = slow.url, access_token = slow.token })
    end)
    teardown(function() slow:stop() end)
    before_each(function() slow:reset() end)

    it("polls until Salesforce finishes; a poll timeout leaves the job unknown", function()
      local report = assert(bulk.ingest(sorg, { object = "Contact", operation = "insert",
        records = contacts(50, "Slow"), poll = { interval = 0.01, max_interval = 0.01, timeout = 0.05 } }))
      assert.equal("unknown", report.jobs[1].outcome)
      assert.equal("UploadComplete", report.jobs[1].state)
      assert.equal(6, report.exit)
      slow:bulk_step(10)
      assert.equal("JobComplete", assert(bulk.job(sorg, report.jobs[1].id)).state)
      assert.equal(50, count(sorg, "SELECT COUNT() FROM Contact"))
    end)

    it("sees the job in progress while it runs, step by step", function()
      local states, seen = {}, {}
      local report = assert(bulk.ingest(sorg, { object = "Contact", operation = "insert",
        records = contacts(30, "Steps"), poll = { interval = 0.01, max_interval = 0.01 },
        on_progress = function(e)
          if e.phase == "wait" then
            states[#states + 1] = e.processed
            slow:bulk_step(1)
          end
        end }))
      assert.equal(0, report.exit, report:summary())
      for _, n in ipairs(states) do seen[n] = true end
      assert.is_true(seen[0] and seen[10] and seen[20] and seen[30], table.concat(states, ","))
    end)

    it("Ctrl-C before processing began: the job is aborted in the org, exit 130, nothing written", function()
      local report = assert(bulk.ingest(sorg, { object = "Contact", operation = "insert",
        records = contacts(50, "Stop"), poll = FAST,
        on_progress = function(e) if e.phase == "wait" then error(errors.interrupted, 0) end end }))
      assert.is_true(report.interrupted)
      assert.equal(130, report.exit)
      assert.equal("Aborted", assert(bulk.job(sorg, report.jobs[1].id)).state)
      slow:bulk_step(10)
      assert.equal(0, count(sorg, "SELECT COUNT() FROM Contact"))
      local unprocessed = 0
      for _ in report:unprocessed() do unprocessed = unprocessed + 1 end
      assert.equal(50, unprocessed)
    end)

    it("Ctrl-C after rows were processed: exit 6, the report names the job", function()
      local report = assert(bulk.ingest(sorg, { object = "Contact", operation = "insert",
        records = contacts(50, "Half"), poll = FAST,
        on_progress = function(e)
          if e.phase == "wait" then
            slow:bulk_step(2) -- the job starts, then 10 rows
            error(errors.interrupted, 0)
          end
        end }))
      assert.equal(6, report.exit)
      assert.equal("unknown", report.jobs[1].outcome)
      assert.matches(report.jobs[1].id, report:summary())
      assert.equal(10, count(sorg, "SELECT COUNT() FROM Contact"))
    end)
  end)

  it("results of a job by id: bulk.results, bulk.job, bulk.jobs, bulk.delete", function()
    local report = assert(bulk.ingest(org, { object = "Contact", operation = "insert",
      records = contacts(12, "Ids", 4), poll = FAST }))
    local id = report.jobs[1].id
    local again = assert(bulk.results(org, id))
    local n = 0
    for rec in again:failed() do
      n = n + 1
      assert.matches("REQUIRED_FIELD_MISSING", rec.sf__Error)
    end
    assert.equal(3, n)
    local info = assert(bulk.job(org, id))
    assert.equal(12, info.numberRecordsProcessed)
    assert.equal(3, info.numberRecordsFailed)
    local found = false
    for _, j in ipairs(assert(bulk.jobs(org))) do if j.id == id then found = true end end
    assert.is_true(found)
    assert.is_true(assert(bulk.delete(org, id)))
    local _, err = bulk.job(org, id)
    assert.equal(404, err.status)
    local _, bad = bulk.job(org, "not-a-job")
    assert.equal(2, bad.exit)
  end)
end)
