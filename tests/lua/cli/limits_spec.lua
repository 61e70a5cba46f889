-- luaforce.cli.limits in process against the local org: every limit as
-- name, max, remaining and used, sorted by name.
local limits = require "luaforce.cli.limits"
local json = require "luaforce.json"
local cli_run = require "support.cli_run"

describe("luaforce limits", function()

  it("takes no argument", function()
    local r = cli_run.run(limits, { "DailyApiRequests" })
    assert.equal(2, r.code)
    assert.equal("unexpected argument 'DailyApiRequests' (usage: luaforce limits [OPTIONS])", tostring(r.err))
  end)

  it("prints each limit the org reports, sorted, with what is used", function()
    local r = cli_run.run(limits, { "--format", "json" })
    assert.equal(0, r.code, tostring(r.err))
    local rows = json.decode(r.out)
    local reported = cli_run.org():limits().limits
    local names = {}
    for name in pairs(reported) do names[#names + 1] = name end
    table.sort(names)
    assert.equal(#names, #rows)
    for i, row in ipairs(rows) do
      assert.equal(names[i], row.name)
      assert.same({ "name", "max", "remaining", "used" }, json.keys(row))
      assert.equal(reported[row.name].Max, row.max)
      assert.equal(row.max - row.remaining, row.used)
    end
    assert.truthy(r.out:find('"name":"DailyApiRequests"', 1, true))
  end)

  it("takes --map, as its example does", function()
    local r = cli_run.run(limits, { "--format", "ndjson", "--map", "{name: name, percent_left: remaining / max * 100}" })
    assert.equal(0, r.code, tostring(r.err))
    local n = 0
    for line in r.out:gmatch("[^\n]+") do
      local row = json.decode(line)
      assert.is_string(row.name)
      assert.is_true(row.percent_left >= 0 and row.percent_left <= 100, line)
      n = n + 1
    end
    assert.is_true(n > 5)
  end)
end)
