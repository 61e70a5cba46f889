--- luaforce.emulator.snapshot: the local org's records as one JSON text,
-- and back, exactly.
--
--   snapshot.encode(store) -> text | nil, err
--   snapshot.restore(store, text) -> true | nil, reason
--
-- What a store keeps and the text holds: every row of every object in
-- insertion order, deleted rows too (the recycle bin: queryAll still sees
-- them), with every field as stored (CreatedDate and the other audit fields,
-- formulas, auto numbers); per object the last id number minted and the
-- auto-number counters, so the next id and number after a round trip are
-- the ones the store would have given without it. Values round-trip through
-- luaforce.json, which is lossless (an integer stays an integer, `300.0` a
-- float, an 18-digit currency a decimal).
--
-- The text:
--   {"format": "luaforce local org", "version": 1,
--    "objects": {"Account": {"minted": 12, "auto": {}}, "Case": {"minted": 3,
--                "auto": {"CaseNumber": 3}}, ...},
--    "records": [["Account", {"Id": "001Lf...", "Name": ..., ...}], ...]}
--
-- restore() wants a store fresh from luaforce.emulator.store.new with the
-- schema the text was made with (no rows yet). The rows go in as they are,
-- without the write rules (they passed them when they were written); what
-- is checked is what would break the store: the shape, object and field
-- names (each in the schema), ids
-- (well formed, the object's key prefix, each once), IsDeleted. A text that
-- fails a check leaves `reason` naming the first problem; the store is then
-- half filled and must be dropped. After it, the store's reset() returns to
-- the restored state.
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local ids = require "luaforce.emulator.ids"

local M = {}

M.FORMAT = "luaforce local org"
M.VERSION = 1

--- See the file comment.
function M.encode(store)
  local records, objects = {}, {}
  local order = {}
  for _, t in pairs(store.tables) do
    objects[t.obj.name] = json.object({ minted = t.gen.count, auto = json.object(t.auto) }, { "minted", "auto" })
    for _, row in ipairs(t.all) do order[#order + 1] = { store.seq[row], t.obj.name, row } end
  end
  table.sort(order, function(a, b) return a[1] < b[1] end)
  for i, e in ipairs(order) do records[i] = json.array { e[2], e[3] } end
  return json.encode(json.object({ format = M.FORMAT, version = M.VERSION, objects = objects,
    records = json.array(records) }, { "format", "version", "objects", "records" }))
end

local function plain_copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local function is_count(n)
  return math.type(n) == "integer" and n >= 0
end

-- The per-object counters: checked before any row goes in.
local function counters(store, objects)
  if type(objects) ~= "table" or json.is_array(objects) and next(objects) ~= nil then
    return nil, "'objects' is not an object"
  end
  local out = {}
  for name, c in pairs(objects) do
    local t = store:_table(name)
    if not t then return nil, ("'objects' names %s, which the schema does not have"):format(tostring(name)) end
    if type(c) ~= "table" or not is_count(c.minted) or type(c.auto) ~= "table" then
      return nil, ("'objects.%s' needs minted (a whole number) and auto (an object)"):format(name)
    end
    for field, n in pairs(c.auto) do
      if t.auto[field] == nil or not is_count(n) then
        return nil, ("'objects.%s.auto.%s' is not an auto-number counter of %s"):format(name, tostring(field), name)
      end
    end
    out[t] = c
  end
  return out
end

-- One record of the list into the store, or the reason it cannot go in.
local function add_record(store, i, entry)
  if type(entry) ~= "table" or type(entry[1]) ~= "string" or type(entry[2]) ~= "table" then
    return nil, ("records[%d] is not [object name, fields]"):format(i)
  end
  local t = store:_table(entry[1])
  if not t then return nil, ("records[%d]: no object %s in the schema"):format(i, entry[1]) end
  local row = plain_copy(entry[2])
  local id = row.Id
  if type(id) ~= "string" or ids.to18(id) ~= id or id:sub(1, 3) ~= t.obj.key_prefix then
    return nil, ("records[%d]: Id %s is not an 18-character %s id"):format(i, tostring(id), t.obj.name)
  end
  if store.by_id[id] then return nil, ("records[%d]: a second record with Id %s"):format(i, id) end
  if type(row.IsDeleted) ~= "boolean" then return nil, ("records[%d]: IsDeleted is not true or false"):format(i) end
  for k, v in pairs(row) do
    local tv = type(v)
    if type(k) ~= "string" or not (tv == "string" or tv == "number" or tv == "boolean" or decimal.is(v)) then
      return nil, ("records[%d]: field %s holds no stored value"):format(i, tostring(k))
    end
    if t.obj:field(k) == nil then
      return nil, ("records[%d]: field %s.%s, which the schema does not have"):format(i, t.obj.name, k)
    end
  end
  t.gen:observe(id)
  store:_add(t, row)
  return true
end

--- See the file comment.
function M.restore(store, text)
  local doc, jerr = json.decode(text)
  if doc == nil then return nil, "not JSON: " .. tostring(jerr and jerr.message or jerr) end
  if type(doc) ~= "table" or doc.format ~= M.FORMAT then return nil, "not a luaforce local org state" end
  if doc.version ~= M.VERSION then
    return nil, ("state version %s, this luaforce reads version %d"):format(tostring(doc.version), M.VERSION)
  end
  local counts, cerr = counters(store, doc.objects)
  if not counts then return nil, cerr end
  if type(doc.records) ~= "table" or not json.is_array(doc.records) and next(doc.records) ~= nil then
    return nil, "'records' is not a list"
  end
  for i, entry in ipairs(doc.records) do
    local ok, err = add_record(store, i, entry)
    if not ok then return nil, err end
  end
  for t, c in pairs(counts) do
    -- never behind an id the rows hold: a next id may not repeat one
    if c.minted > t.gen.count then t.gen.count = c.minted end
    for field, n in pairs(c.auto) do t.auto[field] = n end
  end
  store:_mark_baseline()
  return true
end

return M
