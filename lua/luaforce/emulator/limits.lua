--- luaforce.emulator.limits: GET /services/data/vNN.N/limits.
--
-- Salesforce answers with an object of limit names, each `{"Max": n,
-- "Remaining": m}`, names in alphabetical order. The local org keeps a small
-- set: the daily API allowance is real (the org counts every authenticated
-- API request against --api-limit, this one included), data storage follows
-- the records held (Salesforce counts most records as 2 KB), the rest are a
-- Developer Edition's figures, never spent.
local json = require "luaforce.json"
local reply = require "luaforce.emulator.reply"

local M = {}

M.DATA_STORAGE_MB = 1024
local KB_PER_RECORD = 2

-- name → Max, for the limits nothing here spends
local FIXED = {
  ConcurrentAsyncGetReportInstances = 200,
  ConcurrentSyncReportRuns = 20,
  DailyAsyncApexExecutions = 250000,
  DailyBulkApiRequests = 15000,
  DailyBulkV2QueryJobs = 10000,
  FileStorageMB = 20,
  HourlyPublishedPlatformEvents = 50000,
}

local LIMIT_KEYS = { "Max", "Remaining" }

local function entry(max, remaining)
  return json.object({ Max = max, Remaining = math.max(0, remaining) }, LIMIT_KEYS)
end

local function records_held(store)
  local n = 0
  for _, c in pairs(store:counts()) do n = n + c.live + c.deleted end
  return n
end

--- The limits object of `org` (see luaforce.emulator.app's org table).
function M.snapshot(org)
  local out = {}
  for name, max in pairs(FIXED) do out[name] = entry(max, max) end
  out.DailyApiRequests = entry(org.api_limit, org.api_limit - org.api_requests)
  local used_mb = (records_held(org.store) * KB_PER_RECORD + 1023) // 1024
  out.DataStorageMB = entry(M.DATA_STORAGE_MB, M.DATA_STORAGE_MB - used_mb)
  local names = {}
  for name in pairs(out) do names[#names + 1] = name end
  table.sort(names)
  return json.object(out, names)
end

--- GET (or HEAD) /limits.
function M.handle(org, req, _version)
  if req.method ~= "GET" and req.method ~= "HEAD" then
    return reply.method_not_allowed(req.method, { "GET", "HEAD" })
  end
  return reply.json(200, M.snapshot(org))
end

return M
