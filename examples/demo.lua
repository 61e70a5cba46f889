-- The main job: find open opportunities past their close date and report them.
--
-- Run it with ./scripts/demo (or: luaforce run examples/demo.lua [PAGE.json]).
-- This is the job's first form: it reads a Salesforce query page from a file.
-- As luaforce grows it will query the built-in local org instead, move the
-- deals to Closed Lost with a note, and map the results with a FEEL expression.
local json = require "luaforce.json"

local here = arg[0]:match("^(.*)/[^/]*$") or "."
local path = arg[1] or (here .. "/data/opportunities-page.json")

local f = assert(io.open(path, "rb"))
local text = f:read("a")
f:close()

local page, err = json.decode(text)
if not page then
  io.stderr:write("demo: ", path, ": ", tostring(err), "\n")
  os.exit(2)
end

local today = os.date("!%Y-%m-%d")
local overdue = {}
for _, r in ipairs(page.records) do
  if not r.IsClosed and r.CloseDate < today then overdue[#overdue + 1] = r end
end
table.sort(overdue, function(a, b) return a.CloseDate < b.CloseDate end)

-- A plain table; `Account.Name` flattened as the CLI will print it.
local function cell(v)
  if v == nil or v == json.null then return "" end
  if math.type(v) == "float" or math.type(v) == "integer" then return json.encode(v) end
  return tostring(v)
end

local function width(s)
  return utf8.len(s) or #s
end

local cols = { "Id", "Name", "Account.Name", "StageName", "CloseDate", "Amount" }
local rows = {}
for _, r in ipairs(overdue) do
  rows[#rows + 1] = {
    r.Id, r.Name, r.Account ~= json.null and r.Account.Name or "", r.StageName, r.CloseDate, cell(r.Amount),
  }
end
local w = {}
for i, c in ipairs(cols) do
  w[i] = width(c)
  for _, row in ipairs(rows) do w[i] = math.max(w[i], width(row[i])) end
end
local function line(row)
  local parts = {}
  for i, v in ipairs(row) do
    local pad = (" "):rep(w[i] - width(v))
    parts[i] = (i == #row) and (pad .. v) or (v .. pad)
  end
  print(table.concat(parts, "  "))
end
line(cols)
local rule = {}
for i in ipairs(cols) do rule[i] = ("-"):rep(w[i]) end
line(rule)
for _, row in ipairs(rows) do line(row) end

print()
print(("%d of %d opportunities are open and past their close date (today is %s)."):format(
  #overdue, #page.records, today))

-- Nothing this job reads and writes back may change: 18-digit currency values
-- included. Re-encode the whole page and compare byte for byte.
local again = json.encode(page)
local same = again == text:gsub("\n$", "")
print(("Round trip of %d bytes through luaforce.json: %s."):format(#text,
  same and "byte-identical, every number unchanged" or "CHANGED"))
if not same then os.exit(1) end
