-- Upsert from a JSON feed by external id: each invoice of the feed is created
-- or updated in Invoice__c by its External_Id__c, so running the same feed
-- twice changes nothing the second time. Customers are named in the feed and
-- found by account name. invoices-feed.json next to this file is an example.
--
-- When: a nightly feed from an ERP or billing system.
-- Run:  luaforce run --instance local examples/recipes/upsert-invoices.lua [FEED.json]
-- Amounts are sent with the digits the feed gives (text: "18250.00"), not
-- through a float. Prints one line per invoice (created, updated, or why it
-- was skipped or refused); exits 0, or 1 when some invoices failed.
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local errors = require "luaforce.errors"

if #arg > 1 then io.stderr:write("usage: upsert-invoices.lua [FEED.json]\n"); os.exit(2) end
local path = arg[1] or arg[0]:gsub("%.lua$", ""):gsub("[^/]*$", "invoices-feed.json")
local f, open_err = io.open(path, "rb")
if not f then error(errors.usage(open_err)) end
local feed, decode_err = json.decode(f:read("a"))
f:close()
if not feed then error(errors.usage(path .. ": " .. tostring(decode_err))) end

local org = assert(sf.connect())

-- The customers, by name, in one query.
local names = {}
for _, item in ipairs(feed) do names[#names + 1] = item.customer end
local account = {}
for _, a in ipairs(assert(org:fetch_all(soql.select { "Id", "Name" }:from("Account"):where { Name = names }))) do
  account[a.Name] = a.Id
end

local records, items, failed, done = {}, {}, {}, 0
for _, item in ipairs(feed) do
  if not account[item.customer] then
    print(("%-10s skipped: no account named %q"):format(item.invoice, item.customer))
    failed[#failed + 1] = errors.EXIT.API
  else
    records[#records + 1] = {
      External_Id__c = item.invoice,
      Account__c = account[item.customer],
      Amount__c = decimal(item.amount),      -- every digit, as the feed wrote it
      Status__c = item.status,
      Due_Date__c = item.due,
    }
    items[#items + 1] = item
  end
end

if #records > 0 then
  local results, err = org:upsert_many("Invoice__c", "External_Id__c", records)
  if not results then error(err) end
  for i, r in ipairs(results) do
    local item = items[i]
    if r.success then
      done = done + 1
      print(("%-10s %s %s %s %s"):format(item.invoice, r.created and "created" or "updated",
        r.id, item.amount, item.status))
    else
      print(("%-10s FAILED: %s %s"):format(item.invoice, r.errors[1].statusCode, r.errors[1].message))
      failed[#failed + 1] = errors.EXIT.API
    end
  end
end
os.exit(errors.outcome_exit { done = done, failed = failed })
