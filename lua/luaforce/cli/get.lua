--- luaforce.cli.get: `luaforce get OBJECT ID [--fields a,b] [--relationship NAME]`.
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local error_expression = require "luaforce.cli.error_expression"
local records = require "luaforce.cli.records"

local M = {}

M.summary = "print one record by its id"
M.spec = {
  command = "get",
  usage = "luaforce get [OPTIONS] OBJECT ID",
  args = "OBJECT ID",
  min_args = 2,
  max_args = 2,
  options = common.connected {
    { name = "fields", arg = "A,B", help = "only these fields (comma-separated)" },
    { name = "relationship", arg = "NAME", help = "the related record(s) instead: a lookup (Account) or child list (Contacts)" },
    error_expression.OPTION,
  },
}
M.description = [[
Fetches the OBJECT record with id ID (15 or 18 characters) and prints it: a
Field/Value table on a terminal, JSON when piped (--format changes it).
--fields limits the fields; --relationship NAME prints the record a lookup
points to (Owner, Account) or the records of a child relationship
(Contacts, Opportunities) instead.

A misspelt field or object is named with the nearest right one. A record
that does not exist exits 1 with NOT_FOUND.]] .. "\n\n" .. error_expression.HELP
M.examples = {
  "luaforce get Account 001000000000001AAA",
  "luaforce get Account 001000000000001AAA --fields Name,Industry --format json",
  "luaforce get Account 001000000000001AAA --relationship Contacts --format csv",
  "luaforce get --instance local Contact 003000000000001AAA --relationship Account",
  [[luaforce get Account 001000000000001AAA --error-expression 'if error.code = "404" then bpmnError("NOT_FOUND", error.message) else null']],
}

function M.run(ctx, opts, pos)
  local object, id = pos[1], pos[2]
  records.check_id(id)
  local settings = records.settings(ctx, opts)
  local org = connect.org(ctx, opts)
  local res, err = org:get(object, id, {
    relationship = opts.relationship,
    query = opts.fields and { fields = opts.fields } or nil,
  })
  local judged = records.judged(ctx, settings, res, err)
  if judged then return judged end
  if not res then connect.fail(err, org, object) end
  local body = res.body
  local many = type(body) == "table" and type(body.records) == "table"
  records.print(ctx, opts, settings, { kind = many and "records" or "value" }, function(w) w:response(res) end)
  return 0
end

return M
