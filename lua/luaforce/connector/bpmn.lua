--- luaforce.connector.bpmn: the connector tasks of a Camunda 8 BPMN file, as
-- written (nothing evaluated), for `luaforce connector --from-bpmn`.
--
--     local bpmn = require "luaforce.connector.bpmn"
--     local model = assert(bpmn.read_file("order.bpmn"))
--     for _, t in ipairs(model.tasks) do if t.salesforce then print(t.id, t.name) end end
--
-- bpmn.read(text[, origin]) -> model | nil, err
-- bpmn.read_file(path) -> model | nil, err      (origin = path)
--
--   model = { origin = origin, tasks = { task, ... } }   -- document order
--   task  = {
--     id = "Task_1", name = "Find account" | nil,
--     element = "serviceTask",          -- the BPMN element's local name
--     line = 12, column = 5,            -- where its start tag begins
--     process = "Process_1" | nil,      -- the id of the enclosing bpmn:process
--     template = "io.camunda.connectors.Salesforce.v1" | nil,  -- zeebe:modelerTemplate
--     template_version = "6" | nil,     -- zeebe:modelerTemplateVersion
--     salesforce = true | false,        -- template is the Salesforce connector's, any version
--     type = "io.camunda:http-json:1" | nil,   -- zeebe:taskDefinition type
--     retries = "3" | nil,              -- zeebe:taskDefinition retries, as written
--     inputs = { { source = "=...", target = "url", line = 20, column = 11 }, ... },
--     outputs = { { source = "=...", target = "x", line =, column = }, ... },
--     headers = { { key = "resultVariable", value = "account", line =, column = }, ... },
--   }
--
-- inputs, outputs and headers keep document order (the engine evaluates
-- inputs in that order, each able to use the ones before). Strings are as
-- the file holds them once XML is decoded: `source="=if a &gt; 1 then ..."`
-- reads `=if a > 1 then ...`. An input without `source` has source nil;
-- a header without `value` has value nil.
--
-- Which elements are tasks: every bpmn:serviceTask, and the other elements
-- Zeebe runs as jobs (bpmn:sendTask, bpmn:scriptTask, bpmn:businessRuleTask,
-- bpmn:intermediateThrowEvent, bpmn:endEvent) when they carry a
-- zeebe:taskDefinition or a zeebe:modelerTemplate: Camunda applies
-- outbound connector templates to send tasks and message throw events too,
-- and Zeebe hands any of them to the worker the task type names. Tasks
-- inside sub-processes (bpmn:subProcess, bpmn:adHocSubProcess,
-- bpmn:transaction) count, with `process` naming the top process. User
-- tasks are not connector tasks.
--
-- Elements and attributes are matched by namespace URI (BPMN's model
-- namespace, Zeebe's http://camunda.org/schema/zeebe/1.0), so bpmn:,
-- bpmn2:, semantic: and a default namespace all read the same. Anything
-- else (the diagram, documentation, other vendors' extensions) is ignored.
--
-- Errors are luaforce.errors objects, exit 2, code BPMN_INVALID, with
-- `file` (the origin), `line` and `column`; the message names the file,
-- the line and the column and says what is wrong: not XML (expat's reason:
-- "mismatched tag", a DOCTYPE, nesting or size past luaforce.core.xml's
-- limits), not a BPMN definitions document, a task without an id, two
-- tasks with one id, an input without a target, a header without a key.
-- A file that cannot be read is a usage error (exit 2) naming it.
local errors = require "luaforce.errors"
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local xml = require "luaforce.core.xml"

local M = {}

M.BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
M.ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
M.SALESFORCE_TEMPLATE = "io.camunda.connectors.Salesforce.v1"

-- The largest file read_file reads (luaforce.core.xml's default limit).
local MAX_BYTES = 16 * 1024 * 1024

-- Elements that are a task whatever they hold, and those that are one when
-- they carry a task definition or a template.
local ALWAYS = { serviceTask = true }
local JOB_ELEMENTS = { sendTask = true, scriptTask = true, businessRuleTask = true,
  intermediateThrowEvent = true, endEvent = true }
local CONTAINERS = { subProcess = true, adHocSubProcess = true, transaction = true }

local ZEEBE_TEMPLATE = "{" .. M.ZEEBE_NS .. "}modelerTemplate"
local ZEEBE_TEMPLATE_VERSION = "{" .. M.ZEEBE_NS .. "}modelerTemplateVersion"

local function invalid(origin, line, column, message)
  local where = origin and ("%s:%d:%d"):format(origin, line, column)
      or ("line %d, column %d"):format(line, column)
  return errors.new { code = "BPMN_INVALID", exit = errors.EXIT.USAGE, message = where .. ": " .. message,
    file = origin, line = line, column = column }
end

-- "bpmn:serviceTask" for a BPMN element, "{URI}name" for another.
local function label(e)
  if e.ns == M.BPMN_NS then return "bpmn:" .. e.name end
  if e.ns == M.ZEEBE_NS then return "zeebe:" .. e.name end
  if e.ns then return "{" .. e.ns .. "}" .. e.name end
  return e.name
end

local function is(e, ns, name)
  return e.ns == ns and e.name == name
end

-- The zeebe:* children of a task's bpmn:extensionElements, in order.
local function extensions(task)
  local out = {}
  for _, c in ipairs(task) do
    if is(c, M.BPMN_NS, "extensionElements") then
      for _, z in ipairs(c) do
        if z.ns == M.ZEEBE_NS then out[#out + 1] = z end
      end
    end
  end
  return out
end

-- The zeebe:<kind> children of parent (a zeebe:ioMapping's inputs or
-- outputs, a zeebe:taskHeaders' headers) appended to list as
-- {[a] =, [b] =, line =, column =}; nil, err for one without its `a`.
local function entries(parent, kind, a, b, list, origin)
  for _, e in ipairs(parent) do
    if is(e, M.ZEEBE_NS, kind) then
      if not e.attrs[a] or e.attrs[a] == "" then
        return nil, invalid(origin, e.line, e.column, ("a zeebe:%s without a %s"):format(kind, a))
      end
      list[#list + 1] = { [a] = e.attrs[a], [b] = e.attrs[b], line = e.line, column = e.column }
    end
  end
  return list
end

-- The task an element is, or nil when it is none; nil, err when it is one
-- but broken.
local function task_of(e, process, origin)
  local template = e.attrs[ZEEBE_TEMPLATE]
  local ext = extensions(e)
  local definition
  for _, z in ipairs(ext) do
    if z.name == "taskDefinition" then
      definition = definition or z
    end
  end
  if not ALWAYS[e.name] and not definition and not template then return nil end
  if not e.attrs.id or e.attrs.id == "" then
    return nil, invalid(origin, e.line, e.column, ("a %s without an id"):format(label(e)))
  end
  local t = {
    id = e.attrs.id, name = e.attrs.name, element = e.name, line = e.line, column = e.column,
    process = process, template = template, template_version = e.attrs[ZEEBE_TEMPLATE_VERSION],
    salesforce = template == M.SALESFORCE_TEMPLATE,
    type = definition and definition.attrs.type, retries = definition and definition.attrs.retries,
    inputs = {}, outputs = {}, headers = {},
  }
  for _, z in ipairs(ext) do
    local ok, err = true, nil
    if z.name == "ioMapping" then
      ok, err = entries(z, "input", "target", "source", t.inputs, origin)
      if ok then ok, err = entries(z, "output", "target", "source", t.outputs, origin) end
    elseif z.name == "taskHeaders" then
      ok, err = entries(z, "header", "key", "value", t.headers, origin)
    end
    if not ok then return nil, err end
  end
  return t
end

-- Appends the tasks under element e (a process or a sub-process) to tasks,
-- in document order.
local function collect(e, process, tasks, seen, origin)
  for _, c in ipairs(e) do
    if c.ns == M.BPMN_NS then
      if ALWAYS[c.name] or JOB_ELEMENTS[c.name] then
        local t, err = task_of(c, process, origin)
        if err then return nil, err end
        if t then
          local first = seen[t.id]
          if first then
            return nil, invalid(origin, t.line, t.column,
              ("two tasks have the id '%s' (the first at line %d)"):format(t.id, first.line))
          end
          seen[t.id] = t
          tasks[#tasks + 1] = t
        end
      elseif CONTAINERS[c.name] then
        local ok, err = collect(c, process, tasks, seen, origin)
        if not ok then return nil, err end
      end
    end
  end
  return tasks
end

--- See the file comment.
function M.read(text, origin)
  if type(text) ~= "string" then error("bpmn.read: text must be a string", 2) end
  local root, why, line, column = xml.parse(text)
  if not root then return nil, invalid(origin, line, column, "not XML: " .. why) end
  if not is(root, M.BPMN_NS, "definitions") then
    return nil, invalid(origin, root.line, root.column,
      ("not a BPMN definitions document: the root element is %s, not definitions in namespace %s")
      :format(label(root), M.BPMN_NS))
  end
  local tasks, seen = {}, {}
  for _, c in ipairs(root) do
    if is(c, M.BPMN_NS, "process") then
      local ok, err = collect(c, c.attrs.id, tasks, seen, origin)
      if not ok then return nil, err end
    end
  end
  return { origin = origin, tasks = tasks }
end

--- See the file comment.
function M.read_file(path)
  local f, why = io.open(path, "rb")
  local text
  if f then
    text, why = f:read(MAX_BYTES + 1)
    if text == nil and why == nil then text = "" end -- an empty file
    f:close()
  end
  if not text then
    why = tostring(why or "cannot be read")
    if why:sub(1, #path + 2) == path .. ": " then why = why:sub(#path + 3) end
    why = why:gsub("^%u", string.lower)
    return nil, errors.usage(("cannot read the BPMN file '%s': %s"):format(path, why))
  end
  if #text > MAX_BYTES then
    return nil, invalid(path, 1, 1, ("not XML: the document is larger than %d bytes"):format(MAX_BYTES))
  end
  return M.read(text, path)
end

return M
