-- luaforce.emulator.tooling: the Tooling API a client asks of a production
-- org (the Salesforce CLI looks for the org's sandboxes after a login).
local org = require "support.app_request"

local request, V = org.request, org.V

local function tooling_query(q)
  return request("GET", V .. "/tooling/query", { query = { q = q } })
end

describe("emulator tooling API", function()
  before_each(function() org.setup() end)

  it("answers a SandboxProcess query as a production org without sandboxes, with the tooling keys", function()
    local r = tooling_query("SELECT Id,Status,SandboxName,SandboxInfoId,LicenseType,CreatedDate,CopyProgress,"
      .. "SandboxOrganization,SourceId,Description,EndDate,Features FROM SandboxProcess "
      .. "WHERE SandboxOrganization='00DLOCAL0000001' ORDER BY CreatedDate DESC")
    assert.equal(200, r.status)
    assert.equal('{"size":0,"totalSize":0,"done":true,"queryLocator":null,"entityTypeName":null,"records":[]}',
      r.body)
  end)

  it("refuses objects it does not have as a real org does, and bad SOQL as the data API does", function()
    local r = tooling_query("SELECT Id FROM ApexClass")
    assert.equal(400, r.status)
    assert.equal("INVALID_TYPE", r.json[1].errorCode)
    local bad = tooling_query("SELECT FROM SandboxProcess")
    assert.equal(400, bad.status)
    assert.equal("MALFORMED_QUERY", bad.json[1].errorCode)
    assert.equal(400, tooling_query("").status)
    assert.equal(405, request("POST", V .. "/tooling/query", { query = { q = "SELECT Id FROM SandboxProcess" } })
      .status)
  end)

  it("describes its objects, needs a session and counts as an API call", function()
    local g = request("GET", V .. "/tooling/sobjects")
    assert.equal(200, g.status)
    assert.equal("SandboxProcess", g.json.sobjects[1].name)
    local d = request("GET", V .. "/tooling/sobjects/SandboxProcess/describe")
    assert.equal(200, d.status)
    assert.is_false(d.json.createable)
    assert.equal(401, request("GET", V .. "/tooling/sobjects", { token = false }).status)
    assert.equal(404, request("GET", V .. "/tooling/nothing").status)
    local a = request("GET", V .. "/tooling/sobjects").h["sforce-limit-info"]
    local b = request("GET", V .. "/tooling/sobjects").h["sforce-limit-info"]
    assert.equal(tonumber(a:match("=(%d+)")) + 1, tonumber(b:match("=(%d+)")))
  end)
end)
