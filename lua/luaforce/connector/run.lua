--- luaforce.connector.run: a connector task run as Camunda's connector
-- runtime runs its job, outcome for outcome; and its retries.
--
-- run.task(task, vars[, opts]) -> report
--   `task` is luaforce.connector.task's shape (from a task file or a BPMN
--   file), `vars` the process variables (a table, or nil). The steps:
--     1. the inputs, evaluated once in document order, then their
--        {{secrets.NAME}} (luaforce.connector.inputs);
--     2. the call they describe (luaforce.connector.request), through the
--        Salesforce client;
--     3. the result: `resultVariable` gets the whole response object, the
--        result expression's context entries are merged;
--     4. the error expression, on success and on failure, with the
--        response, or `error`, and `job.retries`;
--     5. the outcome: completed, a BPMN error, a job failure (run again
--        after its backoff while retries remain), or an incident.
--   opts (all optional):
--     org          an Org to call instead of connecting with the task's
--                  baseUrl and authentication (`--instance`); the task's
--                  apiVersion is kept
--     retries      the job's retries (default: the task's, else 3)
--     follow_pages true: a SOQL task collects every page (the connector
--                  returns the first only)
--     lookup       function(name) -> secret (default: the environment,
--                  then the secrets file)
--     disk_cache   true: OAuth tokens are kept between runs
--     orgs         a table the run keeps its connections in (pass the same
--                  one to several runs to share tokens and connections)
--     log          function(line, kind): what happens, line by line
--                  (secrets masked); kind is "retry", "note" (what luaforce
--                  did differently from the connector), "warning" (an
--                  input's or the result expression's null) or "detail"
--                  (the error expression's warnings: on success `error` is
--                  missing by design)
--     sleep        function(seconds) between job attempts (default
--                  luaforce.http.sleep)
--     now, zone, max_steps, max_seconds, max_memory   FEEL evaluation options
--   report = {
--     outcome   "completed" | "bpmnError" | "jobError" | "incident"
--     exit      0, 6 (a write's outcome is unknown), 7, 8 or 9
--               (luaforce.errors.EXIT; the precedence of errors.outcome_exit)
--     document  what `luaforce connector` prints: the task's variables when
--               it completed normally, else {outcome =, ...} (see
--               docs/connector.md), secrets masked
--     variables the output variables (secrets masked)
--     unknown   true when a write's outcome is unknown
--     attempts  how many times the job ran
--     response  the last response object (nil after a failure)
--     error     the last failure as luaforce error (nil on success)
--   }
--   Bad options raise. Ctrl-C raises (an interrupted write as the client's
--   OUTCOME_UNKNOWN).
local cerrors = require "luaforce.connector.errors"
local errors = require "luaforce.errors"
local feel_temporal = require "luaforce.feel.temporal"
local http = require "luaforce.http"
local inputs = require "luaforce.connector.inputs"
local json = require "luaforce.json"
local outcome = require "luaforce.connector.outcome"
local request = require "luaforce.connector.request"
local verdict = require "luaforce.connector.verdict"
local walk = require "luaforce.connector.walk"

local M = {}

M.DEFAULT_RETRIES = 3

local EXIT = errors.EXIT
local NO_LIMIT = 86400 * 30

-- The exception classes Camunda's runtime names in `error.type` for what
-- fails before or around the call.
local INPUT_EXCEPTION = "io.camunda.connector.api.error.ConnectorInputException"

-- The inputs an org given in opts.org replaces (with authentication.*).
local REPLACED = { baseUrl = true, url = true }

local function obj(t, keys) return json.object(t, keys) end

local function empty() return json.object({}, {}) end

-- A duration text (ISO 8601, days and time only, as Java's Duration reads
-- it) as seconds; nil, message when it is not one.
local function seconds_of(text)
  if text == nil or text == json.null then return 0 end
  if type(text) ~= "string" then return nil, "not a duration" end
  local d = feel_temporal.parse_duration(text)
  if not d or d.s == nil then return nil, ("'%s' is not a days-time duration such as PT30S"):format(text) end
  local s = d.s + (d.ns or 0) / 1e9
  if s < 0 then return nil, ("'%s' is negative"):format(text) end
  return s
end

--- A backoff text as seconds (for callers and tests): seconds | nil, message.
M.seconds_of = seconds_of

-- The response object the expressions see, in Camunda's key order.
local response_object = verdict.response

-- Every page of a SOQL answer in one body: records joined, done, no
-- nextRecordsUrl. nil, err when a page fails.
local function all_pages(org, res)
  local body = res.body
  if type(body) ~= "table" or type(body.records) ~= "table" then return res end
  local records = {}
  for _, r in ipairs(body.records) do records[#records + 1] = r end
  local nxt, done = body.nextRecordsUrl, body.done
  while done == false and type(nxt) == "string" do
    local page, err = org:call("GET", nxt, { retry_statuses = false })
    if not page then return nil, err end
    for _, r in ipairs(page.body.records or {}) do records[#records + 1] = r end
    nxt, done = page.body.nextRecordsUrl, page.body.done
  end
  res.body = obj({ totalSize = body.totalSize, done = true, records = json.array(records) },
    { "totalSize", "done", "records" })
  return res
end

-- The org a task's request goes to: opts.org, else one connected with the
-- task's baseUrl and authentication (kept in opts.orgs for the next run).
local function org_for(req, opts)
  if opts.org then return opts.org end
  local a = req.auth
  local key = table.concat({ req.base_url, a.type, a.token or a.client_id or "", a.client_secret or "",
    tostring(req.connect_timeout) }, "\0")
  local orgs = opts.orgs or {}
  opts.orgs = orgs
  if orgs[key] then return orgs[key] end
  local session = http.session { connect_timeout = req.connect_timeout or NO_LIMIT }
  local client = require "luaforce.client"
  local auth = {}
  for k, v in pairs(a) do auth[k] = v end
  if auth.type ~= "bearer" then auth.disk_cache = opts.disk_cache or nil end
  local org, err = client.connect({ instance_url = req.base_url, auth = auth, session = session },
    { getenv = function() return nil end })
  if not org then return nil, err end
  orgs[key] = org
  return org
end

-- One call: the response object, or nil, err (a client error).
local function call(req, opts)
  local org, err = org_for(req, opts)
  if not org then return nil, err end
  local res
  -- a body that is not JSON reaches the expressions as text, as in Camunda
  res, err = org:call(req.method, req.path, { query = req.query, body = req.body, retry_statuses = false,
    expect_json = false })
  if res and opts.follow_pages and req.operation == "soqlQuery" then res, err = all_pages(org, res) end
  if not res then return nil, err end
  return response_object(res)
end

-- The `error` value for a failure of luaforce's own making (invalid
-- inputs, an expression that fails): Camunda's shape, with the exception
-- its runtime would name.
local function input_error(err)
  return obj({ type = INPUT_EXCEPTION, message = err.message }, { "type", "message" })
end

local function redact_all(v)
  return walk.strings(v, http.redact)
end

local function logger(opts)
  local log = opts.log or function() end
  return function(kind, fmt, ...)
    log(http.redact(select("#", ...) > 0 and fmt:format(...) or fmt), kind)
  end
end

-- The template's hidden inputs in a BPMN file: the url expression reads
-- fields a task may not have (relationshipFieldName), by design.
local HIDDEN = { url = true, ["authentication.oauthTokenEndpoint"] = true, queryParameters = true }

local function warn_all(say, warnings, what, kind, form)
  for _, w in ipairs(warnings or {}) do
    local p = w.position
    local at = p and p.line and (" (line %d, column %d)"):format(p.line, p.column) or ""
    local k = kind or (form == "bpmn" and HIDDEN[w.input] and "detail") or "warning"
    say(k, "warning: %s%s: %s", w.input and ("the input '" .. w.input .. "'") or what, at, w.message)
  end
end

-- The expression context on success: the response's fields at the top
-- level and as `response`, and `job`; on failure `error`, `response.error`
-- and `job`.
local success_context, failure_context = verdict.success_context, verdict.failure_context

-- The variables a task produces: resultVariable, then the result
-- expression's entries. nil, err when the result expression fails.
local function result_variables(task, response, eopts, say)
  local vars, order = {}, {}
  local rv = task.headers.resultVariable
  if rv and rv ~= "" then
    vars[rv] = response
    order[1] = rv
  end
  local expr = task.headers.resultExpression
  if expr and expr:match("%S") then
    local v, w = outcome.result(expr, response, eopts)
    if not v then return nil, w end
    warn_all(say, w, "the result expression")
    for _, k in ipairs(json.is_object(v) and json.keys(v) or {}) do
      if vars[k] == nil then order[#order + 1] = k end
      local x = v[k]
      if x == nil then x = json.null end
      vars[k] = x
    end
  end
  return obj(vars, order)
end

local function expression_failure(err)
  local m = err.message or tostring(err)
  if err.excerpt then m = m .. "\n" .. err.excerpt end
  return m
end

-- One attempt of the job: the call, the result, the error expression.
-- Returns a decision: {kind = "complete" | "bpmnError" | "fail" |
-- "ignore", ...}.
local function attempt(task, req, problem, job_retries, backoff, opts, eopts, say)
  local response, err, errval, retries_next
  local incident = false
  if req then
    response, err = call(req, opts)
  end
  local decided = {}
  local variables
  if response then
    local verr
    variables, verr = result_variables(task, response, eopts, say)
    if not variables then
      -- the connector runtime fails such a job with no retries; a write
      -- has been applied all the same, and the message says so
      err = verr
      local m = expression_failure(verr)
      if req.method ~= "GET" then
        m = ("%s (the %s itself succeeded with %d: Salesforce applied it)"):format(m, req.method, response.status)
      end
      errval = input_error({ message = m })
      incident, retries_next = true, 0
      response = nil
    end
  elseif req then
    errval = cerrors.camunda(err)
    retries_next = job_retries - 1
  else
    err = problem
    errval = input_error(err)
    incident, retries_next = true, 0
  end
  decided.unknown = err ~= nil and errors.is(err) and err.exit == EXIT.UNKNOWN
  decided.response, decided.error = response, err

  local expr = task.headers.errorExpression
  local out = false
  if expr and expr:match("%S") then
    local ctx = response and success_context(response, job_retries) or failure_context(errval, job_retries)
    local w
    out, w = outcome.outcome(expr, ctx, eopts)
    if out == nil then
      -- an error expression that fails: an incident (no retries)
      decided.kind, decided.incident = "fail", true
      decided.message = "the error expression failed: " .. expression_failure(w)
      decided.error = w
      decided.retries, decided.variables = 0, obj({ error = input_error({ message = decided.message }) }, { "error" })
      return decided
    end
    warn_all(say, w, "the error expression", "detail")
  end

  if out then return verdict.decide(out, decided) end
  if response then
    decided.kind = "complete"
    decided.variables = variables
    return decided
  end
  -- a failure no expression handled: the job fails
  decided.kind, decided.incident = "fail", incident
  decided.message = errval.message
  decided.retries, decided.backoff = retries_next, backoff
  decided.variables = obj({ error = errval }, { "error" })
  return decided
end

local document_of = verdict.document

local OUTCOME = { complete = "completed", ignore = "completed", bpmnError = "bpmnError", fail = "jobError" }
local EXIT_OF = { complete = EXIT.OK, ignore = EXIT.OK, bpmnError = EXIT.BPMN_ERROR, fail = EXIT.JOB_FAILED }

--- See the file comment.
function M.task(task, vars, opts)
  opts = opts or {}
  if type(task) ~= "table" or type(task.inputs) ~= "table" then
    error("bad argument #1 to 'run' (a connector task expected)", 2)
  end
  local say = logger(opts)
  local sleep = opts.sleep or http.sleep
  local eopts = { exact = true, now = opts.now, zone = opts.zone, max_steps = opts.max_steps,
    max_seconds = opts.max_seconds, max_memory = opts.max_memory }
  local retries = opts.retries or task.retries or M.DEFAULT_RETRIES

  -- what the task's inputs say, once (the engine maps inputs when the task
  -- starts, not on each retry)
  local req, problem
  local backoff_text = task.headers.retryBackoff
  local backoff, berr = seconds_of(backoff_text)
  if not backoff then
    problem = errors.new { code = "INVALID_INPUT", exit = EXIT.USAGE,
      message = "retryBackoff " .. berr .. " (an ISO 8601 duration such as PT30S)" }
  else
    local fields, w = inputs.evaluate(task, vars, eopts)
    if not fields then
      problem = w
    else
      warn_all(say, w, nil, nil, task.form)
      if opts.org then
        -- the org replaces these: their secrets are not needed
        for target in pairs(fields) do
          if REPLACED[target] or target:match("^authentication%.") then fields[target] = nil end
        end
      end
      fields, problem = inputs.put_secrets(fields, opts.lookup)
      if fields then
        local notes
        req, notes = request.build(fields, task.form, opts.org and opts.org.instance_url or nil)
        if not req then problem = notes end
        for _, n in ipairs(type(notes) == "table" and notes or {}) do say("note", "note: %s", n) end
      end
    end
  end
  if problem and problem.hint then
    problem.message = ("%s (%s)"):format(problem.message, problem.hint)
    problem.hint = nil
  end
  if problem and problem.excerpt and not problem.message:find("\n", 1, true) then
    problem.message = problem.message .. "\n" .. problem.excerpt
  end

  local n = 0
  local d
  while true do
    n = n + 1
    d = attempt(task, req, problem, retries, backoff_text, opts, eopts, say)
    if d.unknown then break end
    if d.kind ~= "fail" or d.incident or (d.retries or 0) <= 0 then break end
    local wait, werr = seconds_of(d.backoff)
    if not wait then
      say("warning", "warning: the jobError's retryBackoff %s: retrying at once", werr)
      wait = 0
    end
    say("retry", "the job failed (%s); %d %s left, the next attempt in %s s", d.message or "?", d.retries,
      d.retries == 1 and "retry" or "retries", tostring(wait))
    retries = d.retries
    if wait > 0 then sleep(wait) end
  end

  local report = {
    outcome = d.incident and "incident" or OUTCOME[d.kind],
    exit = d.incident and EXIT.INCIDENT or EXIT_OF[d.kind],
    attempts = n,
    unknown = d.unknown or false,
    response = d.response,
    error = d.error,
  }
  if d.kind == "fail" then
    report.retries = d.retries
  end
  local doc = document_of(d, d.backoff or backoff_text)
  report.document = redact_all(doc)
  report.variables = redact_all(d.variables or empty())
  if report.unknown then report.exit = EXIT.UNKNOWN end
  return report
end

return M
