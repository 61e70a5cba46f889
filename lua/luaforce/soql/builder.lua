--- luaforce.soql.builder: the fluent query builder.
--
--   local q = soql.select { "Id", "Name", "Account.Name" }
--     :from("Contact")
--     :where { LastName = name, CreatedDate = { ["$gte"] = soql.last_n_days(30) } }
--     :order_by("LastName", "CreatedDate DESC NULLS LAST")
--     :limit(50)
--   tostring(q)  --> SELECT Id, Name, Account.Name FROM Contact WHERE CreatedDate >= LAST_N_DAYS:30
--                    AND LastName = 'O\'Brien' ORDER BY LastName, CreatedDate DESC NULLS LAST LIMIT 50
--
-- Queries are immutable: every method returns a new query, so a base query
-- can be shared and refined. Conditions are compiled (and checked) when
-- `where`/`having` is called, so a mistake raises where it was made; the
-- rest is checked when the text is built (`q:build()`, `tostring(q)`).
-- Errors are luaforce errors with code INVALID_SOQL and exit 2.
local literals = require "luaforce.soql.literals"
local items = require "luaforce.soql.items"
local conditions = require "luaforce.soql.conditions"

local M = {}

local fail, shown = literals.fail, literals.shown
local format, concat = string.format, table.concat
local tointeger = math.tointeger

local Query = {}
Query.__index = Query
Query.__name = "luaforce.soql.Query"
literals.own(Query)

--- True when v is a query made by this builder (the client takes these
-- in place of SOQL text).
function M.is_query(v) return getmetatable(v) == Query end
local is_query = M.is_query

local MAX_OFFSET = 2000
local MAX_FIELDS_LIMIT = 200
local WITH_MODES = { SECURITY_ENFORCED = true, USER_MODE = true, SYSTEM_MODE = true }

-- A copy of q with the given fields changed (queries are never modified).
local function with(q, changes)
  local c = {}
  for k, v in pairs(q) do c[k] = v end
  for k, v in pairs(changes) do c[k] = v end
  return setmetatable(c, Query)
end

-- A copy of list with more items at the end.
local function append(list, more)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  for _, v in ipairs(more) do out[#out + 1] = v end
  return out
end

-- The arguments as a list and its length: f("a", "b") and f{"a", "b"}
-- alike (a nil in the middle is kept, to be reported, not skipped).
local function arglist(...)
  local first = ...
  if select("#", ...) == 1 and literals.is_plain(first) then return first, #first end
  return { ... }, select("#", ...)
end

-- Names a path may start with that are not relationships.
local function prefixes(q)
  if not q._from then return nil end
  local p = { [q._from:upper()] = true }
  if q._alias then p[q._alias:upper()] = true end
  return p
end

---------------------------------------------------------------------------
-- Select list

-- One select-list entry: an item, a child subquery or raw text.
local function select_entry(x, i)
  if is_query(x) then return { sub = x } end
  if literals.is_value(x) then
    if x.kind ~= "raw" then fail(format("select item %d is a value (%s), not a field", i, x.text)) end
    return { raw = x.text }
  end
  if type(x) ~= "string" and not items.is(x) then
    fail(format("select item %d: expected a field name, a soql item or a subquery, got %s", i, type(x)))
  end
  return { item = items.operand(x, "select") }
end

--- A new query selecting `fields`: soql.select{"Id", "Name"} or
-- soql.select("Id", "Name"). Entries are field paths, items (soql.count(),
-- soql.sum("Amount"):as("total"), soql.fields("ALL"), ...), child
-- subqueries (a query FROM a relationship name), or soql.raw text.
function M.select(...)
  local list, n = arglist(...)
  if n == 0 then fail("select needs at least one field") end
  local entries = {}
  for i = 1, n do entries[i] = select_entry(list[i], i) end
  return setmetatable({ _select = entries }, Query)
end

--- More fields for the select list.
function Query:fields(...)
  local list, n = arglist(...)
  local entries = {}
  for i = 1, n do entries[i] = select_entry(list[i], #self._select + i) end
  return with(self, { _select = append(self._select, entries) })
end

---------------------------------------------------------------------------
-- Clauses

--- FROM object [alias]. A child subquery names the relationship (Contacts).
function Query:from(object, alias)
  literals.name(object, "object name")
  if alias ~= nil then
    literals.name(alias, "FROM alias", true)
    if literals.CLAUSES[alias:upper()] then fail(format("invalid FROM alias %s: a clause keyword", shown(alias))) end
  end
  return with(self, { _from = object, _alias = alias or false })
end

--- USING SCOPE name (mine, team, everything, ...).
function Query:using_scope(scope)
  literals.name(scope, "scope", true)
  return with(self, { _scope = scope })
end

-- The "(SELECT ...)" of a semi- or anti-join, checked as SOQL checks it.
local function semi_text(q, where)
  if not q._from then fail(format("%s: the semi-join subquery has no FROM", where)) end
  local sel = q._select
  if #sel ~= 1 or not sel[1].item or sel[1].item.kind ~= "field" then
    fail(format("%s: a semi-join subquery must select exactly one field", where))
  end
  if q._has_semi then fail(format("%s: semi-join subqueries cannot be nested", where)) end
  return "(" .. M.render(q, "semi") .. ")"
end
M.semi_text = semi_text

local function add_condition(q, key, cond, clause)
  local ctx = { clause = clause, prefixes = prefixes(q), is_query = is_query, subquery = semi_text }
  local text, kind = conditions.compile(cond, ctx)
  local changes = { [key] = append(q[key], { { text = text, kind = kind } }) }
  if ctx.has_semi then changes._has_semi = true end
  return with(q, changes)
end

--- WHERE cond (a condition table, see luaforce.soql.conditions, or
-- soql.raw). Called again, the conditions are joined with AND.
function Query:where(cond)
  return add_condition(self, "_where", cond, "where")
end

--- WITH SECURITY_ENFORCED | USER_MODE | SYSTEM_MODE.
function Query:with(mode)
  local u = type(mode) == "string" and mode:upper()
  if not WITH_MODES[u] then
    fail(format("WITH takes SECURITY_ENFORCED, USER_MODE or SYSTEM_MODE, not %s", shown(mode)))
  end
  return with(self, { _with = u })
end

function Query:with_security_enforced() return self:with("SECURITY_ENFORCED") end

local function grouping(q, kind, ...)
  local list, n = arglist(...)
  if n == 0 then fail("group_by needs at least one field") end
  local out = {}
  for i = 1, n do out[i] = items.operand(list[i], "group") end
  return with(q, { _group = { kind = kind, items = out } })
end

--- GROUP BY fields (names, or calls like "CALENDAR_YEAR(CreatedDate)").
function Query:group_by(...) return grouping(self, "plain", ...) end
--- GROUP BY ROLLUP(fields).
function Query:group_by_rollup(...) return grouping(self, "ROLLUP", ...) end
--- GROUP BY CUBE(fields).
function Query:group_by_cube(...) return grouping(self, "CUBE", ...) end

--- HAVING cond: a condition table whose keys may be aggregates ("COUNT(Id)").
function Query:having(cond)
  return add_condition(self, "_having", cond, "having")
end

local DIRS = { ASC = true, DESC = true }
local NULLS = { FIRST = true, LAST = true }

local function upper_word(w, set, what, spec)
  local u = type(w) == "string" and w:upper()
  if not set[u] then fail(format("invalid %s %s in ORDER BY %s", what, shown(w), shown(spec))) end
  return u
end

-- One ORDER BY key from "Field [ASC|DESC] [NULLS FIRST|LAST]", an item, or
-- { field, "DESC", nulls = "LAST" }.
local function order_key(x)
  local expr, dir, nulls
  if type(x) == "string" then
    local words = {}
    for w in x:gmatch("%S+") do words[#words + 1] = w end
    if #words == 0 then fail("ORDER BY: an empty field name") end
    expr = words[1]
    local i = 2
    if words[i] and DIRS[words[i]:upper()] then dir = words[i]:upper(); i = i + 1 end
    if words[i] then
      if words[i]:upper() ~= "NULLS" or not words[i + 1] then
        fail(format("invalid ORDER BY %s (expecting field [ASC|DESC] [NULLS FIRST|LAST])", shown(x)))
      end
      nulls = upper_word(words[i + 1], NULLS, "NULLS order", x)
      i = i + 2
    end
    if words[i] then fail(format("invalid ORDER BY %s: unexpected %s", shown(x), shown(words[i]))) end
  elseif items.is(x) then
    expr = x
  elseif literals.is_plain(x) then
    for k in pairs(x) do
      if k ~= 1 and k ~= 2 and k ~= "nulls" then
        fail(format("invalid ORDER BY key %s: expecting { field, \"ASC\"|\"DESC\", nulls = \"FIRST\"|\"LAST\" }"
          .. " (several keys go as separate arguments)", shown(k)))
      end
    end
    expr = x[1]
    if x[2] ~= nil then dir = upper_word(x[2], DIRS, "direction", tostring(x[1])) end
    if x.nulls ~= nil then nulls = upper_word(x.nulls, NULLS, "NULLS order", tostring(x[1])) end
  else
    fail(format("invalid ORDER BY %s", shown(x)))
  end
  return { item = items.operand(expr, "order"), dir = dir, nulls = nulls }
end

--- ORDER BY keys, each "Field [ASC|DESC] [NULLS FIRST|LAST]", an item or
-- { field, dir, nulls = }. Called again, the keys are appended.
function Query:order_by(...)
  local n = select("#", ...)
  if n == 0 then fail("order_by needs at least one field") end
  local keys = {}
  for i = 1, n do keys[i] = order_key((select(i, ...))) end
  return with(self, { _order = append(self._order, keys) })
end

local function count_arg(n, word)
  local i = tointeger(n)
  if i == nil or i < 0 then fail(format("%s must be a non-negative integer, got %s", word, shown(n))) end
  return i
end

--- LIMIT n.
function Query:limit(n)
  return with(self, { _limit = count_arg(n, "LIMIT") })
end

--- OFFSET n (SOQL allows at most 2000).
function Query:offset(n)
  local i = count_arg(n, "OFFSET")
  if i > MAX_OFFSET then
    fail(format("OFFSET %d is over %d, the most SOQL allows", i, MAX_OFFSET),
      "page with ORDER BY and a WHERE on the last key seen instead")
  end
  return with(self, { _offset = i })
end

function Query:for_view() return with(self, { _for = "VIEW" }) end
function Query:for_reference() return with(self, { _for = "REFERENCE" }) end
function Query:for_update() return with(self, { _for = "UPDATE" }) end

---------------------------------------------------------------------------
-- Text

local function join_conditions(parts)
  if #parts == 1 then return parts[1].text end
  local out = {}
  for i, p in ipairs(parts) do out[i] = p.kind == "simple" and p.text or "(" .. p.text .. ")" end
  return concat(out, " AND ")
end

-- What SOQL checks about a select list and its grouping, checked here so
-- the mistake is reported against the builder call.
local function check_select(q, role, pre)
  local sel = q._select
  local aggregate = q._group ~= nil
  local seen = {}
  for _, e in ipairs(sel) do
    local it = e.item
    if it then
      for _, f in ipairs(items.paths(it)) do literals.check_hops(f.segs, pre) end
      if it.kind == "aggregate" then
        if it.arg then
          aggregate = true
        elseif #sel > 1 then
          fail("COUNT() must be the only item in the select list", "use COUNT(Id) next to other fields")
        end
      end
      if it.alias then
        local key = it.alias:lower()
        if seen[key] then fail(format("duplicate alias %s", shown(it.alias))) end
        seen[key] = true
      end
      if it.kind == "fields" and role == "top" and it.which ~= "STANDARD"
          and (q._limit == nil or q._limit > MAX_FIELDS_LIMIT) then
        fail(format("FIELDS(%s) needs a LIMIT of at most %d", it.which, MAX_FIELDS_LIMIT))
      end
    elseif e.sub then
      if role ~= "top" then
        fail("a child subquery cannot hold another one (SOQL goes one level down)")
      end
    end
  end
  for _, e in ipairs(sel) do
    local it = e.item
    if it and it.alias and it.kind == "field" and not aggregate then
      fail(format("alias %s on field %s: only aggregate queries alias plain fields", shown(it.alias), it.path))
    end
  end
  if not aggregate then return end
  local grouped = {}
  for _, g in ipairs(q._group and q._group.items or {}) do grouped[items.key(g, pre)] = true end
  for _, e in ipairs(sel) do
    local probe = e.item
    -- FORMAT, toLabel and convertCurrency show a grouped value
    while probe and probe.kind == "function"
        and (probe.fn == "FORMAT" or probe.fn == "TOLABEL" or probe.fn == "CONVERTCURRENCY") do
      probe = probe.arg
    end
    if probe and (probe.kind == "field" or (probe.kind == "function" and probe.fn ~= "GROUPING")) then
      if not grouped[items.key(probe, pre)] then
        fail(format("%s must be grouped or aggregated: add it to group_by or aggregate it", items.text(probe)))
      end
    end
  end
end

--- The SOQL text of q in a role: "top", "child" (in a select list) or
-- "semi" (inside IN (...)).
function M.render(q, role)
  if not q._from then fail("the query has no FROM: call :from(object)") end
  local pre = prefixes(q)
  check_select(q, role, pre)
  local fields = {}
  for i, e in ipairs(q._select) do
    if e.item then
      fields[i] = items.select_text(e.item)
    elseif e.raw then
      fields[i] = e.raw
    else
      fields[i] = "(" .. M.render(e.sub, "child") .. ")"
    end
  end
  local out = { "SELECT ", concat(fields, ", "), " FROM ", q._from }
  local function add(...)
    for i = 1, select("#", ...) do out[#out + 1] = (select(i, ...)) end
  end
  if q._alias then add(" ", q._alias) end
  if q._scope then add(" USING SCOPE ", q._scope) end
  if q._where then add(" WHERE ", join_conditions(q._where)) end
  if q._with then add(" WITH ", q._with) end
  if q._group then
    local g = {}
    for i, it in ipairs(q._group.items) do
      for _, f in ipairs(items.paths(it)) do literals.check_hops(f.segs, pre) end
      g[i] = items.text(it)
    end
    if q._group.kind == "plain" then
      add(" GROUP BY ", concat(g, ", "))
    else
      add(" GROUP BY ", q._group.kind, "(", concat(g, ", "), ")")
    end
  end
  if q._having then
    if not q._group then fail("HAVING needs GROUP BY") end
    add(" HAVING ", join_conditions(q._having))
  end
  if q._order then
    local keys = {}
    for i, k in ipairs(q._order) do
      for _, f in ipairs(items.paths(k.item)) do literals.check_hops(f.segs, pre) end
      local t = items.text(k.item)
      if k.dir then t = t .. " " .. k.dir end
      if k.nulls then t = t .. " NULLS " .. k.nulls end
      keys[i] = t
    end
    add(" ORDER BY ", concat(keys, ", "))
  end
  if q._limit then add(" LIMIT ", format("%d", q._limit)) end
  if q._offset then add(" OFFSET ", format("%d", q._offset)) end
  if q._for then add(" FOR ", q._for) end
  return concat(out)
end

--- The SOQL text (raises an INVALID_SOQL error for a query SOQL refuses).
function Query:build()
  return M.render(self, "top")
end

Query.__tostring = Query.build

return M
