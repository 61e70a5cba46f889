--- luaforce.cli.delete: `luaforce delete OBJECT ID`.
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local error_expression = require "luaforce.cli.error_expression"
local records = require "luaforce.cli.records"

local M = {}

M.summary = "delete a record"
M.spec = {
  command = "delete",
  usage = "luaforce delete [OPTIONS] OBJECT ID",
  args = "OBJECT ID",
  min_args = 2,
  max_args = 2,
  options = common.connected { error_expression.OPTION },
}
M.description = [[
Deletes the OBJECT record ID (to the recycle bin, as Salesforce does) and
prints {id, success}. A record that does not exist (or was deleted
already) exits 1 with NOT_FOUND or ENTITY_IS_DELETED.]] .. "\n\n" .. error_expression.HELP
M.examples = {
  "luaforce delete Account 001000000000001AAA",
  "luaforce delete --instance local Contact 003000000000001AAA --format json",
  [[luaforce delete Account 001000000000001AAA --error-expression 'if error.code = "404" then ignoreError({deleted: false}) else null']],
}

function M.run(ctx, opts, pos)
  local object, id = pos[1], pos[2]
  records.check_id(id)
  local settings = records.settings(ctx, opts)
  local org = connect.org(ctx, opts)
  local res, err = org:delete(object, id)
  local judged = records.judged(ctx, settings, res, err)
  if judged then return judged end
  if not res then connect.fail(err, org, object) end
  if res.status == 204 then res.body = records.done(id) end
  records.print(ctx, opts, settings, { kind = "value" }, function(w) w:response(res) end)
  return 0
end

return M
