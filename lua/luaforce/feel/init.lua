--- luaforce.feel: FEEL expressions as Camunda 8 evaluates them.
--
--     local feel = require "luaforce.feel"
--     local expr = assert(feel.compile("for r in records return r.Name"))
--     local names, warnings = expr:eval { records = page.records }
--     feel.eval("0.1 + 0.2 = 0.3")                     --> true, {}
--
-- `feel.compile(text)` returns a compiled expression, or `nil, err` for a
-- syntax error: a luaforce error (code FEEL_SYNTAX, exit 2) with `kind =
-- "syntax"`, `line`, `column`, `offset` (bytes, 1-based), `reason` and
-- `excerpt` (the line and a caret under the offending character); its
-- message reads "syntax error at line 1, column 5: ...". A leading `=`
-- (as connector templates write expressions) is accepted.
--
-- `compiled:eval(context[, opts])` returns `value, warnings`. The context is
-- a table (a decoded JSON object, or a Lua table with string keys) read in
-- place; the value converts back to Lua (see luaforce.feel.kinds and
-- luaforce.feel.number.tolua; `opts.exact = true` keeps every non-integer
-- number a luaforce.decimal). `warnings` lists `{type, message, position =
-- {line, column, offset}}`: a missing name, a type mismatch, a division by
-- zero give null and a warning, never an error. A failed `assert(...)` ends
-- the evaluation: `nil, warnings, failure` (failure `{type, message}`).
--
-- `feel.eval(text, context[, opts])` compiles through a cache and
-- evaluates; a syntax error returns `nil, err`.
--
-- `feel.unary(tests, input[, context, opts])` checks an input against unary
-- tests as a decision table does: true, false or nil, warnings (see
-- luaforce.feel.unary).
--
-- `feel.register(name, params, fn[, opts])` adds a function expressions can
-- call, for the whole process: `feel.register("risk score", {"amount:
-- number", "stage: string?"}, function(amount, stage) ... end)`. The rules
-- (types, variants, replacing, what the function receives and returns) are
-- luaforce.feel.builtins' and docs/feel.md's "Adding functions".
--
-- `feel.run(fn, scope[, opts])` and `feel.scope(context)` are the pieces
-- `eval` is made of, for callers that build their own scope (the connector
-- layer's result expressions see the response under two names).
--
-- `feel.warnings_text(warnings)` is the warnings as text lines; a warnings
-- list also prints as them (tostring).
--
-- FEEL is a sandbox by construction: expressions are never turned into Lua
-- source; names resolve only against the context and the builtins, so no
-- global, no io, no os is reachable.
local errors = require "luaforce.errors"
local lexer = require "luaforce.feel.lexer"
local parser = require "luaforce.feel.parser"
local compile = require "luaforce.feel.compile"
local budget = require "luaforce.feel.budget"
local values = require "luaforce.feel.kinds"
local builtins = require "luaforce.feel.builtins"
require "luaforce.feel.temporal"
require "luaforce.feel.range"

local M = {}

M.null = values.NULL
M.values = values
M.builtins = builtins

--- Adds a function to FEEL (see luaforce.feel.builtins.register).
M.register = builtins.register

local diag, kind = values.diag, values.kind

-- The line with each byte that is no UTF-8 shown as "?", so an excerpt
-- prints cleanly (the first such byte is where the error points).
local function printable(line)
  local out, i = {}, 1
  while true do
    local ok, bad = utf8.len(line, i)
    if ok then out[#out + 1] = line:sub(i); break end
    out[#out + 1] = line:sub(i, bad - 1) .. "?"
    i = bad + 1
  end
  return table.concat(out)
end

-- The widest excerpt line; a longer one shows a window around the caret.
local EXCERPT_WIDTH, BEFORE_CARET = 100, 40

-- The caret excerpt: the source line holding `pos` and a caret under it.
local function excerpt(src, pos, col)
  local start = pos
  while start > 1 and src:sub(start - 1, start - 1) ~= "\n" do start = start - 1 end
  local stop = src:find("\n", start, true)
  local line = printable(src:sub(start, (stop or #src + 1) - 1)):gsub("\t", " ")
  local n = utf8.len(line)
  if n > EXCERPT_WIDTH then
    local from = math.max(1, math.min(col - BEFORE_CARET, n - EXCERPT_WIDTH + 1))
    local to = math.min(n, from + EXCERPT_WIDTH - 1)
    local lead, tail = from > 1 and "..." or "", to < n and "..." or ""
    line = lead .. line:sub(utf8.offset(line, from), (utf8.offset(line, to + 1) or #line + 1) - 1) .. tail
    col = col - from + 1 + #lead
  end
  return line .. "\n" .. string.rep(" ", col - 1) .. "^"
end

local function syntax_error(src, reason, pos, line, col)
  if not line then
    -- position from a byte offset (lexer errors)
    line, col = 1, 1
    local last = 1
    for i = 1, math.min(pos, #src + 1) - 1 do
      if src:byte(i) == 10 then line = line + 1; last = i + 1 end
    end
    col = (utf8.len(src, last, pos - 1) or (pos - last)) + 1
  end
  local ex = excerpt(src, pos, col)
  return errors.new {
    code = "FEEL_SYNTAX",
    kind = "syntax",
    message = ("syntax error at line %d, column %d: %s"):format(line, col, reason),
    reason = reason,
    line = line, column = col, offset = pos,
    excerpt = ex,
    expression = src,
    exit = errors.EXIT.USAGE,
  }
end

local Compiled = {}
Compiled.__index = Compiled
Compiled.__name = "luaforce.feel.Compiled"

--- Compiles FEEL text. Returns the compiled expression or nil, err.
function M.compile(src)
  if type(src) ~= "string" then
    error("bad argument #1 to 'compile' (string expected, got " .. type(src) .. ")", 2)
  end
  -- a leading `=` becomes a blank, so positions stay those of the text given
  local text = src:gsub("^(%s*)=", "%1 ", 1)
  local tree, err = M.parse_text(src, text, parser.parse, "the expression is empty")
  if not tree then return nil, err end
  local fn = compile.compile(tree)
  return setmetatable({ source = src, tree = tree, fn = fn }, Compiled)
end

--- The tree `parse` (parser.parse or parser.parse_unary) makes of `text`,
-- or nil, err: a syntax error quoting `src` (the text as the user gave it).
-- `empty`: the reason when there is nothing but blanks.
function M.parse_text(src, text, parse, empty)
  local tokens, reason, pos = lexer.tokenize(text)
  if not tokens then return nil, syntax_error(src, reason, pos) end
  if tokens[1].type == "eof" then return nil, syntax_error(src, empty, 1, 1, 1) end
  local ok, tree = pcall(parse, tokens, builtins.names, text)
  if not ok then
    if type(tree) == "table" and tree.feel_syntax then
      return nil, syntax_error(src, tree.message, tree.pos, tree.line, tree.col)
    end
    error(tree, 0)
  end
  return tree
end

-- The caller's clock for now() and today(): epoch milliseconds, or an ISO
-- date-time text ("2024-01-31T10:00:00Z", "2024-01-31").
local function clock_ms(now)
  if now == nil then return nil end
  if type(now) == "number" then return math.floor(now) end
  if type(now) == "string" then
    local temporal = require "luaforce.feel.temporal"
    local v = temporal.parse_datetime(now)
    if v then
      local off = v.offset or 0
      return ((v.days * 86400 + v.sod - off) * 1000) + v.ns // 1000000
    end
  end
  error("bad option 'now' (epoch milliseconds or an ISO date-time expected, got " .. tostring(now) .. ")", 4)
end

-- Runs a compiled closure over a scope; the one place evaluations start.
-- opts: exact, now (the clock), zone (now()'s time zone), max_steps,
-- max_seconds, max_memory (the budget; luaforce.feel.budget.limits has the
-- defaults).
--- FEEL warnings as text, a line each (`warning: line 1, column 5: no
-- variable found with name 'x' (NO_VARIABLE_FOUND)`, then `warning: ...
-- and N more like it` for a repeated one), each line ending in "\n";
-- "" for none. The one rendering: the REPL and a printed warnings list
-- use it.
function M.warnings_text(list)
  local out = {}
  for _, w in ipairs(list) do
    local p = type(w.position) == "table" and w.position or nil
    local where = p and p.line and ("line %d, column %d: "):format(p.line, p.column or 0) or ""
    out[#out + 1] = ("warning: %s%s (%s)\n"):format(where, tostring(w.message), tostring(w.type))
    if math.type(w.count) == "integer" and w.count > 1 and w.type ~= "TOO_MANY_WARNINGS" then
      out[#out + 1] = ("warning: ... and %d more like it\n"):format(w.count - 1)
    end
  end
  return table.concat(out)
end

-- A warnings list prints as its warnings (`print(feel.eval(...))` in a
-- script shows text, not a table's address); it stays a plain list
-- otherwise.
local WARNINGS = {
  __name = "luaforce.feel.warnings",
  __tostring = function(list)
    if #list == 0 then return "(no warnings)" end
    return (M.warnings_text(list):gsub("\n$", ""))
  end,
}

local function run(fn, scope, opts)
  local exact, now_ms, zone, max_steps, max_seconds, max_memory
  if type(opts) == "table" then
    exact, now_ms, zone = opts.exact, clock_ms(opts.now), opts.zone
    max_steps, max_seconds, max_memory = opts.max_steps, opts.max_seconds, opts.max_memory
  else
    exact = opts
  end
  local warnings = setmetatable({}, WARNINGS)
  local saved_list, saved_node, saved_now, saved_zone = diag.list, diag.node, diag.now_ms, diag.zone
  diag.list, diag.node, diag.now_ms, diag.zone = warnings, nil, now_ms, zone
  local saved = budget.start(max_steps, max_seconds, max_memory)
  local ok, v = pcall(fn, scope)
  budget.stop(saved)
  diag.list, diag.node, diag.now_ms, diag.zone = saved_list, saved_node, saved_now, saved_zone
  if ok then return values.tolua(v, exact), warnings end
  -- Ctrl-C stops the caller too: it is no failure of the expression
  if errors.is_interrupt(v) then error(v, 0) end
  local failure
  if type(v) == "table" and v.feel_abort then
    failure = { type = v.type, message = v.message, kind = v.kind }
  else
    failure = { type = "EVALUATION_FAILURE", message = tostring(v) }
  end
  warnings[#warnings + 1] = failure
  return nil, warnings, failure
end
M.run = run

--- The root scope for a caller's context (nil: an empty one).
function M.scope(context)
  if context == nil then return {} end
  if kind(context) ~= "context" and not (type(context) == "table" and next(context) == nil) then
    error("bad argument #1 to 'eval' (a context table expected, got " .. kind(context) .. ")", 3)
  end
  return { ctx = context }
end

--- Evaluates against `context`: value, warnings[, failure].
function Compiled:eval(context, opts)
  return run(self.fn, M.scope(context), opts)
end

function Compiled:__tostring()
  return "feel: " .. self.source
end

--- The names the expression mentions, as a set: every name it reads, and
-- the names it binds itself (a `for` variable, a parameter) too, so the set
-- never misses one it depends on. Callers use it to tell what an
-- expression may depend on without evaluating it.
function Compiled:names()
  if self.mentioned then return self.mentioned end
  local set, seen = {}, {}
  local function walk(n)
    if seen[n] then return end
    seen[n] = true
    if n.kind == "name" and type(n.name) == "string" then set[n.name] = true end
    for _, v in pairs(n) do
      if type(v) == "table" then walk(v) end
    end
  end
  walk(self.tree)
  self.mentioned = set
  return set
end

-- The steps of a path from a name (see Compiled:path), or nil.
local function path_of(n)
  local steps = {}
  while true do
    if n.kind == "path" then
      table.insert(steps, 1, n.key)
      n = n.object
    elseif n.kind == "filter" and n.filter.kind == "number" and n.filter.text:match("^%d+$")
        and tonumber(n.filter.text) >= 1 then
      table.insert(steps, 1, math.tointeger(tonumber(n.filter.text)))
      n = n.object
    elseif n.kind == "name" and type(n.name) == "string" and n.name ~= "?" then
      table.insert(steps, 1, n.name)
      return steps
    else
      return nil
    end
  end
end

--- When the expression is nothing but a path from a name (`acct.body.id`,
-- `r.records[1].Id`, a positive whole-number index), its steps: {"acct",
-- "body", "id"}, {"r", "records", 1, "Id"} (indexes as FEEL counts them,
-- from 1). Else nil.
function Compiled:path()
  return path_of(self.tree)
end

--- When the expression is a context literal (`{id: body.id, n: 1}`), its
-- keys in order and, for each, the path its value is (as Compiled:path
-- gives it) or false: `{"id", "n"}, {id = {"body", "id"}, n = false}`.
-- Else nil.
function Compiled:entry_paths()
  local t = self.tree
  if t.kind ~= "context" then return nil end
  local keys, paths = {}, {}
  for i, k in ipairs(t.keys) do
    keys[i] = k
    paths[k] = path_of(t.values[i]) or false
  end
  return keys, paths
end

-- Compiled expressions by text; cleared whole when it grows past the limit
-- (expressions in a program are few; generated ones should not pile up),
-- and when a function with a new name is registered (the parser reads
-- names with spaces by the names it knows).
local cache, cached = {}, 0
local cache_names = builtins.names
local CACHE_LIMIT = 1000

--- The compiled form of `src`, from the cache when it was seen before.
function M.compiled(src)
  if builtins.names ~= cache_names then cache, cached, cache_names = {}, 0, builtins.names end
  local c = cache[src]
  if c then return c end
  local err
  c, err = M.compile(src)
  if not c then return nil, err end
  if cached >= CACHE_LIMIT then cache, cached = {}, 0 end
  cache[src] = c
  cached = cached + 1
  return c
end

--- Checks `input` against unary tests (a decision table's cell: `< 10`,
-- `[1..5], 8`, `not("a")`, `starts with(?, "f")`): true, false or nil,
-- warnings[, failure]; or nil, err for a syntax error. See
-- luaforce.feel.unary.
function M.unary(tests, input, context, opts)
  return require("luaforce.feel.unary").eval(tests, input, context, opts)
end

--- Compiles (cached) and evaluates: value, warnings[, failure]; or nil, err
-- for a syntax error.
function M.eval(src, context, opts)
  local c, err = M.compiled(src)
  if not c then return nil, err end
  return run(c.fn, M.scope(context), opts)
end

return M
