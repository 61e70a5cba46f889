-- Result and error expressions as Camunda's connectors apply them, and the
-- functions error expressions call (registered in FEEL when the module loads).
local outcome = require "luaforce.connector.outcome"
local feel = require "luaforce.feel"
local json = require "luaforce.json"
local rows = require "feel.rows"
local NULL, C = rows.NULL, rows.empty_context

describe("connector.result", function()
  it("sees the response's fields at the top level and as response", function()
    local vars, w = outcome.result(
      "= { accountIds: for r in response.body.records return r.Id, hasMore: not(body.done), first: body.records[1].Name }",
      rows.query_response())
    assert.same({}, w)
    assert.equal('{"accountIds":["001A","001B","001C"],"hasMore":true,"first":"Acme"}', json.encode(vars))
  end)

  it("maps a create response", function()
    local vars = outcome.result("= { newId: response.body.id, ok: body.success, errors: count(body.errors) }",
      rows.create_response())
    assert.same({ newId = "001D000000AbCdEIAX", ok = true, errors = 0 }, vars)
  end)

  it("maps an update's empty body", function()
    local vars, w = outcome.result("{ status: status, body: body }", { status = 204, body = json.null, headers = {} })
    assert.equal(204, vars.status)
    assert.equal(json.null, vars.body)
    assert.same({}, w)
  end)

  it("refuses a result that is not a context, as the connector fails the job", function()
    local vars, err = outcome.result("response.body.records.Id", rows.query_response())
    assert.is_nil(vars)
    assert.equal("FEEL_RESULT", err.code)
    assert.matches("must return a context", err.message)
    assert.matches("list", err.message)
    vars, err = outcome.result('"text"', rows.query_response())
    assert.matches("string 'text'", err.message)
  end)

  it("gives no variables for null", function()
    local vars = outcome.result("null", rows.query_response())
    assert.equal("{}", json.encode(vars))
  end)

  it("passes syntax errors through", function()
    local vars, err = outcome.result("{ a: }", {})
    assert.is_nil(vars)
    assert.equal("syntax", err.kind)
  end)

  it("reports an evaluation past its budget as an error", function()
    local vars, err = outcome.result("{x: count(for i in 1..100000000 return i)}", { body = {} })
    assert.is_nil(vars)
    assert.equal("FEEL_RESULT", err.code)
    assert.truthy(err.message:find("steps", 1, true), err.message)
    local out
    out, err = outcome.outcome("count(for i in 1..100000000 return i)", {}, { max_steps = 100 })
    assert.is_nil(out)
    assert.equal("FEEL_OUTCOME", err.code)
    assert.truthy(err.message:find("100 steps", 1, true), err.message)
  end)
end)

describe("connector.outcome", function()
  local cases = {
    { 'if error.code = "404" then bpmnError("SF_NOT_FOUND", error.message) else null', "404",
      { errorType = "bpmnError", errorCode = "SF_NOT_FOUND", errorMessage = "Not Found" } },
    { 'if error.code = "404" then bpmnError("SF_NOT_FOUND", error.message) else null', "500", false },
    { "if is defined(error) then bpmnError(error.code, error.message) else null", "500",
      { errorType = "bpmnError", errorCode = "500" } },
    { 'if error.code = "503" then jobError("Salesforce unavailable", {}, job.retries - 1, "PT30S") else null', "503",
      { errorType = "jobError", errorMessage = "Salesforce unavailable", retries = 2 } },
    { 'if error != null and error.code = "404" then ignoreError({exists: false}) else null', "404",
      { errorType = "ignoreError" } },
    { "{}", "404", false },
    { 'bpmnError("SF_" + error.variables.response.body[1].errorCode, string join(error.variables.response.body.message, "; "))',
      "404", { errorType = "bpmnError", errorCode = "SF_NOT_FOUND",
        errorMessage = "The requested resource does not exist; No such column 'Foo'" } },
    { '{code: "LEGACY", message: "old style"}', "404", { errorType = "bpmnError", errorCode = "LEGACY" } },
  }
  for _, c in ipairs(cases) do
    it(c[1] .. " (code " .. c[2] .. ")", function()
      local out, w = outcome.outcome(c[1], rows.error_context(c[2], 3))
      assert.is_table(w)
      if c[3] == false then
        assert.is_false(out)
      else
        for k, v in pairs(c[3]) do assert.equal(v, out[k], k) end
      end
    end)
  end

  it("refuses a result that is no outcome", function()
    local out, err = outcome.outcome('"fail"', rows.error_context())
    assert.is_nil(out)
    assert.equal("FEEL_OUTCOME", err.code)
    assert.matches("bpmnError", err.message)
  end)

  it("sees a successful response's fields", function()
    local out = outcome.outcome('if body.totalSize = 0 then bpmnError("EMPTY", "no rows") else null',
      { status = 200, body = { totalSize = 0, records = json.array {} } })
    assert.equal("EMPTY", out.errorCode)
  end)
end)

describe("the connector's FEEL functions", function()
  rows.run({
    { 'bpmnError("SF_NOT_FOUND", error.message)',
      { errorType = "bpmnError", errorCode = "SF_NOT_FOUND", errorMessage = "Not Found", variables = C() } },
    { 'bpmnError("E", "m", {id: 1})', { errorType = "bpmnError", errorCode = "E", errorMessage = "m", variables = { id = 1 } } },
    { 'jobError("Salesforce unavailable")',
      { errorType = "jobError", errorMessage = "Salesforce unavailable", variables = C(), retries = 0, retryBackoff = "PT0S" } },
    { 'jobError("busy", {}, job.retries - 1, "PT30S")',
      { errorType = "jobError", errorMessage = "busy", variables = C(), retries = 2, retryBackoff = "PT30S" } },
    { 'jobError("busy", {}, 1, @"PT1M30S")',
      { errorType = "jobError", errorMessage = "busy", variables = C(), retries = 1, retryBackoff = "PT1M30S" } },
    { "ignoreError()", { errorType = "ignoreError", variables = C() } },
    { "ignoreError({exists: false})", { errorType = "ignoreError", variables = { exists = false } } },
    { "bpmnError(404)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { "fromAi(error.code)", "404" },
    { 'fromAi(value: job.retries, type: "number")', 3 },
  }, function() return rows.error_context("404", 3) end)

  it("come in through feel.register, with Camunda's parameter names", function()
    assert.same({ "errorMessage" }, feel.builtins.functions["jobError"].params)
    assert.same({ "errorCode", "errorMessage" }, feel.builtins.functions["bpmnError"].params)
    assert.is_true(feel.builtins.names["ignoreError"])
    local ok, err = pcall(feel.register, "bpmnError", { "errorCode: string", "errorMessage: string" }, function() end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("bpmnError(errorCode, errorMessage)", 1, true), err)
  end)
end)
