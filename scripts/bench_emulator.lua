-- scripts/bench_emulator.lua: how fast the local org serves, and what it costs.
--
--   build/luaforce run scripts/bench_emulator.lua [ROWS]
--
-- 1. Serving vs decoding: the emulator's handler answering a 2,000-record
--    query page (in this process, no HTTP) against the client's cost of
--    decoding that page with luaforce.json. Ratio, same run.
-- 2. Pages per second over HTTP (curl, one keep-alive connection).
-- 3. Small gets per second: one keep-alive client, then 8 concurrent ones.
-- 4. Peak memory (VmHWM) of `luaforce emulator` with ROWS records (default
--    100,000) next to an empty one.
-- The HTTP client is the curl command (libcurl), so the figures include a
-- real client's parsing; run on a quiet machine for absolute numbers, and
-- read the ratios otherwise.
local json = require "luaforce.json"
local sys = require "luaforce.core.sys"
local app = require "luaforce.emulator.app"
local proc_ok, proc = pcall(require, "support.proc")
if not proc_ok then
  package.path = "tests/lua/?.lua;" .. package.path
  proc = require "support.proc"
end

local ROWS = tonumber(arg[1]) or 100000
local TOKEN = "00DLOCAL0000001!luaforce.local.token"
local ms = sys.monotonic_ms

local function median(t)
  table.sort(t)
  return t[(#t + 1) // 2]
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

local PAGE_SOQL = "SELECT Id, Name, Industry, AnnualRevenue, BillingCity, NumberOfEmployees, CreatedDate FROM Account LIMIT 2000"

local function encode_q(s)
  return (s:gsub("[^%w]", function(c) return c == " " and "+" or ("%%%02X"):format(c:byte()) end))
end

print(("emulator benchmark (%d rows for the memory figure)"):format(ROWS))

-- 1. in-process: serving a page vs decoding it
local data_path = write_data(math.max(ROWS, 2000))
local t0 = ms()
app.setup { empty = true, data = { data_path } }
print(("  load %d records into the store: %.0f ms"):format(math.max(ROWS, 2000), ms() - t0))
local req = { method = "GET", path = "/services/data/v62.0/query", query = { q = PAGE_SOQL },
  headers = { authorization = "Bearer " .. TOKEN, host = "127.0.0.1" }, body = "", loopback = true }
local serve, decode, body = {}, {}, nil
for _ = 1, 9 do
  local a = ms()
  local res = app.handle(req)
  serve[#serve + 1] = ms() - a
  body = res.body
  a = ms()
  assert(json.decode(body))
  decode[#decode + 1] = ms() - a
end
local s, d = median(serve), median(decode)
print(("  2,000-record page (%.2f MB): serve %.1f ms, client decode %.1f ms  (serve/decode %.2fx)"):format(
  #body / 1e6, s, d, s / d))

-- HTTP figures against `luaforce emulator`
local function start(args)
  local h = proc.spawn(args)
  local url = h.wait_for("listening on (http://[%d%.]+:%d+)\n", 120)
  assert(url, "emulator did not start: " .. h.read_stderr())
  h.url = url
  return h
end

local function curl_config(urls, extra)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write('header = "Authorization: Bearer ', TOKEN, '"\n')
  for _, line in ipairs(extra or {}) do f:write(line, "\n") end
  for _, u in ipairs(urls) do f:write('url = "', u, '"\noutput = "/dev/null"\n') end
  f:close()
  return path
end

local function timed_curl(config, flags)
  local a = ms()
  local ok = os.execute(("curl -s --no-progress-meter %s -K %s 2>/dev/null"):format(flags or "", config))
  assert(ok, "curl failed")
  return ms() - a
end

local emu = start { "emulator", "-q", "--port", "0", "--empty", "--data", data_path }
local base = emu.url .. "/services/data/v62.0"

local PAGES = 20
local urls = {}
for i = 1, PAGES do urls[i] = base .. "/query?q=" .. encode_q(PAGE_SOQL) end
local cfg = curl_config(urls)
timed_curl(cfg) -- warm
local t_pages = timed_curl(cfg)
print(("  pages/s, 2,000-record page, keep-alive: %.1f  (%.1f ms per page incl. transfer)"):format(
  PAGES / t_pages * 1000, t_pages / PAGES))

-- small gets
local ids = {}
local first = io.popen(("curl -s -H 'Authorization: Bearer %s' '%s/query?q=%s'"):format(
  TOKEN, base, encode_q("SELECT Id FROM Account LIMIT 200")))
local page = json.decode(first:read("a"))
first:close()
for _, r in ipairs(page.records) do ids[#ids + 1] = r.Id end
local GETS = 2000
urls = {}
for i = 1, GETS do urls[i] = base .. "/sobjects/Account/" .. ids[(i - 1) % #ids + 1] .. "?fields=Id,Name" end
cfg = curl_config(urls)
timed_curl(cfg)
local t1 = timed_curl(cfg)
local t8 = timed_curl(cfg, "--parallel --parallel-max 8")
print(("  small gets/s: 1 keep-alive client %.0f, 8 concurrent %.0f  (8/1 %.2fx)"):format(
  GETS / t1 * 1000, GETS / t8 * 1000, t1 / t8))
emu.signal("TERM"); emu.wait(10); emu.cleanup()

-- memory
local function peak_kb(args)
  local h = start(args)
  local pid = io.popen("pgrep -P " .. h.subshell):read("l")
  local f = io.open("/proc/" .. pid .. "/status")
  local status = f and f:read("a") or ""
  if f then f:close() end
  h.signal("TERM"); h.wait(10); h.cleanup()
  return tonumber(status:match("VmHWM:%s*(%d+)")) or 0
end
local empty_kb = peak_kb { "emulator", "-q", "--port", "0", "--empty" }
local full_kb = peak_kb { "emulator", "-q", "--port", "0", "--empty", "--data", data_path }
print(("  peak memory: empty %.1f MB, %d records %.1f MB  (%.0f bytes per record)"):format(
  empty_kb / 1024, ROWS, full_kb / 1024, (full_kb - empty_kb) * 1024 / ROWS))
os.remove(data_path)
