--- luaforce.emulator.soql_exec.column_metadata: the `?columns=true` answer
-- (the Salesforce CLI's columnMetadata) of a compiled query.
--
--   column_metadata.body(plan, q) -> {columnMetadata, entityName, groupBy,
--       idSelected, keyPrefix}: plan from luaforce.emulator.soql_exec.records
--       or .aggregate, q its parsed query; ready for luaforce.json
--
-- One column per select item (the record's key as `columnName`), parents
-- and child subqueries with their own columns as `joinColumns`, each with
-- the Apex type and the flags Salesforce sends (insertable, updatable,
-- numberType, textType, ...).
local json = require "luaforce.json"
local binding = require "luaforce.emulator.soql_exec.binding"
local aggregate = require "luaforce.emulator.soql_exec.aggregate"

local M = {}

local null = json.null
local sort = table.sort
local type, ipairs, pairs = type, ipairs, pairs
local CLASS = binding.CLASS

local APEX = {
  id = "Id", reference = "Id", string = "String", textarea = "String", email = "String", phone = "String",
  url = "String", picklist = "String", multipicklist = "String", combobox = "String", boolean = "Boolean",
  int = "Integer", double = "Double", currency = "Decimal", percent = "Double", date = "Date", datetime = "Datetime",
}

local function flag(def, name, default)
  local v = def and def[name]
  if type(v) == "boolean" then return v end
  return default
end

local function column(name, display, def, extra)
  local ty = def and def.type
  local class = ty and CLASS[ty]
  local writable = def ~= nil and ty ~= "id" and not (def.read_only or def.calculated or def.formula)
  local c = {
    aggregate = false, apexType = APEX[ty] or null, booleanType = ty == "boolean", columnName = name,
    custom = def and def.custom == true or false, displayName = display, foreignKeyName = null,
    insertable = flag(def, "createable", writable), joinColumns = json.array {},
    numberType = class == "number", textType = class == "text" or class == "multi",
    updatable = flag(def, "updateable", writable),
  }
  for k, v in pairs(extra or {}) do c[k] = v end
  return c
end

local function shape_columns(shape, prefix)
  local out = {}
  for _, c in ipairs(shape.cols) do
    local display = prefix and prefix .. "." .. c.key or c.key
    if c.kind == "value" or c.kind == "get" then
      out[#out + 1] = column(c.key, display, c.def)
    elseif c.kind == "parent" then
      out[#out + 1] = column(c.key, display, nil, { joinColumns = json.array(shape_columns(c.shape, display)) })
    elseif c.kind == "typeof" then
      local joins = {}
      local seen = {}
      for _, sh in pairs(c.whens) do
        for _, jc in ipairs(shape_columns(sh, display)) do
          if not seen[jc.columnName] then
            seen[jc.columnName] = true
            joins[#joins + 1] = jc
          end
        end
      end
      sort(joins, function(a, b) return a.columnName < b.columnName end)
      out[#out + 1] = column(c.key, display, nil, { joinColumns = json.array(joins) })
    else
      out[#out + 1] = column(c.key, display, nil, {
        aggregate = true, joinColumns = json.array(shape_columns(c.plan.shape, nil)),
      })
    end
  end
  return out
end

--- See the file comment.
function M.body(plan, q)
  local cols, id_selected = {}, false
  if plan.kind == "plain" then
    cols = shape_columns(plan.shape, nil)
    id_selected = plan.shape.by_key.id ~= nil
  else
    for _, c in ipairs(plan.cols) do
      local def = c.tv and c.tv.def or nil
      local display = c.node.alias or aggregate.path_text(c.node)
      local col = column(c.key, display, def)
      if c.spec then
        col.aggregate = true
        col.apexType = c.spec.type == "int" and "Integer" or (APEX[c.spec.type] or "Double")
        col.numberType = c.spec.class == "number"
        col.textType = c.spec.class == "text"
        col.booleanType = false
        col.insertable, col.updatable, col.custom = false, false, false
      end
      cols[#cols + 1] = col
    end
  end
  return json.object({
    columnMetadata = json.array(cols), entityName = plan.obj.name, groupBy = q.group_by ~= nil,
    idSelected = id_selected, keyPrefix = plan.obj.key_prefix or null,
  }, { "columnMetadata", "entityName", "groupBy", "idSelected", "keyPrefix" })
end

return M
