--- luaforce.cli.upsert: `luaforce upsert OBJECT FIELD VALUE (--values ... | --json ...)`.
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local error_expression = require "luaforce.cli.error_expression"
local json = require "luaforce.json"
local records = require "luaforce.cli.records"

local M = {}

M.summary = "create or update a record by an external id"
M.spec = {
  command = "upsert",
  usage = "luaforce upsert [OPTIONS] OBJECT FIELD VALUE [--values 'F=V ...' | --json JSON|@FILE]",
  args = "OBJECT FIELD VALUE",
  min_args = 3,
  max_args = 3,
  options = common.connected(records.FIELD_OPTIONS, { error_expression.OPTION }),
}
M.description = [[
Finds the OBJECT record whose external id field FIELD holds VALUE: updates
it with the given fields when there is one, creates it (with FIELD = VALUE)
when there is none. Prints {id, success, errors, created}. When VALUE
matches several records nothing changes and luaforce exits 1 with
MULTIPLE_CHOICES. An upsert is safe to send again: it is keyed.
--values and --json work as for 'luaforce create'.]] .. "\n\n" .. error_expression.HELP
M.examples = {
  [[luaforce upsert Invoice__c External_Id__c INV-2024-001 --values 'Amount__c=1200.00 Status__c=Sent']],
  [[luaforce upsert Invoice__c External_Id__c INV-2024-002 --json @invoice.json]],
  [[luaforce upsert Invoice__c External_Id__c INV-2024-003 --values 'Amount__c=5' --error-expression 'if body.created then null else bpmnError("EXISTS", "INV-2024-003 was there")']],
}

function M.run(ctx, opts, pos)
  local object, field, value = pos[1], pos[2], pos[3]
  local settings = records.settings(ctx, opts)
  local org = connect.org(ctx, opts)
  local fields = records.fields(org, object, opts, false) or json.object {}
  local res, err = org:upsert(object, field, value, fields)
  local judged = records.judged(ctx, settings, res, err)
  if judged then return judged end
  if not res then connect.fail(err, org, object) end
  if res.status == 204 then
    -- API versions before 46.0 answer an update with no body
    res.body = json.object({ success = true, created = false }, { "success", "created" })
  end
  records.print(ctx, opts, settings, { kind = "value" }, function(w) w:response(res) end)
  return 0
end

return M
