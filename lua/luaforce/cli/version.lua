--- luaforce.cli.version: `luaforce --version` / `luaforce version`.
local common = require "luaforce.cli.common"

local M = {}

M.summary = "show the versions of luaforce and its libraries"
M.spec = { command = "version", usage = "luaforce version", max_args = 0, options = common.with {} }
M.examples = { "luaforce --version" }

--- The version text: luaforce's, then each library's.
function M.text()
  local core = require "luaforce.core"
  local libs = core.libraries
  local parts = { libs.lua }
  local names = {}
  for k in pairs(libs) do if k ~= "lua" then names[#names + 1] = k end end
  table.sort(names)
  for _, k in ipairs(names) do parts[#parts + 1] = k .. " " .. libs[k] end
  return ("luaforce %s\n%s"):format(core.version, table.concat(parts, ", "))
end

function M.run()
  io.stdout:write(M.text(), "\n")
  return 0
end

return M
