--- luaforce.soql.columns: the names of a query's result columns, decided
-- once for everyone who shows or answers a query (the CLI's and the REPL's
-- table and CSV headers, the local org's JSON keys).
--
--   local parser = require "luaforce.soql.parser"
--   local columns = require "luaforce.soql.columns"
--   local ast = assert(parser.parse(
--     "SELECT a.Account.Name, COUNT(Id) n, MAX(Amount) FROM Opportunity a GROUP BY a.Account.Name"))
--   columns.of(ast)
--   --> { { kind = "field", name = "Name", path = { "Account", "Name" }, item = <node> },
--   --    { kind = "alias", name = "n", item = <node> },
--   --    { kind = "expr", name = "expr0", item = <node> },
--   --    aggregate = true }
--   columns.names(ast)   --> { "Name", "n", "expr0" }
--
-- columns.of(ast) -> list: one entry per select item of a parsed query (the
-- AST of luaforce.soql.parser), in order, each `{kind, name, item, ...}`
-- (`item` is the select node); `list.aggregate` is true for an aggregate
-- query (GROUP BY, or an aggregate in the select list). The kinds:
--   "alias"   an item with an alias: `name` is the alias;
--   "expr"    an aggregate, a date function (CALENDAR_YEAR, DAY_ONLY, ...),
--             GROUPING, or a function over an aggregate: `name` is expr0,
--             expr1, ... counted over these items in select-list order;
--   "field"   a plain field, or FORMAT/toLabel/convertCurrency/
--             convertTimezone of one: `path` is the field's path as
--             written without a leading FROM alias or object name, `name`
--             that path dotted ("Account.Name"), but in an aggregate query
--             only its last segment (Salesforce names a grouped field by
--             the field alone);
--   "child"   a child subquery: `name` is its relationship (its FROM);
--   "typeof"  TYPEOF: `name` is the relationship, `fields` the dotted
--             columns it may fill ("What.Name", ...: the WHEN fields, then
--             the ELSE ones, each name once whatever its case);
--   "count"   COUNT() alone: no column (`name` is nil; the answer is a count);
--   "fields"  FIELDS(ALL|STANDARD|CUSTOM): `name` is nil (the columns are
--             the object's, which only a schema knows).
-- Names are spelt as the query writes them. A caller that has the schema
-- (the local org) spells "field", "child" and "typeof" names as the schema
-- does, as Salesforce's answers do; "alias" and "expr" names are final.
--
-- columns.names(ast) -> { "Id", "Account.Name", ... } | nil: the flat list
-- of column names for table and CSV headers: TYPEOF as its `fields`;
-- `{}` for COUNT(); nil when the select list has FIELDS(...) (the columns
-- are then the records').
local vocabulary = require "luaforce.soql.vocabulary"

local M = {}

local concat = table.concat
local DATE_FUNCTIONS = vocabulary.DATE_FUNCTIONS

-- An aggregate, or a function over one (FORMAT(SUM(Amount))).
local function over_aggregate(node)
  while node and node.kind == "function" do node = node.arg end
  return node ~= nil and node.kind == "aggregate"
end

-- The field under FORMAT(), toLabel(), convertCurrency() ..., or nil.
local function inner_field(node)
  while node and node.kind == "function" do node = node.arg end
  return node and node.kind == "field" and node or nil
end

--- See the file comment.
function M.of(ast)
  if type(ast) ~= "table" or type(ast.fields) ~= "table" or type(ast.from) ~= "table" then
    error("bad argument #1 to 'of' (a parsed query expected)", 2)
  end
  local from, alias = ast.from.name:lower(), ast.from.alias and ast.from.alias:lower()
  local aggregate = ast.group_by ~= nil
  for _, item in ipairs(ast.fields) do
    if item.kind == "aggregate" or (item.kind == "function" and over_aggregate(item)) then aggregate = true end
  end
  -- a path without the FROM alias or object name in front
  local function stripped(path)
    if #path > 1 and (path[1]:lower() == alias or path[1]:lower() == from) then
      return table.move(path, 2, #path, 1, {})
    end
    return path
  end
  local function field_name(path)
    if aggregate then return path[#path] end
    return concat(path, ".")
  end
  local out, n = { aggregate = aggregate }, 0
  local function expr()
    local name = "expr" .. n
    n = n + 1
    return name
  end
  for i, item in ipairs(ast.fields) do
    local k, col = item.kind, nil
    local field = (k == "field" and item) or (k == "function" and inner_field(item)) or nil
    if k == "fields" then
      col = { kind = "fields" }
    elseif k == "aggregate" and item.arg == nil then
      col = { kind = "count" }
    elseif item.alias then
      col = { kind = "alias", name = item.alias }
    elseif k == "aggregate" or (k == "function" and (DATE_FUNCTIONS[item.fn] or item.fn == "GROUPING"
        or over_aggregate(item) or not field)) then
      col = { kind = "expr", name = expr() }
    elseif field then
      local path = stripped(field.path)
      col = { kind = "field", name = field_name(path), path = path }
    elseif k == "subquery" then
      col = { kind = "child", name = item.query.from.name }
    elseif k == "typeof" then
      local base, names, seen = field_name(stripped(item.path)), {}, {}
      local function add(list)
        for _, f in ipairs(list or {}) do
          local name = base .. "." .. concat(f.path, ".")
          if not seen[name:lower()] then
            seen[name:lower()] = true
            names[#names + 1] = name
          end
        end
      end
      for _, w in ipairs(item.whens) do add(w.fields) end
      add(item.else_)
      col = { kind = "typeof", name = base, fields = names }
    else
      error("soql.columns: unknown select item kind " .. tostring(k))
    end
    col.item = item
    out[i] = col
  end
  return out
end

--- See the file comment.
function M.names(ast)
  local names = {}
  for _, col in ipairs(M.of(ast)) do
    local k = col.kind
    if k == "fields" then return nil end
    if k == "count" then return {} end
    if k == "typeof" then
      for _, name in ipairs(col.fields) do names[#names + 1] = name end
    else
      names[#names + 1] = col.name
    end
  end
  return names
end

return M
