-- Result and error expressions as Camunda's connectors apply them.
local feel = require "luaforce.feel"
local json = require "luaforce.json"
local rows = require "feel.rows"

describe("feel.result", function()
  it("sees the response's fields at the top level and as response", function()
    local vars, w = feel.result(
      "= { accountIds: for r in response.body.records return r.Id, hasMore: not(body.done), first: body.records[1].Name }",
      rows.query_response())
    assert.same({}, w)
    assert.equal('{"accountIds":["001A","001B","001C"],"hasMore":true,"first":"Acme"}', json.encode(vars))
  end)

  it("maps a create response", function()
    local vars = feel.result("= { newId: response.body.id, ok: body.success, errors: count(body.errors) }",
      rows.create_response())
    assert.same({ newId = "001D000000AbCdEIAX", ok = true, errors = 0 }, vars)
  end)

  it("maps an update's empty body", function()
    local vars, w = feel.result("{ status: status, body: body }", { status = 204, body = json.null, headers = {} })
    assert.equal(204, vars.status)
    assert.equal(json.null, vars.body)
    assert.same({}, w)
  end)

  it("refuses a result that is not a context, as the connector fails the job", function()
    local vars, err = feel.result("response.body.records.Id", rows.query_response())
    assert.is_nil(vars)
    assert.equal("FEEL_RESULT", err.code)
    assert.matches("must return a context", err.message)
    assert.matches("list", err.message)
    vars, err = feel.result('"text"', rows.query_response())
    assert.matches("string 'text'", err.message)
  end)

  it("gives no variables for null", function()
    local vars = feel.result("null", rows.query_response())
    assert.equal("{}", json.encode(vars))
  end)

  it("passes syntax errors through", function()
    local vars, err = feel.result("{ a: }", {})
    assert.is_nil(vars)
    assert.equal("syntax", err.kind)
  end)
end)

describe("feel.outcome", function()
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
      local out, w = feel.outcome(c[1], rows.error_context(c[2], 3))
      assert.is_table(w)
      if c[3] == false then
        assert.is_false(out)
      else
        for k, v in pairs(c[3]) do assert.equal(v, out[k], k) end
      end
    end)
  end

  it("refuses a result that is no outcome", function()
    local out, err = feel.outcome('"fail"', rows.error_context())
    assert.is_nil(out)
    assert.equal("FEEL_OUTCOME", err.code)
    assert.matches("bpmnError", err.message)
  end)

  it("sees a successful response's fields", function()
    local out = feel.outcome('if body.totalSize = 0 then bpmnError("EMPTY", "no rows") else null',
      { status = 200, body = { totalSize = 0, records = json.array {} } })
    assert.equal("EMPTY", out.errorCode)
  end)
end)
