-- luaforce.emulator.snapshot: a store written out and read back is the same
-- store: every row (deleted ones too) field for field, in the same order,
-- and the next id and auto number the same as without the round trip; a
-- text that is not a saved store is refused with the reason.
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local seed = require "luaforce.emulator.seed"
local snapshot = require "luaforce.emulator.snapshot"
local fixture = require "support.store_fixture"

-- The demo org with a history: creates, updates, deletes, an auto number,
-- a currency no double holds.
local function busy_store()
  local st, clock = fixture.new_store()
  assert(st:load(seed.generate(st.schema, { seed = 3, now = clock.now() })))
  clock.t = clock.t + 60000
  local acme = assert(st:insert("Account", { Name = "Acme" }))
  assert(st:insert("Opportunity", { Name = "Big", StageName = "Prospecting", CloseDate = "2024-06-30",
    Amount = "1234567890123456.78" }))
  assert(st:insert("Case", { Subject = "Broken", AccountId = acme }))
  local gone = assert(st:insert("Account", { Name = "Gone" }))
  assert(st:update("Account", acme, { Description = "changed", NumberOfEmployees = 12 }))
  assert(st:delete("Account", gone))
  return st, clock, acme, gone
end

local function ids_of(rows)
  local out = {}
  for i, r in ipairs(rows) do out[i] = r.Id end
  return out
end

local function restored(text)
  local st = fixture.new_store()
  assert(snapshot.restore(st, text))
  return st
end

describe("emulator.snapshot", function()
  it("gives back every row, deleted ones too, field for field and in order", function()
    local st = busy_store()
    local back = restored(assert(snapshot.encode(st)))
    local rows = 0
    for name, t in pairs(st.tables) do
      local other = back.tables[name]
      assert.same(ids_of(t.all), ids_of(other.all))
      assert.same(ids_of(t.live), ids_of(other.live))
      for i, row in ipairs(t.all) do
        -- json.encode tells 12 from 12.0 and keeps every digit of a decimal
        assert.equal(json.encode(row), json.encode(other.all[i]))
        rows = rows + 1
      end
    end
    assert.is_true(rows > 700)
    local big
    for _, o in ipairs(back:all("Opportunity")) do if o.Name == "Big" then big = o end end
    assert.is_true(decimal.is(big.Amount))
    assert.equal("1234567890123456.78", big.Amount:tostring())
    assert.equal("integer", math.type(back:find_by("Account", "Name", "Acme")[1].NumberOfEmployees))
  end)

  it("keeps the recycle bin: a deleted record is found among all rows, not the live ones", function()
    local st, _, _, gone = busy_store()
    local back = restored(assert(snapshot.encode(st)))
    local row, err = back:get("Account", gone)
    assert.is_nil(row)
    assert.equal("ENTITY_IS_DELETED", err.errorCode)
    assert.is_true(back:find(gone).IsDeleted)
  end)

  it("mints the id and auto number the store would have minted without the round trip", function()
    local st = busy_store()
    local back = restored(assert(snapshot.encode(st)))
    local a1 = assert(st:insert("Account", { Name = "Next" }))
    local a2 = assert(back:insert("Account", { Name = "Next" }))
    assert.equal(a1, a2)
    local c1 = assert(st:insert("Case", { Subject = "Next" }))
    local c2 = assert(back:insert("Case", { Subject = "Next" }))
    assert.equal(c1, c2)
    assert.equal(st:get("Case", c1).CaseNumber, back:get("Case", c2).CaseNumber)
  end)

  it("never mints an id a row holds, even when the counters say less", function()
    local st = busy_store()
    local doc = json.decode(assert(snapshot.encode(st)))
    doc.objects.Account.minted = 0
    local back = restored(assert(json.encode(doc)))
    local id = assert(back:insert("Account", { Name = "Fresh" }))
    assert.is_nil(st:find(id))
  end)

  it("makes the restored records what reset() returns to", function()
    local st = busy_store()
    local back = restored(assert(snapshot.encode(st)))
    local n = #back:all("Account")
    assert(back:insert("Account", { Name = "Later" }))
    back:reset()
    assert.equal(n, #back:all("Account"))
    assert.equal(1, #back:find_by("Account", "Name", "Acme"))
  end)

  it("counts changes, so a caller knows when a saved copy is out of date", function()
    local st = fixture.new_store()
    local before = st.changes
    local id = assert(st:insert("Account", { Name = "A" }))
    assert(st:update("Account", id, { Name = "B" }))
    assert(st:delete("Account", id))
    assert.equal(before + 3, st.changes)
    st:reset()
    assert.equal(before + 4, st.changes)
  end)

  local good = [[{"format": "luaforce local org", "version": 1, "objects": {}, "records": []}]]
  local A = "001Lf0000000001IAA"
  local rows = {
    { "not JSON", "{", "not JSON" },
    { "another document", [[{"records": []}]], "not a luaforce local org state" },
    { "a later version", good:gsub('"version": 1', '"version": 2'), "state version 2, this luaforce reads version 1" },
    { "an unknown object", good:gsub('"objects": {}', '"objects": {"Nope": {"minted": 1, "auto": {}}}'),
      "'objects' names Nope, which the schema does not have" },
    { "a counter that is not a count", good:gsub('"objects": {}', '"objects": {"Account": {"minted": -1, "auto": {}}}'),
      "'objects.Account' needs minted (a whole number) and auto (an object)" },
    { "an auto number the object lacks", good:gsub('"objects": {}',
      '"objects": {"Account": {"minted": 1, "auto": {"CaseNumber": 1}}}'),
      "'objects.Account.auto.CaseNumber' is not an auto-number counter of Account" },
    { "records that are not a list", good:gsub('"records": %[%]', '"records": {"a": 1}'), "'records' is not a list" },
    { "a record of no shape", good:gsub('"records": %[%]', '"records": [7]'), "records[1] is not [object name, fields]" },
    { "a record of an unknown object", good:gsub('"records": %[%]', '"records": [["Nope", {}]]'),
      "records[1]: no object Nope in the schema" },
    { "an id of another object", good:gsub('"records": %[%]', '"records": [["Contact", {"Id": "' .. A .. '", "IsDeleted": false}]]'),
      "records[1]: Id " .. A .. " is not an 18-character Contact id" },
    { "a twice-used id", good:gsub('"records": %[%]', ('"records": [["Account", {"Id": "%s", "IsDeleted": false}], '
      .. '["Account", {"Id": "%s", "IsDeleted": false}]]'):format(A, A)), "records[2]: a second record with Id " .. A },
    { "no IsDeleted", good:gsub('"records": %[%]', '"records": [["Account", {"Id": "' .. A .. '"}]]'),
      "records[1]: IsDeleted is not true or false" },
    { "a field holding a list", good:gsub('"records": %[%]',
      '"records": [["Account", {"Id": "' .. A .. '", "IsDeleted": false, "Name": [1]}]]'),
      "records[1]: field Name holds no stored value" },
    { "a field the schema lacks", good:gsub('"records": %[%]',
      '"records": [["Account", {"Id": "' .. A .. '", "IsDeleted": false, "Color__c": "red"}]]'),
      "records[1]: field Account.Color__c, which the schema does not have" },
  }
  for _, r in ipairs(rows) do
    it("refuses " .. r[1], function()
      local ok, reason = snapshot.restore(fixture.new_store(), r[2])
      assert.is_nil(ok)
      assert.equal(r[3], reason:sub(1, #r[3]))
    end)
  end

  it("takes the smallest valid text: an org with no records", function()
    local st = restored(good)
    assert.equal(0, #st:all("Account"))
  end)
end)
