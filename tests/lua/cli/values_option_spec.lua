-- luaforce.cli.values_option (--values) in process: the splitting and
-- coercion rules, row by row.
local values = require "luaforce.cli.values_option"
local json = require "luaforce.json"

local DESCRIBE = {
  name = "Thing__c",
  fields = {
    { name = "Name", type = "string" }, { name = "Count__c", type = "int" },
    { name = "Price__c", type = "currency" }, { name = "Done__c", type = "boolean" },
    { name = "Day__c", type = "date" }, { name = "At__c", type = "datetime" }, { name = "Time__c", type = "time" },
  },
}

describe("values.split", function()
  local rows = {
    { [[Name=Acme]], { { "Name", "Acme", false } } },
    { [[Name="Acme Corp"  Count__c=3]], { { "Name", "Acme Corp", true }, { "Count__c", "3", false } } },
    { [[Name='it''s']], { { "Name", "its", true } } },
    { [[Name="say \"hi\" \\ there"]], { { "Name", [[say "hi" \ there]], true } } },
    { [[Name=a' 'b]], { { "Name", "a b", true } } },
    { [[Name=a\ b]], { { "Name", "a b", false } } },
    { [[Name= Count__c=1]], { { "Name", "", false }, { "Count__c", "1", false } } },
    { [[Name=x=y]], { { "Name", "x=y", false } } },
  }
  for _, row in ipairs(rows) do
    it(row[1], function()
      local list = assert(values.split(row[1]))
      local got = {}
      for i, item in ipairs(list) do got[i] = { item.name, item.value, item.quoted } end
      assert.same(row[2], got)
    end)
  end

  for _, bad in ipairs { "", "   ", "Name", "=x", [[Name="x]], "Name='x", "1abc=2" } do
    it("refuses '" .. bad .. "'", function()
      local list, err = values.split(bad)
      assert.is_nil(list)
      assert.equal(2, err.exit)
    end)
  end
end)

describe("values.coerce", function()
  local rows = {
    { "Count__c=42", "Count__c", 42 },
    { "count__c=-3", "Count__c", -3 },
    { "Price__c=10.50", "Price__c", 10.5 },
    { "Price__c=.5", "Price__c", 0.5 },
    { "Price__c=1e3", "Price__c", 1000.0 },
    { "Done__c=True", "Done__c", true },
    { "Done__c=0", "Done__c", false },
    { "Day__c=2024-02-29", "Day__c", "2024-02-29" },
    { "At__c=2024-06-01T12:00:00.123+02:00", "At__c", "2024-06-01T12:00:00.123+02:00" },
    { "Time__c=09:30", "Time__c", "09:30" },
    { "Name=null", "Name", json.null },
    { [[Name="null"]], "Name", "null" },
    { "Name=007", "Name", "007" },
    { "Count__c=", "Count__c", json.null },
    { "Name=", "Name", "" },
  }
  for _, row in ipairs(rows) do
    it(row[1], function()
      local fields = assert(values.parse(row[1], DESCRIBE))
      assert.equal(row[3], fields[row[2]])
      assert.equal(math.type(row[3]), math.type(fields[row[2]]))
    end)
  end

  local bad = {
    { "Count__c=1.5", "Count__c takes a whole number" },
    { "Count__c=abc", "Count__c takes a whole number" },
    { "Price__c=1,5", "Price__c takes a number" },
    { "Done__c=maybe", "Done__c takes true or false" },
    { "Day__c=2023-02-29", "Day__c takes a date" },
    { "Day__c=2024-13-01", "Day__c takes a date" },
    { "At__c=2024-06-01T12:00:00", "At__c takes a date-time" },
    { "Time__c=25:00", "Time__c takes a time" },
    { "Nmae=x", "No such column 'Nmae' on sobject of type Thing__c" },
  }
  for _, row in ipairs(bad) do
    it("refuses " .. row[1], function()
      local fields, err = values.parse(row[1], DESCRIBE)
      assert.is_nil(fields)
      assert.equal(2, err.exit)
      assert.matches(row[2], err.message, 1, true)
    end)
  end

  it("suggests the nearest field and keeps the order given", function()
    local _, err = values.parse("Nmae=x", DESCRIBE)
    assert.equal("did you mean Name?", err.hint)
    local fields = assert(values.parse("Count__c=1 Name=a", DESCRIBE))
    assert.equal('{"Count__c":1,"Name":"a"}', json.encode(fields))
  end)
end)
