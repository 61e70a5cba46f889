--- luaforce.cli.bulk_jobs: `luaforce bulk jobs [--query]`.
local bulk = require "luaforce.bulk"
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local records = require "luaforce.cli.records"

local M = {}

M.summary = "list the org's Bulk API jobs"
M.spec = {
  command = "bulk jobs",
  usage = "luaforce bulk jobs [--query] [OPTIONS]",
  max_args = 0,
  options = common.connected { { name = "query", help = "list the query jobs (default: the ingest jobs)" } },
}
M.description = "Lists the ingest jobs (or with --query the query jobs) the org keeps: id, object, operation, state."
M.examples = { "luaforce bulk jobs", "luaforce bulk jobs --query --format json" }

function M.run(ctx, opts)
  local settings = records.settings(ctx, opts)
  local org = connect.org(ctx, opts)
  local list, err = bulk.jobs(org, opts.query and "query" or "ingest")
  if not list then connect.fail(err, org) end
  local rows = {}
  for i, j in ipairs(list) do
    rows[i] = { id = j.id, object = j.object, operation = j.operation, state = j.state, createdDate = j.createdDate }
  end
  records.print(ctx, opts, settings, { kind = "records", columns = { "id", "object", "operation", "state", "createdDate" } },
    function(w)
      for _, r in ipairs(rows) do w:record(r) end
    end)
  return 0
end

return M
