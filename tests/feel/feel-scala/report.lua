-- tests/feel/feel-scala/report.lua: where luaforce's FEEL stands against
-- feel-scala's own tests (run from the repository root, after a build):
--
--     lua5.4 tests/feel/feel-scala/report.lua           agreement per area, then
--                                                       the misses by reason
--     lua5.4 tests/feel/feel-scala/report.lua --write   rewrites the differences
--                                                       file from today's misses, and
--                                                       the tables in docs/feel.md
--     lua5.4 tests/feel/feel-scala/report.lua --docs    the docs/feel.md tables
--
-- --write keeps the reason of every row already listed, files new misses
-- under `unclassified` (give them a reason: a bug is fixed, only a
-- deliberate difference stays), and drops rows that agree now; the reason
-- declarations and comments at the top stay as they are.
if arg and arg[0] and arg[0]:match("report%.lua$") then
  package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
  package.cpath = "build/lib/?.so;" .. package.cpath
end
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local conf = dofile(here .. "conformance.lua")

local M = {}

M.DOCS = "docs/feel.md"
M.BEGIN = "<!-- conformance tables: lua5.4 tests/feel/feel-scala/report.lua --write -->"
M.END = "<!-- end of conformance tables -->"

local function read(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

--- Misses grouped by the reason listed for them ("unclassified" for none),
-- in the order of the reasons' declarations.
function M.by_reason(rep, order)
  local groups, seen = {}, {}
  for _, m in ipairs(rep.misses) do
    local reason = m.entry and m.entry.reason or "unclassified"
    groups[reason] = groups[reason] or {}
    table.insert(groups[reason], m)
  end
  local names = {}
  for _, id in ipairs(order) do
    if groups[id] then names[#names + 1] = id; seen[id] = true end
  end
  local rest = {}
  for id in pairs(groups) do if not seen[id] and id ~= "unclassified" then rest[#rest + 1] = id end end
  table.sort(rest)
  for _, id in ipairs(rest) do names[#names + 1] = id end
  if groups.unclassified and not seen.unclassified then names[#names + 1] = "unclassified" end
  return names, groups
end

--- The differences file's new text: its head (everything before the first
-- `== ` heading) kept, then one section per reason.
function M.rewrite(text, rep, order)
  local head = text:match("^(.-)\n== ") or text
  head = head:gsub("%s*$", "")
  if not head:find("reason unclassified:", 1, true) then
    head = head .. "\nreason unclassified: a new difference nobody has looked at yet (give it a reason)"
  end
  local names, groups = M.by_reason(rep, order)
  local out = { head, "" }
  for _, id in ipairs(names) do
    out[#out + 1] = "== " .. id
    for _, m in ipairs(groups[id]) do
      out[#out + 1] = m.row.id .. " " .. conf.oneline(m.result)
    end
    out[#out + 1] = ""
  end
  return table.concat(out, "\n")
end

local markdown = dofile(here .. "../markdown.lua")
local cell, code = markdown.cell, markdown.code

--- docs/feel.md's tables: agreement per area, and the deliberate
-- differences with their rows.
function M.docs(rep, reasons, order)
  local out = { "| area | agree | of | listed differences |", "|---|---:|---:|---:|" }
  local agree, total, listed = 0, 0, 0
  for _, name in ipairs(rep.area_order) do
    local a = rep.areas[name]
    out[#out + 1] = ("| %s | %d | %d | %d |"):format(name, a.agree, a.total, a.total - a.agree)
    agree, total, listed = agree + a.agree, total + a.total, listed + (a.total - a.agree)
  end
  out[#out + 1] = ("| **all** | **%d** | **%d** | **%d** |"):format(agree, total, listed)
  out[#out + 1] = ""
  local names, groups = M.by_reason(rep, order)
  out[#out + 1] = "| reason | rows | deliberate |"
  out[#out + 1] = "|---|---:|---|"
  for _, id in ipairs(names) do
    local r = reasons[id]
    out[#out + 1] = ("| %s | %d | %s |"):format(code(id), #groups[id], r and r.deliberate and "yes" or "no, to fix")
  end
  out[#out + 1] = ""
  for _, id in ipairs(names) do
    local r = reasons[id]
    if r and r.deliberate then
      out[#out + 1] = ("**%s** %s"):format(id, cell(r.text))
      out[#out + 1] = ""
      out[#out + 1] = "| row | expression | feel-scala | luaforce |"
      out[#out + 1] = "|---|---|---|---|"
      for _, m in ipairs(groups[id]) do
        out[#out + 1] = ("| %s | %s | %s | %s |"):format(m.row.id, code(m.row.expression), code(m.row.expected), code(m.result))
      end
      out[#out + 1] = ""
    end
  end
  return table.concat(out, "\n")
end

--- The default report: counts per area, then the misses by reason.
function M.text(rep, reasons, order)
  local out = { conf.counts(rep), "" }
  local names, groups = M.by_reason(rep, order)
  for _, id in ipairs(names) do
    local r = reasons[id]
    out[#out + 1] = ("%s (%d)%s: %s"):format(id, #groups[id], r and r.deliberate and ", deliberate" or "",
      r and r.text or "not in the differences file")
    for _, m in ipairs(groups[id]) do
      out[#out + 1] = ("  %s  %s  expected %s  luaforce %s"):format(m.row.id, conf.oneline(m.row.expression),
        m.row.expected, conf.oneline(m.result))
    end
  end
  local stale = conf.format({ unexpected = {}, stale = rep.stale })
  if stale ~= "" then out[#out + 1] = ""; out[#out + 1] = stale end
  return table.concat(out, "\n")
end

--- Everything at once: rows, results, the listed differences, the comparison.
function M.run()
  local rows = conf.load_rows()
  local results = conf.run(rows)
  local entries, reasons, order = conf.load_differences()
  local rep = conf.compare(rows, results, entries)
  rep.rows, rep.results = rows, results
  return rep, reasons, order
end

local HELP = [[
usage: lua5.4 tests/feel/feel-scala/report.lua [--write | --docs]

Runs feel-scala's assertions (tests/feel/feel-scala/assertions.lua) through
luaforce's FEEL and prints the agreement per area and the rows that differ,
by reason. --write rewrites tests/feel/feel-scala/differences from today's
results (listed rows keep their reason, new ones are `unclassified`) and
the tables in docs/feel.md's "Conformance" section; --docs prints those tables.
Run from the repository root after a build.
]]

if arg and arg[0] and arg[0]:match("report%.lua$") then
  local mode = arg[1]
  if mode == "--help" or mode == "-h" then io.write(HELP); os.exit(0) end
  if mode and mode ~= "--write" and mode ~= "--docs" then
    io.stderr:write("report.lua: unknown option ", mode, " (see --help)\n")
    os.exit(2)
  end
  local rep, reasons, order = M.run()
  if mode == "--write" then
    local text = M.rewrite(read(conf.DIFFERENCES), rep, order)
    local f = assert(io.open(conf.DIFFERENCES, "wb"))
    f:write(text)
    f:close()
    -- the docs' tables from the list just written
    local entries
    entries, reasons, order = conf.load_differences()
    rep = conf.compare(rep.rows, rep.results, entries)
    local ok, why = markdown.write_between(M.DOCS, M.BEGIN, M.END, M.docs(rep, reasons, order))
    if not ok then
      io.stderr:write("report.lua: ", why, "\n")
      os.exit(1)
    end
    print(conf.counts(rep))
    print(("wrote %s (%d rows) and the tables of %s"):format(conf.DIFFERENCES, #rep.misses, M.DOCS))
  elseif mode == "--docs" then
    print(M.docs(rep, reasons, order))
  else
    print(M.text(rep, reasons, order))
  end
end

return M
