--- luaforce.emulator.tooling: the Tooling API of the local org, as far as
-- clients ask it of a production org.
--
--   GET /services/data/vNN.N/tooling/query?q=SOQL
--   GET /services/data/vNN.N/tooling/sobjects             (describeGlobal)
--   GET /services/data/vNN.N/tooling/sobjects/X/describe
--
-- The Tooling API has objects of its own; the local org has the one that
-- clients read of every production org: SandboxProcess, the copy processes
-- of the org's sandboxes (the Salesforce CLI asks for them after a login).
-- The local org has no sandboxes, so its answer is the empty result a
-- production org without sandboxes gives. Other objects are INVALID_TYPE,
-- as a real org answers for objects it does not have. Query answers carry
-- the Tooling API's keys: size, totalSize, done, queryLocator (null),
-- entityTypeName (null when there are no rows) and records; a result is
-- answered in one page. Its lookups (SandboxInfoId, SourceId, ...) are
-- 18-character text here: the objects they point at are not emulated.
local json = require "luaforce.json"
local reply = require "luaforce.emulator.reply"
local schema_mod = require "luaforce.emulator.schema"
local exec = require "luaforce.emulator.soql_exec"
local Store = require "luaforce.emulator.store"

local M = {}

local PAGE_KEYS = { "size", "totalSize", "done", "queryLocator", "entityTypeName", "records" }

local SCHEMA = {
  objects = { {
    name = "SandboxProcess", label = "Sandbox Process", labelPlural = "Sandbox Processes", keyPrefix = "0GR",
    custom = false, hasOwner = false, createable = false, updateable = false, deletable = false,
    fields = {
      { name = "SandboxInfoId", label = "Sandbox Info ID", type = "string", length = 18, readOnly = true },
      { name = "SandboxName", label = "Sandbox Name", type = "string", length = 10, readOnly = true },
      { name = "Status", label = "Status", type = "string", length = 40, readOnly = true },
      { name = "LicenseType", label = "License Type", type = "picklist", readOnly = true,
        values = { "DEVELOPER", "DEVELOPER_PRO", "PARTIAL", "FULL" } },
      { name = "CopyProgress", label = "Copy Progress", type = "int", precision = 3, readOnly = true },
      { name = "SandboxOrganization", label = "Sandbox Organization", type = "string", length = 15,
        readOnly = true },
      { name = "SourceId", label = "Source ID", type = "string", length = 18, readOnly = true },
      { name = "Description", label = "Description", type = "string", length = 255, readOnly = true },
      { name = "ApexClassId", label = "Apex Class ID", type = "string", length = 18, readOnly = true },
      { name = "ActivatedById", label = "Activated By ID", type = "string", length = 18, readOnly = true },
      { name = "ActivatedDate", label = "Activated Date", type = "datetime", readOnly = true },
      { name = "AutoActivate", label = "Auto Activate", type = "boolean", readOnly = true },
      { name = "CopyArchivedActivities", label = "Copy Archived Activities", type = "boolean", readOnly = true },
      { name = "CopyChatter", label = "Copy Chatter", type = "boolean", readOnly = true },
      { name = "HistoryDays", label = "History Days", type = "int", precision = 4, readOnly = true },
      { name = "StartDate", label = "Start Date", type = "datetime", readOnly = true },
      { name = "EndDate", label = "End Date", type = "datetime", readOnly = true },
      { name = "RefreshAction", label = "Refresh Action", type = "picklist", readOnly = true,
        values = { "ACTIVATE", "DISCARD" } },
      { name = "Features", label = "Features", type = "multipicklist", readOnly = true, restricted = false,
        values = { "SandboxStorage" } },
    },
  } },
}

--- The Tooling API's own objects and records for an org (`clock` its clock).
function M.new(clock)
  local sch = assert(schema_mod.load(SCHEMA, { system_objects = false }))
  local store = Store.new { schema = sch, clock = clock }
  return { schema = sch, store = store, clock = clock }
end

local function query(tooling, req, version)
  if req.method ~= "GET" and req.method ~= "HEAD" then
    return reply.method_not_allowed(req.method, { "GET", "HEAD" })
  end
  local q = req.query.q
  if not q or q:match("^%s*$") then
    return reply.error(400, "MALFORMED_QUERY", "A query string has to be specified")
  end
  local result, err = exec.run(tooling.store, q, { version = version, now = tooling.clock.now() })
  if not result then
    return reply.error(err.status or 400, err.errorCode or "MALFORMED_QUERY", err.message)
  end
  local records = {}
  if not result.count_only then
    for i = 1, #result.records do records[i] = result.records[i] end
  end
  local first = records[1]
  local body = {
    size = result.count_only and result.total_size or #records,
    totalSize = result.total_size, done = true, queryLocator = json.null,
    entityTypeName = first and first.attributes and first.attributes.type or json.null,
    records = json.array(records),
  }
  return reply.json(200, json.object(body, PAGE_KEYS))
end

--- GET .../tooling/<rest>: `rest` the segments after "tooling".
function M.handle(tooling, req, version, rest)
  if rest[1] == "query" and #rest == 1 then return query(tooling, req, version) end
  if rest[1] == "sobjects" then
    local rest2 = { table.unpack(rest, 2) }
    if #rest2 == 0 or (#rest2 == 2 and rest2[2] == "describe") then
      return require("luaforce.emulator.sobjects").handle(tooling, req, version, rest2)
    end
  end
  return reply.not_found()
end

return M
