-- luaforce.bulk.query against the local org: a job created and waited for,
-- its pages read by Sforce-Locator as records (nested relationships, empty
-- cells absent) or written as one CSV with the header once, queryAll, and
-- a failing query reported as the org says it.
local bulk = require "luaforce.bulk"
local client = require "luaforce.client"
local emulator = require "luaforce.emulator"

local FAST = { interval = 0.01, max_interval = 0.05 }

describe("bulk.query", function()
  local emu, org
  setup(function()
    emu = assert(emulator.start { empty = true })
    org = assert(client.connect { instance_url = emu.url, access_token = emu.token })
    local acct = assert(org:create("Account", { Name = "Parent Co" })).body.id
    local recs = {}
    for i = 1, 12000 do
      recs[i] = { LastName = ("Row%05d"):format(i), AccountId = i % 2 == 0 and acct or nil,
        Title = i % 3 == 0 and 'say "hi", then\nleave' or nil }
    end
    local report = assert(bulk.ingest(org, { object = "Contact", operation = "insert", records = recs,
      fields = { "AccountId", "LastName", "Title" }, poll = FAST }))
    assert(report.exit == 0, report:summary())
  end)
  teardown(function() emu:stop() end)

  it("reads 12,000 rows in pages of page_size, relationships nested, empty cells absent", function()
    local q = assert(bulk.query(org, "SELECT Id, LastName, Title, Account.Name FROM Contact ORDER BY LastName",
      { page_size = 5000, poll = FAST }))
    local before = emu:stats().api_requests
    assert.matches("^750", q.id)
    assert.equal(12000, q.count)
    local n, with_parent, quoted = 0, 0, 0
    for rec in q:records() do
      n = n + 1
      if n == 1 then assert.equal("Row00001", rec.LastName) end
      if rec.Account then
        with_parent = with_parent + 1
        assert.equal("Parent Co", rec.Account.Name)
      end
      if rec.Title then
        quoted = quoted + 1
        assert.equal('say "hi", then\nleave', rec.Title)
      end
    end
    assert.equal(12000, n)
    assert.equal(6000, with_parent)
    assert.equal(4000, quoted)
    -- three pages of at most 5,000 rows
    assert.equal(3, emu:stats().api_requests - before)
  end)

  it("writes the pages as one CSV, the header once", function()
    local q = assert(bulk.query(org, "SELECT Id, LastName FROM Contact WHERE LastName LIKE 'Row0000%'",
      { page_size = 3, poll = FAST }))
    local path = os.tmpname()
    assert.equal(9, assert(q:write(path)))
    local f = assert(io.open(path, "rb"))
    local text = f:read("a")
    f:close()
    os.remove(path)
    local lines = {}
    for line in text:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.equal(10, #lines)
    assert.equal('"Id","LastName"', lines[1])
    assert.matches('^"003%w+","Row00001"$', lines[2])
  end)

  it("queryAll sees deleted rows; query does not", function()
    local id = assert(org:create("Contact", { LastName = "Deleted One" })).body.id
    assert(org:delete("Contact", id))
    local function n(all)
      local q = assert(bulk.query(org, "SELECT Id FROM Contact WHERE LastName = 'Deleted One'", { all = all, poll = FAST }))
      local c = 0
      for _ in q:records() do c = c + 1 end
      return c
    end
    assert.equal(0, n(false))
    assert.equal(1, n(true))
  end)

  it("a query the org refuses is an error naming the job's message", function()
    local q, err = bulk.query(org, "SELECT Nope__c FROM Contact", { poll = FAST })
    assert.is_nil(q)
    assert.equal(2, err.exit)
    assert.matches("Nope__c", err.message)
  end)
end)
