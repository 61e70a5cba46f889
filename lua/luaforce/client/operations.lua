--- luaforce.client.operations: the Camunda connector's operations on an
-- org, and upsert, each a method of the Org (client/init.lua mixes
-- `operations.methods` in).
--
--   org:query(soql) -> response | nil, err     one page (GET query?q=...)
--   org:get(object, id [, {fields =, relationship =, query =}]) -> response | nil, err
--   org:create(object, fields) -> response | nil, err   (never sent twice)
--   org:update(object, id, fields) -> response | nil, err
--   org:delete(object, id) -> response | nil, err
--   org:upsert(object, ext_field, value, fields) -> response | nil, err
--       PATCH sobjects/Object/ExtField/value. 201 {id, success, errors,
--       created = true} when it inserted, 200 {..., created = false} when it
--       updated (API 46.0+; older versions answer 204, no body). When the
--       value matches several records Salesforce answers 300 and changes
--       nothing: that is nil, err with err.code "300", err.error_code
--       "MULTIPLE_CHOICES", err.candidates (the records' URLs, as sent) and
--       err.ids (their ids). An upsert is safe to retry: it is keyed.
--
-- Names and ids are checked before anything is sent and answered the way
-- Salesforce would (a 400: INVALID_TYPE, INVALID_FIELD, MALFORMED_ID; exit
-- 2), since they usually come from data; a value of the wrong Lua type is
-- misuse and raises.
local json = require "luaforce.json"
local errors = require "luaforce.errors"
local http = require "luaforce.http"
local checks = require "luaforce.client.checks"
local child_lists = require "luaforce.client.child_lists"
local cerrors = require "luaforce.client.errors"
local ids = require "luaforce.client.ids"
local explain = require "luaforce.client.explain"

local M = {}

--- The methods this file adds to the Org.
local methods = {}
M.methods = methods

-- An operation's answer: its response, or its error as a person should
-- read it (luaforce.client.explain: the nearest object or field name).
local function answer(org, object, res, err)
  if res then return res end
  return nil, explain.error(org, err, object)
end

-- The same checks for the operations, which return them as the 400
-- Salesforce would have answered (nil, err) since names and ids usually
-- come from data.
local function bad_object(name, request)
  if type(name) ~= "string" then error(("object name must be a string, not a %s"):format(type(name)), 4) end
  local why = checks.name_problem(name)
  if why then
    return cerrors.bad_input("INVALID_TYPE", ("sObject type '%s' is not valid: %s"):format(name, why), request)
  end
end

local function bad_id(object, id, request)
  if type(id) ~= "string" then error(("record id must be a string, not a %s"):format(type(id)), 4) end
  local ok, why = ids.to18(id)
  if not ok then
    return cerrors.bad_input("MALFORMED_ID", ("%s ID: id value of incorrect type: %s (%s)"):format(object, id, why),
      request)
  end
end

local function bad_field(name, request)
  local why = checks.name_problem(name)
  if why then
    return cerrors.bad_input("INVALID_FIELD", ("'%s' is no field API name (%s)"):format(tostring(name), why),
      request, { tostring(name) })
  end
end

-- upsert's checks: the 400 Salesforce would have answered.
local function named(kind, value, request, what)
  if type(value) ~= "string" then
    error(("%s must be a string, not a %s"):format(what, type(value)), 4)
  end
  return checks.invalid(kind, value, request)
end

--- One page of a SOQL query, as the connector does (GET query?q=...).
-- `soql` is text or a luaforce.soql query. The body holds totalSize, done,
-- records and, when done is false, nextRecordsUrl (org:records follows it).
function methods:query(soql)
  local text = checks.soql_text(soql)
  if not text then error(("bad argument #1 to 'query' (SOQL text or query expected, got %s)"):format(type(soql)), 2) end
  if text:match("^%s*$") then
    return nil, cerrors.bad_input("MALFORMED_QUERY", "the query is empty", { method = "GET", path = self.base .. "/query" })
  end
  local res, err = self:call("GET", "/query", { query = { q = text } })
  if res and type(res.body) == "table" and type(res.body.records) == "table" then
    child_lists.apply(res.body.records, child_lists.relationships(text))
  end
  return answer(self, nil, res, err)
end

-- "A,B" or {"A", "B"} -> "A,B" with each name checked; nil, err.
local function field_list(v, request)
  local names = {}
  if type(v) == "table" then
    for i, n in ipairs(v) do names[i] = n end
  elseif type(v) == "string" then
    for n in v:gmatch("[^,]+") do names[#names + 1] = n:match("^%s*(.-)%s*$") end
  else
    error("query.fields must be a string or a list of names", 4)
  end
  for _, n in ipairs(names) do
    local e = bad_field(n, request)
    if e then return nil, e end
  end
  return table.concat(names, ",")
end

--- A record by id (GET sobjects/Object/Id). opts: fields (the fields to
-- read: "Name,Industry" or a list of names; the same as query.fields, as a
-- chain's get takes it), relationship (a relationship name: the related
-- record or records instead), query (query parameters, e.g. {fields =
-- "Name,Industry"}). Any other option is a mistake and raises.
local GET_OPTIONS = { fields = true, relationship = true, query = true }

function methods:get(object, id, opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("bad argument #3 to 'get' (table of options expected)", 2) end
  for k in pairs(opts) do
    if not GET_OPTIONS[k] then
      local near = type(k) == "string" and errors.nearest(k, { "fields", "relationship", "query" })
      error(("get: unknown option '%s' (%s)"):format(tostring(k),
        near and ("did you mean '" .. near .. "'?") or "fields, relationship or query"), 2)
    end
  end
  if opts.fields ~= nil then
    if type(opts.query) == "table" and opts.query.fields ~= nil then
      error("get: give fields or query.fields, not both", 2)
    end
    local q = { fields = opts.fields }
    for k, v in pairs(type(opts.query) == "table" and opts.query or {}) do q[k] = v end
    opts = { relationship = opts.relationship, query = q }
  end
  local request = { method = "GET", path = self.base .. "/sobjects/" .. tostring(object) .. "/" .. tostring(id) }
  local e = bad_object(object, request) or bad_id(object, id, request)
  if e then return nil, e end
  local path = self:path("sobjects", object, id)
  if opts.relationship ~= nil then
    local why = checks.name_problem(opts.relationship)
    if why then
      return nil, cerrors.bad_input("INVALID_FIELD",
        ("'%s' is no relationship name (%s)"):format(tostring(opts.relationship), why), request)
    end
    path = path .. "/" .. http.escape(opts.relationship)
  end
  local query
  if opts.query ~= nil then
    if type(opts.query) ~= "table" then error("bad option 'query' to 'get' (table expected)", 2) end
    query = {}
    for k, v in pairs(opts.query) do
      if k == "fields" then
        local list, ferr = field_list(v, request)
        if not list then return nil, ferr end
        query[k] = list
      else
        query[k] = v
      end
    end
  end
  return answer(self, object, self:call("GET", path, { query = query }))
end

-- Record fields for a create or update: a table with valid field names
-- (json.null clears a field). Returns nil or an error.
local function bad_fields(fields, request, what)
  if type(fields) ~= "table" or getmetatable(fields) == getmetatable(json.null) then
    error(("bad argument to '%s' (table of fields expected, got %s)"):format(what, type(fields)), 4)
  end
  for k in pairs(fields) do
    if type(k) ~= "string" then error(("%s: field names must be strings"):format(what), 4) end
    if k ~= "attributes" then
      local e = bad_field(k, request)
      if e then return e end
    end
  end
end

local function as_object(fields)
  if next(fields) == nil then return json.object {} end
  return fields
end

--- Creates a record (POST sobjects/Object): 201 {id, success, errors}.
-- Never sent twice: see luaforce.client.retry.
function methods:create(object, fields)
  local request = { method = "POST", path = self.base .. "/sobjects/" .. tostring(object) }
  local e = bad_object(object, request) or bad_fields(fields, request, "create")
  if e then return nil, e end
  return answer(self, object, self:call("POST", self:path("sobjects", object), { body = as_object(fields),
    retry = "create" }))
end

--- Updates a record (PATCH sobjects/Object/Id): 204.
function methods:update(object, id, fields)
  local request = { method = "PATCH", path = self.base .. "/sobjects/" .. tostring(object) .. "/" .. tostring(id) }
  local e = bad_object(object, request) or bad_id(object, id, request) or bad_fields(fields, request, "update")
  if e then return nil, e end
  return answer(self, object, self:call("PATCH", self:path("sobjects", object, id), { body = as_object(fields) }))
end

--- Deletes a record (DELETE sobjects/Object/Id): 204.
function methods:delete(object, id)
  local request = { method = "DELETE", path = self.base .. "/sobjects/" .. tostring(object) .. "/" .. tostring(id) }
  local e = bad_object(object, request) or bad_id(object, id, request)
  if e then return nil, e end
  local res, err = self:call("DELETE", self:path("sobjects", object, id))
  if not res and err.error_code == "ENTITY_IS_DELETED" and err.reached then
    -- an earlier attempt did it and its answer was lost: the record is
    -- gone, as asked
    return { status = 204, headers = err.variables.response.headers, body = json.null, reason = "No Content",
      document = json.null }
  end
  return answer(self, object, res, err)
end

-- The id at the end of a record URL (".../sobjects/Account/001...").
local function id_of_url(url)
  return type(url) == "string" and url:match("/([%w]+)$") or nil
end

--- Upserts on an external id (see the file comment).
function methods:upsert(object, ext_field, value, fields)
  local request = { method = "PATCH", path = ("%s/sobjects/%s/%s/%s"):format(self.base, tostring(object),
    tostring(ext_field), tostring(value)) }
  local e = named("object", object, request, "object name") or named("field", ext_field, request, "external id field")
  if e then return nil, e end
  if math.type(value) == "integer" then value = ("%d"):format(value) end
  if type(value) ~= "string" then
    error(("bad argument #3 to 'upsert' (string or integer expected, got %s)"):format(type(value)), 2)
  end
  if value == "" then
    return nil, cerrors.bad_input("MISSING_ARGUMENT", "the external id value is empty", request)
  end
  if fields == nil then fields = {} end
  if type(fields) ~= "table" then
    error(("bad argument #4 to 'upsert' (table of fields expected, got %s)"):format(type(fields)), 2)
  end
  local body = next(fields) == nil and json.object {} or fields
  local path = self:path("sobjects", object, ext_field, value)
  local res, err = self:call("PATCH", path, { body = body })
  if not res then return nil, explain.error(self, err, object) end
  if res.status == 300 then
    local urls = type(res.body) == "table" and res.body or {}
    local list, ids = {}, {}
    for i, u in ipairs(urls) do
      list[i] = u
      ids[#ids + 1] = id_of_url(u)
    end
    return nil, cerrors.new {
      code = "300", status = 300, error_code = "MULTIPLE_CHOICES",
      message = ("%s = '%s' matches %d %s records; nothing was changed"):format(ext_field, value, #list, object),
      candidates = list, ids = ids, errors = {}, fields = { ext_field },
      variables = { response = { headers = res.headers, body = res.body } },
      request = request, exit = errors.EXIT.API,
      hint = "make the external id unique, or update the record you mean by its id",
    }
  end
  return res
end

return M
