-- End-to-end: `luaforce emulator --faults ...` seen by curl, as a client
-- would see each fault: curl's exit codes, statuses, headers, timing.
local proc = require "support.proc"
local json = require "luaforce.json"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"
local AUTH = "Authorization: Bearer " .. TOKEN

local function start(extra)
  local args = { "emulator", "--port", "0", "--now", "2024-06-01T12:00:00Z", "--seed", "3" }
  for _, a in ipairs(extra or {}) do args[#args + 1] = a end
  local h = proc.spawn(args)
  local url = h.wait_for("luaforce emulator listening on (http://127%.0%.0%.1:%d+)\n", 20)
  assert(url, "the emulator did not start: " .. h.read_stderr())
  h.url = url
  return h
end

local function stop(h)
  if h then h.signal("TERM"); h.wait(10); h.cleanup() end
end

local function count_named(base, name)
  local r = proc.curl(base .. "/query?q=SELECT+COUNT()+FROM+Account+WHERE+Name+=+'" .. name .. "'",
    { headers = { AUTH } })
  assert(r.status == 200, r.body)
  return json.decode(r.body).totalSize
end

describe("luaforce emulator --faults", function()
  local emu, base

  setup(function()
    emu = start {
      "--faults", "GET /services/data/*/sobjects/Account/describe -> close",
      "--faults", "GET /services/data/*/sobjects/Contact/describe -> cut",
      "--faults", "POST /services/data/*/sobjects/Account -> cut when=after times=1",
      "--faults", "GET /services/data/*/sobjects/Case/describe -> status=503 header=Retry-After:2",
      "--faults", "GET /services/data/*/sobjects/Lead/describe -> html",
    }
    base = emu.url .. "/services/data/v62.0"
  end)

  teardown(function() stop(emu) end)

  it("closes the connection: curl exit 52 (empty reply)", function()
    local r = proc.curl(base .. "/sobjects/Account/describe", { headers = { AUTH } })
    assert.equal(52, r.code)
    assert.matches("Empty reply from server", r.stderr, 1, true)
  end)

  it("cuts the answer halfway: curl exit 18 (partial file)", function()
    local r = proc.curl(base .. "/sobjects/Contact/describe", { headers = { AUTH } })
    assert.equal(18, r.code)
    assert.equal(200, r.status)
    assert.is_nil(json.decode(r.body)) -- half a document
    assert.is_true(#r.body > 100)
  end)

  it("applies a create cut after it exactly once", function()
    local r = proc.curl(base .. "/sobjects/Account", { method = "POST",
      headers = { AUTH, "Content-Type: application/json" }, data = '{"Name": "Cut After"}' })
    assert.equal(18, r.code)
    assert.equal(201, r.status)
    assert.equal(1, count_named(base, "Cut+After"))
    -- times=1: the next create is not cut
    r = proc.curl(base .. "/sobjects/Account", { method = "POST",
      headers = { AUTH, "Content-Type: application/json" }, data = '{"Name": "Not Cut"}' })
    assert.equal(0, r.code)
    assert.equal(201, r.status)
    assert.equal(1, count_named(base, "Cut+After"))
  end)

  it("answers 503 with Retry-After", function()
    local r = proc.curl(base .. "/sobjects/Case/describe", { headers = { AUTH } })
    assert.equal(0, r.code)
    assert.equal(503, r.status)
    assert.equal("2", r.headers["retry-after"])
    assert.equal("SERVER_UNAVAILABLE", json.decode(r.body)[1].errorCode)
  end)

  it("answers a proxy's 502 HTML page", function()
    local r = proc.curl(base .. "/sobjects/Lead/describe", { headers = { AUTH } })
    assert.equal(502, r.status)
    assert.matches("^text/html", r.headers["content-type"])
    assert.matches("<h1>502 Bad Gateway</h1>", r.body, 1, true)
  end)

  it("counts the faults and lists the rules on /_emulator/", function()
    local s = json.decode(proc.curl(emu.url .. "/_emulator/stats").body)
    assert.equal(5, s.faults.total)
    assert.same({ status = 1, html = 1, close = 1, cut = 2, expire_tokens = 0, latency = 0 }, s.faults.by_action)
    local list = json.decode(proc.curl(emu.url .. "/_emulator/faults").body)
    assert.equal(5, #list)
    assert.same({ spec = "POST /services/data/*/sobjects/Account -> cut when=after times=1", seen = 2, fired = 1 },
      list[3])
  end)

  it("replaces the rules over HTTP", function()
    local r = proc.curl(emu.url .. "/_emulator/faults", { method = "PUT",
      headers = { "Content-Type: application/json" },
      data = '["GET /services/data/*/sobjects/Case/describe -> status=429 times=1"]' })
    assert.equal(200, r.status)
    assert.equal(429, proc.curl(base .. "/sobjects/Case/describe", { headers = { AUTH } }).status)
    assert.equal(200, proc.curl(base .. "/sobjects/Case/describe", { headers = { AUTH } }).status)
    assert.equal(200, proc.curl(base .. "/sobjects/Account/describe", { headers = { AUTH } }).status)
    r = proc.curl(emu.url .. "/_emulator/faults", { method = "PUT", data = '["GET /x -> explode"]' })
    assert.equal(400, r.status)
    assert.equal("INVALID_FAULT", json.decode(r.body)[1].errorCode)
    assert.equal(204, proc.curl(emu.url .. "/_emulator/faults", { method = "DELETE" }).status)
  end)

  it("names the faults in the request log", function()
    local log = emu.read_stderr()
    assert.matches("GET /services/data/v62.0/sobjects/Account/describe %- %d+ms close fault: close\n", log)
    assert.matches("POST /services/data/v62.0/sobjects/Account 201 %d+ms cut fault: cut after write\n", log)
    assert.matches("GET /services/data/v62.0/sobjects/Case/describe 503 %d+ms fault: status 503\n", log)
    assert.matches("GET /services/data/v62.0/sobjects/Lead/describe 502 %d+ms fault: html 502\n", log)
  end)
end)

describe("luaforce emulator --faults latency", function()
  it("overlaps 8 concurrent delayed requests", function()
    local emu = start { "--faults", "GET /services/data/*/sobjects -> latency=300ms" }
    local ok, err = pcall(function()
      local url = proc.quote(emu.url .. "/services/data/v62.0/sobjects")
      local parts = { "curl -s -Z --parallel-immediate --parallel-max 8 -H", proc.quote(AUTH),
        "-w '%{http_code}\\n'" }
      for _ = 1, 8 do parts[#parts + 1] = "-o /dev/null " .. url end
      local script = ("s=$(date +%%s%%N); %s; e=$(date +%%s%%N); echo ms=$(( (e - s) / 1000000 ))"):format(
        table.concat(parts, " "))
      local r = proc.sh("sh -c " .. proc.quote(script))
      local codes = select(2, r.stdout:gsub("200\n", ""))
      assert.equal(8, codes, r.stdout .. r.stderr)
      local ms = tonumber(r.stdout:match("ms=(%d+)"))
      assert.is_true(ms >= 300, "each request waits 300 ms, took " .. ms)
      assert.is_true(ms < 1200, "8 x 300 ms should overlap, took " .. ms)
      local s = json.decode(proc.curl(emu.url .. "/_emulator/stats").body)
      assert.equal(8, s.peak_concurrent)
      assert.equal(8, s.faults.by_action.latency)
    end)
    stop(emu)
    assert(ok, err)
  end)
end)

describe("luaforce emulator --api-limit", function()
  it("refuses API calls once the allowance is spent", function()
    local emu = start { "--api-limit", "2" }
    local ok, err = pcall(function()
      local base = emu.url .. "/services/data/v62.0"
      local r = proc.curl(base .. "/limits", { headers = { AUTH } })
      assert.equal(200, r.status)
      assert.equal("api-usage=1/2", r.headers["sforce-limit-info"])
      assert.same({ Max = 2, Remaining = 1 }, json.decode(r.body).DailyApiRequests)
      assert.equal(200, proc.curl(base .. "/sobjects", { headers = { AUTH } }).status)
      r = proc.curl(base .. "/sobjects", { headers = { AUTH } })
      assert.equal(403, r.status)
      assert.equal("REQUEST_LIMIT_EXCEEDED", json.decode(r.body)[1].errorCode)
      assert.equal("api-usage=2/2", r.headers["sforce-limit-info"])
      assert.equal(204, proc.curl(emu.url .. "/_emulator/reset", { method = "POST" }).status)
      assert.equal(200, proc.curl(base .. "/sobjects", { headers = { AUTH } }).status)
    end)
    stop(emu)
    assert(ok, err)
  end)
end)

describe("luaforce emulator with a bad --faults", function()
  it("exits 2 naming the spec and the column", function()
    local r = proc.luaforce { "emulator", "--port", "0", "--faults", "GET /x -> status=99" }
    assert.equal(2, r.code)
    assert.equal("", r.stdout)
    assert.matches("fault 'GET /x -> status=99': column 18: status must be a whole number from 200 to 599",
      r.stderr, 1, true)
  end)
end)
