-- Date windows (result mapping): the result expression of date-windows.feel
-- (this quarter, the last 30 days) over the opportunities, with FEEL's clock
-- fixed by --now, next to what the org's SOQL date literals THIS_QUARTER and
-- LAST_N_DAYS:30 count by the org's own clock.
--
-- When: a process variable or a report needs "this quarter" or "recent"
-- from records already fetched, without a query per window.
-- Run:  luaforce run --instance local examples/recipes/date-windows.lua [--now ISO-DATETIME]
--       (default: the real clock; the outputs in docs/recipes.md come from an
--       org whose clock is fixed at 2025-06-16T09:30:00Z, with the same --now)
-- When the org's clock is not --now, the SOQL counts can differ: the script
-- says so, and still exits 0 (both answers are right for their clock).
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local json = require "luaforce.json"
local connector = require "luaforce.connector"

local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
if arg[1] == "--now" and arg[2] and #arg == 2 then now = arg[2]
elseif #arg > 0 then io.stderr:write("usage: date-windows.lua [--now ISO-DATETIME]\n"); os.exit(2) end

local dir = arg[0]:match("^(.*/)") or "./"
local f = assert(io.open(dir .. "date-windows.feel"))
local expression = f:read("a")
f:close()

local org = assert(sf.connect())
local res = assert(org:query(soql.select { "Amount", "CloseDate", "CreatedDate" }:from("Opportunity")))
local vars = assert(connector.result(expression, res, { now = now }))
print("FEEL, now() = " .. now .. ":")
print(json.encode(vars, { pretty = true }))

-- The same windows counted by the org (SOQL date literals, the org's clock).
local function count(where)
  return assert(org:query(soql.select { soql.count() }:from("Opportunity"):where(where))).body.totalSize
end
local checks = {
  { "CloseDate = THIS_QUARTER", count { CloseDate = soql.this_quarter() }, vars.closingThisQuarter },
  { "CreatedDate = LAST_N_DAYS:30", count { CreatedDate = soql.last_n_days(30) }, vars.createdLast30Days },
}
for _, c in ipairs(checks) do
  print(("SOQL %s: %d (%s)"):format(c[1], c[2], c[2] == c[3] and "the same"
    or "differs: the org's clock is not " .. now))
end
