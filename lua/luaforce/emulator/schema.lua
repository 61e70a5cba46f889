--- luaforce.emulator.schema: the objects and fields of the local org.
--
-- A schema file is JSON (or the same shape as a Lua table):
--
--   { "objects": [
--       { "name": "Invoice__c",          API name (letters, digits, _; starts with a letter)
--         "label": "Invoice",            default: the name
--         "labelPlural": "Invoices",     default: label .. "s"
--         "keyPrefix": "a01",            3 base-62 characters, unique; ids start with it
--         "custom": true,                default: the name ends in "__c"
--         "hasOwner": true,              default true: adds OwnerId (lookup to User, "Owner")
--         "createable": true,            default true; also "updateable", "deletable": what
--                                        the API may do to its records (describe says so;
--                                        a refused write is INVALID_TYPE_FOR_OPERATION)
--         "fields": [
--           { "name": "Name", "type": "string", "length": 80, "required": true },
--           { "name": "Status__c", "type": "picklist", "default": "Draft",
--             "values": ["Draft", {"value": "Paid", "label": "Paid in full"}] },
--           { "name": "Account__c", "type": "reference", "referenceTo": ["Account"],
--             "relationshipName": "Account__r", "childRelationshipName": "Invoices__r" },
--           { "name": "External_Id__c", "type": "string", "length": 50, "externalId": true }
--         ] } ] }
--
-- Field keys:
--   name, label (default: the name), type (below), required, unique, externalId, readOnly (booleans,
--   default false), default (a value of the field's type: applied on insert when the field is absent),
--   length (text types; defaults: string/url/picklist/multipicklist 255, textarea 32768, email 80,
--   phone 40), precision and scale (numbers: total digits and digits after the point, Salesforce's
--   meaning; defaults int 9/0, double, currency and percent 18/2), for picklist and multipicklist
--   "values" (strings, or objects {value, label, default, active, ...any other attribute, such as
--   "closed": true, that a formula can read}) and "restricted" (default true: other values are
--   refused); for references "referenceTo" (a list of object names), "relationshipName" (default:
--   the name without "Id", or "__c" → "__r") and "childRelationshipName" (the name of the list on
--   the parent, e.g. "Contacts"; none when absent); "autoNumber" (string fields: a format such as
--   "INV-{0000}", numbered from 1 on insert, read-only); "formula" (a derived, read-only value):
--     {"join": ["FirstName", "LastName"], "separator": " "}   the non-null fields joined (a string)
--     {"picklistFlag": "closed", "field": "StageName"}        true when the picklist entry of the
--                                                              field's value has that attribute true
-- Types: id, string, textarea, email, phone, url, picklist, multipicklist, boolean, int, double,
-- currency, percent, date, datetime, reference.
--
-- Every object gets the system fields Id, IsDeleted, CreatedDate, CreatedById, LastModifiedDate,
-- LastModifiedById, SystemModstamp (read-only, maintained by the store) and OwnerId unless
-- "hasOwner" is false; a schema must not declare them. Field order is Id, IsDeleted, the declared
-- fields, then OwnerId and the audit fields.
--
-- Every schema also gets the objects every Salesforce org has
-- (luaforce.emulator.system_objects: Organization) unless it declares them
-- itself.
--
-- In Lua: `schema.load(text_or_table)` → sch or nil, err (err.problems lists every problem, each
-- naming where: `objects[2] 'Contact': fields[3] 'AccountId': referenceTo: no object 'Acount'`);
-- `schema.default()` → the default org's schema. Names are looked up case-insensitively:
-- `sch:object(name)`, `sch:objects()`, `sch:object_for_id(id)`, `obj:field(name)`,
-- `obj:parent(relationship)` (the reference field), `obj:child(relationship)`
-- (`{name=, object=, field=}`), `obj.children` (that list), `field:coerce(value)`.
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local errors = require "luaforce.errors"
local datetime = require "luaforce.emulator.datetime"
local ids = require "luaforce.emulator.ids"

local M = {}

local TYPES = {
  id = true, string = true, textarea = true, email = true, phone = true, url = true,
  picklist = true, multipicklist = true, boolean = true, int = true, double = true,
  currency = true, percent = true, date = true, datetime = true, reference = true,
}
M.TYPES = TYPES

local TEXT_LENGTH = {
  string = 255, textarea = 32768, email = 80, phone = 40, url = 255, picklist = 255, multipicklist = 4099,
}
local NUMBER_DEFAULTS = { int = { 9, 0 }, double = { 18, 2 }, currency = { 18, 2 }, percent = { 18, 2 } }
local MAX_TEXT_LENGTH = 131072

local OBJECT_KEYS = {
  name = true, label = true, labelPlural = true, keyPrefix = true, custom = true, hasOwner = true, fields = true,
  createable = true, updateable = true, deletable = true,
}
local FIELD_KEYS = {
  name = true, label = true, type = true, length = true, precision = true, scale = true, required = true,
  unique = true, externalId = true, default = true, readOnly = true, formula = true, values = true,
  restricted = true, referenceTo = true, relationshipName = true, childRelationshipName = true,
  autoNumber = true,
}
local SYSTEM_NAMES = {
  id = true, isdeleted = true, ownerid = true, createddate = true, createdbyid = true,
  lastmodifieddate = true, lastmodifiedbyid = true, systemmodstamp = true,
}

local function is_name(s)
  return type(s) == "string" and s:find("^[A-Za-z][A-Za-z0-9_]*$") ~= nil
end

---------------------------------------------------------------------------
-- Values. field:coerce(v) turns a decoded JSON value into the stored form
-- or explains, in Salesforce's words, why it cannot.
---------------------------------------------------------------------------

-- Jackson's token names, which Salesforce's deserialization errors quote.
local function json_token(v)
  local t = type(v)
  if t == "string" then return "VALUE_STRING", v end
  if math.type(v) == "integer" then return "VALUE_NUMBER_INT", tostring(v) end
  if t == "number" or decimal.is(v) then return "VALUE_NUMBER_FLOAT", decimal.new(v):tostring() end
  if t == "boolean" then return v and "VALUE_TRUE" or "VALUE_FALSE", tostring(v) end
  if json.is_array(v) then return "START_ARRAY", "[" end
  return "START_OBJECT", "{"
end

local JAVA_TYPE = {
  boolean = "boolean", int = "int", double = "double", currency = "double", percent = "double",
  date = "date", datetime = "datetime",
}

local function parser_error(field, v)
  local token, text = json_token(v)
  return false, "JSON_PARSER_ERROR",
    ("Cannot deserialize instance of %s from %s value %s or request may be missing a required field")
    :format(JAVA_TYPE[field.type] or "string", token, text)
end

local function text_of(v)
  local t = type(v)
  if t == "string" then return v end
  if math.type(v) == "integer" then return tostring(v) end
  if t == "number" or decimal.is(v) then return decimal.new(v):plain() end
  if t == "boolean" then return tostring(v) end
  return nil
end

-- Rounds the plain text of a decimal half-up to `scale` digits after the
-- point (Salesforce rounds on save rather than refusing extra digits).
-- Returns the text and the number of digits before the point.
local function round_text(d, scale)
  local sign, int, frac = d:plain():match("^(%-?)(%d*)%.?(%d*)$")
  if #frac > scale then
    local up = frac:byte(scale + 1) >= 53
    local digits = int .. frac:sub(1, scale)
    if up then
      local i = #digits
      while i > 0 and digits:sub(i, i) == "9" do i = i - 1 end
      if i == 0 then
        digits = "1" .. ("0"):rep(#digits)
      else
        digits = digits:sub(1, i - 1) .. string.char(digits:byte(i) + 1) .. ("0"):rep(#digits - i)
      end
    end
    int, frac = digits:sub(1, #digits - scale), digits:sub(#digits - scale + 1)
  end
  int = int:gsub("^0+", "")
  local text = sign .. (int == "" and "0" or int) .. (frac ~= "" and "." .. frac or "")
  return text, #int
end

local function number_value(v)
  if type(v) == "number" or decimal.is(v) then return decimal.new(v) end
  if type(v) == "string" then return (decimal.parse((v:match("^%s*(.-)%s*$")))) end
  return nil
end

local SCALE_FORMAT = {}
for i = 0, 38 do SCALE_FORMAT[i] = "%." .. i .. "f" end

local function coerce_number(field, v)
  -- fast path: a Lua number already within the field's digits (the common
  -- case, and the whole of a bulk load); anything else goes through decimals
  if type(v) == "number" then
    local bound = 10.0 ^ (field.precision - field.scale)
    if v > -bound and v < bound then
      if field.type == "int" then
        local n = math.tointeger(v)
        if n then return true, n end
      elseif tonumber(SCALE_FORMAT[field.scale]:format(v)) == v then
        return true, v + 0.0
      end
    end
  end
  local d = number_value(v)
  if not d then return parser_error(field, v) end
  if field.type == "int" and not d:is_integer() then return parser_error(field, v) end
  local text, int_digits = round_text(d, field.scale)
  if int_digits > field.precision - field.scale then
    return false, "NUMBER_OUTSIDE_VALID_RANGE",
      ("%s: value outside of valid range on numeric field: %s"):format(field.label, d:tostring())
  end
  if field.type == "int" then return true, math.tointeger(tonumber(text)) end
  -- a float when it holds the value exactly (what the JSON codec does), else a decimal
  local f = tonumber(text) + 0.0
  if decimal.compare(f, text) == 0 then return true, f end
  return true, decimal.new(text)
end

local function coerce_picklist(field, s)
  local entry = field.picklist_index[s] or field.picklist_lower[s:lower()]
  if entry then return true, entry.value end
  if not field.restricted then return true, s end
  return false, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    ("%s: bad value for restricted picklist field: %s"):format(field.label, s)
end

-- "b;a;b" → "a;b": the values in declared order, each once.
local function coerce_multipicklist(field, s)
  local chosen, extra = {}, {}
  for part in s:gmatch("[^;]+") do
    part = part:match("^%s*(.-)%s*$")
    if part ~= "" then
      local entry = field.picklist_index[part] or field.picklist_lower[part:lower()]
      if entry then
        chosen[entry.value] = true
      elseif field.restricted then
        return false, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
          ("%s: bad value for restricted picklist field: %s"):format(field.label, part)
      elseif not chosen[part] then
        chosen[part] = true
        extra[#extra + 1] = part
      end
    end
  end
  local out = {}
  for _, value in ipairs(field.picklist) do
    if chosen[value] then out[#out + 1] = value end
  end
  for _, value in ipairs(extra) do out[#out + 1] = value end
  if #out == 0 then return true, nil end
  return true, table.concat(out, ";")
end

local TEXTUAL = {
  string = true, textarea = true, email = true, phone = true, url = true, picklist = true, multipicklist = true,
}

local function coerce_text(field, v)
  local s = text_of(v)
  if not s then return parser_error(field, v) end
  if s == "" then return true, nil end -- Salesforce stores an empty text as null
  if field.type == "picklist" then return coerce_picklist(field, s) end
  if field.type == "multipicklist" then return coerce_multipicklist(field, s) end
  local n = utf8.len(s) or #s
  if n > field.length then
    return false, "STRING_TOO_LONG",
      ("%s: data value too large: %s (max length=%d)"):format(field.label, s, field.length)
  end
  if field.type == "email" and not s:find("^[^%s@]+@[^%s@]+%.[^%s@]+$") then
    return false, "INVALID_EMAIL_ADDRESS", ("%s: invalid email address: %s"):format(field.label, s)
  end
  return true, s
end

--- The stored form of a decoded JSON value for this field:
-- `true, value` (value nil for null) or `false, errorCode, message`.
-- Does not look at other records (reference targets, uniqueness): the
-- store does. The caller handles json.null (null) itself.
local function coerce(field, v)
  local ty = field.type
  if TEXTUAL[ty] then return coerce_text(field, v) end
  if ty == "id" or ty == "reference" then
    local s = text_of(v)
    if s == "" then return true, nil end
    local id = s and type(v) == "string" and ids.to18(s)
    if not id then
      return false, "MALFORMED_ID", ("%s: id value of incorrect type: %s"):format(field.label, s or json_token(v))
    end
    return true, id
  end
  if ty == "boolean" then
    if type(v) == "boolean" then return true, v end
    if type(v) == "string" then
      local l = v:lower()
      if l == "true" then return true, true end
      if l == "false" then return true, false end
    end
    return parser_error(field, v)
  end
  if ty == "int" or ty == "double" or ty == "currency" or ty == "percent" then
    return coerce_number(field, v)
  end
  if type(v) ~= "string" then return parser_error(field, v) end
  if ty == "date" then
    local days = datetime.parse_date(v)
    if not days then
      local ms = datetime.parse_datetime(v)
      days = ms and ms // 86400000
    end
    if not days then return parser_error(field, v) end
    return true, datetime.format_date(days)
  end
  -- datetime
  local ms = datetime.parse_datetime(v, true)
  if not ms then
    local days = datetime.parse_date(v)
    ms = days and days * 86400000
  end
  if not ms then return parser_error(field, v) end
  return true, datetime.format_datetime(ms)
end

---------------------------------------------------------------------------
-- Objects and fields
---------------------------------------------------------------------------

local Field = {}
Field.__index = Field
Field.coerce = coerce

local Object = {}
Object.__index = Object

--- The field named `name` (any case), or nil.
function Object:field(name)
  local f = self.exact[name]
  if f then return f end
  return type(name) == "string" and self.by_name[name:lower()] or nil
end

--- The reference field behind a parent relationship name (any case), or nil:
-- Contact:parent("account") is the AccountId field.
function Object:parent(rel)
  return type(rel) == "string" and self.parents[rel:lower()] or nil
end

--- The child relationship named `rel` (any case): `{name=, object=, field=}`.
function Object:child(rel)
  return type(rel) == "string" and self.child_by[rel:lower()] or nil
end

local Schema = {}
Schema.__index = Schema

--- The object named `name` (any case), or nil.
function Schema:object(name)
  return type(name) == "string" and self.by_name[name:lower()] or nil
end

--- The objects in declared order (do not modify the list).
function Schema:objects()
  return self.list
end

--- The object an id belongs to, by its key prefix (nil when malformed or unknown).
function Schema:object_for_id(id)
  local prefix = ids.key_prefix(id)
  return prefix and self.by_prefix[prefix] or nil
end

---------------------------------------------------------------------------
-- Loading and validation
---------------------------------------------------------------------------

local function system_fields(obj)
  local function f(t)
    t.system = true
    return t
  end
  local head = {
    f { name = "Id", label = obj.label .. " ID", type = "id", readOnly = true },
    f { name = "IsDeleted", label = "Deleted", type = "boolean", readOnly = true, default = false },
  }
  local tail = {}
  if obj.has_owner then
    tail[#tail + 1] = f { name = "OwnerId", label = "Owner ID", type = "reference", referenceTo = { "User" },
      relationshipName = "Owner", required = true }
  end
  tail[#tail + 1] = f { name = "CreatedDate", label = "Created Date", type = "datetime", readOnly = true }
  tail[#tail + 1] = f { name = "CreatedById", label = "Created By ID", type = "reference", referenceTo = { "User" },
    relationshipName = "CreatedBy", readOnly = true }
  tail[#tail + 1] = f { name = "LastModifiedDate", label = "Last Modified Date", type = "datetime", readOnly = true }
  tail[#tail + 1] = f { name = "LastModifiedById", label = "Last Modified By ID", type = "reference",
    referenceTo = { "User" }, relationshipName = "LastModifiedBy", readOnly = true }
  tail[#tail + 1] = f { name = "SystemModstamp", label = "System Modstamp", type = "datetime", readOnly = true }
  return head, tail
end

local function is_list(v)
  if type(v) ~= "table" then return false end
  if json.is_array(v) then return true end
  if json.is_object(v) then return false end
  return next(v) == nil or #v > 0
end

local function opt_bool(def, key, problem)
  local v = def[key]
  if v == nil or v == json.null then return false end
  if type(v) ~= "boolean" then
    problem("%s: true or false expected", key)
    return false
  end
  return v
end

local function opt_string(def, key, problem)
  local v = def[key]
  if v == nil or v == json.null then return nil end
  if type(v) ~= "string" or v == "" then
    problem("%s: a non-empty string expected", key)
    return nil
  end
  return v
end

local function opt_int(def, key, problem, lo, hi)
  local v = def[key]
  if v == nil or v == json.null then return nil end
  local n = math.type(v) == "integer" and v or (math.type(v) == "float" and math.tointeger(v))
  if not n or n < lo or n > hi then
    problem("%s: an integer from %d to %d expected", key, lo, hi)
    return nil
  end
  return n
end

-- Picklist entries from "values": strings or {value, label, default, active, ...}.
local function build_picklist(field, def, problem)
  local values = def.values
  field.picklist, field.picklist_entries, field.picklist_index, field.picklist_lower = {}, {}, {}, {}
  if not is_list(values) or #values == 0 then
    problem("values: a non-empty list expected for a %s", field.type)
    return
  end
  for i, v in ipairs(values) do
    local entry
    if type(v) == "string" then
      entry = { value = v, label = v, active = true, default = false }
    elseif type(v) == "table" and type(v.value) == "string" then
      entry = {}
      for k, x in pairs(v) do entry[k] = x end
      if type(entry.label) ~= "string" then entry.label = v.value end
      entry.active = v.active ~= false
      entry.default = v.default == true
    end
    if not entry or entry.value == "" then
      problem("values[%d]: a string or an object with a \"value\" expected", i)
    elseif field.picklist_lower[entry.value:lower()] then
      problem("values[%d]: '%s' appears twice", i, entry.value)
    else
      field.picklist[#field.picklist + 1] = entry.value
      field.picklist_entries[#field.picklist_entries + 1] = entry
      field.picklist_index[entry.value] = entry
      field.picklist_lower[entry.value:lower()] = entry
      if entry.default and def.default == nil then field.default = entry.value end
    end
  end
end

-- One field definition → a Field, reporting problems through `problem`.
local function build_field(obj, def, problem)
  local field = setmetatable({}, Field)
  if type(def) ~= "table" or is_list(def) then
    problem("a field must be an object")
    return nil
  end
  for k in pairs(def) do
    if not FIELD_KEYS[k] and not (def.system and k == "system") then problem("unknown key '%s'", tostring(k)) end
  end
  if not is_name(def.name) then
    problem("name: an API name expected (letters, digits and _, starting with a letter)")
    return nil
  end
  field.name = def.name
  field.object_name = obj.name
  field.system = def.system or false
  field.label = opt_string(def, "label", problem) or def.name
  field.custom = def.name:sub(-3):lower() == "__c"
  local ty = def.type
  if not TYPES[ty] then
    problem("type: '%s' is not one of id, string, textarea, email, phone, url, picklist, multipicklist, "
      .. "boolean, int, double, currency, percent, date, datetime, reference", tostring(ty))
    return nil
  end
  if ty == "id" and not def.system then problem("type: only the system field Id has type id") end
  field.type = ty
  field.required = opt_bool(def, "required", problem)
  field.unique = opt_bool(def, "unique", problem)
  field.external_id = opt_bool(def, "externalId", problem)
  field.read_only = opt_bool(def, "readOnly", problem)
  field.restricted = def.restricted ~= false
  field.length, field.precision, field.scale = 0, 0, 0

  if TEXTUAL[ty] then
    field.length = opt_int(def, "length", problem, 1, MAX_TEXT_LENGTH) or TEXT_LENGTH[ty]
  elseif ty == "id" or ty == "reference" then
    field.length = 18
  elseif NUMBER_DEFAULTS[ty] then
    local d = NUMBER_DEFAULTS[ty]
    field.precision = opt_int(def, "precision", problem, 1, ty == "int" and 18 or 38) or d[1]
    field.scale = ty == "int" and 0 or (opt_int(def, "scale", problem, 0, field.precision) or d[2])
    if ty == "int" and def.scale ~= nil and def.scale ~= 0 then problem("scale: an int has scale 0") end
  end
  if (ty == "picklist" or ty == "multipicklist") then
    build_picklist(field, def, problem)
  elseif def.values ~= nil then
    problem("values: only picklists have values")
  end

  if ty == "reference" then
    local to = def.referenceTo
    if not is_list(to) or #to == 0 then
      problem("referenceTo: a non-empty list of object names expected")
      to = {}
    end
    field.reference_to = {}
    for i, name in ipairs(to) do
      if not is_name(name) then problem("referenceTo[%d]: an object name expected", i) end
      field.reference_to[i] = name
    end
    local rel = def.relationshipName
    if rel == nil then
      if def.name:sub(-3):lower() == "__c" then
        rel = def.name:sub(1, -4) .. "__r"
      elseif def.name:sub(-2) == "Id" and #def.name > 2 then
        rel = def.name:sub(1, -3)
      end
    end
    if not is_name(rel) then
      problem("relationshipName: an API name expected")
    end
    field.relationship_name = rel
    field.child_relationship_name = opt_string(def, "childRelationshipName", problem)
    if field.child_relationship_name and not is_name(field.child_relationship_name) then
      problem("childRelationshipName: an API name expected")
    end
  else
    field.reference_to = {}
    for _, k in ipairs { "referenceTo", "relationshipName", "childRelationshipName" } do
      if def[k] ~= nil then problem("%s: only references have it", k) end
    end
  end

  if def.autoNumber ~= nil then
    local fmt = def.autoNumber
    if ty ~= "string" or type(fmt) ~= "string" or not fmt:find("{0+}") then
      problem("autoNumber: a format with a {000} run, on a string field, expected")
    else
      field.auto_number = fmt
      field.read_only = true
    end
  end

  if def.formula ~= nil then
    local fm = def.formula
    if type(fm) ~= "table" then
      problem("formula: an object expected")
    elseif fm.join ~= nil then
      if ty ~= "string" and ty ~= "textarea" then problem("formula: join gives text, the field is %s", ty) end
      if not is_list(fm.join) or #fm.join == 0 then problem("formula.join: a list of field names expected") end
      if fm.separator ~= nil and type(fm.separator) ~= "string" then
        problem("formula.separator: a string expected")
      end
      local names = {}
      if is_list(fm.join) then
        for i, n in ipairs(fm.join) do names[i] = n end
      end
      field.formula = { kind = "join", fields = names, separator = fm.separator or " " }
    elseif fm.picklistFlag ~= nil then
      if ty ~= "boolean" then problem("formula: picklistFlag gives a boolean, the field is %s", ty) end
      if type(fm.picklistFlag) ~= "string" or type(fm.field) ~= "string" then
        problem("formula: picklistFlag and field must be strings")
      end
      field.formula = { kind = "picklistFlag", flag = fm.picklistFlag, field = fm.field }
    else
      problem("formula: 'join' or 'picklistFlag' expected")
    end
    field.read_only = true
    if field.required then problem("required: a formula field cannot be required") end
  end

  if (field.unique or field.external_id)
      and not (ty == "string" or ty == "email" or ty == "int" or ty == "double" or ty == "phone") then
    problem("%s: only text, email and number fields can be", field.external_id and "externalId" or "unique")
  end

  field.calculated = field.formula ~= nil
  field.nillable = not field.required and ty ~= "boolean" and ty ~= "id" and not field.auto_number
    and not (field.system and field.name ~= "OwnerId")
  -- a field is writable where its object is (describe says so field by field)
  field.createable = not field.read_only and obj.createable
  field.updateable = not field.read_only and obj.updateable
  field.name_field = field.name == "Name" or (field.auto_number ~= nil and obj.name_field == nil)

  if def.default ~= nil and def.default ~= json.null then
    local ok, value, message = coerce(field, def.default)
    if not ok then
      problem("default: %s", message)
    else
      field.default = value
    end
  end
  if ty == "boolean" and field.default == nil and not field.formula then field.default = false end
  field.defaulted_on_create = field.default ~= nil or field.system or field.auto_number ~= nil
  return field
end

local function build_object(index, def, problems)
  local here = ("objects[%d]"):format(index)
  if type(def) == "table" and type(def.name) == "string" then here = here .. " '" .. def.name .. "'" end
  local function problem(fmt, ...)
    problems[#problems + 1] = here .. ": " .. fmt:format(...)
  end
  if type(def) ~= "table" or is_list(def) then
    problem("an object expected")
    return nil
  end
  for k in pairs(def) do
    if not OBJECT_KEYS[k] then problem("unknown key '%s'", tostring(k)) end
  end
  if not is_name(def.name) then
    problem("name: an API name expected (letters, digits and _, starting with a letter)")
    return nil
  end
  local obj = setmetatable({ name = def.name, fields = {}, by_name = {}, exact = {}, parents = {}, children = {},
    child_by = {}, formulas = {}, indexed = {}, auto_numbers = {} }, Object)
  obj.label = opt_string(def, "label", problem) or def.name
  obj.label_plural = opt_string(def, "labelPlural", problem) or obj.label .. "s"
  obj.custom = def.custom
  if obj.custom == nil or obj.custom == json.null then obj.custom = def.name:sub(-3):lower() == "__c" end
  if type(obj.custom) ~= "boolean" then problem("custom: true or false expected") end
  obj.has_owner = def.hasOwner ~= false
  for _, cap in ipairs { "createable", "updateable", "deletable" } do
    local v = def[cap]
    if v == nil or v == json.null then v = true end
    if type(v) ~= "boolean" then problem("%s: true or false expected", cap) end
    obj[cap] = v ~= false
  end
  local prefix = def.keyPrefix
  if type(prefix) ~= "string" or not prefix:find("^[0-9A-Za-z][0-9A-Za-z][0-9A-Za-z]$") then
    problem("keyPrefix: 3 letters or digits expected")
  end
  obj.key_prefix = prefix

  local defs = def.fields
  if not is_list(defs) then
    problem("fields: a list expected")
    defs = {}
  end
  local head, tail = system_fields(obj)
  local all = {}
  for _, d in ipairs(head) do all[#all + 1] = { d } end
  for i, d in ipairs(defs) do all[#all + 1] = { d, i } end
  for _, d in ipairs(tail) do all[#all + 1] = { d } end

  for _, pair in ipairs(all) do
    local d, i = pair[1], pair[2]
    local fhere = i and ("fields[%d]"):format(i) or "system field"
    if type(d) == "table" and type(d.name) == "string" then fhere = fhere .. " '" .. d.name .. "'" end
    local function fproblem(fmt, ...) problem(fhere .. ": " .. fmt, ...) end
    if i and type(d) == "table" and type(d.name) == "string" and SYSTEM_NAMES[d.name:lower()] then
      fproblem("a system field, added to every object: do not declare it")
    else
      local field = build_field(obj, d, fproblem)
      if field then
        local key = field.name:lower()
        if obj.by_name[key] then
          fproblem("a second field with this name")
        else
          obj.fields[#obj.fields + 1] = field
          obj.by_name[key] = field
          obj.exact[field.name] = field
          if field.formula then obj.formulas[#obj.formulas + 1] = field end
          if field.auto_number then obj.auto_numbers[#obj.auto_numbers + 1] = field end
          if (field.unique or field.external_id) then obj.indexed[#obj.indexed + 1] = field end
          if field.name_field and not obj.name_field then obj.name_field = field end
          if field.relationship_name then
            local rkey = field.relationship_name:lower()
            if obj.parents[rkey] then
              fproblem("relationshipName '%s' is used by %s too", field.relationship_name, obj.parents[rkey].name)
            else
              obj.parents[rkey] = field
            end
          end
        end
      end
    end
  end
  -- formulas may only read fields of their own object
  for _, f in ipairs(obj.formulas) do
    local fm = f.formula
    local names = fm.kind == "join" and fm.fields or { fm.field }
    for k, n in ipairs(names) do
      local src = obj:field(n)
      if not src then
        problem("field '%s': formula reads '%s', which is no field of %s", f.name, tostring(n), obj.name)
      elseif fm.kind == "picklistFlag" and src.type ~= "picklist" then
        problem("field '%s': formula reads '%s', which is no picklist", f.name, src.name)
      else
        if fm.kind == "join" then
          fm.fields[k] = src.name
        else
          fm.field = src.name
          fm.source = src
        end
      end
    end
  end
  return obj
end

--- Builds a schema from JSON text or a table of the same shape.
-- Returns the schema, or nil and an error (code INVALID_SCHEMA) whose
-- message lists every problem found, one a line. `opts.system_objects =
-- false` leaves out the objects every org has (for the Tooling API's own
-- objects).
function M.load(source, opts)
  local def = source
  if type(source) == "string" then
    local err
    def, err = json.decode(source)
    if def == nil then
      return nil, errors.new { code = "INVALID_SCHEMA", message = "schema: " .. err.message,
        problems = { err.message }, exit = errors.EXIT.USAGE }
    end
  elseif type(source) ~= "table" then
    error("bad argument #1 to 'load' (string or table expected, got " .. type(source) .. ")", 2)
  end
  local problems = {}
  local sch = setmetatable({ list = {}, by_name = {}, by_prefix = {} }, Schema)
  if type(def) ~= "table" or not is_list(def.objects) then
    problems[1] = "objects: a list of objects expected"
  else
    local defs = {}
    for i, odef in ipairs(def.objects) do defs[i] = odef end
    local builtin = {}
    if not (opts and opts.system_objects == false) then
      for _, odef in ipairs(require("luaforce.emulator.system_objects").missing_from(defs)) do
        defs[#defs + 1] = odef
        builtin[odef] = true
      end
    end
    for i, odef in ipairs(defs) do
      local obj = build_object(i, odef, problems)
      if obj then obj.builtin = builtin[odef] or nil end
      if obj then
        local here = ("objects[%d] '%s'"):format(i, obj.name)
        if sch.by_name[obj.name:lower()] then
          problems[#problems + 1] = here .. ": a second object with this name"
        elseif obj.key_prefix and sch.by_prefix[obj.key_prefix] then
          problems[#problems + 1] = here .. (": keyPrefix '%s' is %s's too"):format(obj.key_prefix,
            sch.by_prefix[obj.key_prefix].name)
        else
          sch.list[#sch.list + 1] = obj
          sch.by_name[obj.name:lower()] = obj
          if obj.key_prefix then sch.by_prefix[obj.key_prefix] = obj end
        end
      end
    end
    for k in pairs(def) do
      if k ~= "objects" then problems[#problems + 1] = ("unknown key '%s'"):format(tostring(k)) end
    end
  end

  -- references: targets exist (system lookups to User excepted when there is
  -- no User), child relationship names are unique on each parent
  for i, obj in ipairs(sch.list) do
    for _, f in ipairs(obj.fields) do
      if f.type == "reference" then
        for j, target in ipairs(f.reference_to) do
          local tobj = sch:object(target)
          if tobj then
            f.reference_to[j] = tobj.name
          elseif not f.system then
            problems[#problems + 1] = ("objects[%d] '%s': field '%s': referenceTo: no object '%s'")
              :format(i, obj.name, f.name, target)
          end
          local cname = f.child_relationship_name
          if tobj and cname then
            local key = cname:lower()
            if tobj.child_by[key] then
              problems[#problems + 1] = ("objects[%d] '%s': field '%s': childRelationshipName '%s' is taken on %s")
                :format(i, obj.name, f.name, cname, tobj.name)
            else
              local child = { name = cname, object = obj.name, field = f.name }
              tobj.child_by[key] = child
              tobj.children[#tobj.children + 1] = child
            end
          end
        end
      end
    end
  end

  if #problems > 0 then
    return nil, errors.new { code = "INVALID_SCHEMA", message = "schema: " .. table.concat(problems, "\n"),
      problems = problems, exit = errors.EXIT.USAGE }
  end
  return sch
end

local default_cache

--- The default org's schema (Account, Contact, Opportunity, Case, Lead,
-- User, Invoice__c). Built once; treat it as read-only.
function M.default()
  if not default_cache then
    default_cache = assert(M.load(require("luaforce.emulator.default_schema")))
  end
  return default_cache
end

return M
