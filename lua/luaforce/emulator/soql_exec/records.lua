--- luaforce.emulator.soql_exec.records: plain queries, from the select list
-- to record tables.
--
--   records.compile(ctx, q, scope, is_child) -> plan: a plain query (the
--       parser's AST `q`, its FROM bound as scope {obj, alias}) as
--       {kind = "plain", obj, shape, where, order, limit, offset, children
--       (the child relationships' names), q}; is_child for a subquery
--   records.build(ctx, shape, row, objname) -> the record table of a row
--
-- A shape is one level of a record: its keys in order and the columns that
-- fill them (`shape.cols`, `shape.by_key` by lower-cased key, `shape.mt`
-- the key-order metatable all its records share). Column kinds: "value"
-- (row[name]), "get" (get(row): an aliased function), "parent" (a nested
-- shape through the reference `ref`), "typeof" (a shape per type of the
-- record `ref` points at), "child" (a subquery: `fetch(parent id)`).
-- Records are ready for luaforce.json: `attributes` ({type, url}) first,
-- then the select list's order, canonical API names as keys, json.null for
-- nulls, parents nested, child subqueries as {totalSize, done, records} or
-- null. Keys come from luaforce.soql.columns (aliases), fields spelt as the
-- schema has them.
local json = require "luaforce.json"
local columns = require "luaforce.soql.columns"
local vocabulary = require "luaforce.soql.vocabulary"
local qerr = require "luaforce.emulator.soql_exec.errors"
local binding = require "luaforce.emulator.soql_exec.binding"
local conditions = require "luaforce.emulator.soql_exec.where"
local scan = require "luaforce.emulator.soql_exec.scan"

local M = {}

local null = json.null
local lower, format = string.lower, string.format
local setmetatable, getmetatable, ipairs, pairs, pcall, error = setmetatable, getmetatable, ipairs, pairs, pcall,
  error
local throw, resolve = qerr.throw, binding.resolve
local RELATIONSHIP_HINT, OBJECT_HINT = qerr.RELATIONSHIP_HINT, qerr.OBJECT_HINT

local FIELDS_LIMIT = 200

-- One key-order metatable per record shape, shared by all its records.
local function object_mt(keys) return getmetatable(json.object({}, keys)) end
local ATTR_MT = object_mt { "type", "url" }
local CHILD_MT = object_mt { "totalSize", "done", "records" }

-- A new shape (see the file comment).
local function new_shape() return { keys = { "attributes" }, cols = {}, by_key = {} } end

local function shape_add(shape, col)
  local lk = lower(col.key)
  local have = shape.by_key[lk]
  if have then return have, false end
  shape.by_key[lk] = col
  shape.keys[#shape.keys + 1] = col.key
  shape.cols[#shape.cols + 1] = col
  return col, true
end

local function finalize(shape)
  shape.mt = object_mt(shape.keys)
  for _, c in ipairs(shape.cols) do
    if c.shape then finalize(c.shape) end
    if c.whens then
      for _, s in pairs(c.whens) do finalize(s) end
      finalize(c.empty)
    end
  end
  return shape
end

-- Adds a resolved field to a shape, nesting it under its relationships.
-- `quiet` skips the duplicate check (FIELDS() expansions).
local function add_field(ctx, shape, tv, pos, quiet)
  local node = shape
  for _, hop in ipairs(tv.hops) do
    local col = node.by_key[lower(hop.rel)]
    if not col then
      col = shape_add(node, { kind = "parent", key = hop.rel, ref = hop.field, shape = new_shape() })
    elseif col.kind ~= "parent" then
      throw(ctx, "MALFORMED_QUERY", pos, "duplicate field selected: " .. hop.rel)
    end
    node = col.shape
  end
  local _, added = shape_add(node, { kind = "value", key = tv.name, name = tv.name, def = tv.def })
  if not added and not quiet then
    throw(ctx, "MALFORMED_QUERY", pos, "duplicate field selected: " .. tv.name)
  end
end

local build -- (ctx, shape, row, objname) -> record; defined below

local function build_parent(ctx, shape, id)
  local p = ctx.lookup(id)
  if p == nil then return nil end
  return build(ctx, shape, p, ctx.type_of(id))
end

--- See the file comment.
function build(ctx, shape, row, objname)
  local prefix = ctx.urls[objname]
  if not prefix then
    prefix = ctx.sobjects .. objname .. "/"
    ctx.urls[objname] = prefix
  end
  local t = { attributes = setmetatable({ type = objname, url = prefix .. row.Id }, ATTR_MT) }
  local cols = shape.cols
  for i = 1, #cols do
    local c = cols[i]
    local kind, v = c.kind, nil
    if kind == "value" then
      v = row[c.name]
    elseif kind == "get" then
      v = c.get(row)
    elseif kind == "parent" then
      local id = row[c.ref]
      if id ~= nil then v = build_parent(ctx, c.shape, id) end
    elseif kind == "typeof" then
      local id = row[c.ref]
      if id ~= nil then
        local p = ctx.lookup(id)
        if p ~= nil then
          local name = ctx.type_of(id)
          local sh = c.whens[lower(name)] or c.empty
          v = build(ctx, sh, p, name)
        end
      end
    else -- child
      v = c.fetch(row.Id)
    end
    if v == nil then v = null end
    t[c.key] = v
  end
  return setmetatable(t, shape.mt)
end
M.build = build

local compile_plain

-- A child subquery `(SELECT ... FROM Contacts ...)`: its rows are read once
-- per query into buckets by parent id; WHERE, ORDER BY, OFFSET and LIMIT
-- apply per parent.
local function compile_child(ctx, parent, item)
  local q = item.query
  local rel = parent:child(q.from.name)
  if not rel then
    throw(ctx, "INVALID_FIELD", q.from.pos,
      format("Didn't understand relationship '%s' in FROM part of query call.%s", q.from.name, RELATIONSHIP_HINT))
  end
  local cobj = ctx.schema:object(rel.object)
  local plan = compile_plain(ctx, q, { obj = cobj, alias = q.from.alias }, true)
  local link_def = cobj:field(rel.field)
  local link = link_def and link_def.name or rel.field
  local buckets
  local function fetch(id)
    if not buckets then
      buckets = {}
      for _, r in ipairs(scan.scan(ctx, cobj, plan.where)) do
        local p = r[link]
        if p ~= nil then
          local b = buckets[p]
          if not b then
            b = {}
            buckets[p] = b
          end
          b[#b + 1] = r
        end
      end
    end
    local rows = buckets[id]
    if not rows then return nil end
    rows = scan.finish(plan, rows)
    if #rows == 0 then return nil end
    local recs = {}
    for i = 1, #rows do recs[i] = build(ctx, plan.shape, rows[i], cobj.name) end
    return setmetatable({ totalSize = #recs, done = true, records = json.array(recs) }, CHILD_MT)
  end
  return { kind = "child", key = rel.name, fetch = fetch, plan = plan, object = cobj }
end

-- TYPEOF What WHEN Account THEN Name, Phone WHEN ... ELSE Name END: one
-- shape per named type, and for the ELSE fields one per other target type.
local function compile_typeof(ctx, scope, item)
  local obj = scope.obj
  local relname = item.path[#item.path]
  local ref = obj:parent(relname)
  if #item.path ~= 1 or not ref then
    throw(ctx, "INVALID_FIELD", item.pos, format("Didn't understand relationship '%s' in field path.%s",
      relname, RELATIONSHIP_HINT))
  end
  local whens = {}
  for _, w in ipairs(item.whens) do
    local tobj = ctx.schema:object(w.type)
    if not tobj then
      throw(ctx, "INVALID_TYPE", w.pos or item.pos, format("sObject type '%s' is not supported.%s", w.type, OBJECT_HINT))
    end
    local sh = new_shape()
    for _, f in ipairs(w.fields) do add_field(ctx, sh, resolve(ctx, { obj = tobj }, f.path, f.pos), f.pos) end
    whens[lower(tobj.name)] = sh
  end
  if item.else_ then
    local found = {}
    for _, tname in ipairs(ref.reference_to or {}) do
      local tobj = ctx.schema:object(tname)
      if tobj and not whens[lower(tobj.name)] then
        local sh = new_shape()
        for i, f in ipairs(item.else_) do
          local ok, tv = pcall(resolve, ctx, { obj = tobj }, f.path, f.pos)
          if ok then
            add_field(ctx, sh, tv, f.pos, true)
            found[i] = true
          elseif not qerr.is_thrown(tv) then
            error(tv, 0)
          end
        end
        whens[lower(tobj.name)] = sh
      end
    end
    for i, f in ipairs(item.else_) do
      if not found[i] then
        local first = ctx.schema:object((ref.reference_to or {})[1] or "") or obj
        resolve(ctx, { obj = first }, f.path, f.pos) -- throws the right message
      end
    end
  end
  return { kind = "typeof", key = ref.relationship_name, ref = ref.name, whens = whens, empty = new_shape() }
end

--- See the file comment.
function compile_plain(ctx, q, scope, is_child)
  local obj = scope.obj
  local shape, children = new_shape(), {}
  for _, col in ipairs(columns.of(q)) do
    local item, kind = col.item, col.item.kind
    if kind == "field" then
      add_field(ctx, shape, resolve(ctx, scope, item.path, item.pos), item.pos)
    elseif kind == "function" then
      if vocabulary.DATE_FUNCTIONS[item.fn] then
        throw(ctx, "MALFORMED_QUERY", item.pos, format("%s can only be used in an aggregate query", item.fn))
      end
      local tv = binding.function_tv(ctx, scope, item)
      if col.kind == "alias" then
        local _, added = shape_add(shape, { kind = "get", key = col.name, get = tv.get, def = tv.def })
        if not added then throw(ctx, "MALFORMED_QUERY", item.pos, "duplicate alias: " .. col.name) end
      else
        add_field(ctx, shape, tv, item.pos)
      end
    elseif kind == "fields" then
      if not is_child and item.which ~= "STANDARD" and (not q.limit or q.limit > FIELDS_LIMIT) then
        throw(ctx, "MALFORMED_QUERY", item.pos,
          format("The SOQL FIELDS function must have a LIMIT of at most %d", FIELDS_LIMIT))
      end
      for _, f in ipairs(obj.fields) do
        local custom = f.custom == true
        if item.which == "ALL" or (item.which == "CUSTOM") == custom then
          add_field(ctx, shape, resolve(ctx, { obj = obj }, { f.name }, item.pos), item.pos, true)
        end
      end
    elseif kind == "subquery" then
      if is_child then
        throw(ctx, "MALFORMED_QUERY", item.pos, "Nested child subqueries are not supported")
      end
      local col = compile_child(ctx, obj, item)
      local _, added = shape_add(shape, col)
      if not added then throw(ctx, "MALFORMED_QUERY", item.pos, "duplicate field selected: " .. col.key) end
      children[#children + 1] = col.key
    elseif kind == "typeof" then
      local col = compile_typeof(ctx, scope, item)
      local _, added = shape_add(shape, col)
      if not added then throw(ctx, "MALFORMED_QUERY", item.pos, "duplicate field selected: " .. col.key) end
    else
      throw(ctx, "MALFORMED_QUERY", item.pos, "unexpected select item")
    end
  end
  local where = q.where and conditions.compile(ctx, q.where, scope)
  local order
  if q.order_by then
    order = scan.order_keys(ctx, q.order_by, function(node)
      local tv = binding.row_tv(ctx, scope, node)
      binding.check_flag(ctx, tv, "sortable", "sorted", node.pos)
      return tv
    end)
  end
  return {
    kind = "plain", obj = obj, shape = finalize(shape), where = where, order = order,
    limit = q.limit, offset = q.offset, children = children, q = q,
  }
end
M.compile = compile_plain

return M
