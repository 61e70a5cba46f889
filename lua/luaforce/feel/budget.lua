--- luaforce.feel.budget: the step, time and memory limits every evaluation
-- runs under.
--
-- Every loop iteration (for, some/every, a filter's item) and every call of
-- a FEEL function takes one step from `budget.counter.steps`, which the
-- compiled closures decrement and test in place:
--
--     local counter, refill = budget.counter, budget.refill
--     ...
--     local n = counter.steps - 1
--     counter.steps = n
--     if n <= 0 then refill() end
--
-- Work that one step does not cover is charged in proportion to its size:
-- a builtin call takes a step per 64 bytes of text and per 4 items it is
-- given (`budget.work`), building `partial` a step per 4 items. So the
-- clock, read whenever the counter runs out (every 10,000 steps at most),
-- is read after a bounded amount of work, however large the values are.
--
-- When the counter runs out, `refill` checks the evaluation's step limit,
-- its deadline and its memory, and hands out the next slice, or ends the
-- evaluation with a `kind = "budget"` abort naming the limit and the option
-- that raises it. Straight-line code needs no count: without a loop or a
-- call an expression ends within its own size.
--
-- Memory is the growth of the Lua heap during the evaluation (Lua's own
-- count, `collectgarbage "count"`), read at each refill; past the limit a
-- full collection decides whether the evaluation holds that much. Values
-- about to be built whose size is known (a string concatenation, a
-- builtin's result) are charged with `budget.alloc(bytes)` first, so one
-- step that doubles a string or a list cannot jump far past the limit.
--
-- budget.limits                       the defaults: {steps = 10000000,
--                                     seconds = 5, memory = 512 MB};
--                                     callers may change them
-- budget.start(max_steps, max_seconds[, max_memory]) -> saved...   starts an
--                                     evaluation's budget (nil: the default;
--                                     math.huge: none) and returns the
--                                     enclosing one's state
-- budget.stop(saved...)               restores the enclosing evaluation's budget
-- budget.work(steps)                  charges `steps` steps at once
-- budget.alloc(bytes)                 charges a value about to be built
-- budget.size(v) -> bytes             the estimate alloc is given for a
--                                     string or a list
-- budget.steps_used() -> n            steps taken so far in the evaluation
--                                     under way (for tests and benchmarks)
-- budget.bytes_charged() -> n         bytes charged with alloc so far
-- budget.passes(err) -> boolean       whether an error raised inside an
--                                     evaluation must pass every pcall in
--                                     FEEL's code: the budget's abort, and
--                                     Ctrl-C (luaforce.errors.is_interrupt)
require "luaforce.core" -- registers luaforce.core.* in package.preload under a stock lua5.4
local sys = require "luaforce.core.sys"
local errors = require "luaforce.errors"

local M = {}

local SLICE = 10000 -- steps between two looks at the clock
local maxinteger = math.maxinteger
local collectgarbage, type = collectgarbage, type

--- The steps left in the current slice (the only field the closures touch).
local counter = { steps = maxinteger }
M.counter = counter

-- The evaluation's budget in upvalues, so starting one allocates nothing.
local b_limit, b_used, b_slice, b_deadline, b_seconds = nil, 0, 0, 0, 0
local b_memory, b_heap0, b_charged = 0, 0, 0

--- The defaults: ten million steps, five seconds, 512 MB.
M.limits = { steps = 10000000, seconds = 5, memory = 512 * 1024 * 1024 }

-- The core's monotonic clock in milliseconds (a vDSO call).
local now_ms = sys.monotonic_ms

local function exceeded(message)
  counter.steps = 0
  error({ feel_abort = true, kind = "budget", type = "BUDGET_EXCEEDED", message = message }, 0)
end

local function megabytes(bytes)
  return ("%g MB"):format(math.floor(bytes / 1048576 * 10 + 0.5) / 10)
end

--- See the file comment.
function M.passes(err)
  return type(err) == "table" and (err.feel_abort == true or errors.is_interrupt(err))
end

-- The heap's growth since the start, plus `extra` bytes about to be
-- allocated, within the limit? A full collection decides when the count
-- says no (the count includes garbage).
local function check_memory(extra)
  if b_memory >= maxinteger then return end
  local grown = collectgarbage("count") * 1024 - b_heap0 + extra
  if grown <= b_memory then return end
  collectgarbage("collect")
  grown = collectgarbage("count") * 1024 - b_heap0 + extra
  if grown > b_memory then
    exceeded(("the evaluation needed more than %s of memory; max_memory or --max-memory raises it"):format(megabytes(b_memory)))
  end
end

--- Called when the counter reaches zero (or below, after `work`): the next
-- slice, or the abort.
function M.refill()
  if not b_limit then counter.steps = maxinteger; return end
  b_used = b_used + (b_slice - counter.steps)
  if b_used > b_limit then
    exceeded(("the evaluation took more than %d steps (loop iterations, function calls and the work of builtins); max_steps or --max-steps raises it")
      :format(b_limit))
  end
  if now_ms() > b_deadline then
    exceeded(("the evaluation took more than %g seconds; max_seconds or --max-seconds raises it"):format(b_seconds))
  end
  check_memory(0)
  local left = b_limit - b_used
  b_slice = left < SLICE and left or SLICE
  counter.steps = b_slice
end
local refill = M.refill

--- Charges `steps` steps at once (work in proportion to a value's size).
function M.work(steps)
  local n = counter.steps - steps
  counter.steps = n
  if n <= 0 then refill() end
end

--- Charges `bytes` about to be allocated: refused past the memory limit.
function M.alloc(bytes)
  if not b_limit then return end
  b_charged = b_charged + bytes
  -- small values wait for the next refill; big ones are looked at now
  if bytes >= 65536 then check_memory(bytes) end
  M.work(bytes >> 6)
end

--- A size estimate in bytes for a string or a list (others: 0).
function M.size(v)
  local t = type(v)
  if t == "string" then return #v + 24 end
  if t ~= "table" then return 0 end
  return 16 * #v + 56
end

--- Starts the budget of an evaluation. `max_steps`, `max_seconds`,
-- `max_memory` (bytes): numbers (defaults from M.limits; math.huge for
-- none). Returns the enclosing evaluation's budget, for `stop` to restore.
function M.start(max_steps, max_seconds, max_memory)
  local saved = { b_limit, b_used, b_slice, b_deadline, b_seconds, counter.steps, b_memory, b_heap0, b_charged }
  local limit = max_steps or M.limits.steps
  b_seconds = max_seconds or M.limits.seconds
  if limit >= maxinteger then limit = maxinteger end
  b_limit = math.tointeger(limit) or math.floor(limit)
  local memory = max_memory or M.limits.memory
  b_memory = memory >= maxinteger and maxinteger or math.floor(memory)
  b_heap0 = collectgarbage("count") * 1024
  b_used, b_charged = 0, 0
  b_slice = b_limit < SLICE and b_limit or SLICE
  b_deadline = now_ms() + b_seconds * 1000
  counter.steps = b_slice
  return saved
end

--- Restores the budget `start` returned.
function M.stop(saved)
  b_limit, b_used, b_slice, b_deadline, b_seconds, counter.steps, b_memory, b_heap0, b_charged =
    saved[1], saved[2], saved[3], saved[4], saved[5], saved[6], saved[7], saved[8], saved[9]
end

--- Steps taken so far in the evaluation under way.
function M.steps_used()
  if not b_limit then return 0 end
  return b_used + (b_slice - counter.steps)
end

--- Bytes charged with `alloc` so far in the evaluation under way.
function M.bytes_charged()
  return b_limit and b_charged or 0
end

return M
