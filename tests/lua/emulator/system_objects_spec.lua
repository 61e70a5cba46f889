-- luaforce.emulator.system_objects: the objects every org has, whatever its
-- schema (Organization, Profile), as Salesforce lets the API use them.
local app = require "luaforce.emulator.app"
local org = require "support.app_request"
local json = require "luaforce.json"

local request, query, V = org.request, org.query, org.V

describe("emulator system objects", function()
  before_each(function() org.setup() end)

  it("has the org's own record: one Organization, its id the org id, a production org", function()
    local r = query("SELECT Id, Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, "
      .. "OrganizationType FROM Organization")
    assert.equal(200, r.status)
    assert.equal(1, r.json.totalSize)
    local o = r.json.records[1]
    assert.equal(app.ORG_ID, o.Id)
    assert.equal("Luaforce Local", o.Name)
    assert.is_false(o.IsSandbox)
    assert.equal(json.null, o.TrialExpirationDate)
    assert.equal(json.null, o.NamespacePrefix)
    assert.equal("Enterprise Edition", o.OrganizationType)
  end)

  it("describes Organization as Salesforce does: queryable and updateable, not createable or deletable", function()
    local d = request("GET", V .. "/sobjects/Organization/describe").json
    assert.same({ false, true, false, true }, { d.createable, d.updateable, d.deletable, d.queryable })
    assert.equal("00D", d.keyPrefix)
    local a = request("GET", V .. "/sobjects/Account/describe").json
    assert.same({ true, true, true }, { a.createable, a.updateable, a.deletable })
  end)

  it("lets the API update the org's name but not create, delete or change read-only fields", function()
    local post = request("POST", V .. "/sobjects/Organization", { body = '{"Name":"Second"}' })
    assert.equal(405, post.status)
    assert.equal("GET,HEAD", post.h.allow)
    local path = V .. "/sobjects/Organization/" .. app.ORG_ID
    local del = request("DELETE", path)
    assert.equal(405, del.status)
    assert.equal("GET,HEAD,PATCH", del.h.allow)
    assert.equal(204, request("PATCH", path, { body = '{"Name":"Renamed Local"}' }).status)
    assert.equal("Renamed Local", request("GET", path).json.Name)
    local ro = request("PATCH", path, { body = '{"OrganizationType":"Developer Edition"}' })
    assert.equal(400, ro.status)
    assert.equal("INVALID_FIELD_FOR_INSERT_UPDATE", ro.json[1].errorCode)
    -- a collection create says why per record, and writes nothing
    local c = request("POST", V .. "/composite/sobjects", {
      body = '{"records":[{"attributes":{"type":"Organization"},"Name":"Third"}]}' })
    assert.equal(200, c.status)
    assert.equal("INVALID_TYPE_FOR_OPERATION", c.json[1].errors[1].statusCode)
    assert.equal(1, query("SELECT COUNT() FROM Organization").json.totalSize)
  end)

  it("has the standard profiles; the demo org's admin is a System Administrator", function()
    org.setup { empty = false }
    local r = query("SELECT Name FROM Profile WHERE Id IN (SELECT ProfileId FROM User "
      .. "WHERE Username = 'admin@luaforce.local')")
    assert.equal(200, r.status)
    assert.equal("System Administrator", r.json.records[1].Name)
    assert.equal(3, query("SELECT COUNT() FROM Profile").json.totalSize)
  end)

  it("describes every field of an object the API cannot write as not writable", function()
    local d = request("GET", V .. "/sobjects/Profile/describe").json
    for _, f in ipairs(d.fields) do
      assert.is_false(f.createable, f.name)
      assert.is_false(f.updateable, f.name)
    end
    local o = request("GET", V .. "/sobjects/Organization/describe").json
    local name
    for _, f in ipairs(o.fields) do if f.name == "Name" then name = f end end
    assert.same({ false, true }, { name.createable, name.updateable })
    -- an upsert by Id on an object that can neither be created nor updated: 405, like PATCH
    local p = request("PATCH", V .. "/sobjects/Profile/Id/00eLOCAL0000001AAA", { body = '{"Name":"X"}' })
    assert.equal(405, p.status)
  end)

  it("leaves a schema's own Organization or Profile to the schema, empty like its other objects", function()
    local own = org.write(json.encode { objects = {
      { name = "Organization", keyPrefix = "00D", hasOwner = false, fields = {
        { name = "Name", type = "string", length = 80 } } },
      { name = "Thing__c", keyPrefix = "00e", fields = { { name = "Name", type = "string" } } },
    } })
    local the_org = org.setup { schema = own, data_inline = {} }
    os.remove(own)
    assert.is_nil(the_org.schema:object("Profile")) -- its key prefix is Thing__c's
    assert.equal(0, query("SELECT COUNT() FROM Organization").json.totalSize)
    assert.equal(201, request("POST", V .. "/sobjects/Organization", { body = '{"Name":"Mine"}' }).status)
  end)

  it("gives an Organization record of the data without an Id the org's id", function()
    org.setup { data_inline = { Organization = { { Name = "From Data", OrganizationType = "Developer Edition" } } } }
    local r = query("SELECT Id, Name, OrganizationType FROM Organization")
    assert.equal(1, r.json.totalSize)
    assert.same({ app.ORG_ID, "From Data", "Developer Edition" },
      { r.json.records[1].Id, r.json.records[1].Name, r.json.records[1].OrganizationType })
  end)

  it("comes back after a reset, and with --empty", function()
    org.setup { empty = true }
    request("PATCH", V .. "/sobjects/Organization/" .. app.ORG_ID, { body = '{"Name":"Changed"}' })
    app.control("reset", "")
    assert.equal("Luaforce Local", query("SELECT Name FROM Organization").json.records[1].Name)
  end)
end)
