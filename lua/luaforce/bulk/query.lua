--- luaforce.bulk.query: a Bulk API 2.0 query job, its results read page by
-- page (`Sforce-Locator`) in constant memory.
--
--   query.run(org, soql, opts) -> q | nil, err   creates the job and waits
--       for Salesforce to finish it. opts: all (queryAll: deleted and
--       archived rows too), page_size (maxRecords per results page),
--       line_ending ("LF"/"CRLF"), delimiter (the name) and delimiter_byte,
--       poll ({interval, max_interval, timeout}), on_progress(event)
--   q.id, q.info (the job's JobInfo), q.count (the rows it found)
--   q:records() -> iterator of records   nested like REST records
--       (`Account.Name` as rec.Account.Name; an empty cell is absent);
--       RAISES a luaforce error when a page cannot be read
--   q:write(path | sink) -> rows | nil, err   the CSV as Salesforce sends
--       it, the header once, streamed: a path is written atomically
--       (luaforce.output.sink), a sink as it comes
--   q:delete() -> true | nil, err    removes the job and its results
-- Ctrl-C while the job runs aborts it in the org and raises the
-- interruption (a query writes nothing: exit 130).
local api = require "luaforce.bulk.api"
local cells = require "luaforce.bulk.cells"
local csv_source = require "luaforce.bulk.csv_source"
local errors = require "luaforce.errors"
local http = require "luaforce.http"
local sink_mod = require "luaforce.output.sink"
local sys = require "luaforce.core.sys"

local M = {}

M.PAGE_SIZE = 10000 -- records(): a page's rows are held as tables; write()
-- streams pages to the file and lets the org choose their size (Salesforce:
-- the largest it can), unless page_size says otherwise
M.POLL = { interval = 0.5, max_interval = 10, factor = 1.5 }

local Q = {}
Q.__index = Q
Q.__name = "luaforce.bulk.Query"

local function job_failed(info)
  local msg = info.errorMessage or ("the query job ended " .. tostring(info.state))
  local exit = errors.EXIT.API
  if msg:find("^InvalidBatch") or msg:find("^ClientInputError") or msg:find("MALFORMED_QUERY")
    or msg:find("INVALID_FIELD") or msg:find("INVALID_TYPE") then
    exit = errors.EXIT.USAGE
  end
  return errors.new { code = "BULK_JOB_" .. (info.state or "FAILED"):upper(), exit = exit,
    message = ("bulk query job %s: %s"):format(tostring(info.id), msg), job = info.id }
end

local function wait(org, id, opts)
  local poll = opts.poll or {}
  local delay = poll.interval or M.POLL.interval
  local max = poll.max_interval or M.POLL.max_interval
  local started = sys.monotonic_ms()
  while true do
    -- the create's answer said UploadComplete: look one interval later
    http.sleep(delay)
    local info, err = api.get(org, "query", id)
    if not info then return nil, err end
    if opts.on_progress then
      opts.on_progress { phase = "wait", processed = math.tointeger(tonumber(info.numberRecordsProcessed or 0)) or 0 }
    end
    if info.state == "JobComplete" then return info end
    if info.state == "Failed" or info.state == "Aborted" then return nil, job_failed(info) end
    if poll.timeout and (sys.monotonic_ms() - started) / 1000 >= poll.timeout then
      return nil, errors.new { code = "POLL_TIMEOUT", exit = errors.EXIT.API,
        message = ("bulk query job %s still running after %gs"):format(id, poll.timeout),
        hint = "read it later: luaforce bulk results " .. id }
    end
    delay = math.min(delay * M.POLL.factor, max)
  end
end

--- See the file comment.
function M.run(org, soql, opts)
  local info, err = api.create(org, "query", {
    operation = opts.all and "queryAll" or "query", query = soql, contentType = "CSV",
    lineEnding = opts.line_ending or "LF", columnDelimiter = opts.delimiter or "COMMA",
  })
  if not info then return nil, require("luaforce.bulk.ingest").create_failed(err) end
  local id = info.id
  local ok, done, werr = pcall(wait, org, id, opts)
  if not ok then
    if errors.is_interrupt(done) then
      sys.clear_interrupt()
      pcall(api.set_state, org, "query", id, "Aborted")
    end
    error(done, 0)
  end
  if not done then return nil, werr end
  return M.open(org, done, opts)
end

--- A finished query job (its JobInfo) as a query object.
function M.open(org, info, opts)
  opts = opts or {}
  return setmetatable({ org = org, id = info.id, info = info, opts = opts,
    count = math.tointeger(tonumber(info.numberRecordsProcessed or 0)) or 0,
    delimiter = opts.delimiter_byte or ",",
  }, Q)
end

local function page_query(size, locator)
  local q = { maxRecords = size }  -- nil: the org's page size
  if locator then q.locator = locator end
  return q
end

local function next_locator(headers)
  local loc = headers["sforce-locator"]
  if type(loc) == "table" then loc = loc[1] end
  if loc == nil or loc == "" or loc == "null" then return nil end
  return loc
end

--- See the file comment.
function Q:records()
  local size = self.opts.page_size or M.PAGE_SIZE
  local path = api.result_path(self.org, "query", self.id)
  local rows, i, header, locator, last = {}, 1, nil, nil, false
  return function()
    while true do
      local fields = rows[i]
      if fields then
        rows[i] = nil
        i = i + 1
        return cells.record(header, fields)
      end
      if last then return nil end
      local src = csv_source.new { delimiter = self.delimiter, what = "the results of job " .. self.id }
      local headers, err = api.download(self.org, path, function(piece)
        src:push(piece)
      end, page_query(size, locator))
      if not headers then error(err, 0) end
      local pushed, perr = src:push(nil)
      if not pushed then error(perr, 0) end
      rows = assert(src:drain())
      header, i = rows[1], 2
      locator = next_locator(headers)
      last = locator == nil
      if not header then return nil end
    end
  end
end

--- See the file comment.
function Q:write(target)
  local sink, err = target, nil
  if type(target) == "string" then
    sink, err = sink_mod.open(target)
    if not sink then return nil, err end
  end
  local size = self.opts.page_size
  local path = api.result_path(self.org, "query", self.id)
  local locator, first, rows = nil, true, 0
  local werr
  local ok, perr = pcall(function()
    repeat
      local skipping = not first -- every page repeats the header
      local headers, derr = api.download(self.org, path, function(piece)
        if werr then return end
        if skipping then
          local nl = piece:find("\n", 1, true)
          if not nl then return end
          skipping = false
          piece = piece:sub(nl + 1)
        end
        local wok, e = sink:write(piece)
        if not wok then werr = e end
      end, page_query(size, locator))
      if not headers then error(derr, 0) end
      if werr then error(werr, 0) end
      local n = headers["sforce-numberofrecords"]
      if type(n) == "table" then n = n[1] end
      rows = rows + (math.tointeger(tonumber(n or 0)) or 0)
      if self.opts.on_progress then self.opts.on_progress { phase = "download", rows = rows, total = self.count } end
      first = false
      locator = next_locator(headers)
    until locator == nil
  end)
  if not ok then
    sink:abort()
    if errors.is_interrupt(perr) then error(perr, 0) end
    return nil, perr
  end
  local cok, cerr = sink:commit()
  if not cok then return nil, cerr end
  return rows
end

--- See the file comment.
function Q:delete()
  return api.delete(self.org, "query", self.id)
end

return M
