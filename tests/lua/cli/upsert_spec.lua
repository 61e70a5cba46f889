-- luaforce.cli.upsert in process against the local org: keyed by an
-- external id, created the first time and updated the next; the fields
-- are optional.
local upsert = require "luaforce.cli.upsert"
local json = require "luaforce.json"
local cli_run = require "support.cli_run"

describe("luaforce upsert", function()

  it("takes OBJECT, FIELD and VALUE", function()
    local r = cli_run.run(upsert, { "Invoice__c", "External_Id__c" })
    assert.equal(2, r.code)
    assert.equal("missing argument: OBJECT FIELD VALUE (usage: luaforce upsert [OPTIONS] OBJECT FIELD VALUE "
      .. "[--values 'F=V ...' | --json JSON|@FILE])", tostring(r.err))
  end)

  it("creates with only the key, then updates the same record", function()
    local r = cli_run.run(upsert, { "Invoice__c", "External_Id__c", "SPEC-1", "--format", "json" })
    assert.equal(0, r.code, tostring(r.err))
    local first = json.decode(r.out)
    assert.is_true(first.success)
    assert.is_true(first.created)
    r = cli_run.run(upsert, { "Invoice__c", "External_Id__c", "SPEC-1", "--values", "Amount__c=12.5 Status__c=Sent",
      "--format", "json" })
    assert.equal(0, r.code, tostring(r.err))
    local second = json.decode(r.out)
    assert.is_false(second.created)
    assert.equal(first.id, second.id)
    local rec = cli_run.org():get("Invoice__c", first.id).body
    assert.equal("SPEC-1", rec.External_Id__c)
    assert.equal(12.5, rec.Amount__c)
    assert.equal("Sent", rec.Status__c)
  end)

  it("names the external id field meant, exit 2", function()
    local r = cli_run.run(upsert, { "Invoice__c", "External_Idc", "X", "--values", "Amount__c=1" })
    assert.equal(2, r.code)
    assert.matches("(did you mean External_Id__c?)", tostring(r.err), 1, true)
  end)
end)
