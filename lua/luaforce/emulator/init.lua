--- luaforce.emulator: a local, Salesforce-compatible org, started from Lua.
--
--     local emulator = require "luaforce.emulator"
--     local emu = emulator.start { seed = 7, now = "2024-06-01T12:00:00Z" }
--     print(emu.url, emu.token)     -- http://127.0.0.1:41234   00DLOCAL0000001!luaforce.local.token
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
--   request on stderr), api_limit (the daily API allowance, default 15000),
--   faults (a list of fault rules, each a string in the grammar of
--   luaforce.emulator.faults or its table form; `p=` draws from `seed`).
--   tls_cert, tls_key (PEM file names, both or neither: serve HTTPS, and
--   `url` is https://...; make_cert below makes a pair).
--   bulk_rows_per_step (Bulk API jobs: records a processing step writes or
--   reads, default 2000), bulk_manual (true: jobs are processed only when
--   emu:bulk_step(n) or POST /_emulator/bulk_step?n=N asks, for
--   deterministic tests; otherwise the server's worker processes them as
--   soon as they are queued, a step at a time).
--
--   emu:bulk_step([n]) -> {steps =, pending =}: runs up to n (default 1)
--       steps of the queued Bulk API jobs; pending: work is left.
--
-- A named org keeps its records between processes (luaforce.emulator.named
-- says where and how; `root` is the folder holding named orgs):
--   emulator.open(root, name[, opts]) -> emu | nil, err: takes the org's
--       lock (opts.on_wait, opts.interrupted as named.acquire has them),
--       then starts it like start(opts) from its saved records, or from the
--       demo org on first use. The lock is held until emu:stop(). The
--       org keeps the schema it was first opened with (opts.schema) and
--       uses it when opened without; another opts.schema is refused.
--   emu:save() -> true (written) | false (nothing changed) | nil, err:
--       the records into the org's state file (atomically). Other orgs: false.
--       A failed save (a full disk) is exit 1: the writes since the last
--       save are not kept.
--   emu:stop() -> true | nil, err: a named org is saved first (err: the
--       save failed; the server stops and the lock goes either way).
--   emulator.reset_named(root, name[, opts]) -> true (it had records) |
--       false (nothing saved) | nil, err: the next use starts from the demo org.
--   emulator.check_name(name) -> name | nil, err: is `name` a named org's name?
--
-- Checks for a command line that starts one (luaforce.cli.emulator uses
-- these, never the emulator's inner modules):
--   emulator.check_now(text) -> true | nil, reason: is `text` a `now` the
--       clock takes (an ISO date-time or date)?
--   emulator.parse_fault(spec) -> rule | nil, err: one fault rule in the
--       grammar of luaforce.emulator.faults (err.message names the problem)
--   emulator.make_cert(dir[, opts]) -> {cert =, key =} | nil, err: a
--       self-signed certificate and key for localhost and 127.0.0.1 in dir
--       (cert.pem, key.pem; the openssl command makes them; opts.openssl,
--       opts.days as luaforce.emulator.tls has them)
local json = require "luaforce.json"
local errors = require "luaforce.errors"
local datetime = require "luaforce.emulator.datetime"
local faults = require "luaforce.emulator.faults"
local named = require "luaforce.emulator.named"
local server = require "luaforce.core.server"
local tls = require "luaforce.emulator.tls"

local M = {}

M.TOKEN = require("luaforce.emulator.oauth").STATIC_TOKEN
M.CLIENT_ID = "luaforce-local"
M.CLIENT_SECRET = "luaforce-local-secret"

--- The request body the server takes: Salesforce takes 150 MB of base64 per
-- Bulk API upload, 112.5 MB of data (the client keeps each job under 100 MB).
M.MAX_BODY = 150 * 1000 * 1000 * 3 // 4

--- The pause between two steps of the background worker (ms): requests
-- take the lock in between.
M.TICK_MS = 1

local Emulator = {}
Emulator.__index = Emulator

--- See the file comment.
function M.check_now(text)
  local clock, reason = datetime.clock(text)
  if not clock then return nil, reason end
  return true
end

--- See the file comment.
function M.parse_fault(spec)
  return faults.parse(spec)
end

--- See the file comment.
function M.make_cert(dir, opts)
  return tls.make_cert(dir, opts)
end

local function config_of(opts)
  local cfg = {
    seed = opts.seed, now = opts.now, empty = opts.empty and true or nil, schema = opts.schema,
    token_ttl = opts.token_ttl, min_batch_size = opts.min_batch_size,
    child_batch_size = opts.child_batch_size, api_limit = opts.api_limit, state_file = opts.state_file,
    bulk_rows_per_step = opts.bulk_rows_per_step, bulk_manual = opts.bulk_manual and true or nil,
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

-- Fault specs checked here, in the caller's state, so mistakes come back as
-- `nil, err` naming the spec; the server's state gets their canonical text.
local function fault_texts(specs)
  local rules, err = faults.compile_all(specs)
  if not rules then return nil, err end
  local out = {}
  for i, r in ipairs(rules) do out[i] = faults.format(r) end
  return json.array(out)
end

--- Starts an emulator; returns the object, or nil and an error.
function M.start(opts)
  opts = opts or {}
  local cfg = config_of(opts)
  if opts.api_limit ~= nil and (math.type(opts.api_limit) ~= "integer" or opts.api_limit < 0) then
    return nil, errors.usage("api_limit must be a whole number >= 0")
  end
  if opts.bulk_rows_per_step ~= nil and (math.type(opts.bulk_rows_per_step) ~= "integer"
      or opts.bulk_rows_per_step < 1) then
    return nil, errors.usage("bulk_rows_per_step must be a whole number >= 1")
  end
  if opts.faults ~= nil then
    local list, ferr = fault_texts(opts.faults)
    if not list then return nil, ferr end
    cfg.faults = list
  end
  local text, jerr = json.encode(cfg)
  if not text then return nil, jerr end
  local cert, key
  if opts.tls_cert ~= nil or opts.tls_key ~= nil then
    cert, key = tls.read_pair(opts.tls_cert, opts.tls_key)
    if not cert then return nil, key end
  end
  local srv, err = server.start {
    host = opts.host or "127.0.0.1",
    port = opts.port or 0,
    handler = "luaforce.emulator.app",
    config = text,
    log = opts.log and true or false,
    tls_cert = cert, tls_key = key,
    max_body = M.MAX_BODY,
    tick_ms = M.TICK_MS,
  }
  if not srv then
    return nil, errors.new { code = "EMULATOR", message = "cannot start the local org: " .. tostring(err),
      exit = errors.EXIT.USAGE }
  end
  local emu = setmetatable({ server = srv, url = srv:url(), token = M.TOKEN,
    client_id = M.CLIENT_ID, client_secret = M.CLIENT_SECRET, port = srv.port }, Emulator)
  return emu
end

--- See the file comment.
M.check_name = named.check_name

--- See the file comment.
function M.reset_named(root, name, opts)
  return named.reset(root, name, opts)
end

-- Why a named org did not start: a state file it cannot use says so, and
-- one whose objects or fields the schema lacks (records kept with another
-- schema) says how to keep them.
local function open_error(place, serr)
  local msg = errors.is(serr) and serr.message or tostring(serr)
  if not msg:find(place.file, 1, true) then return serr end
  msg = msg:gsub("^cannot start the local org: ", "")
  local advice
  if msg:find("the schema does not have", 1, true) or msg:find("in the schema", 1, true) then
    advice = ("its records are intact but were kept with other objects or fields: serve it once with the "
      .. "schema that has them (luaforce emulator --name %s --schema FILE) and it keeps that schema"):format(place.name)
  end
  return named.state_error(place, msg, advice)
end

--- See the file comment.
function M.open(root, name, opts)
  local place, err = named.acquire(root, name, opts)
  if not place then return nil, err end
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  local schema, keep, kerr = named.schema_for(place, o.schema)
  if kerr then
    place.lock:release()
    return nil, kerr
  end
  o.schema, o.state_file = schema, place.file
  local emu, serr = M.start(o)
  if not emu then
    place.lock:release()
    return nil, open_error(place, serr)
  end
  emu.named = place
  emu.name = place.name
  if keep then
    local ok, err = named.keep_schema(place, keep)
    if not ok then
      emu.server:stop()
      place.lock:release()
      return nil, err
    end
  end
  return emu
end

local function control(self, name, arg)
  local out, err = self.server:call(name, arg or "")
  if not out then error(errors.new { code = "EMULATOR", message = tostring(err) }, 3) end
  return json.decode(out)
end

--- Counters: requests, connections (opened), peak_concurrent, active
-- (from the server), api_requests (authenticated API calls), api_limit and
-- faults (`{total =, by_action = {status =, html =, close =, cut =,
-- expire_tokens =, latency =}}`: the rule firings).
function Emulator:stats()
  return control(self, "stats")
end

--- Replaces the fault rules (a list of specs, text or tables; `{}` clears
-- them); counters and the `p=` generator start over. Returns self, or nil
-- and an error naming the faulty spec (the old rules then stay).
function Emulator:set_faults(specs)
  local list, err = fault_texts(specs or {})
  if not list then return nil, err end
  local out, cerr = self.server:call("set_faults", assert(json.encode(list)))
  if not out then return nil, errors.new { code = "INVALID_FAULT", message = tostring(cerr), exit = 2 } end
  return self
end

--- The fault rules in force: `{{spec =, seen =, fired =}, ...}` (spec in
-- canonical text; seen: requests matched, fired: faults injected).
function Emulator:faults()
  return control(self, "faults")
end

--- See the file comment.
function Emulator:bulk_step(n)
  return control(self, "bulk_step", tostring(math.tointeger(n) or 1))
end

--- Back to the data the emulator started with; query cursors and Bulk API
-- jobs dropped.
function Emulator:reset()
  control(self, "reset")
  return self
end

--- See the file comment.
function Emulator:save()
  if not self.named or not self.named.lock:held() then return false end
  local out, err = self.server:call("save", "")
  if not out then
    -- not bad input: the command may have been right; its writes are lost
    return nil, errors.new { code = "LOCAL_ORG_STATE", exit = errors.EXIT.API,
      message = ("cannot save the local org '%s' (%s): the writes made since its last save were NOT kept in it")
        :format(self.name, tostring(err)),
      hint = "check the free space and permissions of " .. self.named.dir .. ", then run the command again" }
  end
  return out == "true"
end

--- Stops the server (idempotent); a named org is saved first. Bulk API
-- jobs stop between two steps before that, so the save holds every record
-- they wrote.
function Emulator:stop()
  local ok, err = true, nil
  if not self.halted then
    self.halted = true
    pcall(self.server.call, self.server, "bulk_halt", "") -- (a server stopped already has nothing to halt)
  end
  if self.named and self.named.lock:held() then
    ok, err = self:save()
    self.server:stop()
    self.named.lock:release()
  else
    self.server:stop()
  end
  if ok == nil then return nil, err end
  return true
end

Emulator.__close = Emulator.stop
Emulator.__gc = Emulator.stop

return M
