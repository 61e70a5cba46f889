--- luaforce.cli.describe: `luaforce describe [OBJECT]`.
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local records = require "luaforce.cli.records"
local describe_rows = require "luaforce.cli.describe_rows"

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
Without OBJECT, lists the org's objects: name, label, prefix (the first three
characters of their ids) and flags (custom, and which of query, create,
update and delete the API allows). With OBJECT, lists its fields: name, type
(with a text field's length: string(80)), label, flags (create update,
create, update or read-only, then required, ext-id, unique, auto-number,
formula), ref (the objects a lookup points to, with its relationship name:
User via Owner) and values (a picklist's active values). The REPL's .describe
prints the same rows. --full prints the whole describe answer (JSON by
default when piped).]]
M.examples = {
  "luaforce describe",
  "luaforce describe Account",
  "luaforce describe Invoice__c --format csv",
  "luaforce describe Account --full --format json",
}

-- The rows as a table fits them: name, type and flags whole.
local function print_rows(ctx, opts, settings, rows, columns)
  if settings.format == "table" then rows = describe_rows.fit(rows, columns, settings.width) end
  records.print(ctx, opts, settings, { kind = "records", columns = columns, footer = false }, function(w)
    for _, r in ipairs(rows) do w:record(r) end
  end)
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
    -- a table is read: a picklist's first values; a file is used: all
    print_rows(ctx, opts, settings, describe_rows.field_rows(d, { all_values = settings.format ~= "table" }))
    return 0
  end
  local g, err = org:describe_global()
  if not g then connect.fail(err, org) end
  if opts.full then
    records.print(ctx, opts, settings, { kind = "value" }, function(w) w:value(g) end)
    return 0
  end
  print_rows(ctx, opts, settings, describe_rows.object_rows(g))
  return 0
end

return M
