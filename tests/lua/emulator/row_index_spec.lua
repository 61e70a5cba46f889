-- luaforce.emulator.row_index: an object's rows, live and deleted, and the
-- indexes that find live rows by a unique or external id value.
local row_index = require "luaforce.emulator.row_index"
local decimal = require "luaforce.decimal"

-- An object state with one indexed field, Code__c.
local function state(rows)
  local t = { obj = { indexed = { { name = "Code__c" } } }, all = rows or {}, live = {}, index = { Code__c = {} } }
  row_index.rebuild(t)
  return t
end

local function codes(list)
  local out = {}
  for i, r in ipairs(list or {}) do out[i] = r.Code__c or "-" end
  return out
end

describe("luaforce.emulator.row_index", function()
  it("key_of: text without case, numbers by value whatever their form", function()
    assert.equal(row_index.key_of("ABC-1"), row_index.key_of("abc-1"))
    assert.equal(row_index.key_of(12.5), row_index.key_of(decimal("12.50")))
    assert.equal(row_index.key_of(3), row_index.key_of(3.0))
    assert.not_equal(row_index.key_of(3), row_index.key_of("3"))
    assert.equal(row_index.key_of(true), "true")
  end)

  it("rebuild: the live rows in insertion order, indexed by value", function()
    local t = state { { Code__c = "A" }, { Code__c = "b", IsDeleted = true }, { Code__c = "a" }, {} }
    assert.same({ "A", "a", "-" }, codes(t.live))
    assert.same({ "A", "a" }, codes(t.index.Code__c[row_index.key_of("A")]))
    assert.is_nil(t.index.Code__c[row_index.key_of("b")])
  end)

  it("add and remove keep the index in step", function()
    local t = state()
    local r1, r2 = { Code__c = "X" }, { Code__c = "x" }
    row_index.add(t, r1)
    row_index.add(t, r2)
    assert.same({ "X", "x" }, codes(t.index.Code__c.x))
    row_index.remove(t, r1)
    assert.same({ "x" }, codes(t.index.Code__c.x))
    row_index.remove(t, r2)
    assert.is_nil(t.index.Code__c.x, "an empty bucket goes")
  end)

  it("remove_from: by binary search with insertion numbers, by scan without", function()
    local rows, seq = {}, {}
    for i = 1, 9 do
      rows[i] = { Code__c = tostring(i) }
      seq[rows[i]] = i * 10
    end
    local list = table.move(rows, 1, 9, 1, {})
    row_index.remove_from(list, rows[7], seq)
    row_index.remove_from(list, rows[1], seq)
    row_index.remove_from(list, rows[9], nil)
    assert.same({ "2", "3", "4", "5", "6", "8" }, codes(list))
    row_index.remove_from(list, { Code__c = "stranger" }, seq)
    assert.equal(6, #list)
  end)
end)
