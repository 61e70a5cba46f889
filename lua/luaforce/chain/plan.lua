--- luaforce.chain.plan: how a chain's steps go over the wire.
--
-- plan.stages(steps, all_or_none) -> stages
--   The steps cut into stages run one after another for a window of items:
--     {kind = "source", step}      the first query or from (items come out)
--     {kind = "query", step}       a query later on: each record an item
--     {kind = "item", step}        map, filter, each: worked out here
--     {kind = "collect", step}     every item so far becomes one
--     {kind = "group", steps}      operations that can travel together
--   A group's steps after its first each use the one before through
--   composite references: every argument that reads a name an earlier step
--   of the group binds (`response`, its result_variable, a result_expression
--   entry that is a path into the body) is one plain path into that body.
--   Without all_or_none each step must also refer to the step just before
--   it, so that Salesforce skips it when that step fails (a composite runs
--   the subrequests that do not depend on a failed one). A step with an
--   error expression ends its group: its outcome decides what comes next.
--   A group holds at most 25 steps.
--   group.bound[k]: the names step k's arguments may refer to, name ->
--   {step =, prefix = {...}, body = true|nil}.
--
-- plan.form(group, n) -> form
--   The cheapest correct way to run a group for n items, fewest requests
--   first, then fewest round trips:
--     {form = "plain", requests = n}          one request per step (n = 1)
--     {form = "collections", requests}        sObject Collections, each
--                                             step for every item (200 records
--                                             a request, 2,000 for reads)
--     {form = "composite", requests, per}     `per` items' steps in one
--                                             composite request (25 subrequests)
--     {form = "split"}                        the steps one by one (each then
--                                             planned as a group of its own)
-- plan.atomic(stages, n) -> true | nil, why
--   Whether every write for n items can go in one request with allOrNone,
--   the only rollback Salesforce offers; why says what stops it.
-- plan.fits(group, n) -> true | nil, why: the same for one group and the
--   number of items that reach it (a query or collect step before it
--   changes that number: the engine checks again there).
local feel = require "luaforce.feel"
local steps_mod = require "luaforce.chain.steps"
local value = require "luaforce.chain.value"

local M = {}

M.MAX_SUBREQUESTS = 25
M.BATCH = 200
M.READ_BATCH = 2000

-- The arguments of a step that can hold references, and those that cannot.
local function ref_args(s)
  local list = {}
  if s.id then list[#list + 1] = s.id end
  if s.value then list[#list + 1] = s.value end
  if s.fields then
    if s.fields.kind == "table" then
      for _, k in ipairs(s.fields.order) do list[#list + 1] = s.fields.entries[k] end
    else
      list[#list + 1] = s.fields -- a whole-fields expression: never a reference
    end
  end
  return list
end

-- The names step s binds for the steps after it (k is its index).
local function bind(bound, names, s)
  bound.response = { step = s.index, body = true }
  names.response = true
  local rv = s.opts.result_variable
  if rv then
    bound[rv] = { step = s.index, body = true }
    names[rv] = true
  end
  local re = s.opts.result_expression
  if re then
    local c = feel.compiled(re)
    local keys, paths = c:entry_paths()
    for _, k in ipairs(keys or {}) do
      names[k] = true
      local p = paths[k]
      bound[k] = nil
      if p then
        -- `body.x` or `response.body.x`
        local i = (p[1] == "body" and 2) or (p[1] == "response" and p[2] == "body" and 3) or nil
        if i then
          -- as Salesforce's references count: indexes from 0
          local prefix = {}
          for j = i, #p do
            local x = p[j]
            if math.type(x) == "integer" then x = x - 1 end
            prefix[#prefix + 1] = x
          end
          bound[k] = { step = s.index, prefix = prefix }
        end
      end
    end
    if not keys then
      -- a result expression that is no context literal may bind any name
      names["*"] = true
    end
  end
end

local function copy(t)
  local o = {}
  for k, v in pairs(t) do o[k] = v end
  return o
end

-- Whether step s can join a group whose names are `names` / `bound`; and
-- why not.
local function joins(s, group, names, bound, all_or_none)
  if #group.steps >= M.MAX_SUBREQUESTS then return false, "a composite request holds 25 subrequests" end
  local prev = group.steps[#group.steps]
  if prev.opts.error_expression then return false, ("step %d has an error expression"):format(prev.index) end
  if s.op == "query" then return false, "a query is a step of its own" end
  if names["*"] then return false, ("step %d's result expression is no context literal"):format(prev.index) end
  if value.depends(s.object, names) then return false, "the object name depends on an earlier result" end
  local refers_prev = false
  for _, spec in ipairs(ref_args(s)) do
    if value.depends(spec, names) then
      local fake = {}
      for n, b in pairs(bound) do fake[n] = { ref = b.step, prefix = b.prefix, body = b.body } end
      local r = value.reference(spec, fake)
      if not r then
        return false, ("%s is not one path into an earlier step's result (%s)"):format(spec.what,
          steps_mod.arg_text(spec))
      end
      if r.ref == prev.index then refers_prev = true end
    end
  end
  if not refers_prev and not all_or_none then
    return false, ("it does not use step %d's result, so Salesforce would run it even when step %d fails")
      :format(prev.index, prev.index)
  end
  return true
end

--- See the file comment.
function M.stages(steps, all_or_none)
  local stages = {}
  local group, names, bound
  local function close()
    if group then stages[#stages + 1] = group end
    group = nil
  end
  for i, s in ipairs(steps) do
    if i == 1 and (s.op == "query" or s.op == "from") then
      stages[#stages + 1] = { kind = "source", step = s }
    elseif s.op == "query" then
      close()
      stages[#stages + 1] = { kind = "query", step = s }
    elseif steps_mod.OPERATIONS[s.op] then
      local ok, why = false, nil
      if group then ok, why = joins(s, group, names, bound, all_or_none) end
      if not ok then
        if group then group.cut = group.cut or {}; group.cut[#group.cut + 1] = why end
        close()
        group, names, bound = { kind = "group", steps = {}, bound = {} }, {}, {}
        group.why_alone = why
      end
      group.steps[#group.steps + 1] = s
      group.bound[s.index] = copy(bound)
      bind(bound, names, s)
    else
      close()
      stages[#stages + 1] = { kind = s.op == "collect" and "collect" or "item", step = s }
    end
  end
  close()
  return stages
end

-- How a single step goes in sObject Collections, or nil.
local function collection_size(s)
  if s.op == "get" then
    if s.get_fields and not s.opts.relationship and not s.opts.query then return M.READ_BATCH end
    return nil
  end
  if steps_mod.WRITES[s.op] then return M.BATCH end
  return nil
end
M.collection_size = collection_size

local function ceil_div(a, b) return (a + b - 1) // b end

--- See the file comment.
function M.form(group, n)
  local g = #group.steps
  if n <= 1 then
    if g == 1 then return { form = "plain", requests = n } end
    return { form = "composite", requests = n, per = 1 }
  end
  local per = M.MAX_SUBREQUESTS // g
  local composite = ceil_div(n, per)
  local split = 0
  for _, s in ipairs(group.steps) do
    local size = collection_size(s)
    split = split + ceil_div(n, size or M.MAX_SUBREQUESTS)
  end
  if g == 1 then
    if collection_size(group.steps[1]) then return { form = "collections", requests = split } end
    return { form = "composite", requests = composite, per = per }
  end
  if split < composite then return { form = "split", requests = split } end
  return { form = "composite", requests = composite, per = per }
end

--- Whether one request with allOrNone holds a group's writes for n items:
-- true, or nil and why not.
function M.fits(group, n)
  local g = #group.steps
  if n <= 1 and g == 1 then return true end
  if g == 1 then
    if n <= M.BATCH and collection_size(group.steps[1]) then return true end
    return nil, ("%d records are more than one sObject Collections request holds (%d)"):format(n, M.BATCH)
  end
  if n * g <= M.MAX_SUBREQUESTS then return true end
  return nil, ("%d items x %d steps are %d subrequests; one composite request holds %d"):format(n, g, n * g,
    M.MAX_SUBREQUESTS)
end

--- See the file comment.
function M.atomic(stages, n)
  local write_group, between
  for _, st in ipairs(stages) do
    if st.kind == "group" then
      local writes = false
      for _, s in ipairs(st.steps) do
        if s.writes then writes = true end
      end
      if writes then
        if write_group then
          local why = between and ("step %d (%s) runs here, between them"):format(between.index, between.op)
            or write_group.cut and write_group.cut[1] or "they need a request each"
          return nil, ("steps %d and %d cannot go in one request: %s"):format(write_group.steps[1].index,
            st.steps[1].index, why)
        end
        write_group = st
      end
    elseif write_group and not between then
      between = st.step
    end
  end
  if not write_group then return true end
  for _, s in ipairs(write_group.steps) do
    if s.opts.error_expression then
      return nil, ("step %d has an error expression, which cannot act inside a rolled-back request"):format(s.index)
    end
  end
  return M.fits(write_group, n)
end

return M
