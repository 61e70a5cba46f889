--- luaforce.emulator.bulk_ingest: Bulk API 2.0 ingest jobs of the local
-- org (jobs/ingest): create, the one upload, closing, processing in steps
-- and the three result files. The job table, JobInfo and the routes are
-- luaforce.emulator.bulk_jobs'; this module is the ingest kind's part:
--
--   create(jobs, req, version)  POST jobs/ingest
--   upload(jobs, req, job)      PUT jobs/ingest/<id>/batches: 201, once
--   close(jobs, job)            PATCH {"state": "UploadComplete"}: queued
--   abort(jobs, job)            PATCH {"state": "Aborted"} (bulk_jobs sets the state)
--   step(jobs, job, rows)       one step of processing
--   results(jobs, job, leaf)    successfulResults, failedResults, unprocessedrecords
--
-- Processing. The first step turns the job InProgress and reads the whole
-- upload without writing (10 x rows per step rows a step): the header
-- against the object, every record's column count, UTF-8, the line endings
-- against the job's lineEnding, the CSV syntax; any of them fails the job
-- with Salesforce's errorMessage (`InvalidBatch : Field name not found :
-- Foo__c`, `ClientInputError : LineEnding is invalid on user data. Current
-- LineEnding setting is LF`, ...) and nothing is written. Then each step
-- writes up to `rows` records through the store's own insert, update,
-- upsert, delete and purge (hardDelete), so a record written here is
-- validated exactly as a REST write of it is; a record's failure is a row
-- of failedResults with its sf__Error, the others go to successfulResults.
-- Blank lines are skipped.
--
-- Results quote every value, take the job's column delimiter and end lines
-- with LF; their header is `"sf__Id","sf__Created"` (`"sf__Error"`) and the
-- upload's header line as it came. unprocessedrecords holds the records no
-- step reached (a job aborted or failed): the upload itself when none was
-- processed.
--
-- Where Salesforce's words are not known the emulator's are close to its
-- others: a close without an upload, a parse error other than a stray
-- quote, a record with a different column count, invalid UTF-8, a blank
-- external id on upsert.
require "luaforce.core"
local corecsv = require "luaforce.core.csv"
local json = require "luaforce.json"
local csv = require "luaforce.output.csv"
local bulk_csv = require "luaforce.emulator.bulk_csv"
local bulk_jobs = require "luaforce.emulator.bulk_jobs"
local ids = require "luaforce.emulator.ids"
local reply = require "luaforce.emulator.reply"

local M = {}

M.CHUNK = 65536         -- bytes of the upload read at a time
M.CHECK_FACTOR = 10     -- the checking pass reads this many times more records a step
M.MAX_FIELD = 131072    -- Salesforce's largest field, in bytes

local OPERATIONS = { insert = true, update = true, upsert = true, delete = true, hardDelete = true }

local concat = table.concat
local quoted = csv.quoted
local NULL = json.null

local function invalid_job(message)
  return bulk_jobs.error("INVALIDJOB", message)
end

local function id15(job)
  return job.id:sub(1, 15)
end

---------------------------------------------------------------------------
-- Create, upload, close
---------------------------------------------------------------------------

--- See the file comment.
function M.create(jobs, req, version)
  local body, bad = bulk_jobs.json_body(req)
  if not body then return bad end
  local object
  object, bad = bulk_jobs.property(body, "object")
  if not object then return bad end
  local operation
  operation, bad = bulk_jobs.property(body, "operation", OPERATIONS)
  if not operation then return bad end
  local job = { operation = operation, version = version, state = "Open" }
  local formatted, fbad = bulk_jobs.format_properties(body, job)
  if not formatted then return fbad end
  local obj = jobs.org.schema:object(object)
  -- Bulk API's words for an object the org does not have
  if not obj then return invalid_job("Unable to find object: " .. object) end
  job.object = obj.name
  if operation == "upsert" then
    local name = body.externalIdFieldName
    if type(name) ~= "string" or name == "" then
      return invalid_job("External ID Field Name is required for upsert operation")
    end
    local f = obj:field(name)
    if not f or not (f.external_id or f.name == "Id") then
      return invalid_job(("Field name provided, %s is not an External ID or indexed field for %s")
        :format(name, obj.name))
    end
    job.external_id = f.name
  end
  jobs:add("ingest", job)
  return jobs:info_reply(job, false)
end

--- See the file comment. Salesforce takes one upload per job: a second PUT
-- is refused with its words (spelling included).
function M.upload(jobs, req, job)
  if job.data ~= nil then
    return invalid_job(("Found multipe contents for job: <%s>, please 'Close' / 'Abort' / 'Delete' the current "
      .. "Job then create a new Job and make sure you only do 'PUT' once on a given Job."):format(id15(job)))
  end
  if job.state ~= "Open" then return bulk_jobs.state_error(job, "Uploading data") end
  job.data = req.body or ""
  job.header_raw = job.data ~= "" and job.data:match("^[^\r\n]*") or nil
  return reply.empty(201)
end

--- See the file comment.
function M.close(jobs, job)
  if job.state ~= "Open" then return bulk_jobs.state_error(job, "Closing the upload") end
  if job.data == nil then
    return invalid_job(("No content found for job: <%s>, please upload data with 'PUT' before closing the Job.")
      :format(id15(job)))
  end
  jobs:set_state(job, "UploadComplete")
  jobs:enqueue(job)
  return jobs:info_reply(job, false)
end

--- See the file comment.
function M.abort(_, job)
  if job.reader then
    job.reader:close()
    job.reader = nil
  end
end

---------------------------------------------------------------------------
-- Processing: the checking pass
---------------------------------------------------------------------------

local function blank(row)
  return #row == 1 and row[1] == ""
end

local function fail(jobs, job, message)
  if job.reader then job.reader:close() end
  job.reader = nil
  jobs:set_state(job, "Failed", message)
end

-- The reader's message as Salesforce's job error.
local function parse_failure(err)
  if err:find("quote inside an unquoted", 1, true) or err:find("after a closing quote", 1, true) then
    return "InvalidBatch : Failed to parse CSV. Found unescaped quote. A value with quote should be within a quote"
  end
  return "InvalidBatch : Failed to parse CSV. " .. err
end

local function line_ending_failure(job)
  local n = job.reader:line_endings()
  local wrong
  if job.line_ending == "LF" then wrong = n.CRLF > 0 or n.CR > 0 else wrong = n.LF > 0 or n.CR > 0 end
  if wrong then
    return "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is " .. job.line_ending
  end
  return nil
end

local function new_reader(job)
  return corecsv.reader { delimiter = job.delimiter, max_field = M.MAX_FIELD, bom = false }
end

-- The next rows of the upload from the job's reader: the records the next
-- chunk completes (at the end, the last one), or nil, err. `job.eof` once
-- the input is used up.
local function read_more(job)
  if job.offset > #job.data then
    job.eof = true
    return job.reader:finish()
  end
  local chunk = job.data:sub(job.offset, job.offset + M.CHUNK - 1)
  job.offset = job.offset + M.CHUNK
  return job.reader:feed(chunk)
end

local function start_check(jobs, job)
  jobs:set_state(job, "InProgress")
  job.phase = "check"
  local ok, bad_at = utf8.len(job.data)
  if not ok then
    local line = 1
    for _ in job.data:sub(1, bad_at - 1):gmatch("\n") do line = line + 1 end
    return fail(jobs, job, ("InvalidBatch : Invalid UTF-8 in the data at line %d: the upload must be UTF-8")
      :format(line))
  end
  job.reader, job.offset, job.eof, job.count, job.seen = new_reader(job), 1, false, 0, 0
end

-- Reads up to `budget` records without writing; on success, at the end,
-- the job is ready for the writing steps.
local function check_step(jobs, job, budget)
  local seen = 0
  while seen < budget and job.state == "InProgress" do
    local rows, err = read_more(job)
    if not rows then return fail(jobs, job, parse_failure(err)) end
    for _, row in ipairs(rows) do
      job.seen = job.seen + 1
      if not job.header then
        job.header = row
        local plan, perr = bulk_csv.columns(jobs.org.schema, jobs.org.schema:object(job.object), row)
        if not plan then return fail(jobs, job, perr) end
        job.plan = plan
      elseif not blank(row) then
        if #row ~= #job.header then
          return fail(jobs, job, ("ClientInputError : Wrong number of columns in CSV record %d: %d instead of the "
            .. "header's %d"):format(job.seen, #row, #job.header))
        end
        job.count = job.count + 1
      end
    end
    seen = seen + #rows
    local lerr = line_ending_failure(job)
    if lerr then return fail(jobs, job, lerr) end
    if job.eof then
      job.reader:close()
      if not job.header then
        -- an empty upload (Bulk API 1.0's words for a batch without records)
        return fail(jobs, job, "InvalidBatch : Records not found")
      end
      job.phase = "write"
      job.reader, job.offset, job.eof = new_reader(job), 1, false
      job.buffer, job.at, job.header_seen, job.consumed = {}, 1, false, 0
      job.success, job.failures = {}, {}
      return
    end
  end
end

---------------------------------------------------------------------------
-- Processing: writing
---------------------------------------------------------------------------

-- The next data record of the upload (already checked), or nil.
local function next_record(job)
  while true do
    local buf = job.buffer
    local row = buf[job.at]
    if row then
      buf[job.at] = nil
      job.at = job.at + 1
      if not job.header_seen then
        job.header_seen = true
      elseif not blank(row) then
        return row
      end
    elseif job.eof then
      return nil
    else
      job.buffer = assert(read_more(job))
      job.at = 1
    end
  end
end

local function missing(message)
  return { { errorCode = "MISSING_ARGUMENT", message = message, fields = {} } }
end

-- The store's NOT_FOUND for an id is what Bulk API calls an invalid cross
-- reference for update and delete.
local function by_id_errors(errs)
  local e = errs and errs[1]
  if e and e.errorCode == "NOT_FOUND" then
    return { { errorCode = "INVALID_CROSS_REFERENCE_KEY", message = "invalid cross reference id", fields = {} } }
  end
  return errs
end

local function shown_id(text)
  if not text then return "" end
  return ids.to18(text) or text
end

-- One record through the store: its sf__Id, sf__Created, or nil and errs
-- (and the id to show on the failed row).
local function write(jobs, job, row)
  local st, plan, obj = jobs.org.store, job.plan, job.object
  local body, id_text, err = {}, nil, nil
  for i, col in ipairs(plan.cols) do
    local text = row[i]
    if text ~= "" then
      if col.kind == "id" then
        id_text = text
      elseif col.kind == "field" then
        local v, e = bulk_csv.value(col.field, text, i)
        if v == nil then err = err or e else body[col.field.name] = v end
      elseif text == bulk_csv.NULL_TEXT then
        body[col.field.name] = NULL -- the lookup cleared
      else
        local ref = { [col.key] = text }
        if col.type then ref.attributes = { type = col.type } end
        body[col.field.relationship_name] = ref
      end
    end
  end
  local op = job.operation
  if err then
    local shown = (op ~= "insert") and shown_id(id_text) or ""
    return nil, { err }, shown
  end
  if op == "insert" then
    if id_text then body.Id = id_text end
    local id, errs = st:insert(obj, body)
    if not id then return nil, errs, "" end
    return id, true
  elseif op == "update" or op == "delete" or op == "hardDelete" then
    if not id_text then return nil, missing(("Id not specified in an %s call"):format(op == "update" and "update"
      or "delete")), "" end
    local ok, errs
    if op == "update" then
      ok, errs = st:update(obj, id_text, body)
    elseif op == "delete" then
      ok, errs = st:delete(obj, id_text)
    else
      ok, errs = st:purge(obj, id_text)
    end
    if not ok then return nil, by_id_errors(errs), shown_id(id_text) end
    return ids.to18(id_text), false
  end
  -- upsert
  local ext = job.external_id
  local value
  if ext == "Id" then
    value = id_text or ""
  else
    local i = plan.by_name[ext:lower()]
    value = i and row[i] or ""
    if value == bulk_csv.NULL_TEXT then value = "" end
    if value == "" then return nil, missing("External ID was blank for " .. ext), "" end
    body[ext] = nil
  end
  local res, errs = st:upsert(obj, ext, value, body)
  if not res then return nil, errs, ext == "Id" and shown_id(id_text) or "" end
  return res.id, res.created
end

local function cells(job, row)
  local out = {}
  for i, c in ipairs(row) do out[i] = quoted(c) end
  return concat(out, job.delimiter)
end

local function finish(jobs, job)
  if job.reader then job.reader:close() end
  job.reader, job.data, job.buffer = nil, nil, nil
  jobs:set_state(job, "JobComplete")
end

local function write_step(jobs, job, rows)
  local d = job.delimiter
  for _ = 1, rows do
    if job.consumed >= job.count then break end
    local row = assert(next_record(job), "the upload ended before its checked count")
    job.consumed = job.consumed + 1
    local id, created_or_errs, shown = write(jobs, job, row)
    job.processed = job.processed + 1
    if id then
      job.success[#job.success + 1] = quoted(id) .. d .. quoted(created_or_errs and "true" or "false") .. d
        .. cells(job, row)
    else
      job.failed = job.failed + 1
      job.failures[#job.failures + 1] = quoted(shown) .. d .. quoted(bulk_csv.error_text(created_or_errs[1])) .. d
        .. cells(job, row)
    end
  end
  if job.consumed >= job.count then finish(jobs, job) end
end

--- See the file comment.
function M.step(jobs, job, rows)
  if job.state == "UploadComplete" then
    start_check(jobs, job)
    if job.state ~= "InProgress" then return end
  end
  if job.phase == "check" then return check_step(jobs, job, rows * M.CHECK_FACTOR) end
  return write_step(jobs, job, rows)
end

---------------------------------------------------------------------------
-- Results
---------------------------------------------------------------------------

-- The records after the first `skip` ones, as CSV lines (the upload read
-- again), or nil when it cannot be read.
local function remaining(job, skip)
  local r = new_reader(job)
  local out, header, n = {}, false, 0
  local pos, done = 1, false
  local opts = { delimiter = job.delimiter, eol = "\n" }
  while not done do
    local rows
    if pos > #job.data then
      rows, done = r:finish(), true
    else
      rows = r:feed(job.data:sub(pos, pos + M.CHUNK - 1))
      pos = pos + M.CHUNK
    end
    if not rows then
      r:close()
      return nil
    end
    for _, row in ipairs(rows) do
      if not header then
        header = true
      elseif not blank(row) then
        n = n + 1
        if n > skip then out[#out + 1] = csv.line(row, opts) end
      end
    end
  end
  r:close()
  return concat(out)
end

local function unprocessed(job)
  if job.data == nil then
    -- nothing uploaded, or every record processed
    return job.header_raw and (job.header_raw .. "\n") or ""
  end
  local consumed = job.consumed or 0
  if consumed == 0 then return job.data end
  local rest = remaining(job, consumed)
  if not rest then return job.data end
  return job.header_raw .. "\n" .. rest
end

--- See the file comment.
function M.results(_, job, leaf)
  if leaf == "unprocessedrecords" then return bulk_jobs.csv_reply(unprocessed(job)) end
  local d = job.delimiter
  local success = leaf == "successfulResults"
  local head = quoted("sf__Id") .. d .. quoted(success and "sf__Created" or "sf__Error")
  if job.header_raw then head = head .. d .. job.header_raw end
  local lines = (success and job.success or job.failures) or {}
  local body = head .. "\n"
  if #lines > 0 then body = body .. concat(lines, "\n") .. "\n" end
  return bulk_jobs.csv_reply(body)
end

return M
