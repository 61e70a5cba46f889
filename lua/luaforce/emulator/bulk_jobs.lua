--- luaforce.emulator.bulk_jobs: the local org's Bulk API 2.0 jobs, ingest
-- and query: the table of jobs, their ids (key prefix 750), their JobInfo,
-- the lists, the routes under `jobs/`, and the queue the background worker
-- steps through.
--
--   local jobs = bulk_jobs.new(org, {rows_per_step =, manual =, wake =})
--   jobs:handle(req, version, rest)   `rest`: the path after `jobs/`
--   jobs:step() -> more               one step of the first queued job
--   jobs:steps(n) -> done, pending    up to n steps (the control bulk_step)
--   jobs:pending() -> bool            a job is queued
--   jobs:clear()                      every job dropped (reset)
--   jobs:halt()                       no step runs any more (the server is
--                                     stopping: a named org is saved after it)
--
-- The routes (API 41.0 and later for ingest, 47.0 for query):
--   POST   jobs/ingest | jobs/query            create: JobInfo (short form)
--   GET    jobs/ingest | jobs/query            the jobs, 1000 a page:
--          {done, records, nextRecordsUrl}; jobType, concurrencyMode,
--          isPkChunkingEnabled filter, queryLocator pages
--   GET    jobs/<kind>/<id>                    JobInfo (long form)
--   PATCH  jobs/<kind>/<id>  {"state": ...}    UploadComplete, Aborted
--   DELETE jobs/<kind>/<id>                    204, in a final state only
--   PUT    jobs/ingest/<id>/batches            the CSV (bulk_ingest.lua)
--   GET    jobs/ingest/<id>/successfulResults | failedResults | unprocessedrecords
--   GET    jobs/query/<id>/results?maxRecords=&locator=   (bulk_query.lua)
--
-- What a job is made of, shared: id, kind ("ingest" | "query"), module (the
-- kind's module: bulk_ingest or bulk_query, each with `step(jobs, job,
-- rows)` and its routes), operation, object, state, version ("62.0"),
-- line_ending ("LF"), delimiter_name ("COMMA"), delimiter (","), created and
-- modstamp (Salesforce date-times), processed, failed, error_message,
-- total_ms (the time its steps took).
--
-- Processing is asynchronous: a job closed with UploadComplete (an ingest
-- job) or created (a query job) joins the queue, and each step processes at
-- most `rows_per_step` rows of the first job in it. Unless `manual`, queuing
-- calls `wake` (the server's worker then calls step until nothing is left);
-- in manual mode only `steps(n)` runs them.
require "luaforce.core"
local base64 = require "luaforce.core.base64"
local json = require "luaforce.json"
local bulk_csv = require "luaforce.emulator.bulk_csv"
local datetime = require "luaforce.emulator.datetime"
local ids = require "luaforce.emulator.ids"
local reply = require "luaforce.emulator.reply"

local M = {}

M.MIN_VERSION = { ingest = 41, query = 47 }
M.DEFAULT_ROWS_PER_STEP = 2000
M.LIST_PAGE = 1000
M.FINAL = { JobComplete = true, Failed = true, Aborted = true }

local SHORT_KEYS = {
  ingest = { "id", "operation", "object", "createdById", "createdDate", "systemModstamp", "state",
    "externalIdFieldName", "concurrencyMode", "contentType", "apiVersion", "contentUrl", "lineEnding",
    "columnDelimiter" },
  query = { "id", "operation", "object", "createdById", "createdDate", "systemModstamp", "state",
    "concurrencyMode", "contentType", "apiVersion", "lineEnding", "columnDelimiter" },
}
local LONG_KEYS = {
  ingest = { "id", "operation", "object", "createdById", "createdDate", "systemModstamp", "state",
    "externalIdFieldName", "concurrencyMode", "contentType", "apiVersion", "jobType", "contentUrl", "lineEnding",
    "columnDelimiter", "numberRecordsProcessed", "numberRecordsFailed", "retries", "totalProcessingTime",
    "apiActiveProcessingTime", "apexProcessingTime", "errorMessage" },
  query = { "id", "operation", "object", "createdById", "createdDate", "systemModstamp", "state",
    "concurrencyMode", "contentType", "apiVersion", "jobType", "lineEnding", "columnDelimiter",
    "numberRecordsProcessed", "retries", "totalProcessingTime", "isPkChunkingSupported", "errorMessage" },
}
local LIST_KEYS = { "done", "records", "nextRecordsUrl" }

local Jobs = {}
Jobs.__index = Jobs

--- See the file comment. The modules of the two kinds come in `opts.kinds`
-- ({ingest = bulk_ingest, query = bulk_query}) from luaforce.emulator.app.
function M.new(org, opts)
  opts = opts or {}
  local n = math.tointeger(opts.rows_per_step) or M.DEFAULT_ROWS_PER_STEP
  return setmetatable({
    org = org,
    kinds = assert(opts.kinds, "bulk_jobs.new: opts.kinds"),
    rows_per_step = math.max(1, n),
    manual = opts.manual and true or false,
    wake = opts.wake or function() end,
    gen = ids.generator("750"),
    list = {},  -- every job, oldest first
    by_id = {}, -- id18 -> job
    queue = {}, -- jobs waiting for steps, first come first served
  }, Jobs)
end

function Jobs:now()
  return datetime.format_datetime(self.org.clock.now())
end

--- A new job of `kind` (its fields from `fields`), kept; returns it.
function Jobs:add(kind, fields)
  local job = fields
  job.id = self.gen:next()
  job.kind = kind
  job.module = self.kinds[kind]
  job.created = self:now()
  job.modstamp = job.created
  job.processed, job.failed, job.total_ms = 0, 0, 0
  self.list[#self.list + 1] = job
  self.by_id[job.id] = job
  return job
end

--- The job of `kind` with this id (15 or 18 characters), or nil.
function Jobs:get(kind, id)
  local id18 = ids.to18(id)
  local job = id18 and self.by_id[id18]
  if job and job.kind == kind then return job end
  return nil
end

--- Moves a job to `state` (its systemModstamp with it).
function Jobs:set_state(job, state, message)
  job.state = state
  job.modstamp = self:now()
  if message then job.error_message = message end
end

--- Queues a job for processing and wakes the worker (unless manual).
function Jobs:enqueue(job)
  self.queue[#self.queue + 1] = job
  job.queued = true
  if not self.manual and not self.halted then self.wake() end
end

--- See the file comment.
function Jobs:halt()
  self.halted = true
end

--- True when a job waits for steps.
function Jobs:pending()
  for _, job in ipairs(self.queue) do
    if not M.FINAL[job.state] and self.by_id[job.id] == job then return true end
  end
  return false
end

-- The first queued job still to process; finished, aborted and deleted
-- ones leave the queue.
function Jobs:_head()
  local q = self.queue
  while q[1] and (M.FINAL[q[1].state] or self.by_id[q[1].id] ~= q[1]) do
    q[1].queued = false
    table.remove(q, 1)
  end
  return q[1]
end

--- See the file comment. A step that raises fails its job (UnknownException)
-- rather than the worker.
function Jobs:step()
  if self.halted then return false end
  local job = self:_head()
  if not job then return false end
  local t0 = datetime.now_ms()
  local ok, err = pcall(job.module.step, self, job, self.rows_per_step)
  if not ok then
    self:set_state(job, "Failed", "UnknownException : " .. tostring(err))
  end
  job.total_ms = job.total_ms + (datetime.now_ms() - t0)
  self:_head()
  return self:pending()
end

--- See the file comment.
function Jobs:steps(n)
  local done = 0
  while done < n and not self.halted and self:pending() do
    self:step()
    done = done + 1
  end
  return done, self:pending()
end

--- See the file comment.
function Jobs:clear()
  self.list, self.by_id, self.queue = {}, {}, {}
end

function Jobs:remove(job)
  self.by_id[job.id] = nil
  for i, j in ipairs(self.list) do
    if j == job then
      table.remove(self.list, i)
      break
    end
  end
end

---------------------------------------------------------------------------
-- JobInfo
---------------------------------------------------------------------------

--- The JobInfo of a job: the short form (create, PATCH) or, with `long`,
-- the long one (GET, lists).
function Jobs:info(job, long)
  local t = {
    id = job.id, operation = job.operation, object = job.object, createdById = self.org.store.user_id,
    createdDate = job.created, systemModstamp = job.modstamp, state = job.state,
    externalIdFieldName = job.external_id, concurrencyMode = "Parallel", contentType = "CSV",
    apiVersion = tonumber(job.version) + 0.0, lineEnding = job.line_ending, columnDelimiter = job.delimiter_name,
  }
  if job.kind == "ingest" and job.state == "Open" then
    t.contentUrl = ("services/data/v%s/jobs/ingest/%s/batches"):format(job.version, job.id)
  end
  if long then
    t.numberRecordsProcessed = job.processed
    t.retries = 0
    t.totalProcessingTime = job.total_ms
    if job.kind == "ingest" then
      t.jobType = "V2Ingest"
      t.numberRecordsFailed = job.failed
      t.apiActiveProcessingTime = job.total_ms
      t.apexProcessingTime = 0
    else
      t.jobType = "V2Query"
      t.isPkChunkingSupported = true
    end
    if job.state == "Failed" then t.errorMessage = job.error_message end
  end
  return json.object(t, (long and LONG_KEYS or SHORT_KEYS)[job.kind])
end

--- A 200 answer with the job's JobInfo.
function Jobs:info_reply(job, long)
  return reply.json(200, self:info(job, long))
end

---------------------------------------------------------------------------
-- Errors every route shares
---------------------------------------------------------------------------

--- 400 with Salesforce's error array.
function M.error(code, message, status)
  return reply.error(status or 400, code, message)
end

--- The state error (a transition or a request the job's state refuses).
-- Salesforce's wording is not known; the code is the one its Bulk API
-- documents (InvalidJobState).
function M.state_error(job, what)
  return M.error("INVALIDJOBSTATE", ("%s is not allowed for a job in state %s"):format(what, job.state))
end

--- A request body decoded as a JSON object, or nil and the 400 answer.
function M.json_body(req)
  local body = req.body or ""
  if body == "" then
    return nil, M.error("JSON_PARSER_ERROR", "The HTTP entity body is required, but this request has no entity body.")
  end
  local value, err = json.decode(body)
  if value == nil then
    return nil, M.error("JSON_PARSER_ERROR", ("Unexpected character at [line:%d, column:%d]: %s")
      :format(err.line or 1, err.column or 1, err.reason or err.message))
  end
  if type(value) ~= "table" or json.is_array(value) then
    return nil, M.error("JSON_PARSER_ERROR", "Cannot deserialize the request body: a JSON object is expected")
  end
  return value
end

--- A string property of a create request: the value (or `default` when
-- absent), or nil and the 400 answer Salesforce gives for a bad value.
function M.property(body, name, allowed, default)
  local v = body[name]
  if v == nil or v == json.null then
    if default ~= nil then return default end
    v = ""
  end
  if type(v) == "string" and (allowed == nil and v ~= "" or allowed and allowed[v]) then return v end
  local shown = type(v) == "string" and v or (json.encode(v) or type(v))
  return nil, M.error("API_ERROR", ("Invalid value: '%s' supplied for property: '%s'"):format(shown, name))
end

--- The job's lineEnding and columnDelimiter from a create request into
-- `job`; nil and the 400 answer for a bad one.
function M.format_properties(body, job)
  local le, bad = M.property(body, "lineEnding", bulk_csv.LINE_ENDINGS, "LF")
  if not le then return nil, bad end
  local cd
  cd, bad = M.property(body, "columnDelimiter", bulk_csv.DELIMITERS, "COMMA")
  if not cd then return nil, bad end
  local ct
  ct, bad = M.property(body, "contentType", { CSV = true }, "CSV")
  if not ct then return nil, bad end
  job.line_ending, job.delimiter_name, job.delimiter = le, cd, bulk_csv.DELIMITERS[cd]
  return job
end

---------------------------------------------------------------------------
-- Lists
---------------------------------------------------------------------------

--- An opaque position in a list or a result (base64 of the offset,
-- unpadded, as Salesforce's locators look), and back (nil for one that is
-- not).
function M.locator_of(offset)
  return (base64.encode(tostring(offset)):gsub("=+$", ""))
end
local locator_of = M.locator_of

function M.offset_of(locator)
  local text = base64.decode(locator, "optional")
  return text and text:match("^%d+$") and math.tointeger(tonumber(text)) or nil
end
local offset_of = M.offset_of

-- GET jobs/<kind>: the jobs of that kind (every one the local org has is a
-- Bulk API 2.0 job in parallel mode without PK chunking, so the filters
-- keep all of them or none), oldest first, LIST_PAGE a page.
function Jobs:list_reply(req, version, kind)
  local q = req.query
  local keep = true
  if q.jobType and q.jobType ~= "" and q.jobType ~= (kind == "ingest" and "V2Ingest" or "V2Query") then
    keep = false
  end
  if q.concurrencyMode and q.concurrencyMode ~= "" and q.concurrencyMode:lower() ~= "parallel" then keep = false end
  if q.isPkChunkingEnabled and q.isPkChunkingEnabled:lower() == "true" then keep = false end
  local offset = 0
  if q.queryLocator and q.queryLocator ~= "" then
    offset = offset_of(q.queryLocator)
    if not offset then return M.error("INVALID_QUERY_LOCATOR", "invalid query locator") end
  end
  local all = {}
  if keep then
    for _, job in ipairs(self.list) do
      if job.kind == kind then all[#all + 1] = job end
    end
  end
  local records = {}
  for i = offset + 1, math.min(#all, offset + M.LIST_PAGE) do records[#records + 1] = self:info(all[i], true) end
  local done = offset + M.LIST_PAGE >= #all
  local next_url = json.null
  if not done then
    next_url = ("/services/data/v%s/jobs/%s?queryLocator=%s"):format(version, kind,
      locator_of(offset + M.LIST_PAGE))
  end
  return reply.json(200, json.object({ done = done, records = json.array(records), nextRecordsUrl = next_url },
    LIST_KEYS))
end

---------------------------------------------------------------------------
-- Routes
---------------------------------------------------------------------------

local RESULTS = { successfulResults = true, failedResults = true, unprocessedrecords = true }

-- PATCH jobs/<kind>/<id> {"state": ...}
function Jobs:patch(req, job)
  local body, bad = M.json_body(req)
  if not body then return bad end
  local state = body.state
  if type(state) ~= "string" then
    return M.error("INVALIDJOBSTATE", "The job state to set is missing: send {\"state\": \"UploadComplete\"} or "
      .. "{\"state\": \"Aborted\"}")
  end
  if state == "Aborted" then
    if M.FINAL[job.state] then return M.state_error(job, "Aborting") end
    job.module.abort(self, job)
    self:set_state(job, "Aborted")
    return self:info_reply(job, false)
  end
  if state == "UploadComplete" and job.kind == "ingest" then
    return job.module.close(self, job)
  end
  return M.error("INVALIDJOBSTATE", ("Invalid state for a %s job update: %s (UploadComplete or Aborted)")
    :format(job.kind, state))
end

-- DELETE jobs/<kind>/<id>: Salesforce deletes only jobs in UploadComplete,
-- JobComplete, Aborted or Failed.
function Jobs:delete(job)
  if job.state == "Open" or job.state == "InProgress" then return M.state_error(job, "Deleting") end
  self:remove(job)
  return reply.empty(204)
end

--- See the file comment.
function Jobs:handle(req, version, rest)
  local kind = rest[1]
  if kind ~= "ingest" and kind ~= "query" then return reply.not_found() end
  if tonumber(version) < M.MIN_VERSION[kind] then return reply.not_found() end
  local method = req.method
  if #rest == 1 then
    if method == "POST" then return self.kinds[kind].create(self, req, version) end
    if method == "GET" or method == "HEAD" then return self:list_reply(req, version, kind) end
    return reply.method_not_allowed(method, { "GET", "HEAD", "POST" })
  end
  local job = self:get(kind, rest[2])
  if not job then return reply.not_found() end
  if #rest == 2 then
    if method == "GET" or method == "HEAD" then return self:info_reply(job, true) end
    if method == "PATCH" then return self:patch(req, job) end
    if method == "DELETE" then return self:delete(job) end
    return reply.method_not_allowed(method, { "GET", "HEAD", "PATCH", "DELETE" })
  end
  if #rest ~= 3 then return reply.not_found() end
  local leaf = rest[3]
  if kind == "ingest" and leaf == "batches" then
    if method ~= "PUT" then return reply.method_not_allowed(method, { "PUT" }) end
    return job.module.upload(self, req, job)
  elseif kind == "ingest" and RESULTS[leaf] then
    if method ~= "GET" and method ~= "HEAD" then return reply.method_not_allowed(method, { "GET", "HEAD" }) end
    return job.module.results(self, job, leaf)
  elseif kind == "query" and leaf == "results" then
    if method ~= "GET" and method ~= "HEAD" then return reply.method_not_allowed(method, { "GET", "HEAD" }) end
    return job.module.results(self, req, job)
  end
  return reply.not_found()
end

--- A text/csv answer.
function M.csv_reply(body, headers)
  local h = { { "Content-Type", "text/csv" } }
  for _, kv in ipairs(headers or {}) do h[#h + 1] = kv end
  return { status = 200, headers = h, body = body }
end

return M
