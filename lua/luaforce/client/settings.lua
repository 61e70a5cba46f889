--- luaforce.client.settings: the one resolver of a connection's settings:
-- where each comes from, and whether they are sound before anything is sent.
--
-- Levels, first wins:
--   1. connect's arguments (`opts`)
--   2. the program's command line (`sources.command_line`: the luaforce
--      command passes its --instance, --token, ... here, and the same values
--      to a script it runs)
--   3. the environment: SF_INSTANCE_URL, SF_API_VERSION, SF_ACCESS_TOKEN,
--      SF_CLIENT_ID, SF_CLIENT_SECRET (SF_PROFILE names a profile)
--   4. a profile (`sources.profile`; the profile named by a level above, else
--      the profile store's default)
--   5. defaults (the API version)
-- instance_url and api_version are taken field by field. The credentials are
-- taken as a whole from the first level that has any (an `auth` table, an
-- access token or a client id), so a token from one place never pairs with a
-- client id from another. An instance given as `local` is the built-in local
-- org, which `sources.local_org` provides; its credentials come from levels
-- 1-2, else they are the local org's own token.
--
-- Nothing here reads what another module left behind: the program hands its
-- sources in. `sources` (every field optional):
--   command_line = {instance_url, api_version, access_token, client_id,
--                   client_secret, profile}      the command line's values
--   flags        = {instance_url = "--instance", ...}  how the command line
--                  names them (for provenance and hints)
--   getenv       = function(name) -> string | nil       (default os.getenv)
--   profile      = function(name, getenv) -> values, name, path | nil |
--                  nil, err   (name nil: the default profile; nil, nil: none)
--   lookup       = function(name) -> secret | nil    ({{secrets.NAME}};
--                  default: the environment, then the secrets file)
--   local_org    = function(instance) -> {url =, token =} | nil, err
--                  (starts the local org for `instance`, "local" or
--                  "local:NAME", once); without it `local` is no instance URL
--   auth_options = {...}   added to client-credential auth options (the CLI:
--                  {disk_cache = true})
--
-- API
--   settings.gather(opts, sources) -> view | nil, err
--       Which value each setting takes and where it comes from, secrets not
--       expanded, nothing started or checked beyond the profile file: what
--       `luaforce login --show` prints. view.instance_url, .api_version,
--       .profile, .access_token, .client_id, .client_secret: each nil or
--       {value =, source =}; source reads "connect argument instance_url",
--       "command line --instance", "environment SF_INSTANCE_URL", "profile
--       NAME in FILE", "default of FILE" (the profile itself), "the local
--       org", "default". view.auth: "bearer" | "oauth-client-credentials" |
--       "custom" (an auth table) | nil; view.local_org: true for `local` and `local:NAME`;
--       view.level: the name of the credentials' level ("arguments",
--       "command line", "environment", "profile NAME").
--   settings.resolve(opts, sources) -> cfg | nil, err
--       cfg = {instance_url, api_version, auth (luaforce.auth options),
--       allow_http, timeout, retry, session, source (view.level), provenance
--       (the view's sources and the values in use, secrets left out)}.
--       Errors are usage errors (exit 2) that name the setting's source.
--   settings.check_instance_url(url[, allow_http[, origin]]) -> url | nil, err
--   settings.check_api_version(v) -> "v62.0" | nil, err
--   settings.DEFAULT_API_VERSION, settings.ENV (setting -> variable)
local errors = require "luaforce.errors"
local secrets = require "luaforce.client.secrets"

local M = {}

M.DEFAULT_API_VERSION = "v62.0"

M.ENV = {
  instance_url = "SF_INSTANCE_URL", api_version = "SF_API_VERSION", access_token = "SF_ACCESS_TOKEN",
  client_id = "SF_CLIENT_ID", client_secret = "SF_CLIENT_SECRET", profile = "SF_PROFILE",
}

local function usage(message, hint)
  return errors.usage(message, hint)
end

local function nonempty(v)
  if v == nil or v == "" then return nil end
  return v
end

local function has_auth(s)
  return s.auth ~= nil or s.access_token ~= nil or s.client_id ~= nil
end

local LOOPBACK = { localhost = true, ["127.0.0.1"] = true, ["::1"] = true, ["[::1]"] = true }

local function loopback(host)
  return LOOPBACK[host:lower()] or host:match("^127%.%d+%.%d+%.%d+$") ~= nil
end

--- Checks an instance URL: https://host[:port][/path], or http:// to a
-- loopback host (any host with allow_http). Returns the URL without a
-- trailing "/" or nil, err. `origin` ("environment SF_INSTANCE_URL") is
-- named in the message when given.
function M.check_instance_url(url, allow_http, origin)
  if type(url) ~= "string" or url == "" then
    return nil, usage("no instance URL", "give instance_url, --instance, or set SF_INSTANCE_URL")
  end
  local shown = ("'%s'%s"):format(url, origin and (" (from " .. origin .. ")") or "")
  local scheme, rest = url:match("^(%a[%w+.-]*)://(.*)$")
  if not scheme then
    return nil, usage(("the instance URL %s has no scheme"):format(shown), "https://NAME.my.salesforce.com")
  end
  scheme = scheme:lower()
  if url:find("[%s%c]") or rest:find("[?#]") then
    return nil, usage(("the instance URL %s holds blanks, a query or a fragment"):format(shown))
  end
  local authority, path = rest:match("^([^/]*)(.*)$")
  if authority:find("@", 1, true) then
    return nil, usage("the instance URL must not carry a user name or password")
  end
  local host = authority:match("^(%b[])") or authority:match("^([^:]+)")
  local port = authority:sub(#(host or "") + 1)
  if not host or host == "" or not (port == "" or port:match("^:%d+$")) then
    return nil, usage(("the instance URL %s has no valid host"):format(shown))
  end
  if scheme ~= "https" and scheme ~= "http" then
    return nil, usage(("the instance URL %s is not http(s)"):format(shown))
  end
  if scheme == "http" and not allow_http and not loopback(host) then
    return nil, usage(("the instance URL %s is plain http to another machine: tokens would travel readable")
      :format(shown), "use https (a script that really means it can pass allow_http = true to connect)")
  end
  return scheme .. "://" .. authority .. path:gsub("/+$", "")
end

--- "v62.0" from "v62.0", "62.0" or "62"; nil, err for anything else.
function M.check_api_version(v)
  if v == nil then return M.DEFAULT_API_VERSION end
  if type(v) == "number" then v = math.type(v) == "integer" and ("%d.0"):format(v) or ("%.1f"):format(v) end
  if type(v) ~= "string" then return nil, usage("api_version must be a string such as \"v62.0\"") end
  local major, minor = v:match("^[vV]?(%d+)%.(%d)$")
  if not major then major, minor = v:match("^[vV]?(%d+)$"), "0" end
  if not major then
    return nil, usage(("'%s' is no API version"):format(v), "give it as v62.0")
  end
  return ("v%d.%s"):format(tonumber(major), minor)
end

---------------------------------------------------------------------------
-- Levels

-- A level: its name, its values and how it names a setting it gave.
local function level(name, values, label)
  return { name = name, values = values, label = label }
end

local function from_env(getenv)
  local t = {}
  for key, var in pairs(M.ENV) do t[key] = nonempty(getenv(var)) end
  return t
end

-- The levels above the profile, in order.
local function upper_levels(opts, sources, getenv)
  local list = { level("arguments", opts, function(key) return "connect argument " .. key end) }
  if sources.command_line then
    local flags = sources.flags or {}
    list[#list + 1] = level("command line", sources.command_line,
      function(key) return "command line " .. (flags[key] or key) end)
  end
  list[#list + 1] = level("environment", from_env(getenv), function(key) return "environment " .. M.ENV[key] end)
  return list
end

-- How the user can give `key`, for hints: the outermost way the program
-- has (its command line's flag, else connect's argument), the environment
-- variable and, when there are profiles, a profile. `forms` may spell the
-- first and the last ({flag = "--instance URL (or local)", profile = ...}).
local function ways(key, sources, forms)
  forms = forms or {}
  local out = {}
  if sources.command_line then
    out[1] = forms.flag or (sources.flags and sources.flags[key]) or key
  else
    out[1] = forms.argument or key
  end
  out[#out + 1] = "set " .. M.ENV[key]
  if sources.profile then out[#out + 1] = forms.profile or "add a profile (see 'luaforce help login')" end
  return "give " .. table.concat(out, ", ", 1, #out - 1) .. ", or " .. out[#out]
end

-- The credentials of one level as provenance entries.
local function credentials_of(view, lvl)
  local s = lvl.values
  if s.auth ~= nil then
    view.auth = "custom"
    view.auth_table = { value = s.auth, source = lvl.label("auth") }
    if type(s.auth) == "table" then
      local t = s.auth.type
      if t == "bearer" or t == "oauth-client-credentials" then view.auth = t end
    end
  elseif s.access_token then
    view.auth = "bearer"
    view.access_token = { value = s.access_token, source = lvl.label("access_token") }
  else
    view.auth = "oauth-client-credentials"
    view.client_id = { value = s.client_id, source = lvl.label("client_id") }
    if nonempty(s.client_secret) then
      view.client_secret = { value = s.client_secret, source = lvl.label("client_secret") }
    end
  end
  view.level = lvl.name
end

--- See the file comment.
function M.gather(opts, sources)
  sources = sources or {}
  opts = opts or {}
  local getenv = sources.getenv or os.getenv
  local list = upper_levels(opts, sources, getenv)
  local view = {}

  for _, lvl in ipairs(list) do
    local p = nonempty(lvl.values.profile)
    if p then
      view.profile = { value = p, source = lvl.label("profile") }
      break
    end
  end
  if sources.profile then
    local prof, name, path = sources.profile(view.profile and view.profile.value, getenv)
    if prof == nil and name ~= nil then return nil, name end
    if prof then
      name = name or (view.profile and view.profile.value) or "default"
      local where = ("profile %s%s"):format(name, path and (" in " .. path) or "")
      list[#list + 1] = level(where, prof, function() return where end)
      if not view.profile then
        view.profile = { value = name, source = path and ("default of " .. path) or "default" }
      end
    end
  end

  for _, key in ipairs { "instance_url", "api_version" } do
    for _, lvl in ipairs(list) do
      local v = nonempty(lvl.values[key])
      if v ~= nil then
        view[key] = { value = v, source = lvl.label(key) }
        break
      end
    end
  end
  view.local_org = view.instance_url ~= nil and type(view.instance_url.value) == "string"
    and (view.instance_url.value == "local" or view.instance_url.value:find("^local:") ~= nil)

  -- a local org takes credentials from the arguments or the command line
  -- only: a token in the environment is meant for another org
  local last = view.local_org and (sources.command_line and 2 or 1) or #list
  for i = 1, last do
    if has_auth(list[i].values) then
      credentials_of(view, list[i])
      break
    end
  end
  if view.local_org and not view.auth then
    view.auth = "bearer"
    view.access_token = { value = "(the local org's token)", source = "the local org" }
    view.level = "the local org"
  end
  if not view.api_version then view.api_version = { value = M.DEFAULT_API_VERSION, source = "default" } end
  return view
end

local function value(e) return e and e.value end

-- The luaforce.auth options the view's credentials make.
local function auth_options(view, sources)
  if view.auth_table then
    local a = view.auth_table.value
    if type(a) ~= "table" then return nil, usage("auth must be a table") end
    local out = {}
    for k, v in pairs(a) do out[k] = v end
    return out
  end
  if view.auth == "bearer" then return { type = "bearer", token = value(view.access_token) } end
  if not view.client_secret then
    return nil, usage(("a client id (from %s) without its secret"):format(view.client_id.source),
      ways("client_secret", sources, { flag = "--client-secret-file FILE", profile = "client_secret in the profile" }))
  end
  local out = { type = "oauth-client-credentials", client_id = value(view.client_id),
    client_secret = value(view.client_secret) }
  for k, v in pairs(sources.auth_options or {}) do out[k] = v end
  return out
end

-- What cfg.provenance keeps of the view: where each setting came from, the
-- values in use but no secret (an org object is printed in the REPL).
local function provenance(view, cfg)
  local p = { auth = view.auth, local_org = view.local_org, level = view.level }
  for _, key in ipairs { "instance_url", "api_version", "profile", "access_token", "client_id", "client_secret" } do
    local e = view[key]
    if e then p[key] = { source = e.source } end
  end
  p.instance_url.value, p.api_version.value = cfg.instance_url, cfg.api_version
  if p.profile then p.profile.value = view.profile.value end
  if p.client_id then p.client_id.value = cfg.auth.client_id end
  return p
end

--- See the file comment.
function M.resolve(opts, sources)
  if opts ~= nil and type(opts) ~= "table" then error("bad argument #1 to 'connect' (table expected)", 3) end
  opts = opts or {}
  sources = sources or {}
  local view, verr = M.gather(opts, sources)
  if not view then return nil, verr end

  if view.local_org then
    if not sources.local_org then
      return nil, usage(("the instance 'local' (from %s) is the local org, which this program cannot start")
        :format(view.instance_url.source),
        "run the script with 'luaforce run', or start one with luaforce.emulator.start{} and connect to its url")
    end
    local org, lerr = sources.local_org(view.instance_url.value)
    if not org then return nil, lerr end
    view.instance_url = { value = org.url, source = view.instance_url.source }
    if view.level == "the local org" then
      view.access_token = { value = org.token, source = "the local org" }
    end
  end

  local out = { source = view.level, allow_http = opts.allow_http == true,
    timeout = opts.timeout, retry = opts.retry, session = opts.session }
  if not view.instance_url then
    return nil, usage("no instance URL to connect to",
      ways("instance_url", sources, { flag = "--instance URL" .. (sources.local_org and " (or local)" or "") }))
  end
  -- a URL that cannot be one is the first thing to fix (`--instance lcoal`),
  -- before the credentials it would take
  local function checked_url(raw)
    local url, uerr = M.check_instance_url(raw, out.allow_http, view.instance_url.source)
    if not url and sources.local_org and not raw:match("^%a[%w+.-]*://") then
      uerr.hint = "give https://NAME.my.salesforce.com, or 'local' for the built-in local org"
    end
    return url, uerr
  end
  if not view.auth then
    local raw = view.instance_url.value
    if type(raw) == "string" and not raw:find("{{", 1, true) then
      local url, uerr = checked_url(raw)
      if not url then return nil, uerr end
    end
    return nil, usage("no credentials for " .. tostring(view.instance_url.value),
      "give " .. (sources.command_line and "--token or --client-id with --client-secret-file"
        or "auth = {...}, access_token, or client_id and client_secret")
        .. ", set SF_ACCESS_TOKEN or SF_CLIENT_ID and SF_CLIENT_SECRET"
        .. (sources.profile and ", or use a profile" or ""))
  end
  local a, aerr = auth_options(view, sources)
  if not a then return nil, aerr end

  -- secrets in any string setting, before anything is checked or sent
  local lookup = sources.lookup or secrets.lookup(sources.getenv or os.getenv)
  local expanded, serr = secrets.expand_all({ instance_url = view.instance_url.value,
    api_version = view.api_version.value, auth = a }, lookup)
  if not expanded then return nil, serr end
  out.auth = expanded.auth

  local url, uerr = checked_url(expanded.instance_url)
  if not url then return nil, uerr end
  out.instance_url = url
  local v, err = M.check_api_version(expanded.api_version)
  if not v then return nil, err end
  out.api_version = v
  out.provenance = provenance(view, out)
  if out.timeout ~= nil and (type(out.timeout) ~= "number" or out.timeout < 0) then
    return nil, usage("timeout must be a number of seconds (0: no limit)")
  end
  return out
end

return M
