-- luaforce.client.describe: describe and describe_global cached per
-- connection (any case of the name), and versions.
local client = require "luaforce.client"
local local_org = require "support.local_org"

describe("client describe", function()
  local emu, org
  setup(function() emu, org = local_org.start { empty = true } end)
  teardown(function() emu:stop() end)

  local function requests() return emu:stats().api_requests end

  it("describe is cached per connection, by name in any case", function()
    local before = requests()
    local d = assert(org:describe("Account"))
    assert.equal("Account", d.name)
    assert.is_true(#d.fields > 5)
    assert.equal(d, assert(org:describe("Account")))
    assert.equal(d, assert(org:describe("account")))
    assert.equal(1, requests() - before)
    local fresh = assert(org:describe("Account", { refresh = true }))
    assert.are_not.equal(d, fresh)
    assert.equal(2, requests() - before)
    -- another connection has its own cache
    local other = assert(client.connect { instance_url = emu.url, access_token = emu.token })
    assert(other:describe("Account"))
    assert.equal(3, requests() - before)
    local none, err = org:describe("Nothing__c")
    assert.is_nil(none)
    assert.equal("404", err.code)
    local _, bad = org:describe("Bad Name")
    assert.equal("INVALID_TYPE", bad.error_code)
  end)

  it("describe_global is cached too", function()
    local before = requests()
    local g = assert(org:describe_global { refresh = true })
    local names = {}
    for _, s in ipairs(g.sobjects) do names[s.name] = true end
    assert.is_true(names.Account and names.Invoice__c)
    assert.equal(g, assert(org:describe_global()))
    assert.equal(1, requests() - before)
    assert(org:describe_global { refresh = true })
    assert.equal(2, requests() - before)
  end)

  it("versions lists the API versions", function()
    local list = assert(org:versions())
    local found
    for _, v in ipairs(list) do if v.version == "62.0" then found = v end end
    assert.equal("/services/data/v62.0", found.url)
  end)

end)
