-- luaforce.client.operations: the connector's operations against the local
-- org, with its exact requests and response object: query (one page), get
-- (fields, relationship), create (201), update and delete (204), json.null
-- clearing a field, numbers unchanged through get -> update; and upsert
-- (201, 200 created = false, 300 with the candidates, names checked before
-- sending).
local client = require "luaforce.client"
local emulator = require "luaforce.emulator"
local local_org = require "support.local_org"
local json = require "luaforce.json"
local soql = require "luaforce.soql"

describe("client operations", function()
  local emu, org
  setup(function()
    emu = assert(emulator.start { now = "2024-06-01T12:00:00Z" })
    org = assert(client.connect { instance_url = emu.url, access_token = emu.token, retry = { base_delay = 0.001 } })
  end)
  teardown(function() emu:stop() end)
  before_each(function() emu:reset() end)

  local function one(q)
    local res = assert(org:query(q))
    return res.body.records[1]
  end

  it("returns the connector's response object", function()
    local res = assert(org:query("SELECT Id, Name FROM Account ORDER BY Name LIMIT 3"))
    local keys = {}
    for k in pairs(res) do keys[#keys + 1] = k end
    table.sort(keys)
    assert.are.same({ "body", "document", "headers", "reason", "status" }, keys)
    assert.are.equal(200, res.status)
    assert.are.equal("OK", res.reason)
    assert.are.equal(json.null, res.document)
    -- headers keep their case and are found in any case
    assert.matches("^application/json", res.headers["Content-Type"])
    assert.are.equal(res.headers["Content-Type"], res.headers["content-type"])
    assert.matches("api%-usage=%d+/%d+", res.headers["sforce-limit-info"])
    assert.are.equal(3, #res.body.records)
    assert.is_true(res.body.done)
  end)

  it("queries one page only, as the connector does", function()
    local rows = {}
    for i = 1, 2100 do rows[i] = { Name = ("Row %04d"):format(i) } end
    local big = assert(emulator.start { empty = true, data = { Account = rows } })
    local o = assert(client.connect { instance_url = big.url, access_token = big.token })
    local res, err = o:query("SELECT Id, Name FROM Account ORDER BY Name")
    local stats = big:stats()
    big:stop()
    assert.is_truthy(res, tostring(err))
    assert.are.equal(2100, res.body.totalSize)
    assert.are.equal(2000, #res.body.records)
    assert.is_false(res.body.done)
    assert.matches("^/services/data/v62.0/query/", res.body.nextRecordsUrl)
    assert.are.equal(1, stats.api_requests)
  end)

  it("accepts a luaforce.soql query", function()
    local q = soql.select { "Id", "Name" }:from("Account"):where { Name = { ["$like"] = soql.starts_with("") } }
      :order_by("Name"):limit(2)
    local res = assert(org:query(q))
    assert.are.equal(2, #res.body.records)
    assert.has_error(function() org:query(42) end)
    local none, err = org:query("   ")
    assert.is_nil(none)
    assert.are.equal("MALFORMED_QUERY", err.error_code)
  end)

  it("gets a record, with fields and a relationship", function()
    local c = one("SELECT Id, AccountId, LastName FROM Contact WHERE AccountId != null LIMIT 1")
    local res = assert(org:get("Contact", c.Id))
    assert.are.equal(200, res.status)
    assert.are.equal(c.LastName, res.body.LastName)
    assert.are.equal("Contact", res.body.attributes.type)

    res = assert(org:get("Contact", c.Id, { query = { fields = "LastName,AccountId" } }))
    assert.are.equal(c.AccountId, res.body.AccountId)
    assert.is_nil(res.body.Email)
    res = assert(org:get("Contact", c.Id:sub(1, 15), { query = { fields = { "Id", "LastName" } } }))
    assert.are.equal(c.Id, res.body.Id)

    res = assert(org:get("Contact", c.Id, { relationship = "Account" }))
    assert.are.equal(c.AccountId, res.body.Id)
    assert.are.equal("Account", res.body.attributes.type)
    res = assert(org:get("Account", c.AccountId, { relationship = "Contacts" }))
    assert.is_true(res.body.totalSize >= 1)
  end)

  it("takes fields as short for query.fields, and refuses an option it does not know", function()
    local c = one("SELECT Id, LastName FROM Contact LIMIT 1")
    local res = assert(org:get("Contact", c.Id, { fields = "LastName" }))
    assert.are.equal(c.LastName, res.body.LastName)
    assert.is_nil(res.body.Email)
    local _, err = org:get("Contact", c.Id, { fields = { "LastName", "Emial" } })
    assert.are.equal("INVALID_FIELD", err.error_code)
    assert.are.equal("did you mean Email?", err.hint)
    local ok, e = pcall(org.get, org, "Contact", c.Id, { field = "LastName" })
    assert.is_false(ok)
    assert.matches("get: unknown option 'field' %(did you mean 'fields'%?%)", e)
    ok, e = pcall(org.get, org, "Contact", c.Id, { fields = "Id", query = { fields = "Id" } })
    assert.is_false(ok)
    assert.matches("fields or query.fields, not both", e)
  end)

  it("creates (201 {id, success, errors}), updates and deletes (204)", function()
    local res = assert(org:create("Account", { Name = "Luaforce Create", Industry = "Energy" }))
    assert.are.equal(201, res.status)
    assert.is_true(res.body.success)
    assert.are.same({}, res.body.errors)
    local id = res.body.id
    assert.is_true(client.ids.valid(id))
    assert.matches("/sobjects/Account/" .. id, res.headers.location, 1, true)

    res = assert(org:update("Account", id, { Industry = "Retail" }))
    assert.are.equal(204, res.status)
    assert.are.equal(json.null, res.body)
    assert.are.equal("Retail", assert(org:get("Account", id)).body.Industry)

    res = assert(org:delete("Account", id))
    assert.are.equal(204, res.status)
    local gone, err = org:get("Account", id)
    assert.is_nil(gone)
    assert.are.equal("404", err.code)
  end)

  it("clears a field with json.null, which then reads as nil and encodes as null", function()
    local id = assert(org:create("Account", { Name = "Luaforce Null", Industry = "Energy" })).body.id
    assert(org:update("Account", id, { Industry = json.null }))
    local rec = assert(org:get("Account", id, { query = { fields = "Industry" } })).body
    assert.is_nil(rec.Industry)
    assert.is_true(json.isnull(rec, "Industry"))
    assert.is_false(json.isnull(rec, "Phone")) -- not asked for: absent, not null
    assert.matches('"Industry":null', json.encode(rec), 1, true)
  end)

  it("keeps numbers byte-exact through get -> update", function()
    local created = assert(org:create("Invoice__c", json.decode(
      '{"Amount__c": 9999999999999999.99, "External_Id__c": "EXACT-1"}')))
    local id = created.body.id
    local function amount_text()
      local rec = assert(org:get("Invoice__c", id, { query = { fields = "Amount__c" } })).body
      return json.encode(rec.Amount__c), rec
    end
    local before, rec = amount_text()
    assert.are.equal("9999999999999999.99", before)
    assert(org:update("Invoice__c", id, { Amount__c = rec.Amount__c }))
    assert.are.equal(before, (amount_text()))
    -- and an amount a double would round
    assert(org:update("Invoice__c", id, json.decode('{"Amount__c": 1234567890123456.78}')))
    assert.are.equal("1234567890123456.78", (amount_text()))
  end)

  it("sends the connector's requests", function()
    local seen = {}
    assert(emu:set_faults { "* /services/data/** -> latency=0ms" })
    local id = assert(org:create("Account", { Name = "Wire" })).body.id
    assert(org:get("Account", id, { query = { fields = "Name" } }))
    assert(org:update("Account", id, { Name = "Wire 2" }))
    assert(org:delete("Account", id))
    for _, f in ipairs(emu:faults()) do seen[#seen + 1] = f.seen end
    assert.are.same({ 4 }, seen)
    assert(emu:set_faults {})
    -- each method against exactly its path
    local rules = {
      "POST /services/data/v62.0/sobjects/Account -> latency=0ms",
      "GET /services/data/v62.0/sobjects/Account/* -> latency=0ms",
      "PATCH /services/data/v62.0/sobjects/Account/* -> latency=0ms",
      "DELETE /services/data/v62.0/sobjects/Account/* -> latency=0ms",
      "GET /services/data/v62.0/query -> latency=0ms",
    }
    assert(emu:set_faults(rules))
    id = assert(org:create("Account", { Name = "Wire" })).body.id
    assert(org:get("Account", id))
    assert(org:update("Account", id, { Name = "Wire 2" }))
    assert(org:delete("Account", id))
    assert(org:query("SELECT Id FROM Account LIMIT 1"))
    for i, f in ipairs(emu:faults()) do assert.are.equal(1, f.seen, rules[i]) end
    assert(emu:set_faults {})
  end)

  it("validates input before sending anything", function()
    local before = emu:stats().requests
    local rows = {
      { function() return org:get("Account", "001xyz") end, "MALFORMED_ID" },
      { function() return org:get("Acc/ount", "001D000000IRFma") end, "INVALID_TYPE" },
      { function() return org:update("Account", "001D000000IRFmaIAA", { Name = "x" }) end, "MALFORMED_ID" },
      { function() return org:create("Account", { ["Bad Field"] = 1 }) end, "INVALID_FIELD" },
      { function() return org:get("Account", "001D000000IRFma", { query = { fields = "Name,Bad-Field" } }) end,
        "INVALID_FIELD" },
      { function() return org:get("Account", "001D000000IRFma", { relationship = "../x" }) end, "INVALID_FIELD" },
      { function() return org:delete("Account", "001D000000IRFma/../x") end, "MALFORMED_ID" },
    }
    for i, row in ipairs(rows) do
      local res, err = row[1]()
      assert.is_nil(res, "row " .. i)
      assert.are.equal(row[2], err.error_code, "row " .. i)
      assert.are.equal("400", err.code)
      assert.are.equal(2, err.exit)
    end
    assert.are.equal(before, emu:stats().requests)
    assert.has_error(function() org:get("Account", 42) end)
    assert.has_error(function() org:create("Account", "Name=x") end)
  end)

  it("reaches any resource through org:call", function()
    local res = assert(org:call("GET", "/limits"))
    assert.are.equal(200, res.status)
    res = assert(org:call("GET", "/services/data/"))
    assert.is_true(#res.body > 0)
    res = assert(org:call("GET", emu.url .. "/services/data/v62.0/sobjects/Account"))
    assert.are.equal("Account", res.body.objectDescribe.name)
    -- streamed: the text goes to on_chunk, the response carries no body
    local pieces = {}
    res = assert(org:call("GET", "/query", { query = { q = "SELECT Id FROM Account LIMIT 3" },
      on_chunk = function(p) pieces[#pieces + 1] = p end }))
    assert.are.equal(json.null, res.body)
    assert.are.equal(3, #json.decode(table.concat(pieces)).records)
    assert.has_error(function() org:call("GET", "https://elsewhere.example.com/x") end)
    assert.has_error(function() org:call("GET", "/x", { bogus = 1 }) end)
  end)
end)

describe("client upsert", function()
  local emu, org
  setup(function()
    emu, org = local_org.start { empty = true, data = {
      Invoice__c = { { External_Id__c = "DUP", Amount__c = 1 }, { External_Id__c = "DUP", Amount__c = 2 } },
    } }
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

end)
