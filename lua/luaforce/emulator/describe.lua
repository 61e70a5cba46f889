--- luaforce.emulator.describe: describeGlobal and sObject describe bodies.
--
-- Both return JSON-ready tables in Salesforce's shape: keys in the
-- alphabetical order Salesforce writes them (json.object with a key list),
-- lists as json.array even when empty, json.null where Salesforce has null.
-- Only what the local org can back is claimed: no layouts, list views or
-- quick actions beyond their URLs' absence; every object has the Master
-- record type only.
local json = require "luaforce.json"

local M = {}

local null = json.null

-- A JSON object whose keys come out sorted, as Salesforce's describe does.
local function sorted_object(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return json.object(t, keys)
end

-- "62.0", "v62.0" or 62 → "62.0"
local function version_text(version)
  local v = tostring(version or "62.0"):gsub("^v", "")
  if not v:find("%.") then v = v .. ".0" end
  return v
end

local SOAP_TYPE = {
  id = "tns:ID", reference = "tns:ID", boolean = "xsd:boolean", int = "xsd:int", double = "xsd:double",
  currency = "xsd:double", percent = "xsd:double", date = "xsd:date", datetime = "xsd:dateTime",
}

local function urls_for(obj, v)
  local base = ("/services/data/v%s/sobjects/%s"):format(v, obj.name)
  return sorted_object {
    sobject = base,
    describe = base .. "/describe",
    rowTemplate = base .. "/{ID}",
  }
end

-- Capabilities: what the schema lets the API do (every write, unless the
-- object says otherwise, as Organization does).
local function flags(obj, t)
  t.createable = obj.createable
  t.updateable = obj.updateable
  t.deletable = obj.deletable
  t.queryable = true
  t.retrieveable = true
  t.searchable = true
  t.layoutable = true
  t.mergeable = obj.name == "Account" or obj.name == "Contact" or obj.name == "Lead"
  t.replicateable = true
  t.triggerable = true
  t.undeletable = false
  t.activateable = false
  t.custom = obj.custom
  t.customSetting = false
  t.deprecatedAndHidden = false
  t.feedEnabled = false
  t.hasSubtypes = false
  t.isInterface = false
  t.isSubtype = false
  t.keyPrefix = obj.key_prefix or null
  t.label = obj.label
  t.labelPlural = obj.label_plural
  t.mruEnabled = true
  t.name = obj.name
  t.associateEntityType = null
  t.associateParentEntity = null
  return t
end

--- The body of GET /services/data/vNN.N/sobjects.
function M.global(sch, version)
  local v = version_text(version)
  local list = {}
  for _, obj in ipairs(sch:objects()) do
    local t = flags(obj, {})
    t.urls = urls_for(obj, v)
    list[#list + 1] = sorted_object(t)
  end
  return json.object({ encoding = "UTF-8", maxBatchSize = 200, sobjects = json.array(list) },
    { "encoding", "maxBatchSize", "sobjects" })
end

local function default_json(f)
  if f.default == nil then return null end
  return f.default
end

local function picklist_values(f)
  local out = {}
  for _, e in ipairs(f.picklist_entries or {}) do
    out[#out + 1] = json.object({ active = e.active, defaultValue = e.default == true, label = e.label,
      validFor = null, value = e.value }, { "active", "defaultValue", "label", "validFor", "value" })
  end
  return json.array(out)
end

local function describe_field(f)
  local ty = f.type
  local text = f.length > 0 and ty ~= "id" and ty ~= "reference"
  local numeric = ty == "double" or ty == "currency" or ty == "percent"
  local long_text = ty == "textarea" and f.length > 255
  local references = {}
  for i, name in ipairs(f.reference_to) do references[i] = name end
  return sorted_object {
    aggregatable = not long_text,
    autoNumber = f.auto_number ~= nil,
    byteLength = (ty == "id" or ty == "reference") and 18 or (text and f.length * 3 or 0),
    calculated = f.calculated,
    calculatedFormula = null,
    cascadeDelete = false,
    caseSensitive = false,
    controllerName = null,
    createable = f.createable,
    custom = f.custom,
    defaultValue = default_json(f),
    defaultValueFormula = null,
    defaultedOnCreate = f.defaulted_on_create,
    dependentPicklist = false,
    deprecatedAndHidden = false,
    digits = ty == "int" and f.precision or 0,
    externalId = f.external_id,
    extraTypeInfo = null,
    filterable = not long_text,
    groupable = not long_text and not numeric and ty ~= "datetime",
    htmlFormatted = false,
    idLookup = ty == "id" or f.external_id or (f.name_field and ty == "string"),
    inlineHelpText = null,
    label = f.label,
    length = (ty == "id" or ty == "reference") and 18 or f.length,
    name = f.name,
    nameField = f.name_field,
    namePointing = false,
    nillable = f.nillable,
    picklistValues = picklist_values(f),
    polymorphicForeignKey = #f.reference_to > 1,
    precision = numeric and f.precision or 0,
    referenceTargetField = null,
    referenceTo = json.array(references),
    relationshipName = f.relationship_name or null,
    relationshipOrder = null,
    restrictedPicklist = (ty == "picklist" or ty == "multipicklist") and f.restricted or false,
    scale = numeric and f.scale or 0,
    soapType = SOAP_TYPE[ty] or "xsd:string",
    sortable = not long_text and ty ~= "multipicklist",
    type = ty,
    unique = f.unique,
    updateable = f.updateable,
  }
end

--- The body of GET /services/data/vNN.N/sobjects/X/describe for schema
-- object `obj`.
function M.object(obj, version)
  local v = version_text(version)
  local t = flags(obj, {})
  local fields = {}
  for i, f in ipairs(obj.fields) do fields[i] = describe_field(f) end
  local children = {}
  for i, c in ipairs(obj.children) do
    children[i] = sorted_object {
      cascadeDelete = false, childSObject = c.object, deprecatedAndHidden = false, field = c.field,
      junctionIdListNames = json.array {}, junctionReferenceTo = json.array {}, relationshipName = c.name,
      restrictedDelete = false,
    }
  end
  local master = "012000000000000AAA"
  t.actionOverrides = json.array {}
  t.childRelationships = json.array(children)
  t.compactLayoutable = true
  t.deepCloneable = false
  t.defaultImplementation = null
  t.extendedBy = null
  t.extendsInterfaces = null
  t.fields = json.array(fields)
  t.implementedBy = null
  t.implementsInterfaces = null
  t.listviewable = null
  t.lookupLayoutable = null
  t.namedLayoutInfos = json.array {}
  t.networkScopeFieldName = null
  t.recordTypeInfos = json.array {
    sorted_object {
      active = true, available = true, defaultRecordTypeMapping = true, developerName = "Master", master = true,
      name = "Master", recordTypeId = master,
      urls = sorted_object { layout = ("/services/data/v%s/sobjects/%s/describe/layouts/%s"):format(v, obj.name,
        master) },
    },
  }
  t.searchLayoutable = true
  t.sobjectDescribeOption = "FULL"
  t.supportedScopes = json.array {
    json.object({ label = "All " .. obj.label_plural:lower(), name = "everything" }, { "label", "name" }),
  }
  t.urls = urls_for(obj, v)
  return sorted_object(t)
end

return M
