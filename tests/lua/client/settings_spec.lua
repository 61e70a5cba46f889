-- luaforce.client.settings: the one resolver of connection settings. Where
-- each setting comes from (arguments, the program's command line, the
-- environment, a profile, defaults), what it says about where it came from,
-- the local org, and what is checked before anything is sent.
local settings = require "luaforce.client.settings"
local sf = require "luaforce"

local function env_of(t)
  return function(name) return t[name] end
end

local function resolve(opts, command_line, env, profile)
  return settings.resolve(opts, { command_line = command_line or {}, getenv = env_of(env or {}), profile = profile,
    lookup = function() return nil end })
end

describe("client settings", function()
  local FULL_ENV = {
    SF_INSTANCE_URL = "https://env.my.salesforce.com", SF_API_VERSION = "60.0",
    SF_ACCESS_TOKEN = "env-token", SF_CLIENT_ID = "env-id", SF_CLIENT_SECRET = "env-secret",
  }

  it("takes the arguments first, then the command line, then the environment", function()
    local rows = {
      -- opts, command line, env -> instance_url, api_version, auth type, token or client id, source
      { { instance_url = "https://arg.my.salesforce.com", access_token = "arg-token" },
        { instance_url = "https://run.my.salesforce.com", access_token = "run-token" }, FULL_ENV,
        "https://arg.my.salesforce.com", "v60.0", "bearer", "arg-token", "arguments" },
      { {}, { instance_url = "http://127.0.0.1:8080", access_token = "run-token" }, FULL_ENV,
        "http://127.0.0.1:8080", "v60.0", "bearer", "run-token", "command line" },
      { { api_version = "v61.0" }, {}, FULL_ENV,
        "https://env.my.salesforce.com", "v61.0", "bearer", "env-token", "environment" },
      { {}, { instance_url = "https://run.my.salesforce.com" },
        { SF_CLIENT_ID = "id", SF_CLIENT_SECRET = "secret" },
        "https://run.my.salesforce.com", "v62.0", "oauth-client-credentials", "id", "environment" },
      { { auth = { type = "oauth-client-credentials", client_id = "a", client_secret = "b" } },
        { instance_url = "https://run.my.salesforce.com", access_token = "run-token" }, {},
        "https://run.my.salesforce.com", "v62.0", "oauth-client-credentials", "a", "arguments" },
    }
    for i, row in ipairs(rows) do
      local cfg = assert(resolve(row[1], row[2], row[3]))
      assert.are.equal(row[4], cfg.instance_url, "row " .. i)
      assert.are.equal(row[5], cfg.api_version, "row " .. i)
      assert.are.equal(row[6], cfg.auth.type, "row " .. i)
      assert.are.equal(row[7], cfg.auth.token or cfg.auth.client_id, "row " .. i)
      assert.are.equal(row[8], cfg.source, "row " .. i)
    end
  end)

  it("never pairs a token from one source with a client id from another", function()
    local cfg = assert(resolve({ client_id = "arg-id", client_secret = "arg-secret" }, {},
      { SF_INSTANCE_URL = "https://x.my.salesforce.com", SF_ACCESS_TOKEN = "env-token" }))
    assert.are.equal("oauth-client-credentials", cfg.auth.type)
    assert.is_nil(cfg.auth.token)
  end)

  it("uses a profile last, from the profile source the program hands in", function()
    local asked
    local function profile(name)
      asked = name or "default"
      return { instance_url = "https://prof.my.salesforce.com", access_token = "prof-token", api_version = "59.0" }
    end
    local cfg = assert(resolve({ profile = "work" }, {}, { SF_API_VERSION = "v63.0" }, profile))
    assert.are.equal("work", asked)
    assert.are.equal("https://prof.my.salesforce.com", cfg.instance_url)
    assert.are.equal("v63.0", cfg.api_version)
    assert.are.equal("prof-token", cfg.auth.token)
    local _, err = resolve({}, {}, {}, function() return nil, sf.errors.usage("no such profile 'x'") end)
    assert.matches("no such profile", tostring(err))
  end)

  it("reports missing settings as usage errors", function()
    local _, err = resolve({ access_token = "t" }, {}, {})
    assert.are.equal(2, err.exit)
    assert.matches("no instance URL", tostring(err))
    _, err = resolve({ instance_url = "https://x.my.salesforce.com" }, {}, {})
    assert.are.equal(2, err.exit)
    assert.matches("no credentials", tostring(err))
  end)

  it("normalises the API version and refuses nonsense", function()
    local rows = {
      { nil, "v62.0" }, { "v62.0", "v62.0" }, { "62.0", "v62.0" }, { "V58.0", "v58.0" }, { "61", "v61.0" },
      { 63, "v63.0" }, { "latest", nil }, { "v62.0.1", nil }, { "", "v62.0" },
    }
    for _, row in ipairs(rows) do
      local cfg, err = resolve({ instance_url = "https://x.my.salesforce.com", access_token = "t",
        api_version = row[1] })
      if row[2] then
        assert.are.equal(row[2], cfg and cfg.api_version, tostring(row[1]))
      else
        assert.is_nil(cfg, tostring(row[1]))
        assert.are.equal(2, err.exit)
      end
    end
  end)

  it("checks the instance URL", function()
    local rows = {
      { "https://acme.my.salesforce.com", "https://acme.my.salesforce.com" },
      { "https://acme.my.salesforce.com/", "https://acme.my.salesforce.com" },
      { "HTTPS://acme.my.salesforce.com:8443", "https://acme.my.salesforce.com:8443" },
      { "http://127.0.0.1:9999", "http://127.0.0.1:9999" },
      { "http://localhost:9999/", "http://localhost:9999" },
      { "http://[::1]:9999", "http://[::1]:9999" },
      { "http://acme.example.com", nil, "plain http" },
      { "acme.my.salesforce.com", nil, "no scheme" },
      { "ftp://acme.example.com", nil, "not http" },
      { "https://user:pw@acme.example.com", nil, "user name" },
      { "https://acme.example.com/?x=1", nil, "query" },
      { "https:// acme", nil, "blanks" },
    }
    for _, row in ipairs(rows) do
      local url, err = settings.check_instance_url(row[1])
      if row[2] then
        assert.are.equal(row[2], url, row[1])
      else
        assert.is_nil(url, row[1])
        assert.are.equal(2, err.exit)
        assert.matches(row[3], tostring(err), 1, true)
      end
    end
    assert.are.equal("http://acme.example.com", settings.check_instance_url("http://acme.example.com", true))
  end)

  it("resolves {{secrets.NAME}} in settings and refuses unknown ones", function()
    local cfg = assert(settings.resolve({ instance_url = "{{secrets.SF_URL}}", access_token = "{{ secrets.TOK }}" },
      { getenv = env_of { SF_URL = "https://s.my.salesforce.com", TOK = "tok-from-env" } }))
    assert.are.equal("https://s.my.salesforce.com", cfg.instance_url)
    assert.are.equal("tok-from-env", cfg.auth.token)
    local got, err = settings.resolve({ instance_url = "https://s.my.salesforce.com",
      access_token = "{{secrets.NOPE_TOKEN}}" }, { getenv = env_of { HOME = "/nonexistent" } })
    assert.is_nil(got)
    assert.are.equal("UNKNOWN_SECRET", err.code)
    assert.matches("NOPE_TOKEN", tostring(err))
  end)
end)


describe("settings.gather: where each setting comes from", function()
  local FLAGS = { instance_url = "--instance", access_token = "--token", client_id = "--client-id",
    client_secret = "--client-secret-file", api_version = "--api-version", profile = "--profile" }

  local function gather(opts, command_line, env, profile)
    return settings.gather(opts, { command_line = command_line, flags = FLAGS, getenv = env_of(env or {}),
      profile = profile })
  end

  it("names the flag, the variable, the profile file or the default", function()
    local function profile(name)
      return { api_version = "v50.0", access_token = "{{secrets.T}}" }, name or "acme", "/etc/lf/config"
    end
    local v = assert(gather({}, { instance_url = "https://cli.example.com" }, { SF_PROFILE = "acme" }, profile))
    assert.same({ value = "https://cli.example.com", source = "command line --instance" }, v.instance_url)
    assert.same({ value = "v50.0", source = "profile acme in /etc/lf/config" }, v.api_version)
    assert.same({ value = "acme", source = "environment SF_PROFILE" }, v.profile)
    assert.same({ value = "{{secrets.T}}", source = "profile acme in /etc/lf/config" }, v.access_token)
    assert.are.equal("bearer", v.auth)

    v = assert(gather({ instance_url = "https://arg.example.com" }, {}, {}, profile))
    assert.same({ value = "https://arg.example.com", source = "connect argument instance_url" }, v.instance_url)
    assert.same({ value = "acme", source = "default of /etc/lf/config" }, v.profile)

    v = assert(gather({}, {}, { SF_INSTANCE_URL = "https://env.example.com", SF_CLIENT_ID = "id" }))
    assert.same({ value = "v62.0", source = "default" }, v.api_version)
    assert.same({ value = "id", source = "environment SF_CLIENT_ID" }, v.client_id)
    assert.is_nil(v.client_secret)
    assert.are.equal("oauth-client-credentials", v.auth)
  end)

  it("gives a local org the command line's credentials or its own token, never the environment's", function()
    local v = assert(gather({}, { instance_url = "local" }, { SF_ACCESS_TOKEN = "meant-for-prod" }))
    assert.is_true(v.local_org)
    assert.same({ value = "(the local org's token)", source = "the local org" }, v.access_token)
    v = assert(gather({}, { instance_url = "local", access_token = "mine" }, { SF_ACCESS_TOKEN = "meant-for-prod" }))
    assert.same({ value = "mine", source = "command line --token" }, v.access_token)
  end)

  it("passes a profile file's error on, and starts nothing", function()
    local _, err = gather({}, {}, {}, function() return nil, sf.errors.usage("unsafe config") end)
    assert.matches("unsafe config", tostring(err))
    local started = false
    local v = assert(settings.gather({}, { command_line = { instance_url = "local" }, getenv = env_of {},
      local_org = function() started = true end }))
    assert.is_true(v.local_org)
    assert.is_false(started)
  end)
end)

describe("settings.resolve", function()
  it("starts the local org only for `local`, with its URL and token", function()
    local calls = 0
    local function local_org()
      calls = calls + 1
      return { url = "http://127.0.0.1:4321", token = "00DLOCAL!tok" }
    end
    local cfg = assert(settings.resolve(nil, { command_line = { instance_url = "local" }, getenv = env_of {},
      local_org = local_org, lookup = function() end }))
    assert.are.equal(1, calls)
    assert.are.equal("http://127.0.0.1:4321", cfg.instance_url)
    assert.are.equal("00DLOCAL!tok", cfg.auth.token)
    assert.are.equal("the local org", cfg.provenance.access_token.source)
    assert.is_nil(cfg.provenance.access_token.value) -- no secret in the provenance
    local _, err = settings.resolve(nil, { command_line = { instance_url = "local" }, getenv = env_of {},
      local_org = function() return nil, sf.errors.new { code = "EMULATOR", message = "no port" } end })
    assert.are.equal("EMULATOR", err.code)
    _, err = settings.resolve(nil, { command_line = { instance_url = "local" }, getenv = env_of {} })
    assert.are.equal(2, err.exit)
    assert.matches("'local' (from command line instance_url)", tostring(err), 1, true)
  end)

  it("says where a bad setting came from and how to give it", function()
    local flags = { instance_url = "--instance", client_secret = "--client-secret-file" }
    local function try(command_line, env)
      local _, err = settings.resolve(nil, { command_line = command_line, flags = flags, getenv = env_of(env or {}),
        profile = function() end, local_org = function() end })
      return tostring(err), err.exit
    end
    local msg, exit = try({}, { SF_INSTANCE_URL = "acme.my.salesforce.com", SF_ACCESS_TOKEN = "t" })
    assert.are.equal(2, exit)
    assert.matches("'acme.my.salesforce.com' (from environment SF_INSTANCE_URL) has no scheme", msg, 1, true)
    assert.matches("or 'local' for the built-in local org", msg, 1, true)
    -- a URL that cannot be one comes before the missing credentials
    msg, exit = try({ instance_url = "lcoal" })
    assert.are.equal(2, exit)
    assert.matches("'lcoal' (from command line --instance) has no scheme", msg, 1, true)
    msg = try({ instance_url = "https://x.example.com" }, { SF_CLIENT_ID = "cid" })
    assert.matches("a client id (from environment SF_CLIENT_ID) without its secret", msg, 1, true)
    assert.matches("--client-secret-file FILE, set SF_CLIENT_SECRET, or client_secret in the profile", msg, 1, true)
    msg = try({}, {})
    assert.matches("give --instance URL (or local), set SF_INSTANCE_URL, or add a profile", msg, 1, true)
    -- a library caller with no command line is told about connect's arguments
    local _, err = settings.resolve({}, { getenv = env_of {} })
    assert.matches("give instance_url, or set SF_INSTANCE_URL", tostring(err), 1, true)
  end)

  it("copies the program's auth options into client credentials only", function()
    local src = { command_line = { instance_url = "https://x.example.com", client_id = "i", client_secret = "s" },
      getenv = env_of {}, auth_options = { disk_cache = true }, lookup = function() end }
    assert.is_true(assert(settings.resolve(nil, src)).auth.disk_cache)
    src.command_line = { instance_url = "https://x.example.com", access_token = "t" }
    assert.is_nil(assert(settings.resolve(nil, src)).auth.disk_cache)
  end)
end)
