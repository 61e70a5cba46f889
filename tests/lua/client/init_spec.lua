-- luaforce.client: connecting, and that a connection made each way really
-- talks to an org; org:request for any resource. Where the settings come
-- from is luaforce.client.settings (settings_spec); the name and id checks
-- are luaforce.client.checks (checks_spec); require("luaforce").connect
-- with configured sources is tests/lua/init_spec.lua.
local client = require "luaforce.client"
local emulator = require "luaforce.emulator"
local local_org = require "support.local_org"
local json = require "luaforce.json"

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

describe("org:request", function()
  local emu, org
  setup(function() emu, org = local_org.start { empty = true } end)
  teardown(function() emu:stop() end)

  local function requests() return emu:stats().api_requests end

  it("request reaches any resource, with the client's errors", function()
    local res = assert(org:request("GET", "/limits"))
    assert.equal(200, res.status)
    assert.is_table(res.body.DailyApiRequests)
    local comp = assert(org:request("POST", "/composite", { allOrNone = true, compositeRequest = json.array {
      json.object({ method = "POST", url = org.base .. "/sobjects/Account", referenceId = "acc",
        body = { Name = "Via composite" } }, { "method", "url", "referenceId", "body" }),
    } }))
    assert.equal(201, comp.body.compositeResponse[1].httpStatusCode)
    local q = assert(org:request("GET", "/query", nil, { query = { q = "SELECT Name FROM Account" } }))
    assert.equal("Via composite", q.body.records[1].Name)
    local none, err = org:request("GET", "/sobjects/Nothing__c")
    assert.is_nil(none)
    assert.equal("404", err.code)
    assert.has_error(function() org:request("GET ME", "/limits") end)
    assert.has_error(function() org:request("GET", "/limits", nil, { bogus = 1 }) end)
  end)
end)
