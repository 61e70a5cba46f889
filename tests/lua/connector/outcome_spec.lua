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
    -- Camunda's message, word for word
    assert.matches("^Result expression must return a JSON object, but got array%. Evaluated value: %[\"", err.message)
    vars, err = outcome.result('"text"', rows.query_response())
    assert.equal('Result expression must return a JSON object, but got string. Evaluated value: "text"', err.message)
    vars, err = outcome.result("1.50", rows.query_response())
    assert.equal("Result expression must return a JSON object, but got number. Evaluated value: 1.50", err.message)
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
    { 'if error.code = "503" then jobError("Salesforce unavailable", {}, job.retries - 1, @"PT30S") else null', "503",
      { errorType = "jobError", errorMessage = "Salesforce unavailable", retries = 2, retryBackoff = "PT30S" } },
    { 'if error != null and error.code = "404" then ignoreError({exists: false}) else null', "404",
      { errorType = "ignoreError" } },
    { "{}", "404", false },
    { 'bpmnError("SF_" + error.variables.response.body[1].errorCode, string join(error.variables.response.body.message, "; "))',
      "404", { errorType = "bpmnError", errorCode = "SF_NOT_FOUND",
        errorMessage = "The requested resource does not exist; No such column 'Foo'" } },
    { '{code: "LEGACY", message: "old style"}', "404",
      { errorType = "bpmnError", errorCode = "LEGACY", errorMessage = "old style" } },
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

-- The shapes, keys in order, as the connector runtime's functions build them.
local function shape(expr, expected, context)
  local v, w = feel.eval(expr, context or rows.error_context("404", 3))
  assert.same({}, w, expr)
  assert.equal(expected, json.encode(v), expr)
end

describe("the connector's FEEL functions", function()
  it("bpmnError has a variables key only when given variables", function()
    shape('bpmnError("SF_NOT_FOUND")', '{"errorType":"bpmnError","errorCode":"SF_NOT_FOUND"}')
    shape('bpmnError("SF_NOT_FOUND", error.message)',
      '{"errorType":"bpmnError","errorCode":"SF_NOT_FOUND","errorMessage":"Not Found"}')
    shape('bpmnError("E", "m", {id: 1, tags: ["a"]})',
      '{"errorType":"bpmnError","errorCode":"E","errorMessage":"m","variables":{"id":1,"tags":["a"]}}')
    shape('bpmnError("E", "m", {})', '{"errorType":"bpmnError","errorCode":"E","errorMessage":"m","variables":{}}')
  end)

  it("jobError always has all four keys, with Camunda's defaults", function()
    shape('jobError("Salesforce unavailable")',
      '{"errorType":"jobError","errorMessage":"Salesforce unavailable","variables":{},"retries":0,"retryBackoff":"PT0S"}')
    shape('jobError("busy", {n: 1})',
      '{"errorType":"jobError","errorMessage":"busy","variables":{"n":1},"retries":0,"retryBackoff":"PT0S"}')
    shape('jobError("busy", {}, job.retries - 1)',
      '{"errorType":"jobError","errorMessage":"busy","variables":{},"retries":2,"retryBackoff":"PT0S"}')
    shape('jobError("busy", {}, 1, @"PT1M30S")',
      '{"errorType":"jobError","errorMessage":"busy","variables":{},"retries":1,"retryBackoff":"PT1M30S"}')
    -- the default is a duration, as Camunda's Duration.ZERO
    shape('jobError("x").retryBackoff = @"PT0S"', "true")
  end)

  it("ignoreError has variables only when given them", function()
    shape("ignoreError()", '{"errorType":"ignoreError"}')
    shape("ignoreError({exists: false})", '{"errorType":"ignoreError","variables":{"exists":false}}')
  end)

  describe("fail naming the parameter, as every FEEL function fails", function()
    rows.failures {
      { "bpmnError(404)", "bpmnError: 'errorCode' must be a string, not number 404" },
      { "bpmnError(null)", "bpmnError: 'errorCode' must be a string, not null" },
      { 'bpmnError("E", 1)', "bpmnError: 'errorMessage' must be a string, not number 1" },
      -- Camunda's bpmnErrorFunctionWithVarsButWrongDatatype
      { 'bpmnError("E", "m", "v")', "bpmnError: 'variables' must be a context, not \"v\"" },
      { 'bpmnError("E", "m", [1])', "bpmnError: 'variables' must be a context, not list" },
      { "bpmnError()", "bpmnError: takes bpmnError(errorCode) or bpmnError(errorCode, errorMessage) or" },
      { "jobError(1)", "jobError: 'errorMessage' must be a string, not number 1" },
      { 'jobError("m", null)', "jobError: 'variables' must be a context, not null" },
      { 'jobError("m", {}, "2")', "jobError: 'retries' must be a number, not \"2\"" },
      { 'jobError("m", {}, 1, "PT30S")',
        "jobError: 'retryBackoff' must be a days and time duration such as @\"PT30S\", not \"PT30S\"" },
      { 'jobError("m", {}, 1, @"P1M")', "jobError: 'retryBackoff' must be a days and time duration" },
      { 'jobError("m", {}, 1, null)', "jobError: 'retryBackoff' must be a days and time duration such as @\"PT30S\", not null" },
      { 'jobError("m", {}, 1, @"PT1S", 5)', "jobError: takes " },
      { 'ignoreError("x")', "ignoreError: 'variables' must be a context, not \"x\"" },
      { "ignoreError(null)", "ignoreError: 'variables' must be a context, not null" },
    }
  end)

  rows.run({
    { "fromAi(error.code)", "404" },
    { 'fromAi(value: job.retries, type: "number")', 3 },
  }, function() return rows.error_context("404", 3) end)

  it("come in through feel.register, with Camunda's parameter names", function()
    assert.same({ "errorMessage" }, feel.builtins.functions["jobError"].params)
    assert.same({ "errorCode" }, feel.builtins.functions["bpmnError"].params)
    assert.same({ "attempt" }, feel.builtins.functions["backoff"].params)
    assert.is_true(feel.builtins.names["ignoreError"])
    local ok, err = pcall(feel.register, "bpmnError", { "errorCode: string", "errorMessage: string" }, function() end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("bpmnError(errorCode, errorMessage)", 1, true), err)
  end)
end)

describe("backoff", function()
  -- the jitter's draw, pinned for each test
  local draws, previous
  local function draw(...)
    local list = { ... }
    local i = 0
    draws = 0
    local was = outcome.set_random(function()
      draws = draws + 1
      i = i % #list + 1
      return list[i]
    end)
    previous = previous or was
  end
  after_each(function()
    if previous then outcome.set_random(previous) end
    previous = nil
  end)

  local function gives(expr, expected)
    local v, w = feel.eval(expr, { job = { retries = 3 } })
    assert.same({}, w, expr)
    assert.equal(expected, v, expr)
  end

  it("grows by factor from minDelay, with Camunda's defaults (no jitter at the middle draw)", function()
    draw(0.5)
    gives("backoff(1)", "PT0.05S")
    gives("backoff(2)", "PT0.08S")
    gives("backoff(3)", "PT0.128S")
    gives("backoff(4)", "PT0.205S") -- 204.8 rounds up
    gives('backoff(2, @"PT1S")', "PT1.6S")
    gives('backoff(3, @"PT1S", 2)', "PT4S")
    gives('backoff(3, @"PT1S", 2, @"PT1M")', "PT4S")
    gives('backoff(3, @"PT1S", 2, @"PT1M", 0.25)', "PT4S")
    -- the typical use: the first failure (3 retries left) waits minDelay
    gives('backoff(4 - job.retries, @"PT1S", 2, @"PT1M")', "PT1S")
    assert.equal(9, draws)
  end)

  it("is clamped to [minDelay, maxDelay]", function()
    draw(0.5)
    gives("backoff(100)", "PT5S")
    gives('backoff(10, @"PT1S", 2, @"PT1M", 0)', "PT1M")
    gives('backoff(7, @"PT1S", 2, @"PT1M", 0)', "PT1M") -- 64 s, past 60 s
    gives('backoff(6, @"PT1S", 2, @"PT1M", 0)', "PT32S")
    gives('backoff(3, @"PT1S", 0.5, @"PT1M", 0)', "PT1S") -- shrinking: never below minDelay
    gives('backoff(5, @"PT2S", 2, @"PT2S", 0)', "PT2S")
    gives("backoff(10 ** 30)", "PT5S") -- past int64: as the largest attempt
  end)

  it("adds a jitter of up to jitterFactor of the delay either way, rounded half up to a millisecond", function()
    draw(0)
    gives("backoff(1)", "PT0.045S")
    gives("backoff(100)", "PT4.5S")
    gives('backoff(1, @"PT0.045S", 1, @"PT1S", 0.1)', "PT0.041S") -- 40.5 rounds up
    gives('backoff(1, @"PT1S", 2, @"PT1M", 1)', "PT0S") -- the whole delay off
    draw(0.75)
    gives("backoff(1)", "PT0.053S") -- 50 + 2.5 rounds up
    draw(1 - 2 ^ -53)
    gives("backoff(1)", "PT0.055S")
    gives('backoff(1, @"PT1S", 2, @"PT1M", 0.5)', "PT1.5S")
  end)

  it("cuts attempt to an integer and durations to whole milliseconds", function()
    draw(0.5)
    gives('backoff(2.9, @"PT1S", 2, @"PT1M", 0)', "PT2S")
    gives('backoff(1.5, @"PT1S", 2, @"PT1M", 0)', "PT1S")
    gives('backoff(1, @"PT0.0019S", 1, @"PT1S", 0)', "PT0.001S")
  end)

  it("draws nothing without jitter, and never raises on a zero delay", function()
    draw(0.5)
    gives('backoff(3, @"PT1S", 2, @"PT1M", 0)', "PT4S")
    gives('backoff(2, @"PT0S", 2, @"PT1S", 0)', "PT0S")
    assert.equal(0, draws)
    -- Camunda's random draw raises on the empty range [-0, 0); here no jitter
    draw(0)
    gives('backoff(2, @"PT0S", 2, @"PT1S", 0.5)', "PT0S")
  end)

  it("is a days-time duration jobError takes as its retryBackoff", function()
    draw(0.5)
    gives('backoff(1) instance of days and time duration', true)
    gives('jobError("x", {}, 2, backoff(1, @"PT1S", 2, @"PT1M", 0)).retryBackoff = @"PT1S"', true)
    local out = outcome.outcome(
      'if error.code = "503" then jobError("Salesforce unavailable", {}, job.retries - 1, backoff(4 - job.retries, @"PT1S", 2, @"PT1M")) else null',
      rows.error_context("503", 2))
    assert.equal('{"errorType":"jobError","errorMessage":"Salesforce unavailable","variables":{},"retries":1,"retryBackoff":"PT2S"}',
      json.encode(out))
  end)

  describe("fails as Camunda's does, naming the parameter", function()
    rows.failures {
      { "backoff(0)", "backoff: 'attempt' must be 1 or more, not 0" },
      { "backoff(-3)", "backoff: 'attempt' must be 1 or more, not -3" },
      { "backoff(0.5)", "backoff: 'attempt' must be 1 or more, not 0.5" },
      { "backoff(-(10 ** 30))", "backoff: 'attempt' must be 1 or more" },
      { 'backoff(1, @"PT0.05S", 0)', "backoff: 'factor' must be more than 0, not 0" },
      { 'backoff(1, @"PT0.05S", -1.5)', "backoff: 'factor' must be more than 0, not -1.5" },
      { 'backoff(1, @"PT10S", 1.6, @"PT5S", 0.1)',
        "backoff: 'minDelay' must not be longer than 'maxDelay', but 10000 ms > 5000 ms" },
      { 'backoff(1, @"PT10S")', "backoff: 'minDelay' must not be longer than 'maxDelay'" }, -- the default PT5S
      { 'backoff(1, @"PT0.05S", 1.6, @"PT5S", -0.1)', "backoff: 'jitterFactor' must be 0 or more, not -0.1" },
      { 'backoff("1")', "backoff: 'attempt' must be a number" },
      { 'backoff(1, "PT1S")', "backoff: 'minDelay' must be a days and time duration" },
      { 'backoff(1, @"P1Y")', "backoff: 'minDelay' must be a days and time duration" },
      { 'backoff(1, @"PT1S", 2, 60)', "backoff: 'maxDelay' must be a days and time duration" },
      { 'backoff(1, @"PT1S", 2, @"PT1M", 0, 1)', "backoff: takes " },
      { "backoff()", "backoff: takes " },
    }
  end)

  it("refuses a random source that leaves [0, 1)", function()
    draw(1)
    local v, w, failure = feel.eval("backoff(1)")
    assert.is_nil(v)
    assert.matches("random source gave 1", failure.message)
  end)

  describe("backoff_ms, the arithmetic", function()
    local cases = {
      -- attempt, min, factor, max, jitter, u -> ms
      { 1, 50, 1.6, 5000, 0.1, 0.5, 50 },
      { 5, 50, 1.6, 5000, 0.1, 0.5, 328 }, -- 327.68
      { 13, 50, 1.6, 5000, 0.1, 0.5, 5000 },
      { 1, 50, 1.6, 5000, 0.1, 0, 45 },
      { 1, 0, 1.6, 5000, 0.1, 0, 0 },
      { 1, -1000, 2, 5000, 0, 0, 0 }, -- never below zero
      { 2, 3, 1.5, 100, 0, 0, 5 }, -- 4.5 rounds half up
      { math.maxinteger, 1, 2, 60000, 0, 0, 60000 },
    }
    for _, c in ipairs(cases) do
      it(table.concat(c, ", ", 1, 6) .. " -> " .. c[7], function()
        assert.equal(c[7], outcome.backoff_ms(table.unpack(c, 1, 6)))
      end)
    end
    it("checks in Camunda's order", function()
      assert.matches("'attempt'", select(2, outcome.backoff_ms(0, 10, 0, 5, -1, 0)))
      assert.matches("'factor'", select(2, outcome.backoff_ms(1, 10, 0, 5, -1, 0)))
      assert.matches("'minDelay'", select(2, outcome.backoff_ms(1, 10, 1, 5, -1, 0)))
      assert.matches("'jitterFactor'", select(2, outcome.backoff_ms(1, 1, 1, 5, -1, 0)))
    end)
  end)

  it("set_random takes a function, and nil restores math.random", function()
    assert.has_error(function() outcome.set_random(0.5) end,
      "bad argument #1 to 'set_random' (a function expected, got number)")
    local mine = function() return 0 end
    local before = outcome.set_random(mine)
    assert.equal(mine, outcome.set_random(nil))
    assert.equal(math.random, outcome.set_random(before))
  end)
end)

describe("connector functions in an expression", function()
  it("fail the error expression when they fail, as Camunda's evaluation fails", function()
    local out, err = outcome.outcome('if error.code = "404" then bpmnError(404, error.message) else null',
      rows.error_context("404", 3))
    assert.is_nil(out)
    assert.equal("FEEL_OUTCOME", err.code)
    assert.equal("the error expression failed: bpmnError: 'errorCode' must be a string, not number 404", err.message)
    out, err = outcome.outcome('jobError("x", {}, 0, backoff(0))', rows.error_context("503", 3))
    assert.is_nil(out)
    assert.matches("backoff: 'attempt' must be 1 or more, not 0", err.message)
    local vars
    vars, err = outcome.result('{wait: backoff(0)}', { status = 200, body = {} })
    assert.is_nil(vars)
    assert.equal("FEEL_RESULT", err.code)
  end)

  it("leave other functions' failures as null and a warning", function()
    local out, w = outcome.outcome('if substring(error.code, "x") = "4" then bpmnError("X") else null',
      rows.error_context("404", 3))
    assert.is_false(out)
    assert.equal("FUNCTION_INVOCATION_FAILURE", w[1].type)
  end)

  it("reach the outcome in the shapes the functions give", function()
    local ctx = rows.error_context("404", 3)
    assert.equal('{"errorType":"bpmnError","errorCode":"NF"}', json.encode(outcome.outcome('bpmnError("NF")', ctx)))
    assert.equal('{"errorType":"ignoreError"}', json.encode(outcome.outcome("ignoreError()", ctx)))
    assert.equal('{"errorType":"bpmnError","errorCode":"L"}', json.encode(outcome.outcome('{code: "L"}', ctx)))
  end)

  it("make no error of a bpmnError without a code, as the runtime drops it", function()
    local ctx = rows.error_context("404", 3)
    assert.is_false(outcome.outcome('{errorType: "bpmnError", errorMessage: "m"}', ctx))
    assert.is_false(outcome.outcome('{errorType: "bpmnError", errorCode: null}', ctx))
  end)
end)
