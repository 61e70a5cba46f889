--- luaforce.emulator.soql_exec: runs SOQL against the local org's store.
--
--   exec.run(store, text, opts)      -> result | nil, err
--   exec.columns(store, text, opts)  -> the `?columns=true` body | nil, err
--   exec.explain(store, text, opts)  -> the `?explain=` body | nil, err
--   exec.render_records(rows, render, first, last, where, before, after)
--                                    -> text | nil, err
--
-- opts: `all_rows` (queryAll: deleted rows too), `version` ("62.0", for the
-- record URLs), `now` (epoch ms, for TODAY and friends; default the store's
-- clock, else the real one), `lazy` (plain queries: `records` is a proxy that
-- builds each record when first indexed; it answers `#` and `records[i]`
-- (so ipairs too), not pairs or json.encode: for a pager that copies pages
-- out), `schema` (when the store has no `schema` field).
--
-- result: `{total_size = N, records = json.array{...}, count_only = bool,
-- child_relationships = {"Contacts", ...}}`, and for plain queries whose
-- columns are all stored fields and parent fields (no subquery, TYPEOF or
-- aliased function) also `rows` (the matched store rows, in order) and
-- `render` (a plan for exec.render_records, which writes the records' JSON
-- text straight from those rows). Records are ready for
-- luaforce.json: `attributes` first, then the select list's order, canonical
-- API names as keys, `json.null` for nulls, parents nested, child subqueries
-- as `{totalSize, done, records}` (or null). err: a luaforce error with
-- Salesforce's `errorCode`, `message` (with the caret excerpt) and `status`.
--
-- How it runs: the text is parsed once (luaforce.soql.parser); every name is
-- resolved against the schema once, into getters that read rows by canonical
-- field name; the WHERE tree becomes a tree of closures (one call per node
-- per row, no name lookups or string building on the way); then one scan of
-- the object's rows, a stable sort, OFFSET/LIMIT, and the records are built
-- from precomputed shapes (one shared key-order metatable per level).
--
-- The parts, under soql_exec/: binding (names bound to the schema),
-- where (conditions as closures), scan (the scan, ORDER BY, OFFSET, LIMIT),
-- records (plain queries: shapes and record tables), render (records as JSON
-- text from the rows, json_render.c), aggregate (GROUP BY and aggregate
-- functions), column_metadata (`?columns=true`), compare (text folding and
-- collation), exact_sum (SUM), errors (query errors, thrown and caught).
-- Column names come from luaforce.soql.columns.
--
-- Salesforce's semantics kept here (see the spec for one row each): text `=`,
-- `!=`, LIKE, IN and GROUP BY ignore case (compare.fold); `<`, `>` and ORDER
-- BY collate text by Salesforce's rule for English locales (the UTF-8 values
-- of the upper-cased characters: case-insensitive, accents not folded, so
-- Éclair sorts after Zeta) and sort picklists in their defined order; `!=`
-- and NOT IN match nulls, the other operators never do; a 15-character id
-- literal matches its 18-character id; date literals are ranges
-- (date_literals.lua) and also cover date-time fields by UTC day; ORDER BY
-- defaults to ASC NULLS FIRST, DESC NULLS LAST, and is stable; OFFSET is at
-- most 2000; nulls form their own GROUP BY group; SUM is exact.
local json = require "luaforce.json"
local parser = require "luaforce.soql.parser"
local dt = require "luaforce.emulator.datetime"
local qerr = require "luaforce.emulator.soql_exec.errors"
local binding = require "luaforce.emulator.soql_exec.binding"
local scan = require "luaforce.emulator.soql_exec.scan"
local records = require "luaforce.emulator.soql_exec.records"
local render = require "luaforce.emulator.soql_exec.render"
local aggregate = require "luaforce.emulator.soql_exec.aggregate"
local column_metadata = require "luaforce.emulator.soql_exec.column_metadata"

local M = {}

local setmetatable, type, tostring, ipairs, rawset, error = setmetatable, type, tostring, ipairs, rawset, error
local protect = qerr.protect

-- What every part of a query's run reads: the store, the schema, the clock,
-- parent lookups, the record URLs' prefix.
local function context(store, text, opts)
  if type(store) ~= "table" then error("bad argument #1 to 'run' (store expected)", 3) end
  if type(text) ~= "string" then error("bad argument #2 to 'run' (string expected, got " .. type(text) .. ")", 3) end
  opts = opts or {}
  local schema = opts.schema or store.schema
  if not schema then error("soql_exec: the store has no schema (pass opts.schema)", 3) end
  local now = opts.now
  if now == nil and type(store.clock) == "table" and store.clock.now then now = store.clock.now() end
  local version = opts.version or "62.0"
  local lookup, type_of = binding.lookups(store, schema)
  return {
    lookup = lookup, type_of = type_of, urls = {}, lazy = opts.lazy and true or false,
    store = store, schema = schema, text = text, all_rows = opts.all_rows and true or false,
    now = now or dt.now_ms(), version = version,
    sobjects = "/services/data/v" .. version .. "/sobjects/",
  }
end


-- The AST of ctx.text, or a thrown MALFORMED_QUERY with the parser's message.
local function parse(ctx)
  local ast, err = parser.parse(ctx.text)
  if not ast then
    if type(err) == "table" then
      err.errorCode = err.errorCode or err.code or "MALFORMED_QUERY"
      err.status = err.status or 400
    else
      err = qerr.query_error("MALFORMED_QUERY", tostring(err))
    end
    qerr.raise(err)
  end
  return ast
end

local function compile_query(ctx, q)
  local obj = binding.object(ctx, q.from)
  local scope = { obj = obj, alias = q.from.alias }
  scan.check_offset(ctx, q)
  local aggregate_query = q.group_by ~= nil
  for _, item in ipairs(q.fields) do
    if aggregate.is_aggregate(item) then aggregate_query = true end
  end
  if aggregate_query then return aggregate.compile(ctx, q, scope) end
  return records.compile(ctx, q, scope, false)
end

local function execute(ctx, plan)
  if plan.kind == "aggregate" then
    if plan.count_only and #plan.groups == 0 and not plan.having then
      -- SELECT COUNT() ...: no group to build, only rows to count
      local max = plan.limit and (plan.offset or 0) + plan.limit
      local n = #scan.scan(ctx, plan.obj, plan.where, max) - (plan.offset or 0)
      if n < 0 then n = 0 end
      return { total_size = n, records = json.array {}, count_only = true, child_relationships = {} }
    end
    return aggregate.run(ctx, plan)
  end
  local max = (not plan.order and plan.limit) and (plan.offset or 0) + plan.limit or nil
  local rows = scan.finish(plan, scan.scan(ctx, plan.obj, plan.where, max))
  local shape, name, n = plan.shape, plan.obj.name, #rows
  local recs
  if ctx.lazy then
    -- records are built when first indexed: a client paging through a big
    -- result pays for the pages it reads, not for the whole result up front
    recs = setmetatable({}, {
      __len = function() return n end,
      __index = function(t, i)
        local row = math.type(i) == "integer" and rows[i]
        if not row then return nil end
        local r = records.build(ctx, shape, row, name)
        rawset(t, i, r)
        return r
      end,
    })
  else
    recs = {}
    for i = 1, n do recs[i] = records.build(ctx, shape, rows[i], name) end
    recs = json.array(recs)
  end
  local result = { total_size = n, records = recs, count_only = false, child_relationships = plan.children }
  local plan_text = render.plan(ctx, plan)
  if plan_text then result.rows, result.render = rows, plan_text end
  return result
end

--- Runs a query: `result` or `nil, err` (see the top of this file).
function M.run(store, text, opts)
  local ctx = context(store, text, opts)
  return protect(function()
    return execute(ctx, compile_query(ctx, parse(ctx)))
  end)
end

--- The `?columns=true` body: `{columnMetadata, entityName, groupBy,
-- idSelected, keyPrefix}`.
function M.columns(store, text, opts)
  local ctx = context(store, text, opts)
  return protect(function()
    local q = parse(ctx)
    return column_metadata.body(compile_query(ctx, q), q)
  end)
end

--- The `?explain=` body: one table-scan plan with the row counts.
function M.explain(store, text, opts)
  local ctx = context(store, text, opts)
  return protect(function()
    local plan = compile_query(ctx, parse(ctx))
    local total = 0
    for _, r in ipairs(ctx.store:all(plan.obj.name, ctx.all_rows)) do
      if ctx.all_rows or r.IsDeleted ~= true then total = total + 1 end
    end
    local matched = #scan.scan(ctx, plan.obj, plan.where)
    return {
      plans = json.array {
        {
          cardinality = matched, fields = json.array {}, leadingOperationType = "TableScan",
          notes = json.array {}, relativeCost = total == 0 and 0.0 or 1.0 * (0.5 + matched / total),
          sobjectCardinality = total, sobjectType = plan.obj.name,
        },
      },
    }
  end)
end

--- The JSON text of the records of rows[first..last] (a result's `rows`
-- and `render`), joined by ",": the bytes json.encode writes for the same
-- records. `where` (optional) names the array in error messages; `before`
-- and `after` (optional text) surround the records in the one string made.
-- A value JSON cannot hold gives nil and the error json.encode gives.
M.render_records = render.records

return M
