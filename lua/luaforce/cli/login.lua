--- luaforce.cli.login: `luaforce login [--show]`: are the settings right?
--
-- Without --show: connects with the settings in use, gets a token (client
-- credentials: fetched and kept in the disk token cache, so the next
-- commands start without asking for one), makes one API call to prove the
-- token works, and prints where and as whom. With --show: prints every
-- setting in use and where it came from, secrets as ***; nothing is sent.
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local config = require "luaforce.cli.config"
local json = require "luaforce.json"
local records = require "luaforce.cli.records"

local M = {}

M.summary = "check the connection settings and cache a token"
M.spec = {
  command = "login",
  usage = "luaforce login [OPTIONS]",
  max_args = 0,
  options = common.connected {
    { name = "show", help = "print the settings in use and where each came from (sends nothing)" },
  },
}
M.description = [[
Checks the connection settings: connects, fetches a token when the
credentials are a client id and secret (OAuth client credentials) and keeps
it in the token cache ($XDG_CACHE_HOME/luaforce/tokens, mode 0600) for the
commands that follow, makes one API call, and prints the org, the user and
the API requests left today. An authentication failure exits 3.

--show prints each setting in use (instance_url, api_version, the
credentials, the profile) and where it came from: the command line, the
environment (SF_INSTANCE_URL, SF_API_VERSION, SF_ACCESS_TOKEN, SF_CLIENT_ID,
SF_CLIENT_SECRET, SF_PROFILE), a profile of the config file, or a default.
Secrets print as ***. Nothing is sent.

Settings come from, first wins: the command line, the environment, the
profile (--profile NAME, else SF_PROFILE, else the file's default). The
config file is $XDG_CONFIG_HOME/luaforce/config (else
~/.config/luaforce/config):

  default = acme
  [profile acme]
  instance_url = https://acme.my.salesforce.com
  client_id = 3MVG9...
  client_secret = {{secrets.ACME_SECRET}}

{{secrets.NAME}} comes from the environment variable NAME or the secrets
file beside the config file (NAME=value lines, mode 0600). A config file
holding a secret in clear text is refused while others may read it.]]
M.examples = {
  "luaforce login",
  "luaforce login --show",
  "luaforce login --profile acme",
  "luaforce login --instance https://acme.my.salesforce.com --client-id 3MVG9... --client-secret-file ~/.acme-secret",
  "SF_INSTANCE_URL=https://acme.my.salesforce.com SF_ACCESS_TOKEN=00D... luaforce login",
}

local PLACEHOLDER = "{{%s*secrets%.[%w_%.%-]+%s*}}"

-- A secret prints as ***, unless it is only {{secrets.NAME}} placeholders,
-- which say where the secret is, not what it is.
local function shown(key, v)
  if not connect.SECRET_KEYS[key] or v == "(the local org's token)" then return v end
  if v:gsub(PLACEHOLDER, "") == "" then return v end
  return "***"
end

local COLUMNS = { "setting", "value", "source" }

local function row(setting, value, source)
  return json.object({ setting = setting, value = value or json.null, source = source or json.null }, COLUMNS)
end

-- The rows of --show, in a fixed order.
local function settings_rows(s)
  local rows = {}
  local path = config.path()
  local doc = config.read(path)
  rows[#rows + 1] = row("config", path, doc and doc.missing and "not found" or "read")
  if s.api_version then
    local v, err = require("luaforce.client.settings").check_api_version(s.api_version.value)
    if not v then error(err, 0) end
    s.api_version.value = v
  end
  for _, key in ipairs { "profile", "instance_url", "api_version" } do
    local e = s[key]
    rows[#rows + 1] = row(key, e and e.value or "(not set)", e and e.source)
  end
  local kind = s.auth or "(no credentials)"
  local first = s.access_token or s.client_id
  rows[#rows + 1] = row("auth", kind, first and first.source)
  for _, key in ipairs { "access_token", "client_id", "client_secret" } do
    local e = s[key]
    if e then rows[#rows + 1] = row(key, shown(key, e.value), e.source) end
  end
  if s.auth == "oauth-client-credentials" then
    rows[#rows + 1] = row("token_cache", require("luaforce.auth.store").path() or "(no home directory)",
      "XDG_CACHE_HOME")
  end
  return rows
end

local function show(ctx, opts)
  local settings = records.settings(ctx, opts)
  local s = connect.resolve(ctx, opts)
  local rows = settings_rows(s)
  records.print(ctx, opts, settings, { kind = "records", columns = COLUMNS, footer = false }, function(w)
    for _, r in ipairs(rows) do w:record(r) end
  end)
  return 0
end

-- "org 00D..., user 005..." from the token's identity URL, when there is one.
local function identity(org)
  local a = org.auth
  if a.type ~= "oauth-client-credentials" or not a.key then return nil end
  local e = require("luaforce.auth.store").get(a.key, { disk = true })
  if not e or type(e.id) ~= "string" then return nil end
  local org_id, user_id = e.id:match("/id/(%w+)/(%w+)$")
  if not org_id then return nil end
  return ("org %s, user %s"):format(org_id, user_id)
end

function M.run(ctx, opts)
  if opts.show then return show(ctx, opts) end
  local org = connect.org(ctx, opts)
  local s = org.provenance
  -- a cached token proves nothing about the secret (the disk cache does
  -- not keep it): drop it, so the call below fetches a new one
  local a = org.auth
  if a.type == "oauth-client-credentials" and a.key then
    local cached = require("luaforce.auth.store").get(a.key, { disk = true })
    if cached then a:invalidate(cached.access_token) end
  end
  local info, err = org:limits()
  if not info then connect.fail(err, org) end
  local out = io.stdout
  local where = org.auth:instance_url() or org.instance_url
  out:write(("connected to %s (API %s)\n"):format(where, org.api_version))
  if s.auth == "oauth-client-credentials" then
    out:write(("  credentials  client %s (OAuth client credentials), from %s\n"):format(s.client_id.value,
      s.client_id.source))
    out:write(("  token        cached in %s\n"):format(require("luaforce.auth.store").path() or "memory only"))
  else
    out:write(("  credentials  an access token, from %s\n"):format(s.access_token.source))
  end
  local who = identity(org)
  if who then out:write(("  identity     %s\n"):format(who)) end
  if info.max then
    out:write(("  API requests %d of %d used today, %d left\n"):format(info.used, info.max, info.remaining))
  end
  return 0
end

return M
