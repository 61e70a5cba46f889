--- luaforce.emulator.sobjects: the sObject resources of the local org.
--
--   GET    sobjects                              describeGlobal
--   GET    sobjects/X                            basic info; POST creates
--   GET    sobjects/X/describe                   the full describe
--   GET    sobjects/X/<id>[?fields=a,b]          a record; PATCH updates; DELETE deletes
--   GET    sobjects/X/<id>/<Relationship>        the parent record or the child list
--   GET    sobjects/X/<ExtField>/<value>         a record by external id;
--   PATCH  sobjects/X/<ExtField>/<value>         upsert (201 created, 200 updated, 300 ambiguous)
--   DELETE sobjects/X/<ExtField>/<value>         delete by external id
--
-- Validation lives in the store; this module maps its answers to
-- Salesforce's statuses and bodies.
local json = require "luaforce.json"
local ids = require "luaforce.emulator.ids"
local reply = require "luaforce.emulator.reply"
local describe = require "luaforce.emulator.describe"

local M = {}

local RESULT_KEYS = { "id", "success", "errors" }
local UPSERT_KEYS = { "id", "success", "errors", "created" }
local CHILD_KEYS = { "totalSize", "done", "records" }

local function record_url(version, object, id)
  return ("/services/data/v%s/sobjects/%s/%s"):format(version, object, id)
end
M.record_url = record_url

local function invalid_field_message(name, object)
  return ("No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to "
    .. "append the '__c' after the custom field name. Please reference your WSDL or the describe call "
    .. "for the appropriate names."):format(name, object)
end

--- The field list of `?fields=a,b` resolved against obj, or nil and a reply.
local function select_fields(obj, list)
  if not list then return obj.fields end
  local out = {}
  for name in list:gmatch("[^,]+") do
    name = name:match("^%s*(.-)%s*$")
    local f = obj:field(name)
    if not f then
      return nil, reply.error(400, "INVALID_FIELD", invalid_field_message(name, obj.name))
    end
    out[#out + 1] = f
  end
  return out
end

--- A stored row as Salesforce returns it: attributes first, then the fields
-- in schema (or requested) order, nulls as null.
function M.render(row, obj, fields, version)
  local keys = { "attributes" }
  local t = { attributes = json.object({ type = obj.name, url = record_url(version, obj.name, row.Id) },
    { "type", "url" }) }
  for _, f in ipairs(fields) do
    local v = row[f.name]
    if v == nil then v = json.null end
    t[f.name] = v
    keys[#keys + 1] = f.name
  end
  return json.object(t, keys)
end

local function store_errors(errs)
  local status = 400
  for _, e in ipairs(errs) do if e.status then status = e.status break end end
  return reply.errors(status, errs)
end

local function decode_body(req)
  local body = req.body or ""
  if body == "" then
    return nil, reply.error(400, "JSON_PARSER_ERROR", "The HTTP entity body is required, but this request has no entity body.")
  end
  local value, err = json.decode(body)
  if value == nil then
    return nil, reply.error(400, "JSON_PARSER_ERROR",
      ("Unexpected character at [line:%d, column:%d]: %s"):format(err.line or 1, err.column or 1,
        err.reason or err.message))
  end
  if type(value) ~= "table" or json.is_array(value) then
    return nil, reply.error(400, "JSON_PARSER_ERROR",
      "Cannot deserialize instance of sObject from " .. (json.is_array(value) and "START_ARRAY" or "a scalar") .. " token")
  end
  return value
end

local function is_id_for(obj, seg)
  return ids.valid(seg) and seg:sub(1, 3) == obj.key_prefix
end

-- GET/PATCH/DELETE on one record by id.
--- The methods a record of `obj` answers: Salesforce leaves out PATCH and
-- DELETE where the object cannot be updated or deleted (405 names the rest).
function M.record_methods(obj)
  local list = { "GET", "HEAD" }
  if obj.updateable then list[#list + 1] = "PATCH" end
  if obj.deletable then list[#list + 1] = "DELETE" end
  return list
end

local function one_record(org, req, version, obj, id)
  local st = org.store
  if (req.method == "PATCH" and not obj.updateable) or (req.method == "DELETE" and not obj.deletable) then
    return reply.method_not_allowed(req.method, M.record_methods(obj))
  end
  if req.method == "GET" or req.method == "HEAD" then
    local fields, bad = select_fields(obj, req.query.fields)
    if not fields then return bad end
    local row, err = st:get(obj.name, id)
    if not row then return store_errors({ err }) end
    return reply.json(200, M.render(row, obj, fields, version))
  elseif req.method == "PATCH" then
    local fields, bad = decode_body(req)
    if not fields then return bad end
    local ok, errs = st:update(obj.name, id, fields)
    if not ok then return store_errors(errs) end
    return reply.empty(204)
  elseif req.method == "DELETE" then
    local ok, errs = st:delete(obj.name, id)
    if not ok then return store_errors(errs) end
    return reply.empty(204)
  end
  return reply.method_not_allowed(req.method, M.record_methods(obj))
end

-- GET sobjects/X/<id>/<Relationship>
local function relationship(org, req, version, obj, id, rel)
  if req.method ~= "GET" and req.method ~= "HEAD" then
    return reply.method_not_allowed(req.method, { "GET", "HEAD" })
  end
  local st = org.store
  local row, err = st:get(obj.name, id)
  if not row then return store_errors({ err }) end
  local parent_field = obj:parent(rel)
  if parent_field then
    local pid = row[parent_field.name]
    if pid == nil then return reply.not_found() end
    local prow, pobj = st:find(pid)
    if not prow or prow.IsDeleted then return reply.not_found() end
    local fields, bad = select_fields(pobj, req.query.fields)
    if not fields then return bad end
    return reply.json(200, M.render(prow, pobj, fields, version))
  end
  local child = obj:child(rel)
  if not child then return reply.not_found() end
  local cobj = org.schema:object(child.object)
  local fields, bad = select_fields(cobj, req.query.fields)
  if not fields then return bad end
  local out = {}
  for _, r in ipairs(st:all(cobj.name, false)) do
    if r[child.field] == row.Id then out[#out + 1] = M.render(r, cobj, fields, version) end
  end
  return reply.json(200, json.object({ totalSize = #out, done = true, records = json.array(out) }, CHILD_KEYS))
end

-- Live rows of obj whose `field` equals `value`, matched as upsert matches
-- them (text case-insensitively, numbers by value).
local function by_external_id(org, obj, field, value)
  return org.store:find_by(obj.name, field.name, value) or {}
end

local function ambiguous(version, obj, rows)
  local urls = {}
  for i, r in ipairs(rows) do urls[i] = record_url(version, obj.name, r.Id) end
  return reply.json(300, json.array(urls))
end

-- sobjects/X/<ExtField>/<value>
local function external(org, req, version, obj, field_name, value)
  local field = obj:field(field_name)
  if not field or not (field.external_id or field.name == "Id") then
    return reply.error(404, "NOT_FOUND",
      "Provided external ID field does not exist or is not accessible: " .. field_name)
  end
  if req.method == "GET" or req.method == "HEAD" or req.method == "DELETE" then
    local rows = by_external_id(org, obj, field, value)
    if #rows == 0 then return reply.not_found() end
    if #rows > 1 then return ambiguous(version, obj, rows) end
    return one_record(org, req, version, obj, rows[1].Id)
  elseif (req.method == "PATCH" or req.method == "POST") and not (obj.createable or obj.updateable) then
    -- an upsert can neither create nor update here: as for the record itself
    return reply.method_not_allowed(req.method, M.record_methods(obj))
  elseif req.method == "PATCH" or req.method == "POST" then
    local fields, bad = decode_body(req)
    if not fields then return bad end
    local res, errs = org.store:upsert(obj.name, field.name, value, fields)
    if not res then
      local e = errs[1]
      if e and e.ids then
        local rows = {}
        for i, id in ipairs(e.ids) do rows[i] = { Id = id } end
        return ambiguous(version, obj, rows)
      end
      return store_errors(errs)
    end
    local body = { id = res.id, success = true, errors = json.array {} }
    local headers = { { "Location", record_url(version, obj.name, res.id) } }
    if res.created then
      body.created = true
      return reply.json(201, json.object(body, UPSERT_KEYS), headers)
    end
    if tonumber(version) < 46 then return reply.empty(204) end
    body.created = false
    return reply.json(200, json.object(body, UPSERT_KEYS), headers)
  end
  return reply.method_not_allowed(req.method, M.record_methods(obj))
end

local function create(org, req, version, obj)
  local fields, bad = decode_body(req)
  if not fields then return bad end
  local id, errs = org.store:insert(obj.name, fields)
  if not id then return store_errors(errs) end
  return reply.json(201, json.object({ id = id, success = true, errors = json.array {} }, RESULT_KEYS),
    { { "Location", record_url(version, obj.name, id) } })
end

--- Handles `sobjects/...`; `segs` are the path segments after `sobjects`.
function M.handle(org, req, version, segs)
  local sch = org.schema
  if #segs == 0 then
    if req.method ~= "GET" and req.method ~= "HEAD" then
      return reply.method_not_allowed(req.method, { "GET", "HEAD" })
    end
    return reply.json(200, describe.global(sch, version))
  end
  local obj = sch:object(segs[1])
  if not obj then return reply.not_found() end
  if #segs == 1 then
    if req.method == "POST" and obj.createable then return create(org, req, version, obj) end
    if req.method ~= "GET" and req.method ~= "HEAD" then
      return reply.method_not_allowed(req.method, obj.createable and { "GET", "HEAD", "POST" } or { "GET", "HEAD" })
    end
    local info
    for _, o in ipairs(describe.global(sch, version).sobjects) do
      if o.name == obj.name then info = o end
    end
    return reply.json(200, json.object({ objectDescribe = info, recentItems = json.array {} },
      { "objectDescribe", "recentItems" }))
  end
  local seg2 = segs[2]
  if #segs == 2 then
    if seg2 == "describe" then
      if req.method ~= "GET" and req.method ~= "HEAD" then
        return reply.method_not_allowed(req.method, { "GET", "HEAD" })
      end
      return reply.json(200, describe.object(obj, version))
    end
    if is_id_for(obj, seg2) then return one_record(org, req, version, obj, seg2) end
    if (#seg2 == 15 or #seg2 == 18) and seg2:match("^%w+$") and seg2:sub(1, 3) == obj.key_prefix
        and not ids.valid(seg2) then
      return reply.error(400, "MALFORMED_ID", ("%s ID: id value of incorrect type: %s"):format(obj.name, seg2))
    end
    if ids.valid(seg2) and obj:field(seg2) == nil then
      -- a well-formed id of another object: Salesforce answers NOT_FOUND
      return reply.not_found()
    end
    return reply.error(404, "NOT_FOUND",
      "Provided external ID field does not exist or is not accessible: " .. seg2)
  end
  if #segs == 3 then
    if is_id_for(obj, seg2) and not obj:field(seg2) then
      return relationship(org, req, version, obj, seg2, segs[3])
    end
    return external(org, req, version, obj, seg2, segs[3])
  end
  return reply.not_found()
end

return M
