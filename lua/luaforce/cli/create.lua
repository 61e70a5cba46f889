--- luaforce.cli.create: `luaforce create OBJECT (--values ... | --json ...)`.
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local error_expression = require "luaforce.cli.error_expression"
local records = require "luaforce.cli.records"

local M = {}

M.summary = "create a record"
M.spec = {
  command = "create",
  usage = "luaforce create [OPTIONS] OBJECT (--values 'F=V ...' | --json JSON|@FILE)",
  args = "OBJECT",
  min_args = 1,
  max_args = 1,
  options = common.connected(records.FIELD_OPTIONS, { error_expression.OPTION }),
}
M.description = [[
Creates an OBJECT record and prints Salesforce's answer: the new id,
success, errors.

--values takes Field=value words, split as a shell splits them ("double" or
'single' quotes keep blanks) and turned into the type each field has in the
object's describe: numbers (every digit kept), booleans (true/false),
dates (2024-06-01), date-times (2024-06-01T12:00:00Z); an unquoted null
leaves the field empty. --json takes the fields as a JSON object, as text
or from a file (@FILE, @- for standard input), sent as written.

A create is never sent twice: if the connection breaks after it went out,
luaforce exits 6 (outcome unknown) instead of risking a duplicate.]] .. "\n\n" .. error_expression.HELP
M.examples = {
  [[luaforce create Account --values 'Name="Acme Corp" Industry=Energy NumberOfEmployees=120']],
  [[luaforce create Opportunity --values 'Name=Renewal StageName=Prospecting CloseDate=2024-12-31 Amount=15000.50']],
  [[luaforce create Account --json '{"Name": "Acme", "Website": "acme.example"}']],
  [[luaforce create Contact --json @contact.json]],
  [[luaforce create Account --values 'Name=Acme' --error-expression 'if error.code = "400" then bpmnError("INVALID", error.message) else null']],
}

function M.run(ctx, opts, pos)
  local object = pos[1]
  local settings = records.settings(ctx, opts)
  local org = connect.org(ctx, opts)
  local fields = records.fields(org, object, opts, true)
  local res, err = org:create(object, fields)
  local judged = records.judged(ctx, settings, res, err)
  if judged then return judged end
  if not res then connect.fail(err, org, object) end
  records.print(ctx, opts, settings, { kind = "value" }, function(w) w:response(res) end)
  return 0
end

return M
