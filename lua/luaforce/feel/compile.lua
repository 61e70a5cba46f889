--- luaforce.feel.compile: a syntax tree to one Lua closure per node.
--
-- `compile(root)` returns `function(scope) -> value`. Nothing is
-- interpreted at evaluation time: each node's closure holds its children's
-- closures and the constants it needs (a literal's number, a context
-- literal's shared key-order metatable), so evaluating a compiled
-- expression allocates only the values it builds.
--
-- Scopes are chains of frames, innermost first:
--   {ctx = t, parent}              a context's entries (the caller's context,
--                                  a context literal under construction)
--   {name = n, value = v, ...}     one variable (for, some, every; `item`
--                                  in a filter, together with ctx = the item)
--   {vars = {n = v}, parent}       function parameters
-- Values in frames hold json.null for null, so "bound to null" differs from
-- "not bound". Loops reuse one frame per loop unless the body defines a
-- function (which would capture it).
--
-- Contexts are read with rawget: a metatable on the caller's table (an
-- __index to _G, say) never lends an expression more than the table holds.
--
-- Every failure the language defines (a missing name, a type mismatch, a
-- division by zero) yields null and a warning; nothing raises.
--
-- The budget: every loop iteration (for, some/every, filters) and every
-- call of a FEEL function takes one step from a counter shared by all
-- closures (an upvalue: a decrement and a test, no table access). When the
-- counter runs out, `refill` checks the evaluation's step limit and its
-- deadline and hands out the next slice, or ends the evaluation with a
-- `kind = "budget"` abort. Straight-line code needs no count: without a
-- loop or a call an expression ends within its own size.
local values = require "luaforce.feel.values"
local N = require "luaforce.feel.number"
local Range = require "luaforce.feel.range"

local M = {}

local NULL = values.NULL
local kind, warn, diag = values.kind, values.warn, values.diag
local equal, compare = values.equal, values.compare
local LIST_MT = values.LIST_MT
local type, setmetatable, select, mtype, rawget = type, setmetatable, select, math.type, rawget

local builtins -- set by init (luaforce.feel.builtins), to avoid a require cycle

function M.set_builtins(b) builtins = b end

-- Budget ---------------------------------------------------------------------------

local SLICE = 10000           -- steps between two looks at the clock
local steps = math.maxinteger -- steps left in the current slice
-- the evaluation's budget: no upvalue table, so starting one allocates nothing
local b_limit, b_used, b_slice, b_deadline, b_seconds = nil, 0, 0, 0, 0

--- The defaults: one million steps, one second.
M.limits = { steps = 1000000, seconds = 1 }

-- A cheap clock in milliseconds: the core's monotonic clock (a vDSO call),
-- else os.clock (a system call of a microsecond or two).
local now_ms
do
  local ok, sys = pcall(require, "luaforce.core.sys")
  if ok and type(sys) == "table" and sys.monotonic_ms then
    now_ms = sys.monotonic_ms
  else
    now_ms = function() return os.clock() * 1000 end
  end
end

local function exceeded(message)
  steps = 0
  error({ feel_abort = true, kind = "budget", type = "BUDGET_EXCEEDED", message = message }, 0)
end

local function refill()
  if not b_limit then steps = math.maxinteger; return end
  b_used = b_used + b_slice
  if b_used >= b_limit then
    exceeded(("the evaluation took more than %d steps (loop iterations and function calls)"):format(b_limit))
  end
  if now_ms() > b_deadline then
    exceeded(("the evaluation took more than %g seconds"):format(b_seconds))
  end
  local left = b_limit - b_used
  b_slice = left < SLICE and left or SLICE
  steps = b_slice
end

--- Starts the budget of an evaluation. `max_steps`, `max_seconds`: numbers
-- (defaults from M.limits; math.huge for none). Returns the enclosing
-- evaluation's budget, for `budget_stop` to restore.
function M.budget_start(max_steps, max_seconds)
  local l, u, sl, d, sec, st = b_limit, b_used, b_slice, b_deadline, b_seconds, steps
  local limit = max_steps or M.limits.steps
  b_seconds = max_seconds or M.limits.seconds
  if limit >= math.maxinteger then limit = math.maxinteger end
  b_limit = math.tointeger(limit) or math.floor(limit)
  b_used = 0
  b_slice = b_limit < SLICE and b_limit or SLICE
  b_deadline = now_ms() + b_seconds * 1000
  steps = b_slice
  return l, u, sl, d, sec, st
end

function M.budget_stop(l, u, sl, d, sec, st)
  b_limit, b_used, b_slice, b_deadline, b_seconds, steps = l, u, sl, d, sec, st
end

--- Steps taken so far in the evaluation under way (for tests and benchmarks).
function M.steps_used()
  if not b_limit then return 0 end
  return b_used + (b_slice - steps)
end

--- Looks a name up in a scope: the value (nil for null) and whether found.
local function lookup(scope, name)
  while scope do
    if scope.name == name then
      local v = scope.value
      if v == NULL then return nil, true end
      return v, true
    end
    local ctx = scope.ctx
    if ctx then
      local v = rawget(ctx, name)
      if v ~= nil then
        if v == NULL then return nil, true end
        return v, true
      end
    end
    local vars = scope.vars
    if vars then
      local v = vars[name]
      if v ~= nil then
        if v == NULL then return nil, true end
        return v, true
      end
    end
    scope = scope.parent
  end
  return nil, false
end
M.lookup = lookup

-- What a subtree refers to: the set of names, and whether it defines a function.
local function scan(node, names, info)
  if type(node) ~= "table" then return end
  if node.kind == "name" then names[node.name] = true end
  if node.kind == "fundef" then info.fundef = true end
  for k, v in pairs(node) do
    if k ~= "kind" and type(v) == "table" then
      if v.kind then scan(v, names, info) else for _, c in ipairs(v) do scan(c, names, info) end end
    end
  end
end

local function analyse(node)
  local names, info = {}, {}
  scan(node, names, info)
  return names, info.fundef or false
end

local function describe(v)
  local k = kind(v)
  if k == "string" then
    local s = #v > 40 and (v:sub(1, 37) .. "...") or v
    return '"' .. s .. '"'
  end
  if k == "null" then return "null" end
  if k == "list" or k == "context" then return k end
  return k .. " " .. values.tostring(v)
end
M.describe = describe

--- Calls a FEEL function value with positional arguments.
local function call(f, ...)
  if type(f) == "function" then
    local n = select("#", ...)
    local args = { ... }
    for i = 1, n do args[i] = values.tolua(args[i]) end
    local ok, r = pcall(f, table.unpack(args, 1, n))
    if not ok then
      warn("FUNCTION_INVOCATION_FAILURE", "the function failed: " .. tostring(r))
      return nil
    end
    return values.fromlua(r)
  end
  return f.call(...)
end
M.call = call

local compile

-- Literals ---------------------------------------------------------------------

local C = {}

function C.number(node)
  local v = N.literal(node.text)
  return function() return v end
end

function C.string(node)
  local v = node.value
  return function() return v end
end

function C.boolean(node)
  local v = node.value
  return function() return v end
end

function C.null()
  return function() return nil end
end

-- Temporal literals (@"2024-01-31", @"PT30S"): made once when compiled;
-- a time in a named zone (@"10:00@Europe/Paris") takes the zone's offset at
-- the evaluation's clock, so it is made at each evaluation.
function C.temporal(node)
  local text = node.text
  local make = values.temporal_literal
  if not text:find("@", 1, true) or text:find("T", 1, true) then
    local v, err = make(text)
    return function()
      if v == nil then warn("INVALID_TYPE", err, node) end
      return v
    end
  end
  return function()
    local v, err = make(text)
    if v == nil then warn("INVALID_TYPE", err, node) end
    return v
  end
end

function C.list(node)
  local items = {}
  for i, e in ipairs(node.items) do items[i] = compile(e) end
  local n = #items
  return function(s)
    local t = {}
    for i = 1, n do
      local v = items[i](s)
      if v == nil then v = NULL end
      t[i] = v
    end
    return setmetatable(t, LIST_MT)
  end
end

-- A context literal: later entries see earlier ones, so entries evaluate in
-- a frame over the context being built; when no entry mentions a key of the
-- literal the frame is skipped.
function C.context(node)
  local keys, fns, order, seen = {}, {}, {}, {}
  local needs_frame = false
  for i, key in ipairs(node.keys) do
    keys[i] = key
    fns[i] = compile(node.values[i])
    if not seen[key] then
      seen[key] = true
      order[#order + 1] = key
    end
  end
  for _, v in ipairs(node.values) do
    local names, fundef = analyse(v)
    if fundef then needs_frame = true end
    for k in pairs(seen) do if names[k] then needs_frame = true end end
  end
  local mt = values.context_mt(order)
  local n = #keys
  return function(s)
    local t = setmetatable({}, mt)
    local scope = needs_frame and { ctx = t, parent = s } or s
    for i = 1, n do
      local v = fns[i](scope)
      if v == nil then v = NULL end
      t[keys[i]] = v
    end
    return t
  end
end

-- Names and paths ------------------------------------------------------------------

function C.name(node)
  local name = node.name
  return function(s)
    local v, found = lookup(s, name)
    if found then return v end
    local b = builtins.functions[name]
    if b then return b end
    warn("NO_VARIABLE_FOUND", ("no variable found with name '%s'"):format(name), node)
    return nil
  end
end

-- `object.key`: a context's entry, or over a list the projection of the key.
function C.path(node)
  local object, key = compile(node.object), node.key
  return function(s)
    local o = object(s)
    local k = kind(o)
    if k == "context" then
      local v = rawget(o, key)
      if v == nil then
        warn("NO_CONTEXT_ENTRY_FOUND", ("no context entry found with key '%s'"):format(key), node)
        return nil
      end
      if v == NULL then return nil end
      return v
    elseif k == "list" then
      local out = {}
      for i = 1, #o do
        local item = o[i]
        local v = NULL
        if kind(item) == "context" then v = rawget(item, key) or NULL end
        out[i] = v
      end
      return setmetatable(out, LIST_MT)
    elseif k == "null" then
      warn("NO_CONTEXT_ENTRY_FOUND", ("no context entry found with key '%s': the value is null"):format(key), node)
      return nil
    end
    local ext = values.kinds[k]
    if ext and ext.property then
      local v, err = ext.property(o, key)
      if v == nil and err then warn("NO_PROPERTY_FOUND", err, node) end
      return v
    end
    warn("NO_PROPERTY_FOUND", ("%s has no property '%s'"):format(describe(o), key), node)
    return nil
  end
end

-- Filters ----------------------------------------------------------------------

local function index(list, i)
  local n = #list
  if i < 0 then i = n + 1 + i end
  if i < 1 or i > n then return nil end
  local v = list[i]
  if v == NULL then return nil end
  return v
end

local function index_by_number(list, num)
  local i = N.truncate(num)
  if not i or i == 0 then return nil end
  return index(list, i)
end

-- Filter kinds that always run per item (Camunda: comparisons and calls);
-- anything else is first tried as an index in the outer scope.
local PER_ITEM = {
  compare = true, between = true, ["in"] = true, instanceof = true, ["and"] = true, ["or"] = true,
  call = true, quantified = true, boolean = true,
}

function C.filter(node)
  local object = compile(node.object)
  local fnode = node.filter
  local cond = compile(fnode)
  local _, fundef = analyse(fnode)
  local static_index
  if fnode.kind == "number" then
    static_index = N.literal(fnode.text)
  elseif fnode.kind == "neg" and fnode.operand.kind == "number" then
    static_index = N.neg(N.literal(fnode.operand.text))
  end
  local per_item = PER_ITEM[fnode.kind] or false

  local function run(list, s)
    local out, n = {}, 0
    local frame = { name = "item", value = NULL, parent = s }
    for i = 1, #list do
      steps = steps - 1
      if steps <= 0 then refill() end
      local item = list[i]
      if fundef then frame = { name = "item", parent = s } end
      frame.value = item
      frame.ctx = kind(item) == "context" and item or nil
      if cond(frame) == true then
        n = n + 1
        out[n] = item
      end
    end
    return setmetatable(out, LIST_MT)
  end

  return function(s)
    local list = object(s)
    local k = kind(list)
    if k ~= "list" then
      if k ~= "null" then
        warn("INVALID_TYPE", ("a filter needs a list, not %s"):format(describe(list)), node)
      end
      return nil
    end
    if static_index then return index_by_number(list, static_index) end
    if not per_item then
      -- a probe in the outer scope: a number is an index (xs[i]); anything
      -- else filters per item, and the probe's own complaints do not count
      local saved = diag.list
      diag.list = nil
      local ok, v = pcall(cond, s)
      diag.list = saved
      if not ok and type(v) == "table" and v.feel_abort then error(v, 0) end
      if ok and v ~= nil and N.is(v) then return index_by_number(list, v) end
    end
    return run(list, s)
  end
end

-- Arithmetic -------------------------------------------------------------------

local ARITH = { ["+"] = N.add, ["-"] = N.sub, ["*"] = N.mul, ["/"] = N.div, ["**"] = N.pow }
local VERB = { ["+"] = "add", ["-"] = "subtract", ["*"] = "multiply", ["/"] = "divide", ["**"] = "raise" }

function C.arith(node)
  local l, r, op = compile(node.left), compile(node.right), node.op
  local f = ARITH[op]
  local is_add = op == "+"
  local function slow(a, b)
    if a == nil or b == nil or a == NULL or b == NULL then return nil end
    local ta, tb = type(a), type(b)
    if is_add and ta == "string" and tb == "string" then return a .. b end
    if N.is(a) and N.is(b) then
      local v, err = f(a, b)
      if v == nil then warn("INVALID_TYPE", err, node) end
      return v
    end
    local ka, kb = kind(a), kind(b)
    local ext = values.kinds[ka] or values.kinds[kb]
    if ext and ext.arith then
      local v, err = ext.arith(op, a, b)
      if v ~= nil then return v end
      if err then warn("INVALID_TYPE", err, node); return nil end
    end
    warn("INVALID_TYPE", ("cannot %s %s and %s"):format(VERB[op], describe(a), describe(b)), node)
    return nil
  end
  if is_add then
    return function(s)
      local a, b = l(s), r(s)
      local ta = mtype(a)
      if ta == "integer" and mtype(b) == "integer" then
        local v = a + b
        if (a ~ v) & (b ~ v) >= 0 then return v end
      elseif ta == nil and type(a) == "string" and type(b) == "string" then
        return a .. b
      end
      return slow(a, b)
    end
  end
  return function(s)
    return slow(l(s), r(s))
  end
end

function C.neg(node)
  local e = compile(node.operand)
  return function(s)
    local v = e(s)
    if v == nil then return nil end
    if N.is(v) then return N.neg(v) end
    -- only numbers: Camunda's `-@"P1D"` is null (write `@"-P1D"`)
    warn("INVALID_TYPE", ("cannot negate %s"):format(describe(v)), node)
    return nil
  end
end

-- Comparison -------------------------------------------------------------------

local function incomparable(node, a, b)
  warn("NOT_COMPARABLE", ("%s and %s cannot be compared"):format(describe(a), describe(b)), node)
  return nil
end

-- a <op> b for < <= > >=: nil when either is null or they have no order.
local ORDER = {
  ["<"] = function(c) return c < 0 end,
  ["<="] = function(c) return c <= 0 end,
  [">"] = function(c) return c > 0 end,
  [">="] = function(c) return c >= 0 end,
}

local function ordered(node, op, a, b)
  if a == nil or b == nil then return nil end
  local c = compare(a, b)
  if c == nil then return incomparable(node, a, b) end
  return ORDER[op](c)
end

function C.compare(node)
  local l, r, op = compile(node.left), compile(node.right), node.op
  if op == "=" or op == "!=" then
    local want = op == "="
    return function(s)
      local a, b = l(s), r(s)
      local e = equal(a, b)
      if e == nil then return incomparable(node, a, b) end
      return e == want
    end
  end
  local test = ORDER[op]
  return function(s)
    local a, b = l(s), r(s)
    if type(a) == "number" and type(b) == "number" then
      return test(a < b and -1 or (a > b and 1 or 0))
    end
    return ordered(node, op, a, b)
  end
end

local function and3(a, b)
  if a == false or b == false then return false end
  if a == true and b == true then return true end
  return nil
end

function C.between(node)
  local v, lo, hi = compile(node.value), compile(node.low), compile(node.high)
  return function(s)
    local x = v(s)
    return and3(ordered(node, ">=", x, lo(s)), ordered(node, "<=", x, hi(s)))
  end
end

-- `x in test`: a test is a unary test (`< 10`), a parenthesized list of
-- them (any holds), a range, a list (membership; a range item tests
-- inclusion: `x in [1..5, 8]`), or a value (equality).
local test_of

local function member(node, x, v)
  local k = kind(v)
  if k == "list" then
    local undecided = false
    for i = 1, #v do
      local item = values.out(v[i])
      local r
      if kind(item) == "range" then r = Range.includes(item, x) else r = equal(x, item) end
      if r == true then return true end
      if r == nil and item ~= nil and x ~= nil then undecided = true end
    end
    if undecided then return nil end
    return false
  end
  if k == "range" then
    local r = Range.includes(v, x)
    if r == nil and x ~= nil then incomparable(node, x, v) end
    return r
  end
  local e = equal(x, v)
  if e == nil then return incomparable(node, x, v) end
  return e
end

function test_of(node)
  if node.kind == "unary" then
    local operand, op = compile(node.operand), node.op
    if op == "=" or op == "!=" then
      local want = op == "="
      return function(s, x)
        local v = operand(s)
        local e = equal(x, v)
        if e == nil then return incomparable(node, x, v) end
        return e == want
      end
    end
    return function(s, x) return ordered(node, op, x, operand(s)) end
  end
  if node.kind == "tests" then
    local tests = {}
    for i, item in ipairs(node.items) do tests[i] = test_of(item) end
    local n = #tests
    return function(s, x)
      local undecided = false
      for i = 1, n do
        local r = tests[i](s, x)
        if r == true then return true end
        if r == nil then undecided = true end
      end
      if undecided then return nil end
      return false
    end
  end
  local e = compile(node)
  if node.kind == "range" then
    -- a range literal that fails (`[x..10]`, x null) decides nothing: null,
    -- where a null value tested for equality is false
    return function(s, x)
      local r = e(s)
      if r == nil then return nil end
      return member(node, x, r)
    end
  end
  return function(s, x) return member(node, x, e(s)) end
end

C["in"] = function(node)
  local v, test = compile(node.value), test_of(node.test)
  return function(s)
    return test(s, v(s))
  end
end

function C.unary(node)
  return function()
    warn("INVALID_TYPE", ("a unary test '%s ...' stands only after 'in'"):format(node.op), node)
    return nil
  end
end

function C.tests(node)
  return function()
    warn("INVALID_TYPE", "a list of unary tests stands only after 'in'", node)
    return nil
  end
end

local TYPE_KIND = {
  number = "number", string = "string", boolean = "boolean", list = "list", context = "context",
  ["function"] = "function", date = "date", time = "time", ["date and time"] = "date and time",
  ["days and time duration"] = "days and time duration",
  ["years and months duration"] = "years and months duration", range = "range",
}

function C.instanceof(node)
  local v, ty = compile(node.value), node.type
  local want = TYPE_KIND[ty]
  return function(s)
    local x = v(s)
    if ty == "Any" then return x ~= nil end
    if ty == "Null" then return x == nil end
    return kind(x) == want
  end
end

-- Logic ----------------------------------------------------------------------------

C["and"] = function(node)
  local l, r = compile(node.left), compile(node.right)
  return function(s)
    local a = l(s)
    if a == false then return false end
    local b = r(s)
    if b == false then return false end
    if a == true and b == true then return true end
    return nil
  end
end

C["or"] = function(node)
  local l, r = compile(node.left), compile(node.right)
  return function(s)
    local a = l(s)
    if a == true then return true end
    local b = r(s)
    if b == true then return true end
    if a == false and b == false then return false end
    return nil
  end
end

-- A condition that is not a boolean takes the else branch (Camunda).
C["if"] = function(node)
  local c, yes, no = compile(node.cond), compile(node.yes), compile(node.no)
  return function(s)
    local v = c(s)
    if v == true then return yes(s) end
    if v ~= false and v ~= nil then
      warn("INVALID_TYPE", ("the condition of 'if' is %s, not a boolean: taking 'else'"):format(describe(v)), node)
    end
    return no(s)
  end
end

-- Iteration ------------------------------------------------------------------------

-- The sequence a `for`/`some`/`every` source gives: a list, or the
-- integers of a range, produced as they are read (a table with __len and
-- __index: `for i in 1..1000000000` allocates nothing up front; the budget
-- stops it).
local SEQ_MT = {
  __len = function(q) return q.n end,
  __index = function(q, i) return q.first + (i - 1) * q.step end,
}

local function seq(a, b)
  local step = a <= b and 1 or -1
  return setmetatable({ first = a, step = step, n = (b - a) * step + 1 }, SEQ_MT)
end

-- The integers of a range value ([1..3], (0..3]), or nil, message.
local function range_seq(r)
  local a, b = r.low, r.high
  if mtype(a) ~= "integer" or mtype(b) ~= "integer" then
    return nil, "a range to iterate needs whole numbers at both ends"
  end
  local step = a <= b and 1 or -1
  if not r.low_closed then a = a + step end
  if not r.high_closed then b = b - step end
  if (b - a) * step < 0 then return setmetatable({}, LIST_MT) end
  return seq(a, b)
end

local function range_of(node)
  local lo, hi = compile(node.low), compile(node.high)
  return function(s)
    local a, b = lo(s), hi(s)
    if mtype(a) ~= "integer" or mtype(b) ~= "integer" then
      warn("INVALID_TYPE", ("a range to iterate needs whole numbers, not %s and %s"):format(describe(a), describe(b)), node)
      return nil
    end
    return seq(a, b)
  end
end

local function sources_of(node)
  local out = {}
  for i, src in ipairs(node.sources) do
    if src.kind == "range" and src.low_closed == nil then
      out[i] = range_of(src)
    else
      local e = compile(src)
      out[i] = function(s)
        local v = e(s)
        local k = kind(v)
        if k == "list" then return v end
        if k == "range" then
          local q, err = range_seq(v)
          if not q then warn("INVALID_TYPE", err, src) end
          return q
        end
        if v ~= nil then
          warn("INVALID_TYPE", ("'%s' iterates over %s, not a list"):format(node.vars[i], describe(v)), src)
        end
        return nil
      end
    end
  end
  return out
end

C["for"] = function(node)
  local vars, sources = node.vars, sources_of(node)
  local body = compile(node.body)
  local names, fundef = analyse(node.body)
  local uses_partial = names.partial or false
  local depth = #vars
  return function(s)
    local out = setmetatable({}, LIST_MT)
    local n = 0
    local base = s
    if uses_partial then base = { name = "partial", value = out, parent = s } end
    -- `partial` is the results so far as a fresh list each time: the body
    -- sees a value, never the list being built (which would then hold itself)
    local function snapshot()
      local t = setmetatable({}, LIST_MT)
      for k = 1, n do t[k] = out[k] end
      base.value = t
    end
    local failed = false
    -- nested loops for several iterators; later sources see earlier variables
    local function loop(level, scope)
      local list = sources[level](scope)
      if list == nil then failed = true; return end
      local frame = { name = vars[level], value = NULL, parent = scope }
      for i = 1, #list do
        steps = steps - 1
        if steps <= 0 then refill() end
        if fundef then frame = { name = vars[level], parent = scope } end
        frame.value = list[i]
        if level == depth then
          if uses_partial then snapshot() end
          local v = body(frame)
          if v == nil then v = NULL end
          n = n + 1
          out[n] = v
        else
          loop(level + 1, frame)
          if failed then return end
        end
      end
    end
    if depth == 1 then
      local list = sources[1](base)
      if list == nil then return nil end
      local frame = { name = vars[1], value = NULL, parent = base }
      for i = 1, #list do
        steps = steps - 1
        if steps <= 0 then refill() end
        if fundef then frame = { name = vars[1], parent = base } end
        frame.value = list[i]
        if uses_partial then n = i - 1; snapshot() end
        local v = body(frame)
        if v == nil then v = NULL end
        out[i] = v
      end
      return out
    end
    loop(1, base)
    if failed then return nil end
    return out
  end
end

-- some: true if any is true, else null if any is not false, else false;
-- every: false if any is false, else null if any is not true, else true.
function C.quantified(node)
  local vars, sources = node.vars, sources_of(node)
  local cond = compile(node.cond)
  local _, fundef = analyse(node.cond)
  local some = node.quantifier == "some"
  local decisive = some -- the value that ends the search
  local depth = #vars
  return function(s)
    local undecided, failed = false, false
    local function loop(level, scope)
      local list = sources[level](scope)
      if list == nil then failed = true; return nil end
      local frame = { name = vars[level], value = NULL, parent = scope }
      for i = 1, #list do
        steps = steps - 1
        if steps <= 0 then refill() end
        if fundef then frame = { name = vars[level], parent = scope } end
        frame.value = list[i]
        if level == depth then
          local v = cond(frame)
          if v == decisive then return true end
          if v ~= not decisive then undecided = true end
        else
          if loop(level + 1, frame) then return true end
          if failed then return nil end
        end
      end
    end
    if loop(1, s) then return decisive end
    if failed or undecided then return nil end
    return not decisive
  end
end

-- Functions ----------------------------------------------------------------------

local FUNCTION_MT = { __feelkind = "function" }
M.FUNCTION_MT = FUNCTION_MT

function C.fundef(node)
  local params, body = node.params, compile(node.body)
  local nparams = #params
  return function(s)
    local f = setmetatable({ params = params }, FUNCTION_MT)
    f.call = function(...)
      steps = steps - 1
      if steps <= 0 then refill() end
      local n = select("#", ...)
      if n ~= nparams then
        warn("FUNCTION_INVOCATION_FAILURE",
          ("the function takes %d arguments (%s), not %d"):format(nparams, table.concat(params, ", "), n))
        return nil
      end
      local vars = {}
      for i = 1, n do
        local a = select(i, ...)
        if a == nil then a = NULL end
        vars[params[i]] = a
      end
      return body({ vars = vars, parent = s })
    end
    f.call_named = function(names, args)
      steps = steps - 1
      if steps <= 0 then refill() end
      local vars = {}
      for i = 1, #names do
        local p = names[i]
        local known = false
        for j = 1, nparams do if params[j] == p then known = true end end
        if not known then
          warn("FUNCTION_INVOCATION_FAILURE", ("the function has no parameter '%s' (it takes %s)")
            :format(p, table.concat(params, ", ")))
          return nil
        end
        local a = args[i]
        if a == nil then a = NULL end
        vars[p] = a
      end
      for j = 1, nparams do if vars[params[j]] == nil then vars[params[j]] = NULL end end
      return body({ vars = vars, parent = s })
    end
    return f
  end
end

-- The function a call names: a function in scope first (user functions in
-- contexts), then the builtins. A non-function variable does not hide a
-- builtin (`count` may be a field and a function).
local function resolve(node, s, name)
  local v = lookup(s, name)
  if v ~= nil then
    local k = kind(v)
    if k == "function" then return v end
  end
  local b = builtins.functions[name]
  if b then return b end
  warn("NO_FUNCTION_FOUND", ("no function found with name '%s'"):format(name), node)
  return nil
end

local function callee_of(node)
  local cn = node.callee
  if cn.kind == "name" then
    local name = cn.name
    return function(s) return resolve(node, s, name) end
  end
  local e = compile(cn)
  return function(s)
    local f = e(s)
    if kind(f) == "function" then return f end
    if f ~= nil then
      warn("NO_FUNCTION_FOUND", ("%s is not a function"):format(describe(f)), node)
    end
    return nil
  end
end

function C.call(node)
  local fn = callee_of(node)
  local args = {}
  for i, a in ipairs(node.args) do args[i] = compile(a) end
  local n = #args
  if node.names then
    local names = node.names
    return function(s)
      local f = fn(s)
      if not f then return nil end
      local vals = {}
      for i = 1, n do vals[i] = args[i](s) end
      diag.node = node
      if type(f) == "function" or not f.call_named then
        warn("FUNCTION_INVOCATION_FAILURE", "this function takes no named arguments", node)
        return nil
      end
      return f.call_named(names, vals, n)
    end
  end
  -- positional calls of up to three arguments without a table
  if n == 0 then
    return function(s)
      local f = fn(s)
      if not f then return nil end
      diag.node = node
      return call(f)
    end
  elseif n == 1 then
    local a1 = args[1]
    return function(s)
      local f = fn(s)
      if not f then return nil end
      local v1 = a1(s)
      diag.node = node
      return call(f, v1)
    end
  elseif n == 2 then
    local a1, a2 = args[1], args[2]
    return function(s)
      local f = fn(s)
      if not f then return nil end
      local v1, v2 = a1(s), a2(s)
      diag.node = node
      return call(f, v1, v2)
    end
  elseif n == 3 then
    local a1, a2, a3 = args[1], args[2], args[3]
    return function(s)
      local f = fn(s)
      if not f then return nil end
      local v1, v2, v3 = a1(s), a2(s), a3(s)
      diag.node = node
      return call(f, v1, v2, v3)
    end
  end
  return function(s)
    local f = fn(s)
    if not f then return nil end
    local vals = {}
    for i = 1, n do vals[i] = args[i](s) end
    diag.node = node
    return call(f, table.unpack(vals, 1, n))
  end
end

-- A range literal: [1..10], (1..10), ]1..10[, ... (a bare `1..5` inside
-- a list is closed at both ends). Its ends must be comparable values.
function C.range(node)
  local lo, hi = compile(node.low), compile(node.high)
  local lc, hc = node.low_closed, node.high_closed
  if lc == nil then lc, hc = true, true end
  return function(s)
    local a, b = lo(s), hi(s)
    if a == nil or b == nil then
      warn("INVALID_TYPE", "a range needs both ends (null is no end)", node)
      return nil
    end
    if compare(a, b) == nil then
      warn("INVALID_TYPE", ("a range's ends must compare: %s and %s do not"):format(describe(a), describe(b)), node)
      return nil
    end
    return Range.new(a, b, lc, hc)
  end
end

--- Compiles a node (and its subtree) to a closure `function(scope)`.
function compile(node)
  local c = C[node.kind]
  if not c then error("luaforce.feel.compile: unknown node kind '" .. tostring(node.kind) .. "'", 2) end
  return c(node)
end
M.compile = compile

return M
