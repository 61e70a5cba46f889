--- luaforce.emulator.soql_exec.scan: the rows a query returns, in order.
--
--   scan.scan(ctx, obj, where, max) -> rows: the rows of schema object obj
--       that pass `where` (a test from luaforce.emulator.soql_exec.where, or
--       nil), in insertion order; deleted ones only when ctx.all_rows; at
--       most `max` of them when given. A new list of the store's own rows.
--   scan.order_keys(ctx, items, left) -> keys: ORDER BY items (the parser's
--       {expr, dir, nulls}) as sort keys, `left(expr)` giving each one's
--       typed value source
--   scan.sort(rows, keys) -> rows, sorted in place (rows or groups)
--   scan.finish(plan, rows) -> rows after plan.order, plan.offset and
--       plan.limit
--   scan.check_offset(ctx, q): throws when OFFSET is past 2000
--
-- Sorting is Salesforce's: stable; text collated (luaforce.emulator.
-- soql_exec.compare), picklists in the order their values are defined;
-- ASC NULLS FIRST and DESC NULLS LAST unless the query says otherwise.
local decimal = require "luaforce.decimal"
local qerr = require "luaforce.emulator.soql_exec.errors"
local compare = require "luaforce.emulator.soql_exec.compare"

local M = {}

local lower, format = string.lower, string.format
local sort = table.sort
local mmin = math.min
local dcompare = decimal.compare
local type, ipairs = type, ipairs
local collate, order_key = compare.collate, compare.order_key

local MAX_OFFSET = 2000

--- See the file comment.
function M.scan(ctx, obj, where, max)
  local rows = ctx.store:all(obj.name, ctx.all_rows)
  local out, n, all = {}, 0, ctx.all_rows
  max = max or math.maxinteger
  if max <= 0 then return out end
  for i = 1, #rows do
    local r = rows[i]
    if (all or r.IsDeleted ~= true) and (not where or where(r)) then
      n = n + 1
      out[n] = r
      if n >= max then break end
    end
  end
  return out
end

--- A stable sort of rows (or groups) by keys `{get, class, desc, nulls_first,
-- rank}`.
function M.sort(rows, keys)
  local n, nk = #rows, #keys
  if n < 2 then return rows end
  local items = {}
  for i = 1, n do
    local r = rows[i]
    local it = { r, i }
    for k = 1, nk do
      local key = keys[k]
      local v = key.get(r)
      if key.rank and v ~= nil then
        it[k + 2] = key.rank[lower(v)] or "999999" .. collate(v)
      else
        it[k + 2] = order_key(key.class, v)
      end
    end
    items[i] = it
  end
  if nk == 1 then
    -- one key (the common case): nulls set aside in their order, the rest
    -- sorted by a comparator without the general loop, when the values are
    -- all strings or all Lua numbers
    local nulls, vals, kind = {}, {}, nil
    for i = 1, n do
      local it = items[i]
      local x = it[3]
      if x == nil then
        nulls[#nulls + 1] = it
      else
        local tx = type(x)
        if kind == nil then kind = tx elseif kind ~= tx then kind = false end
        vals[#vals + 1] = it
      end
    end
    if kind == "string" then
      -- text: sort "key \0 position" strings with Lua's own comparison (no
      -- comparator call per step); the position keeps it stable, counted
      -- from the end for DESC so that ties keep their order once reversed
      local desc, m = keys[1].desc, #vals
      local tagged, by_tag = {}, {}
      for i = 1, m do
        local it = vals[i]
        local tag = format("%s\0%09d", it[3], desc and m - i or i)
        tagged[i] = tag
        by_tag[tag] = it
      end
      sort(tagged)
      for i = 1, m do
        vals[i] = by_tag[tagged[desc and m - i + 1 or i]]
      end
      kind = "sorted"
    end
    if kind == "sorted" or kind == "number" or kind == nil then
      if kind == "number" and keys[1].desc then
        sort(vals, function(a, b)
          local x, y = a[3], b[3]
          if x ~= y then return x > y end
          return a[2] < b[2]
        end)
      elseif kind == "number" then
        sort(vals, function(a, b)
          local x, y = a[3], b[3]
          if x ~= y then return x < y end
          return a[2] < b[2]
        end)
      end
      local first, second = nulls, vals
      if not keys[1].nulls_first then first, second = vals, nulls end
      local j = 0
      for i = 1, #first do
        j = j + 1
        rows[j] = first[i][1]
      end
      for i = 1, #second do
        j = j + 1
        rows[j] = second[i][1]
      end
      return rows
    end
  end
  sort(items, function(a, b)
    for k = 1, nk do
      local x, y = a[k + 2], b[k + 2]
      if x == nil then
        if y ~= nil then return keys[k].nulls_first end
      elseif y == nil then
        return not keys[k].nulls_first
      else
        local c
        local tx = type(x)
        if tx == "string" or (tx == "number" and type(y) == "number") then
          c = x < y and -1 or (x > y and 1 or 0)
        else
          c = dcompare(x, y)
        end
        if c ~= 0 then
          if keys[k].desc then return c > 0 end
          return c < 0
        end
      end
    end
    return a[2] < b[2]
  end)
  for i = 1, n do rows[i] = items[i][1] end
  return rows
end

--- See the file comment.
function M.order_keys(ctx, items, left)
  local keys = {}
  for i, o in ipairs(items) do
    local tv = left(o.expr)
    local desc = o.dir == "DESC"
    local nulls_first
    if o.nulls then nulls_first = o.nulls == "FIRST" else nulls_first = not desc end
    local rank
    local def = tv.def
    if def and def.type == "picklist" and def.picklist and not tv.fn then
      -- Salesforce sorts picklists in the order their values are defined
      rank = {}
      for r, v in ipairs(def.picklist) do rank[lower(v)] = format("%06d", r) end
    end
    keys[i] = { get = tv.get, class = tv.class, desc = desc, nulls_first = nulls_first, rank = rank }
  end
  return keys
end

--- ORDER BY, then OFFSET and LIMIT.
function M.finish(plan, rows)
  if plan.order then M.sort(rows, plan.order) end
  local off, lim = plan.offset or 0, plan.limit
  if off == 0 and (not lim or lim >= #rows) then return rows end
  local out, last = {}, #rows
  if lim then last = mmin(last, off + lim) end
  for i = off + 1, last do out[#out + 1] = rows[i] end
  return out
end

--- See the file comment.
function M.check_offset(ctx, q)
  if q.offset and q.offset > MAX_OFFSET then
    qerr.throw(ctx, "NUMBER_OUTSIDE_VALID_RANGE", nil, format("Maximum SOQL offset allowed is %d", MAX_OFFSET))
  end
end

return M
