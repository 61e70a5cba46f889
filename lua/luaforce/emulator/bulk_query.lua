--- luaforce.emulator.bulk_query: Bulk API 2.0 query jobs of the local org
-- (jobs/query, API 47.0 and later). The job table, JobInfo and the routes
-- are luaforce.emulator.bulk_jobs'; this module is the query kind's part:
--
--   create(jobs, req, version)  POST jobs/query: the SOQL checked now, the
--                               job created UploadComplete and queued
--   abort(jobs, job)            PATCH {"state": "Aborted"}
--   step(jobs, job, rows)       one step of processing
--   results(jobs, req, job)     GET jobs/query/<id>/results?maxRecords=&locator=
--
-- The SOQL is checked as the REST query resource checks it (the same
-- errors: MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, ...), then against
-- what Bulk API 2.0 query does not do: child subqueries ("Aggregate
-- Relationships not supported in Bulk Query", Salesforce's words),
-- aggregates and GROUP BY, OFFSET, TYPEOF (the emulator's words, in the
-- same style), each 400 API_ERROR.
--
-- Processing: the first step runs the query and turns the job InProgress;
-- each next step writes up to `rows` of its records as CSV lines (so
-- numberRecordsProcessed grows), the last turns it JobComplete. The lines
-- are kept until the job is deleted: the results are what the query found
-- when it ran, whatever is written afterwards.
--
-- Results: CSV with the job's delimiter and line ending, every value
-- quoted (null as ""), the header naming the columns as the SELECT does,
-- spelt as the schema spells them (`"Id","Account.Name"`); numbers in all
-- their digits, dates as stored, date-times as `2024-06-01T12:00:00.000Z`.
-- Pages: `maxRecords` records (default DEFAULT_PAGE), each with the header
-- line; `Sforce-NumberOfRecords` counts the page, `Sforce-Locator` is the
-- opaque position of the next page or the string `null` after the last.
local csv = require "luaforce.output.csv"
local json = require "luaforce.json"
local parser = require "luaforce.soql.parser"
local columns = require "luaforce.soql.columns"
local bulk_csv = require "luaforce.emulator.bulk_csv"
local bulk_jobs = require "luaforce.emulator.bulk_jobs"
local exec = require "luaforce.emulator.soql_exec"
local reply = require "luaforce.emulator.reply"

local M = {}

--- The page size when the client gives no maxRecords. Salesforce documents
-- none (it cuts pages by size); the emulator's is this many records.
M.DEFAULT_PAGE = 100000

local OPERATIONS = { query = true, queryAll = true }

local concat = table.concat
local quoted = csv.quoted
local NULL = json.null

local function api_error(message)
  return bulk_jobs.error("API_ERROR", message)
end

-- What Bulk API 2.0 query refuses, as a 400 answer, or nil.
local function unsupported(ast)
  if ast.offset ~= nil then return api_error("OFFSET not supported in Bulk Query") end
  local list = columns.of(ast)
  if list.aggregate or ast.group_by ~= nil then return api_error("Aggregate queries not supported in Bulk Query") end
  for _, c in ipairs(list) do
    if c.kind == "child" then return api_error("Aggregate Relationships not supported in Bulk Query") end
    if c.kind == "typeof" then return api_error("TYPEOF not supported in Bulk Query") end
    if c.kind == "count" then return api_error("Aggregate queries not supported in Bulk Query") end
  end
  return nil
end

-- The columnMetadata of `?columns=true` as a flat list of result columns:
-- {name = "Account.Name", path = {"Account", "Name"}, apex = "String"}.
local function flatten(meta, prefix, out)
  for _, c in ipairs(meta) do
    local path = { table.unpack(prefix) }
    path[#path + 1] = c.columnName
    local join = c.joinColumns
    if join ~= nil and join ~= NULL and #join > 0 then
      flatten(join, path, out)
    else
      out[#out + 1] = { name = concat(path, "."), path = path, apex = c.apexType ~= NULL and c.apexType or nil }
    end
  end
  return out
end

local function query_error(err)
  return reply.error(err.status or 400, err.errorCode or "MALFORMED_QUERY", err.message)
end

--- See the file comment.
function M.create(jobs, req, version)
  local body, bad = bulk_jobs.json_body(req)
  if not body then return bad end
  local operation
  operation, bad = bulk_jobs.property(body, "operation", OPERATIONS)
  if not operation then return bad end
  local soql
  soql, bad = bulk_jobs.property(body, "query")
  if not soql then return bad end
  local job = { operation = operation, version = version, state = "UploadComplete", soql = soql }
  local formatted, fbad = bulk_jobs.format_properties(body, job)
  if not formatted then return fbad end
  -- the query's own errors first (the REST resource's), then Bulk's refusals
  local store = jobs.org.store
  local meta, err = exec.columns(store, soql, { all_rows = operation == "queryAll", version = version })
  if not meta then return query_error(err) end
  local refused = unsupported(assert(parser.parse(soql)))
  if refused then return refused end
  job.object = meta.entityName
  job.columns = flatten(meta.columnMetadata, {}, {})
  jobs:add("query", job)
  jobs:enqueue(job)
  return jobs:info_reply(job, false)
end

--- See the file comment.
function M.abort(_, job)
  job.records, job.lines = nil, nil
end

-- One record as a CSV line of the job's columns.
local function line_of(job, record)
  local out = {}
  for i, col in ipairs(job.columns) do
    local v = record
    for _, key in ipairs(col.path) do
      if type(v) ~= "table" then
        v = nil
        break
      end
      v = v[key]
    end
    out[i] = quoted(bulk_csv.text(col.apex, v))
  end
  return concat(out, job.delimiter)
end

--- See the file comment.
function M.step(jobs, job, rows)
  if job.state == "UploadComplete" then
    jobs:set_state(job, "InProgress")
    local result, err = exec.run(jobs.org.store, job.soql, { all_rows = job.operation == "queryAll",
      version = job.version, lazy = true })
    if not result then
      jobs:set_state(job, "Failed", "InvalidBatch : Failed to process query: " .. tostring(err and err.message))
      return
    end
    job.records, job.total, job.lines = result.records, #result.records, {}
    return
  end
  local records, lines = job.records, job.lines
  local first = job.processed + 1
  local last = math.min(job.total, job.processed + rows)
  for i = first, last do
    lines[i] = line_of(job, records[i])
    records[i] = nil -- the record built for this line is not needed again
  end
  job.processed = math.max(job.processed, last)
  if job.processed >= job.total then
    job.records = nil
    jobs:set_state(job, "JobComplete")
  end
end

local locator_of, offset_of = bulk_jobs.locator_of, bulk_jobs.offset_of

--- See the file comment.
function M.results(_, req, job)
  if job.state ~= "JobComplete" then return bulk_jobs.state_error(job, "Getting the results") end
  local q = req.query
  local page = M.DEFAULT_PAGE
  if q.maxRecords and q.maxRecords ~= "" then
    page = q.maxRecords:match("^%d+$") and math.tointeger(tonumber(q.maxRecords))
    if not page or page < 1 then
      return bulk_jobs.error("INVALIDJOB", "Invalid value for maxRecords: " .. q.maxRecords
        .. " (a whole number greater than 0)")
    end
  end
  local offset = 0
  if q.locator and q.locator ~= "" and q.locator ~= "null" then
    offset = offset_of(q.locator)
    if not offset or offset > job.total then
      return bulk_jobs.error("INVALID_QUERY_LOCATOR", "invalid query locator")
    end
  end
  local eol = bulk_csv.LINE_ENDINGS[job.line_ending]
  local head = {}
  for i, col in ipairs(job.columns) do head[i] = quoted(col.name) end
  local last = math.min(job.total, offset + page)
  local parts = { concat(head, job.delimiter), eol }
  if last > offset then
    parts[3] = concat(job.lines, eol, offset + 1, last)
    parts[4] = eol
  end
  local next_locator = last < job.total and locator_of(last) or "null"
  return bulk_jobs.csv_reply(concat(parts), {
    { "Sforce-Locator", next_locator },
    { "Sforce-NumberOfRecords", tostring(last - offset) },
  })
end

return M
