--- FEEL builtins: lists. Positions are 1-based, negative from the end.
-- The aggregates (min, max, sum, ...) take a list or several arguments.
local values = require "luaforce.feel.kinds"
local N = require "luaforce.feel.number"
local budget = require "luaforce.feel.budget"

local NULL, LIST_MT = values.NULL, values.LIST_MT
local kind, out, equal, compare = values.kind, values.out, values.equal, values.compare
local setmetatable, select = setmetatable, select

local function list(t) return setmetatable(t, LIST_MT) end

local function pack(...)
  local t = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if v == nil then v = NULL end
    t[i] = v
  end
  return list(t)
end

-- The numbers of a list, or nil, message.
local function numbers(l)
  for i = 1, #l do
    local v = l[i]
    if not N.is(v) then return nil, "expected numbers but found " .. values.describe(out(v)) end
  end
  return l
end

local function sum_of(l)
  local s = 0
  for i = 1, #l do
    local err
    s, err = N.add(s, l[i])
    if s == nil then return nil, err end
  end
  return s
end

-- Sorts numbers ascending (a copy).
local function sorted_numbers(l)
  local t = {}
  for i = 1, #l do t[i] = l[i] end
  table.sort(t, function(a, b) return N.compare(a, b) < 0 end)
  return t
end

local function extreme(l, want)
  local n = #l
  if n == 0 then return nil end
  local best = out(l[1])
  for i = 2, n do
    local v = out(l[i])
    local c = compare(v, best)
    if c == nil then return nil, "the items cannot be compared: " .. values.tostring(l) end
    if c == want then best = v end
  end
  if n == 1 and compare(best, best) == nil then
    return nil, "the items cannot be compared: " .. values.tostring(l)
  end
  return best
end

local function all(l)
  local acc = true
  for i = 1, #l do
    local v = out(l[i])
    if acc == false then return false end
    if acc == true and type(v) == "boolean" then acc = v
    elseif acc == nil and v == false then acc = false
    else acc = nil end
  end
  return acc
end

local function any(l)
  local acc = false
  for i = 1, #l do
    local v = out(l[i])
    if acc == true then return true end
    if acc == false and type(v) == "boolean" then acc = v
    elseif acc == nil and v == true then acc = true
    else acc = nil end
  end
  return acc
end

local function start_index(pos, len)
  if pos > 0 then return pos - 1 end
  return len + pos
end

local function slice(l, from, to)
  local t, n = {}, 0
  if from < 0 then from = 0 end
  if to > #l then to = #l end
  for i = from + 1, to do n = n + 1; t[n] = l[i] end
  return list(t)
end

local function contains(l, v)
  for i = 1, #l do
    if equal(out(l[i]), v) == true then return true end
  end
  return false
end

-- The distinct items of a list in order of first occurrence, and how often
-- each occurs, in linear time for the values a table key stands for (text,
-- Lua numbers, booleans, null); other values (decimals, dates, lists,
-- contexts) are compared with `equal` one by one, those scans charged to
-- the budget. A keyed value also looks among the others (1 = 1.0).
local function keyed(v)
  local t = type(v)
  return v == nil or t == "string" or t == "number" or t == "boolean"
end

local function find_among(t, idxs, v)
  local n = #idxs
  if n >= 64 then budget.work(n >> 2) end
  for i = 1, n do
    local j = idxs[i]
    if equal(out(t[j]), v) == true then return j end
  end
end

local function tally(l)
  local t, counts, at, others, every = {}, {}, {}, {}, {}
  for i = 1, #l do
    local item = l[i]
    local v = out(item)
    local j
    if keyed(v) then
      j = at[v == nil and NULL or v]
      if not j and #others > 0 then j = find_among(t, others, v) end
    else
      j = find_among(t, every, v)
    end
    if j then
      counts[j] = counts[j] + 1
    else
      j = #t + 1
      t[j], counts[j], every[j] = item, 1, j
      if keyed(v) then at[v == nil and NULL or v] = j else others[#others + 1] = j end
    end
  end
  return t, counts
end

local function flatten_into(l, t)
  for i = 1, #l do
    local v = l[i]
    if kind(v) == "list" then flatten_into(v, t) else t[#t + 1] = v end
  end
  return t
end

-- A stable merge sort with a FEEL `precedes` function.
local function merge_sort(t, precedes)
  local n = #t
  if n < 2 then return t end
  local width, src, dst = 1, t, {}
  while width < n do
    for lo = 1, n, 2 * width do
      local mid, hi = math.min(lo + width, n + 1), math.min(lo + 2 * width, n + 1)
      local i, j, k = lo, mid, lo
      while i < mid and j < hi do
        local r = values.call(precedes, out(src[j]), out(src[i]))
        if r ~= true and r ~= false then error({ sort_failed = r }, 0) end
        if r then dst[k] = src[j]; j = j + 1 else dst[k] = src[i]; i = i + 1 end
        k = k + 1
      end
      while i < mid do dst[k] = src[i]; i = i + 1; k = k + 1 end
      while j < hi do dst[k] = src[j]; j = j + 1; k = k + 1 end
    end
    src, dst = dst, src
    width = width * 2
  end
  return src
end

return function(def)
  -- an aggregate taking a list, or its items as arguments; a single item
  -- that is not a list is a list of one (Camunda's varargs: `min(1)` is 1)
  local function aggregate(name, f)
    def(name, { "list: any" }, function(l)
      if l == nil then return nil, "'list' must be a list, not null" end
      if kind(l) ~= "list" then l = pack(l) end
      return f(l)
    end)
    def(name, { "items...: any" }, function(...) return f(pack(...)) end)
  end

  def("list contains", { "list: list", "element: any" }, contains)
  def("count", { "list: list" }, function(l) return #l end)

  aggregate("min", function(l) return extreme(l, -1) end)
  aggregate("max", function(l) return extreme(l, 1) end)

  aggregate("sum", function(l)
    if #l == 0 then return nil end
    local ok, err = numbers(l)
    if not ok then return nil, err end
    return sum_of(l)
  end)

  aggregate("product", function(l)
    if #l == 0 then return nil end
    local ok, err = numbers(l)
    if not ok then return nil, err end
    local p = 1
    for i = 1, #l do
      p, err = N.mul(p, l[i])
      if p == nil then return nil, err end
    end
    return p
  end)

  aggregate("mean", function(l)
    if #l == 0 then return nil end
    local ok, err = numbers(l)
    if not ok then return nil, err end
    local s, e = sum_of(l)
    if s == nil then return nil, e end
    return N.div(s, #l)
  end)

  aggregate("median", function(l)
    if #l == 0 then return nil end
    local ok, err = numbers(l)
    if not ok then return nil, err end
    local t = sorted_numbers(l)
    local n = #t
    if n % 2 == 1 then return N.norm(t[(n + 1) // 2]) end
    local s, e = N.add(t[n // 2], t[n // 2 + 1])
    if s == nil then return nil, e end
    return N.div(s, 2)
  end)

  -- the sample standard deviation, its square root in doubles (Camunda)
  aggregate("stddev", function(l)
    local n = #l
    if n == 0 then return nil end
    local ok, err = numbers(l)
    if not ok then return nil, err end
    if n == 1 then return nil, "the standard deviation needs two numbers" end
    local mean = N.div(sum_of(l), n)
    local d = 0
    for i = 1, n do
      local x = N.sub(l[i], mean)
      d = N.add(d, N.mul(x, x))
    end
    return N.sqrt(N.div(d, n - 1))
  end)

  aggregate("mode", function(l)
    if #l == 0 then return list {} end
    local ok, err = numbers(l)
    if not ok then return nil, err end
    local t = sorted_numbers(l)
    local best, modes = 0, {}
    local i = 1
    while i <= #t do
      local j = i
      while j + 1 <= #t and N.eq(t[j + 1], t[i]) do j = j + 1 end
      local c = j - i + 1
      if c > best then best, modes = c, { N.norm(t[i]) }
      elseif c == best then modes[#modes + 1] = N.norm(t[i]) end
      i = j + 1
    end
    return list(modes)
  end)

  -- `and`/`or` are Camunda's names, `all`/`any` the older ones
  aggregate("and", all)
  aggregate("all", all)
  aggregate("or", any)
  aggregate("any", any)

  -- position 0 is no position (Camunda fails the call)
  def("sublist", { "list: list", "start: number" }, function(l, start)
    local p = N.truncate(start) or 0
    if p == 0 then return nil, "the start position must not be 0" end
    return slice(l, start_index(p, #l), #l)
  end)
  def("sublist", { "list: list", "start: number", "length: number" }, function(l, start, len)
    local p = N.truncate(start) or 0
    if p == 0 then return nil, "the start position must not be 0" end
    local i = start_index(p, #l)
    return slice(l, i, i + (N.truncate(len) or 0))
  end)

  def("append", { "list: list", "items...: any" }, function(l, ...)
    local t = {}
    for i = 1, #l do t[i] = l[i] end
    local n = #t
    for i = 1, select("#", ...) do
      local v = select(i, ...)
      if v == nil then v = NULL end
      n = n + 1
      t[n] = v
    end
    return list(t)
  end)

  -- concatenate and union take lists; another value joins as one item
  -- the items of the lists given, or of the lists in the one list given
  -- (Camunda's varargs: `concatenate([[1], [2]])` is [1, 2])
  local function concat_lists(...)
    local t = {}
    local n, lists = select("#", ...), { ... }
    if n == 1 and kind(lists[1]) == "list" then lists = lists[1]; n = #lists end
    for i = 1, n do
      local l = out(lists[i])
      if kind(l) == "list" then
        for j = 1, #l do t[#t + 1] = l[j] end
      else
        t[#t + 1] = l == nil and NULL or l
      end
    end
    return t
  end
  def("concatenate", { "lists...: any" }, function(...) return list(concat_lists(...)) end)

  local function distinct(l)
    return list((tally(l)))
  end
  def("union", { "lists...: any" }, function(...) return distinct(concat_lists(...)) end)
  def("distinct values", { "list: list" }, distinct)

  def("duplicate values", { "list: list" }, function(l)
    local items, counts = tally(l)
    local t = {}
    for i = 1, #items do
      if counts[i] > 1 then t[#t + 1] = items[i] end
    end
    return list(t)
  end)

  def("insert before", { "list: list", "position: number", "newItem: any" }, function(l, pos, item)
    local p = N.truncate(pos)
    if not p or p == 0 then return nil, "the position must not be 0" end
    local i = start_index(p, #l)
    -- past either end the item goes first or last (Camunda's take/drop)
    if i < 0 then i = 0 elseif i > #l then i = #l end
    local t = {}
    for j = 1, i do t[j] = l[j] end
    t[i + 1] = item == nil and NULL or item
    for j = i + 1, #l do t[j + 1] = l[j] end
    return list(t)
  end)

  def("remove", { "list: list", "position: number" }, function(l, pos)
    local p = N.truncate(pos)
    if not p or p == 0 then return nil, "the position must not be 0" end
    local i = start_index(p, #l)
    -- past either end nothing is removed (Camunda's take/drop slicing)
    if i < 0 or i >= #l then i = -1 end
    local t, n = {}, 0
    for j = 1, #l do
      if j ~= i + 1 then n = n + 1; t[n] = l[j] end
    end
    return list(t)
  end)

  def("reverse", { "list: list" }, function(l)
    local t, n = {}, #l
    for i = 1, n do t[i] = l[n + 1 - i] end
    return list(t)
  end)

  def("index of", { "list: list", "match: any" }, function(l, m)
    local t = {}
    for i = 1, #l do
      if equal(out(l[i]), m) == true then t[#t + 1] = i end
    end
    return list(t)
  end)

  def("flatten", { "list: list" }, function(l) return list(flatten_into(l, {})) end)

  def("sort", { "list: list", "precedes: function" }, function(l, precedes)
    local t = {}
    for i = 1, #l do t[i] = l[i] end
    local ok, r = pcall(merge_sort, t, precedes)
    if not ok then
      if budget.passes(r) then error(r, 0) end
      if type(r) == "table" and r.sort_failed ~= nil or type(r) == "table" and next(r) == nil then
        return nil, "the precedes function must return booleans"
      end
      return nil, "sorting failed: " .. tostring(r)
    end
    return list(r)
  end)

  def("is empty", { "list: list" }, function(l) return #l == 0 end)

  def("partition", { "list: list", "size: number" }, function(l, size)
    local n = N.truncate(size)
    if not n or n <= 0 then return nil, "the size must be a positive number" end
    local parts, cur = {}, nil
    for i = 1, #l do
      if (i - 1) % n == 0 then cur = list {}; parts[#parts + 1] = cur end
      cur[#cur + 1] = l[i]
    end
    return list(parts)
  end)
end
