-- End-to-end: `luaforce connector` runs Camunda Salesforce Connector tasks
-- against a local org process (`luaforce emulator --port 0`), as a user
-- would: the examples under examples/connector, each outcome and its exit
-- code, job retries with backoff, a lost create answer, secrets, --instance.
require "luaforce.core" -- registers luaforce.core.* (support.files uses core.sys)
local files = require "support.files"
local json = require "luaforce.json"
local proc = require "support.proc"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"
local AUTH = "Authorization: Bearer " .. TOKEN
local CLIENT_ID, CLIENT_SECRET = "luaforce-local", "luaforce-local-secret"
local EXAMPLES = proc.root .. "/examples/connector/"

describe("luaforce connector", function()
  local emu, url, dir, env

  local function run(args, opts)
    opts = opts or {}
    local e = {}
    for k, v in pairs(env) do e[k] = v end
    for k, v in pairs(opts.env or {}) do e[k] = v end
    return proc.luaforce(args, { env = e, stdin = opts.stdin })
  end

  local function doc(r)
    local v = json.decode(r.stdout)
    assert(v ~= nil, "not JSON: " .. r.stdout .. r.stderr)
    return v
  end

  local function task_file(name, t)
    local path = dir .. "/" .. name
    files.write(path, type(t) == "string" and t or assert(json.encode(t)))
    return path
  end

  local function faults(list)
    local r = proc.curl(url .. "/_emulator/faults", { method = "PUT", data = json.encode(json.array(list)) })
    assert(r.status == 200, r.body)
  end

  local function fault_counters()
    local r = proc.curl(url .. "/_emulator/faults")
    return json.decode(r.body)
  end

  local function count(soql)
    local r = proc.curl(url .. "/services/data/v62.0/query?q=" .. soql:gsub(" ", "+"):gsub("'", "%%27"),
      { headers = { AUTH } })
    assert(r.status == 200, r.body)
    return json.decode(r.body).totalSize
  end

  setup(function()
    emu = proc.spawn { "emulator", "--port", "0", "--now", "2024-06-01T12:00:00Z" }
    url = emu.wait_for("luaforce emulator listening on (http://127%.0%.0%.1:%d+)\n", 20)
    assert(url, "the emulator did not start: " .. emu.read_stderr())
  end)

  teardown(function()
    if emu then emu.signal("TERM"); emu.wait(10); emu.cleanup() end
  end)

  before_each(function()
    dir = files.scratch()
    env = { SF_URL = url, SF_TOKEN = TOKEN, SF_CLIENT_ID = CLIENT_ID, SF_CLIENT_SECRET = CLIENT_SECRET,
      HOME = dir, XDG_CONFIG_HOME = dir .. "/config", XDG_CACHE_HOME = dir .. "/cache" }
  end)

  after_each(function()
    proc.curl(url .. "/_emulator/faults", { method = "DELETE" })
    files.clear(dir)
  end)

  local function example(name, extra)
    local args = { "connector", EXAMPLES .. name, "--vars", EXAMPLES .. "vars.json" }
    for _, a in ipairs(extra or {}) do args[#args + 1] = a end
    return run(args)
  end

  describe("runs the examples", function()
    it("queries with a bearer token: the result expression's variables", function()
      local r = example("query-accounts.json")
      assert.equal(0, r.code, r.stderr)
      local d = doc(r)
      assert.equal(d.found, #d.accounts)
      assert.is_true(d.found > 0)
      assert.is_false(d.more)
      assert.matches("^001", d.accounts[1].id)
    end)

    it("creates with OAuth client credentials, then reads, updates and deletes the record", function()
      local r = example("create-account.json")
      assert.equal(0, r.code, r.stderr)
      local id = doc(r).accountId
      assert.matches("^001%w+$", id)
      local vars = task_file("vars.json", { accountId = id, phone = "+1 555 0100" })
      r = run { "connector", EXAMPLES .. "get-account.json", "--vars", vars }
      assert.equal(0, r.code, r.stderr)
      local acc = doc(r).account
      assert.equal(200, acc.status)
      assert.equal("Hargreaves & Sons", acc.body.Name)
      assert.equal(json.null, acc.body.Phone)
      r = run { "connector", EXAMPLES .. "update-account.json", "--vars", vars }
      assert.equal(0, r.code, r.stderr)
      assert.equal("{}\n", r.stdout)
      r = run { "connector", EXAMPLES .. "get-account.json", "--vars", vars }
      assert.equal("+1 555 0100", doc(r).account.body.Phone)
      r = run { "connector", EXAMPLES .. "delete-account.json", "--vars", vars }
      assert.equal(0, r.code, r.stderr)
      -- deleted: the 404 becomes a BPMN error in one example, ignoreError in another
      r = run { "connector", EXAMPLES .. "get-account.json", "--vars", vars }
      assert.equal(7, r.code)
      assert.equal("ACCOUNT_NOT_FOUND", doc(r).errorCode)
      assert.matches("BPMN error ACCOUNT_NOT_FOUND", r.stderr, 1, true)
      r = run { "connector", EXAMPLES .. "delete-account.json", "--vars", vars }
      assert.equal(0, r.code, r.stderr)
      assert.same({ outcome = "completed", variables = { deleted = false } }, doc(r))
    end)

    it("reads a relationship: the related records", function()
      local r = example("get-account-contacts.json")
      assert.equal(0, r.code, r.stderr)
      local d = doc(r)
      assert.equal(d.contacts, #d.contactIds)
    end)

    it("turns a validation error into a BPMN error with Salesforce's code (exit 7)", function()
      local before = count("SELECT COUNT() FROM Contact")
      local r = example("create-contact-invalid.json")
      assert.equal(7, r.code, r.stderr)
      assert.same({ outcome = "bpmnError", errorCode = "REQUIRED_FIELD_MISSING",
        errorMessage = "Required fields are missing: [LastName]", variables = {} }, doc(r))
      assert.equal(before, count("SELECT COUNT() FROM Contact"))
    end)

    it("a failed job names the failure Camunda's code stands for, explained as the commands explain it", function()
      local dir = files.scratch("connector_cause")
      local task = dir .. "/task.json"
      proc.write(task, [[{"baseUrl": "https://example.my.salesforce.com",
        "authentication": {"type": "bearer", "token": "t"}, "salesforceOperationType": "sObject",
        "interactionType": "get", "objectType": "Acount", "objectId": "001000000000000AAA"}]])
      local r = proc.luaforce { "connector", task, "--instance", "local", "--retries", "1" }
      assert.equal(8, r.code, r.stderr)
      assert.matches("the job failed with no retries left after 1 attempt: Not Found\n", r.stderr, 1, true)
      assert.matches("\nluaforce: the last error: INVALID_TYPE: sObject type 'Acount' is not supported "
        .. "(did you mean Account?)\n", r.stderr, 1, true)
      -- what the task's expressions and its document see is still Camunda's
      assert.equal("404", doc(r).variables.error.code)
      files.clear(dir)
    end)

    it("retries a 503 as a job error with backoff, passing job.retries down, then exits 8", function()
      faults { "GET /services/data/*/query -> status=503" }
      local r = example("query-unavailable.json")
      assert.equal(8, r.code, r.stderr)
      local d = doc(r)
      assert.equal("jobError", d.outcome)
      assert.equal("Salesforce is unavailable", d.errorMessage)
      assert.equal(0, d.retries)
      assert.equal("PT0.1S", d.retryBackoff)
      assert.equal(3, fault_counters()[1].fired)
      local _, waits = r.stderr:gsub("the next attempt in 0%.1 s", "")
      assert.equal(2, waits, r.stderr)
      assert.matches("the job failed with no retries left after 3 attempts: Salesforce is unavailable", r.stderr, 1, true)
      -- and the failure Camunda's message stands for
      assert.matches("\nluaforce: the last error: SERVER_UNAVAILABLE: ", r.stderr, 1, true)
      -- --retries overrides the task's
      r = example("query-unavailable.json", { "--retries", "1" })
      assert.equal(8, r.code)
      assert.equal(4, fault_counters()[1].fired)
    end)

    it("completes when the 503 passes before the retries run out", function()
      faults { "GET /services/data/*/query -> status=503 times=2" }
      local r = example("query-unavailable.json")
      assert.equal(0, r.code, r.stderr)
      assert.equal(5, #doc(r).names)
    end)
  end)

  it("never sends a lost create again: exit 6 with exactly one POST, whatever the error expression says", function()
    faults { "POST /services/data/*/sobjects/Account -> close when=after" }
    local before = count("SELECT COUNT() FROM Account WHERE Name = 'Lost Answer Ltd'")
    local t = task_file("lost.json", {
      baseUrl = "{{secrets.SF_URL}}", authentication = { type = "bearer", token = "{{secrets.SF_TOKEN}}" },
      salesforceOperationType = "sObject", interactionType = "post", objectType = "Account",
      body = { Name = "Lost Answer Ltd" }, retries = 3,
      errorExpression = "=ignoreError({created: false})",
    })
    local r = run { "connector", t }
    assert.equal(6, r.code, r.stderr)
    assert.equal(1, fault_counters()[1].seen)
    assert.equal(before + 1, count("SELECT COUNT() FROM Account WHERE Name = 'Lost Answer Ltd'"))
    assert.same({ outcome = "completed", variables = { created = false } }, doc(r))
    assert.matches("OUTCOME_UNKNOWN", r.stderr, 1, true)
    assert.matches("it is not retried", r.stderr, 1, true)
  end)

  it("raises an incident (exit 9) for a result expression that is not a context", function()
    local t = task_file("nc.json", {
      baseUrl = "{{secrets.SF_URL}}", authentication = { type = "bearer", token = "{{secrets.SF_TOKEN}}" },
      salesforceOperationType = "soqlQuery", soqlQuery = "SELECT Id FROM Account LIMIT 2",
      resultExpression = "=body.records.Id",
    })
    local r = run { "connector", t }
    assert.equal(9, r.code, r.stderr)
    local d = doc(r)
    assert.equal("incident", d.outcome)
    assert.matches("^Result expression must return a JSON object, but got array%. Evaluated value: %[\"001", d.errorMessage)
    assert.matches("an incident:", r.stderr, 1, true)
  end)

  it("raises an incident (exit 9) for missing fields, naming each, and sends nothing", function()
    local t = task_file("missing.json", {
      baseUrl = "{{secrets.SF_URL}}", authentication = { type = "bearer" },
      salesforceOperationType = "sObject", interactionType = "patch", objectType = "Account",
    })
    local r = run { "connector", t }
    assert.equal(9, r.code, r.stderr)
    local m = doc(r).errorMessage
    for _, want in ipairs { "authentication.token is missing", "objectId is missing", "body is missing" } do
      assert.matches(want, m, 1, true)
    end
  end)

  it("says what is wrong with a task file it cannot read (exit 2)", function()
    local r = run { "connector", task_file("typo.json", { objectTyp = "Account" }) }
    assert.equal(2, r.code)
    assert.matches("unknown field 'objectTyp' (did you mean 'objectType'?)", r.stderr, 1, true)
    assert.equal("", r.stdout)
    r = run { "connector", task_file("bad.json", "{") }
    assert.equal(2, r.code)
    assert.matches("is not JSON", r.stderr, 1, true)
    r = run { "connector", dir .. "/none.json" }
    assert.equal(2, r.code)
    assert.matches("cannot read the task file", r.stderr, 1, true)
    r = run { "connector", "-", "--vars", "-" }
    assert.equal(2, r.code)
    r = run { "connector", EXAMPLES .. "get-account.json", "--retries", "0" }
    assert.equal(2, r.code)
    r = run { "connector", EXAMPLES .. "get-account.json", "--vars", task_file("v.json", "[1]") }
    assert.equal(2, r.code)
  end)

  it("reads the task and the variables from standard input", function()
    local r = run({ "connector", "-", "--vars", task_file("v.json", { industry = "Energy" }) },
      { stdin = files.read(EXAMPLES .. "query-accounts.json") })
    assert.equal(0, r.code, r.stderr)
    assert.is_true(doc(r).found > 0)
    r = run({ "connector", EXAMPLES .. "query-accounts.json", "--vars", "-" }, { stdin = '{"industry": "Energy"}' })
    assert.equal(0, r.code, r.stderr)
  end)

  it("puts secrets in and prints none of them, even in a variable or a trace", function()
    local secret_name = "Confidential Holdings 8f2k3m9q"
    local t = task_file("secret.json", {
      baseUrl = "{{secrets.SF_URL}}", authentication = { type = "bearer", token = "{{secrets.SF_TOKEN}}" },
      salesforceOperationType = "sObject", interactionType = "post", objectType = "Account",
      body = '={Name: "{{secrets.ACCOUNT_NAME}}"}', resultVariable = "created",
    })
    local r = run({ "-v", "--trace", "connector", t }, { env = { ACCOUNT_NAME = secret_name } })
    assert.equal(0, r.code, r.stderr)
    local id = doc(r).created.body.id
    local q = task_file("q.json", {
      baseUrl = "{{secrets.SF_URL}}", authentication = { type = "bearer", token = "{{secrets.SF_TOKEN}}" },
      salesforceOperationType = "soqlQuery",
      soqlQuery = "=\"SELECT Id, Name FROM Account WHERE Name = '{{secrets.ACCOUNT_NAME}}' AND Id = '\" + id + \"'\"",
      resultExpression = "={name: body.records[1].Name}",
    })
    local vars = task_file("v.json", { id = id })
    local r2 = run({ "-v", "--trace", "connector", q, "--vars", vars }, { env = { ACCOUNT_NAME = secret_name } })
    assert.equal(0, r2.code, r2.stderr)
    assert.equal("***", doc(r2).name)
    for _, out in ipairs { r.stdout, r.stderr, r2.stdout, r2.stderr } do
      assert.is_nil(out:find(TOKEN, 1, true))
      assert.is_nil(out:find(secret_name, 1, true))
    end
    -- OAuth: the client secret is masked too
    local r3 = run { "-v", "--trace", "connector", EXAMPLES .. "update-account.json", "--vars", EXAMPLES .. "vars.json" }
    assert.equal(0, r3.code, r3.stderr)
    assert.is_nil((r3.stdout .. r3.stderr):find(CLIENT_SECRET, 1, true))
  end)

  it("names an unknown secret and sends nothing (exit 9)", function()
    local t = task_file("nosecret.json", {
      baseUrl = "{{secrets.SF_URL}}", authentication = { type = "bearer", token = "{{secrets.NO_SUCH_SECRET_X}}" },
      salesforceOperationType = "soqlQuery", soqlQuery = "SELECT Id FROM Account",
    })
    local r = run { "connector", t }
    assert.equal(9, r.code)
    assert.matches("unknown secret 'NO_SUCH_SECRET_X'", doc(r).errorMessage, 1, true)
  end)

  it("runs a production task against another org with --instance, and says so", function()
    local t = task_file("prod.json", {
      baseUrl = "https://acme.my.salesforce.com", authentication = { type = "oauth-client-credentials-flow",
        clientId = "{{secrets.PROD_CLIENT_ID}}", clientSecret = "{{secrets.PROD_CLIENT_SECRET}}" },
      salesforceOperationType = "soqlQuery", soqlQuery = "SELECT Id FROM Account LIMIT 1",
      resultExpression = "={n: body.totalSize}",
    })
    local r = run { "connector", t, "--instance", url, "--token", TOKEN }
    assert.equal(0, r.code, r.stderr)
    assert.equal(1, doc(r).n)
    assert.matches("note: running against " .. url:gsub("%p", "%%%0") .. ": the task's baseUrl and authentication are replaced", r.stderr)
    r = run { "connector", t, "--instance", "local" }
    assert.equal(0, r.code, r.stderr)
    assert.matches("running against the local org", r.stderr, 1, true)
  end)

  it("exits 6 when Ctrl-C cuts a create short, 130 when it cuts a read short", function()
    faults { "POST /services/data/*/sobjects/Account -> latency=3s", "GET /services/data/*/query -> latency=3s" }
    local function interrupted(file)
      local script = ("env SF_URL=%s SF_TOKEN=%s SF_CLIENT_ID=%s SF_CLIENT_SECRET=%s HOME=%s %s connector %s --vars %s"
        .. " & p=$!; sleep 1; kill -INT $p; wait $p"):format(proc.quote(url), proc.quote(TOKEN), CLIENT_ID, CLIENT_SECRET,
        proc.quote(dir), proc.quote(proc.bin), proc.quote(EXAMPLES .. file), proc.quote(EXAMPLES .. "vars.json"))
      return proc.sh("sh -c " .. proc.quote(script))
    end
    local r = interrupted("create-account.json")
    assert.equal(6, r.code, r.stderr)
    assert.matches("OUTCOME_UNKNOWN", r.stderr, 1, true)
    r = interrupted("query-accounts.json")
    assert.equal(130, r.code, r.stderr)
  end)

  it("keeps an OAuth token between runs instead of fetching one per task", function()
    local first = run { "-v", "connector", EXAMPLES .. "update-account.json", "--vars", EXAMPLES .. "vars.json" }
    assert.equal(0, first.code, first.stderr)
    assert.matches("/services/oauth2/token", first.stderr, 1, true)
    local second = run { "-v", "connector", EXAMPLES .. "update-account.json", "--vars", EXAMPLES .. "vars.json" }
    assert.equal(0, second.code, second.stderr)
    assert.is_nil(second.stderr:find("/services/oauth2/token", 1, true), second.stderr)
    assert.matches("PATCH ", second.stderr, 1, true)
  end)

  describe("--from-bpmn", function()
    local BPMN = EXAMPLES .. "two-tasks.bpmn"

    it("lists the Salesforce tasks of a model", function()
      local r = run { "connector", "--from-bpmn", BPMN }
      assert.equal(0, r.code, r.stderr)
      assert.matches("^FindAccount +Find account +soqlQuery\nReadAccount +Read account +sObject get Account\n$", r.stdout)
    end)

    it("runs them all in document order, passing variables on", function()
      local vars = task_file("v.json", { accountName = "Wingtip GmbH" })
      local r = run { "connector", "--from-bpmn", BPMN, "--all", "--vars", vars }
      assert.equal(0, r.code, r.stderr)
      local d = doc(r)
      assert.same({ "accountName", "accountId", "account" }, json.keys(d))
      assert.matches("^001", d.accountId)
      assert.equal("Wingtip GmbH", d.account.body.Name)
      assert.equal(d.accountId, d.account.body.Id)
      assert.matches("task FindAccount (Find account)", r.stderr, 1, true)
      assert.is_nil(r.stderr:find("note:", 1, true), r.stderr) -- its url inputs are the template's
    end)

    it("runs one task with --element; its error expression turns a 404 into a BPMN error", function()
      local vars = task_file("v.json", { accountId = "001000000000999AAA" })
      local r = run { "connector", "--from-bpmn", BPMN, "--element", "ReadAccount", "--vars", vars }
      assert.equal(7, r.code, r.stderr)
      assert.equal("ACCOUNT_NOT_FOUND", doc(r).errorCode)
    end)

    it("stops at the task that fails and names it", function()
      local vars = task_file("v.json", { accountName = "No Such Company" })
      local r = run { "connector", "--from-bpmn", BPMN, "--all", "--vars", vars }
      assert.equal(9, r.code, r.stderr)
      local d = doc(r)
      assert.equal("ReadAccount", d.element)
      assert.equal("incident", d.outcome)
      assert.matches("objectId is missing", d.errorMessage, 1, true)
    end)

    it("says when a model's url input is not the template's: luaforce builds the URL from the fields", function()
      local text = files.read(BPMN):gsub('source="=baseUrl %+ &#34;/services/data/&#34; %+ apiVersion %+ &#34;/query&#34;"',
        'source="=baseUrl + &#34;/services/data/v99.0/query&#34;"')
      local path = task_file("changed.bpmn", text)
      local vars = task_file("v.json", { accountName = "Wingtip GmbH" })
      local r = run { "connector", "--from-bpmn", path, "--element", "FindAccount", "--vars", vars }
      assert.equal(0, r.code, r.stderr)
      assert.matches("the BPMN file's url input is '***/services/data/v99.0/query'", r.stderr, 1, true)
      assert.matches("^001", doc(r).accountId)
    end)

    it("says what is wrong with the command line or the file (exit 2)", function()
      local r = run { "connector", "--from-bpmn", BPMN, "--element", "ReadAcount" }
      assert.equal(2, r.code)
      assert.matches("did you mean 'ReadAccount'?", r.stderr, 1, true)
      assert.equal(2, run({ "connector", "--from-bpmn", BPMN, "--element", "ReadAccount", "--all" }).code)
      assert.equal(2, run({ "connector", "--all" }).code)
      assert.equal(2, run({ "connector", EXAMPLES .. "get-account.json", "--from-bpmn", BPMN }).code)
      r = run { "connector", "--from-bpmn", task_file("x.bpmn", "<definitions") }
      assert.equal(2, r.code)
      assert.matches("x.bpmn:", r.stderr, 1, true)
    end)
  end)

  it("documents itself in --help, with the exit codes", function()
    local r = run { "connector", "--help" }
    assert.equal(0, r.code)
    for _, want in ipairs { "--vars", "--retries", "--from-bpmn", "--follow-pages", "7 BPMN error", "9 incident" } do
      assert.matches(want, r.stdout, 1, true)
    end
    r = run { "--help" }
    assert.matches("\n  connector ", r.stdout, 1, true)
    assert.matches("8    a connector task's job failed with no retries left", r.stdout, 1, true)
  end)
end)
