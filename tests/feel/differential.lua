-- tests/feel/differential.lua: luaforce's FEEL next to feelin's, case by case.
--
-- Used by tests/e2e/feel_differential_spec.lua, and runnable on its own to
-- see where the engines part (from the repository root, after scripts/peers):
--
--     lua5.4 tests/feel/differential.lua            the disagreements not listed
--     lua5.4 tests/feel/differential.lua --draft    the same as entries for
--                                                   tests/feel/known-differences
--     lua5.4 tests/feel/differential.lua --docs     the docs/feel.md tables
--     lua5.4 tests/feel/differential.lua --write    the same, written into docs/feel.md
--
-- Cases (tests/feel/cases.lua) are FEEL texts with an optional JSON context;
-- both engines' results become canonical JSON text (tests/feel/canonical.lua,
-- tests/feel/feelin_eval.js) and compare as strings. An evaluation that
-- fails (a syntax error, a failed assert, an exception in feelin) compares
-- as the word "error", whatever its message.
--
-- tests/feel/known-differences lists the disagreements that are meant:
-- blocks separated by blank lines,
--     expr:     0.1 + 0.2
--     luaforce: 0.3
--     feelin:   0.30000000000000004
--     why:      doubles
-- where `why` names a reason declared in the same file (`reason NAME: text`)
-- or gives the reason itself. A listed case must still give exactly the
-- recorded results on both sides, so the list stays true.
if arg and arg[0] and arg[0]:match("differential%.lua$") then
  -- run as a script from the repository root: the source tree's modules
  package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
  package.cpath = "build/lib/?.so;" .. package.cpath
end
local json = require "luaforce.json"
local feel = require "luaforce.feel"
require "luaforce.connector" -- the connector's functions, as `luaforce eval` has them

local function here(name)
  return "tests/feel/" .. name
end

local canonical = dofile(here("canonical.lua"))
local markdown = dofile(here("markdown.lua"))

local M = {}

M.CASES = here("cases.lua")
M.KNOWN = here("known-differences")
M.DOCS = "docs/feel.md"
M.BEGIN = "<!-- feelin tables: lua5.4 tests/feel/differential.lua --write -->"
M.END = "<!-- end of feelin tables -->"

local function read(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local s = f:read("a")
  f:close()
  return s
end

--- The cases as a flat list of {expr, context (JSON text or nil), group}.
-- Raises when two cases share a text: the known differences are keyed by it.
function M.load_cases(path)
  local groups = dofile(path or M.CASES)
  local out, seen = {}, {}
  for _, g in ipairs(groups) do
    for _, c in ipairs(g) do
      local expr, ctx = c, g.context
      if type(c) == "table" then expr, ctx = c[1], c.context or ctx end
      assert(type(expr) == "string", "a case without text in group " .. tostring(g.group))
      if seen[expr] then error(("the case %q appears twice (groups %s and %s)"):format(expr, seen[expr], g.group), 0) end
      seen[expr] = g.group
      out[#out + 1] = { expr = expr, context = ctx, group = g.group }
    end
  end
  return out
end

--- The decoded context of a case (nil for none).
function M.context(case)
  if not case.context then return nil end
  return assert(json.decode(case.context))
end

--- luaforce's result for a case: canonical text, or "error: message".
-- An exception out of the engine (which must never happen) is kept apart:
-- "crash: message" equals nothing.
-- A case that runs longer than this is stopped (by a debug hook, so a
-- runaway expression cannot hang the test) and reported as a crash.
M.SECONDS = 5

function M.luaforce(case)
  local context = M.context(case)
  local co = coroutine.create(function()
    local compiled, err = feel.compile(case.expr)
    if not compiled then return "error: " .. err.reason end
    -- through feel.run, as compiled:eval goes, but keeping the value as
    -- the engine holds it: the Lua form turns dates and ranges into text
    local raw
    local _, _, failure = feel.run(function(scope)
      raw = compiled.fn(scope)
    end, feel.scope(context), { exact = true })
    if failure then return "error: " .. tostring(failure.message) end
    return canonical.value(raw)
  end)
  local deadline, expired = os.clock() + M.SECONDS, false
  debug.sethook(co, function()
    -- keeps raising once late: the engine's own pcall may catch one
    if os.clock() > deadline then expired = true; error("stopped after " .. M.SECONDS .. " s", 0) end
  end, "", 100000)
  local ok, text = coroutine.resume(co)
  if expired then return "crash: did not finish within " .. M.SECONDS .. " s" end
  if not ok then return "crash: " .. tostring(text) end
  return text
end

--- The node_modules folder scripts/peers installs into (nil, why when it
-- cannot: no Node.js 20+, no npm, no network for the first install).
function M.peers()
  local p = io.popen("scripts/peers 2>&1")
  local out = p:read("a")
  local ok = p:close()
  if not ok then return nil, out end
  return out:match("([^\n]*node_modules)\n?$") or out:match("([^\n]+)\n?$")
end

local function quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

--- feelin's results for all cases in one node process: a list of
-- canonical texts or "error: message", in the cases' order.
function M.feelin(cases, modules)
  local parts = {}
  for i, c in ipairs(cases) do
    parts[i] = '{"expr":' .. canonical.string(c.expr) .. ',"context":' .. (c.context or "null") .. "}"
  end
  local input = os.tmpname()
  local f = assert(io.open(input, "wb"))
  f:write("[", table.concat(parts, ","), "]")
  f:close()
  local p = io.popen(("NODE_PATH=%s node %s < %s 2>&1"):format(quote(modules), here("feelin_eval.js"), quote(input)))
  local out = p:read("a")
  local ok = p:close()
  os.remove(input)
  if not ok then error("feelin_eval.js failed: " .. out, 0) end
  local res = assert(json.decode(out))
  assert(#res == #cases, "feelin_eval.js answered " .. #res .. " of " .. #cases .. " cases")
  local texts = {}
  for i, r in ipairs(res) do
    if r.error ~= nil then texts[i] = "error: " .. tostring(r.error)
    else texts[i] = r.value end
  end
  return texts
end

--- What a result compares as: "error" for any failure, else the text.
function M.key(text)
  if text:match("^error") then return "error" end
  return text
end

--- The known differences: list of {expr, luaforce, feelin, why, reason,
-- line}, and the reasons by name.
function M.load_known(path)
  path = path or M.KNOWN
  local text = assert(read(path))
  local reasons, entries = {}, {}
  local cur
  local lineno = 0
  local function finish()
    if cur then
      for _, f in ipairs { "expr", "luaforce", "feelin", "why" } do
        if not cur[f] then error(("%s:%d: the entry lacks '%s:'"):format(path, cur.line, f), 0) end
      end
      entries[#entries + 1] = cur
      cur = nil
    end
  end
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    lineno = lineno + 1
    if line:match("^%s*$") then
      finish()
    elseif not line:match("^#") then
      local name, rtext = line:match("^reason ([%w_%-]+):%s*(.-)%s*$")
      if name then
        reasons[name] = rtext
      else
        local field, value = line:match("^(%a+):%s?%s*(.-)%s*$")
        if not field or not ({ expr = 1, luaforce = 1, feelin = 1, why = 1 })[field] then
          error(("%s:%d: cannot read %q"):format(path, lineno, line), 0)
        end
        cur = cur or { line = lineno }
        if cur[field] then error(("%s:%d: a second '%s:' in one entry"):format(path, lineno, field), 0) end
        cur[field] = value
      end
    end
  end
  finish()
  for _, e in ipairs(entries) do e.reason = reasons[e.why] or e.why end
  return entries, reasons
end

--- Compares. Returns a report:
--   unexpected  {case, luaforce, feelin} that differ and are not listed
--   stale       {entry, case?, luaforce, feelin, problem} listed entries
--               that no longer hold (agree now, changed, or no such case)
--   agreed, listed  counts
function M.compare(cases, lf, fe, known)
  local by_expr = {}
  for _, e in ipairs(known) do
    if by_expr[e.expr] then error("known-differences lists " .. e.expr .. " twice", 0) end
    by_expr[e.expr] = e
  end
  local report = { unexpected = {}, stale = {}, agreed = 0, listed = 0 }
  local used = {}
  for i, c in ipairs(cases) do
    local a, b = lf[i], fe[i]
    local e = by_expr[c.expr]
    local differ = M.key(a) ~= M.key(b) or a:match("^crash")
    if e then
      used[c.expr] = true
      local problem
      if not differ then problem = "the engines agree now"
      elseif M.key(e.luaforce) ~= M.key(a) then problem = "luaforce's result changed"
      elseif M.key(e.feelin) ~= M.key(b) then problem = "feelin's result changed"
      end
      if problem then
        report.stale[#report.stale + 1] = { entry = e, case = c, luaforce = a, feelin = b, problem = problem }
      else
        report.listed = report.listed + 1
      end
    elseif differ then
      report.unexpected[#report.unexpected + 1] = { case = c, luaforce = a, feelin = b }
    else
      report.agreed = report.agreed + 1
    end
  end
  for _, e in ipairs(known) do
    if not used[e.expr] then
      report.stale[#report.stale + 1] = { entry = e, problem = "no case has this expression" }
    end
  end
  return report
end

local clip = markdown.clip

--- The report as text: a table of unexpected disagreements, then the stale
-- entries of the list.
function M.format(report)
  local out = {}
  local function add(s) out[#out + 1] = s end
  if #report.unexpected > 0 then
    add(("%d disagreement(s) not in tests/feel/known-differences:"):format(#report.unexpected))
    add(("%-12s | %-50s | %-44s | %s"):format("group", "expression", "luaforce", "feelin"))
    add(("-"):rep(12) .. "-+-" .. ("-"):rep(50) .. "-+-" .. ("-"):rep(44) .. "-+-" .. ("-"):rep(44))
    for _, d in ipairs(report.unexpected) do
      add(("%-12s | %-50s | %-44s | %s"):format(clip(d.case.group, 12), clip(d.case.expr, 50),
        clip(d.luaforce, 44), clip(d.feelin, 60)))
    end
  end
  if #report.stale > 0 then
    if #out > 0 then add("") end
    add(("%d entr%s of tests/feel/known-differences no longer hold%s:"):format(#report.stale,
      #report.stale == 1 and "y" or "ies", #report.stale == 1 and "s" or ""))
    for _, s in ipairs(report.stale) do
      add(("  line %d: %s: %s"):format(s.entry.line, s.entry.expr, s.problem))
      if s.case then
        add(("      luaforce now %s (listed %s)"):format(clip(s.luaforce, 60), clip(s.entry.luaforce, 60)))
        add(("      feelin   now %s (listed %s)"):format(clip(s.feelin, 60), clip(s.entry.feelin, 60)))
      end
    end
  end
  return table.concat(out, "\n")
end

--- Entries for the known-differences file, for the unexpected ones (to
-- review and give a reason: never paste without checking who is right).
function M.draft(report)
  local out = {}
  for _, d in ipairs(report.unexpected) do
    out[#out + 1] = ("expr: %s\nluaforce: %s\nfeelin: %s\nwhy: ?\n"):format(d.case.expr,
      d.luaforce:gsub("\n", " "), d.feelin:gsub("\n", " "))
  end
  return table.concat(out, "\n")
end

local cell, code = markdown.cell, markdown.code

--- The "Known differences" table of docs/feel.md, from the list: one
-- table per reason, in the order the list first uses them.
function M.docs(known, reasons)
  local order, rows = {}, {}
  for _, e in ipairs(known) do
    if not rows[e.why] then
      order[#order + 1] = e.why
      rows[e.why] = {}
    end
    local r = rows[e.why]
    r[#r + 1] = ("| %s | %s | %s |"):format(code(e.expr), code(e.luaforce), code(e.feelin))
  end
  local out = {}
  for _, why in ipairs(order) do
    out[#out + 1] = ("**%s** %s"):format(why, cell(reasons[why] or why))
    out[#out + 1] = ""
    out[#out + 1] = "| expression | luaforce | feelin |"
    out[#out + 1] = "|---|---|---|"
    for _, r in ipairs(rows[why]) do out[#out + 1] = r end
    out[#out + 1] = ""
  end
  return table.concat(out, "\n")
end

--- Everything at once: cases, both engines, the list, the report.
function M.run(modules)
  local cases = M.load_cases()
  local lf = {}
  for i, c in ipairs(cases) do lf[i] = M.luaforce(c) end
  local fe = M.feelin(cases, modules)
  local known = M.load_known()
  return M.compare(cases, lf, fe, known), cases, lf, fe
end

-- Run as a script (not when loaded by the spec or another module).
if arg and arg[0] and arg[0]:match("differential%.lua$") then
  if arg[1] == "--docs" or arg[1] == "--write" then
    local known, reasons = M.load_known()
    if arg[1] == "--docs" then
      io.write(M.docs(known, reasons))
      return M
    end
    local ok, why = markdown.write_between(M.DOCS, M.BEGIN, M.END, M.docs(known, reasons))
    if not ok then
      io.stderr:write("differential.lua: ", why, "\n")
      os.exit(1)
    end
    print("wrote the tables of " .. M.DOCS)
    return M
  end
  local modules = assert(M.peers())
  local report, cases = M.run(modules)
  if arg[1] == "--draft" then
    io.write(M.draft(report))
  else
    io.write(M.format(report), "\n")
    io.write(("%d cases: %d agree, %d listed, %d unexpected, %d stale entries\n"):format(#cases,
      report.agreed, report.listed, #report.unexpected, #report.stale))
  end
end

return M
