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
--     body_file = "/path",              -- or a file's bytes, streamed (any size, one buffer)
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
--   http.holds_secret(text)       true when text holds a registered secret
--                                 or 16 consecutive bytes of one
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
--   per Lua state, easy handles pooled per session. These files are policy:
--   this one, the public face, gathers what the others do:
--     http/session.lua   sessions: the request loop, redirects, the response
--                        object, transport errors, request_many
--     http/request.lua   a request table checked and normalized for C
--     http/parallel.lua  the coroutine scheduler (parallel, spawn, sleep)
--     http/trace.lua     secrets and tracing
--     http/secret_set.lua  does a text hold a secret or 16 bytes of one
-- * Inside http.parallel a request starts its transfer and yields; the
--   scheduler drives every transfer at once (core.wait) and resumes each
--   task when its own finished. Outside, a request runs to its end in one C
--   call (session:perform), so a plain script pays nothing for concurrency.
-- * Redirects are followed in Lua, not by libcurl, so the rule "never send
--   credentials to another host" is a few visible lines (http/session.lua).
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local core = require "luaforce.core.http"
local parallel = require "luaforce.http.parallel"
local request = require "luaforce.http.request"
local session = require "luaforce.http.session"
local trace = require "luaforce.http.trace"

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

--- Registers a value to mask wherever it is printed (http/trace.lua).
M.add_secret = trace.add_secret
--- `text` with every registered secret replaced by ***.
M.redact = trace.redact
--- True when `text` holds a registered secret, or 16 bytes of one.
M.holds_secret = trace.holds_secret
--- Sets the trace level (0, 1, 2) and optionally the writer; returns the previous level.
M.trace = trace.set

--- Runs fn as a task; requests inside yield instead of blocking (http/parallel.lua).
M.parallel = parallel.parallel
--- Starts a task next to the running one (inside http.parallel only).
M.spawn = parallel.spawn
--- Waits `seconds`: other tasks run meanwhile inside http.parallel.
M.sleep = parallel.sleep

--- A session: reusable connections and defaults for its requests (http/session.lua).
M.session = session.new

--- `k=v&...` for a table (sorted keys), as a query string or, with form = true, a form body.
M.encode_query = request.encode_query
--- Percent-encodes a string (unreserved characters stay).
M.escape = request.escape

--- Convenience: a one-off request on a shared default session.
local default_session
function M.request(req)
  default_session = default_session or M.session()
  return default_session:request(req)
end

return M
