-- luaforce.client.child_lists, and null fields as a script meets them: a
-- record from the client reads a null field as nil and a null child
-- subquery as an empty result, while json.encode, json.isnull, FEEL and the
-- writers still see the null Salesforce sent.
local child_lists = require "luaforce.client.child_lists"
local json = require "luaforce.json"
local feel = require "luaforce.feel"
local output = require "luaforce.output"
local local_org = require "support.local_org"

describe("child_lists.relationships", function()
  it("names the child subqueries of a query, and nothing else", function()
    assert.same({ contacts = true, opportunities = true }, child_lists.relationships(
      "SELECT Name, (SELECT LastName FROM Contacts), (select Name from Opportunities) FROM Account"))
    assert.is_nil(child_lists.relationships("SELECT Id FROM Account"))
    assert.is_nil(child_lists.relationships("SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account)"))
    assert.is_nil(child_lists.relationships("SELECT Id, (SELECT FROM) FROM"))  -- does not parse
  end)
end)

describe("child_lists.apply", function()
  local text = '[{"Name":"A","Contacts":null,"Email":null},{"Name":"B","Contacts":{"totalSize":1,'
    .. '"done":true,"records":[{"LastName":"X"}]},"Email":"b@example.com"}]'

  it("gives a null child list an empty result at each read, and changes nothing else", function()
    local list = child_lists.apply(json.decode(text, { null_as_nil = true }), { contacts = true })
    local a, b = list[1], list[2]
    assert.are.equal(0, #a.Contacts.records)
    assert.are.equal(0, a.Contacts.totalSize)
    assert.is_true(a.Contacts.done)
    assert.is_nil(rawget(a, "Contacts"))
    assert.is_true(json.isnull(a, "Contacts"))
    assert.is_nil(a.Email) -- not a child relationship: plain nil
    assert.are.equal(1, #b.Contacts.records)
    assert.are.equal(text, json.encode(list))
    -- a stand-in changed is a stand-in lost: the record is not changed
    table.insert(a.Contacts.records, {})
    a.Contacts.totalSize = 3
    assert.are.equal(0, #a.Contacts.records)
    assert.are.equal(text, json.encode(list))
    assert.are.equal('{"totalSize":0,"done":true,"records":[]}', json.encode(a.Contacts))
  end)

  it("leaves records alone when the query has no child subquery", function()
    local list = json.decode(text, { null_as_nil = true })
    local mt = getmetatable(list[1])
    child_lists.apply(list, nil)
    assert.are.equal(mt, getmetatable(list[1]))
    assert.is_nil(list[1].Contacts)
  end)
end)

describe("null fields from the client", function()
  local emu, org
  setup(function() emu, org = local_org.start {} end)
  teardown(function() emu:stop() end)

  local SOQL = "SELECT Name, Phone, (SELECT LastName FROM Contacts) FROM Account ORDER BY Name"

  -- an account of the demo org without contacts, and one with
  local function accounts(list)
    local empty, full
    for _, rec in ipairs(list) do
      if rawget(rec, "Contacts") == nil then empty = empty or rec else full = full or rec end
    end
    return assert(empty, "the demo org has an account without contacts"), assert(full)
  end

  it("org:records: #rec.Contacts.records is 0 for an account without contacts", function()
    local n, total = 0, 0
    for rec in org:records(SOQL) do
      n = n + 1
      total = total + #rec.Contacts.records
    end
    assert.is_true(n > 0 and total > 0)
    local empty = accounts(assert(org:fetch_all(SOQL)))
    assert.are.equal(0, #empty.Contacts.records)
    assert.matches('"Contacts":null', json.encode(empty), 1, true)
  end)

  it("org:query: the same, and FEEL and the writers see the null", function()
    local res = assert(org:query(SOQL))
    local empty = accounts(res.body.records)
    assert.are.equal(0, #empty.Contacts.records)
    local v, warnings = feel.eval("r.Contacts = null and r.Name != null", { r = empty })
    assert.same({}, warnings) -- a null entry, not a missing one
    assert.is_true(v)
    v = feel.eval("get entries(r).key", { r = empty })
    assert.same({ "attributes", "Name", "Phone", "Contacts" }, v)
    _, warnings = feel.eval("r.Nothing", { r = empty })
    assert.are.equal("NO_CONTEXT_ENTRY_FOUND", warnings[1].type) -- an absent field still warns
    local csv = output.csv({ empty }, { columns = { "Name", "Contacts" } })
    assert.are.equal("Name,Contacts\r\n" .. empty.Name .. ",\r\n", csv)
    assert.matches('"Contacts":null', output.ndjson({ empty }), 1, true)
  end)
end)
