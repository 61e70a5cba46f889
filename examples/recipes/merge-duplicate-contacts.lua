-- Merge duplicate contacts: contacts that share an email address are merged
-- into the newest one: the cases of the older ones move to it, then the
-- older ones are deleted.
--
-- When: after an import or a web form created the same person twice.
-- Run:  luaforce run --instance local examples/recipes/merge-duplicate-contacts.lua [--demo] [--dry-run]
--       --demo first creates a person three times (with a case on each older
--       copy), so the recipe has something to merge on any org; without it the
--       recipe works on the org's own data.
-- Prints, per email, the contact kept, the cases moved and the contacts
-- deleted; exits 0, or 1 when Salesforce refused a write (printed).
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local errors = require "luaforce.errors"

local demo, dry_run = false, false
for _, a in ipairs(arg) do
  if a == "--demo" then demo = true
  elseif a == "--dry-run" then dry_run = true
  else io.stderr:write("usage: merge-duplicate-contacts.lua [--demo] [--dry-run]\n"); os.exit(2) end
end

local org = assert(sf.connect())

if demo then
  -- three copies of one person, created one after the other, and a case on
  -- each of the two older ones
  local people = {}
  for i, first in ipairs { "Dana", "Dana", "Dana M." } do
    local res = assert(org:create("Contact", { FirstName = first, LastName = "Whitfield",
      Email = "dana.whitfield@example.com", Title = i == 3 and "Head of Procurement" or nil }))
    people[i] = res.body.id
  end
  for i = 1, 2 do
    assert(org:create("Case", { Subject = "Invoice question " .. i, ContactId = people[i] }))
  end
  print("demo: created 3 contacts with the email dana.whitfield@example.com and 2 cases")
end

-- The addresses used more than once (an aggregate query: one row per email).
local dupes = assert(org:fetch_all(soql.select { "Email", soql.count("Id"):as("copies") }
  :from("Contact")
  :where { Email = { ["$exists"] = true } }
  :group_by("Email")
  :having { ["COUNT(Id)"] = { ["$gt"] = 1 } }
  :order_by("Email")))
if #dupes == 0 then print("no duplicate contacts") return end

local emails = {}
for i, d in ipairs(dupes) do emails[i] = d.Email end

-- Every copy, newest first per email: the first of each email is the keeper.
local copies = assert(org:fetch_all(soql.select { "Id", "Name", "Email", "CreatedDate" }
  :from("Contact")
  :where { Email = emails }
  :order_by("Email", "CreatedDate DESC", "Id DESC")))

local keeper, losers, moves = {}, {}, {}
for _, c in ipairs(copies) do
  local key = c.Email:lower()          -- Salesforce compares emails without case
  if not keeper[key] then keeper[key] = c else losers[#losers + 1] = c end
end
local loser_ids = {}
for i, c in ipairs(losers) do loser_ids[i] = c.Id end

-- The cases of the copies that go, re-parented to the keeper.
local cases = assert(org:fetch_all(soql.select { "Id", "CaseNumber", "Contact.Email" }
  :from("Case")
  :where { ContactId = loser_ids }
  :order_by("CaseNumber")))
for i, k in ipairs(cases) do
  moves[i] = { Id = k.Id, ContactId = keeper[k.Contact.Email:lower()].Id }
end

for _, d in ipairs(dupes) do
  local k = keeper[d.Email:lower()]
  print(("%s: %d copies, keeping %s (%s)"):format(d.Email, d.copies, k.Id, k.Name))
end
if dry_run then
  print(("would move %d cases and delete %d contacts"):format(#moves, #losers))
  return
end

local failed = {}
local function check(results, what, list)
  for i, r in ipairs(results) do
    if not r.success then
      print(("  FAILED to %s %s: %s %s"):format(what, list[i].Id, r.errors[1].statusCode, r.errors[1].message))
      failed[#failed + 1] = errors.EXIT.API
    end
  end
end

-- Cases first: a contact is deleted only once nothing points at it any more.
if #moves > 0 then
  local moved = assert(org:update_many("Case", moves))
  check(moved, "move case", moves)
  local numbers = {}
  for i, k in ipairs(cases) do numbers[i] = k.CaseNumber end
  print(("moved %d cases: %s"):format(#moves - moved.failed, table.concat(numbers, ", ")))
end
if #failed > 0 then
  print("not deleting any contact: some cases could not be moved")
  os.exit(errors.EXIT.API)
end
local deleted = assert(org:delete_many(loser_ids))
check(deleted, "delete contact", losers)
print(("deleted %d contacts: %s"):format(#losers - deleted.failed, table.concat(loser_ids, ", ")))
os.exit(errors.outcome_exit { done = #losers - #failed, failed = failed })
