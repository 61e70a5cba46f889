-- scripts/bench_chain.lua: a step chain (luaforce.chain) against the same
-- work done one request per record, the way one connector task per step
-- does it, in one run against one local org.
--
--   build/luaforce run scripts/bench_chain.lua [RECORDS] [--skip-sequential]
--
-- The org (in this process: see below) holds RECORDS (default 2,000) stale
-- Opportunities (Prospecting, CloseDate in the past) over 300 Accounts
-- owned by 4 Users, plus 200 Opportunities the query must leave alone (a
-- CloseDate still ahead, or already Closed Won); a fault rule holds every
-- answer back 20 ms (`* ** -> latency=20ms`). The work: close each stale
-- Opportunity as Closed Lost with NextStep "owner <its Account's OwnerId>".
--   chain      chain(org):query(...):map(...):get("Account", ...)
--              :update("Opportunity", ...):run{concurrency = 8}
--   per record the query (every page), then per record org:get of its
--              Account and org:update of the Opportunity:
--                sequential   one request at a time (a connector job at a time)
--                8 in flight  the records shared by 8 tasks in http.parallel
-- The org's data goes back to its start (emu:reset()) before each run, and
-- after each run the closed records are counted: every run must close the
-- same RECORDS and touch nothing else. Requests are counted at the org
-- (stats().api_requests, deltas); wall time by the monotonic clock.
-- Targets: the chain makes at least 20x fewer requests and takes at least
-- 10x less time than each baseline. The sequential baseline alone needs
-- 2 x RECORDS x 20 ms (80 s for 2,000); --skip-sequential leaves it out.
--
-- Why in process: the org runs on threads of its own with a Lua state of
-- its own (luaforce.emulator), so it never waits on this script's state and
-- this script talks to it over HTTP on 127.0.0.1 like any client; every
-- contender meets the same server, the same latency rule and the same
-- loopback, and emu:reset() and stats() cost no requests that could blur
-- the counts. What is measured is requests and wall time, not this
-- process's CPU (scripts/bench_client.lua separates processes for that).
local chain = require "luaforce.chain"
local client = require "luaforce.client"
local emulator = require "luaforce.emulator"
local http = require "luaforce.http"
local ids = require "luaforce.emulator.ids"
local sys = require "luaforce.core.sys"

local USAGE = "usage: build/luaforce run scripts/bench_chain.lua [RECORDS] [--skip-sequential]"
local RECORDS, SKIP_SEQUENTIAL = 2000, false
for _, a in ipairs(arg) do
  if a == "--skip-sequential" then
    SKIP_SEQUENTIAL = true
  elseif a == "--help" or a == "-h" then
    print(USAGE)
    return
  elseif a:match("^%d+$") and tonumber(a) > 0 then
    RECORDS = tonumber(a)
  else
    io.stderr:write("bench chain: unknown argument '", a, "'\n", USAGE, "\n")
    os.exit(2)
  end
end

local ACCOUNTS, USERS, OTHERS = 300, 4, 100
local LATENCY = "* ** -> latency=20ms"
local CONCURRENCY = 8
local NOW = "2024-06-01T12:00:00Z"
local STALE = "SELECT Id, AccountId FROM Opportunity WHERE StageName = 'Prospecting' AND CloseDate < TODAY"
local CLOSED = "SELECT COUNT() FROM Opportunity WHERE StageName = 'Closed Lost'"
local ms = sys.monotonic_ms

-- The org's data: users, accounts over them, the stale opportunities over
-- the accounts, and OTHERS each of two kinds the query must not pick.
local function data()
  local users, accounts, opps = {}, {}, {}
  for i = 1, USERS do
    users[i] = { Id = ids.mint("005", i), Username = ("owner%d@bench.test"):format(i), LastName = "Owner " .. i,
      Email = ("owner%d@bench.test"):format(i) }
  end
  for i = 1, ACCOUNTS do
    accounts[i] = { Id = ids.mint("001", i), Name = ("Bench Account %03d"):format(i), OwnerId = users[i % USERS + 1].Id }
  end
  local function opp(i, stage, close)
    opps[#opps + 1] = { Name = ("Bench deal %05d"):format(i), StageName = stage, CloseDate = close,
      AccountId = accounts[(i * 7) % ACCOUNTS + 1].Id, Amount = i * 10 }
  end
  for i = 1, RECORDS do opp(i, "Prospecting", ("2023-%02d-%02d"):format(i % 12 + 1, i % 28 + 1)) end
  for i = 1, OTHERS do
    opp(RECORDS + i, "Prospecting", "2025-01-15")
    opp(RECORDS + OTHERS + i, "Closed Won", "2023-03-01")
  end
  return { User = users, Account = accounts, Opportunity = opps }
end

local DATA = data()
local owner_of = {}
for _, a in ipairs(DATA.Account) do owner_of[a.Id] = a.OwnerId end
local emu = assert(emulator.start { empty = true, now = NOW, data = DATA, faults = { LATENCY } })
local org = assert(client.connect { instance_url = emu.url, access_token = emu.token })

-- After a run: every stale opportunity closed with its owner's note, and
-- nothing else changed. Counted with requests made outside the timing.
local function check(name)
  local bad = {}
  local closed = 0
  for r in org:records("SELECT Id, StageName, NextStep, CloseDate, AccountId FROM Opportunity") do
    local stale = r.CloseDate < NOW:sub(1, 10) and r.StageName ~= "Closed Won"
    if stale then
      if r.StageName == "Closed Lost" and r.NextStep == "owner " .. owner_of[r.AccountId] then
        closed = closed + 1
      else
        bad[#bad + 1] = r.Id .. " " .. tostring(r.StageName) .. " " .. tostring(r.NextStep)
      end
    elseif r.StageName == "Closed Lost" then
      bad[#bad + 1] = r.Id .. " closed, yet not stale"
    end
  end
  if closed ~= RECORDS or #bad > 0 then
    error(("%s: %d of %d stale opportunities closed right; wrong: %s"):format(name, closed, RECORDS,
      table.concat(bad, ", ", 1, math.min(#bad, 5))), 0)
  end
  return closed
end

-- Runs fn against the org's starting data; its API requests and wall time.
local function measure(name, fn)
  emu:reset()
  assert(org:query(CLOSED).body.totalSize == 0, "reset left closed opportunities")
  local s0 = emu:stats()
  local t0 = ms()
  fn()
  local t = ms() - t0
  local s1 = emu:stats()
  -- peak_concurrent is the org's peak since it started: the first run's own
  return { name = name, requests = s1.api_requests - s0.api_requests, http = s1.requests - s0.requests, ms = t,
    peak = s1.peak_concurrent, closed = check(name) }
end

local chain_report -- the chain's own account, checked against the org's
local function run_chain()
  local report = chain(org)
    :query(STALE)
    :map("={id: Id, account: AccountId}")
    :get("Account", "=account", { fields = "Name,OwnerId", result_variable = "acct" })
    :update("Opportunity", "=id", { StageName = "Closed Lost", NextStep = "=\"owner \" + acct.body.OwnerId" })
    :run { concurrency = CONCURRENCY, print = false }
  if report.exit ~= 0 or report.counts.done ~= RECORDS then
    error(("chain: exit %d, %d done of %d:\n%s"):format(report.exit, report.counts.done, RECORDS, report:summary()), 0)
  end
  chain_report = report
end

-- The query, every page, as the connector's query operation gives them.
local function stale_records()
  local res = assert(org:query(STALE))
  local list = {}
  while true do
    for _, r in ipairs(res.body.records) do list[#list + 1] = r end
    if res.body.done then break end
    res = assert(org:call("GET", res.body.nextRecordsUrl))
  end
  return list
end

-- One record's two steps, a request each.
local function close_one(r)
  local acct = assert(org:get("Account", r.AccountId, { query = { fields = "Name,OwnerId" } }))
  assert(org:update("Opportunity", r.Id, { StageName = "Closed Lost", NextStep = "owner " .. acct.body.OwnerId }))
end

local function run_sequential()
  for _, r in ipairs(stale_records()) do close_one(r) end
end

local function run_parallel()
  local list = stale_records()
  local next_i = 0
  http.parallel(function()
    for _ = 1, CONCURRENCY do
      http.spawn(function()
        while next_i < #list do
          next_i = next_i + 1
          close_one(list[next_i])
        end
      end)
    end
  end)
end

print(("chain benchmark: close %d stale Opportunities (over %d Accounts), %s, concurrency %d"):format(
  RECORDS, ACCOUNTS, LATENCY, CONCURRENCY))
local runs = { measure("luaforce.chain", run_chain) }
runs[#runs + 1] = measure("per record, 8 in flight", run_parallel)
if not SKIP_SEQUENTIAL then runs[#runs + 1] = measure("per record, sequential", run_sequential) end
emu:stop()

local lf = runs[1]
print(("  %-26s %9s %10s %12s %10s %8s"):format("", "requests", "wall (s)", "closed", "requests", "time"))
print(("  %-26s %9s %10s %12s %10s %8s"):format("", "", "", "", "x chain", "x chain"))
for _, r in ipairs(runs) do
  print(("  %-26s %9d %10.2f %12d %9.1fx %7.1fx"):format(r.name, r.requests, r.ms / 1000, r.closed,
    r.requests / lf.requests, r.ms / lf.ms))
end
print(("  (the chain: peak in flight at the org %d; its own report: %d requests, %.2f s)"):format(
  lf.peak, chain_report.requests, chain_report.seconds))
for _, r in ipairs(runs) do
  if r.http ~= r.requests then
    print(("  note: %s made %d HTTP requests, %d of them API requests"):format(r.name, r.http, r.requests))
  end
end
local all = true
for i = 2, #runs do
  local r = runs[i]
  local fewer, faster = r.requests / lf.requests, r.ms / lf.ms
  local ok = fewer >= 20 and faster >= 10
  all = all and ok
  print(("  vs %s: %.1fx fewer requests (target >= 20x), %.1fx less time (target >= 10x): %s"):format(
    r.name, fewer, faster, ok and "met" or "MISSED"))
end
print(all and "targets met" or "targets MISSED")
