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
--   connect.waiting([opts]) -> opts with on_wait (a line on stderr),
--     interrupted (Ctrl-C) and argv (the command line, unless opts has it)
--     set: how a command waits for a named org's lock.
--   connect.local_root([getenv]) -> the folder of named local orgs
--     ($XDG_STATE_HOME/luaforce/local, else ~/.local/state/luaforce/local),
--     or nil when neither is set.
--   connect.fail(err, org[, object]) RAISES err as the one line a user
--     should read, the way a script's escaped error reads too: explained by
--     luaforce.client.explain (the nearest object or field name, the API
--     versions offered) and led by its code (`INVALID_FIELD: No such column
--     ... (did you mean Name?)`, `CONNECT: ... (is the instance URL
--     right, ...)`); the original error rides along as err.details (printed
--     under --verbose); a record the plain local org does not have says
--     that each command starts a fresh one (--instance local:NAME keeps
--     them). Other errors (outcome unknown, usage) are raised as they are.
--   connect.SECRET_KEYS: the settings printed as *** ({access_token = true,
--     client_secret = true}).
local errors = require "luaforce.errors"
local input_file = require "luaforce.cli.input_file"
local config = require "luaforce.cli.config"
local settings = require "luaforce.client.settings"
local explain = require "luaforce.client.explain"

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
local command_argv  -- the command line, for a named org's lock (save_at_exit)

--- See the file comment.
function M.local_root(getenv)
  local dir = config.state_dir(getenv)
  return dir and dir .. "/local"
end

--- See the file comment.
function M.waiting(opts)
  opts = opts or {}
  opts.argv = opts.argv or command_argv -- noted in the lock for a waiter to name
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
  command_argv = ctx.argv
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

--- See the file comment.
-- A record the plain local org does not have was most likely made by an
-- earlier command, in an earlier local org: say how to keep one.
local FRESH_HINT = "each command starts a fresh local org: --instance local:NAME keeps its records between commands"

function M.fail(err, org, object)
  if org then err = explain.error(org, err, object) end
  local brief = explain.brief(err)
  if org and errors.is(brief) and brief.code == "NOT_FOUND" and not err.problem and brief.exit == errors.EXIT.API
      and M.local_org_kind(org) == "fresh" then
    brief.hint = FRESH_HINT
  end
  error(brief, 0)
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
