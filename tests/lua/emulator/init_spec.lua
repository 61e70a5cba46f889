-- luaforce.emulator.start: the local org in this process, over real HTTP.
local proc = require "support.proc"
local json = require "luaforce.json"
local emulator = require "luaforce.emulator"

local function get(emu, path, headers)
  local hs = { "Authorization: Bearer " .. emu.token }
  for _, h in ipairs(headers or {}) do hs[#hs + 1] = h end
  local r = proc.curl(emu.url .. path, { headers = hs })
  r.json = r.body ~= "" and json.decode(r.body) or nil
  return r
end

describe("luaforce.emulator", function()
  it("starts on a free loopback port with the static token", function()
    local emu = assert(emulator.start { empty = true, data = { Account = { { Name = "Only One" } } } })
    assert.matches("^http://127%.0%.0%.1:%d+$", emu.url)
    assert.equal("00DLOCAL0000001!luaforce.local.token", emu.token)
    local r = get(emu, "/services/data/v62.0/query?q=SELECT+Name+FROM+Account")
    assert.equal(200, r.status)
    assert.equal(1, r.json.totalSize)
    assert.equal("Only One", r.json.records[1].Name)
    emu:stop()
    emu:stop() -- idempotent
  end)

  it("counts requests and connections, and resets its data", function()
    local emu <close> = assert(emulator.start { now = "2024-06-01T12:00:00Z" })
    local before = get(emu, "/services/data/v62.0/query?q=SELECT+COUNT()+FROM+Account").json.totalSize
    proc.curl(emu.url .. "/services/data/v62.0/sobjects/Account", { method = "POST",
      headers = { "Authorization: Bearer " .. emu.token, "Content-Type: application/json" },
      data = '{"Name":"Temporary"}' })
    assert.equal(before + 1, get(emu, "/services/data/v62.0/query?q=SELECT+COUNT()+FROM+Account").json.totalSize)
    local s = emu:stats()
    assert.equal(3, s.requests)
    assert.equal(3, s.connections)
    assert.equal(3, s.api_requests)
    assert.is_true(s.peak_concurrent >= 1)
    emu:reset()
    assert.equal(before, get(emu, "/services/data/v62.0/query?q=SELECT+COUNT()+FROM+Account").json.totalSize)
    -- the same over HTTP, for out-of-process tests
    local st = proc.curl(emu.url .. "/_emulator/stats")
    assert.equal(200, st.status)
    assert.is_true(json.decode(st.body).requests >= 5)
  end)

  it("serves the same org for the same seed and clock", function()
    local a = assert(emulator.start { seed = 9, now = "2024-06-01T12:00:00Z" })
    local b = assert(emulator.start { seed = 9, now = "2024-06-01T12:00:00Z" })
    local q = "/services/data/v62.0/query?q=SELECT+Id,Name,CloseDate,Amount+FROM+Opportunity+ORDER+BY+Id"
    local ra, rb = get(a, q), get(b, q)
    a:stop(); b:stop()
    assert.equal(ra.body, rb.body)
  end)

  it("reports a bad data file as an error, not a crash", function()
    local emu, err = emulator.start { data = { "/nonexistent/file.json" } }
    assert.is_nil(emu)
    assert.equal("EMULATOR", err.code)
    assert.matches("/nonexistent/file.json", err.message)
  end)

  describe("checks for the command line", function()
    it("check_now takes ISO date-times and dates, and says why not", function()
      assert.is_true(emulator.check_now("2024-06-01T12:00:00Z"))
      assert.is_true(emulator.check_now("2024-06-01"))
      local ok, reason = emulator.check_now("June 1st")
      assert.is_nil(ok)
      assert.equal("not an ISO date-time: 'June 1st'", reason)
    end)

    it("parse_fault reads the fault grammar and names the mistake", function()
      local rule = assert(emulator.parse_fault("GET /services/data/** -> status=503 times=1"))
      assert.equal(503, rule.status)
      local bad, err = emulator.parse_fault("GET /x -> status=99")
      assert.is_nil(bad)
      assert.equal("INVALID_FAULT", err.code)
      assert.matches("^fault 'GET /x %-> status=99': column %d+: ", err.message)
    end)

    it("make_cert writes the pair, or says which command is missing", function()
      local dir = os.tmpname()
      os.remove(dir)
      local paths, err = emulator.make_cert(dir, { openssl = "no-such-openssl-command" })
      assert.is_nil(paths)
      assert.equal("cannot make a certificate: the 'no-such-openssl-command' command was not found", err.message)
      paths = assert(emulator.make_cert(dir))
      assert.equal(dir .. "/cert.pem", paths.cert)
      assert.matches("BEGIN CERTIFICATE", assert(io.open(paths.cert)):read("a"))
      os.remove(paths.cert)
      os.remove(paths.key)
      os.remove(dir)
    end)
  end)

  it("gives luaforce run --instance local the URL and token", function()
    local script = proc.write(os.tmpname(), [[
      local s = require("luaforce").settings
      local h = io.popen("curl -s -H 'Authorization: Bearer " .. s.access_token .. "' '"
        .. s.instance_url .. "/services/data/v62.0/query?q=SELECT+COUNT()+FROM+Opportunity'")
      print(s.instance_url, h:read("a"))
      h:close()
    ]])
    local r = proc.luaforce { "run", "--instance", "local", script }
    os.remove(script)
    assert.equal(0, r.code, r.stderr)
    assert.matches("^http://127%.0%.0%.1:%d+\t{\"totalSize\":%d+,\"done\":true,\"records\":%[%]}", r.stdout)
  end)
end)
