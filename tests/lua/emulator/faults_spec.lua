-- luaforce.emulator.faults and the API allowance: the grammar, the triggers,
-- and every action as the app applies it, called directly (the C server only
-- carries delay_ms, action and note; tests/e2e/faults_spec.lua drives it).
local json = require "luaforce.json"
local faults = require "luaforce.emulator.faults"
local app = require "luaforce.emulator.app"

local V = "/services/data/v62.0"

local request = require("support.app_request").request

local function count(object, name)
  local r = request("GET", V .. "/query", { query = { q = ("SELECT COUNT() FROM %s WHERE Name = '%s'"):format(
    object, name) } })
  assert(r.status == 200, r.body)
  return r.json.totalSize
end

local function create(name)
  return request("POST", V .. "/sobjects/Account", { body = json.encode { Name = name },
    headers = { ["content-type"] = "application/json" } })
end

local function org(rules, extra)
  local cfg = { empty = true, now = "2024-06-01T12:00:00Z", faults = rules, seed = 5 }
  for k, v in pairs(extra or {}) do cfg[k] = v end
  app.setup(cfg)
end

local function stats()
  return json.decode(app.control("stats", ""))
end

describe("fault grammar", function()
  -- {spec, canonical text}
  local VALID = {
    { "POST /services/data/*/sobjects/* -> status=503 times=1",
      "POST /services/data/*/sobjects/* -> status=503 times=1" },
    { "get|Post /a/** -> status=503 header=Retry-After:2 header='X-Why: maintenance'",
      'GET|POST /a/** -> status=503 header=Retry-After:2 header=X-Why:maintenance' },
    { [[* /x -> status=403 code=REQUEST_LIMIT_EXCEEDED message="ConcurrentRequests (Concurrent API Requests) Limit exceeded."]],
      [[* /x -> status=403 code=REQUEST_LIMIT_EXCEEDED message="ConcurrentRequests (Concurrent API Requests) Limit exceeded."]] },
    { [[GET /x -> status=500 body="{\"oops\": true}"]], [[GET /x -> status=500 body="{\"oops\": true}"]] },
    { "* * -> expire-tokens nth=3", "* * -> expire-tokens nth=3" },
    { "GET ** -> latency=1.5s p=0.25", "GET ** -> latency=1500ms p=0.25" },
    { "GET /x -> latency=200ms status=504", "GET /x -> status=504 latency=200ms" },
    { "PATCH /x ->   cut   when=after every=5 times=2", "PATCH /x -> cut when=after every=5 times=2" },
    { "DELETE /x -> close", "DELETE /x -> close" },
    { "GET /x -> html", "GET /x -> html" },
    { "GET /x -> html status=504 header=Retry-After:1", "GET /x -> html status=504 header=Retry-After:1" },
  }
  for _, row in ipairs(VALID) do
    it("reads " .. row[1], function()
      local r = assert(faults.parse(row[1]))
      assert.equal(row[2], faults.format(r))
      -- the canonical text reads back to itself
      assert.equal(row[2], faults.format(assert(faults.parse(row[2]))))
    end)
  end

  -- {spec, column, message}
  local INVALID = {
    { "", 1, "expected a method (*, GET, GET|POST, ...)" },
    { "GET", 4, "expected a path pattern after the method" },
    { "GET -> close", 5, "expected a path pattern after the method" },
    { "G3T /x -> close", 1, "'G3T' is not a method: *, GET, or several as GET|HEAD" },
    { "GET x -> close", 5, "the path pattern 'x' must start with / (or be * for every path)" },
    { "GET /x?q=1 -> close", 5, "a path pattern matches the path without its query string" },
    { "GET /x->close", 5, "put blanks around '->'" },
    { "GET /x close", 8, "expected '->' after the path pattern" },
    { "GET /x ->", 10, "no action: give status=, html, close, cut, expire-tokens or latency=" },
    { "GET /x -> bogus", 11, "unknown word 'bogus' (one of status=, html, close, cut, expire-tokens, "
      .. "latency=, when=, p=, nth=, every=, times=)" },
    { "GET /x -> status=abc", 18, "status must be a whole number from 200 to 599" },
    { "GET /x -> status=199", 18, "status must be a whole number from 200 to 599" },
    { "GET /x -> status", 11, "status needs a value (status=...)" },
    { "GET /x -> close=yes", 17, "close takes no value" },
    { "GET /x -> status=503 status=500", 22, "status is given twice" },
    { 'GET /x -> status=503 message="never closed', 30, "unterminated quote" },
    { "GET /x -> status=503 header=Retry-After", 29, "header takes Name:value, as in header=Retry-After:2" },
    { "GET /x -> status=503 code=lower", 27, "code must be an error code such as SERVER_UNAVAILABLE" },
    { "GET /x -> latency=fast", 19, "latency must be a duration such as 200ms or 2s (at most 24 hours)" },
    { "GET /x -> latency=200", 19, "latency must be a duration such as 200ms or 2s (at most 24 hours)" },
    { "GET /x -> close p=1.5", 19, "p must be a probability from 0 to 1" },
    { "GET /x -> close nth=0", 21, "nth must be a whole number from 1" },
    { "GET /x -> close every=x", 23, "every must be a whole number from 1" },
    { "GET /x -> close times=-1", 23, "times must be a whole number from 1" },
    { "GET /x -> close cut", 17, "one answer per rule: close and cut cannot be combined" },
    { "GET /x -> status=503 close", 22, "one answer per rule: status and close cannot be combined" },
    { "GET /x -> html cut", 16, "one answer per rule: html and cut cannot be combined" },
    { "GET /x -> header=A:b latency=1s", 11, "header= goes with status= or html" },
    { "GET /x -> html body=x", 16, "html sends its own page: body= goes with status=" },
    { "GET /x -> status=500 body=x code=X", 22, "body= replaces the error body: give body= or code=/message=, not both" },
    { "GET /x -> status=500 when=after", 22, "when= goes with close or cut" },
    { "GET /x -> close p=0.5 nth=2", 23, "one trigger per rule: p= and nth= cannot be combined" },
  }
  for _, row in ipairs(INVALID) do
    it(("refuses %q at column %d"):format(row[1], row[2]), function()
      local r, err = faults.parse(row[1])
      assert.is_nil(r)
      assert.equal("INVALID_FAULT", err.code)
      assert.equal(2, err.exit)
      assert.equal(row[2], err.column)
      assert.equal(("fault '%s': column %d: %s"):format(row[1], row[2], row[3]), err.message)
    end)
  end

  it("reads the table form through the same words", function()
    local rows = {
      { { method = "POST", path = "/a", status = 503, header = "Retry-After:2", times = 1 },
        "POST /a -> status=503 header=Retry-After:2 times=1" },
      { { path = "/a", action = "close when=after", latency = 20 }, "* /a -> close when=after latency=20ms" },
      { { method = { "get", "head" }, path = "/a/**", cut = true, p = 0.5 }, "GET|HEAD /a/** -> cut p=0.5" },
      { { path = "**", expire_tokens = true, nth = 2 }, "* ** -> expire-tokens nth=2" },
      { { path = "/a", status = 429, headers = { ["Retry-After"] = "3", ["X-B"] = 1 } },
        "* /a -> status=429 header=Retry-After:3 header=X-B:1" },
      { { path = "/a", html = true, latency = "1s" }, "* /a -> html latency=1000ms" },
    }
    for _, row in ipairs(rows) do
      assert.equal(row[2], faults.format(assert(faults.compile(row[1]))))
    end
  end)

  it("names the mistakes of the table form", function()
    local rows = {
      { { path = "/a", close = true, action = "close" }, "fault (table): close is given twice" },
      { { path = "/a", foo = 1 }, "fault (table): unknown key 'foo'" },
      { { close = true }, "fault (table): path (a string) is missing" },
      { { path = "/a", close = "yes" }, "fault (table): close must be true or false" },
      { { path = "/a", status = 700 }, "fault (table): status must be a whole number from 200 to 599" },
      { { path = "/a", action = "close bogus" }, "fault (table): action column 7: unknown word 'bogus' "
        .. "(one of status=, html, close, cut, expire-tokens, latency=, when=, p=, nth=, every=, times=)" },
      { { path = "/a" }, "fault (table): no action: give status=, html, close, cut, expire-tokens or latency=" },
    }
    for _, row in ipairs(rows) do
      local r, err = faults.compile(row[1])
      assert.is_nil(r)
      assert.equal(row[2], err.message)
    end
    local _, err = faults.compile(42)
    assert.equal("a fault is a string or a table, not number", err.message)
  end)

  it("names the position of a bad spec in a list", function()
    local rules, err = faults.compile_all { "GET /a -> close", { path = "/b", cut = true }, "GET /c -> nope" }
    assert.is_nil(rules)
    assert.matches("^fault 3 'GET /c %-> nope': column 11: unknown word 'nope'", err.message)
    assert.equal(2, #assert(faults.compile_all { "GET /a -> close", { path = "/b", cut = true } }))
  end)

  it("matches methods and path globs against the path alone", function()
    -- {pattern, method spec, method, path, matches}
    local rows = {
      { "/services/data/*/sobjects/Account*", "*", "GET", "/services/data/v62.0/sobjects/Account", true },
      { "/services/data/*/sobjects/Account*", "*", "GET", "/services/data/v62.0/sobjects/AccountX", true },
      { "/services/data/*/sobjects/Account*", "*", "GET", "/services/data/v62.0/sobjects/Account/001", false },
      { "/services/data/*/sobjects/Account/**", "*", "GET", "/services/data/v62.0/sobjects/Account/001/x", true },
      { "/services/data/*/query", "*", "GET", "/services/data/v62.0/sobjects/query", false },
      { "/services/**", "GET|HEAD", "HEAD", "/services/data/v62.0", true },
      { "/services/**", "GET|HEAD", "POST", "/services/data/v62.0", false },
      { "*", "*", "DELETE", "/anything/at/all", true },
      { "/a.b", "*", "GET", "/aXb", false }, -- pattern characters are literal
      { "/a.b", "*", "GET", "/a.b", true },
    }
    for _, row in ipairs(rows) do
      local inj = assert(faults.new { rules = { ("%s %s -> close"):format(row[2], row[1]) } })
      local d = inj:decide(row[3], row[4])
      assert.equal(row[5], d ~= nil, ("%s %s vs %s %s"):format(row[2], row[1], row[3], row[4]))
    end
  end)
end)

describe("fault triggers", function()
  local function fired(rule, n, seed)
    local inj = assert(faults.new { rules = { rule }, seed = seed })
    local out = {}
    for i = 1, n do if inj:decide("GET", "/x") then out[#out + 1] = i end end
    return out, inj
  end

  it("fires on every match by default", function()
    assert.same({ 1, 2, 3, 4 }, (fired("GET /x -> close", 4)))
  end)

  it("fires on the nth match only", function()
    assert.same({ 3 }, (fired("GET /x -> close nth=3", 10)))
  end)

  it("fires on every nth match", function()
    assert.same({ 5, 10, 15 }, (fired("GET /x -> close every=5", 17)))
  end)

  it("stops after times firings", function()
    assert.same({ 1, 2 }, (fired("GET /x -> close times=2", 6)))
    assert.same({ 3, 6 }, (fired("GET /x -> close every=3 times=2", 12)))
  end)

  it("draws p from the seed: the same seed repeats, another differs", function()
    local a = fired("GET /x -> close p=0.3", 400, 11)
    local b = fired("GET /x -> close p=0.3", 400, 11)
    local c = fired("GET /x -> close p=0.3", 400, 12)
    assert.same(a, b)
    assert.are_not.same(a, c)
    assert.is_true(#a > 80 and #a < 160, "about 30% of 400, got " .. #a)
    assert.same({}, (fired("GET /x -> close p=0", 50, 1)))
    assert.equal(50, #fired("GET /x -> close p=1", 50, 1))
  end)

  it("restarts the draws and counters on reset", function()
    local inj = assert(faults.new { rules = { "GET /x -> close p=0.5", "GET /x -> latency=1ms nth=2" }, seed = 3 })
    local function run()
      local out = {}
      for i = 1, 30 do
        local d = inj:decide("GET", "/x")
        out[i] = d and d.note or "-"
      end
      return out
    end
    local first = run()
    inj:reset()
    assert.same(first, run())
  end)

  it("lets the first answering rule answer; latencies add up", function()
    local inj = assert(faults.new { rules = { "GET /x -> latency=10ms", "GET /x -> status=503 times=1",
      "GET /x -> close times=1", "GET /x -> latency=5ms expire-tokens" } })
    local d = inj:decide("GET", "/x")
    assert.equal(503, d.answer.status)
    assert.equal(15, d.latency_ms)
    assert.is_true(d.expire_tokens)
    assert.equal("fault: latency 10ms; status 503; expire-tokens, latency 5ms", d.note)
    -- the close rule stayed silent, so its one firing is still there
    d = inj:decide("GET", "/x")
    assert.is_true(d.answer.close)
    assert.equal(3, #d.rules)
    local list = inj:list()
    assert.same({ spec = "GET /x -> close times=1", seen = 2, fired = 1 }, list[3])
    assert.same({ total = 6, by_action = { status = 1, html = 0, close = 1, cut = 0, expire_tokens = 2,
      latency = 4 } }, inj:stats())
  end)
end)

describe("fault actions in the app", function()
  it("answers a status fault before the write is applied", function()
    org { "POST /services/data/*/sobjects/* -> status=503 header=Retry-After:2 times=1" }
    local r = create("Acme")
    assert.equal(503, r.status)
    assert.equal("2", r.h["retry-after"])
    assert.same({ { message = "The server is temporarily unavailable. Try again later.",
      errorCode = "SERVER_UNAVAILABLE" } }, r.json)
    assert.equal("fault: status 503", r.note)
    assert.is_nil(r.action)
    assert.equal(0, count("Account", "Acme"))
    assert.equal(201, create("Acme").status) -- times=1: the retry goes through
    assert.equal(1, count("Account", "Acme"))
  end)

  it("writes Salesforce's error body with the status's default code, or the one given", function()
    -- {spec, status, errorCode, message, content type}
    local rows = {
      { "GET /x -> status=429", 429, "REQUEST_LIMIT_EXCEEDED",
        "ConcurrentRequests (Concurrent API Requests) Limit exceeded." },
      { "GET /x -> status=403", 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded." },
      { "GET /x -> status=500", 500, "UNKNOWN_EXCEPTION", "An unexpected error occurred." },
      { "GET /x -> status=504", 504, "UNKNOWN_EXCEPTION", "An unexpected error occurred." },
      { "GET /x -> status=401", 401, "INVALID_SESSION_ID", "Session expired or invalid" },
      { 'GET /x -> status=403 code=REQUEST_LIMIT_EXCEEDED message="ConcurrentRequests (Concurrent API '
        .. 'Requests) Limit exceeded."', 403, "REQUEST_LIMIT_EXCEEDED",
        "ConcurrentRequests (Concurrent API Requests) Limit exceeded." },
      { "GET /x -> status=400 code=UNABLE_TO_LOCK_ROW", 400, "UNABLE_TO_LOCK_ROW",
        "injected fault: HTTP 400" },
    }
    for _, row in ipairs(rows) do
      org { row[1] }
      local r = request("GET", "/x")
      assert.equal(row[2], r.status)
      assert.equal("application/json;charset=UTF-8", r.h["content-type"])
      assert.same({ { message = row[4], errorCode = row[3] } }, r.json)
    end
    org { [[GET /x -> status=500 body="upstream said no"]] }
    local r = request("GET", "/x")
    assert.equal("upstream said no", r.body)
    assert.equal("text/plain;charset=UTF-8", r.h["content-type"])
    org { "GET /x -> status=204" }
    r = request("GET", "/x")
    assert.equal(204, r.status)
    assert.equal("", r.body)
  end)

  it("sends a proxy's HTML page", function()
    org { "GET /services/data/*/sobjects -> html" }
    local r = request("GET", V .. "/sobjects")
    assert.equal(502, r.status)
    assert.equal("text/html; charset=utf-8", r.h["content-type"])
    assert.matches("<title>502 Bad Gateway</title>", r.body, 1, true)
    assert.equal("fault: html 502", r.note)
    org { "GET /x -> html status=504" }
    assert.matches("504 Gateway Timeout", request("GET", "/x").body, 1, true)
  end)

  describe("close and cut on writes", function()
    -- {spec, action, applied, note}
    local rows = {
      { "POST /services/data/*/sobjects/Account -> close", "close", 0, "fault: close before write" },
      { "POST /services/data/*/sobjects/Account -> close when=before", "close", 0, "fault: close before write" },
      { "POST /services/data/*/sobjects/Account -> close when=after", "close", 1, "fault: close after write" },
      { "POST /services/data/*/sobjects/Account -> cut", "cut", 0, "fault: cut before write" },
      { "POST /services/data/*/sobjects/Account -> cut when=after", "cut", 1, "fault: cut after write" },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        org { row[1] .. " times=1" }
        local r = create("Once")
        assert.equal(row[2], r.action)
        assert.equal(row[4], r.note)
        assert.equal(row[3], count("Account", "Once"))
        if row[2] == "cut" and row[3] == 1 then
          assert.equal(201, r.status) -- the real answer, half of which is sent
          assert.is_true(r.json.success)
        elseif row[2] == "cut" then
          assert.equal(503, r.status) -- never a 201 for a write that did not happen
          assert.equal("SERVER_UNAVAILABLE", r.json[1].errorCode)
        end
        assert.is_nil(r.gzip)
      end)
    end

    it("closes instead of cutting an answer without a body", function()
      org { "DELETE /services/data/*/sobjects/Account/* -> cut when=after" }
      local id = create("Gone").json.id
      local r = request("DELETE", V .. "/sobjects/Account/" .. id)
      assert.equal("close", r.action)
      assert.equal("fault: cut after write (no body to cut: closed)", r.note)
      assert.equal(0, count("Account", "Gone"))
    end)

    it("cuts the real answer of a read", function()
      org({ "GET /services/data/*/query -> cut nth=2" }, { data_inline = { Account = { { Name = "A" } } } })
      local r = request("GET", V .. "/query", { query = { q = "SELECT Name FROM Account" },
        headers = { ["accept-encoding"] = "gzip" } })
      assert.is_nil(r.action) -- the first query
      assert.is_true(r.gzip)
      r = request("GET", V .. "/query", { query = { q = "SELECT Name FROM Account" },
        headers = { ["accept-encoding"] = "gzip" } })
      assert.equal("cut", r.action)
      assert.is_nil(r.gzip)
      assert.equal(1, r.json.totalSize)
      assert.equal("fault: cut", r.note)
    end)
  end)

  it("expires every token issued so far; the request then goes on", function()
    org { "GET /services/data/*/sobjects -> expire-tokens nth=2" }
    local function token()
      return request("POST", "/services/oauth2/token", { token = false,
        body = "grant_type=client_credentials&client_id=luaforce-local&client_secret=luaforce-local-secret" })
        .json.access_token
    end
    local old = token()
    assert.equal(200, request("GET", V .. "/sobjects", { bearer = old }).status)
    local r = request("GET", V .. "/sobjects", { bearer = old })
    assert.equal(401, r.status)
    assert.equal("INVALID_SESSION_ID", r.json[1].errorCode)
    assert.equal("fault: expire-tokens", r.note)
    assert.equal(401, request("GET", V .. "/sobjects", { bearer = old }).status)
    local new = token()
    assert.equal(200, request("GET", V .. "/sobjects", { bearer = new }).status)
    -- the static token is never expired
    org { "GET /services/data/*/sobjects -> expire-tokens" }
    assert.equal(200, request("GET", V .. "/sobjects").status)
  end)

  it("adds latency to an otherwise normal answer", function()
    org { "GET /services/data/*/sobjects -> latency=300ms", "* ** -> latency=0.1s every=2" }
    local r = request("GET", V .. "/sobjects")
    assert.equal(200, r.status)
    assert.equal(300, r.delay_ms)
    assert.is_truthy(r.h["sforce-limit-info"])
    assert.equal("fault: latency 300ms", r.note)
    assert.equal(400, request("GET", V .. "/sobjects").delay_ms)
    org { "GET /x -> latency=250ms status=503" }
    r = request("GET", "/x")
    assert.equal(503, r.status)
    assert.equal(250, r.delay_ms)
  end)

  it("never applies to the controls", function()
    org { "* ** -> close" }
    local r = request("GET", "/_emulator/stats")
    assert.equal(200, r.status)
    assert.is_nil(r.action)
    assert.equal(0, r.json.faults.total)
    assert.equal("close", request("GET", V .. "/sobjects").action)
  end)

  it("counts every fault in stats, by action, until reset", function()
    org { "GET /a -> status=503", "GET /b -> close", "POST /c -> cut when=after",
      "GET /a -> latency=1ms", "GET /b -> expire-tokens", "GET /d -> html" }
    for _, p in ipairs { "/a", "/a", "/b", "/d" } do request("GET", p) end
    request("POST", "/c")
    request("GET", "/elsewhere")
    local s = stats()
    assert.equal(8, s.faults.total)
    assert.same({ status = 2, html = 1, close = 1, cut = 1, expire_tokens = 1, latency = 2 }, s.faults.by_action)
    app.control("reset", "")
    s = stats()
    assert.equal(0, s.faults.total)
    local list = json.decode(app.control("faults", ""))
    assert.same({ spec = "GET /a -> status=503", seen = 0, fired = 0 }, list[1])
  end)

  it("replaces, lists and clears the rules through the controls", function()
    org {}
    assert.equal(200, request("GET", V .. "/sobjects").status)
    local r = request("PUT", "/_emulator/faults", { body = json.encode {
      "GET /services/data/*/sobjects -> status=503 times=1", { method = "POST", path = "/x", close = true } } })
    assert.equal(200, r.status)
    assert.equal("GET /services/data/*/sobjects -> status=503 times=1", r.json[1].spec)
    assert.equal("POST /x -> close", r.json[2].spec)
    assert.equal(503, request("GET", V .. "/sobjects").status)
    assert.equal(200, request("GET", V .. "/sobjects").status)
    r = request("GET", "/_emulator/faults")
    assert.same({ spec = "GET /services/data/*/sobjects -> status=503 times=1", seen = 2, fired = 1 }, r.json[1])

    r = request("POST", "/_emulator/faults", { body = '["GET /x -> nope"]' })
    assert.equal(400, r.status)
    assert.equal("INVALID_FAULT", r.json[1].errorCode)
    assert.matches("column 11: unknown word 'nope'", r.json[1].message, 1, true)
    assert.equal(2, #request("GET", "/_emulator/faults").json) -- the old rules stay
    r = request("POST", "/_emulator/faults", { body = '{"not": "a list"}' })
    assert.equal(400, r.status)
    assert.equal(400, request("PUT", "/_emulator/faults", { body = "[" }).status)

    assert.equal(204, request("DELETE", "/_emulator/faults").status)
    assert.equal("[]", request("GET", "/_emulator/faults").body)
    assert.equal(403, request("GET", "/_emulator/faults", { loopback = false }).status)
    assert.equal(405, request("PATCH", "/_emulator/faults").status)
  end)

  it("refuses a bad rule when the org is set up", function()
    local ok, err = pcall(app.setup, { empty = true, faults = { "GET /x -> nope" } })
    assert.is_false(ok)
    assert.matches("fault 'GET /x -> nope': column 11", err, 1, true)
  end)
end)

describe("the API allowance", function()
  it("counts authenticated API requests and refuses them once spent", function()
    org({}, { api_limit = 3 })
    for i = 1, 3 do
      local r = request("GET", V .. "/sobjects")
      assert.equal(200, r.status)
      assert.equal(("api-usage=%d/3"):format(i), r.h["sforce-limit-info"])
    end
    local r = request("GET", V .. "/sobjects")
    assert.equal(403, r.status)
    assert.same({ { message = "TotalRequests Limit exceeded.", errorCode = "REQUEST_LIMIT_EXCEEDED" } }, r.json)
    assert.equal("api-usage=3/3", r.h["sforce-limit-info"])
    -- not an API request: no token, the versions, the token endpoint
    assert.equal(401, request("GET", V .. "/sobjects", { token = false }).status)
    assert.equal(200, request("GET", "/services/data", { token = false }).status)
    local s = stats()
    assert.equal(3, s.api_requests)
    assert.equal(3, s.api_limit)
    app.control("reset", "")
    assert.equal(200, request("GET", V .. "/sobjects").status)
  end)

  it("defaults to 15000 a day", function()
    org {}
    assert.equal("api-usage=1/15000", request("GET", V .. "/sobjects").h["sforce-limit-info"])
  end)

  it("answers /limits in Salesforce's shape", function()
    org({}, { api_limit = 100, data_inline = { Account = { { Name = "A" }, { Name = "B" } } } })
    request("GET", V .. "/sobjects")
    local r = request("GET", V .. "/limits")
    assert.equal(200, r.status)
    assert.same({ Max = 100, Remaining = 98 }, r.json.DailyApiRequests)
    assert.same({ Max = 1024, Remaining = 1023 }, r.json.DataStorageMB)
    for _, name in ipairs { "DailyBulkApiRequests", "ConcurrentAsyncGetReportInstances", "FileStorageMB" } do
      assert.equal(r.json[name].Max, r.json[name].Remaining)
    end
    -- Salesforce's order: names sorted, Max before Remaining
    assert.matches('^{"ConcurrentAsyncGetReportInstances":{"Max":200,"Remaining":200},', r.body)
    assert.equal(405, request("POST", V .. "/limits").status)
  end)
end)

describe("faults seeded by the org's seed", function()
  it("repeats a run with the same seed and differs with another", function()
    local function run(seed)
      org({ "GET /x -> close p=0.5" }, { seed = seed })
      local out = {}
      for i = 1, 40 do out[i] = request("GET", "/x").action or "-" end
      return table.concat(out, " ")
    end
    assert.equal(run(21), run(21))
    assert.are_not.equal(run(21), run(22))
  end)
end)

describe("faults in an emulator started from Lua", function()
  local proc = require "support.proc"
  local emulator = require "luaforce.emulator"

  it("takes rules as text and tables, replaces and clears them", function()
    local emu <close> = assert(emulator.start { empty = true, faults = {
      "GET /services/data/*/sobjects -> status=503 header=Retry-After:2 times=1",
      { method = "GET", path = "/services/data/*/limits", html = true },
    } })
    local function get(path)
      return proc.curl(emu.url .. path, { headers = { "Authorization: Bearer " .. emu.token } })
    end
    local r = get("/services/data/v62.0/sobjects")
    assert.equal(503, r.status)
    assert.equal("2", r.headers["retry-after"])
    assert.equal(200, get("/services/data/v62.0/sobjects").status)
    assert.equal(502, get("/services/data/v62.0/limits").status)
    assert.same({ spec = "GET /services/data/*/limits -> html", seen = 1, fired = 1 }, emu:faults()[2])
    assert.equal(2, emu:stats().faults.total)

    assert.equal(emu, emu:set_faults { { path = "/services/data/*/limits", status = 429 } })
    assert.equal(429, get("/services/data/v62.0/limits").status)
    local ok, err = emu:set_faults { "GET /x -> status=99" }
    assert.is_nil(ok)
    assert.equal("INVALID_FAULT", err.code)
    assert.equal(18, err.column)
    assert.equal(1, #emu:faults()) -- the old rules stay
    emu:set_faults {}
    assert.equal(200, get("/services/data/v62.0/limits").status)
    assert.same({}, emu:faults())
  end)

  it("refuses a bad rule or allowance before starting", function()
    local emu, err = emulator.start { faults = { "GET /x -> status=99" } }
    assert.is_nil(emu)
    assert.equal("fault 'GET /x -> status=99': column 18: status must be a whole number from 200 to 599",
      err.message)
    emu, err = emulator.start { api_limit = 1.5 }
    assert.is_nil(emu)
    assert.equal(2, err.exit)
  end)
end)
