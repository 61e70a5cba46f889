-- Close stale opportunities: every open opportunity whose close date lies more
-- than DAYS days in the past (default 30) moves to Closed Lost, with a note
-- saying why, so forecasts stop counting deals nobody works on.
--
-- When: a weekly pipeline clean-up (cron, a CI schedule).
-- Run:  luaforce run --instance local examples/recipes/close-stale-opportunities.lua [DAYS] [--dry-run]
--       (your org: --instance https://MyDomain.my.salesforce.com, or --profile NAME)
-- Prints each opportunity it closed (--dry-run: would close) and exits 0, or
-- 1 when Salesforce refused some of the updates (each is printed).
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local errors = require "luaforce.errors"

local days, dry_run = 30, false
for _, a in ipairs(arg) do
  if a == "--dry-run" then dry_run = true
  elseif a:match("^%d+$") then days = tonumber(a)
  else
    io.stderr:write("usage: close-stale-opportunities.lua [DAYS] [--dry-run]\n")
    os.exit(2)
  end
end

local org = assert(sf.connect())

-- The builder writes the date literal: no SOQL text is pasted together.
-- CloseDate < LAST_N_DAYS:30 is "before the 30-day window that ends today".
local stale = soql.select { "Id", "Name", "StageName", "CloseDate" }
  :from("Opportunity")
  :where { IsClosed = false, CloseDate = { ["$lt"] = soql.last_n_days(days) } }
  :order_by("CloseDate", "Name")
local deals = assert(org:fetch_all(stale))

local changes = {}
for i, d in ipairs(deals) do
  changes[i] = { Id = d.Id, StageName = "Closed Lost",
    NextStep = ("closed by a script: %d days past its close date"):format(days) }
end

if #deals == 0 then
  print(("nothing to close: no open opportunity has a close date before the last %d days"):format(days))
  return
end
if dry_run then
  print(("would close %d opportunities whose close date is before the last %d days:"):format(#deals, days))
  for _, d in ipairs(deals) do print(("  %s  %-22s %s"):format(d.CloseDate, d.StageName, d.Name)) end
  return
end

-- One request per 200 records (sObject Collections), results aligned with `changes`.
local results, err = org:update_many("Opportunity", changes)
if not results then error(err) end   -- the run as a whole failed: err says what is known

print(("closed %d of %d opportunities whose close date is before the last %d days:"):format(
  #deals - results.failed, #deals, days))
local failed = {}
for i, d in ipairs(deals) do
  local r = results[i]
  if r.success then
    print(("  %s  %-22s -> Closed Lost  %s"):format(d.CloseDate, d.StageName, d.Name))
  else
    print(("  FAILED %s: %s %s"):format(d.Name, r.errors[1].statusCode, r.errors[1].message))
    failed[#failed + 1] = errors.EXIT.API
  end
end
os.exit(errors.outcome_exit { done = #deals - #failed, failed = failed })
