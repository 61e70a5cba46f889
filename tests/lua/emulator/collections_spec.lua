-- luaforce.emulator.collections: sObject Collections through the app, as a
-- client sees them (statuses, bodies), and what the org holds afterwards.
local json = require "luaforce.json"
local app = require "luaforce.emulator.app"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"
local BASE = "/services/data/v62.0/composite/sobjects"

local ACME, GLOBEX = "001000000000001AAA", "001000000000002AAA"
local DATA = {
  Account = {
    { Id = ACME, Name = "Acme" },
    { Id = GLOBEX, Name = "Globex" },
  },
  Contact = { { Id = "003000000000001AAA", LastName = "Ng", AccountId = ACME } },
  Invoice__c = { { Id = "a01000000000001AAA", External_Id__c = "INV-A", Amount__c = 10 } },
}

local function call(method, path, body, query)
  local text = body
  if type(body) == "table" then text = assert(json.encode(body)) end
  local res = app.handle { method = method, path = path, query = query or {}, body = text or "",
    headers = { host = "127.0.0.1:5555", authorization = "Bearer " .. TOKEN }, loopback = true }
  if res.body ~= "" then res.json = json.decode(res.body) end
  return res
end

-- The values of `field` of an object's live records, sorted: what a query
-- afterwards sees.
local function column(object, field)
  local r = call("GET", "/services/data/v62.0/query", nil,
    { q = ("SELECT %s FROM %s ORDER BY %s"):format(field, object, field) })
  assert.equal(200, r.status)
  local out = {}
  for i, rec in ipairs(r.json.records) do out[i] = rec[field] end
  return out
end

local function acc(fields)
  fields.attributes = { type = "Account" }
  return fields
end

local function con(fields)
  fields.attributes = { type = "Contact" }
  return fields
end

-- Results in a short form: "ok" for a success, the statusCode of the first
-- error otherwise.
local function outcome(results)
  local out = {}
  for i, r in ipairs(results) do
    if r.success then
      assert.same({}, r.errors)
      out[i] = "ok"
    else
      out[i] = r.errors[1].statusCode
    end
  end
  return out
end

local ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"

describe("sObject Collections", function()
  before_each(function()
    app.setup { empty = true, data_inline = DATA, now = "2024-06-01T12:00:00Z" }
  end)

  describe("create", function()
    local rows = {
      { "creates records of mixed types in input order",
        false, { acc { Name = "Initech" }, con { LastName = "Ito", AccountId = ACME }, acc { Name = "Hooli" } },
        { "ok", "ok", "ok" },
        { Account = { "Acme", "Globex", "Hooli", "Initech" }, Contact = { "Ito", "Ng" } } },
      { "keeps the successes when allOrNone is false",
        false, { acc { Name = "Initech" }, con { FirstName = "No last name" }, acc { Name = "Hooli" } },
        { "ok", "REQUIRED_FIELD_MISSING", "ok" },
        { Account = { "Acme", "Globex", "Hooli", "Initech" }, Contact = { "Ng" } } },
      { "keeps nothing when allOrNone is true and one record fails",
        true, { acc { Name = "Initech" }, con { FirstName = "No last name" }, acc { Name = "Hooli" } },
        { ROLLED_BACK, "REQUIRED_FIELD_MISSING", ROLLED_BACK },
        { Account = { "Acme", "Globex" }, Contact = { "Ng" } } },
      { "lets every failing record report its own error under allOrNone",
        true, { acc { Name = "Initech" }, acc { Bogus__c = 1, Name = "x" }, con { LastName = "Ito" },
          { attributes = { type = "Nope" }, Name = "y" } },
        { ROLLED_BACK, "INVALID_FIELD", ROLLED_BACK, "INVALID_TYPE" },
        { Account = { "Acme", "Globex" }, Contact = { "Ng" } } },
      { "needs attributes.type on every record",
        false, { { Name = "typeless" }, acc { Name = "Typed" } },
        { "INVALID_TYPE", "ok" },
        { Account = { "Acme", "Globex", "Typed" } } },
      { "refuses an Id on create",
        false, { acc { Id = GLOBEX, Name = "again" } },
        { "INVALID_FIELD_FOR_INSERT_UPDATE" },
        { Account = { "Acme", "Globex" } } },
      { "answers an empty list with an empty list",
        true, {}, {}, { Account = { "Acme", "Globex" } } },
    }
    for _, row in ipairs(rows) do
      local name, all_or_none, records, expected, after = table.unpack(row)
      it(name, function()
        local r = call("POST", BASE, { allOrNone = all_or_none, records = json.array(records) })
        assert.equal(200, r.status)
        assert.same(expected, outcome(r.json))
        for object, names in pairs(after) do
          assert.same(names, column(object, object == "Contact" and "LastName" or "Name"))
        end
      end)
    end

    it("writes results with Salesforce's keys and order, ids that fetch the records", function()
      local r = call("POST", BASE, { allOrNone = false, records = { acc { Name = "Initech" }, con { FirstName = "x" } } })
      assert.matches('^%[{"id":"001%w+","success":true,"errors":%[%]},'
        .. '{"success":false,"errors":%[{"statusCode":"REQUIRED_FIELD_MISSING","message":'
        .. '"Required fields are missing: %[LastName%]","fields":%["LastName"%]}%]}%]$', r.body)
      local got = call("GET", "/services/data/v62.0/sobjects/Account/" .. r.json[1].id)
      assert.equal(200, got.status)
      assert.equal("Initech", got.json.Name)
    end)

    it("words the rolled-back records as Salesforce does", function()
      local r = call("POST", BASE, { allOrNone = true, records = { acc { Name = "Initech" }, acc {} } })
      assert.same({ success = false, errors = { { statusCode = ROLLED_BACK, fields = {},
        message = "Record rolled back because not all records were valid and the request was using AllOrNone header" } } },
        r.json[1])
      assert.is_nil(r.json[1].id)
    end)

    it("takes 200 records and refuses 201 before writing any", function()
      local records = {}
      for i = 1, 201 do records[i] = acc { Name = ("Bulk %03d"):format(i) } end
      local r = call("POST", BASE, { records = records })
      assert.equal(400, r.status)
      assert.same({ { errorCode = "EXCEEDED_ID_LIMIT",
        message = "record limit reached. cannot submit more than 200 records into this call" } }, r.json)
      assert.equal(2, #column("Account", "Name"))
      records[201] = nil
      r = call("POST", BASE, { records = records })
      assert.equal(200, r.status)
      assert.equal(200, #r.json)
      assert.equal(202, #column("Account", "Name"))
    end)
  end)

  describe("update", function()
    local rows = {
      { "updates each record and reports its id",
        false, { acc { id = ACME, Industry = "Energy" }, acc { id = GLOBEX, Name = "Globex 2" } },
        { "ok", "ok" }, { "Acme", "Globex 2" } },
      { "reports a missing id, a missing type and an unknown id per record",
        false, { acc { Name = "no id" }, { id = ACME, Name = "no type" }, acc { id = "001000000000009AAA", Name = "?" },
          acc { id = GLOBEX, Name = "Globex 2" } },
        { "MISSING_ARGUMENT", "INVALID_TYPE", "NOT_FOUND", "ok" }, { "Acme", "Globex 2" } },
      { "changes nothing when allOrNone is true and one record fails",
        true, { acc { id = ACME, Name = "Acme 2" }, acc { id = GLOBEX, Name = json.null } },
        { ROLLED_BACK, "REQUIRED_FIELD_MISSING" }, { "Acme", "Globex" } },
    }
    for _, row in ipairs(rows) do
      local name, all_or_none, records, expected, names = table.unpack(row)
      it(name, function()
        local r = call("PATCH", BASE, { allOrNone = all_or_none, records = records })
        assert.equal(200, r.status)
        assert.same(expected, outcome(r.json))
        assert.same(names, column("Account", "Name"))
      end)
    end

    it("shows the id on successes and rolled-back records", function()
      local r = call("PATCH", BASE, { allOrNone = true, records = {
        acc { id = "001000000000001", Name = "Acme 2" }, acc { id = GLOBEX, Name = json.null } } })
      assert.equal(ACME, r.json[1].id)
      assert.equal(ROLLED_BACK, r.json[1].errors[1].statusCode)
      assert.equal(GLOBEX, r.json[2].id)
      r = call("PATCH", BASE, { records = { acc { id = "001000000000001", Name = "Acme 2" } } })
      assert.same({ id = ACME, success = true, errors = {} }, r.json[1])
    end)
  end)

  describe("upsert", function()
    local path = BASE .. "/Invoice__c/External_Id__c"
    local function inv(fields)
      fields.attributes = { type = "Invoice__c" }
      return fields
    end

    it("updates matches, inserts the rest and says which", function()
      local r = call("PATCH", path, { allOrNone = false, records = {
        inv { External_Id__c = "inv-a", Amount__c = 11 }, inv { External_Id__c = "INV-B", Amount__c = 20 } } })
      assert.equal(200, r.status)
      assert.same({ id = "a01000000000001AAA", success = true, errors = {}, created = false }, r.json[1])
      assert.is_true(r.json[2].created)
      assert.matches('"created":true}%]$', r.body)
      assert.same({ 11, 20 }, column("Invoice__c", "Amount__c"))
      assert.same({ "INV-A", "INV-B" }, column("Invoice__c", "External_Id__c"))
    end)

    it("keeps nothing under allOrNone when a record lacks its external id", function()
      local r = call("PATCH", path, { allOrNone = true, records = {
        inv { External_Id__c = "INV-A", Amount__c = 11 }, inv { External_Id__c = "INV-B" }, inv { Amount__c = 5 } } })
      assert.equal(200, r.status)
      assert.same({ ROLLED_BACK, ROLLED_BACK, "MISSING_ARGUMENT" }, outcome(r.json))
      assert.equal("a01000000000001AAA", r.json[1].id)
      assert.is_nil(r.json[2].id)
      assert.same({ 10 }, column("Invoice__c", "Amount__c"))
    end)

    it("refuses a field that is no external id", function()
      local r = call("PATCH", BASE .. "/Invoice__c/Notes__c", { records = { inv { Notes__c = "x" } } })
      assert.equal(404, r.status)
      assert.equal("NOT_FOUND", r.json[1].errorCode)
    end)
  end)

  describe("delete", function()
    local rows = {
      { "deletes each id and reports it", "001000000000001AAA,003000000000001", nil,
        { "ok", "ok" }, {}, { "Globex" } },
      { "reports a malformed id and a deleted one; keeps the rest", "001000000000002AAA,zzz,001000000000002AAA",
        "false", { "ok", "MALFORMED_ID", "ENTITY_IS_DELETED" }, { "Ng" }, { "Acme" } },
      { "deletes nothing when allOrNone is true and one fails", "001000000000002AAA,003000000000009AAA",
        "true", { ROLLED_BACK, "NOT_FOUND" }, { "Ng" }, { "Acme", "Globex" } },
    }
    for _, row in ipairs(rows) do
      local name, list, all_or_none, expected, contacts, accounts = table.unpack(row)
      it(name, function()
        local r = call("DELETE", BASE, nil, { ids = list, allOrNone = all_or_none })
        assert.equal(200, r.status)
        assert.same(expected, outcome(r.json))
        assert.same(contacts, column("Contact", "LastName"))
        assert.same(accounts, column("Account", "Name"))
      end)
    end

    it("answers with the 18-character ids in input order", function()
      local r = call("DELETE", BASE, nil, { ids = "003000000000001,001000000000002AAA" })
      assert.same({ "003000000000001AAA", GLOBEX }, { r.json[1].id, r.json[2].id })
    end)

    it("answers an id that is not UTF-8 with MALFORMED_ID, '?' in its place (found by fuzzing: was a 500)", function()
      local r = call("DELETE", BASE, nil, { ids = "00100000000000\xc1AA," .. GLOBEX, allOrNone = "true" })
      assert.equal(200, r.status)
      assert.same({ "00100000000000?AA", false, "MALFORMED_ID" }, { r.json[1].id, r.json[1].success,
        r.json[1].errors[1].statusCode or r.json[1].errors[1].errorCode })
      assert.same({ "Acme", "Globex" }, column("Account", "Name"))
    end)

    it("refuses more than 200 ids and a request without ids", function()
      local list = {}
      for i = 1, 201 do list[i] = ACME end
      local r = call("DELETE", BASE, nil, { ids = table.concat(list, ",") })
      assert.equal(400, r.status)
      assert.equal("EXCEEDED_ID_LIMIT", r.json[1].errorCode)
      assert.same({ "Acme", "Globex" }, column("Account", "Name"))
      r = call("DELETE", BASE)
      assert.equal(400, r.status)
      assert.equal("MISSING_ARGUMENT", r.json[1].errorCode)
    end)
  end)

  describe("retrieve", function()
    it("answers records aligned with the ids, null for the missing", function()
      call("DELETE", "/services/data/v62.0/sobjects/Account/" .. GLOBEX)
      local body = { ids = { GLOBEX, "001000000000001", "001000000000009AAA" }, fields = { "name", "Id" } }
      local want = '[null,{"attributes":{"type":"Account","url":"/services/data/v62.0/sobjects/Account/'
        .. ACME .. '"},"Name":"Acme","Id":"' .. ACME .. '"},null]'
      local r = call("POST", BASE .. "/Account", body)
      assert.equal(200, r.status)
      assert.equal(want, r.body)
      r = call("GET", BASE .. "/Account", nil, { ids = table.concat(body.ids, ","), fields = "name,Id" })
      assert.equal(200, r.status)
      assert.equal(want, r.body)
    end)

    local errors = {
      { "an unknown field", { ids = { ACME }, fields = { "Bogus" } }, 400, "INVALID_FIELD" },
      { "a malformed id", { ids = { "001xyz" }, fields = { "Name" } }, 400, "MALFORMED_ID" },
      { "no fields", { ids = { ACME } }, 400, "MISSING_ARGUMENT" },
      { "ids that are not a list", { ids = ACME, fields = { "Name" } }, 400, "JSON_PARSER_ERROR" },
    }
    for _, row in ipairs(errors) do
      it("refuses " .. row[1], function()
        local r = call("POST", BASE .. "/Account", row[2])
        assert.equal(row[3], r.status)
        assert.equal(row[4], r.json[1].errorCode)
      end)
    end
  end)

  describe("malformed requests", function()
    local rows = {
      { "a body that is no JSON", "POST", BASE, "{records: [", 400, "JSON_PARSER_ERROR" },
      { "an empty body", "POST", BASE, "", 400, "JSON_PARSER_ERROR" },
      { "a body without records", "POST", BASE, '{"allOrNone": true}', 400, "JSON_PARSER_ERROR" },
      { "records that are no list", "PATCH", BASE, '{"records": {"Name": "x"}}', 400, "JSON_PARSER_ERROR" },
      { "a record that is no object", "POST", BASE, '{"records": [1]}', 400, "JSON_PARSER_ERROR" },
      { "allOrNone that is no boolean", "POST", BASE, '{"allOrNone": "yes", "records": []}', 400, "JSON_PARSER_ERROR" },
      { "a version before 42.0", "POST", "/services/data/v41.0/composite/sobjects", '{"records": []}', 404, "NOT_FOUND" },
      { "GET on the collection", "GET", BASE, "", 405, "METHOD_NOT_ALLOWED" },
      { "an unknown object", "POST", BASE .. "/Bogus", '{"ids": [], "fields": ["Id"]}', 404, "NOT_FOUND" },
      { "a path too deep", "PATCH", BASE .. "/Account/Id/x", '{"records": []}', 404, "NOT_FOUND" },
    }
    for _, row in ipairs(rows) do
      local name, method, path, body, status, code = table.unpack(row)
      it("refuses " .. name .. " as a whole", function()
        local r = call(method, path, body)
        assert.equal(status, r.status)
        assert.equal(code, r.json[1].errorCode)
        assert.same({ "Acme", "Globex" }, column("Account", "Name"))
      end)
    end
  end)

  it("counts as one API request however many records it carries", function()
    local before = json.decode(app.control("stats")).api_requests
    call("POST", BASE, { records = { acc { Name = "a" }, acc { Name = "b" }, acc { Name = "c" } } })
    assert.equal(before + 1, json.decode(app.control("stats")).api_requests)
  end)
end)
