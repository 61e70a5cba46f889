--- luaforce.soql: SOQL that cannot be injected, and the project's one parser.
--
--   local soql = require "luaforce.soql"
--   local q = soql.select { "Id", "Name" }:from("Account")
--     :where { Name = { ["$like"] = soql.starts_with(prefix) }, Industry = { "Energy", "Retail" } }
--     :limit(10)
--   tostring(q)   --> SELECT Id, Name FROM Account WHERE Industry IN ('Energy', 'Retail') AND Name LIKE 'Ac%' LIMIT 10
--   soql.format("SELECT Id FROM Contact WHERE Email = {}", { email })
--   soql.parse(text)   --> the AST of docs/soql.md, or nil, err
--
-- The pieces: literals (values and escaping), items (fields, aggregates,
-- functions), conditions (condition tables), builder (the fluent query),
-- format (templates). docs/soql.md documents the whole API. Build errors
-- are luaforce errors with code INVALID_SOQL and exit 2.
local parser = require "luaforce.soql.parser"
local literals = require "luaforce.soql.literals"
local items = require "luaforce.soql.items"
local builder = require "luaforce.soql.builder"
local fmt = require "luaforce.soql.format"

local M = {}

-- The parser
M.parse = parser.parse
M.DATE_LITERALS = parser.DATE_LITERALS

-- The builder
M.select = builder.select
M.is_query = builder.is_query
M.format = fmt.format

--- The SOQL literal text of one value ('O\'Brien', 42, 2024-01-31, ...),
-- for text assembled by hand; the 4,000-character rule applies.
function M.quote(v)
  return literals.literal_text(v, true)
end

-- Values
M.NULL = literals.NULL
M.raw = literals.raw
M.is_value = literals.is_value
M.date = literals.date
M.datetime = literals.datetime
M.epoch = literals.epoch
M.literal = literals.literal
M.currency = literals.currency
M.escape = literals.escape
M.escape_like = literals.escape_like

-- Date literals as functions: soql.today(), soql.this_fiscal_quarter(),
-- soql.last_n_days(30), ... one for every name in parser.DATE_LITERALS.
for name, takes_n in pairs(parser.DATE_LITERALS) do
  if takes_n then
    M[name:lower()] = function(n) return literals.literal(name, n) end
  else
    M[name:lower()] = function() return literals.literal(name) end
  end
end

-- LIKE patterns that match a piece of text literally.
local function text_arg(fname, v)
  if type(v) ~= "string" then
    error(string.format("bad argument #1 to '%s' (string expected, got %s)", fname, type(v)), 3)
  end
  return literals.like_escape(v)
end

--- A LIKE pattern matching text that starts with v.
function M.starts_with(v) return text_arg("starts_with", v) .. "%" end
--- A LIKE pattern matching text that ends with v.
function M.ends_with(v) return "%" .. text_arg("ends_with", v) end
--- A LIKE pattern matching text that contains v.
function M.contains(v) return "%" .. text_arg("contains", v) .. "%" end

-- Select items
M.field = items.field
M.fields = items.fields
M.fn = items.call
M.is_item = items.is
for _, fn in ipairs { "count", "count_distinct", "sum", "avg", "min", "max" } do
  local u = fn:upper()
  M[fn] = function(field) return items.aggregate(u, field) end
end
function M.to_label(field) return items.call("TOLABEL", field) end
function M.convert_currency(field) return items.call("CONVERTCURRENCY", field) end

return M
