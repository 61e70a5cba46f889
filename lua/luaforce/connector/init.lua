--- luaforce.connector: Camunda Salesforce Connector tasks, run as the
-- connector runtime runs them (docs/connector.md).
--
--     local connector = require "luaforce.connector"   -- also require("luaforce").connector
--     local report = connector.run({
--       baseUrl = "{{secrets.SF_URL}}",
--       authentication = { type = "bearer", token = "{{secrets.SF_TOKEN}}" },
--       salesforceOperationType = "soqlQuery",
--       soqlQuery = "=\"SELECT Id FROM Account WHERE Name = '\" + name + \"'\"",
--       resultExpression = "={ids: for r in body.records return r.Id}",
--     }, { name = "Acme" })
--     print(report.exit, json.encode(report.document))
--
-- connector.run(task, vars[, opts]) -> report | nil, err
--   `task` is a task file's object (the template's field ids, nested or
--   flat dotted; luaforce.connector.task) or a task already read (from
--   connector.read_task or a BPMN file). `vars` are the process variables.
--   opts and report: luaforce.connector.run's (org, retries, follow_pages,
--   log, ...; outcome, exit, document, variables, unknown, attempts). err
--   (exit 2) is a task that cannot be read: an unknown field, not an
--   object. Everything after that is an outcome in the report.
-- connector.read_task(value[, origin]) -> task | nil, err
-- connector.bpmn_tasks(model, origin) -> list
--   The Salesforce tasks of a BPMN model (luaforce.connector.bpmn.read's),
--   in document order, each a task connector.run takes (form "bpmn": the
--   inputs are the zeebe:input targets; the headers resultVariable,
--   resultExpression, errorExpression, retryBackoff; retries from the task
--   definition), with `id`, `name` and `summary` (the operation, as the
--   inputs write it) for listing, and `outputs` (its zeebe:output
--   mappings). Other service tasks are left out.
-- connector.pass_on(task, vars, produced) -> vars | nil, err
--   The process variables after a task completed with `produced` (its
--   report.variables), as Zeebe passes them on: without output mappings
--   every variable the task produced joins `vars`; with them, only the
--   outputs do, each a FEEL expression (or a value) over `vars` and what
--   the task produced. A new table; key order kept.
-- connector.result(expr, response[, opts]) -> variables, warnings | nil, err
-- connector.outcome(expr, context[, opts]) -> outcome | false, warnings | nil, err
--   A result and an error expression on their own, with Camunda's
--   semantics (luaforce.connector.outcome has the details).
--
-- Loading the layer registers the connector runtime's FEEL functions
-- (bpmnError, jobError, ignoreError, backoff, fromAi) through feel.register,
-- for the whole process: luaforce.feel itself knows nothing of task
-- outcomes.
local inputs = require "luaforce.connector.inputs"
local json = require "luaforce.json"
local outcome = require "luaforce.connector.outcome"
local run = require "luaforce.connector.run"
local task = require "luaforce.connector.task"

local M = {}

M.result = outcome.result
M.outcome = outcome.outcome
M.read_task = task.read

-- What a BPMN task does, in a few words, from its inputs' sources.
local function summary(inputs)
  local by = {}
  for _, i in ipairs(inputs) do by[i.target] = type(i.source) == "string" and i.source or nil end
  local op = by.salesforceInteractionType
  if op == "soqlQuery" then return "soqlQuery" end
  local parts = { op or "?" }
  if by.method then parts[#parts + 1] = by.method end
  if by.objectType then parts[#parts + 1] = by.objectType end
  return table.concat(parts, " ")
end

--- See the file comment.
function M.bpmn_tasks(model, origin)
  local out = {}
  for _, t in ipairs(model.tasks or {}) do
    if t.salesforce then
      local headers = {}
      for _, h in ipairs(t.headers or {}) do
        if h.key == "resultVariable" or h.key == "resultExpression" or h.key == "errorExpression"
            or h.key == "retryBackoff" then
          headers[h.key] = h.value
        end
      end
      local inputs = {}
      for i, input in ipairs(t.inputs or {}) do inputs[i] = { target = input.target, source = input.source } end
      local retries = t.retries and math.tointeger(tonumber(t.retries)) or nil
      local outputs = {}
      for i, o in ipairs(t.outputs or {}) do outputs[i] = { target = o.target, source = o.source } end
      out[#out + 1] = { origin = ("%s#%s"):format(origin or "the model", t.id or "?"), form = "bpmn",
        inputs = inputs, outputs = outputs, headers = headers, retries = retries, id = t.id, name = t.name,
        summary = summary(inputs) }
    end
  end
  return out
end

-- A copy of an object with the entries of `more` set over it, in order.
local function merged(base, more)
  local t, order = {}, {}
  for _, k in ipairs(json.keys(base)) do
    order[#order + 1] = k
    t[k] = base[k] == nil and json.null or base[k]
  end
  for _, k in ipairs(json.keys(more)) do
    if t[k] == nil then order[#order + 1] = k end
    t[k] = more[k] == nil and json.null or more[k]
  end
  return json.object(t, order)
end

-- `obj` with the dotted `path` set to `value` (contexts made or extended
-- on the way), as a copy.
local function set_path(obj, path, value)
  local head, rest = path:match("^([^%.]+)%.(.+)$")
  if not head then return merged(obj, json.object({ [path] = value }, { path })) end
  local inner = json.is_object(obj[head]) and obj[head] or json.object({}, {})
  return merged(obj, json.object({ [head] = set_path(inner, rest, value) }, { head }))
end

--- See the file comment.
function M.pass_on(t, vars, produced)
  vars = vars or json.object({}, {})
  produced = produced or json.object({}, {})
  if not t.outputs or #t.outputs == 0 then return merged(vars, produced) end
  local values, err = inputs.evaluate({ inputs = t.outputs }, merged(vars, produced))
  if not values then return nil, err end
  local out = merged(vars, json.object({}, {}))
  for _, o in ipairs(t.outputs) do out = set_path(out, o.target, values[o.target]) end
  return out
end

--- See the file comment.
function M.run(t, vars, opts)
  if type(t) ~= "table" then error("bad argument #1 to 'run' (a task table expected)", 2) end
  if vars ~= nil and type(vars) ~= "table" then error("bad argument #2 to 'run' (a table of variables expected)", 2) end
  if opts ~= nil and type(opts) ~= "table" then error("bad argument #3 to 'run' (a table of options expected)", 2) end
  local read = t
  if type(t.inputs) ~= "table" or not t.form then
    local err
    read, err = task.read(t, "the task")
    if not read then return nil, err end
  end
  return run.task(read, vars, opts)
end

return M
