local rows = require "feel.rows"
local NULL, C = rows.NULL, rows.empty_context

describe("FEEL connector builtins", function()
  rows.run({
    { 'bpmnError("SF_NOT_FOUND", error.message)',
      { errorType = "bpmnError", errorCode = "SF_NOT_FOUND", errorMessage = "Not Found", variables = C() } },
    { 'bpmnError("E", "m", {id: 1})', { errorType = "bpmnError", errorCode = "E", errorMessage = "m", variables = { id = 1 } } },
    { 'jobError("Salesforce unavailable")',
      { errorType = "jobError", errorMessage = "Salesforce unavailable", variables = C(), retries = 0, retryBackoff = "PT0S" } },
    { 'jobError("busy", {}, job.retries - 1, "PT30S")',
      { errorType = "jobError", errorMessage = "busy", variables = C(), retries = 2, retryBackoff = "PT30S" } },
    { 'jobError("busy", {}, 1, @"PT1M30S")',
      { errorType = "jobError", errorMessage = "busy", variables = C(), retries = 1, retryBackoff = "PT1M30S" } },
    { "ignoreError()", { errorType = "ignoreError", variables = C() } },
    { "ignoreError({exists: false})", { errorType = "ignoreError", variables = { exists = false } } },
    { "bpmnError(404)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
  }, function() return rows.error_context("404", 3) end)
end)
