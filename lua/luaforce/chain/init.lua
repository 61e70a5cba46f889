--- luaforce.chain: step chains, multi-step automation in a few lines and in
-- as few requests as the API allows (docs/chains.md).
--
--     local chain = require "luaforce.chain"
--     local report = chain(org)
--       :query("SELECT Id, AccountId FROM Opportunity WHERE StageName = 'Prospecting'")
--       :map("={id: Id, account: AccountId}")
--       :get("Account", "=account", {fields = "Name,OwnerId", result_variable = "acct"})
--       :update("Opportunity", "=id", {StageName = "Closed Lost"})
--       :run{concurrency = 8}
--
-- chain(org) / chain.new(org) -> a chain; each step method adds a step and
--   returns the chain (luaforce.chain.steps lists them and their options).
-- chain.literal(x) -> an argument taken as it is ("=x" included)
-- c:plan([opts]) -> a plan: tostring(plan) shows the requests the chain
--   makes; plan.stages, plan.requests(n) (how many requests for n items),
--   plan.exact (the exact requests, when the items are known: a chain that
--   starts with `from` a list, or with one item), opts.all_or_none as run's.
-- c:run([opts]) -> report (luaforce.chain.report); opts:
--   concurrency  requests in flight (default 4)
--   window       items worked on together (default 2000): a query's records
--                go through the chain a window at a time, in constant memory
--   dry_run      true: send only reads; print the writes instead (with
--                resume: the writes a resume would send; the state file
--                is read, not written)
--   all_or_none  true: every write in one request with allOrNone, or refuse
--                before anything is sent (exit 2) saying why it cannot be;
--                an item that fails before the writes (or whose write
--                cannot be made) means no write is sent: the others fail
--                with NOT_SENT
--   state        a file to keep the run's state in (luaforce.chain.journal)
--   resume       true: go on from `state` (written by this chain): finished
--                writes are not sent again, lost answers stay unknown,
--                creates with external_id are sent as upserts, failed items
--                run again from the step that failed; items left in the
--                middle go on from there, even when the source no longer
--                gives them (the chain's writes took them out of its query)
--   print        a function(line) for the summary and a dry run's writes
--                (default: the summary to stderr, the writes to stdout);
--                false: silence
--   now, zone    the clock FEEL's now() and today() read
-- Ctrl-C: what was sent is settled in the state file and the summary
-- printed; then the interruption is raised (an error with .report and .exit
-- 6 when a write's outcome is unknown, else 130). Any other error that
-- stops a run after items went through (the state file cannot be written,
-- say) is raised the same way, with .report, .cause and the exit code of
-- the precedence table (6 when a write was on its way).
local errors = require "luaforce.errors"
local http = require "luaforce.http"
local json = require "luaforce.json"
local decide = require "luaforce.chain.decide"
local items_mod = require "luaforce.chain.items"
local journal_mod = require "luaforce.chain.journal"
local plan_mod = require "luaforce.chain.plan"
local report_mod = require "luaforce.chain.report"
local steps_mod = require "luaforce.chain.steps"
local value = require "luaforce.chain.value"
local wire = require "luaforce.chain.wire"
local sys = require "luaforce.core.sys"

local M = {}

M.literal = value.literal
M.DEFAULT_CONCURRENCY = 4
M.DEFAULT_WINDOW = 2000

local Chain = {}
Chain.__index = Chain
Chain.__name = "luaforce.chain.Chain"

--- See the file comment.
function M.new(org)
  if type(org) ~= "table" or type(org.call) ~= "function" then
    error(errors.usage("chain(org): an org is needed (luaforce.connect's)"), 2)
  end
  return setmetatable({ org = org, steps = {} }, Chain)
end

setmetatable(M, { __call = function(_, org) return M.new(org) end })

--- Whether v is a chain.
function M.is(v)
  return getmetatable(v) == Chain
end

local function add(self, op, ...)
  if getmetatable(self) ~= Chain then error(("%s: call it with ':' (c:%s(...))"):format(op, op), 3) end
  local n = #self.steps + 1
  if op == "from" then
    if n ~= 1 then error(errors.usage(("step %d (from): a chain's items come first"):format(n)), 3) end
    local src, opts = ...
    if type(src) ~= "table" and type(src) ~= "function" then
      error(errors.usage("step 1 (from): a list of items or an iterator function is needed"), 3)
    end
    if opts ~= nil and (type(opts) ~= "table" or next(opts) and not (next(opts) == "key" and next(opts, "key") == nil)) then
      error(errors.usage("step 1 (from): the only option is key"), 3)
    end
    self.steps[n] = { op = "from", index = n, label = "step 1 (from)", source = src,
      key = opts and opts.key and value.prepare(opts.key, "step 1 (from) key") or nil, writes = false }
    return self
  end
  local ok, s = pcall(steps_mod.new, n, op, ...)
  if not ok then error(s, 3) end
  self.steps[n] = s
  return self
end

for _, op in ipairs { "from", "query", "get", "create", "update", "delete", "upsert", "map", "filter", "each",
  "collect" } do
  Chain[op] = function(self, ...) return add(self, op, ...) end
end

---------------------------------------------------------------------------
-- Running

local function settle(ctx, item)
  if ctx.journal then
    ctx.journal:settle(item.key, { state = item.state, at = item.at, vars = item.state == "failed" and item.before
      or item.vars, error = item.err, applied = item.applied or nil })
  end
  ctx.report:finish(item)
end

local function end_item(ctx, item, state, at, err)
  item.state, item.at, item.err = state, at, err
  settle(ctx, item)
end

-- A group's answers applied to its items, step by step; the items a
-- jobError sends round again are returned with their step.
local function apply(ctx, group, items, retries_left)
  local again = {}
  for _, item in ipairs(items) do
    for _, s in ipairs(group.steps) do
      if item.state then break end
      if s.index >= (item.start or 0) then
        local o = item.outcomes[s.index]
        if not o then break end
        item.outcomes[s.index] = nil
        -- the record the step was about: its id, or the one it made
        if s.op == "create" or s.op == "upsert" then item.record = nil end
        if o.record then item.record = o.record end
        local body = o.response and o.response.body
        if type(body) == "table" and type(body.id) == "string" then item.record = body.id end
        local left = retries_left and retries_left[item] or s.retries
        local d = o.skip and { kind = "skip" } or decide.step(s, item, o, left, ctx.eopts)
        if d.kind == "skip" then
          -- rolled back along with the step that failed
          goto continue
        elseif d.kind == "next" then
          item.vars = d.vars
          item.last_done = s.index
          ctx.report:step_done(s.index)
          if s.writes and not o.dry then
            -- a write done: a resume starts after it, whatever happens next
            item.wrote = true
            if ctx.journal then
              ctx.journal:settle(item.key, { through = s.index, vars = item.vars })
            end
          end
        elseif d.kind == "retry" then
          again[#again + 1] = { item = item, step = s, retries = d.retries, backoff = d.backoff, message = d.message }
          break
        else
          item.before = item.vars
          item.applied = d.applied
          if d.applied then item.wrote = true end
          end_item(ctx, item, d.kind == "unknown" and "unknown" or d.kind, s.index, d.err)
        end
      end
      ::continue::
    end
    item.outcomes = {}
    ctx.inflight[item] = nil
  end
  return again
end

local run_group

-- A step again for the items a jobError sent round, after their backoff.
local function retry(ctx, again)
  while #again > 0 do
    local wait = 0
    for _, a in ipairs(again) do
      wait = math.max(wait, a.backoff or 0)
      -- its attempt failed for certain: should the run stop while it
      -- waits, the item is a failure a resume runs again, not a lost write
      a.err = errors.new { code = "JOB_FAILED", exit = errors.EXIT.JOB_FAILED,
        message = ("%s: jobError: %s (the run stopped before its retry)"):format(a.step.label, tostring(a.message)) }
      ctx.waiting[a.item] = a
      if ctx.journal then
        ctx.journal:settle(a.item.key, { state = "failed", at = a.step.index, vars = a.item.vars, error = a.err })
      end
    end
    if wait > 0 then http.sleep(wait) end
    local by_step, order = {}, {}
    for _, a in ipairs(again) do
      local k = a.step.index
      if not by_step[k] then by_step[k] = { step = a.step, items = {}, left = {} }; order[#order + 1] = k end
      local b = by_step[k]
      b.items[#b.items + 1] = a.item
      b.left[a.item] = a.retries
      a.item.start = k
    end
    local next_round = {}
    for _, k in ipairs(order) do
      local b = by_step[k]
      local g = { kind = "group", steps = { b.step }, bound = {} }
      wire.run(ctx, g, b.items, plan_mod.form(g, #b.items))
      for _, item in ipairs(b.items) do ctx.waiting[item] = nil end
      for _, a in ipairs(apply(ctx, g, b.items, b.left)) do next_round[#next_round + 1] = a end
    end
    again = next_round
  end
end

local function writes_of(group)
  for _, s in ipairs(group.steps) do
    if s.writes then return true end
  end
  return false
end

function run_group(ctx, group, items)
  local whole, partial = {}, {}
  for _, item in ipairs(items) do
    if (item.start or 0) > group.steps[1].index then partial[#partial + 1] = item else whole[#whole + 1] = item end
  end
  local form = plan_mod.form(group, #whole)
  if ctx.dry_run and not ctx.offline and #group.steps > 1 and writes_of(group) then
    -- a dry run sends the reads: a step at a time, so that the reads of a
    -- group that writes go for real and the writes after them see their answers
    form = { form = "split" }
  end
  if form.form == "split" or #partial > 0 then
    -- one step at a time: the items resumed in the middle of the group, or
    -- all of them when that costs fewer requests
    local list = form.form == "split" and items or partial
    for _, s in ipairs(group.steps) do
      local g = { kind = "group", steps = { s }, bound = {} }
      local active = {}
      for _, item in ipairs(list) do
        if not item.state and (item.start or 0) <= s.index then active[#active + 1] = item end
      end
      if #active > 0 then
        wire.run(ctx, g, active, plan_mod.form(g, #active))
        retry(ctx, apply(ctx, g, active))
      end
    end
    if form.form == "split" then whole = {} end
  end
  if #whole > 0 then
    wire.run(ctx, group, whole, form)
    retry(ctx, apply(ctx, group, whole))
  end
end

-- A filter keeps an item when FEEL gives true, or a Lua function gives
-- anything Lua counts as true (but json.null).
local function keeps(spec, v)
  if spec.kind == "fn" then return v ~= nil and v ~= false and v ~= json.null end
  return v == true
end

-- The items through the stages from `from` on; items that reach a collect
-- step wait there (ctx.collected).
local function process(ctx, stages, from, items)
  for si = from, #stages do
    local st = stages[si]
    local active = {}
    for _, item in ipairs(items) do
      if not item.state then active[#active + 1] = item end
    end
    if #active == 0 and st.kind ~= "collect" then return end
    if st.kind == "group" then
      local todo = {}
      for _, item in ipairs(active) do
        if (item.start or 0) <= st.steps[#st.steps].index then todo[#todo + 1] = item end
      end
      if #todo > 0 and ctx.all_or_none and writes_of(st) then
        -- all or none: an item that failed before the writes means none goes
        for _, e in ipairs(ctx.report.items) do
          if not e.resumed and (e.state == "failed" or e.state == "stopped" or e.state == "unknown") then
            local label = ctx.steps[e.step] and ctx.steps[e.step].label or ("step " .. tostring(e.step))
            local err = wire.not_sent(e.key, label, e.error)
            for _, item in ipairs(todo) do
              item.before = item.vars
              end_item(ctx, item, "failed", st.steps[1].index, err)
            end
            todo = {}
            break
          end
        end
      end
      if #todo > 0 and ctx.all_or_none and writes_of(st) then
        -- the real number of items, now that queries and collects made them
        local fits, why = plan_mod.fits(st, #todo)
        if not fits then
          error(errors.new { code = "NOT_ATOMIC", exit = errors.EXIT.USAGE,
            message = "all_or_none: Salesforce cannot roll these writes back together: " .. why,
            hint = "nothing was written; run without all_or_none for a best-effort run with a report" }, 0)
        end
      end
      if #todo > 0 then run_group(ctx, st, todo) end
    elseif st.kind == "collect" then
      local bag = ctx.collected[si] or {}
      ctx.collected[si] = bag
      for _, item in ipairs(active) do
        bag[#bag + 1] = item.vars
        item.state, item.at = "done", st.step.index
        ctx.report:step_done(st.step.index)
        settle(ctx, item)
      end
      return
    elseif st.kind == "query" then
      local s = st.step
      local out = {}
      for _, item in ipairs(active) do
        if (item.start or 0) > s.index then
          out[#out + 1] = item
        else
          local soql, err = value.resolve(s.soql, item.vars, ctx.eopts)
          local list
          if soql ~= nil and soql ~= json.null and type(soql) ~= "string" then
            soql, err = nil, errors.new { code = "INVALID_INPUT", exit = errors.EXIT.USAGE,
              message = ("%s: the query must be text, not %s"):format(s.label, type(soql)) }
          end
          if ctx.dry_run and type(soql) == "string" and soql:find("000DRY", 1, true) then
            -- it names a record this dry run only made up: not sent, no records
            ctx.would({ method = "GET", path = ctx.org.base .. "/query?q=" .. soql }, "GET query (not sent: it names a "
              .. "record the dry run made up): " .. soql)
            list = json.array {}
          elseif soql and soql ~= json.null then
            ctx.stats.requests = ctx.stats.requests + 1
            list, err = ctx.org:fetch_all(soql, { include_deleted = s.opts.all or nil, batch_size = s.opts.batch_size })
          elseif soql == json.null then
            err = errors.new { code = "INVALID_INPUT", exit = errors.EXIT.USAGE, message = s.label .. ": the query is null" }
          end
          if not list then
            item.before = item.vars
            end_item(ctx, item, "failed", s.index, err)
          else
            ctx.report:step_done(s.index)
            local kids = {}
            for n, rec in ipairs(list) do
              local vars = {}
              for k, v in pairs(rec) do vars[k] = v end
              vars.parent = item.vars
              kids[n] = { key = item.key .. "/" .. items_mod.key_of(s, rec, n, ctx.eopts, ctx.journal or ctx.previous), vars = vars }
            end
            -- the records are the items from here on (an earlier run's
            -- state applies to them by their keys)
            for _, kid in ipairs(items_mod.admit(ctx, kids)) do out[#out + 1] = kid end
            item.state, item.at = "done", s.index
            item.expanded = true
          end
        end
      end
      items = out
    else
      local s = st.step
      for _, item in ipairs(active) do
        if (item.start or 0) <= s.index then
          local v, err
          if s.op == "each" and ctx.offline then
            v = true -- a plan does not call each's function: it only does things
          else
            v, err = value.resolve(s.fn, item.vars, ctx.eopts)
          end
          if v == nil then
            item.before = item.vars
            end_item(ctx, item, "failed", s.index, err)
          elseif s.op == "map" then
            if type(v) ~= "table" or json.is_array(v) or v == json.null then
              item.before = item.vars
              end_item(ctx, item, "failed", s.index, errors.new { code = "INVALID_INPUT", exit = errors.EXIT.USAGE,
                message = ("%s: the item must become a context of variables, not %s"):format(s.label,
                  v == json.null and "null" or json.is_array(v) and "a list" or type(v)) })
            else
              item.vars = v
              ctx.report:step_done(s.index)
            end
          elseif s.op == "filter" then
            if keeps(s.fn, v) then
              ctx.report:step_done(s.index)
            else
              end_item(ctx, item, "filtered", s.index)
            end
          else
            ctx.report:step_done(s.index)
          end
        end
      end
    end
  end
  for _, item in ipairs(items) do
    if not item.state then
      item.state, item.at = "done", #ctx.steps
      settle(ctx, item)
    end
  end
end

-- The fingerprint of a chain's steps: a state file belongs to one chain.
local function fingerprint(self)
  local parts = {}
  for i, s in ipairs(self.steps) do
    parts[i] = s.op == "from" and ("from | key:" .. (s.key and steps_mod.arg_full(s.key) or "position"))
      or steps_mod.signature(s)
  end
  return table.concat(parts, "\n")
end

local RUN_OPTIONS = { concurrency = "integer", window = "integer", dry_run = "boolean", all_or_none = "boolean",
  state = "string", resume = "boolean", print = true, now = true, zone = "string" }

local function check_run_opts(opts)
  if opts == nil then return {} end
  if type(opts) ~= "table" then error(errors.usage("run: options must be a table"), 3) end
  for k, v in pairs(opts) do
    local want = RUN_OPTIONS[k]
    if not want then error(errors.usage(("run: unknown option '%s'"):format(tostring(k))), 3) end
    if want == "integer" then
      if math.type(v) ~= "integer" or v < 1 then error(errors.usage(("run: %s must be a whole number >= 1"):format(k)), 3) end
    elseif want ~= true and type(v) ~= want then
      error(errors.usage(("run: %s must be a %s"):format(k, want)), 3)
    end
  end
  if opts.print ~= nil and opts.print ~= false and type(opts.print) ~= "function" then
    error(errors.usage("run: print must be a function or false"), 3)
  end
  if opts.resume and not opts.state then error(errors.usage("run: resume needs the state file (state = ...)"), 3) end
  return opts
end

-- The stages with the source split off.
local function stages_of(self, all_or_none)
  local stages = plan_mod.stages(self.steps, all_or_none)
  local from = (stages[1] and stages[1].kind == "source") and 2 or 1
  return stages, from
end

local execute

--- See the file comment.
function Chain:run(opts)
  return execute(self, check_run_opts(opts), false)
end

-- A run; `offline`: a plan's dry run, which sends nothing at all.
function execute(self, opts, offline)
  local t0 = sys.monotonic_ms()
  local printer = opts.print
  if printer == nil then printer = function(line) io.stderr:write(line, "\n") end end
  local say_would = opts.print == nil and function(line) io.stdout:write(line, "\n") end or printer or nil
  local report = report_mod.new(self.steps, opts)
  local ctx = { org = self.org, steps = self.steps, eopts = { exact = true, now = opts.now, zone = opts.zone },
    dry_run = opts.dry_run or offline, offline = offline, all_or_none = opts.all_or_none or false,
    concurrency = opts.concurrency or M.DEFAULT_CONCURRENCY, stats = { requests = 0 }, report = report,
    collected = {}, seq = 0, keys = {}, collect_stage = {} }
  local stages, from = stages_of(self, ctx.all_or_none)
  for si, st in ipairs(stages) do
    if st.kind == "collect" then ctx.collect_stage[st.step.index] = si end
  end
  if ctx.all_or_none then
    -- a check with one item first: steps that can never share a request
    local ok, why = plan_mod.atomic(stages, 1)
    if not ok then
      error(errors.new { code = "NOT_ATOMIC", exit = errors.EXIT.USAGE,
        message = "all_or_none: Salesforce cannot roll these writes back together: " .. why,
        hint = "nothing was sent; run without all_or_none for a best-effort run with a report" }, 2)
    end
  end
  if opts.state and not ctx.dry_run then
    local j, prev
    if opts.resume then
      j, prev = journal_mod.resume(opts.state, fingerprint(self))
    else
      j, prev = journal_mod.create(opts.state, fingerprint(self), #self.steps)
    end
    if not j then error(prev, 2) end
    ctx.journal, ctx.previous = j, opts.resume and prev or nil
  elseif opts.state and opts.resume then
    -- a dry run of a resume: what is left, the state file left as it is
    local prev, err = journal_mod.read(opts.state, fingerprint(self))
    if not prev then error(err, 2) end
    ctx.previous = prev
  end
  ctx.inflight = {}
  ctx.waiting = {}
  ctx.intent = function(step_indexes, items, group)
    for _, item in ipairs(items) do ctx.inflight[item] = { step = step_indexes[1], group = group } end
    if ctx.journal then
      local keys = {}
      for i, item in ipairs(items) do keys[i] = item.key end
      ctx.journal:intent(step_indexes, keys)
    end
  end
  ctx.would = function(req, text)
    report.writes[#report.writes + 1] = text
    report.planned[#report.planned + 1] = req
    if say_would then say_would(text) end
  end
  local window = opts.window or M.DEFAULT_WINDOW
  if ctx.all_or_none then window = math.huge end

  local ok, err = pcall(function()
    local next_window = items_mod.windows(self.steps, ctx, window)
    while true do
      local list = next_window()
      if not list then break end
      if from == 2 then
        for _ = 1, #list do report:step_done(1) end
      end
      local items = items_mod.admit(ctx, list)
      process(ctx, stages, from, items)
    end
    local function is_collect(key) return key:match("^collect:") ~= nil end
    -- items an earlier run left in the middle of the chain, or failed
    -- without applying anything, that the source no longer gives (the
    -- chain's own writes take records out of its query, say): on from where
    -- they stood, with their variables then
    local middle = {}
    for key, p in pairs(ctx.previous or {}) do
      if not is_collect(key) then
        if p.through and not p.state then
          middle[#middle + 1] = { key = key, vars = p.through_vars }
        elseif p.state == "failed" and not p.applied and not p.pending then
          -- after its last finished write; with none, at the step that
          -- failed, with the variables it had there
          middle[#middle + 1] = { key = key, vars = p.through and p.through_vars or p.vars or {},
            start = not p.through and p.at or nil }
        end
      end
    end
    table.sort(middle, function(a, b) return a.key < b.key end)
    local size = math.min(window, math.max(#middle, 1))
    for first = 1, #middle, size do
      local list = table.move(middle, first, math.min(#middle, first + size - 1), 1, {})
      process(ctx, stages, from, items_mod.admit(ctx, list))
    end
    -- items an earlier run settled that the source no longer gives, in
    -- their keys' order (those that reached a collect step go in its list)
    local rest = {}
    for key in pairs(ctx.previous or {}) do
      if not is_collect(key) then rest[#rest + 1] = key end
    end
    table.sort(rest)
    for _, key in ipairs(rest) do
      local p = ctx.previous[key]
      ctx.previous[key] = nil
      local item = { key = key, vars = p.vars or {}, resumed = true }
      if p.pending then
        item.state, item.at = "unknown", p.pending[1]
        item.err = errors.new { code = "OUTCOME_UNKNOWN", exit = errors.EXIT.UNKNOWN,
          message = ("step %d was sent in an earlier run and its answer was lost"):format(p.pending[1]) }
      elseif p.state then
        items_mod.as_settled(ctx, item, p)
      else
        item.state, item.at = "done", p.through
      end
      report:finish(item)
    end
    -- collect steps: what they gathered goes on as one item each (what an
    -- earlier run did with that item decides, as for any other)
    for si = from, #stages do
      local bag = ctx.collected[si] or {}
      if stages[si].kind == "collect" then
        local name = stages[si].step.name
        report.collected[name] = json.array(bag)
        ctx.collected[si] = nil
        if si < #stages then
          local list = items_mod.admit(ctx, { { key = "collect:" .. si, vars = { [name] = json.array(bag) } } })
          if #list > 0 then process(ctx, stages, si + 1, list) end
        end
      end
    end
  end)
  report.requests = ctx.stats.requests
  if not ok then
    local interrupted = errors.is_interrupt(err) or (errors.is(err) and err.interrupted) or false
    local function in_order(set)
      local list = {}
      for item in pairs(set) do
        if not item.state then list[#list + 1] = item end
      end
      table.sort(list, function(a, b) return (a.seq or 0) < (b.seq or 0) end) -- in the items' order
      return list
    end
    -- what was answered before the stop (a batch while others were on their
    -- way): its answers count, in the state file too
    for _, item in ipairs(in_order(ctx.inflight)) do
      if next(item.outcomes or {}) then
        local fine, again = pcall(apply, ctx, ctx.inflight[item].group, { item })
        if fine then
          for _, a in ipairs(again) do ctx.waiting[a.item] = a end
          if not item.state and item.last_done == #ctx.steps and not ctx.waiting[item] then
            pcall(end_item, ctx, item, "done", #ctx.steps)
          end
        end
      end
    end
    -- a jobError's retry that never went: a failure (nothing was applied)
    for _, item in ipairs(in_order(ctx.waiting)) do
      local a = ctx.waiting[item]
      ctx.inflight[item] = nil
      item.before = item.vars
      item.state, item.at, item.err = "failed", a.step.index, a.err or errors.new { code = "JOB_FAILED",
        exit = errors.EXIT.JOB_FAILED, message = a.step.label .. ": jobError (the run stopped before its retry)" }
      report:finish(item)
    end
    -- what was sent and not answered: unknown (the state file says so too)
    local why = interrupted and "interrupted" or "the run stopped"
    for _, item in ipairs(in_order(ctx.inflight)) do
      item.state, item.at = "unknown", ctx.inflight[item].step
      item.err = errors.new { code = "OUTCOME_UNKNOWN", exit = errors.EXIT.UNKNOWN,
        message = why .. " while the write was on its way: its outcome is unknown" }
      report:finish(item)
    end
    if ctx.journal then pcall(ctx.journal.close, ctx.journal) end
    if not interrupted and report.counts.items == 0 then
      -- nothing went through the chain yet: the error as it is
      error(err, 0)
    end
    report.interrupted = interrupted or nil
    if not interrupted then
      report.failed_exits[#report.failed_exits + 1] = errors.is(err) and err.exit or errors.EXIT.SCRIPT
    end
    report:close((sys.monotonic_ms() - t0) / 1000)
    if printer then printer(report:summary()) end
    local unknown = report.exit == errors.EXIT.UNKNOWN
    local e
    if interrupted then
      e = errors.new { code = unknown and "OUTCOME_UNKNOWN" or "INTERRUPTED", exit = report.exit,
        message = "the chain was interrupted" .. (unknown and ": a write was on its way, its outcome is unknown" or ""),
        report = report, interrupted = true }
    else
      local cause = errors.is(err) and err.message or tostring(err)
      e = errors.new { code = errors.is(err) and err.code or "CHAIN_STOPPED", exit = report.exit,
        message = ("the chain stopped: %s%s"):format(cause, unknown and " (a write was on its way: its outcome is unknown)"
          or ""), hint = errors.is(err) and err.hint or nil, report = report, cause = err }
    end
    error(e, 0)
  end
  if ctx.journal then ctx.journal:close() end
  report:close((sys.monotonic_ms() - t0) / 1000)
  if printer then printer(report:summary()) end
  return report
end

---------------------------------------------------------------------------
-- Planning

local Plan = {}
Plan.__index = Plan
Plan.__name = "luaforce.chain.Plan"

--- See the file comment.
function Chain:plan(opts)
  opts = opts or {}
  local stages, from = stages_of(self, opts.all_or_none)
  local p = setmetatable({ chain = self, stages = stages, from = from, org = self.org }, Plan)
  -- the items, when they are known without a request
  local first = self.steps[1]
  local n
  if first and first.op == "from" and type(first.source) == "table" then n = #first.source
  elseif not first or (first.op ~= "from" and first.op ~= "query") then n = 1 end
  p.items = n
  if n then
    -- the exact requests: a dry run that sends nothing, reads included
    -- (what a read would answer is made up: ids of the 000DRY... form)
    local ok, rep = pcall(execute, self, { dry_run = true, print = false, all_or_none = opts.all_or_none }, true)
    if ok then
      p.exact = rep.planned
    elseif errors.is(rep) then
      p.problem = rep
    else
      error(rep, 0)
    end
  end
  return p
end

--- How many requests the operations take for n items (when every item
-- goes through every step).
function Plan:requests(n)
  local total = 0
  for i = self.from, #self.stages do
    local st = self.stages[i]
    if st.kind == "group" then
      local f = plan_mod.form(st, n)
      total = total + (f.requests or 0)
    elseif st.kind == "query" then
      total = total + n
    end
  end
  return total
end

-- The lines that describe a group's form for n items.
local describe_group

function describe_group(org, st, n)
  -- unknown: a query's records, a window of them at a time
  local f = plan_mod.form(st, n or M.DEFAULT_WINDOW)
  local idx = {}
  for i, s in ipairs(st.steps) do idx[i] = tostring(s.index) end
  local head = ("step%s %s: "):format(#idx > 1 and "s" or "", table.concat(idx, "-"))
  local s1 = st.steps[1]
  local base = org.base
  local each = n and tostring(n) or "N"
  if f.form == "plain" then
    local list = {}
    for _, s in ipairs(st.steps) do list[#list + 1] = steps_mod.describe(s) end
    return head .. ("one request per item (%s)"):format(table.concat(list, "; "))
  elseif f.form == "collections" then
    local size = plan_mod.collection_size(s1)
    local path = ({ get = "POST %s/composite/sobjects/%s {ids, fields}", create = "POST %s/composite/sobjects",
      update = "PATCH %s/composite/sobjects", delete = "DELETE %s/composite/sobjects?ids=...",
      upsert = "PATCH %s/composite/sobjects/%s/" .. tostring(s1.ext_field) })[s1.op]
    local object = s1.object.kind == "literal" and s1.object.value or steps_mod.arg_text(s1.object)
    return head .. (path):format(base, object) .. (" - %d record%s a request (%s), %s"):format(size,
      size == 1 and "" or "s", steps_mod.describe(s1), n and (plan_mod.form(st, n).requests .. " request"
      .. (plan_mod.form(st, n).requests == 1 and "" or "s")) or
      ("ceil(" .. each .. "/" .. size .. ") requests"))
  elseif f.form == "split" then
    local lines = { head .. "each step on its own, fewer requests than composite requests would take:" }
    for _, s in ipairs(st.steps) do
      lines[#lines + 1] = "  " .. describe_group(org, { kind = "group", steps = { s }, bound = {} }, n)
    end
    return table.concat(lines, "\n")
  end
  local list = {}
  for _, s in ipairs(st.steps) do list[#list + 1] = steps_mod.describe(s) end
  return head .. ("POST %s/composite - %d item%s a request, %d subrequests each (%s)%s"):format(base, f.per,
    f.per == 1 and "" or "s", #st.steps, table.concat(list, " -> "), st.why_alone and "" or "")
end

function Plan:__tostring()
  local out = {}
  local n = self.items
  out[1] = ("plan: %d step%s, %s"):format(#self.chain.steps, #self.chain.steps == 1 and "" or "s",
    n and (n .. (n == 1 and " item" or " items"))
      or (self.chain.steps[1].op == "query" and "items from the query" or "items from the source"))
  for _, st in ipairs(self.stages) do
    if st.kind == "source" then
      local s = st.step
      if s.op == "query" then
        out[#out + 1] = ("step 1: GET %s/%s?q=%s - every page, records a window at a time"):format(self.org.base,
          s.opts.all and "queryAll" or "query", steps_mod.arg_text(s.soql))
      else
        out[#out + 1] = "step 1: the items given"
      end
    elseif st.kind == "group" then
      out[#out + 1] = describe_group(self.org, st, n)
      local small = plan_mod.form(st, 2)
      if not n and small.form == "composite" and plan_mod.form(st, M.DEFAULT_WINDOW).form == "split" then
        -- the items are not known: a window smaller than this one (the
        -- last, often) may go the other way
        for k = 3, M.DEFAULT_WINDOW do
          if plan_mod.form(st, k).form == "split" then
            out[#out + 1] = ("  (a window of fewer than %d items goes in composite requests instead, %d items a "
              .. "request)"):format(k, small.per)
            break
          end
        end
      end
      for _, why in ipairs(st.cut or {}) do
        out[#out + 1] = "  (the next step goes in a request of its own: " .. why .. ")"
      end
    elseif st.kind == "query" then
      out[#out + 1] = ("step %d: GET %s/query?q=%s - per item, every page"):format(st.step.index, self.org.base,
        steps_mod.arg_text(st.step.soql))
    else
      out[#out + 1] = ("step %d: %s (here, no request)"):format(st.step.index, steps_mod.describe(st.step))
    end
  end
  if self.problem then out[#out + 1] = "cannot run: " .. tostring(self.problem) end
  if self.exact then
    out[#out + 1] = ("%d request%s:"):format(#self.exact, #self.exact == 1 and "" or "s")
    for _, r in ipairs(self.exact) do
      out[#out + 1] = ("  %s %s%s"):format(r.method, r.path, r.body and (" " .. json.encode(r.body)) or "")
    end
  end
  return table.concat(out, "\n")
end

return M
