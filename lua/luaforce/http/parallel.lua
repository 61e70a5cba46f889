--- luaforce.http.parallel: the scheduler behind http.parallel (re-exported
-- by luaforce.http's public face as parallel, spawn and sleep).
--
--   parallel.parallel(fn [, opts], ...) -> fn's results   runs fn as a task;
--       inside it (and in tasks it spawns) requests, sleep and task:wait
--       yield instead of blocking. opts.per_host (default 8): transfers in
--       flight per scheme://host:port.
--   parallel.spawn(fn, ...) -> task    (inside parallel) start a task
--   task:wait() -> fn's results (raises fn's error, once, in the waiter);
--   task:finished() -> boolean
--   parallel.sleep(seconds)            yields inside parallel, blocks outside
--   parallel.exchange(raw_session, raw) -> response | nil, err   one transfer:
--       yields inside a task, blocks outside (what sessions call)
--
-- Tasks are coroutines; a task that waits (a transfer, a sleep, another
-- task, a per-host slot) registers one wake-up and yields WAIT; the loop
-- resumes ready tasks, and when none is ready drives libcurl (core.wait)
-- until a transfer ends or a timer is due. Outside parallel a transfer is
-- one C call (session:perform), so a plain script pays nothing for this.
--
-- Ctrl-C ends the run, and every task that was waiting gets the interruption
-- raised where it waits, so that code which must say what it leaves behind
-- can: a write on its way to the org becomes an unknown outcome (the
-- Salesforce client's guard, luaforce.client), which outranks the
-- interruption (luaforce.errors.outcome_exit). parallel then raises the
-- first such error, else the interruption.
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local core = require "luaforce.core.http"
local sys = require "luaforce.core.sys"
local errors = require "luaforce.errors"

local M = {}

local WAIT = setmetatable({}, { __name = "luaforce.http.wait" })
local INTERRUPT = setmetatable({}, { __name = "luaforce.http.interrupt" })
local sched -- the running scheduler, or nil
local task_of = setmetatable({}, { __mode = "k" }) -- coroutine -> task

local Task = {}
Task.__index = Task
Task.__name = "luaforce.http.Task"

local function current_task()
  if not sched then return nil end
  local co = coroutine.running()
  local t = task_of[co]
  if t and t.sched == sched then return t end
end

local function ready(t)
  local q = sched.ready
  q.tail = q.tail + 1
  q[q.tail] = t
end

-- Waits for the wake-up the caller registered; raises the interruption
-- when the run ends with Ctrl-C instead (interrupt_tasks).
local function suspend()
  if coroutine.yield(WAIT) == INTERRUPT then error(errors.interrupted, 0) end
end

local function finish(t, ok, ...)
  t.done, t.ok = true, ok
  if ok then t.results = table.pack(...) else t.err = ... end
  task_of[t.co] = nil
  for _, w in ipairs(t.waiters) do ready(w) end
  t.waiters = {}
  local g = t.group
  g.pending = g.pending - 1
  if g.pending == 0 then
    g.done = true
    if g.waiter then ready(g.waiter) end
  end
end

-- A coroutine that ended with an error has not closed its to-be-closed
-- variables (Lua leaves them pending): close them now, with that error, so
-- that a task's `local s <close>` is released and a closing method that
-- stands in for the error (the client's guard for a write on its way) is
-- heard. Returns resume's results, the error being the final one.
local function ended(co, ok, ...)
  if ok or coroutine.status(co) ~= "dead" then return ok, ... end
  local _, err = coroutine.close(co)
  return false, err
end

-- Resumes t once; notes how it stopped.
local function step(t)
  local co = t.co
  t.started = true
  local res = table.pack(ended(co, coroutine.resume(co)))
  if coroutine.status(co) == "dead" then
    if not res[1] and errors.is_interrupt(res[2]) then error(res[2], 0) end
    finish(t, table.unpack(res, 1, res.n))
  elseif res[2] ~= WAIT then
    ready(t) -- the task yielded for a reason of its own: let it go on later
  end
end

local function spawn_in(group, fn, ...)
  local args = table.pack(...)
  local co = coroutine.create(function() return fn(table.unpack(args, 1, args.n)) end)
  sched.serial = sched.serial + 1
  local t = setmetatable({ co = co, group = group, sched = sched, waiters = {}, serial = sched.serial }, Task)
  task_of[co] = t
  group.pending = group.pending + 1
  group.tasks[#group.tasks + 1] = t
  ready(t)
  return t
end

local function fire_timers(now)
  local timers = sched.timers
  local i = 1
  while timers[i] and timers[i].at <= now do i = i + 1 end
  for k = 1, i - 1 do ready(table.remove(timers, 1).task) end
end

-- Runs until `group` is done (re-entrant: a nested parallel outside a task
-- runs the same loop; the task running it is simply not resumable meanwhile).
local function run(group)
  local s = sched
  local q = s.ready
  while not group.done do
    if q.head <= q.tail then
      local t = q[q.head]
      q[q.head] = nil
      q.head = q.head + 1
      step(t)
    else
      local timeout = 1.0
      local nxt = s.timers[1]
      if nxt then timeout = math.min(timeout, math.max(0, (nxt.at - sys.monotonic_ms()) / 1000)) end
      if next(s.waiting) == nil and not nxt then
        error("http.parallel: every task is waiting for another one (deadlock)", 0)
      end
      core.wait(timeout)
      if sys.interrupted() then error(errors.interrupted, 0) end
      for _, id in ipairs(core.done()) do
        local w = s.waiting[id]
        if w then
          s.waiting[id] = nil
          ready(w.task)
        end
      end
      fire_timers(sys.monotonic_ms())
    end
  end
end

local function cancel_all(s)
  for id, w in pairs(s.waiting) do pcall(w.session.cancel, w.session, id) end
  s.waiting = {}
end

-- After Ctrl-C (`err`): the transfers are cancelled and every task that
-- was waiting gets the interruption raised where it waits (tasks never
-- started are not started). Returns the error to raise: the first a task
-- ended with that is an interruption with an unknown outcome (exit 6),
-- else `err`.
local function interrupt_tasks(s, err)
  cancel_all(s)
  local waiting = {}
  for co, t in pairs(task_of) do
    if t.sched == s and t.started and not t.done and coroutine.status(co) == "suspended" then
      waiting[#waiting + 1] = t
    end
  end
  table.sort(waiting, function(a, b) return a.serial < b.serial end)
  local worst = err
  for _, t in ipairs(waiting) do
    local ok, e = ended(t.co, coroutine.resume(t.co, INTERRUPT))
    t.done = true
    task_of[t.co] = nil
    if not ok and errors.is_interrupt(e) and e.exit == errors.EXIT.UNKNOWN
        and not (errors.is_interrupt(worst) and worst.exit == errors.EXIT.UNKNOWN) then
      worst = e
    end
  end
  cancel_all(s) -- what a task that caught the interruption started meanwhile
  return worst
end

--- Runs fn(...) as a task; inside it, and in every task spawned from it,
-- requests, http.sleep and task:wait yield to the others instead of
-- blocking. Returns fn's results once fn and all its tasks have finished;
-- raises fn's error, else the first error of a task nobody waited for
-- (after every task has finished, so no result is lost).
-- opts.per_host: transfers in flight per scheme://host:port (default 8;
-- the outermost parallel's value holds).
function M.parallel(fn, opts, ...)
  if type(fn) ~= "function" then error("bad argument #1 to 'parallel' (function expected)", 2) end
  if opts ~= nil and type(opts) ~= "table" then error("bad argument #2 to 'parallel' (table expected)", 2) end
  local per_host = opts and opts.per_host or 8
  if math.type(per_host) ~= "integer" or per_host < 1 then
    error("bad option 'per_host' to 'parallel' (integer >= 1 expected)", 2)
  end
  local me = current_task()
  local outer = sched == nil
  if outer then
    sched = { ready = { head = 1, tail = 0 }, waiting = {}, timers = {}, hosts = {}, per_host = per_host,
      serial = 0 }
  end
  local group = { pending = 0, tasks = {} }
  local main = spawn_in(group, fn, ...)
  if me then
    while not group.done do
      group.waiter = me
      suspend()
    end
  else
    local ok, err = pcall(run, group)
    if not ok then
      if outer then
        if errors.is_interrupt(err) then err = interrupt_tasks(sched, err) else cancel_all(sched) end
        sched = nil
      end
      error(err, 0)
    end
    if outer then sched = nil end
  end
  if not main.ok then error(main.err, 0) end
  for _, t in ipairs(group.tasks) do
    if not t.ok and not t.observed then
      t.observed = true
      error(t.err, 0)
    end
  end
  return table.unpack(main.results, 1, main.results.n)
end

--- Starts fn(...) as a task next to the running one (inside http.parallel
-- only). Returns the task.
function M.spawn(fn, ...)
  if type(fn) ~= "function" then error("bad argument #1 to 'spawn' (function expected)", 2) end
  local me = current_task()
  if not me then error("http.spawn: only inside http.parallel", 2) end
  return spawn_in(me.group, fn, ...)
end

--- Waits for the task to finish; returns its results, or raises its error.
function Task:wait()
  while not self.done do
    local me = current_task()
    if not me then error("task:wait: only inside http.parallel (the task cannot finish otherwise)", 2) end
    if me == self then error("task:wait: a task cannot wait for itself", 2) end
    self.waiters[#self.waiters + 1] = me
    suspend()
  end
  self.observed = true
  if self.ok then return table.unpack(self.results, 1, self.results.n) end
  error(self.err, 0)
end

--- True when the task has finished (either way).
function Task:finished()
  return self.done == true
end

--- Waits `seconds`: other tasks run meanwhile inside http.parallel; outside
-- it blocks (Ctrl-C still ends it at once).
function M.sleep(seconds)
  if type(seconds) ~= "number" or seconds < 0 then error("bad argument #1 to 'sleep' (seconds expected)", 2) end
  local at = sys.monotonic_ms() + seconds * 1000
  local me = current_task()
  if me then
    local timers = sched.timers
    local i = #timers + 1
    while i > 1 and timers[i - 1].at > at do i = i - 1 end
    table.insert(timers, i, { at = at, task = me })
    suspend()
    return
  end
  while true do
    local left = at - sys.monotonic_ms()
    if left <= 0 then return end
    core.wait(left / 1000)
    if sys.interrupted() then error(errors.interrupted, 0) end
  end
end

-- A transfer inside a task: a per-host slot, start, yield until it ends.
local function host_slot(origin, me)
  local h = sched.hosts[origin]
  if not h then
    h = { active = 0, queue = {} }
    sched.hosts[origin] = h
  end
  if h.active < sched.per_host then
    h.active = h.active + 1
    return h
  end
  h.queue[#h.queue + 1] = me
  suspend() -- woken by release(), which handed its slot over
  return h
end

local function release(h)
  local nxt = table.remove(h.queue, 1)
  if nxt then ready(nxt) else h.active = h.active - 1 end
end

--- One transfer on `raw_session` (a luaforce.core.http session) for the
-- normalized request `raw`: inside a task, a per-host slot, start, and a
-- yield until it ends; outside, one blocking perform. Returns what
-- session:perform returns.
function M.exchange(raw_session, raw)
  local me = current_task()
  if not me then return raw_session:perform(raw) end
  local parts = core.url_parts(raw.url)
  local h = host_slot(parts and parts.origin or raw.url, me)
  local ok, id = pcall(raw_session.start, raw_session, raw)
  if not ok then
    release(h)
    error(id, 0)
  end
  sched.waiting[id] = { task = me, session = raw_session }
  suspend()
  release(h)
  return raw_session:result(id)
end

return M
