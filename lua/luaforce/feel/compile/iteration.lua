--- luaforce.feel.compile.iteration: `for ... in ... return`, `some ... satisfies`
-- and `every ... satisfies`, over lists and ranges (`for i in 1..3`, over a
-- range value `[1..3]`), with several iterators (later sources see earlier
-- variables) and `partial` (the results so far; each copy of it is charged
-- to the budget by its length).
--
-- iteration.nodes["for"](node, compile), iteration.nodes.quantified(node,
-- compile): the compilers of those nodes. Every iteration counts one step
-- of the budget; a loop reuses one scope frame unless its body defines a
-- function.
local values = require "luaforce.feel.kinds"
local budget = require "luaforce.feel.budget"
local names = require "luaforce.feel.compile.names"

local M = {}

local NULL = values.NULL
local kind, warn, describe = values.kind, values.warn, values.describe
local LIST_MT = values.LIST_MT
local counter, refill = budget.counter, budget.refill
local work, alloc = budget.work, budget.alloc
local setmetatable, mtype, ipairs = setmetatable, math.type, ipairs

M.nodes = {}

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

local function range_of(node, compile)
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

local function sources_of(node, compile)
  local out = {}
  for i, src in ipairs(node.sources) do
    if src.kind == "range" and src.low_closed == nil then
      out[i] = range_of(src, compile)
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

M.nodes["for"] = function(node, compile)
  local vars, sources = node.vars, sources_of(node, compile)
  local body = compile(node.body)
  local mentioned, fundef = names.analyse(node.body)
  local uses_partial = mentioned.partial or false
  local depth = #vars
  return function(s)
    local out = setmetatable({}, LIST_MT)
    local n = 0
    local base = s
    if uses_partial then base = { name = "partial", value = out, parent = s } end
    -- `partial` is the results so far as a fresh list each time: the body
    -- sees a value, never the list being built (which would then hold itself)
    local function snapshot()
      if n > 64 then work(n >> 2); alloc(16 * n) end
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
        local left = counter.steps - 1
        counter.steps = left
        if left <= 0 then refill() end
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
        local left = counter.steps - 1
        counter.steps = left
        if left <= 0 then refill() end
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
function M.nodes.quantified(node, compile)
  local vars, sources = node.vars, sources_of(node, compile)
  local cond = compile(node.cond)
  local _, fundef = names.analyse(node.cond)
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
        local left = counter.steps - 1
        counter.steps = left
        if left <= 0 then refill() end
        if fundef then frame = { name = vars[level], parent = scope } end
        frame.value = list[i]
        if level == depth then
          local v = cond(frame)
          if v == decisive then return true end
          if v ~= not decisive and not undecided then
            undecided = true
            warn("INVALID_TYPE", ("'%s ... satisfies' expects booleans but found %s"):format(node.quantifier, describe(v)), node.cond)
          end
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

return M
