--- luaforce.emulator.soql_exec.binding: the names of a query bound to the
-- schema. Objects, field paths (through relationships) and functions become
-- typed value sources, resolved once per query so that rows are then read
-- without name lookups.
--
-- A typed value source ("tv"): `get(row)` plus what comparisons need to
-- know: `class` (see CLASS), field `type`, canonical `name`, the field
-- `def`, the parent `hops` ({field, rel, targets} each), `key` (the
-- lower-cased canonical path GROUP BY matches on) and, for a date function,
-- `fn`.
--
--   binding.object(ctx, from) -> the schema object of a FROM, or throws
--   binding.lookups(store, schema) -> lookup(id) -> row, type_of(id) -> name
--   binding.resolve(ctx, scope, path, pos) -> tv of a field path as written
--   binding.function_tv(ctx, scope, node) -> tv of a function call
--   binding.row_tv(ctx, scope, node) -> tv of a field or a function (the
--       left side of a WHERE condition or an ORDER BY key)
--   binding.check_flag(ctx, tv, flag, verb, pos): throws unless the field
--       may be used so (flag "filterable", "sortable" or "groupable")
--   binding.CLASS    field type -> comparison class: "id", "text", "multi",
--                    "boolean", "number", "date", "datetime"
--   binding.SOAP     field type -> the SOAP type name errors use
--   binding.QUOTED   class -> true when its literals take quotes
--   binding.IDENTITY_FNS  functions that return their argument as it is in
--                    the local org (FORMAT, toLabel, convertCurrency,
--                    convertTimezone)
-- `ctx` is the query's context (luaforce.emulator.soql_exec), `scope`
-- {obj, alias} the FROM being read. Failures throw query errors
-- (luaforce.emulator.soql_exec.errors).
local vocabulary = require "luaforce.soql.vocabulary"
local dt = require "luaforce.emulator.datetime"
local qerr = require "luaforce.emulator.soql_exec.errors"

local M = {}

local lower, sub, format = string.lower, string.sub, string.format
local concat = table.concat
local type, tonumber, tostring, ipairs, rawget = type, tonumber, tostring, ipairs, rawget
local throw = qerr.throw
local FIELD_HINT, RELATIONSHIP_HINT, OBJECT_HINT = qerr.FIELD_HINT, qerr.RELATIONSHIP_HINT, qerr.OBJECT_HINT

-- Field type -> comparison class, and the SOAP type name errors use.
M.CLASS = {
  id = "id", reference = "id",
  string = "text", textarea = "text", email = "text", phone = "text", url = "text",
  picklist = "text", combobox = "text", encryptedstring = "text",
  multipicklist = "multi",
  boolean = "boolean",
  int = "number", double = "number", currency = "number", percent = "number",
  date = "date", datetime = "datetime",
}
M.SOAP = {
  id = "id", reference = "id", boolean = "boolean", int = "integer", double = "double",
  currency = "double", percent = "double", date = "date", datetime = "dateTime",
}
M.QUOTED = { text = true, multi = true, id = true }
local CLASS = M.CLASS

--- The schema object a FROM names, or throws INVALID_TYPE.
function M.object(ctx, from)
  local obj = ctx.schema:object(from.name)
  if not obj then
    throw(ctx, "INVALID_TYPE", from.pos, format("sObject type '%s' is not supported.%s", from.name, OBJECT_HINT))
  end
  return obj
end

--- Parent rows by id. Stored references are canonical 18-character ids, so
-- the store's id map (`by_id`, when it has one) answers without
-- re-canonicalising each id as `st:find` does; the object comes from the
-- key prefix.
function M.lookups(store, schema)
  local by_id = rawget(store, "by_id")
  local lookup
  if type(by_id) == "table" then
    lookup = function(id)
      local r = by_id[id]
      if r == nil then r = store:find(id) end
      return r
    end
  else
    lookup = function(id) return (store:find(id)) end
  end
  local by_prefix = {}
  for _, o in ipairs(schema:objects()) do
    if o.key_prefix then by_prefix[o.key_prefix] = o.name end
  end
  local function type_of(id)
    local name = by_prefix[sub(id, 1, 3)]
    if name then return name end
    local _, obj = store:find(id)
    return type(obj) == "table" and obj.name or tostring(obj)
  end
  return lookup, type_of
end

--- The tv of a field path as written (`a.Account.Owner.Name`, any case): a
-- leading FROM alias or object name is dropped, every inner segment must be
-- a relationship, the last one a field.
function M.resolve(ctx, scope, path, pos)
  local obj = scope.obj
  local i, n = 1, #path
  if n > 1 then
    local first = lower(path[1])
    if scope.alias and first == lower(scope.alias) then
      i = 2
    elseif first == lower(obj.name) and not obj:parent(path[1]) then
      i = 2
    end
  end
  local objs, hops, keyparts = { obj }, {}, {}
  for k = i, n - 1 do
    local seg, ref = path[k], nil
    for _, o in ipairs(objs) do
      ref = o:parent(seg)
      if ref then break end
    end
    if not ref then
      throw(ctx, "INVALID_FIELD", pos, format("Didn't understand relationship '%s' in field path.%s", seg, RELATIONSHIP_HINT))
    end
    local targets = {}
    for _, tname in ipairs(ref.reference_to or {}) do
      local t = ctx.schema:object(tname)
      if t then targets[#targets + 1] = t end
    end
    hops[#hops + 1] = { field = ref.name, rel = ref.relationship_name, targets = targets }
    keyparts[#keyparts + 1] = lower(ref.relationship_name)
    objs = targets
  end
  local last, def = path[n], nil
  for _, o in ipairs(objs) do
    def = o:field(last)
    if def then break end
  end
  if not def then
    throw(ctx, "INVALID_FIELD", pos,
      format("No such column '%s' on entity '%s'.%s", last, objs[1] and objs[1].name or "Name", FIELD_HINT))
  end
  keyparts[#keyparts + 1] = lower(def.name)

  local name, lookup, get = def.name, ctx.lookup, nil
  if #hops == 0 then
    get = function(r) return r[name] end
  elseif #hops == 1 then
    local f1 = hops[1].field
    get = function(r)
      local id = r[f1]
      if id == nil then return nil end
      local p = lookup(id)
      if p == nil then return nil end
      return p[name]
    end
  else
    local refs = {}
    for h = 1, #hops do refs[h] = hops[h].field end
    local nh = #refs
    get = function(r)
      for h = 1, nh do
        local id = r[refs[h]]
        if id == nil then return nil end
        r = lookup(id)
        if r == nil then return nil end
      end
      return r[name]
    end
  end
  return {
    get = get, class = CLASS[def.type] or "text", type = def.type, name = def.name, def = def,
    hops = hops, key = concat(keyparts, "."), path = path, pos = pos,
  }
end

-- Date functions read the stored text ("YYYY-MM-DD" or
-- "YYYY-MM-DDTHH:MM:SS.fff+0000", both UTC); fiscal = calendar.
local function day_in_year(s)
  return dt.parse_date(sub(s, 1, 10)) - dt.days_from_civil(tonumber(sub(s, 1, 4)), 1, 1) + 1
end
local DATE_FN_IMPLS = {
  CALENDAR_YEAR = function(s) return tonumber(sub(s, 1, 4)) end,
  CALENDAR_MONTH = function(s) return tonumber(sub(s, 6, 7)) end,
  CALENDAR_QUARTER = function(s) return (tonumber(sub(s, 6, 7)) - 1) // 3 + 1 end,
  DAY_IN_MONTH = function(s) return tonumber(sub(s, 9, 10)) end,
  DAY_IN_WEEK = function(s) return dt.weekday(dt.parse_date(sub(s, 1, 10))) + 1 end, -- 1 = Sunday
  DAY_IN_YEAR = day_in_year,
  WEEK_IN_MONTH = function(s) return (tonumber(sub(s, 9, 10)) - 1) // 7 + 1 end,
  WEEK_IN_YEAR = function(s) return (day_in_year(s) - 1) // 7 + 1 end,
  HOUR_IN_DAY = function(s) return tonumber(sub(s, 12, 13)) end,
  DAY_ONLY = function(s) return sub(s, 1, 10) end,
}
DATE_FN_IMPLS.FISCAL_YEAR = DATE_FN_IMPLS.CALENDAR_YEAR
DATE_FN_IMPLS.FISCAL_MONTH = DATE_FN_IMPLS.CALENDAR_MONTH
DATE_FN_IMPLS.FISCAL_QUARTER = DATE_FN_IMPLS.CALENDAR_QUARTER
-- every date function SOQL has (luaforce.soql.vocabulary), each implemented
local DATE_FNS = {}
for fn in pairs(vocabulary.DATE_FUNCTIONS) do
  DATE_FNS[fn] = DATE_FN_IMPLS[fn] or error("soql_exec.binding: no implementation of the date function " .. fn)
end
local DATETIME_ONLY = { HOUR_IN_DAY = true, DAY_ONLY = true }
-- Functions that return their argument as it is in the local org.
M.IDENTITY_FNS = { FORMAT = true, TOLABEL = true, CONVERTCURRENCY = true, CONVERTTIMEZONE = true }

--- The tv of a function call: FORMAT() and friends are their argument, a
-- date function reads a date or date-time.
function M.function_tv(ctx, scope, node)
  local fn, arg = node.fn, node.arg
  if not arg or (arg.kind ~= "field" and arg.kind ~= "function") then
    throw(ctx, "MALFORMED_QUERY", node.pos, format("Invalid argument to %s", fn))
  end
  local base = arg.kind == "field" and M.resolve(ctx, scope, arg.path, arg.pos) or M.function_tv(ctx, scope, arg)
  if M.IDENTITY_FNS[fn] then return base end
  local f = DATE_FNS[fn]
  if not f then throw(ctx, "MALFORMED_QUERY", node.pos, format("Unknown function: %s", fn)) end
  if base.class ~= "datetime" and (DATETIME_ONLY[fn] or base.class ~= "date") then
    throw(ctx, "MALFORMED_QUERY", node.pos,
      format("%s can only be applied to %s fields: %s", fn, DATETIME_ONLY[fn] and "dateTime" or "date or dateTime",
        base.name))
  end
  local bget = base.get
  local is_day = fn == "DAY_ONLY"
  return {
    get = function(r)
      local s = bget(r)
      if s == nil then return nil end
      return f(s)
    end,
    class = is_day and "date" or "number", type = is_day and "date" or "int",
    name = base.name, def = base.def, hops = base.hops, pos = node.pos,
    key = lower(fn) .. "(" .. base.key .. ")", fn = fn,
  }
end

-- What a field can be used for. Salesforce refuses long text areas in
-- WHERE, ORDER BY and GROUP BY, multi-select picklists in ORDER BY and GROUP
-- BY, and fractional numbers and date-times in GROUP BY (group by
-- DAY_ONLY(CreatedDate) instead). A schema may say otherwise per field.
local function capable(def, what)
  local v = def[what]
  if v ~= nil then return v end
  local ty = def.type
  local long = ty == "textarea" and (def.length or 0) > 255
  if what == "filterable" then return not long end
  if what == "sortable" then return not long and ty ~= "multipicklist" end
  return not long and ty ~= "multipicklist" and ty ~= "double" and ty ~= "currency" and ty ~= "percent"
    and ty ~= "datetime"
end

--- Throws unless tv's field may be used for `flag` (see the file comment).
function M.check_flag(ctx, tv, flag, verb, pos)
  if tv.def and not tv.fn and not capable(tv.def, flag) then
    throw(ctx, "INVALID_FIELD", pos, format("field '%s' can not be %s in a query call", tv.name, verb))
  end
end

--- The left side of a row-level condition or ORDER BY key.
function M.row_tv(ctx, scope, node)
  if node.kind == "field" then return M.resolve(ctx, scope, node.path, node.pos) end
  if node.kind == "function" then return M.function_tv(ctx, scope, node) end
  throw(ctx, "MALFORMED_QUERY", node.pos, "Aggregate functions are only allowed in the SELECT list, HAVING and ORDER BY of an aggregate query")
end

return M
