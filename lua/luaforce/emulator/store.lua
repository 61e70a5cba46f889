--- luaforce.emulator.store: the local org's records, with Salesforce's
-- validation on every write.
--
-- Rows are plain tables keyed by each field's API name as the schema spells
-- it. Values: string, integer, float, luaforce.decimal (numbers a double
-- cannot hold exactly, such as 18-digit currency) or boolean; null is nil
-- (the key is absent); dates "YYYY-MM-DD", date-times "YYYY-MM-DDTHH:MM:SS.fff+0000"
-- (UTC, as datetime.format_datetime prints them, so strings compare as the
-- values do); ids always 18 characters. Derived fields (formulas such as
-- Contact.Name and Opportunity.IsClosed, auto numbers, IsDeleted and the audit
-- fields) are kept up to date in the row itself, so readers need no logic.
--
-- Readers get the store's own tables, never copies: `st:all(obj)` is the
-- live list and rows are the stored rows. Do not modify them; write through
-- insert / update / delete / upsert / load.
--
-- Failures return `nil, errs`: a list of `{errorCode =, message =, fields =
-- {...}, status =}` in Salesforce's words (status is the HTTP status the
-- error answers with: 400, 404, or 300 for an ambiguous upsert, whose error
-- also carries `ids`). `get` returns one such error instead of a list, and
-- `load` a luaforce error naming the object and the record's index.
--
-- Undo: `st:checkpoint()` starts logging changes and returns a token;
-- `st:rollback(token)` undoes everything since, `st:release(token)` keeps it.
-- `st:reset()` restores the state right after the last `load` (it keeps the
-- original values of rows changed since, not a copy of the whole store).
-- `st:purge(obj, id)` removes a record for good (Bulk API's hardDelete).
-- `st.changes` counts the changes to the rows (inserts, updates, deletes,
-- undos, resets): a saved copy is out of date when it moved
-- (luaforce.emulator.snapshot writes and reads the whole store).
--
-- The rules a write must satisfy (names, types, references, required and
-- unique fields, formulas) are luaforce.emulator.write_rules; each object's
-- row lists and indexes, luaforce.emulator.row_index.
local json = require "luaforce.json"
local errors = require "luaforce.errors"
local datetime = require "luaforce.emulator.datetime"
local ids = require "luaforce.emulator.ids"
local schema_mod = require "luaforce.emulator.schema"
local row_index = require "luaforce.emulator.row_index"
local rules = require "luaforce.emulator.write_rules"

local M = {}

local Store = {}
Store.__index = Store

local NULL = json.null -- in change maps: "set this field to null"
local NO_AUTO = {}      -- the undo record of an object without auto numbers

local err, invalid_type = rules.error, rules.invalid_type
local index_add, index_remove, remove_from, rebuild = row_index.add, row_index.remove, row_index.remove_from,
  row_index.rebuild

local function not_found()
  return err("NOT_FOUND", "The requested resource does not exist", nil, 404)
end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

--- A new, empty store. `opts`: `schema` (default: the default schema),
-- `clock` (datetime.clock(); default the real clock), `user_id` (the user
-- records are created by; default ids.DEFAULT_USER_ID).
function M.new(opts)
  opts = opts or {}
  local sch = opts.schema or schema_mod.default()
  local self = setmetatable({
    schema = sch,
    clock = opts.clock or datetime.clock(),
    user_id = opts.user_id or ids.DEFAULT_USER_ID,
    tables = {}, -- lower-case object name -> table state
    by_id = {},  -- id18 -> row (every object, deleted rows too)
    seq = {},    -- row -> insertion number (lists are in this order)
    last_seq = 0,
    changes = 0, -- counts every change to the rows (a snapshot is due when it moved)
    cps = {},    -- checkpoint stack: log positions
    log = nil,   -- undo log while a checkpoint is open
  }, Store)
  for _, obj in ipairs(sch:objects()) do
    local t = { obj = obj, all = {}, live = {}, index = {}, auto = {}, gen = ids.generator(obj.key_prefix),
      refs = {}, required = {}, defaults = {}, bools = {} }
    for _, f in ipairs(obj.indexed) do t.index[f.name] = {} end
    for _, f in ipairs(obj.auto_numbers) do t.auto[f.name] = 0 end
    -- the fields each write visits, listed once
    for _, f in ipairs(obj.fields) do
      -- references to objects the schema has (a system lookup to a User the
      -- schema lacks cannot be checked)
      if f.type == "reference" then
        for _, name in ipairs(f.reference_to) do
          if sch:object(name) then
            t.refs[#t.refs + 1] = f
            break
          end
        end
      end
      if f.required then t.required[#t.required + 1] = f end
      if f.default ~= nil then t.defaults[#t.defaults + 1] = f end
      if f.type == "boolean" and not f.formula then t.bools[#t.bools + 1] = f end
    end
    self.tables[obj.name:lower()] = t
  end
  self:_mark_baseline()
  return self
end

function Store:_table(name)
  return type(name) == "string" and self.tables[name:lower()] or nil
end

function Store:_now()
  local ms = self.clock.now()
  if ms ~= self.now_ms then self.now_ms, self.now_text = ms, datetime.format_datetime(ms) end
  return self.now_text
end

---------------------------------------------------------------------------
-- Reading
---------------------------------------------------------------------------

--- The rows of an object in insertion order (deleted ones only with
-- include_deleted). The store's own list: do not modify it. Unknown object:
-- nil, err (INVALID_TYPE).
function Store:all(obj_name, include_deleted)
  local t = self:_table(obj_name)
  if not t then return nil, invalid_type(obj_name) end
  return include_deleted and t.all or t.live
end

--- The row with this id (15 or 18 characters) of this object, or nil and
-- one error: INVALID_TYPE, MALFORMED_ID, NOT_FOUND or ENTITY_IS_DELETED.
function Store:get(obj_name, id)
  local t = self:_table(obj_name)
  if not t then return nil, invalid_type(obj_name) end
  local id18 = ids.to18(id)
  if not id18 then
    return nil, err("MALFORMED_ID", ("%s ID: id value of incorrect type: %s"):format(t.obj.label, tostring(id)))
  end
  local row = self.by_id[id18]
  if not row or id18:sub(1, 3) ~= t.obj.key_prefix then return nil, not_found() end
  if row.IsDeleted then return nil, err("ENTITY_IS_DELETED", "entity is deleted", nil, 404) end
  return row
end

--- The row with this id in any object (deleted rows too) and its schema
-- object, or nil.
function Store:find(id)
  local id18 = ids.to18(id)
  local row = id18 and self.by_id[id18]
  if not row then return nil end
  return row, self.schema:object_for_id(id18)
end

--- The live rows of obj whose `field_name` equals `value` the way Salesforce
-- matches external ids (text case-insensitively, numbers by value; `value`
-- may be text, as in a URL). A new list; nil, err for an unknown object or field.
function Store:find_by(obj_name, field_name, value)
  local t = self:_table(obj_name)
  if not t then return nil, invalid_type(obj_name) end
  local f = t.obj:field(field_name)
  if not f then
    return nil, err("INVALID_FIELD", ("No such column '%s' on sobject of type %s"):format(field_name, t.obj.name))
  end
  local out = {}
  if value == nil or value == NULL then return out end
  local ok, v = f:coerce(value)
  if not ok or v == nil then return out end
  if f.name == "Id" then
    local row = self.by_id[v]
    if row and not row.IsDeleted and v:sub(1, 3) == t.obj.key_prefix then out[1] = row end
    return out
  end
  local k = row_index.key_of(v)
  local bucket = t.index[f.name]
  if bucket then
    for i, row in ipairs(bucket[k] or {}) do out[i] = row end
    return out
  end
  for _, row in ipairs(t.live) do
    local x = row[f.name]
    if x ~= nil and row_index.key_of(x) == k then out[#out + 1] = row end
  end
  return out
end

---------------------------------------------------------------------------
-- Writing: every change to an existing row goes through _apply, every new
-- row through _add, so the undo log and the reset baseline see them all.
---------------------------------------------------------------------------

function Store:_apply(t, row, changes, logged)
  self.changes = self.changes + 1
  if logged ~= false then
    if not self.added[row] and not self.orig[row] then self.orig[row] = copy(row) end
    if self.log then
      local old = {}
      for k in pairs(changes) do
        local v = row[k]
        if v == nil then v = NULL end
        old[k] = v
      end
      self.log[#self.log + 1] = { "set", t, row, old }
    end
  end
  local was_live = not row.IsDeleted
  if was_live then index_remove(t, row) end
  for k, v in pairs(changes) do
    if v == NULL then row[k] = nil else row[k] = v end
  end
  if not row.IsDeleted then
    if was_live then
      index_add(t, row)
    else
      rebuild(t) -- back from the dead (an undo): keep insertion order
    end
  elseif was_live then
    remove_from(t.live, row, self.seq)
  end
end

function Store:_add(t, row, auto_before)
  self.changes = self.changes + 1
  self.last_seq = self.last_seq + 1
  self.seq[row] = self.last_seq
  t.all[#t.all + 1] = row
  if not row.IsDeleted then
    t.live[#t.live + 1] = row
    index_add(t, row)
  end
  self.by_id[row.Id] = row
  self.added[row] = true
  if self.log then self.log[#self.log + 1] = { "insert", t, row, auto_before } end
end

local unpurge

local function undo(self, entry)
  local kind, t, row = entry[1], entry[2], entry[3]
  if kind == "set" then
    self:_apply(t, row, entry[4], false)
  elseif kind == "purge" then
    unpurge(self, t, row)
    self.changes = self.changes + 1
  else
    if t.all[#t.all] == row then t.all[#t.all] = nil else remove_from(t.all, row, self.seq) end
    if not row.IsDeleted then
      index_remove(t, row)
      if t.live[#t.live] == row then t.live[#t.live] = nil else remove_from(t.live, row, self.seq) end
    end
    self.by_id[row.Id] = nil
    self.added[row] = nil
    self.seq[row] = nil
    for k, n in pairs(entry[4]) do t.auto[k] = n end
  end
end

-- Inserts one record; `id` and `pending` come from load.
function Store:_insert(t, fields, mode, id, pending)
  local obj = t.obj
  local changes, errs = rules.prepare(self, t, fields, mode)
  if not changes then return nil, errs end
  local row = {}
  for _, f in ipairs(t.defaults) do
    if changes[f.name] == nil then row[f.name] = f.default end
  end
  for k, v in pairs(changes) do
    if v ~= NULL then row[k] = v end
  end
  local now = self:_now()
  row.Id = id
  if row.IsDeleted == nil then row.IsDeleted = false end
  row.CreatedDate = row.CreatedDate or now
  row.LastModifiedDate = row.LastModifiedDate or row.CreatedDate
  row.SystemModstamp = row.SystemModstamp or row.LastModifiedDate
  row.CreatedById = row.CreatedById or self.user_id
  row.LastModifiedById = row.LastModifiedById or row.CreatedById
  if obj.has_owner and row.OwnerId == nil then row.OwnerId = self.user_id end
  for _, f in ipairs(t.bools) do
    if row[f.name] == nil then row[f.name] = false end
  end
  for _, f in ipairs(obj.formulas) do row[f.name] = rules.formula_value(f, row) end

  local missing = rules.missing_required(t, row)
  if missing then return nil, { missing } end
  local problems = rules.check_references(self, t, row, pending)
  if problems then return nil, problems end
  problems = rules.duplicates(t, row)
  if problems then return nil, problems end

  if not id then
    repeat id = t.gen:next() until not self.by_id[id] and not (pending and pending[id])
    row.Id = id
  end
  local auto_before = NO_AUTO
  if #obj.auto_numbers > 0 then auto_before = {} end
  for _, f in ipairs(obj.auto_numbers) do
    local name = f.name
    auto_before[name] = t.auto[name]
    if row[name] == nil then
      t.auto[name] = t.auto[name] + 1
      row[name] = rules.format_auto(f.auto_number, t.auto[name])
    else
      local n = tonumber(row[name]:match("(%d+)%D*$") or "")
      if n and n > t.auto[name] then t.auto[name] = n end
    end
  end
  self:_add(t, row, auto_before)
  return id
end

local function table_or_error(self, obj_name)
  local t = self:_table(obj_name)
  if not t then return nil, { invalid_type(obj_name) } end
  return t
end

-- A write the object does not allow (Organization cannot be created or
-- deleted through the API).
local function refused(obj, verb)
  return err("INVALID_TYPE_FOR_OPERATION", ("entity type cannot be %s: %s"):format(verb, obj.label))
end

local function check_body(fields)
  if type(fields) ~= "table" then
    error("bad argument #2 (a table of field values expected, got " .. type(fields) .. ")", 3)
  end
end

--- Creates a record from a decoded JSON body; returns its 18-character id,
-- or nil and errs.
function Store:insert(obj_name, fields)
  check_body(fields)
  local t, errs = table_or_error(self, obj_name)
  if not t then return nil, errs end
  if not t.obj.createable then return nil, { refused(t.obj, "inserted") } end
  return self:_insert(t, fields, "insert")
end

-- The live row of t with this id, or nil and errs.
function Store:_live_row(t, id)
  local row, e = self:get(t.obj.name, id)
  if not row then return nil, { e } end
  return row
end

--- Changes fields of a record; returns true or nil, errs. The record's
-- LastModifiedDate and SystemModstamp move even when nothing else does.
function Store:update(obj_name, id, fields)
  check_body(fields)
  local t, errs = table_or_error(self, obj_name)
  if not t then return nil, errs end
  if not t.obj.updateable then return nil, { refused(t.obj, "updated") } end
  local row
  row, errs = self:_live_row(t, id)
  if not row then return nil, errs end
  local obj = t.obj
  local changes
  changes, errs = rules.prepare(self, t, fields, "update", row)
  if not changes then return nil, errs end
  for name, v in pairs(changes) do
    if v == NULL and obj.by_name[name:lower()].type == "boolean" then changes[name] = false end
  end
  local missing = rules.missing_required(t, row, changes, changes)
  if missing then return nil, { missing } end
  local problems = rules.check_references(self, t, changes)
  if problems then return nil, problems end
  problems = rules.duplicates(t, row, changes, changes)
  if problems then return nil, problems end
  for _, f in ipairs(obj.formulas) do
    local v = rules.formula_value(f, row, changes)
    if v ~= row[f.name] then changes[f.name] = v == nil and NULL or v end
  end
  local now = self:_now()
  changes.LastModifiedDate, changes.SystemModstamp, changes.LastModifiedById = now, now, self.user_id
  self:_apply(t, row, changes)
  return true
end

--- Soft-deletes a record (IsDeleted = true; it stays in all(obj, true));
-- returns true or nil, errs (a second delete: ENTITY_IS_DELETED).
function Store:delete(obj_name, id)
  local t, errs = table_or_error(self, obj_name)
  if not t then return nil, errs end
  if not t.obj.deletable then return nil, { refused(t.obj, "deleted") } end
  local row
  row, errs = self:_live_row(t, id)
  if not row then return nil, errs end
  local now = self:_now()
  self:_apply(t, row, { IsDeleted = true, LastModifiedDate = now, SystemModstamp = now,
    LastModifiedById = self.user_id })
  return true
end

--- Removes a record for good, as a hard delete does: no recycle bin, so
-- queryAll no longer sees it and its id is NOT_FOUND; returns true or nil,
-- errs as delete does. rollback and reset bring it back (reset: a record
-- the last load had).
function Store:purge(obj_name, id)
  local t, errs = table_or_error(self, obj_name)
  if not t then return nil, errs end
  if not t.obj.deletable then return nil, { refused(t.obj, "deleted") } end
  local row
  row, errs = self:_live_row(t, id)
  if not row then return nil, errs end
  self.changes = self.changes + 1
  index_remove(t, row)
  remove_from(t.live, row, self.seq)
  remove_from(t.all, row, self.seq)
  self.by_id[row.Id] = nil
  if self.log then self.log[#self.log + 1] = { "purge", t, row } end
  self.purged[#self.purged + 1] = { t, row }
  return true
end

-- A purged row back in its object, at its place in insertion order.
function unpurge(self, t, row)
  local all, seq, want = t.all, self.seq, self.seq[row]
  local i = #all
  while i >= 1 and seq[all[i]] > want do i = i - 1 end
  table.insert(all, i + 1, row)
  self.by_id[row.Id] = row
  rebuild(t)
end

--- Inserts or updates by an external id field (or Id): returns
-- `{id =, created = bool}` or nil, errs. An unknown or non-external field is
-- NOT_FOUND (404); a value matching several records is DUPLICATE_EXTERNAL_ID
-- with status 300 and `ids` (the matching ids, for the 300 answer).
function Store:upsert(obj_name, ext_field, value, fields)
  check_body(fields)
  local t, errs = table_or_error(self, obj_name)
  if not t then return nil, errs end
  local f = t.obj:field(ext_field)
  if not f or not (f.external_id or f.name == "Id") then
    return nil, { err("NOT_FOUND", "Provided external ID field does not exist or is not accessible: "
      .. tostring(ext_field), nil, 404) }
  end
  -- the body without the external id field (the URL's value wins)
  local body = {}
  for k, v in pairs(fields) do
    if not (type(k) == "string" and k:lower() == f.name:lower()) then body[k] = v end
  end
  local mt = getmetatable(fields)
  if type(mt) == "table" and rawget(mt, "__jsonkeys") then setmetatable(body, mt) end

  if f.name == "Id" then
    if value == nil or value == "" then
      local id
      id, errs = self:insert(t.obj.name, body)
      if not id then return nil, errs end
      return { id = id, created = true }
    end
    local ok
    ok, errs = self:update(t.obj.name, value, body)
    if not ok then return nil, errs end
    return { id = ids.to18(value), created = false }
  end

  local rows = self:find_by(t.obj.name, f.name, value)
  if #rows > 1 then
    local list = {}
    for i, r in ipairs(rows) do list[i] = r.Id end
    local e = err("DUPLICATE_EXTERNAL_ID", ("Duplicate external id specified: %s; it matches the records %s")
      :format(tostring(value), table.concat(list, ", ")), { f.name }, 300)
    e.ids = list
    return nil, { e }
  end
  if #rows == 1 then
    local ok
    ok, errs = self:update(t.obj.name, rows[1].Id, body)
    if not ok then return nil, errs end
    return { id = rows[1].Id, created = false }
  end
  local ok, code, message = f:coerce(value)
  if not ok then return nil, { err(code, message, { f.name }) } end
  body[f.name] = value
  local id
  id, errs = self:insert(t.obj.name, body)
  if not id then return nil, errs end
  return { id = id, created = true }
end

---------------------------------------------------------------------------
-- Loading, undo and reset
---------------------------------------------------------------------------

local function load_error(object, index, message, errs)
  local where = object and (index and ("%s[%d]"):format(object, index) or object) or "data"
  return errors.new { code = "LOAD_ERROR", message = where .. ": " .. message, object = object, index = index,
    errors = errs, exit = errors.EXIT.USAGE }
end

local function given_id(rec)
  local v = rec.Id
  if v == nil then v = rec.id or rec.ID or rec.iD end
  if v == NULL then return nil end
  return v
end

--- Loads records: `{ Account = { {Name = ..., Id = optional}, ... }, ... }`.
-- References are by id and may point anywhere in the same data, whatever
-- the order; ids may be given (15 or 18 characters) or are minted; system
-- fields (CreatedDate, OwnerId, IsDeleted, ...) may be given; formulas are
-- recomputed. All or nothing: returns true, or nil and an error naming the
-- object, the record's index and the problem. The state after it is what
-- reset() returns to.
function Store:load(data)
  if type(data) ~= "table" then error("bad argument #1 to 'load' (table expected, got " .. type(data) .. ")", 2) end
  local order = {}
  for i, obj in ipairs(self.schema:objects()) do order[obj.name] = i end
  local batches = {}
  for name, records in pairs(data) do
    local t = self:_table(name)
    if not t then return nil, load_error(tostring(name), nil, "no such object in the schema") end
    if type(records) ~= "table" then return nil, load_error(t.obj.name, nil, "a list of records expected") end
    batches[#batches + 1] = { t = t, records = records }
  end
  table.sort(batches, function(a, b) return order[a.t.obj.name] < order[b.t.obj.name] end)

  local pending, assigned = {}, {}
  for _, b in ipairs(batches) do
    for i, rec in ipairs(b.records) do
      if type(rec) ~= "table" or json.is_array(rec) then
        return nil, load_error(b.t.obj.name, i, "a record must be an object")
      end
      local v = given_id(rec)
      if v ~= nil then
        local id = ids.to18(v)
        if not id then return nil, load_error(b.t.obj.name, i, "malformed Id: " .. tostring(v)) end
        if id:sub(1, 3) ~= b.t.obj.key_prefix then
          return nil, load_error(b.t.obj.name, i, ("Id %s does not start with %s's key prefix %s")
            :format(id, b.t.obj.name, b.t.obj.key_prefix))
        end
        if pending[id] or self.by_id[id] then
          return nil, load_error(b.t.obj.name, i, "a second record with Id " .. id)
        end
        pending[id] = b.t
        assigned[rec] = id
        b.t.gen:observe(id)
      end
    end
  end
  for _, b in ipairs(batches) do
    for _, rec in ipairs(b.records) do
      if not assigned[rec] then
        local id
        repeat id = b.t.gen:next() until not pending[id] and not self.by_id[id]
        pending[id] = b.t
        assigned[rec] = id
      end
    end
  end

  local cp = self:checkpoint()
  for _, b in ipairs(batches) do
    for i, rec in ipairs(b.records) do
      local id, errs = self:_insert(b.t, rec, "load", assigned[rec], pending)
      if not id then
        self:rollback(cp)
        local e = errs[1]
        return nil, load_error(b.t.obj.name, i, e.errorCode .. ": " .. e.message, errs)
      end
      pending[id] = nil
    end
  end
  self:release(cp)
  self:_mark_baseline()
  return true
end

--- Starts recording changes; returns a token for rollback / release.
-- Checkpoints nest.
function Store:checkpoint()
  if not self.log then self.log = {} end
  self.cps[#self.cps + 1] = #self.log
  return #self.cps
end

local function check_token(self, token, fname)
  if math.type(token) ~= "integer" or not self.cps[token] then
    error("bad argument #1 to '" .. fname .. "' (an open checkpoint expected)", 3)
  end
end

local function close_to(self, token)
  for i = #self.cps, token, -1 do self.cps[i] = nil end
  if #self.cps == 0 then self.log = nil end
end

--- Undoes every change since the checkpoint (and closes it and any opened
-- after it).
function Store:rollback(token)
  check_token(self, token, "rollback")
  local log, pos = self.log, self.cps[token]
  for i = #log, pos + 1, -1 do
    undo(self, log[i])
    log[i] = nil
  end
  close_to(self, token)
  return true
end

--- Keeps the changes since the checkpoint and closes it.
function Store:release(token)
  check_token(self, token, "release")
  close_to(self, token)
  return true
end

function Store:_mark_baseline()
  self.orig, self.added, self.purged = {}, {}, {}
  self.base = {}
  for name, t in pairs(self.tables) do
    self.base[name] = { auto = copy(t.auto), count = t.gen.count }
  end
end

--- Back to the state right after the last load (or empty): records created
-- since are gone, changed and deleted ones restored, open checkpoints dropped.
function Store:reset()
  -- rows purged since: those the last load had come back (restored below
  -- with the others), the others are forgotten
  local back = {}
  for _, p in ipairs(self.purged) do
    local t, row = p[1], p[2]
    if self.by_id[row.Id] ~= row then -- (a rollback has brought it back already)
      if self.added[row] then
        self.seq[row] = nil
      else
        back[t] = back[t] or {}
        table.insert(back[t], row)
        self.by_id[row.Id] = row
      end
    end
  end
  for t, rows in pairs(back) do
    for _, row in ipairs(rows) do t.all[#t.all + 1] = row end
    local seq = self.seq
    table.sort(t.all, function(a, b) return seq[a] < seq[b] end)
  end
  for name, t in pairs(self.tables) do
    local all = {}
    for _, row in ipairs(t.all) do
      if self.added[row] then
        self.by_id[row.Id] = nil
        self.seq[row] = nil
      else
        local o = self.orig[row]
        if o then
          for k in pairs(row) do row[k] = nil end
          for k, v in pairs(o) do row[k] = v end
        end
        all[#all + 1] = row
      end
    end
    t.all = all
    rebuild(t)
    t.auto = copy(self.base[name].auto)
    t.gen.count = self.base[name].count
  end
  self.orig, self.added, self.purged = {}, {}, {}
  self.cps, self.log = {}, nil
  self.changes = self.changes + 1
  return true
end

--- Counts of live and deleted rows per object: `{Account = {live =, deleted =}, ...}`.
function Store:counts()
  local out = {}
  for _, t in pairs(self.tables) do
    out[t.obj.name] = { live = #t.live, deleted = #t.all - #t.live }
  end
  return out
end

M.Store = Store
return M