-- scripts/bench_http.lua: what luaforce.http costs next to curl, and what
-- concurrency buys, against the local org in this process.
--
--   build/luaforce run scripts/bench_http.lua [N]
--
-- 1. N small sequential GETs (GET /services/data) through one
--    luaforce.http session, against the same N through one `curl` process
--    with keep-alive and --compressed (the floor: libcurl with nothing on
--    top, asking for gzip as luaforce.http does). Three rounds,
--    alternating, the median of each. Target: luaforce within 1.3x of curl.
-- 2. With the emulator adding 20 ms to every answer: sequential requests
--    against session:request_many with 8 in flight. Target: >= 3x.
-- Requests per second and the ratios, all from one run (the machines are
-- shared and noisy: read the ratios).
local http = require "luaforce.http"
local emulator = require "luaforce.emulator"
local sys = require "luaforce.core.sys"

local N = tonumber(arg[1]) or 2000
local ms = sys.monotonic_ms

local function median(t)
  local c = { table.unpack(t) }
  table.sort(c)
  return c[(#c + 1) // 2]
end

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local emu = assert(emulator.start { empty = true })
local url = emu.url .. "/services/data"
local auth = "Bearer " .. emu.token

-- luaforce.http: one session, N requests one after another.
local function lf_sequential(n, target)
  local s = http.session()
  local t0 = ms()
  for _ = 1, n do
    local res = assert(s:request { url = target or url, headers = { Authorization = auth } })
    assert(res.status == 200)
  end
  local t = ms() - t0
  s:close()
  return t
end

-- curl: one process, N URLs from a config file, one keep-alive connection.
local config = os.tmpname()
do
  local f = assert(io.open(config, "w"))
  -- --compressed: the same wire as luaforce.http, which offers gzip (and
  -- the emulator then compresses every answer)
  f:write("silent\nfail\ncompressed\nheader = \"Authorization: ", auth, "\"\n")
  for _ = 1, N do f:write("url = \"", url, "\"\noutput = \"/dev/null\"\n") end
  f:close()
end
local function curl_sequential()
  local t0 = ms()
  local ok = os.execute("curl --config " .. quote(config))
  local t = ms() - t0
  assert(ok, "curl failed")
  return t
end

lf_sequential(50) -- warm up both sides (first connection, the emulator's caches)
local lf_times, curl_times = {}, {}
local c0 = emu:stats().connections
for round = 1, 3 do
  curl_times[round] = curl_sequential()
  lf_times[round] = lf_sequential(N)
end
local conns = emu:stats().connections - c0
os.remove(config)
emu:stop()

local lf_t, curl_t = median(lf_times), median(curl_times)
local lf_rate, curl_rate = N / lf_t * 1000, N / curl_t * 1000
print(("HTTP, %d sequential small GETs (median of 3 rounds, %d connections in all):"):format(N, conns))
print(("  curl, one process (the floor)  %8.0f req/s  %7.1f ms"):format(curl_rate, curl_t))
print(("  luaforce.http, one session     %8.0f req/s  %7.1f ms"):format(lf_rate, lf_t))
print(("  luaforce / curl time: %.2fx (target <= 1.3x)"):format(lf_t / curl_t))

-- 20 ms of latency on every answer: sequential against 8 in flight.
local slow = assert(emulator.start { empty = true, faults = { "GET ** -> latency=20ms" } })
local slow_url = slow.url .. "/services/data"
local SEQ = math.max(20, math.min(100, N // 20))
local CONC = SEQ * 4
local seq_t = lf_sequential(SEQ, slow_url)
local list = {}
for i = 1, CONC do list[i] = { url = slow_url, headers = { Authorization = auth } } end
local s = http.session()
local t0 = ms()
local res, errs = s:request_many(list)
local conc_t = ms() - t0
s:close()
for i = 1, CONC do assert(res[i] and res[i].status == 200, errs[i] and tostring(errs[i])) end
local peak = slow:stats().peak_concurrent
slow:stop()
local seq_rate, conc_rate = SEQ / seq_t * 1000, CONC / conc_t * 1000
print(("HTTP with 20 ms latency per answer:"))
print(("  sequential, %4d requests      %8.1f req/s"):format(SEQ, seq_rate))
print(("  request_many, %4d, 8 in flight %7.1f req/s  (peak at the server: %d)"):format(CONC, conc_rate, peak))
print(("  concurrent / sequential: %.2fx (target >= 3x)"):format(conc_rate / seq_rate))
