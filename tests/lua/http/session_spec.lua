-- luaforce.http.session (session.new, http.session in the public face, and
-- its requests) against real servers on 127.0.0.1 (and 127.0.0.2): the
-- emulator for keep-alive counts, the raw test server (support.http_handler)
-- for everything a proper org never does.
local http = require "luaforce.http"
local session = require "luaforce.http.session"
local emulator = require "luaforce.emulator"
local server = require "luaforce.core.server"
local errors = require "luaforce.errors"

local function start(host)
  return assert(server.start { handler = "support.http_handler", host = host or "127.0.0.1", port = 0 })
end

describe("luaforce.http sessions", function()
  local srv, url, s

  setup(function()
    srv = start()
    url = srv:url()
  end)
  teardown(function() srv:stop() end)
  before_each(function() s = session.new() end)
  after_each(function() s:close() end)

  describe("responses", function()
    it("gives status, reason, headers, body, elapsed and http_version", function()
      local res = assert(s:request { url = url .. "/status/201" })
      assert.equal(201, res.status)
      assert.equal("Created", res.reason)
      assert.equal("status 201", res.body)
      assert.equal("1.1", res.http_version)
      assert.equal("float", math.type(res.elapsed))
      assert.is_true(res.elapsed >= 0)
      assert.equal("text/plain", res.headers["content-type"])
    end)

    it("treats 4xx and 5xx as responses, not errors", function()
      for _, code in ipairs { 400, 404, 500, 503 } do
        local res, err = s:request { url = url .. "/status/" .. code }
        assert.is_nil(err)
        assert.equal(code, res.status)
      end
    end)

    it("keeps header case and finds headers in any case; a repeated header is a list", function()
      local res = assert(s:request { url = url .. "/headers", query = { h = { "X-Mixed-Case:1", "Set-Cookie:a=1", "set-cookie:b=2" } } })
      assert.equal("1", rawget(res.headers, "X-Mixed-Case"))
      assert.equal("1", res.headers["x-mixed-case"])
      assert.equal("1", res.headers["X-MIXED-CASE"])
      assert.same({ "a=1", "b=2" }, res.headers["Set-Cookie"])
      assert.same({ "a=1", "b=2" }, res.headers["set-cookie"])
      assert.is_nil(res.headers["x-absent"])
    end)

    it("decodes gzip bodies (Accept-Encoding offered by default)", function()
      local res = assert(s:request { url = url .. "/gzip" })
      assert.equal("gzip", res.headers["content-encoding"])
      assert.equal(string.rep("luaforce gzip body line\n", 200), res.body)
    end)

    it("reads a chunked body whole", function()
      local res = assert(s:request { url = url .. "/chunked", query = { n = 100000 } })
      assert.equal("chunked", res.headers["transfer-encoding"])
      assert.equal(100000, #res.body)
    end)
  end)

  describe("requests", function()
    local function echo(req)
      req.url = url .. "/echo"
      local res = assert(s:request(req))
      return require("luaforce.json").decode(res.body)
    end

    it("encodes query tables with sorted keys, repeating list values", function()
      local e = echo { query = { z = "last", a = { 1, 2 }, m = "x y&z=é" } }
      assert.equal("a=1&a=2&m=x%20y%26z%3D%C3%A9&z=last", e.raw_query)
    end)

    it("appends the query to one the URL has", function()
      local res = assert(s:request { url = url .. "/echo?k=v", query = { b = 1 } })
      assert.equal("k=v&b=1", require("luaforce.json").decode(res.body).raw_query)
    end)

    it("sends the method, headers and body; User-Agent names luaforce", function()
      local e = echo { method = "PATCH", headers = { ["X-One"] = "1", Accept = "application/json" }, body = "data" }
      assert.equal("PATCH", e.method)
      assert.equal("data", e.body)
      assert.equal("1", e.headers["x-one"])
      assert.equal("application/json", e.headers.accept)
      assert.equal("luaforce/" .. http.version, e.headers["user-agent"])
      assert.is_nil(e.headers["content-type"]) -- none made up
      assert.is_nil(e.headers.expect)
    end)

    it("defaults to POST when there is a body; session headers apply, request headers win", function()
      s:close()
      s = session.new { headers = { ["X-Team"] = "a", ["X-Keep"] = "k" } }
      local e = echo { body = "b", headers = { ["x-team"] = "b" } }
      assert.equal("POST", e.method)
      assert.equal("b", e.headers["x-team"])
      assert.equal("k", e.headers["x-keep"])
    end)

    it("streams a body from a file (body_file), of any size, as PUT or POST", function()
      local path = os.tmpname()
      local f = assert(io.open(path, "wb"))
      local piece = ("0123456789abcdef"):rep(4096) -- 64 KiB
      for _ = 1, 48 do f:write(piece) end           -- 3 MiB: many reads
      f:write("end")
      f:close()
      local e = echo { method = "PUT", body_file = path, headers = { ["Content-Type"] = "text/csv" } }
      assert.equal("PUT", e.method)
      assert.equal(48 * 65536 + 3, #e.body)
      assert.equal("end", e.body:sub(-3))
      assert.equal("text/csv", e.headers["content-type"])
      local p2 = echo { body_file = path }
      assert.equal("POST", p2.method)
      os.remove(path)
      assert.has_error(function() s:request { url = url, body_file = path } end, nil)
      assert.has_error(function() s:request { url = url, body = "x", body_file = path } end)
    end)

    it("raises on misuse", function()
      assert.has_error(function() s:request { url = url, bogus = 1 } end)
      assert.has_error(function() s:request { url = url, headers = { ["X"] = "a\r\nInjected: 1" } } end)
      assert.has_error(function() s:request { url = url, method = "GE T" } end)
      assert.has_error(function() session.new { nonsense = true } end)
      s:close()
      assert.has_error(function() s:request { url = url } end, "attempt to use a closed session")
    end)
  end)

  describe("keep-alive", function()
    it("reuses one connection for consecutive requests to the emulator", function()
      local emu = assert(emulator.start { empty = true })
      for _ = 1, 20 do
        local res = assert(s:request { url = emu.url .. "/services/data" })
        assert.equal(200, res.status)
      end
      local st = emu:stats()
      emu:stop()
      assert.equal(20, st.requests)
      assert.equal(1, st.connections)
    end)
  end)

  describe("fresh connections", function()
    -- connections to 127.0.0.1:port this process holds open (client side)
    local function open_to(port)
      local n = 0
      for _, file in ipairs { "/proc/net/tcp", "/proc/net/tcp6" } do
        local f = io.open(file)
        if f then
          for line in f:lines() do
            local rem, st = line:match("^%s*%d+: %x+:%x+ %x+:(%x+) (%x%x)")
            if rem and tonumber(rem, 16) == port and st == "01" then n = n + 1 end
          end
          f:close()
        end
      end
      return n
    end

    it("a request on a connection of its own closes it after, leaving none idle", function()
      local emu = assert(emulator.start { empty = true })
      local port = tonumber(emu.url:match(":(%d+)$"))
      for _ = 1, 20 do
        assert.equal(200, assert(s:request { url = emu.url .. "/services/data", fresh_connect = true }).status)
      end
      assert(s:request { url = emu.url .. "/services/data" })
      local open = open_to(port)
      local st = emu:stats()
      emu:stop()
      assert.equal(21, st.connections) -- 20 of their own, 1 kept for the others
      assert.equal(1, open)
    end)
  end)

  describe("transport errors", function()
    it("TIMEOUT after the total timeout, with the request sent", function()
      -- the server would answer after 3 s: a TIMEOUT (not a response) is
      -- the timeout having fired first
      local res, err = s:request { url = url .. "/delay/3000", timeout = 0.2 }
      assert.is_nil(res)
      assert.equal("TIMEOUT", err.kind)
      assert.is_true(err.request_sent)
      assert.equal("127.0.0.1", err.host)
      assert.is_true(errors.is(err))
      assert.equal(errors.EXIT.NETWORK, err.exit) -- a GET: nothing written
    end)

    it("the session timeout applies when the request gives none", function()
      s:close()
      s = session.new { timeout = 0.2 }
      local _, err = s:request { url = url .. "/delay/3000" }
      assert.equal("TIMEOUT", err.kind)
    end)

    it("EMPTY_REPLY when the server closes without answering; the request went out", function()
      local res, err = s:request { url = url .. "/close", method = "POST", body = "x=1" }
      assert.is_nil(res)
      assert.equal("EMPTY_REPLY", err.kind)
      assert.is_true(err.request_sent)
      assert.equal(errors.EXIT.UNKNOWN, err.exit) -- a POST that went out: outcome unknown
    end)

    -- libcurl sends a request again by itself when a reused connection
    -- closes unanswered; a request with a body is never sent twice behind
    -- the caller's back (its first send may have been processed)
    it("never resends a body on its own when a reused connection closes unanswered", function()
      for _, method in ipairs { "PATCH", "POST", "PUT" } do
        assert(s:request { url = url .. "/status/200" }) -- the connection is now in the pool
        local before = srv:stats().requests
        local res, err = s:request { url = url .. "/close", method = method, body = '{"Name":"x"}' }
        assert.is_nil(res)
        assert.equal("EMPTY_REPLY", err.kind)
        assert.is_true(err.request_sent)
        assert.equal(1, srv:stats().requests - before, method)
      end
    end)

    it("PARTIAL_BODY when the body stops short", function()
      local res, err = s:request { url = url .. "/cut" }
      assert.is_nil(res)
      assert.equal("PARTIAL_BODY", err.kind)
      assert.is_true(err.request_sent)
      assert.equal(200, err.status)
    end)

    it("CONNECT when nothing listens; nothing was sent", function()
      local port = srv.port
      local other = start()
      local dead = other:url()
      other:stop()
      local res, err = s:request { url = dead .. "/echo", method = "POST", body = "x" }
      assert.is_nil(res)
      assert.equal("CONNECT", err.kind)
      assert.is_false(err.request_sent)
      assert.equal(errors.EXIT.NETWORK, err.exit)
      assert.truthy(port)
    end)

    it("DNS for a name that does not resolve", function()
      local _, err = s:request { url = "http://no-such-host.invalid/" }
      assert.equal("DNS", err.kind)
      assert.is_false(err.request_sent)
    end)

    it("URL for a malformed URL or another scheme", function()
      local _, err = s:request { url = "ftp://127.0.0.1/x" }
      assert.truthy(err.kind == "URL" or err.kind == "PROTOCOL")
      _, err = s:request { url = "http://[::1" }
      assert.equal("URL", err.kind)
    end)

    it("the session stays usable after any failure", function()
      s:request { url = url .. "/close" }
      s:request { url = url .. "/cut" }
      assert.equal(200, assert(s:request { url = url .. "/echo" }).status)
    end)
  end)

  describe("the response size cap", function()
    local rows = {
      { "Content-Length framed", "/big?n=300000" },
      { "chunked", "/chunked?n=300000" },
      { "chunked and gzip", "/chunked-gzip?n=300000" },
      { "gzip growth (a small body inflating past the cap)", "/bomb?n=5000000" },
    }
    for _, row in ipairs(rows) do
      it("stops a " .. row[1] .. " body at max_body", function()
        s:close()
        s = session.new { max_body = 100000 }
        local res, err = s:request { url = url .. row[2] }
        assert.is_nil(res)
        assert.equal("TOO_LARGE", err.kind)
        assert.matches("100000 bytes", err.message)
      end)
    end

    it("lets a body of exactly max_body through; a request can raise the cap", function()
      s:close()
      s = session.new { max_body = 1000 }
      assert.equal(1000, #assert(s:request { url = url .. "/chunked?n=1000" }).body)
      assert.equal(5000, #assert(s:request { url = url .. "/chunked?n=5000", max_body = 5000 }).body)
    end)
  end)

  describe("streaming with on_chunk", function()
    it("delivers the body in pieces and leaves res.body empty", function()
      local pieces = {}
      local res = assert(s:request { url = url .. "/chunked?n=200000", on_chunk = function(p) pieces[#pieces + 1] = p end })
      assert.equal("", res.body)
      assert.is_true(#pieces > 1)
      assert.equal(string.rep("c", 200000), table.concat(pieces))
    end)

    it("stops the transfer when on_chunk returns false (ABORTED)", function()
      local calls = 0
      local res, err = s:request { url = url .. "/chunked?n=200000", on_chunk = function() calls = calls + 1; return false end }
      assert.is_nil(res)
      assert.equal("ABORTED", err.kind)
      assert.equal(1, calls)
    end)

    it("raises on_chunk's error after the transfer stopped; the session goes on", function()
      local marker = setmetatable({}, { __tostring = function() return "marker" end })
      local ok, e = pcall(s.request, s, { url = url .. "/chunked?n=200000", on_chunk = function() error(marker) end })
      assert.is_false(ok)
      assert.equal(marker, e)
      ok, e = pcall(s.request, s, { url = url .. "/big?n=10", on_chunk = function() error("plain message") end })
      assert.is_false(ok)
      assert.matches("plain message", e)
      assert.equal(200, assert(s:request { url = url .. "/echo" }).status)
    end)

    it("an error raised in on_chunk keeps the traceback of where it was raised", function()
      local line = debug.getinfo(1, "l").currentline + 2
      local ok, e = pcall(s.request, s, { url = url .. "/big?n=10", on_chunk = function()
        error("no position in this message", 0)
      end })
      assert.is_false(ok)
      assert.matches("^no position in this message\nstack traceback:\n", e)
      assert.matches("_spec%.lua:" .. line .. ": in function", e)
    end)

    it("closes a session the collector finds while on_chunk runs later, instead of losing its connections", function()
      -- in a process of its own, with Lua's warnings on: an error in a
      -- __gc is only a warning, and the sanitizer build reports the leak
      local proc = require "support.proc"
      local root = os.getenv("LUAFORCE_ROOT") or "."
      local script = proc.write(os.tmpname(), ([[
warn("@on")
package.path = %q .. "/tests/lua/?.lua;" .. package.path
local session = require "luaforce.http.session"
local srv = assert(require("luaforce.core.server").start { handler = "support.http_handler", host = "127.0.0.1", port = 0 })
local url = srv:url()
do
  local dropped = session.new()
  assert(dropped:request { url = url .. "/echo" })
end
local s, calls = session.new(), 0
assert(s:request { url = url .. "/chunked?n=200000", on_chunk = function() calls = calls + 1; collectgarbage() end })
collectgarbage(); collectgarbage()
s:close(); srv:stop()
print("chunks", calls > 1)
]]):format(root))
      local r = proc.luaforce { "run", script }
      os.remove(script)
      assert.equal("", r.stderr)
      assert.equal(0, r.code)
      assert.equal("chunks\ttrue\n", r.stdout)
    end)

    it("refuses a request made from inside on_chunk", function()
      local ok, e = pcall(s.request, s, { url = url .. "/big?n=10", on_chunk = function() s:request { url = url .. "/echo" } end })
      assert.is_false(ok)
      assert.matches("on_chunk", e)
    end)
  end)

  describe("redirects", function()
    local other, other_url
    setup(function()
      other = start("127.0.0.2")
      other_url = other:url()
    end)
    teardown(function() other:stop() end)

    local function to(target, status)
      return url .. "/redirect?to=" .. http.escape(target) .. (status and ("&status=" .. status) or "")
    end

    it("follows a redirect on the same host, Authorization kept", function()
      local res = assert(s:request { url = to(url .. "/echo"), headers = { Authorization = "Bearer t0ken-same" } })
      assert.equal(200, res.status)
      assert.equal(1, res.redirects)
      local e = require("luaforce.json").decode(res.body)
      assert.equal("Bearer t0ken-same", e.headers.authorization)
    end)

    it("does not follow to another host (127.0.0.2): the 3xx comes back, nothing reaches it", function()
      local before = other:stats().requests
      local res = assert(s:request { url = to(other_url .. "/echo"), headers = { Authorization = "Bearer t0ken-x" } })
      assert.equal(302, res.status)
      assert.equal(other_url .. "/echo", res.headers.location)
      assert.equal(before, other:stats().requests)
    end)

    it("with redirects = \"any\", follows to another host without Authorization or Cookie", function()
      local before = other:stats().requests
      local res = assert(s:request { url = to(other_url .. "/echo"), redirects = "any",
        headers = { Authorization = "Bearer t0ken-x", Cookie = "sid=1", ["X-Other"] = "kept" } })
      assert.equal(200, res.status)
      assert.equal(before + 1, other:stats().requests)
      local e = require("luaforce.json").decode(res.body)
      assert.equal("127.0.0.2:" .. other.port, e.headers.host)
      assert.is_nil(e.headers.authorization)
      assert.is_nil(e.headers.cookie)
      assert.equal("kept", e.headers["x-other"])
    end)

    it("303 turns a POST into a GET without its body; 307 keeps both", function()
      local e303 = require("luaforce.json").decode(assert(s:request { url = to(url .. "/echo", 303), body = "payload" }).body)
      assert.equal("GET", e303.method)
      assert.equal("", e303.body)
      local e307 = require("luaforce.json").decode(assert(s:request { url = to(url .. "/echo", 307), body = "payload" }).body)
      assert.equal("POST", e307.method)
      assert.equal("payload", e307.body)
    end)

    it("redirects = \"none\" returns the 3xx", function()
      assert.equal(302, assert(s:request { url = to(url .. "/echo"), redirects = "none" }).status)
    end)

    it("a redirect loop ends as a PROTOCOL error", function()
      local before = srv:stats().requests
      local _, err = s:request { url = url .. "/loop" }
      assert.equal("PROTOCOL", err.kind)
      assert.matches("more than 5 redirects", err.message)
      assert.equal(before + 6, srv:stats().requests)
    end)
  end)

  describe("TLS", function()
    local dir, emu, cert
    setup(function()
      dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. dir))
      local tls = require "luaforce.emulator.tls"
      local paths = assert(tls.make_cert(dir))
      cert = paths.cert
      emu = assert(emulator.start { empty = true, tls_cert = paths.cert, tls_key = paths.key })
    end)
    teardown(function()
      emu:stop()
      os.execute("rm -rf " .. dir)
    end)

    it("verifies certificates: a self-signed one fails as TLS", function()
      assert.matches("^https://", emu.url)
      local _, err = s:request { url = emu.url .. "/services/data" }
      assert.equal("TLS", err.kind)
    end)

    it("accepts the certificate given as ca_file", function()
      local s2 = session.new { ca_file = cert }
      assert.equal(200, assert(s2:request { url = emu.url .. "/services/data" }).status)
      s2:close()
    end)
  end)
end)
