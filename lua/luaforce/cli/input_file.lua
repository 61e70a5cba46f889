--- luaforce.cli.input_file: reading a file the user named on the command
-- line (a script, --json @FILE, --context FILE, --client-secret-file): a
-- path that cannot be read, a directory among them, is bad input (exit 2)
-- with one line that names the option and the path.
--
--   input_file.read(path, what [, hint]) -> the whole text ("-" reads
--       standard input); raises a usage error otherwise
--   input_file.check(path, what [, hint]) -> path, once it is known to be
--       a readable file (for readers that open it themselves, like loadfile)
--
-- `what` names the file in the message: "the context file", "the --json file".
local errors = require "luaforce.errors"

local M = {}

-- "No such file or directory" from "PATH: No such file or directory"
local function reason(why, path)
  why = tostring(why or "cannot be read")
  if why:sub(1, #path + 2) == path .. ": " then why = why:sub(#path + 3) end
  return (why:gsub("^%u", string.lower))
end

local function fail(path, what, why, hint)
  error(errors.usage(("cannot read %s '%s': %s"):format(what, path, reason(why, path)), hint), 0)
end

--- See the file comment.
function M.read(path, what, hint)
  if path == "-" then return io.stdin:read("a") or "" end
  local f, why = io.open(path, "rb")
  if not f then fail(path, what, why, hint) end
  local text
  text, why = f:read("a")
  f:close()
  if not text then fail(path, what, why, hint) end
  return text
end

--- See the file comment.
function M.check(path, what, hint)
  local f, why = io.open(path, "rb")
  if not f then fail(path, what, why, hint) end
  local ok
  ok, why = f:read(0)
  f:close()
  -- read(0) is "" for a readable file, nil at its end (an empty file)
  if ok == nil and why ~= nil then fail(path, what, why, hint) end
  return path
end

return M
