-- luaforce.cli.describe_rows: the rows `.describe` prints for the objects
-- and for an object's fields: flags as words, picklists abbreviated.
local rd = require "luaforce.cli.describe_rows"
local json = require "luaforce.json"

describe("describe_rows", function()
  it("lists objects with their label, prefix and flags", function()
    local rows, columns = rd.object_rows(json.decode([[{"sobjects":[
      {"name":"Account","label":"Account","keyPrefix":"001","custom":false,"queryable":true,"createable":true,
       "updateable":true,"deletable":true},
      {"name":"AccountHistory","label":"Account History","keyPrefix":"017","custom":false,"queryable":true,
       "createable":false,"updateable":false,"deletable":false},
      {"name":"Invoice__c","label":"Invoice","keyPrefix":"a01","custom":true,"queryable":true,"createable":true,
       "updateable":true,"deletable":true}]}]]))
    assert.same({ "name", "label", "prefix", "flags" }, columns)
    assert.equal(3, #rows)
    assert.equal("query create update delete", rows[1].flags)
    assert.equal("query", rows[2].flags)
    assert.equal("custom query create update delete", rows[3].flags)
    assert.equal("017", rows[2].prefix)
  end)

  it("flags a field's access, external id, uniqueness, auto-number and formula", function()
    local rows = {
      { {}, "read-only" },
      { { createable = true, updateable = true }, "create update" },
      { { createable = true }, "create" },
      { { updateable = true }, "update" },
      { { createable = true, updateable = true, externalId = true, unique = true }, "create update ext-id unique" },
      { { createable = true, updateable = true, nillable = false }, "create update required" },
      { { createable = true, nillable = false, defaultedOnCreate = true }, "create" }, -- OwnerId: defaulted
      { { nillable = false }, "read-only" },
      { { autoNumber = true }, "read-only auto-number" },
      { { calculated = true }, "read-only formula" },
    }
    for _, r in ipairs(rows) do assert.equal(r[2], rd.field_flags(r[1])) end
  end)

  it("shows a picklist's active values, the first four and then a count", function()
    local function values(list, opts)
      local pv = {}
      for _, v in ipairs(list) do pv[#pv + 1] = { value = v, active = v ~= "Old" } end
      local rows = rd.field_rows({ fields = { { name = "F", type = "picklist", picklistValues = pv } } }, opts)
      return rows[1].values
    end
    assert.equal("Hot, Warm, Cold", values { "Hot", "Old", "Warm", "Cold" })
    assert.equal("a, b, c, d, ... (6 values)", values { "a", "b", "c", "d", "e", "f" })
    assert.equal("a, b, c, d, e, f", values({ "a", "b", "c", "d", "e", "f" }, { all_values = true }))
    assert.equal(json.null, values {})
  end)

  it("has the columns name, type (a text's length in it), label, flags, ref, values", function()
    local rows, columns = rd.field_rows { fields = {
      { name = "OwnerId", type = "reference", label = "Owner ID", length = 18, nillable = false,
        referenceTo = { "User" }, relationshipName = "Owner", createable = true, updateable = true,
        defaultedOnCreate = true },
      { name = "Name", type = "string", length = 80 },
    } }
    assert.same({ "name", "type", "label", "flags", "ref", "values" }, columns)
    assert.equal("User via Owner", rows[1].ref)
    assert.equal("reference", rows[1].type)
    assert.equal("string(80)", rows[2].type)
  end)

  it("keeps name, type and flags whole on an 80-column terminal", function()
    local fields = {}
    for i = 1, 3 do
      fields[i] = { name = "Long_Field_Name_" .. i .. "__c", type = "textarea", length = 32768,
        label = ("A label that goes on and on %d"):format(i), createable = true, updateable = true,
        externalId = true, referenceTo = json.array {}, picklistValues = json.array {} }
    end
    local rows, columns = rd.field_rows { fields = fields }
    local text = require("luaforce.cli.format").table(rd.fit(rows, columns, 80), columns, 80)
    assert.matches("\nLong_Field_Name_1__c%s+textarea%(32768%)%s+A lab…%s+create update ext%-id", text)
    for line in text:gmatch("[^\n]+") do assert.is_true(utf8.len(line) <= 80, line) end
    assert.equal(rows, rd.fit(rows, columns, 300)) -- what fits stays as it is
  end)
end)
