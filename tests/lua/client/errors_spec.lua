-- luaforce.client: the error table, path by path against the local org:
-- not found, malformed id, invalid field, required field, duplicate,
-- several errors at once, bad SOQL, an HTML page, an expired token (one
-- refresh), refused credentials, the daily limit; printing, sf.raise and
-- org:strict().
local client = require "luaforce.client"
local emulator = require "luaforce.emulator"
local json = require "luaforce.json"
local errors = require "luaforce.errors"
local sf = require "luaforce"

describe("client errors", function()
  local emu, org, logs
  setup(function()
    emu = assert(emulator.start { now = "2024-06-01T12:00:00Z" })
    logs = {}
    org = assert(client.connect { instance_url = emu.url, access_token = emu.token,
      retry = { base_delay = 0.001, log = function(l) logs[#logs + 1] = l end } })
  end)
  teardown(function() emu:stop() end)
  before_each(function()
    emu:reset()
    emu:set_faults {}
    for i = #logs, 1, -1 do logs[i] = nil end
  end)

  local function an_account()
    return assert(org:query("SELECT Id FROM Account LIMIT 1")).body.records[1].Id
  end

  -- what every error from a response carries
  local function check_shape(err)
    assert.is_true(errors.is(err))
    assert.is_string(err.code)
    assert.is_string(err.message)
    assert.is_table(err.variables.response)
    assert.is_table(err.request)
    assert.is_string(err.request.method)
    assert.matches("^/", err.request.path)
    assert.is_nil(tostring(err):find("\n"), "one line")
    assert.is_nil(tostring(err):find(emu.token, 1, true), "no token")
  end

  it("carries the connector's code, Salesforce's whole error and the exit class", function()
    local deleted = assert(org:create("Account", { Name = "Gone" })).body.id
    assert(org:delete("Account", deleted))
    local user = assert(org:query("SELECT Username FROM User LIMIT 1")).body.records[1]
    local rows = {
      -- call, code, error_code, exit, fields, message pattern
      { function() return org:get("Account", "001000000000000") end, "404", "NOT_FOUND", 1, {},
        "does not exist" },
      { function() return org:get("Account", deleted) end, "404", "ENTITY_IS_DELETED", 1, {}, "deleted" },
      { function() return org:get("Account", "003D000000OY9omIAD") end, "404", "NOT_FOUND", 1, {}, "" },
      { function() return org:get("Account", an_account(), { query = { fields = "Name,Bogus__c" } }) end,
        "400", "INVALID_FIELD", 2, {}, "Bogus__c" },
      { function() return org:create("Contact", { FirstName = "No Last Name" }) end,
        "400", "REQUIRED_FIELD_MISSING", 1, { "LastName" }, "Required fields" },
      { function() return org:create("User", { Username = user.Username, LastName = "Dup", Email = "d@x.org" }) end,
        "400", "DUPLICATE_VALUE", 1, { "Username" }, "duplicate value" },
      -- an object the org does not have: Salesforce's 404, read as bad input
      { function() return org:create("Bogus__c", { Name = "x" }) end, "404", "NOT_FOUND", 2, {},
        "^sObject type 'Bogus__c' is not supported$" },
      { function() return org:query("SELECT Id FRM Account") end, "400", "MALFORMED_QUERY", 2, {},
        "unexpected token: 'FRM' %(at Row:1:Column:11%)" },
      { function() return org:query("SELECT Id FROM Nope__c") end, "400", "INVALID_TYPE", 2, {}, "Nope__c" },
      { function() return org:update("Account", an_account(), { Name = string.rep("x", 300) }) end,
        "400", "STRING_TOO_LONG", 1, { "Name" }, "too large" },
    }
    for i, row in ipairs(rows) do
      local res, err = row[1]()
      assert.is_nil(res, "row " .. i)
      check_shape(err)
      assert.are.equal(row[2], err.code, "row " .. i)
      assert.are.equal(row[3], err.error_code, "row " .. i .. ": " .. tostring(err))
      assert.are.equal(row[4], err.exit, "row " .. i)
      assert.are.same(row[5], err.fields, "row " .. i)
      assert.matches(row[6], err.message, "row " .. i)
      assert.are.equal(tonumber(row[2]), err.status)
      -- the body is Salesforce's array, whole
      assert.is_true(json.is_array(err.variables.response.body), "row " .. i)
      assert.are.equal(row[3], err.variables.response.body[1].errorCode)
      assert.are.equal(err.variables.response.body, err.errors)
      assert.matches("^" .. row[2] .. " " .. row[3] .. ": ", tostring(err))
    end
    assert.are.same({}, logs) -- none of these is retried
  end)

  it("keeps every error of a body with several", function()
    local body = '[{"errorCode":"FIELD_CUSTOM_VALIDATION_EXCEPTION","message":"Amount must be positive",' ..
      '"fields":["Amount"]},{"errorCode":"FIELD_INTEGRITY_EXCEPTION","message":"Stage is closed",' ..
      '"fields":["StageName","Amount"]}]'
    assert(emu:set_faults { { method = "PATCH", path = "/services/data/*/sobjects/Account/*", status = 400,
      body = body } })
    local _, err = org:update("Account", an_account(), { Name = "x" })
    assert.are.equal("400", err.code)
    assert.are.equal("FIELD_CUSTOM_VALIDATION_EXCEPTION", err.error_code)
    assert.are.equal(2, #err.errors)
    assert.are.equal("Stage is closed", err.variables.response.body[2].message)
    assert.are.same({ "Amount", "StageName" }, err.fields)
    assert.matches("%(and 1 more error%)", tostring(err))
  end)

  it("reports an HTML page by its status and first line, never a decoder trace", function()
    assert(emu:set_faults { "GET /services/data/*/query -> html status=503" })
    local _, err = org:query("SELECT Id FROM Account")
    check_shape(err)
    assert.are.equal("503", err.code)
    assert.are.equal(503, err.status)
    assert.matches("text/html", err.message, 1, true)
    assert.matches("503 Service Unavailable", err.message, 1, true)
    assert.is_string(err.variables.response.body)
    assert.matches("<html>", err.variables.response.body, 1, true)
    assert.is_nil(err.message:find("JSON_PARSE", 1, true))
    assert.is_true(#logs > 0) -- a 503 is retried first
    -- a 200 that is not JSON: NOT_JSON, with its real status (no invented 500)
    assert(emu:set_faults { "GET /services/data/*/limits -> status=200 body='<p>captive portal</p>'" })
    _, err = org:call("GET", "/limits")
    assert.are.equal("NOT_JSON", err.code)
    assert.are.equal(200, err.status)
    assert.matches("captive portal", err.message, 1, true)
    -- unless the caller wants text
    local res = assert(org:call("GET", "/limits", { expect_json = false }))
    assert.are.equal("<p>captive portal</p>", res.body)
  end)

  it("refreshes an expired token once and replays the request", function()
    local o = assert(client.connect { instance_url = emu.url,
      auth = { type = "oauth-client-credentials", client_id = emu.client_id, client_secret = emu.client_secret } })
    assert(o:query("SELECT Id FROM Account LIMIT 1")) -- a token in the cache
    assert(emu:set_faults {
      "POST /services/oauth2/token -> latency=0ms",
      "GET /services/data/*/query -> expire-tokens times=1",
    })
    local res, err = o:query("SELECT Id FROM Account LIMIT 1")
    assert.is_truthy(res, tostring(err))
    local f = emu:faults()
    assert.are.equal(1, f[1].seen) -- one new token
    assert.are.equal(2, f[2].seen) -- the request, then its replay
  end)

  it("reports a refused token as 401, exit 3, without retrying", function()
    local o = assert(client.connect { instance_url = emu.url, access_token = "00Dbogus!not-a-token",
      retry = { base_delay = 0.001, log = function(l) logs[#logs + 1] = l end } })
    local _, err = o:query("SELECT Id FROM Account")
    check_shape(err)
    assert.are.equal("401", err.code)
    assert.are.equal("INVALID_SESSION_ID", err.error_code)
    assert.are.equal(3, err.exit)
    assert.is_nil(tostring(err):find("not-a-token", 1, true))
    assert.are.same({}, logs)
  end)

  it("reports refused client credentials with the token endpoint's status", function()
    local o = assert(client.connect { instance_url = emu.url,
      auth = { type = "oauth-client-credentials", client_id = emu.client_id, client_secret = "wrong-secret" } })
    local _, err = o:query("SELECT Id FROM Account")
    assert.are.equal("400", err.code)
    assert.are.equal("invalid_client", err.error_code)
    assert.are.equal(3, err.exit)
    assert.is_nil(tostring(err):find("wrong-secret", 1, true))
  end)

  it("does not retry the daily TotalRequests limit", function()
    local small = assert(emulator.start { api_limit = 2 })
    local o = assert(client.connect { instance_url = small.url, access_token = small.token,
      retry = { base_delay = 0.001, log = function(l) logs[#logs + 1] = l end } })
    assert(o:query("SELECT Id FROM Account LIMIT 1"))
    assert(o:query("SELECT Id FROM Account LIMIT 1"))
    local _, err = o:query("SELECT Id FROM Account LIMIT 1")
    local api = small:stats().requests
    small:stop()
    assert.are.equal("403", err.code)
    assert.are.equal("REQUEST_LIMIT_EXCEEDED", err.error_code)
    assert.matches("TotalRequests", err.message)
    assert.matches("allowance", tostring(err))
    assert.are.same({}, logs)
    assert.are.equal(3, api)
  end)

  it("offers exceptions: sf.raise and org:strict()", function()
    local _, err = org:get("Account", "001000000000000")
    local ok, raised = pcall(sf.raise, err)
    assert.is_false(ok)
    assert.are.equal(err, raised)
    assert.has_error(function() sf.raise(nil) end)
    ok, raised = pcall(sf.raise, "plain words")
    assert.is_false(ok)
    assert.is_true(errors.is(raised))

    local strict = org:strict()
    assert.are.equal(org.base, strict.base)
    local id = an_account()
    assert.are.equal(id, strict:get("Account", id).body.Id)
    ok, raised = pcall(function() return strict:get("Account", "001000000000000") end)
    assert.is_false(ok)
    assert.are.equal("404", raised.code)
    assert.are.equal("NOT_FOUND", raised.error_code)
  end)
end)
