-- TEMPORARY (helper's module replaces it)
local json = require "luaforce.json"
local M = {}
function M.camunda(err)
  local code = err.connector_code or err.code
  if err.kind and not err.status then code = "408" end
  local v = err.variables or { response = { headers = {}, body = json.null } }
  return json.object({ type = "io.camunda.connector.api.error.ConnectorException", message = err.message,
    code = code, variables = v }, { "type", "message", "code", "variables" })
end
return M
