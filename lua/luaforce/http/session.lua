--- luaforce.http.session: sessions of luaforce.http (the public face
-- re-exports new as http.session; the request and option fields are in its
-- summary).
--
--   session.new(opts) -> s
--   s:request(req) -> response | nil, err   redirects followed by policy
--       (another host never gets Authorization, Cookie or
--       Proxy-Authorization), traced when tracing is on, a transport failure
--       as a luaforce.errors object (kind, request_sent, exit 4 or 6)
--   s:request_many(list [, opts]) -> responses, errs
--   s:close() (also __close); tostring(s)
--
-- A response: status, reason, headers (original case kept, looked up in any
-- case; a repeated header is a list), body, elapsed (seconds, over every
-- redirect), redirects (how many were followed), http_version, url.
-- Redirects are followed here, not by libcurl, so the rule "never send
-- credentials to another host" is the few visible lines of follow().
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local core = require "luaforce.core.http"
local sys = require "luaforce.core.sys"
local errors = require "luaforce.errors"
local parallel = require "luaforce.http.parallel"
local request = require "luaforce.http.request"
local trace = require "luaforce.http.trace"

local M = {}

-- Methods that change nothing: a failure after sending one is still
-- "nothing written" (exit 4); for the others it is "outcome unknown" (6).
local SAFE = { GET = true, HEAD = true, OPTIONS = true, TRACE = true }

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

local Session = {}
Session.__index = Session
Session.__name = "luaforce.http.Session"

local SESSION_OPTIONS = {
  timeout = "number", connect_timeout = "number", ca_file = "string", ca_path = "string",
  insecure_skip_tls_verify = "boolean", max_body = "number", headers = "table", user_agent = "string",
  redirects = "string", max_redirects = "number",
}

--- A session: reusable connections, DNS and TLS caches, and defaults for
-- its requests (see luaforce.http's summary for the options). (http.session)
function M.new(opts)
  if opts ~= nil and type(opts) ~= "table" then error("bad argument #1 to 'session' (table expected)", 2) end
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  request.check_fields(o, SESSION_OPTIONS, "http.session", 2)
  request.check_redirects(o.redirects, "http.session", 2)
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

local function transport_error(raw, e)
  local parts = core.url_parts(raw.url)
  e.host = parts and parts.host or nil
  e.code = e.kind
  e.method = raw.method
  e.url = trace.safe_url(raw.url)
  e.message = trace.redact(("%s %s: %s"):format(raw.method, e.url, e.message))
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
    nxt.body, nxt.body_file = nil, nil
  end
  local lines = {}
  for _, line in ipairs(raw.headers) do
    local lower = (line:match("^([^:;]+)") or ""):lower()
    local drop = (not same and CREDENTIAL_HEADERS[lower])
      or (nxt.body == nil and nxt.body_file == nil and (lower == "content-type" or lower == "content-length"))
    if not drop then lines[#lines + 1] = line end
  end
  nxt.headers = lines
  return nxt
end

--- Sends one request (see luaforce.http's summary). Returns the response or
-- nil, err; raises on misuse and when on_chunk raises.
function Session:request(req)
  local raw = request.normalize(self, req)
  local mode = req.redirects or self.redirects
  local elapsed, hops = 0, 0
  while true do
    local t0 = trace.level() > 0 and sys.monotonic_ms()
    local res, err = parallel.exchange(self.raw, raw)
    if res then
      res.headers = make_headers(res.header_list)
      elapsed = elapsed + res.elapsed
    end
    if trace.level() > 0 then
      if err then err.message = trace.redact(err.message) end
      trace.exchange(raw, res, err, sys.monotonic_ms() - t0, raw.on_chunk ~= nil)
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
  parallel.parallel(function()
    for i = 1, n do
      parallel.spawn(function()
        responses[i], errs[i] = self:request(list[i])
      end)
    end
  end, opts)
  return responses, errs
end

return M
