-- luaforce.emulator.sobjects: the sObject resources of the local org,
-- through the app's handler with a request table (as the C server calls
-- it): describeGlobal and an object's info and describe; a record by id
-- (GET with ?fields=, PATCH, DELETE), its parent and child lists, by
-- external id (GET, upsert, DELETE); create; the statuses, bodies, headers
-- and errors Salesforce gives for each; and render called directly.
local json = require "luaforce.json"
local app = require "luaforce.emulator.app"
local schema = require "luaforce.emulator.schema"
local sobjects = require "luaforce.emulator.sobjects"
local org = require "support.app_request"

local request, query, write = org.request, org.query, org.write
local V, ACME = org.V, org.ACME

-- Some contact's id.
local function a_contact()
  return query("SELECT Id FROM Contact ORDER BY LastName LIMIT 1").json.records[1].Id
end

describe("luaforce.emulator.sobjects", function()
  before_each(function()
    org.setup()
  end)

  describe("records (from the app spec)", function()
    it("upserts: 300 with the record URLs when the external id matches several rows", function()
      local schema = write(json.encode {
        objects = { { name = "Thing__c", keyPrefix = "a05", fields = {
          { name = "Name", type = "string" },
          { name = "Code__c", type = "string", externalId = true },
        } } },
      })
      app.setup { empty = true, schema = schema, data_inline = { Thing__c = {
        { Name = "one", Code__c = "X" }, { Name = "two", Code__c = "X" } } } }
      os.remove(schema)
      local r = request("PATCH", "/services/data/v62.0/sobjects/Thing__c/Code__c/X", { body = '{"Name":"three"}' })
      assert.equal(300, r.status, r.body)
      assert.equal(2, #r.json)
      assert.matches("^/services/data/v62%.0/sobjects/Thing__c/a05", r.json[1])
      local g = request("GET", "/services/data/v62.0/sobjects/Thing__c/Code__c/X")
      assert.equal(300, g.status)
    end)

    it("answers 204 to an upsert update before API 46", function()
      local path = "/services/data/v45.0/sobjects/Invoice__c/External_Id__c/OLD-1"
      local body = json.encode { Account__c = "001000000000001AAA" }
      assert.equal(201, request("PATCH", path, { body = body }).status)
      assert.equal(204, request("PATCH", path, { body = body }).status)
    end)

    it("returns the child list of a record", function()
      local r = request("GET", "/services/data/v62.0/sobjects/Account/001000000000001AAA/Contacts")
      assert.equal(200, r.status)
      assert.equal(7, r.json.totalSize)
      local empty = request("GET", "/services/data/v62.0/sobjects/Contact/"
        .. query("SELECT Id FROM Contact LIMIT 1").json.records[1].Id .. "/Owner")
      assert.is_true(empty.status == 200 or empty.status == 404)
    end)

    it("names the field of a bad ?fields= list", function()
      local r = request("GET", "/services/data/v62.0/sobjects/Account/001000000000001AAA",
        { query = { fields = "Id,Nmae" } })
      assert.equal(400, r.status)
      assert.equal("INVALID_FIELD", r.json[1].errorCode)
      assert.matches("'Nmae'", r.json[1].message)
    end)
  end)

  describe("objects", function()
    it("lists every object of the schema (describeGlobal)", function()
      local r = request("GET", V .. "/sobjects")
      assert.equal(200, r.status)
      local names = {}
      for _, o in ipairs(r.json.sobjects) do names[#names + 1] = o.name end
      assert.same({ "Account", "Contact", "Opportunity", "Case", "Lead", "User", "Invoice__c", "Organization",
        "Profile" }, names)
    end)

    it("answers an object's basic info with its describeGlobal entry", function()
      local r = request("GET", V .. "/sobjects/Account")
      assert.equal(200, r.status)
      assert.same({ "objectDescribe", "recentItems" }, json.keys(r.json))
      assert.equal("Account", r.json.objectDescribe.name)
      assert.equal("001", r.json.objectDescribe.keyPrefix)
      assert.same({}, r.json.recentItems)
    end)

    it("describes an object", function()
      local r = request("GET", V .. "/sobjects/Contact/describe")
      assert.equal(200, r.status)
      assert.equal("Contact", r.json.name)
      assert.is_true(#r.json.fields > 10)
    end)

    -- { method, path after sobjects/, status, Allow }
    local rows = {
      { "PUT", "", 405, "GET,HEAD" },
      { "PUT", "Account", 405, "GET,HEAD,POST" },
      { "POST", "Account/describe", 405, "GET,HEAD" },
      { "PUT", "Account/" .. ACME, 405, "GET,HEAD,PATCH,DELETE" },
      { "POST", "Account/" .. ACME .. "/Contacts", 405, "GET,HEAD" },
      { "PUT", "Invoice__c/External_Id__c/X", 405, "GET,HEAD,PATCH,DELETE" },
    }
    for _, row in ipairs(rows) do
      it(("%s sobjects/%s is %d, allowing %s"):format(row[1], row[2], row[3], row[4]), function()
        local r = request(row[1], (("%s/sobjects/%s"):format(V, row[2]):gsub("/$", "")))
        assert.equal(row[3], r.status)
        assert.equal(row[4], r.h.allow)
        assert.equal("METHOD_NOT_ALLOWED", r.json[1].errorCode)
        assert.equal(("HTTP Method '%s' not allowed. Allowed are %s"):format(row[1], row[4]), r.json[1].message)
      end)
    end
  end)

  describe("a record's life", function()
    it("creates: 201, the id in the body and the Location header", function()
      local r = request("POST", V .. "/sobjects/Account", { body = '{"Name": "New Co", "Phone": "555"}' })
      assert.equal(201, r.status)
      assert.same({ "id", "success", "errors" }, json.keys(r.json))
      assert.is_true(r.json.success)
      assert.same({}, r.json.errors)
      assert.matches("^001", r.json.id)
      assert.equal(V .. "/sobjects/Account/" .. r.json.id, r.h.location)
    end)

    it("reads a record: attributes first, then every field in schema order, nulls as null", function()
      local r = request("GET", V .. "/sobjects/Account/" .. ACME)
      assert.equal(200, r.status)
      local k = json.keys(r.json)
      assert.same({ "attributes", "Id", "IsDeleted", "Name", "Type" }, { table.unpack(k, 1, 5) })
      assert.same({ type = "Account", url = V .. "/sobjects/Account/" .. ACME }, r.json.attributes)
      assert.equal("Acme", r.json.Name)
      assert.equal(json.null, r.json.Type)
      assert.equal(#schema.default():object("Account").fields + 1, #k)
    end)

    it("reads the fields ?fields= names, in its order, spaces allowed", function()
      local r = request("GET", V .. "/sobjects/Account/" .. ACME, { query = { fields = " Phone , Name" } })
      assert.equal(200, r.status)
      assert.same({ "attributes", "Phone", "Name" }, json.keys(r.json))
    end)

    it("updates and deletes with 204 and no body; a deleted record is ENTITY_IS_DELETED", function()
      local id = request("POST", V .. "/sobjects/Account", { body = '{"Name": "Short-lived"}' }).json.id
      local path = V .. "/sobjects/Account/" .. id
      local u = request("PATCH", path, { body = '{"Phone": "556"}' })
      assert.same({ 204, "" }, { u.status, u.body })
      assert.equal("556", request("GET", path).json.Phone)
      local d = request("DELETE", path)
      assert.same({ 204, "" }, { d.status, d.body })
      for _, method in ipairs { "GET", "PATCH", "DELETE" } do
        local r = request(method, path, { body = '{"Phone": "557"}' })
        assert.equal(404, r.status, method)
        assert.equal("ENTITY_IS_DELETED", r.json[1].errorCode)
      end
    end)

    -- { what, body, errorCode, message }
    local bad = {
      { "no body", "", "JSON_PARSER_ERROR", "The HTTP entity body is required, but this request has no entity body." },
      { "a JSON list", "[1]", "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from START_ARRAY token" },
      { "a JSON scalar", "5", "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from a scalar token" },
      { "broken JSON", '{"Name": }', "JSON_PARSER_ERROR", "Unexpected character at [line:1, column:10]" },
      { "JSON with an unterminated string after it", '{"Name": "Tail"}"xyz', "JSON_PARSER_ERROR",
        "Unexpected character at [line:1, column:17]: trailing garbage" },
      { "an unknown field", '{"Nope__c": 1}', "INVALID_FIELD", "No such column 'Nope__c' on sobject of type Account" },
      { "a required field missing", "{}", "REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]" },
    }
    for _, row in ipairs(bad) do
      it("refuses to create from " .. row[1] .. " with 400 " .. row[3], function()
        local r = request("POST", V .. "/sobjects/Account", { body = row[2] })
        assert.equal(400, r.status)
        assert.equal(row[3], r.json[1].errorCode)
        assert.matches(row[4], r.json[1].message, 1, true)
        assert.equal(3, query("SELECT COUNT() FROM Account").json.totalSize)
      end)
    end
  end)

  describe("paths that name no record", function()
    -- { path after sobjects/, status, errorCode, message }
    local rows = {
      { "Nope", 404, "NOT_FOUND", "The requested resource does not exist" },
      { "Account/001000000000001AAB", 400, "MALFORMED_ID",
        "Account ID: id value of incorrect type: 001000000000001AAB" },
      { "Account/003000000000001AAA", 404, "NOT_FOUND", "The requested resource does not exist" },
      { "Account/001000000000009AAA", 404, "NOT_FOUND", nil },
      { "Account/Foo", 404, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: Foo" },
      { "Invoice__c/Amount__c/5", 404, "NOT_FOUND",
        "Provided external ID field does not exist or is not accessible: Amount__c" },
      { "Account/" .. ACME .. "/Nope", 404, "NOT_FOUND", "The requested resource does not exist" },
      { "Account/a/b/c", 404, "NOT_FOUND", "The requested resource does not exist" },
    }
    for _, row in ipairs(rows) do
      it(("GET sobjects/%s is %d %s"):format(row[1], row[2], row[3]), function()
        local r = request("GET", V .. "/sobjects/" .. row[1])
        assert.equal(row[2], r.status)
        assert.equal(row[3], r.json[1].errorCode)
        if row[4] then assert.equal(row[4], r.json[1].message) end
      end)
    end
  end)

  describe("relationships", function()
    it("answers a parent relationship with the parent record, ?fields= too", function()
      local path = V .. "/sobjects/Contact/" .. a_contact() .. "/Account"
      local r = request("GET", path)
      assert.equal(200, r.status)
      assert.equal(ACME, r.json.Id)
      assert.equal("Account", r.json.attributes.type)
      assert.same({ "attributes", "Name" }, json.keys(request("GET", path, { query = { fields = "Name" } }).json))
    end)

    it("answers an empty parent relationship with 404", function()
      local r = request("GET", V .. "/sobjects/Contact/" .. a_contact() .. "/ReportsTo")
      assert.equal(404, r.status)
      assert.equal("NOT_FOUND", r.json[1].errorCode)
    end)

    it("answers a child relationship with the children as a query result", function()
      local r = request("GET", V .. "/sobjects/Account/" .. ACME .. "/Contacts", { query = { fields = "LastName" } })
      assert.equal(200, r.status)
      assert.same({ "totalSize", "done", "records" }, json.keys(r.json))
      assert.is_true(r.json.done)
      assert.equal(7, #r.json.records)
      assert.same({ "attributes", "LastName" }, json.keys(r.json.records[1]))
      local none = request("GET", V .. "/sobjects/Account/001000000000002AAA/Contacts")
      assert.same({ 0, true }, { none.json.totalSize, none.json.done })
    end)
  end)

  describe("external ids", function()
    local PATH = V .. "/sobjects/Invoice__c/External_Id__c/"

    it("creates with 201 created = true, then updates (matching text case-insensitively) with 200 created = false",
      function()
        local c = request("PATCH", PATH .. "INV-1", { body = '{"Amount__c": 5}' })
        assert.equal(201, c.status)
        assert.same({ "id", "success", "errors", "created" }, json.keys(c.json))
        assert.is_true(c.json.created)
        assert.equal(V .. "/sobjects/Invoice__c/" .. c.json.id, c.h.location)
        local u = request("PATCH", PATH .. "inv-1", { body = '{"Amount__c": 6}' })
        assert.equal(200, u.status)
        assert.same({ c.json.id, false }, { u.json.id, u.json.created })
        assert.equal(V .. "/sobjects/Invoice__c/" .. c.json.id, u.h.location)
        local g = request("GET", PATH .. "INV-1", { query = { fields = "Amount__c" } })
        assert.same({ 200, 6 }, { g.status, g.json.Amount__c })
      end)

    it("takes POST as an upsert too", function()
      assert.equal(201, request("POST", PATH .. "INV-2", { body = '{"Amount__c": 1}' }).status)
    end)

    it("deletes by external id, and then finds nothing", function()
      request("PATCH", PATH .. "INV-3", { body = '{"Amount__c": 5}' })
      assert.equal(204, request("DELETE", PATH .. "INV-3").status)
      local r = request("GET", PATH .. "INV-3")
      assert.equal(404, r.status)
      assert.equal("NOT_FOUND", r.json[1].errorCode)
    end)

    it("treats Id as an external id field", function()
      local r = request("GET", V .. "/sobjects/Account/Id/" .. ACME, { query = { fields = "Name" } })
      assert.same({ 200, "Acme" }, { r.status, r.json.Name })
    end)
  end)

  describe("render and record_url", function()
    it("writes attributes first and nulls for missing fields, in the order given", function()
      local obj = schema.default():object("Account")
      local fields = { obj:field("Phone"), obj:field("Name") }
      local rec = sobjects.render({ Id = ACME, Name = "Acme" }, obj, fields, "58.0")
      assert.equal('{"attributes":{"type":"Account","url":"/services/data/v58.0/sobjects/Account/' .. ACME
        .. '"},"Phone":null,"Name":"Acme"}', json.encode(rec))
      assert.equal("/services/data/v60.0/sobjects/Contact/003", sobjects.record_url("60.0", "Contact", "003"))
    end)
  end)
end)
