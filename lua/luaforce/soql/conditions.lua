--- luaforce.soql.conditions: condition tables to SOQL text.
--
--   { Name = "Acme", Amount = { ["$gt"] = 100 } }   --> Amount > 100 AND Name = 'Acme'
--   { { Name = "Acme" }, { Amount = 5 } }           --> Name = 'Acme' AND Amount = 5
--   { ["$or"] = { { Stage = "Won" }, { Amount = { ["$gte"] = 1000 } } } }
--                                                   --> Stage = 'Won' OR Amount >= 1000
-- A table's array items come first, in order, then its named keys in
-- bytewise sorted order, so the text never depends on Lua's table order.
-- A plain value means $eq and a list means $in; a query builder means a
-- semi-join. Every compound condition inside another is parenthesised and
-- NOT is written `(NOT ...)`, so AND and OR can never mix by accident.
local literals = require "luaforce.soql.literals"
local items = require "luaforce.soql.items"

local M = {}

local fail, shown = literals.fail, literals.shown
local format, concat = string.format, table.concat

local COMPARE = { ["$eq"] = "=", ["$ne"] = "!=", ["$lt"] = "<", ["$lte"] = "<=", ["$gt"] = ">", ["$gte"] = ">=" }
local OPERATORS = "$eq $ne $lt $lte $gt $gte $like $nlike $in $nin $includes $excludes $exists $not"

-- What a Lua table holds as a condition value: "empty", "date", "list",
-- "ops" (only $-keys) or "other".
local function table_shape(t)
  if not literals.is_plain(t) then return "other" end
  if next(t) == nil then return "empty" end
  if literals.is_date_table(t) then return "date" end
  local n = #t
  if n > 0 then
    for k in pairs(t) do
      if math.type(k) ~= "integer" or k < 1 or k > n then return "other" end
    end
    return "list"
  end
  for k in pairs(t) do
    if type(k) ~= "string" or k:sub(1, 1) ~= "$" then return "other" end
  end
  return "ops"
end

-- Parts are { text, kind }: kind "simple" needs no parentheses inside a
-- larger condition; "and", "or" and "raw" always get them.
local function wrap(p)
  if p.kind == "simple" then return p.text end
  return "(" .. p.text .. ")"
end

local function join(parts, word)
  if #parts == 1 then return parts[1] end
  local out = {}
  for i, p in ipairs(parts) do out[i] = wrap(p) end
  return { text = concat(out, " " .. word .. " "), kind = word:lower() }
end

local function negate(p)
  return { text = "(NOT " .. wrap(p) .. ")", kind = "simple" }
end

local function simple(text) return { text = text, kind = "simple" } end

-- One scalar literal for `where` (a field name, for messages).
local function scalar(v, where, ctx)
  if ctx.is_query(v) then
    fail(format("a query is not a value for %s (a semi-join takes $in or $nin)", where))
  end
  if type(v) == "table" and not literals.is_value(v) then
    local shape = table_shape(v)
    if shape ~= "date" then
      fail(format("%s: a %s is not a value here", where, shape == "list" and "list" or "table"),
        shape == "list" and "lists go with $in, $nin, $includes and $excludes" or nil)
    end
  end
  return literals.literal_text(v, true, where)
end

-- "(v1, v2, ...)" for IN / NOT IN / INCLUDES / EXCLUDES.
local function value_list(v, where, op, ctx, strings_only)
  if strings_only and type(v) == "string" then v = { v } end
  if type(v) ~= "table" or literals.is_value(v) then
    fail(format("%s %s takes a list of values, got %s", where, op, shown(v)))
  end
  local shape = table_shape(v)
  if shape == "empty" then
    fail(format("empty %s list for %s: an empty IN matches no rows, and silently dropping it would match every row",
      op, where), "skip the query, or leave the condition out yourself, when the list is empty")
  end
  if shape ~= "list" then fail(format("%s %s takes a list (an array without holes), got a %s", where, op, shape)) end
  local out = {}
  for i = 1, #v do
    local x = v[i]
    local w = format("%s[%d]", where, i)
    if strings_only and type(x) ~= "string" and not (literals.is_value(x) and x.kind == "raw") then
      fail(format("%s %s takes strings only, got %s", w, op, shown(x)))
    end
    out[i] = scalar(x, w, ctx)
  end
  return "(" .. concat(out, ", ") .. ")"
end

-- Field IN (SELECT ...): checked by the builder's ctx.subquery.
local function semi_join(left, q, negated, where, ctx)
  if ctx.clause ~= "where" then fail(format("%s: a semi-join subquery is only allowed in WHERE", where)) end
  if ctx.under_or then fail(format("%s: a semi-join cannot be under $or (SOQL does not allow it)", where)) end
  if left.kind ~= "field" then fail(format("%s: a semi-join compares a field, not a function", where)) end
  ctx.has_semi = true
  return simple(format("%s %s %s", items.text(left), negated and "NOT IN" or "IN", ctx.subquery(q, where)))
end

-- Condition tables nest at most this deep: a table that holds itself would
-- recurse until Lua's stack overflows, and each level adds at most one pair
-- of parentheses, so the text stays within the parser's limit of 1,000.
local MAX_DEPTH = 1000

-- Runs step(...) one level deeper in ctx, refusing to go past MAX_DEPTH.
local function deeper(ctx, step, ...)
  local depth = (ctx.depth or 0) + 1
  if depth > MAX_DEPTH then
    fail(format("conditions nested deeper than %d levels", MAX_DEPTH), "does a condition table contain itself?")
  end
  ctx.depth = depth
  local part = step(...)
  ctx.depth = depth - 1
  return part
end

local field_condition

-- One operator on a field.
local function operator(left, op, v, where, ctx)
  local l = items.text(left)
  local w = op == "$eq" and where or where .. "." .. op
  local cmp = COMPARE[op]
  if cmp then
    return simple(format("%s %s %s", l, cmp, scalar(v, w, ctx)))
  elseif op == "$like" or op == "$nlike" then
    local lit
    if type(v) == "string" then
      lit = literals.pattern_literal(v, true, w)
    elseif literals.is_value(v) and v.kind == "raw" then
      lit = v.text
    else
      fail(format("%s takes a LIKE pattern string, got %s", w, shown(v)))
    end
    local p = simple(format("%s LIKE %s", l, lit))
    return op == "$nlike" and negate(p) or p
  elseif op == "$in" or op == "$nin" then
    if ctx.is_query(v) then return semi_join(left, v, op == "$nin", where, ctx) end
    return simple(format("%s %s %s", l, op == "$in" and "IN" or "NOT IN", value_list(v, where, op, ctx)))
  elseif op == "$includes" or op == "$excludes" then
    if left.kind ~= "field" then fail(format("%s applies to a multi-select picklist field", w)) end
    return simple(format("%s %s %s", l, op == "$includes" and "INCLUDES" or "EXCLUDES",
      value_list(v, where, op, ctx, true)))
  elseif op == "$exists" then
    if type(v) ~= "boolean" then fail(format("%s takes true or false, got %s", w, shown(v))) end
    return simple(format("%s %s null", l, v and "!=" or "="))
  elseif op == "$not" then
    return negate(field_condition(left, v, where, ctx))
  end
  fail(format("unknown operator %s for %s", shown(op), where), "operators: " .. OPERATORS)
end

-- The condition a value puts on a field.
local function field_condition_at(left, v, where, ctx)
  if ctx.is_query(v) then return semi_join(left, v, false, where, ctx) end
  if type(v) == "table" and not literals.is_value(v) then
    local shape = table_shape(v)
    if shape == "list" or shape == "empty" then return operator(left, "$in", v, where, ctx) end
    if shape == "ops" then
      local parts = {}
      for _, op in ipairs(literals.sorted_keys(v)) do
        parts[#parts + 1] = operator(left, op, v[op], where, ctx)
      end
      return join(parts, "AND")
    end
    if shape == "other" then
      fail(format("%s: a table of operators takes only $-keys (%s)", where, OPERATORS),
        "a list of values must be an array without holes")
    end
  end
  return operator(left, "$eq", v, where, ctx)
end

function field_condition(left, v, where, ctx)
  return deeper(ctx, field_condition_at, left, v, where, ctx)
end

local compile

-- $and / $or: a non-empty list of conditions.
local function logical(word, list, ctx)
  local key = "$" .. word:lower()
  if not literals.is_plain(list) or table_shape(list) ~= "list" then
    fail(format("%s takes a non-empty list of conditions, got %s", key, shown(list)))
  end
  local saved = ctx.under_or
  if word == "OR" then ctx.under_or = true end
  local parts = {}
  for i = 1, #list do parts[i] = compile(list[i], ctx) end
  ctx.under_or = saved
  return join(parts, word)
end

-- A condition: a table (array items, then sorted keys) or soql.raw text.
local function compile_at(cond, ctx)
  if literals.is_value(cond) and cond.kind == "raw" then return { text = cond.text, kind = "raw" } end
  if ctx.is_query(cond) then
    fail("a query is not a condition", "a semi-join is written { Id = query } or { Id = { [\"$nin\"] = query } }")
  end
  if not literals.is_plain(cond) then
    fail(format("a condition is a table like { Name = value }, got %s", shown(cond)),
      type(cond) == "string" and "SOQL text goes through soql.format or, unchecked, soql.raw" or nil)
  end
  local n = #cond
  for k in pairs(cond) do
    if not (type(k) == "string" or (math.type(k) == "integer" and k >= 1 and k <= n)) then
      fail(format("invalid key %s in a condition table (array items and field names only)", shown(k)))
    end
  end
  local parts = {}
  for i = 1, n do parts[#parts + 1] = compile(cond[i], ctx) end
  for _, key in ipairs(literals.sorted_keys(cond)) do
    local v = cond[key]
    if key == "$and" then
      parts[#parts + 1] = logical("AND", v, ctx)
    elseif key == "$or" then
      parts[#parts + 1] = logical("OR", v, ctx)
    elseif key == "$not" then
      parts[#parts + 1] = negate(compile(v, ctx))
    elseif key:sub(1, 1) == "$" then
      fail(format("unknown operator %s at the top of a condition ($and, $or and $not are allowed there)", shown(key)))
    else
      local left = items.operand(key, ctx.clause)
      for _, f in ipairs(items.paths(left)) do literals.check_hops(f.segs, ctx.prefixes) end
      parts[#parts + 1] = field_condition(left, v, key, ctx)
    end
  end
  if #parts == 0 then fail("empty condition: a condition table needs at least one entry") end
  return join(parts, "AND")
end

function compile(cond, ctx)
  return deeper(ctx, compile_at, cond, ctx)
end

--- The SOQL text of condition `cond`. ctx: { clause = "where" | "having",
-- prefixes = { [UPPER NAME] = true } (FROM object and alias) or nil,
-- is_query = function(v), subquery = function(q, where) -> "(SELECT ...)" }.
-- Sets ctx.has_semi when a semi-join was written.
function M.compile(cond, ctx)
  local p = compile(cond, ctx)
  return p.text, p.kind
end

return M
