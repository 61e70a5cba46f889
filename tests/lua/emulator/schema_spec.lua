-- luaforce.emulator.schema: loading and validating schema files, the
-- default schema (what it holds: default_schema_spec), lookups, and field
-- value coercion.
local schema = require "luaforce.emulator.schema"
local decimal = require "luaforce.decimal"
local json = require "luaforce.json"

-- A minimal valid schema with one extra object definition spliced in.
local function with(object)
  return {
    objects = {
      { name = "User", keyPrefix = "005", hasOwner = false,
        fields = { { name = "Username", type = "string", required = true } } },
      object,
    },
  }
end

describe("luaforce.emulator.schema", function()
  describe("load", function()
    it("reads JSON text and adds the system fields around the declared ones", function()
      local sch = assert(schema.load([[{"objects": [
        {"name": "User", "keyPrefix": "005", "hasOwner": false, "fields": [{"name": "Username", "type": "string"}]},
        {"name": "Widget__c", "keyPrefix": "a05", "fields": [
          {"name": "Name", "type": "string", "length": 80, "required": true},
          {"name": "Size__c", "type": "int"}]}]}]]))
      local w = sch:object("widget__c")
      assert.equal("Widget__c", w.name)
      assert.is_true(w.custom)
      assert.equal("Widget__cs", w.label_plural)
      local names = {}
      for i, f in ipairs(w.fields) do names[i] = f.name end
      assert.same({ "Id", "IsDeleted", "Name", "Size__c", "OwnerId", "CreatedDate", "CreatedById",
        "LastModifiedDate", "LastModifiedById", "SystemModstamp" }, names)
      assert.is_nil(sch:object("User"):field("OwnerId"))
      assert.is_true(w:field("size__c").custom)
      assert.equal(9, w:field("Size__c").precision)
      assert.is_true(w:field("CreatedDate").read_only)
      assert.equal(w:field("OwnerId"), w:parent("owner"))
    end)

    -- { what, object definition (or whole schema), text expected in the message }
    local bad = {
      { "not JSON", "{objects: [", "invalid JSON" },
      { "no objects list", { foo = 1 }, "objects: a list of objects expected" },
      { "unknown object key", { name = "A__c", keyPrefix = "a01", fields = {}, colour = "red" },
        "objects[2] 'A__c': unknown key 'colour'" },
      { "bad object name", { name = "1Bad", keyPrefix = "a01", fields = {} }, "name: an API name expected" },
      { "bad key prefix", { name = "A__c", keyPrefix = "a-", fields = {} }, "keyPrefix: 3 letters or digits" },
      { "duplicate key prefix", { name = "A__c", keyPrefix = "005", fields = {} }, "keyPrefix '005' is User's too" },
      { "unknown type", { name = "A__c", keyPrefix = "a01", fields = { { name = "X__c", type = "text" } } },
        "fields[1] 'X__c': type: 'text' is not one of" },
      { "unknown field key", { name = "A__c", keyPrefix = "a01",
        fields = { { name = "X__c", type = "string", lenght = 3 } } }, "fields[1] 'X__c': unknown key 'lenght'" },
      { "duplicate field", { name = "A__c", keyPrefix = "a01", fields = {
        { name = "X__c", type = "string" }, { name = "x__C", type = "int" } } }, "a second field with this name" },
      { "system field declared", { name = "A__c", keyPrefix = "a01", fields = { { name = "CreatedDate",
        type = "datetime" } } }, "a system field, added to every object" },
      { "length out of range", { name = "A__c", keyPrefix = "a01", fields = { { name = "X__c", type = "string",
        length = 0 } } }, "length: an integer from 1 to 131072 expected" },
      { "scale above precision", { name = "A__c", keyPrefix = "a01", fields = { { name = "X__c",
        type = "currency", precision = 4, scale = 5 } } }, "scale: an integer from 0 to 4" },
      { "picklist without values", { name = "A__c", keyPrefix = "a01", fields = { { name = "X__c",
        type = "picklist" } } }, "values: a non-empty list expected for a picklist" },
      { "duplicate picklist value", { name = "A__c", keyPrefix = "a01", fields = { { name = "X__c",
        type = "picklist", values = { "a", "A" } } } }, "values[2]: 'A' appears twice" },
      { "default not a picklist value", { name = "A__c", keyPrefix = "a01", fields = { { name = "X__c",
        type = "picklist", values = { "a" }, default = "b" } } }, "default: X__c: bad value for restricted picklist" },
      { "default of the wrong type", { name = "A__c", keyPrefix = "a01", fields = { { name = "X__c",
        type = "int", default = "many" } } }, "default: Cannot deserialize instance of int" },
      { "reference without target", { name = "A__c", keyPrefix = "a01", fields = { { name = "B__c",
        type = "reference" } } }, "referenceTo: a non-empty list of object names expected" },
      { "reference to unknown object", { name = "A__c", keyPrefix = "a01", fields = { { name = "B__c",
        type = "reference", referenceTo = { "Acount" } } } }, "field 'B__c': referenceTo: no object 'Acount'" },
      { "relationship name clash", { name = "A__c", keyPrefix = "a01", fields = {
        { name = "B__c", type = "reference", referenceTo = { "User" }, relationshipName = "Owner" } } },
        "relationshipName 'Owner' is used by B__c too" },
      { "child relationship clash", { name = "A__c", keyPrefix = "a01", fields = {
        { name = "B__c", type = "reference", referenceTo = { "User" }, childRelationshipName = "As" },
        { name = "C__c", type = "reference", referenceTo = { "User" }, childRelationshipName = "as" } } },
        "childRelationshipName 'as' is taken on User" },
      { "formula over a missing field", { name = "A__c", keyPrefix = "a01", fields = { { name = "N__c",
        type = "string", formula = { join = { "First__c", "Last__c" } } } } },
        "formula reads 'First__c', which is no field of A__c" },
      { "unknown formula", { name = "A__c", keyPrefix = "a01", fields = { { name = "N__c", type = "string",
        formula = { sum = { "X__c" } } } } }, "formula: 'join' or 'picklistFlag' expected" },
      { "external id on a date", { name = "A__c", keyPrefix = "a01", fields = { { name = "D__c", type = "date",
        externalId = true } } }, "externalId: only text, email and number fields can be" },
      { "values on a string", { name = "A__c", keyPrefix = "a01", fields = { { name = "S__c", type = "string",
        values = { "a" } } } }, "values: only picklists have values" },
    }
    for _, row in ipairs(bad) do
      it("reports " .. row[1], function()
        local source = row[2]
        if type(source) == "table" and source.name then source = with(source) end
        local sch, err = schema.load(source)
        assert.is_nil(sch)
        assert.equal("INVALID_SCHEMA", err.code)
        assert.truthy(err.message:find(row[3], 1, true), "message was: " .. err.message)
      end)
    end

    it("reads the default schema's definition as JSON text too", function()
      local text = assert(json.encode((require("luaforce.emulator.default_schema"))))
      local sch = assert(schema.load(text))
      local opp = sch:object("Opportunity")
      assert.equal(#schema.default():object("Opportunity").fields, #opp.fields)
      assert.is_true(opp:field("StageName").picklist_index["Closed Won"].won)
      assert.equal("Contacts", sch:object("Account"):child("contacts").name)
    end)

    it("lists every problem, not just the first", function()
      local _, err = schema.load(with { name = "A__c", keyPrefix = "a01", fields = {
        { name = "X__c", type = "nope" }, { name = "Y__c", type = "string", length = -1 } } })
      assert.equal(2, #err.problems)
    end)
  end)

  describe("the default schema", function()
    local sch = schema.default()

    it("looks objects and fields up case-insensitively", function()
      assert.equal(sch:object("Account"), sch:object("aCCOUNT"))
      assert.equal("AnnualRevenue", sch:object("account"):field("annualrevenue").name)
      assert.is_nil(sch:object("Bogus"))
      assert.is_nil(sch:object("Account"):field("Bogus"))
    end)

    it("finds the object of an id by its key prefix", function()
      assert.equal("Contact", sch:object_for_id("003D000000OY9om").name)
      assert.equal("Contact", sch:object_for_id("003d000000oy9omiad").name)
      assert.equal("Organization", sch:object_for_id("00D000000000001").name)
      assert.is_nil(sch:object_for_id("a0Z000000000001"))
      assert.is_nil(sch:object_for_id("garbage"))
    end)

    -- { object, relationship, reference field }
    local parents = {
      { "Contact", "account", "AccountId" }, { "Opportunity", "Account", "AccountId" },
      { "Account", "parent", "ParentId" }, { "Account", "Owner", "OwnerId" },
      { "Invoice__c", "account__r", "Account__c" }, { "Case", "CreatedBy", "CreatedById" },
      { "User", "manager", "ManagerId" },
    }
    for _, row in ipairs(parents) do
      it(row[1] .. ":parent(" .. row[2] .. ")", function()
        assert.equal(row[3], sch:object(row[1]):parent(row[2]).name)
      end)
    end

    -- { parent object, child relationship, child object, field }
    local children = {
      { "Account", "contacts", "Contact", "AccountId" }, { "Account", "Opportunities", "Opportunity", "AccountId" },
      { "Account", "ChildAccounts", "Account", "ParentId" }, { "Account", "CASES", "Case", "AccountId" },
      { "Account", "Invoices__r", "Invoice__c", "Account__c" }, { "Contact", "Cases", "Case", "ContactId" },
    }
    for _, row in ipairs(children) do
      it(row[1] .. ":child(" .. row[2] .. ")", function()
        local c = sch:object(row[1]):child(row[2])
        assert.same({ name = c.name, object = row[3], field = row[4] }, c)
        assert.equal(row[2]:lower(), c.name:lower())
      end)
    end

    it("describes fields the way the store and describe read them", function()
      local opp = sch:object("Opportunity")
      local amount = opp:field("Amount")
      assert.same({ "currency", 18, 2, true }, { amount.type, amount.precision, amount.scale, amount.nillable })
      local stage = opp:field("StageName")
      assert.is_true(stage.required)
      assert.is_false(stage.nillable)
      assert.truthy(stage.picklist_index["Closed Won"].won)
      assert.is_true(opp:field("IsClosed").read_only and opp:field("IsClosed").calculated)
      assert.equal("Draft", sch:object("Invoice__c"):field("Status__c").default)
      assert.is_true(sch:object("Invoice__c"):field("External_Id__c").external_id)
      assert.is_true(sch:object("Contact"):field("LastName").required)
      assert.is_true(sch:object("Contact"):field("Name").read_only)
      assert.same({ "Account" }, sch:object("Contact"):field("AccountId").reference_to)
      assert.is_true(sch:object("User"):field("Username").unique)
      assert.equal(sch:object("Case"):field("CaseNumber"), sch:object("Case").name_field)
    end)
  end)

  describe("field:coerce", function()
    local sch = schema.default()
    local function field(spec)
      local o, f = spec:match("^(.-)%.(.*)$")
      return sch:object(o):field(f)
    end
    -- { field, input, expected stored value (or errorCode when the row says false) , ok? }
    local rows = {
      { "Account.Name", "Acme", "Acme" },
      { "Account.Name", "", nil },
      { "Account.Name", 42, "42" },
      { "Account.Name", ("x"):rep(256), "STRING_TOO_LONG", false },
      { "Account.Name", ("é"):rep(255), ("é"):rep(255) },
      { "Account.Name", json.object {}, "JSON_PARSER_ERROR", false },
      { "Account.Industry", "Banking", "Banking" },
      { "Account.Industry", "banking", "Banking" },
      { "Account.Industry", "Piracy", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", false },
      { "Contact.Email", "a@b.example", "a@b.example" },
      { "Contact.Email", "not-an-email", "INVALID_EMAIL_ADDRESS", false },
      { "Contact.HasOptedOutOfEmail", true, true },
      { "Contact.HasOptedOutOfEmail", "FALSE", false },
      { "Contact.HasOptedOutOfEmail", 1, "JSON_PARSER_ERROR", false },
      { "Account.NumberOfEmployees", 12, 12 },
      { "Account.NumberOfEmployees", "12", 12 },
      { "Account.NumberOfEmployees", 12.0, 12 },
      { "Account.NumberOfEmployees", 1.5, "JSON_PARSER_ERROR", false },
      { "Account.NumberOfEmployees", 123456789, "NUMBER_OUTSIDE_VALID_RANGE", false },
      { "Opportunity.Amount", 100, 100.0 },
      { "Opportunity.Amount", "12.345", 12.35 },
      { "Opportunity.Amount", 0.125, 0.13 },
      { "Opportunity.Amount", "-0.004", 0.0 },
      { "Opportunity.Amount", "abc", "JSON_PARSER_ERROR", false },
      { "Opportunity.Amount", "12345678901234567", "NUMBER_OUTSIDE_VALID_RANGE", false },
      { "Opportunity.Amount", "9999999999999999.995", "NUMBER_OUTSIDE_VALID_RANGE", false },
      { "Opportunity.CloseDate", "2024-02-29", "2024-02-29" },
      { "Opportunity.CloseDate", "2024-02-30", "JSON_PARSER_ERROR", false },
      { "Opportunity.CloseDate", "2024-03-01T23:30:00-02:00", "2024-03-02" },
      { "Invoice__c.Issued_At__c", "2024-03-01T10:00:00Z", "2024-03-01T10:00:00.000+0000" },
      { "Invoice__c.Issued_At__c", "2024-03-01T10:00:00.5+01:00", "2024-03-01T09:00:00.500+0000" },
      { "Invoice__c.Issued_At__c", "2024-03-01T10:00:00+0130", "2024-03-01T08:30:00.000+0000" },
      { "Invoice__c.Issued_At__c", "2024-03-01", "2024-03-01T00:00:00.000+0000" },
      { "Invoice__c.Issued_At__c", "yesterday", "JSON_PARSER_ERROR", false },
      { "Contact.AccountId", "001D000000IRFma", "001D000000IRFmaIAH" },
      { "Contact.AccountId", "001xyz", "MALFORMED_ID", false },
      { "Contact.AccountId", 1, "MALFORMED_ID", false },
    }
    for _, row in ipairs(rows) do
      local name = ("%s <- %s"):format(row[1], type(row[2]) == "string" and ("%q"):format(row[2]:sub(1, 30))
        or tostring(row[2]))
      it(name, function()
        local ok, value, message = field(row[1]):coerce(row[2])
        if row[4] == false then
          assert.is_false(ok)
          assert.equal(row[3], value)
          assert.is_string(message)
        else
          assert.is_true(ok, message)
          assert.equal(row[3], value)
          assert.equal(math.type(row[3]), math.type(value))
        end
      end)
    end

    it("keeps 18 digits of currency exactly, as a decimal", function()
      local ok, v = field("Opportunity.Amount"):coerce("1234567890123456.78")
      assert.is_true(ok)
      assert.is_true(decimal.is(v))
      assert.equal("1234567890123456.78", tostring(v))
    end)

    it("orders multipicklist values as declared and drops repeats", function()
      local f = assert(schema.load(with { name = "A__c", keyPrefix = "a01", fields = {
        { name = "M__c", type = "multipicklist", values = { "red", "green", "blue" } } } })):object("A__c"):field("M__c")
      assert.same({ true, "red;blue" }, { f:coerce("blue; red;;blue") })
      local ok, code, message = f:coerce("red;pink")
      assert.same({ false, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" }, { ok, code })
      assert.truthy(message:find("pink", 1, true))
    end)
  end)
end)
