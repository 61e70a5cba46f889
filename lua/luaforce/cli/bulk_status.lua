--- luaforce.cli.bulk_status: `luaforce bulk status JOB`.
local bulk = require "luaforce.bulk"
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local records = require "luaforce.cli.records"

local M = {}

M.summary = "show a Bulk API job (ingest or query): state, counts, error"
M.spec = {
  command = "bulk status",
  usage = "luaforce bulk status JOB [OPTIONS]",
  args = "JOB",
  min_args = 1,
  max_args = 1,
  options = common.connected {},
}
M.description = [[
Prints the JobInfo Salesforce keeps for JOB (an ingest or a query job):
its state (Open, UploadComplete, InProgress, JobComplete, Failed, Aborted),
numberRecordsProcessed, numberRecordsFailed, errorMessage and the rest.
What to look at after an import whose outcome was unknown (exit 6).]]
M.examples = {
  "luaforce bulk status 7500000000001AAA",
  "luaforce bulk status 7500000000001AAA --format json",
}

--- Runs `call(org, job_id)` (bulk.job, bulk.abort) and prints the JobInfo
-- it returns through the output options.
function M.show(ctx, opts, pos, call)
  local settings = records.settings(ctx, opts)
  local org = connect.org(ctx, opts)
  local info, err = call(org, pos[1])
  if not info then connect.fail(err, org) end
  records.print(ctx, opts, settings, { kind = "value" }, function(w)
    w:response { status = 200, headers = {}, body = info }
  end)
  return 0
end

function M.run(ctx, opts, pos)
  return M.show(ctx, opts, pos, bulk.job)
end

return M
