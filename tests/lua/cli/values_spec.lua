-- luaforce.cli.values (--values) and luaforce.cli.config (the profile file)
-- in process: the splitting, coercion and parsing rules, row by row.
local values = require "luaforce.cli.values"
local config = require "luaforce.cli.config"
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
    { "Nmae=x", "No such column 'Nmae' on entity 'Thing__c'" },
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

describe("config.parse", function()
  it("reads profiles, the default and quoted values", function()
    local doc = assert(config.parse([[
# a comment
; another
default = b
[profile a]
instance_url = https://a.example.com
token = "  spaced  "
[profile b]
client_id = id
client_secret = {{secrets.B}}
]], "cfg"))
    assert.equal("b", doc.default)
    assert.same({ "a", "b" }, doc.order)
    assert.equal("  spaced  ", doc.profiles.a.access_token)
    assert.equal("{{secrets.B}}", doc.profiles.b.client_secret)
    assert.same({ profile = "a", key = "token", line = 6 }, doc.clear_secret)
  end)

  it("takes [default] as the default without a default line", function()
    local doc = assert(config.parse("[default]\ninstance_url = local\n"))
    assert.equal("default", doc.default)
    assert.is_nil(doc.clear_secret)
  end)

  it("does not count placeholders as clear secrets", function()
    local doc = assert(config.parse("[profile a]\nclient_secret = {{secrets.X}}{{ secrets.Y }}\n"))
    assert.is_nil(doc.clear_secret)
  end)

  local bad = {
    { "[profile a]\n[profile a]\n", "cfg:2: profile 'a' is defined twice" },
    { "[profile a]\nclient_secrte = x\n", "cfg:2: unknown key 'client_secrte'" },
    { "[profile a]\njust text\n", "cfg:2: expected 'key = value'" },
    { "token = x\n", "cfg:1: 'token' outside a profile" },
    { "[profile]\n", "cfg:1: '[profile]' is no section" },
    { "default = zz\n[profile a]\n", "the default profile 'zz' is not defined" },
  }
  for _, row in ipairs(bad) do
    it("refuses: " .. row[2], function()
      local doc, err = config.parse(row[1], "cfg")
      assert.is_nil(doc)
      assert.equal(2, err.exit)
      assert.matches(row[2], err.message, 1, true)
    end)
  end
end)
