--- luaforce.client.settings: where a connection's settings come from, and
-- whether they are sound before anything is sent.
--
-- Sources, first wins:
--   1. the arguments of connect
--   2. the command line of `luaforce run` (require("luaforce").settings:
--      instance_url, access_token, client_id, client_secret, api_version,
--      profile)
--   3. the environment: SF_INSTANCE_URL, SF_API_VERSION, SF_ACCESS_TOKEN,
--      SF_CLIENT_ID, SF_CLIENT_SECRET (SF_PROFILE names a profile)
--   4. a profile: M.profile_hook(name) -> table of the same keys, or nil,
--      err (set by the CLI, which owns the profile file; nil: no profiles)
-- instance_url and api_version are taken field by field. The credentials
-- are taken as a whole from the first source that has any (an `auth`
-- table, an access token or a client id), so a token from one place never
-- pairs with a client id from another.
local errors = require "luaforce.errors"
local secrets = require "luaforce.client.secrets"

local M = {}

M.DEFAULT_API_VERSION = "v62.0"

--- Set by the CLI: function(name) -> settings table | nil, err. `name` is
-- nil for the default profile; returning nil, nil means "no profile".
M.profile_hook = nil

local ENV = {
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

local function from_env(getenv)
  local t = {}
  for key, var in pairs(ENV) do t[key] = nonempty(getenv(var)) end
  return t
end

local function has_auth(s)
  return s.auth ~= nil or s.access_token ~= nil or s.client_id ~= nil
end

-- The auth options (luaforce.auth.new's) of one source.
local function auth_of(s)
  if s.auth ~= nil then
    if type(s.auth) ~= "table" then return nil, usage("auth must be a table") end
    local a = {}
    for k, v in pairs(s.auth) do a[k] = v end
    return a
  end
  if s.access_token then return { type = "bearer", token = s.access_token } end
  return { type = "oauth-client-credentials", client_id = s.client_id, client_secret = s.client_secret }
end

local LOOPBACK = { localhost = true, ["127.0.0.1"] = true, ["::1"] = true, ["[::1]"] = true }

local function loopback(host)
  return LOOPBACK[host:lower()] or host:match("^127%.%d+%.%d+%.%d+$") ~= nil
end

--- Checks an instance URL: https://host[:port][/path], or http:// to a
-- loopback host (any host with allow_http). Returns the URL without a
-- trailing "/" or nil, err.
function M.check_instance_url(url, allow_http)
  if type(url) ~= "string" or url == "" then
    return nil, usage("no instance URL", "give instance_url, --instance, or set SF_INSTANCE_URL")
  end
  local scheme, rest = url:match("^(%a[%w+.-]*)://(.*)$")
  if not scheme then
    return nil, usage(("the instance URL '%s' has no scheme"):format(url), "https://NAME.my.salesforce.com")
  end
  scheme = scheme:lower()
  if url:find("[%s%c]") or rest:find("[?#]") then
    return nil, usage(("the instance URL '%s' holds blanks, a query or a fragment"):format(url))
  end
  local authority, path = rest:match("^([^/]*)(.*)$")
  if authority:find("@", 1, true) then
    return nil, usage("the instance URL must not carry a user name or password")
  end
  local host = authority:match("^(%b[])") or authority:match("^([^:]+)")
  local port = authority:sub(#(host or "") + 1)
  if not host or host == "" or not (port == "" or port:match("^:%d+$")) then
    return nil, usage(("the instance URL '%s' has no valid host"):format(url))
  end
  if scheme ~= "https" and scheme ~= "http" then
    return nil, usage(("the instance URL '%s' is not http(s)"):format(url))
  end
  if scheme == "http" and not allow_http and not loopback(host) then
    return nil, usage(("the instance URL '%s' is plain http to another machine: tokens would travel readable")
      :format(url), "use https, or pass allow_http = true if you really mean it")
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

--- The settings for connect(opts): a table with instance_url, api_version,
-- auth (luaforce.auth options), allow_http, timeout, retry, session,
-- source (where the credentials came from) -- or nil, err.
-- `sources` (tests): {run = table, getenv = fn, profile = fn, lookup = fn
-- (secrets)}.
function M.resolve(opts, sources)
  sources = sources or {}
  if opts ~= nil and type(opts) ~= "table" then error("bad argument #1 to 'connect' (table expected)", 3) end
  opts = opts or {}
  local getenv = sources.getenv or os.getenv
  local run = sources.run
  if run == nil then
    local ok, lf = pcall(require, "luaforce")
    run = ok and type(lf) == "table" and lf.settings or {}
  end
  local env = from_env(getenv)
  local list = { { "arguments", opts }, { "luaforce run", run }, { "environment", env } }
  local hook = sources.profile or M.profile_hook
  if hook then
    local name = opts.profile or run.profile or env.profile
    local prof, perr = hook(name)
    if perr then return nil, perr end
    if prof then list[#list + 1] = { "profile " .. tostring(name or "default"), prof } end
  end

  local out = {}
  local lookup = sources.lookup or secrets.lookup(getenv)
  for _, key in ipairs { "instance_url", "api_version" } do
    for _, src in ipairs(list) do
      local v = nonempty(src[2][key])
      if v ~= nil then out[key] = v break end
    end
  end
  for _, src in ipairs(list) do
    if has_auth(src[2]) then
      local a, aerr = auth_of(src[2])
      if not a then return nil, aerr end
      out.auth, out.source = a, src[1]
      break
    end
  end
  out.allow_http = opts.allow_http == true
  out.timeout, out.retry, out.session = opts.timeout, opts.retry, opts.session

  -- secrets in any string setting, before anything is checked or sent
  local expanded, serr = secrets.expand_all({ instance_url = out.instance_url, api_version = out.api_version,
    auth = out.auth }, lookup)
  if not expanded then return nil, serr end
  out.auth = expanded.auth

  local url, uerr = M.check_instance_url(expanded.instance_url, out.allow_http)
  if not url then return nil, uerr end
  out.instance_url = url
  local v, verr = M.check_api_version(expanded.api_version)
  if not v then return nil, verr end
  out.api_version = v
  if not out.auth then
    return nil, usage("no credentials",
      "give auth = {...}, --instance local, or set SF_ACCESS_TOKEN or SF_CLIENT_ID and SF_CLIENT_SECRET")
  end
  if out.timeout ~= nil and (type(out.timeout) ~= "number" or out.timeout < 0) then
    return nil, usage("timeout must be a number of seconds (0: no limit)")
  end
  return out
end

return M
