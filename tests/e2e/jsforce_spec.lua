-- An off-the-shelf Salesforce client, jsforce 3 (Node.js), against
-- `luaforce emulator`, unchanged: OAuth client credentials, query with
-- autoFetch over several pages, CRUD, upsert, describe, errors.
-- jsforce is a test-time peer: scripts/peers installs the pinned version.
local proc = require "support.proc"
local json = require "luaforce.json"

describe("jsforce against luaforce emulator", function()
  local modules, emu, data

  setup(function()
    local r = proc.sh("scripts/peers")
    modules = r.code == 0 and r.stdout:match("([^\n]+)") or nil
    assert(modules, "scripts/peers failed: " .. r.stderr)
    -- 2,500 leads more than the demo org: autoFetch must follow nextRecordsUrl
    local leads = {}
    for i = 1, 2500 do
      leads[i] = { LastName = ("Lead %04d"):format(i), Company = "Peer Co", Status = "Open - Not Contacted" }
    end
    data = proc.write(os.tmpname(), json.encode { Lead = leads })
    emu = proc.emulator { "--now", "2024-06-01T12:00:00Z", "--data", data, "-q" }
  end)

  teardown(function()
    if emu then emu.stop() end
    if data then os.remove(data) end
  end)

  it("works unchanged", function()
    local r = proc.sh("node tests/e2e/jsforce/client.js " .. proc.quote(emu.url), { env = { NODE_PATH = modules } })
    assert.equal(0, r.code, r.stderr)
    local out = json.decode(r.stdout)
    assert.equal("string", out.oauth.token)
    assert.equal(emu.url, out.oauth.instanceUrl)
    assert.matches("^005", out.oauth.userId)
    assert.is_true(out.query.totalSize >= 300)
    assert.equal("object", out.query.parent)
    assert.is_true(out.autoFetch.fetched > 2500)
    assert.equal(out.autoFetch.totalSize, out.autoFetch.fetched)
    assert.equal(out.autoFetch.fetched, out.autoFetch.unique)
    assert.is_true(out.create.success)
    assert.same({ Name = "jsforce O'Brien", Industry = "Energy" }, out.retrieve)
    assert.same({ first = true, second = false, same = true }, out.upsert)
    assert.equal("ENTITY_IS_DELETED", out.afterDelete)
    assert.equal("Account", out.describe.name)
    assert.is_true(out.describe.hasContacts)
    assert.same({ "Account", "Case", "Contact", "Invoice__c", "Lead", "Opportunity", "Organization", "Profile", "User" },
      out.describeGlobal)
    assert.same({ errorCode = "MALFORMED_QUERY", caret = true }, out.badQuery)
    assert.is_true(out.count >= 100)
  end)
end)
