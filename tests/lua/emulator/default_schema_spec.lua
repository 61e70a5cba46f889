-- luaforce.emulator.default_schema: the default org's objects, as data.
-- The objects and their Salesforce key prefixes, that the definition is
-- whole (unique names and prefixes, every reference to an object that
-- exists, child relationship names unique per parent, picklist defaults
-- among the values, the __c rule for custom names), and the standard
-- values scripts read: Opportunity stages with their probabilities and
-- closed/won flags, Case statuses, full names made of first and last.
local schema = require "luaforce.emulator.schema"
local default_schema = require "luaforce.emulator.default_schema"

-- The raw definition of object `name`, and of its field `field`.
local function def(name, field)
  for _, o in ipairs(default_schema.objects) do
    if o.name == name then
      if not field then return o end
      for _, f in ipairs(o.fields) do
        if f.name == field then return f end
      end
    end
  end
end

-- A picklist's values as text (an entry is text or {value = text, ...}).
local function values(f)
  local out = {}
  for i, v in ipairs(f.values) do out[i] = type(v) == "table" and v.value or v end
  return out
end

describe("luaforce.emulator.default_schema", function()
  local sch = schema.default()

  it("has the standard objects and a custom one, with their key prefixes", function()
    local got = {}
    for _, obj in ipairs(sch:objects()) do got[#got + 1] = obj.name .. ":" .. obj.key_prefix end
    -- then the objects every org has (luaforce.emulator.system_objects)
    assert.same({ "Account:001", "Contact:003", "Opportunity:006", "Case:500", "Lead:00Q", "User:005",
      "Invoice__c:a01", "Organization:00D", "Profile:00e" }, got)
    assert.is_true(sch:object("Invoice__c").custom)
    assert.is_false(sch:object("Account").custom)
  end)

  it("loads as a schema without a problem", function()
    local loaded, err = schema.load(default_schema)
    assert.is_nil(err)
    assert.equal(#default_schema.objects + 2, #loaded:objects()) -- and Organization, Profile
  end)

  it("has unique object names, key prefixes and field names", function()
    local names, prefixes = {}, {}
    for _, o in ipairs(default_schema.objects) do
      assert.is_nil(names[o.name], o.name)
      assert.is_nil(prefixes[o.keyPrefix], o.keyPrefix)
      names[o.name], prefixes[o.keyPrefix] = true, true
      local fields = {}
      for _, f in ipairs(o.fields) do
        assert.is_nil(fields[f.name:lower()], o.name .. "." .. f.name)
        fields[f.name:lower()] = true
      end
    end
  end)

  it("names custom objects and fields with __c, and standard ones without", function()
    for _, o in ipairs(default_schema.objects) do
      local custom = o.name:sub(-3) == "__c"
      for _, f in ipairs(o.fields) do
        if f.name ~= "Name" then
          assert.equal(custom, f.name:sub(-3) == "__c", o.name .. "." .. f.name)
        end
      end
    end
  end)

  it("points every reference at an object it has, and names each child relationship once per parent", function()
    local children = {}
    for _, o in ipairs(default_schema.objects) do
      for _, f in ipairs(o.fields) do
        if f.type == "reference" then
          assert.is_string(f.relationshipName, o.name .. "." .. f.name)
          for _, target in ipairs(f.referenceTo) do
            assert.is_truthy(def(target) or sch:object(target), o.name .. "." .. f.name .. " -> " .. target)
            if f.childRelationshipName then
              local key = target .. "." .. f.childRelationshipName
              assert.is_nil(children[key], key)
              children[key] = true
            end
          end
        end
      end
    end
    assert.is_true(children["Account.Contacts"])
    assert.is_true(children["Account.Opportunities"])
  end)

  it("gives every picklist default among its values", function()
    for _, o in ipairs(default_schema.objects) do
      for _, f in ipairs(o.fields) do
        if f.values and f.default ~= nil then
          local found = false
          for _, v in ipairs(values(f)) do found = found or v == f.default end
          assert.is_true(found, o.name .. "." .. f.name .. " = " .. tostring(f.default))
        end
      end
    end
  end)

  it("has Salesforce's opportunity stages, with probabilities, and only the closed ones closed", function()
    local stages = def("Opportunity", "StageName").values
    local got = {}
    for i, s in ipairs(stages) do
      got[i] = ("%s %d%s%s"):format(s.value, s.probability, s.closed and " closed" or "", s.won and " won" or "")
    end
    assert.same({ "Prospecting 10", "Qualification 10", "Needs Analysis 20", "Value Proposition 50",
      "Id. Decision Makers 60", "Perception Analysis 70", "Proposal/Price Quote 75", "Negotiation/Review 90",
      "Closed Won 100 closed won", "Closed Lost 0 closed" }, got)
    local opp = sch:object("Opportunity")
    assert.same({ picklistFlag = "closed", field = "StageName" }, def("Opportunity", "IsClosed").formula)
    assert.same({ picklistFlag = "won", field = "StageName" }, def("Opportunity", "IsWon").formula)
    assert.is_true(opp:field("StageName").picklist_index["Closed Lost"].closed)
    assert.is_falsy(opp:field("StageName").picklist_index["Closed Lost"].won)
  end)

  it("closes a case with the Closed status only", function()
    local closed = {}
    for _, v in ipairs(def("Case", "Status").values) do
      if type(v) == "table" and v.closed then closed[#closed + 1] = v.value end
    end
    assert.same({ "Closed" }, closed)
    assert.equal("New", def("Case", "Status").default)
  end)

  it("makes the full Name of contacts, leads and users from first and last name", function()
    for _, name in ipairs { "Contact", "Lead", "User" } do
      assert.same({ join = { "FirstName", "LastName" }, separator = " " }, def(name, "Name").formula, name)
    end
  end)

  it("offers Salesforce's standard picklist values", function()
    local industries = values(def("Account", "Industry"))
    assert.equal(32, #industries)
    assert.equal("Agriculture", industries[1])
    assert.equal("Other", industries[#industries])
    assert.same(industries, values(def("Lead", "Industry")))
    assert.same({ "Hot", "Warm", "Cold" }, values(def("Account", "Rating")))
    assert.same({ "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other" },
      values(def("Contact", "LeadSource")))
  end)
end)
