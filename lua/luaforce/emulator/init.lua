--- luaforce.emulator: a local, Salesforce-compatible org, started from Lua.
--
--     local emulator = require "luaforce.emulator"
--     local emu = emulator.start { seed = 7, now = "2024-06-01T12:00:00Z" }
--     print(emu.url, emu.token)     -- http://127.0.0.1:41234   00DLOCAL!luaforce-local-token
--     emu:reset()                   -- back to the data it started with
--     emu:stop()
--
-- The server runs on threads of its own with its own Lua state
-- (luaforce.emulator.app), so the caller's state is never touched while it
-- serves; scripts in the same process talk to it over HTTP like any client.
-- Options (all optional):
--   host (127.0.0.1), port (0: a free one), seed (1), now (ISO date-time:
--   fixes the clock), empty (no demo data), data (a table {Account = {...}}
--   or a list of JSON file names), schema (a JSON file name), token_ttl
--   (seconds), clients (a JSON file name, or a list of {client_id,
--   client_secret}), min_batch_size, child_batch_size, log (a line per
--   request on stderr).
local json = require "luaforce.json"
local errors = require "luaforce.errors"
local server = require "luaforce.core.server"

local M = {}

M.TOKEN = "00DLOCAL!luaforce-local-token"
M.CLIENT_ID = "luaforce-local"
M.CLIENT_SECRET = "luaforce-local-secret"

local Emulator = {}
Emulator.__index = Emulator

local function config_of(opts)
  local cfg = {
    seed = opts.seed, now = opts.now, empty = opts.empty and true or nil, schema = opts.schema,
    token_ttl = opts.token_ttl, min_batch_size = opts.min_batch_size,
    child_batch_size = opts.child_batch_size,
  }
  if type(opts.data) == "string" then
    cfg.data = { opts.data }
  elseif type(opts.data) == "table" then
    if #opts.data > 0 and type(opts.data[1]) == "string" then cfg.data = opts.data
    else cfg.data_inline = opts.data end
  end
  if type(opts.clients) == "string" then cfg.clients = opts.clients
  elseif type(opts.clients) == "table" then cfg.clients_list = opts.clients end
  return cfg
end

--- Starts an emulator; returns the object, or nil and an error.
function M.start(opts)
  opts = opts or {}
  local text, jerr = json.encode(config_of(opts))
  if not text then return nil, jerr end
  local srv, err = server.start {
    host = opts.host or "127.0.0.1",
    port = opts.port or 0,
    handler = "luaforce.emulator.app",
    config = text,
    log = opts.log and true or false,
  }
  if not srv then
    return nil, errors.new { code = "EMULATOR", message = "cannot start the local org: " .. tostring(err),
      exit = errors.EXIT.USAGE }
  end
  local emu = setmetatable({ server = srv, url = srv:url(), token = M.TOKEN,
    client_id = M.CLIENT_ID, client_secret = M.CLIENT_SECRET, port = srv.port }, Emulator)
  return emu
end

local function control(self, name, arg)
  local out, err = self.server:call(name, arg or "")
  if not out then error(errors.new { code = "EMULATOR", message = tostring(err) }, 3) end
  return json.decode(out)
end

--- Counters: requests, connections (opened), peak_concurrent, active
-- (from the server) and api_requests (authenticated API calls).
function Emulator:stats()
  return control(self, "stats")
end

--- Back to the data the emulator started with; query cursors dropped.
function Emulator:reset()
  control(self, "reset")
  return self
end

--- Stops the server (idempotent).
function Emulator:stop()
  self.server:stop()
end

Emulator.__close = Emulator.stop
Emulator.__gc = Emulator.stop

return M
