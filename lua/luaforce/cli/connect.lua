--- luaforce.cli.connect: the one way a command connects to an org.
--
-- A command adds the connection options to its spec
--     options = common.connected { ...its own... }   -- own + connection + output + flags
-- (or common.with(own, common.connection, ...)) and then
--     local org = connect.org(ctx, opts)
--
-- The settings themselves are resolved by luaforce.client.settings, the one
-- resolver (precedence, environment, profiles, credentials checks); this
-- module only hands it the command's sources: the command line's values,
-- the profile file (luaforce.cli.config), the environment and the local org.
--
-- PUBLIC API
--   connect.org(ctx, opts) -> org (a luaforce.client Org). RAISES a luaforce
--     error (bad or missing settings, an unsafe profile file: exit 2). No
--     request is sent yet. `opts` are the command's parsed options:
--     instance, api_version, token, client_id, client_secret_file, profile.
--     --instance local (or instance_url = local from the environment or a
--     profile) starts the in-process local org once per process; it stays
--     up until the process ends. ctx.verbose / ctx.trace switch on request
--     logging. Client-credential tokens are kept in the disk cache
--     ($XDG_CACHE_HOME/luaforce/tokens), so one command's token serves the
--     next.
--   connect.resolve(ctx, opts[, getenv]) -> view. RAISES like org. Each
--     setting in use and where it came from, secrets not yet expanded, the
--     local org not started: luaforce.client.settings.gather's view.
--   connect.sources(opts[, getenv]) -> the sources the command hands the
--     resolver (see luaforce.client.settings). RAISES for a mistake in the
--     options themselves (an unreadable --client-secret-file).
--   connect.apply(ctx, opts) -> require("luaforce").settings, for `run`, `-e`
--     and the REPL: configures require("luaforce") with the command's
--     sources (luaforce.configure), so a script's require("luaforce").connect()
--     resolves as the command would; with a local instance the local org is
--     started first and its URL and token are the command line's.
--   connect.emulator() -> the in-process local org, or nil when none runs.
--     --instance local:NAME (or local:NAME from the environment or a
--     profile) is the named local org NAME instead: its records are loaded
--     from $XDG_STATE_HOME/luaforce/local/NAME/ (the demo org on first use)
--     and saved there when the command ends, successful or not (org and
--     apply add connect.finish to ctx.at_exit, which luaforce.cli.main runs;
--     a script's os.exit saves first). The process holds the org's lock
--     from the start: a second command on it waits, saying so on stderr.
--   connect.local_org_kind([org]) -> nil | "fresh" | "named", NAME: the
--     kind of local org `org` talks to (without org: the one the command
--     started), nil for any other org. "fresh": plain `local`, a new demo
--     org per command, so an id from an earlier command is not found.
--   connect.finish() -> true | nil, err: saves and stops the named local
--     orgs this process started (their locks go); a no-op without any.
--   connect.waiting([opts]) -> opts with on_wait (a line on stderr) and
--     interrupted (Ctrl-C) set: how a command waits for a named org's lock.
--   connect.local_root([getenv]) -> the folder of named local orgs
--     ($XDG_STATE_HOME/luaforce/local, else ~/.local/state/luaforce/local),
--     or nil when neither is set.
--   connect.fail(err, org[, object]) RAISES err as the one line a user
--     should read: a Salesforce error as `ERROR_CODE: its first sentence
--     (hint)`, with the nearest field name for INVALID_FIELD (from the
--     describe of `object`, or of the entity the message names) and the
--     nearest object name when `object` does not exist; the original error
--     rides along as err.details (printed under --verbose). Other errors
--     (network, outcome unknown, usage) are raised as they are.
--   connect.SECRET_KEYS: the settings printed as *** ({access_token = true,
--     client_secret = true}).
local errors = require "luaforce.errors"
local input_file = require "luaforce.cli.input_file"
local config = require "luaforce.cli.config"
local settings = require "luaforce.client.settings"

local M = {}

M.SECRET_KEYS = { access_token = true, client_secret = true }

-- How the command line names each setting (for provenance and hints).
local FLAG = {
  instance_url = "--instance", api_version = "--api-version", access_token = "--token",
  client_id = "--client-id", client_secret = "--client-secret-file", profile = "--profile",
}

local emulator -- the in-process local org, started at most once

local function nonempty(v)
  if v == nil or v == "" then return nil end
  return v
end

-- The client secret from --client-secret-file: its first line, without the
-- line end. An empty file is a mistake worth naming.
local function read_secret_file(path)
  local line = input_file.read(path, "the client secret file"):match("^[^\n]*")
  line = line:gsub("\r$", "")
  if not line or line == "" then
    error(errors.usage(("the client secret file %s is empty"):format(path),
      "put the connected app's consumer secret on its first line"), 0)
  end
  return line
end

-- The command line's settings as a source table.
local function from_command_line(opts)
  local t = {
    instance_url = nonempty(opts.instance), api_version = nonempty(opts.api_version),
    access_token = nonempty(opts.token), client_id = nonempty(opts.client_id), profile = nonempty(opts.profile),
  }
  if opts.client_secret_file then t.client_secret = read_secret_file(opts.client_secret_file) end
  if t.client_secret and not t.client_id then
    error(errors.usage("--client-secret-file without --client-id",
      "give both, the consumer key and the file holding its secret"), 0)
  end
  return t
end

local started = {} -- instance ("local", "local:NAME") -> the local org started for it
local exit_wrapped  -- os.exit saves named orgs first (see apply)

--- See the file comment.
function M.local_root(getenv)
  local dir = config.state_dir(getenv)
  return dir and dir .. "/local"
end

--- See the file comment.
function M.waiting(opts)
  opts = opts or {}
  opts.on_wait = function(msg) io.stderr:write("luaforce: ", msg, "\n") end
  opts.interrupted = require("luaforce.core.sys").interrupted
  return opts
end

-- The local org for `instance`, started once per process: {url, token} or
-- nil, err. "local" is a fresh demo org; "local:NAME" the named org,
-- locked for this process and loaded from its saved records.
local function local_org(instance)
  instance = instance or "local"
  if started[instance] then return started[instance] end
  local emu, err
  local name = instance:match("^local:(.*)$")
  if name then
    emu, err = require("luaforce.emulator").open(M.local_root(), name, M.waiting())
  else
    emu, err = require("luaforce.emulator").start {}
  end
  if not emu then return nil, err end
  started[instance] = emu
  emulator = emulator or emu
  return emu
end

--- See the file comment.
function M.local_org_kind(org)
  local url = org ~= nil and type(org.instance_url) == "string" and org.instance_url:gsub("/+$", "")
  for _, emu in pairs(started) do
    if org == nil and emu == emulator or url == emu.url then
      if emu.name then return "named", emu.name end
      return "fresh"
    end
  end
  return nil
end

--- See the file comment.
function M.finish()
  local first
  for instance, emu in pairs(started) do
    if emu.name then
      local ok, err = emu:stop()
      started[instance] = nil
      if emulator == emu then emulator = nil end
      if not ok and not first then first = err end
    end
  end
  if first then return nil, first end
  return true
end

-- The command saves its named local orgs when it ends (luaforce.cli.main
-- runs ctx.at_exit), success or not.
local function save_at_exit(ctx)
  if type(ctx) ~= "table" then return end
  ctx.at_exit = ctx.at_exit or {}
  for _, fn in ipairs(ctx.at_exit) do
    if fn == M.finish then return end
  end
  ctx.at_exit[#ctx.at_exit + 1] = M.finish
end

--- See the file comment.
function M.sources(opts, getenv)
  return { command_line = from_command_line(opts or {}), flags = FLAG, getenv = getenv or os.getenv,
    profile = config.lookup, local_org = local_org }
end

--- See the file comment.
function M.resolve(_, opts, getenv)
  local view, err = settings.gather(nil, M.sources(opts, getenv))
  if not view then error(err, 0) end
  return view
end

--- See the file comment.
function M.emulator()
  return emulator
end

-- --verbose: a line per HTTP exchange; --trace: with headers and bodies
-- (secrets masked).
local function apply_trace(ctx)
  if ctx and (ctx.trace or ctx.verbose) then require("luaforce.http").trace(ctx.trace and 2 or 1) end
end

--- See the file comment.
function M.org(ctx, opts)
  apply_trace(ctx)
  save_at_exit(ctx)
  local sources = M.sources(opts)
  sources.auth_options = { disk_cache = true }
  local org, err = require("luaforce.client").connect(nil, sources)
  if not org then error(err, 0) end
  return org
end

-- The first sentence of a Salesforce message: the rest is advice about
-- WSDLs and custom field suffixes that the hint replaces.
local function first_sentence(msg)
  local one = msg:match("^(.-[^%.])%.%s+%u")
  return one or (msg:gsub("%.$", ""))
end

local function names_of(list, key)
  local out = {}
  for _, x in ipairs(list or {}) do
    if type(x) == "table" and type(x[key]) == "string" then out[#out + 1] = x[key] end
  end
  return out
end

-- "did you mean X?" for a field of `object`, from its describe.
local function field_hint(org, object, field)
  local d = org and object and org:describe(object)
  if not d then return nil end
  local names = names_of(d.fields, "name")
  for _, n in ipairs(names_of(d.childRelationships, "relationshipName")) do names[#names + 1] = n end
  for _, f in ipairs(d.fields or {}) do
    if type(f.relationshipName) == "string" then names[#names + 1] = f.relationshipName end
  end
  local near = require("luaforce.cli.args").nearest(field, names)
  return near and ("did you mean " .. near .. "?")
end

-- The external id fields of `object`, the nearest to `field` first.
local function external_id_hint(org, object, field)
  local d = org and object and field and org:describe(object)
  if not d then return nil end
  local names = {}
  for _, f in ipairs(d.fields or {}) do
    if f.externalId == true then names[#names + 1] = f.name end
  end
  if #names == 0 then return ("%s has no external id field: use update with the record's id"):format(object) end
  local near = require("luaforce.cli.args").nearest(field, names)
  if near then return "did you mean " .. near .. "?" end
  return "the external id fields of " .. object .. ": " .. table.concat(names, ", ")
end

-- When `object` is not an object of the org: the message and hint that say
-- so, with the nearest name.
local function object_problem(org, object)
  if not org or type(object) ~= "string" then return nil end
  local g = org:describe_global()
  if not g then return nil end
  local names = names_of(g.sobjects, "name")
  for _, n in ipairs(names) do
    if n:lower() == object:lower() then return nil end
  end
  local near = require("luaforce.cli.args").nearest(object, names)
  return ("sObject type '%s' is not supported"):format(object),
    near and ("did you mean " .. near .. "?") or "run 'luaforce describe' for the objects"
end

-- A NOT_FOUND for every path under an API version the org does not offer:
-- the message names the versions it does (one more request, on a 404 only).
local function version_problem(org)
  if not org or type(org.api_version) ~= "string" then return nil end
  local list = org:versions()
  if type(list) ~= "table" or #list == 0 then return nil end
  local want = org.api_version:gsub("^v", "")
  local numbers = {}
  for _, v in ipairs(list) do
    if type(v) == "table" and v.version == want then return nil end
    if type(v) == "table" and tonumber(v.version) then numbers[#numbers + 1] = tonumber(v.version) end
  end
  if #numbers == 0 then return nil end
  table.sort(numbers)
  local lo, hi = ("v%.1f"):format(numbers[1]), ("v%.1f"):format(numbers[#numbers])
  return ("API version %s is not one this org offers (it offers %s to %s)"):format(org.api_version, lo, hi),
    ("give --api-version %s, the newest, or leave it out for the default"):format(hi)
end

--- See the file comment.
local NETWORK_HINT = {
  CONNECT = "is the instance URL right, and the org reachable from here?",
  DNS = "is the instance URL's host name right?",
  TIMEOUT = "the org did not answer in time: try again, or raise the timeout",
}

function M.fail(err, org, object)
  if errors.is(err) and err.kind and not err.error_code and err.code ~= "OUTCOME_UNKNOWN" then
    -- a transport failure: its kind, with what to check
    error(errors.new { code = err.kind, message = err.message, hint = NETWORK_HINT[err.kind], exit = err.exit,
      details = err, kind = err.kind }, 0)
  end
  if not errors.is(err) or errors.is_interrupt(err) or not err.error_code or err.code == "OUTCOME_UNKNOWN" then
    error(err, 0)
  end
  local code, message, hint, exit = err.error_code, first_sentence(err.message or ""), nil, err.exit
  local vm, vh
  if code == "NOT_FOUND" and err.exit ~= errors.EXIT.UNKNOWN then vm, vh = version_problem(org) end
  if vm then
    code, message, hint, exit = "NOT_FOUND", vm, vh, errors.EXIT.USAGE
  elseif err.exit ~= errors.EXIT.UNKNOWN then
    if code == "INVALID_FIELD" then
      local field, entity = (err.message or ""):match("No such column '([^']+)' on entity '([^']+)'")
      field = field or (err.fields and err.fields[1])
      if field then hint = field_hint(org, entity or object, field) end
    elseif code == "NOT_FOUND" and (err.message or ""):find("external ID field", 1, true) then
      hint = external_id_hint(org, object, (err.message or ""):match(":%s*(%S+)$"))
      exit = errors.EXIT.USAGE
    elseif code == "NOT_FOUND" or code == "INVALID_TYPE" then
      local m, h = object_problem(org, object)
      if m then code, message, hint, exit = "INVALID_TYPE", m, h, errors.EXIT.USAGE end
    end
  end
  if not hint and err.hint ~= "checked before sending: nothing was sent" then hint = err.hint end
  error(errors.new {
    code = code, message = message, hint = hint, exit = exit, details = err, fields = err.fields,
    status = err.status,
  }, 0)
end

--- See the file comment.
function M.apply(ctx, opts)
  apply_trace(ctx)
  save_at_exit(ctx)
  if not exit_wrapped then
    -- a script that ends with os.exit(n) ends the process here: its named
    -- local orgs are saved first
    local exit = os.exit
    exit_wrapped = true
    os.exit = function(...)
      local ok, err = M.finish()
      if not ok then io.stderr:write("luaforce: ", tostring(err), "\n") end
      return exit(...)
    end
  end
  local sources = M.sources(opts)
  local cli = sources.command_line
  if cli.instance_url and cli.instance_url ~= "local" and not cli.instance_url:find("^local:") then
    -- a malformed --instance fails now, before the script runs
    local ok, err = settings.check_instance_url(cli.instance_url, true, "command line --instance")
    if not ok then error(err, 0) end
  end
  -- whether the org is the local one may rest on the environment or a
  -- profile; a profile file that cannot be used is the client's to report
  -- when the script connects (a script may never connect), unless the
  -- user named a profile here
  local view, err = settings.gather(nil, sources)
  if not view and cli.profile then error(err, 0) end
  if view and view.local_org then
    local emu, eerr = local_org(view.instance_url.value)
    if not emu then error(eerr, 0) end
    cli.instance_url = emu.url
    if not (cli.access_token or cli.client_id) then cli.access_token = emu.token end
  end
  local lf = require "luaforce"
  lf.configure(sources)
  return lf.settings
end

return M
