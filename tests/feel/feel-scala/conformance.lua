-- tests/feel/feel-scala/conformance.lua: runs feel-scala's assertions
-- (assertions.lua, made by extract.lua) through luaforce's FEEL in-process
-- and compares, for tests/lua/feel/conformance_spec.lua and report.lua.
--
--     local conf = dofile("tests/feel/feel-scala/conformance.lua")
--     local rows = conf.load_rows()             -- each with a unique `id`
--     local results = conf.run(rows)            -- luaforce's result per row
--     local diffs = conf.load_differences()     -- the listed differences
--     local rep = conf.compare(rows, results, diffs)
--     print(conf.format(rep))
--
-- A row's id is `File.scala:LINE`, `File.scala:LINE[ROW]` for a Table row
-- (ROW: the row's line), and `#2`, `#3` ... after it when one line holds
-- several assertions. luaforce's result is canonical text
-- (tests/feel/canonical.lua), `failure` (the evaluation failed: a failed
-- assert, the budget), `syntax error`, or `crash: message` (an internal
-- error, which must never happen; listed, it compares as `crash` whatever
-- its message). A row expecting `warning` (only a
-- reported failure is asserted) is met by any result with a warning; a
-- row with `warning = true` also needs one (else the result reads
-- "... (no warning)"). Contexts compare in any order, as Scala's Maps do.
--
-- The differences file (tests/feel/feel-scala/differences) declares
-- reasons (`reason ID: text`, `deliberate ID: text`) and lists rows under
-- `== ID` headings, one `ROWID RESULT` per line. Every listed row must
-- still give exactly the recorded result, so the list stays true.
local json = require "luaforce.json"
local feel = require "luaforce.feel"
local values = require "luaforce.feel.kinds"
local number = require "luaforce.feel.number"
local temporal = require "luaforce.feel.temporal"
local range = require "luaforce.feel.range"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local canonical = dofile(here .. "../canonical.lua")

local M = {}

M.ROWS = here .. "assertions.lua"
M.DIFFERENCES = here .. "differences"
-- A row running longer than this is stopped and reported as a crash.
M.SECONDS = 20

--- The rows, each given its id.
function M.load_rows(path)
  local rows = dofile(path or M.ROWS)
  local seen = {}
  for _, r in ipairs(rows) do
    local id = r.file .. ":" .. r.line .. (r.row and ("[" .. r.row .. "]") or "")
    local n = (seen[id] or 0) + 1
    seen[id] = n
    r.id = n > 1 and (id .. "#" .. n) or id
  end
  return rows
end

-- Canonical text (JSON with tagged values) back into FEEL values -------------------

local decode_value

local function tagged(tag, v)
  if tag == "@range" then
    return range.new(v[2], v[3], v[1] == "[", v[4] == "]")
  end
  if tag == "@feel" then
    local c = assert(feel.compile(v))
    local raw
    feel.run(function(scope) raw = c.fn(scope) end, feel.scope(), { exact = true })
    return raw
  end
  return assert(temporal.literal(v))
end

-- A small reader of canonical text that keeps key order and exact numbers.
local function reader(s)
  local i = 1
  local function ws() i = s:find("[^ \t\r\n]", i) or #s + 1 end
  local value
  function value()
    ws()
    local c = s:sub(i, i)
    if c == "{" then
      i = i + 1
      local t, keys = {}, {}
      ws()
      if s:sub(i, i) == "}" then i = i + 1; return values.context(t, keys) end
      while true do
        ws()
        local k = value()
        ws(); assert(s:sub(i, i) == ":"); i = i + 1
        local v = value()
        if type(k) == "string" and k:sub(1, 1) == "@" and #keys == 0 and s:match("^%s*}", i) then
          i = s:find("}", i, true) + 1
          return tagged(k, v == values.NULL and nil or v)
        end
        if t[k] == nil then keys[#keys + 1] = k end
        t[k] = v
        ws()
        local d = s:sub(i, i); i = i + 1
        if d == "}" then return values.context(t, keys) end
        assert(d == ",", "a , or } expected in " .. s)
      end
    elseif c == "[" then
      i = i + 1
      local t = {}
      ws()
      if s:sub(i, i) == "]" then i = i + 1; return values.list(t) end
      while true do
        t[#t + 1] = value()
        ws()
        local d = s:sub(i, i); i = i + 1
        if d == "]" then return values.list(t) end
        assert(d == ",", "a , or ] expected in " .. s)
      end
    elseif c == '"' then
      local j = i + 1
      while true do
        local d = s:sub(j, j)
        if d == "\\" then j = j + 2 elseif d == '"' then break elseif d == "" then error("an unclosed string") else j = j + 1 end
      end
      local text = json.decode(s:sub(i, j))
      i = j + 1
      return text
    end
    local lit = s:match("^%-?[%d.]+", i) or s:match("^%a+", i)
    assert(lit, "cannot read " .. s:sub(i, i + 20))
    i = i + #lit
    if lit == "null" then return values.NULL end
    if lit == "true" then return true end
    if lit == "false" then return false end
    return number.literal(lit)
  end
  return value
end

--- A canonical text as a FEEL value (nil for null).
function M.decode(text)
  local v = reader(text)()
  if v == values.NULL then return nil end
  return v
end

-- Running ------------------------------------------------------------------------------

local OPTS = { exact = true, max_seconds = math.huge }

-- The row's context: its variables, or the FEEL context it names.
local function context_of(row)
  if row.context_expression then
    local c, err = feel.compile(row.context_expression)
    if not c then return nil, "syntax error" end
    local raw
    local _, _, failure = feel.run(function(scope) raw = c.fn(scope) end, feel.scope(), OPTS)
    if failure then return nil, "failure" end
    return raw
  end
  if row.variables then return M.decode(row.variables) end
  return nil
end

local function evaluate(row)
  local opts = OPTS
  if row.now then
    -- the pinned clock, in its zone when it names one
    opts = { exact = true, max_seconds = math.huge, now = row.now, zone = row.now:match("@(.+)$") }
  end
  local context, why = context_of(row)
  if why then return why end
  local raw, warnings, failure
  if row.kind == "unary tests" then
    if not feel.unary then return "no unary tests entry point (feel.unary)" end
    local input = M.decode(row.input)
    local v, w, f = feel.unary(row.expression, input, context, opts)
    if v == nil and type(w) == "table" and w.kind == "syntax" then return "syntax error" end
    raw, warnings, failure = v, w, f
  else
    local c, err = feel.compile(row.expression)
    if not c then
      if type(err) == "table" and err.kind == "syntax" then return "syntax error" end
      return "crash: compile returned " .. tostring(err)
    end
    warnings, failure = select(2, feel.run(function(scope) raw = c.fn(scope) end, feel.scope(context), opts))
  end
  if failure then return "failure" end
  local text = canonical.value(raw)
  if row.expected == "warning" then
    if #warnings > 0 then return "warning" end
    return text .. " (no warning)"
  end
  if row.warning and #warnings == 0 then return text .. " (no warning)" end
  return text
end

--- luaforce's result for one row (see the header), never raising.
function M.result(row)
  local co = coroutine.create(evaluate)
  local deadline, expired = os.clock() + M.SECONDS, false
  debug.sethook(co, function()
    if os.clock() > deadline then expired = true; error("stopped after " .. M.SECONDS .. " s", 0) end
  end, "", 100000)
  local ok, text = coroutine.resume(co, row)
  if expired then return "crash: did not finish within " .. M.SECONDS .. " s" end
  if not ok then return "crash: " .. tostring(text):gsub("\n.*", "") end
  return text
end

function M.run(rows)
  local out = {}
  for i, r in ipairs(rows) do out[i] = M.result(r) end
  return out
end

-- Comparing ----------------------------------------------------------------------------

-- The text with every context's keys sorted (Scala's Map equality).
local function sorted(text)
  local ok, v = pcall(M.decode, text)
  if not ok then return text end
  local function canon(x)
    local k = values.kind(x)
    if k == "context" then
      local keys = values.keys(x)
      local copy = {}
      for n, key in ipairs(keys) do copy[n] = key end
      table.sort(copy)
      local parts = {}
      for n, key in ipairs(copy) do parts[n] = canonical.string(key) .. ":" .. canon(x[key]) end
      return "{" .. table.concat(parts, ",") .. "}"
    elseif k == "list" then
      local parts = {}
      for n = 1, #x do parts[n] = canon(x[n]) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    return canonical.value(x)
  end
  return canon(v)
end

--- True when luaforce's result meets the row's expectation.
function M.agrees(row, result)
  if result == row.expected then return true end
  if result:sub(1, 1) ~= "{" and result:sub(1, 1) ~= "[" then return false end
  return sorted(result) == sorted(row.expected)
end

--- The differences file: entries {id, result, reason, line}, reasons by id
-- ({text, deliberate}), and the reasons in file order.
function M.load_differences(path)
  path = path or M.DIFFERENCES
  local f = io.open(path, "rb")
  local entries, reasons, order = {}, {}, {}
  if not f then return entries, reasons, order end
  local text = f:read("a")
  f:close()
  local current, n = nil, 0
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    n = n + 1
    if line:match("^%s*$") or line:match("^#") then
      -- nothing
    else
      local kind, id, rtext = line:match("^(reason) ([%w%-]+):%s*(.-)%s*$")
      if not kind then kind, id, rtext = line:match("^(deliberate) ([%w%-]+):%s*(.-)%s*$") end
      if kind then
        if reasons[id] then error(("%s:%d: reason %s declared twice"):format(path, n, id), 0) end
        reasons[id] = { text = rtext, deliberate = kind == "deliberate" }
        order[#order + 1] = id
      elseif line:match("^== ") then
        current = line:match("^== ([%w%-]+)%s*$")
        if not current then error(("%s:%d: cannot read %q"):format(path, n, line), 0) end
      else
        local rid, result = line:match("^(%S+) (.*)$")
        if not rid or not current then error(("%s:%d: cannot read %q"):format(path, n, line), 0) end
        entries[#entries + 1] = { id = rid, result = result, reason = current, line = n }
      end
    end
  end
  for _, e in ipairs(entries) do
    if not reasons[e.reason] then error(("%s:%d: the reason %s is not declared"):format(path, e.line, e.reason), 0) end
  end
  return entries, reasons, order
end

-- Code points a reader cannot see (Unicode spaces, format characters).
local function invisible(cp)
  return (cp >= 0x80 and cp <= 0xA0) or cp == 0xAD or cp == 0x1680 or cp == 0x180E
    or (cp >= 0x2000 and cp <= 0x200F) or (cp >= 0x2028 and cp <= 0x202F)
    or (cp >= 0x205F and cp <= 0x206F) or cp == 0x3000 or cp == 0xFEFF
end

-- A result on one line, as the differences file holds it: newlines as \n,
-- invisible characters as \u{XXXX}.
local function oneline(s)
  s = s:gsub("\n", "\\n")
  if not utf8.len(s) then return s end
  return (s:gsub(utf8.charpattern, function(c)
    local cp = utf8.codepoint(c)
    if invisible(cp) then return ("\\u{%X}"):format(cp) end
  end))
end
M.oneline = oneline

--- Compares. Returns {areas = {name = {agree, total, listed}}, area_order,
-- unexpected = {row, result}, stale = {entry, row?, result?, problem},
-- misses = {row, result, entry?}}.
function M.compare(rows, results, entries)
  local listed = {}
  for _, e in ipairs(entries) do
    if listed[e.id] then error("the differences list " .. e.id .. " twice", 0) end
    listed[e.id] = e
  end
  local rep = { areas = {}, area_order = {}, unexpected = {}, stale = {}, misses = {} }
  local used = {}
  for i, r in ipairs(rows) do
    local a = rep.areas[r.area]
    if not a then
      a = { agree = 0, total = 0, listed = 0 }
      rep.areas[r.area] = a
      rep.area_order[#rep.area_order + 1] = r.area
    end
    a.total = a.total + 1
    local res = results[i]
    local e = listed[r.id]
    local ok = M.agrees(r, res) and not res:match("^crash")
    if ok then a.agree = a.agree + 1 else rep.misses[#rep.misses + 1] = { row = r, result = res, entry = e } end
    if e then
      used[r.id] = true
      if ok then
        rep.stale[#rep.stale + 1] = { entry = e, row = r, result = res, problem = "luaforce agrees now" }
      elseif e.result ~= oneline(res) and not (e.result:match("^crash") and res:match("^crash")) then
        rep.stale[#rep.stale + 1] = { entry = e, row = r, result = res, problem = "luaforce's result changed" }
      else
        a.listed = a.listed + 1
      end
    elseif not ok then
      rep.unexpected[#rep.unexpected + 1] = { row = r, result = res }
    end
  end
  for _, e in ipairs(entries) do
    if not used[e.id] then rep.stale[#rep.stale + 1] = { entry = e, problem = "no such row" } end
  end
  return rep
end

local clip = dofile(here .. "../markdown.lua").clip

--- Agreement per area, one line each, and the total.
function M.counts(rep)
  local out, agree, total = {}, 0, 0
  for _, name in ipairs(rep.area_order) do
    local a = rep.areas[name]
    out[#out + 1] = ("%s: %d of %d"):format(name, a.agree, a.total)
    agree, total = agree + a.agree, total + a.total
  end
  out[#out + 1] = ("all: %d of %d"):format(agree, total)
  return table.concat(out, "\n")
end

--- The unexpected disagreements and stale entries as text ("" when none).
function M.format(rep)
  local out = {}
  if #rep.unexpected > 0 then
    out[#out + 1] = ("%d row(s) disagree and are not in tests/feel/feel-scala/differences:"):format(#rep.unexpected)
    for _, d in ipairs(rep.unexpected) do
      out[#out + 1] = ("  %s  %s%s\n      expected %s\n      luaforce %s"):format(d.row.id, clip(d.row.expression, 70),
        d.row.input and ("  (input " .. clip(d.row.input, 30) .. ")") or "", clip(d.row.expected, 90), clip(d.result, 90))
    end
  end
  if #rep.stale > 0 then
    out[#out + 1] = ("%d entr%s of tests/feel/feel-scala/differences no longer hold:"):format(#rep.stale,
      #rep.stale == 1 and "y" or "ies")
    for _, s in ipairs(rep.stale) do
      out[#out + 1] = ("  line %d: %s: %s%s"):format(s.entry.line, s.entry.id, s.problem,
        s.result and ("; listed " .. clip(s.entry.result, 60) .. ", now " .. clip(s.result, 60)) or "")
    end
  end
  return table.concat(out, "\n")
end

return M
