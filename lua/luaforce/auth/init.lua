--- luaforce.auth: how requests get their token, and what happens when
-- Salesforce refuses it.
--
--     local http = require "luaforce.http"
--     local auth = require "luaforce.auth"
--     local a = auth.new { type = "oauth-client-credentials", instance_url = url,
--                          client_id = id, client_secret = secret }
--     local s = http.session()
--     local res, err = a:request(s, { method = "GET", url = "/services/data/v62.0/limits" })
--
-- The policy, in order:
--   * A token comes from the process cache (shared by every session and
--     every auth object of the same token URL and client id), then the disk
--     cache when `disk_cache` is on, then the token endpoint. Salesforce
--     sends no expiry, so a token is kept until a request says it is invalid,
--     or for `lifetime` seconds when given.
--   * On 401 INVALID_SESSION_ID the token is dropped, ONE new token is
--     fetched and the request is replayed ONCE. If the replay gets a 401
--     too, the result is an authentication error (exit 3), never a loop.
--   * A 401 saying the session "is not valid for use with the REST API"
--     (a connected app without the api scope) is not expiry: no refresh,
--     an authentication error at once. So is a 401 without Salesforce's
--     INVALID_SESSION_ID (a proxy's), and any 401 for a bearer token.
--   * Single flight: while a token is being fetched for a key, every other
--     coroutine that needs one for that key waits for that fetch instead of
--     starting its own, so N concurrent requests that hit a 401 together
--     cause one token request. A coroutine whose 401 came for a token that
--     has already been replaced replays with the new token at once.
--   * The token response's `instance_url` becomes the API base (requests
--     with a URL starting with "/" go there) unless `pin_instance_url`.
--   * Every token and secret is registered with http.add_secret, so tracing
--     prints "***" in their place.
local errors = require "luaforce.errors"
local json = require "luaforce.json"
local http = require "luaforce.http"
local oauth = require "luaforce.auth.oauth"
local store = require "luaforce.auth.store"
local sys = require "luaforce.core.sys"

local M = {}

M.store = store

--- The type names `auth.new` accepts (Camunda's name included).
M.TYPES = {
  bearer = "bearer",
  ["oauth-client-credentials"] = "oauth-client-credentials",
  ["oauth-client-credentials-flow"] = "oauth-client-credentials",
}

local OPTIONS = {
  type = "string", token = "string", instance_url = "string", pin_instance_url = "boolean",
  client_id = "string", client_secret = "string", token_url = "string", basic = "boolean",
  lifetime = "number", disk_cache = "boolean", timeout = "number",
}

local NOT_FOR_REST = "not valid for use with the REST API"

local Auth = {}
Auth.__index = Auth
Auth.__name = "luaforce.auth.Auth"

-- Registers a value with http's tracing once (tokens come back from the
-- caches many times).
local registered = {}
local function secret(value)
  if value and value ~= "" and not registered[value] then
    registered[value] = true
    http.add_secret(value)
  end
end

local function misuse(message, hint)
  error(errors.usage("auth: " .. message, hint), 3)
end

local function trim_url(u)
  return (u:gsub("/+$", ""))
end

--- Makes an auth object from an option table (copied):
--   type            "bearer", "oauth-client-credentials" (or Camunda's
--                   "oauth-client-credentials-flow")
--   token           bearer: the access token
--   instance_url    the org's URL (My Domain); the API base until a token
--                   response names another, and the token URL's default host
--   pin_instance_url  true: keep instance_url as the API base whatever the
--                   token response says
--   client_id, client_secret   client credentials
--   token_url       default <instance_url>/services/oauth2/token
--   basic           true: send the credentials as HTTP Basic (default: in
--                   the form body, as Camunda's connector does)
--   lifetime        seconds a token is used before a new one is fetched
--                   (default: until a request says it is invalid)
--   disk_cache      true: also keep tokens in $XDG_CACHE_HOME/luaforce/tokens
--   timeout         seconds for a token request (default: the session's)
-- Bad options raise a usage error (exit 2).
function M.new(opts)
  if type(opts) ~= "table" then misuse("options must be a table") end
  local o = {}
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then misuse(("unknown option '%s'"):format(tostring(k))) end
    if type(v) ~= want then misuse(("option '%s' must be a %s, not a %s"):format(k, want, type(v))) end
    o[k] = v
  end
  local kind = M.TYPES[o.type or ""]
  if not kind then
    misuse(("unknown type '%s'"):format(tostring(o.type)),
      "use bearer, oauth-client-credentials or oauth-client-credentials-flow")
  end
  if o.instance_url then o.instance_url = trim_url(o.instance_url) end
  local self = setmetatable({ type = kind, opts = o }, Auth)
  if kind == "bearer" then
    if not o.token or o.token == "" then misuse("a bearer token is needed (token = ...)") end
    secret(o.token)
    return self
  end
  if not o.client_id or o.client_id == "" then misuse("client_id is needed") end
  if not o.client_secret or o.client_secret == "" then misuse("client_secret is needed") end
  if o.lifetime and o.lifetime <= 0 then misuse("lifetime must be a positive number of seconds") end
  o.token_url = o.token_url or (o.instance_url and o.instance_url .. "/services/oauth2/token")
  if not o.token_url then misuse("instance_url or token_url is needed to fetch a token") end
  for _, s in ipairs(oauth.secret_forms(o.client_id, o.client_secret)) do secret(s) end
  self.key = store.key(o.token_url, o.client_id)
  self.cache_opts = { lifetime = o.lifetime, disk = o.disk_cache, secret = o.client_secret }
  self.flight_key = self.key .. "\n" .. o.client_secret
  return self
end

function Auth:__tostring()
  if self.type == "bearer" then return "luaforce.auth (bearer)" end
  return ("luaforce.auth (%s, client %s at %s)"):format(self.type, self.opts.client_id, self.opts.token_url)
end

--- The token URL (nil for bearer).
function Auth:token_url()
  return self.opts.token_url
end

--- The API base: the pinned or given instance_url, or the one the current
-- token's response named. Nil when neither is known yet.
function Auth:instance_url()
  local o = self.opts
  if o.pin_instance_url or self.type == "bearer" then return o.instance_url end
  local e = store.get(self.key, self.cache_opts)
  return (e and e.instance_url) or self.last_instance_url or o.instance_url
end

---------------------------------------------------------------------------
-- Single flight: one token fetch per key at a time; others wait for it.

local flights = {}

-- Suspends the running task until `flight` lands. Only a task inside
-- http.parallel can find a flight in the air (a plain call finishes its
-- fetch before anything else runs); http.sleep yields it to the scheduler,
-- which keeps the fetch (and every other transfer) moving meanwhile.
local function await(flight)
  while not flight.done do http.sleep(0.002) end
  return flight.entry, flight.err
end

local function fetch_shared(self, session)
  local flight = flights[self.flight_key]
  if flight then return await(flight) end
  flight = {}
  flights[self.flight_key] = flight
  local ok, entry, err = pcall(oauth.fetch, session, self.opts)
  flights[self.flight_key] = nil
  if not ok then
    flight.done, flight.err = true, errors.new { code = "OAUTH_TOKEN_ERROR", exit = errors.EXIT.AUTH,
      message = "the token request failed: " .. tostring(entry) }
    error(entry, 0)
  end
  if entry then
    secret(entry.access_token)
    entry.obtained_at = sys.now_ms()
    entry.token_url, entry.client_id = self.opts.token_url, self.opts.client_id
    entry.secret = self.opts.client_secret -- memory only (see luaforce.auth.store)
    store.put(self.key, entry, self.cache_opts)
  end
  flight.done, flight.entry, flight.err = true, entry, err
  return entry, err
end

-- The instance URL to report with `entry`.
local function base_of(self, entry)
  if entry and entry.instance_url and not self.opts.pin_instance_url then
    self.last_instance_url = entry.instance_url
    return entry.instance_url
  end
  return self.opts.instance_url
end

--- The token to send: `token, instance_url` or nil, err. Fetches one when
-- no cached token is usable (sharing a fetch already in flight).
function Auth:token(session)
  if self.type == "bearer" then return self.opts.token, self.opts.instance_url end
  local e = store.get(self.key, self.cache_opts)
  if e then
    secret(e.access_token) -- it may come from the disk cache
  else
    local err
    e, err = fetch_shared(self, session)
    if not e then return nil, err end
  end
  return e.access_token, base_of(self, e)
end

--- Forgets `token` (a request said it is invalid), in memory and on disk;
-- a newer token stored meanwhile is kept.
function Auth:invalidate(token)
  if self.type == "bearer" or not token then return end
  store.drop(self.key, token, self.cache_opts)
end

--- A new token after `stale` was refused: the one another coroutine fetched
-- meanwhile if there is one, else one fetch (shared). `token,
-- instance_url` or nil, err.
function Auth:refresh(session, stale)
  local e = store.get(self.key, self.cache_opts)
  if e and e.access_token ~= stale then
    secret(e.access_token)
    return e.access_token, base_of(self, e)
  end
  self:invalidate(stale)
  local err
  e, err = fetch_shared(self, session)
  if not e then return nil, err end
  return e.access_token, base_of(self, e)
end

---------------------------------------------------------------------------
-- Requests

-- What a 401 says: "expired" (INVALID_SESSION_ID: refresh may help) or
-- "refused" (anything else), with Salesforce's error list when there is one.
local function classify_401(res)
  local list = res.body and res.body:match("^%s*%[") and json.decode(res.body)
  if type(list) ~= "table" then return "refused", nil end
  for _, e in ipairs(list) do
    if type(e) == "table" and e.errorCode == "INVALID_SESSION_ID" then
      if type(e.message) == "string" and e.message:find(NOT_FOR_REST, 1, true) then
        return "refused", list
      end
      return "expired", list
    end
  end
  return "refused", list
end

local function auth_error(self, res, list, why)
  local first = list and type(list[1]) == "table" and list[1] or {}
  local code = type(first.errorCode) == "string" and first.errorCode or "UNAUTHORIZED"
  local message = type(first.message) == "string" and first.message
    or ("HTTP %d %s"):format(res.status, res.reason or "")
  local hint
  if message:find(NOT_FOR_REST, 1, true) then
    hint = "the connected app's token is not allowed to call the REST API: give it the 'api' OAuth scope"
  elseif why == "replayed" then
    hint = "a new token was fetched and refused too: check the connected app's Run As user and its permissions"
  elseif self.type == "bearer" then
    hint = "the bearer token is expired or invalid: get a new one"
  end
  return errors.new { code = code, message = message, hint = hint, status = res.status,
    errors = list, response = res, exit = errors.EXIT.AUTH }
end

-- A streamed request (on_chunk) must not hand a 401's body to the caller's
-- callback and then the replay's body after it. The first HOLD bytes are
-- held back until the status is known: a 401 keeps them (to read the
-- error), any other status gets them delivered. Past HOLD bytes the stream
-- goes straight through (no 401 from Salesforce is that long).
local HOLD = 64 * 1024

local function held_stream(user)
  local held, size, open = {}, 0, false
  local h = {}
  function h.on_chunk(piece)
    if open then return user(piece) end
    held[#held + 1] = piece
    size = size + #piece
    if size > HOLD then
      open = true
      for _, p in ipairs(held) do user(p) end
      held = {}
    end
  end
  -- delivers what was held unless the response is kept back; returns the
  -- held text
  function h.finish(deliver)
    local text = table.concat(held)
    if deliver and not open then
      for _, p in ipairs(held) do user(p) end
    end
    return text
  end
  return h
end

local function send(session, req, token, base)
  local r = {}
  for k, v in pairs(req) do r[k] = v end
  -- headers come as a map or as a list of {name, value}; either way any
  -- Authorization the caller gave is replaced
  local given, headers = req.headers or {}, {}
  local function is_auth(name) return type(name) == "string" and name:lower() == "authorization" end
  if given[1] ~= nil then
    for _, pair in ipairs(given) do
      if not is_auth(pair[1]) then headers[#headers + 1] = pair end
    end
    headers[#headers + 1] = { "Authorization", "Bearer " .. token }
  else
    for k, v in pairs(given) do
      if not is_auth(k) then headers[k] = v end
    end
    headers["Authorization"] = "Bearer " .. token
  end
  r.headers = headers
  if type(r.url) == "string" and r.url:sub(1, 1) == "/" then
    if not base then
      return nil, errors.usage("auth: a relative URL (" .. r.url .. ") needs an instance_url",
        "give instance_url, or a full URL")
    end
    r.url = base .. r.url
  end
  local stream = r.on_chunk and held_stream(r.on_chunk)
  if stream then r.on_chunk = stream.on_chunk end
  local res, err = session:request(r)
  if stream and res then
    local text = stream.finish(res.status ~= 401)
    if res.status == 401 then res.body = text end
  end
  return res, err
end

--- Sends `req` (as for session:request; a `url` starting with "/" is joined
-- to the API base) with this object's token. Returns the response (any
-- status but a final 401) or nil, err: a transport error as http gave it,
-- or an authentication error (exit 3) with `status`, `errors` (Salesforce's
-- list) and `response`.
function Auth:request(session, req)
  if type(req) ~= "table" then error("bad argument #2 to 'request' (table expected)", 2) end
  local token, base = self:token(session)
  if not token then return nil, base end
  local res, err = send(session, req, token, base)
  if not res then return nil, err end
  if res.status ~= 401 then return res end
  local verdict, list = classify_401(res)
  if verdict ~= "expired" or self.type == "bearer" then return nil, auth_error(self, res, list) end

  token, base = self:refresh(session, token)
  if not token then return nil, base end
  res, err = send(session, req, token, base)
  if not res then return nil, err end
  if res.status ~= 401 then return res end
  verdict, list = classify_401(res)
  if verdict == "expired" then self:invalidate(token) end
  return nil, auth_error(self, res, list, verdict == "expired" and "replayed" or nil)
end

return M
