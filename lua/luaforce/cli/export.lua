--- luaforce.cli.export: `luaforce export SOQL [--output FILE.csv]`: REST
-- query pages for a small result, a Bulk API 2.0 query job past
-- --bulk-threshold rows; the same CSV shape either way (Bulk's: every
-- field quoted, a header of the select list's names, `Account.Name` for a
-- relationship field, an empty cell for null), each value as its API gives
-- it (a date-time ends in +0000 from REST, Z from Bulk).
--
-- The REST path starts the query; its first page says how many rows there
-- are (totalSize). Past the threshold that page is dropped and a Bulk job
-- does the work. A query Bulk cannot run (a subquery, an aggregate, OFFSET,
-- TYPEOF) always goes by REST.
local bulk_export = require "luaforce.cli.bulk_export"
local cells = require "luaforce.output.cells"
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local csv = require "luaforce.output.csv"
local errors = require "luaforce.errors"
local import = require "luaforce.cli.import"
local progress = require "luaforce.cli.progress"
local sink_mod = require "luaforce.output.sink"
local soql_columns = require "luaforce.soql.columns"
local soql_parser = require "luaforce.soql.parser"

local M = {}

local options = {}
for _, o in ipairs(import.PATH_OPTIONS) do options[#options + 1] = o end
for _, o in ipairs(bulk_export.OPTIONS) do options[#options + 1] = o end

M.summary = "export a query to CSV: REST for a few rows, Bulk API 2.0 for many"
M.spec = {
  command = "export",
  usage = "luaforce export SOQL [--output FILE.csv] [OPTIONS]",
  args = "SOQL",
  min_args = 1,
  max_args = 1,
  options = common.with(options, common.connection),
}
M.description = [[
Writes SOQL's records as CSV (the file 'luaforce bulk export' writes),
choosing the API by size: up to --bulk-threshold rows (default 2000) by
REST query pages, more by a Bulk API 2.0 query job. A subquery, an
aggregate, OFFSET or TYPEOF always go by REST (Bulk does not run them).
--bulk or --rest decides instead.]]
M.examples = {
  "luaforce export 'SELECT Id, Name FROM Account' --output accounts.csv",
  "luaforce export 'SELECT Id, Name, Account.Name FROM Contact' --bulk -o contacts.csv",
}

-- Whether Bulk API 2.0 can run the query.
local function bulk_can(ast, cols)
  if cols.aggregate or ast.offset or ast.typeof then return false end
  for _, c in ipairs(cols) do
    if c.kind ~= "field" then return false end
  end
  return true
end

local function value_at(rec, path)
  local v = rec
  for _, seg in ipairs(path) do
    if type(v) ~= "table" then return nil end
    v = v[seg]
  end
  return v
end

local function rest_export(ctx, opts, org, soql, cols, it, first)
  local fmt = { delimiter = require("luaforce.bulk.cells").DELIMITERS[opts.delimiter or "COMMA"],
    eol = opts.line_ending == "CRLF" and "\r\n" or "\n", quote_all = true }
  local target, err = opts.output, nil
  if target then
    target, err = sink_mod.open(target)
    if not target then error(err, 0) end
  else
    target = sink_mod.stream(io.stdout, "standard output")
  end
  local header = {}
  for i, c in ipairs(cols) do header[i] = c.name end
  local bar = progress.new(ctx, { label = "export", unit = "records" })
  local n = 0
  local ok, perr = pcall(function()
    assert(target:write(csv.line(header, fmt)))
    local rec = first
    while rec do
      local line = {}
      for i, c in ipairs(cols) do
        local v = c.kind == "child" and rec[c.name] or value_at(rec, c.path or { c.name })
        line[i] = cells.csv(v)
      end
      local wok, werr = target:write(csv.line(line, fmt))
      if not wok then error(werr, 0) end
      n = n + 1
      bar:update(n, it.total)
      rec = it()
    end
  end)
  bar:finish()
  if not ok then
    target:abort()
    if errors.is(perr) then connect.fail(perr, org) end
    error(perr, 0)
  end
  local cok, cerr = target:commit()
  if not cok then error(cerr, 0) end
  if opts.output and not ctx.quiet then
    io.stderr:write(("luaforce: %d records written to %s (REST)\n"):format(n, opts.output))
  end
  return 0
end

--- See the file comment.
function M.run(ctx, opts, pos)
  if opts.bulk and opts.rest then error(errors.usage("give --bulk or --rest, not both"), 0) end
  local soql = pos[1]
  local ast, perr = soql_parser.parse(soql)
  if not ast then error(perr, 0) end
  local cols = soql_columns.of(ast)
  local can = bulk_can(ast, cols)
  if opts.bulk and not can then
    error(errors.usage("Bulk API 2.0 does not run this query (a subquery, an aggregate, OFFSET or TYPEOF)",
      "leave out --bulk: it goes by REST"), 0)
  end
  local org = connect.org(ctx, opts)
  if opts.bulk then return bulk_export.export(ctx, opts, org, soql) end
  local it = org:records(soql, { include_deleted = opts.all or nil })
  local ok, first = pcall(it)
  if not ok then connect.fail(first, org) end
  local threshold = opts.bulk_threshold or import.THRESHOLD
  if can and not opts.rest and (it.total or 0) > threshold then
    return bulk_export.export(ctx, opts, org, soql)
  end
  return rest_export(ctx, opts, org, soql, cols, it, first)
end

return M
