--- luaforce.emulator.app: the local org's request handler.
--
-- The C server (luaforce.core.server) requires this module in a Lua state
-- of its own and calls, always under one lock:
--   init(config_json)      once: builds the schema, the data and the sessions
--   handle(req) -> reply   per request (see luaforce.emulator.reply)
--   control(name, arg)     the in-process controls (reset, stats, info, save,
--                          bulk_step, bulk_halt, ...)
--   tick() -> more         one step of the Bulk API jobs' processing: the
--                          server's background worker calls it (after
--                          server_self.wake()) while it answers true
-- With `state_file` in the config (a named local org), the records come
-- from that file when it exists (luaforce.emulator.snapshot), else from the
-- demo org as without it; the control `save` writes them back to it.
-- Routing, authentication and the wire details common to every answer
-- (Sforce-Limit-Info, gzip, HEAD) live here; the resources live in
-- sobjects.lua, query_api.lua, bulk_jobs.lua (Bulk API 2.0) and the others.
local json = require "luaforce.json"
local bulk_ingest = require "luaforce.emulator.bulk_ingest"
local bulk_jobs = require "luaforce.emulator.bulk_jobs"
local bulk_query = require "luaforce.emulator.bulk_query"
local datetime = require "luaforce.emulator.datetime"
local faults = require "luaforce.emulator.faults"
local identity = require "luaforce.emulator.identity"
local ids = require "luaforce.emulator.ids"
local oauth = require "luaforce.emulator.oauth"
local query_api = require "luaforce.emulator.query_api"
local reply = require "luaforce.emulator.reply"
local schema_mod = require "luaforce.emulator.schema"
local seed = require "luaforce.emulator.seed"
local snapshot = require "luaforce.emulator.snapshot"
local sobjects = require "luaforce.emulator.sobjects"
local system_objects = require "luaforce.emulator.system_objects"
local Store = require "luaforce.emulator.store"
local tooling = require "luaforce.emulator.tooling"
local util = require "luaforce.emulator.util"

local M = {}

-- The server's hooks (its counters, the bulk worker's wake-up):
-- luaforce.core.server_self exists only in the server's own Lua state, so it
-- is optional by design; a handler driven in-process (specs, the fuzzer)
-- has no server and gets nil.
local has_self, self_module = pcall(require, "luaforce.core.server_self")
local server_self = has_self and self_module or nil

M.MIN_VERSION, M.MAX_VERSION = 31, 66
M.API_LIMIT = 15000
M.ORG_ID = ids.to18("00DLOCAL0000001")
local FALLBACK_USER = ids.to18("005LOCAL0000001")

local org -- the one org this state serves

--- Salesforce's release label of API version `v` (31 = Summer '14).
function M.release_label(v)
  local k = v - 31
  local season = ({ [0] = "Summer", "Winter", "Spring" })[k % 3]
  return ("%s '%02d"):format(season, 14 + (k + 2) // 3)
end

local function read_file(path, what)
  local f, err = io.open(path, "rb")
  if not f then error(("cannot read the %s file: %s"):format(what, err), 0) end
  local text = f:read("a")
  f:close()
  return text
end

local function decode_file(path, what)
  local value, err = json.decode(read_file(path, what))
  if value == nil then error(("%s: %s"):format(path, tostring(err)), 0) end
  return value
end

-- Every --data file merged into one data set, so references may cross files.
local function merge_data(into, data, source)
  if type(data) ~= "table" or json.is_array(data) then
    error(source .. ": a data file is a JSON object of object names to lists of records", 0)
  end
  for object, rows in pairs(data) do
    if type(rows) ~= "table" or not (json.is_array(rows) or #rows > 0 or next(rows) == nil) then
      error(("%s: '%s' must be a list of records"):format(source, object), 0)
    end
    into[object] = into[object] or {}
    for _, r in ipairs(rows) do table.insert(into[object], r) end
  end
end

local function default_user(store)
  local ok, users = pcall(store.all, store, "User", false)
  if ok and users then
    for _, u in ipairs(users) do return u.Id end
  end
  return FALLBACK_USER
end

-- The demo org (unless cfg.empty), the data files and the system objects'
-- records (those of objects the data does not bring) into the store.
local function load_data(store, cfg, clock, system)
  local data = {}
  if not cfg.empty then
    merge_data(data, seed.generate(store.schema, { seed = cfg.seed or 1, now = clock.fixed or clock.now() }),
      "the demo org")
  end
  for _, path in ipairs(cfg.data or {}) do merge_data(data, decode_file(path, "data"), path) end
  if cfg.data_inline then merge_data(data, cfg.data_inline, "data") end
  for name, rows in pairs(system) do
    if data[name] == nil then data[name] = rows end
  end
  -- the org's own record, when the data brings it, has the org's id
  local orgs = data.Organization
  if system.Organization and orgs and #orgs == 1 and type(orgs[1]) == "table" and orgs[1].Id == nil then
    orgs[1].Id = M.ORG_ID
  end
  local ok, lerr = store:load(data)
  if not ok then error("cannot load the data: " .. tostring(lerr), 0) end
end

-- A named org's saved records into the fresh store: true, or false when
-- the file is not there yet (its first use); any other failure raises,
-- naming the file (luaforce.emulator.named turns it into its advice).
local function restore_state(store, path)
  local f, oerr, code = io.open(path, "rb")
  if not f then
    if code == 2 then return false end -- ENOENT
    error(("the state file %s cannot be read: %s"):format(path, oerr), 0)
  end
  local text = f:read("a")
  f:close()
  local ok, reason = snapshot.restore(store, text or "")
  if not ok then error(("the state file %s cannot be read: %s"):format(path, reason), 0) end
  return true
end

-- The control `save`: the records into the state file when they changed
-- since it was written (atomically, mode 0600). Answers whether it wrote.
local function save_state()
  if not org.state_file then return nil, "this local org has no state file" end
  local store = org.store
  if store.changes == org.saved_changes then return "false" end
  local text, jerr = snapshot.encode(store)
  if not text then return nil, tostring(jerr) end
  local ok, werr = require("luaforce.core.sys").write_file(org.state_file, text, 384) -- 0600
  if not ok then return nil, werr end
  org.saved_changes = store.changes
  return "true"
end

--- Builds the org from a config table (see luaforce.emulator.start).
function M.setup(cfg)
  local clock, err = datetime.clock(cfg.now)
  if not clock then error("--now: " .. err, 0) end
  local sch
  if cfg.schema then
    local e
    sch, e = schema_mod.load(read_file(cfg.schema, "schema"))
    if not sch then error(cfg.schema .. ": " .. tostring(e), 0) end
  else
    sch = schema_mod.default()
  end
  local store = Store.new { schema = sch, clock = clock }
  -- a named org's saved records, else (and on its first use) the demo org
  -- and the data files; and the records every org has (Organization,
  -- Profile) unless those bring them
  local system = system_objects.records(M.ORG_ID, sch)
  local restored = cfg.state_file and restore_state(store, cfg.state_file)
  if not restored then
    load_data(store, cfg, clock, system)
  else
    local missing = {}
    for name, rows in pairs(system) do
      if #store:all(name, true) == 0 then missing[name] = rows end
    end
    if next(missing) then
      local ok, lerr = store:load(missing)
      if not ok then error("cannot add the org's own records to the saved ones: " .. tostring(lerr), 0) end
    end
  end
  -- the decoded data files and the seed tables are garbage now: collect them
  -- once at start-up rather than in the middle of the first requests
  collectgarbage()

  local clients = cfg.clients_list
  if cfg.clients then
    clients = clients or {}
    local list = decode_file(cfg.clients, "clients")
    for i, c in ipairs(list) do
      if type(c) ~= "table" or type(c.client_id) ~= "string" or type(c.client_secret) ~= "string" then
        error(("%s: client %d needs client_id and client_secret strings"):format(cfg.clients, i), 0)
      end
      clients[#clients + 1] = c
    end
  end
  if clients then table.insert(clients, 1, oauth.DEFAULT_CLIENT) end

  org = {
    config = cfg,
    schema = sch,
    store = store,
    clock = clock,
    min_batch = math.max(1, math.min(cfg.min_batch_size or 200, 2000)),
    child_batch = math.max(1, cfg.child_batch_size or 2000),
    requests = 0,
    api_requests = 0,
    api_limit = math.tointeger(cfg.api_limit) or M.API_LIMIT,
    url = cfg.url,
    org_id = M.ORG_ID,
    newest_version = M.MAX_VERSION .. ".0",
    -- a named org: its file, and the store's change count it holds (-1:
    -- not written yet, so the first save writes even an unchanged org)
    state_file = cfg.state_file,
    saved_changes = restored and store.changes or -1,
  }
  local injector, ferr = faults.new { rules = cfg.faults, seed = cfg.seed }
  if not injector then error(tostring(ferr), 0) end
  org.faults = injector
  org.sessions = oauth.new { clients = clients, ttl = cfg.token_ttl, clock = clock,
    org_id = M.ORG_ID, user_id = default_user(store) }
  org.query = query_api.new(org)
  -- Bulk API jobs are processed by the server's worker, woken when one is
  -- queued (driven in-process, as the specs do, steps come from bulk_step)
  org.bulk = bulk_jobs.new(org, {
    kinds = { ingest = bulk_ingest, query = bulk_query },
    rows_per_step = cfg.bulk_rows_per_step, manual = cfg.bulk_manual,
    wake = server_self and server_self.wake or nil,
  })
  return org
end

function M.init(config_text)
  local cfg = config_text and config_text ~= "" and assert(json.decode(config_text)) or {}
  for k, v in pairs(cfg) do if v == json.null then cfg[k] = nil end end
  math.randomseed(datetime.now_ms())
  M.setup(cfg)
  return true
end

local VERSION_KEYS = { "label", "url", "version" }

local function versions()
  local out = {}
  for v = M.MIN_VERSION, M.MAX_VERSION do
    out[#out + 1] = json.object({ label = M.release_label(v), url = ("/services/data/v%d.0"):format(v),
      version = ("%d.0"):format(v) }, VERSION_KEYS)
  end
  return json.array(out)
end

local function resources(version)
  local base = "/services/data/v" .. version .. "/"
  local names = { "tooling", "sobjects", "query", "queryAll", "composite", "limits", "jobs" }
  local t = {}
  for _, n in ipairs(names) do t[n] = base .. n end
  return json.object(t, names)
end

local function base_url(req)
  if req.headers.host then return (req.scheme or "http") .. "://" .. req.headers.host end
  return org.url or "http://127.0.0.1"
end

-- /services/data/vNN.N/<rest>
local function api(req, segs)
  local version = segs[3]:match("^v(%d%d)%.0$")
  local n = tonumber(version)
  if not n or n < M.MIN_VERSION or n > M.MAX_VERSION then return reply.not_found() end
  version = version .. ".0"
  -- a composite subrequest rides on its outer request: authenticated and counted once
  local outer = req.subrequest
  if not outer and not org.sessions:valid(oauth.bearer(req)) then
    return reply.error(401, "INVALID_SESSION_ID", "Session expired or invalid",
      nil, { { "WWW-Authenticate", "Token" } })
  end
  -- the daily allowance: once spent, refused (and no longer counted)
  if not outer and org.api_requests >= org.api_limit then
    return reply.error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
  end
  if not outer then org.api_requests = org.api_requests + 1 end
  local resource = segs[4]
  if resource == nil then
    if req.method ~= "GET" and req.method ~= "HEAD" then
      return reply.method_not_allowed(req.method, { "GET", "HEAD" })
    end
    return reply.json(200, resources(version))
  end
  local rest = { table.unpack(segs, 5) }
  if resource == "query" or resource == "queryAll" then
    if #rest > 1 then return reply.not_found() end
    return org.query:handle(req, version, resource == "queryAll", rest[1])
  elseif resource == "sobjects" then
    return sobjects.handle(org, req, version, rest)
  elseif resource == "composite" then
    if rest[1] == "sobjects" then
      return require("luaforce.emulator.collections").handle(org, req, version, { table.unpack(rest, 2) })
    elseif rest[1] == "tree" and #rest == 2 then
      return require("luaforce.emulator.composite_tree").handle(org, req, version, rest[2])
    elseif #rest == 0 then
      return require("luaforce.emulator.composite").handle(org, req, version, M.dispatch)
    end
  elseif resource == "tooling" then
    -- built on first use: most orgs never see a Tooling request
    org.tooling = org.tooling or tooling.new(org.clock)
    return tooling.handle(org.tooling, req, version, rest)
  elseif resource == "limits" and #rest == 0 then
    return require("luaforce.emulator.limits").handle(org, req, version)
  elseif resource == "jobs" then
    return org.bulk:handle(req, version, rest)
  end
  return reply.not_found()
end

-- /_emulator/faults: GET lists the rules with their counters, PUT or POST
-- replaces them with a JSON array of specs (text or objects), DELETE clears.
local function fault_control(req)
  if req.method == "GET" then
    return reply.json(200, json.decode(M.control("faults")))
  elseif req.method == "DELETE" then
    M.control("set_faults", "[]")
    return reply.empty(204)
  elseif req.method == "PUT" or req.method == "POST" then
    local list, jerr = json.decode(req.body or "")
    if list == nil then
      return reply.error(400, "JSON_PARSER_ERROR", tostring(jerr and jerr.message or jerr))
    end
    local out, err = M.control("set_faults", req.body)
    if not out then return reply.error(400, "INVALID_FAULT", err) end
    return reply.json(200, json.decode(out))
  end
  return reply.method_not_allowed(req.method, { "GET", "PUT", "POST", "DELETE" })
end

local function controls(req, segs)
  if not req.loopback then
    return reply.error(403, "FORBIDDEN", "the emulator controls answer on the loopback interface only")
  end
  local name = segs[2] or "info"
  if req.method == "GET" and (name == "info" or name == "stats") then
    return reply.json(200, json.decode(M.control(name, "")))
  elseif req.method == "POST" and name == "reset" then
    M.control("reset", "")
    return reply.empty(204)
  elseif name == "bulk_step" and #segs == 2 then
    if req.method ~= "POST" then return reply.method_not_allowed(req.method, { "POST" }) end
    local out, err = M.control("bulk_step", req.query.n or "1")
    if not out then return reply.error(400, "INVALID_ARGUMENT", err) end
    return reply.json(200, json.decode(out))
  elseif name == "faults" and #segs == 2 then
    return fault_control(req)
  end
  return reply.not_found()
end

--- Answers one request as the router would, without the wire details
-- (no limit header, no gzip): composite subrequests go through here.
function M.dispatch(req)
  return (M.route(req))
end

local function route(req)
  local segs = util.segments(req.path)
  if segs[1] == "services" and segs[2] == "data" then
    if #segs == 2 then
      if req.method ~= "GET" and req.method ~= "HEAD" then
        return reply.method_not_allowed(req.method, { "GET", "HEAD" })
      end
      return reply.json(200, versions()), true
    end
    return api(req, segs)
  elseif segs[1] == "services" and segs[2] == "oauth2" and segs[3] == "token" and #segs == 3 then
    return org.sessions:token_endpoint(req, base_url(req))
  elseif segs[1] == "services" and segs[2] == "oauth2" and segs[3] == "userinfo" and #segs == 3 then
    return identity.userinfo(org, req, base_url(req)), true -- not an API call
  elseif segs[1] == "id" and #segs == 3 then
    return identity.identity(org, req, base_url(req), segs[2], segs[3]), true
  elseif segs[1] == "_emulator" then
    return controls(req, segs), true
  end
  return reply.not_found()
end

M.route = route

local function accepts_gzip(req)
  local ae = req.headers["accept-encoding"]
  return ae ~= nil and ae:lower():find("gzip", 1, true) ~= nil
end

-- The wire details every routed answer gets: Sforce-Limit-Info, HEAD, gzip.
local function finish(req, res, no_limits)
  if not no_limits then
    res.headers[#res.headers + 1] = { "Sforce-Limit-Info",
      ("api-usage=%d/%d"):format(org.api_requests, org.api_limit) }
  end
  if req.method == "HEAD" then
    res.body = ""
  elseif #res.body > 0 and accepts_gzip(req) then
    res.gzip = true
  end
  return res
end

-- A request some fault rules fired on (see luaforce.emulator.faults).
-- Status and html answers replace the request: nothing is applied. close
-- and cut `before` a write keep it from being applied (a cut sends half of
-- a 503 instead of an answer that would claim success); `after`, the write
-- is applied and its answer lost. For reads `when` makes no difference:
-- close sends nothing, cut sends half of the real answer.
local function faulted(req, d)
  if d.expire_tokens then org.sessions:expire_all() end
  local a, res = d.answer, nil
  local note = d.note
  if a == nil then
    res = finish(req, route(req))
  elseif not (a.close or a.cut) then
    res = faults.answer(a)
    if req.method == "HEAD" then res.body = "" end
  elseif a.close then
    if d.write and a.when == "after" then
      res = finish(req, route(req))
    else
      res = reply.empty(200)
    end
    res.action = "close"
  else
    if d.write and a.when ~= "after" then
      res = faults.stand_in()
    else
      res = finish(req, route(req))
    end
    res.gzip = nil -- half a gzip stream is no more useful to a test than half the text
    if res.body == "" then
      -- nothing to cut in half (204, HEAD): the connection is closed instead
      res.action, note = "close", note .. " (no body to cut: closed)"
    else
      res.action = "cut"
    end
  end
  if d.latency_ms > 0 then res.delay_ms = d.latency_ms end
  res.note = note
  return res
end

--- One step of the Bulk API jobs (the server's worker calls it while it
-- answers true).
function M.tick()
  return org.bulk:step()
end

function M.handle(req)
  org.requests = org.requests + 1
  if req.path:match("^/*_emulator/") or req.path:match("^/*_emulator$") then
    return finish(req, route(req))
  end
  local d = org.faults:decide(req.method, req.path)
  if d then return faulted(req, d) end
  return finish(req, route(req))
end

--- The in-process controls; `arg` and the result are JSON text.
function M.control(name, arg)
  if name == "reset" then
    org.store:reset()
    org.query:clear()
    org.bulk:clear()
    org.requests, org.api_requests = 0, 0
    org.faults:reset()
    return "true"
  elseif name == "stats" then
    -- the server's counters when running under luaforce.core.server
    local s = server_self and server_self.stats() or { requests = org.requests }
    s.api_requests = org.api_requests
    s.api_limit = org.api_limit
    local f = org.faults:stats()
    f.by_action = json.object(f.by_action, faults.ACTIONS)
    s.faults = json.object(f, { "total", "by_action" })
    return json.encode(json.object(s, { "requests", "connections", "peak_concurrent", "active",
      "api_requests", "api_limit", "faults" }))
  elseif name == "faults" then
    local list = org.faults:list()
    for i, r in ipairs(list) do list[i] = json.object(r, { "spec", "seen", "fired" }) end
    return json.encode(json.array(list))
  elseif name == "set_faults" then
    -- arg: a JSON array of specs; answers the new list, or nil and why not
    local specs, jerr = json.decode((arg and arg ~= "") and arg or "[]")
    if specs == nil then return nil, tostring(jerr) end
    if not json.is_array(specs) then return nil, "faults: a JSON array of specs expected" end
    local ok, err = org.faults:set(specs)
    if not ok then return nil, tostring(err) end
    return M.control("faults")
  elseif name == "save" then
    return save_state()
  elseif name == "bulk_halt" then
    -- the server is stopping: no more steps (after this answer none runs,
    -- so a save that follows holds every record a job wrote)
    org.bulk:halt()
    return "true"
  elseif name == "bulk_step" then
    -- arg: how many steps (text; default 1); answers {steps, pending}
    local n = math.tointeger(tonumber(arg ~= "" and arg or "1"))
    if not n or n < 1 then return nil, "bulk_step: a whole number of steps (1 or more) expected" end
    local done, pending = org.bulk:steps(n)
    return json.encode(json.object({ steps = done, pending = pending }, { "steps", "pending" }))
  elseif name == "info" then
    return json.encode(json.object({
      token = oauth.STATIC_TOKEN,
      client_id = oauth.DEFAULT_CLIENT.client_id,
      client_secret = oauth.DEFAULT_CLIENT.client_secret,
      org_id = M.ORG_ID,
      now = datetime.format_datetime(org.clock.now()),
    }, { "token", "client_id", "client_secret", "org_id", "now" }))
  end
  error(("unknown emulator control '%s'"):format(tostring(name)), 0)
end

return M
