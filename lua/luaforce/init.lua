--- luaforce: automate Salesforce from Lua.
--
-- `require "luaforce"` gives the public names; the modules behind them load
-- on first use, so a script that only needs JSON pays for JSON only.
local core = require "luaforce.core"

local M = {}

M.version = core.version

local lazy = {
  json = "luaforce.json",
  decimal = "luaforce.decimal",
  errors = "luaforce.errors",
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
