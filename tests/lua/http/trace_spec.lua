-- Tracing never prints a secret: one row per place a secret travels, each
-- checked by grepping the trace (level 2) for the secret's value. Plus the
-- line format of level 1 and the --trace/--verbose switches of the binary.
local http = require "luaforce.http"
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
