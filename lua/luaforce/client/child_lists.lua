--- luaforce.client.child_lists: a child subquery Salesforce answers with
-- null (the parent has no such children) reads as an empty result, so that
--
--   for rec in org:records("SELECT Name, (SELECT LastName FROM Contacts) FROM Account") do
--     print(rec.Name, #rec.Contacts.records)      -- 0, not an error
--   end
--
-- The record itself is not changed: the member stays null, so json.encode
-- writes `"Contacts":null`, json.isnull(rec, "Contacts") is true and
-- rawget(rec, "Contacts") is nil; FEEL, the writers and the connector see
-- the null. Only reading the field through the record gives the stand-in
-- (its shape's metatable gains an __index for those names): a new
-- {totalSize = 0, done = true, records = json.array{}} at each read, so
-- that changing one changes nothing else.
--
--   child_lists.relationships(soql_text) -> set | nil
--       The lower-case relationship names of the query's child subqueries
--       (SELECT ..., (SELECT ... FROM Contacts) FROM Account), or nil when
--       it has none or does not parse. Cheap for a query without "(SELECT".
--   child_lists.apply(records, set) -> records
--       Gives each record whose shape holds a null member named in `set` the
--       stand-in for it. Records of one shape share one new metatable.
--   child_lists.empty() -> a new stand-in
local json = require "luaforce.json"
local parser = require "luaforce.soql.parser"

local M = {}

local EMPTY_KEYS = { "totalSize", "done", "records" }

--- See the file comment.
function M.empty()
  return json.object({ totalSize = 0, done = true, records = json.array {} }, EMPTY_KEYS)
end

--- See the file comment.
function M.relationships(text)
  if type(text) ~= "string" or not text:find("%(%s*[Ss][Ee][Ll][Ee][Cc][Tt]%f[^%w_]") then return nil end
  local q = parser.parse(text)
  if not q then return nil end
  local set
  for _, item in ipairs(q.fields or {}) do
    if item.kind == "subquery" then
      set = set or {}
      set[item.query.from.name:lower()] = true
    end
  end
  return set
end

-- The metatable records of shape `mt` get for `set`: a copy of the shape
-- (so json.encode, json.keys and json.is_object read it as before) with an
-- __index giving a stand-in for its null members named in `set`; false when
-- the shape has none.
local function derive(mt, set)
  local nulls = type(mt) == "table" and rawget(mt, "__jsonnulls")
  if type(nulls) ~= "table" then return false end
  local names
  for k in pairs(nulls) do
    if type(k) == "string" and set[k:lower()] then
      names = names or {}
      names[k] = true
    end
  end
  if not names then return false end
  local copy = {}
  for k, v in pairs(mt) do copy[k] = v end
  copy.__index = function(_, k)
    if names[k] then return M.empty() end
  end
  return copy
end

-- derived[set][shape] -> metatable | false
local derived = setmetatable({}, { __mode = "k" })

--- See the file comment.
function M.apply(records, set)
  if not set then return records end
  local cache = derived[set]
  if not cache then
    cache = setmetatable({}, { __mode = "k" })
    derived[set] = cache
  end
  for i = 1, #records do
    local rec = records[i]
    local mt = type(rec) == "table" and getmetatable(rec)
    if mt then
      local d = cache[mt]
      if d == nil then
        d = derive(mt, set)
        cache[mt] = d
      end
      if d then setmetatable(rec, d) end
    end
  end
  return records
end

return M
