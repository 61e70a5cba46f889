-- luaforce.cli.update in process against the local org: the fields given
-- change, the others stay, an unquoted null clears one; {id, success}
-- printed for Salesforce's empty answer.
local update = require "luaforce.cli.update"
local cli_run = require "support.cli_run"

describe("luaforce update", function()
  local id
  setup(function()
    id = cli_run.org():create("Account", { Name = "Before", Phone = "555-0100", Industry = "Energy" }).body.id
  end)

  it("takes OBJECT and ID and needs the fields", function()
    assert.equal(2, cli_run.run(update, { "Account", "--values", "Name=x" }).code)
    local r = cli_run.run(update, { "Account", id })
    assert.equal(2, r.code)
    assert.matches("^no fields given", tostring(r.err))
  end)

  it("changes the fields given and prints {id, success}", function()
    local r = cli_run.run(update, { "Account", id, "--values", "Name=After Phone=null", "--format", "json" })
    assert.equal(0, r.code, tostring(r.err))
    assert.equal(('{"id":"%s","success":true}\n'):format(id), r.out)
    local rec = cli_run.org():get("Account", id).body
    assert.equal("After", rec.Name)
    assert.is_nil(rec.Phone)
    assert.equal("Energy", rec.Industry)
  end)

  it("refuses a malformed id, exit 2, before anything is sent", function()
    local r = cli_run.run(update, { "Account", "001xyz", "--values", "Name=x", "--instance", "http://127.0.0.1:1",
      "--token", "t" })
    assert.equal(2, r.code)
    assert.matches("is no record id", tostring(r.err))
  end)
end)
