-- luaforce.auth against the local org: bearer and client credentials (form
-- and Basic), the process and disk token caches, refresh-once-and-replay,
-- one shared refresh for concurrent requests, the 401s that must not
-- refresh, token endpoint errors, instance_url adoption.
--
-- Most specs run the real emulator app inside support.auth_org, which adds
-- exact counters (token endpoint hits, API hits) and switches (expire every
-- token, canned token or API answers, delays).
require "luaforce.core"
local server = require "luaforce.core.server"
local sys = require "luaforce.core.sys"
local json = require "luaforce.json"
local http = require "luaforce.http"
local auth = require "luaforce.auth"
local store = require "luaforce.auth.store"
local emulator = require "luaforce.emulator"
local proc = require "support.proc"

local CLIENT_ID, CLIENT_SECRET = emulator.CLIENT_ID, emulator.CLIENT_SECRET
local LIMITS = "/services/data/v62.0/limits"

local function start_org(cfg)
  return assert(server.start { handler = "support.auth_org", config = assert(json.encode(cfg or {})) })
end

local function counts(srv)
  return json.decode(srv:call("counts"))
end

local function client(url, extra)
  local o = { type = "oauth-client-credentials", instance_url = url, client_id = CLIENT_ID,
    client_secret = CLIENT_SECRET }
  for k, v in pairs(extra or {}) do o[k] = v end
  return auth.new(o)
end

local function expired_reply(message)
  return json.encode {
    status = 401, content_type = "application/json;charset=UTF-8",
    body = json.encode(json.array { { errorCode = "INVALID_SESSION_ID", message = message } }),
  }
end

describe("luaforce.auth", function()
  local srv, url

  setup(function()
    srv = start_org { empty = true }
    url = srv:url()
  end)

  teardown(function()
    srv:stop()
  end)

  before_each(function()
    store.clear()
    srv:call("zero")
  end)

  describe("new", function()
    local rows = {
      { "no type", {}, "unknown type 'nil'" },
      { "unknown type", { type = "basic" }, "unknown type 'basic'" },
      { "bearer without token", { type = "bearer" }, "bearer token is needed" },
      { "unknown option", { type = "bearer", token = "t", tokne = "x" }, "unknown option 'tokne'" },
      { "wrong option type", { type = "bearer", token = 42 }, "option 'token' must be a string" },
      { "no client id", { type = "oauth-client-credentials", client_secret = "s", instance_url = "http://x" },
        "client_id is needed" },
      { "no secret", { type = "oauth-client-credentials", client_id = "c", instance_url = "http://x" },
        "client_secret is needed" },
      { "no URL", { type = "oauth-client-credentials", client_id = "c", client_secret = "s" },
        "instance_url or token_url is needed" },
      { "bad lifetime", { type = "oauth-client-credentials", client_id = "c", client_secret = "s",
        instance_url = "http://x", lifetime = 0 }, "lifetime must be a positive" },
    }
    for _, row in ipairs(rows) do
      it("refuses " .. row[1] .. " with a usage error", function()
        local ok, err = pcall(auth.new, row[2])
        assert.is_false(ok)
        assert.equal(2, err.exit)
        assert.matches(row[3], err.message, 1, true)
      end)
    end

    it("accepts Camunda's type name and derives the token URL from the instance", function()
      local a = auth.new { type = "oauth-client-credentials-flow", instance_url = "https://acme.my.salesforce.com/",
        client_id = "c", client_secret = "s" }
      assert.equal("oauth-client-credentials", a.type)
      assert.equal("https://acme.my.salesforce.com/services/oauth2/token", a:token_url())
      assert.equal("https://acme.my.salesforce.com", a:instance_url())
    end)
  end)

  describe("bearer", function()
    it("sends the token and fetches nothing", function()
      local a = auth.new { type = "bearer", token = emulator.TOKEN, instance_url = url }
      local res = assert(a:request(http.session(), { method = "GET", url = LIMITS }))
      assert.equal(200, res.status)
      assert.same({ token = 0, api = 1 }, counts(srv))
    end)

    it("turns a refused token into an authentication error, without a refresh", function()
      local a = auth.new { type = "bearer", token = "00DLOCAL!not-a-token", instance_url = url }
      local res, err = a:request(http.session(), { method = "GET", url = LIMITS })
      assert.is_nil(res)
      assert.equal("INVALID_SESSION_ID", err.code)
      assert.equal(3, err.exit)
      assert.equal(401, err.status)
      assert.matches("bearer token", err.hint)
      assert.same({ token = 0, api = 1 }, counts(srv))
    end)
  end)

  describe("requests", function()
    local echo
    setup(function() echo = assert(server.start { handler = "support.test_handler" }) end)
    teardown(function() echo:stop() end)

    local rows = {
      { "a map", { Authorization = "Bearer stale", Accept = "application/json" } },
      { "a list", { { "authorization", "Bearer stale" }, { "Accept", "application/json" } } },
    }
    for _, row in ipairs(rows) do
      it("replaces the caller's Authorization, headers given as " .. row[1], function()
        local a = auth.new { type = "bearer", token = "the-token", instance_url = echo:url() }
        local res = assert(a:request(http.session(), { method = "GET", url = "/echo", headers = row[2] }))
        local sent = json.decode(res.body)
        assert.equal("Bearer the-token", sent.headers.authorization)
        assert.equal("application/json", sent.headers.accept)
      end)
    end

    it("streams only the replayed answer to on_chunk", function()
      local a = client(url)
      local s = http.session()
      assert(a:token(s))
      srv:call("expire")
      local pieces = {}
      local res = assert(a:request(s, { method = "GET", url = LIMITS,
        on_chunk = function(p) pieces[#pieces + 1] = p end }))
      assert.equal(200, res.status)
      local doc = assert(json.decode(table.concat(pieces)))
      assert.is_table(doc.DailyApiRequests)
      assert.same({ token = 2, api = 2 }, counts(srv))
    end)
  end)

  describe("client credentials", function()
    -- the token endpoint is test_handler's /echo: the error carries the
    -- request exactly as it went out
    local echo
    setup(function() echo = assert(server.start { handler = "support.test_handler" }) end)
    teardown(function() echo:stop() end)

    local rows = {
      { "in the form body by default", nil,
        "grant_type=client_credentials&client_id=luaforce-local&client_secret=luaforce-local-secret", nil },
      { "as HTTP Basic when basic = true", true, "grant_type=client_credentials",
        "Basic bHVhZm9yY2UtbG9jYWw6bHVhZm9yY2UtbG9jYWwtc2VjcmV0" },
    }
    for _, row in ipairs(rows) do
      it("sends the credentials " .. row[1], function()
        local a = client(nil, { token_url = echo:url() .. "/echo", basic = row[2] })
        local tok, err = a:token(http.session())
        assert.is_nil(tok)
        assert.equal("OAUTH_TOKEN_ERROR", err.code) -- /echo's JSON has no access_token
        local sent = json.decode(err.response.body)
        assert.equal("POST", sent.method)
        assert.equal(row[3], sent.body)
        assert.equal("application/x-www-form-urlencoded", sent.headers["content-type"])
        assert.equal(row[4], sent.headers.authorization)
      end)

      it("gets a token the org accepts, " .. row[1], function()
        local a = client(url, { basic = row[2] })
        local res = assert(a:request(http.session(), { method = "GET", url = LIMITS }))
        assert.equal(200, res.status)
        assert.same({ token = 1, api = 1 }, counts(srv))
      end)
    end

    it("shares one token between sessions and auth objects of the same client", function()
      local first = client(url)
      assert.equal(200, assert(first:request(http.session(), { method = "GET", url = LIMITS })).status)
      local second = client(url) -- another object, another session
      assert.equal(200, assert(second:request(http.session(), { method = "GET", url = LIMITS })).status)
      local t1, t2 = first:token(http.session()), second:token(http.session())
      assert.equal(t1, t2)
      assert.same({ token = 1, api = 2 }, counts(srv))
    end)

    it("does not lend a token to an object holding another secret for the client", function()
      local good = client(url)
      local t1 = assert(good:token(http.session()))
      local typo = client(url, { client_secret = "luaforce-local-secreT" })
      local tok, err = typo:token(http.session())
      assert.is_nil(tok)
      assert.equal("invalid_client", err.code)
      assert.equal(t1, (good:token(http.session()))) -- still cached for the right secret
      assert.equal(2, counts(srv).token)
    end)

    it("keeps separate tokens for separate token URLs", function()
      local a = client(url)
      local b = client(url, { token_url = url .. "/services/oauth2/token?" })
      assert(a:token(http.session()))
      assert(b:token(http.session()))
      assert.equal(2, counts(srv).token)
    end)

    it("fetches a new token once `lifetime` has passed", function()
      local a = client(url, { lifetime = 0.3 })
      local s = http.session()
      local t1 = assert(a:token(s))
      assert.equal(t1, (a:token(s)))
      proc.sleep(0.4)
      local t2 = assert(a:token(s))
      assert.not_equal(t1, t2)
      assert.equal(2, counts(srv).token)
    end)
  end)

  describe("refresh", function()
    it("fetches one new token when the org says the session expired, and replays", function()
      local a = client(url)
      local s = http.session()
      assert.equal(200, assert(a:request(s, { method = "GET", url = LIMITS })).status)
      local before = a:token(s)
      srv:call("expire")
      local res = assert(a:request(s, { method = "GET", url = LIMITS }))
      assert.equal(200, res.status)
      assert.not_equal(before, (a:token(s)))
      -- token, call; expired call, token, replay
      assert.same({ token = 2, api = 3 }, counts(srv))
    end)

    it("gives up after one refresh when the new token is refused too", function()
      local a = client(url)
      local s = http.session()
      assert(a:token(s))
      srv:call("api_reply", expired_reply("Session expired or invalid"))
      local res, err = a:request(s, { method = "GET", url = LIMITS })
      assert.is_nil(res)
      assert.equal("INVALID_SESSION_ID", err.code)
      assert.equal(3, err.exit)
      assert.equal(401, err.status)
      assert.equal("Session expired or invalid", err.errors[1].message)
      assert.matches("refused too", err.hint)
      assert.same({ token = 2, api = 2 }, counts(srv))
      -- the refused token is forgotten: the next call starts over, still bounded
      assert.is_nil((a:request(s, { method = "GET", url = LIMITS })))
      assert.same({ token = 4, api = 4 }, counts(srv))
    end)

    it("does not refresh when the session is not valid for the REST API", function()
      local a = client(url)
      srv:call("api_reply", expired_reply("This session is not valid for use with the REST API"))
      local res, err = a:request(http.session(), { method = "GET", url = LIMITS })
      assert.is_nil(res)
      assert.equal("INVALID_SESSION_ID", err.code)
      assert.equal(3, err.exit)
      assert.matches("api", err.hint)
      assert.same({ token = 1, api = 1 }, counts(srv))
    end)

    it("does not refresh on a 401 that is not Salesforce's", function()
      local a = client(url)
      srv:call("api_reply", json.encode { status = 401, content_type = "text/html",
        body = "<html><body>Unauthorized</body></html>" })
      local res, err = a:request(http.session(), { method = "GET", url = LIMITS })
      assert.is_nil(res)
      assert.equal("UNAUTHORIZED", err.code)
      assert.equal(3, err.exit)
      assert.same({ token = 1, api = 1 }, counts(srv))
    end)

    it("passes other statuses through untouched", function()
      local a = client(url)
      local res = assert(a:request(http.session(), { method = "GET", url = "/services/data/v62.0/sobjects/Nope" }))
      assert.equal(404, res.status)
      assert.equal(1, counts(srv).token)
    end)
  end)

  describe("token endpoint errors", function()
    local function canned(status, ctype, body)
      return json.encode { status = status, content_type = ctype, body = body }
    end
    local function oauth_body(e, d)
      return json.encode(json.object({ error = e, error_description = d }, { "error", "error_description" }))
    end
    local rows = {
      -- name, options, canned token answer, code, error_description or message pattern
      { "a wrong secret", { client_secret = "wrong" }, nil, "invalid_client", "invalid client credentials" },
      { "an unknown client", { client_id = "nobody" }, nil, "invalid_client_id", "client identifier invalid" },
      { "invalid_grant", {}, canned(400, "application/json", oauth_body("invalid_grant", "authentication failure")),
        "invalid_grant", "authentication failure" },
      { "unsupported_grant_type", {}, canned(400, "application/json",
        oauth_body("unsupported_grant_type", "grant type not supported")),
        "unsupported_grant_type", "grant type not supported" },
      { "a proxy's HTML page", {}, canned(502, "text/html",
        "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"),
        "OAUTH_TOKEN_ERROR", "HTTP 502 with an HTML page (502 Bad Gateway)" },
      { "plain text", {}, canned(200, "text/plain", "hello"), "OAUTH_TOKEN_ERROR", "text/plain text (hello)" },
      { "JSON without a token", {}, canned(200, "application/json", '{"instance_url":"x"}'),
        "OAUTH_TOKEN_ERROR", "JSON answer without an access_token" },
      { "an empty answer", {}, canned(200, "application/json", ""), "OAUTH_TOKEN_ERROR", "an empty body" },
    }
    for _, row in ipairs(rows) do
      it("reports " .. row[1] .. " as an authentication error", function()
        if row[3] then srv:call("token_reply", row[3]) end
        local a = client(url, row[2])
        local res, err = a:request(http.session(), { method = "GET", url = LIMITS })
        assert.is_nil(res)
        assert.equal(row[4], err.code)
        assert.equal(3, err.exit)
        if row[4] == "OAUTH_TOKEN_ERROR" then
          assert.matches(row[5], err.message, 1, true)
        else
          assert.equal(row[4], err.error)
          assert.equal(row[5], err.error_description)
          assert.matches(row[5], tostring(err), 1, true)
        end
        assert.equal(0, counts(srv).api) -- nothing was sent without a token
      end)
    end

    it("passes a transport failure through as a network error", function()
      local dead = assert(server.start { handler = "support.test_handler" })
      local dead_url = dead:url()
      dead:stop()
      local a = client(dead_url)
      local res, err = a:request(http.session(), { method = "GET", url = LIMITS })
      assert.is_nil(res)
      assert.equal("CONNECT", err.kind)
      assert.equal(4, err.exit)
    end)
  end)

  describe("instance_url", function()
    -- nothing listens on port 9 of 127.0.0.1 (discard): a request sent
    -- there fails to connect
    local NOWHERE = "http://127.0.0.1:9"

    it("adopts the token response's instance_url as the API base", function()
      local a = client(NOWHERE, { token_url = url .. "/services/oauth2/token" })
      assert.equal(NOWHERE, a:instance_url())
      local tok, base = a:token(http.session())
      assert.truthy(tok)
      assert.equal(url, base)
      assert.equal(url, a:instance_url())
      local res = assert(a:request(http.session(), { method = "GET", url = LIMITS }))
      assert.equal(200, res.status)
    end)

    it("keeps a pinned instance_url", function()
      local a = client(NOWHERE, { token_url = url .. "/services/oauth2/token", pin_instance_url = true })
      local _, base = a:token(http.session())
      assert.equal(NOWHERE, base)
      local res, err = a:request(http.session(), { method = "GET", url = LIMITS })
      assert.is_nil(res)
      assert.equal("CONNECT", err.kind)
    end)
  end)

  describe("concurrency", function()
    -- runs `n` requests at once in http.parallel; returns their results
    local function parallel_requests(a, n)
      local s = http.session()
      local results = {}
      http.parallel(function()
        for i = 1, n do
          http.spawn(function()
            local res, err = a:request(s, { method = "GET", url = LIMITS })
            results[i] = res and res.status or err
          end)
        end
      end)
      return results
    end

    it("fetches one token for many requests starting together", function()
      srv:call("token_delay", "100")
      local results = parallel_requests(client(url), 8)
      for i = 1, 8 do assert.equal(200, results[i]) end
      assert.same({ token = 1, api = 8 }, counts(srv))
    end)

    it("shares one refresh among requests that hit the expiry together", function()
      local a = client(url)
      assert(a:token(http.session()))
      srv:call("expire")
      srv:call("api_delay", "100") -- the 8 requests overlap at the org
      srv:call("token_delay", "100") -- and their 401s arrive while the refresh is out
      local results = parallel_requests(a, 8)
      for i = 1, 8 do assert.equal(200, results[i]) end
      local c = counts(srv)
      assert.equal(2, c.token) -- the first token and ONE refresh
      assert.equal(16, c.api) -- 8 refused, 8 replayed
    end)
  end)
end)

describe("luaforce.auth with the emulator's faults", function()
  -- the first rule only counts: its `seen` is the number of token requests
  local COUNT_TOKENS = "POST /services/oauth2/token -> latency=0ms"
  local emu

  setup(function()
    emu = assert(emulator.start { empty = true })
  end)

  teardown(function()
    emu:stop()
  end)

  before_each(function()
    store.clear()
  end)

  local function use(rules)
    table.insert(rules, 1, COUNT_TOKENS)
    assert(emu:set_faults(rules))
  end

  local function token_requests()
    return emu:faults()[1].seen
  end

  local function a_client(extra)
    return client(emu.url, extra)
  end

  it("refreshes once when tokens expire mid-run (expire-tokens) and replays", function()
    use { "GET /services/data/*/limits -> expire-tokens nth=2" }
    local a, s = a_client(), http.session()
    for _ = 1, 3 do
      assert.equal(200, assert(a:request(s, { method = "GET", url = LIMITS })).status)
    end
    assert.equal(2, token_requests())
    assert.equal(1, emu:stats().faults.by_action.expire_tokens)
  end)

  it("gives up with exit 3 when every token is refused", function()
    use { "GET /services/data/*/limits -> expire-tokens" }
    local res, err = a_client():request(http.session(), { method = "GET", url = LIMITS })
    assert.is_nil(res)
    assert.equal("INVALID_SESSION_ID", err.code)
    assert.equal(3, err.exit)
    assert.equal(2, token_requests())
  end)

  it("shares one refresh among 8 requests in flight when the tokens expire", function()
    local a = a_client()
    assert(a:token(http.session()))
    use { "GET /services/data/*/limits -> expire-tokens times=1", "GET /services/data/*/limits -> latency=100ms" }
    local s, statuses = http.session(), {}
    http.parallel(function()
      for i = 1, 8 do
        http.spawn(function()
          local res, err = a:request(s, { method = "GET", url = LIMITS })
          statuses[i] = res and res.status or tostring(err)
        end)
      end
    end)
    for i = 1, 8 do assert.equal(200, statuses[i]) end
    assert.equal(1, token_requests())
    assert.equal(8, emu:stats().peak_concurrent)
  end)

  it("does not refresh a session that is not valid for the REST API", function()
    use { 'GET /services/data/*/limits -> status=401 code=INVALID_SESSION_ID ' ..
      'message="This session is not valid for use with the REST API"' }
    local res, err = a_client():request(http.session(), { method = "GET", url = LIMITS })
    assert.is_nil(res)
    assert.equal(3, err.exit)
    assert.equal("This session is not valid for use with the REST API", err.message)
    assert.equal(1, token_requests())
  end)

  it("reports a proxy's HTML page at the token endpoint clearly", function()
    use { "POST /services/oauth2/token -> html" }
    local tok, err = a_client():token(http.session())
    assert.is_nil(tok)
    assert.equal("OAUTH_TOKEN_ERROR", err.code)
    assert.equal(3, err.exit)
    assert.matches("HTTP 502 with an HTML page", err.message, 1, true)
  end)
end)

describe("luaforce.auth in the luaforce program", function()
  local srv, url, dir, cache

  -- one run of the luaforce program making one authenticated call; the
  -- script prints the status or raises the error (exit code from it)
  -- opts: basic, trace (http.trace(2) and the token printed after the status)
  local function run(opts)
    opts = opts or {}
    local script = ([[
      local auth, http = require "luaforce.auth", require "luaforce.http"
      if %s then http.trace(2) end
      local a = auth.new { type = "oauth-client-credentials", instance_url = %q,
        client_id = %q, client_secret = %q, disk_cache = true, basic = %s }
      local s = http.session()
      local res, err = a:request(s, { method = "GET", url = %q })
      if not res then error(err) end
      print(res.status)
      if %s then print((a:token(s))) end
    ]]):format(tostring(opts.trace == true), url, CLIENT_ID, CLIENT_SECRET, tostring(opts.basic == true),
      LIMITS, tostring(opts.trace == true))
    return proc.luaforce({ "-e", script }, { env = { XDG_CACHE_HOME = dir,
      LUAFORCE_LUA_PATH = proc.root .. "/lua" } })
  end

  local function read(path)
    local f = assert(io.open(path, "rb"))
    local s = f:read("a")
    f:close()
    return s
  end

  setup(function()
    srv = start_org { empty = true }
    url = srv:url()
  end)

  teardown(function()
    srv:stop()
  end)

  before_each(function()
    srv:call("zero")
    dir = os.tmpname()
    os.remove(dir)
    cache = dir .. "/luaforce/tokens"
  end)

  after_each(function()
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("lets a second run reuse the first run's token, from a private file", function()
    local r1 = run()
    assert.equal(0, r1.code, r1.stderr)
    assert.equal("200\n", r1.stdout)
    local r2 = run()
    assert.equal(0, r2.code, r2.stderr)
    assert.same({ token = 1, api = 2 }, counts(srv))
    local st = assert(sys.stat(cache))
    assert.equal("600", ("%o"):format(st.mode))
    assert.equal("700", ("%o"):format(assert(sys.stat(dir .. "/luaforce")).mode))
    local text = read(cache)
    assert.not_matches(CLIENT_SECRET, text, 1, true)
    local doc = assert(json.decode(text))
    local entry = doc.tokens[store.key(url .. "/services/oauth2/token", CLIENT_ID)]
    assert.equal(url, entry.instance_url)
    assert.matches("^00D", entry.access_token)
  end)

  it("replaces a cached token the org no longer accepts", function()
    assert.equal(0, run().code)
    local old = read(cache)
    srv:call("expire")
    local r = run()
    assert.equal(0, r.code, r.stderr)
    assert.not_equal(old, read(cache))
    assert.same({ token = 2, api = 3 }, counts(srv))
    assert.equal(0, run().code)
    assert.equal(2, counts(srv).token)
  end)

  it("refuses a cache file others can read, with a warning", function()
    assert.equal(0, run().code)
    os.execute("chmod 644 " .. proc.quote(cache))
    local before = read(cache)
    local r = run()
    assert.equal(0, r.code, r.stderr)
    assert.matches("not using the token cache " .. cache, r.stderr, 1, true)
    assert.matches("mode 644", r.stderr, 1, true)
    assert.equal(2, counts(srv).token) -- fetched anew: the file was not read
    assert.equal(before, read(cache)) -- nor written
    assert.equal("644", ("%o"):format(sys.stat(cache).mode))
  end)

  for _, basic in ipairs { false, true } do
    it("never lets a token or secret into --trace output (basic = " .. tostring(basic) .. ")", function()
      local r = run { basic = basic, trace = true }
      assert.equal(0, r.code, r.stderr)
      local token = r.stdout:match("^200\n(%S+)\n$")
      assert.truthy(token)
      assert.matches("oauth2/token", r.stderr, 1, true) -- the exchange was traced
      for _, secret in ipairs { token, CLIENT_SECRET, "bHVhZm9yY2UtbG9jYWw6bHVhZm9yY2UtbG9jYWwtc2VjcmV0" } do
        assert.not_matches(secret, r.stderr, 1, true)
      end
      assert.matches("***", r.stderr, 1, true)
    end)
  end

  it("keeps the cached, the refused and the new token out of a refresh's trace", function()
    assert.equal(0, run().code)
    local old = assert(json.decode(read(cache))).tokens[store.key(url .. "/services/oauth2/token", CLIENT_ID)]
    srv:call("expire")
    local r = run { trace = true }
    assert.equal(0, r.code, r.stderr)
    local new = r.stdout:match("^200\n(%S+)\n$")
    assert.truthy(new)
    assert.not_equal(old.access_token, new)
    assert.same({ token = 2, api = 3 }, counts(srv))
    assert.matches("401", r.stderr, 1, true)
    assert.not_matches(old.access_token, r.stderr, 1, true)
    assert.not_matches(new, r.stderr, 1, true)
  end)

  it("exits 3 when the token keeps being refused", function()
    srv:call("api_reply", expired_reply("Session expired or invalid"))
    local r = run()
    srv:call("api_reply", "")
    assert.equal(3, r.code)
    assert.matches("INVALID_SESSION_ID: Session expired or invalid", r.stderr, 1, true)
    assert.same({ token = 2, api = 2 }, counts(srv))
  end)
end)
