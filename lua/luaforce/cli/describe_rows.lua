--- luaforce.cli.describe_rows: a describe as rows a person reads: the
-- REPL's `.describe` and `luaforce describe` print them (a table, or any
-- --format).
--
--   local rows = require "luaforce.cli.describe_rows"
--   rows.object_rows(global) -> rows, columns: one row per object of a
--       describeGlobal body: name, label, prefix (the id's key prefix) and
--       flags
--   rows.field_rows(d[, {all_values = true}]) -> rows, columns: one row
--       per field of an object's describe: name, type (with a text field's
--       length: `string(80)`), label, flags, ref (the objects a lookup
--       points to and the relationship's name for paths: `User via Owner`),
--       values (a picklist's active values, the first MAX_VALUES then a
--       count; all of them with all_values, for csv and json output)
--   rows.object_flags(o), rows.field_flags(f) -> text
--   rows.fit(rows, columns, width) -> rows: for a table `width` cells wide,
--       copies of the rows with label, ref and values cut (with `…`) so
--       that name, type and flags stay whole (a generic table cuts every
--       column alike, and a field's API name must stay whole to be typed)
--
-- Flags are words, so a row reads without a legend. An object's: `custom`,
-- then what the API lets you do with it, of `query create update delete`.
-- A field's: `create update` (both), `create` or `update` (one), or
-- `read-only` (neither: Id, audit fields, formulas, auto-numbers), then
-- `required` (a create must give it: not nillable, no default), `ext-id`
-- (an external id, upsert's key), `unique`, `auto-number`, `formula`.
local json = require "luaforce.json"
local cells = require "luaforce.output.width"

local M = {}

M.MAX_VALUES = 4
M.OBJECT_COLUMNS = { "name", "label", "prefix", "flags" }
M.FIELD_COLUMNS = { "name", "type", "label", "flags", "ref", "values" }

-- Types whose length says how much text fits.
local SIZED = { string = true, textarea = true, phone = true, url = true, email = true, encryptedstring = true }

local function words(list)
  return table.concat(list, " ")
end

--- See the file comment.
function M.object_flags(o)
  local out = {}
  if o.custom == true then out[#out + 1] = "custom" end
  for _, what in ipairs { "query", "create", "update", "delete" } do
    local key = what == "query" and "queryable" or (what == "delete" and "deletable" or what .. "able")
    if o[key] == true then out[#out + 1] = what end
  end
  return words(out)
end

--- See the file comment.
function M.field_flags(f)
  local out = {}
  if f.createable == true and f.updateable == true then
    out[#out + 1] = "create update"
  elseif f.createable == true then
    out[#out + 1] = "create"
  elseif f.updateable == true then
    out[#out + 1] = "update"
  else
    out[#out + 1] = "read-only"
  end
  if f.nillable == false and f.createable == true and f.defaultedOnCreate ~= true then
    out[#out + 1] = "required"
  end
  if f.externalId == true then out[#out + 1] = "ext-id" end
  if f.unique == true then out[#out + 1] = "unique" end
  if f.autoNumber == true then out[#out + 1] = "auto-number" end
  if f.calculated == true then out[#out + 1] = "formula" end
  return words(out)
end

-- A picklist's active values: all of them, or (`cut`) the first MAX_VALUES
-- and how many there are.
local function picklist(f, cut)
  if type(f.picklistValues) ~= "table" then return json.null end
  local values = {}
  for _, p in ipairs(f.picklistValues) do
    if type(p) == "table" and p.active ~= false and type(p.value) == "string" then values[#values + 1] = p.value end
  end
  if #values == 0 then return json.null end
  if not cut or #values <= M.MAX_VALUES then return table.concat(values, ", ") end
  return ("%s, ... (%d values)"):format(table.concat(values, ", ", 1, M.MAX_VALUES), #values)
end

--- See the file comment.
function M.object_rows(global)
  local rows = {}
  for _, o in ipairs(type(global) == "table" and type(global.sobjects) == "table" and global.sobjects or {}) do
    if type(o) == "table" and type(o.name) == "string" then
      rows[#rows + 1] = json.object({ name = o.name, label = o.label or json.null, prefix = o.keyPrefix or json.null,
        flags = M.object_flags(o) }, M.OBJECT_COLUMNS)
    end
  end
  return json.array(rows), M.OBJECT_COLUMNS
end

--- See the file comment.
function M.field_rows(d, opts)
  local cut = not (opts and opts.all_values)
  local rows = {}
  for _, f in ipairs(type(d) == "table" and type(d.fields) == "table" and d.fields or {}) do
    local ref = json.null
    if type(f.referenceTo) == "table" and #f.referenceTo > 0 then
      ref = table.concat(f.referenceTo, ", ")
      if type(f.relationshipName) == "string" then ref = ref .. " via " .. f.relationshipName end
    end
    local length = math.tointeger(f.length)
    local ftype = f.type
    if SIZED[ftype] and length and length > 0 then ftype = ("%s(%d)"):format(ftype, length) end
    rows[#rows + 1] = json.object({ name = f.name, type = ftype or json.null, label = f.label or json.null,
      flags = M.field_flags(f), ref = ref, values = picklist(f, cut) }, M.FIELD_COLUMNS)
  end
  return json.array(rows), M.FIELD_COLUMNS
end

-- The columns `fit` keeps whole.
local WHOLE = { name = true, type = true, flags = true, prefix = true }

--- See the file comment.
function M.fit(rows, columns, width)
  if not width then return rows end
  local natural, whole, cut = {}, 2 * (#columns - 1), {}
  for i, c in ipairs(columns) do
    local w = cells.of(c)
    for _, r in ipairs(rows) do
      local v = r[c]
      if type(v) == "string" then w = math.max(w, cells.of(v)) end
    end
    natural[i] = w
    if WHOLE[c] then whole = whole + w else cut[#cut + 1] = i end
  end
  local budget = width - whole
  local function need(cap)
    local s = 0
    for _, i in ipairs(cut) do s = s + math.min(natural[i], math.max(cap, cells.of(columns[i]))) end
    return s
  end
  if need(math.huge) <= budget then return rows end
  local cap = 1
  while need(cap + 1) <= budget do cap = cap + 1 end
  local out = json.array {}
  for n, r in ipairs(rows) do
    local copy = {}
    for _, c in ipairs(columns) do copy[c] = r[c] end
    for _, i in ipairs(cut) do
      local c = columns[i]
      if type(copy[c]) == "string" then copy[c] = (cells.truncate(copy[c], math.max(cap, cells.of(c)))) end
    end
    out[n] = json.object(copy, columns)
  end
  return out
end

return M
