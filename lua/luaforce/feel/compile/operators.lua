--- luaforce.feel.compile.operators: arithmetic (`+ - * / **`, unary minus),
-- comparison (`= != < <= > >=`, `between`, `in` with unary tests, ranges and
-- lists, `instance of`), three-valued logic (`and`, `or`) and `if`.
--
-- operators.nodes.<kind>(node, compile): the compilers of the nodes arith,
-- neg, compare, between, in, unary, tests, instanceof, and, or, if. Every
-- failure the language defines (a type mismatch, a division by zero, values
-- without an order) yields null and a warning; nothing raises.
local values = require "luaforce.feel.kinds"
local N = require "luaforce.feel.number"
local Range = require "luaforce.feel.range"
local budget = require "luaforce.feel.budget"
local names = require "luaforce.feel.compile.names"

local M = {}

local NULL = values.NULL
local kind, warn, describe = values.kind, values.warn, values.describe
local equal, compare = values.equal, values.compare
local type, mtype, ipairs = type, math.type, ipairs

M.nodes = {}

-- Arithmetic -------------------------------------------------------------------

-- Text concatenation; a long result is charged to the budget first, so a
-- loop that doubles a text stops at the memory limit.
local alloc = budget.alloc
local lookup = names.lookup
local function join(a, b)
  local n = #a + #b
  if n > 4096 then alloc(n + 24) end
  return a .. b
end

local ARITH = { ["+"] = N.add, ["-"] = N.sub, ["*"] = N.mul, ["/"] = N.div, ["**"] = N.pow }
local VERB = { ["+"] = "add", ["-"] = "subtract", ["*"] = "multiply", ["/"] = "divide", ["**"] = "raise" }

function M.nodes.arith(node, compile)
  local l, r, op = compile(node.left), compile(node.right), node.op
  local f = ARITH[op]
  local is_add = op == "+"
  local function slow(a, b)
    if a == nil or b == nil or a == NULL or b == NULL then return nil end
    local ta, tb = type(a), type(b)
    if is_add and ta == "string" and tb == "string" then return join(a, b) end
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
        return join(a, b)
      end
      return slow(a, b)
    end
  end
  return function(s)
    return slow(l(s), r(s))
  end
end

function M.nodes.neg(node, compile)
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

-- For luaforce.feel.unary, which checks an input the same way.
M.ordered, M.incomparable = ordered, incomparable

function M.nodes.compare(node, compile)
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

function M.nodes.between(node, compile)
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

--- Tests function(s, x) -> true|false|nil as one: true when one is true,
-- else null when one is null, else false (also luaforce.feel.unary's).
function M.any_of(tests)
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

function test_of(node, compile)
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
    for i, item in ipairs(node.items) do tests[i] = test_of(item, compile) end
    return M.any_of(tests)
  end
  local e = compile(node)
  if names.analyse(node)["?"] then
    -- the test names the input (`5 in ? < 10`): its boolean decides
    return function(s, x)
      local v = e({ name = "?", value = x == nil and NULL or x, parent = s })
      if v == true or v == false then return v end
      return nil
    end
  end
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

M.nodes["in"] = function(node, compile)
  local v, test = compile(node.value), test_of(node.test, compile)
  return function(s)
    return test(s, v(s))
  end
end

-- `< 3` standing as an operand tests the variable `cellInput` (Camunda's
-- input of a decision table's cell); `= 3` and `!= 3` stand only after `in`.
function M.nodes.unary(node, compile)
  if not node.input then
    return function()
      warn("INVALID_TYPE", ("a unary test '%s ...' stands only after 'in'"):format(node.op), node)
      return nil
    end
  end
  local operand, op, input = compile(node.operand), node.op, node.input
  return function(s)
    local x, found = lookup(s, input)
    if not found then
      warn("NO_VARIABLE_FOUND", ("no input value found: '%s ...' on its own tests the variable %s"):format(op, input), node)
      return nil
    end
    return ordered(node, op, x, operand(s))
  end
end

function M.nodes.tests(node)
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

function M.nodes.instanceof(node, compile)
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

-- An operand of `and`/`or` that is no boolean makes the result null and
-- says so, as Camunda reports it (null included: "expected boolean");
-- once the result is null, later operands only decide false/true.
local function not_boolean(v, op, node)
  warn("INVALID_TYPE", ("'%s' expects booleans but found %s"):format(op, describe(v)), node)
end

-- Camunda folds from `true` (`and`) or `false` (`or`): an operand equal
-- to the other boolean decides; a first operand that is no boolean leaves
-- null and a warning, the second is still read (it may decide).
local function logic(op, decisive)
  return function(node, compile)
    local l, r = compile(node.left), compile(node.right)
    return function(s)
      local a = l(s)
      if a == decisive then return decisive end
      local known = a == not decisive
      if not known then not_boolean(a, op, node) end
      local b = r(s)
      if b == decisive then return decisive end
      if not known then return nil end
      if b == not decisive then return b end
      not_boolean(b, op, node)
      return nil
    end
  end
end

M.nodes["and"] = logic("and", false)
M.nodes["or"] = logic("or", true)

-- A condition that is not a boolean takes the else branch (Camunda).
M.nodes["if"] = function(node, compile)
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

return M
