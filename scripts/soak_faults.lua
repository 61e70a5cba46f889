-- scripts/soak_faults.lua: the fault soak of scripts/soak. Writes go through
-- the Salesforce client's single calls (org:update, org:create, org:delete,
-- org:upsert) and its collection calls (update_many, create_many,
-- delete_many, upsert_many) while a local org, started in this process,
-- injects faults of every kind; then the org's state, read with the faults
-- off, is held against what the client reported (scripts/soak_check.lua).
--
--   soak_faults.run(opts) -> exit code (0 clean, 1 violations), printing
--       the summary on standard output. opts: see DEFAULTS below
--       (scripts/soak.lua parses them from the command line).
--
-- Two phases:
--   mix     every record of the budget but a few, in blocks (a block of
--           single calls, or one collection call of 4 chunks), blocks of all
--           kinds shuffled by the seed; the fault rules below fire at random
--           (`p=`, drawn from the org's generator, seeded with `seed`): with
--           concurrency 1 a run repeats exactly.
--   pinned  the sequences issue 14 names, each on a few records of its own:
--           a write applied and its answer lost (cut or close after it),
--           then 5xx, 429 or 401 to every retry; a create cut after it; a
--           create refused with 503 once. Each runs with only its own rules.
-- Records: Accounts "soak u<i>" (updates: Description), "soak d<i>"
-- (deletes), "soak c<i>" (creates: the Name is the marker, unique per
-- input record), Invoice__c with External_Id__c "soak-x<i>" (upserts that
-- update) and "soak-y<i>" (upserts that insert; Notes__c).
local emulator = require "luaforce.emulator"
local client = require "luaforce.client"
local http = require "luaforce.http"
local sys = require "luaforce.core.sys"
local check = require "soak_check"

local M = {}

M.DEFAULTS = {
  updates = 10000, creates = 2000, deletes = 500, upserts = 500,
  rate = 0.10, seed = 1, attempts = 2, base_delay = 0.005, max_delay = 0.05,
  latency = 20, batch = 25, concurrency = 1,
}

M.NOW = "2024-06-01T12:00:00Z"
local CHUNKS_PER_CALL = 4
local MAX_LISTED = 200

-- The fault kinds of the mix, each a rule over the whole data API.
local function mix_kinds(latency)
  return {
    { name = "status 500", action = "status=500" },
    { name = "status 502", action = "status=502" },
    { name = "status 503", action = "status=503" },
    { name = "status 504", action = "status=504" },
    { name = "429 Retry-After", action = "status=429 header=Retry-After:0" },
    { name = "expire-tokens", action = "expire-tokens" },
    { name = "close before write", action = "close when=before" },
    { name = "close after write", action = "close when=after" },
    { name = "cut before write", action = "cut when=before" },
    { name = "cut after write", action = "cut when=after" },
    { name = ("latency %dms"):format(latency), action = ("latency=%dms"):format(latency) },
  }
end

-- p per rule so that a request meets at least one rule with probability
-- `rate` (the rules draw independently).
local function per_rule(rate, k)
  return 1 - (1 - rate) ^ (1 / k)
end

---------------------------------------------------------------------------
-- The records

local function new_items(o)
  local items = { update = {}, create = {}, delete = {}, upsert = {} }
  for i = 1, o.updates do
    items.update[i] = { kind = "update", n = i, name = "soak u" .. i, token = "updated " .. i }
  end
  for i = 1, o.creates do
    items.create[i] = { kind = "create", n = i, marker = "soak c" .. i }
  end
  for i = 1, o.deletes do items.delete[i] = { kind = "delete", n = i, name = "soak d" .. i } end
  for i = 1, o.upserts do
    -- every other one inserts
    local ext = (i % 2 == 1) and ("soak-x" .. i) or ("soak-y" .. i)
    items.upsert[i] = { kind = "upsert", n = i, ext = ext, token = "upserted " .. i, existing = i % 2 == 1 }
  end
  return items
end

local function seed_data(items)
  local accounts, invoices = {}, {}
  for _, it in ipairs(items.update) do accounts[#accounts + 1] = { Name = it.name, Description = "seed" } end
  for _, it in ipairs(items.delete) do accounts[#accounts + 1] = { Name = it.name, Description = "seed" } end
  for _, it in ipairs(items.upsert) do
    if it.existing then invoices[#invoices + 1] = { External_Id__c = it.ext, Notes__c = "seed" } end
  end
  local data = { Account = accounts }
  if #invoices > 0 then data.Invoice__c = invoices end
  return data
end

local function expected_names(items)
  local t = {}
  for _, it in ipairs(items.update) do t[it.name] = true end
  for _, it in ipairs(items.delete) do t[it.name] = true end
  for _, it in ipairs(items.create) do t[it.marker] = true end
  for _, it in ipairs(items.upsert) do t[it.ext] = true end
  return t
end

-- The org's state, read with the faults off (see soak_check.verify).
local function read_state(reader, expected)
  local state = { accounts = {}, names = {}, invoices = {}, expected = expected }
  for r in reader:records("SELECT Id, Name, Description FROM Account") do
    state.accounts[r.Id] = { Name = r.Name, Description = r.Description }
    local list = state.names[r.Name] or {}
    list[#list + 1] = r.Id
    state.names[r.Name] = list
  end
  for r in reader:records("SELECT Id, External_Id__c, Notes__c FROM Invoice__c") do
    local key = r.External_Id__c or "(none)"
    local list = state.invoices[key] or {}
    list[#list + 1] = { Id = r.Id, Notes__c = r.Notes__c }
    state.invoices[key] = list
  end
  return state
end

---------------------------------------------------------------------------
-- The calls

local SINGLE = {
  update = function(org, it) return org:update("Account", it.id, { Description = it.token }) end,
  create = function(org, it) return org:create("Account", { Name = it.marker }) end,
  delete = function(org, it) return org:delete("Account", it.id) end,
  upsert = function(org, it) return org:upsert("Invoice__c", "External_Id__c", it.ext, { Notes__c = it.token }) end,
}

local MANY = {
  update = function(org, list, o)
    local recs = {}
    for i, it in ipairs(list) do recs[i] = { Id = it.id, Description = it.token } end
    return org:update_many("Account", recs, o)
  end,
  create = function(org, list, o)
    local recs = {}
    for i, it in ipairs(list) do recs[i] = { Name = it.marker } end
    return org:create_many("Account", recs, o)
  end,
  delete = function(org, list, o)
    local ids = {}
    for i, it in ipairs(list) do ids[i] = it.id end
    return org:delete_many(ids, o)
  end,
  upsert = function(org, list, o)
    local recs = {}
    for i, it in ipairs(list) do recs[i] = { External_Id__c = it.ext, Notes__c = it.token } end
    return org:upsert_many("Invoice__c", "External_Id__c", recs, o)
  end,
}

local function created_id(res)
  return res and type(res.body) == "table" and res.body.id or nil
end

-- Runs one job ({kind, via, items}) and writes each item's outcome.
local function run_job(ctx, job)
  if job.via == "single" then
    for _, it in ipairs(job.items) do
      local res, err = SINGLE[job.kind](ctx.org, it)
      local problem
      it.outcome, it.said, problem = check.single(res, err)
      it.got_id = created_id(res)
      if problem then ctx.problems[#ctx.problems + 1] = { item = it, message = problem } end
    end
    return
  end
  local n = #job.items
  local res, err = MANY[job.kind](ctx.org, job.items,
    { batch_size = math.min(job.batch, n), concurrency = job.concurrency })
  local rows, problems = check.many(job.kind, n, res, err)
  local list = res or (type(err) == "table" and err.results) or {}
  for i, it in ipairs(job.items) do
    local row = rows[i]
    if row then it.outcome, it.said = row.outcome, row.said end
    local r = list[i]
    if type(r) == "table" and r.success == true then it.got_id = r.id end
  end
  for _, p in ipairs(problems) do
    ctx.problems[#ctx.problems + 1] = { item = job.items[1], message = job.kind .. "_many: " .. p }
  end
end

local function run_jobs(ctx, jobs, concurrency)
  if concurrency <= 1 then
    for _, job in ipairs(jobs) do run_job(ctx, job) end
    return
  end
  local next_job = 1
  local function worker()
    while next_job <= #jobs do
      local job = jobs[next_job]
      next_job = next_job + 1
      run_job(ctx, job)
    end
  end
  http.parallel(function()
    for _ = 1, concurrency do http.spawn(worker) end
  end, { per_host = concurrency * CHUNKS_PER_CALL })
end

---------------------------------------------------------------------------
-- The phases

-- The pinned sequences: each takes `count` items of `kind` and returns the
-- rules for them (`id`, `ext` known by then). A trailing 5xx rule has no
-- `times`: every retry gets it until the scenario's rules are replaced.
local DATA = "/services/data/*"

-- A write applied and its answer lost (`lost`: "cut" or "close"), then
-- `status` (with `extra` words) to every retry, on `method path`.
local function lost_then(method, path, lost, status, extra)
  return { ("%s %s -> %s when=after times=1"):format(method, path, lost),
    ("%s %s -> status=%d%s"):format(method, path, status, extra or "") }
end

local function record_path(it) return DATA .. "/sobjects/Account/" .. it.id end
local COLLECTION = DATA .. "/composite/sobjects"
local UPSERT_MANY = DATA .. "/composite/sobjects/Invoice__c/External_Id__c"

local PINNED = {
  { kind = "update", via = "single", count = 1, label = "update: cut after the write, then 503s",
    rules = function(l) return lost_then("PATCH", record_path(l[1]), "cut", 503) end },
  { kind = "update", via = "single", count = 1, label = "update: close after the write, then 500s",
    rules = function(l) return lost_then("PATCH", record_path(l[1]), "close", 500) end },
  { kind = "update", via = "single", count = 1, label = "update: cut after the write, then 429s",
    rules = function(l) return lost_then("PATCH", record_path(l[1]), "cut", 429, " header=Retry-After:0") end },
  { kind = "update", via = "single", count = 1, label = "update: cut after the write, then 401s",
    rules = function(l) return lost_then("PATCH", record_path(l[1]), "cut", 401) end },
  { kind = "update", via = "many", count = 5, label = "update_many: cut after the write, then 503s",
    rules = function() return lost_then("PATCH", COLLECTION, "cut", 503) end },
  { kind = "update", via = "many", count = 5, label = "update_many: close after the write, then 502s",
    rules = function() return lost_then("PATCH", COLLECTION, "close", 502) end },
  { kind = "delete", via = "single", count = 1, label = "delete: close after the write, then 503s",
    rules = function(l) return lost_then("DELETE", record_path(l[1]), "close", 503) end },
  { kind = "delete", via = "many", count = 5, label = "delete_many: cut after the write, then 500s",
    rules = function() return lost_then("DELETE", COLLECTION, "cut", 500) end },
  { kind = "upsert", via = "single", count = 2, label = "upsert: cut after the write, then 503s",
    rules = function(l)
      local out = {}
      for _, it in ipairs(l) do
        table.move(lost_then("PATCH", DATA .. "/sobjects/Invoice__c/External_Id__c/" .. it.ext, "cut", 503), 1, 2,
          #out + 1, out)
      end
      return out
    end },
  { kind = "upsert", via = "many", count = 4, label = "upsert_many: close after the write, then 503s",
    rules = function() return lost_then("PATCH", UPSERT_MANY, "close", 503) end },
  { kind = "create", via = "single", count = 1, label = "create: cut after the write",
    rules = function() return { "POST " .. DATA .. "/sobjects/Account -> cut when=after times=1" } end },
  { kind = "create", via = "many", count = 5, label = "create_many: close after the write",
    rules = function() return { "POST " .. COLLECTION .. " -> close when=after times=1" } end },
  { kind = "create", via = "single", count = 1, label = "create: 503 once, then as usual",
    rules = function() return { "POST " .. DATA .. "/sobjects/Account -> status=503 times=1" } end },
}

-- Takes the pinned scenarios' records from the end of each budget (a
-- kind whose budget is under twice what its scenarios need runs none; a
-- scenario whose label holds `skip` runs neither).
local function carve_pinned(items, skip)
  local need, chosen = {}, {}
  for _, s in ipairs(PINNED) do
    if not (skip and s.label:find(skip, 1, true)) then
      chosen[#chosen + 1] = s
      need[s.kind] = (need[s.kind] or 0) + s.count
    end
  end
  local scenarios = {}
  for _, s in ipairs(chosen) do
    local list = items[s.kind]
    if #list >= 2 * need[s.kind] then
      local take = {}
      for k = s.count, 1, -1 do take[k] = table.remove(list) end
      for _, it in ipairs(take) do it.via, it.phase = s.via, "pinned" end
      scenarios[#scenarios + 1] = { def = s, items = take }
    end
  end
  return scenarios
end

-- Blocks of the mix: per kind, blocks of 4 chunks' worth of records,
-- single calls and collection calls by turns, then all shuffled.
local function mix_jobs(o, items)
  local jobs = {}
  local size = o.batch * CHUNKS_PER_CALL
  for _, kind in ipairs(check.KINDS) do
    local list = items[kind]
    local b = 0
    for first = 1, #list, size do
      b = b + 1
      local via = (b % 2 == 1) and "single" or "many"
      local block = {}
      for i = first, math.min(#list, first + size - 1) do
        list[i].via, list[i].phase = via, "mix"
        block[#block + 1] = list[i]
      end
      jobs[#jobs + 1] = { kind = kind, via = via, items = block, batch = o.batch, concurrency = o.concurrency }
    end
  end
  for i = #jobs, 2, -1 do
    local j = math.random(i)
    jobs[i], jobs[j] = jobs[j], jobs[i]
  end
  return jobs
end

-- How often each rule in force fired: {count, ...} in rule order.
local function fired_counts(emu)
  local t = {}
  for i, r in ipairs(emu:faults()) do t[i] = r.fired end
  return t
end

---------------------------------------------------------------------------
-- The report

local function out(fmt, ...) io.stdout:write(fmt:format(...), "\n") end

local function item_name(it)
  local what = it.id or it.marker or it.ext or "?"
  return ("%s %s #%d (%s, %s)"):format(it.kind, it.via, it.n, what, it.phase or "?")
end

local function print_table(items)
  local rows, total = check.tally(items)
  out("%-8s %-7s %7s %8s %7s %8s %12s", "kind", "via", "records", "applied", "failed", "unknown", "unaccounted")
  local sum = { total = 0, applied = 0, failed = 0, unknown = 0, unaccounted = 0 }
  for _, r in ipairs(rows) do
    if r.total > 0 then
      out("%-8s %-7s %7d %8d %7d %8d %12d", r.kind, r.via == "many" and "many" or "single", r.total, r.applied,
        r.failed, r.unknown, r.unaccounted)
      for k in pairs(sum) do sum[k] = sum[k] + r[k] end
    end
  end
  out("%-16s %7d %8d %7d %8d %12d", "total", sum.total, sum.applied, sum.failed, sum.unknown, sum.unaccounted)
  return sum, total
end

-- "update: cut after the write, then 503s: 1 record: unknown 1; applied 1;
-- 3 faults"
local function describe_scenario(s)
  local said, shows = {}, { applied = 0, ["not applied"] = 0 }
  for _, it in ipairs(s.items) do
    said[it.outcome or "unaccounted"] = (said[it.outcome or "unaccounted"] or 0) + 1
    local k = it.in_org == true and "applied" or it.in_org == false and "not applied" or nil
    if k then shows[k] = shows[k] + 1 end
  end
  local parts = {}
  for _, o in ipairs { "applied", "failed", "unknown", "unaccounted" } do
    if said[o] then parts[#parts + 1] = ("%s %d"):format(o, said[o]) end
  end
  return ("%s: %d record%s: %s; org: applied %d, not applied %d; %d faults"):format(s.def.label, #s.items,
    #s.items == 1 and "" or "s", table.concat(parts, ", "), shows.applied, shows["not applied"], s.fired)
end

local function print_fired(title, names, fired)
  local parts, total = {}, 0
  for i, name in ipairs(names) do
    parts[#parts + 1] = ("%s %d"):format(name, fired[i] or 0)
    total = total + (fired[i] or 0)
  end
  out("%s (%d): %s", title, total, table.concat(parts, ", "))
end

---------------------------------------------------------------------------
-- The run

local function connect(emu, o)
  return assert(client.connect({
    instance_url = emu.url, api_version = "v62.0",
    auth = { type = "oauth-client-credentials", client_id = emu.client_id, client_secret = emu.client_secret },
    retry = { attempts = o.attempts, base_delay = o.base_delay, max_delay = o.max_delay, max_time = 30 },
  }, {}))
end

local function assign_ids(reader, items)
  local by_name = {}
  for r in reader:records("SELECT Id, Name FROM Account") do by_name[r.Name] = r.Id end
  for _, kind in ipairs { "update", "delete" } do
    for _, it in ipairs(items[kind]) do
      it.id = by_name[it.name] or error("soak: the seeded record " .. it.name .. " is missing")
    end
  end
end

-- The mix: every kind of fault at random while the jobs run. Returns the
-- kinds' names, their firings and p.
local function mix_phase(ctx, emu, o, jobs)
  local kinds = mix_kinds(o.latency)
  local p = per_rule(o.rate, #kinds)
  local specs, names = {}, {}
  for i, k in ipairs(kinds) do
    specs[i] = ("* /services/data/** -> %s p=%.6f"):format(k.action, p)
    names[i] = k.name
  end
  assert(emu:set_faults(specs))
  run_jobs(ctx, jobs, o.concurrency)
  return names, fired_counts(emu), p
end

-- The pinned sequences, one at a time, each with only its own rules.
local function pinned_phase(ctx, emu, scenarios)
  for _, s in ipairs(scenarios) do
    assert(emu:set_faults(s.def.rules(s.items)))
    run_job(ctx, { kind = s.def.kind, via = s.def.via, items = s.items, batch = #s.items, concurrency = 1 })
    s.fired = 0
    for _, n in ipairs(fired_counts(emu)) do s.fired = s.fired + n end
  end
  assert(emu:set_faults {})
end

-- Prints the verdict; returns the exit code.
local function verdict(violations, sum, total)
  local accounted = sum.applied + sum.failed + sum.unknown
  if accounted ~= total then
    violations[#violations + 1] = { message = ("the report accounts for %d of %d records"):format(accounted, total) }
  end
  if #violations == 0 then
    out("OK: %d records, applied + failed + unknown = %d + %d + %d; every report matches the org", total,
      sum.applied, sum.failed, sum.unknown)
    return 0
  end
  out("VIOLATIONS: %d", #violations)
  for i, v in ipairs(violations) do
    if i > MAX_LISTED then
      out("  ... and %d more", #violations - MAX_LISTED)
      break
    end
    if v.item then
      out("  %s: %s (the client said: %s)", item_name(v.item), v.message, v.item.said or "nothing")
    else
      out("  %s", v.message)
    end
  end
  return 1
end

--- See the file comment.
function M.run(o)
  math.randomseed(o.seed)
  local started = sys.monotonic_ms()
  local items = new_items(o)
  local emu <close> = assert(emulator.start {
    empty = true, seed = o.seed, now = M.NOW, data = seed_data(items), api_limit = 1000000000,
  })
  local reader = assert(client.connect({ instance_url = emu.url, api_version = "v62.0",
    auth = { type = "bearer", token = emu.token } }, {}))
  assign_ids(reader, items)
  local expected = expected_names(items)
  local scenarios = carve_pinned(items, o.skip_pinned)
  local jobs = mix_jobs(o, items)
  local all = {}
  for _, kind in ipairs(check.KINDS) do
    for _, it in ipairs(items[kind]) do all[#all + 1] = it end
  end
  for _, s in ipairs(scenarios) do
    for _, it in ipairs(s.items) do all[#all + 1] = it end
  end

  local ctx = { org = connect(emu, o), problems = {} }
  local st0 = emu:stats()
  local t0 = sys.monotonic_ms()
  local names, fired, p = mix_phase(ctx, emu, o, jobs)
  local mix_ms = sys.monotonic_ms() - t0
  local st1 = emu:stats()
  pinned_phase(ctx, emu, scenarios)
  local st2 = emu:stats()

  local violations, resolved = check.verify(all, read_state(reader, expected))
  for _, pr in ipairs(ctx.problems) do
    violations[#violations + 1] = { item = pr.item, message = "the report contradicts itself: " .. pr.message }
  end

  out("soak: %d updates, %d creates, %d deletes, %d upserts; fault rate %.3f (p=%.4f per kind), seed %d, "
    .. "attempts %d, base delay %gs, concurrency %d", o.updates, o.creates, o.deletes, o.upserts, o.rate, p, o.seed,
    o.attempts, o.base_delay, o.concurrency)
  out("")
  local sum, total = print_table(all)
  out("unknown outcomes: %d (applied %d, not applied %d)", sum.unknown, resolved.applied, resolved.not_applied)
  out("")
  print_fired("faults fired in the mix", names, fired)
  if #scenarios > 0 then out("pinned sequences (records: what the client said; what the org shows):") end
  for _, s in ipairs(scenarios) do out("  %s", describe_scenario(s)) end
  local mix_requests = st1.requests - st0.requests
  out("requests: %d in the mix (%.0f/s), %d in the pinned sequences; %d in all", mix_requests,
    mix_requests / math.max(mix_ms, 1) * 1000, st2.requests - st1.requests, st2.requests)
  out("time: %.1f s (mix %.1f s)", (sys.monotonic_ms() - started) / 1000, mix_ms / 1000)
  out("")
  return verdict(violations, sum, total)
end

return M
