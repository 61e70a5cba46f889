-- luaforce.cli.create in process against the local org: the fields from
-- --values (typed by the object's describe) or --json, Salesforce's answer
-- printed. tests/e2e/cli_commands_spec.lua runs it as a process, with the
-- coercion rows; tests/lua/cli/records_spec.lua has the option rules.
local create = require "luaforce.cli.create"
local json = require "luaforce.json"
local cli_run = require "support.cli_run"

describe("luaforce create", function()

  local function created(r)
    assert.equal(0, r.code, tostring(r.err))
    local res = json.decode(r.out)
    assert.matches("^001%w+$", res.id)
    assert.is_true(res.success)
    assert.same({}, res.errors)
    return cli_run.org():get("Account", res.id).body
  end

  it("takes one OBJECT", function()
    local r = cli_run.run(create, { "Account", "Contact", "--values", "Name=x" })
    assert.equal(2, r.code)
    assert.matches("^unexpected argument 'Contact'", tostring(r.err))
    assert.equal(2, cli_run.run(create, { "--values", "Name=x" }).code)
  end)

  it("needs the fields", function()
    local r = cli_run.run(create, { "Account" })
    assert.equal(2, r.code)
    assert.matches("^no fields given", tostring(r.err))
    assert.equal("", r.out)
  end)

  it("creates from --values, each value of its field's type", function()
    local rec = created(cli_run.run(create, { "Account", "--values",
      [[Name="Zed Corp" NumberOfEmployees=120 AnnualRevenue=2500000 Phone=null]], "--format", "json" }))
    assert.equal("Zed Corp", rec.Name)
    assert.equal(120, rec.NumberOfEmployees)
    assert.equal("integer", math.type(rec.NumberOfEmployees))
    assert.equal(2500000, rec.AnnualRevenue)
    assert.is_nil(rec.Phone)
  end)

  it("creates from --json on standard input", function()
    local rec = created(cli_run.run(create, { "Account", "--json", "@-", "--format", "json" },
      '{"Name": "From stdin", "Industry": "Energy"}'))
    assert.equal("From stdin", rec.Name)
    assert.equal("Energy", rec.Industry)
  end)

  it("names the field meant for a misspelt one, exit 2, nothing created", function()
    local before = cli_run.org():query("SELECT COUNT() FROM Account").body.totalSize
    local r = cli_run.run(create, { "Account", "--values", "Nmae=x" })
    assert.equal(2, r.code)
    assert.equal("INVALID_FIELD: No such column 'Nmae' on sobject of type Account (did you mean Name?)", tostring(r.err))
    assert.equal(before, cli_run.org():query("SELECT COUNT() FROM Account").body.totalSize)
  end)
end)
