-- luaforce.client.checks: names and ids checked before anything is sent,
-- raised as usage errors (check_*) or answered as the 400 Salesforce would
-- send (invalid), and what counts as SOQL text.
local client = require "luaforce.client"
local checks = require "luaforce.client.checks"
local ids = require "luaforce.client.ids"
local soql = require "luaforce.soql"

describe("client validation", function()
  it("knows the checksum of 18-character ids", function()
    local pairs_ = {
      { "001D000000IRFma", "001D000000IRFmaIAH" }, { "001R0000005hDFY", "001R0000005hDFYIA2" },
      { "003D000000OY9om", "003D000000OY9omIAD" }, { "005D0000001KyEI", "005D0000001KyEIIA0" },
    }
    for _, p in ipairs(pairs_) do
      assert.are.equal(p[2], ids.to18(p[1]))
      assert.are.equal(p[2], client.check_id(p[2]))
      assert.are.equal(p[2], ids.to18(p[2]:lower())) -- the suffix restores case
    end
  end)

  it("refuses malformed ids, object and field names with usage errors", function()
    local bad_ids = { "001D000000IRFmaIAA", "001D000000IRFm", "001D000000IRFma!!!", "001D000000IRFmaI", "", 42 }
    for _, id in ipairs(bad_ids) do
      local ok, err = pcall(client.check_id, id)
      assert.is_false(ok, tostring(id))
      assert.are.equal(2, err.exit)
    end
    for _, name in ipairs { "Account", "Invoice__c", "ns__Thing__c", "Account_Name__c", "Contact" } do
      assert.are.equal(name, client.check_object(name))
      assert.are.equal(name, client.check_field(name))
    end
    for _, name in ipairs { "", "1Account", "Account/../x", "Acc ount", "Account_", "a___b", "a__b__c__d", "Ac%2F" } do
      assert.is_false(pcall(client.check_object, name), name)
      assert.is_false(pcall(client.check_field, name), name)
    end
  end)
end)


describe("checks.invalid", function()
  local request = { method = "POST", path = "/services/data/v62.0/composite/sobjects" }

  it("answers bad values from data as Salesforce's 400, naming the element", function()
    assert.is_nil(checks.invalid("object", "Account", request))
    local e = checks.invalid("object", "Acc ount", request, "object")
    assert.are.equal("INVALID_TYPE", e.error_code)
    assert.are.equal(2, e.exit)
    assert.matches("^object: 'Acc ount' is no object API name", e.message)
    e = checks.invalid("field", "Bad Field", request, "field 2")
    assert.are.equal("INVALID_FIELD", e.error_code)
    assert.same({ "Bad Field" }, e.fields)
    e = checks.invalid("id", "001D000000IRFmaIAA", request, "record 7")
    assert.are.equal("MALFORMED_ID", e.error_code)
    assert.matches("^record 7: '001D000000IRFmaIAA' is no record id", e.message)
    assert.same(request, e.request)
  end)

  it("takes SOQL as text or as a builder query, nothing else", function()
    assert.are.equal("SELECT Id FROM Account", checks.soql_text("SELECT Id FROM Account"))
    assert.are.equal("SELECT Id FROM Account", checks.soql_text(soql.select { "Id" }:from("Account")))
    assert.is_nil(checks.soql_text(42))
    assert.is_nil(checks.soql_text({}))
  end)
end)
