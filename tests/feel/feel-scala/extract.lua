-- tests/feel/feel-scala/extract.lua: turns feel-scala's test assertions
-- into tests/feel/feel-scala/assertions.lua, the data the conformance spec
-- (tests/lua/feel/conformance_spec.lua) runs through luaforce.
--
--     lua5.4 tests/feel/feel-scala/extract.lua REPO [COMMIT] [--out FILE]
--
-- REPO is a feel-scala git repository (a bare one will do: the files are
-- read with `git -C REPO show COMMIT:path`); COMMIT defaults to the pinned
-- one below. It reads the test classes about the language and its builtins
-- (FILES), finds every assertion on an evaluation (`eval(..) should be(..)`,
-- `evaluateExpression(..) should returnResult(..)`, returnNull, failWith,
-- failToParse, reportFailure, unary tests, Table + forEvery rows expanded
-- one assertion per row), and writes each as a row: file, line, table row
-- line, area (the test class), expression, variables, kind, expected result
-- in canonical text (tests/feel/canonical.lua's form; `failure` for an
-- evaluation that fails, `syntax error` for one that does not parse,
-- `warning` when only a reported failure is asserted). What it cannot
-- convert exactly (Scala functions, beans, custom contexts, values
-- computed in Scala) it skips, and it prints the skipped ones with their
-- reasons. The rows are facts from the tests (expression, input, result,
-- file and line); no Scala is copied.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local V = dofile(here .. "values.lua")
local scala = V.scala

local M = {}

M.PINNED = "392c537deb81999b7e43740b658f5fed825a469a"
M.RELEASE = "1.22.0-SNAPSHOT (the 1.22.0 line; feel-engine 1.22.0 is what the connectors pin)"
M.OUT = here .. "assertions.lua"

local BASE = "src/test/scala/org/camunda/feel/"

-- The classes read. Left out: the API, value mapper, custom context and
-- function, script engine and bean tests (they test Scala and Java
-- interfaces, not FEEL), the performance tests (timings), ValComparatorTest
-- (Scala values compared in Scala) and the interruption test (threads).
M.FILES = {
  "impl/interpreter/InterpreterBooleanExpressionTest.scala",
  "impl/interpreter/InterpreterContextExpressionTest.scala",
  "impl/interpreter/InterpreterDateTimeExpressionTest.scala",
  "impl/interpreter/InterpreterExpressionTest.scala",
  "impl/interpreter/InterpreterFunctionTest.scala",
  "impl/interpreter/InterpreterListExpressionTest.scala",
  "impl/interpreter/InterpreterLiteralExpressionTest.scala",
  "impl/interpreter/InterpreterNonExistingVariableExpressionTest.scala",
  "impl/interpreter/InterpreterNumberExpressionTest.scala",
  "impl/interpreter/InterpreterStringExpressionTest.scala",
  "impl/interpreter/InterpreterUnaryTest.scala",
  "impl/interpreter/ComparisonTypeTest.scala",
  "impl/interpreter/DateTimeDurationPropertiesTest.scala",
  "impl/builtin/BuiltinContextFunctionsTest.scala",
  "impl/builtin/BuiltinConversionFunctionsTest.scala",
  "impl/builtin/BuiltinFunctionsTest.scala",
  "impl/builtin/BuiltinListFunctionsTest.scala",
  "impl/builtin/BuiltinNumberFunctionTest.scala",
  "impl/builtin/BuiltinRangeFunctionTest.scala",
  "impl/builtin/BuiltinStringFunctionsTest.scala",
  "impl/builtin/BuiltinTemporalFunctionsTest.scala",
  "impl/SuppressedFailuresTest.scala",
  "examples/SpecExampleTest.scala",
}

-- The evaluating calls: how each names its arguments, positionally.
local CALLS = {
  eval = { kind = "expression", params = { "expression", "variables", "functions" } },
  evaluateExpression = { kind = "expression", params = { "expression", "variables", "functions" } },
  evalWithContext = { kind = "expression", params = { "expression" }, spec_context = true },
  evalUnaryTests = { kind = "unary tests", params = { "inputValue", "expression", "variables" } },
  evaluateUnaryTests = { kind = "unary tests", params = { "expression", "inputValue", "variables", "functions" } },
}

local SHOULD = { should = true, shouldBe = true, shouldEqual = true }

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function git_show(repo, commit, path)
  local p = assert(io.popen(("git -C %s show %s 2>&1"):format(sh(repo), sh(commit .. ":" .. path))))
  local text = p:read("a")
  local ok = p:close()
  if not ok then return nil, text end
  return text
end

-- The walk -----------------------------------------------------------------------------

local Walk = {}
Walk.__index = Walk

function Walk:skip(line, why, n)
  self.skipped[#self.skipped + 1] = { file = self.file, line = line, why = why, asserts = n or 1, row = self.rowline }
end

local function is_eval_call(n)
  return n and n.t == "call" and n.fn.t == "id" and CALLS[n.fn.name] ~= nil
end

local function callee(n) return n.t == "call" and V.dotted(n.fn) end

-- `a[ValError]`: the evaluation fails; a check of another type says too little.
local function type_check(m)
  if V.dotted(m.fn) == "a" and (m.type == "ValError" or m.type == "ValFatalError") then return "failure" end
  V.cannot("a check of the result's type only (" .. tostring(m.type) .. ")")
end

-- The expected result a matcher asserts: text, plus whether a reported
-- failure is asserted.
function Walk:expected(op, m, env)
  if op == "shouldBe" or op == "shouldEqual" then
    if m.t == "tapp" then return type_check(m) end
    return V.text(V.eval(m, env))
  end
  local name = callee(m)
  if m.t == "infix" and m.op == "and" then
    local a, b = callee(m.l), callee(m.r)
    if b == "reportFailure" then return (self:expected("should", m.l, env)), true end
    V.cannot("a combined matcher " .. tostring(a) .. " and " .. tostring(b))
  end
  if name == "be" or name == "returnResult" or name == "equal" then
    local arg = m.args[1].e
    if arg.t == "tapp" then return type_check(arg) end
    local v = V.eval(arg, env)
    if type(v) == "table" and v.t == "failure" and v.msg and v.msg:find("failed to parse", 1, true) then
      return "syntax error"
    end
    return V.text(v)
  end
  if name == "returnNull" then return "null" end
  if name == "failToParse" then return "syntax error" end
  if name == "failWith" then
    local msg = V.eval(m.args[1].e, env)
    if type(msg) == "string" and msg:find("failed to parse", 1, true) then return "syntax error" end
    return "failure"
  end
  if name == "reportFailure" then return "warning" end
  V.cannot("the matcher " .. tostring(name or m.t))
end

function Walk:assertion(node, env)
  local c = node.l
  local spec = CALLS[c.fn.name]
  local args = {}
  for i, a in ipairs(c.args) do
    local key = a.name or spec.params[i]
    if not key then V.cannot("an extra argument") end
    if not ({ expression = 1, variables = 1, functions = 1, inputValue = 1 })[key] then
      V.cannot("an argument '" .. key .. "' (a context made in Scala)")
    end
    args[key] = a.e
  end
  if c.fn.name == "evaluateUnaryTests" and #c.args == 2 and not c.args[2].name then
    -- (expression, context) or (expression, input): the input it is, if a value
    args.inputValue = c.args[2].e
  end
  local functions
  if args.functions then
    functions = V.eval(args.functions, env)
    if type(functions) ~= "table" or functions.t ~= "map" then V.cannot("functions that are no Map") end
    for _, k in ipairs(functions.keys) do
      local f = functions.vals[k]
      if type(f) ~= "table" or f.t ~= "feel" then V.cannot("a function defined in Scala") end
    end
  end
  local expr = V.eval(args.expression, env)
  if type(expr) ~= "string" then V.cannot("an expression that is no text") end
  local row = { file = self.file, line = c.line, row = self.rowline, area = self.area, expression = expr,
    kind = spec.kind }
  if args.variables then
    local vars = V.eval(args.variables, env)
    if type(vars) ~= "table" or vars.t ~= "map" then V.cannot("variables that are no Map") end
    if #vars.keys > 0 then row.variables = V.text(vars) end
  end
  if functions and #functions.keys > 0 then
    -- FEEL functions the test hands in: variables holding them call the same
    local vars = row.variables and V.eval(args.variables, env) or { t = "map", keys = {}, vals = {} }
    for _, k in ipairs(functions.keys) do
      if vars.vals[k] == nil then vars.keys[#vars.keys + 1] = k end
      vars.vals[k] = functions.vals[k]
    end
    row.variables = V.text(vars)
  end
  if spec.spec_context then
    local ctx = rawget(self.top, "context")
    local n = ctx and ctx.thunk
    if not (n and n.t == "call" and V.dotted(n.fn) == "eval") then V.cannot("evalWithContext without its context") end
    row.context_expression = V.eval(n.args[1].e, env)
  end
  if spec.kind == "unary tests" then
    if not args.inputValue then V.cannot("unary tests without an input value") end
    row.input = V.text(V.eval(args.inputValue, env))
  end
  local expected, warns = self:expected(node.op, node.r, env)
  row.expected = expected
  row.warning = warns or nil
  if self.now then row.now = self.now end
  local rows = self.rows
  rows[#rows + 1] = row
end

function Walk:walk(node, env)
  if node == nil then return end
  local t = node.t
  if t == "block" then
    local inner = { parent = env }
    for _, s in ipairs(node.stmts) do
      if s.t == "val" then
        inner[s.name] = { thunk = s.e, env = inner }
        self:walk(s.e, inner)
      elseif s.t == "def" then
        inner[s.name] = { def = s }
      elseif s.t == "bad" then
        if s.asserts > 0 then self:skip(s.line, "unreadable Scala: " .. s.why, s.asserts) end
      else
        self:walk(s, inner)
      end
    end
  elseif t == "lambda" then
    self:walk(node.body, env)
  elseif t == "infix" then
    if (node.op == "in" and node.l.t == "infix" and node.l.l.t == "id" and node.l.l.name == "ignore")
      or node.op == "ignore" then
      -- `ignore should "..." in {..}` / `it should "..." ignore {..}`: a test
      -- Camunda switched off states what the engine does NOT do yet.
      local n = self:count_evals(node.r)
      if n > 0 then self:skip(node.line, "an ignored test (Camunda does not run it)", n) end
    elseif SHOULD[node.op] and is_eval_call(node.l) then
      local ok, err = pcall(self.assertion, self, node, env)
      if not ok then
        if type(err) == "table" and err.scala_value then self:skip(node.line, err.scala_value)
        else error(err, 0) end
      end
    elseif SHOULD[node.op] and node.l.t == "infix" and SHOULD[node.l.op] and is_eval_call(node.l.l) then
      self:skip(node.line, "a negated or combined matcher (" .. node.l.op .. " " .. tostring(V.dotted(node.l.r)) .. ")")
    elseif SHOULD[node.op] and node.l.t ~= "lit" and not (node.l.t == "id" and node.l.name == "it") then
      if self:mentions_eval(node.l) then self:skip(node.line, "an assertion on a value computed in Scala") end
    else
      self:walk(node.l, env)
      self:walk(node.r, env)
    end
  elseif t == "call" then
    local name = V.dotted(node.fn)
    if node.fn.t == "call" and V.dotted(node.fn.fn) == "forEvery" then
      -- forEvery(table) { (a, b) => ... }
      self:each(node, node.fn.args[1].e, env, "table", "a forEvery over something else than a Table")
    elseif node.fn.t == "sel" and node.fn.name == "foreach" then
      -- List(..).foreach { x => ... }
      self:each(node, node.fn.obj, env, "list", "a foreach over something else than a List")
    elseif name == "withClock" then
      local lam = node.args[1].e.stmts and node.args[1].e.stmts[1]
      if not (lam and lam.t == "lambda") then return self:skip(node.line, "withClock without a function", 0) end
      local saved = self.now
      self.clock = lam.params[1]
      self:walk(lam.body, { parent = env })
      self.now, self.clock = saved, nil
    elseif name and self.clock and name == self.clock .. ".currentTime" then
      local ok, v = pcall(V.eval, node.args[1].e, env)
      if ok and type(v) == "table" and v.t == "dt" then self.now = v.text
      else self.now = nil; self:skip(node.line, "a clock that cannot be reproduced", 0) end
    else
      self:walk(node.fn, env)
      for _, a in ipairs(node.args) do self:walk(a.e, env) end
    end
  elseif t == "tuple" then
    for _, e in ipairs(node.items) do self:walk(e, env) end
  end
end

-- Whether a tree holds an evaluating call (an assertion this walk misses).
function Walk:mentions_eval(n)
  if type(n) ~= "table" then return false end
  if is_eval_call(n) then return true end
  for k, v in pairs(n) do
    if k ~= "line" and type(v) == "table" and self:mentions_eval(v) then return true end
  end
  return false
end

-- How many evaluating calls a tree holds.
function Walk:count_evals(n)
  if type(n) ~= "table" then return 0 end
  local c = is_eval_call(n) and 1 or 0
  for k, v in pairs(n) do
    if k ~= "line" and type(v) == "table" then c = c + self:count_evals(v) end
  end
  return c
end

-- The body of `{ (a, b) => ... }` once per item of `source`, each
-- binding the parameters to the item's values (a Table row's tuple, a List
-- item) and citing the item's line. `what` names the loop when the source
-- is not what it should be.
function Walk:each(node, source, env, want, what)
  local ok, v = pcall(V.eval, source, env)
  local block = node.args[1].e
  local lam = block.t == "block" and block.stmts[1] or block
  if not ok or type(v) ~= "table" or v.t ~= want or lam.t ~= "lambda" then
    return self:skip(node.line, what, 1)
  end
  local saved = self.rowline
  local lines = source.args or {}
  for i, item in ipairs(v.rows or v.items) do
    local bound = { parent = env }
    local values = want == "table" and item.items or { item }
    for k, p in ipairs(lam.params) do
      if p ~= "_" then bound[p] = values[k] end
    end
    self.rowline = item.line or (lines[i] and lines[i].e.line) or node.line
    self:walk(lam.body, bound)
  end
  self.rowline = saved
end

--- The rows and skipped assertions of one test class source.
function M.extract_source(src, file)
  local class, why = scala.parse(src)
  if not class then return nil, why end
  local top = { }
  local w = setmetatable({ file = file, area = class.name:gsub("Test$", ""), rows = {}, skipped = {}, top = top }, Walk)
  -- the class body is a block whose vals every test sees
  for _, s in ipairs(class.body.stmts) do
    if s.t == "val" then top[s.name] = { thunk = s.e, env = top } end
  end
  w:walk(class.body, top)
  return w.rows, w.skipped
end

-- Writing ------------------------------------------------------------------------------

-- Characters a reader cannot see (controls, Unicode spaces, format
-- characters) are written as \u{XXXX}, so the whitespace rows read well.
local INVISIBLE = { { 0x80, 0xA0 }, { 0xAD, 0xAD }, { 0x1680, 0x1680 }, { 0x180E, 0x180E },
  { 0x2000, 0x200F }, { 0x2028, 0x202F }, { 0x205F, 0x206F }, { 0x3000, 0x3000 }, { 0xFEFF, 0xFEFF } }

local function invisible(cp)
  for _, r in ipairs(INVISIBLE) do if cp >= r[1] and cp <= r[2] then return true end end
  return false
end

local SHORT = { ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ['"'] = '\\"', ["\\"] = "\\\\" }

local function lstr(s)
  local out = {}
  if not utf8.len(s) then
    return '"' .. s:gsub('[^%w ]', function(c) return ("\\x%02X"):format(c:byte()) end) .. '"'
  end
  for _, cp in utf8.codes(s) do
    local c = utf8.char(cp)
    if SHORT[c] then out[#out + 1] = SHORT[c]
    elseif cp < 0x20 or cp == 0x7F or invisible(cp) then out[#out + 1] = ("\\u{%X}"):format(cp)
    else out[#out + 1] = c end
  end
  return '"' .. table.concat(out) .. '"'
end

local FIELDS = { "file", "line", "row", "area", "kind", "expression", "input", "variables",
  "context_expression", "now", "expected", "warning" }

--- The data file's text.
function M.format(rows, repo_commit)
  local out = {
    "-- tests/feel/feel-scala/assertions.lua: feel-scala's test assertions as data.",
    "-- Generated by tests/feel/feel-scala/extract.lua from feel-scala " .. repo_commit .. ";",
    "-- do not edit: rerun the extractor. Rows: file, line (of the assertion), row",
    "-- (the Table row's line, for table-driven tests), area (the test class), kind",
    "-- (expression or unary tests, with input: the input value), expression,",
    "-- variables (canonical JSON text, keys in order), context_expression (a FEEL",
    "-- context whose entries are the variables), now (the clock the test pins),",
    "-- expected (canonical text as tests/feel/canonical.lua writes values;",
    "-- `failure`, `syntax error`, or `warning`: any result with a reported failure),",
    "-- warning (a suppressed failure is asserted too).",
    "return {",
  }
  for _, r in ipairs(rows) do
    local parts = {}
    for _, f in ipairs(FIELDS) do
      local v = r[f]
      if v ~= nil then
        if type(v) == "string" then v = lstr(v) else v = tostring(v) end
        parts[#parts + 1] = f .. " = " .. v
      end
    end
    out[#out + 1] = "  { " .. table.concat(parts, ", ") .. " },"
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

--- Everything: rows, skipped, per-file problems.
function M.extract(repo, commit)
  local rows, skipped, problems = {}, {}, {}
  for _, f in ipairs(M.FILES) do
    local src, err = git_show(repo, commit, BASE .. f)
    if not src then
      problems[#problems + 1] = f .. ": " .. err
    else
      local name = f:match("[^/]+$")
      local r, s = M.extract_source(src, name)
      if not r then
        problems[#problems + 1] = name .. ": " .. s
      else
        for _, x in ipairs(r) do rows[#rows + 1] = x end
        for _, x in ipairs(s) do skipped[#skipped + 1] = x end
      end
    end
  end
  return rows, skipped, problems
end

--- The skipped report: counts by reason, then each.
function M.report(rows, skipped, problems)
  local out = {}
  local tables = 0
  for _, r in ipairs(rows) do if r.row then tables = tables + 1 end end
  out[#out + 1] = ("%d assertions: %d written as single rows, %d from table rows; %d skipped"):format(
    #rows + 0, #rows - tables, tables, (function() local n = 0 for _, s in ipairs(skipped) do n = n + s.asserts end return n end)())
  local by, order = {}, {}
  for _, s in ipairs(skipped) do
    local key = s.why:gsub(" [%w%.]+ of a value$", " of a value")
    if not by[key] then by[key] = {}; order[#order + 1] = key end
    table.insert(by[key], s)
  end
  table.sort(order, function(a, b) return #by[a] > #by[b] or (#by[a] == #by[b] and a < b) end)
  for _, key in ipairs(order) do
    local where = {}
    for _, s in ipairs(by[key]) do where[#where + 1] = s.file .. ":" .. s.line .. (s.row and ("[" .. s.row .. "]") or "") end
    out[#out + 1] = ("skipped %d: %s"):format(#by[key], key)
    out[#out + 1] = "    " .. table.concat(where, " ")
  end
  for _, p in ipairs(problems) do out[#out + 1] = "problem: " .. p end
  return table.concat(out, "\n")
end

local HELP = [[
usage: lua5.4 tests/feel/feel-scala/extract.lua REPO [COMMIT] [--out FILE]

Reads feel-scala's FEEL test classes from the git repository REPO at COMMIT
(default ]] .. M.PINNED .. [[)
and writes their assertions as data to FILE (default tests/feel/feel-scala/assertions.lua).
Prints the count of rows and the assertions it skipped, by reason.
]]

if arg and arg[0] and arg[0]:match("extract%.lua$") then
  local repo, commit, out
  local i = 1
  while arg[i] do
    local a = arg[i]
    if a == "--help" or a == "-h" then io.write(HELP); os.exit(0)
    elseif a == "--out" then out = arg[i + 1]; i = i + 1
    elseif not repo then repo = a
    elseif not commit then commit = a
    else io.stderr:write("extract.lua: unexpected argument ", a, " (see --help)\n"); os.exit(2) end
    i = i + 1
  end
  if not repo then io.stderr:write("extract.lua: name the feel-scala repository (see --help)\n"); os.exit(2) end
  commit = commit or M.PINNED
  local rows, skipped, problems = M.extract(repo, commit)
  if #rows == 0 then
    io.stderr:write("extract.lua: no assertions read from ", repo, " at ", commit, "\n", table.concat(problems, "\n"), "\n")
    os.exit(2)
  end
  local f = assert(io.open(out or M.OUT, "wb"))
  f:write(M.format(rows, commit))
  f:close()
  print(M.report(rows, skipped, problems))
end

return M
