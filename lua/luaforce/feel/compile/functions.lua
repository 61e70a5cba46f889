--- luaforce.feel.compile.functions: function definitions (`function(a, b)
-- a + b`) and calls, positional (`f(1, 2)`) or named (`f(b: 2, a: 1)`), of
-- FEEL functions, builtins and Lua functions from the caller's context.
--
-- functions.nodes.fundef(node, compile), functions.nodes.call(node,
-- compile): the compilers of those nodes. Every call of a FEEL function
-- counts one step of the budget; a function takes the scope it was defined
-- in, so recursion goes through a context entry.
local values = require "luaforce.feel.kinds"
local budget = require "luaforce.feel.budget"
local resolve_function = require("luaforce.feel.compile.names").resolve_function

local M = {}

local NULL = values.NULL
local kind, warn, diag, describe, call = values.kind, values.warn, values.diag, values.describe, values.call
local FUNCTION_MT = values.FUNCTION_MT
local counter, refill = budget.counter, budget.refill
local type, setmetatable, select, ipairs = type, setmetatable, select, ipairs

M.nodes = {}

function M.nodes.fundef(node, compile)
  local params, body = node.params, compile(node.body)
  local nparams = #params
  return function(s)
    local f = setmetatable({ params = params }, FUNCTION_MT)
    f.call = function(...)
      local left = counter.steps - 1
      counter.steps = left
      if left <= 0 then refill() end
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
      local left = counter.steps - 1
      counter.steps = left
      if left <= 0 then refill() end
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

local function callee_of(node, compile)
  local cn = node.callee
  if cn.kind == "name" then
    local name = cn.name
    return function(s) return resolve_function(node, s, name) end
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

function M.nodes.call(node, compile)
  local fn = callee_of(node, compile)
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

return M
