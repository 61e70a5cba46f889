-- luaforce.emulator.composite_tree: sObject Tree, records with their
-- children in one request, all or nothing.
local json = require "luaforce.json"
local org = require "support.app_request"

local request, query, V = org.request, org.query, org.V

local function tree(object, body)
  return request("POST", V .. "/composite/tree/" .. object, { body = type(body) == "string" and body
    or json.encode(body) })
end

local function rec(type_, ref, fields, children)
  local r = { attributes = { type = type_, referenceId = ref } }
  for k, v in pairs(fields or {}) do r[k] = v end
  for k, list in pairs(children or {}) do r[k] = { records = list } end
  return r
end

local function count(soql) return query(soql).json.totalSize end

describe("emulator sObject Tree", function()
  before_each(function() org.setup() end)

  it("creates trees level by level and answers 201 with each reference's id", function()
    local r = tree("Account", { records = {
      rec("Account", "ref1", { Name = "Tree One" }, { Contacts = {
        rec("Contact", "ref2", { LastName = "Smith" }), rec("Contact", "ref3", { LastName = "Evans" }) } }),
      rec("Account", "ref4", { Name = "Tree Two" }),
    } })
    assert.equal(201, r.status)
    assert.is_false(r.json.hasErrors)
    local refs = {}
    for i, x in ipairs(r.json.results) do refs[i] = x.referenceId end
    assert.same({ "ref1", "ref4", "ref2", "ref3" }, refs) -- the roots, then their children
    local one = r.json.results[1].id
    assert.matches("^001", one)
    local kids = query("SELECT LastName, AccountId FROM Contact WHERE Account.Name = 'Tree One' ORDER BY LastName")
    assert.equal(2, kids.json.totalSize)
    assert.equal(one, kids.json.records[1].AccountId)
  end)

  it("nests down to five levels, through any child relationship", function()
    local deep = rec("Account", "l5", { Name = "L5" })
    for i = 4, 1, -1 do deep = rec("Account", "l" .. i, { Name = "L" .. i }, { ChildAccounts = { deep } }) end
    local r = tree("Account", { records = { deep } })
    assert.equal(201, r.status, r.body)
    assert.equal("L4", query("SELECT Parent.Name FROM Account WHERE Name = 'L5'").json.records[1].Parent.Name)
    local six = rec("Account", "m6", { Name = "M6" })
    for i = 5, 1, -1 do six = rec("Account", "m" .. i, { Name = "M" .. i }, { ChildAccounts = { six } }) end
    local r6 = tree("Account", { records = { six } })
    assert.equal(400, r6.status)
    assert.equal("INVALID_INPUT", r6.json[1].errorCode)
    assert.equal(0, count("SELECT COUNT() FROM Account WHERE Name LIKE 'M%'"))
  end)

  it("is all or nothing: one bad record fails the request and names only that reference", function()
    local before = count("SELECT COUNT() FROM Contact")
    local r = tree("Account", { records = {
      rec("Account", "ok1", { Name = "Kept?" }, { Contacts = { rec("Contact", "badEmail", { LastName = "X",
        Email = "123" }) } }),
      rec("Account", "noName", { Industry = "Energy" }),
    } })
    assert.equal(400, r.status)
    assert.is_true(r.json.hasErrors)
    local failed = {}
    for _, x in ipairs(r.json.results) do failed[x.referenceId] = x.errors[1] end
    assert.equal("REQUIRED_FIELD_MISSING", failed.noName.statusCode)
    assert.same({ "Name" }, failed.noName.fields)
    assert.equal("INVALID_EMAIL_ADDRESS", failed.badEmail.statusCode)
    assert.is_nil(failed.ok1)
    assert.equal(0, count("SELECT COUNT() FROM Account WHERE Name = 'Kept?'"))
    assert.equal(before, count("SELECT COUNT() FROM Contact"))
  end)

  it("refuses duplicate and malformed referenceIds, one result per instance", function()
    local r = tree("Account", { records = { rec("Account", "dup", { Name = "A" }), rec("Account", "dup",
      { Name = "B" }), rec("Account", "bad-ref", { Name = "C" }) } })
    assert.equal(400, r.status)
    assert.equal(3, #r.json.results)
    assert.equal("dup", r.json.results[2].referenceId)
    assert.equal("INVALID_INPUT", r.json.results[1].errors[1].statusCode)
    assert.matches("Duplicate ReferenceId", r.json.results[1].errors[1].message)
    assert.equal(0, count("SELECT COUNT() FROM Account WHERE Name IN ('A', 'B', 'C')"))
  end)

  it("refuses what is not a tree of the URL's object before writing anything", function()
    local function code(object, body)
      local r = tree(object, body)
      return r.status, r.json and r.json[1] and r.json[1].errorCode, r.json and r.json[1] and r.json[1].message
    end
    assert.same({ 400, "INVALID_FIELD", "No such column 'Bogus__c' on sobject of type Account" },
      { code("Account", { records = { rec("Account", "a", { Name = "X", Bogus__c = 1 }) } }) })
    assert.equal("INVALID_INPUT", select(2, code("Account", { records = { rec("Contact", "c", { LastName = "X" }) } })))
    assert.equal("INVALID_INPUT", select(2, code("Account", { records = { { Name = "no attributes" } } })))
    assert.equal("JSON_PARSER_ERROR", select(2, code("Account", "{")))
    assert.equal("JSON_PARSER_ERROR", select(2, code("Account", { items = {} })))
    assert.equal("INVALID_INPUT", select(2, code("Account", { records = { rec("Account", "p", { Name = "P" },
      { Contacts = { rec("Account", "wrong", { Name = "W" }) } }) } })))
    local many = {}
    for i = 1, 201 do many[i] = rec("Account", "r" .. i, { Name = "Many " .. i }) end
    local status, c, message = code("Account", { records = many })
    assert.same({ 400, "INVALID_INPUT", "A request may create 200 records at most" }, { status, c, message })
    assert.equal(404, tree("Acount", { records = {} }).status)
    assert.equal(405, request("GET", V .. "/composite/tree/Account").status)
    assert.equal(0, count("SELECT COUNT() FROM Account WHERE Name LIKE 'Many %'"))
    local two_hundred = {}
    for i = 1, 200 do two_hundred[i] = rec("Account", "s" .. i, { Name = "Many " .. i }) end
    assert.equal(201, tree("Account", { records = two_hundred }).status)
  end)

  it("takes an empty child list at the fifth level, and sets the parent lookup whatever the child said", function()
    local deep = rec("Account", "e5", { Name = "E5" }, { ChildAccounts = {} })
    for i = 4, 1, -1 do deep = rec("Account", "e" .. i, { Name = "E" .. i }, { ChildAccounts = { deep } }) end
    assert.equal(201, tree("Account", { records = { deep } }).status)
    local r = tree("Account", { records = { rec("Account", "p", { Name = "Lookup Parent" }, { Contacts = {
      rec("Contact", "c", { LastName = "Given", accountid = "not an id" }) } }) } })
    assert.equal(201, r.status, r.body)
    assert.equal(r.json.results[1].id,
      query("SELECT AccountId FROM Contact WHERE LastName = 'Given'").json.records[1].AccountId)
  end)

  it("counts as one API call", function()
    local a = request("GET", V .. "/limits").h["sforce-limit-info"]
    tree("Account", { records = { rec("Account", "x", { Name = "Counted" }, { Contacts = {
      rec("Contact", "y", { LastName = "Y" }) } }) } })
    local b = request("GET", V .. "/limits").h["sforce-limit-info"]
    assert.equal(tonumber(a:match("=(%d+)")) + 2, tonumber(b:match("=(%d+)")))
  end)
end)
