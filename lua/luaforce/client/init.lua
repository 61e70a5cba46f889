--- luaforce.client: the Salesforce REST API from Lua, as the Camunda
-- Salesforce Connector does it, and then what the connector lacks.
--
--     local sf = require "luaforce"            -- sf.connect is client.connect
--     local org = sf.connect { instance_url = "https://acme.my.salesforce.com",
--                              auth = { type = "bearer", token = tok } }
--     local res, err = org:query("SELECT Id, Name FROM Account LIMIT 5")
--     if not res then print(err) return end          -- one readable line
--     for _, r in ipairs(res.body.records) do print(r.Id, r.Name) end
--
-- PUBLIC API (this file and the operations below)
--   client.connect(opts[, sources]) -> org, or nil, err.  Settings come
--     from, in this order: opts, then what `sources` gives (the program's
--     command line, the environment SF_INSTANCE_URL, SF_API_VERSION,
--     SF_ACCESS_TOKEN, SF_CLIENT_ID, SF_CLIENT_SECRET, a profile, the local
--     org: see luaforce.client.settings, the one resolver). Without
--     `sources`: opts, then the environment. require("luaforce").connect
--     passes the sources its program configured. opts (all optional):
--       instance_url   https://..., or http:// to a loopback address
--       allow_http     true: http:// to any host (opted in by name)
--       api_version    "v62.0" (default), "62.0" gets its "v"
--       auth           {type = "bearer", token =} or {type =
--                      "oauth-client-credentials", client_id =, client_secret =,
--                      token_url =, ...} (luaforce.auth options)
--       access_token, client_id, client_secret   shortcuts for auth
--       timeout        seconds per request (default 120; 0: no limit)
--       retry          {attempts = 4, max_time = 60, base_delay = 0.5,
--                      max_delay = 30} (luaforce.client.retry)
--       session        a luaforce.http session to use (default: a new one)
--     "{{secrets.NAME}}" in any string setting is replaced from the
--     environment or the secrets file (luaforce.client.secrets).
--   org:query(soql), org:get(object, id [, opts]), org:create(object, fields),
--   org:update(object, id, fields), org:delete(object, id): the connector's
--     operations (luaforce.client.operations, with org:upsert); each returns
--     the connector's response object or nil, err. More methods come from
--     the parts listed in PARTS at the end of this file: records, collections,
--     composite, each, describe, limits.
--   org:request(method, path [, body [, opts]]) -> any other REST resource.
--   org:strict() -> a view of org whose methods raise err instead of
--     returning it.   client.raise(err) (= require("luaforce").raise)
--
-- INTERNAL API (for the files that add methods: operations, records,
-- collections, composite, each, describe, limits). Every operation goes through one
-- call:
--
--   org:call(method, path_or_url, {
--       query = {name = value},     -- encoded by luaforce.http, keys sorted
--       body = table | string,      -- a table is encoded as JSON (lossless;
--                                   -- json.null is sent as null), a string
--                                   -- is sent as is (Content-Type JSON
--                                   -- unless headers say otherwise)
--       body_file = "/path",        -- or a file's bytes, streamed (any size;
--                                   -- set Content-Type in headers)
--       headers = {name = value},
--       retry = "idempotent" | "create" | "safe-create" | "never",
--           -- default: "create" for POST, "idempotent" for the others.
--           -- "create": retried only when the server certainly did not
--           --   process it; else OUTCOME_UNKNOWN (exit 6).
--           -- "safe-create": a POST the caller knows is safe to replay
--           --   (it writes nothing, or upserts on an external id):
--           --   retried like "idempotent".
--       expect_json = true,         -- false: a non-JSON body is returned
--                                   -- as a string instead of an error
--       on_chunk = fn,              -- stream the body (no retry once data
--                                   -- reached fn)
--       write = false,              -- a POST that only reads (default: the
--                                   -- method says whether it may write)
--       retry_statuses = false,     -- HTTP answers are final: only
--                                   -- transport failures are retried
--                                   -- (luaforce.client.retry's `statuses`)
--       outcome = {},               -- filled in: attempts, and reached =
--                                   -- true when an attempt of a write may
--                                   -- have been applied (a success after
--                                   -- one is still a success; per-record
--                                   -- failures in it are not certain)
--   }) -> response, err
--   A write any attempt of which may have reached the org (its answer lost,
--   or a gateway's 502/504) never ends in a plain failure: whatever the
--   last attempt says, err is OUTCOME_UNKNOWN (exit 6), err.connector_code
--   the code the last answer had. One exception: a DELETE answered
--   ENTITY_IS_DELETED after such an attempt keeps its error with
--   err.reached = true (the earlier attempt removed it: Org:delete reads
--   that as done).
--   path_or_url: "/sobjects/Account" (joined to org.base), a path starting
--     with "/services/" (joined to the instance), or a full URL (same host).
--   response = {status =, headers = (case-insensitive lookup), body =
--     (decoded JSON, lossless; json.null for an empty body), reason =,
--     document = json.null}. Any status >= 400 is err instead. err is a
--     luaforce.errors object (luaforce.client.errors): code, message,
--     variables = {response = {headers, body}}, status, kind, error_code,
--     errors (Salesforce's whole list), fields, request = {method, path},
--     attempts, exit (sent = {method, path, body} with OUTCOME_UNKNOWN).
--     Ctrl-C while a write may be on its way RAISES OUTCOME_UNKNOWN (exit 6,
--     err.interrupted = true) instead of the interruption: the outcome
--     outranks it (luaforce.errors.outcome_exit).
--     Retries, token refresh on 401 (luaforce.auth) and tracing happen
--     inside. Creates and DELETEs go out on a fresh connection
--     (luaforce.http's fresh_connect), so libcurl never replays them unseen.
--   Bad options raise; a response that is not JSON (expect_json) is err.
--
--   org.base         "/services/data/v62.0" (a path; org:call joins it)
--   org.api_version  "v62.0"
--   org.session      the luaforce.http session
--   org.auth         the luaforce.auth object
--   org.instance_url the URL given (auth:instance_url() may name another
--                    after a token response)
--   org.provenance   where each setting came from (settings.gather's view)
--   org:path(...)    "/sobjects/Account/001..." from segments, each escaped
--   client.check_object(name), client.check_field(name) -> name, or raise a
--     usage error (exit 2) naming the bad name;
--   client.check_id(id) -> the id as given, or raise (15 or 18 base-62
--     characters; an 18-character id's checksum verified).
--   client.ids      luaforce.client.ids (checksum, to18, to15, valid)
--   client.soql_text(q) -> SOQL text of a string or a luaforce.soql query
--     (anything with __tostring), or nil
--   client.errors   luaforce.client.errors (from_response, from_transport,
--     outcome_unknown, bad_input: the error table's constructors)
--
-- Adding methods from another file: the file exports a method table
--     local methods = {}; M.methods = methods
--     function methods:records(soql, opts) ... self:call("GET", ...) ... end
-- and is named in PARTS at the end of this file, which mixes every part's
-- methods into Org (a part never requires this file back).
local auth = require "luaforce.auth"
local base_errors = require "luaforce.errors"
local cerrors = require "luaforce.client.errors"
local checks = require "luaforce.client.checks"
local http = require "luaforce.http"
local ids = require "luaforce.client.ids"
local json = require "luaforce.json"
local retry = require "luaforce.client.retry"
local settings = require "luaforce.client.settings"

local M = {}

M.errors = cerrors
M.ids = ids
M.settings = settings
M.DEFAULT_API_VERSION = settings.DEFAULT_API_VERSION

local Org = {}
Org.__index = Org
Org.__name = "luaforce.client.Org"
M.Org = Org

local NO_LIMIT = 86400 * 30 -- the longest timeout luaforce.http takes

---------------------------------------------------------------------------
-- Names and ids, checked before anything is sent (luaforce.client.checks)

M.check_object = checks.check_object
M.check_field = checks.check_field
M.check_id = checks.check_id
M.soql_text = checks.soql_text

---------------------------------------------------------------------------
-- Connecting

local CONNECT_OPTIONS = {
  instance_url = true, allow_http = true, api_version = true, auth = true, access_token = true,
  client_id = true, client_secret = true, timeout = true, retry = true, session = true, profile = true,
}

local function retry_log(line)
  if http.trace() > 0 then io.stderr:write(http.redact(line), "\n") end
end

--- Connects (no request is made until the first call). See the top of the
-- file for the options. Returns the org, or nil, err for bad or missing
-- settings (exit 2) and unknown secrets.
function M.connect(opts, sources)
  if opts ~= nil and type(opts) ~= "table" then error("bad argument #1 to 'connect' (table expected)", 2) end
  if sources ~= nil and type(sources) ~= "table" then error("bad argument #2 to 'connect' (table expected)", 2) end
  for k in pairs(opts or {}) do
    if not CONNECT_OPTIONS[k] then error(("connect: unknown option '%s'"):format(tostring(k)), 2) end
  end
  local cfg, err = settings.resolve(opts, sources)
  if not cfg then return nil, err end
  local aopts = {}
  for k, v in pairs(cfg.auth) do aopts[k] = v end
  aopts.instance_url = aopts.instance_url or cfg.instance_url
  local ok, a = pcall(auth.new, aopts)
  if not ok then
    if base_errors.is(a) then return nil, a end
    error(a, 2)
  end
  local ropts = {}
  for k, v in pairs(cfg.retry or {}) do ropts[k] = v end
  ropts.log = ropts.log or retry_log
  local policy = retry.policy(ropts)
  local session = cfg.session
  if not session then
    local t = cfg.timeout
    if t == 0 then t = NO_LIMIT end
    session = http.session { timeout = t }
  end
  return setmetatable({
    instance_url = cfg.instance_url,
    api_version = cfg.api_version,
    base = "/services/data/" .. cfg.api_version,
    session = session,
    auth = a,
    retry_policy = policy,
    source = cfg.source,
    provenance = cfg.provenance,
  }, Org)
end

function Org:__tostring()
  return ("luaforce.client.Org (%s, %s)"):format(self.instance_url, self.api_version)
end

--- A path under org.base from segments, each percent-escaped:
-- org:path("sobjects", "Account", id) -> "/sobjects/Account/001...".
function Org:path(...)
  local parts = {}
  for i = 1, select("#", ...) do
    local seg = select(i, ...)
    if type(seg) ~= "string" and type(seg) ~= "number" then
      error(("path segment #%d must be a string"):format(i), 2)
    end
    parts[i] = http.escape(tostring(seg))
  end
  return "/" .. table.concat(parts, "/")
end

---------------------------------------------------------------------------
-- The one call

local CALL_OPTIONS = {
  query = "table", body = true, headers = "table", retry = "string", expect_json = "boolean",
  on_chunk = "function", timeout = "number", write = "boolean", outcome = "table",
  retry_statuses = "boolean", body_file = "string",
}

local function origin_of(url)
  return url and url:match("^(%a[%w+.-]*://[^/]+)")
end

-- The URL to send (absolute, or "/..." for luaforce.auth to join to the
-- API base) and the path to report in errors.
local function target_of(self, target)
  if type(target) ~= "string" or target == "" then error("org:call: a path or URL is needed", 3) end
  if target:find("[%s%c]") then error("org:call: the path holds blanks or control characters", 3) end
  if target:match("^%a[%w+.-]*://") then
    -- a full URL only to the org itself: the token must not go elsewhere
    local o = origin_of(target)
    local ok = o == origin_of(self.instance_url) or o == origin_of(self.auth:instance_url())
    if not ok then error(("org:call: %s is not this org's URL"):format(origin_of(target) or target), 3) end
    return target, target:sub(#o + 1):match("^[^?#]*")
  end
  if target:sub(1, 1) ~= "/" then error("org:call: the path must start with '/'", 3) end
  local url = target
  if not target:find("^/services/") then url = self.base .. target end
  return url, url:match("^[^?#]*")
end

-- Records read a null field as nil (json.encode still writes null).
local NULL_AS_NIL = { null_as_nil = true }

local function content_type(res)
  local c = res.headers and res.headers["content-type"]
  if type(c) == "table" then c = c[1] end
  return type(c) == "string" and c:lower() or ""
end

-- Reads the body: JSON decoded (lossless; null fields read as nil, see
-- luaforce.json's null_as_nil), json.null when empty; the text and `true`
-- when it is not JSON.
local function decode_body(res)
  local text = res.body or ""
  if text == "" then return json.null end
  local ctype = content_type(res)
  local looks = text:match("^%s*[%[{\"%-%dtfn]")
  if ctype:find("json", 1, true) or (ctype == "" and looks) then
    local v = json.decode(text, NULL_AS_NIL)
    if v ~= nil then return v end
  end
  return text, true
end

-- A to-be-closed guard: an interruption raised through it while a write may
-- be on its way becomes cerrors.interrupted_write. Other errors pass as
-- they are, tracebacks and all.
local function interrupt_guard(request, sent)
  return setmetatable({}, { __close = function(_, e)
    if e ~= nil and e == base_errors.interrupted then error(cerrors.interrupted_write(request, sent), 0) end
  end })
end

--- Sends one request to the org (see INTERNAL API at the top). Returns the
-- connector's response object, or nil, err.
function Org:call(method, target, opts)
  if type(method) ~= "string" then error("bad argument #1 to 'call' (method expected)", 2) end
  method = method:upper()
  opts = opts or {}
  for k, v in pairs(opts) do
    local want = CALL_OPTIONS[k]
    if not want then error(("org:call: unknown option '%s'"):format(tostring(k)), 2) end
    if want ~= true and type(v) ~= want then error(("org:call: option '%s' must be a %s"):format(k, want), 2) end
  end
  local mode = opts.retry or (method == "POST" and "create" or "idempotent")
  if not retry.MODES[mode] then error(("org:call: unknown retry mode '%s'"):format(mode), 2) end
  local url, path = target_of(self, target)
  local request = { method = method, path = path, write = opts.write }
  local writes = cerrors.writes(request)

  local headers = { Accept = "application/json" }
  local body = opts.body
  if type(body) == "table" then
    local text, jerr = json.encode(body)
    if not text then
      jerr.request = request
      return nil, jerr
    end
    body = text
  elseif body ~= nil and type(body) ~= "string" then
    error("org:call: body must be a table or a string", 2)
  end
  if body then headers["Content-Type"] = "application/json" end
  for k, v in pairs(opts.headers or {}) do
    for existing in pairs(headers) do
      if existing:lower() == tostring(k):lower() then headers[existing] = nil end
    end
    headers[k] = v
  end
  -- a request that must not be replayed blindly gets a connection of its
  -- own: libcurl would otherwise resend it by itself when a reused
  -- connection closes without an answer. A create must not run twice; a
  -- DELETE replayed unseen answers ENTITY_IS_DELETED, which only a retry
  -- this code knows of can read as success (Org:delete).
  local once = mode == "create" or (mode == "never" and cerrors.WRITES[method]) or method == "DELETE"
  if body and opts.body_file then error("org:call: body and body_file are exclusive", 2) end
  local req = { method = method, url = url, query = opts.query, headers = headers, body = body,
    body_file = opts.body_file, timeout = opts.timeout, fresh_connect = once or nil }

  -- a stream that has handed data to the caller cannot be replayed
  local delivered = false
  if opts.on_chunk then
    local user = opts.on_chunk
    req.on_chunk = function(piece)
      delivered = true
      return user(piece)
    end
  end

  local function send()
    local res, err = self.auth:request(self.session, req)
    if res then return res end
    if err and err.kind and err.url and err.url:find("/services/oauth2/token", 1, true) then
      -- the token request failed: the call itself never left
      local copy = {}
      for k, v in pairs(err) do copy[k] = v end
      copy.request_sent = false
      return nil, setmetatable(copy, getmetatable(err))
    end
    return nil, err
  end
  local policy = self.retry_policy
  if opts.retry_statuses == false then
    policy = setmetatable({ statuses = false }, { __index = policy })
  end
  local attempt = send
  if req.on_chunk then
    attempt = function()
      local res, err = send()
      if delivered then return res, err, true end
      return res, err
    end
  end
  local sent = { method = method, path = path, body = opts.body }
  local res, terr, verdict, attempts, reached
  do
    -- Ctrl-C while a write may be on its way: its outcome is unknown, which
    -- outranks the interruption (exit 6, and the run still stops)
    local guard <close> = writes and interrupt_guard(request, sent)
    res, terr, verdict, attempts, reached = retry.run(policy, mode, attempt, method .. " " .. path)
  end
  reached = writes and reached
  if opts.outcome then
    opts.outcome.attempts, opts.outcome.reached = attempts, reached
  end

  if not res then
    if base_errors.is_interrupt(terr) then
      error(writes and cerrors.interrupted_write(request, sent) or terr, 0)
    end
    local e
    if not terr.kind then
      -- a refused token after an attempt that may have been applied: the
      -- write's outcome is still unknown
      e = cerrors.from_auth(terr, request)
      if reached and cerrors.is(e) and e.exit ~= base_errors.EXIT.UNKNOWN then e = cerrors.unknown_after(e, sent) end
    elseif verdict == "unknown" or reached then
      e = cerrors.outcome_unknown(terr, request, sent)
    else
      e = cerrors.from_transport(terr, request)
    end
    if type(e) == "table" then e.attempts = attempts end
    return nil, e
  end

  local decoded, not_json
  if req.on_chunk and res.status < 400 then
    decoded = json.null
  else
    decoded, not_json = decode_body(res)
  end
  local expect_json = opts.expect_json ~= false
  res.body = decoded
  if res.status >= 400 or (not_json and expect_json) then
    local e = cerrors.from_response(res, request, { not_json = not_json })
    e.attempts = attempts
    if reached and e.exit ~= base_errors.EXIT.UNKNOWN then
      if method == "DELETE" and e.error_code == "ENTITY_IS_DELETED" then
        e.reached = true
      else
        e = cerrors.unknown_after(e, sent)
      end
    end
    return nil, e
  end
  return { status = res.status, headers = res.headers, body = decoded, reason = res.reason, document = json.null }
end

--- Any other REST resource: a path under /services/data/vNN.N ("/limits"),
-- a "/services/..." path, or a URL of the org; body a table (sent as JSON)
-- or a string; opts {query =, headers =, retry =, timeout =} as org:call. A
-- POST is never sent twice unless opts.retry = "safe-create".
function Org:request(method, path, body, opts)
  if type(method) ~= "string" or not method:match("^%a+$") then
    error(("bad argument #1 to 'request' (an HTTP method expected, got %s)"):format(tostring(method)), 2)
  end
  if type(path) ~= "string" then error(("bad argument #2 to 'request' (path expected, got %s)"):format(type(path)), 2) end
  if opts ~= nil and type(opts) ~= "table" then error("bad argument #4 to 'request' (table expected)", 2) end
  local copt = {}
  for k, v in pairs(opts or {}) do
    if k ~= "query" and k ~= "headers" and k ~= "retry" and k ~= "timeout" then
      error(("request: unknown option '%s'"):format(tostring(k)), 2)
    end
    copt[k] = v
  end
  copt.body = body
  return self:call(method, path, copt)
end

---------------------------------------------------------------------------
-- Exceptions for those who prefer them

--- Raises `err` (a luaforce error, or a message) at the caller's level.
function M.raise(err, level)
  if err == nil then error("raise: no error given (did the call succeed?)", (level or 1) + 1) end
  if type(err) == "string" then err = base_errors.new { code = "ERROR", message = err } end
  error(err, (level or 1) + 1)
end

--- A view of this org whose methods raise their error instead of returning
-- nil, err: `org:strict():get("Account", id).body.Name`. Fields read
-- through to the org.
function Org:strict()
  local org = self
  local view = {}
  return setmetatable(view, {
    __name = "luaforce.client.StrictOrg",
    __tostring = function() return "strict " .. tostring(org) end,
    __index = function(_, k)
      local v = org[k]
      if type(v) ~= "function" then return v end
      return function(first, ...)
        if first == view then first = org end
        local r = table.pack(v(first, ...))
        if r[1] == nil and r.n >= 2 and r[2] ~= nil then error(r[2], 2) end
        return table.unpack(r, 1, r.n)
      end
    end,
  })
end

---------------------------------------------------------------------------
-- The Org's methods, in one visible place: each part exports a method table
-- and they are mixed in here. A name two parts define is a mistake.

local PARTS = {
  "luaforce.client.operations",   -- query, get, create, update, delete, upsert
  "luaforce.client.records",      -- records, fetch_all
  "luaforce.client.collections",  -- create_many, update_many, upsert_many, delete_many, get_many
  "luaforce.client.composite",    -- composite
  "luaforce.client.each",         -- each
  "luaforce.client.describe",     -- describe, describe_global, versions
  "luaforce.client.limits",       -- limits
}

for _, name in ipairs(PARTS) do
  for method, fn in pairs(require(name).methods) do
    if Org[method] ~= nil then error(("luaforce.client: %s defines Org:%s twice"):format(name, method)) end
    Org[method] = fn
  end
end

return M
