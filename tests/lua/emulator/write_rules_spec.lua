-- luaforce.emulator.write_rules: what a write to the local org must satisfy
-- (names, types, read-only fields, references, required and unique fields),
-- seen through the store as a client of the local org sees it: the error
-- Salesforce gives, nothing stored.
local Store = require "luaforce.emulator.store"
local rules = require "luaforce.emulator.write_rules"
local schema = require "luaforce.emulator.schema"
local ids = require "luaforce.emulator.ids"
local json = require "luaforce.json"
local fixture = require "support.store_fixture"
local manual_clock, new_store, codes = fixture.manual_clock, fixture.new_store, fixture.codes

describe("luaforce.emulator.write_rules", function()
  local st, acc
  before_each(function()
    st = new_store()
    acc = assert(st:insert("Account", { Name = "O'Brien & Sons" }))
  end)

  -- { what, object, fields (a function of the account id), errorCode, fields named, status }
  local rows = {
    { "unknown field", "Account", { Name = "A", Foo = 1 }, "INVALID_FIELD", {}, 400,
      "No such column 'Foo' on sobject of type Account" },
    { "unknown object", "Bogus", { Name = "A" }, "INVALID_TYPE", {}, 400, "sObject type 'Bogus' is not supported." },
    { "required field missing", "Contact", { FirstName = "A" }, "REQUIRED_FIELD_MISSING", { "LastName" }, 400,
      "Required fields are missing: [LastName]" },
    { "several required fields missing", "Opportunity", { Name = "A" }, "REQUIRED_FIELD_MISSING",
      { "StageName", "CloseDate" }, 400, "Required fields are missing: [StageName, CloseDate]" },
    { "required field null", "Account", { Name = json.null }, "REQUIRED_FIELD_MISSING", { "Name" }, 400 },
    { "string too long", "Account", { Name = ("x"):rep(256) }, "STRING_TOO_LONG", { "Name" }, 400,
      "Account Name: data value too large: " .. ("x"):rep(256) .. " (max length=255)" },
    { "bad picklist value", "Account", { Name = "A", Industry = "Piracy" },
      "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", { "Industry" }, 400,
      "Industry: bad value for restricted picklist field: Piracy" },
    { "read-only formula", "Opportunity", { Name = "A", StageName = "Prospecting", CloseDate = "2024-01-01",
      IsWon = true }, "INVALID_FIELD_FOR_INSERT_UPDATE", { "IsWon" }, 400 },
    { "read-only system field", "Account", { Name = "A", CreatedDate = "2020-01-01T00:00:00Z" },
      "INVALID_FIELD_FOR_INSERT_UPDATE", { "CreatedDate" }, 400 },
    { "Id on insert", "Account", { Name = "A", Id = "001D000000IRFma" }, "INVALID_FIELD_FOR_INSERT_UPDATE",
      { "Id" }, 400 },
    { "malformed reference", "Contact", { LastName = "A", AccountId = "001XYZ" }, "MALFORMED_ID",
      { "AccountId" }, 400, "Account ID: id value of incorrect type: 001XYZ" },
    { "reference to the wrong object", "Contact", { LastName = "A", AccountId = ids.DEFAULT_USER_ID },
      "FIELD_INTEGRITY_EXCEPTION", { "AccountId" }, 400 },
    { "reference to no record", "Contact", { LastName = "A", AccountId = "001D000000IRFma" },
      "INVALID_CROSS_REFERENCE_KEY", { "AccountId" }, 400 },
    { "string for a number", "Account", { Name = "A", AnnualRevenue = "abc" }, "JSON_PARSER_ERROR",
      { "AnnualRevenue" }, 400,
      "Cannot deserialize instance of double from VALUE_STRING value abc or request may be missing a required field" },
    { "number for a boolean", "Contact", { LastName = "A", DoNotCall = 1 }, "JSON_PARSER_ERROR",
      { "DoNotCall" }, 400 },
    { "object for a string", "Account", { Name = json.object {} }, "JSON_PARSER_ERROR", { "Name" }, 400 },
    { "bad date", "Opportunity", { Name = "A", StageName = "Prospecting", CloseDate = "31/01/2024" },
      "JSON_PARSER_ERROR", { "CloseDate" }, 400 },
    { "number out of range", "Opportunity", { Name = "A", StageName = "Prospecting", CloseDate = "2024-01-01",
      Amount = "99999999999999999" }, "NUMBER_OUTSIDE_VALID_RANGE", { "Amount" }, 400 },
    { "bad email", "Contact", { LastName = "A", Email = "nobody" }, "INVALID_EMAIL_ADDRESS", { "Email" }, 400 },
    { "duplicate unique value", "User", { Username = "ADMIN@luaforce.local", LastName = "B",
      Email = "b@example.com" }, "DUPLICATE_VALUE", { "Username" }, 400 },
  }
  for _, row in ipairs(rows) do
    it(row[1] .. " -> " .. row[4], function()
      st:insert("User", { Username = "admin@luaforce.local", LastName = "A", Email = "a@example.com" })
      local before = #st:all("Contact", true) + #st:all("Account", true) + #st:all("Opportunity", true)
      local id, errs = st:insert(row[2], row[3])
      assert.is_nil(id)
      assert.equal(row[4], errs[1].errorCode)
      assert.same(row[5], errs[1].fields)
      assert.equal(row[6], errs[1].status)
      if row[7] then assert.equal(row[7], errs[1].message) end
      local after = #st:all("Contact", true) + #st:all("Account", true) + #st:all("Opportunity", true)
      assert.equal(before, after, "nothing was stored")
    end)
  end

  it("reports an unknown field before a bad value, in the body's key order", function()
    local _, errs = st:insert("Account", json.decode('{"Industry": "Piracy", "Nope": 1, "Name": "A"}'))
    assert.same({ "INVALID_FIELD" }, codes(errs))
    _, errs = st:insert("Account", json.decode('{"AnnualRevenue": "x", "Nope": 1}'))
    assert.same({ "JSON_PARSER_ERROR" }, codes(errs))
  end)

  it("reports every bad value at once", function()
    local _, errs = st:insert("Account", { Name = ("x"):rep(300), Industry = "Piracy" })
    table.sort(errs, function(a, b) return a.errorCode < b.errorCode end)
    assert.same({ "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "STRING_TOO_LONG" }, codes(errs))
  end)

  it("refuses a reference to a deleted record", function()
    assert(st:delete("Account", acc))
    local _, errs = st:insert("Contact", { LastName = "A", AccountId = acc })
    assert.same({ "ENTITY_IS_DELETED" }, codes(errs))
  end)

  it("accepts field names in any case", function()
    local id = assert(st:insert("Contact", { lastname = "Low", ACCOUNTID = acc }))
    assert.equal(acc, st:get("Contact", id).AccountId)
  end)

  it("resolves a parent named by its external id", function()
    local sch = assert(schema.load { objects = {
      { name = "User", keyPrefix = "005", hasOwner = false, fields = { { name = "Username", type = "string" } } },
      { name = "Team__c", keyPrefix = "a07", fields = { { name = "Code__c", type = "string", externalId = true },
        { name = "Name", type = "string" } } },
      { name = "Player__c", keyPrefix = "a08", fields = { { name = "Team__c", type = "reference",
        referenceTo = { "Team__c" }, childRelationshipName = "Players__r" } } },
    } })
    local s = Store.new { schema = sch, clock = manual_clock() }
    local t1 = assert(s:insert("Team__c", { Code__c = "RED", Name = "Reds" }))
    assert(s:insert("Team__c", { Code__c = "TWIN", Name = "One" }))
    assert(s:insert("Team__c", { Code__c = "twin", Name = "Two" }))
    local p = assert(s:insert("Player__c", { Team__r = { attributes = { type = "Team__c" }, Code__c = "red" } }))
    assert.equal(t1, s:get("Player__c", p).Team__c)
    -- { body's parent, errorCode }
    for _, row in ipairs {
      { { Code__c = "BLUE" }, "INVALID_FIELD" },
      { { Code__c = "TWIN" }, "INVALID_FIELD" },
      { { Name = "Reds" }, "INVALID_FIELD" },
    } do
      local id, errs = s:insert("Player__c", { Team__r = row[1] })
      assert.is_nil(id)
      assert.equal(row[2], errs[1].errorCode)
    end
  end)

  it("format_auto writes an auto number in its format", function()
    assert.equal("INV-0007", rules.format_auto("INV-{0000}", 7))
    assert.equal("A-12345", rules.format_auto("A-{00}", 12345))
    assert.equal("3-{0}", rules.format_auto("{0}-{0}", 3)) -- the first placeholder only
  end)

  it("error and invalid_type make Salesforce's error entries", function()
    assert.same({ errorCode = "NOT_FOUND", message = "gone", fields = {}, status = 404 },
      rules.error("NOT_FOUND", "gone", nil, 404))
    assert.same({ errorCode = "INVALID_TYPE", message = "sObject type 'Bogus' is not supported.", fields = {},
      status = 400 }, rules.invalid_type("Bogus"))
  end)
end)
