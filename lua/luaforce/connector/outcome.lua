--- luaforce.connector.outcome: result and error expressions as Camunda's
-- connectors apply them (see the camunda-connector reference), and the
-- functions error expressions call.
--
-- Loading it registers, through feel.register (process-wide), the
-- connector runtime's FEEL functions:
--   bpmnError(errorCode, errorMessage[, variables])
--     -> {errorType: "bpmnError", errorCode, errorMessage, variables}
--   jobError(errorMessage[, variables[, retries[, retryBackoff]]])
--     -> {errorType: "jobError", errorMessage, variables, retries, retryBackoff}
--        (variables {} , retries 0, retryBackoff PT0S by default; a string
--        "PT30S" passes through as a string)
--   ignoreError([variables]) -> {errorType: "ignoreError", variables}
--   fromAi(value[, description[, type[, schema[, options]]]]) -> value
--     (Camunda's AI agent tag: the value as it is)
--
-- outcome.result(expr, response[, opts]) -> variables, warnings | nil, err
--   The response's fields are in scope at the top level and as `response`
--   (`body.records` and `response.body.records` both work). The result
--   must be a context: its entries are the output variables (a Lua table,
--   in order). null gives no variables; any other value is an error (code
--   FEEL_RESULT) saying what came back, as the connector fails the job.
--
-- outcome.scope(response) -> the scope result expressions see, for
--   feel.run (the record commands' --map-response evaluates in it too).
--
-- outcome.outcome(expr, context[, opts]) -> outcome, warnings | nil, err
--   For error expressions. `context` is what the expression sees: on a
--   failure `{error = ..., response = {error = ...}, job = {retries = N}}`,
--   on success the response's fields. null or {} is no error: `false`.
--   Otherwise the result of bpmnError, jobError or ignoreError: a table
--   with `errorType` ("bpmnError" | "jobError" | "ignoreError") and the
--   fields those functions set (errorCode, errorMessage, variables,
--   retries, retryBackoff). A context with `code` (the connectors' older
--   form) counts as a bpmnError. Anything else is an error (FEEL_OUTCOME).
--
-- `opts` are compiled:eval's (exact, now, zone, max_steps, max_seconds). A
-- syntax error is returned as feel.compile returns it; an evaluation that
-- fails (assert, the budget) is an error FEEL_RESULT or FEEL_OUTCOME.
local errors = require "luaforce.errors"
local feel = require "luaforce.feel"

local M = {}

local values = feel.values
local kind, NULL = values.kind, values.NULL

-- The functions ------------------------------------------------------------------

local BPMN_MT = values.context_mt { "errorType", "errorCode", "errorMessage", "variables" }
local JOB_MT = values.context_mt { "errorType", "errorMessage", "variables", "retries", "retryBackoff" }
local IGNORE_MT = values.context_mt { "errorType", "variables" }

local function empty()
  return values.context({}, {})
end

local function bpmn(code, message, vars)
  return setmetatable({
    errorType = "bpmnError", errorCode = code, errorMessage = message, variables = vars or empty(),
  }, BPMN_MT)
end

-- retryBackoff: the duration given (a string "PT30S" passes through), PT0S
-- by default.
local function job(message, vars, retries, backoff)
  return setmetatable({
    errorType = "jobError", errorMessage = message, variables = vars or empty(),
    retries = retries == nil and 0 or retries,
    retryBackoff = backoff == nil and (values.zero_duration and values.zero_duration() or NULL) or backoff,
  }, JOB_MT)
end

local function ignore(vars)
  return setmetatable({ errorType = "ignoreError", variables = vars or empty() }, IGNORE_MT)
end

-- fromAi(value, ...) tags a value for Camunda's AI agent: the value as it is
local function same(v) return v end

local register = feel.register
register("bpmnError", { "errorCode: string", "errorMessage: string" }, bpmn)
register("bpmnError", { "errorCode: string", "errorMessage: string", "variables: context?" }, bpmn)

register("jobError", { "errorMessage: string" }, job)
register("jobError", { "errorMessage: string", "variables: context?" }, job)
register("jobError", { "errorMessage: string", "variables: context?", "retries: number?" }, job)
register("jobError", { "errorMessage: string", "variables: context?", "retries: number?", "retryBackoff: any" }, job)

register("fromAi", { "value: any" }, same)
register("fromAi", { "value: any", "description: string?" }, same)
register("fromAi", { "value: any", "description: string?", "type: string?" }, same)
register("fromAi", { "value: any", "description: string?", "type: string?", "schema: context?" }, same)
register("fromAi", { "value: any", "description: string?", "type: string?", "schema: context?", "options: context?" }, same)

register("ignoreError", {}, function() return ignore(nil) end)
register("ignoreError", { "variables: context?" }, ignore)

-- The expressions ------------------------------------------------------------------

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

--- The scope a result expression sees (for feel.run): the response's
-- fields at the top level and the response as `response`.
function M.scope(response)
  local scope = { name = "response", value = response == nil and NULL or response }
  if kind(response) == "context" then scope.ctx = response end
  return scope
end

--- A result expression over a response: variables, warnings | nil, err.
function M.result(expr, response, opts)
  local c, err = feel.compiled(expr)
  if not c then return nil, err end
  local v, warnings, failure = feel.run(c.fn, M.scope(response), opts)
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

--- An error expression over its context: outcome (false for none), warnings | nil, err.
function M.outcome(expr, context, opts)
  local c, err = feel.compiled(expr)
  if not c then return nil, err end
  local v, warnings, failure = feel.run(c.fn, feel.scope(context), opts)
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

return M
