--- luaforce.emulator.bulk_csv: the CSV of Bulk API 2.0 jobs as the local
-- org reads and writes it: a job's header row against the object, a cell's
-- text as a value of its field's type, a value as result text, and the
-- `sf__Error` text of a failed row.
--
--   bulk_csv.DELIMITERS    COMMA = ",", TAB, PIPE, SEMICOLON, CARET, BACKQUOTE
--   bulk_csv.LINE_ENDINGS  LF = "\n", CRLF = "\r\n"
--   bulk_csv.columns(schema, obj, header) -> plan | nil, errorMessage: the
--       uploaded header (a list of names) against the object: each column a
--       field (`Name`, `AccountId`), the record's `Id`, or a parent named by
--       one of its fields (`Account.External_Id__c`, `Owner.Id`, with the
--       type first for a polymorphic lookup: `Account:Parent.Name` is refused
--       as Salesforce refuses it, `User:Owner.Id` for a lookup to several
--       objects). errorMessage is the job's (`InvalidBatch : Field name not
--       found : Foo__c`). plan: {cols = {{index, name, kind = "id" | "field"
--       | "parent", field (field, parent: the lookup), target (parent: its
--       object), key (parent: the parent's field name), type (parent: the
--       type given)}, ...}, id = index of the Id column, by_name = {lower-
--       case field name -> index}}
--   bulk_csv.value(field, text, col) -> value | nil, err: a non-empty cell
--       as the value the store's write takes: `#N/A` is json.null (set to
--       null), booleans true/false/1/0 in any case, numbers, dates and
--       date-times checked here (so that a bad one fails as Bulk API does,
--       `INVALID_FIELD` "Failed to deserialize field at col 3. Due to, 'x' is
--       not a valid value for the type xsd:date") and handed on as text
--       (numbers of up to 15 digits as Lua numbers, the store's fast path);
--       the rest as text (the store checks lengths, picklists, ids). err:
--       {errorCode =, message =, fields =}
--   bulk_csv.error_text(err) -> "REQUIRED_FIELD_MISSING:Required fields are
--       missing: [Name]:Name --": Salesforce's sf__Error (code, message, the
--       fields, " --"; "CODE:message:--" without fields)
--   bulk_csv.text(apex_type, value) -> the text of a query result value:
--       "" for null, true/false, numbers in all their digits, dates as
--       stored, date-times as Bulk API writes them (2024-06-01T12:00:00.000Z)
--
-- Salesforce's rules for cells (Bulk API 2.0 "Prepare CSV Files"): values
-- are not trimmed, an empty cell leaves a field alone on update and sets
-- nothing on insert, `#N/A` sets it to null. Unverified, chosen close: the
-- boolean spellings (true/false/1/0, any case); several fields in sf__Error
-- are joined with ",".
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local datetime = require "luaforce.emulator.datetime"

local M = {}

M.DELIMITERS = { COMMA = ",", TAB = "\t", PIPE = "|", SEMICOLON = ";", CARET = "^", BACKQUOTE = "`" }
M.LINE_ENDINGS = { LF = "\n", CRLF = "\r\n" }
M.NULL_TEXT = "#N/A"

local NULL = json.null

local function not_found(name)
  return "InvalidBatch : Field name not found : " .. name
end

-- `Rel.Field` or `Type:Rel.Field` as a parent column, or nil and the
-- job's error.
local function parent_column(schema, obj, name)
  local typ, rel, key = name:match("^([%w_]+):([%w_]+)%.([%w_]+)$")
  if not typ then rel, key = name:match("^([%w_]+)%.([%w_]+)$") end
  if not rel then return nil, not_found(name) end
  local ref = obj:parent(rel)
  if not ref then return nil, not_found(name) end
  local target
  if typ then
    if #ref.reference_to < 2 then
      return nil, "InvalidBatch : type is not needed for non polymorphic foreign key references: "
        .. ref.relationship_name
    end
    for _, t in ipairs(ref.reference_to) do
      if t:lower() == typ:lower() then target = schema:object(t) end
    end
  else
    -- a lookup to several objects without a type: its first one, as the
    -- REST body's `"Owner": {...}` without attributes reads it
    target = schema:object(ref.reference_to[1])
  end
  if not target then return nil, not_found(name) end
  local f = target:field(key)
  if not f then return nil, not_found(name) end
  return { kind = "parent", field = ref, target = target, key = f.name, type = typ and target.name or nil }
end

--- See the file comment.
function M.columns(schema, obj, header)
  local plan = { cols = {}, by_name = {} }
  local seen = {}
  for i, name in ipairs(header) do
    local col, err
    local f = obj:field(name)
    if f then
      col = { kind = f.name == "Id" and "id" or "field", field = f }
    else
      col, err = parent_column(schema, obj, name)
      if not col then return nil, err end
    end
    col.index, col.name = i, name
    local key = (col.kind == "parent" and (col.field.name .. "." .. col.key) or col.field.name):lower()
    if seen[key] then
      -- Salesforce's words for this are not known; close to its others
      return nil, "InvalidBatch : Duplicate field name : " .. name
    end
    seen[key] = true
    if col.kind == "id" then plan.id = i end
    if col.kind ~= "parent" then plan.by_name[col.field.name:lower()] = i end
    plan.cols[i] = col
  end
  return plan
end

local XSD = {
  boolean = "boolean", int = "int", double = "double", currency = "double", percent = "double",
  date = "date", datetime = "dateTime",
}

local function bad_value(field, text, col)
  return nil, { errorCode = "INVALID_FIELD", fields = { field.name },
    message = ("Failed to deserialize field at col %d. Due to, '%s' is not a valid value for the type xsd:%s")
      :format(col, text, XSD[field.type]) }
end

local BOOLEANS = { ["true"] = true, ["1"] = true, ["false"] = false, ["0"] = false }

--- See the file comment.
function M.value(field, text, col)
  if text == M.NULL_TEXT then return NULL end
  local ty = field.type
  if ty == "boolean" then
    local b = BOOLEANS[text:lower()]
    if b == nil then return bad_value(field, text, col) end
    return b
  elseif ty == "int" then
    if not text:find("^[+-]?%d+$") then return bad_value(field, text, col) end
    -- a Lua integer when it is one (the store's fast path), else the text
    if #text <= 16 then return math.tointeger(tonumber(text)) end
  elseif ty == "double" or ty == "currency" or ty == "percent" then
    if not decimal.parse(text) then return bad_value(field, text, col) end
    -- up to 15 digits a float holds the value exactly enough to round it as
    -- the text would be rounded
    local digits = text:match("^[+-]?(%d*%.?%d*)$")
    if digits and #digits:gsub("%.", "") <= 15 then return tonumber(text) + 0.0 end
  elseif ty == "date" then
    if not (datetime.parse_date(text) or datetime.parse_datetime(text)) then return bad_value(field, text, col) end
  elseif ty == "datetime" then
    if not (datetime.parse_datetime(text, true) or datetime.parse_date(text)) then
      return bad_value(field, text, col)
    end
  end
  return text
end

--- See the file comment.
function M.error_text(e)
  local fields = e.fields or {}
  local where = #fields > 0 and (table.concat(fields, ",") .. " ") or ""
  return ("%s:%s:%s--"):format(e.errorCode or e.statusCode or "UNKNOWN_EXCEPTION", e.message or "", where)
end

local plain = decimal.new

--- See the file comment.
function M.text(apex_type, v)
  if v == nil or v == NULL then return "" end
  local t = type(v)
  if t == "string" then
    if apex_type == "Datetime" and v:sub(-5) == "+0000" then return v:sub(1, -6) .. "Z" end
    return v
  elseif t == "boolean" then
    return v and "true" or "false"
  elseif math.type(v) == "integer" then
    return tostring(v)
  elseif t == "number" or decimal.is(v) then
    return plain(v):plain()
  end
  return "" -- a parent record where a value was expected: none
end

return M
