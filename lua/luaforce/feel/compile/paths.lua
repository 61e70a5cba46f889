--- luaforce.feel.compile.paths: paths (`a.b`, projected over lists) and
-- filters (`xs[1]`, `xs[-1]`, `records[Amount > 1000]`).
--
-- paths.nodes.path(node, compile), paths.nodes.filter(node, compile): the
-- compilers of those nodes. A filter's item counts one step of the budget.
local values = require "luaforce.feel.kinds"
local N = require "luaforce.feel.number"
local budget = require "luaforce.feel.budget"
local passes = budget.passes
local names = require "luaforce.feel.compile.names"

local M = {}

local NULL = values.NULL
local kind, warn, diag, describe = values.kind, values.warn, values.diag, values.describe
local null_field = values.null_field
local LIST_MT = values.LIST_MT
local counter, refill = budget.counter, budget.refill
local type, setmetatable, rawget, pcall, error = type, setmetatable, rawget, pcall, error

M.nodes = {}

-- `object.key`: a context's entry, or over a list the projection of the key.
function M.nodes.path(node, compile)
  local object, key = compile(node.object), node.key
  return function(s)
    local o = object(s)
    local k = kind(o)
    if k == "context" then
      local v = rawget(o, key)
      if v == nil then
        if null_field(o, key) then return nil end
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

function M.nodes.filter(node, compile)
  local object = compile(node.object)
  local fnode = node.filter
  local cond = compile(fnode)
  local _, fundef = names.analyse(fnode)
  local static_index
  if fnode.kind == "number" then
    static_index = N.literal(fnode.text)
  elseif fnode.kind == "neg" and fnode.operand.kind == "number" then
    static_index = N.neg(N.literal(fnode.operand.text))
  end
  local per_item = PER_ITEM[fnode.kind] or false

  -- per item; a number for the first item makes the filter an index
  -- (`xs[count(xs)]`, `[1,2,3][abs(1)]`), as Camunda reads it
  local function run(list, s)
    local out, n = {}, 0
    local frame = { name = "item", value = NULL, parent = s }
    for i = 1, #list do
      local left = counter.steps - 1
      counter.steps = left
      if left <= 0 then refill() end
      local item = list[i]
      if fundef then frame = { name = "item", parent = s } end
      frame.value = item
      frame.ctx = kind(item) == "context" and item or nil
      local v = cond(frame)
      if v == true then
        n = n + 1
        out[n] = item
      elseif i == 1 and v ~= nil and N.is(v) then
        return index_by_number(list, v)
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
      if not ok and passes(v) then error(v, 0) end
      if ok and v ~= nil and N.is(v) then return index_by_number(list, v) end
    end
    return run(list, s)
  end
end

return M
