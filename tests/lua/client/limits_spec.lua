-- luaforce.client.limits: org:limits from Sforce-Limit-Info and the header
-- parse on its own.
local limits = require "luaforce.client.limits"
local local_org = require "support.local_org"

describe("client limits", function()
  local emu, org
  setup(function() emu, org = local_org.start { empty = true, api_limit = 5000 } end)
  teardown(function() emu:stop() end)

  local function requests() return emu:stats().api_requests end

  it("limits reads the API usage from Sforce-Limit-Info", function()
    local l1 = assert(org:limits())
    assert.equal(5000, l1.max)
    assert.equal(l1.max - l1.used, l1.remaining)
    assert.matches("^api%-usage=%d+/5000", l1.header)
    assert.equal(5000, l1.limits.DailyApiRequests.Max)
    assert(org:query("SELECT Id FROM Account"))
    local l2 = assert(org:limits())
    assert.equal(l1.used + 2, l2.used)
  end)

  it("limit_info parses the header", function()
    local rows = {
      { "api-usage=18/15000", { used = 18, max = 15000, remaining = 14982, header = "api-usage=18/15000" } },
      { "api-usage=1/750; api-bursts=3/100", { used = 1, max = 750, remaining = 749,
        bursts = { used = 3, max = 100, remaining = 97 }, header = "api-usage=1/750; api-bursts=3/100" } },
      { { "api-usage=5/10" }, { used = 5, max = 10, remaining = 5, header = "api-usage=5/10" } },
      { "per-app-api-usage=2/100(appName=x)", nil },
      { nil, nil },
    }
    for _, row in ipairs(rows) do
      assert.same(row[2], limits.limit_info(row[1]))
    end
  end)

end)
