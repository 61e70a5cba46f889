--- luaforce.feel.budget: the step and time limit every evaluation runs under.
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
-- When the counter runs out, `refill` checks the evaluation's step limit and
-- its deadline and hands out the next slice, or ends the evaluation with a
-- `kind = "budget"` abort. Straight-line code needs no count: without a loop
-- or a call an expression ends within its own size.
--
-- budget.limits                       the defaults: {steps = 1000000, seconds = 1};
--                                     callers may change them
-- budget.start(max_steps, max_seconds) -> saved   starts an evaluation's budget
--                                     (nil: the default; math.huge: none) and
--                                     returns the enclosing one's state
-- budget.stop(saved...)               restores the enclosing evaluation's budget
-- budget.steps_used() -> n            steps taken so far in the evaluation
--                                     under way (for tests and benchmarks)
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

--- The steps left in the current slice (the only field the closures touch).
local counter = { steps = maxinteger }
M.counter = counter

-- The evaluation's budget in upvalues, so starting one allocates nothing.
local b_limit, b_used, b_slice, b_deadline, b_seconds = nil, 0, 0, 0, 0

--- The defaults: one million steps, one second.
M.limits = { steps = 1000000, seconds = 1 }

-- The core's monotonic clock in milliseconds (a vDSO call).
local now_ms = sys.monotonic_ms

local function exceeded(message)
  counter.steps = 0
  error({ feel_abort = true, kind = "budget", type = "BUDGET_EXCEEDED", message = message }, 0)
end

--- See the file comment.
function M.passes(err)
  return type(err) == "table" and (err.feel_abort == true or errors.is_interrupt(err))
end

--- Called when the counter reaches zero: the next slice, or the abort.
function M.refill()
  if not b_limit then counter.steps = maxinteger; return end
  b_used = b_used + b_slice
  if b_used >= b_limit then
    exceeded(("the evaluation took more than %d steps (loop iterations and function calls)"):format(b_limit))
  end
  if now_ms() > b_deadline then
    exceeded(("the evaluation took more than %g seconds"):format(b_seconds))
  end
  local left = b_limit - b_used
  b_slice = left < SLICE and left or SLICE
  counter.steps = b_slice
end

--- Starts the budget of an evaluation. `max_steps`, `max_seconds`: numbers
-- (defaults from M.limits; math.huge for none). Returns the enclosing
-- evaluation's budget, for `stop` to restore.
function M.start(max_steps, max_seconds)
  local l, u, sl, d, sec, st = b_limit, b_used, b_slice, b_deadline, b_seconds, counter.steps
  local limit = max_steps or M.limits.steps
  b_seconds = max_seconds or M.limits.seconds
  if limit >= maxinteger then limit = maxinteger end
  b_limit = math.tointeger(limit) or math.floor(limit)
  b_used = 0
  b_slice = b_limit < SLICE and b_limit or SLICE
  b_deadline = now_ms() + b_seconds * 1000
  counter.steps = b_slice
  return l, u, sl, d, sec, st
end

--- Restores the budget `start` returned.
function M.stop(l, u, sl, d, sec, st)
  b_limit, b_used, b_slice, b_deadline, b_seconds, counter.steps = l, u, sl, d, sec, st
end

--- Steps taken so far in the evaluation under way.
function M.steps_used()
  if not b_limit then return 0 end
  return b_used + (b_slice - counter.steps)
end

return M
