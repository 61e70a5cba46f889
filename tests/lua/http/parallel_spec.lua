-- luaforce.http.parallel, the scheduler: http.parallel, http.spawn,
-- task:wait, http.sleep and session:request_many, against the emulator and
-- the raw test server. Concurrency is what the server counted (requests in
-- flight at once, peak_concurrent), never how long a run took.
local http = require "luaforce.http"
local parallel = require "luaforce.http.parallel"
local emulator = require "luaforce.emulator"
local server = require "luaforce.core.server"
local core = require "luaforce.core.http"

local function start()
  return assert(server.start { handler = "support.http_handler", port = 0 })
end

describe("luaforce.http concurrency", function()
  local srv, url, s
  setup(function()
    srv = start()
    url = srv:url()
  end)
  teardown(function() srv:stop() end)
  before_each(function() s = http.session() end)
  after_each(function() s:close() end)

  it("request_many: 8 in flight at the emulator, every result in its slot", function()
    local emu = assert(emulator.start { empty = true, faults = { "GET ** -> latency=100ms" } })
    local list = {}
    for i = 1, 24 do list[i] = { url = emu.url .. "/services/data", query = { slot = i } } end
    local res, errs = s:request_many(list)
    local st = emu:stats()
    emu:stop()
    assert.equal(24, res.n)
    for i = 1, 24 do
      assert.is_nil(errs[i])
      assert.equal(200, res[i].status)
      assert.matches("slot=" .. i .. "$", res[i].url)
    end
    assert.equal(8, st.peak_concurrent) -- sequentially it would be 1
  end)

  it("per_host limits the transfers in flight", function()
    local emu = assert(emulator.start { empty = true, faults = { "GET ** -> latency=50ms" } })
    local list = {}
    for i = 1, 12 do list[i] = { url = emu.url .. "/services/data" } end
    local res = s:request_many(list, { per_host = 3 })
    local st = emu:stats()
    emu:stop()
    assert.equal(12, #res)
    assert.equal(3, st.peak_concurrent)
  end)

  it("keeps every slot when some fail: responses and errors where they belong", function()
    local list = {
      { url = url .. "/delay/50" },
      { url = url .. "/close" },
      { url = url .. "/status/503" },
      { url = url .. "/cut" },
      { url = url .. "/delay/3000", timeout = 0.2 },
      { url = url .. "/echo", query = { i = 6 } },
    }
    local res, errs = s:request_many(list)
    assert.equal(200, res[1].status)
    assert.equal("EMPTY_REPLY", errs[2].kind)
    assert.equal(503, res[3].status)
    assert.equal("PARTIAL_BODY", errs[4].kind)
    assert.equal("TIMEOUT", errs[5].kind)
    assert.equal(200, res[6].status)
    for _, i in ipairs { 1, 3, 6 } do assert.is_nil(errs[i]) end
    for _, i in ipairs { 2, 4, 5 } do assert.is_nil(res[i]) end
  end)

  it("runs plain sequential code in tasks concurrently", function()
    -- a server of its own, so its peak counts these requests only: the six
    -- first requests (each held 200 ms by the server) are in flight at once
    local own = start()
    local own_url = own:url()
    local got = http.parallel(function()
      local tasks = {}
      for i = 1, 6 do
        tasks[i] = http.spawn(function()
          local a = assert(s:request { url = own_url .. "/delay/200" })
          local b = assert(s:request { url = own_url .. "/status/20" .. (i % 4) })
          return a.status + b.status
        end)
      end
      local out = {}
      for i, t in ipairs(tasks) do out[i] = t:wait() end
      return out
    end)
    local st = own:stats()
    own:stop()
    assert.same({ 401, 402, 403, 400, 401, 402 }, got)
    assert.equal(12, st.requests)
    assert.equal(6, st.peak_concurrent) -- sequentially it would be 1
  end)

  it("one task's error loses no other result; parallel raises it at the end", function()
    local results = {}
    local ok, err = pcall(http.parallel, function()
      http.spawn(function() error("task two failed", 0) end)
      for i = 1, 3 do
        http.spawn(function()
          results[i] = assert(s:request { url = url .. "/delay/" .. (50 * i) }).status
        end)
      end
    end)
    assert.is_false(ok)
    assert.equal("task two failed", err)
    assert.same({ 200, 200, 200 }, results)
  end)

  it("closes a failed task's to-be-closed variables, and hears what they say", function()
    local closed = {}
    local ok, err = pcall(http.parallel, function()
      local t = http.spawn(function()
        local guard <close> = setmetatable({}, { __close = function(_, e)
          closed[#closed + 1] = e
          error("said by the closing method", 0) -- it stands in for the error
        end })
        assert(s:request { url = url .. "/delay/10" })
        error("the task failed", 0)
      end)
      t:wait()
    end)
    assert.is_false(ok)
    assert.same({ "the task failed" }, closed)
    assert.equal("said by the closing method", err)
  end)

  it("task:wait raises the task's error in the waiter, once", function()
    local seen = http.parallel(function()
      local t = http.spawn(function() error({ code = "X" }) end)
      local ok, e = pcall(t.wait, t)
      assert.is_false(ok)
      return e.code
    end)
    assert.equal("X", seen)
  end)

  it("http.sleep lets the other tasks run", function()
    local order = {}
    http.parallel(function()
      http.spawn(function() http.sleep(0.1); order[#order + 1] = "slow" end)
      http.spawn(function() http.sleep(0.02); order[#order + 1] = "fast" end)
    end)
    assert.same({ "fast", "slow" }, order)
  end)

  it("nests: request_many inside a task shares the scheduler", function()
    local res = http.parallel(function()
      local inner = s:request_many { { url = url .. "/status/201" }, { url = url .. "/status/202" } }
      return { inner[1].status, inner[2].status }
    end)
    assert.same({ 201, 202 }, res)
  end)

  it("a request outside parallel still works after one", function()
    http.parallel(function() http.spawn(function() s:request { url = url .. "/echo" } end) end)
    assert.equal(200, assert(s:request { url = url .. "/echo" }).status)
  end)

  it("reports a deadlock instead of hanging", function()
    local ok, err = pcall(http.parallel, function()
      local me
      local a = http.spawn(function() return me:wait() end)
      me = http.spawn(function() return a:wait() end)
      return a:wait()
    end)
    assert.is_false(ok)
    assert.matches("deadlock", tostring(err))
  end)

  it("exchange performs at once outside a task and yields inside one", function()
    local raw_session = core.session {}
    local raw = { method = "GET", url = url .. "/status/204", headers = {} }
    assert.equal(204, assert(parallel.exchange(raw_session, raw)).status)
    local own = start()
    local slow = { method = "GET", url = own:url() .. "/delay/200", headers = {} }
    local statuses = parallel.parallel(function()
      local a = parallel.spawn(parallel.exchange, raw_session, slow)
      local b = parallel.spawn(parallel.exchange, raw_session, slow)
      return { a:wait().status, b:wait().status }
    end)
    local st = own:stats()
    own:stop()
    raw_session:close()
    assert.same({ 200, 200 }, statuses)
    assert.equal(2, st.peak_concurrent)
  end)

  it("misuse raises", function()
    assert.has_error(function() http.spawn(function() end) end)
    assert.has_error(function() http.parallel("nope") end)
    assert.has_error(function() http.parallel(function() end, { per_host = 0 }) end)
  end)
end)

describe("luaforce.http and Ctrl-C", function()
  local proc = require "support.proc"
  local q = proc.quote
  -- The server would keep every request (and the sleep) waiting an hour:
  -- ending with 130 means Ctrl-C woke the wait. The watchdog (timeout -s
  -- KILL) only keeps a regression from hanging the suite; it is set below
  -- perform's own 10 s poll, so a wait that only a poll's timeout ends (not
  -- the wakeup) is killed and the test fails.
  local WATCHDOG_S = 8
  local rows = {
    { "a plain request", "s:request { url = emu.url .. '/services/data' }" },
    { "requests inside http.parallel", "s:request_many { { url = emu.url .. '/services/data' }, { url = emu.url .. '/services/data' } }" },
    { "http.sleep", "http.sleep(3600)" },
  }
  for _, row in ipairs(rows) do
    it("ends " .. row[1] .. " at once (exit 130)", function()
      local f = io.open(proc.bin, "r")
      if not f then return pending("no luaforce binary at " .. proc.bin) end
      f:close()
      local script = proc.write(os.tmpname(), ([[
        local http = require "luaforce.http"
        local emu = assert(require("luaforce.emulator").start { empty = true, faults = { "GET ** -> latency=3600s" } })
        local s = http.session()
        io.stdout:write("started\n"); io.stdout:flush()
        %s
        print("not interrupted")
      ]]):format(row[2]))
      local cmd = ("timeout -s KILL %d %s run %s & p=$!; sleep 0.7; kill -INT $p; wait $p"):format(
        WATCHDOG_S, q(proc.bin), q(script))
      local r = proc.sh("sh -c " .. q(cmd))
      os.remove(script)
      assert.equal(130, r.code, r.stderr)
      assert.is_nil(r.stdout:find("not interrupted", 1, true))
    end)
  end
end)
