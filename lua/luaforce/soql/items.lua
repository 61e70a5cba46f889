--- luaforce.soql.items: fields, aggregates and function calls for the builder.
--
-- An Item is a validated piece of a select list, GROUP BY, ORDER BY or the
-- left side of a condition:
--   { kind = "field", path = "Account.Name", segs = {...} }
--   { kind = "aggregate", fn = "SUM", arg = <field item> | nil, alias }
--   { kind = "function", fn = "CALENDAR_YEAR", arg = <item>, alias }
--   { kind = "fields", which = "ALL" }
-- Items are immutable; `item:as(alias)` returns a copy with the alias;
-- `soql.field("Name"):as("n")` makes an aliased plain field.
-- Strings name operands too: "Account.Name", "COUNT(Id)",
-- "CALENDAR_YEAR(convertTimezone(CreatedDate))"; they are read by a strict
-- little grammar (names and parentheses only), never pasted.
local literals = require "luaforce.soql.literals"
local vocabulary = require "luaforce.soql.vocabulary"

local M = {}

local fail, shown = literals.fail, literals.shown
local format, match = string.format, string.match

-- Function names: luaforce.soql.vocabulary.
local AGGREGATES, FUNCTIONS = vocabulary.AGGREGATES, vocabulary.FUNCTIONS

-- The spelling emitted for each function (SOQL ignores the case; these are
-- the ones Salesforce's documentation uses).
local SPELLING = { TOLABEL = "toLabel", CONVERTCURRENCY = "convertCurrency", CONVERTTIMEZONE = "convertTimezone" }

-- Which calls a function may take instead of a field.
local INNER = vocabulary.INNER

local Item = {}
Item.__index = Item
Item.__name = "luaforce.soql.Item"
literals.own(Item)

--- True when v is an item.
function M.is(v) return getmetatable(v) == Item end

-- The text of an item without its alias.
local function text_of(it)
  if it.kind == "field" then return it.path end
  if it.kind == "fields" then return "FIELDS(" .. it.which .. ")" end
  local name = SPELLING[it.fn] or it.fn
  return name .. "(" .. (it.arg and text_of(it.arg) or "") .. ")"
end
M.text = text_of

--- The select-list text: the item and its alias.
function M.select_text(it)
  local t = text_of(it)
  if it.alias then t = t .. " " .. it.alias end
  return t
end

Item.__tostring = M.select_text

local function new(t) return setmetatable(t, Item) end

--- A copy of an item with an alias (`SUM(Amount) total`). Plain fields
-- take one only in aggregate queries (checked when the query is built).
function Item:as(alias)
  if self.kind == "fields" then fail(format("%s cannot take an alias", text_of(self))) end
  if self.kind == "aggregate" and not self.arg then
    fail("COUNT() takes no alias", "use soql.count(\"Id\"):as(name) for a named count")
  end
  literals.name(alias, "alias", true)
  local copy = {}
  for k, v in pairs(self) do copy[k] = v end
  copy.alias = alias
  return new(copy)
end

--- A field item for a path (hops checked later, when the FROM is known).
function M.field(path)
  local text, segs = literals.path(path, "field", false)
  return new { kind = "field", path = text, segs = segs }
end

-- An argument: a field path string or an item.
local function arg_item(fn, arg)
  if M.is(arg) then
    if arg.alias then fail(format("%s(): its argument %s cannot have an alias", fn, tostring(arg))) end
    if arg.kind == "field" then return arg end
    local inner = INNER[fn]
    if not (inner and inner[arg.fn]) then
      fail(format("%s() cannot be applied to %s()", fn, arg.fn))
    end
    return arg
  end
  return M.field(arg)
end

--- An aggregate: aggregate("SUM", "Amount"); COUNT alone takes no field.
function M.aggregate(fn, field)
  fn = fn:upper()
  if not AGGREGATES[fn] then fail(format("unknown aggregate function %s", shown(fn))) end
  if field == nil then
    if fn ~= "COUNT" then fail(format("%s() needs a field", fn)) end
    return new { kind = "aggregate", fn = fn }
  end
  if M.is(field) and field.kind ~= "field" then fail(format("%s() takes a field, not %s", fn, tostring(field))) end
  return new { kind = "aggregate", fn = fn, arg = arg_item(fn, field) }
end

--- A function call: call("CALENDAR_YEAR", "CreatedDate"), call("FORMAT", soql.sum("Amount")).
function M.call(fn, arg)
  if type(fn) ~= "string" then fail(format("invalid function name %s", shown(fn))) end
  local u = fn:upper()
  if AGGREGATES[u] then return M.aggregate(u, arg) end
  if not FUNCTIONS[u] then fail(format("unknown function %s", shown(fn))) end
  if arg == nil then fail(format("%s() needs a field", u)) end
  return new { kind = "function", fn = u, arg = arg_item(u, arg) }
end

--- FIELDS(ALL | STANDARD | CUSTOM).
function M.fields(which)
  local u = type(which) == "string" and which:upper()
  if u ~= "ALL" and u ~= "STANDARD" and u ~= "CUSTOM" then
    fail(format("FIELDS() takes ALL, STANDARD or CUSTOM, not %s", shown(which)))
  end
  return new { kind = "fields", which = u }
end

-- "FN(inner)" read from a string.
local function parse_call(s)
  local fn, inner = match(s, "^([%a_][%w_]*)%s*%(%s*(.-)%s*%)$")
  if not fn then return nil end
  if inner == "" then return M.call(fn, nil) end
  if inner:find("(", 1, true) then
    local sub = parse_call(inner)
    if not sub then fail(format("invalid expression %s", shown(s))) end
    return M.call(fn, sub)
  end
  return M.call(fn, inner)
end

--- An operand from a string ("Name", "COUNT(Id)") or an item. `clause`
-- ("where", "having", "group", "order", "select") decides what is allowed.
function M.operand(x, clause)
  local it
  if M.is(x) then
    it = x
  elseif type(x) == "string" then
    if x:find("(", 1, true) then
      it = parse_call(x)
      if not it then
        fail(format("invalid field or function %s", shown(x)),
          "names and calls like COUNT(Id) only; use soql.raw for anything else")
      end
    else
      it = M.field(x)
    end
  else
    fail(format("invalid field: expected a name or a soql item, got %s", type(x)))
  end
  if it.kind == "fields" and clause ~= "select" then fail("FIELDS() is only allowed in the select list") end
  if clause == "where" or clause == "group" then
    -- an aggregate anywhere in the item: FORMAT(SUM(Amount)) is one too
    local agg = it
    while agg and agg.kind ~= "aggregate" do agg = agg.arg end
    if agg then
      fail(format("aggregate %s is not allowed in %s%s", text_of(agg), clause == "where" and "WHERE" or "GROUP BY",
        clause == "where" and " (use having)" or ""))
    end
  end
  if it.alias and clause ~= "select" then
    fail(format("%s: an alias belongs in the select list only", M.select_text(it)))
  end
  return it
end

--- Every field path under an item (for the relationship-hop check).
function M.paths(it, out)
  out = out or {}
  if it.kind == "field" then
    out[#out + 1] = it
  elseif it.arg then
    M.paths(it.arg, out)
  end
  return out
end

--- The grouping key of a field or function (lower case, without a leading
-- FROM alias or object name): how a select item is matched to GROUP BY.
function M.key(it, prefixes)
  if it.kind == "field" then
    local segs = it.segs
    local from = 1
    if #segs > 1 and prefixes and prefixes[segs[1]:upper()] then from = 2 end
    return table.concat(segs, ".", from):lower()
  elseif it.kind == "function" then
    return it.fn .. "(" .. M.key(it.arg, prefixes) .. ")"
  end
  return nil
end

return M
