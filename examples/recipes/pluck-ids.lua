-- Pluck ids (result mapping): the result expression of pluck-ids.feel, the
-- one a Camunda SOQL task uses, applied in a script to a query's response:
-- the same variables the task gives the process.
--
-- When: a script and a process must agree on what a query hands on; or to
-- try a result expression on real data before it goes into a BPMN model.
-- Run:  luaforce run --instance local examples/recipes/pluck-ids.lua [INDUSTRY]
--       luaforce connector examples/recipes/pluck-ids.json --instance local   (the same, as a task)
-- Prints the variables as JSON.
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local json = require "luaforce.json"
local connector = require "luaforce.connector"

local industry = arg[1] or "Machinery"
local dir = arg[0]:match("^(.*/)") or "./"
local f = assert(io.open(dir .. "pluck-ids.feel"))
local expression = f:read("a")
f:close()

local org = assert(sf.connect())
-- the value goes through the builder, never pasted into the text
local res = assert(org:query(soql.select { "Id" }:from("Account"):where { Industry = industry }:order_by("Name")))
local vars = assert(connector.result(expression, res))
print(json.encode(vars, { pretty = true }))
