--- luaforce.feel.outcome: result and error expressions as Camunda's
-- connectors apply them (see the camunda-connector reference).
--
-- feel.result(expr, response[, opts]) -> variables, warnings | nil, err
--   The response's fields are in scope at the top level and as `response`
--   (`body.records` and `response.body.records` both work). The result
--   must be a context: its entries are the output variables (a Lua table,
--   in order). null gives no variables; any other value is an error (code
--   FEEL_RESULT) saying what came back, as the connector fails the job.
--
-- feel.outcome(expr, context[, opts]) -> outcome, warnings | nil, err
--   For error expressions. `context` is what the expression sees: on a
--   failure `{error = ..., response = {error = ...}, job = {retries = N}}`,
--   on success the response's fields. null or {} is no error: `false`.
--   Otherwise the result of bpmnError, jobError or ignoreError: a table
--   with `errorType` ("bpmnError" | "jobError" | "ignoreError") and the
--   fields those functions set (errorCode, errorMessage, variables,
--   retries, retryBackoff). A context with `code` (the connectors' older
--   form) counts as a bpmnError. Anything else is an error (FEEL_OUTCOME).
local errors = require "luaforce.errors"
local values = require "luaforce.feel.kinds"

local M = {}

local kind = values.kind

local function shown(v)
  local k = kind(v)
  if k == "string" or k == "number" or k == "boolean" then return ("%s '%s'"):format(k, values.tostring(v)) end
  return k
end

local function failed(code, expr, message, warnings)
  return nil, errors.new {
    code = code, kind = "evaluation", message = message, expression = expr,
    warnings = warnings, exit = errors.EXIT.USAGE,
  }
end

function M.attach(feel)
  local run, compiled = feel.run, feel.compiled

  function feel.result(expr, response, opts)
    local c, err = compiled(expr)
    if not c then return nil, err end
    local scope = { name = "response", value = response == nil and values.NULL or response }
    if kind(response) == "context" then scope.ctx = response end
    local v, warnings, failure = run(c.fn, scope, opts)
    if failure then
      return failed("FEEL_RESULT", expr, "the result expression failed: " .. failure.message, warnings)
    end
    if v == nil then return values.context({}, {}), warnings end
    if kind(v) ~= "context" then
      return failed("FEEL_RESULT", expr,
        ("the result expression must return a context of output variables, but returned %s"):format(shown(v)),
        warnings)
    end
    return v, warnings
  end

  function feel.outcome(expr, context, opts)
    local c, err = compiled(expr)
    if not c then return nil, err end
    local v, warnings, failure = run(c.fn, feel.scope(context), opts)
    if failure then
      return failed("FEEL_OUTCOME", expr, "the error expression failed: " .. failure.message, warnings)
    end
    if v == nil then return false, warnings end
    if kind(v) == "context" then
      if next(v) == nil then return false, warnings end
      local et = v.errorType
      if et == "bpmnError" or et == "jobError" or et == "ignoreError" then return v, warnings end
      if et == nil and v.code ~= nil then
        local out = values.context({
          errorType = "bpmnError", errorCode = v.code, errorMessage = v.message or "",
          variables = v.variables or values.context({}, {}),
        }, { "errorType", "errorCode", "errorMessage", "variables" })
        return out, warnings
      end
    end
    return failed("FEEL_OUTCOME", expr,
      ("the error expression must return null, {} or bpmnError(...), jobError(...), ignoreError(...), but returned %s")
        :format(shown(v)), warnings)
  end
end

return M
