--- luaforce.cli.connect: the one way a command connects to an org.
--
-- A command adds the connection options to its spec
--     options = common.connected { ...its own... }   -- own + connection + output + flags
-- (or common.with(own, common.connection, ...)) and then
--     local org = connect.org(ctx, opts)
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
--   connect.resolve(ctx, opts) -> settings. RAISES like org. Each setting in
--     use, with where it came from, secrets not yet expanded:
--       settings.instance_url, .api_version, .access_token, .client_id,
--       .client_secret, .profile: each nil or { value =, source = }
--       settings.auth: "bearer" | "oauth-client-credentials"
--       settings.local_org: true when the instance is 'local'
--     source reads "command line --instance", "environment
--     SF_INSTANCE_URL", "profile NAME in FILE", "default of FILE" (for the
--     profile itself), "the local org", "default".
--   connect.apply(ctx, opts) -> luaforce.settings, for `run` and the REPL:
--     puts the command-line settings (and the local org's URL and token)
--     into require("luaforce").settings and installs the profile hook, so a
--     script's require("luaforce").connect() finds them; the environment
--     and the profile file are read by the client itself, in the same order.
--   connect.emulator() -> the in-process local org, or nil when none runs.
--   connect.fail(err, org[, object]) RAISES err as the one line a user
--     should read: a Salesforce error as `ERROR_CODE: its first sentence
--     (hint)`, with the nearest field name for INVALID_FIELD (from the
--     describe of `object`, or of the entity the message names) and the
--     nearest object name when `object` does not exist; the original error
--     rides along as err.details (printed under --verbose). Other errors
--     (network, outcome unknown, usage) are raised as they are.
--   connect.SECRET_KEYS: the settings printed as *** ({access_token = true,
--     client_secret = true}).
--
-- Precedence, first wins: the command line, the environment (SF_*), the
-- profile (--profile NAME, else SF_PROFILE, else the file's default), then
-- defaults. instance_url and api_version are taken one by one; credentials
-- as a whole from the first source that has any (a token, or a client id
-- and its secret), so a token from one place never pairs with a client id
-- from another. With a local instance, credentials come from the command
-- line or else are the local org's own token.
local errors = require "luaforce.errors"
local config = require "luaforce.cli.config"

local M = {}

M.SECRET_KEYS = { access_token = true, client_secret = true }

local ENV = {
  instance_url = "SF_INSTANCE_URL", api_version = "SF_API_VERSION", access_token = "SF_ACCESS_TOKEN",
  client_id = "SF_CLIENT_ID", client_secret = "SF_CLIENT_SECRET", profile = "SF_PROFILE",
}

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
  local f, why = io.open(path, "r")
  if not f then
    error(errors.usage(("cannot read the client secret file: %s"):format(why)), 0)
  end
  local line = f:read("l")
  f:close()
  line = line and line:gsub("\r$", "")
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

local function from_env(getenv)
  local t = {}
  for key, var in pairs(ENV) do t[key] = nonempty(getenv(var)) end
  return t
end

local function has_auth(s)
  return s.access_token ~= nil or s.client_id ~= nil
end

local resolve

--- See the file comment. `getenv` may be given (tests).
function M.resolve(_, opts, getenv)
  return resolve(from_command_line(opts or {}), getenv or os.getenv)
end

-- resolve, from the command line's source table.
function resolve(cli, getenv)
  local env = from_env(getenv)
  local sources = {
    { cli, function(key) return "command line " .. FLAG[key] end },
    { env, function(key) return "environment " .. ENV[key] end },
  }
  local out = {}
  if cli.profile then out.profile = { value = cli.profile, source = sources[1][2]("profile") }
  elseif env.profile then out.profile = { value = env.profile, source = sources[2][2]("profile") } end

  local prof, pname, ppath = config.profile(out.profile and out.profile.value, getenv)
  if prof then
    local where = ("profile %s in %s"):format(pname, ppath)
    sources[#sources + 1] = { prof, function() return where end }
    if not out.profile then out.profile = { value = pname, source = ("default of %s"):format(ppath) } end
  end

  for _, key in ipairs { "instance_url", "api_version" } do
    for _, src in ipairs(sources) do
      local v = nonempty(src[1][key])
      if v ~= nil then
        out[key] = { value = v, source = src[2](key) }
        break
      end
    end
  end
  out.local_org = out.instance_url ~= nil and out.instance_url.value == "local"

  local chosen
  for i, src in ipairs(sources) do
    if has_auth(src[1]) and (not out.local_org or i == 1) then chosen = src break end
  end
  if chosen then
    local s = chosen[1]
    if s.access_token then
      out.auth = "bearer"
      out.access_token = { value = s.access_token, source = chosen[2]("access_token") }
    else
      out.auth = "oauth-client-credentials"
      out.client_id = { value = s.client_id, source = chosen[2]("client_id") }
      if s.client_secret then
        out.client_secret = { value = s.client_secret, source = chosen[2]("client_secret") }
      end
    end
  elseif out.local_org then
    out.auth = "bearer"
    out.access_token = { value = "(the local org's token)", source = "the local org" }
  end
  if not out.api_version then
    out.api_version = { value = require("luaforce.client.settings").DEFAULT_API_VERSION, source = "default" }
  end
  return out
end

--- See the file comment.
function M.emulator()
  return emulator
end

-- Starts the local org (once) and returns it; raises when it cannot start.
local function local_org()
  if emulator then return emulator end
  local emu, err = require("luaforce.emulator").start {}
  if not emu then error(err, 0) end
  emulator = emu
  return emu
end

-- --verbose: a line per HTTP exchange; --trace: with headers and bodies
-- (secrets masked).
local function apply_trace(ctx)
  if ctx and (ctx.trace or ctx.verbose) then require("luaforce.http").trace(ctx.trace and 2 or 1) end
end

local function value(s) return s and s.value end

-- An instance given as something else than a URL or 'local' is named with
-- the flag or variable it came from: the client's check says only "URL".
local function check_instance(s)
  if not s or s.value == "local" then return end
  if not s.value:match("^%a[%w+.-]*://") then
    error(errors.usage(("the instance '%s' (from %s) is not a URL"):format(s.value, s.source),
      "give https://NAME.my.salesforce.com, or 'local' for the built-in local org"), 0)
  end
end

--- See the file comment.
function M.org(ctx, opts)
  config.install()
  apply_trace(ctx)
  local s = M.resolve(ctx, opts)
  check_instance(s.instance_url)
  local copts = { api_version = value(s.api_version), profile = value(s.profile) }
  if s.local_org then
    local emu = local_org()
    copts.instance_url = emu.url
    if s.access_token and s.access_token.source == "the local org" then
      copts.access_token = emu.token
    end
  else
    copts.instance_url = value(s.instance_url)
  end
  if s.auth == "bearer" and not copts.access_token then
    copts.access_token = value(s.access_token)
  elseif s.auth == "oauth-client-credentials" then
    if not s.client_secret then
      error(errors.usage(("a client id (from %s) without its secret"):format(s.client_id.source),
        "give --client-secret-file FILE, or set SF_CLIENT_SECRET, or client_secret in the profile"), 0)
    end
    copts.auth = { type = "oauth-client-credentials", client_id = s.client_id.value,
      client_secret = s.client_secret.value, disk_cache = true }
  end
  if not copts.instance_url then
    error(errors.usage("no instance to connect to",
      "give --instance URL (or local), set SF_INSTANCE_URL, or add a profile (see 'luaforce help login')"), 0)
  end
  if not copts.access_token and not copts.auth then
    error(errors.usage("no credentials for " .. copts.instance_url,
      "give --token or --client-id with --client-secret-file, set SF_ACCESS_TOKEN or SF_CLIENT_ID and "
        .. "SF_CLIENT_SECRET, or use a profile"), 0)
  end
  -- everything resolved here: the client's own layers (environment,
  -- profile) must not add to it
  local org, err = require("luaforce.client").connect(copts)
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

--- See the file comment.
local NETWORK_HINT = {
  CONNECT = "is the instance URL right, and the org reachable from here?",
  DNS = "is the instance URL's host name right?",
  TIMEOUT = "the org did not answer in time: try again, or raise the timeout",
}

function M.fail(err, org, object)
  if errors.is(err) and err.kind and not err.error_code and err.code ~= "OUTCOME_UNKNOWN" then
    -- a transport failure: its kind says more than the connector's "408"
    error(errors.new { code = err.kind, message = err.message, hint = NETWORK_HINT[err.kind], exit = err.exit,
      details = err, kind = err.kind }, 0)
  end
  if not errors.is(err) or err == errors.interrupted or not err.error_code then error(err, 0) end
  local code, message, hint, exit = err.error_code, first_sentence(err.message or ""), nil, err.exit
  if err.exit ~= errors.EXIT.UNKNOWN then
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
  config.install()
  apply_trace(ctx)
  local settings = require("luaforce").settings
  local cli = from_command_line(opts or {})
  check_instance(cli.instance_url and { value = cli.instance_url, source = "command line --instance" })
  -- whether the org is the local one may rest on the environment or a
  -- profile; a profile file that cannot be used is the client's to report
  -- when the script connects (a script may never connect), unless the
  -- user named a profile here
  local ok, s = pcall(resolve, cli, os.getenv)
  if not ok then
    if cli.profile then error(s, 0) end
    s = nil
  end
  settings.profile = cli.profile
  settings.api_version = cli.api_version
  if cli.instance_url == "local" or (s and s.local_org) then
    local emu = local_org()
    settings.instance_url, settings.emulator = emu.url, emu
    if not has_auth(cli) then cli.access_token = emu.token end
  else
    settings.instance_url = cli.instance_url
  end
  settings.access_token, settings.client_id, settings.client_secret = cli.access_token, cli.client_id,
    cli.client_secret
  return settings
end

return M
