--- luaforce.connector.verdict: what a connector's expressions see of a call,
-- and what an error expression's answer decides. One rule for the task
-- runner (luaforce.connector.run) and for the record commands'
-- --error-expression (luaforce.cli.error_expression).
--
-- verdict.response(res) -> the response object the expressions see
--   {status, headers, body, reason, document} in Camunda's key order, from
--   a client response: header names as received (sorted), several values
--   a list; an empty body null; `document` always null.
-- verdict.success_context(response, retries) -> what an error expression
--   sees after a success: the response's fields at the top level, the
--   response again as `response`, and `job = {retries}`.
-- verdict.failure_context(errval, retries) -> what it sees after a failure:
--   {error, response = {error}, job = {retries}}; `errval` is Camunda's
--   error value (luaforce.connector.errors.camunda).
-- verdict.decide(out[, d]) -> d
--   An error expression's outcome (luaforce.connector.outcome.outcome's
--   result, not false) as a decision, its fields set in `d` (a new table
--   when nil):
--     kind = "bpmnError"  code, message, variables (nil when not given)
--     kind = "ignore"     variables (a context, {} by default)
--     kind = "fail"       message, retries (a whole number >= 0), backoff
--                         (the retryBackoff as text, or nil), variables
--                         (the jobError's, with `error` = its message)
-- verdict.document(d[, backoff_text]) -> the JSON document a decision
--   prints: for kind "complete" d.variables; for "ignore" {outcome:
--   "completed", variables}; for "bpmnError" {outcome, errorCode,
--   errorMessage, variables}; for "fail" with d.incident {outcome:
--   "incident", errorMessage, variables}, else {outcome: "jobError",
--   errorMessage, retries, retryBackoff (d.backoff, else backoff_text,
--   else "PT0S"), variables}. Nothing is masked here: callers redact.
local json = require "luaforce.json"

local M = {}

local function obj(t, keys) return json.object(t, keys) end

local function empty() return json.object({}, {}) end

local function job(retries)
  return obj({ retries = retries }, { "retries" })
end

--- See the file comment.
function M.response(res)
  local headers, order = {}, {}
  for k, v in pairs(res.headers or {}) do
    if type(k) == "string" then
      order[#order + 1] = k
      headers[k] = type(v) == "table" and json.array(v) or v
    end
  end
  table.sort(order)
  local body = res.body
  if body == nil then body = json.null end
  return obj({ status = res.status, headers = obj(headers, order), body = body,
    reason = res.reason or json.null, document = json.null },
    { "status", "headers", "body", "reason", "document" })
end

--- See the file comment.
function M.success_context(response, retries)
  local keys = json.keys(response)
  local t, order = {}, {}
  for i, k in ipairs(keys) do
    t[k] = response[k]
    order[i] = k
  end
  t.response, t.job = response, job(retries)
  order[#order + 1] = "response"
  order[#order + 1] = "job"
  return obj(t, order)
end

--- See the file comment.
function M.failure_context(errval, retries)
  return obj({ error = errval, response = obj({ error = errval }, { "error" }), job = job(retries) },
    { "error", "response", "job" })
end

-- A jobError's variables, with `error` set to its message (as the
-- connector runtime fails the job with them).
local function job_variables(out)
  local vars, order = {}, {}
  local given = out.variables
  if json.is_object(given) then
    for _, k in ipairs(json.keys(given)) do
      order[#order + 1] = k
      vars[k] = given[k] == nil and json.null or given[k]
    end
  end
  if vars.error == nil then order[#order + 1] = "error" end
  vars.error = out.errorMessage
  return obj(vars, order)
end

--- See the file comment.
function M.decide(out, d)
  d = d or {}
  local et = out.errorType
  if et == "bpmnError" then
    d.kind = "bpmnError"
    d.code, d.message = out.errorCode, out.errorMessage
    d.variables = out.variables
  elseif et == "ignoreError" then
    d.kind = "ignore"
    d.variables = out.variables or empty()
  elseif et == "jobError" then
    d.kind = "fail"
    d.message = out.errorMessage
    local r = math.tointeger(tonumber(tostring(out.retries))) or 0
    d.retries = math.max(r, 0)
    local bo = out.retryBackoff
    if bo == json.null then bo = nil end
    d.backoff = bo ~= nil and tostring(bo) or nil
    d.variables = job_variables(out)
  else
    error(("bad argument #1 to 'decide' (an error expression's outcome expected, errorType %s)")
      :format(tostring(et)), 2)
  end
  return d
end

--- See the file comment.
function M.document(d, backoff_text)
  if d.kind == "complete" then return d.variables end
  if d.kind == "ignore" then
    return obj({ outcome = "completed", variables = d.variables }, { "outcome", "variables" })
  end
  if d.kind == "bpmnError" then
    return obj({ outcome = "bpmnError", errorCode = d.code, errorMessage = d.message or json.null,
      variables = d.variables or empty() }, { "outcome", "errorCode", "errorMessage", "variables" })
  end
  if d.incident then
    return obj({ outcome = "incident", errorMessage = d.message, variables = d.variables },
      { "outcome", "errorMessage", "variables" })
  end
  return obj({ outcome = "jobError", errorMessage = d.message, retries = d.retries,
    retryBackoff = d.backoff or backoff_text or "PT0S", variables = d.variables },
    { "outcome", "errorMessage", "retries", "retryBackoff", "variables" })
end

return M
