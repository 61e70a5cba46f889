--- luaforce.emulator.collections: sObject Collections, many records in one
-- request (API 42.0 and later).
--
--   POST   composite/sobjects                    create   {"allOrNone", "records": [...]}
--   PATCH  composite/sobjects                    update   (each record with "id")
--   PATCH  composite/sobjects/X/<ExtField>       upsert   (results carry "created")
--   DELETE composite/sobjects?ids=a,b&allOrNone= delete
--   POST   composite/sobjects/X                  retrieve {"ids": [...], "fields": [...]}
--   GET    composite/sobjects/X?ids=..&fields=.. retrieve
--
-- Writes answer 200 with one result per record, in input order; a record's
-- failure is data (`{"success": false, "errors": [{"statusCode", ...}]}`:
-- per-record errors say statusCode where top-level errors say errorCode).
-- With allOrNone every record is still tried, so that each failing one
-- reports its own error; then the store rolls back to where the request
-- began and the records that had succeeded report
-- ALL_OR_NONE_OPERATION_ROLLED_BACK. A malformed request, or one past the
-- record limit, is a top-level error before anything is written.
local json = require "luaforce.json"
local ids = require "luaforce.emulator.ids"
local reply = require "luaforce.emulator.reply"
local sobjects = require "luaforce.emulator.sobjects"

local M = {}

M.MIN_VERSION = 42
M.MAX_RECORDS = 200   -- create, update, upsert, delete
M.MAX_RETRIEVE = 2000 -- retrieve (Salesforce allows more ids there)

local RESULT_KEYS = { "id", "success", "errors" }
local UPSERT_KEYS = { "id", "success", "errors", "created" }
local ERROR_KEYS = { "statusCode", "message", "fields" }

local ROLLED_BACK = {
  errorCode = "ALL_OR_NONE_OPERATION_ROLLED_BACK",
  message = "Record rolled back because not all records were valid and the request was using AllOrNone header",
}

local function limit_error(max)
  return reply.error(400, "EXCEEDED_ID_LIMIT",
    ("record limit reached. cannot submit more than %d records into this call"):format(max))
end

local function parser_error(message)
  return reply.error(400, "JSON_PARSER_ERROR", message)
end

-- One per-record error in Salesforce's words: statusCode, message, fields
-- (always present, possibly empty).
local function record_error(e)
  local fields = {}
  for i, f in ipairs(e.fields or {}) do fields[i] = f end
  return json.object({ statusCode = e.errorCode, message = e.message, fields = json.array(fields) }, ERROR_KEYS)
end

local function success(id, created)
  local t = { id = id, success = true, errors = json.array {} }
  if created == nil then return json.object(t, RESULT_KEYS) end
  t.created = created
  return json.object(t, UPSERT_KEYS)
end

-- `id` is the record's id when the request named it (update, delete).
local function failure(errs, id)
  local list = {}
  for i, e in ipairs(errs) do list[i] = record_error(e) end
  return json.object({ id = id, success = false, errors = json.array(list) }, RESULT_KEYS)
end

-- The body as a JSON object, or nil and a top-level error reply.
local function decode_body(req)
  local body = req.body or ""
  if body == "" then
    return nil, parser_error("The HTTP entity body is required, but this request has no entity body.")
  end
  local value, err = json.decode(body)
  if value == nil then
    return nil, parser_error(("Unexpected character at [line:%d, column:%d]: %s")
      :format(err.line or 1, err.column or 1, err.reason or err.message))
  end
  if type(value) ~= "table" or json.is_array(value) then
    return nil, parser_error("Cannot deserialize the request body from "
      .. (json.is_array(value) and "START_ARRAY" or "a scalar") .. " token: a JSON object is expected")
  end
  return value
end

local function opt_bool(body, key)
  local v = body[key]
  if v == nil or v == json.null then return false end
  if type(v) ~= "boolean" then
    return nil, parser_error(("Cannot deserialize value of type boolean for '%s' from %s")
      :format(key, json.encode(v) or type(v)))
  end
  return v
end

-- `{"allOrNone": ..., "records": [...]}` checked: the records and the flag,
-- or nil and a top-level error reply.
local function records_body(req)
  local body, bad = decode_body(req)
  if not body then return nil, bad end
  local all_or_none
  all_or_none, bad = opt_bool(body, "allOrNone")
  if all_or_none == nil then return nil, bad end
  local records = body.records
  if records == nil or records == json.null then
    return nil, parser_error("The request body needs a 'records' list")
  end
  if type(records) ~= "table" or not json.is_array(records) then
    return nil, parser_error("'records' must be a JSON array of records")
  end
  if #records > M.MAX_RECORDS then return nil, limit_error(M.MAX_RECORDS) end
  for i, r in ipairs(records) do
    if type(r) ~= "table" or json.is_array(r) then
      return nil, parser_error(("records[%d]: a record must be a JSON object"):format(i - 1))
    end
  end
  return records, all_or_none
end

-- The sObject type a record names in its attributes, or nil.
local function record_type(rec)
  local a = rec.attributes
  if type(a) == "table" and type(a.type) == "string" and a.type ~= "" then return a.type end
  return nil
end

local NO_TYPE = { errorCode = "INVALID_TYPE",
  message = "The record's attributes must name its sObject type (\"attributes\": {\"type\": \"Account\"})" }

local function text_value(v)
  if type(v) == "string" then return v end
  return nil
end

-- Runs `op(i)` for every record; op returns the result of record i and
-- whether it succeeded. Under allOrNone, a failure anywhere undoes every
-- write of the request and turns the successes into rolled-back failures.
-- `ids_of(i)` is the id to show on a rolled-back record (nil for creates).
local function run(org, n, all_or_none, op, ids_of)
  local st = org.store
  local cp = st:checkpoint()
  local results, ok_at, failed = {}, {}, false
  for i = 1, n do
    local res, ok = op(i)
    results[i], ok_at[i] = res, ok
    if not ok then failed = true end
  end
  if all_or_none and failed then
    st:rollback(cp)
    for i = 1, n do
      if ok_at[i] then results[i] = failure({ ROLLED_BACK }, ids_of(i)) end
    end
  else
    st:release(cp)
  end
  return reply.json(200, json.array(results))
end

local function create(org, req)
  local records, all_or_none = records_body(req)
  if not records then return all_or_none end
  return run(org, #records, all_or_none, function(i)
    local rec = records[i]
    local tname = record_type(rec)
    if not tname then return failure({ NO_TYPE }), false end
    local id, errs = org.store:insert(tname, rec)
    if not id then return failure(errs), false end
    return success(id), true
  end, function() return nil end)
end

-- The id a record of an update names ("id" or "Id"), as given.
local function given_id(rec)
  for _, k in ipairs { "id", "Id", "ID", "iD" } do
    local v = rec[k]
    if v ~= nil and v ~= json.null then return v end
  end
  return nil
end

local function shown_id(v)
  if type(v) ~= "string" then return nil end
  return ids.to18(v) or v
end

local function update(org, req)
  local records, all_or_none = records_body(req)
  if not records then return all_or_none end
  return run(org, #records, all_or_none, function(i)
    local rec = records[i]
    local id = given_id(rec)
    if id == nil then
      return failure({ { errorCode = "MISSING_ARGUMENT", message = "Id not specified in an update call" } }), false
    end
    local tname = record_type(rec)
    if not tname then return failure({ NO_TYPE }, shown_id(id)), false end
    if type(id) ~= "string" or not ids.valid(id) then
      return failure({ { errorCode = "MALFORMED_ID", message = ("%s ID: id value of incorrect type: %s")
        :format(tname, type(id) == "string" and id or json.encode(id)), fields = { "Id" } } }), false
    end
    local ok, errs = org.store:update(tname, id, rec)
    if not ok then return failure(errs, shown_id(id)), false end
    return success(ids.to18(id)), true
  end, function(i) return shown_id(given_id(records[i])) end)
end

-- The value of `field` in a record, whatever the case of the key.
local function field_value(rec, field)
  local want = field:lower()
  for k, v in pairs(rec) do
    if type(k) == "string" and k:lower() == want then return v end
  end
  return nil
end

local function upsert(org, req, obj, field_name)
  local field = obj:field(field_name)
  if not field or not (field.external_id or field.name == "Id") then
    return reply.error(404, "NOT_FOUND",
      "Provided external ID field does not exist or is not accessible: " .. field_name)
  end
  local records, all_or_none = records_body(req)
  if not records then return all_or_none end
  local existing = {} -- ids of records that were there already (shown when rolled back)
  return run(org, #records, all_or_none, function(i)
    local rec = records[i]
    local value = field_value(rec, field.name)
    if value == nil or value == json.null then
      if field.name ~= "Id" then
        return failure({ { errorCode = "MISSING_ARGUMENT", message = field.name .. " not specified",
          fields = { field.name } } }), false
      end
      value = nil -- upsert on Id without one: a create
    end
    local res, errs = org.store:upsert(obj.name, field.name, value, rec)
    if not res then return failure(errs), false end
    if not res.created then existing[i] = res.id end
    return success(res.id, res.created), true
  end, function(i) return existing[i] end)
end

-- ?allOrNone=true: Salesforce reads the parameter as Java's parseBoolean does.
local function query_bool(v)
  return type(v) == "string" and v:lower() == "true"
end

local function split_list(text)
  local out = {}
  for item in text:gmatch("[^,]+") do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" then out[#out + 1] = item end
  end
  return out
end

local function delete(org, req)
  local list = req.query.ids
  if list == nil or list:match("^[%s,]*$") then
    return reply.error(400, "MISSING_ARGUMENT", "The ids parameter is required: ?ids=<id>,<id>,...")
  end
  local id_list = split_list(list)
  if #id_list > M.MAX_RECORDS then return limit_error(M.MAX_RECORDS) end
  local all_or_none = query_bool(req.query.allOrNone)
  return run(org, #id_list, all_or_none, function(i)
    local id = id_list[i]
    if not ids.valid(id) then
      return failure({ { errorCode = "MALFORMED_ID", message = "malformed id " .. id } }, id), false
    end
    local obj = org.schema:object_for_id(ids.to18(id))
    if not obj then
      return failure({ { errorCode = "INVALID_CROSS_REFERENCE_KEY", message = "invalid cross reference id" } },
        shown_id(id)), false
    end
    local ok, errs = org.store:delete(obj.name, id)
    if not ok then return failure(errs, shown_id(id)), false end
    return success(shown_id(id)), true
  end, function(i) return shown_id(id_list[i]) end)
end

local function invalid_field(name, obj)
  return reply.error(400, "INVALID_FIELD", ("No such column '%s' on entity '%s'. If you are attempting to use a "
    .. "custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or "
    .. "the describe call for the appropriate names."):format(name, obj.name))
end

-- The ids and field names of a retrieve, from the body (POST) or the query
-- string (GET); or nil and a top-level error reply.
local function retrieve_args(req)
  if req.method == "GET" or req.method == "HEAD" then
    local q = req.query
    if q.ids == nil or q.fields == nil then
      return nil, reply.error(400, "MISSING_ARGUMENT", "Both ids and fields are required: ?ids=..&fields=..")
    end
    return split_list(q.ids), split_list(q.fields)
  end
  local body, bad = decode_body(req)
  if not body then return nil, bad end
  local out = {}
  for _, key in ipairs { "ids", "fields" } do
    local list = body[key]
    if list == nil or list == json.null then
      return nil, reply.error(400, "MISSING_ARGUMENT", ("The request body needs '%s'"):format(key))
    end
    if type(list) ~= "table" or not json.is_array(list) then
      return nil, parser_error(("'%s' must be a JSON array of strings"):format(key))
    end
    for i, v in ipairs(list) do
      if type(v) ~= "string" then
        return nil, parser_error(("%s[%d]: a string is expected"):format(key, i - 1))
      end
    end
    out[key] = list
  end
  return out.ids, out.fields
end

local function retrieve(org, req, version, obj)
  local id_list, names = retrieve_args(req)
  if not id_list then return names end
  if #id_list > M.MAX_RETRIEVE then return limit_error(M.MAX_RETRIEVE) end
  if #names == 0 then
    return reply.error(400, "MISSING_ARGUMENT", "At least one field is required")
  end
  local fields = {}
  for i, name in ipairs(names) do
    local f = obj:field(name)
    if not f then return invalid_field(name, obj) end
    fields[i] = f
  end
  local out = {}
  for i, id in ipairs(id_list) do
    if not ids.valid(id) then
      return reply.error(400, "MALFORMED_ID", ("%s ID: id value of incorrect type: %s"):format(obj.name, id))
    end
    local row = org.store:get(obj.name, id)
    out[i] = row and sobjects.render(row, obj, fields, version) or json.null
  end
  return reply.json(200, json.array(out))
end

--- Handles `composite/sobjects/...`; `segs` are the path segments after
-- `sobjects`, `version` the API version as text ("62.0").
function M.handle(org, req, version, segs)
  if tonumber(version) < M.MIN_VERSION then return reply.not_found() end
  local m = req.method
  if #segs == 0 then
    if m == "POST" then return create(org, req) end
    if m == "PATCH" then return update(org, req) end
    if m == "DELETE" then return delete(org, req) end
    return reply.method_not_allowed(m, { "POST", "PATCH", "DELETE" })
  end
  local obj = org.schema:object(segs[1])
  if not obj then return reply.not_found() end
  if #segs == 1 then
    if m == "GET" or m == "HEAD" or m == "POST" then return retrieve(org, req, version, obj) end
    return reply.method_not_allowed(m, { "GET", "HEAD", "POST" })
  end
  if #segs == 2 then
    if m == "PATCH" then return upsert(org, req, obj, segs[2]) end
    return reply.method_not_allowed(m, { "PATCH" })
  end
  return reply.not_found()
end

return M
