--- Test support: the local org started in process, and a client connected
-- to it with the org's own token.
--
--   local emu, org = local_org.start({ empty = true }, { retry = {...} })
--   ... teardown: emu:stop()
local client = require "luaforce.client"
local emulator = require "luaforce.emulator"

local M = {}

--- Starts a local org with `emu_opts` (luaforce.emulator.start's options)
-- and connects to it; extra connect options in `connect_opts`.
function M.start(emu_opts, connect_opts)
  local emu = assert(emulator.start(emu_opts or {}))
  local opts = { instance_url = emu.url, access_token = emu.token }
  for k, v in pairs(connect_opts or {}) do opts[k] = v end
  return emu, assert(client.connect(opts))
end

return M
