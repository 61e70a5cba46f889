-- Pick the BPMN error for common error codes (result mapping): the error
-- expression of bpmn-errors.feel tried against each kind of failure a
-- Salesforce task meets, as a table: two real ones from the org (a get of a
-- missing record, a create the org refuses) and the rest in the shape
-- Camunda's connector gives them (a 503, a 429, a timeout, ...), because a
-- healthy org does not produce those on demand.
--
-- When: before a model goes live, to see what every failure will do.
-- Run:  luaforce run --instance local examples/recipes/bpmn-errors.lua
--       echo '{"accountId": "001000000000000AAA"}' |
--         luaforce connector examples/recipes/bpmn-errors.json --vars - --instance local   (exit 7)
-- Nothing is written.
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local output = require "luaforce.output"
local connector = require "luaforce.connector"
local cerrors = require "luaforce.connector.errors"

local dir = arg[0]:match("^(.*/)") or "./"
local f = assert(io.open(dir .. "bpmn-errors.feel"))
local expression = f:read("a")
f:close()

local org = assert(sf.connect())

-- An HTTP error as Camunda's connector hands it on: one Salesforce error as
-- an object, several as a list.
local function http_error(status, reason, code, message)
  return { type = cerrors.TYPE, message = reason, code = tostring(status),
    variables = { response = { headers = {}, body = { errorCode = code, message = message } } } }
end

local _, missing = org:get("Account", "001000000000000AAA")
local _, refused = org:create("Contact", { FirstName = "Ann" })
local cases = {
  { "get of a missing record", cerrors.camunda(missing) },
  { "create without LastName", cerrors.camunda(refused) },
  { "duplicate username", http_error(400, "Bad Request", "DUPLICATE_VALUE",
    "duplicate value found: Username duplicates value on record with id: 005Lf0000000002") },
  { "org in maintenance", http_error(503, "Service Unavailable", "SERVER_UNAVAILABLE", "Server unavailable") },
  { "too many requests", http_error(429, "Too Many Requests", "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded") },
  { "timeout", { type = cerrors.TYPE, code = "408",
    message = "The request timed out. Please try increasing the read and connection timeouts." } },
  { "expired token", http_error(401, "Unauthorized", "INVALID_SESSION_ID", "Session expired or invalid") },
}

local rows = {}
for i, c in ipairs(cases) do
  local e = c[2]
  -- false: no error (the job fails as usual for an HTTP error); nil, err: the expression failed
  local o, err = connector.outcome(expression, { error = e, response = { error = e }, job = { retries = 3 } })
  if o == nil then error(err) end
  rows[i] = {
    failure = c[1], code = e.code,
    outcome = o and o.errorType or "(none: the job fails)",
    ["bpmn error / retries"] = not o and "" or o.errorType == "bpmnError" and o.errorCode
      or ("%d left, wait %s"):format(o.retries, o.retryBackoff),
  }
end
io.write(output.table(rows, { columns = { "failure", "code", "outcome", "bpmn error / retries" } }))
