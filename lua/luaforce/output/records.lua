--- luaforce.output.records: records as the writers see them.
--
--   records.keys(t) -> list          the string keys of an object, in order
--   records.value(t, k) -> v         the value of a key keys() listed
--                                    (json.null where the field is null)
--   records.is_list(v), records.is_map(v), records.is_child(v)
--   records.clean(v) -> v            without Salesforce's `attributes`
--   records.flatten(rec[, columns]) -> map, names
--   records.columns(rows) -> names   the columns of rows without fixed ones
--
-- keys() is the one place that decides which fields a record has and in
-- which order: the recorded order of a decoded JSON object (or of a
-- json.object with keys, or a FEEL context), null fields included (a
-- record from the client reads them as nil: json.decode's null_as_nil
-- records them in the shape), then any other string keys, sorted. Everything else here (and the writers) asks it. The list it
-- returns may be shared: do not modify it.
--
-- flatten(rec) turns nested relationship objects into dotted names
-- (`Account.Owner.Name`); a null relationship leaves its columns null; a
-- child subquery's result ({totalSize, done, records}) stays one value under
-- its relationship's name. With `columns` (dotted names), each is looked up
-- in the record with Salesforce's matching (any case); a relationship
-- missing or null on the way gives nil.
--
-- columns(rows) is the union of the rows' flattened names in the order
-- first seen; a relationship null in one row (`Account`) and filled in
-- another (`Account.Name`) shows as the filled one's columns only.
local json = require "luaforce.json"

local M = {}

local null = json.null
local is_array, is_object, json_keys = json.is_array, json.is_object, json.keys
local getmetatable, rawget, type, pairs, next = getmetatable, rawget, type, pairs, next

--- See the file comment.
function M.keys(t)
  local mt = getmetatable(t)
  local recorded = type(mt) == "table" and rawget(mt, "__jsonkeys") or nil
  local nulls = recorded and rawget(mt, "__jsonnulls") or nil
  if type(nulls) ~= "table" then nulls = nil end
  if recorded then
    -- the common case, a record as decoded: exactly its shape's keys, each
    -- present or a null field (json.decode's null_as_nil); their list
    -- serves as it is, no new table per record
    local present, listed, whole = 0, 0, true
    for _ in next, t do present = present + 1 end
    for i = 1, #recorded do
      local k = recorded[i]
      if rawget(t, k) ~= nil then listed = listed + 1
      elseif not (nulls and nulls[k]) then whole = false break end
    end
    if whole and listed == present then return recorded end
  end
  return json_keys(t)
end
local keys = M.keys

--- See the file comment.
function M.value(t, k)
  local v = rawget(t, k) -- the data, not a stand-in an __index gives
  if v == nil then return null end
  return v
end
local value = M.value

function M.is_list(v)
  return type(v) == "table" and (is_array(v) or (not is_object(v) and rawget(v, 1) ~= nil))
end
local is_list = M.is_list

function M.is_map(v)
  return type(v) == "table" and not is_list(v)
    and (is_object(v) or next(v) == nil or type(next(v)) == "string")
end
local is_map = M.is_map

-- A child subquery's result inside a record: {totalSize, done, records}.
function M.is_child(v)
  return type(v) == "table" and not is_list(v) and is_list(rawget(v, "records"))
    and rawget(v, "totalSize") ~= nil
end
local is_child = M.is_child

-- The cleaned objects share one metatable per key list, as decoded ones
-- share one per key sequence: a query of a million rows makes no million
-- metatables. Keyed by the list keys() returned when it is a shape's own.
local clean_mts = setmetatable({}, { __mode = "k" })

local function clean_mt(ks, shared)
  local mt = shared and clean_mts[ks]
  if mt then return mt end
  local kept = {}
  for _, k in ipairs(ks) do
    if k ~= "attributes" then kept[#kept + 1] = k end
  end
  mt = getmetatable(json.object({}, kept))
  if shared then clean_mts[ks] = mt end
  return mt
end

-- clean() of a table.
local function clean(v)
  local mt = getmetatable(v)
  local jt = type(mt) == "table" and rawget(mt, "__jsontype") or nil
  if jt == "array" or (jt ~= "object" and rawget(v, 1) ~= nil) then   -- is_list(v)
    local out = json.array {}
    for i = 1, #v do
      local x = v[i]
      if type(x) == "table" then x = clean(x) end
      out[i] = x
    end
    return out
  end
  local ks = keys(v)
  local out = {}
  for i = 1, #ks do
    local k = ks[i]
    if k ~= "attributes" then
      local x = rawget(v, k)
      -- as value(v, k): scalars inline, this runs for every field written
      if type(x) == "table" then x = clean(x) elseif x == nil then x = null end
      out[k] = x
    end
  end
  return setmetatable(out, clean_mt(ks, mt ~= nil and rawget(mt, "__jsonkeys") == ks))
end

--- The value without Salesforce's `attributes` (type and URL of each
-- record and relationship) at any depth, in the same key order; lists
-- become json.array, null fields stay json.null. A new value: `v` is not
-- changed.
function M.clean(v)
  if type(v) ~= "table" then return v end
  return clean(v)
end

-- The key of `t` named `name` in any case (Salesforce's field names are
-- case-insensitive), or nil.
local function key_named(t, name)
  local lname = name:lower()
  for _, k in ipairs(keys(t)) do
    if k:lower() == lname then return k end
  end
  return nil
end

-- The value under a dotted path; nil when a relationship on the way is
-- null or missing.
local function lookup(rec, path)
  local v = rec
  for i = 1, #path do
    if type(v) ~= "table" or is_list(v) then return nil end
    local name = path[i]
    local x = rawget(v, name)
    if x == nil then
      local k = key_named(v, name)
      if k then x = rawget(v, k) end
    end
    v = x
  end
  return v
end

-- The paths of dotted column names ("Account.Owner.Name" -> {"Account",
-- "Owner", "Name"}), split once per list of columns.
local split_paths = setmetatable({}, { __mode = "k" })
local function paths_of(columns)
  local paths = split_paths[columns]
  if paths then return paths end
  paths = {}
  for i, name in ipairs(columns) do
    local path = {}
    for part in name:gmatch("[^.]+") do path[#path + 1] = part end
    paths[i] = path
  end
  split_paths[columns] = paths
  return paths
end

-- Flattens `rec` into names (in order) and a map name -> value.
local function flatten_into(rec, prefix, names, map)
  for _, k in ipairs(keys(rec)) do
    if k ~= "attributes" then
      local v, name = value(rec, k), prefix .. k
      if is_map(v) and not is_child(v) and next(v) ~= nil then
        flatten_into(v, name .. ".", names, map)
      else
        names[#names + 1], map[name] = name, v
      end
    end
  end
end

--- See the file comment. A value that is not an object flattens to one
-- column named `value` (with columns given, it fills that column).
function M.flatten(rec, columns)
  local map, names = {}, {}
  if columns then
    local scalar = not is_map(rec)
    local paths = paths_of(columns)
    for i, c in ipairs(columns) do
      names[i] = c
      if scalar then
        if c == "value" then map[c] = rec end
      else
        map[c] = lookup(rec, paths[i])
      end
    end
    return map, names
  end
  if is_map(rec) then
    flatten_into(rec, "", names, map)
  else
    names[1], map.value = "value", rec
  end
  return map, names
end

--- See the file comment.
function M.columns(rows)
  local names, seen, parent = {}, {}, {}
  for _, r in ipairs(rows) do
    local _, ns = M.flatten(r)
    for _, n in ipairs(ns) do
      if not seen[n] then names[#names + 1], seen[n] = n, true end
      for p in n:gmatch("()%.") do parent[n:sub(1, p - 1)] = true end
    end
  end
  local out = {}
  for _, n in ipairs(names) do
    if not parent[n] then out[#out + 1] = n end
  end
  return out
end

return M
