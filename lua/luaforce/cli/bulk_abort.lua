--- luaforce.cli.bulk_abort: `luaforce bulk abort JOB`.
local bulk = require "luaforce.bulk"
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local records = require "luaforce.cli.records"

local M = {}

M.summary = "abort a Bulk API job (rows already processed stay)"
M.spec = {
  command = "bulk abort",
  usage = "luaforce bulk abort JOB [OPTIONS]",
  args = "JOB",
  min_args = 1,
  max_args = 1,
  options = common.connected {},
}
M.description = [[
Sets JOB's state to Aborted and prints its JobInfo. An ingest job aborted
before processing began holds nothing; rows processed before the abort stay
written (numberRecordsProcessed says how many).]]
M.examples = { "luaforce bulk abort 7500000000001AAA" }

function M.run(ctx, opts, pos)
  local settings = records.settings(ctx, opts)
  local org = connect.org(ctx, opts)
  local info, err = bulk.abort(org, pos[1])
  if not info then connect.fail(err, org) end
  records.print(ctx, opts, settings, { kind = "value" }, function(w)
    w:response { status = 200, headers = {}, body = info }
  end)
  return 0
end

return M
