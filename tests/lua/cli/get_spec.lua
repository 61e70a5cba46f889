-- luaforce.cli.get in process against the local org: one record, some of
-- its fields, a related record or list; the id checked before anything is
-- sent. tests/e2e/cli_commands_spec.lua runs it as a process.
local get = require "luaforce.cli.get"
local json = require "luaforce.json"
local cli_run = require "support.cli_run"

describe("luaforce get", function()
  local acme
  setup(function()
    acme = cli_run.org():query("SELECT Id, Name, Industry, (SELECT Id FROM Contacts ORDER BY Id) FROM Account "
      .. "WHERE Name = 'Acme Industries'").body.records[1]
  end)

  it("takes OBJECT and ID, no more, no less", function()
    local r = cli_run.run(get, { "Account" })
    assert.equal(2, r.code)
    assert.equal("missing argument: OBJECT ID (usage: luaforce get [OPTIONS] OBJECT ID)", tostring(r.err))
    r = cli_run.run(get, { "Account", acme.Id, "Name" })
    assert.equal(2, r.code)
    assert.matches("^unexpected argument 'Name'", tostring(r.err))
  end)

  it("prints the fields asked for, in their order", function()
    local r = cli_run.run(get, { "Account", acme.Id, "--fields", "Industry,Name", "--format", "json" })
    assert.equal(0, r.code, tostring(r.err))
    assert.equal(('{"Industry":%s,"Name":%s}\n'):format(json.encode(acme.Industry), json.encode(acme.Name)), r.out)
  end)

  it("prints a child relationship as records, one row each", function()
    local r = cli_run.run(get, { "Account", acme.Id, "--relationship", "Contacts", "--format", "csv" })
    assert.equal(0, r.code, tostring(r.err))
    local ids = {}
    for id in r.out:gmatch("\r\n(003%w+),") do ids[#ids + 1] = id end
    assert.matches("^Id,", r.out)
    assert.is_true(#acme.Contacts.records > 1)
    assert.equal(#acme.Contacts.records, #ids)
  end)

  it("prints a lookup's record as one value", function()
    local contact = acme.Contacts.records[1].Id
    local r = cli_run.run(get, { "Contact", contact, "--relationship", "Account", "--format", "json" })
    assert.equal(0, r.code, tostring(r.err))
    local rec = json.decode(r.out)
    assert.is_true(json.is_object(rec))
    assert.equal(acme.Id, rec.Id)
  end)

  it("refuses a malformed id before connecting, exit 2", function()
    local r = cli_run.run(get, { "Account", "001xyz", "--instance", "http://127.0.0.1:1", "--token", "t" })
    assert.equal(2, r.code)
    assert.equal("'001xyz' is no record id: an id has 15 or 18 characters, not 6", tostring(r.err))
  end)

  it("a record that does not exist is NOT_FOUND, exit 1, nothing printed", function()
    local r = cli_run.run(get, { "Account", "001000000000001AAA" })
    assert.equal(1, r.code)
    -- the plain local org says how to keep records between commands
    assert.equal("NOT_FOUND: The requested resource does not exist (each command starts a fresh local org: "
      .. "--instance local:NAME keeps its records between commands)", tostring(r.err))
    assert.equal("", r.out)
  end)
end)
