-- Nightly export of changed records to CSV, with a high-water mark: each run
-- writes the records of OBJECT changed since the last run to a CSV file, and
-- keeps in a state file the newest SystemModstamp it exported (the mark) with
-- the ids it exported close to it, so the next run exports only what changed.
-- The first run (no state file) exports everything.
--
-- When: feeding a warehouse or another system every night without re-sending
-- everything.
-- Run:  luaforce run --instance local examples/recipes/export-changed.lua [OBJECT] [--out FILE.csv] [--state FILE] [--overlap MINUTES]
--       (default: Account, OBJECT-changes.csv, OBJECT.hwm in the current directory, 5 minutes)
-- A record is never missed and never exported twice, as Salesforce advises
-- for incremental exports: SystemModstamp moves on every change (system ones
-- too), and a change is stamped before it commits, so a record may show up
-- after a query with a stamp older than the mark that query gave. Each run
-- asks for SystemModstamp >= mark - MINUTES (the overlap; make it longer than
-- your org's longest transaction), and skips the records the state file
-- lists as exported with the same stamp (it keeps Id and SystemModstamp of
-- every record exported within the overlap before the mark).
-- The CSV and the state file are each replaced atomically, the state only
-- after the CSV is complete: a run that fails leaves both as they were, and
-- the next run exports the same changes again. Exits 0, 2 on bad arguments
-- or a damaged state file, or the error's code.
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local output = require "luaforce.output"

local function usage(problem)
  io.stderr:write("export-changed.lua: ", problem, "\n",
    "usage: export-changed.lua [OBJECT] [--out FILE.csv] [--state FILE] [--overlap MINUTES]\n")
  os.exit(2)
end

local object, out, state, overlap
local i = 1
while arg[i] do
  local a = arg[i]
  if a == "--out" or a == "--state" or a == "--overlap" then
    if not arg[i + 1] then usage(a .. " needs a value") end
    if a == "--out" then out = arg[i + 1] elseif a == "--state" then state = arg[i + 1] else overlap = arg[i + 1] end
    i = i + 1
  elseif not object and not a:match("^%-") then object = a
  else usage("unexpected argument " .. a) end
  i = i + 1
end
object = object or "Account"
out = out or (object .. "-changes.csv")
state = state or (object .. ".hwm")
local minutes = tonumber(overlap or "5")
if not minutes or minutes < 0 or minutes ~= minutes then
  usage("--overlap takes a number of minutes (0 or more), not " .. tostring(overlap))
end
local OVERLAP_MS = math.floor(minutes * 60000)

-- Milliseconds since 1970 of a Salesforce date-time (2025-06-16T09:30:00.000+0000),
-- or nil when the text is not one.
local function millis(text)
  local y, mo, d, h, mi, s, ms = (text or ""):match("^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)%.?(%d*)[Z+]0*$")
  if not y then return nil end
  y, mo = tonumber(y), tonumber(mo)
  if mo < 1 or mo > 12 or tonumber(d) < 1 or tonumber(d) > 31 or tonumber(h) > 23 or tonumber(mi) > 59
    or tonumber(s) > 60 or #ms > 3 then return nil end
  if mo <= 2 then y = y - 1 end                       -- days from the civil date, March-based years
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * (mo + (mo > 2 and -3 or 9)) + 2) // 5 + tonumber(d) - 1
  local days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
  return ((days * 24 + tonumber(h)) * 60 + tonumber(mi)) * 60000 + tonumber(s) * 1000
    + tonumber(((ms or "") .. "000"):sub(1, 3))
end

-- The state file: the mark on its first line, then one line "Id SystemModstamp"
-- per record exported within the overlap before it.
local mark, seen, kept = nil, {}, {}
local f = io.open(state, "r")
if f then
  mark = f:read("l")
  for line in f:lines() do
    local id, stamp = line:match("^(%w+) (%S+)$")
    if not (id and millis(stamp)) then mark = nil; break end
    seen[id .. " " .. stamp] = true
    kept[#kept + 1] = { id = id, stamp = stamp }
  end
  f:close()
  if not millis(mark) then
    io.stderr:write(("luaforce: %s is not a state file this recipe wrote: delete it to export every record again\n"):format(state))
    os.exit(2)
  end
end

local org = assert(sf.connect())
local q = soql.select { "Id", "Name", "SystemModstamp" }:from(object):order_by("SystemModstamp", "Id")
if mark then
  q = q:where { SystemModstamp = { ["$gte"] = soql.epoch((millis(mark) - OVERLAP_MS) / 1000) } }
  print(("%s records changed since %s minutes before %s (%s):"):format(object, minutes, mark, state))
else
  print(("%s records, all of them (no %s yet):"):format(object, state))
end

local w = assert(output.writer { format = "csv", path = out, columns = { "Id", "Name", "SystemModstamp" } })
local newest, skipped = mark, 0
local ok, err = pcall(function()
  for rec in org:records(q) do
    if seen[rec.Id .. " " .. rec.SystemModstamp] then
      skipped = skipped + 1             -- exported by an earlier run, unchanged since
    else
      w:record(rec)
      kept[#kept + 1] = { id = rec.Id, stamp = rec.SystemModstamp }
      if not newest or millis(rec.SystemModstamp) > millis(newest) then newest = rec.SystemModstamp end
    end
  end
end)
if not ok then
  w:abort()                           -- the old CSV stays, the mark does not move
  error(err, 0)
end
assert(w:finish())

-- The new state, written atomically (a temporary file renamed over the old one).
if newest then
  local floor = millis(newest) - OVERLAP_MS
  local tmp = state .. ".tmp"
  local h = assert(io.open(tmp, "w"))
  h:write(newest, "\n")
  for _, k in ipairs(kept) do
    if millis(k.stamp) >= floor then h:write(k.id, " ", k.stamp, "\n") end
  end
  assert(h:close())
  assert(os.rename(tmp, state))
end
print(("exported %d %s to %s%s"):format(w.count, w.count == 1 and "record" or "records", out,
  skipped > 0 and (", skipped %d already exported"):format(skipped) or ""))
