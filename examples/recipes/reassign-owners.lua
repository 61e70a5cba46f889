-- Mass-reassign owners from a JSON file: for each entry of the file, the
-- records of the listed objects owned by one user go to another (users named
-- by email or by id; "open_only" keeps closed opportunities and cases where
-- they are). reassign-owners.json next to this file is an example.
--
-- When: someone leaves or changes teams and their book of business moves.
-- Run:  luaforce run --instance local examples/recipes/reassign-owners.lua [FILE.json] [--dry-run]
-- Checks every user before anything is written (an unknown or inactive
-- target stops the run, exit 2), then prints what moved per object; exits
-- 0, or 1 when Salesforce refused some updates (each is printed).
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local json = require "luaforce.json"
local errors = require "luaforce.errors"

local path, dry_run = nil, false
for _, a in ipairs(arg) do
  if a == "--dry-run" then dry_run = true elseif not path then path = a
  else io.stderr:write("usage: reassign-owners.lua [FILE.json] [--dry-run]\n"); os.exit(2) end
end
path = path or arg[0]:gsub("%.lua$", ".json")    -- the example beside the script

local function bad_input(message)
  error(errors.usage(path .. ": " .. message))     -- one line, exit 2
end

local f, open_err = io.open(path, "rb")
if not f then error(errors.usage(open_err)) end   -- "FILE: No such file or directory"
local plan, decode_err = json.decode(f:read("a"))
f:close()
if not plan then bad_input(tostring(decode_err)) end
if type(plan.reassign) ~= "table" or #plan.reassign == 0 then bad_input("no \"reassign\" list") end

local org = assert(sf.connect())

-- Every user the file names, by email or by id, in one query.
local emails, ids = {}, {}
for i, e in ipairs(plan.reassign) do
  if type(e.from) ~= "string" or type(e.to) ~= "string" then
    bad_input(("entry %d needs \"from\" and \"to\" (an email or a user id)"):format(i))
  end
  if type(e.objects) ~= "table" or #e.objects == 0 then
    bad_input(("entry %d needs \"objects\", a list such as [\"Account\"]"):format(i))
  end
  for _, who in ipairs { e.from, e.to } do
    if who:match("^005%w+$") then ids[#ids + 1] = who else emails[#emails + 1] = who end
  end
end
local by = {}
if #emails > 0 then by[#by + 1] = { Email = emails } end
if #ids > 0 then by[#by + 1] = { Id = ids } end
local users = assert(org:fetch_all(soql.select { "Id", "Name", "Email", "IsActive" }:from("User")
  :where(#by == 1 and by[1] or { ["$or"] = by })))
local user = {}
for _, u in ipairs(users) do user[u.Email:lower()] = u; user[u.Id] = u end
local function find(who, role)
  local u = user[who:lower()] or user[who]
  if not u then bad_input(("no user %q (%s)"):format(who, role)) end
  if role == "to" and not u.IsActive then bad_input(("%s is inactive and cannot own records"):format(u.Name)) end
  return u
end

-- Work out every change before writing any.
local jobs = {}
for _, e in ipairs(plan.reassign) do
  local from, to = find(e.from, "from"), find(e.to, "to")
  for _, object in ipairs(e.objects) do
    local where = { OwnerId = from.Id }
    if e.open_only then where.IsClosed = false end
    local recs = assert(org:fetch_all(soql.select { "Id" }:from(object):where(where)))
    local changes = {}
    for i, r in ipairs(recs) do changes[i] = { Id = r.Id, OwnerId = to.Id } end
    jobs[#jobs + 1] = { object = object, from = from, to = to, changes = changes }
  end
end

if plan.reason then print(plan.reason) end
local failed, done = {}, 0
for _, job in ipairs(jobs) do
  local moved = #job.changes
  if not dry_run and moved > 0 then
    local results, err = org:update_many(job.object, job.changes)
    if not results then error(err) end
    for i, r in ipairs(results) do
      if not r.success then
        print(("  FAILED %s: %s %s"):format(job.changes[i].Id, r.errors[1].statusCode, r.errors[1].message))
        failed[#failed + 1] = errors.EXIT.API
      end
    end
    moved = moved - results.failed
  end
  done = done + moved
  print(("  %-12s %3d %s %s -> %s"):format(job.object, moved, dry_run and "would move" or "moved",
    job.from.Name, job.to.Name))
end
os.exit(errors.outcome_exit { done = done, failed = failed })
