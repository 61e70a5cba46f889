-- What a connector's expressions see of a call (the response object, the
-- contexts after a success and a failure) and what an error expression's
-- answer decides and prints: one rule for `luaforce connector` and the
-- record commands' --error-expression.
local verdict = require "luaforce.connector.verdict"
local outcome = require "luaforce.connector.outcome"
local json = require "luaforce.json"

local function encode(v) return assert(json.encode(v)) end

-- The outcome an error expression gives over `context`.
local function out_of(expr, context)
  local out, w = outcome.outcome(expr, context or json.object({}, {}))
  assert(out, w and tostring(w))
  return out
end

describe("connector.verdict", function()
  describe("response", function()
    it("is Camunda's object: its keys in order, headers sorted, several values a list", function()
      local r = verdict.response { status = 200, reason = "OK", body = json.object({ Name = "Acme" }, { "Name" }),
        headers = { ["Sforce-Limit-Info"] = "api-usage=1/15000", ["Content-Type"] = "application/json",
          ["Set-Cookie"] = { "a=1", "b=2" } } }
      assert.equal('{"status":200,"headers":{"Content-Type":"application/json","Set-Cookie":["a=1","b=2"],'
        .. '"Sforce-Limit-Info":"api-usage=1/15000"},"body":{"Name":"Acme"},"reason":"OK","document":null}', encode(r))
    end)

    it("gives an empty body, a missing reason and missing headers as null and {}", function()
      assert.equal('{"status":204,"headers":{},"body":null,"reason":null,"document":null}',
        encode(verdict.response { status = 204 }))
    end)
  end)

  describe("contexts", function()
    it("after a success: the fields at the top level, as response, and job", function()
      local r = verdict.response { status = 201, body = json.object({ id = "001x" }, { "id" }) }
      local c = verdict.success_context(r, 1)
      assert.equal('{"status":201,"headers":{},"body":{"id":"001x"},"reason":null,"document":null,'
        .. '"response":{"status":201,"headers":{},"body":{"id":"001x"},"reason":null,"document":null},'
        .. '"job":{"retries":1}}', encode(c))
      local v = out_of('if body.id = response.body.id and job.retries = 1 then bpmnError("SAME", body.id) else null', c)
      assert.equal("001x", v.errorMessage)
    end)

    it("after a failure: error, response.error and job", function()
      local e = json.object({ code = "404", message = "Not Found" }, { "code", "message" })
      local c = verdict.failure_context(e, 3)
      assert.equal('{"error":{"code":"404","message":"Not Found"},"response":{"error":{"code":"404",'
        .. '"message":"Not Found"}},"job":{"retries":3}}', encode(c))
      local v = out_of('bpmnError(response.error.code, error.message + " " + string(job.retries))', c)
      assert.equal("404", v.errorCode)
      assert.equal("Not Found 3", v.errorMessage)
    end)
  end)

  describe("decide and document", function()
    it("a bpmnError: its code, message and variables", function()
      local d = verdict.decide(out_of('bpmnError("NF", "gone", {id: 7})'))
      assert.equal("bpmnError", d.kind)
      assert.equal('{"outcome":"bpmnError","errorCode":"NF","errorMessage":"gone","variables":{"id":7}}',
        encode(verdict.document(d)))
      d = verdict.decide(out_of('bpmnError("NF", "gone")'))
      assert.equal('{"outcome":"bpmnError","errorCode":"NF","errorMessage":"gone","variables":{}}',
        encode(verdict.document(d)))
    end)

    it("a jobError: retries never below 0, its backoff, `error` among its variables", function()
      local d = verdict.decide(out_of('jobError("busy", {x: 1}, -2, @"PT30S")'))
      assert.equal("fail", d.kind)
      assert.equal(0, d.retries)
      assert.equal('{"outcome":"jobError","errorMessage":"busy","retries":0,"retryBackoff":"PT30S",'
        .. '"variables":{"x":1,"error":"busy"}}', encode(verdict.document(d)))
      d = verdict.decide(out_of('jobError("busy", {}, 2)'))
      assert.equal(2, d.retries)
      assert.equal("PT0S", verdict.document(d).retryBackoff)
      -- no backoff of its own: the task's
      assert.equal("PT9S", verdict.document({ kind = "fail", message = "m", retries = 0,
        variables = json.object({}, {}) }, "PT9S").retryBackoff)
    end)

    it("an ignoreError: completed with its variables, {} without", function()
      local d = verdict.decide(out_of("ignoreError({exists: false})"))
      assert.equal("ignore", d.kind)
      assert.equal('{"outcome":"completed","variables":{"exists":false}}', encode(verdict.document(d)))
      assert.equal('{"outcome":"completed","variables":{}}', encode(verdict.document(verdict.decide(out_of("ignoreError()")))))
    end)

    it("fills the decision it is given, and refuses what is no outcome", function()
      local d = { unknown = true }
      assert.equal(d, verdict.decide(out_of('bpmnError("A", "b")'), d))
      assert.is_true(d.unknown)
      assert.equal("bpmnError", d.kind)
      assert.has_error(function() verdict.decide({ errorType = "other" }) end,
        "bad argument #1 to 'decide' (an error expression's outcome expected, errorType other)")
    end)

    it("prints an incident and a completed task's variables", function()
      assert.equal('{"outcome":"incident","errorMessage":"bad","variables":{}}', encode(verdict.document {
        kind = "fail", incident = true, message = "bad", variables = json.object({}, {}) }))
      local vars = json.object({ id = "001x" }, { "id" })
      assert.equal(vars, verdict.document { kind = "complete", variables = vars })
    end)
  end)
end)
