--- luaforce.cli.describe: `luaforce describe [OBJECT]`.
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local json = require "luaforce.json"
local records = require "luaforce.cli.records"

local M = {}

M.summary = "list the objects, or the fields of one object"
M.spec = {
  command = "describe",
  usage = "luaforce describe [OPTIONS] [OBJECT]",
  args = "[OBJECT]",
  max_args = 1,
  options = common.connected {
    { name = "full", help = "print Salesforce's whole describe answer instead of the summary" },
  },
}
M.description = [[
Without OBJECT, lists the org's objects: name, label, key prefix (the first
three characters of their ids), custom. With OBJECT, lists its fields: name,
type, label, length, nillable (may be empty) and ref (the objects a lookup
points to, with its relationship name: Account via Account). --full prints
the whole describe answer (JSON by default when piped).]]
M.examples = {
  "luaforce describe",
  "luaforce describe Account",
  "luaforce describe Invoice__c --format csv",
  "luaforce describe Account --full --format json",
}

local FIELD_COLUMNS = { "name", "type", "label", "length", "nillable", "ref" }
local OBJECT_COLUMNS = { "name", "label", "keyPrefix", "custom" }

local function str(v)
  if v == nil or v == json.null then return json.null end
  return v
end

-- One row per field: what a person needs to write a query or a --values.
local function field_row(f)
  local ref = json.null
  if type(f.referenceTo) == "table" and #f.referenceTo > 0 then
    ref = table.concat(f.referenceTo, ", ")
    if type(f.relationshipName) == "string" then ref = ref .. " via " .. f.relationshipName end
  end
  local length = math.tointeger(f.length)
  if not length or length == 0 then length = json.null end
  return json.object({ name = f.name, type = f.type, label = str(f.label), length = length,
    nillable = f.nillable == true, ref = ref }, FIELD_COLUMNS)
end

local function object_row(o)
  return json.object({ name = o.name, label = str(o.label), keyPrefix = str(o.keyPrefix),
    custom = o.custom == true }, OBJECT_COLUMNS)
end

function M.run(ctx, opts, pos)
  local object = pos[1]
  local settings = records.settings(ctx, opts)
  local org = connect.org(ctx, opts)
  if object then
    local d, err = org:describe(object)
    if not d then connect.fail(err, org, object) end
    if opts.full then
      records.print(ctx, opts, settings, { kind = "value" }, function(w) w:value(d) end)
      return 0
    end
    records.print(ctx, opts, settings, { kind = "records", columns = FIELD_COLUMNS, footer = false }, function(w)
      for _, f in ipairs(d.fields or {}) do w:record(field_row(f)) end
    end)
    return 0
  end
  local g, err = org:describe_global()
  if not g then connect.fail(err, org) end
  if opts.full then
    records.print(ctx, opts, settings, { kind = "value" }, function(w) w:value(g) end)
    return 0
  end
  records.print(ctx, opts, settings, { kind = "records", columns = OBJECT_COLUMNS, footer = false }, function(w)
    for _, o in ipairs(g.sobjects or {}) do w:record(object_row(o)) end
  end)
  return 0
end

return M
