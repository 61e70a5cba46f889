-- scripts/bench_client.lua: luaforce's Salesforce client next to jsforce
-- 3.10.16, in one run, against one emulator running as its own process.
--
--   build/luaforce run scripts/bench_client.lua [ROWS] [--repeat N]
--
-- Workloads (ROWS defaults to 100,000):
--   stream   every record of a ROWS-row query (luaforce: org:records;
--            jsforce: query().on("record").run({autoFetch}))
--   create   10,000 Accounts (luaforce: org:create_many; jsforce:
--            sobject().create(array, {allOrNone: false, allowRecursive}))
--   update   10,000 Accounts, the same way (update_many / update(array))
-- Each client runs as a process of its own (`--worker` below for luaforce,
-- scripts/bench_client_jsforce.js for jsforce) under /usr/bin/time, so:
--   cpu      user + system seconds of the client process alone: the
--            emulator's work, in another process, cannot blur it
--   wall     seconds from start to exit (process start included)
--   requests API requests the emulator counted (/_emulator/stats delta)
--   peak     the client's maximum resident memory (max RSS)
-- Targets: luaforce's CPU at most half of jsforce's on each workload; peak
-- memory under 64 MB while streaming 100,000 rows. With --repeat N each
-- figure is the run with the median CPU time of N.
--
--   build/luaforce run scripts/bench_client.lua --worker WORKLOAD URL ARG
-- is one client run (what the comparison starts): stream SOQL, create N,
-- update IDS_FILE; prints {"records": n, "failed": n}.
local json = require "luaforce.json"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"
local SOQL = "SELECT Id, Name, Industry, AnnualRevenue, BillingCity, NumberOfEmployees, CreatedDate FROM Account"
local WRITES = 10000

---------------------------------------------------------------------------
-- One client run (a process of its own)

local function connect(url)
  local client = require "luaforce.client"
  return assert(client.connect { instance_url = url, auth = { type = "bearer", token = TOKEN } })
end

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function worker(workload, url, arg)
  local org = connect(url)
  local records, failed = 0, 0
  if workload == "stream" then
    for r in org:records(arg) do
      records = records + 1
      if not r.Name then failed = failed + 1 end
    end
  elseif workload == "create" then
    local recs = {}
    for i = 1, tonumber(arg) do
      recs[i] = { Name = "Bench New " .. i, Industry = "Energy", NumberOfEmployees = i % 5000,
        AnnualRevenue = i * 10.5 }
    end
    local res = assert(org:create_many("Account", recs))
    records, failed = #res, res.failed
  elseif workload == "update" then
    local ids = assert(json.decode(read_file(arg)))
    local recs = {}
    for i, id in ipairs(ids) do
      recs[i] = { Id = id, Industry = "Media", NumberOfEmployees = (i * 7) % 5000 }
    end
    local res = assert(org:update_many("Account", recs))
    records, failed = #res, res.failed
  else
    error("unknown workload " .. tostring(workload))
  end
  io.write(assert(json.encode(json.object({ records = records, failed = failed }, { "records", "failed" }))), "\n")
end

if arg[1] == "--worker" then
  worker(arg[2], arg[3], arg[4])
  return
end

---------------------------------------------------------------------------
-- The comparison

local proc_ok, proc = pcall(require, "support.proc")
if not proc_ok then
  package.path = "tests/lua/?.lua;" .. package.path
  proc = require "support.proc"
end
local http = require "luaforce.http"

local ROWS, REPEAT = 100000, 1
do
  local i = 1
  while arg[i] do
    if arg[i] == "--repeat" then
      REPEAT = assert(math.tointeger(tonumber(arg[i + 1])), "--repeat N")
      i = i + 2
    else
      ROWS = assert(math.tointeger(tonumber(arg[i])), "ROWS must be a whole number")
      i = i + 1
    end
  end
end

-- A data file of `n` accounts (deterministic).
local function write_data(n)
  local industries = { "Energy", "Banking", "Retail", "Media", "Biotechnology", "Construction" }
  local cities = { "Zürich", "São Paulo", "Łódź", "Oslo", "Austin", "Kyoto" }
  local rows = {}
  for i = 1, n do
    rows[i] = json.object({
      Name = ("Bench Account %06d O'Hara"):format(i),
      Industry = industries[i % #industries + 1],
      AnnualRevenue = (i * 7919) % 100000000 + 0.5,
      BillingCity = cities[i % #cities + 1],
      NumberOfEmployees = i % 5000,
    }, { "Name", "Industry", "AnnualRevenue", "BillingCity", "NumberOfEmployees" })
  end
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(assert(json.encode({ Account = json.array(rows) })))
  f:close()
  return path
end

local function api_requests(url)
  local res = assert(http.request { url = url .. "/_emulator/stats" })
  return assert(json.decode(res.body)).api_requests
end

-- Runs a command under /usr/bin/time; returns {cpu, wall, peak_mb, out}.
local function timed(cmd, env)
  local tf, out, err = os.tmpname(), os.tmpname(), os.tmpname()
  local line = ("%s/usr/bin/time -f '%%U %%S %%e %%M' -o %s %s >%s 2>%s"):format(env or "", tf, cmd, out, err)
  local ok = os.execute(line)
  local t = read_file(tf)
  local result = read_file(out)
  local errtext = read_file(err)
  os.remove(tf); os.remove(out); os.remove(err)
  if not ok then error(("failed: %s\n%s%s"):format(cmd, errtext, t)) end
  local u, s, e, m = t:match("([%d.]+) ([%d.]+) ([%d.]+) (%d+)%s*$")
  assert(u, "cannot read /usr/bin/time's output: " .. t)
  return { cpu = tonumber(u) + tonumber(s), wall = tonumber(e), peak_mb = tonumber(m) / 1024,
    out = assert(json.decode(result), "the client printed no result: " .. result) }
end

local function median_run(runs)
  table.sort(runs, function(a, b) return a.cpu < b.cpu end)
  return runs[(#runs + 1) // 2]
end

if not io.open("/usr/bin/time") then
  io.stderr:write("bench client: /usr/bin/time is needed (Debian: apt-get install time)\n")
  os.exit(1)
end

local peers = io.popen("scripts/peers 2>/dev/null")
local node_modules = peers:read("l")
peers:close()
local have_node = node_modules and node_modules ~= "" and io.open(node_modules .. "/jsforce/package.json")
local jsforce_version = "missing"
if have_node then
  jsforce_version = assert(json.decode(read_file(node_modules .. "/jsforce/package.json"))).version
else
  io.stderr:write("bench client: jsforce is not installed (scripts/peers needs Node.js 20+ and npm): ",
    "luaforce alone\n")
end
local node_version = have_node and io.popen("node --version"):read("l") or "-"

print(("client benchmark: luaforce vs jsforce %s (node %s), emulator in its own process"):format(
  jsforce_version, node_version))

local data_path = write_data(ROWS)
local emu = proc.spawn { "emulator", "-q", "--port", "0", "--empty", "--data", data_path,
  "--api-limit", "100000000" }
local url = emu.wait_for("listening on (http://[%d%.]+:%d+)\n", 300)
assert(url, "emulator did not start: " .. emu.read_stderr())
os.remove(data_path)

-- the ids the update workload changes (the first 10,000 of the data)
local ids_path = os.tmpname()
do
  local org = connect(url)
  local list = assert(org:fetch_all("SELECT Id FROM Account ORDER BY Name", { max = WRITES }))
  local ids = {}
  for i, r in ipairs(list) do ids[i] = r.Id end
  local f = assert(io.open(ids_path, "wb"))
  f:write(assert(json.encode(json.array(ids))))
  f:close()
end

local self_cmd = ("%s run scripts/bench_client.lua --worker"):format(proc.quote(proc.bin))
local node_env = have_node and ("NODE_PATH=%s "):format(proc.quote(node_modules)) or ""
local workloads = {
  { name = ("stream %d rows"):format(ROWS), key = "stream", arg = SOQL },
  { name = ("create %d"):format(WRITES), key = "create", arg = tostring(WRITES) },
  { name = ("update %d"):format(WRITES), key = "update", arg = ids_path },
}

local function measure(cmd, env)
  local runs = {}
  for r = 1, REPEAT do
    local before = api_requests(url)
    local t = timed(cmd, env)
    t.requests = api_requests(url) - before
    runs[r] = t
  end
  return median_run(runs)
end

print(("  %-20s %-9s %8s %8s %9s %9s %8s"):format("workload", "client", "cpu s", "wall s", "requests", "peak MB",
  "records"))
local function row(name, who, t)
  print(("  %-20s %-9s %8.2f %8.2f %9d %9.1f %8d"):format(name, who, t.cpu, t.wall, t.requests, t.peak_mb,
    t.out.records))
end

local verdicts = {}
for _, w in ipairs(workloads) do
  local q = proc.quote
  local lf = measure(("%s %s %s %s"):format(self_cmd, w.key, q(url), q(w.arg)))
  row(w.name, "luaforce", lf)
  if lf.out.failed > 0 then print(("  !! luaforce: %d records failed"):format(lf.out.failed)) end
  if have_node then
    local js = measure(("node scripts/bench_client_jsforce.js %s %s %s"):format(w.key, q(url), q(w.arg)), node_env)
    row("", "jsforce", js)
    if js.out.failed > 0 then print(("  !! jsforce: %d records failed"):format(js.out.failed)) end
    local ratio = lf.cpu / math.max(js.cpu, 0.001)
    local line = ("  %-20s cpu luaforce/jsforce %.2f (target <= 0.50: %s), wall %.2fx, peak %.2fx"):format("",
      ratio, ratio <= 0.5 and "met" or "MISSED", lf.wall / math.max(js.wall, 0.001), lf.peak_mb / js.peak_mb)
    print(line)
    verdicts[#verdicts + 1] = ratio <= 0.5
  end
  if w.key == "stream" and ROWS >= 100000 then
    print(("  %-20s luaforce peak %.1f MB while streaming (target < 64 MB: %s)"):format("", lf.peak_mb,
      lf.peak_mb < 64 and "met" or "MISSED"))
  end
end

emu.signal("TERM"); emu.wait(10); emu.cleanup()
os.remove(ids_path)
