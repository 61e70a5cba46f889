--- luaforce.cli.bulk_export: `luaforce bulk export SOQL [--output FILE.csv]`.
local bulk = require "luaforce.bulk"
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local progress = require "luaforce.cli.progress"
local sink = require "luaforce.output.sink"

local M = {}

M.OPTIONS = {
  { name = "output", short = "o", arg = "FILE", help = "write the CSV to FILE (atomically; default: standard output)" },
  { name = "all", help = "queryAll: deleted and archived records too" },
  { name = "delimiter", arg = "NAME", choices = { "COMMA", "TAB", "PIPE", "SEMICOLON", "CARET", "BACKQUOTE" },
    help = "the column delimiter (default COMMA)" },
  { name = "line-ending", arg = "LF|CRLF", choices = { "LF", "CRLF" }, help = "line endings (default LF)" },
}

M.summary = "export a query's records to CSV with Bulk API 2.0"
M.spec = {
  command = "bulk export",
  usage = "luaforce bulk export SOQL [--output FILE.csv] [OPTIONS]",
  args = "SOQL",
  min_args = 1,
  max_args = 1,
  options = common.with(M.OPTIONS, common.connection),
}
M.description = [[
Runs SOQL as a Bulk API 2.0 query job, waits for Salesforce to finish it,
and writes the result CSV as Salesforce sends it (every field quoted, the
header once), page by page in constant memory. Bulk queries take no
subqueries, aggregates (but COUNT), OFFSET or TYPEOF: for those use
'luaforce query' or 'luaforce export', which picks REST for them.]]
M.examples = {
  "luaforce bulk export 'SELECT Id, Name FROM Account' --output accounts.csv",
  "luaforce bulk export 'SELECT Id FROM Contact WHERE IsDeleted = true' --all -o deleted.csv",
}

--- Exports with Bulk; returns the exit code. `say`: print the row count.
function M.export(ctx, opts, org, soql)
  local bar = progress.new(ctx, { label = "bulk export", unit = "records" })
  local q, err = bulk.query(org, soql, { all = opts.all or nil, delimiter = opts.delimiter,
    line_ending = opts.line_ending, on_progress = function(e) bar:update(e.processed or 0) end })
  if not q then
    bar:finish()
    connect.fail(err, org)
  end
  q.opts.on_progress = function(e) bar:update(e.rows, e.total) end
  local target = opts.output or sink.stream(io.stdout, "standard output")
  local rows, werr = q:write(target)
  bar:finish()
  if not rows then connect.fail(werr, org) end
  if opts.output and not ctx.quiet then
    io.stderr:write(("luaforce: %d records written to %s (bulk query job %s)\n"):format(rows, opts.output, q.id))
  end
  return 0
end

function M.run(ctx, opts, pos)
  local org = connect.org(ctx, opts)
  return M.export(ctx, opts, org, pos[1])
end

return M
