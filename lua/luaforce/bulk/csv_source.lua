--- luaforce.bulk.csv_source: CSV read record by record in constant memory
-- (luaforce.core.csv, on libcsv), from a file or from pieces handed in.
--
--   csv_source.open(path [, opts]) -> src | nil, err   a file ("-" is
--       standard input); err a usage error (exit 2) naming the file
--   csv_source.new([opts]) -> src    pieces come through src:push(text)
--   opts: delimiter (a byte, default ","), what (the file's name in
--       messages, default the path)
--   src:next() -> fields | nil | false, err   the next record (a list of
--       texts), nil at the end, false and a usage error naming the file and
--       line for malformed CSV
--   src:push(piece) -> true | false, err      (new) more text; push(nil) ends
--   src:drain() -> list of records | false, err   (new) the records complete so far
--   src.records      how many records next/drain returned
--   src:line_endings() -> {LF = n, CRLF = n, CR = n}
--   src:close()
require "luaforce.core"
local corecsv = require "luaforce.core.csv"
local errors = require "luaforce.errors"

local M = {}

local Src = {}
Src.__index = Src

M.CHUNK = 65536

local function malformed(self, why, line)
  why = tostring(why):gsub("^line %d+: ", "")
  local long = why:find("longer than", 1, true)
  return errors.new {
    code = "BAD_CSV", exit = errors.EXIT.USAGE,
    message = ("%s, line %s: %s"):format(self.what, tostring(line or "?"), why),
    hint = long and ("Salesforce takes at most 131,072 characters in a field")
      or "fix the file (RFC 4180: fields with the delimiter, a quote or a line break are quoted, quotes doubled)",
  }
end

-- Salesforce's largest field is 131,072 characters; a UTF-8 character
-- takes up to 4 bytes.
M.MAX_FIELD = 4 * 131072

local function make(opts)
  opts = opts or {}
  return setmetatable({
    reader = corecsv.reader { delimiter = opts.delimiter or ",", max_field = M.MAX_FIELD },
    queue = {}, at = 1, size = 0, records = 0, what = opts.what or "the CSV text",
  }, Src)
end

--- See the file comment.
function M.open(path, opts)
  opts = opts or {}
  local f, why
  if path == "-" then f = io.stdin else f, why = io.open(path, "rb") end
  if not f then
    return nil, errors.new {
      code = "BAD_INPUT_FILE", exit = errors.EXIT.USAGE,
      message = ("cannot read %s: %s"):format(path, (tostring(why):gsub("^.-: ", ""))),
    }
  end
  local src = make { delimiter = opts.delimiter, what = opts.what or path }
  src.file = f
  return src
end

--- See the file comment.
function M.new(opts)
  return make(opts)
end

-- Takes what the reader gives into the queue; false, err on malformed CSV.
local function take(self, rows, why, line)
  if not rows then
    self.failed = malformed(self, why, line)
    return false, self.failed
  end
  self.queue, self.at, self.size = rows, 1, #rows
  return true
end

--- See the file comment.
function Src:next()
  if self.failed then return false, self.failed end
  while self.at > self.size do
    if self.ended then return nil end
    local piece = self.file:read(M.CHUNK)
    local ok, err
    if piece then
      ok, err = take(self, self.reader:feed(piece))
    else
      self.ended = true
      ok, err = take(self, self.reader:finish())
      self:close()
    end
    if not ok then return false, err end
  end
  local row = self.queue[self.at]
  self.queue[self.at] = nil
  self.at = self.at + 1
  self.records = self.records + 1
  return row
end

--- See the file comment.
function Src:push(piece)
  if self.failed then return false, self.failed end
  local rows, why, line
  if piece == nil then
    self.ended = true
    rows, why, line = self.reader:finish()
  else
    rows, why, line = self.reader:feed(piece)
  end
  if not rows then
    self.failed = malformed(self, why, line)
    return false, self.failed
  end
  local q = self.pending or {}
  for i = 1, #rows do q[#q + 1] = rows[i] end
  self.pending = q
  return true
end

--- See the file comment.
function Src:drain()
  if self.failed then return false, self.failed end
  local q = self.pending or {}
  self.pending = {}
  self.records = self.records + #q
  return q
end

--- See the file comment.
function Src:line_endings()
  return self.reader:line_endings()
end

--- See the file comment.
function Src:close()
  if self.file and self.file ~= io.stdin then self.file:close() end
  self.file = nil
end

return M
