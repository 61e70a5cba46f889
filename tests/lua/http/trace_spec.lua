-- luaforce.http.trace. Tracing never prints a secret: one row per place a
-- secret travels, each checked by grepping the trace (level 2) for the
-- secret's value. Plus the line format of level 1, the module's own
-- functions, and the --trace/--verbose switches of the binary.
local http = require "luaforce.http"
local trace = require "luaforce.http.trace"
local server = require "luaforce.core.server"
local proc = require "support.proc"

describe("luaforce.http tracing", function()
  local srv, url, s, lines
  setup(function()
    srv = assert(server.start { handler = "support.http_handler", port = 0 })
    url = srv:url()
  end)
  teardown(function()
    http.trace(0, function(line) io.stderr:write(line, "\n") end)
    srv:stop()
  end)
  before_each(function()
    lines = {}
    http.trace(2, function(line) lines[#lines + 1] = line end)
    s = http.session()
  end)
  after_each(function()
    http.trace(0)
    s:close()
  end)

  local function output() return table.concat(lines, "\n") end

  -- {place, secret value, request maker (url relative to the test server,
  -- or `full`), registered with http.add_secret?}. Routes that reflect the
  -- request (/echo) are avoided where the reflection itself would be a new
  -- place for the secret.
  local rows = {
    { "Authorization header", "Bearer-hdr-5ecret-1", function(v) return { url = "/echo", headers = { Authorization = "Bearer " .. v } } end },
    { "Cookie header", "cookie-5ecret-2", function(v) return { url = "/status/200", headers = { Cookie = "sid=" .. v } } end },
    { "Set-Cookie response header", "setcookie-5ecret-3", function(v) return { url = "/set-cookie" } end },
    { "X-...-Token header", "hdr-token-5ecret-4", function(v) return { url = "/echo", headers = { ["X-Api-Token"] = v } } end },
    { "form body client_secret", "form-5ecret-5", function(v)
      return { url = "/raw", headers = { ["Content-Type"] = "application/x-www-form-urlencoded" },
        body = "grant_type=client_credentials&client_id=abc&client_secret=" .. v } end },
    { "form body password", "form-passw0rd-6", function(v)
      return { url = "/raw", headers = { ["Content-Type"] = "application/x-www-form-urlencoded" },
        body = "grant_type=password&username=u&password=" .. v } end },
    { "query string access_token", "query-5ecret-7", function(v) return { url = "/status/200?access_token=" .. v } end },
    { "query table refresh_token", "query-5ecret-8", function(v) return { url = "/status/200", query = { refresh_token = v } } end },
    { "token response JSON (access_token)", "json-access-5ecret-9", function() return { url = "/token" } end },
    { "token response JSON (refresh_token)", "json-refresh-5ecret-10", function() return { url = "/token" } end },
    { "JSON request body (client_secret key)", "json-body-5ecret-11", function(v)
      return { url = "/raw", headers = { ["Content-Type"] = "application/json" },
        body = '{"client_id":"x","client_secret":"' .. v .. '"}' } end },
    { "URL userinfo", "userinfo-5ecret-12", function(v) return { full = url:gsub("^http://", "http://user:" .. v .. "@") .. "/status/200" } end },
    { "registered secret in a plain header", "registered-5ecret-13", function(v) return { url = "/echo", headers = { ["X-Note"] = v } } end, true },
    { "registered secret in a text body", "registered-5ecret-14", function(v)
      return { url = "/raw", headers = { ["Content-Type"] = "text/plain" }, body = "the value is " .. v .. "." } end, true },
    { "registered secret, percent-encoded in a URL path", "reg/5ecret 15", function(v)
      return { url = "/status/200?note=" .. http.escape(v) } end, true },
    { "error message (a failed request's URL)", "error-5ecret-16", function(v)
      return { full = "http://127.0.0.1:1/x?token=" .. v } end },
    { "error message, registered secret in the path", "error-path-5ecret-17", function(v)
      return { full = "http://no-such-host.invalid/" .. v } end, true },
  }

  for _, row in ipairs(rows) do
    local place, secret, make, register = row[1], row[2], row[3], row[4]
    it("masks a secret in the " .. place, function()
      if register then http.add_secret(secret) end
      local req = make(secret)
      req.url = req.full or (url .. req.url)
      req.full = nil
      local res, err = s:request(req)
      assert.truthy(res or err)
      local out = output()
      assert.is_true(#lines >= 3, out)
      assert.is_nil(out:find(secret, 1, true), "secret printed:\n" .. out)
      assert.is_nil(out:find(http.escape(secret), 1, true), "encoded secret printed:\n" .. out)
      assert.truthy(out:find("***", 1, true), out)
      if err then
        assert.is_nil(tostring(err):find(secret, 1, true))
        assert.is_nil(tostring(err.url):find(secret, 1, true))
      end
    end)
  end

  it("level 1 prints one line per exchange: method, URL, status, bytes, time", function()
    http.trace(1, function(line) lines[#lines + 1] = line end)
    s:request { url = url .. "/status/404" }
    assert.equal(1, #lines)
    assert.matches("^http: GET http://127%.0%.0%.1:%d+/status/404 %-> 404 Not Found, 10 bytes, [%d.]+ ms$", lines[1])
  end)

  it("level 1 names the failure kind", function()
    http.trace(1, function(line) lines[#lines + 1] = line end)
    s:request { url = url .. "/close" }
    assert.matches("-> EMPTY_REPLY %(request sent%)", lines[1])
  end)

  it("level 0 prints nothing", function()
    http.trace(0)
    s:request { url = url .. "/echo" }
    assert.equal(0, #lines)
  end)

  it("--trace and --verbose of the binary trace to stderr, secrets masked", function()
    local f = io.open(proc.bin, "r")
    if not f then return pending("no luaforce binary at " .. proc.bin) end
    f:close()
    local script = proc.write(os.tmpname(), ([[
      local http = require "luaforce.http"
      local s = http.session()
      http.add_secret("cli-registered-5ecret")
      s:request { url = %q, headers = { Authorization = "Bearer cli-bearer-5ecret", ["X-N"] = "cli-registered-5ecret" },
        body = "client_secret=cli-form-5ecret" }
      print("done")
    ]]):format(url .. "/raw"))
    local r = proc.luaforce { "--trace", "run", script }
    assert.equal(0, r.code, r.stderr)
    assert.matches("http: > Authorization: %*%*%*", r.stderr)
    for _, secret in ipairs { "cli-registered-5ecret", "cli-bearer-5ecret", "cli-form-5ecret" } do
      assert.is_nil(r.stderr:find(secret, 1, true), r.stderr)
    end
    r = proc.luaforce { "--verbose", "run", script }
    assert.equal(0, r.code, r.stderr)
    assert.matches("http: POST http://127%.0%.0%.1:%d+/raw %-> 200", r.stderr)
    assert.is_nil(r.stderr:find("Authorization", 1, true))
    r = proc.luaforce { "run", script }
    assert.equal("", r.stderr)
    os.remove(script)
  end)
end)

describe("luaforce.http.trace", function()
  after_each(function() trace.set(0, function(line) io.stderr:write(line, "\n") end) end)

  it("level() is what set() put in force; set returns the level it replaced", function()
    assert.equal(0, trace.set(2))
    assert.equal(2, trace.level())
    assert.equal(2, trace.set(1))
    assert.equal(1, trace.level())
  end)

  it("set refuses other levels and writers that are not functions", function()
    assert.has_error(function() trace.set(3) end, "bad argument #1 to 'trace' (0, 1 or 2 expected)")
    assert.has_error(function() trace.set(1.5) end, "bad argument #1 to 'trace' (0, 1 or 2 expected)")
    assert.equal(0, trace.level())
    assert.has_error(function() trace.set(nil, "stderr") end, "bad argument #2 to 'trace' (function expected)")
  end)

  it("redact masks a registered value and its encoded forms; short values are not registered", function()
    trace.add_secret("tr/ace 5ecret")
    assert.equal("a *** b", trace.redact("a tr/ace 5ecret b"))
    assert.equal("q=***", trace.redact("q=" .. http.escape("tr/ace 5ecret")))
    assert.equal('{"v":"***"}', trace.redact('{"v":"tr\\/ace 5ecret"}'))
    trace.add_secret("abc")
    assert.equal("abc", trace.redact("abc"))
    assert.has_error(function() trace.add_secret(42) end)
  end)

  it("holds_secret finds a registered secret, its encoded forms, or 16 characters of one", function()
    local tail = "Hs8Kd3Lq0Zm5Xn2Bv7Cr4Tw9Ye1Ua6Io"
    assert.is_false(trace.holds_secret("x = '" .. tail:sub(1, 16) .. "'"))
    trace.add_secret("00Dhs000000001!" .. tail)
    assert.is_true(trace.holds_secret("x = '" .. tail:sub(1, 16) .. "'"))
    assert.is_true(trace.holds_secret("q=" .. http.escape("00Dhs000000001!" .. tail)))
    assert.is_false(trace.holds_secret("x = '" .. tail:sub(1, 15) .. "'"))
    trace.add_secret("short-5ecret")
    assert.is_true(trace.holds_secret("pw short-5ecret"))
  end)

  it("safe_url masks the userinfo and registered secrets", function()
    trace.add_secret("url-5ecret-path")
    local u = trace.safe_url("https://user:pw-in-url@h.example/url-5ecret-path?x=1")
    assert.is_nil(u:find("pw-in-url", 1, true))
    assert.is_nil(u:find("url-5ecret-path", 1, true))
    assert.matches("^https://", u)
    assert.matches("h%.example", u)
  end)

  it("exchange writes one line at level 1, more at level 2", function()
    local lines = {}
    trace.set(1, function(line) lines[#lines + 1] = line end)
    local raw = { method = "GET", url = "http://h.example/x", headers = { "Accept: */*" }, user_agent = "ua/1" }
    local res = { status = 200, reason = "OK", received = 2, http_version = "1.1", header_list = { "A", "1" },
      headers = {}, body = "ok" }
    trace.exchange(raw, res, nil, 1.25, false)
    assert.same({ "http: GET http://h.example/x -> 200 OK, 2 bytes, 1.2 ms" }, lines)
    lines = {}
    trace.set(2)
    trace.exchange(raw, res, nil, 1.25, false)
    assert.is_true(#lines > 1)
    assert.equal("http: > Accept: */*", lines[4])
  end)
end)
