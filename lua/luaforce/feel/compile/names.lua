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
      if null_field(ctx, name) then return nil, true end
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

function M.analyse(node)
  local names, info = {}, {}
  scan(node, names, info)
  return names, info.fundef or false
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
