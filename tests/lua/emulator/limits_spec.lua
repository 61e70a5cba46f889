-- luaforce.emulator.limits: GET /limits. snapshot called directly with a
-- stand-in org (names in alphabetical order, Max before Remaining, the
-- daily API allowance and data storage as the org spends them, never below
-- zero), the methods handle takes, and the app counting the limits request
-- itself.
local json = require "luaforce.json"
local limits = require "luaforce.emulator.limits"
local org_ = require "support.app_request"

-- An org holding `live` and `deleted` records (of two objects), with `used`
-- of `limit` API requests spent.
local function stand_in(live, deleted, used, limit)
  local store = {}
  function store:counts()
    return { Account = { live = live, deleted = 0 }, Contact = { live = 0, deleted = deleted } }
  end
  return { store = store, api_requests = used, api_limit = limit or 15000 }
end

describe("luaforce.emulator.limits", function()
  describe("snapshot", function()
    it("lists the limits by name, alphabetically, each with Max then Remaining", function()
      local snap = limits.snapshot(stand_in(0, 0, 0))
      local names = json.keys(snap)
      assert.same({ "ConcurrentAsyncGetReportInstances", "ConcurrentSyncReportRuns", "DailyApiRequests",
        "DailyAsyncApexExecutions", "DailyBulkApiRequests", "DailyBulkV2QueryJobs", "DataStorageMB",
        "FileStorageMB", "HourlyPublishedPlatformEvents" }, names)
      for _, name in ipairs(names) do
        assert.same({ "Max", "Remaining" }, json.keys(snap[name]), name)
      end
      assert.equal('{"Max":20,"Remaining":20}', json.encode(snap.ConcurrentSyncReportRuns))
    end)

    -- { used, limit, Remaining }
    local api = { { 0, 15000, 15000 }, { 18, 15000, 14982 }, { 100, 100, 0 }, { 120, 100, 0 }, { 5, 10, 5 } }
    for _, row in ipairs(api) do
      it(("DailyApiRequests: %d of %d used -> %d remaining"):format(row[1], row[2], row[3]), function()
        local e = limits.snapshot(stand_in(0, 0, row[1], row[2])).DailyApiRequests
        assert.same({ row[2], row[3] }, { e.Max, e.Remaining })
      end)
    end

    -- { live, deleted, Remaining of 1024 MB }: 2 KB a record, whole MB rounded up
    local storage = {
      { 0, 0, 1024 }, { 1, 0, 1023 }, { 512, 0, 1023 }, { 513, 0, 1022 }, { 300, 300, 1022 },
      { 600000, 0, 0 },
    }
    for _, row in ipairs(storage) do
      it(("DataStorageMB: %d live and %d deleted records -> %d MB remaining"):format(row[1], row[2], row[3]),
        function()
          local e = limits.snapshot(stand_in(row[1], row[2], 0)).DataStorageMB
          assert.same({ limits.DATA_STORAGE_MB, row[3] }, { e.Max, e.Remaining })
        end)
    end
  end)

  describe("handle", function()
    for _, method in ipairs { "GET", "HEAD" } do
      it("answers " .. method .. " with the snapshot as JSON", function()
        local o = stand_in(10, 0, 3)
        local r = limits.handle(o, { method = method }, "62.0")
        assert.equal(200, r.status)
        assert.equal(json.encode(limits.snapshot(o)), r.body)
      end)
    end

    it("allows GET and HEAD only", function()
      local r = limits.handle(stand_in(0, 0, 0), { method = "POST" }, "62.0")
      assert.equal(405, r.status)
      assert.same({ "Allow", "GET,HEAD" }, r.headers[2])
    end)
  end)

  describe("through the app", function()
    it("counts every API request, the limits request included, and the records held", function()
      org_.setup { api_limit = 50 }
      org_.query("SELECT Id FROM Account")
      local r = org_.request("GET", org_.V .. "/limits")
      assert.equal(200, r.status)
      assert.same({ 50, 48 }, { r.json.DailyApiRequests.Max, r.json.DailyApiRequests.Remaining })
      assert.equal(1023, r.json.DataStorageMB.Remaining) -- 10 records: 20 KB, rounded up to 1 MB
      assert.equal("api-usage=2/50", r.h["sforce-limit-info"])
    end)
  end)
end)
