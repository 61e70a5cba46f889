-- The main job: close out stale opportunities.
--
--   luaforce run --instance local examples/demo.lua      (what ./scripts/demo runs)
--   luaforce run --instance https://acme.my.salesforce.com examples/demo.lua   (a real org;
--     credentials from SF_ACCESS_TOKEN or SF_CLIENT_ID/SF_CLIENT_SECRET)
--
-- 1. find open opportunities past their close date (the SOQL builder: no text pasting);
-- 2. get each one's account (the connector's get with a relationship);
-- 3. move them to Closed Lost with a note (update);
-- 4. delete one stale test record;
-- 5. map the results with a FEEL result expression into a summary, as a Camunda
--    connector task would, and print a table and the summary.
local sf = require "luaforce"
local soql = require "luaforce.soql"
local connector = require "luaforce.connector"
local json = require "luaforce.json"

local org = assert(sf.connect())
local today = os.date("!%Y-%m-%d")

-- 1. the overdue deals, oldest first
local q = soql.select { "Id", "Name", "StageName", "CloseDate", "Amount", "AccountId" }
  :from("Opportunity")
  :where { IsClosed = false, CloseDate = { ["$lt"] = soql.literal("TODAY") } }
  :order_by("CloseDate")
  :limit(25)
local page = assert(org:query(q))
local deals = page.body.records

-- 2 and 3. each deal's account, then Closed Lost with a note
local rows = {}
for _, d in ipairs(deals) do
  local account = "(no account)"
  if d.AccountId then            -- a null field reads as nil
    local acc = assert(org:get("Opportunity", d.Id, { relationship = "Account", query = { fields = "Name" } }))
    account = acc.body.Name
  end
  assert(org:update("Opportunity", d.Id, {
    StageName = "Closed Lost",
    Description = ("Closed by luaforce on %s: open past its close date %s."):format(today, d.CloseDate),
  }))
  rows[#rows + 1] = { d.Name, account, d.StageName, d.CloseDate, d.Amount }
end

-- 4. the stale test record, if it is still there
local stale = assert(org:query(soql.select { "Id", "Name" }:from("Opportunity")
  :where { Name = "TEST - delete me" }:limit(1))).body.records[1]
local deleted = json.null
if stale then
  assert(org:delete("Opportunity", stale.Id))
  deleted = stale.Name
end

-- 5. a FEEL result expression over the query's response, as in a Camunda task
local summary = assert(connector.result([[{
  closedLost: count(response.body.records),
  amountClosed: sum(response.body.records[Amount != null].Amount),
  withoutAmount: count(response.body.records[Amount = null]),
  oldestCloseDate: if count(response.body.records) > 0 then response.body.records[1].CloseDate else null,
  stages: distinct values(response.body.records.StageName)
}]], page))
summary.deleted = deleted

-- the report
local function cell(v)
  if v == nil or v == json.null then return "" end
  return tostring(v)
end
local headers = { "Opportunity", "Account", "Was", "Close date", "Amount" }
local widths = {}
for i, h in ipairs(headers) do widths[i] = utf8.len(h) end
for _, r in ipairs(rows) do
  for i = 1, #headers do widths[i] = math.max(widths[i], utf8.len(cell(r[i])) or #cell(r[i])) end
end
local function line(r)
  local out = {}
  for i = 1, #headers do
    local s = cell(r[i])
    local pad = (" "):rep(widths[i] - (utf8.len(s) or #s))
    out[i] = i == #headers and pad .. s or s .. pad
  end
  print(table.concat(out, "  "))
end
line(headers)
for _, r in ipairs(rows) do line(r) end
print()
print(("Moved %d overdue opportunities to Closed Lost (today is %s)."):format(#rows, today))
print("Summary (FEEL result expression):")
print(json.encode(summary, { pretty = true, sort_keys = true }))
