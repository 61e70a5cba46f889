--- luaforce.emulator.soql_exec.where: WHERE and HAVING conditions compiled
-- into closures.
--
--   where.compile(ctx, node, side) -> test(row) -> boolean
--
-- `node` is a condition of the parser's AST; `side` is either a scope
-- {obj, alias} (WHERE: the tests read rows) or `{left = function(node) ->
-- tv}` (HAVING: they read groups through the typed value sources `left`
-- gives). Each node becomes one closure, called once per row, with no name
-- lookups or string building on the way.
--
-- Salesforce's semantics: text `=`, `!=`, LIKE and IN ignore case (see
-- compare.fold); `<` and `>` collate text (compare.collate: the English
-- rule, upper-cased code points, accents not folded); `!=` and NOT IN match
-- nulls, the other operators never do; a 15-character id literal matches its
-- 18-character id; date literals are ranges (date_literals.lua) and also
-- cover date-time fields by UTC day; a multi-select picklist compares as a
-- set; semi-joins and anti-joins (`Id IN (SELECT ...)`) run their subquery
-- once. A literal of the wrong type for its field throws INVALID_FIELD in
-- Salesforce's words.
local dt = require "luaforce.emulator.datetime"
local dl = require "luaforce.emulator.date_literals"
local ids = require "luaforce.emulator.ids"
local qerr = require "luaforce.emulator.soql_exec.errors"
local binding = require "luaforce.emulator.soql_exec.binding"
local compare = require "luaforce.emulator.soql_exec.compare"
local scan = require "luaforce.emulator.soql_exec.scan"

local M = {}

local sub, find, gsub, format, gmatch = string.sub, string.find, string.gsub, string.format, string.gmatch
local concat, sort = table.concat, table.sort
local tonumber, tostring, ipairs, error = tonumber, tostring, ipairs, error
local throw = qerr.throw
local fold, collate, strcmp, numcmp = compare.fold, compare.collate, compare.strcmp, compare.numcmp
local SOAP, QUOTED = binding.SOAP, binding.QUOTED

local function type_error(ctx, tv, pos)
  throw(ctx, "INVALID_FIELD", pos, format(
    "value of filter criterion for field '%s' must be of type %s and should %sbe enclosed in quotes",
    tv.name, SOAP[tv.type] or "string", QUOTED[tv.class] and "" or "not "))
end

-- The literal as a value comparable with the field's stored values, or a
-- type error as Salesforce words it.
local function coerce(ctx, tv, lit, pos, like)
  local class, kind = tv.class, lit.kind
  if class == "text" or class == "multi" then
    if kind == "string" then return lit.value end
  elseif class == "id" then
    if kind == "string" then
      if like then return lit.value end
      local id = ids.to18(lit.value)
      if not id then throw(ctx, "INVALID_QUERY_FILTER_OPERATOR", pos, "invalid ID field: " .. lit.value) end
      return id
    end
  elseif class == "number" then
    if kind == "number" or (kind == "currency" and tv.type == "currency") then return lit.value end
  elseif class == "boolean" then
    if kind == "boolean" then return lit.value end
  elseif class == "date" then
    if kind == "date" and dt.parse_date(lit.value) then return lit.value end
  elseif class == "datetime" then
    if kind == "datetime" then
      local v = dt.normalize_datetime(lit.value)
      if v then return v end
    end
  end
  type_error(ctx, tv, pos)
end

local PRED = {
  ["="] = function(c) return c == 0 end,
  ["!="] = function(c) return c ~= 0 end,
  ["<"] = function(c) return c < 0 end,
  ["<="] = function(c) return c <= 0 end,
  [">"] = function(c) return c > 0 end,
  [">="] = function(c) return c >= 0 end,
}

local function collatecmp(a, b) return strcmp(collate(a), b) end
local function boolcmp(a, b)
  a, b = a == true and 1 or 0, b == true and 1 or 0
  return a - b
end

-- `v op L` for a non-null v through cmp; nulls match only `!=`.
local function ordered_test(get, op, L, cmp)
  local pred, on_null = PRED[op], op == "!="
  return function(r)
    local v = get(r)
    if v == nil then return on_null end
    return pred(cmp(v, L))
  end
end

local function text_test(get, op, L)
  local F = fold(L)
  local n = #F
  if op == "=" then
    return function(r)
      local v = get(r)
      return v ~= nil and #v == n and (v == L or fold(v) == F)
    end
  elseif op == "!=" then
    return function(r)
      local v = get(r)
      return v == nil or #v ~= n or (v ~= L and fold(v) ~= F)
    end
  end
  return ordered_test(get, op, collate(L), collatecmp)
end

-- A multi-select picklist value as a canonical set text: "b;A" -> "a;b".
local function multi_set(s)
  local parts = {}
  for p in gmatch(s, "[^;]+") do
    p = fold(p):match("^%s*(.-)%s*$")
    if p ~= "" then parts[#parts + 1] = p end
  end
  sort(parts)
  return parts
end
local function multi_key(s) return concat(multi_set(s), ";") end

-- [a, b) as stored text: the date literals.
local function range_test(get, op, a, b)
  if op == "=" then
    return function(r)
      local v = get(r)
      return v ~= nil and v >= a and v < b
    end
  elseif op == "!=" then
    return function(r)
      local v = get(r)
      return v == nil or v < a or v >= b
    end
  end
  -- `< X` is before X's first day, `<= X` before the day after its last,
  -- `> X` from the day after its last, `>= X` from its first day
  local bound = (op == "<" or op == ">=") and a or b
  if op == ">" or op == ">=" then
    return function(r)
      local v = get(r)
      return v ~= nil and v >= bound
    end
  end
  return function(r)
    local v = get(r)
    return v ~= nil and v < bound
  end
end

-- LIKE: `%` any run, `_` one character, `\%` and `\_` themselves (read from
-- the literal's raw text), case-insensitive. Common shapes (exact, prefix,
-- suffix, contains) avoid Lua patterns.
local ANY, ONE = {}, {}
local ESCAPES = { n = "\n", N = "\n", r = "\r", R = "\r", t = "\t", T = "\t", b = "\b", B = "\b", f = "\f", F = "\f" }
local UTF8_CHAR = "[\0-\127\194-\244][\128-\191]*"

local function like_parts(raw)
  local parts, buf = {}, {}
  local function flush()
    if #buf > 0 then
      parts[#parts + 1] = fold(concat(buf))
      buf = {}
    end
  end
  local i, n = 1, #raw
  while i <= n do
    local c = sub(raw, i, i)
    if c == "\\" then
      local nx = sub(raw, i + 1, i + 1)
      if nx == "u" or nx == "U" then
        buf[#buf + 1] = utf8.char(tonumber(sub(raw, i + 2, i + 5), 16) or 0xFFFD)
        i = i + 6
      else
        buf[#buf + 1] = ESCAPES[nx] or nx
        i = i + 2
      end
    elseif c == "%" then
      flush()
      if parts[#parts] ~= ANY then parts[#parts + 1] = ANY end
      i = i + 1
    elseif c == "_" then
      flush()
      parts[#parts + 1] = ONE
      i = i + 1
    else
      buf[#buf + 1] = c
      i = i + 1
    end
  end
  flush()
  return parts
end

local function like_matcher(parts)
  local np, has_one = #parts, false
  for _, p in ipairs(parts) do
    if p == ONE then has_one = true end
  end
  if not has_one then
    if np == 0 then return function(s) return s == "" end end
    if np == 1 and parts[1] == ANY then return function() return true end end
    if np == 1 then
      local lit = parts[1]
      local n = #lit
      return function(s) return #s == n and fold(s) == lit end
    end
    if np == 2 and parts[2] == ANY then
      local lit = parts[1]
      local n = #lit
      return function(s) return #s >= n and fold(sub(s, 1, n)) == lit end
    end
    if np == 2 and parts[1] == ANY then
      local lit = parts[2]
      local n = #lit
      return function(s) return #s >= n and fold(sub(s, -n)) == lit end
    end
    if np == 3 and parts[1] == ANY and parts[3] == ANY then
      local lit = parts[2]
      return function(s) return find(fold(s), lit, 1, true) ~= nil end
    end
  end
  local pat = { "^" }
  for _, p in ipairs(parts) do
    if p == ANY then
      pat[#pat + 1] = ".-"
    elseif p == ONE then
      pat[#pat + 1] = UTF8_CHAR
    else
      pat[#pat + 1] = (gsub(p, "[^%w]", "%%%0"))
    end
  end
  pat[#pat + 1] = "$"
  pat = concat(pat)
  return function(s) return find(fold(s), pat) ~= nil end
end

local function compare_test(ctx, tv, node)
  local op, lit, pos = node.op, node.right, node.pos
  local get, class = tv.get, tv.class
  if lit.kind == "null" then
    if op == "=" then return function(r) return get(r) == nil end end
    if op == "!=" then return function(r) return get(r) ~= nil end end
    return function() return false end
  end
  if lit.kind == "date_literal" and op ~= "LIKE" then
    if class ~= "date" and class ~= "datetime" then type_error(ctx, tv, pos) end
    local a, b = dl.bounds(class, lit.name, lit.n, ctx.now)
    if not a then throw(ctx, "MALFORMED_QUERY", lit.pos or pos, b) end
    return range_test(get, op, a, b)
  end
  if op == "LIKE" then
    coerce(ctx, tv, lit, pos, true)
    local m = like_matcher(like_parts(lit.raw or lit.value))
    return function(r)
      local v = get(r)
      return v ~= nil and m(v)
    end
  end
  local L = coerce(ctx, tv, lit, pos)
  if class == "text" then
    return text_test(get, op, L)
  elseif class == "multi" then
    if op == "=" or op == "!=" then
      local K = multi_key(L)
      local eq = op == "="
      return function(r)
        local v = get(r)
        if v == nil then return not eq end
        return (multi_key(v) == K) == eq
      end
    end
    return text_test(get, op, L)
  elseif class == "number" then
    return ordered_test(get, op, L, numcmp)
  elseif class == "boolean" then
    if op == "=" then return function(r) return (get(r) == true) == L end end
    if op == "!=" then return function(r) return (get(r) == true) ~= L end end
    return ordered_test(get, op, L, boolcmp)
  end
  -- ids, dates and date-times compare as their canonical stored text
  if op == "=" then return function(r) return get(r) == L end end
  if op == "!=" then return function(r) return get(r) ~= L end end
  return ordered_test(get, op, L, strcmp)
end

-- IN / NOT IN a list of literals; a null in the list matches nulls, and NOT
-- IN matches nulls unless the list holds one.
local function in_test(ctx, tv, node)
  local get, class = tv.get, tv.class
  local set, nums, ranges, has_null = {}, {}, {}, false
  for _, lit in ipairs(node.values) do
    if lit.kind == "null" then
      has_null = true
    elseif lit.kind == "date_literal" and (class == "date" or class == "datetime") then
      local a, b = dl.bounds(class, lit.name, lit.n, ctx.now)
      if not a then throw(ctx, "MALFORMED_QUERY", lit.pos or node.pos, b) end
      ranges[#ranges + 1] = { a, b }
    else
      local L = coerce(ctx, tv, lit, node.pos)
      if class == "text" then
        set[fold(L)] = true
      elseif class == "multi" then
        set[multi_key(L)] = true
      elseif class == "number" then
        nums[#nums + 1] = L
      else
        set[L] = true
      end
    end
  end
  local member
  if class == "text" then
    member = function(v) return set[fold(v)] == true end
  elseif class == "multi" then
    member = function(v) return set[multi_key(v)] == true end
  elseif class == "number" then
    member = function(v)
      for i = 1, #nums do
        if numcmp(v, nums[i]) == 0 then return true end
      end
      return false
    end
  else
    member = function(v)
      if set[v] then return true end
      for i = 1, #ranges do
        if v >= ranges[i][1] and v < ranges[i][2] then return true end
      end
      return false
    end
  end
  if node.negated then
    return function(r)
      local v = get(r)
      if v == nil then return not has_null end
      return not member(v)
    end
  end
  return function(r)
    local v = get(r)
    if v == nil then return has_null end
    return member(v)
  end
end

-- INCLUDES / EXCLUDES on a multi-select picklist: each listed value is a
-- set ('a;b' means both); INCLUDES matches when the row holds all of any one
-- set, EXCLUDES when it holds none of them wholly. A null holds nothing.
local function includes_test(ctx, tv, node)
  if tv.class ~= "multi" then
    throw(ctx, "INVALID_QUERY_FILTER_OPERATOR", node.pos,
      "includes or excludes operator only valid on multipicklist field")
  end
  local wanted = {}
  for _, lit in ipairs(node.values) do
    if lit.kind ~= "string" then type_error(ctx, tv, node.pos) end
    wanted[#wanted + 1] = multi_set(lit.value)
  end
  local get, excludes = tv.get, node.kind == "excludes"
  return function(r)
    local v = get(r)
    if v == nil then return excludes end
    local have = {}
    for _, p in ipairs(multi_set(v)) do have[p] = true end
    for _, req in ipairs(wanted) do
      local all = #req > 0
      for _, x in ipairs(req) do
        if not have[x] then
          all = false
          break
        end
      end
      if all then return not excludes end
    end
    return excludes
  end
end

local compile_cond

-- Semi-join `Id IN (SELECT AccountId FROM Contact ...)` and anti-join (NOT
-- IN): the subquery runs once, at the first row, into a set of ids.
local function semijoin_test(ctx, tv, node)
  if tv.class ~= "id" then
    throw(ctx, "INVALID_FIELD", node.pos,
      format("Only Id or reference fields can be used with semi-join or anti-join subqueries: %s", tv.name))
  end
  local q = node.query
  local obj = binding.object(ctx, q.from)
  local scope = { obj = obj, alias = q.from.alias, inner = true }
  local item = q.fields[1]
  if #q.fields ~= 1 or item.kind ~= "field" then
    throw(ctx, "MALFORMED_QUERY", (q.fields[2] or item or q).pos,
      "The inner select field of a semi-join or anti-join must be a single Id or reference field")
  end
  local inner = binding.resolve(ctx, scope, item.path, item.pos)
  if inner.class ~= "id" then
    throw(ctx, "INVALID_FIELD", item.pos,
      format("The selected field '%s' in a semi-join or anti-join must be an Id or reference field", inner.name))
  end
  local where = q.where and compile_cond(ctx, q.where, scope)
  local set
  local get, iget, negated, limit = tv.get, inner.get, node.negated, q.limit
  return function(r)
    if not set then
      set = {}
      for _, row in ipairs(scan.scan(ctx, obj, where, limit)) do
        local v = iget(row)
        if v ~= nil then set[v] = true end
      end
    end
    local v = get(r)
    if v == nil then return negated end
    if negated then return not set[v] end
    return set[v] == true
  end
end

--- See the file comment.
function compile_cond(ctx, node, side)
  local kind = node.kind
  if kind == "and" or kind == "or" then
    local items = {}
    for i, c in ipairs(node.items) do items[i] = compile_cond(ctx, c, side) end
    local n = #items
    if kind == "and" then
      if n == 2 then
        local a, b = items[1], items[2]
        return function(r) return a(r) and b(r) end
      end
      return function(r)
        for i = 1, n do
          if not items[i](r) then return false end
        end
        return true
      end
    end
    if n == 2 then
      local a, b = items[1], items[2]
      return function(r) return a(r) or b(r) end
    end
    return function(r)
      for i = 1, n do
        if items[i](r) then return true end
      end
      return false
    end
  elseif kind == "not" then
    local p = compile_cond(ctx, node.item, side)
    return function(r) return not p(r) end
  end
  local tv
  if side.left then
    if kind == "in_query" then
      throw(ctx, "MALFORMED_QUERY", node.pos, "semi-join and anti-join subqueries are only allowed in WHERE")
    end
    tv = side.left(node.left)
  else
    tv = binding.row_tv(ctx, side, node.left)
    binding.check_flag(ctx, tv, "filterable", "filtered", node.left.pos or node.pos)
  end
  if kind == "compare" then
    return compare_test(ctx, tv, node)
  elseif kind == "in" then
    return in_test(ctx, tv, node)
  elseif kind == "in_query" then
    if side.inner then
      throw(ctx, "MALFORMED_QUERY", node.pos, "Nesting of semi join sub-selects is not supported")
    end
    return semijoin_test(ctx, tv, node)
  elseif kind == "includes" or kind == "excludes" then
    return includes_test(ctx, tv, node)
  end
  error("soql_exec.where: unknown condition kind " .. tostring(kind))
end
M.compile = compile_cond

return M
