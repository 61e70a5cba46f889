--- luaforce.client.retry: when a failed request is sent again, and when.
--
-- Retried: 429, 500, 502, 503, 504; 403 REQUEST_LIMIT_EXCEEDED of the
-- ConcurrentRequests kind (too many long requests at once: it passes);
-- transport failures (a refused connection, a timeout, a connection broken
-- mid-answer). Not retried: the daily TotalRequests limit (waiting seconds
-- does not refill it), TLS and URL failures, aborts, bodies over max_body.
--
-- Never a create twice. A request in mode "create" (the default for POST)
-- is sent again only when the server certainly did not process it: the
-- connection was refused or the request never left (request_sent =
-- false), or the server answered with a status it sends before doing
-- anything (429, 503, the ConcurrentRequests 403). When it went out and the
-- answer was lost, the verdict is "unknown" (the caller reports
-- OUTCOME_UNKNOWN); a 500/502/504 to a create is reported, not retried.
-- "idempotent" (GET, PATCH, DELETE, PUT) and "safe-create" (a POST the
-- caller vouches for) retry everything retryable; "never" retries nothing.
-- A policy with `statuses = false` retries transport failures only: every
-- HTTP answer is final (the connector layer hands 429s and 503s to a task's
-- error expression, as Camunda does, and retries whole jobs itself).
--
-- May have reached. An attempt of a write "may have reached" the org when
-- it went out and its answer was lost (a transport failure with
-- request_sent), or a gateway answered for the server behind it (502,
-- 504). Such a write may have been applied, whatever a later attempt
-- says: run() returns `reached` so that the caller reports at worst
-- OUTCOME_UNKNOWN. A 500 is Salesforce's own answer (it rolls the
-- transaction back) and a 429/503 comes before any processing: neither
-- reached.
--
-- Delays: exponential with equal jitter, base_delay * 2^(n-1) capped at
-- max_delay, then a random point in its upper half (so a crowd of clients
-- spreads out but none retries at once); a Retry-After header (seconds or
-- an HTTP date) replaces the computed delay. A retry whose wait would pass
-- max_time (seconds since the first attempt) is not made.
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local sys = require "luaforce.core.sys"
local calendar = require "luaforce.core.calendar"

local M = {}

M.DEFAULTS = { attempts = 4, max_time = 60, base_delay = 0.5, max_delay = 30 }
M.MODES = { idempotent = true, create = true, ["safe-create"] = true, never = true }

local RETRY_STATUS = { [429] = true, [500] = true, [502] = true, [503] = true, [504] = true }
-- statuses a server sends instead of processing the request
local NOT_PROCESSED = { [429] = true, [503] = true }
-- transport kinds a retry cannot help with
local FINAL_KIND = { TLS = true, URL = true, ABORTED = true, TOO_LARGE = true }

local OPTION_TYPES = {
  attempts = "integer", max_time = "number", base_delay = "number", max_delay = "number",
  log = "function", sleep = "function", statuses = "boolean",
}

--- A policy from options (copied over the defaults); bad options raise.
--   attempts    tries in all, the first included (1: no retry)
--   max_time    seconds from the first try after which no retry starts
--   base_delay  seconds before the first retry (doubling after)
--   max_delay   cap of one computed delay
--   log         function(line) told about every retry
--   sleep       function(seconds) (default luaforce.http.sleep, which
--               yields inside http.parallel)
--   statuses    false: HTTP answers are never retried, transport failures
--               still are (default true)
function M.policy(opts)
  local p = {}
  for k, v in pairs(M.DEFAULTS) do p[k] = v end
  if opts ~= nil and type(opts) ~= "table" then error("retry: options must be a table", 3) end
  for k, v in pairs(opts or {}) do
    local want = OPTION_TYPES[k]
    if not want then error(("retry: unknown option '%s'"):format(tostring(k)), 3) end
    local ok = want == "integer" and math.type(v) == "integer" or type(v) == want
    if not ok then error(("retry: option '%s' must be a %s"):format(k, want == "integer" and "whole number" or want), 3) end
    if want ~= "function" and want ~= "boolean" and v < 0 then error(("retry: option '%s' must not be negative"):format(k), 3) end
    p[k] = v
  end
  if p.attempts < 1 then error("retry: attempts must be at least 1", 3) end
  p.sleep = p.sleep or require("luaforce.http").sleep
  return p
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8, Sep = 9,
  Oct = 10, Nov = 11, Dec = 12 }

--- Seconds to wait that a Retry-After value asks for (delta seconds, or an
-- IMF-fixdate such as "Wed, 21 Oct 2015 07:28:00 GMT"), or nil when the
-- value is neither. `now_ms` defaults to the clock.
function M.retry_after(value, now_ms)
  if type(value) == "table" then value = value[1] end
  if type(value) ~= "string" then return nil end
  value = value:match("^%s*(.-)%s*$")
  if value:match("^%d+$") then return tonumber(value) end
  local d, mon, y, hh, mm, ss = value:match("^%a+, (%d%d) (%a%a%a) (%d%d%d%d) (%d%d):(%d%d):(%d%d) GMT$")
  if not d or not MONTHS[mon] then return nil end
  local at = calendar.days_from_civil(tonumber(y), MONTHS[mon], tonumber(d)) * 86400
    + tonumber(hh) * 3600 + tonumber(mm) * 60 + tonumber(ss)
  local now = (now_ms or sys.now_ms()) / 1000
  return math.max(0, at - now)
end

--- The computed delay before retry number n (1 = the first retry).
function M.backoff(policy, n)
  local d = math.min(policy.max_delay, policy.base_delay * 2 ^ (n - 1))
  return d / 2 + math.random() * d / 2
end

-- What a response says about retrying: "retry", "unknown" (a create whose
-- fate the status does not tell) or nil (a final answer).
local function judge_response(mode, res)
  local status = res.status
  local body = type(res.body) == "string" and res.body or ""
  local concurrent = status == 403 and body:find("REQUEST_LIMIT_EXCEEDED", 1, true)
    and body:find("ConcurrentRequests", 1, true)
  if concurrent or NOT_PROCESSED[status] then return "retry" end
  if RETRY_STATUS[status] then
    if mode == "create" then return nil end
    return "retry"
  end
  return nil
end

local function judge_transport(mode, terr)
  -- no kind: not a transport failure (an authentication error) -- final
  if not terr.kind or FINAL_KIND[terr.kind] then return nil end
  if not terr.request_sent then return "retry" end
  if mode == "create" then return "unknown" end
  return "retry"
end

--- Whether to try again after one attempt: "retry", "unknown" or nil.
-- `res` is luaforce.http's response (body still text), or nil and `terr`.
function M.judge(mode, res, terr, policy)
  if mode == "never" then return nil end
  if res then
    if policy and policy.statuses == false then return nil end
    return judge_response(mode, res)
  end
  return judge_transport(mode, terr)
end

local function describe(res, terr)
  if res then
    local code = type(res.body) == "string" and res.body:match('"errorCode"%s*:%s*"([^"]+)"')
    return ("HTTP %d%s"):format(res.status, code and (" " .. code) or "")
  end
  return ("%s%s"):format(terr.kind or "error", terr.request_sent and " (request sent)" or "")
end

-- Statuses a gateway sends for a server it could not hear from.
local GATEWAY = { [502] = true, [504] = true }

--- Whether one attempt may have reached the server and been processed
-- (see "May have reached" above): `res` is its response or nil and
-- `terr` its transport error.
function M.may_have_reached(res, terr)
  if res then return GATEWAY[res.status] or false end
  return terr ~= nil and terr.kind ~= nil and terr.request_sent == true
end

--- Runs `send()` (returning an http response or nil, terr, and a third
-- value true when it must not be repeated) under the policy. Returns `res,
-- terr, verdict, attempts, reached`: the last response or transport error;
-- verdict "unknown" when a create went out and its answer was lost (never
-- retried); reached true when any attempt may have reached the server
-- (M.may_have_reached). `what` names the request in log lines.
function M.run(policy, mode, send, what)
  local started = sys.monotonic_ms()
  local n = 0
  local reached = false
  while true do
    n = n + 1
    local res, terr, final = send()
    reached = reached or M.may_have_reached(res, terr)
    local verdict = M.judge(mode, res, terr, policy)
    if verdict == "unknown" then return res, terr, "unknown", n, reached end
    if final then return res, terr, nil, n, reached end -- e.g. a body already streamed out
    if verdict ~= "retry" or n >= policy.attempts then return res, terr, nil, n, reached end
    local wait = res and M.retry_after(res.headers and res.headers["retry-after"]) or nil
    local from_header = wait ~= nil
    wait = wait or M.backoff(policy, n)
    local spent = (sys.monotonic_ms() - started) / 1000
    if spent + wait > policy.max_time then return res, terr, nil, n, reached end
    if policy.log then
      policy.log(("client: %s: %s; retry %d of %d in %.3f s%s"):format(what or "request", describe(res, terr),
        n, policy.attempts - 1, wait, from_header and " (Retry-After)" or ""))
    end
    policy.sleep(wait)
  end
end

return M
