--- luaforce.errors: the one error table of the project.
--
-- Expected failures are returned as `nil, err`; `err` is a table with a
-- `code`, a `message` and an `exit` code for the command line, and prints as
-- one readable line (`tostring(err)`). Later layers add their own fields
-- (`status`, `errors`, `request`, ...) to the same table.
--
-- Exit codes (documented in `luaforce --help` and the README):
--   0 success                  1 Salesforce or API error
--   2 bad usage or bad input   3 authentication failed
--   4 network or timeout, nothing written
--   5 script error             6 outcome unknown (a write may have happened)
--   7 a connector task threw a BPMN error     8 a connector task's job failed
--     with no retries left                    9 a connector task raised an
--     incident (its inputs or expressions are wrong)      130 interrupted
--
-- A run with several outcomes (a batch with some failures, a chain, a
-- connector task, an interruption) reports the most serious thing the user
-- must act on: M.outcome_exit applies the one precedence table (README.md
-- and `luaforce --help` print it).
local M = {}

M.EXIT = {
  OK = 0,
  API = 1,
  USAGE = 2,
  AUTH = 3,
  NETWORK = 4,
  SCRIPT = 5,
  UNKNOWN = 6,
  BPMN_ERROR = 7,
  JOB_FAILED = 8,
  INCIDENT = 9,
  INTERRUPTED = 130,
}

local Error = {}
Error.__index = Error
Error.__name = "luaforce.error"

function Error.__tostring(e)
  local text = e.message or "error"
  -- usage mistakes read better without a code; API errors lead with theirs
  -- (the client's: the connector's code, then Salesforce's errorCode)
  local code = e.code
  if code and code ~= "" and code ~= "USAGE" then
    if e.error_code and e.error_code ~= code then code = code .. " " .. e.error_code end
    text = code .. ": " .. text
  end
  local more = type(e.errors) == "table" and #e.errors - 1 or 0
  if more > 0 then text = text .. (" (and %d more error%s)"):format(more, more > 1 and "s" or "") end
  if type(e.request) == "table" and e.request.method then
    text = text .. (" (%s %s)"):format(e.request.method, e.request.path or "")
  end
  if e.hint then text = text .. " (" .. e.hint .. ")" end
  return text
end

--- Makes an error object from a table of fields (copied).
-- `code` (string), `message` (string), `exit` (integer, default 1), `hint`
-- (how to fix it), and any other fields the caller wants to carry.
function M.new(fields)
  local e = {}
  for k, v in pairs(fields) do e[k] = v end
  if e.exit == nil then e.exit = M.EXIT.API end
  return setmetatable(e, Error)
end

--- Raises an error object made from `fields`, at the caller's level.
function M.raise(fields)
  error(M.new(fields), 2)
end

--- A usage or input error (exit 2), the common case for argument checks.
function M.usage(message, hint)
  return M.new { code = "USAGE", message = message, hint = hint, exit = M.EXIT.USAGE }
end

--- True when `v` is an error object made by this module.
function M.is(v)
  return getmetatable(v) == Error
end

--- The exit code of a run with several outcomes. `o` (every field optional):
--   unknown      how many writes have an unknown outcome
--   interrupted  true when the run was interrupted (Ctrl-C)
--   done         how many items succeeded
--   failed       the exit codes of the items that failed, in the order they
--                failed (the order the report lists them)
-- The precedence, first rule that applies:
--   1. any unknown outcome                                    6
--      (it outranks everything, an interruption included: the user must
--      look in the org before running again)
--   2. an interruption                                        130
--   3. no failure                                             0
--   4. some items done, some failed: a partial failure        1, with a report
--   5. nothing done                                           the first failure's code
-- A connector task's outcome is a failure of its own code (7 BPMN error,
-- 8 job failed, 9 incident) under the same rules: an unknown outcome
-- outranks it, and an ignoreError that completes the task after a write of
-- unknown outcome is still 6.
function M.outcome_exit(o)
  if (o.unknown or 0) > 0 then return M.EXIT.UNKNOWN end
  if o.interrupted then return M.EXIT.INTERRUPTED end
  local failed = o.failed or {}
  if #failed == 0 then return M.EXIT.OK end
  if (o.done or 0) > 0 then return M.EXIT.API end
  return failed[1]
end

--- Damerau-Levenshtein distance (optimal string alignment), for suggestions.
function M.distance(a, b)
  local la, lb = #a, #b
  if la == 0 then return lb end
  if lb == 0 then return la end
  local d = {}
  for i = 0, la do d[i] = { [0] = i } end
  for j = 0, lb do d[0][j] = j end
  for i = 1, la do
    local ca = a:sub(i, i)
    for j = 1, lb do
      local cb = b:sub(j, j)
      local cost = ca == cb and 0 or 1
      local v = math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if i > 1 and j > 1 and ca == b:sub(j - 1, j - 1) and a:sub(i - 1, i - 1) == cb then
        v = math.min(v, d[i - 2][j - 2] + 1)
      end
      d[i][j] = v
    end
  end
  return d[la][lb]
end

--- The candidate nearest to `word`, or nil when none is close enough.
-- A candidate that starts with `word` (an abbreviation) also counts.
function M.nearest(word, candidates)
  local best, bestd
  local limit = math.max(2, #word // 3)
  local lower = word:lower()
  for _, c in ipairs(candidates) do
    local d
    if c == word then
      d = 0
    elseif #word >= 3 and c:sub(1, #word) == word then
      d = 1
    elseif math.abs(#c - #word) > limit then
      d = limit + 1 -- the lengths alone differ by more (no need to compute it)
    else
      d = M.distance(lower, c:lower())
    end
    if d <= limit and (bestd == nil or d < bestd) then best, bestd = c, d end
  end
  return best
end

--- True for an interruption: the Ctrl-C error itself, or an error that
-- stands in for it (an interrupted write whose outcome is unknown, which
-- carries `interrupted = true` and exit 6). Code that lets Ctrl-C through
-- tests this, not identity.
function M.is_interrupt(v)
  return v == M.interrupted or (getmetatable(v) == Error and v.interrupted == true)
end

-- The host creates the interrupt error before any Lua runs (registry field
-- "luaforce.interrupt"); adopt it so that it prints like every other error.
do
  local reg = debug.getregistry()
  local intr = reg["luaforce.interrupt"]
  if type(intr) ~= "table" then
    intr = { code = "INTERRUPTED", message = "interrupted", exit = M.EXIT.INTERRUPTED }
    reg["luaforce.interrupt"] = intr
  end
  M.interrupted = setmetatable(intr, Error)
end

return M
