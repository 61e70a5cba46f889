-- luaforce.client.meta: upsert (201, 200 created = false, 300 with the
-- candidates), describe and describe_global cached per connection,
-- versions, limits from Sforce-Limit-Info, and org:request for any resource.
local client = require "luaforce.client"
local meta = require "luaforce.client.meta"
local emulator = require "luaforce.emulator"
local json = require "luaforce.json"

describe("client metadata and upsert", function()
  local emu, org
  setup(function()
    emu = assert(emulator.start { empty = true, api_limit = 5000, data = {
      Invoice__c = { { External_Id__c = "DUP", Amount__c = 1 }, { External_Id__c = "DUP", Amount__c = 2 } },
    } })
    org = assert(client.connect { instance_url = emu.url, access_token = emu.token })
  end)
  teardown(function() emu:stop() end)

  local function requests() return emu:stats().api_requests end

  it("upsert: 201 when it inserts, 200 created = false when it updates", function()
    local res = assert(org:upsert("Invoice__c", "External_Id__c", "U-1", { Amount__c = 10 }))
    assert.equal(201, res.status)
    assert.is_true(res.body.created)
    assert.is_true(res.body.success)
    local id = res.body.id
    local again = assert(org:upsert("Invoice__c", "External_Id__c", "U-1", { Amount__c = 11 }))
    assert.equal(200, again.status)
    assert.is_false(again.body.created)
    assert.equal(id, again.body.id)
    local got = assert(org:get("Invoice__c", id, { query = { fields = "Amount__c" } }))
    assert.equal(11, got.body.Amount__c)
    -- an integer key is sent as its digits
    local num = assert(org:upsert("Invoice__c", "External_Id__c", 42, {}))
    assert.equal(201, num.status)
  end)

  it("upsert: a value that matches several records is an error with the candidates", function()
    local res, err = org:upsert("Invoice__c", "External_Id__c", "DUP", { Amount__c = 3 })
    assert.is_nil(res)
    assert.equal("300", err.code)
    assert.equal(300, err.status)
    assert.equal("MULTIPLE_CHOICES", err.error_code)
    assert.equal(2, #err.candidates)
    assert.equal(2, #err.ids)
    for i, url in ipairs(err.candidates) do
      assert.matches("/sobjects/Invoice__c/" .. err.ids[i] .. "$", url)
      assert.equal(18, #err.ids[i])
    end
    assert.matches("matches 2", tostring(err))
    -- nothing changed
    local list = assert(org:fetch_all("SELECT Amount__c FROM Invoice__c WHERE External_Id__c = 'DUP' ORDER BY Amount__c"))
    assert.equal(1, list[1].Amount__c)
    assert.equal(2, list[2].Amount__c)
  end)

  it("upsert: bad names and an empty value are caught before sending", function()
    local before = requests()
    local _, e1 = org:upsert("Invoice c", "External_Id__c", "x", {})
    assert.equal("INVALID_TYPE", e1.error_code)
    local _, e2 = org:upsert("Invoice__c", "External Id", "x", {})
    assert.equal("INVALID_FIELD", e2.error_code)
    local _, e3 = org:upsert("Invoice__c", "External_Id__c", "", {})
    assert.equal("MISSING_ARGUMENT", e3.error_code)
    assert.equal(before, requests())
    assert.has_error(function() org:upsert("Invoice__c", "External_Id__c", {}, {}) end)
  end)

  it("describe is cached per connection, by name in any case", function()
    local before = requests()
    local d = assert(org:describe("Account"))
    assert.equal("Account", d.name)
    assert.is_true(#d.fields > 5)
    assert.equal(d, assert(org:describe("Account")))
    assert.equal(d, assert(org:describe("account")))
    assert.equal(1, requests() - before)
    local fresh = assert(org:describe("Account", { refresh = true }))
    assert.are_not.equal(d, fresh)
    assert.equal(2, requests() - before)
    -- another connection has its own cache
    local other = assert(client.connect { instance_url = emu.url, access_token = emu.token })
    assert(other:describe("Account"))
    assert.equal(3, requests() - before)
    local none, err = org:describe("Nothing__c")
    assert.is_nil(none)
    assert.equal("404", err.code)
    local _, bad = org:describe("Bad Name")
    assert.equal("INVALID_TYPE", bad.error_code)
  end)

  it("describe_global is cached too", function()
    local before = requests()
    local g = assert(org:describe_global())
    local names = {}
    for _, s in ipairs(g.sobjects) do names[s.name] = true end
    assert.is_true(names.Account and names.Invoice__c)
    assert.equal(g, assert(org:describe_global()))
    assert.equal(1, requests() - before)
    assert(org:describe_global { refresh = true })
    assert.equal(2, requests() - before)
  end)

  it("versions lists the API versions", function()
    local list = assert(org:versions())
    local found
    for _, v in ipairs(list) do if v.version == "62.0" then found = v end end
    assert.equal("/services/data/v62.0", found.url)
  end)

  it("limits reads the API usage from Sforce-Limit-Info", function()
    local l1 = assert(org:limits())
    assert.equal(5000, l1.max)
    assert.equal(l1.max - l1.used, l1.remaining)
    assert.matches("^api%-usage=%d+/5000", l1.header)
    assert.equal(5000, l1.limits.DailyApiRequests.Max)
    assert(org:query("SELECT Id FROM Account"))
    local l2 = assert(org:limits())
    assert.equal(l1.used + 2, l2.used)
  end)

  it("limit_info parses the header", function()
    local rows = {
      { "api-usage=18/15000", { used = 18, max = 15000, remaining = 14982, header = "api-usage=18/15000" } },
      { "api-usage=1/750; api-bursts=3/100", { used = 1, max = 750, remaining = 749,
        bursts = { used = 3, max = 100, remaining = 97 }, header = "api-usage=1/750; api-bursts=3/100" } },
      { { "api-usage=5/10" }, { used = 5, max = 10, remaining = 5, header = "api-usage=5/10" } },
      { "per-app-api-usage=2/100(appName=x)", nil },
      { nil, nil },
    }
    for _, row in ipairs(rows) do
      assert.same(row[2], meta.limit_info(row[1]))
    end
  end)

  it("request reaches any resource, with the client's errors", function()
    local res = assert(org:request("GET", "/limits"))
    assert.equal(200, res.status)
    assert.is_table(res.body.DailyApiRequests)
    local comp = assert(org:request("POST", "/composite", { allOrNone = true, compositeRequest = json.array {
      json.object({ method = "POST", url = org.base .. "/sobjects/Account", referenceId = "acc",
        body = { Name = "Via composite" } }, { "method", "url", "referenceId", "body" }),
    } }))
    assert.equal(201, comp.body.compositeResponse[1].httpStatusCode)
    local q = assert(org:request("GET", "/query", nil, { query = { q = "SELECT Name FROM Account" } }))
    assert.equal("Via composite", q.body.records[1].Name)
    local none, err = org:request("GET", "/sobjects/Nothing__c")
    assert.is_nil(none)
    assert.equal("404", err.code)
    assert.has_error(function() org:request("GET ME", "/limits") end)
    assert.has_error(function() org:request("GET", "/limits", nil, { bogus = 1 }) end)
  end)
end)
