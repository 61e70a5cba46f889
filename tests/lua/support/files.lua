--- Test support: a scratch directory per test and small file helpers.
--
--   local dir = files.scratch()     -- before_each: a new empty directory
--   files.clear(dir)                -- after_each: it and all in it removed
--   files.read(path) -> text | nil  files.write(path, text)
--   files.names(dir) -> sorted names, hidden ones included
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local sys = require "luaforce.core.sys"

local M = {}

function M.scratch()
  local dir = os.tmpname()
  os.remove(dir)
  assert(sys.mkdir(dir, 448))
  return dir
end

function M.clear(dir)
  os.execute("rm -rf '" .. dir .. "'")
end

function M.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

function M.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

function M.names(dir)
  local out = {}
  local p = io.popen("ls -A '" .. dir .. "'")
  for name in p:lines() do out[#out + 1] = name end
  p:close()
  table.sort(out)
  return out
end

return M
