-- luaforce.client.explain: an operation's error as a person should read it
-- (the nearest object or field name, the versions offered, exit 2 for a
-- name the org does not have), with Salesforce's own answer kept for the
-- code that reads it (a connector task's error expression).
local client = require "luaforce.client"
local errors = require "luaforce.errors"
local explain = require "luaforce.client.explain"
local cerrors = require "luaforce.connector.errors"
local local_org = require "support.local_org"

describe("client explain", function()
  local emu, org
  setup(function() emu, org = local_org.start { empty = true } end)
  teardown(function() emu:stop() end)

  local function requests() return emu:stats().api_requests end

  it("an object the org does not have: exit 2, the nearest name, Salesforce's answer kept", function()
    for _, call in ipairs {
      function() return org:create("Acount", { Name = "x" }) end,
      function() return org:describe("Acount") end,
      function() return org:get("Acount", "001000000000000AAA") end,
      function() return org:update("Acount", "001000000000000AAA", { Name = "x" }) end,
      function() return org:delete("Acount", "001000000000000AAA") end,
      function() return org:upsert("Acount", "External_Id__c", "E-1", { Name = "x" }) end,
      function() return org:get_many("Acount", { "001000000000000AAA" }, { "Id" }) end,
    } do
      local res, err = call()
      assert.is_nil(res)
      assert.equal("sObject type 'Acount' is not supported", err.message)
      assert.equal("did you mean Account?", err.hint)
      assert.equal(errors.EXIT.USAGE, err.exit)
      assert.equal("INVALID_TYPE", err.problem)
      -- what a script's checks and a connector task's expression see
      assert.equal("404", err.code)
      assert.equal(404, err.status)
      assert.equal("NOT_FOUND", err.error_code)
      assert.equal("The requested resource does not exist", err.errors[1].message)
      local seen = cerrors.camunda(err)
      assert.equal("404", seen.code)
      assert.equal("Not Found", seen.message)
      -- the one-line report leads with the problem and drops the request
      assert.equal("INVALID_TYPE: sObject type 'Acount' is not supported (did you mean Account?)",
        tostring(explain.brief(err)))
    end
  end)

  it("a query FROM an object the org does not have names the nearest one", function()
    local _, err = org:query("SELECT Id FROM Contcat")
    assert.equal("INVALID_TYPE", err.error_code)
    assert.equal("did you mean Contact?", err.hint)
    assert.equal(errors.EXIT.USAGE, err.exit)
    local ok, rerr = pcall(function() return org:fetch_all("SELECT Id FROM Contcat") end)
    assert.is_true(ok)
    local _, ferr = org:fetch_all("SELECT Id FROM Contcat")
    assert.equal("did you mean Contact?", ferr.hint, tostring(rerr))
  end)

  it("a misspelt field: Salesforce's stock advice gives way to the nearest name", function()
    local _, err = org:create("Account", { Nmae = "x" })
    assert.equal("INVALID_FIELD", err.error_code)
    assert.equal("did you mean Name?", err.hint)
    assert.is_nil(err.message:find("WSDL", 1, true))
    assert.equal(errors.EXIT.USAGE, err.exit)
    local _, qerr = org:query("SELECT Id, Industy FROM Account")
    assert.equal("No such column 'Industy' on entity 'Account' (at Row:1:Column:12)", qerr.message)
    assert.equal("did you mean Industry?", qerr.hint)
    -- the whole original text stays in the error list
    assert.matches("WSDL", qerr.errors[1].message)
    local _, gerr = org:get("Account", "001000000000000AAA", { query = { fields = "Nmae" } })
    assert.equal("did you mean Name?", gerr.hint)
  end)

  it("an external id field that is not one lists those there are", function()
    local _, err = org:upsert("Invoice__c", "External_Idd__c", "E-1", {})
    assert.equal(errors.EXIT.USAGE, err.exit)
    assert.equal("did you mean External_Id__c?", err.hint)
  end)

  it("a value a restricted picklist does not have: the nearest value, exit 2", function()
    local id = assert(org:create("Opportunity", { Name = "Pick", StageName = "Prospecting",
      CloseDate = "2025-01-01" })).body.id
    local _, err = org:update("Opportunity", id, { StageName = "Closed Lots" })
    assert.equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", err.error_code)
    assert.equal("did you mean Closed Lost?", err.hint)
    assert.equal(errors.EXIT.USAGE, err.exit)
    _, err = org:update("Opportunity", id, { StageName = "Zzzz" })
    assert.matches("^the values of StageName: Prospecting, Qualification, ", err.hint)
  end)

  it("a record that is not there stays an API error (exit 1), its message whole", function()
    local _, err = org:get("Account", "001000000000000AAA")
    assert.equal("NOT_FOUND", err.error_code)
    assert.equal("The requested resource does not exist", err.message)
    assert.equal(errors.EXIT.API, err.exit)
    assert.is_nil(err.problem)
  end)

  it("a validation message keeps every sentence", function()
    local _, err = org:create("Contact", { FirstName = "No Last Name" })
    assert.equal(err.errors[1].message, err.message)
  end)

  it("an API version the org does not offer: exit 2 and the versions it does", function()
    local old = assert(client.connect { instance_url = emu.url, access_token = emu.token, api_version = "v99.0" })
    local _, err = old:get("Account", "001000000000000AAA")
    assert.equal(errors.EXIT.USAGE, err.exit)
    assert.matches("^API version v99%.0 is not one this org offers %(it offers v%d+%.0 to v%d+%.0%)$", err.message)
    assert.matches("give %-%-api%-version v%d+%.0", err.hint)
  end)

  it("asks the org only when something failed, and once per org", function()
    local fresh = assert(client.connect { instance_url = emu.url, access_token = emu.token })
    local before = requests()
    assert(fresh:query("SELECT Id FROM Account"))
    assert.equal(1, requests() - before)
    fresh:get("Account", "001000000000000AAA")
    local first = requests() - before
    fresh:get("Account", "001000000000001AAA")
    assert.equal(first + 1, requests() - before, "versions and describeGlobal are asked once")
  end)

  it("explains every failure of tasks running side by side, not only the first", function()
    local http = require "luaforce.http"
    local fresh = assert(client.connect { instance_url = emu.url, access_token = emu.token })
    local errs = http.parallel(function()
      local tasks = {}
      for i = 1, 6 do
        tasks[i] = http.spawn(function()
          local _, err = fresh:get("Acount", "001000000000000AAA")
          return err
        end)
      end
      local out = {}
      for i, t in ipairs(tasks) do out[i] = t:wait() end
      return out
    end)
    assert.equal(6, #errs)
    for i, err in ipairs(errs) do
      assert.equal("did you mean Account?", err.hint, "task " .. i)
      assert.equal(errors.EXIT.USAGE, err.exit, "task " .. i)
    end
  end)

  it("is idempotent and leaves other errors alone", function()
    local _, err = org:create("Acount", {})
    assert.equal(err, explain.error(org, err, "Acount"))
    assert.equal("sObject type 'Acount' is not supported", err.message)
    local usage = errors.usage("bad")
    assert.equal(usage, explain.error(org, usage))
    assert.equal(usage, explain.brief(usage))
  end)

  it("a refused connection carries its kind and what to check, never an HTTP status", function()
    local gone = assert(client.connect { instance_url = "http://127.0.0.1:1", access_token = emu.token,
      retry = { attempts = 1 } })
    local _, err = gone:get("Account", "001000000000000AAA")
    assert.equal("CONNECT", err.code)
    assert.is_nil(err.status)
    assert.equal(errors.EXIT.NETWORK, err.exit)
    assert.equal("is the instance URL right, and the org reachable from here?", err.hint)
    assert.matches("^CONNECT: .* %(is the instance URL right", tostring(explain.brief(err)))
    -- the connector still reports what Camunda would
    assert.equal("408", cerrors.camunda(err).code)
  end)
end)
