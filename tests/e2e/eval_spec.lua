-- `luaforce eval` as a user runs it.
local proc = require "support.proc"
local json = require "luaforce.json"

local response = [[{"status": 200, "body": {"totalSize": 2, "done": true, "records": [
  {"Id": "001A", "Name": "Acme", "Amount": 1500.10}, {"Id": "001B", "Name": "Bolt", "Amount": 20.20}]}}]]

describe("luaforce eval", function()
  it("prints the result as JSON, exact decimals included", function()
    local r = proc.luaforce { "eval", "--compact", "{sum: 0.1 + 0.2, third: 1 / 3, big: 10 ** 30 + 1, ok: 0.1 + 0.2 = 0.3}" }
    assert.equal(0, r.code, r.stderr)
    assert.equal('{"sum":0.3,"third":0.3333333333333333333333333333333333,"big":1000000000000000000000000000001,"ok":true}\n',
      r.stdout)
    assert.equal("", r.stderr)
  end)

  it("pretty-prints by default", function()
    local r = proc.luaforce { "eval", "[1, {a: null}]" }
    assert.equal(0, r.code)
    assert.equal('[\n  1,\n  {\n    "a": null\n  }\n]\n', r.stdout)
  end)

  it("reads the context from a file and from standard input", function()
    local path = proc.write(os.tmpname(), response)
    local expr = "= {names: for r in body.records return r.Name, total: sum(body.records.Amount), big: body.records[Amount > 1000].Id}"
    local r = proc.luaforce { "eval", "--compact", "--context", path, expr }
    os.remove(path)
    assert.equal(0, r.code, r.stderr)
    assert.equal('{"names":["Acme","Bolt"],"total":1520.3,"big":["001A"]}\n', r.stdout)
    r = proc.luaforce({ "eval", "-c", "-", "--compact", "body.records[-1].Name" }, { stdin = response })
    assert.equal('"Bolt"\n', r.stdout)
  end)

  it("prints null with warnings on standard error", function()
    local r = proc.luaforce { "eval", "--compact", "{a: 1}.b" }
    assert.equal(0, r.code)
    assert.equal("null\n", r.stdout)
    assert.equal("warning: line 1, column 7: no context entry found with key 'b' (NO_CONTEXT_ENTRY_FOUND)\n", r.stderr)
  end)

  it("shows a syntax error with its caret and exits 2", function()
    local r = proc.luaforce { "eval", "if x > 1 then 1 elze 2" }
    assert.equal(2, r.code)
    assert.equal("", r.stdout)
    assert.equal("luaforce: syntax error at line 1, column 17: expected 'else' after the 'then' branch but found 'elze'\n"
      .. "  if x > 1 then 1 elze 2\n"
      .. "                  ^\n", r.stderr)
  end)

  it("reads unfinished and too deep input as syntax errors (exit 2), never internal ones", function()
    for _, expr in ipairs { "for", "some", "every", "function(", "if", "[", "{a:", "x in", ("("):rep(5000) .. "1" } do
      local r = proc.luaforce { "eval", expr }
      assert.equal(2, r.code, expr .. ": " .. r.stderr)
      assert.matches("^luaforce: syntax error at line 1", r.stderr)
      assert.is_nil(r.stderr:find("traceback", 1, true), r.stderr)
    end
    local r = proc.luaforce { "query", "--map", "for", "SELECT Id FROM Account", "--instance", "local" }
    assert.equal(2, r.code, r.stderr)
    assert.matches("--map: syntax error at line 1, column 4: the expression ends too early", r.stderr, 1, true)
  end)

  it("exits 1 when an assert fails", function()
    local r = proc.luaforce { "eval", 'assert(1, false, "not today")' }
    assert.equal(1, r.code)
    assert.matches("not today", r.stderr)
  end)

  it("refuses a context that is neither a JSON object nor an array", function()
    local r = proc.luaforce({ "eval", "-c", "-", "1" }, { stdin = "42" })
    assert.equal(2, r.code)
    assert.matches("must be a JSON object", r.stderr)
    r = proc.luaforce({ "eval", "-c", "-", "1" }, { stdin = "{oops" })
    assert.equal(2, r.code)
    assert.matches("not JSON", r.stderr)
  end)

  it("is listed with its help", function()
    local r = proc.luaforce { "help", "eval" }
    assert.equal(0, r.code)
    assert.matches("Usage: luaforce eval", r.stdout)
    assert.matches("%-%-context", r.stdout)
    assert.matches("eval%s+evaluate a FEEL expression", proc.luaforce({ "--help" }).stdout)
  end)

  it("round-trips its output through JSON", function()
    local r = proc.luaforce { "eval", "--compact", '{n: 12345678901234567890.12, s: "é\\n", l: [true, null]}' }
    local v = assert(json.decode(r.stdout))
    assert.equal("12345678901234567890.12", tostring(v.n))
    assert.equal("é\n", v.s)
  end)

  describe("has the connector runtime's functions, in their shapes", function()
    local shapes = {
      { 'bpmnError("NF")', '{"errorType":"bpmnError","errorCode":"NF"}' },
      { 'bpmnError("NF", "not found")', '{"errorType":"bpmnError","errorCode":"NF","errorMessage":"not found"}' },
      { 'bpmnError("NF", "not found", {id: 1})',
        '{"errorType":"bpmnError","errorCode":"NF","errorMessage":"not found","variables":{"id":1}}' },
      { 'jobError("busy")', '{"errorType":"jobError","errorMessage":"busy","variables":{},"retries":0,"retryBackoff":"PT0S"}' },
      { "ignoreError()", '{"errorType":"ignoreError"}' },
      { "ignoreError({exists: false})", '{"errorType":"ignoreError","variables":{"exists":false}}' },
      { 'backoff(3, @"PT1S", 2, @"PT1M", 0)', '"PT4S"' },
    }
    for _, c in ipairs(shapes) do
      it(c[1], function()
        local r = proc.luaforce { "eval", "--compact", c[1] }
        assert.equal(0, r.code, r.stderr)
        assert.equal(c[2] .. "\n", r.stdout)
        assert.equal("", r.stderr)
      end)
    end

    it("decides an error expression on a saved error context", function()
      local ctx = [[{"error": {"type": "io.camunda.connector.api.error.ConnectorException", "code": "503",
        "message": "Service Unavailable", "variables": {"response": {"headers": {}, "body": null}}},
        "job": {"retries": 3}}]]
      local expr = 'if error.code = "503" then jobError("Salesforce unavailable", {}, job.retries - 1, '
        .. 'backoff(4 - job.retries, @"PT1S", 2, @"PT1M", 0)) else null'
      local r = proc.luaforce({ "eval", "-c", "-", "--compact", expr }, { stdin = ctx })
      assert.equal(0, r.code, r.stderr)
      assert.equal('{"errorType":"jobError","errorMessage":"Salesforce unavailable","variables":{},"retries":2,'
        .. '"retryBackoff":"PT1S"}\n', r.stdout)
    end)

    it("jitters backoff with a real random source, within its bounds", function()
      local r = proc.luaforce { "eval", "--compact", "for i in 1..200 return backoff(1)" }
      assert.equal(0, r.code, r.stderr)
      local list, seen, n = assert(json.decode(r.stdout)), {}, 0
      assert.equal(200, #list)
      for _, d in ipairs(list) do
        local digits = assert(d:match("^PT0%.(%d+)S$"), d)
        local ms = tonumber(digits) * 10 ^ (3 - #digits)
        assert.is_true(ms >= 45 and ms <= 55, d)
        if not seen[ms] then seen[ms], n = true, n + 1 end
      end
      assert.is_true(n >= 5, "only " .. n .. " different delays in 200")
    end)

    it("warns with the parameter a call got wrong", function()
      local r = proc.luaforce { "eval", "--compact", "bpmnError(404)" }
      assert.equal(0, r.code)
      assert.equal("null\n", r.stdout)
      assert.equal("warning: line 1, column 1: bpmnError: 'errorCode' must be a string, not number 404 "
        .. "(FUNCTION_INVOCATION_FAILURE)\n", r.stderr)
      r = proc.luaforce { "eval", "--compact", "backoff(0)" }
      assert.matches("backoff: 'attempt' must be 1 or more, not 0", r.stderr)
    end)
  end)
end)
