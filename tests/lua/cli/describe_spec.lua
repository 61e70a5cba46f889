-- luaforce.cli.describe in process against the local org: the objects, an
-- object's fields as rows a person reads (type, length, nillable, what a
-- lookup points to), and --full for the whole answer.
local describe_cmd = require "luaforce.cli.describe"
local json = require "luaforce.json"
local cli_run = require "support.cli_run"

local function csv_rows(text)
  local rows = {}
  for line in text:gmatch("([^\r\n]*)\r\n") do rows[#rows + 1] = line end
  return rows
end

describe("luaforce describe", function()

  it("takes at most one OBJECT", function()
    local r = cli_run.run(describe_cmd, { "Account", "Contact" })
    assert.equal(2, r.code)
    assert.matches("^unexpected argument 'Contact'", tostring(r.err))
  end)

  it("lists the objects: name, label, key prefix, flags", function()
    local r = cli_run.run(describe_cmd, { "--format", "csv" })
    assert.equal(0, r.code, tostring(r.err))
    local rows = csv_rows(r.out)
    assert.equal("name,label,prefix,flags", rows[1])
    assert.equal(#cli_run.org():describe_global().sobjects + 1, #rows)
    assert.truthy(r.out:find("\r\nAccount,Account,001,query create update delete\r\n", 1, true))
    assert.truthy(r.out:find("\r\nInvoice__c,Invoice,a01,custom query create update delete\r\n", 1, true))
  end)

  it("lists an object's fields: flags, where each lookup points, picklist values", function()
    local r = cli_run.run(describe_cmd, { "Contact", "--format", "csv" })
    assert.equal(0, r.code, tostring(r.err))
    local rows = csv_rows(r.out)
    assert.equal("name,type,label,flags,ref,values", rows[1])
    assert.equal(#cli_run.org():describe("Contact").fields + 1, #rows)
    for _, line in ipairs {
      "Id,id,Contact ID,read-only,,",
      "AccountId,reference,Account ID,create update,Account via Account,",
      "ReportsToId,reference,Reports To ID,create update,Contact via ReportsTo,",
      "Email,email(80),Email,create update,,", -- a text field's length in its type
      "Birthdate,date,Birthdate,create update,,",
      -- every value in a file; a table shows the first few
      'LeadSource,picklist,Lead Source,create update,,"Web, Phone Inquiry, Partner Referral, Purchased List, Other"',
    } do
      assert.truthy(r.out:find("\r\n" .. line .. "\r\n", 1, true), line)
    end
  end)

  it("--full prints Salesforce's whole answer", function()
    local r = cli_run.run(describe_cmd, { "Contact", "--full", "--format", "json" })
    assert.equal(0, r.code, tostring(r.err))
    local d = json.decode(r.out)
    assert.equal("Contact", d.name)
    assert.equal(#cli_run.org():describe("Contact").fields, #d.fields)
    assert.is_true(json.is_array(d.childRelationships))
    r = cli_run.run(describe_cmd, { "--full", "--format", "json" })
    assert.is_true(json.is_array(json.decode(r.out).sobjects))
  end)

  it("names the object meant for a misspelt one, exit 2", function()
    local r = cli_run.run(describe_cmd, { "Contcat" })
    assert.equal(2, r.code)
    assert.equal("INVALID_TYPE: sObject type 'Contcat' is not supported (did you mean Contact?)", tostring(r.err))
  end)
end)
