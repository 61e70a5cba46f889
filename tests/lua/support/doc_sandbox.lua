--- Test support: where the shell examples of the docs run, as a reader in a
-- checkout runs them (tests/e2e/docs_spec.lua, tests/e2e/recipes_spec.lua).
--
--   local dir = doc_sandbox.make()       a fresh directory holding bin/luaforce
--       and build/luaforce (the binary under test), home/ and examples/ (the
--       project's); remove it with doc_sandbox.remove(dir)
--   doc_sandbox.env(dir, overrides) -> the environment the examples run in:
--       HOME and the XDG directories under dir/home, no SF_* settings but
--       those of `overrides`, COLUMNS 100, dir/bin first on the PATH
--   doc_sandbox.bash(dir, script, env) -> {code, stdout, stderr}: `script`
--       run by `bash -e` in dir (at most 120 s)
local proc = require "support.proc"

local M = {}

local function realpath(path)
  return (proc.sh("realpath " .. proc.quote(path)).stdout:gsub("%s+$", ""))
end

local BIN = realpath(proc.bin)

--- See the file comment.
function M.make()
  local dir = proc.sh("mktemp -d").stdout:gsub("%s+$", "")
  assert(os.execute(("mkdir -p %s/build %s/home %s/bin"):format(dir, dir, dir)))
  assert(os.execute(("ln -s %s %s/build/luaforce"):format(proc.quote(BIN), dir)))
  assert(os.execute(("ln -s %s %s/bin/luaforce"):format(proc.quote(BIN), dir)))
  assert(os.execute(("ln -s %s %s/examples"):format(proc.quote(realpath(proc.root .. "/examples")), dir)))
  return dir
end

--- See the file comment.
function M.remove(dir)
  os.execute("rm -rf " .. proc.quote(dir))
end

--- See the file comment.
function M.env(dir, overrides)
  local env = {
    HOME = dir .. "/home", XDG_CONFIG_HOME = dir .. "/home/.config", XDG_CACHE_HOME = dir .. "/home/.cache",
    XDG_STATE_HOME = dir .. "/home/.state", SF_INSTANCE_URL = "", SF_ACCESS_TOKEN = "", SF_CLIENT_ID = "",
    SF_CLIENT_SECRET = "", SF_PROFILE = "", SF_API_VERSION = "", COLUMNS = "100",
    PATH = dir .. "/bin:" .. (os.getenv("PATH") or "/usr/bin:/bin"),
  }
  for k, v in pairs(overrides or {}) do env[k] = v end
  return env
end

--- See the file comment.
function M.bash(dir, script, env)
  local path = proc.write(dir .. "/example.sh", script)
  return proc.sh("sh -c " .. proc.quote(("cd %s && timeout 120 bash -e %s"):format(proc.quote(dir), proc.quote(path))),
    { env = env, stdin = "" })
end

return M
