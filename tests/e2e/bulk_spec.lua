-- End-to-end: `luaforce bulk ...`, `luaforce import` and `luaforce export`
-- as a user runs them, against a local org this spec starts in its own
-- process (so that it can look at the org's jobs and records directly and,
-- for Ctrl-C, hold a job before processing): imports of 12,000 rows with
-- failures, the rows-to-send-again file fixed and imported again, exports
-- by both APIs giving the same CSV, the job commands, real SIGINTs before
-- and after processing began, and bad input refused before any job.
local bulk = require "luaforce.bulk"
local client = require "luaforce.client"
local emulator = require "luaforce.emulator"
local proc = require "support.proc"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function lines_of(text)
  local out = {}
  for line in text:gmatch("[^\n]+") do out[#out + 1] = line end
  return out
end

describe("luaforce bulk, import and export", function()
  local emu, org, dir

  local function lf(args, url)
    local a = {}
    for _, x in ipairs(args) do a[#a + 1] = x end
    a[#a + 1] = "--instance"
    a[#a + 1] = url or emu.url
    a[#a + 1] = "--token"
    a[#a + 1] = TOKEN
    local q = { proc.quote(proc.bin) }
    for _, x in ipairs(a) do q[#q + 1] = proc.quote(x) end
    local line = ("cd %s && exec %s"):format(proc.quote(dir), table.concat(q, " "))
    return proc.sh("sh -c " .. proc.quote(line), { env = { SF_INSTANCE_URL = "", SF_ACCESS_TOKEN = "", HOME = dir } })
  end

  local function count(soql)
    return assert(org:query(soql)).body.totalSize
  end

  local function jobs(kind)
    return #assert(bulk.jobs(org, kind))
  end

  setup(function()
    emu = assert(emulator.start { empty = true })
    org = assert(client.connect { instance_url = emu.url, access_token = emu.token })
    dir = proc.sh("mktemp -d").stdout:gsub("%s+$", "")
  end)
  teardown(function()
    emu:stop()
    os.execute("rm -rf " .. proc.quote(dir))
  end)
  before_each(function() emu:reset() end)

  -- people.csv: n contacts, every `bad`-th without a last name
  local function people(n, bad)
    local out = { "LastName,Email,Description" }
    for i = 1, n do
      local last = (bad and i % bad == 0) and "" or ("Person%05d"):format(i)
      out[#out + 1] = ('%s,p%05d@example.com,"notes, with a comma and ""quotes"""'):format(last, i)
    end
    proc.write(dir .. "/people.csv", table.concat(out, "\n") .. "\n")
  end

  it("imports 12,000 rows: failures exit 1 with the rows to send again, which import once fixed", function()
    people(12000, 1000)
    local r = lf { "bulk", "import", "Contact", "people.csv", "--job-records", "5000" }
    assert.equal(1, r.code, r.stdout .. r.stderr)
    assert.matches("bulk insert Contact: 12,000 records in 3 jobs: 11,988 succeeded, 12 failed", r.stdout)
    assert.matches("rows to send again: people.failed.csv", r.stdout)
    assert.equal(11988, count("SELECT COUNT() FROM Contact"))
    local failed = lines_of(slurp(dir .. "/people.failed.csv"))
    assert.equal(13, #failed)
    assert.equal("sf__Error,LastName,Email,Description", failed[1])
    assert.matches("^REQUIRED_FIELD_MISSING:.*,,p01000@example%.com,", failed[2])
    -- the user fills in the last names and imports the same file
    local fixed = slurp(dir .. "/people.failed.csv"):gsub("\n([^\n]-),,p(%d+)@", "\n%1,Fixed%2,p%2@")
    proc.write(dir .. "/people.failed.csv", fixed)
    r = lf { "bulk", "import", "Contact", "people.failed.csv" }
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("12 succeeded, 0 failed", r.stdout)
    assert.equal(12000, count("SELECT COUNT() FROM Contact"))
    assert.equal(1, count("SELECT COUNT() FROM Contact WHERE LastName = 'Fixed01000'"))
  end)

  it("imports from standard input", function()
    proc.write(dir .. "/in.csv", "LastName\nPiped One\nPiped Two\n")
    local line = ("cd %s && %s import Contact - --bulk --instance %s --token %s < in.csv"):format(proc.quote(dir),
      proc.quote(proc.bin), proc.quote(emu.url), proc.quote(TOKEN))
    local r = proc.sh("sh -c " .. proc.quote(line))
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal(2, count("SELECT COUNT() FROM Contact WHERE LastName LIKE 'Piped%'"))
    -- and by REST (a few rows), the file still read once from the pipe
    r = proc.sh("sh -c " .. proc.quote(line:gsub(" %-%-bulk", "")))
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("by REST: 2 succeeded", r.stdout)
    assert.equal(4, count("SELECT COUNT() FROM Contact WHERE LastName LIKE 'Piped%'"))
  end)

  it("prints the report as JSON with --json", function()
    people(10, 5)
    local r = lf { "bulk", "import", "Contact", "people.csv", "--json", "--failed-file", "again.csv" }
    assert.equal(1, r.code, r.stderr)
    local rep = require("luaforce.json").decode(r.stdout)
    assert.equal(8, rep.counts.successful)
    assert.equal(2, rep.counts.failed)
    assert.equal("again.csv", rep.failed_file)
    assert.equal("done", rep.jobs[1].outcome)
    assert.matches("^750", rep.jobs[1].id)
  end)

  it("upserts and hard-deletes through the command", function()
    proc.write(dir .. "/inv.csv", "External_Id__c,Status__c,Amount__c\nE-1,Draft,10\nE-2,Sent,20.50\n")
    local r = lf { "bulk", "import", "Invoice__c", "inv.csv", "--operation", "upsert", "--external-id", "External_Id__c" }
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal(2, count("SELECT COUNT() FROM Invoice__c"))
    local ids = {}
    for rec in org:records("SELECT Id FROM Invoice__c") do ids[#ids + 1] = rec.Id end
    proc.write(dir .. "/gone.csv", "Id\n" .. table.concat(ids, "\n") .. "\n")
    r = lf { "bulk", "import", "Invoice__c", "gone.csv", "--operation", "hard-delete" }
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.equal(0, assert(org:call("GET", "/queryAll", { query = { q = "SELECT Id FROM Invoice__c" } })).body.totalSize)
    r = lf { "bulk", "import", "Invoice__c", "inv.csv", "--operation", "upsert" }
    assert.equal(2, r.code)
    assert.matches("needs %-%-external%-id", r.stderr)
  end)

  it("refuses a malformed file before creating any job (exit 2)", function()
    proc.write(dir .. "/bad.csv", 'LastName,Email\nA,a@example.com\n"B,b@example.com\n')
    local r = lf { "bulk", "import", "Contact", "bad.csv" }
    assert.equal(2, r.code)
    assert.matches("bad%.csv, line 3", r.stderr)
    proc.write(dir .. "/bad.csv", "LastName,Nope__c\nA,x\n")
    r = lf { "bulk", "import", "Contact", "bad.csv" }
    assert.equal(2, r.code, r.stdout .. r.stderr) -- Salesforce fails the job: the column is not a field
    assert.matches("Nope__c", r.stdout)
    assert.equal(0, count("SELECT COUNT() FROM Contact"))
    r = lf { "bulk", "import", "Contact", "missing.csv" }
    assert.equal(2, r.code)
    assert.matches("cannot read missing%.csv", r.stderr)
  end)

  it("import picks REST for a few rows and Bulk past the threshold", function()
    people(10, 5)
    local r = lf { "import", "Contact", "people.csv" }
    assert.equal(1, r.code)
    assert.matches("by REST: 8 succeeded, 2 failed", r.stdout)
    assert.equal(0, jobs())
    assert.equal("sf__Error,LastName,Email,Description", lines_of(slurp(dir .. "/people.failed.csv"))[1])
    r = lf { "import", "Contact", "people.csv", "--bulk-threshold", "5" }
    assert.equal(1, r.code)
    assert.matches("in 1 job: 8 succeeded, 2 failed", r.stdout)
    assert.equal(1, jobs())
    assert.equal(16, count("SELECT COUNT() FROM Contact"))
  end)

  it("export writes the same CSV by REST and by Bulk; bulk export and results", function()
    people(2500)
    assert.equal(0, lf({ "import", "Contact", "people.csv" }).code)
    local soql = "SELECT Id, LastName, Description, Account.Name FROM Contact ORDER BY LastName"
    local r = lf { "export", soql, "--rest", "-o", "rest.csv" }
    assert.equal(0, r.code, r.stderr)
    r = lf { "export", soql, "-o", "auto.csv" }   -- 2,500 rows: past the threshold
    assert.equal(0, r.code, r.stderr)
    assert.matches("bulk query job 750", r.stderr)
    local rest, auto = slurp(dir .. "/rest.csv"), slurp(dir .. "/auto.csv")
    assert.equal(2501, #lines_of(rest))
    assert.equal(rest, auto)
    assert.matches('^"Id","LastName","Description","Account.Name"\n"003%w+","Person00001","notes, with a comma and ""quotes""",""\n', rest)
    r = lf { "bulk", "export", "SELECT Id FROM Contact" }
    assert.equal(0, r.code, r.stderr)
    assert.equal(2501, #lines_of(r.stdout))
    -- a subquery goes by REST whatever the size
    r = lf { "export", "SELECT Id, (SELECT Id FROM Contacts) FROM Account", "--bulk" }
    assert.equal(2, r.code)
  end)

  it("bulk status, results, jobs and abort", function()
    people(10, 5)
    assert.equal(1, lf({ "bulk", "import", "Contact", "people.csv" }).code)
    local id = assert(bulk.jobs(org))[1].id
    local r = lf { "bulk", "status", id, "-f", "json" }
    assert.equal(0, r.code, r.stderr)
    local info = require("luaforce.json").decode(r.stdout)
    assert.equal("JobComplete", info.state)
    assert.equal(10, info.numberRecordsProcessed)
    assert.equal(2, info.numberRecordsFailed)
    r = lf { "bulk", "results", id }
    assert.equal(0, r.code, r.stderr)
    assert.equal(3, #lines_of(r.stdout))
    assert.matches('^"sf__Id","sf__Error"', r.stdout)
    r = lf { "bulk", "results", id, "--successful", "-o", "ok.csv" }
    assert.equal(0, r.code, r.stderr)
    assert.equal(9, #lines_of(slurp(dir .. "/ok.csv")))
    r = lf { "bulk", "jobs", "-f", "json" }
    assert.equal(0, r.code, r.stderr)
    assert.matches(id, r.stdout)
    r = lf { "bulk", "status", "750000000000000AAA" }
    assert.equal(1, r.code)
    r = lf { "bulk", "status", "001000000000000AAA" }
    assert.equal(2, r.code)
    r = lf { "bulk", "abort", id }
    assert.equal(1, r.code) -- a finished job cannot be aborted
  end)

  it("helps with the group and each command", function()
    local r = proc.luaforce { "bulk", "--help" }
    assert.equal(0, r.code)
    assert.matches("Commands:\n  import", r.stdout)
    r = proc.luaforce { "help", "bulk", "import" }
    assert.equal(0, r.code)
    assert.matches("Usage: luaforce bulk import OBJECT FILE%.csv", r.stdout)
    r = proc.luaforce { "bulk", "export", "--help" }
    assert.equal(0, r.code)
    assert.matches("%-%-output FILE", r.stdout)
    r = proc.luaforce { "bulk", "imprt" }
    assert.equal(2, r.code)
    assert.matches("did you mean 'luaforce bulk import'", r.stderr)
    r = proc.luaforce { "bulk" }
    assert.equal(2, r.code)
  end)

  describe("Ctrl-C", function()
    local slow, sorg
    setup(function()
      slow = assert(emulator.start { empty = true, bulk_manual = true, bulk_rows_per_step = 10 })
      sorg = assert(client.connect { instance_url = slow.url, access_token = slow.token })
    end)
    teardown(function() slow:stop() end)

    -- Starts an import against the held org and waits for its job to be closed.
    local function start_import()
      slow:reset()
      people(50)
      local h = proc.spawn { "bulk", "import", "Contact", dir .. "/people.csv", "--failed-file", dir .. "/rest.csv",
        "--instance", slow.url, "--token", TOKEN }
      local id
      for _ = 1, 200 do
        local list = bulk.jobs(sorg)
        if list and list[1] and list[1].state == "UploadComplete" then
          id = list[1].id
          break
        end
        proc.sleep(0.05)
      end
      assert(id, "the import did not close its job: " .. h.read_stderr())
      return h, id
    end

    it("before processing began: the job is aborted in the org, exit 130, nothing written", function()
      local h, id = start_import()
      proc.sleep(0.2)
      h.signal("INT")
      local code = h.wait(20)
      local out = h.read_stdout()
      h.cleanup()
      assert.equal(130, code, out)
      assert.matches("interrupted", out)
      assert.equal("Aborted", assert(bulk.job(sorg, id)).state)
      slow:bulk_step(10)
      assert.equal(0, assert(sorg:query("SELECT COUNT() FROM Contact")).body.totalSize)
      assert.equal(51, #lines_of(slurp(dir .. "/rest.csv"))) -- every row, to send again
    end)

    it("after rows were written: exit 6, the job named", function()
      local h, id = start_import()
      slow:bulk_step(2)
      proc.sleep(0.2)
      h.signal("INT")
      local code = h.wait(20)
      local out = h.read_stdout()
      h.cleanup()
      assert.equal(6, code, out)
      assert.matches("job " .. id .. " .*outcome unknown.*luaforce bulk status " .. id, out)
      assert.equal(10, assert(sorg:query("SELECT COUNT() FROM Contact")).body.totalSize)
    end)
  end)
end)
