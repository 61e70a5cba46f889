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
local values = require "luaforce.feel.values"
local N = require "luaforce.feel.number"

local M = {}

local NULL = values.NULL
local kind, warn, diag = values.kind, values.warn, values.diag
local equal, compare = values.equal, values.compare
local LIST_MT = values.LIST_MT
local type, setmetatable, select, mtype, rawget = type, setmetatable, select, math.type, rawget

local builtins -- set by init (luaforce.feel.builtins), to avoid a require cycle

function M.set_builtins(b) builtins = b end

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

-- Temporal literals: part 2 sets values.temporal_literal(text) -> value or nil, message.
function C.temporal(node)
  local text = node.text
  return function()
    local make = values.temporal_literal
    if not make then
      warn("UNSUPPORTED", ('temporal values are not supported yet: @"%s" is null'):format(text), node)
      return nil
    end
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
    local ext = values.kinds[kind(v)]
    if ext and ext.arith then
      local r = ext.arith("neg", v)
      if r ~= nil then return r end
    end
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

C["in"] = function(node)
  local v, t = compile(node.value), compile(node.test)
  return function(s)
    local x, test = v(s), t(s)
    local k = kind(test)
    if k == "list" then
      for i = 1, #test do
        if equal(x, values.out(test[i])) == true then return true end
      end
      return false
    end
    local ext = values.kinds[k]
    if ext and ext.test then return ext.test(test, x) end
    local e = equal(x, test)
    if e == nil then return incomparable(node, x, test) end
    return e
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

-- The sequence a `for`/`some`/`every` source gives: a list, or a range's numbers.
local function range_of(node)
  local lo, hi = compile(node.low), compile(node.high)
  return function(s)
    local a, b = lo(s), hi(s)
    if mtype(a) ~= "integer" or mtype(b) ~= "integer" then
      warn("INVALID_TYPE", ("a range to iterate needs whole numbers, not %s and %s"):format(describe(a), describe(b)), node)
      return nil
    end
    if math.abs(b - a) > 100000000 then
      warn("INVALID_TYPE", "the range is too long to iterate", node)
      return nil
    end
    local t, step = {}, a <= b and 1 or -1
    local n = 0
    for i = a, b, step do n = n + 1; t[n] = i end
    return setmetatable(t, LIST_MT)
  end
end

local function sources_of(node)
  local out = {}
  for i, src in ipairs(node.sources) do
    if src.kind == "range" then
      out[i] = range_of(src)
    else
      local e = compile(src)
      out[i] = function(s)
        local v = e(s)
        if kind(v) == "list" then return v end
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
    local failed = false
    -- nested loops for several iterators; later sources see earlier variables
    local function loop(level, scope)
      local list = sources[level](scope)
      if list == nil then failed = true; return end
      local frame = { name = vars[level], value = NULL, parent = scope }
      for i = 1, #list do
        if fundef then frame = { name = vars[level], parent = scope } end
        frame.value = list[i]
        if level == depth then
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
        if fundef then frame = { name = vars[1], parent = base } end
        frame.value = list[i]
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

function C.range(node)
  return function()
    warn("UNSUPPORTED", "ranges arrive with part 2 of the FEEL engine", node)
    return nil
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
