-- luaforce.emulator.soql_exec.column_metadata: the `?columns=true` answer
-- the Salesforce CLI reads.
local json = require "luaforce.json"
local exec = require "luaforce.emulator.soql_exec"
local org = require "support.soql_org"
local st = org.store

describe("luaforce.emulator.soql_exec.column_metadata", function()
  it("describes the select list as the Salesforce CLI expects", function()
    local body = assert(exec.columns(st, "SELECT Id, Name, Account.Name, Account.Owner.Email,"
      .. " (SELECT Subject FROM Cases) FROM Contact"))
    assert.equal("Contact", body.entityName)
    assert.equal("003", body.keyPrefix)
    assert.is_true(body.idSelected)
    assert.is_false(body.groupBy)
    local cols = body.columnMetadata
    assert.same({ "Id", "Name", "Account", "Cases" },
      { cols[1].columnName, cols[2].columnName, cols[3].columnName, cols[4].columnName })
    assert.equal("Id", cols[1].apexType)
    assert.is_false(cols[1].insertable)
    assert.is_true(cols[2].textType)
    assert.same({ "Name", "Owner" }, { cols[3].joinColumns[1].columnName, cols[3].joinColumns[2].columnName })
    assert.equal("Account.Owner.Email", cols[3].joinColumns[2].joinColumns[1].displayName)
    assert.is_true(cols[4].aggregate)
    assert.equal("Subject", cols[4].joinColumns[1].columnName)
    local text = assert(json.encode(body))
    assert.truthy(text:find('"foreignKeyName":null', 1, true))
    assert.truthy(text:find('"joinColumns":[]', 1, true))

    body = assert(exec.columns(st, "SELECT Industry, COUNT(Id) n FROM Account GROUP BY Industry"))
    assert.is_true(body.groupBy)
    assert.same({ "Industry", "n" }, { body.columnMetadata[1].columnName, body.columnMetadata[2].columnName })
    assert.is_true(body.columnMetadata[2].aggregate)
    assert.equal("Integer", body.columnMetadata[2].apexType)

    local _, err = exec.columns(st, "SELECT Nope FROM Account")
    assert.equal("INVALID_FIELD", err.errorCode)
  end)
end)
