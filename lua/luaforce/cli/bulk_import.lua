--- luaforce.cli.bulk_import: `luaforce bulk import OBJECT FILE.csv`, and
-- what `luaforce import` shares with it: the options, the report printed,
-- the file of rows to send again.
--
--   bulk_import.OPTIONS               --operation, --external-id, ...
--   bulk_import.operation(opts) -> the API's operation name ("hardDelete")
--   bulk_import.check(opts)           RAISES a usage error for options that
--       do not go together (an upsert without --external-id)
--   bulk_import.failed_path(opts, file) -> where the rows to send again go
--   bulk_import.finish(ctx, opts, report, file) -> exit   prints the
--       summary (or the JSON report), writes the rows to send again
local bulk = require "luaforce.bulk"
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local errors = require "luaforce.errors"
local json = require "luaforce.json"
local progress = require "luaforce.cli.progress"

local M = {}

M.OPTIONS = {
  { name = "operation", arg = "OP", choices = { "insert", "update", "upsert", "delete", "hard-delete" },
    help = "insert (default), update (an Id column), upsert (with --external-id), delete or hard-delete (Id column)" },
  { name = "external-id", arg = "FIELD", help = "the external id field an upsert matches records on" },
  { name = "delimiter", arg = "NAME", choices = { "COMMA", "TAB", "PIPE", "SEMICOLON", "CARET", "BACKQUOTE" },
    help = "the file's column delimiter (default COMMA)" },
  { name = "line-ending", arg = "LF|CRLF", choices = { "LF", "CRLF" }, help = "line endings of the uploaded jobs (default LF)" },
  { name = "failed-file", arg = "FILE", help = "where rows to send again go (default: FILE.failed.csv beside FILE)" },
  { name = "job-records", arg = "N", number = true, help = "at most N rows per job (default: as many as 100 MB hold)" },
  { name = "json", help = "print the report as JSON" },
}

M.summary = "import a CSV file with Bulk API 2.0 (insert, update, upsert, delete)"
M.spec = {
  command = "bulk import",
  usage = "luaforce bulk import OBJECT FILE.csv [OPTIONS]",
  args = "OBJECT FILE.csv",
  min_args = 2,
  max_args = 2,
  options = common.with(M.OPTIONS, common.connection),
}
M.description = [[
Sends FILE.csv (the first line names the columns: fields, relationship
columns such as Account.ExtId__c, Id for update and delete) to OBJECT as
Bulk API 2.0 jobs: as many as the size needs (under 100 MB of CSV each),
each uploaded once, closed, and waited for. A cell `#N/A` sets a field to
null; an empty cell leaves it alone (update) or unset (insert). Columns
named sf__... are ignored, so the rows-to-send-again file can be fixed and
imported as it is.

Prints what happened (records succeeded, failed, not processed, jobs) and
writes every row to send again (the failed ones with sf__Error, the ones
never processed) to the --failed-file. Exit 0 when every row succeeded; 1
when some failed (the file says which and why); 2 when the file or a
column is wrong (nothing was sent, or Salesforce refused the job before any
row); 6 when a job's outcome is unknown (the report names it: inspect it
with 'luaforce bulk status JOB'). Ctrl-C aborts the jobs in the org: exit
130 when the abort came before any row was processed, else 6.]]
M.examples = {
  "luaforce bulk import Account accounts.csv",
  "luaforce bulk import Account accounts.csv --operation upsert --external-id ExtId__c",
  "luaforce bulk import Contact gone.csv --operation hard-delete",
  "luaforce bulk import Account accounts.failed.csv",
}

--- See the file comment.
function M.operation(opts)
  local op = opts.operation or "insert"
  if op == "hard-delete" then return "hardDelete" end
  return op
end

--- See the file comment.
function M.check(opts)
  local op = M.operation(opts)
  if op == "upsert" and not opts.external_id then
    error(errors.usage("an upsert needs --external-id FIELD (the field that matches records)"), 0)
  end
  if opts.external_id and op ~= "upsert" then
    error(errors.usage("--external-id is for --operation upsert"), 0)
  end
  if opts.job_records and opts.job_records < 1 then
    error(errors.usage("--job-records takes a number of rows, at least 1"), 0)
  end
end

--- See the file comment.
function M.failed_path(opts, file)
  if opts.failed_file then return opts.failed_file end
  if file == "-" then return "import.failed.csv" end
  return (file:gsub("%.[Cc][Ss][Vv]$", "")) .. ".failed.csv"
end

local function report_json(report, failed_file)
  local jobs = {}
  for i, j in ipairs(report.jobs) do
    jobs[i] = { id = j.id or json.null, state = j.state or json.null, outcome = j.outcome, records = j.rows,
      first = j.first, last = j.last, processed = j.processed or 0, failed = j.failed or 0,
      error = j.error_message or (j.error and tostring(j.error.message)) or json.null }
  end
  return json.encode({
    object = report.object, operation = report.operation, counts = report.counts, jobs = jobs,
    interrupted = report.interrupted or false, exit = report.exit,
    error = report.error and tostring(report.error) or json.null,
    failed_file = failed_file or json.null,
  }, { pretty = true })
end

--- See the file comment.
function M.finish(ctx, opts, report, file)
  local c = report.counts
  local failed_file
  if (c.failed or 0) + (c.unprocessed or 0) + (c.not_sent or 0) > 0 then
    local path = M.failed_path(opts, file)
    local n, err = report:write_failed(path)
    if n then
      failed_file = path
    else
      -- keep what only this process holds: the rows never sent
      io.stderr:write("luaforce: cannot write the rows to send again to ", path, ": ", tostring(err), "\n")
      local kept = report.kept_files and report:kept_files() or {}
      if #kept > 0 then
        io.stderr:write("luaforce: the rows never sent are kept in: ", table.concat(kept, " "), "\n")
        report.jobs_kept = true
      end
      io.stderr:write("luaforce: the failed rows stay in the org: luaforce bulk results JOB --failed\n")
      if report.exit == 0 then report.exit = errors.EXIT.API end
    end
  end
  if not report.jobs_kept then report:close() end
  if opts.json then
    io.stdout:write(report_json(report, failed_file), "\n")
  else
    io.stdout:write(report:summary(), "\n")
    if failed_file then
      io.stdout:write(("  rows to send again: %s (fix them, then import that file)\n"):format(failed_file))
    end
  end
  return report.exit
end

--- Bulk-imports `file` into `object` with the options; returns the exit.
-- `shown`: the name the user gave (standard input's "-" for its copy).
function M.import(ctx, opts, org, object, file, shown)
  -- a misspelled object fails here, with a suggestion, before any job
  local described, derr = org:describe(object)
  if not described then connect.fail(derr, org, object) end
  local bar = progress.new(ctx, { label = "bulk import", unit = "records" })
  local report, err = bulk.ingest(org, {
    object = object, operation = M.operation(opts), external_id = opts.external_id, csv_file = file,
    delimiter = opts.delimiter, line_ending = opts.line_ending, job_records = opts.job_records,
    on_progress = function(e)
      bar:update(e.phase == "upload" and e.sent or e.processed, e.total)
    end,
  })
  bar:finish()
  if not report then connect.fail(err, org, object) end
  return M.finish(ctx, opts, report, shown or file)
end

function M.run(ctx, opts, pos)
  M.check(opts)
  local org = connect.org(ctx, opts)
  return M.import(ctx, opts, org, pos[1], pos[2])
end

return M
