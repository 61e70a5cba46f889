-- luaforce.client: connecting. What is checked before anything is sent
-- (names, ids), and that a connection made each way really talks to an org.
-- Where the settings come from is luaforce.client.settings (settings_spec).
local client = require "luaforce.client"
local ids = require "luaforce.client.ids"
local emulator = require "luaforce.emulator"
local sf = require "luaforce"

local function env_of(t)
  return function(name) return t[name] end
end

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

  it("is require('luaforce').connect, with the sources its program configured after its arguments", function()
    sf.configure { getenv = env_of {} }
    local org, err = sf.connect()
    assert.is_nil(org) -- nothing configured and an empty environment: no instance
    assert.are.equal(2, err.exit)
    sf.configure { command_line = { instance_url = emu.url, access_token = emu.token }, getenv = env_of {} }
    org, err = sf.connect()
    assert.is_truthy(org, tostring(err))
    assert.are.equal(emu.url, org.instance_url)
    assert.are.equal(emu.url, sf.settings.instance_url)
    assert.are.equal("command line", org.source)
    assert.are.equal(200, assert(org:query("SELECT Id FROM Account LIMIT 1")).status)
    -- arguments still come first
    local other = assert(sf.connect { instance_url = "http://127.0.0.1:1", access_token = "t" })
    assert.are.equal("http://127.0.0.1:1", other.instance_url)
    sf.configure { getenv = env_of {} }
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
