-- luaforce.chain.decide: what a step's answer means for its item, with the
-- connector's outcome semantics: result_variable and result_expression,
-- error expressions (bpmnError stops, ignoreError goes on, jobError retries),
-- an expression that fails is an incident (exit 9), and an unknown outcome
-- stays unknown whatever an expression says.
local decide = require "luaforce.chain.decide"
local steps = require "luaforce.chain.steps"
local cerrors = require "luaforce.client.errors"
local verdict = require "luaforce.connector.verdict"
local json = require "luaforce.json"

local CREATED = { response = verdict.response { status = 201, headers = {}, body = { id = "001A", success = true } } }

local function not_found()
  return { err = cerrors.from_response({ status = 404, headers = {}, reason = "Not Found",
    body = json.array { json.object({ errorCode = "NOT_FOUND", message = "gone" }, { "errorCode", "message" }) } },
    { method = "GET", path = "/services/data/v62.0/sobjects/Account/001A" }) }
end

local function lost()
  return { err = cerrors.new { code = "OUTCOME_UNKNOWN", exit = 6, message = "the answer was lost",
    errors = {}, fields = {}, variables = { response = { headers = {}, body = json.null } } } }
end

-- decide.step for a step with these options; op "create" unless given.
local function decision(opts, o, retries, op)
  local s = op == "get" and steps.new(2, "get", "Account", "=id", opts)
    or steps.new(2, "create", "Account", { Name = "x" }, opts)
  return decide.step(s, { vars = { n = "Acme" } }, o, retries or s.retries, {})
end

describe("chain.decide", function()
  describe("after a success", function()
    it("the item gets `response`, and the result_variable names it too", function()
      local d = decision({ result_variable = "acct" }, CREATED)
      assert.equal("next", d.kind)
      assert.equal("Acme", d.vars.n)
      assert.equal("001A", d.vars.response.body.id)
      assert.equal(d.vars.response, d.vars.acct)
    end)

    it("a result expression's entries go into the item", function()
      local d = decision({ result_expression = "={id: body.id, status: response.status}" }, CREATED)
      assert.equal("next", d.kind)
      assert.equal("001A", d.vars.id)
      assert.equal(201, d.vars.status)
    end)

    it("a result expression giving null adds nothing", function()
      local d = decision({ result_expression = "=null" }, CREATED)
      assert.equal("next", d.kind)
      assert.is_nil(d.vars.id)
    end)

    it("a result expression that fails is an incident (9), and says the write was applied", function()
      for _, expr in ipairs { "=5", "=assert(1, false)" } do
        local d = decision({ result_expression = expr }, CREATED)
        assert.equal("failed", d.kind)
        assert.equal(9, d.err.exit)
        assert.equal("FEEL_RESULT", d.err.code)
        assert.is_true(d.applied)
        assert.matches("^step 2 %(create%): the result expression failed: ", d.err.message)
        -- said once
        assert.is_nil(d.err.message:find("failed: the result expression failed", 1, true), d.err.message)
        assert.matches("(the write itself succeeded: Salesforce applied it)", d.err.message, 1, true)
      end
    end)
  end)

  describe("error expressions", function()
    it("no expression: the failure is the error's own, exit and all", function()
      local d = decision({}, not_found())
      assert.equal("failed", d.kind)
      assert.equal(1, d.err.exit)
      assert.equal("NOT_FOUND", d.err.error_code)
    end)

    it("bpmnError stops the item (exit 7) with its code and message", function()
      local d = decision({ error_expression = '=if error.code = "404" then bpmnError("NO_ACCOUNT", "no such account") else null' },
        not_found())
      assert.equal("stopped", d.kind)
      assert.equal("NO_ACCOUNT", d.code)
      assert.equal(7, d.err.exit)
      assert.equal("step 2 (create): bpmnError NO_ACCOUNT: no such account", d.err.message)
    end)

    it("bpmnError after a success stops the item too; the write was applied", function()
      local d = decision({ error_expression = '=if response.status = 201 then bpmnError("CREATED") else null' }, CREATED)
      assert.equal("stopped", d.kind)
      assert.is_true(d.applied)
      assert.equal("step 2 (create): bpmnError CREATED", d.err.message)
    end)

    it("null lets the answer stand", function()
      assert.equal("next", decision({ error_expression = "=null" }, CREATED).kind)
      assert.equal("failed", decision({ error_expression = "=null" }, not_found()).kind)
    end)

    it("ignoreError goes on with the error and its variables in the item", function()
      local d = decision({ error_expression = "=ignoreError({skipped: true})" }, not_found())
      assert.equal("next", d.kind)
      assert.is_true(d.ignored)
      assert.is_true(d.vars.skipped)
      assert.equal("404", d.vars.error.code)
      assert.equal("Acme", d.vars.n)
    end)

    it("jobError with retries left sends the step again after its backoff", function()
      local d = decision({ error_expression = '=jobError("locked", {}, job.retries - 1, @"PT2S")' }, not_found(), 3)
      assert.equal("retry", d.kind)
      assert.equal(2, d.retries)
      assert.equal(2, d.backoff)
    end)

    it("jobError with no retries left fails the item with exit 8", function()
      local d = decision({ error_expression = '=jobError("locked", {}, job.retries - 1)' }, not_found(), 1)
      assert.equal("failed", d.kind)
      assert.equal(8, d.err.exit)
      assert.equal("step 2 (create): jobError: locked (no retries left)", d.err.message)
    end)

    it("jobError after a write that succeeded never sends it again", function()
      local d = decision({ error_expression = '=jobError("check", {}, 2)' }, CREATED, 3)
      assert.equal("failed", d.kind)
      assert.equal(8, d.err.exit)
      assert.is_true(d.applied)
      assert.matches("(a write that succeeded is not sent again)", d.err.message, 1, true)
      -- a read may go again
      assert.equal("retry", decision({ error_expression = '=jobError("again", {}, 2)' }, CREATED, 3, "get").kind)
    end)

    it("an expression that fails is exit 9, never the step's own outcome", function()
      local d = decision({ error_expression = "=assert(1, false)" }, not_found())
      assert.equal("failed", d.kind)
      assert.equal(9, d.err.exit)
      assert.equal("FEEL_RESULT", d.err.code)
      assert.is_nil(d.err.message:find("failed: the error expression failed", 1, true), d.err.message)
      d = decision({ error_expression = "=5" }, not_found())
      assert.equal(9, d.err.exit)
      assert.matches("must return null, {} or bpmnError", d.err.message, 1, true)
      d = decision({ error_expression = "=assert(1, false)" }, CREATED)
      assert.equal(9, d.err.exit)
      assert.is_true(d.applied)
    end)

    it("an unknown outcome is never overridden: no expression runs", function()
      for _, expr in ipairs { "=ignoreError()", '=bpmnError("X")', '=jobError("x", {}, 3)', "=assert(1, false)" } do
        local d = decision({ error_expression = expr }, lost(), 3)
        assert.equal("unknown", d.kind, expr)
        assert.equal(6, d.err.exit)
      end
      assert.equal("unknown", decision({}, lost()).kind)
    end)
  end)
end)
