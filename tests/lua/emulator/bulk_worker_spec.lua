-- Bulk API 2.0 over real HTTP, with the server's background worker
-- (luaforce.core.server's tick_ms, luaforce.emulator.app's tick): manual
-- mode stepped by the controls, automatic mode observed by polling as a
-- client polls, 10,000 records in and out, fault rules on the jobs routes,
-- the `luaforce emulator` command, and the worker itself (woken, ticking
-- until its handler says nothing is left, stopped while busy).
local proc = require "support.proc"
local json = require "luaforce.json"
local emulator = require "luaforce.emulator"
local server = require "luaforce.core.server"

local V = "/services/data/v62.0"
local MAX_POLLS = 3000 -- 20 ms apart: a minute at most, never a timed assertion

local function client(url, token)
  local c = {}
  function c.call(method, path, body, ctype)
    local headers = { "Authorization: Bearer " .. token, "Content-Type: " .. (ctype or "application/json") }
    local r = proc.curl(url .. path, { method = method, headers = headers,
      data = type(body) == "table" and json.encode(body) or body })
    if (r.headers["content-type"] or ""):find("json", 1, true) and r.body ~= "" then r.json = json.decode(r.body) end
    return r
  end
  -- an ingest job created, its CSV uploaded, closed: the job's id
  function c.ingest(spec, text)
    local r = c.call("POST", V .. "/jobs/ingest", spec)
    assert(r.status == 200, r.body)
    local id = r.json.id
    assert.equal(201, c.call("PUT", V .. "/jobs/ingest/" .. id .. "/batches", text, "text/csv").status)
    assert.equal(200, c.call("PATCH", V .. "/jobs/ingest/" .. id, { state = "UploadComplete" }).status)
    return id
  end
  function c.info(kind, id) return c.call("GET", ("%s/jobs/%s/%s"):format(V, kind, id)).json end
  -- polls a job until it is in a final state, as a client does: its
  -- JobInfo and the states seen on the way
  function c.wait(kind, id)
    local seen = {}
    for _ = 1, MAX_POLLS do
      local i = c.info(kind, id)
      seen[#seen + 1] = i.state
      if i.state == "JobComplete" or i.state == "Failed" or i.state == "Aborted" then return i, seen end
      proc.sleep(0.02)
    end
    error("the job did not finish")
  end
  return c
end

describe("bulk jobs over HTTP", function()
  it("waits for the controls in manual mode: UploadComplete, InProgress, JobComplete", function()
    local emu <close> = assert(emulator.start { empty = true, bulk_manual = true, bulk_rows_per_step = 2 })
    local c = client(emu.url, emu.token)
    local id = c.ingest({ object = "Account", operation = "insert" }, "Name\nM1\nM2\nM3\n")
    -- no step happens by itself: other requests come and go
    for _ = 1, 3 do assert.equal("UploadComplete", c.info("ingest", id).state) end
    assert.same({ steps = 1, pending = true }, emu:bulk_step())
    local i = c.info("ingest", id)
    assert.equal("InProgress", i.state)
    assert.equal(0, i.numberRecordsProcessed)
    local r = proc.curl(emu.url .. "/_emulator/bulk_step?n=1", { method = "POST" })
    assert.equal(200, r.status)
    assert.same({ steps = 1, pending = true }, json.decode(r.body))
    i = c.info("ingest", id)
    assert.equal("InProgress", i.state)
    assert.equal(2, i.numberRecordsProcessed)
    assert.same({ steps = 1, pending = false }, emu:bulk_step(5))
    assert.equal("JobComplete", c.info("ingest", id).state)
    assert.equal(400, proc.curl(emu.url .. "/_emulator/bulk_step?n=x", { method = "POST" }).status)
    assert.equal(405, proc.curl(emu.url .. "/_emulator/bulk_step").status)
  end)

  it("processes 10,000 records in the background; a client polls; the query job reads them back in pages", function()
    local emu <close> = assert(emulator.start { empty = true, bulk_rows_per_step = 500 })
    local c = client(emu.url, emu.token)
    local lines = { "Name,NumberOfEmployees,Site" }
    for n = 1, 10000 do lines[#lines + 1] = ("Bulk %05d,%d,\"site, %d\""):format(n, n, n) end
    local id = c.ingest({ object = "Account", operation = "insert" }, table.concat(lines, "\n") .. "\n")
    local i = c.wait("ingest", id)
    assert.equal("JobComplete", i.state)
    assert.equal(10000, i.numberRecordsProcessed)
    assert.equal(0, i.numberRecordsFailed)
    local ok = c.call("GET", V .. "/jobs/ingest/" .. id .. "/successfulResults/")
    assert.equal(200, ok.status)
    local created = {}
    for rid in ok.body:gmatch('\n"(001%w+)","true"') do created[#created + 1] = rid end
    assert.equal(10000, #created)

    local q = c.call("POST", V .. "/jobs/query", { operation = "query",
      query = "SELECT Id, Name, NumberOfEmployees, Site FROM Account ORDER BY Name" })
    assert.equal(200, q.status)
    i = c.wait("query", q.json.id)
    assert.equal("JobComplete", i.state)
    assert.equal(10000, i.numberRecordsProcessed)
    local got, locator, pages = {}, nil, 0
    repeat
      local path = V .. "/jobs/query/" .. q.json.id .. "/results?maxRecords=4000"
      if locator then path = path .. "&locator=" .. locator end
      local r = c.call("GET", path)
      assert.equal(200, r.status)
      pages = pages + 1
      local n = 0
      for line in r.body:gmatch("[^\n]+") do
        if n > 0 then got[#got + 1] = line end
        n = n + 1
      end
      assert.equal(tostring(n - 1), r.headers["sforce-numberofrecords"])
      locator = r.headers["sforce-locator"]
    until locator == "null"
    assert.equal(3, pages)
    assert.equal(10000, #got)
    assert.equal(('"%s","Bulk 00001","1","site, 1"'):format(created[1]), got[1])
    assert.equal(('"%s","Bulk 10000","10000","site, 10000"'):format(created[10000]), got[10000])
  end)

  it("applies fault rules to the jobs routes", function()
    local emu <close> = assert(emulator.start { empty = true, bulk_manual = true, faults = {
      "PUT /services/data/*/jobs/ingest/*/batches -> status=503 times=1",
      "PATCH /services/data/*/jobs/ingest/* -> close when=after times=1",
    } })
    local c = client(emu.url, emu.token)
    local id = c.call("POST", V .. "/jobs/ingest", { object = "Account", operation = "insert" }).json.id
    local r = c.call("PUT", V .. "/jobs/ingest/" .. id .. "/batches", "Name\nF1\n", "text/csv")
    assert.equal(503, r.status)
    assert.equal("SERVER_UNAVAILABLE", json.decode(r.body)[1].errorCode)
    -- the faulted upload was not taken: the retry is the job's one upload
    assert.equal(201, c.call("PUT", V .. "/jobs/ingest/" .. id .. "/batches", "Name\nF1\n", "text/csv").status)
    -- the close is applied, its answer lost
    r = c.call("PATCH", V .. "/jobs/ingest/" .. id, { state = "UploadComplete" })
    assert.equal(52, r.code) -- curl: empty reply
    assert.equal("UploadComplete", c.info("ingest", id).state)
    emu:bulk_step(10)
    assert.equal("JobComplete", c.info("ingest", id).state)
    local f = emu:stats().faults
    assert.equal(2, f.total)
    assert.equal(1, f.by_action.status)
    assert.equal(1, f.by_action.close)
  end)

  it("stops cleanly while a job is being processed", function()
    local emu = assert(emulator.start { empty = true, bulk_rows_per_step = 1 })
    local c = client(emu.url, emu.token)
    local lines = { "Name" }
    for n = 1, 5000 do lines[#lines + 1] = "Stop " .. n end
    local id = c.ingest({ object = "Account", operation = "insert" }, table.concat(lines, "\n") .. "\n")
    local state
    for _ = 1, MAX_POLLS do
      state = c.info("ingest", id)
      if state.numberRecordsProcessed > 0 then break end
      proc.sleep(0.01)
    end
    assert.equal("InProgress", state.state)
    emu:stop() -- joins the worker between two steps
    emu:stop()
  end)

  it("keeps in a named org the records a job wrote before the org stopped; the job itself is gone", function()
    local files = require "support.files"
    local scratch = files.scratch()
    local root = scratch .. "/local"
    local emu = assert(emulator.open(root, "bulkjobs", { empty = true, bulk_manual = true, bulk_rows_per_step = 2 }))
    local c = client(emu.url, emu.token)
    local id = c.ingest({ object = "Account", operation = "insert" }, "Name\nN1\nN2\nN3\nN4\nN5\n")
    emu:bulk_step(2) -- the check, then 2 records
    assert(emu:stop())
    emu = assert(emulator.open(root, "bulkjobs", { bulk_manual = true }))
    c = client(emu.url, emu.token)
    local n = c.call("GET", V .. "/query?q=SELECT+COUNT()+FROM+Account+WHERE+Name+LIKE+'N_'").json.totalSize
    local gone = c.call("GET", V .. "/jobs/ingest/" .. id).status
    assert(emu:stop())
    files.clear(scratch)
    assert.equal(2, n)
    assert.equal(404, gone)
  end)

  it("gives `luaforce emulator` the worker too", function()
    local h = proc.emulator { "--empty", "--bulk-rows-per-step", "2", "-q" }
    local ok, err = pcall(function()
      local c = client(h.url, emulator.TOKEN)
      local id = c.ingest({ object = "Account", operation = "insert" }, "Name\nCli 1\nCli 2\nCli 3\n")
      local i = c.wait("ingest", id)
      assert.equal("JobComplete", i.state)
      assert.equal(3, i.numberRecordsProcessed)
    end)
    h.stop()
    assert(ok, err)
  end)
end)

describe("the server's background worker", function()
  -- a handler of its own: /wake?n=N asks for N ticks; tick counts them and
  -- raises once when asked to
  local HANDLER = [[
local self_ = require "luaforce.core.server_self"
local M = {}
local left, ticks, raise = 0, 0, false
function M.handle(req)
  if req.path == "/wake" then
    left = tonumber(req.query.n) or 1
    raise = req.query.raise == "1"
    self_.wake()
  end
  return { status = 200, headers = {}, body = "" }
end
function M.tick()
  ticks = ticks + 1
  if raise then
    raise = false
    error("a step that fails")
  end
  left = left - 1
  return left > 0
end
function M.control(name)
  if name == "ticks" then return tostring(ticks) end
  return tostring(left)
end
return M
]]
  local dir, saved_path

  setup(function()
    local p = io.popen("mktemp -d")
    dir = p:read("l")
    p:close()
    proc.write(dir .. "/bulk_worker_test_handler.lua", HANDLER)
    saved_path = package.path
    package.path = dir .. "/?.lua;" .. package.path
  end)

  teardown(function()
    package.path = saved_path
    os.remove(dir .. "/bulk_worker_test_handler.lua")
    os.remove(dir)
  end)

  local function ticks(srv) return tonumber(srv:call("ticks")) end

  local function until_ticks(srv, n)
    for _ = 1, MAX_POLLS do
      if ticks(srv) >= n then return ticks(srv) end
      proc.sleep(0.01)
    end
    return ticks(srv)
  end

  it("ticks while the handler has work, then sleeps until woken again", function()
    local srv <close> = assert(server.start { handler = "bulk_worker_test_handler", tick_ms = 0 })
    assert.equal(0, ticks(srv))
    proc.curl(srv:url() .. "/wake?n=5")
    assert.equal(5, until_ticks(srv, 5))
    -- nothing pending: requests that do not wake it leave it asleep
    for _ = 1, 3 do proc.curl(srv:url() .. "/other") end
    assert.equal(5, ticks(srv))
    assert.equal("0", srv:call("left"))
    proc.curl(srv:url() .. "/wake?n=3")
    assert.equal(8, until_ticks(srv, 8))
  end)

  it("stops ticking after a tick that raises, until the next wake", function()
    local srv <close> = assert(server.start { handler = "bulk_worker_test_handler", tick_ms = 1 })
    proc.curl(srv:url() .. "/wake?n=4&raise=1")
    assert.equal(1, until_ticks(srv, 1))
    for _ = 1, 3 do proc.curl(srv:url() .. "/other") end
    assert.equal(1, ticks(srv))
    proc.curl(srv:url() .. "/wake?n=2")
    assert.equal(3, until_ticks(srv, 3))
  end)

  it("is stopped and joined with the server, even while it has work", function()
    local srv = assert(server.start { handler = "bulk_worker_test_handler", tick_ms = 5 })
    proc.curl(srv:url() .. "/wake?n=1000000")
    until_ticks(srv, 2)
    srv:stop()
    srv:stop()
  end)

  it("takes no worker without tick_ms: wake is then harmless", function()
    local srv <close> = assert(server.start { handler = "bulk_worker_test_handler" })
    assert.equal(200, proc.curl(srv:url() .. "/wake?n=3").status)
    assert.equal(0, ticks(srv))
  end)

  it("refuses a tick_ms out of range", function()
    assert.has_error(function() server.start { handler = "bulk_worker_test_handler", tick_ms = -1 } end)
    assert.has_error(function() server.start { handler = "bulk_worker_test_handler", tick_ms = 60001 } end)
  end)
end)
