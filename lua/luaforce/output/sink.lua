--- luaforce.output.sink: where written output goes.
--
--   local sink = assert(sink.open("accounts.csv"))   -- a file, atomically
--   sink:write("Id,Name\r\n") ... sink:commit()      -- or sink:abort()
--   local sink = sink.stream(io.stdout)
--   local sink = sink.memory()  ...  sink:text()
--
-- sink.open(path) -> sink | nil, err writes to a temporary file next to
-- `path` (same directory, so the rename stays on one file system), named
-- `.NAME.XXXXXX.tmp`, created exclusively with the mode of the file it
-- replaces (else 0666 less the umask). commit() flushes, fsyncs, closes and
-- renames it over `path`: a reader, or a crash at any moment, sees the old
-- file or the whole new one, never a part. abort() removes the temporary
-- file (an error, Ctrl-C); a process killed with SIGKILL leaves it behind,
-- hidden, and `path` untouched.
--
-- sink.stream(file[, name]) -> sink over an open handle (standard output,
-- or any object with the methods write and flush; `name` for messages):
-- commit() flushes it, abort() does nothing.
--
-- sink.memory() -> sink that keeps what is written; sink:text() returns it
-- (nil for other sinks).
--
-- sink:write(s) -> true | nil, err; sink:commit() -> true | nil, err;
-- sink:abort(). Errors are luaforce errors (code OUTPUT) naming the file
-- asked for, never the temporary one: exit 2 when the path cannot be
-- written at all (a folder that is missing or not a folder, no permission,
-- a directory as the target: the user's input to fix), exit 1 when a write
-- fails later (a full disk).
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local sys = require "luaforce.core.sys"
local errors = require "luaforce.errors"

local M = {}

local Sink = {}
Sink.__index = Sink
Sink.__name = "luaforce.output.Sink"

-- `why` may start with the temporary file's name ("/d/.x.tmp: Permission
-- denied"): the user named `path`, so only the reason is kept.
local function file_error(path, why, exit, hint)
  why = tostring(why):gsub("^[^:]*%.tmp: ", "")
  return errors.new { code = "OUTPUT", message = ("cannot write '%s': %s"):format(path, why), hint = hint,
    exit = exit or errors.EXIT.API }
end

local PLACE_REASONS = {
  ENOENT = "the folder '%s' does not exist",
  ENOTDIR = "'%s' is not a folder",
  EACCES = "no permission to create a file in '%s'",
  EPERM = "no permission to create a file in '%s'",
  EROFS = "'%s' is on a read-only file system",
}

-- The temporary file beside `path` could not be made: the place is wrong.
local function place_error(path, why, code)
  local dir = path:match("^(.*)/[^/]*$") or "."
  if dir == "" then dir = "/" end
  local reason = PLACE_REASONS[code]
  return file_error(path, reason and reason:format(dir) or why, errors.EXIT.USAGE,
    "give a file in a folder that exists and that you may write to")
end

function Sink:write(s)
  if self.closed then return nil, file_error(self.path, "already closed") end
  local ok, why = self.file:write(s)
  if not ok then return nil, file_error(self.path, why) end
  return true
end

function Sink:commit()
  if self.closed then return true end
  self.closed = true
  if not self.tmp then
    local ok, why = self.file:flush()
    if not ok then return nil, file_error(self.path, why) end
    return true
  end
  local ok, why = sys.fsync(self.file)
  self.file:close()
  if ok then ok, why = os.rename(self.tmp, self.path) end
  if not ok then
    os.remove(self.tmp)
    return nil, file_error(self.path, why)
  end
  return true
end

function Sink:abort()
  if self.closed then return end
  self.closed = true
  if self.tmp then
    self.file:close()
    os.remove(self.tmp)
  end
end

function M.stream(file, name)
  name = name or (file == io.stdout and "standard output") or (file == io.stderr and "standard error")
    or "the output"
  return setmetatable({ file = file, path = name }, Sink)
end

-- A file-like collector for memory(): write and flush, as a stream needs.
local Memory = {}
Memory.__index = Memory

function Memory:write(s)
  self[#self + 1] = s
  return self
end

function Memory:flush() return self end

function M.memory()
  local sink = M.stream(setmetatable({}, Memory), "memory")
  sink.memory = sink.file
  return sink
end

function Sink:text()
  return self.memory and table.concat(self.memory) or nil
end

-- A name for the temporary file: hidden, beside `path`, unlikely to clash
-- (the exclusive create catches the rest).
local function temp_name(path, attempt)
  local dir, base = path:match("^(.*/)([^/]*)$")
  if not dir then dir, base = "", path end
  local seed = math.floor(sys.monotonic_ms() * 1000) + attempt * 7919
  return ("%s.%s.%06x.tmp"):format(dir, base, seed % 0x1000000)
end

function M.open(path)
  if type(path) ~= "string" or path == "" then error("sink.open: a file name is needed", 2) end
  local is_dir = "it is a folder; give a file name"
  if path:sub(-1) == "/" then return nil, file_error(path, is_dir, errors.EXIT.USAGE) end
  local mode = 438 -- 0666, less the umask
  local st = sys.stat(path)
  if st then
    if st.type == "dir" then return nil, file_error(path, is_dir, errors.EXIT.USAGE) end
    mode = st.mode
  end
  local tmp, why, code
  for attempt = 1, 10 do
    tmp = temp_name(path, attempt)
    local ok
    ok, why, code = sys.write_new(tmp, "", mode)
    if ok then break end
    tmp = nil
    if code ~= "EEXIST" then break end
  end
  if not tmp then return nil, place_error(path, why, code) end
  local file, err = io.open(tmp, "wb")
  if not file then
    os.remove(tmp)
    return nil, place_error(path, err)
  end
  return setmetatable({ file = file, path = path, tmp = tmp }, Sink)
end

return M
