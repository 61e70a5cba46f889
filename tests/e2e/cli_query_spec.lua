-- End-to-end: `luaforce query` against the local org, as a user runs it.
-- Golden files (tests/e2e/golden/) hold the exact table and CSV output; run
-- with LUAFORCE_UPDATE_GOLDEN=1 to rewrite them after an intended change,
-- then read the diff.
local proc = require "support.proc"
local json = require "luaforce.json"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"
local NOW = "2024-06-01T12:00:00Z"
local GOLDEN = proc.root .. "/tests/e2e/golden/"
local DATA = GOLDEN .. "query_data.json"

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function start(args)
  local all = { "emulator", "--port", "0", "--now", NOW, "--seed", "3", "-q" }
  for _, a in ipairs(args) do all[#all + 1] = a end
  local h = proc.spawn(all)
  h.url = h.wait_for("listening on (http://127%.0%.0%.1:%d+)\n", 20)
  assert(h.url, "the emulator did not start: " .. h.read_stderr())
  return h
end

local function golden(name, actual)
  local path = GOLDEN .. name
  if os.getenv("LUAFORCE_UPDATE_GOLDEN") then proc.write(path, actual) end
  local want = slurp(path)
  assert(want, "missing golden file " .. path .. " (LUAFORCE_UPDATE_GOLDEN=1 writes it)")
  assert.equal(want, actual)
end

describe("luaforce query", function()
  local emu

  setup(function()
    emu = start { "--empty", "--data", DATA, "--min-batch-size", "2" }
  end)

  teardown(function()
    if emu then emu.signal("TERM"); emu.wait(10); emu.cleanup() end
  end)

  -- luaforce query ... against the test org; stdin and stdout are files
  local function query(args, env)
    local all = { "query", "--instance", emu.url }
    for _, a in ipairs(args) do all[#all + 1] = a end
    local e = { SF_ACCESS_TOKEN = TOKEN, COLUMNS = "72" }
    for k, v in pairs(env or {}) do e[k] = v end
    return proc.luaforce(all, { env = e, stdin = env and env.STDIN })
  end

  local CONTACTS = "SELECT Id, FirstName, LastName, Account.Name, Email FROM Contact ORDER BY LastName"

  describe("table", function()
    it("fits the terminal width, flattens relationships, blanks nulls", function()
      local r = query { "--format", "table", CONTACTS }
      assert.equal("", r.stderr)
      assert.equal(0, r.code)
      golden("contacts.txt", r.stdout)
      for line in r.stdout:gmatch("[^\n]+") do assert.is_true(utf8.len(line) <= 72, line) end
      assert.matches("Account%.Name", r.stdout)
    end)

    it("truncates long cells with … in a narrow terminal", function()
      local r = query({ "-f", "table", CONTACTS }, { COLUMNS = "50" })
      assert.equal(0, r.code)
      golden("contacts_narrow.txt", r.stdout)
      assert.matches("…", r.stdout)
      for line in r.stdout:gmatch("[^\n]+") do assert.is_true(utf8.len(line) <= 50, line) end
    end)

    it("shows a child subquery as a count", function()
      local r = query { "-f", "table", "SELECT Name, (SELECT LastName FROM Contacts) FROM Account ORDER BY Name" }
      assert.equal(0, r.code)
      assert.matches("Acme, Inc%.%s+%[2 records%]", r.stdout)
      assert.matches("Initech↵Software", r.stdout)
      assert.matches("%(3 records%)\n$", r.stdout)
    end)
  end)

  describe("csv", function()
    it("takes its header from the select list, even with a null lookup in row 1", function()
      local r = query { "--format", "csv", "SELECT Id, LastName, Account.Name, Email FROM Contact ORDER BY LastName" }
      assert.equal(0, r.code)
      golden("contacts.csv", r.stdout)
      assert.equal("Id,LastName,Account.Name,Email\r\n", r.stdout:match("^[^\n]*\n"))
      assert.matches("^003000000000001AAA,Able,,ada@example%.com\r$", r.stdout:match("\n([^\n]*)\n"))
    end)

    it("quotes per RFC 4180 and writes child subqueries as JSON in a cell", function()
      local r = query { "-f", "csv", "SELECT Name, Industry, (SELECT LastName FROM Contacts) FROM Account ORDER BY Name" }
      assert.equal(0, r.code)
      golden("accounts.csv", r.stdout)
      assert.matches('"Globex ""Global"" Corp"', r.stdout, 1, true)
      assert.matches('"Initech\nSoftware"', r.stdout, 1, true)
      assert.matches('"[{""LastName"":""Cole""}]"', r.stdout, 1, true)
    end)

    it("names aggregate columns by alias or exprN", function()
      local r = query { "-f", "csv", "SELECT StageName, COUNT(Id), SUM(Amount) total FROM Opportunity GROUP BY StageName ORDER BY StageName" }
      assert.equal(0, r.code)
      assert.equal("StageName,expr0,total\r\n", r.stdout:match("^[^\n]*\n"))
      assert.matches("Closed Won,1,0%.1\r\n", r.stdout)
    end)

    it("names an aliased grouped field by its alias, with its values", function()
      local r = query { "-f", "csv", "SELECT StageName stage, COUNT(Id) FROM Opportunity GROUP BY StageName ORDER BY StageName" }
      assert.equal(0, r.code)
      assert.equal("stage,expr0\r\n", r.stdout:match("^[^\n]*\n"))
      assert.matches("\nClosed Won,1\r\n", r.stdout)
    end)
  end)

  describe("json and ndjson", function()
    it("prints a JSON array when piped, numbers exactly as sent", function()
      local r = query { "SELECT Name, Amount FROM Opportunity ORDER BY Name" }
      assert.equal(0, r.code)
      local list = assert(json.decode(r.stdout))
      assert.is_true(json.is_array(list))
      assert.equal(3, #list)
      assert.is_nil(list[1].attributes)
      assert.matches('"Amount":1234567890123456.78', r.stdout, 1, true)
      assert.equal(json.null, list[3].Amount)
    end)

    it("prints one compact record per line in ndjson", function()
      local r = query { "-f", "ndjson", CONTACTS }
      assert.equal(0, r.code)
      local n = 0
      for line in r.stdout:gmatch("([^\n]*)\n") do
        n = n + 1
        local rec = assert(json.decode(line))
        assert.is_string(rec.LastName)
      end
      assert.equal(4, n)
      assert.matches('^{"Id":"003000000000001AAA","FirstName":"Ada","LastName":"Able","Account":null', r.stdout)
    end)

    it("prints an empty array for no records", function()
      local r = query { "SELECT Id FROM Contact WHERE LastName = 'Nobody'" }
      assert.equal(0, r.code)
      assert.equal("[]\n", r.stdout)
    end)

    it("prints the count of SELECT COUNT()", function()
      local r = query { "-f", "ndjson", "SELECT COUNT() FROM Contact" }
      assert.equal(0, r.code)
      assert.equal("4\n", r.stdout)
    end)
  end)

  describe("--map", function()
    it("applies a FEEL expression to each record, exactly", function()
      local r = query { "-f", "ndjson", "--map", "{name: Name, double: Amount * 2}",
        "SELECT Name, Amount FROM Opportunity WHERE Amount != null ORDER BY Name" }
      assert.equal(0, r.code)
      assert.equal('{"name":"Acme - Big Deal","double":2469135780246913.56}\n'
        .. '{"name":"Globex - Renewal","double":0.2}\n', r.stdout)
    end)

    it("shapes the CSV columns from the mapped records", function()
      local r = query { "-f", "csv", "--map", "{who: LastName, company: Account.Name}", CONTACTS }
      assert.equal(0, r.code)
      assert.equal("who,company\r\nAble,\r\nBaker,\"Acme, Inc.\"\r\n", r.stdout:match("^[^\n]*\n[^\n]*\n[^\n]*\n"))
    end)

    it("with --map-response sees each page as a response object", function()
      local r = query { "-f", "ndjson", "--batch-size", "2", "--map-response",
        "--map", "{status: status, n: count(body.records), total: body.totalSize, done: body.done}", CONTACTS }
      assert.equal(0, r.code)
      assert.equal('{"status":200,"n":2,"total":4,"done":false}\n{"status":200,"n":2,"total":4,"done":true}\n',
        r.stdout)
    end)

    it("fails with exit 2 and a caret on a FEEL syntax error, before any request", function()
      local r = query { "--map", "{name: Name,,}", CONTACTS }
      assert.equal(2, r.code)
      assert.equal("", r.stdout)
      assert.matches("%-%-map: syntax error at line 1, column 13", r.stderr)
      assert.matches("\n  {name: Name,,}\n              %^\n", r.stderr)
    end)
  end)

  describe("paging", function()
    it("streams every page with --batch-size", function()
      local r = query { "-f", "ndjson", "--batch-size", "2", "--verbose", CONTACTS }
      assert.equal(0, r.code)
      local _, lines = r.stdout:gsub("\n", "")
      assert.equal(4, lines)
      -- the first page and one more, from the trace on standard error
      local _, pages = r.stderr:gsub("GET [^\n]*/query", "")
      assert.is_true(pages >= 2, r.stderr)
    end)

    it("stops at --max", function()
      local r = query { "-f", "ndjson", "--batch-size", "2", "--max", "3", CONTACTS }
      assert.equal(0, r.code)
      local _, lines = r.stdout:gsub("\n", "")
      assert.equal(3, lines)
    end)

    it("reads the query from standard input with -", function()
      local r = query({ "-f", "ndjson", "-" }, { STDIN = "SELECT LastName FROM Contact ORDER BY LastName LIMIT 1\n" })
      assert.equal(0, r.code)
      assert.equal('{"LastName":"Able"}\n', r.stdout)
    end)
  end)

  describe("exit codes", function()
    it("2 for malformed SOQL, with a caret, before any request", function()
      local r = query { "SELECT Id FRM Contact" }
      assert.equal(2, r.code)
      assert.equal("", r.stdout)
      assert.matches("MALFORMED_QUERY: unexpected token: 'FRM' %(row 1, column 11%)", r.stderr)
      assert.matches("\n  SELECT Id FRM Contact\n            %^\n", r.stderr)
    end)

    it("2 for conditions nested past 1,000 parentheses (was a stack overflow, exit 5)", function()
      local deep = "SELECT Id FROM Contact WHERE " .. ("("):rep(150000) .. "LastName = 'x'" .. (")"):rep(150000)
      local r = proc.luaforce({ "query", "--instance", emu.url, "-" },
        { env = { SF_ACCESS_TOKEN = TOKEN }, stdin = deep })
      assert.equal(2, r.code)
      assert.equal("", r.stdout)
      assert.matches("^luaforce: MALFORMED_QUERY: conditions nested deeper than 1000 parentheses %(row 1, column 1030%)\n",
        r.stderr)
      assert.is_nil(r.stderr:find("traceback", 1, true))
    end)

    it("2 for an unknown field (the org says so)", function()
      local r = query { "SELECT Id, Nmae FROM Contact" }
      assert.equal(2, r.code)
      assert.equal("luaforce: INVALID_FIELD: No such column 'Nmae' on entity 'Contact' (at Row:1:Column:12) "
        .. "(did you mean Name?)\n",
        r.stderr)
      local t = query { "SELECT Id FROM Contcat" }
      assert.equal(2, t.code)
      assert.matches("INVALID_TYPE: sObject type 'Contcat' is not supported %(did you mean Contact%?%)", t.stderr)
    end)

    it("2 for a bad --format, suggesting the nearest", function()
      local r = query { "--format", "cvs", CONTACTS }
      assert.equal(2, r.code)
      assert.matches("did you mean csv%?", r.stderr)
    end)

    it("2 for an empty query", function()
      local r = query({ "-" }, { STDIN = "  \n" })
      assert.equal(2, r.code)
      assert.matches("the query is empty", r.stderr)
    end)
  end)

  describe("progress", function()
    it("draws nothing when standard error is not a terminal", function()
      local r = query { "-f", "ndjson", "--batch-size", "2", CONTACTS }
      assert.equal(0, r.code)
      assert.equal("", r.stderr)
    end)

    local function under_pty(extra)
      local out = os.tmpname()
      local parts = { proc.quote(proc.bin), "query", "--instance", proc.quote(emu.url), "-f", "ndjson",
        "--output", proc.quote(out), "--batch-size", "2" }
      for _, a in ipairs(extra or {}) do parts[#parts + 1] = proc.quote(a) end
      parts[#parts + 1] = proc.quote(CONTACTS)
      local cmd = ("SF_ACCESS_TOKEN=%s COLUMNS=72 %s"):format(proc.quote(TOKEN), table.concat(parts, " "))
      local r = proc.sh("script -q -e -c " .. proc.quote(cmd) .. " /dev/null")
      local data = slurp(out)
      os.remove(out)
      return r, data
    end

    it("draws a bar with counts on a terminal, and clears it", function()
      local r, data = under_pty()
      assert.equal(0, r.code)
      assert.matches("query %[[#.]+%] %d/4 records", r.stdout)
      assert.matches("\r\27%[K", r.stdout)
      local _, lines = data:gsub("\n", "")
      assert.equal(4, lines)
    end)

    it("is silenced by --quiet", function()
      local r = under_pty { "--quiet" }
      assert.equal(0, r.code)
      assert.not_matches("records", r.stdout)
    end)
  end)

  describe("--output", function()
    it("writes the file, replacing the old one whole", function()
      local path = os.tmpname()
      proc.write(path, "old\n")
      local r = query { "-f", "csv", "--output", path, CONTACTS }
      assert.equal(0, r.code)
      assert.equal("", r.stdout)
      assert.matches("^Id,FirstName,LastName,Account%.Name,Email\r\n", slurp(path))
      os.remove(path)
    end)

    it("leaves the old file alone when the query fails", function()
      local path = os.tmpname()
      proc.write(path, "old\n")
      local r = query { "--output", path, "SELECT Nmae FROM Contact" }
      assert.equal(2, r.code)
      assert.equal("old\n", slurp(path))
      os.remove(path)
    end)
  end)
end)

describe("luaforce query --output, killed mid-write", function()
  local emu

  setup(function()
    -- the demo org, its pages slowed down: the query takes seconds
    emu = start { "--min-batch-size", "5", "--faults", "GET /services/data/*/query/** -> latency=150ms" }
  end)

  teardown(function()
    if emu then emu.signal("TERM"); emu.wait(10); emu.cleanup() end
  end)

  local function run_and_signal(signal, path)
    local dir = path:match("^(.*)/")
    local parts = { proc.quote(proc.bin), "query", "--instance", proc.quote(emu.url), "-f", "csv",
      "--batch-size", "5", "--output", proc.quote(path), proc.quote("SELECT Id, Name, Email FROM Contact") }
    local script = ("SF_ACCESS_TOKEN=%s %s & p=$!; sleep 1.5; ls -a %s >%s.ls; kill -%s $p; wait $p"):format(
      proc.quote(TOKEN), table.concat(parts, " "), proc.quote(dir), proc.quote(path), signal)
    local r = proc.sh("sh -c " .. proc.quote(script))
    local listing = slurp(path .. ".ls") or ""
    os.remove(path .. ".ls")
    return r, listing
  end

  local function temp_files(dir, base)
    local found = {}
    local p = io.popen("ls -a " .. proc.quote(dir))
    for name in p:lines() do
      if name:find("." .. base .. ".", 1, true) == 1 then found[#found + 1] = name end
    end
    p:close()
    return found
  end

  it("SIGKILL: the old file stays whole, the new one never appears half-written", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. proc.quote(dir)))
    local path = dir .. "/contacts.csv"
    proc.write(path, "old\n")
    local r, listing = run_and_signal("KILL", path)
    assert.not_equal(0, r.code)
    -- it was writing (its temporary file existed) when it was killed
    assert.matches("%.contacts%.csv%.%x+%.tmp", listing)
    assert.equal("old\n", slurp(path))
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  -- SIGTERM (a service manager, timeout(1)) and SIGHUP (a closed terminal)
  -- stop a run as Ctrl-C does; they used to leave a 0-byte temporary file
  for _, signal in ipairs { "INT", "TERM", "HUP" } do
    it("SIG" .. signal .. ": exit 130, the old file whole, the temporary file removed", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir " .. proc.quote(dir)))
      local path = dir .. "/contacts.csv"
      proc.write(path, "old\n")
      local r, listing = run_and_signal(signal, path)
      assert.matches("%.contacts%.csv%.%x+%.tmp", listing) -- it was writing
      assert.equal(130, r.code)
      assert.equal("luaforce: interrupted\n", r.stderr)
      assert.equal("old\n", slurp(path))
      assert.same({}, temp_files(dir, "contacts.csv"))
      os.execute("rm -rf " .. proc.quote(dir))
    end)
  end
end)
