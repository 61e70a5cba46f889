-- scripts/soak_load.lua: the load test of scripts/soak. A `luaforce emulator`
-- process of its own under CLIENTS clients of mixed traffic; the emulator's
-- RSS (/proc/PID/status VmRSS) sampled at start, middle and end.
--
--   soak_load.run(opts) -> exit code (0 clean; 1 a failure, a request not
--       answered, or RSS grown past the tolerance), printing the figures.
--       opts: DEFAULTS below; `ops` (operations per client after the
--       warm-up) instead of `seconds` makes the run count-bound.
--   soak_load.worker(argv) -> 0: one client as a process (`luaforce run
--       scripts/soak.lua --worker URL ID WARMUP OPS UNTIL_MS SEED FILE`);
--       writes its counts as JSON to FILE.
--
-- Each client: one query for the org's Account ids, then WARMUP operations
-- in a cycle with creates and deletes (two creates to one delete, so each
-- client keeps a working set of its own records), then the steady cycle
-- (queries, paged queries and their next page, gets, updates of its working
-- set) until the time is up or OPS are done. Every operation is exactly one
-- API request, so the org's api_requests count must equal the clients'
-- operations. The local org keeps deleted rows, so deletes grow its data
-- as creates do: they belong to the warm-up only, and after it the data
-- set no longer grows. "middle" is the first sample at or after half the
-- time (or half the steady operations) once every client's warm-up is over.
local client = require "luaforce.client"
local http = require "luaforce.http"
local json = require "luaforce.json"
local sys = require "luaforce.core.sys"

local M = {}

M.DEFAULTS = { clients = 16, seconds = 60, mode = "processes", tolerance = 12, seed = 1 }

-- The default warm-up: enough paged queries (2 in 8 operations) to fill the
-- org's cache of query cursors (500, oldest dropped first) before the
-- measure, and at least 100 operations per client.
M.PAGES_TO_FILL = 600
function M.default_warmup(clients)
  return math.max(100, math.ceil(M.PAGES_TO_FILL * 4 / clients))
end

local TOKEN = "00DLOCAL0000001!luaforce.local.token"
local NOW = "2024-06-01T12:00:00Z"
local SAMPLE_S = 0.25
local MB = 1024 -- VmRSS is in kB

local WARMUP = { "create", "page", "get", "update", "create", "page", "more", "delete" }
local STEADY = { "query", "get", "update", "page", "more", "get", "query", "update", "get", "query" }
local OPS = { "query", "page", "more", "get", "create", "update", "delete" }
local INDUSTRIES = { "Technology", "Energy", "Banking", "Retail", "Healthcare", "Media", "Manufacturing" }

---------------------------------------------------------------------------
-- One client

local function connect(url)
  return assert(client.connect({ instance_url = url, api_version = "v62.0",
    auth = { type = "bearer", token = TOKEN }, retry = { attempts = 1 } }, {}))
end

local function new_counts()
  local c = { ops = 0, failures = 0, by_op = {}, failed = {}, messages = {} }
  for _, op in ipairs(OPS) do c.by_op[op], c.failed[op] = 0, 0 end
  c.by_op.ids = 0
  c.failed.ids = 0
  return c
end

-- Runs one client to the end; `stop()` says when the steady phase ends.
local function run_client(url, id, warmup, stop, seed)
  local org = connect(url)
  local rand = math.random
  local counts = new_counts()
  local own, locator, n = {}, nil, 0
  local demo = {}
  local function record(op, res, err)
    counts.ops = counts.ops + 1
    counts.by_op[op] = counts.by_op[op] + 1
    if not res then
      counts.failures = counts.failures + 1
      counts.failed[op] = counts.failed[op] + 1
      if #counts.messages < 5 then counts.messages[#counts.messages + 1] = op .. ": " .. tostring(err) end
    end
    return res
  end
  -- the demo org's Accounts only: other clients delete their own
  local res, err = org:query("SELECT Id, Name FROM Account")
  if record("ids", res, err) then
    for _, r in ipairs(res.body.records) do
      if not r.Name:match("^load ") then demo[#demo + 1] = r.Id end
    end
  end
  local DO = {}
  function DO.query()
    return org:query(("SELECT Id, Name, Industry FROM Account WHERE Industry = '%s' LIMIT 20"):format(
      INDUSTRIES[rand(#INDUSTRIES)]))
  end
  function DO.page()
    local r, e = org:call("GET", "/query", { query = { q = "SELECT Id, Name, Amount, StageName FROM Opportunity" },
      headers = { ["Sforce-Query-Options"] = "batchSize=200" } })
    locator = r and r.body.nextRecordsUrl or nil
    return r, e
  end
  function DO.more()
    if not locator then return DO.page() end
    local url = locator
    locator = nil
    return org:call("GET", url)
  end
  function DO.get()
    local pool = (#own > 0 and rand(2) == 1) and own or demo
    if #pool == 0 then return DO.query() end
    return org:get("Account", pool[rand(#pool)], { query = { fields = "Id,Name,Description" } })
  end
  function DO.create()
    n = n + 1
    local r, e = org:create("Account", { Name = ("load %d-%d"):format(id, n), Description = "load" })
    if r then own[#own + 1] = r.body.id end
    return r, e
  end
  function DO.update()
    if #own == 0 then return DO.create() end
    n = n + 1
    return org:update("Account", own[rand(#own)], { Description = "load " .. n })
  end
  function DO.delete()
    if #own <= 1 then return DO.create() end
    return org:delete("Account", table.remove(own, 1))
  end
  local function op_of(cycle, k)
    return cycle[(k - 1) % #cycle + 1]
  end
  math.randomseed(seed * 1000 + id)
  for k = 1, warmup do
    local op = op_of(WARMUP, k)
    record(op, DO[op]())
  end
  local k = 0
  while not stop(k) do
    k = k + 1
    local op = op_of(STEADY, k)
    record(op, DO[op]())
  end
  counts.steady = k
  return counts
end

local function encode_counts(c)
  return assert(json.encode(c))
end

--- See the file comment.
function M.worker(argv)
  local url, id, warmup, ops, until_ms, seed, file = argv[2], tonumber(argv[3]), tonumber(argv[4]),
    tonumber(argv[5]), tonumber(argv[6]), tonumber(argv[7]), argv[8]
  local stop
  if ops > 0 then stop = function(k) return k >= ops end
  else stop = function() return sys.now_ms() >= until_ms end end
  local counts = run_client(url, id, warmup, stop, seed)
  local tmp = file .. ".tmp"
  local f = assert(io.open(tmp, "wb"))
  f:write(encode_counts(counts))
  f:close()
  assert(os.rename(tmp, file))
  return 0
end

---------------------------------------------------------------------------
-- The emulator process

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function rss_kb(pid)
  local s = slurp("/proc/" .. pid .. "/status")
  return s and tonumber(s:match("VmRSS:%s*(%d+)")) or nil
end

-- A process that ended but was not reaped yet (a zombie) counts as gone:
-- the shell that started it has exited, so only init reaps it.
local function alive(pid)
  local s = slurp("/proc/" .. pid .. "/status")
  return s ~= nil and not s:match("\nState:%s*Z")
end

-- Starts a command in the background; returns its process id.
local function spawn(cmd)
  local p = assert(io.popen(cmd .. " & echo $!", "r"))
  local pid = tonumber(p:read("l"))
  p:close()
  return assert(pid, "soak load: cannot start " .. cmd)
end

local function start_emulator(bin, dir)
  local out, errf = dir .. "/emulator.out", dir .. "/emulator.err"
  local pid = spawn(("%s --quiet emulator --port 0 --seed 1 --now %s --api-limit 2000000000 >%s 2>%s </dev/null")
    :format(quote(bin), NOW, quote(out), quote(errf)))
  for _ = 1, 400 do
    local text = slurp(out) or ""
    local url = text:match("listening on (http://[%d.:]+)")
    if url then return pid, url end
    if not alive(pid) then break end
    http.sleep(0.05)
  end
  error("soak load: the emulator did not start: " .. (slurp(errf) or ""), 0)
end

local function stop_emulator(pid)
  os.execute(("kill -TERM %d 2>/dev/null"):format(pid))
  for _ = 1, 100 do
    if not alive(pid) then return end
    http.sleep(0.05)
  end
  os.execute(("kill -KILL %d 2>/dev/null"):format(pid))
end

local function stats(url)
  local res = http.request { method = "GET", url = url .. "/_emulator/stats" }
  if not res or res.status ~= 200 then return nil end
  return json.decode(res.body)
end

---------------------------------------------------------------------------
-- The run

local function script_path()
  return (arg and arg[0]) or "scripts/soak.lua"
end

-- LUAFORCE_BIN, else the build next to this script's folder.
local function bin_path()
  local dir = script_path():match("^(.*)/[^/]*$") or "."
  return os.getenv("LUAFORCE_BIN") or (dir .. "/../build/luaforce")
end

-- The sampler: the emulator's RSS and the org's API request count every
-- SAMPLE_S seconds.
-- With `file`, each sample is also a line "seconds requests rss_kb".
local function sampler(pid, url, t0, api0, file)
  local s = { samples = {}, start_kb = rss_kb(pid) }
  local f = file and assert(io.open(file, "w"))
  function s.tick()
    local st = stats(url)
    local kb = rss_kb(pid)
    if st and kb then
      local x = { done = st.api_requests - api0, at = (sys.monotonic_ms() - t0) / 1000, kb = kb }
      s.samples[#s.samples + 1] = x
      if f then
        f:write(("%.2f %d %d\n"):format(x.at, x.done, x.kb))
        f:flush()
      end
    end
  end
  function s.close() if f then f:close() end end
  return s
end

-- "middle" and "end": the peak RSS of the first and of the second half of
-- the steady phase (the samples after every client's warm-up; halves by
-- requests when count-bound, by time otherwise). Peaks, because the
-- collector makes any one sample swing by megabytes.
local function halves(o, s, last)
  local warm = o.clients * (o.warmup + 1)
  local steady = {}
  for _, x in ipairs(s.samples) do
    if x.done >= warm then steady[#steady + 1] = x end
  end
  steady[#steady + 1] = last
  if #steady < 2 then return nil end
  local key = o.ops and "done" or "at"
  local mid = (steady[1][key] + last[key]) / 2
  local m, e = steady[1].kb, last.kb
  for _, x in ipairs(steady) do
    if x[key] <= mid then m = math.max(m, x.kb) else e = math.max(e, x.kb) end
  end
  return m, e, #steady
end

local function run_processes(o, url, dir, until_ms, tick)
  local files, pids = {}, {}
  for id = 1, o.clients do
    files[id] = ("%s/client%d.json"):format(dir, id)
    pids[id] = spawn(("%s run %s --worker %s %d %d %d %d %d %s >%s 2>&1 </dev/null"):format(quote(bin_path()),
      quote(script_path()), quote(url), id, o.warmup, o.ops or 0, until_ms, o.seed, quote(files[id]),
      quote(files[id] .. ".log")))
  end
  local results = {}
  local deadline = sys.now_ms() + ((o.ops and 600) or (o.seconds + 120)) * 1000
  while true do
    local done = 0
    for id = 1, o.clients do
      if not results[id] then
        local text = slurp(files[id])
        if text then
          results[id] = json.decode(text)
        elseif not alive(pids[id]) and not slurp(files[id]) then
          results[id] = { broken = "ended without a result: " .. (slurp(files[id] .. ".log") or "") }
        elseif sys.now_ms() > deadline then
          results[id] = { broken = "still running at the deadline: " .. (slurp(files[id] .. ".log") or "") }
        end
      end
      if results[id] then done = done + 1 end
    end
    if done == o.clients then break end
    tick()
    http.sleep(SAMPLE_S)
  end
  return results
end

local function run_tasks(o, url, until_ms, tick)
  local results, running = {}, o.clients
  local stop
  if o.ops then stop = function(k) return k >= o.ops end
  else stop = function() return sys.now_ms() >= until_ms end end
  http.parallel(function()
    for id = 1, o.clients do
      http.spawn(function()
        local ok, c = pcall(run_client, url, id, o.warmup, stop, o.seed)
        results[id] = ok and c or { broken = tostring(c) }
        running = running - 1
      end)
    end
    while running > 0 do
      tick()
      http.sleep(SAMPLE_S)
    end
  end, { per_host = o.clients + 1 })
  return results
end

local function out(fmt, ...) io.stdout:write(fmt:format(...), "\n") end

local function mb(kb) return kb and ("%.1f MB"):format(kb / MB) or "?" end

--- See the file comment.
function M.run(o)
  if o.ops then o.seconds = nil end
  o.warmup = o.warmup or M.default_warmup(o.clients)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. quote(dir)))
  local pid, url = start_emulator(bin_path(), dir)
  local ok, code = pcall(function()
    local st0 = assert(stats(url), "soak load: no stats from the emulator")
    local t0 = sys.monotonic_ms()
    local s = sampler(pid, url, t0, st0.api_requests, o.samples)
    local until_ms = sys.now_ms() + math.floor((o.seconds or 0) * 1000)
    local results
    if o.mode == "tasks" then results = run_tasks(o, url, until_ms, s.tick)
    else results = run_processes(o, url, dir, until_ms, s.tick) end
    local wall = (sys.monotonic_ms() - t0) / 1000
    s.close()
    local st1 = assert(stats(url), "soak load: no stats from the emulator")
    local api = st1.api_requests - st0.api_requests
    local last = { done = api, at = wall, kb = rss_kb(pid) }
    return M.report(o, results, api, wall, s, last, st1)
  end)
  stop_emulator(pid)
  os.execute("rm -rf " .. quote(dir))
  if not ok then error(code, 0) end
  return code
end

--- Prints the figures and the verdict; returns the exit code.
function M.report(o, results, api, wall, s, last, st)
  local total = new_counts()
  local broken = {}
  for id = 1, o.clients do
    local c = results[id]
    if not c or c.broken then
      broken[#broken + 1] = ("client %d: %s"):format(id, c and c.broken or "no result")
    else
      total.ops, total.failures = total.ops + c.ops, total.failures + c.failures
      for op, v in pairs(c.by_op) do total.by_op[op] = (total.by_op[op] or 0) + v end
      for op, v in pairs(c.failed) do total.failed[op] = (total.failed[op] or 0) + v end
      for _, m in ipairs(c.messages) do
        if #total.messages < 10 then total.messages[#total.messages + 1] = ("client %d: %s"):format(id, m) end
      end
    end
  end
  out("load: %d clients (%s), %s, warm-up %d operations each", o.clients, o.mode,
    o.ops and ("%d operations each after the warm-up"):format(o.ops) or ("%g s"):format(o.seconds), o.warmup)
  local parts = {}
  for _, op in ipairs(OPS) do parts[#parts + 1] = ("%s %d"):format(op, total.by_op[op] or 0) end
  out("operations: %d (%s)", total.ops, table.concat(parts, ", "))
  out("requests: %d answered by the org in %.1f s: %.0f requests/s", api, wall, api / math.max(wall, 0.001))
  out("errors: %d", total.failures)
  out("connections: %d, peak concurrent %d", st.connections or 0, st.peak_concurrent or 0)
  local middle, final, n = halves(o, s, last)
  out("emulator RSS: start %s; after the warm-up, peak of the first half %s, of the second half %s (%d samples); "
    .. "last %s", mb(s.start_kb), mb(middle), mb(final), n or 0, mb(last.kb))
  local bad = {}
  for _, b in ipairs(broken) do bad[#bad + 1] = b end
  for _, m in ipairs(total.messages) do bad[#bad + 1] = "failure not injected: " .. m end
  if total.failures > #total.messages then
    bad[#bad + 1] = ("... %d failures in all"):format(total.failures)
  end
  if api ~= total.ops then
    bad[#bad + 1] = ("the org answered %d API requests, the clients made %d"):format(api, total.ops)
  end
  local growth = middle and (final - middle) / MB
  if not middle then
    bad[#bad + 1] = "too few samples after the warm-up to compare (raise --seconds or --ops)"
  elseif growth > o.tolerance then
    bad[#bad + 1] = ("RSS grew %.1f MB from the first half to the second (tolerance %g MB)"):format(growth,
      o.tolerance)
  end
  if #bad == 0 then
    out("OK: every request answered, no error, RSS second half - first half = %+.1f MB (tolerance %g MB)",
      growth, o.tolerance)
    return 0
  end
  out("FAILED:")
  for _, b in ipairs(bad) do out("  %s", b) end
  return 1
end

return M
