-- Backfill a field from the parent account: records whose FIELD is empty take
-- the value of their account's ACCOUNT_FIELD (default: an Opportunity's
-- LeadSource from its Account's AccountSource).
--
-- When: a new field (or a new rule) needs values on old records, and the
-- account already knows them.
-- Run:  luaforce run --instance local examples/recipes/backfill-from-account.lua [OBJECT FIELD ACCOUNT_FIELD]
--       e.g. ... backfill-from-account.lua Contact Phone Phone
-- Prints how many records took which value; exits 0, or 1 when Salesforce
-- refused some updates (each is printed). Running it again finds nothing to do.
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local errors = require "luaforce.errors"

local object, field, parent_field = "Opportunity", "LeadSource", "AccountSource"
if #arg == 3 then
  object, field, parent_field = arg[1], arg[2], arg[3]
elseif #arg ~= 0 then
  io.stderr:write("usage: backfill-from-account.lua [OBJECT FIELD ACCOUNT_FIELD]\n")
  os.exit(2)
end

local org = assert(sf.connect())
local from_parent = "Account." .. parent_field

-- The builder checks the names (an argument such as "Name FROM User" is an
-- INVALID_SOQL error, exit 2), and Salesforce says if a field does not exist.
local q = soql.select { "Id", from_parent }
  :from(object)
  :where { [field] = soql.NULL, [from_parent] = { ["$exists"] = true } }
  :order_by("Id")

local changes, by_value, order = {}, {}, {}
for rec in org:records(q) do
  local value = rec.Account[parent_field]
  changes[#changes + 1] = { Id = rec.Id, [field] = value }
  if not by_value[value] then by_value[value] = 0; order[#order + 1] = value end
  by_value[value] = by_value[value] + 1
end
if #changes == 0 then
  print(("nothing to backfill: no %s with an empty %s has an %s"):format(object, field, from_parent))
  return
end

local results, err = org:update_many(object, changes)
if not results then error(err) end

local failed = {}
for i, r in ipairs(results) do
  if not r.success then
    print(("FAILED %s: %s %s"):format(changes[i].Id, r.errors[1].statusCode, r.errors[1].message))
    failed[#failed + 1] = errors.EXIT.API
  end
end
print(("set %s.%s from %s on %d records:"):format(object, field, from_parent, #changes - results.failed))
table.sort(order)
for _, value in ipairs(order) do print(("  %-16s %4d"):format(value, by_value[value])) end
os.exit(errors.outcome_exit { done = #changes - #failed, failed = failed })
