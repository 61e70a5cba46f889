-- End-to-end: the connector's expressions on the record commands, through
-- build/luaforce against `luaforce emulator --port 0` with faults:
-- --map-response with `response` and the fields at the top level,
-- --error-expression's outcomes and exit codes on real calls (a 404, 503s,
-- a lost create answer), a syntax error that sends nothing, and
-- `luaforce query -f json | luaforce eval -c - EXPR`.
local proc = require "support.proc"
local json = require "luaforce.json"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"
local MISSING = "001000000000000AAA" -- a valid id no record has

describe("the connector's expressions on the record commands", function()
  local emu, url, home

  local function env()
    return { HOME = home, XDG_CONFIG_HOME = home .. "/config", XDG_CACHE_HOME = home .. "/cache",
      SF_INSTANCE_URL = "", SF_ACCESS_TOKEN = "", SF_CLIENT_ID = "", SF_CLIENT_SECRET = "", SF_API_VERSION = "",
      SF_PROFILE = "" }
  end

  -- luaforce COMMAND ... against the emulator, JSON out.
  local function lf(args)
    local a = { args[1], "--instance", url, "--token", TOKEN, "--format", "json" }
    for i = 2, #args do a[#a + 1] = args[i] end
    return proc.luaforce(a, { env = env() })
  end

  local function get_json(path)
    return json.decode(proc.curl(url .. path).body)
  end

  local function faults(list)
    local r = proc.curl(url .. "/_emulator/faults", { method = "PUT", data = json.encode(json.array(list)) })
    assert.equal(200, r.status, r.body)
  end

  local function soql(q)
    local r = proc.curl(url .. "/services/data/v62.0/query?q=" .. q:gsub("[^%w]", function(c)
      return ("%%%02X"):format(c:byte())
    end), { headers = { "Authorization: Bearer " .. TOKEN } })
    return assert(json.decode(r.body))
  end

  local function an_account()
    return soql("SELECT Id, Name FROM Account ORDER BY Name LIMIT 1").records[1]
  end

  setup(function()
    home = (proc.sh("mktemp -d").stdout:gsub("%s+$", ""))
    emu = proc.spawn { "emulator", "--port", "0", "--seed", "5" }
    url = emu.wait_for("listening on (http://127%.0%.0%.1:%d+)\n", 20)
    assert(url, "the emulator did not start: " .. emu.read_stderr())
  end)

  teardown(function()
    if emu then emu.signal("TERM"); emu.wait(10); emu.cleanup() end
    if home and home:match("^/tmp/") then proc.sh("rm -rf " .. proc.quote(home)) end
  end)

  after_each(function()
    assert.equal(204, proc.curl(url .. "/_emulator/faults", { method = "DELETE" }).status)
  end)

  describe("--map-response", function()
    it("sees response.body.x and body.x on a record", function()
      local acc = an_account()
      local r = lf { "get", "Account", acc.Id, "--map-response", "--map",
        "{a: response.body.Name, b: body.Name, status: response.status, reason: reason}" }
      assert.equal(0, r.code, r.stderr)
      assert.same({ a = acc.Name, b = acc.Name, status = 200, reason = "OK" }, json.decode(r.stdout))
    end)

    it("sees a query page's records as response.body.records", function()
      local r = lf { "query", "SELECT Name FROM Account ORDER BY Name LIMIT 3", "--map-response", "--map",
        "{accountNames: response.body.records.Name, n: count(body.records)}" }
      assert.equal(0, r.code, r.stderr)
      local v = json.decode(r.stdout)[1]
      assert.equal(3, v.n)
      assert.equal(3, #v.accountNames)
      assert.equal(an_account().Name, v.accountNames[1])
    end)
  end)

  describe("--error-expression", function()
    it("turns a 404 into a BPMN error: exit 7, the document on standard output, one line on standard error", function()
      local r = lf { "get", "Account", MISSING, "--error-expression",
        'if error.code = "404" then bpmnError("SF_NOT_FOUND", error.message, {body: error.variables.response.body}) else null' }
      assert.equal(7, r.code, r.stderr)
      assert.same({ outcome = "bpmnError", errorCode = "SF_NOT_FOUND", errorMessage = "Not Found",
        variables = { body = { errorCode = "NOT_FOUND", message = "The requested resource does not exist" } } },
        json.decode(r.stdout))
      assert.equal("luaforce: BPMN error SF_NOT_FOUND: Not Found\n", r.stderr)
    end)

    it("turns 503s into a job error: exit 8, after the client's own retries of the read", function()
      faults { "GET /services/data/*/sobjects/Account/** -> status=503 header=Retry-After:0" }
      local r = lf { "get", "Account", an_account().Id, "--error-expression",
        'if error.code = "503" then jobError("Salesforce unavailable", {}, job.retries - 1, @"PT30S") else null' }
      assert.equal(8, r.code, r.stderr)
      assert.same({ outcome = "jobError", errorMessage = "Salesforce unavailable", retries = 0, retryBackoff = "PT30S",
        variables = { error = "Salesforce unavailable" } }, json.decode(r.stdout))
      assert.matches("not retried", r.stderr, 1, true)
      -- the client's retry policy: 4 attempts of a read, then the expression
      assert.equal(4, get_json("/_emulator/faults")[1].seen)
    end)

    it("completes a failed call with ignoreError: exit 0", function()
      local r = lf { "delete", "Account", MISSING, "-q", "--error-expression",
        'if error != null and error.code = "404" then ignoreError({deleted: false}) else null' }
      assert.equal(0, r.code, r.stderr)
      assert.equal('{"outcome":"completed","variables":{"deleted":false}}\n', r.stdout)
      assert.equal("", r.stderr)
    end)

    it("leaves a success as it is for null", function()
      local acc = an_account()
      local r = lf { "get", "Account", acc.Id, "--fields", "Id,Name", "-q", "--error-expression",
        'if is defined(error) then bpmnError(error.code, error.message) else null' }
      assert.equal(0, r.code, r.stderr)
      assert.same({ Id = acc.Id, Name = acc.Name }, json.decode(r.stdout))
    end)

    it("refuses a syntax error with exit 2 before anything is sent", function()
      local before = get_json("/_emulator/stats").api_requests
      local r = lf { "create", "Account", "--json", '{"Name": "Never Sent"}', "--error-expression",
        'if error.code = "400" then bpmnError("BAD" error.message) else null' }
      assert.equal(2, r.code, r.stderr)
      assert.equal("", r.stdout)
      assert.matches("^luaforce: %-%-error%-expression: syntax error at line 1, column %d+", r.stderr)
      assert.truthy(r.stderr:find('\n  if error.code = "400" then bpmnError("BAD" error.message) else null\n'
        .. (" "):rep(2 + 43) .. "^\n", 1, true), r.stderr)
      assert.equal(before, get_json("/_emulator/stats").api_requests)
    end)

    it("keeps a lost create answer at exit 6 with ignoreError, after exactly one POST", function()
      faults { "POST /services/data/*/sobjects/Account -> cut when=after times=1" }
      local r = lf { "create", "Account", "--json", '{"Name": "Lost Answer 6f2"}', "--error-expression",
        "ignoreError({created: false})" }
      assert.equal(6, r.code, r.stderr)
      assert.equal('{"outcome":"completed","variables":{"created":false}}\n', r.stdout)
      assert.matches("OUTCOME_UNKNOWN", r.stderr, 1, true)
      assert.equal(1, get_json("/_emulator/faults")[1].seen)
      assert.equal(1, soql("SELECT COUNT() FROM Account WHERE Name = 'Lost Answer 6f2'").totalSize)
    end)
  end)

  it("pipes query -f json into eval, the records offered as records", function()
    local total = soql("SELECT COUNT() FROM Contact").totalSize
    local cmd = ("%s query --instance %s --token %s -f json 'SELECT Id, LastName FROM Contact' | %s eval -c - --compact "
      .. "'{n: count(records), named: every r in records satisfies r.LastName != null}'")
      :format(proc.quote(proc.bin), proc.quote(url), proc.quote(TOKEN), proc.quote(proc.bin))
    local r = proc.sh("sh -c " .. proc.quote(cmd), { env = env() })
    assert.equal(0, r.code, r.stderr)
    assert.equal(('{"n":%d,"named":true}\n'):format(total), r.stdout)
    assert.is_true(total > 0)
  end)
end)
