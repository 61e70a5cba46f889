-- luaforce.emulator.bulk_csv: a Bulk API job's header against the object,
-- cells as field values, sf__Error, and query values as result text.
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local bulk_csv = require "luaforce.emulator.bulk_csv"
local schema_mod = require "luaforce.emulator.schema"

local sch = schema_mod.default()
local account = sch:object("Account")
local contact = sch:object("Contact")

describe("bulk_csv.columns", function()
  it("maps fields, the Id and parents named by one of their fields", function()
    local plan = assert(bulk_csv.columns(sch, contact, { "id", "LastName", "Account.Name", "Owner.Id", "email" }))
    assert.equal(1, plan.id)
    assert.equal("id", plan.cols[1].kind)
    assert.equal("field", plan.cols[2].kind)
    assert.equal("LastName", plan.cols[2].field.name)
    local parent = plan.cols[3]
    assert.equal("parent", parent.kind)
    assert.equal("AccountId", parent.field.name)
    assert.equal("Account", parent.target.name)
    assert.equal("Name", parent.key)
    assert.is_nil(parent.type)
    assert.equal("User", plan.cols[4].target.name)
    assert.equal("Id", plan.cols[4].key)
    assert.equal(5, plan.by_name.email)
    assert.equal("Email", plan.cols[5].field.name)
  end)

  it("refuses a column that is not a field of the object as Salesforce words it", function()
    local plan, err = bulk_csv.columns(sch, account, { "Name", "Foo__c" })
    assert.is_nil(plan)
    assert.equal("InvalidBatch : Field name not found : Foo__c", err)
    assert.equal("InvalidBatch : Field name not found : Parent.Nope",
      select(2, bulk_csv.columns(sch, account, { "Parent.Nope" })))
    assert.equal("InvalidBatch : Field name not found : Nope.Name",
      select(2, bulk_csv.columns(sch, account, { "Nope.Name" })))
    assert.equal("InvalidBatch : Field name not found : ",
      select(2, bulk_csv.columns(sch, account, { "" })))
  end)

  it("refuses a type on a lookup to one object, as Salesforce does", function()
    local plan, err = bulk_csv.columns(sch, account, { "Account:Parent.Name" })
    assert.is_nil(plan)
    assert.equal("InvalidBatch : type is not needed for non polymorphic foreign key references: Parent", err)
  end)

  it("refuses the same field twice", function()
    local plan, err = bulk_csv.columns(sch, account, { "Name", "name" })
    assert.is_nil(plan)
    assert.equal("InvalidBatch : Duplicate field name : name", err)
  end)
end)

describe("bulk_csv.value", function()
  local function field(obj, name) return assert(sch:object(obj):field(name)) end

  it("reads booleans true, false, 1 and 0 in any case", function()
    local f = field("Contact", "DoNotCall")
    for text, want in pairs { ["true"] = true, ["TRUE"] = true, ["1"] = true, ["False"] = false, ["0"] = false } do
      assert.equal(want, bulk_csv.value(f, text, 2), text)
    end
    local v, err = bulk_csv.value(f, "yes", 4)
    assert.is_nil(v)
    assert.same({ errorCode = "INVALID_FIELD", fields = { "DoNotCall" },
      message = "Failed to deserialize field at col 4. Due to, 'yes' is not a valid value for the type xsd:boolean" },
      err)
  end)

  it("takes #N/A as null", function()
    assert.equal(json.null, bulk_csv.value(field("Account", "Name"), "#N/A", 1))
    assert.equal(json.null, bulk_csv.value(field("Account", "NumberOfEmployees"), "#N/A", 1))
  end)

  it("checks numbers, dates and date-times, and hands them on as text", function()
    local int, dbl = field("Account", "NumberOfEmployees"), field("Account", "AnnualRevenue")
    -- up to 15 digits as Lua numbers; more, or an exponent, as the text (the store rounds it)
    assert.equal(42, bulk_csv.value(int, "42", 1))
    assert.equal("integer", math.type(bulk_csv.value(int, "-7", 1)))
    assert.equal("12345678901234567", bulk_csv.value(int, "12345678901234567", 1))
    assert.equal(12.5, bulk_csv.value(dbl, "12.5", 1))
    assert.equal("float", math.type(bulk_csv.value(dbl, "12", 1)))
    assert.equal("12345678901234567.25", bulk_csv.value(dbl, "12345678901234567.25", 1))
    assert.equal("1e3", bulk_csv.value(dbl, "1e3", 1))
    local date, dt = field("Opportunity", "CloseDate"), field("Account", "CreatedDate")
    assert.equal("2024-02-29", bulk_csv.value(date, "2024-02-29", 1))
    assert.equal("2024-06-01T12:00:00.000Z", bulk_csv.value(dt, "2024-06-01T12:00:00.000Z", 1))
    assert.equal("2024-06-01T12:00:00+02:00", bulk_csv.value(dt, "2024-06-01T12:00:00+02:00", 1))
    local cases = {
      { int, "4.5", "int" }, { int, " 4", "int" }, { int, "four", "int" }, { dbl, "1,5", "double" },
      { date, "2024-02-30", "date" }, { date, "01/02/2024", "date" }, { dt, "yesterday", "dateTime" },
    }
    for _, c in ipairs(cases) do
      local v, err = bulk_csv.value(c[1], c[2], 3)
      assert.is_nil(v, c[2])
      assert.equal(("Failed to deserialize field at col 3. Due to, '%s' is not a valid value for the type xsd:%s")
        :format(c[2], c[3]), err.message)
    end
  end)

  it("leaves text as it came: no trimming", function()
    assert.equal("  Acme ", bulk_csv.value(field("Account", "Name"), "  Acme ", 1))
  end)
end)

describe("bulk_csv.error_text", function()
  it("is Salesforce's sf__Error: code, message, fields, --", function()
    assert.equal("REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --", bulk_csv.error_text {
      errorCode = "REQUIRED_FIELD_MISSING", message = "Required fields are missing: [Name]", fields = { "Name" } })
    assert.equal("INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--",
      bulk_csv.error_text { errorCode = "INVALID_CROSS_REFERENCE_KEY", message = "invalid cross reference id" })
    assert.equal("X:m:A,B --", bulk_csv.error_text { errorCode = "X", message = "m", fields = { "A", "B" } })
  end)
end)

describe("bulk_csv.text", function()
  it("writes query values as Bulk API results do", function()
    assert.equal("", bulk_csv.text("String", nil))
    assert.equal("", bulk_csv.text("String", json.null))
    assert.equal("true", bulk_csv.text("Boolean", true))
    assert.equal("false", bulk_csv.text("Boolean", false))
    assert.equal("12", bulk_csv.text("Integer", 12))
    assert.equal("2086000.49", bulk_csv.text("Decimal", 2086000.49))
    assert.equal("123456789012345678.12", bulk_csv.text("Decimal", decimal.new("123456789012345678.12")))
    assert.equal("100000000000000000000.0", bulk_csv.text("Double", 1e20))
    assert.equal("2024-06-01", bulk_csv.text("Date", "2024-06-01"))
    assert.equal("2024-06-01T12:00:00.000Z", bulk_csv.text("Datetime", "2024-06-01T12:00:00.000+0000"))
    assert.equal("2024-06-01T12:00:00.000+0000", bulk_csv.text("String", "2024-06-01T12:00:00.000+0000"))
  end)
end)
