--- luaforce.emulator.composite_tree: sObject Tree, records with their
-- children created in one request (API 34.0 and later).
--
--   POST composite/tree/<SObject>
--     {"records": [{"attributes": {"type": "Account", "referenceId": "ref1"},
--                   "Name": "Acme",
--                   "Contacts": {"records": [{"attributes": {"type": "Contact",
--                                 "referenceId": "ref2"}, "LastName": "Smith"}]}}]}
--
-- Each tree's root is of the URL's object; a child list is named by the
-- parent's child relationship (Contacts) and its records get the parent's
-- new id in the relationship's field. At most 200 records in all, 5 levels
-- and 5 object types. A referenceId is required, starts with a letter or
-- digit, holds letters, digits and `_`, and is unique in the request.
--
-- All or nothing: records are created level by level (every root in the
-- order given, then every second-level record, ...), and when any fails the
-- store rolls back to where the request began. Success is 201
-- `{"hasErrors": false, "results": [{"referenceId", "id"}]}` in creation
-- order; a failure is 400 `{"hasErrors": true, "results": [...]}` listing only
-- the references that failed, each with `errors: [{statusCode, message,
-- fields}]` (one entry per instance of a duplicate referenceId). A request
-- that is not a tree of records (no records list, a record without
-- attributes, a root of another object, a field or child list the object
-- does not have, past a limit) is refused before anything is written, with
-- the usual `[{"errorCode", "message"}]` (a field the object lacks is
-- INVALID_FIELD "No such column 'X' on sobject of type Y", which clients
-- parse).
local json = require "luaforce.json"
local reply = require "luaforce.emulator.reply"

local M = {}

M.MIN_VERSION = 34
M.MAX_RECORDS = 200
M.MAX_LEVELS = 5
M.MAX_TYPES = 5

local RESULT_KEYS = { "referenceId", "id" }
local FAILED_KEYS = { "referenceId", "errors" }
local BODY_KEYS = { "hasErrors", "results" }
local ERROR_KEYS = { "statusCode", "message", "fields" }

local function bad(code, message)
  return reply.error(400, code, message)
end

local function record_error(e)
  local fields = {}
  for i, f in ipairs(e.fields or {}) do fields[i] = f end
  return json.object({ statusCode = e.errorCode or e.statusCode, message = e.message,
    fields = json.array(fields) }, ERROR_KEYS)
end

-- The list of a `{"records": [...]}` object, or nil.
local function records_of(v)
  if type(v) ~= "table" or json.is_array(v) then return nil end
  local list = v.records
  if type(list) ~= "table" or not (json.is_array(list) or next(list) == nil) then return nil end
  return list
end

-- Walks the trees into a flat list of nodes, checking their shape: the
-- nodes, or nil and a top-level error reply. A node: {obj, ref, level,
-- parent (node), field (the parent reference field), fields (the record's
-- own values, in order)}.
local function collect(sch, root_obj, list)
  local nodes, types, ntypes = {}, {}, 0
  local function walk(records, obj, level, parent, field, where)
    if level > M.MAX_LEVELS and #records > 0 then
      return bad("INVALID_INPUT", ("%s: a tree may be %d levels deep at most"):format(where, M.MAX_LEVELS))
    end
    for i, rec in ipairs(records) do
      local here = ("%s[%d]"):format(where, i - 1)
      if type(rec) ~= "table" or json.is_array(rec) then
        return bad("JSON_PARSER_ERROR", here .. ": a record must be a JSON object")
      end
      local a = rec.attributes
      if type(a) ~= "table" or type(a.type) ~= "string" or type(a.referenceId) ~= "string" then
        return bad("INVALID_INPUT", here .. ': each record needs "attributes" with its "type" and a "referenceId"')
      end
      local rtype = sch:object(a.type)
      if rtype ~= obj then
        return bad("INVALID_INPUT", ("%s: the record's type %s is not %s, the object %s"):format(here, a.type,
          obj.name, parent and "of this child relationship" or "the URL names"))
      end
      if #nodes >= M.MAX_RECORDS then
        return bad("INVALID_INPUT", ("A request may create %d records at most"):format(M.MAX_RECORDS))
      end
      if not types[obj.name] then
        types[obj.name], ntypes = true, ntypes + 1
        if ntypes > M.MAX_TYPES then
          return bad("INVALID_INPUT", ("A request may create records of %d object types at most"):format(M.MAX_TYPES))
        end
      end
      local node = { obj = obj, ref = a.referenceId, level = level, parent = parent, field = field }
      nodes[#nodes + 1] = node
      local keys, values, children = {}, {}, {}
      for _, k in ipairs(json.keys(rec)) do
        local v = rawget(rec, k)
        local child = k ~= "attributes" and obj:child(k)
        if k == "attributes" then
          -- not a field
        elseif child then
          local clist = records_of(v)
          if not clist then
            return bad("JSON_PARSER_ERROR", ('%s.%s: a child list is {"records": [...]}'):format(here, k))
          end
          children[#children + 1] = { rel = child, list = clist, key = k }
        elseif obj:field(k) or obj:parent(k) then
          keys[#keys + 1], values[k] = k, v
        else
          return bad("INVALID_FIELD", ("No such column '%s' on sobject of type %s"):format(k, obj.name))
        end
      end
      node.fields = json.object(values, keys)
      for _, c in ipairs(children) do
        local cobj = sch:object(c.rel.object)
        local err = walk(c.list, cobj, level + 1, node, c.rel.field, ("%s.%s.records"):format(here, c.key))
        if err then return err end
      end
    end
  end
  local err = walk(list, root_obj, 1, nil, nil, "records")
  if err then return nil, err end
  return nodes
end

-- referenceIds that are malformed or given more than once: the failure
-- results, in request order (nil when all are fine).
local function reference_problems(nodes)
  local count = {}
  for _, n in ipairs(nodes) do count[n.ref] = (count[n.ref] or 0) + 1 end
  local out = {}
  for _, n in ipairs(nodes) do
    local e
    if not n.ref:find("^[%w][%w_]*$") then
      e = { errorCode = "INVALID_INPUT", message = ("Invalid reference specified: %s. A referenceId starts with a "
        .. "letter or digit and holds only letters, digits and underscores."):format(n.ref) }
    elseif count[n.ref] > 1 then
      e = { errorCode = "INVALID_INPUT", message = "Duplicate ReferenceId provided in the request." }
    end
    if e then
      out[#out + 1] = json.object({ referenceId = n.ref, errors = json.array { record_error(e) } }, FAILED_KEYS)
    end
  end
  return #out > 0 and out or nil
end

local function answer(status, has_errors, results)
  return reply.json(status, json.object({ hasErrors = has_errors, results = json.array(results) }, BODY_KEYS))
end

-- Creates the nodes level by level; all or nothing.
local function create(store, nodes)
  local order = {}
  for i, n in ipairs(nodes) do order[i] = n end
  table.sort(order, function(a, b)
    if a.level ~= b.level then return a.level < b.level end
    return a.index < b.index
  end)
  local cp = store:checkpoint()
  local done, failed = {}, {}
  for _, n in ipairs(order) do
    if n.parent and not n.parent.id then
      -- its parent failed: nothing to attach it to (the parent's error says why)
      n.id = nil
    else
      local fields = n.fields
      if n.parent then
        -- the parent's new id in the relationship's field, whatever the
        -- record said there (in any case of the name)
        local keys, values = {}, {}
        local lookup = n.field:lower()
        for _, k in ipairs(json.keys(fields)) do
          if k:lower() ~= lookup then keys[#keys + 1], values[k] = k, rawget(fields, k) end
        end
        keys[#keys + 1], values[n.field] = n.field, n.parent.id
        fields = json.object(values, keys)
      end
      local id, errs = store:insert(n.obj.name, fields)
      if id then
        n.id = id
        done[#done + 1] = json.object({ referenceId = n.ref, id = id }, RESULT_KEYS)
      else
        local list = {}
        for i, e in ipairs(errs) do list[i] = record_error(e) end
        failed[#failed + 1] = json.object({ referenceId = n.ref, errors = json.array(list) }, FAILED_KEYS)
      end
    end
  end
  if #failed > 0 then
    store:rollback(cp)
    return answer(400, true, failed)
  end
  store:release(cp)
  return answer(201, false, done)
end

--- POST composite/tree/<object>.
function M.handle(org, req, version, object_name)
  if tonumber(version) < M.MIN_VERSION then return reply.not_found() end
  local obj = org.schema:object(object_name)
  if not obj then return reply.not_found() end
  if req.method ~= "POST" then return reply.method_not_allowed(req.method, { "POST" }) end
  local body = req.body or ""
  local value, jerr = json.decode(body)
  if body == "" or value == nil then
    return bad("JSON_PARSER_ERROR", body == "" and "The HTTP entity body is required, but this request has no "
      .. "entity body." or tostring(jerr and jerr.message or jerr))
  end
  local list = records_of(value)
  if not list then return bad("JSON_PARSER_ERROR", 'The request body needs a "records" list') end
  if #list == 0 then return bad("INVALID_INPUT", "The request holds no records") end
  local nodes, err = collect(org.schema, obj, list)
  if not nodes then return err end
  for i, n in ipairs(nodes) do n.index = i end
  local problems = reference_problems(nodes)
  if problems then return answer(400, true, problems) end
  return create(org.store, nodes)
end

return M
