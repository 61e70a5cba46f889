--- luaforce: automate Salesforce from Lua.
--
-- `require "luaforce"` gives the public names; the modules behind them load
-- on first use, so a script that only needs JSON pays for JSON only.
local core = require "luaforce.core"

local M = {}

M.version = core.version

--- The connection settings the program's command line gave (`luaforce run
-- --instance URL|local ...`): instance_url, api_version, access_token,
-- client_id, client_secret, profile. Under --instance local, instance_url
-- and access_token are the in-process local org's, so a script can hand
-- them to other tools. Read it; the program sets it through configure.
M.settings = {}

-- Where connect finds settings beyond its arguments (see configure).
local sources = nil

--- For the program that runs scripts (the luaforce command calls it before
-- a script, `-e` or the REPL runs): where `connect` finds the settings its
-- caller does not give, as luaforce.client.settings describes `sources`
-- (command_line, flags, getenv, profile, local_org, ...). Without it,
-- connect reads its arguments and then the environment. Returns nothing.
function M.configure(s)
  if type(s) ~= "table" then error("bad argument #1 to 'configure' (table expected)", 2) end
  sources = s
  M.settings = s.command_line or {}
end

--- Connects to an org: luaforce.client.connect with the sources above.
function M.connect(opts) return require("luaforce.client").connect(opts, sources) end
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
  chain = "luaforce.chain",
  bulk = "luaforce.bulk",
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
