--- luaforce.cli.limits: `luaforce limits`.
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local json = require "luaforce.json"
local records = require "luaforce.cli.records"

local M = {}

M.summary = "show the org's limits and how much of each is left"
M.spec = {
  command = "limits",
  usage = "luaforce limits [OPTIONS]",
  max_args = 0,
  options = common.connected {},
}
M.description = [[
Prints every limit the org reports (GET limits): name, max, remaining and
used, sorted by name. DailyApiRequests is the API allowance that a busy
script spends; it refills over 24 hours.]]
M.examples = {
  "luaforce limits",
  "luaforce limits --format csv --output limits.csv",
  "luaforce limits --format json --map '{name: name, percent_left: remaining / max * 100}'",
}

local COLUMNS = { "name", "max", "remaining", "used" }

local function number(v)
  if type(v) == "number" then return v end
  return json.null
end

function M.run(ctx, opts)
  local settings = records.settings(ctx, opts)
  local org = connect.org(ctx, opts)
  local info, err = org:limits()
  if not info then connect.fail(err, org) end
  local body = type(info.limits) == "table" and info.limits or {}
  local names = {}
  for name, v in pairs(body) do
    if type(name) == "string" and type(v) == "table" then names[#names + 1] = name end
  end
  table.sort(names)
  records.print(ctx, opts, settings, { kind = "records", columns = COLUMNS, footer = false }, function(w)
    for _, name in ipairs(names) do
      local l = body[name]
      local max, remaining = number(l.Max), number(l.Remaining)
      local used = (type(l.Max) == "number" and type(l.Remaining) == "number") and (l.Max - l.Remaining) or json.null
      w:record(json.object({ name = name, max = max, remaining = remaining, used = used }, COLUMNS))
    end
  end)
  return 0
end

return M
