-- scripts/soak.lua: what scripts/soak runs (`luaforce run scripts/soak.lua
-- [load] [OPTIONS]`): reads the options and starts the fault soak
-- (scripts/soak_faults.lua) or the load test (scripts/soak_load.lua).
-- `--worker ...` is one load client (what the load test starts as a process).
-- Exit codes: 0 clean, 1 a violation (or a failure not injected), 2 bad
-- options, 5 the run itself broke.
local errors = require "luaforce.errors"

local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path

local USAGE = [[
usage: scripts/soak [OPTIONS]          the fault soak
       scripts/soak load [OPTIONS]     the load test

The fault soak: updates, creates, deletes and upserts through the client's
single calls (org:update, org:create, ...) and its collection calls
(update_many, create_many, delete_many, upsert_many) while a local org
injects faults of every kind (500, 502, 503, 504, 429 with Retry-After,
token expiry, close and cut before and after the write, latency), then
the sequences issue 14 names (a write applied, its answer lost, then 5xx,
429 or 401 to each retry). Then the org's state, read with the faults off,
is held against every report: an update reported applied is applied, one
reported failed is not, no record is created twice, every unknown outcome
is reported as such, and applied + failed + unknown = every input record.

  --updates N       records updated (default 10000)
  --creates N       records created, each with a unique Name (default 2000)
  --deletes N       records deleted (default 500)
  --upserts N       Invoice__c upserts, half inserting (default 500)
  --rate R          share of requests that meet a fault (default 0.10)
  --seed N          the fault draws and the block order (default 1)
  --attempts N      the client's tries per request (default 2)
  --base-delay S    the client's first retry delay, seconds (default 0.005)
  --latency MS      the slow responses' delay (default 20)
  --batch N         records per collection chunk (default 25; 4 per call)
  --concurrency N   calls in flight (default 1: a run repeats exactly)
  --skip-pinned T   leave out the pinned sequences whose name holds T
                    (a known open case, while it is being fixed)

The load test: a `luaforce emulator` process under CLIENTS clients of mixed
traffic (queries, paged queries, gets, creates, updates, deletes), no
fault injected: any failure fails the run, and the org must count exactly
the requests the clients made. Creates and deletes run in each client's
warm-up only: the local org keeps deleted rows (as a recycle bin), so after
the warm-up the data no longer grows and memory must stay flat. The
emulator's RSS is sampled at start and every 0.25 s: "middle" and "end" are
the peaks of the first and second half after the warm-up.

  --clients N       concurrent clients (default 16)
  --seconds S       run for S seconds (default 60)
  --ops N           or: N operations per client after the warm-up
  --warmup N        operations per client in the warm-up (default: enough for
                    600 paged queries in all, which fills the org's cache of
                    500 query cursors; at least 100)
  --mode M          processes (each client a luaforce process, default)
                    or tasks (luaforce.http tasks in one process)
  --tolerance MB    RSS may grow this much from middle to end (default 12)
  --seed N          the traffic's choices (default 1)
  --samples FILE    write each sample as a line "seconds requests rss_kb"

Exit: 0 clean, 1 a violation (the soak) or a failure not injected or RSS
past the tolerance (load), 2 bad options, 5 the run itself broke.]]

local SOAK_OPTIONS = {
  updates = "count", creates = "count", deletes = "count", upserts = "count", rate = "rate", seed = "int",
  attempts = "positive", ["base-delay"] = "number", latency = "count", batch = "batch", concurrency = "positive",
  ["skip-pinned"] = "text",
}
local LOAD_OPTIONS = {
  clients = "positive", seconds = "number", ops = "positive", warmup = "count", mode = "mode",
  tolerance = "number", seed = "int", samples = "file",
}

local function usage_error(message)
  error(errors.usage("soak: " .. message, "see scripts/soak --help"), 0)
end

-- Each kind: text -> value, or nil and what the value must be.
local KINDS = {
  count = function(v) local n = math.tointeger(tonumber(v)); return n and n >= 0 and n or nil, "a whole number >= 0" end,
  positive = function(v) local n = math.tointeger(tonumber(v)); return n and n >= 1 and n or nil, "a whole number >= 1" end,
  int = function(v) return math.tointeger(tonumber(v)), "a whole number" end,
  rate = function(v) local r = tonumber(v); return r and r >= 0 and r < 1 and r or nil, "a number from 0 to below 1" end,
  number = function(v) local s = tonumber(v); return s and s >= 0 and s or nil, "a number >= 0" end,
  batch = function(v) local n = math.tointeger(tonumber(v)); return n and n >= 1 and n <= 200 and n or nil,
    "a whole number from 1 to 200" end,
  file = function(v) return v ~= "" and v or nil, "a file name" end,
  text = function(v) return v ~= "" and v or nil, "some text" end,
  mode = function(v) return (v == "processes" or v == "tasks") and v or nil, "processes or tasks" end,
}

local function parse(argv, first, known)
  local o = {}
  local i = first
  while i <= #argv do
    local a = argv[i]
    local name, value = a:match("^%-%-([%w-]+)=(.*)$")
    name = name or a:match("^%-%-([%w-]+)$")
    if not name then usage_error(("unexpected argument '%s'"):format(a)) end
    if name == "help" then return nil end
    local kind = known[name]
    if not kind then usage_error(("unknown option '--%s'"):format(name)) end
    if value == nil then
      i = i + 1
      value = argv[i]
      if value == nil then usage_error(("--%s needs a value"):format(name)) end
    end
    local v, want = KINDS[kind](value)
    if v == nil then usage_error(("--%s '%s' must be %s"):format(name, value, want)) end
    o[name:gsub("-", "_")] = v
    i = i + 1
  end
  return o
end

local function with_defaults(o, defaults)
  for k, v in pairs(defaults) do
    if o[k] == nil then o[k] = v end
  end
  return o
end

local function main(argv)
  if argv[1] == "--worker" then
    return require("soak_load").worker(argv)
  end
  if argv[1] == "-h" or argv[1] == "help" then
    io.stdout:write(USAGE, "\n")
    return 0
  end
  local load = argv[1] == "load"
  local o = parse(argv, load and 2 or 1, load and LOAD_OPTIONS or SOAK_OPTIONS)
  if not o then
    io.stdout:write(USAGE, "\n")
    return 0
  end
  if load then
    local soak_load = require "soak_load"
    return soak_load.run(with_defaults(o, soak_load.DEFAULTS))
  end
  local soak_faults = require "soak_faults"
  o = with_defaults(o, soak_faults.DEFAULTS)
  if o.updates + o.creates + o.deletes + o.upserts == 0 then usage_error("nothing to do: every count is 0") end
  return soak_faults.run(o)
end

os.exit(main(arg), true)
