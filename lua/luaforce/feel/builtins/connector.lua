--- FEEL builtins: the connector outcome functions of Camunda's error
-- expressions (bpmnError, jobError, ignoreError). Each builds a context
-- whose `errorType` luaforce.feel.outcome reads.
local values = require "luaforce.feel.kinds"

local NULL = values.NULL

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

return function(def)
  def("bpmnError", { "errorCode: string", "errorMessage: string" }, bpmn)
  def("bpmnError", { "errorCode: string", "errorMessage: string", "variables: context?" }, bpmn)

  def("jobError", { "errorMessage: string" }, job)
  def("jobError", { "errorMessage: string", "variables: context?" }, job)
  def("jobError", { "errorMessage: string", "variables: context?", "retries: number?" }, job)
  def("jobError", { "errorMessage: string", "variables: context?", "retries: number?", "retryBackoff: any" }, job)

  -- fromAi(value, ...) tags a value for Camunda's AI agent: the value as it is
  local function same(v) return v end
  def("fromAi", { "value: any" }, same)
  def("fromAi", { "value: any", "description: string?" }, same)
  def("fromAi", { "value: any", "description: string?", "type: string?" }, same)
  def("fromAi", { "value: any", "description: string?", "type: string?", "schema: context?" }, same)
  def("fromAi", { "value: any", "description: string?", "type: string?", "schema: context?", "options: context?" }, same)

  def("ignoreError", {}, function()
    return setmetatable({ errorType = "ignoreError", variables = empty() }, IGNORE_MT)
  end)
  def("ignoreError", { "variables: context?" }, function(vars)
    return setmetatable({ errorType = "ignoreError", variables = vars or empty() }, IGNORE_MT)
  end)
end
