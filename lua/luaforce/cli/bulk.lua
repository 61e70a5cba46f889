--- luaforce.cli.bulk: `luaforce bulk COMMAND ...`, Salesforce's Bulk API 2.0
-- from the command line (luaforce.bulk). Each subcommand is a module of its
-- own; luaforce.cli.main dispatches `bulk import` to luaforce.cli.bulk_import.
local common = require "luaforce.cli.common"

local M = {}

M.summary = "Bulk API 2.0: import and export at volume, inspect jobs"
M.spec = {
  command = "bulk",
  usage = "luaforce bulk COMMAND [OPTIONS] [ARGS...]",
  options = common.with {},
}
M.subcommands = {
  { name = "import", module = "luaforce.cli.bulk_import" },
  { name = "export", module = "luaforce.cli.bulk_export" },
  { name = "status", module = "luaforce.cli.bulk_status" },
  { name = "results", module = "luaforce.cli.bulk_results" },
  { name = "abort", module = "luaforce.cli.bulk_abort" },
  { name = "jobs", module = "luaforce.cli.bulk_jobs" },
}
M.description = [[
Sends data up as CSV jobs that Salesforce processes on its own servers, and
reads query results back as CSV, page by page: for tens of thousands of
records and more, in a handful of requests and constant memory. `luaforce
import` and `luaforce export` choose between this and REST by size.
See docs/bulk.md.]]
M.examples = {
  "luaforce bulk import Account accounts.csv --operation upsert --external-id ExtId__c",
  "luaforce bulk export 'SELECT Id, Name FROM Account' --output accounts.csv",
  "luaforce bulk status 7500000000001AAA",
  "luaforce bulk results 7500000000001AAA --failed -o failed.csv",
}

function M.run()
  -- luaforce.cli.main runs the subcommand; `luaforce bulk` alone is a usage error there
  return 2
end

return M
