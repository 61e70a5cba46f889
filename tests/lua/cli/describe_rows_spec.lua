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
      { { autoNumber = true }, "read-only auto-number" },
      { { calculated = true }, "read-only formula" },
    }
    for _, r in ipairs(rows) do assert.equal(r[2], rd.field_flags(r[1])) end
  end)

  it("shows a picklist's active values, the first four and then a count", function()
    local function values(list)
      local pv = {}
      for _, v in ipairs(list) do pv[#pv + 1] = { value = v, active = v ~= "Old" } end
      local rows = rd.field_rows { fields = { { name = "F", type = "picklist", picklistValues = pv } } }
      return rows[1].values
    end
    assert.equal("Hot, Warm, Cold", values { "Hot", "Old", "Warm", "Cold" })
    assert.equal("a, b, c, d, ... (6 values)", values { "a", "b", "c", "d", "e", "f" })
    assert.equal(json.null, values {})
  end)

  it("keeps the field columns: name, type, label, length, nillable, ref, flags, values", function()
    local rows, columns = rd.field_rows { fields = {
      { name = "OwnerId", type = "reference", label = "Owner ID", length = 18, nillable = false,
        referenceTo = { "User" }, relationshipName = "Owner", createable = true, updateable = true },
    } }
    assert.same({ "name", "type", "label", "length", "nillable", "ref", "flags", "values" }, columns)
    assert.equal("User via Owner", rows[1].ref)
    assert.equal(18, rows[1].length)
    assert.is_false(rows[1].nillable)
  end)
end)
