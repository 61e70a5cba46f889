--- luaforce.chain.wire: one group of a chain's operations, sent for a set
-- of items in the form luaforce.chain.plan chose.
--
-- wire.run(ctx, group, items, form)
--   Sends the group's steps for `items` and sets, for each item and step,
--   item.outcomes[step.index] to one of
--     {response = r}            r the connector's response object
--                               (luaforce.connector.verdict.response)
--     {err = e}                 the step failed: nothing of it was applied
--                               (e.exit 6 when its outcome is unknown)
--     {err = e, unsent = true}  its arguments failed: nothing was sent
--   A step after a failed one of the same item gets no outcome.
--   ctx = {org, eopts, dry_run, all_or_none, concurrency, stats = {requests},
--          intent = function(step_indexes, items, group) before a write goes out,
--          would = function(text) a write a dry run does not send}
--   all_or_none: when one item's call cannot be made (its arguments fail),
--   no write of the request goes: the other items fail with NOT_SENT
--   (wire.not_sent), as they would have been rolled back; a step whose
--   records name several objects (a request each) fails NOT_ATOMIC for
--   every item, nothing sent.
-- wire.not_sent(key, label, err) -> the NOT_SENT error of an item held
--   back because item `key` failed at the step `label` with `err`.
--   A dry run sends the groups that only read, and for a group that writes
--   prints the requests and answers each write as if it succeeded (an id
--   of the form 000DRY... for a create).
local cerrors = require "luaforce.client.errors"
local explain = require "luaforce.client.explain"
local errors = require "luaforce.errors"
local http = require "luaforce.http"
local json = require "luaforce.json"
local verdict = require "luaforce.connector.verdict"
local steps_mod = require "luaforce.chain.steps"
local value = require "luaforce.chain.value"

local M = {}

local EMPTY_HEADERS = {}

local function obj(t, keys) return json.object(t, keys) end

local function ok_response(status, body, headers)
  return verdict.response({ status = status, headers = headers or EMPTY_HEADERS, body = body,
    reason = ({ [200] = "OK", [201] = "Created", [204] = "No Content" })[status] })
end

local METHOD = { get = "GET", create = "POST", update = "PATCH", delete = "DELETE", upsert = "PATCH", query = "GET" }

-- The request of a call, for errors and dry runs: method and path (under
-- the API base), query and body.
local function request_of(org, c)
  local segs = { "sobjects", c.object }
  if c.op == "upsert" then
    segs[#segs + 1] = c.ext_field
    segs[#segs + 1] = c.value
  elseif c.id then
    segs[#segs + 1] = c.id
  end
  if c.relationship then segs[#segs + 1] = c.relationship end
  local parts = {}
  for i, seg in ipairs(segs) do
    parts[i] = value.is_ref(seg) and value.ref_text(seg) or http.escape(tostring(seg))
  end
  local query
  if c.get_fields or c.query then
    query = {}
    for k, v in pairs(c.query or {}) do query[k] = v end
    if c.get_fields then query.fields = table.concat(c.get_fields, ",") end
  end
  local body
  if c.fields then
    local out, order = {}, {}
    for _, k in ipairs(json.keys(c.fields)) do
      local v = c.fields[k]
      if value.is_ref(v) then v = value.ref_text(v) end
      out[k] = v
      order[#order + 1] = k
    end
    body = obj(out, order)
  end
  return { method = METHOD[c.op], path = "/" .. table.concat(parts, "/"), query = query, body = body }
end

-- "?a=1&b=2" as luaforce.http sends a query (sorted keys), or "".
local function query_string(q)
  if not q or next(q) == nil then return "" end
  return "?" .. http.encode_query(q)
end

---------------------------------------------------------------------------
-- Dry runs

local dry_serial = 0

-- A made-up id of the object's shape: "000DRY" and a serial.
local function dry_id()
  dry_serial = dry_serial + 1
  return ("000DRY%09d"):format(dry_serial)
end

local function is_dry_id(v)
  return type(v) == "string" and v:sub(1, 6) == "000DRY"
end

local function touches_dry(c)
  if is_dry_id(c.id) or is_dry_id(c.value) then return true end
  for _, v in pairs(c.fields or {}) do
    if is_dry_id(v) then return true end
  end
  return false
end

-- What a write would have answered had it succeeded.
local function as_if(c)
  if c.op == "create" then
    return ok_response(201, obj({ id = dry_id(), success = true, errors = json.array {} }, { "id", "success", "errors" }))
  elseif c.op == "upsert" then
    return ok_response(201, obj({ id = dry_id(), success = true, errors = json.array {}, created = true },
      { "id", "success", "errors", "created" }))
  elseif c.op == "get" then
    return ok_response(200, obj({ attributes = obj({ type = c.object }, { "type" }), Id = c.id }, { "attributes", "Id" }))
  end
  return ok_response(204, json.null)
end

-- A request a dry run does not send: `req` = {method, path (with its
-- query string), body (a table or nil)}, and its text.
local function would(ctx, req, text)
  if ctx.would then ctx.would(req, text) end
end

-- Whether a dry run sends a call: reads go, unless the run is offline (a
-- plan) or the read names a record a write of this dry run made up.
local function simulated(ctx, s, c)
  if not ctx.dry_run then return false end
  return s.writes or ctx.offline or touches_dry(c)
end

---------------------------------------------------------------------------
-- Errors as the steps see them

-- A per-record failure of a collection (statusCode, message, fields) as the
-- error a single request would have given.
local NOT_FOUND_CODES = { NOT_FOUND = true, ENTITY_IS_DELETED = true }

local function row_error(org, c, r)
  local e1 = type(r) == "table" and type(r.errors) == "table" and r.errors[1] or {}
  local code = e1.statusCode or "UNKNOWN_EXCEPTION"
  local req = request_of(org, c)
  req.path = org.base .. req.path
  if code == "OUTCOME_UNKNOWN" then
    return cerrors.new { code = "OUTCOME_UNKNOWN", exit = errors.EXIT.UNKNOWN, message = tostring(e1.message),
      errors = {}, fields = {}, request = req, variables = { response = { headers = {}, body = json.null } } }
  end
  if code == "NOT_SENT" then
    return cerrors.new { code = "NOT_SENT", exit = errors.EXIT.API, message = tostring(e1.message),
      errors = {}, fields = {}, request = req, variables = { response = { headers = {}, body = json.null } } }
  end
  local status = NOT_FOUND_CODES[code] and 404 or 400
  local body = json.array {}
  for i, e in ipairs(type(r.errors) == "table" and r.errors or {}) do
    body[i] = obj({ message = e.message, errorCode = e.statusCode, fields = e.fields }, { "message", "errorCode", "fields" })
  end
  -- read as a single request's would be (the nearest object or field name)
  return explain.error(org, cerrors.from_response({ status = status, headers = {}, body = body,
    reason = status == 404 and "Not Found" or "Bad Request" }, req), c.object)
end

local function set(item, step, o, c)
  if c and type(c.id) == "string" then o.record = c.id end
  item.outcomes[step.index] = o
end

--- all_or_none: the error of an item whose writes are held back because
-- another item failed (`key`, at the step labelled `label`, with `err`):
-- one request rolls back as a whole, so none of it goes.
function M.not_sent(key, label, err)
  local why = err and tostring(err):gsub("\n.*", "") or "failed"
  return errors.new { code = "NOT_SENT", exit = err and err.exit or errors.EXIT.API,
    message = ("not sent (all_or_none): item %s failed at %s: %s"):format(tostring(key), label, why) }
end

-- all_or_none: when a call of one of `items` could not be made, the others
-- are held back too; true when that happened (their outcomes are set).
local function hold_back(group, items)
  local culprit, at
  for _, item in ipairs(items) do
    for _, s in ipairs(group.steps) do
      local o = item.outcomes[s.index]
      if o and o.unsent then culprit, at = item, s; break end
    end
    if culprit then break end
  end
  if not culprit then return false end
  local e = M.not_sent(culprit.key, at.label, culprit.outcomes[at.index].err)
  for _, item in ipairs(items) do
    if item == culprit then
      for _, s in ipairs(group.steps) do
        if s == at then break end
        item.outcomes[s.index] = { skip = true }
      end
    else
      for _, s in ipairs(group.steps) do item.outcomes[s.index] = nil end
      item.outcomes[group.steps[1].index] = { err = e, unsent = true }
    end
  end
  return true
end

-- An item's call for a step: a create an earlier run sent without an
-- answer, keyed by an external id, goes again as an upsert on it.
local function call_for(ctx, s, item, bound)
  local c, err = steps_mod.call(s, item.vars, ctx.eopts, bound)
  if c and item.as_upsert and item.as_upsert[s.index] and c.op == "create" then
    local fields, order = {}, {}
    for _, k in ipairs(json.keys(c.fields)) do
      if k ~= c.external_id then fields[k] = c.fields[k]; order[#order + 1] = k end
    end
    local v = c.fields[c.external_id]
    if math.type(v) == "integer" then v = ("%d"):format(v) end
    c.op, c.ext_field, c.value, c.fields = "upsert", c.external_id, tostring(v), json.object(fields, order)
  end
  return c, err
end

---------------------------------------------------------------------------
-- One request per step (one item)

local function plain(ctx, group, item)
  local org = ctx.org
  for _, s in ipairs(group.steps) do
    local c, err = call_for(ctx, s, item)
    if not c then return set(item, s, { err = err, unsent = true }) end
    local res
    if simulated(ctx, s, c) then
      local r = request_of(org, c)
      local path = org.base .. r.path .. query_string(r.query)
      would(ctx, { method = r.method, path = path, body = r.body },
        ("%s %s%s"):format(r.method, path, r.body and (" " .. json.encode(r.body)) or ""))
      set(item, s, { response = as_if(c), dry = true }, c)
    else
      if s.writes then ctx.intent({ s.index }, { item }, group) end
      ctx.stats.requests = ctx.stats.requests + 1
      if c.op == "get" then
        local q
        if c.get_fields or c.query then
          q = {}
          for k, v in pairs(c.query or {}) do q[k] = v end
          if c.get_fields then q.fields = c.get_fields end
        end
        res, err = org:get(c.object, c.id, { relationship = c.relationship, query = q })
      elseif c.op == "create" then res, err = org:create(c.object, c.fields)
      elseif c.op == "update" then res, err = org:update(c.object, c.id, c.fields)
      elseif c.op == "delete" then res, err = org:delete(c.object, c.id)
      elseif c.op == "upsert" then res, err = org:upsert(c.object, c.ext_field, c.value, c.fields) end
      if not res then return set(item, s, { err = err }, c) end
      set(item, s, { response = verdict.response(res) }, c)
    end
  end
end

---------------------------------------------------------------------------
-- sObject Collections: one step for many items

local function collections(ctx, group, items)
  local org = ctx.org
  local s = group.steps[1]
  -- calls per object (get_many and upsert_many name one object a request)
  local by, order = {}, {}
  for _, item in ipairs(items) do
    local c, err = call_for(ctx, s, item)
    if not c then
      set(item, s, { err = err, unsent = true })
    else
      local k = c.op .. ":" .. ((c.op == "delete") and "" or c.object)
      if not by[k] then by[k] = { calls = {}, items = {}, op = c.op, object = c.object }; order[#order + 1] = k end
      local b = by[k]
      b.calls[#b.calls + 1], b.items[#b.items + 1] = c, item
    end
  end
  if ctx.all_or_none and s.writes then
    if hold_back(group, items) then return end
    if #order > 1 then
      -- records of several objects: a request each, which cannot roll back together
      local e = errors.new { code = "NOT_ATOMIC", exit = errors.EXIT.USAGE,
        message = ("all_or_none: %s writes records of several objects (%s), which luaforce sends a request per "
          .. "object: one rollback cannot hold them"):format(s.label, table.concat(order, ", "):gsub("%a+:", "")),
        hint = "give the step one object, or run without all_or_none" }
      for _, item in ipairs(items) do set(item, s, { err = e, unsent = true }) end
      return
    end
  end
  for _, k in ipairs(order) do
    local b = by[k]
    local calls, its, op, object = b.calls, b.items, b.op, b.object
    if ctx.dry_run and (s.writes or ctx.offline) then
      local method = METHOD[op]
      local path = org.base .. "/composite/sobjects"
      if op == "upsert" then path = path .. "/" .. object .. "/" .. calls[1].ext_field
      elseif op == "get" then path, method = path .. "/" .. object, "POST" end
      local size = (op == "get") and 2000 or 200
      for first = 1, #calls, size do
        local last = math.min(#calls, first + size - 1)
        local body
        if op == "get" then
          local ids = {}
          for i = first, last do ids[#ids + 1] = calls[i].id end
          body = obj({ ids = json.array(ids), fields = json.array(s.get_fields) }, { "ids", "fields" })
        elseif op == "delete" then
          local ids = {}
          for i = first, last do ids[#ids + 1] = calls[i].id end
          path = org.base .. "/composite/sobjects?ids=" .. table.concat(ids, ",")
        else
          local recs = {}
          for i = first, last do
            local c = calls[i]
            local r = { attributes = obj({ type = object }, { "type" }) }
            local order = { "attributes" }
            if op == "update" then r.Id = c.id; order[#order + 1] = "Id" end
            if op == "upsert" then r[c.ext_field] = c.value; order[#order + 1] = c.ext_field end
            for _, k in ipairs(json.keys(c.fields)) do r[k] = c.fields[k]; order[#order + 1] = k end
            recs[#recs + 1] = obj(r, order)
          end
          body = obj({ allOrNone = ctx.all_or_none == true, records = json.array(recs) }, { "allOrNone", "records" })
        end
        local lines = { ("%s %s: %s %d %srecord%s"):format(method, path:match("^[^?]*"), op, last - first + 1,
          op ~= "delete" and (object .. " ") or "", last == first and "" or "s") }
        for i = first, last do
          local c = calls[i]
          local who = c.id or (op == "upsert" and (c.ext_field .. "=" .. tostring(c.value))) or "(new)"
          lines[#lines + 1] = ("  %s %s%s"):format(c.object or "", who,
            c.fields and (" " .. json.encode(c.fields)) or "")
        end
        would(ctx, { method = method, path = path, body = body }, table.concat(lines, "\n"))
      end
      for i, c in ipairs(calls) do set(its[i], s, { response = as_if(c), dry = true }, c) end
    else
      -- each record's outcome as soon as its chunk is answered, so that an
      -- interruption while other chunks are on their way loses none of it
      local function settle_row(i, r, chunk_err)
        local c, item = calls[i], its[i]
        if item.outcomes[s.index] then return end
        if chunk_err then
          -- a chunk that failed as a whole: the chunk's own error (its
          -- status, as an error expression sees it), not a 400
          return set(item, s, { err = chunk_err }, c)
        end
        if op == "get" then
          if r == nil or r == json.null then
            local req = request_of(org, c)
            req.path = org.base .. req.path
            set(item, s, { err = cerrors.from_response({ status = 404, headers = {}, reason = "Not Found",
              body = json.array { obj({ errorCode = "NOT_FOUND", message = "The requested resource does not exist" },
                { "message", "errorCode" }) } }, req) }, c)
          else
            set(item, s, { response = ok_response(200, r) }, c)
          end
        elseif type(r) == "table" and r.success == true then
          if op == "create" then
            set(item, s, { response = ok_response(201, r) }, c)
          elseif op == "upsert" then
            set(item, s, { response = ok_response(r.created and 201 or 200, r) }, c)
          else
            set(item, s, { response = ok_response(204, json.null) }, c)
          end
        else
          set(item, s, { err = row_error(org, c, r) }, c)
        end
      end
      local opts = { concurrency = ctx.concurrency, all_or_none = s.writes and ctx.all_or_none or nil,
        observe = function(event, chunk)
          if event == "send" then
            ctx.stats.requests = ctx.stats.requests + 1
            if s.writes then
              ctx.intent({ s.index }, table.move(its, chunk.first, chunk.last, 1, {}), group)
            end
          elseif event == "done" and type(chunk.results) == "table" then
            local chunk_err = chunk.state == "failed" and chunk.err or nil
            for i = chunk.first, chunk.last do settle_row(i, chunk.results[i - chunk.first + 1], chunk_err) end
          end
        end }
      if not s.writes then opts.all_or_none = nil end
      local results, err
      if op == "get" then
        local ids = {}
        for i, c in ipairs(calls) do ids[i] = c.id end
        results, err = org:get_many(object, ids, s.get_fields, opts)
      elseif op == "delete" then
        local ids = {}
        for i, c in ipairs(calls) do ids[i] = c.id end
        results, err = org:delete_many(ids, opts)
      else
        local recs = {}
        for i, c in ipairs(calls) do
          local r = {}
          for f, v in pairs(c.fields) do r[f] = v end
          if op == "update" then r.Id = c.id end
          if op == "upsert" then r[c.ext_field] = c.value end
          recs[i] = r
        end
        if op == "create" then results, err = org:create_many(object, recs, opts)
        elseif op == "update" then results, err = org:update_many(object, recs, opts)
        else results, err = org:upsert_many(object, calls[1].ext_field, recs, opts) end
      end
      if not results then
        if not err.results then
          -- refused before anything went out (a bad id in the list)
          for _, item in ipairs(its) do set(item, s, { err = err, unsent = true }) end
          goto next_object
        end
        results = err.results
      end
      -- what no chunk answered (chunks never sent: their stand-ins)
      local chunk_err_at = {}
      for _, ch in ipairs(err and err.chunks or {}) do
        if ch.state == "failed" and ch.err then
          for i = ch.first, ch.last do chunk_err_at[i] = ch.err end
        end
      end
      for i = 1, #calls do settle_row(i, results[i], chunk_err_at[i]) end
    end
    ::next_object::
  end
end

---------------------------------------------------------------------------
-- Composite: several items' dependent steps in one request

local function ref_id(step_index, seq)
  return ("s%d_%d"):format(step_index, seq)
end

-- An item's subrequests: as many of its steps as resolve (the first that
-- does not gets its error; the rest are not sent).
local function subrequests_of(ctx, group, item)
  local org = ctx.org
  local subs = {}
  for _, s in ipairs(group.steps) do
    local bound = {}
    for name, b in pairs(group.bound[s.index] or {}) do
      bound[name] = { ref = ref_id(b.step, item.seq), prefix = b.prefix, body = b.body }
    end
    local c, err = call_for(ctx, s, item, bound)
    if not c then
      set(item, s, { err = err, unsent = true })
      break
    end
    local r = request_of(org, c)
    subs[#subs + 1] = { method = r.method, url = org.base .. r.path .. query_string(r.query),
      reference_id = ref_id(s.index, item.seq), body = r.body, step = s, item = item, call = c }
  end
  return subs
end

local function composite_request(ctx, group, batch)
  local org = ctx.org
  local subs, writes, touched = {}, false, {}
  for _, item in ipairs(batch) do
    for _, sub in ipairs(subrequests_of(ctx, group, item)) do
      subs[#subs + 1] = sub
      if sub.step.writes then writes = true; touched[item] = true end
    end
  end
  if #subs == 0 then return end
  if ctx.all_or_none and writes and hold_back(group, batch) then return end
  local dry = ctx.dry_run and (writes or ctx.offline)
  if not dry and ctx.dry_run then
    for _, sub in ipairs(subs) do
      if touches_dry(sub.call) then dry = true end
    end
  end
  if dry then
    local list, wire_subs = {}, {}
    for i, sub in ipairs(subs) do
      list[i] = ("  %s %s%s"):format(sub.method, sub.url, sub.body and (" " .. json.encode(sub.body)) or "")
      local t = { method = sub.method, url = sub.url, referenceId = sub.reference_id, body = sub.body }
      wire_subs[i] = obj(t, { "method", "url", "referenceId", "body" })
    end
    would(ctx, { method = "POST", path = org.base .. "/composite", body = obj({ allOrNone = ctx.all_or_none == true,
      compositeRequest = json.array(wire_subs) }, { "allOrNone", "compositeRequest" }) },
      ("POST %s/composite (allOrNone %s):\n%s"):format(org.base, tostring(ctx.all_or_none == true),
      table.concat(list, "\n")))
    for _, sub in ipairs(subs) do set(sub.item, sub.step, { response = as_if(sub.call), dry = true }, sub.call) end
    return
  end
  if writes then
    local its, idx = {}, {}
    for _, item in ipairs(batch) do
      if touched[item] then its[#its + 1] = item end
    end
    for _, s in ipairs(group.steps) do
      if s.writes then idx[#idx + 1] = s.index end
    end
    ctx.intent(idx, its, group)
  end
  ctx.stats.requests = ctx.stats.requests + 1
  local sent = {}
  for i, sub in ipairs(subs) do
    sent[i] = { method = sub.method, url = sub.url, reference_id = sub.reference_id, body = sub.body }
  end
  local results, err = org:composite(sent, { all_or_none = ctx.all_or_none == true })
  if not results then
    -- the request as a whole. Its outcome unknown: each item's first write
    -- carries it (the reads before it count for nothing); a certain
    -- failure: each item's first step
    local unknown = errors.is(err) and err.exit == errors.EXIT.UNKNOWN
    local settled = {}
    for _, sub in ipairs(subs) do
      local item = sub.item
      if not settled[item] then
        if unknown and touched[item] and not sub.step.writes then
          set(item, sub.step, { skip = true })
        else
          settled[item] = true
          set(item, sub.step, { err = err })
        end
      end
    end
    return
  end
  if ctx.all_or_none then
    -- rolled back as one: the subrequest that failed on its own account
    -- is the culprit; the other items failed only with it
    local culprit
    for i, sub in ipairs(subs) do
      local r = results[i]
      local code = type(r) == "table" and type(r.body) == "table" and type(r.body[1]) == "table" and r.body[1].errorCode
      if type(r) == "table" and (r.status or 500) >= 400 and code ~= "PROCESSING_HALTED" then culprit = culprit or i end
    end
    if culprit then
      local c = subs[culprit]
      local r = results[culprit]
      local cerr = explain.error(org, cerrors.from_response({ status = r.status, headers = r.headers or {},
        body = r.body }, { method = c.method, path = c.url:match("^[^?]*") }))
      local done = {}
      for _, sub in ipairs(subs) do
        if not done[sub.item] then
          done[sub.item] = true
          if sub.item == c.item then
            for _, s in ipairs(group.steps) do
              if s == c.step then break end
              set(sub.item, s, { skip = true })
            end
            set(c.item, c.step, { err = cerr }, c.call)
          else
            set(sub.item, sub.step, { err = cerrors.new { code = "400", error_code = "ALL_OR_NONE_OPERATION_ROLLED_BACK",
              exit = cerr.exit, errors = {}, fields = {}, status = 400,
              message = ("rolled back with the rest of the request (all_or_none): %s, %s failed: %s")
                :format("item " .. tostring(c.item.key), c.step.label, cerr.message),
              variables = { response = { headers = {}, body = json.null } } } }, sub.call)
          end
        end
      end
      return
    end
  end
  local stopped = {}
  for i, sub in ipairs(subs) do
    local r = results[i]
    if not stopped[sub.item] then
      if type(r) == "table" and math.type(r.status) == "integer" and r.status < 400 then
        set(sub.item, sub.step, { response = ok_response(r.status, r.body == nil and json.null or r.body, r.headers) })
      else
        local req = { method = sub.method, path = sub.url:match("^[^?]*") }
        local e = explain.error(org, cerrors.from_response({ status = type(r) == "table" and r.status or 500,
          headers = type(r) == "table" and r.headers or {}, body = type(r) == "table" and r.body or json.null }, req))
        set(sub.item, sub.step, { err = e })
        stopped[sub.item] = true
      end
    end
  end
end

local function composite(ctx, group, items, per)
  local batches = {}
  for i = 1, #items, per do
    batches[#batches + 1] = table.move(items, i, math.min(#items, i + per - 1), 1, {})
  end
  local workers = math.min(ctx.concurrency, #batches)
  if workers <= 1 then
    for _, b in ipairs(batches) do composite_request(ctx, group, b) end
    return
  end
  local next_batch = 1
  http.parallel(function()
    for _ = 1, workers do
      http.spawn(function()
        while next_batch <= #batches do
          local b = batches[next_batch]
          next_batch = next_batch + 1
          composite_request(ctx, group, b)
        end
      end)
    end
  end, { per_host = workers })
end

--- See the file comment.
function M.run(ctx, group, items, form)
  for _, item in ipairs(items) do item.outcomes = item.outcomes or {} end
  if form.form == "plain" then
    for _, item in ipairs(items) do plain(ctx, group, item) end
  elseif form.form == "collections" then
    collections(ctx, group, items)
  else
    composite(ctx, group, items, form.per)
  end
end

return M
