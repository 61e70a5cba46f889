-- luaforce.cli.delete in process against the local org: {id, success}
-- printed, and a second delete of the same record fails with exit 1.
local delete = require "luaforce.cli.delete"
local cli_run = require "support.cli_run"

describe("luaforce delete", function()

  it("takes OBJECT and ID", function()
    local r = cli_run.run(delete, { "001000000000001AAA" })
    assert.equal(2, r.code)
    assert.equal("missing argument: OBJECT ID (usage: luaforce delete [OPTIONS] OBJECT ID)", tostring(r.err))
  end)

  it("deletes, prints {id, success}; the record is gone and a second delete exits 1", function()
    local id = cli_run.org():create("Account", { Name = "Short-lived" }).body.id
    local r = cli_run.run(delete, { "Account", id, "--format", "json" })
    assert.equal(0, r.code, tostring(r.err))
    assert.equal(('{"id":"%s","success":true}\n'):format(id), r.out)
    assert.equal(404, select(2, cli_run.org():get("Account", id)).status)
    r = cli_run.run(delete, { "Account", id, "--format", "json" })
    assert.equal(1, r.code)
    assert.truthy(r.err.code == "ENTITY_IS_DELETED" or r.err.code == "NOT_FOUND", tostring(r.err))
    assert.equal("", r.out)
  end)

  it("names the object meant for a misspelt one, exit 2", function()
    local r = cli_run.run(delete, { "Acount", "001000000000001AAA" })
    assert.equal(2, r.code)
    assert.equal("INVALID_TYPE: sObject type 'Acount' is not supported (did you mean Account?)", tostring(r.err))
  end)
end)
