-- End-to-end: the exit-code precedence of README.md and `luaforce --help`
-- as a user meets it. Ctrl-C while a write is on its way to the org is an
-- unknown outcome (6), not an interruption (130): the update may have been
-- applied, and here it was.
local proc = require "support.proc"
local json = require "luaforce.json"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"

-- A `luaforce emulator` process with these fault rules, started in setup
-- and stopped in teardown; returns a function giving its URL.
local function emulator_with(faults)
  local emu, url
  setup(function()
    local args = { "emulator", "--port", "0" }
    for _, rule in ipairs(faults) do args[#args + 1] = "--faults"; args[#args + 1] = rule end
    emu = proc.spawn(args)
    url = emu.wait_for("listening on (http://127%.0%.0%.1:%d+)\n", 20)
    assert(url, "the emulator did not start: " .. emu.read_stderr())
  end)
  teardown(function()
    if emu then emu.signal("TERM"); emu.wait(10); emu.cleanup() end
  end)
  return function() return url end
end

describe("exit codes of runs with several outcomes", function()
  -- every write is applied, then its answer is held back for a minute
  local emulator_url = emulator_with { "PATCH /services/data/*/sobjects/** -> latency=60s",
    "GET /services/data/*/limits -> latency=60s", "PATCH /services/data/*/composite/sobjects -> latency=60s" }
  local url
  before_each(function() url = emulator_url() end)

  local function query(soql)
    local r = proc.curl(url .. "/services/data/v62.0/query/?q=" .. soql:gsub(" ", "+"),
      { headers = { "Authorization: Bearer " .. TOKEN } })
    return json.decode(r.body)
  end

  -- Runs `script` with luaforce run against the emulator; once `ready()`
  -- says the request reached the org, Ctrl-C.
  local function interrupt_when(script, ready)
    local path = proc.write(os.tmpname(), script)
    local h = proc.spawn { "run", "--instance", url, "--token", TOKEN, path }
    local seen = false
    for _ = 1, 400 do
      if ready() then seen = true break end
      proc.sleep(0.05)
    end
    h.signal("INT")
    local code = h.wait(60)
    local stderr = h.read_stderr()
    local ps = code == nil and proc.sh("ps -o pid,stat,wchan:20,args --ppid " .. h.subshell).stdout or ""
    h.cleanup()
    os.remove(path)
    assert.is_true(seen, "the request never reached the org: " .. stderr)
    assert(code ~= nil, "luaforce did not end after Ctrl-C:\n" .. ps .. stderr)
    return code, stderr
  end

  it("Ctrl-C during an update: outcome unknown, exit 6", function()
    local acc = query("SELECT Id FROM Account ORDER BY Name LIMIT 1").records[1]
    local code, stderr = interrupt_when(([[
      local org = require("luaforce").connect()
      org:update("Account", %q, { Description = "changed by the interrupted run" })
      print("the update returned")
    ]]):format(acc.Id), function()
      local rec = query(("SELECT Description FROM Account WHERE Id = '%s'"):format(acc.Id)).records[1]
      return rec.Description == "changed by the interrupted run"
    end)
    assert.are.equal(6, code)
    assert.matches("OUTCOME_UNKNOWN: interrupted while the request was on its way", stderr, 1, true)
    assert.matches("(PATCH /services/data/v62.0/sobjects/Account/" .. acc.Id .. ")", stderr, 1, true)
  end)

  it("Ctrl-C during a read: interrupted, exit 130", function()
    local stats = function() return json.decode(proc.curl(url .. "/_emulator/stats").body) end
    local before = stats().api_requests
    local code, stderr = interrupt_when([[
      local org = require("luaforce").connect()
      org:limits()
    ]], function() return stats().api_requests > before end)
    assert.are.equal(130, code)
    assert.matches("luaforce: interrupted", stderr, 1, true)
  end)

  local function count(soql)
    return query(soql).totalSize
  end

  it("Ctrl-C while collection chunks are in flight side by side: exit 6", function()
    local code, stderr = interrupt_when([[
      local org = require("luaforce").connect()
      local list = assert(org:fetch_all("SELECT Id FROM Contact LIMIT 60"))
      local rows = {}
      for i, c in ipairs(list) do rows[i] = { Id = c.Id, Title = "Interrupted batch" } end
      org:update_many("Contact", rows, { batch_size = 20, concurrency = 3 })
    ]], function() return count("SELECT COUNT() FROM Contact WHERE Title = 'Interrupted batch'") > 0 end)
    assert.are.equal(6, code)
    assert.matches("OUTCOME_UNKNOWN: interrupted while the request was on its way", stderr, 1, true)
    assert.matches("(PATCH /services/data/v62.0/composite/sobjects)", stderr, 1, true)
  end)

  it("Ctrl-C while org:each runs updates: exit 6", function()
    local code, stderr = interrupt_when([[
      local org = require("luaforce").connect()
      org:each(org:records("SELECT Id FROM Account LIMIT 10"), function(a)
        return org:update("Account", a.Id, { Site = "interrupted each" })
      end, { concurrency = 4 })
    ]], function() return count("SELECT COUNT() FROM Account WHERE Site = 'interrupted each'") > 0 end)
    assert.are.equal(6, code)
    assert.matches("OUTCOME_UNKNOWN: interrupted while the request was on its way", stderr, 1, true)
  end)
end)

describe("exit codes of writes retried after a lost answer", function()
  -- the first PATCH is applied and its connection closed unanswered; every
  -- later attempt gets 503
  local emulator_url = emulator_with { "PATCH /services/data/*/sobjects/** -> close when=after times=1",
    "PATCH /services/data/*/sobjects/** -> status=503 header=Retry-After:0" }
  local url
  before_each(function() url = emulator_url() end)

  it("luaforce update: the record changed, so outcome unknown (6), never failed (1)", function()
    local get = function(id)
      return json.decode(proc.curl(url .. "/services/data/v62.0/sobjects/Account/" .. id,
        { headers = { "Authorization: Bearer " .. TOKEN } }).body)
    end
    local r = proc.curl(url .. "/services/data/v62.0/query/?q=SELECT+Id+FROM+Account+LIMIT+1",
      { headers = { "Authorization: Bearer " .. TOKEN } })
    local id = json.decode(r.body).records[1].Id
    local res = proc.luaforce({ "update", "Account", id, "--values", "Name=Applied-once", "--instance", url,
      "--token", TOKEN })
    assert.are.equal(6, res.code, res.stderr)
    assert.matches("OUTCOME_UNKNOWN", res.stderr, 1, true)
    assert.matches("may have been applied", res.stderr, 1, true)
    assert.are.equal("Applied-once", get(id).Name)
  end)
end)

describe("exit codes of input files that cannot be read", function()
  -- defect: a directory as an input file printed a traceback (exit 5)
  local dir = os.tmpname()
  setup(function() os.remove(dir); assert(os.execute("mkdir " .. proc.quote(dir))) end)
  teardown(function() os.execute("rm -rf " .. proc.quote(dir)) end)

  local cases = {
    { { "create", "Account", "--json", "@DIR", "--instance", "local" }, "the --json file 'DIR': is a directory" },
    { { "eval", "--context", "DIR", "1 + 1" }, "the context file 'DIR': is a directory" },
    { { "run", "DIR" }, "the script 'DIR': is a directory" },
    { { "run", "DIR/none.lua" }, "the script 'DIR/none.lua': no such file or directory" },
    { { "login", "--instance", "local", "--client-id", "x", "--client-secret-file", "DIR" },
      "the client secret file 'DIR': is a directory" },
  }
  for _, case in ipairs(cases) do
    it(table.concat(case[1], " ") .. ": one line, exit 2", function()
      local args = {}
      for i, a in ipairs(case[1]) do args[i] = a:gsub("DIR", dir) end
      local r = proc.luaforce(args)
      assert.are.equal(2, r.code, r.stderr)
      local line = r.stderr:match("^[^\n]*")
      local want = "luaforce: cannot read " .. case[2]:gsub("DIR", dir)
      assert.are.equal(want, line:sub(1, #want))
      assert.is_nil(r.stderr:find("traceback", 1, true))
      assert.are.equal(1, select(2, r.stderr:gsub("\n", "")))
    end)
  end
end)

describe("exit codes and messages of other bad input", function()
  local function first_line(r) return r.stderr:match("^[^\n]*") end

  it("an output path that cannot be written: exit 2, the target named, not a temporary file", function()
    for _, case in ipairs {
      { "/etc/hostname/x.json", "'/etc/hostname' is not a folder" },
      { "/nonexistent-luaforce/dir/x.json", "the folder '/nonexistent-luaforce/dir' does not exist" },
    } do
      local r = proc.luaforce { "query", "SELECT Id FROM Account LIMIT 1", "--instance", "local", "-o", case[1] }
      assert.are.equal(2, r.code, r.stderr)
      assert.matches(("cannot write '%s': %s"):format(case[1], case[2]), first_line(r), 1, true)
      assert.is_nil(r.stderr:find(".tmp", 1, true))
    end
  end)

  it("an unknown option before a command points at luaforce --help", function()
    local r = proc.luaforce { "-e", "print(1)", "--instance", "X" }
    assert.are.equal(2, r.code)
    assert.are.equal("luaforce: unknown option '--instance' (see 'luaforce --help'; a command's own options go "
      .. "after the command)", first_line(r))
  end)

  it("an API version the org does not offer is named, with the versions it does", function()
    local r = proc.luaforce { "query", "SELECT Id FROM Account", "--instance", "local", "--api-version", "999" }
    assert.are.equal(2, r.code)
    assert.are.equal("luaforce: NOT_FOUND: API version v999.0 is not one this org offers (it offers v31.0 to "
      .. "v66.0) (give --api-version v66.0, the newest, or leave it out for the default)", first_line(r))
    -- a record that is not there stays what it is
    r = proc.luaforce { "get", "Account", "001000000000001AAA", "--instance", "local" }
    assert.are.equal(1, r.code)
    assert.matches("NOT_FOUND", first_line(r), 1, true)
  end)
end)
