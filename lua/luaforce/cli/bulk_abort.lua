--- luaforce.cli.bulk_abort: `luaforce bulk abort JOB`.
local bulk = require "luaforce.bulk"
local bulk_status = require "luaforce.cli.bulk_status"
local common = require "luaforce.cli.common"

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
  return bulk_status.show(ctx, opts, pos, bulk.abort)
end

return M
