-- luaforce.client.retry: what is retried and how long it waits, and the
-- promise that a create is never made twice, checked by counting records
-- in the local org after each kind of fault before and after the write.
local client = require "luaforce.client"
local retry = require "luaforce.client.retry"
local emulator = require "luaforce.emulator"
require "luaforce.core"

describe("retry policy", function()
  it("reads Retry-After as seconds or as an HTTP date", function()
    local now = 1445412480000 -- Wed, 21 Oct 2015 07:28:00 GMT
    local rows = {
      { "3", 3 }, { " 120 ", 120 }, { { "2", "9" }, 2 },
      { "Wed, 21 Oct 2015 07:28:30 GMT", 30 }, { "Wed, 21 Oct 2015 07:27:00 GMT", 0 },
      { "soon", nil }, { "-1", nil }, { "", nil }, { nil, nil },
    }
    for _, row in ipairs(rows) do
      assert.are.equal(row[2], retry.retry_after(row[1], now), tostring(row[1]))
    end
  end)

  it("backs off exponentially with jitter, capped", function()
    local p = retry.policy { base_delay = 1, max_delay = 5 }
    for _ = 1, 50 do
      local d1, d3, d9 = retry.backoff(p, 1), retry.backoff(p, 3), retry.backoff(p, 9)
      assert.is_true(d1 >= 0.5 and d1 <= 1)
      assert.is_true(d3 >= 2 and d3 <= 4)
      assert.is_true(d9 >= 2.5 and d9 <= 5)
    end
  end)

  it("refuses bad options", function()
    for _, bad in ipairs { { attempts = 0 }, { attempts = 1.5 }, { base_delay = -1 }, { tries = 3 }, "x" } do
      assert.has_error(function() retry.policy(bad) end)
    end
  end)

  it("decides by mode, status and transport failure", function()
    local function res(status, body) return { status = status, headers = {}, body = body or "" } end
    local concurrent = '[{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"ConcurrentRequests (Concurrent API ' ..
      'Requests) Limit exceeded."}]'
    local total = '[{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"TotalRequests Limit exceeded."}]'
    local rows = {
      -- mode, response or transport error, verdict
      { "idempotent", res(429), "retry" }, { "idempotent", res(500), "retry" }, { "idempotent", res(502), "retry" },
      { "idempotent", res(503), "retry" }, { "idempotent", res(504), "retry" }, { "idempotent", res(404), nil },
      { "idempotent", res(400), nil }, { "idempotent", res(403, concurrent), "retry" },
      { "idempotent", res(403, total), nil },
      { "create", res(429), "retry" }, { "create", res(503), "retry" }, { "create", res(403, concurrent), "retry" },
      { "create", res(500), nil }, { "create", res(502), nil }, { "create", res(504), nil },
      { "safe-create", res(502), "retry" }, { "never", res(503), nil },
      { "idempotent", { kind = "CONNECT", request_sent = false }, "retry" },
      { "create", { kind = "CONNECT", request_sent = false }, "retry" },
      { "create", { kind = "TIMEOUT", request_sent = false }, "retry" },
      { "create", { kind = "EMPTY_REPLY", request_sent = true }, "unknown" },
      { "create", { kind = "PARTIAL_BODY", request_sent = true }, "unknown" },
      { "create", { kind = "TIMEOUT", request_sent = true }, "unknown" },
      { "safe-create", { kind = "TIMEOUT", request_sent = true }, "retry" },
      { "idempotent", { kind = "PARTIAL_BODY", request_sent = true }, "retry" },
      { "idempotent", { kind = "TLS", request_sent = false }, nil },
      { "idempotent", { kind = "ABORTED", request_sent = true }, nil },
      { "idempotent", { code = "INVALID_SESSION_ID" }, nil },
      { "never", { kind = "CONNECT", request_sent = false }, nil },
    }
    for i, row in ipairs(rows) do
      local r, t = row[2], nil
      if not r.status then r, t = nil, row[2] end
      assert.are.equal(row[3], retry.judge(row[1], r, t), "row " .. i)
    end
  end)
end)

describe("client retries", function()
  local emu, org, logs
  setup(function()
    emu = assert(emulator.start {})
    logs = {}
    org = assert(client.connect { instance_url = emu.url, access_token = emu.token,
      retry = { base_delay = 0.001, attempts = 4, log = function(l) logs[#logs + 1] = l end } })
  end)
  teardown(function() emu:stop() end)
  before_each(function()
    emu:reset()
    emu:set_faults {}
    for i = #logs, 1, -1 do logs[i] = nil end
  end)

  local function count(name)
    local res = assert(org:query(("SELECT COUNT() FROM Account WHERE Name = '%s'"):format(name)))
    return res.body.totalSize
  end

  -- the waits a policy asks for, instead of sleeping them
  local function recording(opts)
    local waits = {}
    local retry_opts = { base_delay = 0.001, log = function(l) logs[#logs + 1] = l end,
      sleep = function(seconds) waits[#waits + 1] = seconds end }
    for k, v in pairs(opts.retry or {}) do retry_opts[k] = v end
    return assert(client.connect { instance_url = emu.url, access_token = emu.token, retry = retry_opts }), waits
  end

  it("waits as long as Retry-After says on a 503", function()
    assert(emu:set_faults { "GET /services/data/*/query -> status=503 header=Retry-After:1 times=1" })
    local o, waits = recording {}
    local res = assert(o:query("SELECT Id FROM Account LIMIT 1"))
    assert.are.equal(200, res.status)
    assert.same({ 1 }, waits)
    assert.are.equal(1, #logs)
    assert.matches("HTTP 503 SERVER_UNAVAILABLE; retry 1 of 3 in 1.000 s %(Retry%-After%)", logs[1])
  end)

  it("backs off on rate limits until they pass", function()
    assert(emu:set_faults { "GET /services/data/*/query -> status=429 times=3" })
    local res = assert(org:query("SELECT Id FROM Account LIMIT 1"))
    assert.are.equal(200, res.status)
    assert.are.equal(3, #logs)
    for i, line in ipairs(logs) do assert.matches("HTTP 429 REQUEST_LIMIT_EXCEEDED; retry " .. i, line) end
  end)

  it("retries the ConcurrentRequests limit", function()
    assert(emu:set_faults { { method = "GET", path = "/services/data/*/query", status = 403, times = 1,
      code = "REQUEST_LIMIT_EXCEEDED", message = "ConcurrentRequests (Concurrent API Requests) Limit exceeded." } })
    assert(org:query("SELECT Id FROM Account LIMIT 1"))
    assert.are.equal(1, #logs)
  end)

  it("gives up after the attempts it is allowed, with the last error", function()
    assert(emu:set_faults { "GET /services/data/*/query -> status=503" })
    local _, err = org:query("SELECT Id FROM Account LIMIT 1")
    assert.are.equal("503", err.code)
    assert.are.equal("SERVER_UNAVAILABLE", err.error_code)
    assert.are.equal(4, err.attempts)
    assert.are.equal(4, emu:faults()[1].fired)
    assert.are.equal(3, #logs)
  end)

  it("stops when the next wait would pass max_time", function()
    local o, waits = recording { retry = { max_time = 0.5, attempts = 10 } }
    assert(emu:set_faults { "GET /services/data/*/query -> status=503 header=Retry-After:5" })
    local _, err = o:query("SELECT Id FROM Account LIMIT 1")
    assert.same({}, waits) -- a 5 s wait would pass the 0.5 s allowed: none is taken
    assert.are.equal("503", err.code)
    assert.are.equal(1, emu:faults()[1].seen)
  end)

  it("retries a read whose connection was cut mid-body, and reports it when it persists", function()
    assert(emu:set_faults { "GET /services/data/*/query -> cut times=2" })
    local res = assert(org:query("SELECT Id FROM Account LIMIT 5"))
    assert.are.equal(5, #res.body.records)
    assert.are.equal(2, #logs)
    assert.matches("PARTIAL_BODY %(request sent%)", logs[1])

    assert(emu:set_faults { "GET /services/data/*/query -> cut" })
    local _, err = org:query("SELECT Id FROM Account LIMIT 5")
    assert.are.equal("PARTIAL_BODY", err.code)
    assert.are.equal("PARTIAL_BODY", err.kind)
    assert.are.equal(4, err.exit) -- a read: nothing written
    assert.are.equal(200, err.status) -- the headers had arrived
    assert.matches("^PARTIAL_BODY: .* %(GET /services/data/v62.0/query%)$", tostring(err))
  end)

  it("retries a refused connection, then reports it as a network error", function()
    local o = assert(client.connect { instance_url = "http://127.0.0.1:1", access_token = "x",
      retry = { base_delay = 0.001, attempts = 3, log = function(l) logs[#logs + 1] = l end } })
    local _, err = o:create("Account", { Name = "Nowhere" })
    assert.are.equal("CONNECT", err.code)
    assert.are.equal("CONNECT", err.kind)
    assert.is_nil(err.status)
    assert.are.equal(4, err.exit)
    assert.are.equal(2, #logs)
  end)

  describe("never creates a record twice", function()
    -- fault on the create, and how many records exist after it
    local rows = {
      { "status=503 times=1", 1, nil },
      { "status=503 header=Retry-After:0 times=2", 1, nil },
      { "status=429 times=1", 1, nil },
      { "close when=before times=1", 0, "OUTCOME_UNKNOWN", "EMPTY_REPLY" },
      { "close when=after times=1", 1, "OUTCOME_UNKNOWN", "EMPTY_REPLY" },
      { "cut when=before times=1", 0, "OUTCOME_UNKNOWN", "PARTIAL_BODY" },
      { "cut when=after times=1", 1, "OUTCOME_UNKNOWN", "PARTIAL_BODY" },
      { "status=500 times=1", 0, "500" },
      { "status=502 times=1", 0, "502" },
      { "html times=1", 0, "502" },
      { "latency=0ms", 1, nil },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        -- a request first, so the create could go out on a reused connection
        assert.are.equal(0, count("Once"))
        assert(emu:set_faults { "POST /services/data/*/sobjects/Account -> " .. row[1] })
        local res, err = org:create("Account", { Name = "Once" })
        assert(emu:set_faults {})
        assert.are.equal(row[2], count("Once"), tostring(err))
        if row[3] == nil then
          assert.is_truthy(res, tostring(err))
          assert.are.equal(201, res.status)
        else
          assert.is_nil(res)
          assert.are.equal(row[3], err.code)
        end
        if row[3] == "OUTCOME_UNKNOWN" then
          assert.are.equal(6, err.exit)
          assert.are.same({ method = "POST", path = "/services/data/v62.0/sobjects/Account",
            body = { Name = "Once" } }, err.sent)
          assert.matches("may or may not", tostring(err))
          assert.are.same({}, logs)
          -- what the lost attempt got: its transport kind, not an invented status
          assert.are.equal(row[4], err.connector_code)
          assert.are.equal(row[4], err.kind)
        end
      end)
    end
  end)

  it("retries updates and deletes whose answer was lost", function()
    local id = assert(org:create("Account", { Name = "Idem" })).body.id
    for _, when in ipairs { "before", "after" } do
      assert(emu:set_faults { "PATCH /services/data/*/sobjects/Account/* -> close when=" .. when .. " times=1" })
      local res, err = org:update("Account", id, { Name = "Idem " .. when })
      assert.is_truthy(res, tostring(err))
      assert.are.equal(204, res.status)
      assert.are.equal("Idem " .. when, assert(org:get("Account", id)).body.Name)
    end
    assert(emu:set_faults { "DELETE /services/data/*/sobjects/Account/* -> close when=after times=1" })
    local res, err = org:delete("Account", id)
    assert.is_truthy(res, tostring(err))
    assert.are.equal(204, res.status)
    assert.are.equal(0, count("Idem after"))
    -- every attempt is this client's, none libcurl's behind its back: a
    -- reused connection that closes unanswered is a retry it logs
    assert.are.equal(3, #logs, table.concat(logs, "\n"))
    for _, line in ipairs(logs) do assert.matches("retry 1 of 3", line) end
    assert.matches("PATCH .* EMPTY_REPLY %(request sent%)", logs[2])
  end)

  -- defect: an update applied by a first attempt whose answer was lost was
  -- reported failed when the retries then got 503s
  it("reports a write unknown, never failed, once an attempt may have been applied", function()
    local id = assert(org:create("Account", { Name = "Maybe" })).body.id
    local ext = "EXT-MAYBE"
    local ops = {
      { "PATCH", function() return org:update("Account", id, { Name = "Maybe applied" }) end,
        function() return assert(org:get("Account", id)).body.Name == "Maybe applied" end },
      { "PATCH", function() return org:upsert("Invoice__c", "External_Id__c", ext, { Amount__c = 7 }) end,
        function()
          local q = ("SELECT COUNT() FROM Invoice__c WHERE External_Id__c = '%s'"):format(ext)
          return assert(org:query(q)).body.totalSize == 1
        end },
      { "DELETE", function() return org:delete("Account", id) end,
        function() return count("Maybe applied") == 0 end },
    }
    for _, op in ipairs(ops) do
      for _, last in ipairs { "status=503", "status=500", "status=400 code=FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "status=401" } do
        emu:set_faults { op[1] .. " /services/data/*/sobjects/** -> close when=after times=1",
          op[1] .. " /services/data/*/sobjects/** -> " .. last }
        local res, err = op[2]()
        assert.is_nil(res, op[1] .. " " .. last)
        assert.are.equal("OUTCOME_UNKNOWN", err.code, tostring(err))
        assert.are.equal(6, err.exit)
        assert.are.equal(last:match("status=(%d+)"), err.connector_code)
        assert.matches("may have been applied", err.message)
        assert.is_true(op[3](), "the first attempt was applied: " .. op[1])
        assert.are.same(op[1], err.sent.method)
      end
    end
    -- a gateway's answer counts as an attempt that may have reached, too
    local id2 = assert(org:create("Account", { Name = "Gate" })).body.id
    emu:set_faults { "PATCH /services/data/*/sobjects/** -> status=502 times=1",
      "PATCH /services/data/*/sobjects/** -> status=503" }
    local _, err = org:update("Account", id2, { Name = "Gate 2" })
    assert.are.equal("OUTCOME_UNKNOWN", err.code)
    -- an attempt the org refused before doing anything (503) leaves a
    -- failure a failure
    emu:set_faults { "PATCH /services/data/*/sobjects/** -> status=503" }
    _, err = org:update("Account", id2, { Name = "Gate 3" })
    assert.are.equal("503", err.code)
    assert.are.equal(1, err.exit)
  end)

  it("retries nothing in mode never", function()
    assert(emu:set_faults { "GET /services/data/*/limits -> status=503" })
    local _, err = org:call("GET", "/limits", { retry = "never" })
    assert.are.equal("503", err.code)
    assert.are.equal(1, emu:faults()[1].seen)
  end)
end)
