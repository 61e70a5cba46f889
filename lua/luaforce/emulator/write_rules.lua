--- luaforce.emulator.write_rules: what a write to the local org must satisfy,
-- and what it derives, as Salesforce has it.
--
--   rules.prepare(st, t, fields, mode, row) -> changes | nil, errs: a
--       request body (a decoded JSON object) as a change map (field API
--       name -> value, or json.null to clear it): names checked against the
--       object, values coerced to the field's type, read-only fields refused
--       (mode "insert" or "update"; "load" may set every stored field:
--       system fields, auto numbers and fields the API cannot write, such
--       as Organization.OrganizationType), a parent named by its external id (`"Account":
--       {"External_Id__c": "X"}`) turned into its id. `row` is the row an
--       update changes. Keys are visited in the body's order.
--   rules.check_references(st, t, changes, pending) -> problems | nil:
--       reference fields point at live records of a target object
--       (`pending`: ids a load is about to create)
--   rules.targets(st, f, id) -> true when reference field f may point at id
--   rules.missing_required(t, row, changes, only) -> err | nil
--   rules.duplicates(t, row, changes, only) -> problems | nil: unique fields
--       whose new value another live row of the object holds
--   rules.formula_value(f, row, changes) -> the value of formula field f
--   rules.format_auto(format, n) -> the text of auto number n ("INV-{0000}")
--   rules.error(code, message, fields, status) -> one error entry
--       {errorCode, message, fields, status (default 400)}
--   rules.invalid_type(name) -> INVALID_TYPE for an unknown object
--
-- `st` is the store (luaforce.emulator.store), `t` an object's state in it
-- (luaforce.emulator.row_index), `changes` a change map and `only` (a set
-- of field names, optional) limits a check to the fields a write sets.
-- Problems are lists of error entries in Salesforce's words.
local json = require "luaforce.json"
local ids = require "luaforce.emulator.ids"
local row_index = require "luaforce.emulator.row_index"

local M = {}

local NULL = json.null -- in change maps: "set this field to null"
local key_of = row_index.key_of

--- See the file comment.
function M.error(code, message, fields, status)
  return { errorCode = code, message = message, fields = fields or {}, status = status or 400 }
end
local err = M.error

--- See the file comment.
function M.invalid_type(name)
  return err("INVALID_TYPE", ("sObject type '%s' is not supported."):format(tostring(name)))
end
local invalid_type = M.invalid_type

-- The keys of a body in the order the JSON text had them, then any others sorted.
local function ordered_keys(fields)
  local mt = getmetatable(fields)
  local recorded = type(mt) == "table" and rawget(mt, "__jsonkeys")
  if not recorded then -- a table built in Lua: sorted (the common case of load)
    local keys, odd = {}, nil
    for k in pairs(fields) do
      if type(k) == "string" then
        keys[#keys + 1] = k
      else
        odd = odd or {}
        odd[#odd + 1] = k
      end
    end
    table.sort(keys)
    if odd then
      for _, k in ipairs(odd) do keys[#keys + 1] = k end
    end
    return keys
  end
  local keys, seen = {}, {}
  for _, k in ipairs(recorded) do
    if fields[k] ~= nil then
      keys[#keys + 1] = k
      seen[k] = true
    end
  end
  local rest, odd = {}, {}
  for k in pairs(fields) do
    if not seen[k] then
      if type(k) == "string" then rest[#rest + 1] = k else odd[#odd + 1] = k end
    end
  end
  table.sort(rest)
  for _, k in ipairs(rest) do keys[#keys + 1] = k end
  for _, k in ipairs(odd) do keys[#keys + 1] = k end
  return keys
end

local function no_such_column(key, obj)
  return err("INVALID_FIELD", ("No such column '%s' on sobject of type %s"):format(tostring(key), obj.name))
end

-- `"Account": {"External_Id__c": "X"}` in a body: the parent named by its
-- external id. Returns the parent's id or nil, errs.
local function resolve_parent(st, obj, pf, v)
  local tname = pf.reference_to[1]
  if type(v.attributes) == "table" and type(v.attributes.type) == "string" then tname = v.attributes.type end
  local tobj = st.schema:object(tname)
  if not tobj then return nil, { invalid_type(tname) } end
  local ext
  for k in pairs(v) do
    if k ~= "attributes" then
      if ext then
        return nil, { err("INVALID_FIELD", ("%s: a foreign key reference names exactly one external id field")
          :format(pf.relationship_name)) }
      end
      ext = k
    end
  end
  local ef = ext and tobj:field(ext)
  if not ef or not (ef.external_id or ef.name == "Id") then
    return nil, { err("INVALID_FIELD", ("Field %s is not an external id field of %s")
      :format(tostring(ext), tobj.name)) }
  end
  local rows = st:find_by(tobj.name, ef.name, v[ext])
  if #rows ~= 1 then
    local what = #rows == 0 and "not found" or "matched more than one record"
    return nil, { err("INVALID_FIELD", ("Foreign key external ID: %s %s for field %s in entity %s")
      :format(tostring(v[ext]), what, ef.name, tobj.name)) }
  end
  if not M.targets(st, pf, rows[1].Id) then
    return nil, { err("FIELD_INTEGRITY_EXCEPTION", ("%s: id value of incorrect type: %s"):format(pf.label, rows[1].Id),
      { pf.name }) }
  end
  return rows[1].Id
end

--- May reference field f point at id (by the key prefix)?
function M.targets(st, f, id)
  local tobj = st.schema.by_prefix[id:sub(1, 3)] -- id: a stored (canonical) id
  if not tobj then return false end
  for _, name in ipairs(f.reference_to) do
    if name == tobj.name then return true end
  end
  return false
end

--- Body → change map (see the file comment). mode "insert", "update" or "load" (every stored
-- field writable; formulas and Id skipped). `row` is the updated row.
function M.prepare(st, t, fields, mode, row)
  local obj = t.obj
  local changes, read_only, problems = {}, nil, nil
  for _, key in ipairs(ordered_keys(fields)) do
    if key ~= "attributes" then
      local v = fields[key]
      local f = type(key) == "string" and obj:field(key)
      if not f then
        local pf = type(key) == "string" and obj:parent(key)
        if pf and type(v) == "table" and not json.is_array(v) then
          local id, errs = resolve_parent(st, obj, pf, v)
          if not id then return nil, errs end
          changes[pf.name] = id
        else
          return nil, { no_such_column(key, obj) }
        end
      elseif f.name == "Id" then
        if mode == "insert" then
          if v ~= NULL then
            return nil, { err("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", { "Id" }) }
          end
        elseif mode == "update" and v ~= NULL and not ids.equal(v, row.Id) then
          return nil, { err("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot change the Id of a record", { "Id" }) }
        end
      elseif f.formula then
        if mode ~= "load" then
          read_only = read_only or {}
          read_only[#read_only + 1] = f.name
        end
      elseif f.read_only and mode ~= "load" then
        read_only = read_only or {}
        read_only[#read_only + 1] = f.name
      elseif v == NULL then
        changes[f.name] = NULL
      else
        local ok, value, message = f:coerce(v)
        if not ok then
          local e = err(value, message, { f.name })
          if value == "JSON_PARSER_ERROR" then return nil, { e } end
          problems = problems or {}
          problems[#problems + 1] = e
        else
          changes[f.name] = value == nil and NULL or value
        end
      end
    end
  end
  if read_only then
    return nil, { err("INVALID_FIELD_FOR_INSERT_UPDATE", ("Unable to create/update fields: %s. Please check the "
      .. "security settings of this field and verify that it is read/write for your role.")
      :format(table.concat(read_only, ", ")), read_only) }
  end
  if problems then return nil, problems end
  return changes
end

--- Reference fields among the changes must point at live records of a target
-- object; `pending` holds ids a load is about to create. The default user
-- need not exist (an org loaded without users), nor the users named in the
-- read-only audit fields (CreatedById, LastModifiedById) of loaded data.
function M.check_references(st, t, changes, pending)
  local problems
  local function problem(code, message, f)
    problems = problems or {}
    problems[#problems + 1] = err(code, message, { f.name })
  end
  for _, f in ipairs(t.refs) do
    local v = changes[f.name]
    if v ~= nil and v ~= NULL then
      if not M.targets(st, f, v) then
        problem("FIELD_INTEGRITY_EXCEPTION", ("%s: id value of incorrect type: %s"):format(f.label, v), f)
      elseif not (pending and pending[v]) and not (f.system and f.read_only) and v ~= st.user_id then
        local target = st.by_id[v]
        if not target then
          problem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", f)
        elseif target.IsDeleted then
          problem("ENTITY_IS_DELETED", "entity is deleted", f)
        end
      end
    end
  end
  return problems
end

-- A field's value once `changes` (may be nil) apply to `row`.
local function view(row, changes, name)
  local v = changes and changes[name]
  if v == nil then return row[name] end
  if v == NULL then return nil end
  return v
end

--- Required fields the row (with changes) leaves null; only `only` (a set)
-- when given.
function M.missing_required(t, row, changes, only)
  local missing
  for _, f in ipairs(t.required) do
    if (not only or only[f.name]) and view(row, changes, f.name) == nil then
      missing = missing or {}
      missing[#missing + 1] = f.name
    end
  end
  if not missing then return nil end
  return err("REQUIRED_FIELD_MISSING", ("Required fields are missing: [%s]"):format(table.concat(missing, ", ")),
    missing)
end

--- Unique fields whose new value another live row of the object has (nil
-- when none).
function M.duplicates(t, row, changes, only)
  local problems
  for _, f in ipairs(t.obj.indexed) do
    local v = view(row, changes, f.name)
    if f.unique and v ~= nil and (not only or only[f.name]) then
      for _, other in ipairs(t.index[f.name][key_of(v)] or {}) do
        if other ~= row then
          problems = problems or {}
          problems[#problems + 1] = err("DUPLICATE_VALUE",
            ("duplicate value found: %s duplicates value on record with id: %s"):format(f.name, other.Id), { f.name })
          break
        end
      end
    end
  end
  return problems
end

--- The value of formula field f once `changes` (may be nil) apply to row.
function M.formula_value(f, row, changes)
  local fm = f.formula
  if fm.kind == "join" then
    local parts = {}
    for _, name in ipairs(fm.fields) do
      local v = view(row, changes, name)
      if v ~= nil then parts[#parts + 1] = tostring(v) end
    end
    if #parts == 0 then return nil end
    return table.concat(parts, fm.separator)
  end
  local entry = fm.source.picklist_index[view(row, changes, fm.field)]
  return entry ~= nil and entry[fm.flag] == true
end

--- See the file comment.
function M.format_auto(fmt, n)
  return (fmt:gsub("{(0+)}", function(zeros) return ("%0" .. #zeros .. "d"):format(n) end, 1))
end

return M
