--- luaforce.feel.compile: a syntax tree to one Lua closure per node.
--
-- compile.compile(root) -> function(scope) -> value
--
-- Nothing is interpreted at evaluation time: each node's closure holds its
-- children's closures and the constants it needs (a literal's number, a
-- context literal's shared key-order metatable), so evaluating a compiled
-- expression allocates only the values it builds. Every failure the
-- language defines (a missing name, a type mismatch, a division by zero)
-- yields null and a warning; nothing raises, except the budget's abort
-- (luaforce.feel.budget) and a failed assert().
--
-- This file compiles the literals (numbers, strings, booleans, null,
-- temporal literals, lists, contexts, ranges) and dispatches every other
-- node kind to the module that compiles it:
--   compile.names       names, and the scopes they resolve in
--   compile.paths       paths and filters
--   compile.operators   arithmetic, comparison, `in`, logic, `if`
--   compile.iteration   for, some, every
--   compile.functions   function definitions and calls
-- Each of those exports `nodes`, a table kind -> function(node, compile).
local values = require "luaforce.feel.kinds"
local N = require "luaforce.feel.number"
local Range = require "luaforce.feel.range"
local names = require "luaforce.feel.compile.names"

local M = {}

local NULL = values.NULL
local warn, describe, compare = values.warn, values.describe, values.compare
local LIST_MT = values.LIST_MT
local setmetatable, ipairs, pairs = setmetatable, ipairs, pairs

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

function C.list(node, compile)
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
function C.context(node, compile)
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
  -- the literal's subtree is its values' (keys are text)
  local mentioned, fundef = names.analyse(node)
  if fundef then needs_frame = true end
  for k in pairs(seen) do if mentioned[k] then needs_frame = true; break end end
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

-- A range literal: [1..10], (1..10), ]1..10[, ... (a bare `1..5` inside
-- a list is closed at both ends). Its ends must be comparable values.
function C.range(node, compile)
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

for _, part in ipairs { "names", "paths", "operators", "iteration", "functions" } do
  for kind, f in pairs(require("luaforce.feel.compile." .. part).nodes) do
    assert(not C[kind], kind)
    C[kind] = f
  end
end

--- Compiles a node (and its subtree) to a closure `function(scope)`.
local function compile(node)
  local c = C[node.kind]
  if not c then error("luaforce.feel.compile: unknown node kind '" .. tostring(node.kind) .. "'", 2) end
  return c(node, compile)
end

--- Compiles a whole tree: its names indexed once (compile.names), then each node.
function M.compile(root)
  names.index(root)
  local ok, fn = pcall(compile, root)
  names.index(nil)
  if not ok then error(fn, 0) end
  return fn
end

return M
