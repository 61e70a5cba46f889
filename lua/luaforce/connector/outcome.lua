--- luaforce.connector.outcome: result and error expressions as Camunda's
-- connectors apply them (see the camunda-connector reference), and the
-- functions error expressions call.
--
-- Loading it registers, through feel.register (process-wide), the
-- connector runtime's FEEL functions with its shapes and arities (its
-- FeelConnectorFunctionProvider; keys in this order):
--   bpmnError(errorCode)                  -> {errorType: "bpmnError", errorCode}
--   bpmnError(errorCode, errorMessage)    -> {errorType, errorCode, errorMessage}
--   bpmnError(errorCode, errorMessage, variables)
--                                         -> {errorType, errorCode, errorMessage, variables}
--   jobError(errorMessage[, variables[, retries[, retryBackoff]]])
--     -> {errorType: "jobError", errorMessage, variables, retries, retryBackoff}
--        always all four: variables {}, retries 0, retryBackoff PT0S by default
--   ignoreError()          -> {errorType: "ignoreError"}
--   ignoreError(variables) -> {errorType: "ignoreError", variables}
--   backoff(attempt[, minDelay[, factor[, maxDelay[, jitterFactor]]]])
--     -> a days-time duration for retryBackoff (M.backoff_ms has the rule;
--        defaults PT0.05S, 1.6, PT5S, 0.1; every arity 1 to 5, as Camunda's)
--   fromAi(value[, description[, type[, schema[, options]]]]) -> value
--     (Camunda's AI agent tag: the value as it is)
-- A code or message that is not a string, variables that are not a context,
-- a retries that is not a number, a retryBackoff that is not a days-time
-- duration (the text "PT30S" included), a backoff argument out of range:
-- null and a FUNCTION_INVOCATION_FAILURE warning naming the parameter
-- ("bpmnError: 'errorCode' must be a string, not number 404"), as every
-- FEEL function fails; in a result or error expression (below) it fails
-- the expression, as it fails Camunda's evaluation.
--
-- M.set_random(fn) -> previous   backoff()'s jitter source (a function
--   giving [0, 1); default math.random): tests pin it.
-- M.backoff_ms(attempt, min_ms, factor, max_ms, jitter, u) -> ms | nil, why
--   backoff()'s arithmetic on plain numbers, `u` the jitter's draw.
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
--   Otherwise the result of bpmnError, jobError or ignoreError, as the
--   functions shape it: a table with `errorType` ("bpmnError" | "jobError"
--   | "ignoreError") and the keys that function set (retryBackoff as ISO
--   text, "PT30S"). A bpmnError without a code is no error (`false`), as the
--   runtime drops it. A context with `code` and no errorType (the
--   connectors' older form) counts as bpmnError(code[, message[,
--   variables]]). Anything else is an error (FEEL_OUTCOME).
--
-- `opts` are compiled:eval's (exact, now, zone, max_steps, max_seconds, max_memory). A
-- syntax error is returned as feel.compile returns it; an evaluation that
-- fails (assert, the budget) is an error FEEL_RESULT or FEEL_OUTCOME.
local errors = require "luaforce.errors"
local feel = require "luaforce.feel"
local json = require "luaforce.json"
local N = require "luaforce.feel.number"
local temporal = require "luaforce.feel.temporal"

local M = {}

local values = feel.values
local kind, NULL = values.kind, values.NULL

-- The functions ------------------------------------------------------------------
-- Shapes and arities are those of the connector runtime's own functions
-- (camunda/connectors, connector-runtime/connector-feel/.../function/*.java).
-- Their failures are FEEL's: null and a FUNCTION_INVOCATION_FAILURE warning
-- naming the parameter (luaforce.feel.builtins); the expressions below turn
-- such a warning into a failed expression, as Camunda's evaluation fails.

local BPMN_MT = values.context_mt { "errorType", "errorCode", "errorMessage", "variables" }
local JOB_MT = values.context_mt { "errorType", "errorMessage", "variables", "retries", "retryBackoff" }
local IGNORE_MT = values.context_mt { "errorType", "variables" }

-- bpmnError(errorCode[, errorMessage[, variables]]): the keys given, no others
local function bpmn(code, message, vars)
  return setmetatable({ errorType = "bpmnError", errorCode = code, errorMessage = message, variables = vars },
    BPMN_MT)
end

-- jobError(errorMessage[, variables[, retries[, retryBackoff]]]): every key
-- always, with Camunda's defaults {}, 0 and PT0S. retryBackoff must be a
-- days-time duration (Camunda fails on the text "PT30S" too).
local function job(message, vars, retries, ...)
  local backoff = ...
  if select("#", ...) > 0 and kind(backoff) ~= "days and time duration" then
    return nil, ("'retryBackoff' must be a days and time duration such as @\"PT30S\", not %s")
      :format(values.describe(backoff))
  end
  return setmetatable({
    errorType = "jobError", errorMessage = message, variables = vars or values.context({}, {}),
    retries = retries or 0, retryBackoff = backoff or temporal.dtd(0, 0),
  }, JOB_MT)
end

local function ignore(vars)
  return setmetatable({ errorType = "ignoreError", variables = vars }, IGNORE_MT)
end

-- fromAi(value, ...) tags a value for Camunda's AI agent: the value as it is
local function same(v) return v end

-- backoff ---------------------------------------------------------------------------

-- The uniform source of backoff's jitter: a function giving a number in [0, 1).
local random = math.random

--- Sets the source of backoff()'s jitter (tests, reproducible runs): a
-- function returning a number in [0, 1); nil restores math.random. Returns
-- the previous one.
function M.set_random(fn)
  if fn ~= nil and type(fn) ~= "function" then
    error("bad argument #1 to 'set_random' (a function expected, got " .. type(fn) .. ")", 2)
  end
  local previous = random
  random = fn or math.random
  return previous
end

-- A number as a message shows it: 2, not 2.0.
local function text(x)
  return tostring(math.tointeger(x) or x)
end

-- Java's Math.round: the nearest integer, halves up (floor(x + 0.5) would
-- round 0.49999999999999994 up).
local function round(x)
  local f = math.floor(x)
  if x - f >= 0.5 then f = f + 1 end
  return f
end

--- backoff()'s delay in milliseconds, Camunda's BackoffFunction: `attempt`
-- an integer, `min_ms`, `max_ms` integers, `factor`, `jitter` numbers and
-- `u` in [0, 1) the jitter's draw. delay = min_ms * factor^(attempt - 1),
-- clamped to [min_ms, max_ms]; plus a jitter uniform in [-jitter * delay,
-- jitter * delay) (lo + u * (hi - lo)); rounded half up; never below 0.
-- Returns the milliseconds, or nil and what is wrong (the first of: attempt
-- < 1, factor <= 0, min_ms > max_ms, jitter < 0, Camunda's order).
-- Where Camunda's random draw raises (a delay of 0 or less with jitter: an
-- empty range), there is no jitter.
function M.backoff_ms(attempt, min_ms, factor, max_ms, jitter, u)
  if attempt < 1 then return nil, ("'attempt' must be 1 or more, not %s"):format(text(attempt)) end
  if factor <= 0 then return nil, ("'factor' must be more than 0, not %s"):format(text(factor)) end
  if min_ms > max_ms then
    return nil, ("'minDelay' must not be longer than 'maxDelay', but %d ms > %d ms"):format(min_ms, max_ms)
  end
  if jitter < 0 then return nil, ("'jitterFactor' must be 0 or more, not %s"):format(text(jitter)) end
  local delay = math.max(min_ms, math.min(max_ms, min_ms * factor ^ (attempt - 1)))
  local j = 0.0
  if jitter > 0 and delay > 0 then
    local lo, hi = -jitter * delay, jitter * delay
    j = lo + (u or 0) * (hi - lo)
  end
  return math.max(0, round(delay + j))
end

local MAX_S = math.maxinteger // 1000 - 1

-- A days-time duration in whole milliseconds (java.time's toMillis: the
-- nanoseconds cut), or nil when it is too long for a millisecond count.
local function millis(d)
  if d.s > MAX_S or d.s < -MAX_S then return nil end
  return d.s * 1000 + d.ns // 1000000
end

local function double(n)
  if type(n) == "number" then return n + 0.0 end
  return n:tonumber() + 0.0
end

local DEFAULT_MIN, DEFAULT_MAX = temporal.dtd(0, 50000000), temporal.dtd(5, 0)
local DEFAULT_FACTOR, DEFAULT_JITTER = 1.6, 0.1

-- backoff(attempt[, minDelay[, factor[, maxDelay[, jitterFactor]]]]): a
-- days-time duration (defaults: PT0.05S, 1.6, PT5S, 0.1).
local function backoff(attempt, min_delay, factor, max_delay, jitter)
  -- cut to an integer (Camunda's intValue); past int64 as good as the largest
  local n = N.truncate(attempt) or (N.sign(attempt) > 0 and math.maxinteger or nil)
  if not n or n < 1 then return nil, ("'attempt' must be 1 or more, not %s"):format(values.tostring(attempt)) end
  min_delay, max_delay = min_delay or DEFAULT_MIN, max_delay or DEFAULT_MAX
  local min_ms, max_ms = millis(min_delay), millis(max_delay)
  if not min_ms then return nil, "'minDelay' is too long: " .. values.tostring(min_delay) end
  if not max_ms then return nil, "'maxDelay' is too long: " .. values.tostring(max_delay) end
  local jf = jitter and double(jitter) or DEFAULT_JITTER
  local u = 0
  if jf > 0 then
    u = random()
    if type(u) ~= "number" or not (u >= 0 and u < 1) then
      error(("backoff: the random source gave %s, not a number in [0, 1)"):format(tostring(u)), 0)
    end
  end
  local ms, err = M.backoff_ms(n, min_ms, factor and double(factor) or DEFAULT_FACTOR, max_ms, jf, u)
  if not ms then return nil, err end
  return temporal.dtd(ms // 1000, ms % 1000 * 1000000)
end

-- Registration -------------------------------------------------------------------

local register = feel.register
register("bpmnError", { "errorCode: string" }, bpmn)
register("bpmnError", { "errorCode: string", "errorMessage: string" }, bpmn)
register("bpmnError", { "errorCode: string", "errorMessage: string", "variables: context" }, bpmn)

register("jobError", { "errorMessage: string" }, job)
register("jobError", { "errorMessage: string", "variables: context" }, job)
register("jobError", { "errorMessage: string", "variables: context", "retries: number" }, job)
register("jobError", { "errorMessage: string", "variables: context", "retries: number", "retryBackoff: any" }, job)

register("ignoreError", {}, ignore)
register("ignoreError", { "variables: context" }, ignore)

local DTD = "days and time duration"
register("backoff", { "attempt: number" }, backoff)
register("backoff", { "attempt: number", "minDelay: " .. DTD }, backoff)
register("backoff", { "attempt: number", "minDelay: " .. DTD, "factor: number" }, backoff)
register("backoff", { "attempt: number", "minDelay: " .. DTD, "factor: number", "maxDelay: " .. DTD }, backoff)
register("backoff", { "attempt: number", "minDelay: " .. DTD, "factor: number", "maxDelay: " .. DTD,
  "jitterFactor: number" }, backoff)

register("fromAi", { "value: any" }, same)
register("fromAi", { "value: any", "description: string?" }, same)
register("fromAi", { "value: any", "description: string?", "type: string?" }, same)
register("fromAi", { "value: any", "description: string?", "type: string?", "schema: context?" }, same)
register("fromAi", { "value: any", "description: string?", "type: string?", "schema: context?", "options: context?" }, same)

-- The functions whose failure fails the expression, as in Camunda.
local OWN = { bpmnError = true, jobError = true, ignoreError = true, backoff = true }

-- The first warning that is one of OWN failing, or nil.
local function own_failure(warnings)
  for _, w in ipairs(warnings) do
    if w.type == "FUNCTION_INVOCATION_FAILURE" and OWN[w.message:match("^(%a+): ")] then return w end
  end
end

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
  failure = failure or own_failure(warnings)
  if failure then
    return failed("FEEL_RESULT", expr, "the result expression failed: " .. failure.message, warnings)
  end
  if v == nil then return values.context({}, {}), warnings end
  if kind(v) ~= "context" then
    -- Camunda's words (ConnectorResultHandler), with the JSON node's kind
    local k = kind(v)
    local node = (k == "list" and "array") or ((k == "number" or k == "boolean") and k) or "string"
    local text = json.encode(v) or values.tostring(v)
    return failed("FEEL_RESULT", expr,
      ("Result expression must return a JSON object, but got %s. Evaluated value: %s"):format(node, text),
      warnings)
  end
  return v, warnings
end

local LEGACY_MT = values.context_mt { "errorType", "errorCode", "errorMessage", "variables" }

local function present(v) return v ~= nil and v ~= NULL end

--- An error expression over its context: outcome (false for none), warnings | nil, err.
function M.outcome(expr, context, opts)
  local c, err = feel.compiled(expr)
  if not c then return nil, err end
  local v, warnings, failure = feel.run(c.fn, feel.scope(context), opts)
  failure = failure or own_failure(warnings)
  if failure then
    return failed("FEEL_OUTCOME", expr, "the error expression failed: " .. failure.message, warnings)
  end
  if v == nil then return false, warnings end
  if kind(v) == "context" then
    if next(v) == nil then return false, warnings end
    local et = v.errorType
    -- a BPMN error without a code is no error (the runtime's BpmnError.hasCode)
    if et == "bpmnError" then return present(v.errorCode) and v, warnings end
    if et == "jobError" or et == "ignoreError" then return v, warnings end
    if et == nil and present(v.code) then
      return setmetatable({
        errorType = "bpmnError", errorCode = v.code,
        errorMessage = present(v.message) and v.message or nil,
        variables = present(v.variables) and v.variables or nil,
      }, LEGACY_MT), warnings
    end
  end
  return failed("FEEL_OUTCOME", expr,
    ("the error expression must return null, {} or bpmnError(...), jobError(...), ignoreError(...), but returned %s")
      :format(shown(v)), warnings)
end

return M
