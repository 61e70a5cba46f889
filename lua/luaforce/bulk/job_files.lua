--- luaforce.bulk.job_files: rows into CSV files of one job each, under the
-- size one upload may have.
--
--   job_files.new(opts) -> w   opts: columns (the header), delimiter (a byte,
--       default ","), line_ending ("LF" or "CRLF", default "LF"), job_bytes
--       (the most bytes one file may hold, header included; default
--       job_files.JOB_BYTES), job_records (the most rows per file; default
--       no limit)
--   w:add(cells, n) -> job | nil | false, err   writes one row (n: the
--       input's record number). When the row does not fit in the current
--       file, that file is finished and returned, and the row starts the
--       next one. A row bigger than job_bytes on its own is an error.
--   w:finish() -> job | nil     the last file (nil when it has no rows)
--   w:discard()                 removes a file not yet handed out
-- A job: {path =, rows =, bytes =, first =, last =} (first and last: the
-- record numbers it holds). Files are created private (0600) in the
-- system's temporary folder; the caller removes them (os.remove(job.path)).
--
-- Salesforce caps one upload at 150 MB base64-encoded, about 112 MB of raw
-- CSV; JOB_BYTES keeps each job under 100 MB raw with room to spare.
local csv = require "luaforce.output.csv"
local errors = require "luaforce.errors"

local M = {}

M.JOB_BYTES = 100 * 1000 * 1000

local W = {}
W.__index = W

--- See the file comment.
function M.new(opts)
  local eol = (opts.line_ending or "LF") == "CRLF" and "\r\n" or "\n"
  local fmt = { delimiter = opts.delimiter or ",", eol = eol }
  local header = csv.line(opts.columns, fmt)
  return setmetatable({
    fmt = fmt, header = header, limit = opts.job_bytes or M.JOB_BYTES, max_rows = opts.job_records,
  }, W)
end

local function open(self, n)
  local path = os.tmpname()
  local f, why = io.open(path, "wb")
  if not f then
    os.remove(path)
    return nil, errors.new { code = "TEMP_FILE", exit = errors.EXIT.SCRIPT,
      message = "cannot write a temporary file for the upload: " .. tostring(why) }
  end
  f:setvbuf("full", 65536)
  f:write(self.header)
  self.file, self.job = f, { path = path, rows = 0, bytes = #self.header, first = n }
  return true
end

local function close(self)
  local f, job = self.file, self.job
  self.file, self.job = nil, nil
  local ok, why = f:close()
  if not ok then
    os.remove(job.path)
    return false, errors.new { code = "TEMP_FILE", exit = errors.EXIT.SCRIPT,
      message = "cannot write a temporary file for the upload: " .. tostring(why) }
  end
  return job
end

--- See the file comment.
function W:add(cells, n)
  local line = csv.line(cells, self.fmt)
  if #self.header + #line > self.limit then
    return false, errors.new { code = "BAD_RECORD", exit = errors.EXIT.USAGE,
      message = ("record %d alone is %d bytes, more than one upload may hold (%d)"):format(n, #line, self.limit) }
  end
  local done
  local job = self.job
  if job and (job.bytes + #line > self.limit or (self.max_rows and job.rows >= self.max_rows)) then
    local err
    done, err = close(self)
    if not done then return false, err end
  end
  if not self.file then
    local ok, err = open(self, n)
    if not ok then return false, err end
  end
  job = self.job
  local ok, why = self.file:write(line)
  if not ok then
    self:discard()
    return false, errors.new { code = "TEMP_FILE", exit = errors.EXIT.SCRIPT,
      message = "cannot write a temporary file for the upload: " .. tostring(why) }
  end
  job.rows, job.bytes, job.last = job.rows + 1, job.bytes + #line, n
  return done
end

--- See the file comment.
function W:finish()
  if not self.file then return nil end
  return close(self)
end

--- See the file comment.
function W:discard()
  if self.file then
    self.file:close()
    os.remove(self.job.path)
    self.file, self.job = nil, nil
  end
end

return M
