-- Group opportunities by stage with sums (result mapping): the result
-- expression of pipeline-by-stage.feel over the open opportunities, printed
-- as a table, and checked against Salesforce's own SUM(Amount) GROUP BY
-- StageName: FEEL's exact decimals give the same digits.
--
-- When: a pipeline summary for a report, a chat message or a process
-- variable, from records you already fetched (no second query needed).
-- Run:  luaforce run --instance local examples/recipes/pipeline-by-stage.lua
--       luaforce connector examples/recipes/pipeline-by-stage.json --instance local   (the same, as a task)
-- Exits 1 if the two sums disagree for any stage.
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local output = require "luaforce.output"
local decimal = require "luaforce.decimal"
local connector = require "luaforce.connector"

local dir = arg[0]:match("^(.*/)") or "./"
local f = assert(io.open(dir .. "pipeline-by-stage.feel"))
local expression = f:read("a")
f:close()

local org = assert(sf.connect())
local open = { IsClosed = false }
-- one page holds up to 2000 records; a task with --follow-pages collects them all
local res = assert(org:query(soql.select { "StageName", "Amount" }:from("Opportunity"):where(open)))
local vars = assert(connector.result(expression, res))
io.write(output.table(vars.stages))
print(("total: %s"):format(tostring(vars.total)))

-- The same sums from Salesforce (an aggregate query), compared exactly.
local sums = assert(org:fetch_all(soql.select { "StageName", soql.sum("Amount"):as("amount") }
  :from("Opportunity"):where(open):group_by("StageName")))
local by_stage = {}
for _, s in ipairs(sums) do by_stage[s.StageName] = s.amount end
local differ = 0
for _, s in ipairs(vars.stages) do
  if decimal.compare(decimal(s.amount), decimal(by_stage[s.stage])) ~= 0 then
    differ = differ + 1
    print(("%s: FEEL %s, SOQL %s"):format(s.stage, s.amount, by_stage[s.stage]))
  end
end
print(differ == 0 and ("SOQL's SUM(Amount) agrees for all %d stages"):format(#vars.stages) or "sums differ")
os.exit(differ == 0 and 0 or 1)
