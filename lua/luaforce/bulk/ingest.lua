--- luaforce.bulk.ingest: one Bulk API 2.0 ingest, as many jobs as the data
-- needs, from rows to a report (luaforce.bulk.report).
--
--   ingest.run(org, spec, src) -> report | nil, err
--       spec: object, operation, external_id, line_ending ("LF"/"CRLF"),
--       delimiter (the name: "COMMA", ...), job_bytes, job_records, poll
--       ({interval, max_interval, timeout} seconds), on_progress(event)
--       src: a luaforce.bulk.source
--
-- Each job's rows go to a private temporary file (never the whole data set
-- in memory), which is then created as a job, uploaded in one PUT and
-- closed (UploadComplete) before the next file is written; then every job
-- is polled, with a growing interval, until Salesforce has finished it.
--
-- Outcomes are never optimistic:
--   - a job whose upload failed, or whose close is known not to have
--     happened, is aborted and holds nothing (its rows: "not_sent");
--   - a job that was closed, or may have been, and whose end is not known
--     (polling failed, the answer to the close was lost and so was the
--     check) is "unknown": the report names it and the exit is 6;
--   - Ctrl-C aborts every unfinished job in the org. A job whose abort is
--     confirmed with no row processed holds nothing (exit 130); one that
--     had processed rows, or whose abort is not confirmed, is "unknown"
--     (exit 6).
-- Returns nil, err when nothing reached Salesforce (the first job could not
-- be created, or the input is bad before any job).
local api = require "luaforce.bulk.api"
local errors = require "luaforce.errors"
local http = require "luaforce.http"
local job_files = require "luaforce.bulk.job_files"
local report_mod = require "luaforce.bulk.report"
local sys = require "luaforce.core.sys"

local M = {}

local aborted, keep_rest -- below

M.POLL = { interval = 0.5, max_interval = 10, factor = 1.5 }

local FINAL = report_mod.FINAL

local function count(v)
  return math.tointeger(tonumber(v or 0)) or 0
end

local function update(entry, info)
  entry.state = info.state or entry.state
  -- processing began: Salesforce said so, or counts time spent on it
  if info.state == "InProgress" or count(info.numberRecordsProcessed) > 0
    or count(info.totalProcessingTime) > 0 or count(info.apiActiveProcessingTime) > 0 then
    entry.began = true
  end
  entry.processed = count(info.numberRecordsProcessed)
  entry.failed = count(info.numberRecordsFailed)
  if info.state == "JobComplete" then
    entry.outcome = "done"
  elseif info.state == "Failed" then
    entry.outcome = "failed"
    entry.error_message = info.errorMessage
  elseif info.state == "Aborted" then
    entry.outcome = "aborted"
  end
end

--- The error of a job that failed before it was closed: whatever the
-- request's own outcome, nothing of the job was processed (an unknown
-- outcome becomes a network failure: the data never got past Open).
function M.not_written(id, what, err)
  local exit = err.exit or errors.EXIT.API
  if exit == errors.EXIT.UNKNOWN then exit = errors.EXIT.NETWORK end
  return errors.new { code = err.code == "OUTCOME_UNKNOWN" and "UPLOAD_FAILED" or (err.code or "UPLOAD_FAILED"),
    exit = exit, job = id, cause = err,
    message = ("job %s was aborted because %s (%s): nothing of it was processed"):format(id, what,
      tostring(err.message or err)),
    hint = "send its rows again: they are in the rows-to-send-again file" }
end

local function progress(spec, report, phase, total)
  if not spec.on_progress then return end
  local e = { phase = phase, jobs = #report.jobs, total = total, sent = 0, processed = 0, failed = 0 }
  for _, j in ipairs(report.jobs) do
    if j.outcome ~= "not_sent" then e.sent = e.sent + j.rows end
    e.processed = e.processed + (j.processed or 0)
    e.failed = e.failed + (j.failed or 0)
  end
  spec.on_progress(e)
end

-- Aborts a job that was never closed. True when the org confirms it (the
-- abort's answer, or a look at the job: Open or Aborted); else the entry
-- becomes "unknown" (a close may have landed after all).
aborted = function(org, entry)
  local info = api.set_state(org, "ingest", entry.id, "Aborted")
  if not info then info = api.get(org, "ingest", entry.id) end
  if info and (info.state == "Aborted" or info.state == "Open") then
    entry.state = info.state
    return true
  end
  entry.outcome, entry.closing = "unknown", true
  return false
end

--- The error of a job create that failed: an empty job holds nothing, so
-- a lost answer is a network failure, not an unknown outcome (an empty Open
-- job may be left in the org; Salesforce removes such jobs after a while).
function M.create_failed(err)
  if not (errors.is(err) and err.exit == errors.EXIT.UNKNOWN) then return err end
  return errors.new { code = "JOB_CREATE_FAILED", exit = errors.EXIT.NETWORK, cause = err,
    message = "the answer to creating a Bulk API job was lost; no data had been sent, nothing was written ("
      .. tostring(err.message) .. ")",
    hint = "an empty job may be left Open in the org (luaforce bulk jobs); run the import again" }
end

-- Creates, uploads and closes one job. true, or false and the error that
-- stops the run (the entry says what became of the job).
local function send(org, spec, report, job, body)
  local entry = report:add_job(job)
  local info, err = api.create(org, "ingest", body)
  if not info then return false, M.create_failed(err) end
  entry.id, entry.state = info.id, info.state
  local ok
  ok, err = api.upload(org, entry.id, job.path)
  if not ok then
    -- one upload per job: a job whose upload may be partial is never closed,
    -- and a job never closed is never processed: nothing of it is written
    if not aborted(org, entry) then return false, err end
    return false, M.not_written(entry.id, "its upload failed", err)
  end
  entry.closing = true
  local closed, cerr = api.set_state(org, "ingest", entry.id, "UploadComplete")
  if not closed then
    local now = api.get(org, "ingest", entry.id)
    if now and now.state == "Open" then
      if not aborted(org, entry) then return false, cerr end
      entry.closing = nil
      return false, M.not_written(entry.id, "it could not be closed", cerr)
    elseif not now then
      entry.outcome, entry.error = "unknown", cerr
      return false, cerr
    end
    closed = now
  end
  entry.outcome = "running"
  update(entry, closed)
  os.remove(job.path)
  entry.file = nil
  return true
end

-- Rows processed so far and rows still to process, over the running jobs.
local function tally(report)
  local done, left = 0, 0
  for _, e in ipairs(report.jobs) do
    if e.outcome == "running" then
      done = done + (e.processed or 0)
      left = left + math.max(e.rows - (e.processed or 0), 0)
    end
  end
  return done, left
end

-- Polls the running jobs until each has ended. The first look comes one
-- interval after the close (whose answer already said UploadComplete);
-- then, once rows are seen moving, the next look is when the rows left
-- should be done at the rate seen, else the wait grows by half; always
-- within [interval, max_interval].
local function wait(org, spec, report, total)
  local poll = spec.poll or {}
  local first = poll.interval or M.POLL.interval
  local delay = first
  local max = poll.max_interval or M.POLL.max_interval
  local started = sys.monotonic_ms()
  local seen, seen_at = tally(report), started
  while true do
    local running = false
    for _, e in ipairs(report.jobs) do
      if e.outcome == "running" then running = true end
    end
    if not running then return end
    http.sleep(delay)
    local left = 0
    for _, e in ipairs(report.jobs) do
      if e.outcome == "running" then
        local info, err = api.get(org, "ingest", e.id)
        if not info then
          e.outcome, e.error = "unknown", err
          report.error = report.error or err
        else
          update(e, info)
          if not FINAL[info.state] then left = left + 1 end
        end
      end
    end
    progress(spec, report, "wait", total)
    if left == 0 then return end
    if poll.timeout and (sys.monotonic_ms() - started) / 1000 >= poll.timeout then
      local err = errors.new { code = "POLL_TIMEOUT", exit = errors.EXIT.UNKNOWN,
        message = ("%d job%s still running after %gs of waiting"):format(left, left == 1 and "" or "s", poll.timeout),
        hint = "Salesforce goes on with them: luaforce bulk status JOB" }
      for _, e in ipairs(report.jobs) do
        if e.outcome == "running" then e.outcome, e.error = "unknown", err end
      end
      report.error = report.error or err
      return
    end
    local now = sys.monotonic_ms()
    local done, rows_left = tally(report)
    if done > seen and now > seen_at then
      local rate = (done - seen) / ((now - seen_at) / 1000)
      delay = math.max(first, math.min(max, rows_left / rate))
    else
      delay = math.min(delay * M.POLL.factor, max)
    end
    seen, seen_at = done, now
  end
end

-- After Ctrl-C: abort what is unfinished and learn what each job holds.
local function abort_all(org, report)
  sys.clear_interrupt()
  report.interrupted = true
  local ok = pcall(function()
    for _, e in ipairs(report.jobs) do
      if e.id and not FINAL[e.state or ""] and e.outcome ~= "done" then
        if not e.closing and e.outcome == "not_sent" then
          api.set_state(org, "ingest", e.id, "Aborted")
        else
          api.set_state(org, "ingest", e.id, "Aborted")
          local info = api.get(org, "ingest", e.id)
          if info then update(e, info) end
          -- 130 only for an abort confirmed before any processing
          if not info or (info.state == "Aborted" and e.began) or not FINAL[info.state] then
            e.outcome = "unknown"
          end
        end
      end
    end
  end)
  if not ok then
    -- interrupted again, or the org is gone: whatever was closed is unknown
    sys.clear_interrupt()
    for _, e in ipairs(report.jobs) do
      if e.closing and not FINAL[e.state or ""] then e.outcome = "unknown" end
    end
  end
end

-- The run stopped before every row was in a job: the row being written
-- (in the writer's file) and every row still unread go to one more file, a
-- job never sent, so that the rows to send again hold them all. A record
-- that cannot be a row at all is counted (extra_not_sent) and named by the
-- error that stopped the run.
keep_rest = function(spec, report, src, writer)
  local pending = writer:finish()
  if pending then report:add_job(pending) end
  local rest = job_files.new { columns = src.columns, delimiter = spec.delimiter_byte,
    line_ending = spec.line_ending, job_bytes = math.maxinteger }
  local bad = 0
  while true do
    local row, n = src.next()
    if row == nil then break end
    if row == false then
      bad = bad + 1
    else
      local done = rest:add(row, n)
      if done == false then bad = bad + 1 end
    end
  end
  local last = rest:finish()
  if last then report:add_job(last) end
  report.unreadable = (report.unreadable or 0) + bad
end

--- See the file comment.
function M.run(org, spec, src)
  local report = report_mod.new(org, { object = spec.object, operation = spec.operation, columns = src.columns,
    delimiter = spec.delimiter_byte, line_ending = spec.line_ending })
  local writer = job_files.new { columns = src.columns, delimiter = spec.delimiter_byte,
    line_ending = spec.line_ending, job_bytes = spec.job_bytes, job_records = spec.job_records }
  local body = { object = spec.object, operation = spec.operation, externalIdFieldName = spec.external_id,
    contentType = "CSV", lineEnding = spec.line_ending, columnDelimiter = spec.delimiter }
  local ok, perr = pcall(function()
    local stop
    while not stop do
      local row, n = src.next()
      if row == false then
        report.error, stop = n, true
        report.unreadable = 1 -- that record cannot be sent as it is
      elseif row == nil then
        break
      else
        local done, err = writer:add(row, n)
        if done == false then
          report.error, stop = err, true
          report.unreadable = 1 -- that row cannot go in any job
        elseif done then
          local sent, serr = send(org, spec, report, done, body)
          progress(spec, report, "upload", src.total)
          if not sent then report.error, stop = serr, true end
        end
      end
    end
    if not stop then
      local last, err = writer:finish()
      if last == false then
        report.error = err
      elseif last then
        local sent, serr = send(org, spec, report, last, body)
        progress(spec, report, "upload", src.total)
        if not sent then report.error = serr end
      end
    end
    if stop then keep_rest(spec, report, src, writer) end
    writer:discard()
    wait(org, spec, report, src.total)
  end)
  writer:discard()
  if src.close then src.close() end
  if not ok then
    if not errors.is_interrupt(perr) then
      report:close()
      error(perr, 0)
    end
    abort_all(org, report)
  end
  local in_jobs = 0
  for _, j in ipairs(report.jobs) do in_jobs = in_jobs + j.rows end
  report.extra_not_sent = math.max((src.total or (in_jobs + (report.unreadable or 0))) - in_jobs, 0)
  local reached = false
  for _, j in ipairs(report.jobs) do
    if j.id then reached = true end
  end
  if not reached and not report.interrupted and report.error then
    report:close()
    return nil, report.error
  end
  return report:settle()
end

return M
