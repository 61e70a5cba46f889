-- A connector task run as Camunda's runtime runs its job, against a local
-- org in this process: each operation and authentication, the result and
-- error expressions, the outcomes, job retries, and never a second write
-- after an answer was lost.
local connector = require "luaforce.connector"
local emulator = require "luaforce.emulator"
local json = require "luaforce.json"

local function run_with(emu, fields, vars, opts)
  local t = {}
  for k, v in pairs(fields) do t[k] = v end
  t.baseUrl = t.baseUrl or emu.url
  t.authentication = t.authentication or { type = "bearer", token = emu.token }
  opts = opts or {}
  local waits, lines = {}, {}
  opts.sleep = opts.sleep or function(s) waits[#waits + 1] = s end
  opts.log = opts.log or function(l) lines[#lines + 1] = l end
  local report = assert(connector.run(t, vars, opts))
  report.waits, report.lines = waits, lines
  return report
end

local OAUTH = { type = "oauth-client-credentials-flow", clientId = "luaforce-local", clientSecret = "luaforce-local-secret" }

describe("luaforce.connector.run", function()
  local emu
  setup(function()
    local tasks = {}
    for i = 1, 2050 do tasks[i] = { Subject = ("Case %04d"):format(i) } end
    emu = assert(emulator.start { now = "2024-06-01T12:00:00Z", data = { Case = tasks } })
  end)
  teardown(function() emu:stop() end)
  after_each(function() emu:set_faults {} end)

  for _, auth in ipairs { "bearer", "oauth" } do
    it("creates, reads, updates, queries and deletes with " .. auth .. " authentication", function()
      local a = auth == "oauth" and OAUTH or nil
      local r = run_with(emu, { authentication = a, salesforceOperationType = "sObject", interactionType = "post",
        objectType = "Account", body = "={Name: name, Phone: null}", resultExpression = "={id: body.id}" },
        { name = "Run " .. auth })
      assert.equal(0, r.exit)
      local id = r.document.id
      assert.matches("^001", id)
      r = run_with(emu, { authentication = a, salesforceOperationType = "sObject", interactionType = "get",
        objectType = "Account", objectId = "=id", queryParameters = { fields = "Name" }, resultVariable = "acc" },
        { id = id })
      assert.equal("Run " .. auth, r.document.acc.body.Name)
      assert.equal(200, r.document.acc.status)
      r = run_with(emu, { authentication = a, salesforceOperationType = "sObject", interactionType = "patch",
        objectType = "Account", objectId = id, body = { Industry = "Energy" }, resultVariable = "u" })
      assert.equal(0, r.exit)
      assert.equal(204, r.document.u.status)
      assert.equal(json.null, r.document.u.body)
      r = run_with(emu, { authentication = a, salesforceOperationType = "soqlQuery",
        soqlQuery = "=\"SELECT Industry FROM Account WHERE Id = '\" + id + \"'\"",
        resultExpression = "={industry: body.records[1].Industry, same: response.body.records[1].Industry}" },
        { id = id })
      assert.equal("Energy", r.document.industry)
      assert.equal("Energy", r.document.same)
      r = run_with(emu, { authentication = a, salesforceOperationType = "sObject", interactionType = "delete",
        objectType = "Account", objectId = id })
      assert.equal(0, r.exit)
      assert.same({}, r.document)
    end)
  end

  it("gives resultVariable the whole response object, in Camunda's shape", function()
    local r = run_with(emu, { salesforceOperationType = "soqlQuery", soqlQuery = "SELECT Id FROM Account LIMIT 1",
      resultVariable = "res" })
    assert.same({ "status", "headers", "body", "reason", "document" }, json.keys(r.document.res))
    assert.equal("application/json;charset=UTF-8", r.document.res.headers["Content-Type"])
    assert.equal("OK", r.document.res.reason)
  end)

  it("collects every page with follow_pages; the connector's one page without", function()
    local one = run_with(emu, { salesforceOperationType = "soqlQuery", soqlQuery = "SELECT Id FROM Case",
      resultExpression = "={n: count(body.records), done: body.done, total: body.totalSize}" })
    assert.same({ n = 2000, done = false }, { n = one.document.n, done = one.document.done })
    assert.is_true(one.document.total > 2050)
    local all = run_with(emu, { salesforceOperationType = "soqlQuery", soqlQuery = "SELECT Id FROM Case",
      resultExpression = "={n: count(body.records), done: body.done}" }, nil, { follow_pages = true })
    assert.equal(one.document.total, all.document.n)
    assert.is_true(all.document.done)
  end)

  it("turns a 404 into a BPMN error with the error expression (exit 7)", function()
    local r = run_with(emu, { salesforceOperationType = "sObject", interactionType = "get", objectType = "Account",
      objectId = "001000000000999AAA",
      errorExpression = '=if error.code = "404" then bpmnError("ACCOUNT_NOT_FOUND", error.message) else null' })
    assert.equal(7, r.exit)
    assert.equal("bpmnError", r.outcome)
    assert.equal("ACCOUNT_NOT_FOUND", r.document.errorCode)
    assert.equal(1, r.attempts)
  end)

  it("retries a failed job after its backoff, passing job.retries down, then fails it (exit 8)", function()
    emu:set_faults { "GET /services/data/*/sobjects/Account/** -> status=503" }
    local r = run_with(emu, { salesforceOperationType = "sObject", interactionType = "get", objectType = "Account",
      objectId = "001000000000001AAA",
      errorExpression = '=if error.code = "503" then jobError("unavailable", {left: job.retries}, job.retries - 1, @"PT0.25S") else null' })
    assert.equal(8, r.exit)
    assert.equal(3, r.attempts)
    assert.same({ 0.25, 0.25 }, r.waits)
    assert.equal("jobError", r.document.outcome)
    assert.equal(0, r.document.retries)
    assert.equal(1, r.document.variables.left)
    assert.equal("unavailable", r.document.variables.error)
    assert.equal(3, emu:faults()[1].fired)
  end)

  it("fails the job with the status as error.code when no error expression handles it; retries and retryBackoff from the task", function()
    emu:set_faults { "GET /services/data/*/sobjects/Account/** -> status=503" }
    local r = run_with(emu, { salesforceOperationType = "sObject", interactionType = "get", objectType = "Account",
      objectId = "001000000000001AAA", retries = 2, retryBackoff = "PT2S" })
    assert.equal(8, r.exit)
    assert.equal(2, r.attempts)
    assert.same({ 2 }, r.waits)
    assert.equal("503", r.document.variables.error.code)
    r = run_with(emu, { salesforceOperationType = "sObject", interactionType = "get", objectType = "Account",
      objectId = "001000000000001AAA" }, nil, { retries = 1 })
    assert.equal(1, r.attempts)
    assert.equal(8, r.exit)
  end)

  it("completes the task with ignoreError's variables after a failure (exit 0)", function()
    local r = run_with(emu, { salesforceOperationType = "sObject", interactionType = "get", objectType = "Account",
      objectId = "001000000000999AAA",
      errorExpression = '=if error != null and error.code = "404" then ignoreError({exists: false}) else null' })
    assert.equal(0, r.exit)
    assert.same({ outcome = "completed", variables = { exists = false } },
      { outcome = r.document.outcome, variables = { exists = r.document.variables.exists } })
  end)

  it("sees the response and job.retries in the error expression on success", function()
    local r = run_with(emu, { salesforceOperationType = "soqlQuery", soqlQuery = "SELECT Id FROM Account LIMIT 1",
      errorExpression = '=if body.totalSize = 1 and response.status = 200 and job.retries = 3 then bpmnError("ONE", "one") else null' })
    assert.equal(7, r.exit)
  end)

  it("never sends a create twice when its answer was lost: exit 6 whatever the error expression says", function()
    emu:set_faults { "POST /services/data/*/sobjects/Contact -> close when=after" }
    local before = emu:stats().requests
    local r = run_with(emu, { salesforceOperationType = "sObject", interactionType = "post", objectType = "Contact",
      body = { LastName = "Lost Answer" },
      errorExpression = '=ignoreError({created: false})' })
    assert.equal(6, r.exit)
    assert.is_true(r.unknown)
    assert.equal(1, r.attempts)
    assert.equal("OUTCOME_UNKNOWN", r.error.code)
    assert.equal(1, emu:faults()[1].seen)
    assert.equal("completed", r.document.outcome)
    local org = assert(require("luaforce.client").connect { instance_url = emu.url, access_token = emu.token })
    local q = assert(org:query("SELECT Id FROM Contact WHERE LastName = 'Lost Answer'"))
    assert.equal(1, q.body.totalSize)
    assert.is_true(emu:stats().requests > before)
  end)

  it("raises an incident (exit 9) for invalid inputs, sending nothing", function()
    local before = emu:stats().requests
    local r = run_with(emu, { salesforceOperationType = "sObject", interactionType = "patch", objectType = "Account" })
    assert.equal(9, r.exit)
    assert.equal("incident", r.outcome)
    assert.matches("objectId is missing", r.document.errorMessage, 1, true)
    assert.equal("io.camunda.connector.api.error.ConnectorInputException", r.document.variables.error.type)
    assert.equal(before, emu:stats().requests)
  end)

  it("raises an incident for a result expression that is not a context", function()
    local r = run_with(emu, { salesforceOperationType = "soqlQuery", soqlQuery = "SELECT Id FROM Account LIMIT 1",
      resultExpression = "=body.totalSize" })
    assert.equal(9, r.exit)
    assert.equal("Result expression must return a JSON object, but got number. Evaluated value: 1", r.document.errorMessage)
  end)

  it("says that a write was applied when only its result expression failed", function()
    local r = run_with(emu, { salesforceOperationType = "sObject", interactionType = "post", objectType = "Account",
      body = { Name = "Applied Anyway" }, resultExpression = "=body.id" })
    assert.equal(9, r.exit)
    assert.matches("(the POST itself succeeded with 201: Salesforce applied it)", r.document.errorMessage, 1, true)
  end)

  it("masks secrets in what it gives back", function()
    local secret = "Secret Name 1234567890"
    local r = run_with(emu, { salesforceOperationType = "sObject", interactionType = "post", objectType = "Account",
      body = '={Name: "{{secrets.RUN_SPEC_NAME}}"}', resultVariable = "created" }, nil,
      { lookup = function(n) if n == "RUN_SPEC_NAME" then return secret end end })
    assert.equal(0, r.exit)
    local q = run_with(emu, { salesforceOperationType = "soqlQuery",
      soqlQuery = "=\"SELECT Name FROM Account WHERE Id = '\" + id + \"'\"", resultVariable = "q" },
      { id = r.document.created.body.id })
    assert.equal("***", q.document.q.body.records[1].Name)
  end)

  it("replaces baseUrl and authentication with an org given, keeping the task's apiVersion", function()
    local org = assert(require("luaforce.client").connect { instance_url = emu.url, access_token = emu.token })
    local r = run_with(emu, { baseUrl = "{{secrets.NOT_SET_ANYWHERE}}", authentication = { type = "bearer",
      token = "{{secrets.NOT_SET_EITHER}}" }, apiVersion = "v60.0", salesforceOperationType = "soqlQuery",
      soqlQuery = "SELECT Id FROM Account LIMIT 1", resultExpression = "={url: body.records[1].attributes.url}" },
      nil, { org = org, lookup = function() return nil end })
    assert.equal(0, r.exit)
    assert.matches("^/services/data/v60%.0/", r.document.url)
  end)
end)
