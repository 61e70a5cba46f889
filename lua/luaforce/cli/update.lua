--- luaforce.cli.update: `luaforce update OBJECT ID (--values ... | --json ...)`.
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local error_expression = require "luaforce.cli.error_expression"
local records = require "luaforce.cli.records"

local M = {}

M.summary = "change fields of a record"
M.spec = {
  command = "update",
  usage = "luaforce update [OPTIONS] OBJECT ID (--values 'F=V ...' | --json JSON|@FILE)",
  args = "OBJECT ID",
  min_args = 2,
  max_args = 2,
  options = common.connected(records.FIELD_OPTIONS, { error_expression.OPTION }),
}
M.description = [[
Sets the given fields of the OBJECT record ID and prints {id, success}.
Fields not given keep their values; an unquoted null in --values (or null
in --json) clears one. --values and --json work as for 'luaforce create'.]] .. "\n\n" .. error_expression.HELP
M.examples = {
  [[luaforce update Account 001000000000001AAA --values 'Industry=Energy Rating=Hot']],
  [[luaforce update Contact 003000000000001AAA --values 'Phone=null DoNotCall=true']],
  [[luaforce update Account 001000000000001AAA --json @changes.json]],
  [[luaforce update Account 001000000000001AAA --values 'Rating=Hot' --error-expression 'if error.code = "503" then jobError("Salesforce unavailable") else null']],
}

function M.run(ctx, opts, pos)
  local object, id = pos[1], pos[2]
  records.check_id(id)
  local settings = records.settings(ctx, opts)
  local org = connect.org(ctx, opts)
  local fields = records.fields(org, object, opts, true)
  local res, err = org:update(object, id, fields)
  local judged = records.judged(ctx, settings, res, err)
  if judged then return judged end
  if not res then connect.fail(err, org, object) end
  if res.status == 204 then res.body = records.done(id) end
  records.print(ctx, opts, settings, { kind = "value" }, function(w) w:response(res) end)
  return 0
end

return M
