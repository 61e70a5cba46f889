--- luaforce.cli.bulk_results: `luaforce bulk results JOB [--successful |
-- --failed | --unprocessed] [--output FILE]`.
local api = require "luaforce.bulk.api"
local bulk = require "luaforce.bulk"
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local errors = require "luaforce.errors"
local sink_mod = require "luaforce.output.sink"

local M = {}

M.summary = "write a Bulk API job's result rows as CSV"
M.spec = {
  command = "bulk results",
  usage = "luaforce bulk results JOB [--failed | --successful | --unprocessed] [--output FILE] [OPTIONS]",
  args = "JOB",
  min_args = 1,
  max_args = 1,
  options = common.with({
    { name = "failed", help = "an ingest job's failed rows, with sf__Id and sf__Error (the default)" },
    { name = "successful", help = "an ingest job's successful rows, with sf__Id and sf__Created" },
    { name = "unprocessed", help = "an ingest job's rows never processed (the job was aborted or failed)" },
    { name = "output", short = "o", arg = "FILE", help = "write to FILE (atomically; default: standard output)" },
  }, common.connection),
}
M.description = [[
Writes the CSV Salesforce keeps for JOB: for an ingest job its failed
(default), successful or unprocessed rows, each with the columns uploaded;
for a query job its result rows, every page. Streamed: any size, constant
memory.]]
M.examples = {
  "luaforce bulk results 7500000000001AAA",
  "luaforce bulk results 7500000000001AAA --successful -o done.csv",
}

function M.run(ctx, opts, pos)
  local n = (opts.failed and 1 or 0) + (opts.successful and 1 or 0) + (opts.unprocessed and 1 or 0)
  if n > 1 then error(errors.usage("give one of --failed, --successful and --unprocessed"), 0) end
  local which = opts.successful and "successful" or opts.unprocessed and "unprocessed" or "failed"
  local org = connect.org(ctx, opts)
  local info, err = bulk.job(org, pos[1])
  if not info then connect.fail(err, org) end
  local target, serr = opts.output or sink_mod.stream(io.stdout, "standard output"), nil
  if info.jobType == "V2Query" or (info.operation == "query" or info.operation == "queryAll") then
    if n > 0 then error(errors.usage(("job %s is a query job: it has result rows only (no --%s)"):format(pos[1], which)), 0) end
    local q, qerr = bulk.query_results(org, pos[1])
    if not q then connect.fail(qerr, org) end
    local rows, werr = q:write(target)
    if not rows then connect.fail(werr, org) end
    return 0
  end
  if type(target) == "string" then
    target, serr = sink_mod.open(target)
    if not target then error(serr, 0) end
  end
  local werr
  local ok, derr = api.download(org, api.result_path(org, "ingest", info.id, which), function(piece)
    if werr then return end
    local wok, e = target:write(piece)
    if not wok then werr = e end
  end)
  if not ok or werr then
    target:abort()
    if werr then error(werr, 0) end
    connect.fail(derr, org)
  end
  local cok, cerr = target:commit()
  if not cok then error(cerr, 0) end
  return 0
end

return M
