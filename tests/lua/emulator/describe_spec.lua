-- luaforce.emulator.describe: describeGlobal and sObject describe in
-- Salesforce's shape, as clients read them once encoded.
local describe_mod = require "luaforce.emulator.describe"
local schema = require "luaforce.emulator.schema"
local json = require "luaforce.json"

-- Encodes and decodes again: what a client sees.
local function wire(t)
  return assert(json.decode(assert(json.encode(t))))
end

local function by_name(list)
  local out = {}
  for _, x in ipairs(list) do out[x.name] = x end
  return out
end

describe("luaforce.emulator.describe", function()
  local sch = schema.default()

  describe("global", function()
    local g = wire(describe_mod.global(sch, "62.0"))

    it("has the top-level keys in Salesforce's order", function()
      assert.same({ "encoding", "maxBatchSize", "sobjects" }, getmetatable(g).__jsonkeys)
      assert.same({ "UTF-8", 200 }, { g.encoding, g.maxBatchSize })
    end)

    it("lists every object with its names, prefix and urls", function()
      assert.equal(#sch:objects(), #g.sobjects)
      local objs = by_name(g.sobjects)
      local inv = objs.Invoice__c
      assert.same({ "Invoice", "Invoices", "a01", true, true, true },
        { inv.label, inv.labelPlural, inv.keyPrefix, inv.custom, inv.createable, inv.queryable })
      assert.equal(json.null, objs.Account.associateEntityType)
      assert.equal("/services/data/v62.0/sobjects/Account", objs.Account.urls.sobject)
      assert.equal("/services/data/v62.0/sobjects/Account/describe", objs.Account.urls.describe)
      assert.equal("/services/data/v62.0/sobjects/Account/{ID}", objs.Account.urls.rowTemplate)
    end)

    it("writes the keys of each entry sorted, as Salesforce does", function()
      local keys = getmetatable(g.sobjects[1]).__jsonkeys
      local sorted = { table.unpack(keys) }
      table.sort(sorted)
      assert.same(sorted, keys)
    end)

    it("takes the version in any of its spellings", function()
      for _, v in ipairs { "v45.0", "45.0", 45 } do
        assert.equal("/services/data/v45.0/sobjects/Case",
          by_name(describe_mod.global(sch, v).sobjects).Case.urls.sobject)
      end
    end)
  end)

  describe("object", function()
    local d = wire(describe_mod.object(sch:object("Contact"), "62.0"))
    local fields = by_name(d.fields)

    it("has the object's keys", function()
      assert.same({ "Contact", "Contact", "Contacts", "003", false },
        { d.name, d.label, d.labelPlural, d.keyPrefix, d.custom })
      assert.equal("/services/data/v62.0/sobjects/Contact/describe", d.urls.describe)
    end)

    it("lists the fields in schema order", function()
      assert.equal(#sch:object("Contact").fields, #d.fields)
      assert.equal("Id", d.fields[1].name)
      assert.equal("SystemModstamp", d.fields[#d.fields].name)
    end)

    -- { field, key, value }
    local rows = {
      { "Id", "type", "id" }, { "Id", "soapType", "tns:ID" }, { "Id", "nillable", false },
      { "Id", "createable", false }, { "Id", "length", 18 },
      { "LastName", "type", "string" }, { "LastName", "length", 80 }, { "LastName", "nillable", false },
      { "LastName", "byteLength", 240 }, { "LastName", "createable", true },
      { "Name", "calculated", true }, { "Name", "createable", false }, { "Name", "nameField", true },
      { "Email", "type", "email" }, { "Email", "nillable", true },
      { "AccountId", "type", "reference" }, { "AccountId", "relationshipName", "Account" },
      { "AccountId", "soapType", "tns:ID" },
      { "Birthdate", "soapType", "xsd:date" }, { "CreatedDate", "soapType", "xsd:dateTime" },
      { "HasOptedOutOfEmail", "defaultValue", false }, { "HasOptedOutOfEmail", "defaultedOnCreate", true },
      { "HasOptedOutOfEmail", "nillable", false },
      { "Phone", "defaultValue", json.null }, { "Phone", "relationshipName", json.null },
      { "Description", "filterable", false }, { "Description", "sortable", false },
      { "OwnerId", "relationshipName", "Owner" }, { "OwnerId", "updateable", true },
    }
    for _, row in ipairs(rows) do
      it(("%s.%s"):format(row[1], row[2]), function()
        assert.equal(row[3], fields[row[1]][row[2]])
      end)
    end

    it("gives references their targets and picklists their values", function()
      assert.same({ "Account" }, fields.AccountId.referenceTo)
      assert.is_true(json.is_array(fields.Email.referenceTo))
      assert.equal(0, #fields.Email.referenceTo)
      local sal = fields.Salutation.picklistValues
      assert.equal("Mr.", sal[1].value)
      assert.same({ true, false, "Mr.", json.null },
        { sal[1].active, sal[1].defaultValue, sal[1].label, sal[1].validFor })
      assert.is_true(json.is_array(fields.Email.picklistValues))
    end)

    it("describes numbers with precision and scale", function()
      local opp = by_name(wire(describe_mod.object(sch:object("Opportunity"), "62.0")).fields)
      assert.same({ "currency", 18, 2, "xsd:double" },
        { opp.Amount.type, opp.Amount.precision, opp.Amount.scale, opp.Amount.soapType })
      local acc = by_name(wire(describe_mod.object(sch:object("Account"), "62.0")).fields)
      assert.same({ "int", 8, 0 }, { acc.NumberOfEmployees.type, acc.NumberOfEmployees.digits,
        acc.NumberOfEmployees.precision })
    end)

    it("marks external ids and defaults", function()
      local inv = by_name(wire(describe_mod.object(sch:object("Invoice__c"), "62.0")).fields)
      assert.same({ true, true, true }, { inv.External_Id__c.externalId, inv.External_Id__c.idLookup,
        inv.External_Id__c.custom })
      assert.same({ "Draft", true }, { inv.Status__c.defaultValue, inv.Status__c.defaultedOnCreate })
    end)

    it("lists child relationships", function()
      local acc = wire(describe_mod.object(sch:object("Account"), "62.0"))
      local rels = {}
      for _, c in ipairs(acc.childRelationships) do rels[c.relationshipName] = c end
      assert.same({ "Contact", "AccountId", false }, { rels.Contacts.childSObject, rels.Contacts.field,
        rels.Contacts.cascadeDelete })
      assert.equal("Invoice__c", rels.Invoices__r.childSObject)
      assert.equal("Account", rels.ChildAccounts.childSObject)
      assert.is_true(json.is_array(rels.Contacts.junctionIdListNames))
    end)

    it("encodes empty lists as [] and has the Master record type", function()
      local text = assert(json.encode(describe_mod.object(sch:object("User"), "62.0")))
      assert.truthy(text:find('"childRelationships":[]', 1, true))
      assert.truthy(text:find('"actionOverrides":[]', 1, true))
      assert.equal("Master", d.recordTypeInfos[1].name)
      assert.equal("012000000000000AAA", d.recordTypeInfos[1].recordTypeId)
      assert.is_true(d.recordTypeInfos[1].master)
    end)
  end)
end)
