--- luaforce.bulk: Salesforce's Bulk API 2.0, for volume. The data goes up
-- as CSV, Salesforce processes it on its own servers, the results come back
-- as CSV; nothing is ever held whole in memory.
--
--   local bulk = require "luaforce.bulk"
--   local report = assert(bulk.ingest(org, {
--     object = "Account", operation = "upsert", external_id = "ExtId__c",
--     records = list_or_iterator,        -- or csv_file = "accounts.csv"
--   }))
--   print(report.counts.successful, report.counts.failed)
--   for rec in report:failed() do print(rec.sf__Error, rec.Name) end
--
--   local q = assert(bulk.query(org, "SELECT Id, Name FROM Account", { all = false }))
--   for rec in q:records() do ... end     -- or q:write("accounts.csv")
--
-- bulk.ingest(org, opts) -> report | nil, err   (luaforce.bulk.ingest and
--     .report say what a report holds and how outcomes are judged). opts:
--     object, operation ("insert", "update", "upsert", "delete",
--     "hardDelete"), external_id (upsert), records (a list or an iterator
--     function) or csv_file (a path), fields (the columns, for an
--     iterator), line_ending ("LF" default, "CRLF"), delimiter ("COMMA"
--     default, "TAB", "PIPE", "SEMICOLON", "CARET", "BACKQUOTE"; also the
--     csv_file's), job_bytes (the most raw CSV per job, default 100 MB),
--     job_records (the most rows per job), poll ({interval = 0.5,
--     max_interval = 10, timeout = nil} seconds), on_progress(event)
-- bulk.query(org, soql, opts) -> q | nil, err   (luaforce.bulk.query)
-- bulk.job(org, id [, kind]) -> JobInfo | nil, err   an ingest or query job
-- bulk.jobs(org [, kind]) -> list of JobInfo | nil, err   every page
-- bulk.abort(org, id [, kind]) -> JobInfo | nil, err
-- bulk.delete(org, id [, kind]) -> true | nil, err
-- bulk.results(org, id, which) -> report   an ingest job's results as a
--     report of that one job (which rows: report:successful(), ...)
-- bulk.query_results(org, id [, opts]) -> q | nil, err   a finished query
--     job's results
-- Misuse (a wrong option name or type) raises; what the org or the data
-- says comes back as nil, err.
local api = require "luaforce.bulk.api"
local cells = require "luaforce.bulk.cells"
local errors = require "luaforce.errors"
local ingest = require "luaforce.bulk.ingest"
local query = require "luaforce.bulk.query"
local report_mod = require "luaforce.bulk.report"
local source = require "luaforce.bulk.source"

local M = {}

M.OPERATIONS = { insert = true, update = true, upsert = true, delete = true, hardDelete = true }
M.JOB_BYTES = require("luaforce.bulk.job_files").JOB_BYTES

local INGEST_OPTIONS = {
  object = "string", operation = "string", external_id = "string", records = true, csv_file = "string",
  fields = "table", line_ending = "string", delimiter = "string", job_bytes = "number", job_records = "number",
  poll = "table", on_progress = "function",
}
local QUERY_OPTIONS = {
  all = "boolean", page_size = "number", line_ending = "string", delimiter = "string", poll = "table",
  on_progress = "function",
}

local function check(opts, allowed, fn)
  if type(opts) ~= "table" then error(("bad argument to '%s' (options table expected)"):format(fn), 3) end
  for k, v in pairs(opts) do
    local want = allowed[k]
    if not want then error(("%s: unknown option '%s'"):format(fn, tostring(k)), 3) end
    if want ~= true and type(v) ~= want then error(("%s: option '%s' must be a %s"):format(fn, k, want), 3) end
  end
  if opts.line_ending and opts.line_ending ~= "LF" and opts.line_ending ~= "CRLF" then
    error(("%s: line_ending must be \"LF\" or \"CRLF\""):format(fn), 3)
  end
  if opts.delimiter and not cells.DELIMITERS[opts.delimiter] then
    error(("%s: delimiter must be COMMA, TAB, PIPE, SEMICOLON, CARET or BACKQUOTE"):format(fn), 3)
  end
  for _, k in ipairs { "job_bytes", "job_records", "page_size" } do
    if opts[k] ~= nil and (math.type(opts[k]) ~= "integer" or opts[k] < 1) then
      error(("%s: %s must be a positive integer"):format(fn, k), 3)
    end
  end
end

local function check_org(org, fn)
  if type(org) ~= "table" or type(org.call) ~= "function" then
    error(("bad argument #1 to '%s' (an org from luaforce.connect expected)"):format(fn), 3)
  end
end

local function usage(message, hint)
  return errors.new { code = "BAD_INPUT", exit = errors.EXIT.USAGE, message = message, hint = hint }
end

--- See the file comment.
function M.ingest(org, opts)
  check_org(org, "bulk.ingest")
  check(opts, INGEST_OPTIONS, "bulk.ingest")
  if type(opts.object) ~= "string" or not opts.object:match("^[%a][%w_]*$") then
    return nil, usage("bulk.ingest: object must name an sObject (\"Account\")")
  end
  if not M.OPERATIONS[opts.operation or ""] then
    return nil, usage(("bulk.ingest: operation must be insert, update, upsert, delete or hardDelete, not %s")
      :format(tostring(opts.operation)))
  end
  if opts.operation == "upsert" and not opts.external_id then
    return nil, usage("bulk.ingest: an upsert needs external_id (the field that matches records)")
  end
  if (opts.records == nil) == (opts.csv_file == nil) then
    return nil, usage("bulk.ingest: give records or csv_file (one of them)")
  end
  local delimiter = opts.delimiter or "COMMA"
  local byte = cells.DELIMITERS[delimiter]
  local src, err
  if opts.csv_file then
    src, err = source.csv_file(opts.csv_file, byte)
  else
    src, err = source.records(opts.records, opts.fields)
  end
  if not src then return nil, err end
  return ingest.run(org, {
    object = opts.object, operation = opts.operation, external_id = opts.external_id,
    line_ending = opts.line_ending or "LF", delimiter = delimiter, delimiter_byte = byte,
    job_bytes = opts.job_bytes, job_records = opts.job_records, poll = opts.poll, on_progress = opts.on_progress,
  }, src)
end

--- See the file comment.
function M.query(org, soql, opts)
  check_org(org, "bulk.query")
  if type(soql) ~= "string" then error("bad argument #2 to 'bulk.query' (SOQL text expected)", 2) end
  opts = opts or {}
  check(opts, QUERY_OPTIONS, "bulk.query")
  local copy = {}
  for k, v in pairs(opts) do copy[k] = v end
  copy.delimiter = opts.delimiter or "COMMA"
  copy.delimiter_byte = cells.DELIMITERS[copy.delimiter]
  return query.run(org, soql, copy)
end

local function check_id(id, fn)
  if type(id) ~= "string" or not (id:match("^750%w%w%w%w%w%w%w%w%w%w%w%w$") or id:match("^750" .. ("%w"):rep(15) .. "$")) then
    return nil, usage(("%s: %s is not a Bulk API job id (15 or 18 characters starting 750)"):format(fn, tostring(id)))
  end
  return true
end

-- Runs fn(kind) for the kind asked, or ingest then query when the job is
-- not an ingest job.
local function either(org, id, kind, fn)
  if kind then
    if kind ~= "ingest" and kind ~= "query" then error("bulk: kind must be \"ingest\" or \"query\"", 3) end
    return fn(kind)
  end
  local v, err = fn("ingest")
  if v or not (errors.is(err) and (err.status == 404 or err.error_code == "NOT_FOUND")) then return v, err end
  return fn("query")
end

--- See the file comment.
function M.job(org, id, kind)
  check_org(org, "bulk.job")
  local ok, err = check_id(id, "bulk.job")
  if not ok then return nil, err end
  return either(org, id, kind, function(k)
    local info, gerr = api.get(org, k, id)
    if info and not info.jobType then info.jobType = k == "ingest" and "V2Ingest" or "V2Query" end
    return info, gerr
  end)
end

--- See the file comment.
function M.jobs(org, kind)
  check_org(org, "bulk.jobs")
  local out, url = {}, nil
  repeat
    local page, err = api.list(org, kind or "ingest", url)
    if not page then return nil, err end
    for _, j in ipairs(page.records or {}) do out[#out + 1] = j end
    url = page.nextRecordsUrl
    if url == require("luaforce.json").null then url = nil end
  until page.done ~= false or not url
  return out
end

--- See the file comment.
function M.abort(org, id, kind)
  check_org(org, "bulk.abort")
  local ok, err = check_id(id, "bulk.abort")
  if not ok then return nil, err end
  return either(org, id, kind, function(k) return api.set_state(org, k, id, "Aborted") end)
end

--- See the file comment.
function M.delete(org, id, kind)
  check_org(org, "bulk.delete")
  local ok, err = check_id(id, "bulk.delete")
  if not ok then return nil, err end
  return either(org, id, kind, function(k) return api.delete(org, k, id) end)
end

--- See the file comment.
function M.results(org, id)
  check_org(org, "bulk.results")
  local info, err = M.job(org, id, "ingest")
  if not info then return nil, err end
  local r = report_mod.new(org, { object = info.object, operation = info.operation, columns = {},
    delimiter = cells.DELIMITERS[info.columnDelimiter or "COMMA"] or ",", line_ending = info.lineEnding })
  local entry = r:add_job { rows = 0, first = 1, last = 0 }
  entry.id, entry.file = info.id, nil
  entry.state = info.state
  entry.processed = math.tointeger(tonumber(info.numberRecordsProcessed or 0)) or 0
  entry.failed = math.tointeger(tonumber(info.numberRecordsFailed or 0)) or 0
  entry.rows = entry.processed
  entry.outcome = ({ JobComplete = "done", Failed = "failed", Aborted = "aborted" })[info.state] or "unknown"
  entry.error_message = info.errorMessage
  entry.fetch_all = true -- the rows uploaded are not in JobInfo: ask for each file
  r.info = info
  return r:settle()
end

--- See the file comment.
function M.query_results(org, id, opts)
  check_org(org, "bulk.query_results")
  opts = opts or {}
  check(opts, QUERY_OPTIONS, "bulk.query_results")
  local info, err = M.job(org, id, "query")
  if not info then return nil, err end
  if info.state ~= "JobComplete" then
    return nil, errors.new { code = "BULK_JOB_NOT_DONE", exit = errors.EXIT.API,
      message = ("bulk query job %s is %s, not JobComplete"):format(id, tostring(info.state)) }
  end
  local copy = {}
  for k, v in pairs(opts) do copy[k] = v end
  copy.delimiter_byte = cells.DELIMITERS[info.columnDelimiter or "COMMA"] or ","
  return query.open(org, info, copy)
end

return M
