--- luaforce.feel.unary: unary tests as an entry point, the way a decision
-- table's input entry is checked against the input value.
--
--     local unary = require "luaforce.feel.unary"   -- also feel.unary
--     unary.eval("< 10, [20..30]", 25)        --> true, {}
--     unary.eval("not(\"a\", \"b\")", "c")     --> true, {}
--     unary.eval("starts with(?, \"f\")", "foo")  --> true, {}
--
-- unary.eval(tests, input[, context[, opts]]) -> true | false | nil, warnings
--   [, failure]; or nil, err for a syntax error (err as feel.compile's).
--   `input` is a Lua value as a context holds it (nil or json.null: null);
--   `context` and `opts` are compiled:eval's (the budget included).
-- unary.compile(tests) -> compiled | nil, err; compiled:eval(input[,
--   context[, opts]]) as above.
--
-- The forms, as Camunda's engine (feel-scala) evaluates them:
--   -                      any input: true
--   a, b, c                true when one is true, else null when one is
--                          null, else false
--   not(a, b)              the negation of that (null stays null)
--   < x, <= x, > x, >= x   the input compared with x (null when either is
--                          null or they have no order); = x and != x too
--   [1..10], (a..b]        the input in the range
--   true / false alone     the input equals that boolean
--   an expression naming ? (the input): its value when a boolean, else null
--   another expression     true when it is true, when it is a list holding
--                          the input, or when it equals the input; false
--                          when it is false, a list without the input or
--                          another value; null when the two have no
--                          equality (a date and a number)
-- luaforce.feel requires this module only when feel.unary is first called,
-- so requiring it here closes no loop
local feel = require "luaforce.feel"
local parser = require "luaforce.feel.parser"
local compile = require "luaforce.feel.compile"
local names = require "luaforce.feel.compile.names"
local operators = require "luaforce.feel.compile.operators"
local values = require "luaforce.feel.kinds"
local Range = require "luaforce.feel.range"

local M = {}

local NULL = values.NULL
local kind, out = values.kind, values.out
local ordered, incomparable = operators.ordered, operators.incomparable

-- Equality with null as a value: null = null, null != anything else; nil
-- when the two have no equality.
local function eq(x, v)
  if x == nil or v == nil then return x == v end
  return values.equal(x, v)
end

-- An expression that does not name `?`, checked against the input.
local function against(x, v, tok)
  if v == true then return true end
  local list = kind(v) == "list"
  if list then
    for i = 1, #v do
      if eq(x, out(v[i])) == true then return true end
    end
  end
  local e = eq(x, v)
  if e == true then return true end
  if v == false or list then return false end
  if e == nil then return incomparable(tok, x, v) end
  return false
end

-- One positive test as function(scope, input) -> true | false | nil.
local function test_of(item)
  local op = item.op
  if op == "bool" then
    local b = item.value
    return function(_, x) return x == b end
  end
  if op then
    local operand = compile.compile(item.operand)
    if op == "=" or op == "!=" then
      local want = op == "="
      return function(s, x)
        local v = operand(s)
        local e = eq(x, v)
        if e == nil then return incomparable(item.tok, x, v) end
        return e == want
      end
    end
    return function(s, x) return ordered(item.tok, op, x, operand(s)) end
  end
  local node = item.expr
  local e = compile.compile(node)
  if node.kind == "range" then
    return function(s, x)
      local r = e(s)
      if r == nil or x == nil then return nil end
      local inside = Range.includes(r, x)
      if inside == nil then return incomparable(item.tok, x, r) end
      return inside
    end
  end
  if names.analyse(node)["?"] then
    return function(s)
      local v = e(s)
      if v == true or v == false then return v end
      return nil
    end
  end
  local tok = item.tok
  return function(s, x) return against(x, e(s), tok) end
end

-- The tree parser.parse_unary gives, as function(scope, input).
local function build(tree)
  if tree.any then return function() return true end end
  local tests = {}
  for i, item in ipairs(tree.tests) do tests[i] = test_of(item) end
  local any = operators.any_of(tests)
  if not tree.negated then return any end
  return function(s, x)
    local r = any(s, x)
    if r == nil then return nil end
    return not r
  end
end

local Compiled = {}
Compiled.__index = Compiled
Compiled.__name = "luaforce.feel.UnaryTests"

--- Compiles unary tests: the compiled tests, or nil, err (a syntax error).
function M.compile(src)
  if type(src) ~= "string" then
    error("bad argument #1 to 'unary' (unary tests as text expected, got " .. type(src) .. ")", 2)
  end
  local tree, err = feel.parse_text(src, src, parser.parse_unary, "the unary tests are empty")
  if not tree then return nil, err end
  return setmetatable({ source = src, fn = build(tree) }, Compiled)
end

--- Checks `input` against the compiled tests: true, false or nil,
-- warnings[, failure].
function Compiled:eval(input, context, opts)
  local fn, x = self.fn, input
  if x == NULL then x = nil end
  local scope = { name = "?", value = x == nil and NULL or x, parent = feel.scope(context) }
  return feel.run(function(s) return fn(s, x) end, scope, opts)
end

function Compiled:__tostring()
  return "feel unary tests: " .. self.source
end

--- Compiles and checks at once (see the header).
function M.eval(src, input, context, opts)
  local c, err = M.compile(src)
  if not c then return nil, err end
  return c:eval(input, context, opts)
end

return M
