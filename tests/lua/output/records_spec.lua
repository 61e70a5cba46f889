-- luaforce.output.records: the keys, cleaning and flattening every writer
-- relies on.
local records = require "luaforce.output.records"
local json = require "luaforce.json"

local null = json.null

local function decode(text) return assert(json.decode(text)) end

local CONTACT = [[{"attributes":{"type":"Contact","url":"/c/1"},"Name":"Ada","Id":"003A",
  "Account":{"attributes":{"type":"Account"},"Name":"Acme","Owner":{"attributes":{},"Name":"Bo"}},
  "Email":null,"Tasks":{"totalSize":2,"done":true,"records":[{"attributes":{"type":"Task"},"Subject":"x"},
  {"attributes":{"type":"Task"},"Subject":"y"}]}}]]

describe("records.keys", function()
  it("lists a decoded object's keys in their order", function()
    assert.same({ "b", "a", "c" }, records.keys(decode('{"b":1,"a":2,"c":null}')))
  end)

  it("follows the recorded order of json.object, then added keys sorted", function()
    local t = json.object({ z = 1, y = 2 }, { "z", "y" })
    t.b, t.a = 3, 4
    assert.same({ "z", "y", "a", "b" }, records.keys(t))
  end)

  it("leaves out keys removed since decoding", function()
    local t = decode('{"b":1,"a":2,"c":3}')
    t.a = nil
    t.d = 4
    assert.same({ "b", "c", "d" }, records.keys(t))
  end)

  it("sorts a plain table's string keys", function()
    assert.same({ "Amount", "Name", "id" }, records.keys { Name = "x", id = 1, Amount = 2, [1] = "list part" })
  end)

  it("gives each object of one shape its own presence", function()
    local list = decode('[{"a":1,"b":2},{"a":3,"b":4}]')
    list[2].b = nil
    assert.same({ "a", "b" }, records.keys(list[1]))
    assert.same({ "a" }, records.keys(list[2]))
  end)
end)

describe("records.value", function()
  it("gives json.null for a listed field that holds nothing", function()
    local t = decode('{"a":null,"b":1}')
    assert.equal(null, records.value(t, "a"))
    assert.equal(1, records.value(t, "b"))
    assert.equal(null, records.value({}, "missing"))
  end)
end)

describe("records.clean", function()
  it("drops attributes at every depth and keeps the key order", function()
    local rec = decode(CONTACT)
    local out = records.clean(rec)
    assert.equal('{"Name":"Ada","Id":"003A","Account":{"Name":"Acme","Owner":{"Name":"Bo"}},"Email":null,'
      .. '"Tasks":{"totalSize":2,"done":true,"records":[{"Subject":"x"},{"Subject":"y"}]}}', json.encode(out))
  end)

  it("does not change the record it was given", function()
    local rec = decode(CONTACT)
    records.clean(rec)
    assert.equal("Contact", rec.attributes.type)
    assert.equal("Task", rec.Tasks.records[1].attributes.type)
  end)

  it("keeps an empty list a list and an empty object an object", function()
    assert.equal('{"a":[],"b":{}}', json.encode(records.clean(decode('{"a":[],"b":{}}'))))
    assert.equal('[[1,2],{"x":1}]', json.encode(records.clean { { 1, 2 }, { x = 1, attributes = {} } }))
  end)

  it("keeps keys added to a decoded record, sorted after the others", function()
    local rec = decode('{"attributes":{},"b":1,"a":2}')
    rec.z, rec.c = 3, 4
    assert.equal('{"b":1,"a":2,"c":4,"z":3}', json.encode(records.clean(rec)))
  end)

  it("passes scalars through", function()
    assert.equal(5, records.clean(5))
    assert.equal(null, records.clean(null))
    assert.is_nil(records.clean(nil))
  end)
end)

describe("records.flatten", function()
  it("names nested relationships with dots and keeps a child result whole", function()
    local map, names = records.flatten(decode(CONTACT))
    assert.same({ "Name", "Id", "Account.Name", "Account.Owner.Name", "Email", "Tasks" }, names)
    assert.equal("Bo", map["Account.Owner.Name"])
    assert.equal(null, map.Email)
    assert.equal(2, map.Tasks.totalSize)
  end)

  it("keeps a null relationship as one null column", function()
    local map, names = records.flatten(decode('{"Name":"x","Account":null}'))
    assert.same({ "Name", "Account" }, names)
    assert.equal(null, map.Account)
  end)

  it("looks given columns up in any case, nil past a null relationship", function()
    local rec = decode('{"Name":"x","Account":{"Name":"Acme"},"Parent":null}')
    local map, names = records.flatten(rec, { "name", "ACCOUNT.name", "Parent.Name", "Missing" })
    assert.same({ "name", "ACCOUNT.name", "Parent.Name", "Missing" }, names)
    assert.equal("x", map.name)
    assert.equal("Acme", map["ACCOUNT.name"])
    assert.is_nil(map["Parent.Name"])
    assert.is_nil(map.Missing)
  end)

  it("flattens a value that is not an object into one column", function()
    local map, names = records.flatten(42)
    assert.same({ "value" }, names)
    assert.equal(42, map.value)
  end)
end)

describe("records.columns", function()
  it("is the union of the rows' names in the order first seen", function()
    local rows = decode('[{"A":1,"B":2},{"C":3,"A":4}]')
    assert.same({ "A", "B", "C" }, records.columns(rows))
  end)

  it("shows a relationship by its fields when one row has them", function()
    local rows = decode('[{"Name":"a","Account":null},{"Name":"b","Account":{"Name":"Acme"}}]')
    assert.same({ "Name", "Account.Name" }, records.columns(rows))
  end)
end)

describe("records.is_list, is_map, is_child", function()
  it("tells lists, objects and child results apart", function()
    assert.is_true(records.is_list(json.array {}))
    assert.is_true(records.is_list { 1, 2 })
    assert.is_false(records.is_list(json.object {}))
    assert.is_true(records.is_map(json.object {}))
    assert.is_true(records.is_map { a = 1 })
    assert.is_false(records.is_map { 1 })
    assert.is_true(records.is_child(decode('{"totalSize":1,"done":true,"records":[{}]}')))
    assert.is_false(records.is_child(decode('{"records":[]}')))
  end)
end)
