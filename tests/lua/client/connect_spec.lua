-- luaforce.client: connecting. Where settings come from (arguments, then
-- `luaforce run`, then the environment, then a profile), what is checked
-- before anything is sent (instance URL, API version, names, ids), and that
-- a connection made each way really talks to an org.
local client = require "luaforce.client"
local settings = require "luaforce.client.settings"
local ids = require "luaforce.client.ids"
local emulator = require "luaforce.emulator"
local sf = require "luaforce"

local function env_of(t)
  return function(name) return t[name] end
end

local function resolve(opts, run, env, profile)
  return settings.resolve(opts, { run = run or {}, getenv = env_of(env or {}), profile = profile,
    lookup = function() return nil end })
end

describe("client settings", function()
  local FULL_ENV = {
    SF_INSTANCE_URL = "https://env.my.salesforce.com", SF_API_VERSION = "60.0",
    SF_ACCESS_TOKEN = "env-token", SF_CLIENT_ID = "env-id", SF_CLIENT_SECRET = "env-secret",
  }

  it("takes the arguments first, then luaforce run, then the environment", function()
    local rows = {
      -- opts, run, env -> instance_url, api_version, auth type, token or client id, source
      { { instance_url = "https://arg.my.salesforce.com", access_token = "arg-token" },
        { instance_url = "https://run.my.salesforce.com", access_token = "run-token" }, FULL_ENV,
        "https://arg.my.salesforce.com", "v60.0", "bearer", "arg-token", "arguments" },
      { {}, { instance_url = "http://127.0.0.1:8080", access_token = "run-token" }, FULL_ENV,
        "http://127.0.0.1:8080", "v60.0", "bearer", "run-token", "luaforce run" },
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

  it("uses a profile last, through the hook the CLI sets", function()
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
      { run = {}, getenv = env_of { SF_URL = "https://s.my.salesforce.com", TOK = "tok-from-env" } }))
    assert.are.equal("https://s.my.salesforce.com", cfg.instance_url)
    assert.are.equal("tok-from-env", cfg.auth.token)
    local got, err = settings.resolve({ instance_url = "https://s.my.salesforce.com",
      access_token = "{{secrets.NOPE_TOKEN}}" }, { run = {}, getenv = env_of { HOME = "/nonexistent" } })
    assert.is_nil(got)
    assert.are.equal("UNKNOWN_SECRET", err.code)
    assert.matches("NOPE_TOKEN", tostring(err))
  end)
end)

describe("client validation", function()
  it("knows the checksum of 18-character ids", function()
    local pairs_ = {
      { "001D000000IRFma", "001D000000IRFmaIAH" }, { "001R0000005hDFY", "001R0000005hDFYIA2" },
      { "003D000000OY9om", "003D000000OY9omIAD" }, { "005D0000001KyEI", "005D0000001KyEIIA0" },
    }
    for _, p in ipairs(pairs_) do
      assert.are.equal(p[2], ids.to18(p[1]))
      assert.are.equal(p[2], client.check_id(p[2]))
      assert.are.equal(p[2], ids.to18(p[2]:lower())) -- the suffix restores case
    end
  end)

  it("refuses malformed ids, object and field names with usage errors", function()
    local bad_ids = { "001D000000IRFmaIAA", "001D000000IRFm", "001D000000IRFma!!!", "001D000000IRFmaI", "", 42 }
    for _, id in ipairs(bad_ids) do
      local ok, err = pcall(client.check_id, id)
      assert.is_false(ok, tostring(id))
      assert.are.equal(2, err.exit)
    end
    for _, name in ipairs { "Account", "Invoice__c", "ns__Thing__c", "Account_Name__c", "Contact" } do
      assert.are.equal(name, client.check_object(name))
      assert.are.equal(name, client.check_field(name))
    end
    for _, name in ipairs { "", "1Account", "Account/../x", "Acc ount", "Account_", "a___b", "a__b__c__d", "Ac%2F" } do
      assert.is_false(pcall(client.check_object, name), name)
      assert.is_false(pcall(client.check_field, name), name)
    end
  end)
end)

describe("client.connect", function()
  local emu
  setup(function() emu = assert(emulator.start {}) end)
  teardown(function() emu:stop() end)

  it("connects with a bearer token and with client credentials", function()
    local a = assert(client.connect { instance_url = emu.url, access_token = emu.token })
    local b = assert(client.connect { instance_url = emu.url,
      auth = { type = "oauth-client-credentials", client_id = emu.client_id, client_secret = emu.client_secret } })
    for _, org in ipairs { a, b } do
      assert.are.equal("/services/data/v62.0", org.base)
      assert.are.equal("v62.0", org.api_version)
      local res = assert(org:query("SELECT COUNT() FROM Account"))
      assert.are.equal(200, res.status)
      assert.is_true(res.body.totalSize > 0)
    end
  end)

  it("is require('luaforce').connect, and reads luaforce.settings after its arguments", function()
    local s = sf.settings
    local saved = { s.instance_url, s.access_token }
    s.instance_url, s.access_token = emu.url, emu.token
    local org, err = sf.connect()
    s.instance_url, s.access_token = saved[1], saved[2]
    assert.is_truthy(org, tostring(err))
    assert.are.equal(emu.url, org.instance_url)
    assert.are.equal(200, assert(org:query("SELECT Id FROM Account LIMIT 1")).status)
  end)

  it("connects inside `luaforce run --instance local` with no arguments", function()
    local f = assert(io.open("build/luaforce", "r"))
    f:close()
    local script = os.tmpname()
    f = assert(io.open(script, "w"))
    f:write([[
local sf = require "luaforce"
local org = assert(sf.connect())
local res = org:strict():query("SELECT COUNT() FROM Account")
print("count", res.body.totalSize)
]])
    f:close()
    local p = assert(io.popen("env -u SF_INSTANCE_URL -u SF_ACCESS_TOKEN build/luaforce run --instance local "
      .. script .. " 2>&1"))
    local out = p:read("a")
    local ok = p:close()
    os.remove(script)
    assert.is_true(ok, out)
    assert.matches("count%s+%d+", out)
  end)

  it("raises on unknown options and returns bad settings as nil, err", function()
    assert.has_error(function() client.connect { instance = emu.url } end)
    local org, err = client.connect { instance_url = "http://example.com", access_token = "x" }
    assert.is_nil(org)
    assert.are.equal(2, err.exit)
    org = assert(client.connect { instance_url = "http://example.com", allow_http = true, access_token = "x" })
    assert.are.equal("http://example.com", org.instance_url)
  end)

  it("escapes every path segment", function()
    local org = assert(client.connect { instance_url = emu.url, access_token = emu.token })
    assert.are.equal("/sobjects/Account/a%2Fb%3Fc%20d", org:path("sobjects", "Account", "a/b?c d"))
  end)
end)
