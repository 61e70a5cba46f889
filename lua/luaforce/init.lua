--- luaforce: automate Salesforce from Lua.
--
-- `require "luaforce"` gives the public names; the modules behind them load
-- on first use, so a script that only needs JSON pays for JSON only.
local core = require "luaforce.core"

local M = {}

M.version = core.version

--- Connection settings given on the command line (`luaforce run --instance
-- URL|local`): `instance_url`, `access_token` and, for `local`, `emulator`
-- (the in-process local org). The client reads them after its own
-- arguments and before the environment.
M.settings = {}

-- connect and raise load the client on first use (luaforce.client)
function M.connect(opts) return require("luaforce.client").connect(opts) end
function M.raise(err, level) require("luaforce.client").raise(err, (level or 1) + 1) end

local lazy = {
  json = "luaforce.json",
  decimal = "luaforce.decimal",
  errors = "luaforce.errors",
  auth = "luaforce.auth",
  soql = "luaforce.soql",
  feel = "luaforce.feel",
  client = "luaforce.client",
  connector = "luaforce.connector",
}

return setmetatable(M, {
  __index = function(t, k)
    local name = lazy[k]
    if name then
      local mod = require(name)
      rawset(t, k, mod)
      return mod
    end
  end,
})
