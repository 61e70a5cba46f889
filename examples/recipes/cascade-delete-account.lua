-- Cascade delete of a test account's children: every record that points at
-- the account (the child relationships its describe lists: contacts,
-- opportunities, cases, invoices, ...) is deleted, then the account itself.
-- Only accounts whose name starts with "Test" are touched.
--
-- When: tearing down the data an integration test or a demo created, on an
-- org where deleting an account does not cascade to every object you use.
-- Run:  luaforce run --instance local examples/recipes/cascade-delete-account.lua ACCOUNT_ID
--       luaforce run --instance local examples/recipes/cascade-delete-account.lua --demo
--       --demo first creates a test account with a few children, then deletes it all.
-- Prints what it deleted per object; exits 0, 2 for an account that is not a
-- test account (nothing deleted), or 1 when Salesforce refused a delete (the
-- account then stays, with the children that could not be deleted).
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local errors = require "luaforce.errors"

local account_id, demo = nil, false
for _, a in ipairs(arg) do
  if a == "--demo" then demo = true elseif not account_id then account_id = a
  else io.stderr:write("usage: cascade-delete-account.lua ACCOUNT_ID | --demo\n"); os.exit(2) end
end
if not account_id and not demo then
  io.stderr:write("usage: cascade-delete-account.lua ACCOUNT_ID | --demo\n")
  os.exit(2)
end

local org = assert(sf.connect())

if demo then
  local acc = assert(org:create("Account", { Name = "Test Cascade Ltd" })).body.id
  local con = assert(org:create("Contact", { LastName = "Tester", AccountId = acc })).body.id
  assert(org:create("Contact", { LastName = "Probe", AccountId = acc }))
  local opp = assert(org:create("Opportunity", { Name = "Test deal", StageName = "Prospecting",
    CloseDate = "2030-01-31", AccountId = acc, ContactId = con })).body.id
  assert(org:create("Case", { Subject = "Test case", AccountId = acc, ContactId = con }))
  assert(org:create("Invoice__c", { Account__c = acc, Opportunity__c = opp, Amount__c = 10 }))
  print("demo: created Test Cascade Ltd with 2 contacts, an opportunity, a case and an invoice")
  account_id = acc
end

-- a wrong id: assert stops with the 404 (exit 1), nothing deleted
local account = assert(org:get("Account", account_id, { query = { fields = "Name" } })).body
if not account.Name:match("^Test") then
  error(errors.usage(("%s is %q: only accounts whose name starts with \"Test\" are deleted"):format(
    account_id, account.Name)))
end

-- The children, found through the account's describe rather than a fixed list,
-- so objects added later (a custom Invoice__c) are not left pointing at nothing.
local ids, counts = {}, {}
for _, rel in ipairs(org:describe("Account").childRelationships) do
  local q = soql.select { "Id" }:from(rel.childSObject):where { [rel.field] = account_id }
  local children = assert(org:fetch_all(q))
  if rel.childSObject == "Account" and #children > 0 then
    error(errors.usage(("%s has %d child accounts (ParentId): delete or re-parent them first"):format(
      account.Name, #children)))
  end
  if #children > 0 then
    counts[#counts + 1] = { object = rel.childSObject, n = #children }
    for _, c in ipairs(children) do ids[#ids + 1] = c.Id end
  end
end

print(("deleting %s (%s) and its children:"):format(account.Name, account_id))
local failed = 0
if #ids > 0 then
  -- 200 ids a request; one id of several objects is fine for sObject Collections
  local results, err = org:delete_many(ids)
  if not results then error(err) end
  for i, r in ipairs(results) do
    if not r.success then print(("  FAILED %s: %s %s"):format(ids[i], r.errors[1].statusCode, r.errors[1].message)) end
  end
  failed = results.failed
end
for _, c in ipairs(counts) do print(("  %-12s %d"):format(c.object, c.n)) end
if failed > 0 then
  print(("%d children could not be deleted: the account stays"):format(failed))
  os.exit(errors.EXIT.API)
end
assert(org:delete("Account", account_id))
print(("  %-12s %d"):format("Account", 1))
