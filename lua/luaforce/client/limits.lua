--- luaforce.client.limits: how much of its API allowance an org has used.
--
--   org:limits() -> {used, max, remaining, header, bursts, limits} | nil, err
--       API usage as Salesforce reports it on every answer in the
--       Sforce-Limit-Info header (api-usage=USED/MAX, and on newer orgs
--       api-bursts=USED/MAX), read from a GET limits whose body (every
--       limit, DailyApiRequests ...) comes along as `limits`.
--   limits.limit_info(header_value) -> {used, max, remaining, bursts, header}
--       | nil: the same parse for any response you already have
--       (res.headers["Sforce-Limit-Info"]), without a request.
local errors = require "luaforce.errors"
local cerrors = require "luaforce.client.errors"

local M = {}

--- The methods this file adds to the Org.
local methods = {}
M.methods = methods

--- Parses a Sforce-Limit-Info value ("api-usage=18/15000; api-bursts=1/750").
function M.limit_info(value)
  if type(value) == "table" then value = value[1] end
  if type(value) ~= "string" then return nil end
  local out
  for name, used, max in value:gmatch("([%w%-]+)%s*=%s*(%d+)%s*/%s*(%d+)") do
    local u, m = math.tointeger(tonumber(used)), math.tointeger(tonumber(max))
    if name == "api-usage" then
      out = out or {}
      out.used, out.max, out.remaining = u, m, m - u
    elseif name == "api-bursts" then
      out = out or {}
      out.bursts = { used = u, max = m, remaining = m - u }
    end
  end
  if out then out.header = value end
  return out
end

--- API usage and every limit (see the file comment).
function methods:limits()
  local res, err = self:call("GET", "/limits")
  if not res then return nil, err end
  local info = M.limit_info(res.headers["Sforce-Limit-Info"])
  if not info then
    return nil, cerrors.new {
      code = "500", status = res.status, message = "the answer carries no Sforce-Limit-Info header",
      errors = {}, fields = {}, request = { method = "GET", path = self.base .. "/limits" },
      variables = { response = { headers = res.headers, body = res.body } }, exit = errors.EXIT.API,
    }
  end
  info.limits = res.body
  return info
end

return M
