-- A get -> update -> delete chain (luaforce.chain): an open lead whose email
-- already belongs to a contact is folded into that contact: the lead is read
-- (get), the contact's description notes where it came from (update), and
-- the lead is deleted (delete). The chain sends these steps for all leads in
-- as few requests as the API allows, and reports item by item.
--
-- When: web forms keep creating leads for people who are already customers.
-- Run:  luaforce run --instance local examples/recipes/fold-leads-into-contacts.lua [--demo]
--       --demo first creates two leads carrying existing contacts' emails.
-- Prints each lead's outcome and the requests sent; exits with the chain
-- report's code (0 all done, 1 some failed, 6 a write's outcome unknown).
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local chain = require "luaforce.chain"

local demo = arg[1] == "--demo"
if #arg > 1 or (arg[1] and not demo) then
  io.stderr:write("usage: fold-leads-into-contacts.lua [--demo]\n")
  os.exit(2)
end

local org = assert(sf.connect())

if demo then
  local people = assert(org:fetch_all(soql.select { "FirstName", "LastName", "Email", "Account.Name" }
    :from("Contact"):where { Email = { ["$exists"] = true }, AccountId = { ["$exists"] = true } }
    :order_by("LastName", "Id"):limit(2)))
  for _, p in ipairs(people) do
    assert(org:create("Lead", { FirstName = p.FirstName, LastName = p.LastName, Email = p.Email,
      Company = p.Account.Name, LeadSource = "Web" }))
  end
  print(("demo: created %d leads with the emails of existing contacts"):format(#people))
end

-- Which lead goes into which contact: two queries and a table, before the chain.
local leads = assert(org:fetch_all(soql.select { "Id", "Email" }:from("Lead")
  :where { IsConverted = false, Email = { ["$exists"] = true } }:order_by("Email")))
local emails = {}
for i, l in ipairs(leads) do emails[i] = l.Email end
local contact_of = {}
if #emails > 0 then
  for _, c in ipairs(assert(org:fetch_all(soql.select { "Id", "Email" }:from("Contact")
      :where { Email = emails }:order_by("CreatedDate")))) do
    contact_of[c.Email:lower()] = contact_of[c.Email:lower()] or c.Id   -- the oldest contact wins
  end
end
local matches = {}
for _, l in ipairs(leads) do
  local contact = contact_of[l.Email:lower()]
  if contact then matches[#matches + 1] = { lead = l.Id, contact = contact } end
end
if #matches == 0 then print("no open lead has a contact's email") return end

local report = chain(org)
  :from(matches)
  :get("Lead", "=lead", { fields = "Name,Company,LeadSource", result_variable = "found" })
  :update("Contact", "=contact", {
    Description = '="Was also a lead: " + found.body.Name + " at " + found.body.Company'
      .. ' + " (" + found.body.LeadSource + ")"',
  })
  :delete("Lead", "=lead")
  :run { print = false }

for _, item in ipairs(report.items) do
  print(("lead %s -> contact %s: %s"):format(item.vars.lead, item.vars.contact, item.state))
end
print(("%d leads folded in %d requests (one request per record would take %d)"):format(
  report.counts.done, report.requests, 3 * #matches))
os.exit(report.exit)
