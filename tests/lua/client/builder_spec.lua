-- The client takes SOQL builders wherever it takes SOQL text (issue 7).
local emulator = require "luaforce.emulator"
local client = require "luaforce.client"
local soql = require "luaforce.soql"

describe("client with luaforce.soql builders", function()
  local emu, org
  setup(function()
    emu = assert(emulator.start { empty = true, data = { Account = {
      { Name = "O'Brien & Sons" }, { Name = "O'Hara Ltd" }, { Name = "Olsen" }, { Name = "Back\\slash Co" } } } })
    org = assert(client.connect { instance_url = emu.url, access_token = emu.token })
  end)
  teardown(function() emu:stop() end)

  local q = soql.select { "Id", "Name" }:from("Account"):where { Name = { ["$like"] = soql.starts_with("O'") } }
    :order_by("Name")

  it("query, records and fetch_all accept a builder", function()
    local page = assert(org:query(q))
    assert.equal(2, #page.body.records)
    local names = {}
    for r in org:records(q) do names[#names + 1] = r.Name end
    assert.same({ "O'Brien & Sons", "O'Hara Ltd" }, names)
    assert.equal(2, #assert(org:fetch_all(q)))
  end)

  it("finds a value ending in a backslash, which text pasting breaks", function()
    local exact = soql.select { "Name" }:from("Account"):where { Name = "Back\\slash Co" }
    assert.equal("Back\\slash Co", assert(org:query(exact)).body.records[1].Name)
  end)
end)
