--- luaforce.emulator.soql_exec.aggregate: aggregate queries (GROUP BY,
-- ROLLUP, CUBE, HAVING, aggregate functions) from rows to AggregateResult
-- records.
--
--   aggregate.is_aggregate(item) -> true for an aggregate select item (or
--       FORMAT() and friends over one)
--   aggregate.compile(ctx, q, scope) -> plan: {kind = "aggregate", obj,
--       where, groups (grouping expressions' typed value sources), rollup
--       ("plain", "rollup", "cube"), having, order, limit, offset, cols
--       ({key, get, node, spec | tv} per select item), mt, count_only, q}
--   aggregate.run(ctx, plan) -> result: {total_size, records, count_only,
--       child_relationships = {}}
--   aggregate.path_text(node) -> the text of a field, aggregate or function
--       node ("SUM(Amount)"), for messages and column metadata
--
-- Salesforce's semantics: text groups without case, nulls form their own
-- group, SUM is exact (luaforce.emulator.soql_exec.exact_sum), AVG a float;
-- record keys are the names luaforce.soql.columns gives (aliases, expr0,
-- expr1, ...), grouped fields spelt as the schema has them; ROLLUP and CUBE
-- add their subtotal rows after the detailed groups, GROUPING() telling them
-- apart.
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local columns = require "luaforce.soql.columns"
local qerr = require "luaforce.emulator.soql_exec.errors"
local binding = require "luaforce.emulator.soql_exec.binding"
local conditions = require "luaforce.emulator.soql_exec.where"
local scan = require "luaforce.emulator.soql_exec.scan"
local compare = require "luaforce.emulator.soql_exec.compare"
local exact_sum = require "luaforce.emulator.soql_exec.exact_sum"

local M = {}

local null = json.null
local format = string.format
local concat, sort = table.concat, table.sort
local dcompare = decimal.compare
local setmetatable, getmetatable, type, tostring, ipairs = setmetatable, getmetatable, type, tostring, ipairs
local throw = qerr.throw
local fold, strcmp, order_key = compare.fold, compare.strcmp, compare.order_key
local IDENTITY_FNS = binding.IDENTITY_FNS

local function object_mt(keys) return getmetatable(json.object({}, keys)) end
local AGG_ATTR_MT = object_mt { "type" }

local NULL_KEY = {}

-- The table key a grouped value groups under (text without case, numbers
-- by value).
local function group_key(class, v)
  if v == nil then return NULL_KEY end
  if class == "text" or class == "multi" then return fold(v) end
  if decimal.is(v) then
    local f = v:tonumber()
    if dcompare(v, f) == 0 then return f end
    return "#" .. tostring(v)
  end
  return v
end

-- The aggregate under FORMAT(), convertCurrency() ... wrappers, if any.
local function inner_aggregate(node)
  while node and node.kind == "function" and IDENTITY_FNS[node.fn] do node = node.arg end
  if node and node.kind == "aggregate" then return node end
  return nil
end

--- See the file comment.
function M.is_aggregate(item) return inner_aggregate(item) ~= nil end
local is_aggregate = M.is_aggregate

--- See the file comment.
local function path_text(node)
  if node.kind == "field" then return concat(node.path, ".") end
  if node.kind == "aggregate" then return node.fn .. "(" .. (node.arg and path_text(node.arg) or "") .. ")" end
  if node.kind == "function" then return node.fn .. "(" .. (node.arg and path_text(node.arg) or "") .. ")" end
  return "?"
end
M.path_text = path_text

--- See the file comment.
function M.compile(ctx, q, scope)
  local obj = scope.obj
  local function left(node) return binding.row_tv(ctx, scope, node) end

  -- grouping expressions
  local groups, gindex = {}, {}
  if q.group_by then
    for i, g in ipairs(q.group_by.fields) do
      local tv = left(g)
      binding.check_flag(ctx, tv, "groupable", "grouped", g.pos)
      groups[i] = tv
      gindex[tv.key] = i
    end
  end
  local function grouped(node, tv)
    local i = gindex[tv.key]
    if not i then
      throw(ctx, "MALFORMED_QUERY", node.pos, "Field must be grouped or aggregated: " .. path_text(node))
    end
    return i
  end
  local function group_value(i) return function(g) return g.vals[i] end end

  -- aggregates, each computed at most once per group
  local nspecs = 0
  local NONE = {}
  local function aggregate(node)
    local fn, compute, class, ftype, name = node.fn, nil, "number", "double", node.fn
    if node.arg == nil then
      if fn ~= "COUNT" then throw(ctx, "MALFORMED_QUERY", node.pos, fn .. "() needs a field") end
      compute = function(rows) return #rows end
      ftype = "int"
    else
      local tv = left(node.arg)
      local vget = tv.get
      name = tv.name
      if fn == "COUNT" then
        ftype = "int"
        compute = function(rows)
          local n = 0
          for i = 1, #rows do
            if vget(rows[i]) ~= nil then n = n + 1 end
          end
          return n
        end
      elseif fn == "COUNT_DISTINCT" then
        ftype = "int"
        local vclass = tv.class
        compute = function(rows)
          local seen, n = {}, 0
          for i = 1, #rows do
            local v = vget(rows[i])
            if v ~= nil then
              local k = group_key(vclass, v)
              if not seen[k] then
                seen[k] = true
                n = n + 1
              end
            end
          end
          return n
        end
      elseif fn == "SUM" or fn == "AVG" then
        if tv.class ~= "number" then
          throw(ctx, "MALFORMED_QUERY", node.pos, format("field %s does not support aggregate operator %s", tv.name, fn))
        end
        local avg, vtype = fn == "AVG", tv.type
        compute = function(rows)
          local vals = {}
          for i = 1, #rows do
            local v = vget(rows[i])
            if v ~= nil then vals[#vals + 1] = v end
          end
          if #vals == 0 then return nil end
          if avg then return exact_sum.sum(vals):tonumber() / #vals end
          return exact_sum.sum_of(vals, vtype)
        end
      elseif fn == "MIN" or fn == "MAX" then
        class, ftype = tv.class, tv.type
        if class == "multi" then
          throw(ctx, "MALFORMED_QUERY", node.pos, format("field %s does not support aggregate operator %s", tv.name, fn))
        end
        local want = fn == "MIN" and -1 or 1
        compute = function(rows)
          local best, bkey
          for i = 1, #rows do
            local v = vget(rows[i])
            if v ~= nil then
              local k = order_key(class, v)
              if best == nil then
                best, bkey = v, k
              else
                local c
                if type(k) == "string" or (type(k) == "number" and type(bkey) == "number") then
                  c = strcmp(k, bkey)
                else
                  c = dcompare(k, bkey)
                end
                if c == want then best, bkey = v, k end
              end
            end
          end
          return best
        end
      else
        throw(ctx, "MALFORMED_QUERY", node.pos, "Unknown aggregate function: " .. tostring(fn))
      end
    end
    nspecs = nspecs + 1
    local id = nspecs
    return {
      class = class, type = ftype, name = name,
      get = function(g)
        local c = g.cache
        local v = c[id]
        if v == nil then
          v = compute(g.rows)
          if v == nil then v = NONE end
          c[id] = v
        end
        if v == NONE then return nil end
        return v
      end,
    }
  end

  -- the select list; names from luaforce.soql.columns, a grouped field's
  -- spelt as the schema has it
  local cols, count_only = {}, false
  for _, col in ipairs(columns.of(q)) do
    local item = col.item
    local kind = item.kind
    if col.kind == "count" then
      count_only = true
    elseif is_aggregate(item) then
      local spec = aggregate(inner_aggregate(item))
      cols[#cols + 1] = { key = col.name, get = spec.get, node = item, spec = spec }
    elseif kind == "function" and item.fn == "GROUPING" then
      -- 1 on the ROLLUP/CUBE subtotal rows where the field is rolled up
      local i = grouped(item.arg, left(item.arg))
      cols[#cols + 1] = {
        key = col.name, node = item, spec = { class = "number", type = "int" },
        get = function(g) return (g.rolled and g.rolled[i]) and 1 or 0 end,
      }
    elseif kind == "field" or kind == "function" then
      local tv = left(item)
      local i = grouped(item, tv)
      local key = col.kind == "field" and tv.name or col.name
      cols[#cols + 1] = { key = key, get = group_value(i), node = item, tv = tv }
    else
      throw(ctx, "MALFORMED_QUERY", item.pos, "Only grouped fields and aggregate functions can be selected in an aggregate query")
    end
  end
  if count_only and #q.fields > 1 then
    throw(ctx, "MALFORMED_QUERY", q.fields[2].pos, "COUNT() cannot be used with other fields")
  end

  -- HAVING and ORDER BY see groups: aggregates and grouped expressions
  local function group_tv(node)
    if is_aggregate(node) then return aggregate(inner_aggregate(node)) end
    local tv = left(node)
    local i = grouped(node, tv)
    return { get = group_value(i), class = tv.class, type = tv.type, name = tv.name, def = tv.def }
  end
  local having = q.having and conditions.compile(ctx, q.having, { left = group_tv })
  local order = q.order_by and scan.order_keys(ctx, q.order_by, group_tv)
  local keys = { "attributes" }
  for i, c in ipairs(cols) do keys[i + 1] = c.key end
  return {
    kind = "aggregate", obj = obj, where = q.where and conditions.compile(ctx, q.where, scope),
    groups = groups, rollup = q.group_by and q.group_by.kind or "plain", having = having,
    order = order, limit = q.limit, offset = q.offset, cols = cols, mt = object_mt(keys),
    count_only = count_only, q = q,
  }
end

-- ROLLUP: the grouping sets (f1..fn), (f1..fn-1), ..., (); CUBE: every
-- subset, larger ones first. Returns lists of kept expression indexes.
local function grouping_sets(kind, n)
  local sets = {}
  if kind == "rollup" then
    for keep = n - 1, 0, -1 do
      local s = {}
      for i = 1, keep do s[i] = i end
      sets[#sets + 1] = s
    end
  elseif kind == "cube" then
    local masks = {}
    for m = (1 << n) - 2, 0, -1 do masks[#masks + 1] = m end
    sort(masks, function(a, b)
      local ca, cb = 0, 0
      for i = 0, n - 1 do
        if a & (1 << i) ~= 0 then ca = ca + 1 end
        if b & (1 << i) ~= 0 then cb = cb + 1 end
      end
      if ca ~= cb then return ca > cb end
      return a > b
    end)
    for _, m in ipairs(masks) do
      local s = {}
      for i = 1, n do
        if m & (1 << (i - 1)) ~= 0 then s[#s + 1] = i end
      end
      sets[#sets + 1] = s
    end
  end
  return sets
end

local function group_rows(plan, rows)
  local groups = plan.groups
  local ng = #groups
  if ng == 0 then return { { vals = {}, rows = rows, cache = {} } } end
  local list, root = {}, {}
  local vals = {}
  for r = 1, #rows do
    local row = rows[r]
    local node = root
    for i = 1, ng do
      local v = groups[i].get(row)
      vals[i] = v
      local k = group_key(groups[i].class, v)
      local nxt = node[k]
      if not nxt then
        if i == ng then
          local copy = {}
          for j = 1, ng do copy[j] = vals[j] end
          nxt = { vals = copy, rows = {}, cache = {} }
          list[#list + 1] = nxt
        else
          nxt = {}
        end
        node[k] = nxt
      end
      node = nxt
    end
    node.rows[#node.rows + 1] = row
  end
  -- subtotals of ROLLUP and CUBE, after the detailed groups
  local detailed = { table.unpack(list) }
  for _, set in ipairs(grouping_sets(plan.rollup, ng)) do
    local index, sub = {}, {}
    for _, g in ipairs(detailed) do
      local node = index
      for _, i in ipairs(set) do
        local k = group_key(groups[i].class, g.vals[i])
        node[k] = node[k] or {}
        node = node[k]
      end
      local agg = node[NULL_KEY]
      if not agg then
        local v, rolled = {}, {}
        for i = 1, ng do rolled[i] = true end
        for _, i in ipairs(set) do
          v[i] = g.vals[i]
          rolled[i] = nil
        end
        agg = { vals = v, rows = {}, cache = {}, rolled = rolled }
        node[NULL_KEY] = agg
        sub[#sub + 1] = agg
      end
      for _, r in ipairs(g.rows) do agg.rows[#agg.rows + 1] = r end
    end
    for _, g in ipairs(sub) do list[#list + 1] = g end
  end
  return list
end

--- See the file comment.
function M.run(ctx, plan)
  local rows = scan.scan(ctx, plan.obj, plan.where)
  local groups = group_rows(plan, rows)
  if plan.having then
    local kept = {}
    for _, g in ipairs(groups) do
      if plan.having(g) then kept[#kept + 1] = g end
    end
    groups = kept
  end
  groups = scan.finish(plan, groups)
  if plan.count_only then
    return { total_size = #groups, records = json.array {}, count_only = true, child_relationships = {} }
  end
  local recs, cols, mt = {}, plan.cols, plan.mt
  for gi, g in ipairs(groups) do
    local t = { attributes = setmetatable({ type = "AggregateResult" }, AGG_ATTR_MT) }
    for i = 1, #cols do
      local v = cols[i].get(g)
      if v == nil then v = null end
      t[cols[i].key] = v
    end
    recs[gi] = setmetatable(t, mt)
  end
  return { total_size = #recs, records = json.array(recs), count_only = false, child_relationships = {} }
end

return M
