-- Flatten records with parent fields for CSV (result mapping): the result
-- expression of flatten-contacts.feel turns contacts with their account and
-- its owner into flat rows, written as CSV with luaforce.output.
--
-- When: a spreadsheet or another system wants one flat row per record, and
-- the same mapping runs in a Camunda process (flatten-contacts.json).
-- Run:  luaforce run --instance local examples/recipes/flatten-contacts.lua [LASTNAME] > contacts.csv
--       luaforce connector examples/recipes/flatten-contacts.json --instance local   (the rows as JSON)
-- Every page of the query goes through the expression, so it works for any
-- number of records; the CSV streams to standard output.
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local output = require "luaforce.output"
local connector = require "luaforce.connector"

local last_name = arg[1] or "Kim"
local dir = arg[0]:match("^(.*/)") or "./"
local f = assert(io.open(dir .. "flatten-contacts.feel"))
local expression = f:read("a")
f:close()

local org = assert(sf.connect())
local q = soql.select { "Id", "Name", "Email", "Account.Name", "Account.Industry", "Account.Owner.Name" }
  :from("Contact"):where { LastName = last_name }:order_by("Name")

local w = assert(output.writer { format = "csv",
  columns = { "id", "name", "email", "account", "industry", "accountOwner" } })
local res = assert(org:query(q))
while true do
  -- the response a connector task would see, page by page
  for _, row in ipairs(assert(connector.result(expression, res)).rows) do w:record(row) end
  if res.body.done then break end
  res = assert(org:call("GET", res.body.nextRecordsUrl))
end
assert(w:finish())
