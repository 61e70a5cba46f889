-- Turn a Salesforce error array into a readable message (result mapping):
-- the error expression of readable-sf-error.feel applied in a script to the
-- errors of real writes the org refuses, as Camunda's connector would hand
-- them to it (luaforce.connector.errors gives that shape).
--
-- When: a process (or a script) must tell a person why Salesforce refused a
-- record, every reason at once, rather than "400 Bad Request".
-- Run:  luaforce run --instance local examples/recipes/readable-sf-error.lua
--       echo '{"contact": {"FirstName": "Ann"}}' |
--         luaforce connector examples/recipes/readable-sf-error.json --vars - --instance local   (exit 7)
-- Nothing is written: every contact below is refused.
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local connector = require "luaforce.connector"
local cerrors = require "luaforce.connector.errors"

local dir = arg[0]:match("^(.*/)") or "./"
local f = assert(io.open(dir .. "readable-sf-error.feel"))
local expression = f:read("a")
f:close()

local org = assert(sf.connect())
local refused = {
  { FirstName = "Ann" },                                              -- no LastName
  { LastName = "Berg", Email = "ann.berg(at)example.com" },
  { LastName = "Berg", FirstName = "Maximilian-Alexander-Bartholomew-Fitzgerald", Email = "bad",
    Salutation = "Sir" },                                             -- three errors at once
}
for i, fields in ipairs(refused) do
  local res, err = org:create("Contact", fields)
  if res then error("the org accepted contact " .. i .. ": " .. res.body.id) end
  -- what the error expression sees in Camunda: error, response.error, job
  local e = cerrors.camunda(err)
  local outcome = assert(connector.outcome(expression, { error = e, response = { error = e }, job = { retries = 3 } }))
  print(("contact %d: %s %s"):format(i, outcome.errorType, outcome.errorCode))
  print("  " .. outcome.errorMessage)
end
