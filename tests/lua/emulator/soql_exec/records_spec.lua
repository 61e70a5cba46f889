-- luaforce.emulator.soql_exec.records: the records of plain queries as
-- Salesforce shapes them: attributes first, the select list's order,
-- canonical names, parents nested, child subqueries, TYPEOF, FIELDS().
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local org = require "support.soql_org"
local U, A, C, O = org.U, org.A, org.C, org.O
local run, values, enc, url = org.run, org.values, org.enc, org.URL

describe("luaforce.emulator.soql_exec.records", function()
  it("carry attributes first, then the select list's order, with canonical names", function()
    local res = assert(run("SELECT name, ID, industry, numberofemployees FROM account WHERE name = 'acme'"))
    assert.equal(('{"attributes":{"type":"Account","url":"%sAccount/%s"},"Name":"Acme","Id":"%s",'
      .. '"Industry":"Energy","NumberOfEmployees":50}'):format(url, A[1], A[1]), enc(res.records[1]))
  end)

  it("write nulls as null and nest parents, null for an empty lookup", function()
    local res = assert(run("SELECT LastName, Account.Name, Account.Owner.Name, Account.Industry, Email"
      .. " FROM Contact WHERE LastName IN ('Lee', 'Ray') ORDER BY LastName"))
    assert.equal(('{"attributes":{"type":"Contact","url":"%sContact/%s"},"LastName":"Lee",'
      .. '"Account":{"attributes":{"type":"Account","url":"%sAccount/%s"},"Name":"Acme",'
      .. '"Owner":{"attributes":{"type":"User","url":"%sUser/%s"},"Name":"Ben Baker"},"Industry":"Energy"},'
      .. '"Email":"ann@acme.test"}'):format(url, C[1], url, A[1], url, U[2]), enc(res.records[1]))
    assert.equal(('{"attributes":{"type":"Contact","url":"%sContact/%s"},"LastName":"Ray","Account":null,'
      .. '"Email":null}'):format(url, C[4]), enc(res.records[2]))
  end)

  it("use the API version of the request in URLs", function()
    local res = assert(run("SELECT Id FROM Account WHERE Name = 'Acme'", { version = "58.0" }))
    assert.equal("/services/data/v58.0/sobjects/Account/" .. A[1], res.records[1].attributes.url)
  end)

  it("keep decimals and floats as they are stored", function()
    local res = assert(run("SELECT Amount FROM Opportunity WHERE Name IN ('Huge', 'Big deal') ORDER BY Amount"))
    assert.equal(1000.1, res.records[1].Amount)
    assert.is_true(decimal.is(res.records[2].Amount))
    assert.equal("1234567890123456.78", tostring(res.records[2].Amount))
  end)

  it("hold child subqueries as totalSize/done/records, null without children, WHERE/ORDER/LIMIT per parent", function()
    local res = assert(run("SELECT Name, (SELECT LastName FROM Contacts WHERE LastName != 'Moss'"
      .. " ORDER BY LastName DESC LIMIT 5) FROM Account WHERE Name LIKE 'acme%' ORDER BY Name"))
    assert.same({ "Contacts" }, res.child_relationships)
    local acme, labs = res.records[1], res.records[2]
    assert.equal(('{"totalSize":2,"done":true,"records":[{"attributes":{"type":"Contact","url":"%sContact/%s"},'
      .. '"LastName":"Stone"},{"attributes":{"type":"Contact","url":"%sContact/%s"},"LastName":"Lee"}]}')
      :format(url, C[2], url, C[1]), enc(acme.Contacts))
    assert.equal(json.null, labs.Contacts)
    local keys = {}
    for k in enc(acme):gmatch('"(%w+)":') do keys[#keys + 1] = k end
    assert.same({ "attributes", "type", "url", "Name", "Contacts" }, { table.unpack(keys, 1, 5) })

    res = assert(run("SELECT Name, (SELECT Name FROM Opportunities ORDER BY Amount LIMIT 1),"
      .. " (SELECT Name FROM Invoices__r) FROM Account WHERE Name = 'Acme'"))
    assert.same({ "Opportunities", "Invoices__r" }, res.child_relationships)
    assert.same({ "Small deal" }, values(res.records[1].Opportunities, "Name"))
    assert.equal(1, res.records[1].Opportunities.totalSize)
    assert.same({ "INV-1", "INV-2" }, values(res.records[1].Invoices__r, "Name"))
  end)

  it("leave deleted children out unless all_rows", function()
    local q = "SELECT Name, (SELECT LastName FROM Contacts) FROM Account WHERE Name LIKE 'O%'"
    assert.equal(json.null, assert(run(q)).records[1].Contacts)
    assert.same({ "Gone" }, values(assert(run(q, { all_rows = true })).records[1].Contacts, "LastName"))
  end)

  it("follow TYPEOF per the referenced record's object", function()
    local res = assert(run("SELECT Subject, TYPEOF What WHEN Account THEN Name, Industry"
      .. " WHEN Opportunity THEN Name, Amount ELSE Name END FROM Task ORDER BY Subject"))
    local call, email, note = res.records[1], res.records[2], res.records[3]
    assert.equal(('{"attributes":{"type":"Account","url":"%sAccount/%s"},"Name":"Acme","Industry":"Energy"}')
      :format(url, A[1]), enc(call.What))
    assert.equal(('{"attributes":{"type":"Opportunity","url":"%sOpportunity/%s"},"Name":"Big deal","Amount":1000.1}')
      :format(url, O[1]), enc(email.What))
    assert.equal(json.null, note.What)
  end)

  it("polymorphic parent paths read the field of whatever object is referenced", function()
    local res = assert(run("SELECT Subject, What.Name FROM Task WHERE What.Name LIKE '%deal' OR What.Name = 'Acme'"
      .. " ORDER BY Subject"))
    assert.same({ "Call", "Email" }, values(res, "Subject"))
    assert.equal("Opportunity", res.records[2].What.attributes.type)
  end)

  it("expand FIELDS(STANDARD), FIELDS(CUSTOM) and FIELDS(ALL) to the schema's fields", function()
    local res = assert(run("SELECT FIELDS(CUSTOM) FROM Invoice__c WHERE Name = 'INV-1' LIMIT 1"))
    local keys = {}
    for k in enc(res.records[1]):gmatch('"([%w_]+)":') do keys[#keys + 1] = k end
    assert.same({ "attributes", "type", "url", "Account__c", "Opportunity__c", "External_Id__c", "Amount__c",
      "Status__c", "Due_Date__c", "Issued_At__c", "Paid__c", "Notes__c" }, keys)
    res = assert(run("SELECT Id, FIELDS(STANDARD) FROM Invoice__c WHERE Name = 'INV-1'"))
    assert.equal("INV-1", res.records[1].Name)
    assert.equal(json.null, res.records[1].Amount__c == nil and json.null or "custom field present")
    res = assert(run("SELECT FIELDS(ALL) FROM Invoice__c WHERE Name = 'INV-1' LIMIT 200"))
    assert.equal("INV-1", res.records[1].Name)
    assert.equal(10.5, res.records[1].Amount__c)
    assert.equal("2024-05-15T08:00:00.000+0000", res.records[1].Issued_At__c)
  end)

  describe("errors", function()
    org.error_rows(it, {
      { "SELECT Id, (SELECT Id FROM Bogus) FROM Account", "INVALID_FIELD",
        "ERROR at Row:1:Column:28\nDidn't understand relationship 'Bogus' in FROM part of query call.", match = true },
      { "SELECT Id, Name, id FROM Account", "MALFORMED_QUERY", "ERROR at Row:1:Column:18\nduplicate field selected: Id",
        match = true },
      { "SELECT FIELDS(ALL) FROM Account", "MALFORMED_QUERY", "LIMIT of at most 200", match = true },
    })
  end)
end)
