--- luaforce.cli.error_expression: `--error-expression EXPR` on the record
-- commands that call the org (query, get, create, update, delete, upsert):
-- a Camunda connector's error expression applied to the command's real
-- call, with the connector's semantics and exit codes. What the expression
-- sees and what its answer means are the connector layer's
-- (luaforce.connector.verdict, .outcome, .errors), as in `luaforce
-- connector`.
--
--   error_expression.OPTION       the option entry for a command's spec
--   error_expression.HELP         the paragraph the commands' --help adds
--   error_expression.JOB_RETRIES  1, what `job.retries` is: a command is a
--       job with one attempt, so `jobError(msg, {}, job.retries - 1)` asks
--       for no more
--   error_expression.compile(opts) -> expr | nil
--       nil without --error-expression. Loads the connector layer (its
--       FEEL functions: bpmnError, jobError, ignoreError, ...) and checks
--       the syntax: a syntax error RAISES a usage error (exit 2) with a
--       caret under the mistake, before anything is sent.
--   error_expression.judge(ctx, expr, res, err) -> exit | nil
--       After the call: `res` the client's response (a success), else
--       `err` its error. The expression sees on success the response
--       object's fields (status, headers, body, reason, document) at the
--       top level, the same object as `response`, and `job = {retries =
--       1}`; on failure `{error, response = {error}, job = {retries = 1}}`,
--       `error` in Camunda's shape (luaforce.connector.errors.camunda).
--       nil: no expression, or it gave null or {}: the command goes on as
--       without one (prints its result, or fails with err's own exit
--       code). Otherwise the outcome's JSON document is printed on
--       standard output (secrets masked; --format, --map and --output do
--       not apply) with one line on standard error, and the exit code
--       returned: 7 bpmnError, 8 jobError (never retried), 0 ignoreError,
--       9 when the expression fails (an incident). A write whose outcome
--       is unknown RAISES err (exit 6) after the document, whatever the
--       expression said.
local errors = require "luaforce.errors"
local json = require "luaforce.json"

local M = {}

M.JOB_RETRIES = 1

M.OPTION = { name = "error-expression", arg = "EXPR",
  help = "a Camunda connector error expression over the call: bpmnError exits 7, jobError 8, ignoreError 0" }

--- The paragraph each command's --help ends its description with.
M.HELP = [[
--error-expression EXPR judges the call as a Camunda connector's error
expression does (docs/cli.md). After a success it sees the response's
status, headers, body and reason at the top level and as response; after
a failure error (code such as "404", message, variables.response.body)
and response.error; job.retries is 1 (a command is one attempt). null or
{} changes nothing. bpmnError(code, message) exits 7, jobError(message)
exits 8 (a command runs once: it is not retried, whatever retries the
expression asks for), ignoreError(variables) exits 0, each printing
{"outcome": ...} as JSON on standard output instead of the result; an
expression that fails exits 9, a syntax error 2 before anything is sent.
The command's own retries (a read's, on 429 and 5xx) come first; a write
whose outcome is unknown exits 6 whatever the expression says.]]

local EXIT = errors.EXIT
local EXIT_OF = { bpmnError = EXIT.BPMN_ERROR, fail = EXIT.JOB_FAILED, ignore = EXIT.OK }

--- See the file comment.
function M.compile(opts)
  local text = opts and opts.error_expression
  if not text then return nil end
  require "luaforce.connector" -- registers bpmnError & co. in FEEL
  local c, err = require("luaforce.feel").compiled(text)
  if not c then error(require("luaforce.cli.format").syntax_error("--error-expression", err), 0) end
  return text
end

local function redact(text)
  return require("luaforce.http").redact(text)
end

local function say(line)
  io.stderr:write("luaforce: ", redact(line), "\n")
end

-- FEEL warnings (a missing name, a type mismatch) on standard error.
local function warn(ctx, warnings)
  if ctx.quiet then return end
  for _, w in ipairs(warnings or {}) do
    local p = w.position
    local at = p and p.line and (" (line %d, column %d)"):format(p.line, p.column) or ""
    io.stderr:write("warning: --error-expression", at, ": ", redact(w.message or "?"), "\n")
  end
end

local function print_document(doc)
  doc = require("luaforce.connector.walk").strings(doc, redact)
  local text, err = json.encode(doc, { pretty = require("luaforce.core.sys").isatty(1) })
  if not text then error(errors.usage("the outcome cannot be written as JSON: " .. err.message), 0) end
  io.stdout:write(redact(text), "\n")
end

-- The line on standard error that says what the outcome means.
local function explain(ctx, d, err)
  if d.incident then
    say("an incident: " .. tostring(d.message))
  elseif d.kind == "bpmnError" then
    say(("BPMN error %s%s"):format(tostring(d.code), d.message and (": " .. tostring(d.message)) or ""))
  elseif d.kind == "fail" then
    say(("the job failed: %s (not retried: a command runs once)"):format(tostring(d.message)))
  elseif err and not ctx.quiet then
    say("note: ignoreError completed the call that failed: " .. tostring(err))
  end
  if err and ctx.verbose and d.kind ~= "ignore" then say("the call's error: " .. tostring(err)) end
end

--- See the file comment.
function M.judge(ctx, expr, res, err)
  if not expr or (not res and not errors.is(err)) then return nil end
  local verdict = require "luaforce.connector.verdict"
  local context
  if res then
    context = verdict.success_context(verdict.response(res), M.JOB_RETRIES)
  else
    context = verdict.failure_context(require("luaforce.connector.errors").camunda(err), M.JOB_RETRIES)
  end
  local out, w = require("luaforce.connector.outcome").outcome(expr, context, { exact = true })
  local d
  if out == nil then
    -- the expression failed (assert, the budget): an incident; the last
    -- warning is that failure, which the message names
    local earlier = {}
    for i = 1, #(w.warnings or {}) - 1 do earlier[i] = w.warnings[i] end
    warn(ctx, earlier)
    local message = w.message or tostring(w)
    d = { kind = "fail", incident = true, message = message, variables = json.object({}, {}) }
  else
    warn(ctx, w)
    if not out then return nil end
    d = verdict.decide(out)
  end
  print_document(verdict.document(d))
  if err and err.exit == EXIT.UNKNOWN then
    -- a write that may have happened: no expression makes that certain
    error(err, 0)
  end
  explain(ctx, d, err)
  return d.incident and EXIT.INCIDENT or EXIT_OF[d.kind]
end

return M
