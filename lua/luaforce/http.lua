--- luaforce.http: HTTP exchanges over libcurl, one at a time or many at once.
--
-- API SUMMARY (the contract luaforce.auth and the client build on)
--
--   local http = require "luaforce.http"
--   local s = http.session { timeout = 30 }        -- options below, all optional
--   local res, err = s:request {
--     method = "GET",                  -- default GET ("POST" when body is given)
--     url = "https://x.my.salesforce.com/services/data/v62.0/limits",
--     query = { q = "SELECT Id FROM Account" },   -- encoded, keys sorted
--     headers = { Accept = "application/json" },  -- map, or list of {name, value}
--     body = "...",                     -- a string (nil: no body)
--     timeout = 30, connect_timeout = 10,          -- seconds, override the session's
--     on_chunk = function(piece) end,   -- stream the body (res.body is then "")
--     fresh_connect = true,            -- a new connection: libcurl never replays
--                                      -- the request by itself (creates)
--   }
--   res = { status = 200, reason = "OK", headers = H, body = "...",
--           elapsed = 0.012 (seconds), http_version = "1.1", url = final URL }
--   H["content-type"] == H["Content-Type"]  (original case kept as keys;
--   a repeated header is a list of its values)
--   Any HTTP status is a response. Transport failures return nil, err:
--   err = { kind = "TIMEOUT"|"CONNECT"|"DNS"|"TLS"|"EMPTY_REPLY"|"PARTIAL_BODY"|
--                  "PROTOCOL"|"ABORTED"|"TOO_LARGE"|"URL"|"NETWORK",
--           message = "...", host = "x.my.salesforce.com", request_sent = bool,
--           code = kind, exit = 4 or 6, method =, url = (secrets masked) }
--   (err is a luaforce.errors object: tostring(err) reads well.)
--
--   s:request_many(list [, opts]) -> responses, errs   (slots 1..#list; each
--       slot has a response in `responses` or an error in `errs`)
--   http.parallel(fn [, opts])    -- runs fn() as a task; inside it (and in
--       tasks it spawns) requests yield instead of blocking, so plain
--       sequential code in several tasks runs concurrently. Returns fn's
--       results once fn and every task spawned in it have finished.
--       opts.per_host (default 8): transfers in flight per scheme://host:port.
--   http.spawn(fn, ...) -> task   (inside parallel) start a task
--   task:wait() -> fn's results (raises fn's error, once, in the waiter)
--   http.sleep(seconds)           yields inside parallel, blocks outside
--   http.trace(level)             0 off, 1 a line per exchange, 2 + headers
--                                 and bodies; to stderr, secrets as ***
--   http.add_secret(value)        mask this exact text wherever it is printed
--   http.redact(text)             text with every known secret masked
--   http.request(req)             the same on a default session of the module
--   http.escape(s [, form])       percent-encoding; http.encode_query(t [, form])
--                                 "k=v&..." with sorted keys (form: spaces as +)
--   http.KINDS                    the error kinds, each with what it means
--   s:close()                     (also __close / __gc)
--
-- Session options: timeout (120 s total), connect_timeout (10 s), ca_file,
--   ca_path, insecure_skip_tls_verify (prints a warning), max_body (bytes,
--   128 MiB), headers (sent with every request), user_agent,
--   redirects ("same-host" default | "none" | "any": another host never
--   gets Authorization, Cookie or Proxy-Authorization), max_redirects (5).
--
-- Design notes:
-- * C (luaforce.core.http) does the exchanges on libcurl: one multi handle
--   per Lua state, easy handles pooled per session. This file is policy:
--   request shape, redirects, the response object, errors, tracing and the
--   coroutine scheduler.
-- * Inside http.parallel a request starts its transfer and yields; the
--   scheduler drives every transfer at once (core.wait) and resumes each
--   task when its own finished. Outside, a request runs to its end in one C
--   call (session:perform), so a plain script pays nothing for concurrency.
-- * Redirects are followed here, not by libcurl, so the rule "never send
--   credentials to another host" is a few visible lines below.
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local core = require "luaforce.core.http"
local sys = require "luaforce.core.sys"
local errors = require "luaforce.errors"

local M = {}

M.version = core.version
M.libcurl = core.libcurl

--- The kinds a transport error can have (err.kind), and what they mean.
M.KINDS = {
  TIMEOUT = "the connect or total timeout passed",
  CONNECT = "the server refused or could not be reached",
  DNS = "the host name did not resolve",
  TLS = "the TLS handshake or the certificate check failed",
  EMPTY_REPLY = "the connection closed before any response",
  PARTIAL_BODY = "the response stopped before its end",
  PROTOCOL = "the server broke HTTP (or too many redirects)",
  ABORTED = "stopped on purpose: on_chunk returned false, or Ctrl-C",
  TOO_LARGE = "the response passed max_body",
  URL = "the URL is malformed or not http(s)",
  NETWORK = "another socket-level failure",
}

-- Methods that change nothing: a failure after sending one is still
-- "nothing written" (exit 4); for the others it is "outcome unknown" (6).
local SAFE = { GET = true, HEAD = true, OPTIONS = true, TRACE = true }

---------------------------------------------------------------------------
-- Secrets and tracing

local trace_level = 0
local trace_write = function(line) io.stderr:write(line, "\n") end
local secrets = {}      -- value -> true
local secret_list = {}  -- the values, for core.redact_secrets
local MAX_TRACE_BODY = 16 * 1024

local function add_one(v)
  if #v >= 4 and not secrets[v] then
    secrets[v] = true
    secret_list[#secret_list + 1] = v
  end
end

--- Registers `value` (a token, a password, a client secret) so that tracing
-- and error messages print *** in its place, also in its percent-encoded
-- and JSON-escaped forms. Values shorter than 4 bytes are ignored: masking
-- them would garble everything else and protect nothing.
function M.add_secret(value)
  if type(value) ~= "string" then
    error(("bad argument #1 to 'add_secret' (string expected, got %s)"):format(type(value)), 2)
  end
  add_one(value)
  add_one(core.encode(value, true))
  add_one(core.encode(value, false))
  add_one((value:gsub("/", "\\/")))
end

--- `text` with every registered secret replaced by ***.
function M.redact(text)
  text = tostring(text)
  if #secret_list == 0 then return text end
  return core.redact_secrets(text, secret_list)
end
local mask = M.redact

--- Sets the trace level (0 off, 1 one line per exchange, 2 with headers and
-- bodies) and, optionally, where lines go (a function(line); default: the
-- standard error). Returns the previous level.
function M.trace(level, write)
  local prev = trace_level
  if level ~= nil then
    if math.type(level) ~= "integer" or level < 0 or level > 2 then
      error("bad argument #1 to 'trace' (0, 1 or 2 expected)", 2)
    end
    trace_level = level
  end
  if write ~= nil then
    if type(write) ~= "function" then error("bad argument #2 to 'trace' (function expected)", 2) end
    trace_write = write
  end
  return prev
end

local function safe_url(url)
  return mask(core.redact_url(url))
end

-- A body as tracing shows it: credentials masked by the syntax the body is
-- in (JSON keys, form fields) and by value (registered secrets), then cut.
local function trace_body(body, ctype)
  if body == nil or body == "" then return nil end
  if body:find("[%z\1-\8\14-\31]") then return ("(%d bytes of binary data)"):format(#body) end
  ctype = (ctype or ""):lower()
  local text
  if ctype:find("json", 1, true) or body:match("^%s*[{%[]") then
    text = core.redact_json(body)
  elseif ctype:find("x-www-form-urlencoded", 1, true) or body:match("^[%w%%._~+-]+=[^%s]*$") then
    text = core.redact_form(body)
  else
    text = body
  end
  text = mask(text)
  if #text > MAX_TRACE_BODY then
    text = text:sub(1, MAX_TRACE_BODY) .. ("... (%d more bytes)"):format(#text - MAX_TRACE_BODY)
  end
  return text
end

local function trace_header(prefix, name, value)
  if core.secret_header(name) then value = "***" else value = mask(value) end
  trace_write(prefix .. name .. ": " .. value)
end

local function header_value(lines, want)
  want = want:lower()
  for _, line in ipairs(lines) do
    local name, value = line:match("^([^:;]+)[:;]%s*(.*)$")
    if name and name:lower() == want then return value end
  end
end

local function trace_exchange(raw, res, err, ms, streamed)
  local line = ("http: %s %s -> "):format(raw.method, safe_url(raw.url))
  if res then
    line = line .. ("%d %s, %d bytes, %.1f ms"):format(res.status, res.reason, res.received, ms)
  else
    line = line .. ("%s%s: %s, %.1f ms"):format(err.kind, err.request_sent and " (request sent)" or "",
      err.message, ms)
  end
  trace_write(line)
  if trace_level < 2 then return end
  trace_write("http: > " .. raw.method .. " " .. safe_url(raw.url))
  trace_write("http: > User-Agent: " .. raw.user_agent)
  for _, h in ipairs(raw.headers) do
    local name, value = h:match("^([^:;]+)[:;]%s*(.*)$")
    if name and value ~= "" then trace_header("http: > ", name, value) end
  end
  local b = trace_body(raw.body, header_value(raw.headers, "content-type"))
  if b then trace_write("http: > " .. b) end
  if not res then return end
  trace_write(("http: < HTTP/%s %d %s"):format(res.http_version, res.status, res.reason))
  local list = res.header_list
  for i = 1, #list, 2 do trace_header("http: < ", list[i], list[i + 1]) end
  if streamed then
    trace_write(("http: < (%d bytes streamed to on_chunk)"):format(res.received))
  else
    local ctype = res.headers["content-type"]
    b = trace_body(res.body, type(ctype) == "table" and ctype[1] or ctype)
    if b then trace_write("http: < " .. b) end
  end
end

---------------------------------------------------------------------------
-- Response headers: original case kept, looked up case-insensitively.

local Headers = { __name = "luaforce.http.Headers" }
Headers.__index = function(t, k)
  if type(k) ~= "string" then return nil end
  local want = k:lower()
  for name, v in next, t do
    if type(name) == "string" and name:lower() == want then return v end
  end
end

local function make_headers(list)
  local h, seen = {}, {}
  for i = 1, #list, 2 do
    local name, value = list[i], list[i + 1]
    local lower = name:lower()
    local key = seen[lower]
    if not key then
      seen[lower] = name
      h[name] = value
    else
      local cur = h[key]
      if type(cur) == "table" then cur[#cur + 1] = value else h[key] = { cur, value } end
    end
  end
  return setmetatable(h, Headers)
end

---------------------------------------------------------------------------
-- The scheduler behind http.parallel: tasks are coroutines; a task that
-- waits (a transfer, a sleep, another task, a per-host slot) registers one
-- wake-up and yields WAIT; the loop resumes ready tasks, and when none is
-- ready drives libcurl (core.wait) until a transfer ends or a timer is due.

local WAIT = setmetatable({}, { __name = "luaforce.http.wait" })
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

local function suspend()
  coroutine.yield(WAIT)
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

-- Resumes t once; notes how it stopped.
local function step(t)
  local co = t.co
  local res = table.pack(coroutine.resume(co))
  if coroutine.status(co) == "dead" then
    if not res[1] and res[2] == errors.interrupted then error(res[2], 0) end
    finish(t, table.unpack(res, 1, res.n))
  elseif res[2] ~= WAIT then
    ready(t) -- the task yielded for a reason of its own: let it go on later
  end
end

local function spawn_in(group, fn, ...)
  local args = table.pack(...)
  local co = coroutine.create(function() return fn(table.unpack(args, 1, args.n)) end)
  local t = setmetatable({ co = co, group = group, sched = sched, waiters = {} }, Task)
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
    sched = { ready = { head = 1, tail = 0 }, waiting = {}, timers = {}, hosts = {}, per_host = per_host }
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
        cancel_all(sched)
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

local function exchange(raw_session, raw)
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

---------------------------------------------------------------------------
-- Sessions and requests

local Session = {}
Session.__index = Session
Session.__name = "luaforce.http.Session"

local SESSION_OPTIONS = {
  timeout = "number", connect_timeout = "number", ca_file = "string", ca_path = "string",
  insecure_skip_tls_verify = "boolean", max_body = "number", headers = "table", user_agent = "string",
  redirects = "string", max_redirects = "number",
}
local REQUEST_FIELDS = {
  method = "string", url = "string", query = "table", headers = "table", body = "string",
  timeout = "number", connect_timeout = "number", on_chunk = "function", max_body = "number",
  redirects = "string", fresh_connect = "boolean",
}
local REDIRECT_MODES = { ["same-host"] = true, none = true, any = true }

local function check_fields(t, allowed, what, level)
  for k, v in pairs(t) do
    local want = allowed[k]
    if not want then error(("%s: unknown field '%s'"):format(what, tostring(k)), level + 1) end
    if type(v) ~= want then
      error(("%s: '%s' must be a %s, not a %s"):format(what, k, want, type(v)), level + 1)
    end
  end
end

local function check_redirects(mode, what, level)
  if mode ~= nil and not REDIRECT_MODES[mode] then
    error(("%s: redirects must be \"same-host\", \"none\" or \"any\", not %q"):format(what, mode), level + 1)
  end
end

--- A session: reusable connections, DNS and TLS caches, and defaults for
-- its requests (see the summary at the top for the options).
function M.session(opts)
  if opts ~= nil and type(opts) ~= "table" then error("bad argument #1 to 'session' (table expected)", 2) end
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  check_fields(o, SESSION_OPTIONS, "http.session", 2)
  check_redirects(o.redirects, "http.session", 2)
  if o.max_redirects and (math.type(o.max_redirects) ~= "integer" or o.max_redirects < 0) then
    error("http.session: max_redirects must be an integer >= 0", 2)
  end
  if o.insecure_skip_tls_verify then
    io.stderr:write("luaforce: WARNING: TLS certificate verification is OFF for this session ",
      "(insecure_skip_tls_verify): anyone on the network path can read and change its traffic, tokens included\n")
  end
  local ok, raw = pcall(core.session, o)
  if not ok then error(raw, 2) end
  local default_headers = {}
  for k, v in pairs(o.headers or {}) do default_headers[k] = v end
  return setmetatable({
    raw = raw,
    headers = default_headers,
    redirects = o.redirects or "same-host",
    max_redirects = o.max_redirects or 5,
    user_agent = o.user_agent or ("luaforce/" .. core.version),
  }, Session)
end

function Session:close()
  self.raw:close()
end
Session.__close = Session.close

function Session:__tostring()
  return tostring(self.raw)
end

local function scalar(v, what)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return math.type(v) == "integer" and ("%d"):format(v) or tostring(v) end
  if t == "boolean" then return tostring(v) end
  error(("%s must be a string, number or boolean, not a %s"):format(what, t), 4)
end

-- query table -> "k=v&k=v", keys sorted (core.encode_pairs sorts).
local function encode_query(q)
  local flat = {}
  for k, v in pairs(q) do
    if type(k) ~= "string" then error("http: query keys must be strings", 4) end
    if type(v) == "table" then
      for i = 1, #v do
        flat[#flat + 1] = k
        flat[#flat + 1] = scalar(v[i], "query value '" .. k .. "'")
      end
    else
      flat[#flat + 1] = k
      flat[#flat + 1] = scalar(v, "query value '" .. k .. "'")
    end
  end
  return core.encode_pairs(flat)
end

--- `k=v&...` for a table (sorted keys; a list value repeats its key), as a
-- query string (spaces as %20) or, with form = true, a form body.
function M.encode_query(t, form)
  if type(t) ~= "table" then error("bad argument #1 to 'encode_query' (table expected)", 2) end
  local flat = {}
  for k, v in pairs(t) do
    if type(v) == "table" then
      for i = 1, #v do flat[#flat + 1] = tostring(k); flat[#flat + 1] = scalar(v[i], "value") end
    else
      flat[#flat + 1] = tostring(k); flat[#flat + 1] = scalar(v, "value")
    end
  end
  return core.encode_pairs(flat, form)
end

--- Percent-encodes a string (unreserved characters stay).
function M.escape(s, form)
  return core.encode(s, form)
end

local function check_header(name, value)
  if type(name) ~= "string" or not name:match("^[!#$%%&'*+.^_`|~%w-]+$") then
    error(("http: bad header name %q"):format(tostring(name)), 4)
  end
  if value ~= false then
    value = scalar(value, "header '" .. name .. "'")
    if value:find("[\r\n%z]") then error(("http: header '%s' holds a line break"):format(name), 4) end
  end
  return value
end

-- Adds header lines for `h` (a map, sorted by name, or a list of {name,
-- value}) into `out` (lower name -> list of lines), later sources replacing
-- earlier ones name by name.
local function collect_headers(h, out, order)
  local entries = {}
  if #h > 0 then
    for i, pair in ipairs(h) do
      if type(pair) ~= "table" then error("http: headers list entries must be {name, value}", 4) end
      entries[i] = { pair[1], pair[2] }
    end
  else
    for k, v in pairs(h) do entries[#entries + 1] = { k, v } end
    table.sort(entries, function(a, b) return tostring(a[1]) < tostring(b[1]) end)
  end
  local fresh = {}
  for _, e in ipairs(entries) do
    local name, value = e[1], e[2]
    local lines = {}
    if type(value) == "table" then
      for _, v in ipairs(value) do lines[#lines + 1] = check_header(name, v) end
    else
      lines[1] = check_header(name, value)
    end
    local lower = name:lower()
    if not fresh[lower] then
      fresh[lower] = true
      if not out[lower] then order[#order + 1] = lower end
      out[lower] = {}
    end
    for _, v in ipairs(lines) do
      local list = out[lower]
      if v == false then list[#list + 1] = name .. ":"          -- drop libcurl's own
      elseif v == "" then list[#list + 1] = name .. ";"         -- libcurl's spelling of empty
      else list[#list + 1] = name .. ": " .. v end
    end
  end
end

-- The request table C expects: method, url (query added), headers (lines).
local function normalize(self, req)
  if type(req) ~= "table" then error("bad argument #1 to 'request' (table expected)", 3) end
  check_fields(req, REQUEST_FIELDS, "http request", 3)
  check_redirects(req.redirects, "http request", 3)
  local url = req.url
  if not url then error("http request: url is required", 3) end
  if url:find("[%s%z]") then error("http request: the url holds blanks or control characters", 3) end
  local method = (req.method or (req.body and "POST" or "GET")):upper()
  if not method:match("^[%u_-]+$") then error(("http request: bad method %q"):format(method), 3) end
  if req.query then
    local q = encode_query(req.query)
    if q ~= "" then
      local base, frag = url:match("^([^#]*)(#?.*)$")
      url = base .. (base:find("?", 1, true) and (base:sub(-1) == "?" and "" or "&") or "?") .. q
      local _ = frag -- a fragment is never sent
    end
  end
  local by_name, order = {}, {}
  collect_headers(self.headers, by_name, order)
  collect_headers(req.headers or {}, by_name, order)
  local lines = {}
  for _, lower in ipairs(order) do
    for _, line in ipairs(by_name[lower]) do lines[#lines + 1] = line end
  end
  if req.body and not by_name["content-type"] then
    lines[#lines + 1] = "Content-Type:" -- no made-up type; libcurl would say form
  end
  local ua = self.user_agent
  if by_name["user-agent"] then ua = by_name["user-agent"][1]:match("^[^:;]+[:;]%s*(.*)$") end
  return {
    method = method, url = url, headers = lines, body = req.body, timeout = req.timeout,
    connect_timeout = req.connect_timeout, on_chunk = req.on_chunk, max_body = req.max_body,
    user_agent = ua, fresh_connect = req.fresh_connect,
  }, by_name
end

local function transport_error(raw, e)
  local parts = core.url_parts(raw.url)
  e.host = parts and parts.host or nil
  e.code = e.kind
  e.method = raw.method
  e.url = safe_url(raw.url)
  e.message = mask(("%s %s: %s"):format(raw.method, e.url, e.message))
  e.exit = (e.request_sent and not SAFE[raw.method]) and errors.EXIT.UNKNOWN or errors.EXIT.NETWORK
  return errors.new(e)
end

local REDIRECT = { [301] = true, [302] = true, [303] = true, [307] = true, [308] = true }
local CREDENTIAL_HEADERS = { authorization = true, cookie = true, ["proxy-authorization"] = true }

-- Where a redirect may go: the next raw request, or nil to stop here.
local function follow(raw, res, mode)
  local target = res.redirect_url
  if mode == "none" or not target then return nil end
  local from, to = core.url_parts(raw.url), core.url_parts(target)
  if not (from and to) then return nil end
  local same = from.origin == to.origin
  if not same and mode ~= "any" then return nil end
  local nxt = {}
  for k, v in pairs(raw) do nxt[k] = v end
  nxt.url = target
  if res.status == 303 or ((res.status == 301 or res.status == 302) and raw.method == "POST") then
    nxt.method = raw.method == "HEAD" and "HEAD" or "GET"
    nxt.body = nil
  end
  local lines = {}
  for _, line in ipairs(raw.headers) do
    local lower = (line:match("^([^:;]+)") or ""):lower()
    local drop = (not same and CREDENTIAL_HEADERS[lower])
      or (nxt.body == nil and (lower == "content-type" or lower == "content-length"))
    if not drop then lines[#lines + 1] = line end
  end
  nxt.headers = lines
  return nxt
end

--- Sends one request (see the summary at the top). Returns the response or
-- nil, err; raises on misuse and when on_chunk raises.
function Session:request(req)
  local raw = normalize(self, req)
  local mode = req.redirects or self.redirects
  local elapsed, hops = 0, 0
  while true do
    local t0 = trace_level > 0 and sys.monotonic_ms()
    local res, err = exchange(self.raw, raw)
    if res then
      res.headers = make_headers(res.header_list)
      elapsed = elapsed + res.elapsed
    end
    if trace_level > 0 then
      if err then err.message = mask(err.message) end
      trace_exchange(raw, res, err, sys.monotonic_ms() - t0, raw.on_chunk ~= nil)
    end
    if not res then return nil, transport_error(raw, err) end
    local nxt = REDIRECT[res.status] and follow(raw, res, mode)
    if not nxt then
      res.header_list = nil
      res.elapsed = elapsed
      res.redirects = hops
      return res
    end
    hops = hops + 1
    if hops > self.max_redirects then
      return nil, transport_error(raw, { kind = "PROTOCOL", request_sent = true,
        message = ("more than %d redirects"):format(self.max_redirects) })
    end
    raw = nxt
  end
end

--- Sends every request of `list` at once (per-host limit opts.per_host,
-- default 8). Returns `responses, errs`: for each slot i, responses[i] or
-- errs[i]. Works inside http.parallel too.
function Session:request_many(list, opts)
  if type(list) ~= "table" then error("bad argument #1 to 'request_many' (table expected)", 2) end
  local n = #list
  local responses, errs = { n = n }, { n = n }
  M.parallel(function()
    for i = 1, n do
      M.spawn(function()
        responses[i], errs[i] = self:request(list[i])
      end)
    end
  end, opts)
  return responses, errs
end

--- Convenience: a one-off request on a shared default session.
local default_session
function M.request(req)
  default_session = default_session or M.session()
  return default_session:request(req)
end

return M
