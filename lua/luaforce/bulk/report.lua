--- luaforce.bulk.report: what a bulk ingest did, job by job, and the rows
-- behind it (read from Salesforce's result files when asked).
--
--   report.new(org, fields) -> r   fields: object, operation, columns,
--       delimiter, line_ending
--   r:add_job(job) -> entry        a job file about to be sent ({rows, first,
--       last, path}); entry.outcome starts as "not_sent"
--   r:settle()                     counts, ok and exit from the jobs (after
--       the run; a report's fields are final only then)
--
-- Fields a caller reads:
--   r.counts    {records, sent, processed, successful, failed, unprocessed,
--               not_sent, unknown} (rows)
--   r.jobs      one entry per job, in order: {id, state, outcome, rows,
--               first, last, processed, failed, error}, outcome one of
--               "done" (JobComplete), "failed" (Salesforce failed the job:
--               error says why), "aborted", "not_sent" (never closed: the
--               job holds no processed row), "unknown" (closed, and how far
--               it got is not known: look at the job in the org)
--   r.interrupted   true after Ctrl-C
--   r.error     the first error that stopped the run (nil when none)
--   r.ok        true when every row succeeded
--   r.exit      the exit code (luaforce.errors.outcome_exit's precedence)
--
--   r:successful() / r:failed() / r:unprocessed() -> iterator of records
--       (nested like query records; sf__Id, sf__Created (a boolean),
--       sf__Error as Salesforce writes them), read job by job from the
--       org's result files in constant memory. unprocessed() also gives the
--       rows of jobs never sent, from the files kept for them. RAISES a
--       luaforce error when a result file cannot be read.
--   r:write_failed(path) -> count | nil, err   a CSV of every row to send
--       again: the failed ones with sf__Error first, then the unprocessed
--       and never-sent ones (sf__Error says why). Rows whose outcome is
--       unknown are never in it (sending them again could duplicate them).
--       `luaforce bulk import` ignores sf__ columns, so the file can be
--       fixed and imported as it is.
--   r:summary() -> text            a few lines for people
--   r:kept_files() -> list         the files of rows never sent, kept until
--                                  close (their paths, when write_failed fails)
--   r:close()                      removes the kept files
local api = require "luaforce.bulk.api"
local cells = require "luaforce.bulk.cells"
local csv = require "luaforce.output.csv"
local csv_source = require "luaforce.bulk.csv_source"
local errors = require "luaforce.errors"

local M = {}

local Report = {}
Report.__index = Report
Report.__name = "luaforce.bulk.Report"
Report.__gc = function(self) self:close() end

--- See the file comment.
function M.new(org, fields)
  local r = setmetatable({
    org = org, object = fields.object, operation = fields.operation, columns = fields.columns,
    delimiter = fields.delimiter or ",", line_ending = fields.line_ending or "LF",
    jobs = {}, counts = {}, ok = false, exit = errors.EXIT.OK,
  }, Report)
  return r
end

--- See the file comment.
function Report:add_job(job)
  local entry = { rows = job.rows, first = job.first, last = job.last, outcome = "not_sent", file = job.path,
    processed = 0, failed = 0 }
  self.jobs[#self.jobs + 1] = entry
  return entry
end

local FINAL = { JobComplete = true, Failed = true, Aborted = true }
M.FINAL = FINAL

-- The exit code a job's own failure reports: Salesforce refused the data
-- (InvalidBatch, ClientInputError: a column, a line ending) is bad input.
local function job_exit(entry)
  if entry.error and errors.is(entry.error) then return entry.error.exit or errors.EXIT.API end
  local msg = entry.error_message or ""
  if msg:find("^InvalidBatch") or msg:find("^ClientInputError") then return errors.EXIT.USAGE end
  return errors.EXIT.API
end

--- See the file comment.
function Report:settle()
  local c = { records = 0, sent = 0, processed = 0, successful = 0, failed = 0, unprocessed = 0, not_sent = 0,
    unknown = 0 }
  local failed_exits, unknown_jobs = {}, 0
  for _, j in ipairs(self.jobs) do
    c.records = c.records + j.rows
    if j.outcome == "not_sent" then
      c.not_sent = c.not_sent + j.rows
    else
      c.sent = c.sent + j.rows
    end
    if j.outcome == "unknown" then
      unknown_jobs = unknown_jobs + 1
      c.unknown = c.unknown + j.rows - (j.processed or 0)
      c.processed = c.processed + (j.processed or 0)
    elseif j.outcome ~= "not_sent" then
      c.processed = c.processed + j.processed
      c.failed = c.failed + j.failed
      c.successful = c.successful + (j.processed - j.failed)
      c.unprocessed = c.unprocessed + (j.rows - j.processed)
    end
    if j.outcome == "failed" then failed_exits[#failed_exits + 1] = job_exit(j) end
  end
  c.records = c.records + (self.extra_not_sent or 0)
  c.not_sent = c.not_sent + (self.extra_not_sent or 0)
  if c.failed > 0 then failed_exits[#failed_exits + 1] = errors.EXIT.API end
  if c.unprocessed > 0 and #failed_exits == 0 then failed_exits[#failed_exits + 1] = errors.EXIT.API end
  if self.error then table.insert(failed_exits, 1, self.error.exit or errors.EXIT.API) end
  if c.not_sent > 0 and #failed_exits == 0 then failed_exits[#failed_exits + 1] = errors.EXIT.API end
  self.counts = c
  self.exit = errors.outcome_exit { unknown = unknown_jobs, interrupted = self.interrupted,
    done = c.successful, failed = failed_exits }
  self.ok = self.exit == errors.EXIT.OK
  return self
end

-- Reads one result file of a job into a private temporary file; returns
-- a csv_source over it (its path in src.temp).
local function fetch(self, entry, which)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  local ok, err = api.download(self.org, api.result_path(self.org, "ingest", entry.id, which), function(piece)
    f:write(piece)
  end)
  f:close()
  if not ok then
    os.remove(path)
    error(err, 0)
  end
  local src = assert(csv_source.open(path, { delimiter = self.delimiter,
    what = ("the %s results of job %s"):format(which, entry.id) }))
  src.temp = path
  return src
end

local function local_rows(self, entry)
  local src = assert(csv_source.open(entry.file, { delimiter = self.delimiter, what = entry.file }))
  return src
end

-- An iterator over the rows of `which` across the jobs that can have some.
local function rows(self, which, with_local)
  local i, src, header = 0, nil, nil
  local function next_source()
    while true do
      if src then
        src:close()
        if src.temp then os.remove(src.temp) end
        src = nil
      end
      i = i + 1
      local entry = self.jobs[i]
      if not entry then return false end
      local has = entry.id and entry.outcome ~= "not_sent"
      if which == "failed" then has = has and entry.failed > 0 end
      if which == "successful" then has = has and entry.processed - entry.failed > 0 end
      if which == "unprocessed" then has = has and entry.rows > entry.processed and entry.outcome ~= "unknown" end
      if entry.fetch_all then has = entry.id ~= nil end
      if has then
        src = fetch(self, entry, which)
      elseif with_local and entry.outcome == "not_sent" and entry.file then
        src = local_rows(self, entry)
      end
      if src then
        local h, err = src:next()
        if h == false then error(err, 0) end
        if h then
          header = h
          src.entry = entry
          return true
        end
      end
    end
  end
  return function()
    while true do
      if not src and not next_source() then return nil end
      local fields, err = src:next()
      if fields == false then error(err, 0) end
      if fields then
        local rec = cells.record(header, fields)
        return rec, src.entry
      end
      if not next_source() then return nil end
    end
  end
end

--- See the file comment.
function Report:successful() return rows(self, "successful") end
function Report:failed() return rows(self, "failed") end
function Report:unprocessed() return rows(self, "unprocessed", true) end

--- See the file comment.
function Report:write_failed(path)
  local fmt = { delimiter = self.delimiter, eol = self.line_ending == "CRLF" and "\r\n" or "\n" }
  local out, why = io.open(path, "wb")
  if not out then
    return nil, errors.new { code = "BAD_OUTPUT_FILE", exit = errors.EXIT.USAGE,
      message = ("cannot write %s: %s"):format(path, (tostring(why):gsub("^.-: ", ""))) }
  end
  local header = { "sf__Error" }
  for i, c in ipairs(self.columns) do header[i + 1] = c end
  out:write(csv.line(header, fmt))
  local n = 0
  local function put(rec, reason)
    local line = { reason }
    for i, c in ipairs(self.columns) do
      local v = rec[c]
      if v == nil then
        local rel, field = c:match("^([^.]+)%.(.+)$")
        if rel and type(rec[rel]) == "table" then v = rec[rel][field] end
      end
      line[i + 1] = v or ""
    end
    out:write(csv.line(line, fmt))
    n = n + 1
  end
  -- the rows only this process holds first (never sent), then the org's
  local ok, err = pcall(function()
    for rec, entry in self:unprocessed() do
      put(rec, entry.outcome == "not_sent"
        and (entry.id and "NOT_SENT: the job was never closed; nothing of it was processed"
          or "NOT_SENT: the run stopped before this row was sent")
        or ("UNPROCESSED: job %s ended %s before this row"):format(entry.id, entry.state or "?"))
    end
    for rec in self:failed() do put(rec, rec.sf__Error or "") end
  end)
  out:close()
  if not ok then
    if errors.is_interrupt(err) then error(err, 0) end
    return nil, err
  end
  return n
end

local function grouped(n)
  local s = tostring(math.floor(n))
  return (s:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", ""))
end

--- See the file comment.
function Report:summary()
  local c = self.counts
  local lines = {}
  lines[1] = ("bulk %s %s: %s records in %d job%s: %s succeeded, %s failed"):format(
    self.operation, self.object, grouped(c.records or 0), #self.jobs, #self.jobs == 1 and "" or "s",
    grouped(c.successful or 0), grouped(c.failed or 0))
  if (c.unprocessed or 0) > 0 then lines[#lines + 1] = ("  %s not processed"):format(grouped(c.unprocessed)) end
  if (c.not_sent or 0) > 0 then lines[#lines + 1] = ("  %s never sent"):format(grouped(c.not_sent)) end
  if self.interrupted then lines[#lines + 1] = "  interrupted" end
  for _, j in ipairs(self.jobs) do
    if j.outcome == "unknown" then
      lines[#lines + 1] = ("  job %s (records %d-%d): outcome unknown, some rows may have been written; "
        .. "inspect it: luaforce bulk status %s"):format(j.id or "?", j.first or 0, j.last or 0, j.id or "?")
    elseif j.outcome == "failed" then
      lines[#lines + 1] = ("  job %s failed: %s"):format(j.id or "?", j.error_message
        or (j.error and j.error.message) or "?")
    end
  end
  if self.error then lines[#lines + 1] = "  stopped: " .. tostring(self.error.message or self.error) end
  return table.concat(lines, "\n")
end

--- The files of rows never sent that this report keeps (until close).
function Report:kept_files()
  local list = {}
  for _, j in ipairs(self.jobs) do
    if j.file then list[#list + 1] = j.file end
  end
  return list
end

--- See the file comment.
function Report:close()
  if self.jobs_kept then return end -- the CLI kept them for the user
  for _, j in ipairs(self.jobs or {}) do
    if j.file then
      os.remove(j.file)
      j.file = nil
    end
  end
end

return M
