--- luaforce.cli.connector: `luaforce connector TASK.json [--vars FILE|-]
-- [--retries N] [--follow-pages] [--instance local|URL]`, and
-- `luaforce connector --from-bpmn FILE.bpmn [--element ID | --all]`.
--
-- Runs Camunda Salesforce Connector tasks as the connector runtime runs
-- them (luaforce.connector) and prints one JSON document: the variables the
-- task produces, or its outcome. The exit code is the outcome's
-- (docs/connector.md).
local common = require "luaforce.cli.common"
local errors = require "luaforce.errors"
local input_file = require "luaforce.cli.input_file"
local json = require "luaforce.json"

local M = {}

local function connection_options()
  local out = {}
  for _, o in ipairs(common.connection) do
    if o.name ~= "api-version" then out[#out + 1] = o end
  end
  return out
end

M.summary = "run a Camunda Salesforce Connector task (a task file or a BPMN model)"
M.spec = {
  command = "connector",
  usage = "luaforce connector [OPTIONS] TASK.json | --from-bpmn FILE.bpmn [--element ID | --all]",
  args = "[TASK.json]",
  min_args = 0,
  max_args = 1,
  options = common.with({
    { name = "vars", arg = "FILE|-", help = "the process variables: a JSON object from FILE (- reads standard input)" },
    { name = "retries", arg = "N", help = "the job's retries (default: the task's, else 3); 1 runs it once" },
    { name = "follow-pages", help = "a SOQL task collects every page (the connector returns the first only)" },
    { name = "from-bpmn", arg = "FILE", help = "read the Salesforce tasks of a Camunda 8 BPMN file" },
    { name = "element", arg = "ID", help = "with --from-bpmn: run the task with this id" },
    { name = "all", help = "with --from-bpmn: run every Salesforce task in order, passing variables on" },
    { name = "compact", help = "print the JSON on one line" },
  }, connection_options()),
}
M.description = [[
Runs a Camunda Salesforce Connector task outside the engine, with the same
inputs and the same outputs. TASK.json holds the template's fields
(baseUrl, apiVersion, authentication.type/token/clientId/clientSecret,
salesforceOperationType, interactionType, objectType, objectId,
relationshipFieldName, queryParameters, soqlQuery, body,
connectionTimeoutInSeconds, resultVariable, resultExpression,
errorExpression), nested or flat dotted, and optionally retries and
retryBackoff. A value starting with = is a FEEL expression over the
process variables (--vars) and the inputs before it; {{secrets.NAME}} is
replaced from the environment or the secrets file, and printed as ***.

It prints one JSON document: the variables the task produces
(resultVariable gets the whole response, the result expression's entries
are merged), or the outcome: {"outcome": "bpmnError", ...}, {"outcome":
"jobError", ...} (no retries left), {"outcome": "incident", ...}, or
{"outcome": "completed", "variables": ...} after ignoreError.

Exit codes: 0 completed, 7 BPMN error, 8 job failed with no retries left,
9 incident (invalid inputs, a failing expression, a result expression that
is not a context), 6 when a write's outcome is unknown (whatever the error
expression says; the job is then never run again), 2 for a task file that
cannot be read.

Retries: a failed job runs again after its retryBackoff while retries
remain (the task's, default 3, or --retries); inside one attempt only
transport failures that are safe to retry are retried.

--instance local|URL (and --token, --client-id, --client-secret-file,
--profile) replaces the task's baseUrl and authentication, to try a
production task against the local org; a note on standard error says so.

--from-bpmn FILE lists the file's Salesforce tasks; --element ID runs one,
--all runs them all in document order, each one's variables passed on.]]
M.examples = {
  "luaforce connector task.json --vars vars.json",
  "luaforce connector task.json --instance local",
  "echo '{\"accountId\": \"001...\"}' | luaforce connector get-account.json --vars -",
  "luaforce connector --from-bpmn process.bpmn",
  "luaforce connector --from-bpmn process.bpmn --all --instance local --vars vars.json",
}

local function decode(text, what)
  local v, err = json.decode(text)
  if v == nil then
    error(errors.usage(("%s is not JSON: %s"):format(what, err.message)), 0)
  end
  return v
end

local function read_vars(path)
  if not path then return nil end
  local v = decode(input_file.read(path, "the --vars file", "give a JSON object, or - for standard input"),
    ("the variables in '%s'"):format(path))
  if v == json.null then return nil end
  if not json.is_object(v) then
    error(errors.usage(("the variables in '%s' must be a JSON object"):format(path),
      [[put them under names: {"accountId": "001..."}]]), 0)
  end
  return v
end

local function whole(name, text)
  local n = math.tointeger(tonumber(text))
  if not n or n < 1 then
    error(errors.usage(("--%s needs a whole number from 1 up, not '%s'"):format(name, tostring(text)),
      "--retries 1 runs the job once"), 0)
  end
  return n
end

-- The connection that replaces the task's, when the command line gives one.
local function override(ctx, opts)
  local given = opts.instance or opts.token or opts.client_id or opts.client_secret_file or opts.profile
  if not given then return nil end
  local connect = require "luaforce.cli.connect"
  local org = connect.org(ctx, opts)
  local kind, name = connect.local_org_kind(org)
  local where = kind == "named" and ("the local org '" .. name .. "'") or kind and "the local org" or org.instance_url
  if not ctx.quiet then
    io.stderr:write(("luaforce: note: running against %s: the task's baseUrl and authentication are replaced\n")
      :format(where))
  end
  return org
end

-- The runner's lines on standard error: the error expression's warnings
-- only with --verbose (on success `error` is missing by design).
local function say(ctx)
  return function(line, kind)
    if ctx.quiet or (kind == "detail" and not ctx.verbose) then return end
    io.stderr:write("luaforce: ", line, "\n")
  end
end

local function print_document(doc, opts)
  local text, err = json.encode(doc, { pretty = not opts.compact })
  if not text then error(errors.usage("the result cannot be written as JSON: " .. err.message), 0) end
  io.stdout:write(require("luaforce.http").redact(text), "\n")
end

-- One line on standard error saying why the exit code is not 0, and for a
-- failed job the error behind it (with --verbose always). `org` is the
-- --instance org the task ran against, if any (to name what was meant).
local function explain(ctx, report, label, org)
  local d = report.document
  local head = label and (label .. ": ") or ""
  local line
  if report.unknown then
    line = ("OUTCOME_UNKNOWN: %s%s"):format(head, report.error and report.error.message or "a write's outcome is unknown")
    line = line .. " (check in the org before running the task again: it is not retried)"
  elseif report.outcome == "bpmnError" then
    line = ("%sBPMN error %s: %s"):format(head, tostring(d.errorCode), tostring(d.errorMessage))
  elseif report.outcome == "jobError" then
    line = ("%sthe job failed with no retries left after %d attempt%s: %s"):format(head, report.attempts,
      report.attempts == 1 and "" or "s", tostring(d.errorMessage))
  elseif report.outcome == "incident" then
    line = ("%san incident: %s"):format(head, tostring(d.errorMessage))
  end
  if line then io.stderr:write("luaforce: ", require("luaforce.http").redact(line), "\n") end
  local failed = report.outcome == "jobError" or report.outcome == "incident"
  if report.error and (ctx.verbose or failed) and not ctx.quiet then
    -- what Camunda's codes hide ("Not Found", "408"): the failure itself,
    -- read as the commands read it (the nearest object or field name)
    local cexplain = require "luaforce.client.explain"
    local e = report.error
    if org and not ctx.verbose then e = cexplain.error(org, e) end
    local shown = ctx.verbose and e or cexplain.brief(e)
    io.stderr:write("luaforce: the last error: ", require("luaforce.http").redact(tostring(shown)), "\n")
  end
end

local function run_one(task, vars, ropts)
  local connector = require "luaforce.connector"
  local report, err = connector.run(task, vars, ropts)
  if not report then error(err, 0) end
  return report
end

local function run_opts(ctx, opts)
  -- --verbose: a line per HTTP exchange; --trace: with headers and bodies
  if ctx.trace or ctx.verbose then require("luaforce.http").trace(ctx.trace and 2 or 1) end
  return {
    org = override(ctx, opts),
    retries = opts.retries and whole("retries", opts.retries) or nil,
    follow_pages = opts.follow_pages or nil,
    disk_cache = true,
    log = say(ctx),
    orgs = {},
  }
end

-- A task file.
local function run_file(ctx, opts, path)
  local text = input_file.read(path, "the task file", "give a task file of JSON, or - for standard input")
  local value = decode(text, ("the task file '%s'"):format(path))
  local task, err = require("luaforce.connector").read_task(value, path)
  if not task then error(err, 0) end
  local vars = read_vars(opts.vars)
  local ropts = run_opts(ctx, opts)
  local report = run_one(task, vars, ropts)
  print_document(report.document, opts)
  explain(ctx, report, nil, ropts.org)
  return report.exit
end

-- The Salesforce tasks of a BPMN file, listed or run.
local function run_bpmn(ctx, opts, path)
  local bpmn = require "luaforce.connector.bpmn"
  local text = input_file.read(path, "the BPMN file", "give a .bpmn file saved by Camunda Modeler")
  local model, err = bpmn.read(text, path)
  if not model then error(err, 0) end
  local connector = require "luaforce.connector"
  local tasks = connector.bpmn_tasks(model, path)
  if not opts.element and not opts.all then
    if #tasks == 0 then
      io.stderr:write(("luaforce: %s has no Salesforce connector task\n"):format(path))
      return 0
    end
    for _, t in ipairs(tasks) do
      io.stdout:write(("%-24s %-32s %s\n"):format(t.id, t.name or "", t.summary or ""))
    end
    return 0
  end
  if opts.element and opts.all then
    error(errors.usage("--element and --all together", "give one task's id, or --all for every task"), 0)
  end
  local list = tasks
  if opts.element then
    list = {}
    local ids = {}
    for _, t in ipairs(tasks) do
      ids[#ids + 1] = t.id
      if t.id == opts.element then list[1] = t end
    end
    if #list == 0 then
      local near = errors.nearest(opts.element, ids)
      error(errors.usage(("%s has no Salesforce task with the id '%s'"):format(path, opts.element),
        near and ("did you mean '" .. near .. "'?") or ("its Salesforce tasks: " .. (#ids > 0 and table.concat(ids, ", ") or "none"))), 0)
    end
  elseif #list == 0 then
    error(errors.usage(("%s has no Salesforce connector task"):format(path)), 0)
  end
  local vars = read_vars(opts.vars) or json.object({}, {})
  local ropts = run_opts(ctx, opts)
  local last
  for _, t in ipairs(list) do
    if #list > 1 and not ctx.quiet then
      io.stderr:write(("luaforce: task %s (%s)\n"):format(t.id, t.name or ""))
    end
    local report = run_one(t, vars, ropts)
    last = report
    if report.exit ~= 0 then
      local doc = report.document
      if #list > 1 then
        -- which task stopped the run
        local copy, keys = { element = t.id }, { "element" }
        for _, k in ipairs(json.keys(doc)) do keys[#keys + 1] = k; copy[k] = doc[k] end
        doc = json.object(copy, keys)
      end
      print_document(doc, opts)
      explain(ctx, report, t.id, ropts.org)
      return report.exit
    end
    -- the task's variables join the process's (through its output mappings)
    local produced = report.outcome == "completed" and report.variables or json.object({}, {})
    local err
    vars, err = connector.pass_on(t, vars, produced)
    if not vars then error(err, 0) end
  end
  -- one task: its document, as for a task file; several: the process's
  -- variables at the end
  print_document(#list == 1 and last.document or vars, opts)
  return 0
end

function M.run(ctx, opts, pos)
  if opts.from_bpmn then
    if pos[1] then
      error(errors.usage("a task file and --from-bpmn together", "give one of them"), 0)
    end
    return run_bpmn(ctx, opts, opts.from_bpmn)
  end
  if opts.element or opts.all then
    error(errors.usage(("--%s needs --from-bpmn FILE"):format(opts.element and "element" or "all")), 0)
  end
  if not pos[1] then
    error(errors.usage("no task given", "give a task file (luaforce connector task.json) or --from-bpmn FILE"), 0)
  end
  if pos[1] == "-" and opts.vars == "-" then
    error(errors.usage("the task and --vars both read standard input", "give one of them as a file"), 0)
  end
  return run_file(ctx, opts, pos[1])
end

return M
