--- luaforce.client.each: run a function for every item of a list or an
-- iterator with several requests in flight.
--
--   local results, failures = org:each(ids, function(id)
--     return org:update("Account", id, { Rating = "Hot" })
--   end, { concurrency = 8 })
--
-- org:each(iterable, fn [, opts]) -> results, failures  |  nil, err
--   iterable  a list (items 1..#list) or an iterator function (for example
--             org:records(soql), whose pages are then fetched as they are
--             needed, so a large result never sits in memory whole)
--   fn(item, index) runs in a task of luaforce.http.parallel: the requests
--             it makes (through org or any luaforce.http session) yield to
--             the other tasks instead of blocking. It succeeds by returning
--             a value (any, nil included) and fails by returning nil (or
--             false) and an error, or by raising.
--   opts.concurrency  items in progress at once (default 8); also the
--             per-host transfer limit when org:each starts the parallel run
--             (inside an enclosing http.parallel, that one's limit holds)
--   results   results[i] = fn's first value for item i (a hole where it
--             failed or returned nil); results.n = the number of items
--   failures  a list, in item order, of {index =, item =, err =}; err is
--             fn's error, or for a raised Lua error a luaforce error with
--             code "SCRIPT_ERROR", the message and `traceback`
--
-- Items are taken in order; each is given to the next free task. When the
-- iterator itself fails (it raises, as org:records does when a page cannot
-- be fetched), no more items are taken, those in progress finish, and
-- org:each returns nil, err: err is the iterator's error with `results`
-- and `failures` so far added, so that no completed write goes unreported.
-- Ctrl-C is never caught as a failure: it stops the run.
local http = require "luaforce.http"
local errors = require "luaforce.errors"


local M = {}

--- The methods this file adds to the Org (client/init.lua mixes them in).
local methods = {}
M.methods = methods

M.DEFAULT_CONCURRENCY = 8

local function check_opts(opts)
  if opts == nil then return M.DEFAULT_CONCURRENCY end
  if type(opts) ~= "table" then error("each: options must be a table", 3) end
  for k in pairs(opts) do
    if k ~= "concurrency" then error(("each: unknown option '%s'"):format(tostring(k)), 3) end
  end
  local c = opts.concurrency
  if c == nil then return M.DEFAULT_CONCURRENCY end
  if math.type(c) ~= "integer" or c < 1 then error("each: concurrency must be a whole number >= 1", 3) end
  return c
end

-- A source of numbered items: a list is read by index, an iterator called
-- by one task at a time (an org:records iterator makes requests inside and
-- keeps state; two tasks calling it at once would interleave its pages).
local function source_of(iterable)
  local mt = type(iterable) == "table" and getmetatable(iterable)
  if type(iterable) == "table" and not (mt and mt.__call) then
    local n, i = #iterable, 0
    return function()
      if i >= n then return nil end
      i = i + 1
      return i, iterable[i]
    end
  end
  local fn = iterable
  local i, done = 0, false
  local pulling -- the task currently calling the iterator, if any
  local buffered = {}
  return function()
    while true do
      if #buffered > 0 then return table.unpack(table.remove(buffered, 1)) end
      if done then return nil end
      if pulling and not pulling:finished() then
        pulling:wait() -- its item lands in `buffered` (or `done` is set)
      else
        pulling = http.spawn(function()
          local item = fn()
          if item == nil then done = true return end
          i = i + 1
          buffered[#buffered + 1] = { i, item }
        end)
        pulling:wait()
      end
    end
  end
end

local function script_error(e, tb)
  return errors.new { code = "SCRIPT_ERROR", message = tostring(e), traceback = tb, exit = errors.EXIT.SCRIPT }
end

-- fn(item, index) -> ok, value | false, err. Raised luaforce errors are
-- failures as they are; other raised values become SCRIPT_ERROR with the
-- traceback taken where they were raised.
local function run_one(fn, item, index)
  local tb
  local ok, v, err = xpcall(fn, function(e)
    if errors.is_interrupt(e) then return e end
    if not errors.is(e) then tb = debug.traceback(tostring(e), 2) end
    return e
  end, item, index)
  if not ok then
    if errors.is_interrupt(v) then error(v, 0) end
    if errors.is(v) then return false, v end
    return false, script_error(v, tb)
  end
  if not v and err ~= nil then return false, err end
  return true, v
end

--- See the file comment.
function methods:each(iterable, fn, opts)
  local kind = type(iterable)
  if kind ~= "table" and kind ~= "function" then
    error(("bad argument #1 to 'each' (list or iterator expected, got %s)"):format(kind), 2)
  end
  if type(fn) ~= "function" then error(("bad argument #2 to 'each' (function expected, got %s)"):format(type(fn)), 2) end
  local concurrency = check_opts(opts)
  local results, failures = { n = 0 }, {}
  local stop_err

  local function worker(take)
    while not stop_err do
      local ok, index, item = pcall(take)
      if not ok then
        if errors.is_interrupt(index) then error(index, 0) end
        stop_err = stop_err or index
        return
      end
      if index == nil then return end
      if index > results.n then results.n = index end
      local good, v = run_one(fn, item, index)
      if good then results[index] = v
      else failures[#failures + 1] = { index = index, item = item, err = v } end
    end
  end

  http.parallel(function()
    local take = source_of(iterable)
    local tasks = {}
    for w = 1, concurrency do tasks[w] = http.spawn(worker, take) end
    for _, t in ipairs(tasks) do t:wait() end
  end, { per_host = concurrency })

  table.sort(failures, function(a, b) return a.index < b.index end)
  if stop_err ~= nil then
    if not errors.is(stop_err) then stop_err = script_error(stop_err) end
    stop_err.results, stop_err.failures = results, failures
    return nil, stop_err
  end
  return results, failures
end

return M
