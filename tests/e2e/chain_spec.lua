-- End-to-end: `luaforce chain FILE.lua` as a user runs it against a
-- `luaforce emulator` process: --plan sends nothing, --dry-run writes
-- nothing and prints the writes, the exit codes, the state file, and a run
-- killed with SIGKILL mid-write that --resume finishes without sending
-- anything twice (checked in the emulator's records).
local proc = require "support.proc"
local files = require "support.files"
local json = require "luaforce.json"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"

-- arg[1] invoices INV-0001.., keyed by External_Id__c (the create's
-- external_id) when arg[2] is "keyed"; item number arg[3] has a status
-- that is no value of the picklist (Salesforce refuses that record).
local INVOICES = [[
local sf, chain = require "luaforce", require "luaforce.chain"
local org = sf.connect()
local n, keyed, bad = tonumber(arg[1]), arg[2] == "keyed", tonumber(arg[3])
local items = {}
for i = 1, n do items[i] = { ext = ("INV-%04d"):format(i), status = i == bad and "Lost" or "Sent" } end
return chain(org):from(items, { key = "=ext" })
  :create("Invoice__c", { External_Id__c = "=ext", Status__c = "=status" },
    keyed and { external_id = "External_Id__c" } or nil)
]]

describe("luaforce chain", function()
  local emu, url, dir
  setup(function()
    emu = proc.emulator { "--empty" }
    url = emu.url
  end)
  teardown(function() if emu then emu.stop() end end)
  before_each(function()
    dir = files.scratch()
    assert.equal(204, proc.curl(url .. "/_emulator/reset", { method = "POST" }).status)
    proc.curl(url .. "/_emulator/faults", { method = "DELETE" })
  end)
  after_each(function() files.clear(dir) end)

  local function control(name) return json.decode(proc.curl(url .. "/_emulator/" .. name).body) end
  local function api_requests() return control("stats").api_requests end
  local function faults(list)
    local r = proc.curl(url .. "/_emulator/faults", { method = "PUT", headers = { "Content-Type: application/json" },
      data = json.encode(json.array(list)) })
    assert.equal(200, r.status, r.body)
  end

  -- Every record of a query (all pages).
  local function records(soql)
    local out = {}
    local next_url = "/services/data/v62.0/query/?q=" .. soql:gsub(" ", "+")
    while next_url do
      local r = proc.curl(url .. next_url, { headers = { "Authorization: Bearer " .. TOKEN } })
      local body = assert(json.decode(r.body), r.body)
      for _, rec in ipairs(body.records) do out[#out + 1] = rec end
      next_url = body.nextRecordsUrl ~= json.null and body.nextRecordsUrl or nil
    end
    return out
  end
  local function count(object) return #records("SELECT Id FROM " .. object) end

  local function script(name, text) return proc.write(dir .. "/" .. name, text) end

  -- luaforce chain FILE ARGS... against the emulator, with a HOME and a
  -- state directory of the test's own.
  local function chain(file, args, script_args)
    local a = { "chain", file, "--instance", url, "--token", TOKEN }
    for _, x in ipairs(args or {}) do a[#a + 1] = x end
    if script_args then
      a[#a + 1] = "--"
      for _, x in ipairs(script_args) do a[#a + 1] = x end
    end
    return proc.luaforce(a, { env = { HOME = dir, XDG_STATE_HOME = dir .. "/state" } })
  end

  local function state_files()
    local list = {}
    if proc.sh("test -d " .. proc.quote(dir .. "/state/luaforce/chains")).code == 0 then
      list = files.names(dir .. "/state/luaforce/chains")
    end
    return list
  end

  it("--plan prints the requests and sends nothing", function()
    local f = script("inv.lua", INVOICES)
    local before = api_requests()
    local r = chain(f, { "--plan" }, { "5", "keyed" })
    assert.equal(0, r.code, r.stderr)
    assert.equal(before, api_requests())
    assert.equal(0, count("Invoice__c"))
    assert.matches("^plan: 2 steps, 5 items\n", r.stdout)
    assert.matches("\n1 request:\n  POST /services/data/v62.0/composite/sobjects {\"allOrNone\":false,\"records\":[", r.stdout,
      1, true)
    assert.matches('"External_Id__c":"INV-0005","Status__c":"Sent"}]}\n', r.stdout, 1, true)
    assert.same({}, state_files())
  end)

  it("--plan of a query chain: how each stage goes, and where its form changes with the window", function()
    local f = script("stale.lua", [[
      local chain = require "luaforce.chain"
      return chain(require("luaforce").connect())
        :query("SELECT Id FROM Invoice__c WHERE Status__c = 'Sent'")
        :get("Invoice__c", "=Id", { fields = "Id,Account__c" })
        :update("Invoice__c", "=response.body.Id", { Status__c = "Void" })
    ]])
    local before = api_requests()
    local r = chain(f, { "--plan" })
    assert.equal(0, r.code, r.stderr)
    assert.equal(before, api_requests())
    assert.equal("plan: 3 steps, items from the query\n"
      .. "step 1: GET /services/data/v62.0/query?q=SELECT Id FROM Invoice__c WHERE Status__c = 'Sent' - every page, "
      .. "records a window at a time\n"
      .. "steps 2-3: each step on its own, fewer requests than composite requests would take:\n"
      .. "  step 2: POST /services/data/v62.0/composite/sobjects/Invoice__c {ids, fields} - 2000 records a request "
      .. "(get Invoice__c =Id (Id,Account__c)), ceil(N/2000) requests\n"
      .. "  step 3: PATCH /services/data/v62.0/composite/sobjects - 200 records a request "
      .. "(update Invoice__c =response.body.Id {Status__c}), ceil(N/200) requests\n"
      .. "  (a window of fewer than 25 items goes in composite requests instead, 12 items a request)\n", r.stdout)
  end)

  it("--plan --all-or-none says why it cannot hold: exit 2, nothing sent", function()
    local f = script("inv.lua", INVOICES)
    local before = api_requests()
    local r = chain(f, { "--plan", "--all-or-none" }, { "201", "keyed" })
    assert.equal(2, r.code, r.stderr)
    assert.equal(before, api_requests())
    assert.matches("\ncannot run: NOT_ATOMIC: all_or_none: Salesforce cannot roll these writes back together: 201 records "
      .. "are more than one sObject Collections request holds (200)", r.stdout, 1, true)
  end)

  it("--dry-run makes the reads, prints the writes on stdout and writes nothing", function()
    local f = script("inv.lua", INVOICES)
    assert.equal(0, chain(f, {}, { "3", "keyed" }).code)
    local close = script("close.lua", [[
      local chain = require "luaforce.chain"
      local org = require("luaforce").connect()
      return chain(org):query("SELECT Id, Name, External_Id__c FROM Invoice__c ORDER BY External_Id__c")
        :update("Invoice__c", "=Id", { Status__c = "Void", Notes__c = "=\"voided \" + External_Id__c" })
    ]])
    local before = api_requests()
    local r = chain(close, { "--dry-run" })
    assert.equal(0, r.code, r.stderr)
    assert.equal(1, api_requests() - before) -- the query
    local lines = {}
    for line in r.stdout:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.equal("PATCH /services/data/v62.0/composite/sobjects: update 3 Invoice__c records", lines[1])
    assert.matches('^  Invoice__c a01%w+ {"Notes__c":"voided INV%-0001","Status__c":"Void"}$', lines[2])
    assert.equal(4, #lines)
    assert.matches("^chain %(dry run%): 2 steps, 3 items, 1 request in [%d.]+ s: 3 done\n", r.stderr)
    for _, rec in ipairs(records("SELECT Status__c FROM Invoice__c")) do assert.equal("Sent", rec.Status__c) end
    assert.same({}, state_files()) -- a dry run keeps no state
  end)

  it("exit 0: all done; the state file it chose is removed again", function()
    local f = script("inv.lua", INVOICES)
    local r = chain(f, {}, { "250" })
    assert.equal(0, r.code, r.stderr)
    assert.equal("", r.stdout)
    assert.matches("^chain: 2 steps, 250 items, 2 requests in [%d.]+ s: 250 done\n", r.stderr)
    assert.equal(250, count("Invoice__c"))
    assert.same({}, state_files())
  end)

  it("exit 1: some done, some failed; the state is kept and the command to resume printed", function()
    local f = script("inv.lua", INVOICES)
    local r = chain(f, {}, { "3", "keyed", "2" })
    assert.equal(1, r.code, r.stderr)
    assert.matches("2 done, 1 failed", r.stderr, 1, true)
    assert.matches("\n  item INV-0002: failed at step 2: 400 INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", r.stderr, 1, true)
    local kept = state_files()
    assert.equal(1, #kept)
    assert.matches("^inv%-%d+T%d+Z%.state$", kept[1])
    local path = dir .. "/state/luaforce/chains/" .. kept[1]
    assert.matches("\nluaforce: resume with: luaforce chain " .. f .. " --resume " .. path .. "\n", r.stderr, 1, true)
    assert.equal(384, tonumber(proc.sh("stat -c %a " .. proc.quote(path)).stdout, 8))
  end)

  it("exit 2: a step misused in the script, a script that returns no chain, bad options", function()
    local r = chain(script("bad.lua", [[
      local chain = require "luaforce.chain"
      return chain(require("luaforce").connect()):get("Account")
    ]]))
    assert.equal(2, r.code)
    assert.equal("luaforce: step 1 (get): the record id is missing\n", r.stderr)

    local none = script("none.lua", "local x = 1\n")
    r = chain(none)
    assert.equal(2, r.code)
    assert.equal("luaforce: " .. none .. " must return the chain it builds, not nothing (end it with: return "
      .. "chain(org):query(...)...)\n", r.stderr)
    r = chain(script("num.lua", "return 42\n"))
    assert.equal(2, r.code)
    assert.matches("must return the chain it builds, not number", r.stderr, 1, true)

    local f = script("inv.lua", INVOICES)
    r = chain(f, { "--state", dir .. "/a", "--resume", dir .. "/b" }, { "1" })
    assert.equal(2, r.code)
    assert.matches("--state and --resume name one state file", r.stderr, 1, true)
    r = chain(f, { "--window", "0" }, { "1" })
    assert.equal(2, r.code)
    assert.equal("luaforce: --window needs a whole number from 1 up, not '0'\n", r.stderr)
    r = chain(f, { "--resume", dir .. "/missing.state" }, { "1" })
    assert.equal(2, r.code)
    assert.matches("cannot read the state file to resume", r.stderr, 1, true)
    assert.equal(0, count("Invoice__c"))
  end)

  it("exit 2: --all-or-none refuses before anything is written", function()
    local f = script("inv.lua", INVOICES)
    local before = api_requests()
    local r = chain(f, { "--all-or-none" }, { "201" })
    assert.equal(2, r.code)
    assert.matches("NOT_ATOMIC: all_or_none: Salesforce cannot roll these writes back together", r.stderr, 1, true)
    assert.equal(before, api_requests())
    r = chain(f, { "--all-or-none" }, { "20", "x", "7" })
    assert.equal(1, r.code, r.stderr) -- rolled back: nothing done, the first failure an API error
    assert.equal(0, count("Invoice__c"))
  end)

  it("a script that runs its chain itself: the run's code, and a note that plans and state need the chain", function()
    local f = script("ran.lua", [[
      local chain = require "luaforce.chain"
      return chain(require("luaforce").connect()):from { { n = "x" } }:create("Invoice__c", { Notes__c = "=n" })
        :run()
    ]])
    local r = chain(f)
    assert.equal(0, r.code, r.stderr)
    assert.matches("luaforce: " .. f .. " ran its chain itself (it returned the report, not the chain)", r.stderr, 1, true)
    assert.equal(1, count("Invoice__c"))
    r = chain(f, { "--plan" })
    assert.equal(2, r.code)
  end)

  it("exit 6: a write whose answer was lost is unknown, and a resume does not send it again", function()
    faults { "POST /services/data/*/composite/sobjects -> close when=after" }
    local f = script("inv.lua", INVOICES)
    local state = dir .. "/lost.state"
    local r = chain(f, { "--state", state }, { "4" })
    assert.equal(6, r.code, r.stderr)
    assert.matches("4 outcome unknown", r.stderr, 1, true)
    faults {}
    local before = api_requests()
    r = chain(f, { "--resume", state }, { "4" })
    assert.equal(6, r.code, r.stderr)
    assert.equal(before, api_requests())
    assert.equal(4, count("Invoice__c"))
  end)

  describe("killed mid-run (SIGKILL)", function()
    -- 300 invoices, 20 a request, one request at a time; the third request
    -- is applied, then its answer held back while the process is killed
    local N, WINDOW = 300, 20

    -- Runs the chain until the third request is held, then sends `signal`
    -- (KILL, or INT for Ctrl-C); returns the exit code and standard error.
    -- `state`: a --state file, or nil for the one the command chooses.
    local function stopped_run(f, state, keyed, signal)
      faults { "POST /services/data/*/composite/sobjects -> latency=60s nth=3 times=1" }
      local a = { "chain", f, "--window", tostring(WINDOW), "--concurrency", "1",
        "--instance", url, "--token", TOKEN, "--", tostring(N), keyed and "keyed" or "plain" }
      if state then table.insert(a, 3, "--state"); table.insert(a, 4, state) end
      -- proc.spawn takes no environment: the state directory goes in front
      local h = proc.spawn({ "XDG_STATE_HOME=" .. dir .. "/state", proc.bin, table.unpack(a) }, { bin = "env" })
      local held = false
      for _ = 1, 400 do
        if control("faults")[1].fired == 1 then held = true break end
        proc.sleep(0.05)
      end
      h.signal(signal)
      local code = h.wait(10)
      local stderr = h.read_stderr()
      h.cleanup()
      faults {}
      assert.is_true(held, "the third request never came: " .. stderr)
      -- three windows reached the org
      assert.equal(3 * WINDOW, count("Invoice__c"))
      return code, stderr
    end

    local function killed_run(f, state, keyed)
      local code = stopped_run(f, state, keyed, "KILL")
      assert.equal(137, code) -- 128 + SIGKILL: nothing of luaforce's ran after
      -- the state file says the third window was sent
      local sends = 0
      for line in files.read(state):gmatch("[^\n]+") do
        if line:match('^{"send":') then sends = sends + 1 end
      end
      assert.equal(3, sends)
    end

    -- every invoice once
    local function each_once()
      local seen, dups = {}, {}
      for _, rec in ipairs(records("SELECT External_Id__c FROM Invoice__c")) do
        if seen[rec.External_Id__c] then dups[#dups + 1] = rec.External_Id__c end
        seen[rec.External_Id__c] = true
      end
      assert.same({}, dups)
      for i = 1, N do assert.is_true(seen[("INV-%04d"):format(i)], i) end
    end

    it("--resume finishes it; the lost creates go again as upserts on External_Id__c", function()
      local f = script("inv.lua", INVOICES)
      local state = dir .. "/crash.state"
      killed_run(f, state, true)
      -- a dry run of the resume: what it would send, nothing sent, the state as it was
      local kept = files.read(state)
      local before = api_requests()
      local dry = chain(f, { "--resume", state, "--window", tostring(WINDOW), "--dry-run" }, { tostring(N), "keyed" })
      assert.equal(0, dry.code, dry.stderr)
      assert.equal(before, api_requests())
      assert.equal(kept, files.read(state))
      assert.matches("^PATCH /services/data/v62.0/composite/sobjects/Invoice__c/External_Id__c: upsert 20 Invoice__c "
        .. "records\n  Invoice__c External_Id__c=INV%-0041 ", dry.stdout)
      local creates = select(2, dry.stdout:gsub("\nPOST /services/data/v62.0/composite/sobjects: create 20 Invoice__c", ""))
      assert.equal((N - 3 * WINDOW) // WINDOW, creates)
      assert.is_nil(dry.stdout:find("INV-0001", 1, true)) -- done before: not sent again
      before = api_requests()
      local r = chain(f, { "--resume", state, "--window", tostring(WINDOW) }, { tostring(N), "keyed" })
      assert.equal(0, r.code, r.stderr)
      assert.matches(("%d done (%d settled by an earlier run)"):format(N, 2 * WINDOW), r.stderr, 1, true)
      -- the held window as one upsert request, the other 240 in windows of 20
      assert.equal(1 + (N - 3 * WINDOW) // WINDOW, api_requests() - before)
      assert.equal(N, count("Invoice__c"))
      each_once()
    end)

    it("Ctrl-C: exit 6 with the held ones unknown, in order; a resume finishes and removes the state it chose", function()
      local f = script("inv.lua", INVOICES)
      local code, stderr = stopped_run(f, nil, true, "INT")
      assert.equal(6, code, stderr)
      assert.matches("40 done, 20 outcome unknown; interrupted\n", stderr, 1, true)
      assert.matches("\n  item INV-0041: unknown at step 2: OUTCOME_UNKNOWN: interrupted while the write was on its way: "
        .. "its outcome is unknown\n  item INV-0042: unknown", stderr, 1, true)
      local kept = state_files()
      assert.equal(1, #kept)
      local path = dir .. "/state/luaforce/chains/" .. kept[1]
      assert.matches("\n  state kept in " .. path .. ": resume to run what is left", stderr, 1, true)
      local r = chain(f, { "--resume", path, "--window", tostring(WINDOW) }, { tostring(N), "keyed" })
      assert.equal(0, r.code, r.stderr)
      each_once()
      assert.same({}, state_files())
    end)

    it("Ctrl-C with batches in flight together: the answered batch counts as done, the held one is unknown", function()
      local f = script("inv.lua", INVOICES)
      local state = dir .. "/par.state"
      -- one window of 300: a batch of 200 and one of 100, both in flight;
      -- the second to arrive is applied and its answer held back
      faults { "POST /services/data/*/composite/sobjects -> latency=60s nth=2 times=1" }
      local h = proc.spawn({ "XDG_STATE_HOME=" .. dir .. "/state", proc.bin, "chain", f, "--state", state,
        "--window", "300", "--concurrency", "2", "--instance", url, "--token", TOKEN, "--", tostring(N), "keyed" },
        { bin = "env" })
      local held = false
      for _ = 1, 400 do
        if control("faults")[1].fired == 1 then held = true break end
        proc.sleep(0.05)
      end
      -- the other batch's answer is in once the org holds both
      for _ = 1, 200 do
        if count("Invoice__c") == N then break end
        proc.sleep(0.05)
      end
      proc.sleep(0.3)
      h.signal("INT")
      local code = h.wait(10)
      local stderr = h.read_stderr()
      h.cleanup()
      faults {}
      assert.is_true(held, stderr)
      assert.equal(6, code, stderr)
      local done, unknown = stderr:match("(%d+) done, (%d+) outcome unknown; interrupted")
      done, unknown = tonumber(done), tonumber(unknown)
      assert.is_true(done == 200 or done == 100, stderr)
      assert.equal(N, done + unknown)
      local before = api_requests()
      local r = chain(f, { "--resume", state, "--window", "300" }, { tostring(N), "keyed" })
      assert.equal(0, r.code, r.stderr)
      -- only the held batch goes again, as upserts; the answered one is done
      assert.equal(1, api_requests() - before)
      each_once()
    end)

    it("without an external id the lost ones are unknown on resume (exit 6), never sent again", function()
      local f = script("inv.lua", INVOICES)
      local state = dir .. "/crash.state"
      killed_run(f, state, false)
      local before = api_requests()
      local r = chain(f, { "--resume", state, "--window", tostring(WINDOW) }, { tostring(N), "plain" })
      assert.equal(6, r.code, r.stderr)
      assert.matches(("%d done, %d outcome unknown"):format(N - WINDOW, WINDOW), r.stderr, 1, true)
      assert.matches("\n  item INV-0041: unknown at step 2: OUTCOME_UNKNOWN: step 2 was sent in an earlier run and its "
        .. "answer was lost: check the record in the org before sending it again\n", r.stderr, 1, true)
      assert.equal((N - 3 * WINDOW) // WINDOW, api_requests() - before)
      assert.equal(N, count("Invoice__c"))
      each_once()
      -- and again: nothing left to send, still unknown
      before = api_requests()
      r = chain(f, { "--resume", state, "--window", tostring(WINDOW) }, { tostring(N), "plain" })
      assert.equal(6, r.code)
      assert.equal(before, api_requests())
    end)
  end)
end)
