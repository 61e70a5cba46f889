-- Nightly export of changed records to CSV, with a high-water mark: each run
-- writes the records of OBJECT changed since the last run to a CSV file, and
-- keeps the newest LastModifiedDate it exported in a state file, so the
-- next run asks only for what changed after it. The first run (no state
-- file) exports everything.
--
-- When: feeding a warehouse or another system every night without re-sending
-- everything.
-- Run:  luaforce run --instance local examples/recipes/export-changed.lua [OBJECT] [--out FILE.csv] [--state FILE]
--       (default: Account, OBJECT-changes.csv, OBJECT.hwm in the current directory)
-- The CSV and the state file are each replaced atomically, the state only
-- after the CSV is complete: a run that fails leaves both as they were, and
-- the next run exports the same changes again. Exits 0, or the error's code.
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local output = require "luaforce.output"

local object, out, state
local i = 1
while arg[i] do
  local a = arg[i]
  if a == "--out" then out = arg[i + 1]; i = i + 1
  elseif a == "--state" then state = arg[i + 1]; i = i + 1
  elseif not object and not a:match("^%-") then object = a
  else io.stderr:write("usage: export-changed.lua [OBJECT] [--out FILE.csv] [--state FILE]\n"); os.exit(2) end
  i = i + 1
end
object = object or "Account"
out = out or (object .. "-changes.csv")
state = state or (object .. ".hwm")

-- The high-water mark: one line, the LastModifiedDate of the newest record
-- the last run exported, as Salesforce wrote it (2025-06-16T09:30:00.000+0000).
local mark
local f = io.open(state, "r")
if f then
  mark = f:read("l")
  f:close()
end

local org = assert(sf.connect())
local q = soql.select { "Id", "Name", "LastModifiedDate" }:from(object):order_by("LastModifiedDate", "Id")
if mark then
  -- soql.datetime checks the text: a damaged state file is an INVALID_SOQL error (exit 2), never SOQL text
  q = q:where { LastModifiedDate = { ["$gt"] = soql.datetime(mark) } }
  print(("%s records changed after %s (from %s):"):format(object, mark, state))
else
  print(("%s records, all of them (no %s yet):"):format(object, state))
end

local w = assert(output.writer { format = "csv", path = out, columns = { "Id", "Name", "LastModifiedDate" } })
local newest = mark
local ok, err = pcall(function()
  for rec in org:records(q) do
    w:record(rec)
    newest = rec.LastModifiedDate     -- ordered by LastModifiedDate: the last one is the newest
  end
end)
if not ok then
  w:abort()                           -- the old CSV stays, the mark does not move
  error(err, 0)
end
assert(w:finish())

-- The new mark, written atomically (a temporary file renamed over the old one).
if newest ~= mark then
  local tmp = state .. ".tmp"
  local h = assert(io.open(tmp, "w"))
  h:write(newest, "\n")
  assert(h:close())
  assert(os.rename(tmp, state))
end
print(("exported %d %s to %s"):format(w.count, w.count == 1 and "record" or "records", out))
