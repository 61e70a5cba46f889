-- HTTPS for the local org: certificates made by luaforce.emulator.tls,
-- luaforce.core.server serving TLS (curl verifies it against that one
-- certificate, and refuses without it), emulator.start's tls_cert/tls_key,
-- and the reply's `note` in the per-request log line.
-- The handler here is written to a temporary directory at run time and
-- found through package.path, which the server copies into its own state.
require "luaforce.core"
local server = require "luaforce.core.server"
local sys = require "luaforce.core.sys"
local json = require "luaforce.json"
local tls = require "luaforce.emulator.tls"
local emulator = require "luaforce.emulator"
local proc = require "support.proc"
local files = require "support.files"
local inflight = require "support.inflight"

local q = proc.quote

local HANDLER_SOURCE = [[
-- /scheme: req.scheme; /status/N: status N; /delay/N: delay_ms N;
-- /note?n=TEXT: status 201 with note TEXT; /note-close, /note-cut: the two
-- connection faults with a note; /note-table: a note that is not a string.
local M = {}
function M.handle(req)
  local p = req.path
  if p == "/scheme" then return { status = 200, body = req.scheme } end
  local n = p:match("^/status/(%d+)$")
  if n then return { status = tonumber(n), body = "status " .. n } end
  n = p:match("^/delay/(%d+)$")
  if n then return { status = 200, body = "slept", delay_ms = tonumber(n) } end
  if p == "/note" then return { status = 201, body = "noted", note = req.query.n } end
  if p == "/note-close" then return { action = "close", note = "fault: close after write" } end
  if p == "/note-cut" then
    return { status = 200, body = string.rep("0123456789", 100), action = "cut", note = "fault: cut" }
  end
  if p == "/note-table" then return { status = 200, note = {} } end
  return { status = 404, body = "no route for " .. p }
end
return M
]]

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- a fresh private directory name (not yet created)
local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  return d
end

local function rmtree(dir)
  if dir then os.execute("rm -rf " .. q(dir)) end
end

-- curl with its exit code, the status (-w) and the body
local function curl(args)
  local parts = { "curl", "-sS", "-w", "'\\n%{http_code}'" }
  for _, a in ipairs(args) do parts[#parts + 1] = q(a) end
  local r = proc.sh(table.concat(parts, " "))
  local body, status = r.stdout:match("^(.*)\n(%d+)$")
  return { code = r.code, status = tonumber(status), body = body, stderr = r.stderr }
end

-- The handler module in a directory of its own, added to package.path.
local handler_dir, saved_path
local function install_handler()
  handler_dir = tmpdir()
  assert(sys.mkdir(handler_dir, 448))
  proc.write(handler_dir .. "/lf_tls_test_handler.lua", HANDLER_SOURCE)
  saved_path = package.path
  package.path = handler_dir .. "/?.lua;" .. package.path
end
local function remove_handler()
  package.path = saved_path
  rmtree(handler_dir)
end
local HANDLER = "lf_tls_test_handler"

describe("luaforce.emulator.tls", function()
  local dir
  after_each(function() rmtree(dir) end)

  it("make_cert writes a certificate for localhost and 127.0.0.1, the key 0600 even under umask 000", function()
    dir = tmpdir()
    local mask = sys.umask(0)
    local paths, err = tls.make_cert(dir .. "/nested/certs")
    sys.umask(mask)
    assert.is_nil(err)
    assert.equal(dir .. "/nested/certs/cert.pem", paths.cert)
    assert.equal(dir .. "/nested/certs/key.pem", paths.key)
    assert.equal(384, sys.stat(paths.key).mode) -- 0600
    assert.equal(420, sys.stat(paths.cert).mode) -- 0644
    assert.equal(448, sys.stat(dir .. "/nested/certs").mode) -- 0700
    assert.same({ "cert.pem", "key.pem" }, files.names(dir .. "/nested/certs"))
    assert.matches("^%-%-%-%-%-BEGIN CERTIFICATE%-%-%-%-%-\n", slurp(paths.cert))
    assert.matches("^%-%-%-%-%-BEGIN PRIVATE KEY%-%-%-%-%-\n", slurp(paths.key))
    local text = proc.sh("openssl x509 -noout -text -in " .. q(paths.cert)).stdout
    assert.matches("Subject: CN%s*=%s*localhost", text)
    assert.matches("DNS:localhost, IP Address:127%.0%.0%.1", text)
    -- the key belongs to the certificate
    local pub1 = proc.sh("openssl x509 -noout -pubkey -in " .. q(paths.cert)).stdout
    local pub2 = proc.sh("openssl pkey -pubout -in " .. q(paths.key)).stdout
    assert.is_true(#pub1 > 0)
    assert.equal(pub1, pub2)
    -- nothing else is left in the directory
    assert.equal("cert.pem\nkey.pem\n", proc.sh("ls -A " .. q(dir .. "/nested/certs")).stdout)
  end)

  it("make_cert again replaces the pair with a new one", function()
    dir = tmpdir()
    local a = assert(tls.make_cert(dir))
    local key1 = slurp(a.key)
    local b = assert(tls.make_cert(dir .. "/"))
    assert.equal(a.key, b.key)
    assert.are_not.equal(key1, slurp(b.key))
    assert.equal(384, sys.stat(b.key).mode)
  end)

  it("make_cert without the openssl command is a clear error", function()
    dir = tmpdir()
    local paths, err = tls.make_cert(dir, { openssl = "luaforce-no-such-openssl" })
    assert.is_nil(paths)
    assert.equal(2, err.exit)
    assert.equal("cannot make a certificate: the 'luaforce-no-such-openssl' command was not found",
      err.message)
    assert.is_nil(sys.stat(dir))
  end)

  it("make_cert where a file stands in the way is a clear error", function()
    local file = proc.write(os.tmpname(), "x")
    local paths, err = tls.make_cert(file)
    os.remove(file)
    assert.is_nil(paths)
    assert.equal("cannot make a certificate: " .. file .. ": Not a directory", err.message)
  end)

  describe("read_pair", function()
    local rdir, pair, notpem
    setup(function()
      rdir = tmpdir()
      pair = assert(tls.make_cert(rdir))
      notpem = proc.write(rdir .. "/notes.txt", "just words")
    end)
    teardown(function() rmtree(rdir) end)

    it("reads both PEM texts", function()
      local cert, key = tls.read_pair(pair.cert, pair.key)
      assert.equal(slurp(pair.cert), cert)
      assert.equal(slurp(pair.key), key)
    end)

    for _, row in ipairs {
      { "no key", function() return pair.cert, nil end, "a TLS certificate needs its key, and a key its certificate" },
      { "no certificate", function() return nil, pair.key end, "a TLS certificate needs its key" },
      { "a missing certificate", function() return rdir .. "/nope.pem", pair.key end,
        "cannot read the certificate: DIR/nope.pem: No such file or directory" },
      { "a missing key", function() return pair.cert, rdir .. "/nope.pem" end,
        "cannot read the key: DIR/nope.pem: No such file or directory" },
      { "a key that is not PEM", function() return pair.cert, notpem end, "the key DIR/notes.txt is not a PEM file" },
      { "a directory", function() return rdir, pair.key end, "cannot read the certificate: DIR: Is a directory" },
    } do
      it("refuses " .. row[1] .. " with a usage error", function()
        local a, b = row[2]()
        local text, err = tls.read_pair(a, b)
        assert.is_nil(text)
        assert.equal(2, err.exit)
        local expected = row[3]:gsub("DIR", rdir)
        assert.equal(expected, err.message:sub(1, #expected))
      end)
    end
  end)
end)

describe("luaforce.core.server over TLS", function()
  local dir, pair, other, cert, key, srv, url

  setup(function()
    install_handler()
    dir = tmpdir()
    pair = assert(tls.make_cert(dir .. "/a"))
    other = assert(tls.make_cert(dir .. "/b"))
    cert, key = assert(tls.read_pair(pair.cert, pair.key))
    srv = assert(server.start { handler = HANDLER, tls_cert = cert, tls_key = key })
    url = srv:url()
  end)

  teardown(function()
    if srv then srv:stop() end
    rmtree(dir)
    remove_handler()
  end)

  it("reports an https URL", function()
    assert.equal("https://127.0.0.1:" .. srv.port, url)
  end)

  it("answers curl --cacert with the certificate, by address and by name", function()
    local r = curl({ "--cacert", pair.cert, url .. "/status/201" })
    assert.equal(0, r.code, r.stderr)
    assert.equal(201, r.status)
    assert.equal("status 201", r.body)
    r = curl({ "--cacert", pair.cert, "https://localhost:" .. srv.port .. "/status/200" })
    assert.equal(0, r.code, r.stderr)
    assert.equal(200, r.status)
  end)

  it("tells the handler the scheme", function()
    assert.equal("https", curl({ "--cacert", pair.cert, url .. "/scheme" }).body)
  end)

  it("fails verification without the certificate, or with another one (curl exit 60)", function()
    for _, args in ipairs { {}, { "--cacert", other.cert } } do
      local a = {}
      for _, x in ipairs(args) do a[#a + 1] = x end
      a[#a + 1] = url .. "/status/200"
      local r = curl(a)
      assert.equal(60, r.code)
      assert.matches("SSL certificate problem", r.stderr)
    end
  end)

  it("gives plain HTTP on the TLS port no answer", function()
    local r = curl({ "http://127.0.0.1:" .. srv.port .. "/status/200" })
    assert.equal(52, r.code) -- empty reply
    assert.equal(0, r.status)
  end)

  it("keeps the connection faults: close (curl 52) and cut (curl 18)", function()
    local r = curl({ "--cacert", pair.cert, url .. "/note-close" })
    assert.equal(52, r.code)
    r = curl({ "--cacert", pair.cert, url .. "/note-cut" })
    assert.equal(18, r.code)
    assert.matches("500 bytes remaining", r.stderr)
  end)

  it("overlaps delays across concurrent TLS connections", function()
    -- a server of its own, whose delays stop() cuts short at the end
    local own = assert(server.start { handler = HANDLER, tls_cert = cert, tls_key = key })
    local own_url = own:url()
    -- six TLS requests sleep out a minute's delay at the same time, and the
    -- handler's state still answers a seventh
    assert.equal(6, inflight.hold(own, 6, own_url .. "/delay/60000", { "--cacert", pair.cert }))
    local r = curl({ "-m", "30", "--cacert", pair.cert, own_url .. "/scheme" })
    local stats = own:stats()
    own:stop()
    assert.equal(200, r.status)
    assert.equal("https", r.body)
    assert.is_true(stats.active >= 6, "active " .. stats.active)
    assert.is_true(stats.peak_concurrent >= 6, "peak " .. stats.peak_concurrent)
  end)

  describe("start with a bad certificate or key", function()
    for _, row in ipairs {
      { "text that is not PEM", function() return "not a certificate", key end, "Base64 decoding error" },
      { "a key that is not the certificate's", function() return cert, slurp(other.key) end, "do not match" },
      { "the two swapped", function() return key, cert end, nil },
      { "empty texts", function() return "", "" end, nil },
    } do
      it("returns nil, TLS_FAILED for " .. row[1] .. ", and frees the port", function()
        local c, k = row[2]()
        local probe = assert(server.start { handler = HANDLER })
        local port = probe.port
        probe:stop()
        local s, err, code = server.start { handler = HANDLER, port = port, tls_cert = c, tls_key = k }
        assert.is_nil(s)
        assert.equal("TLS_FAILED", code)
        assert.matches("^cannot use the TLS certificate and key: GnuTLS failed", err)
        if row[3] then assert.truthy(err:find(row[3], 1, true), err) end
        -- the listening socket went with the failed start
        local again = assert(server.start { handler = HANDLER, port = port })
        again:stop()
      end)
    end
  end)

  it("raises on misuse: one of the pair alone, or not a string", function()
    assert.has_error(function() server.start { handler = HANDLER, tls_cert = cert } end,
      "bad option 'tls_key' to 'start' (tls_cert and tls_key go together)")
    assert.has_error(function() server.start { handler = HANDLER, tls_key = key } end,
      "bad option 'tls_cert' to 'start' (tls_cert and tls_key go together)")
    assert.has_error(function() server.start { handler = HANDLER, tls_cert = {}, tls_key = key } end)
  end)

  it("plain servers still say http and tell the handler so", function()
    local plain = assert(server.start { handler = HANDLER })
    assert.matches("^http://127%.0%.0%.1:%d+$", plain:url())
    assert.equal("http", curl({ plain:url() .. "/scheme" }).body)
    plain:stop()
  end)
end)

describe("luaforce.emulator.start with tls_cert and tls_key", function()
  local dir, pair

  setup(function()
    dir = tmpdir()
    pair = assert(tls.make_cert(dir))
  end)
  teardown(function() rmtree(dir) end)

  it("serves the org on https, with https instance URLs", function()
    local emu <close> = assert(emulator.start { empty = true, tls_cert = pair.cert, tls_key = pair.key })
    assert.equal("https://127.0.0.1:" .. emu.port, emu.url)
    local r = curl({ "--cacert", pair.cert, emu.url .. "/services/data/" })
    assert.equal(200, r.status)
    assert.equal("31.0", json.decode(r.body)[1].version)
    r = curl({ "--cacert", pair.cert, "-d",
      "grant_type=client_credentials&client_id=luaforce-local&client_secret=luaforce-local-secret",
      emu.url .. "/services/oauth2/token" })
    assert.equal(200, r.status)
    assert.equal(emu.url, json.decode(r.body).instance_url)
  end)

  it("returns a usage error for an unreadable file or a half pair", function()
    local emu, err = emulator.start { empty = true, tls_cert = pair.cert, tls_key = dir .. "/missing.pem" }
    assert.is_nil(emu)
    assert.equal(2, err.exit)
    assert.matches("cannot read the key: .*missing%.pem", err.message)
    emu, err = emulator.start { empty = true, tls_cert = pair.cert }
    assert.is_nil(emu)
    assert.equal(2, err.exit)
  end)

  it("returns a usage error naming GnuTLS's complaint for a mismatched pair", function()
    local other = assert(tls.make_cert(dir .. "/other"))
    local emu, err = emulator.start { empty = true, tls_cert = pair.cert, tls_key = other.key }
    assert.is_nil(emu)
    assert.equal(2, err.exit)
    assert.matches("cannot use the TLS certificate and key: .*do not match", err.message)
  end)
end)

-- The log goes to the process's standard error, so this runs in a child:
-- the luaforce program.
describe("a reply's note in the log line", function()
  setup(install_handler)
  teardown(remove_handler)

  it("follows the status and time, after cut or close, with control bytes as '?'", function()
    local script = proc.write(os.tmpname() .. ".lua", ([[
package.path = %q .. "/?.lua;" .. package.path
local server = require "luaforce.core.server"
local srv = assert(server.start { handler = "lf_tls_test_handler", log = true })
local function get(path)
  local p = io.popen("curl -sS '" .. srv:url() .. path .. "' 2>/dev/null")
  local s = p:read("a")
  p:close()
  return s
end
print(get("/note?n=fault:%%20close%%20after%%20write"))
print(get("/note?n=two%%0D%%0Alines%%09tab"))
get("/note-close")
get("/note-cut")
print(get("/note-table"))
print(get("/status/200"))
srv:stop()
]]):format(handler_dir))
    local r = proc.luaforce({ "run", script })
    os.remove(script)
    assert.equal(0, r.code, r.stderr)
    local out = {}
    for line in r.stdout:gmatch("[^\n]+") do out[#out + 1] = line end
    assert.equal("noted", out[1])
    assert.equal("noted", out[2])
    local err = assert(json.decode(out[3]))
    assert.equal("response note must be a string, not table", err[1].message)
    assert.equal("status 200", out[4])

    local lines = {}
    for line in r.stderr:gmatch("[^\n]+") do
      if line:match("^GET ") then lines[#lines + 1] = (line:gsub(" %d+ms", " Nms")) end
    end
    assert.same({
      "GET /note 201 Nms fault: close after write",
      "GET /note 201 Nms two??lines?tab",
      "GET /note-close - Nms close fault: close after write",
      "GET /note-cut 200 Nms cut fault: cut",
      "GET /note-table 500 Nms",
      "GET /status/200 200 Nms",
    }, lines)
  end)
end)
