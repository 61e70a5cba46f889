--- luaforce.feel.compile.names: names and the scopes they resolve in.
--
-- Scopes are chains of frames, innermost first:
--   {ctx = t, parent}              a context's entries (the caller's context,
--                                  a context literal under construction)
--   {name = n, value = v, ...}     one variable (for, some, every; `item`
--                                  in a filter, together with ctx = the item)
--   {vars = {n = v}, parent}       function parameters
-- Values in frames hold json.null for null, so "bound to null" differs from
-- "not bound". Loops reuse one frame per loop unless the body defines a
-- function (which would capture it): `analyse` tells.
--
-- Contexts are read with rawget: a metatable on the caller's table (an
-- __index to _G, say) never lends an expression more than the table holds.
--
-- names.lookup(scope, name) -> value (nil for null), found
-- names.index(root) -> nodes visited: indexes the tree being compiled
-- names.stats.visited               nodes indexed so far (a counter)
-- names.analyse(node) -> set of the names a subtree mentions, whether it
--   defines a function
-- names.resolve_function(node, scope, name) -> the function a call names
--   (a function in scope, else a builtin), or nil and a warning
-- names.nodes.name(node)            the compiler of `name` nodes
local values = require "luaforce.feel.kinds"
local builtins = require "luaforce.feel.builtins"

local M = {}

local NULL = values.NULL
local kind, warn, null_field = values.kind, values.warn, values.null_field
local type, rawget, pairs, ipairs = type, rawget, pairs, ipairs

--- Looks a name up in a scope: the value (nil for null) and whether found.
local function lookup(scope, name)
  while scope do
    -- a frame's context first: inside a filter an item's own `item` entry
    -- wins over the item itself
    local ctx = scope.ctx
    if ctx then
      local v = rawget(ctx, name)
      if v ~= nil then
        if v == NULL then return nil, true end
        return v, true
      end
      if null_field(ctx, name) then return nil, true end
    end
    if scope.name == name then
      local v = scope.value
      if v == NULL then return nil, true end
      return v, true
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

-- What a subtree refers to, answered from one index of the whole tree so
-- that compiling stays linear in its size (asking each context, loop and
-- filter to walk its own subtree was quadratic in the nesting depth): nodes
-- numbered in pre-order, a subtree being the numbers first..last, the
-- numbers of each name's occurrences (ascending), and a running count of
-- function definitions. compile.compile indexes the tree it compiles
-- (`names.index`) and lets go of the index when done.
local function build_index(root)
  local idx = { names = {}, fundefs = { [0] = 0 }, first = {}, last = {}, visited = 0 }
  local names, fundefs, firsts, lasts = idx.names, idx.fundefs, idx.first, idx.last
  local n = 0
  local function visit(node)
    n = n + 1
    firsts[node] = n
    local k = node.kind
    fundefs[n] = fundefs[n - 1] + (k == "fundef" and 1 or 0)
    if k == "name" then
      local list = names[node.name]
      if not list then list = {}; names[node.name] = list end
      list[#list + 1] = n
    end
    for key, v in pairs(node) do
      if key ~= "kind" and type(v) == "table" then
        if v.kind then visit(v) else for _, c in ipairs(v) do if type(c) == "table" and c.kind then visit(c) end end end
      end
    end
    lasts[node] = n
  end
  visit(root)
  idx.visited = n
  M.stats.visited = M.stats.visited + n
  return idx
end

local active, pending -- the index of the tree being compiled; its root until asked

--- Nodes indexed since the process started (for the specs: compiling a
-- tree of n nodes visits n).
M.stats = { visited = 0 }

--- Names the tree about to be compiled (nil: forget it). The index is
-- built on the first question (`analyse`): most small expressions have no
-- context, loop or filter that asks, and compile without one.
function M.index(root)
  active, pending = nil, root
end

-- Whether the ascending list holds a number in first..last (binary search).
local function any_between(list, first, last)
  local lo, hi = 1, #list
  while lo <= hi do
    local mid = (lo + hi) // 2
    local v = list[mid]
    if v < first then lo = mid + 1 elseif v > last then hi = mid - 1 else return true end
  end
  return false
end

--- The names a subtree mentions (a set answered on demand: `mentioned[n]`
-- is true or false; it cannot be iterated) and whether it defines a function.
function M.analyse(node)
  if pending then active, pending = build_index(pending), nil end
  local idx = active
  if not (idx and idx.first[node]) then idx = build_index(node) end
  local first, last = idx.first[node], idx.last[node]
  local mentioned = setmetatable({}, { __index = function(_, name)
    local list = idx.names[name]
    return list ~= nil and any_between(list, first, last)
  end })
  return mentioned, idx.fundefs[last] - idx.fundefs[first - 1] > 0
end

--- The function a call names: a function in scope first (user functions in
-- contexts), then the builtins. A non-function variable does not hide a
-- builtin (`count` may be a field and a function).
function M.resolve_function(node, s, name)
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

M.nodes = {}

-- A name: a variable in scope, else a builtin function as a value.
function M.nodes.name(node)
  local name = node.name
  if name == "?" then
    -- the input of a unary test; anywhere else the evaluation fails, as
    -- Camunda's does
    return function(s)
      local v, found = lookup(s, name)
      if found then return v end
      error({ feel_abort = true, type = "NO_INPUT_VALUE",
        message = "no input value: '?' names the input only inside a unary test (after 'in', or in feel.unary)" }, 0)
    end
  end
  return function(s)
    local v, found = lookup(s, name)
    if found then return v end
    local b = builtins.functions[name]
    if b then return b end
    warn("NO_VARIABLE_FOUND", ("no variable found with name '%s'"):format(name), node)
    return nil
  end
end

return M
