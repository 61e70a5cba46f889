-- luaforce.core.server, the emulator's HTTP front, driven with the curl
-- command as any client would: request decoding, responses as the handler
-- gives them, gzip both ways, keep-alive, overlapping delays, the two
-- connection faults, errors, the handler state's own controls, lifetimes.
-- The handler is tests/lua/support/test_handler.lua, loaded by the server in
-- its own Lua state through the package.path copied from this one.
require "luaforce.core"
local server = require "luaforce.core.server"
local sys = require "luaforce.core.sys"
local json = require "luaforce.json"
local proc = require "support.proc"
local inflight = require "support.inflight"

local HANDLER = "support.test_handler"
local q = proc.quote

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- One curl run; `args` is a list of curl arguments (each quoted here).
-- Returns {code =, status =, headers = {{name, value}, ...}, body =, stderr =}
-- with headers in the order they came; -i puts them before the body.
local function curl(args)
  local parts = { "curl", "-sS", "-i" }
  for _, a in ipairs(args) do parts[#parts + 1] = q(a) end
  local r = proc.sh(table.concat(parts, " "))
  local res = { code = r.code, stderr = r.stderr, headers = {}, body = "" }
  local head, body = r.stdout:match("^(.-)\r\n\r\n(.*)$")
  if head then
    res.status = tonumber(head:match("^HTTP/%S+ (%d+)"))
    res.body = body
    for line in head:gmatch("[^\r\n]+") do
      local k, v = line:match("^([^:]+):%s*(.*)$")
      if k then res.headers[#res.headers + 1] = { k, v } end
    end
  end
  return res
end

local function header(res, name)
  for _, h in ipairs(res.headers) do
    if h[1]:lower() == name:lower() then return h[2] end
  end
end

local function tmpfile(content)
  return proc.write(os.tmpname(), content)
end

-- content gzipped by the gzip command, in a new file
local function gzip_file(content)
  local plain, gz = tmpfile(content), os.tmpname()
  assert(os.execute(("gzip -c %s > %s"):format(q(plain), q(gz))))
  os.remove(plain)
  return gz
end

describe("luaforce.core.server", function()
  local srv, url

  setup(function()
    srv = assert(server.start { handler = HANDLER, config = "the config" })
    url = srv:url()
  end)

  teardown(function()
    srv:stop()
  end)

  it("listens on loopback, on the port it reports", function()
    assert.equal("127.0.0.1", srv.host)
    assert.is_true(srv.port > 0)
    assert.equal("http://127.0.0.1:" .. srv.port, url)
    assert.matches("^luaforce.server.Server %(127%.0%.0%.1:%d+%)$", tostring(srv))
  end)

  it("hands init the config text, once, in the server's state", function()
    assert.equal("the config", curl({ url .. "/config" }).body)
  end)

  it("decodes the query: '+' and %20 as spaces, repeats kept in order", function()
    local res = curl({ url .. "/echo?q=SELECT+Id+FROM%20Account&flag&n=1&n=2&e=%C3%A9%26%3D" })
    assert.equal(200, res.status)
    local req = assert(json.decode(res.body))
    assert.equal("GET", req.method)
    assert.equal("/echo", req.path)
    assert.same({ q = "SELECT Id FROM Account", flag = "", n = "1", e = "é&=" }, req.query)
    assert.same({ { "q", "SELECT Id FROM Account" }, { "flag", "" }, { "n", "1" }, { "n", "2" },
      { "e", "é&=" } }, req.query_list)
    assert.equal("q=SELECT+Id+FROM%20Account&flag&n=1&n=2&e=%C3%A9%26%3D", req.raw_query)
    assert.equal("127.0.0.1", req.remote)
    assert.is_true(req.loopback)
  end)

  it("gives the percent-decoded path, and the raw one beside it", function()
    local res = curl({ url .. "/a%20b/c%2Fd?x=1" })
    assert.equal(404, res.status)
    assert.equal("no route for /a b/c/d", res.body)
    local req = assert(json.decode(curl({ url .. "/ech%6F" }).body))
    assert.equal("/echo", req.path)
    assert.equal("/ech%6F", req.raw_path)
    assert.equal(json.null, req.raw_query)
  end)

  it("round-trips a POST body byte for byte", function()
    local body = "first line\r\nsecond \0 line\255\n" .. string.rep("x", 100000)
    local res = curl({ "--data-binary", "@" .. tmpfile(body), url .. "/raw" })
    assert.equal(200, res.status)
    assert.equal(tostring(#body), header(res, "Content-Length"))
    assert.equal(#body, #res.body)
    assert.equal(body, res.body)
    local req = assert(json.decode(curl({ "--data-binary", "some text", "-H", "Content-Type: text/plain",
      url .. "/echo" }).body))
    assert.equal("POST", req.method)
    assert.equal("some text", req.body)
    assert.equal("text/plain", req.headers["content-type"])
    assert.equal("9", req.headers["content-length"])
  end)

  it("lower-cases request header names and joins repeats with ', '", function()
    local req = assert(json.decode(curl({ "-X", "PATCH", "-H", "X-Rep: a", "-H", "x-REP: b",
      "-H", "X-MiXeD-Case: v", url .. "/echo" }).body))
    assert.equal("PATCH", req.method)
    assert.equal("a, b", req.headers["x-rep"])
    assert.equal("v", req.headers["x-mixed-case"])
    assert.is_nil(req.headers["X-MiXeD-Case"])
  end)

  it("sends the handler's headers in its order, repeats included", function()
    local res = curl({ url .. "/headers?h=X-One:1&h=Set-Cookie:a%3D1&h=X-Two:2&h=Set-Cookie:b%3D2" })
    assert.equal(200, res.status)
    local got = {}
    for _, h in ipairs(res.headers) do
      if h[1] ~= "Date" and h[1] ~= "Content-Length" then got[#got + 1] = h end
    end
    assert.same({ { "X-One", "1" }, { "Set-Cookie", "a=1" }, { "X-Two", "2" }, { "Set-Cookie", "b=2" } }, got)
    assert.equal("2", header(res, "Content-Length"))
  end)

  it("answers with any status the handler picks", function()
    for _, row in ipairs { { 200, "status 200" }, { 201, "status 201" }, { 204, "" }, { 300, "status 300" },
      { 401, "status 401" }, { 418, "status 418" }, { 503, "status 503" }, { 599, "status 599" } } do
      local res = curl({ url .. "/status/" .. row[1] })
      assert.equal(row[1], res.status)
      assert.equal(row[2], res.body)
    end
  end)

  it("gzips the body when asked: curl --compressed reads it, gzip -d restores it", function()
    local expected = string.rep("luaforce gzip body line\n", 200)
    local res = curl({ "--compressed", url .. "/gzip" })
    assert.equal("gzip", header(res, "Content-Encoding"))
    assert.equal(expected, res.body)

    local raw = os.tmpname()
    local r = proc.sh(("curl -sS -o %s %s"):format(q(raw), q(url .. "/gzip")))
    assert.equal(0, r.code)
    assert.is_true(#slurp(raw) < #expected / 4)
    assert.equal(expected, proc.sh("gzip -dc " .. q(raw)).stdout)
    os.remove(raw)

    -- and only when asked
    assert.is_nil(header(curl({ "--compressed", url .. "/status/200" }), "Content-Encoding"))
  end)

  it("gunzips a gzip request body; a bad one is 400 without calling the handler", function()
    local text = "a gzip request body\n" .. string.rep("é", 1000)
    local gz = gzip_file(text)
    local req = assert(json.decode(curl({ "--data-binary", "@" .. gz, "-H", "Content-Encoding: gzip",
      url .. "/echo" }).body))
    assert.equal(text, req.body)
    assert.equal("gzip", req.headers["content-encoding"])
    os.remove(gz)

    local before = srv:call("handled")
    local res = curl({ "--data-binary", "not gzip at all", "-H", "Content-Encoding: gzip", url .. "/echo" })
    assert.equal(400, res.status)
    assert.equal("application/json;charset=UTF-8", header(res, "Content-Type"))
    local err = assert(json.decode(res.body))
    assert.equal("BAD_REQUEST", err[1].errorCode)
    assert.equal(before, srv:call("handled"))
  end)

  it("keeps one connection alive across requests", function()
    local before = srv:stats()
    local r = proc.sh(("curl -sS %s %s %s"):format(q(url .. "/status/200"), q(url .. "/echo"),
      q(url .. "/status/201")))
    assert.equal(0, r.code)
    assert.matches("^status 200{.*}status 201$", r.stdout)
    local after = srv:stats()
    assert.equal(1, after.connections - before.connections)
    assert.equal(3, after.requests - before.requests)
  end)

  it("overlaps delay_ms across concurrent requests, outside the Lua lock", function()
    -- a server of its own, whose delays stop() cuts short at the end
    local own = assert(server.start { handler = HANDLER })
    local own_url = own:url()
    -- eight requests sleep out a minute's delay at the same time...
    assert.equal(8, inflight.hold(own, 8, own_url .. "/delay/60000"))
    -- ...while the handler's state still answers: no delay holds its lock
    local res = curl({ "-m", "30", own_url .. "/state" })
    local stats = own:stats()
    own:stop()
    assert.equal(200, res.status)
    assert.is_true(stats.active >= 8, "active " .. stats.active)
    assert.is_true(stats.peak_concurrent >= 8, "peak " .. stats.peak_concurrent)
    assert.equal(9, stats.requests)
  end)

  it("close: the connection drops with no response (curl: empty reply)", function()
    local res = curl({ url .. "/close" })
    assert.equal(52, res.code)
    assert.matches("Empty reply", res.stderr)
  end)

  it("cut: full Content-Length, half the body, then the connection drops", function()
    local res = curl({ url .. "/cut" })
    assert.equal(18, res.code)
    assert.equal("1000", header(res, "Content-Length"))
    assert.equal(string.rep("0123456789", 50), res.body)
    assert.matches("500 bytes remaining", res.stderr)
  end)

  it("serves every request from one Lua state", function()
    local n = tonumber(curl({ url .. "/state" }).body)
    assert.equal(n + 1, tonumber(curl({ url .. "/state" }).body))
    assert.equal(tostring(n + 1), srv:call("handled"))
  end)

  it("srv:call runs handler.control in the server's state", function()
    assert.equal("some text", srv:call("echo", "some text"))
    assert.equal("", srv:call("echo", ""))
    local v, err = srv:call("refuse", "x")
    assert.is_nil(v)
    assert.equal("refused: x", err)
    v, err = srv:call("fail")
    assert.is_nil(v)
    assert.equal("control failed", err)
    v, err = srv:call("table")
    assert.is_nil(v)
    assert.equal("handler.control returned table, not a string", err)
    assert.has_error(function() srv:call() end)
  end)

  it("counts requests, connections and the peak of requests in flight", function()
    local s = srv:stats()
    for _, k in ipairs { "requests", "connections", "peak_concurrent", "active" } do
      assert.equal("integer", math.type(s[k]), k)
    end
    assert.is_true(s.requests >= s.connections)
    assert.equal(0, s.active)
  end)

  it("srv:wait(timeout) gives up after the timeout", function()
    local t0 = sys.monotonic_ms()
    local v, err = srv:wait(150)
    assert.is_nil(v)
    assert.equal("timeout", err)
    -- the timeout's own behaviour: it waited (a lower bound, which a slow
    -- machine cannot break)
    assert.is_true(sys.monotonic_ms() - t0 >= 140)
  end)
end)

describe("luaforce.core.server limits", function()
  it("refuses a body over max_body with 413, without calling the handler", function()
    local srv = assert(server.start { handler = HANDLER, max_body = 1024 })
    local url = srv:url()
    local ok = curl({ "--data-binary", "@" .. tmpfile(string.rep("a", 1024)), url .. "/echo" })
    assert.equal(200, ok.status)
    for _, row in ipairs {
      { "Content-Length", {} },
      { "chunked", { "-H", "Transfer-Encoding: chunked" } },
    } do
      local args = { "--data-binary", "@" .. tmpfile(string.rep("a", 5000)) }
      for _, a in ipairs(row[2]) do args[#args + 1] = a end
      args[#args + 1] = url .. "/echo"
      local res = curl(args)
      assert.equal(413, res.status, row[1])
      assert.equal("REQUEST_ENTITY_TOO_LARGE", assert(json.decode(res.body))[1].errorCode)
    end
    -- a small gzip body that inflates past the limit
    local gz = gzip_file(string.rep("z", 100000))
    local res = curl({ "--data-binary", "@" .. gz, "-H", "Content-Encoding: gzip", url .. "/echo" })
    assert.equal(413, res.status)
    os.remove(gz)
    assert.equal("1", srv:call("handled"))
    srv:stop()
  end)
end)

describe("luaforce.core.server lifetimes", function()
  it("start returns nil, err when the handler's init raises", function()
    local srv, err, code = server.start { handler = HANDLER, config = "fail" }
    assert.is_nil(srv)
    assert.equal("init refused the config", err)
    assert.equal("HANDLER_FAILED", code)
  end)

  it("start returns nil, err for a handler module that does not load", function()
    local srv, err = server.start { handler = "support.no_such_handler" }
    assert.is_nil(srv)
    assert.matches("module 'support.no_such_handler' not found", err)
    srv, err = server.start { handler = "luaforce.errors" }
    assert.is_nil(srv)
    assert.matches("has no handle function", err)
  end)

  it("start returns nil, err when the port is taken", function()
    local a = assert(server.start { handler = HANDLER })
    local b, err, code = server.start { handler = HANDLER, port = a.port }
    assert.is_nil(b)
    assert.matches("cannot listen on 127.0.0.1:" .. a.port .. ": Address already in use", err)
    assert.equal("LISTEN_FAILED", code)
    a:stop()
  end)

  it("raises on misuse", function()
    assert.has_error(function() server.start() end)
    assert.has_error(function() server.start {} end, "bad option 'handler' to 'start' (a module name is required)")
    assert.has_error(function() server.start { handler = HANDLER, port = 70000 } end)
    assert.has_error(function() server.start { handler = HANDLER, config = {} } end)
  end)

  it("stop while idle frees the port; stop twice is fine; a stopped server refuses use", function()
    local srv = assert(server.start { handler = HANDLER })
    local url, port = srv:url(), srv.port
    assert.equal(200, curl({ url .. "/status/200" }).status)
    srv:stop()
    srv:stop()
    assert.equal(7, curl({ url .. "/status/200" }).code) -- connection refused
    assert.has_error(function() srv:url() end, "attempt to use a stopped server")
    assert.has_error(function() srv:stats() end, "attempt to use a stopped server")
    assert.has_error(function() srv:call("echo", "x") end, "attempt to use a stopped server")
    assert.equal(port, srv.port)
    assert.equal("luaforce.server.Server (stopped)", tostring(srv))

    -- the same port again, at once
    local again = assert(server.start { handler = HANDLER, port = port, config = "again" })
    assert.equal(port, again.port)
    assert.equal("again", curl({ url .. "/config" }).body)
    again:stop()
  end)

  it("stop cuts a pending delay short and waits for the request", function()
    local srv = assert(server.start { handler = HANDLER })
    assert.equal(1, inflight.hold(srv, 1, srv:url() .. "/delay/60000"))
    local t0 = sys.monotonic_ms()
    srv:stop()
    -- that a wait stops, with room to spare: stop() would otherwise block
    -- for the minute of the delay
    assert.is_true(sys.monotonic_ms() - t0 < 20000)
  end)

  it("closes with a to-be-closed variable", function()
    local url
    do
      local srv <close> = assert(server.start { handler = HANDLER })
      url = srv:url()
      assert.equal(200, curl({ url .. "/status/200" }).status)
    end
    assert.equal(7, curl({ url .. "/status/200" }).code)
  end)

  it("runs two servers side by side, each with its own state", function()
    local a = assert(server.start { handler = HANDLER, config = "A" })
    local b = assert(server.start { handler = HANDLER, config = "B" })
    assert.are_not.equal(a.port, b.port)
    assert.equal("A", curl({ a:url() .. "/config" }).body)
    assert.equal("B", curl({ b:url() .. "/config" }).body)
    curl({ a:url() .. "/state" })
    assert.equal("2", a:call("handled"))
    assert.equal("1", b:call("handled"))
    a:stop()
    assert.equal("B", curl({ b:url() .. "/config" }).body)
    b:stop()
  end)

  it("leaves the server to the collector", function()
    local url
    do
      local srv = assert(server.start { handler = HANDLER })
      url = srv:url()
    end
    collectgarbage()
    collectgarbage()
    assert.equal(7, curl({ url .. "/status/200" }).code)
  end)
end)

-- What the handler prints goes to the process's standard error, so these
-- run in a child process: the luaforce program, which also shows that the
-- server's state finds the program's embedded modules (luaforce.json).
describe("luaforce.core.server in the luaforce program", function()
  local function run_script(text, env)
    local path = proc.write(os.tmpname() .. ".lua", text)
    local r = proc.luaforce({ "run", path }, { env = env })
    os.remove(path)
    return r
  end

  local prelude = ([[
package.path = package.path .. ";%s/tests/lua/?.lua"
local server = require "luaforce.core.server"
local function get(url)
  local p = io.popen("curl -sS " .. url .. " 2>/dev/null")
  local s = p:read("a")
  p:close()
  return s
end
]]):format(proc.root)

  it("logs one line per request and a handler error's traceback to stderr", function()
    local r = run_script(prelude .. [[
local srv = assert(server.start { handler = "support.test_handler", log = true })
print(get(srv:url() .. "/echo?q=1"))
print(get(srv:url() .. "/error"))
print(get(srv:url() .. "/error-table"))
print(get(srv:url() .. "/bad-response"))
get(srv:url() .. "/cut")
get(srv:url() .. "/close")
print(srv:call("preloaded"))
srv:stop()
]])
    assert.equal(0, r.code, r.stderr)
    local lines = {}
    for line in r.stdout:gmatch("[^\n]+") do lines[#lines + 1] = line end
    local req = assert(json.decode(lines[1]))
    assert.same({ q = "1" }, req.query)
    local err = assert(json.decode(lines[2]))
    assert.equal("UNKNOWN_EXCEPTION", err[1].errorCode)
    assert.matches("test_handler.lua:%d+: boom in handler$", err[1].message)
    assert.equal("a table error", assert(json.decode(lines[3]))[1].message)
    -- a malformed response is a 500 naming the mistake
    assert.equal("response status must be an integer from 100 to 599, not 42",
      assert(json.decode(lines[4]))[1].message)
    assert.equal("true", lines[5]) -- luaforce.json came from the embedded preload

    assert.matches("\nGET /echo 200 %d+ms\n", "\n" .. r.stderr)
    assert.matches("\nGET /error 500 %d+ms\n", "\n" .. r.stderr)
    assert.matches("\nGET /cut 200 %d+ms cut\n", "\n" .. r.stderr)
    assert.matches("\nGET /close %- %d+ms close\n", "\n" .. r.stderr)
    assert.matches("handler error: [^\n]*boom in handler\nstack traceback:", r.stderr)
    assert.is_nil(err[1].message:find("traceback", 1, true))
  end)

  it("logs nothing by default", function()
    local r = run_script(prelude .. [[
local srv = assert(server.start { handler = "support.test_handler" })
io.write(get(srv:url() .. "/status/201"))
srv:stop()
]])
    assert.equal(0, r.code, r.stderr)
    assert.equal("status 201", r.stdout)
    assert.equal("", r.stderr)
  end)

  for _, sig in ipairs { "TERM", "INT" } do
    it("srv:wait() returns SIG" .. sig .. " when the process gets it", function()
      local path = proc.write(os.tmpname() .. ".lua", prelude .. [[
local srv = assert(server.start { handler = "support.test_handler" })
io.stdout:write(srv:url(), "\n"):flush()
local got = srv:wait()
print(got, get(srv:url() .. "/status/200"))
srv:stop()
]])
      local out = os.tmpname()
      -- the program runs in the background; signal it once it has printed
      local script = ([[%s run %s > %s 2>&1 & p=$!
for i in $(seq 1 100); do [ -s %s ] && break; sleep 0.05; done
sleep 0.1; kill -%s $p; wait $p]]):format(q(proc.bin), q(path), q(out), q(out), sig)
      local r = proc.sh("sh -c " .. q(script))
      local text = slurp(out)
      os.remove(path)
      os.remove(out)
      assert.equal(0, r.code, text)
      assert.matches("\nSIG" .. sig .. "\tstatus 200\n$", text)
    end)
  end
end)
