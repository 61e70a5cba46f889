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
--   connect.fail(err, org[, object]) RAISES err as the one line a user
--     should read, the way a script's escaped error reads too: explained by
--     luaforce.client.explain (the nearest object or field name, the API
--     versions offered) and led by its code (`INVALID_FIELD: No such column
--     ... (did you mean Name?)`, `CONNECT: ... (is the instance URL
--     right, ...)`); the original error rides along as err.details (printed
--     under --verbose). Other errors (outcome unknown, usage) are raised as
--     they are.
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

-- The local org, started once: {url, token} or nil, err.
local function local_org()
  if emulator then return emulator end
  local emu, err = require("luaforce.emulator").start {}
  if not emu then return nil, err end
  emulator = emu
  return emu
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
  local sources = M.sources(opts)
  sources.auth_options = { disk_cache = true }
  local org, err = require("luaforce.client").connect(nil, sources)
  if not org then error(err, 0) end
  return org
end

--- See the file comment.
function M.fail(err, org, object)
  if org then err = explain.error(org, err, object) end
  error(explain.brief(err), 0)
end

--- See the file comment.
function M.apply(ctx, opts)
  apply_trace(ctx)
  local sources = M.sources(opts)
  local cli = sources.command_line
  if cli.instance_url and cli.instance_url ~= "local" then
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
    local emu, eerr = local_org()
    if not emu then error(eerr, 0) end
    cli.instance_url = emu.url
    if not (cli.access_token or cli.client_id) then cli.access_token = emu.token end
  end
  local lf = require "luaforce"
  lf.configure(sources)
  return lf.settings
end

return M
