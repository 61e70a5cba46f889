--- luaforce.client.collections: many records per request, through
-- Salesforce's sObject Collections (`composite/sobjects`, API 42.0+).
--
--   org:create_many(object, records [, opts])       POST   composite/sobjects
--   org:update_many(object, records [, opts])       PATCH  composite/sobjects (each record with Id)
--   org:upsert_many(object, ext_field, records [, opts])  PATCH composite/sobjects/X/<ext_field>
--   org:delete_many(ids [, opts])                   DELETE composite/sobjects?ids=...
--   org:get_many(object, ids, fields [, opts])      POST   composite/sobjects/X {ids, fields}
--
-- Any number of records: they go in chunks of `batch_size` (default and
-- Salesforce's maximum 200; get_many 2000), `concurrency` chunks in flight
-- (default 4). Options: all_or_none (writes; default false), batch_size,
-- concurrency, observe. Records are copied, never changed: `attributes.type`
-- is set on the copy.
--
-- observe = function(event, chunk), to follow a run chunk by chunk (a
-- progress line, a journal to resume from): called with "send" just before
-- a chunk's request goes out, chunk = {index =, first =, last =} (its place
-- in the list and its records' span), and with "done" once the chunk's
-- state is known: the same table, now with `state` ("committed",
-- "rolled_back", "failed" or "unknown"), `results` (that chunk's results,
-- aligned with first..last, shaped as below) and, when it failed or its
-- outcome is unknown, `err`. Called from the coroutine that sends the
-- chunk, so with concurrency > 1 the chunks' events interleave; a chunk
-- never sent gets no event. An error observe raises stops the run there
-- and reaches the caller.
--
-- Returns `results` on success: a list aligned with the input (results[i]
-- belongs to records[i] or ids[i]). For writes each is Salesforce's result
-- `{id =, success =, errors = {{statusCode =, message =, fields =}}}`
-- (upserts add `created`); per-record failures are data, as Salesforce
-- answers them (`results.failed` counts them). For get_many each is the
-- record, or json.null for an id that matches none. `results.chunks` lists
-- the chunks (below).
--
-- Returns nil, err when a chunk as a whole failed, or, with all_or_none, a
-- record failed. Then no further chunk is started (those in flight finish)
-- and err, the project's error table, also carries
--   err.results  the aligned list: real results where a chunk was answered,
--                and for records whose chunk failed or was never sent a
--                result {success = false, errors = {{statusCode =, message =}}}
--                whose statusCode is the chunk's error code, "OUTCOME_UNKNOWN"
--                or "NOT_SENT"
--   err.chunks   one {index, first, last, state, err} per chunk, state one of
--                "committed" (answered; with all_or_none every record kept),
--                "rolled_back" (all_or_none: a record failed, none kept),
--                "failed" (an error answer or a refused connection: nothing
--                written), "unknown" (the answer was lost after sending, or
--                an attempt whose answer was lost came before the answer
--                and it reports records failed: see OUTCOME_UNKNOWN),
--                "not_sent"
-- all_or_none is atomic per chunk only: Salesforce rolls back one request.
-- So with all_or_none the chunks go one at a time, and the first failing
-- chunk stops the run: the chunks before it stay committed, the ones after
-- it are never sent, and err.message says which is which.
local json = require "luaforce.json"
local http = require "luaforce.http"
local errors = require "luaforce.errors"

local checks = require "luaforce.client.checks"
local cerrors = require "luaforce.client.errors"
local explain = require "luaforce.client.explain"

local M = {}

--- The methods this file adds to the Org (client/init.lua mixes them in).
local methods = {}
M.methods = methods

M.MAX_BATCH = 200
M.MAX_RETRIEVE = 2000
M.DEFAULT_CONCURRENCY = 4

local RESULT_KEYS = { "id", "success", "errors" }
local ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"
local ERROR_KEYS = { "statusCode", "message", "fields" }

local function usage(what, message)
  return errors.usage(what .. ": " .. message)
end

-- Options copied and checked; misuse raises at the caller of the method.
local function options(what, opts, max_batch, writes)
  local o = { all_or_none = false, batch_size = max_batch, concurrency = M.DEFAULT_CONCURRENCY }
  if opts == nil then return o end
  if type(opts) ~= "table" then error(usage(what, "options must be a table"), 3) end
  for k, v in pairs(opts) do
    if k == "all_or_none" and writes then
      if type(v) ~= "boolean" then error(usage(what, "all_or_none must be true or false"), 3) end
    elseif k == "batch_size" then
      if math.type(v) ~= "integer" or v < 1 or v > max_batch then
        error(usage(what, ("batch_size must be a whole number from 1 to %d"):format(max_batch)), 3)
      end
    elseif k == "concurrency" then
      if math.type(v) ~= "integer" or v < 1 then error(usage(what, "concurrency must be a whole number >= 1"), 3) end
    elseif k == "observe" then
      if type(v) ~= "function" then error(usage(what, "observe must be a function(event, chunk)"), 3) end
    else
      error(usage(what, ("unknown option '%s'"):format(tostring(k))), 3)
    end
    o[k] = v
  end
  return o
end

local function check_list(what, list, name)
  if type(list) ~= "table" then
    error(usage(what, ("%s must be a list, not a %s"):format(name, type(list))), 3)
  end
end

-- Like the single-record operations, these answer a bad name or id with
-- the 400 Salesforce would have sent (nil, err, exit 2, nothing sent),
-- naming the element, since names and ids come from data.
local function bad(kind, value, label, request, what)
  if type(value) ~= "string" then
    error(usage(what, ("%s must be a string, not a %s"):format(label, type(value))), 4)
  end
  return checks.invalid(kind, value, request, label)
end

local function bad_ids(list, label_fmt, request, what)
  for i = 1, #list do
    local e = bad("id", list[i], label_fmt:format(i), request, what)
    if e then return e end
  end
end

-- Every record must be a table: checked before the first chunk goes out,
-- so that a bad element never stops a run halfway.
local function check_records(what, records)
  for i = 1, #records do
    local rec = records[i]
    if type(rec) ~= "table" then error(usage(what, ("record %d is a %s, not a table"):format(i, type(rec))), 3) end
  end
end

local function record_copy(object, rec)
  local t = {}
  for k, v in pairs(rec) do t[k] = v end
  t.attributes = { type = object }
  return t
end

local function id_of(rec)
  return rec.Id or rec.id or rec.ID
end

-- "records 1-200" / "record 7"
local function span(first, last)
  if first == last then return ("record %d"):format(first) end
  return ("records %d-%d"):format(first, last)
end

-- "chunks 3-11 (records 401-2001)" for a run of chunks in the same state.
local function describe_runs(chunks, state)
  local parts, i = {}, 1
  while i <= #chunks do
    if chunks[i].state == state then
      local j = i
      while j < #chunks and chunks[j + 1].state == state do j = j + 1 end
      local c1, c2 = chunks[i], chunks[j]
      if i == j then parts[#parts + 1] = ("chunk %d (%s)"):format(i, span(c1.first, c2.last))
      else parts[#parts + 1] = ("chunks %d-%d (%s)"):format(i, j, span(c1.first, c2.last)) end
      i = j + 1
    else
      i = i + 1
    end
  end
  return #parts > 0 and table.concat(parts, ", ") or nil
end

local STATE_WORDS = {
  { "committed", "committed" }, { "rolled_back", "rolled back" }, { "failed", "failed" },
  { "unknown", "outcome unknown" }, { "not_sent", "not sent" },
}

local function summary(chunks)
  local out = {}
  for _, sw in ipairs(STATE_WORDS) do
    local text = describe_runs(chunks, sw[1])
    if text then out[#out + 1] = text .. " " .. sw[2] end
  end
  return table.concat(out, "; ")
end

-- A result standing in for a record Salesforce never answered for.
local function stand_in(code, message, id)
  return json.object({
    id = id, success = false,
    errors = json.array { json.object({ statusCode = code, message = message, fields = json.array {} }, ERROR_KEYS) },
  }, RESULT_KEYS)
end

-- The answer to a chunk an earlier attempt of which may have been applied
-- (its answer lost, or a gateway's): a record it reports done is done; one
-- it reports failed may have been written by that attempt, so its result
-- becomes an OUTCOME_UNKNOWN stand-in; except ENTITY_IS_DELETED for a
-- delete, which that attempt did. Rewrites `list` (the chunk `c`'s
-- results) in place; returns the chunk's OUTCOME_UNKNOWN error when any
-- record is uncertain.
local function doubt(job, list, c)
  local unknown = {}
  for j = 1, c.last - c.first + 1 do
    local i, r = c.first + j - 1, list[j]
    local e1 = type(r) == "table" and r.success == false and type(r.errors) == "table" and r.errors[1]
    if type(r) == "table" and r.success == false then
      local code = type(e1) == "table" and e1.statusCode or "failed"
      if job.deletes and code == "ENTITY_IS_DELETED" then
        r = json.object({ id = r.id or (job.id_at and job.id_at(i)), success = true, errors = json.array {} },
          RESULT_KEYS)
      else
        r = stand_in("OUTCOME_UNKNOWN", ("an earlier attempt may have been applied; the last answer said %s: %s")
          :format(tostring(code), tostring(type(e1) == "table" and e1.message or "")), r.id or (job.id_at and job.id_at(i)))
        unknown[#unknown + 1] = i
      end
    end
    list[j] = r
  end
  if #unknown == 0 then return nil end
  return cerrors.new {
    code = "OUTCOME_UNKNOWN", errors = {}, fields = {}, exit = errors.EXIT.UNKNOWN,
    message = ("%s: an earlier attempt may have been applied and the last answer reports %d of them failed "
      .. "(record %d first): their outcome is unknown"):format(span(c.first, c.last), #unknown, unknown[1]),
    hint = "check these records in the org before sending them again",
    variables = { response = { headers = {}, body = json.null } },
  }
end

-- The exit code of a run that stopped, from every chunk's state: unknown
-- outranks all, a partial failure (some chunks committed) is 1
-- (errors.outcome_exit, the one precedence table).
local function run_exit(chunks)
  local o = { done = 0, unknown = 0, failed = {} }
  for _, c in ipairs(chunks) do
    if c.state == "committed" then o.done = o.done + 1
    elseif c.state == "unknown" then o.unknown = o.unknown + 1
    elseif c.state == "rolled_back" then o.failed[#o.failed + 1] = errors.EXIT.API
    elseif c.state == "failed" then o.failed[#o.failed + 1] = c.err.exit or errors.EXIT.API end
  end
  return errors.outcome_exit(o)
end

-- The engine under every method. `job` = {what, n, size, concurrency,
-- all_or_none, observe, send = function(first, last) -> list, nil, reached | nil, err,
-- id_at = function(i) -> the id to show on a stand-in (or nil), reads,
-- deletes (ENTITY_IS_DELETED after a lost attempt means done)}.
local function run(org, job)
  local n, size = job.n, job.size
  local chunks = {}
  for k = 1, (n + size - 1) // size do
    local first = (k - 1) * size + 1
    chunks[k] = { index = k, first = first, last = math.min(n, k * size), state = "not_sent" }
  end
  local results = { n = n }
  local stopped -- the first chunk that failed (it ends the run)
  local next_chunk = 1

  local function do_chunk(c)
    local list, err, reached = job.send(c.first, c.last)
    local count = c.last - c.first + 1
    if list and (type(list) ~= "table" or #list ~= count) then
      list, err = nil, cerrors.new {
        code = "500", message = ("%s: expected %d results for %s, got %s"):format(job.what, count,
          span(c.first, c.last), type(list) == "table" and #list or type(list)),
        errors = {}, fields = {}, exit = errors.EXIT.UNKNOWN,
      }
    end
    if not list then
      c.err = err
      c.state = (err.exit == errors.EXIT.UNKNOWN or err.code == "OUTCOME_UNKNOWN") and "unknown" or "failed"
      local code = c.state == "unknown" and "OUTCOME_UNKNOWN" or (err.error_code or err.code)
      for i = c.first, c.last do
        results[i] = job.reads and json.null or stand_in(code, err.message, job.id_at and job.id_at(i))
      end
      return false
    end
    if reached and not job.reads then
      -- an earlier attempt may have been applied: a failure the last
      -- answer reports is not certain
      local uncertain = doubt(job, list, c)
      if uncertain then
        table.move(list, 1, count, c.first, results)
        c.state, c.err = "unknown", uncertain
        return false
      end
    end
    -- the record to blame: the first that failed on its own account, not
    -- one that was only rolled back along with it
    local bad, rolled
    for j = 1, count do
      local r = list[j]
      results[c.first + j - 1] = r
      if not job.reads and type(r) == "table" and r.success == false then
        local e1 = type(r.errors) == "table" and r.errors[1]
        if type(e1) == "table" and e1.statusCode == ROLLED_BACK then rolled = rolled or (c.first + j - 1)
        else bad = bad or (c.first + j - 1) end
      end
    end
    bad = bad or rolled
    if bad and job.all_or_none then
      c.state, c.bad = "rolled_back", bad
      return false
    end
    c.state = "committed"
    return true
  end

  local function worker()
    while not stopped and next_chunk <= #chunks do
      local c = chunks[next_chunk]
      next_chunk = next_chunk + 1
      c.state = "sending"
      local seen = job.observe and { index = c.index, first = c.first, last = c.last }
      if seen then job.observe("send", seen) end
      local ok = do_chunk(c)
      if not ok then
        if not stopped or c.index < stopped.index then stopped = c end
      end
      if seen then
        seen.state, seen.err = c.state, c.err
        seen.results = table.move(results, c.first, c.last, 1, {})
        job.observe("done", seen)
      end
    end
  end

  local workers = job.all_or_none and 1 or math.min(job.concurrency, #chunks)
  if workers <= 1 then
    worker()
  else
    http.parallel(function()
      for _ = 1, workers do http.spawn(worker) end
    end, { per_host = workers })
  end

  for _, c in ipairs(chunks) do
    if c.state == "not_sent" then
      for i = c.first, c.last do
        results[i] = job.reads and json.null
          or stand_in("NOT_SENT", "not sent: an earlier chunk failed", job.id_at and job.id_at(i))
      end
    end
  end
  if not job.reads then
    local failed = 0
    for i = 1, n do
      if type(results[i]) == "table" and results[i].success == false then failed = failed + 1 end
    end
    results.failed = failed
  end
  results.chunks = chunks
  if not stopped then return results end

  local err
  if stopped.state == "rolled_back" then
    -- shaped like the 400 a single-record call would get for that record
    local r = results[stopped.bad]
    local list = type(r.errors) == "table" and r.errors or {}
    local first = list[1] or {}
    local fields = {}
    for _, e in ipairs(list) do
      for _, f in ipairs(type(e.fields) == "table" and e.fields or {}) do fields[#fields + 1] = f end
    end
    err = cerrors.new {
      code = "400", error_code = first.statusCode, errors = list, fields = fields, index = stopped.bad,
      message = ("record %d: %s"):format(stopped.bad, tostring(first.message or first.statusCode or "failed")),
      variables = { response = { headers = {}, body = list } }, exit = errors.EXIT.API,
    }
  else
    -- a copy: the chunk keeps its own error, exit code and all
    err = setmetatable({}, getmetatable(stopped.err))
    for k, v in pairs(stopped.err) do err[k] = v end
  end
  err.exit = run_exit(chunks)
  local detail = ("%s in %d chunks: %s"):format(job.what, #chunks, summary(chunks))
  err.message = (err.message or "") .. " [" .. detail .. "]"
  err.results, err.chunks = results, chunks
  return nil, err
end

-- One chunk's request: its results list, or nil, err; and whether an
-- attempt of it may have been applied before the answer came (org:call's
-- outcome.reached).
local function call(org, method, path, opts)
  local outcome = {}
  opts.outcome = outcome
  local res, err = org:call(method, path, opts)
  if not res then return nil, err end
  return res.body, nil, outcome.reached
end

local function collection_path(org, ...)
  return org:path("composite", "sobjects", ...)
end

local function write_body(all_or_none, list)
  return json.object({ allOrNone = all_or_none, records = json.array(list) }, { "allOrNone", "records" })
end

local function req(org, method, ...)
  return { method = method, path = org.base .. collection_path(org, ...) }
end

--- Creates records of one object. Results aligned with `records`.
function methods:create_many(object, records, opts)
  local what = "create_many"
  local request = req(self, "POST")
  local e = bad("object", object, "object", request, what)
  if e then return nil, e end
  check_list(what, records, "records")
  check_records(what, records)
  local o = options(what, opts, M.MAX_BATCH, true)
  local path = collection_path(self)
  return run(self, {
    what = what, n = #records, size = o.batch_size, concurrency = o.concurrency, all_or_none = o.all_or_none,
    observe = o.observe,
    send = function(first, last)
      local list = {}
      for i = first, last do list[#list + 1] = record_copy(object, records[i]) end
      -- never sent twice: a chunk whose answer is lost is OUTCOME_UNKNOWN
      return call(self, "POST", path, { body = write_body(o.all_or_none, list), retry = "create" })
    end,
  })
end

--- Updates records of one object; each carries its `Id` (or `id`).
function methods:update_many(object, records, opts)
  local what = "update_many"
  local request = req(self, "PATCH")
  local e = bad("object", object, "object", request, what)
  if e then return nil, e end
  check_list(what, records, "records")
  check_records(what, records)
  local o = options(what, opts, M.MAX_BATCH, true)
  for i, rec in ipairs(records) do
    local id = id_of(rec)
    if id == nil then
      return nil, cerrors.bad_input("MISSING_ARGUMENT", ("record %d has no Id"):format(i), request)
    end
    e = bad("id", id, ("record %d"):format(i), request, what)
    if e then return nil, e end
  end
  local path = collection_path(self)
  return run(self, {
    what = what, n = #records, size = o.batch_size, concurrency = o.concurrency, all_or_none = o.all_or_none,
    observe = o.observe,
    id_at = function(i) return id_of(records[i]) end,
    send = function(first, last)
      local list = {}
      for i = first, last do list[#list + 1] = record_copy(object, records[i]) end
      return call(self, "PATCH", path, { body = write_body(o.all_or_none, list) })
    end,
  })
end

--- Inserts or updates records matched on an external id field; results
-- carry `created`. Safe to retry (an upsert is keyed).
function methods:upsert_many(object, ext_field, records, opts)
  local what = "upsert_many"
  local request = req(self, "PATCH", tostring(object), tostring(ext_field))
  local e = bad("object", object, "object", request, what)
    or bad("field", ext_field, "external id field", request, what)
  if e then return nil, e end
  check_list(what, records, "records")
  check_records(what, records)
  local o = options(what, opts, M.MAX_BATCH, true)
  local path = collection_path(self, object, ext_field)
  return run(self, {
    what = what, n = #records, size = o.batch_size, concurrency = o.concurrency, all_or_none = o.all_or_none,
    observe = o.observe,
    send = function(first, last)
      local list = {}
      for i = first, last do list[#list + 1] = record_copy(object, records[i]) end
      return call(self, "PATCH", path, { body = write_body(o.all_or_none, list) })
    end,
  })
end

--- Deletes records by id (of any objects). Idempotent: a retried chunk
-- reports ENTITY_IS_DELETED for what its lost first try removed.
function methods:delete_many(ids, opts)
  local what = "delete_many"
  local request = req(self, "DELETE")
  check_list(what, ids, "ids")
  local o = options(what, opts, M.MAX_BATCH, true)
  local e = bad_ids(ids, "id %d", request, what)
  if e then return nil, e end
  local path = collection_path(self)
  return run(self, {
    what = what, n = #ids, size = o.batch_size, concurrency = o.concurrency, all_or_none = o.all_or_none,
    observe = o.observe,
    id_at = function(i) return ids[i] end, deletes = true,
    send = function(first, last)
      return call(self, "DELETE", path, {
        query = { ids = table.concat(ids, ",", first, last), allOrNone = tostring(o.all_or_none) },
      })
    end,
  })
end

--- Reads records by id: `fields` is a list of field names. Results aligned
-- with `ids`, json.null where no record has the id (or it is deleted).
function methods:get_many(object, ids, fields, opts)
  local what = "get_many"
  local request = req(self, "POST", tostring(object))
  local e = bad("object", object, "object", request, what)
  if e then return nil, e end
  check_list(what, ids, "ids")
  check_list(what, fields, "fields")
  if #fields == 0 then error(usage(what, "fields must name at least one field"), 2) end
  for i, f in ipairs(fields) do
    e = bad("field", f, ("field %d"):format(i), request, what)
    if e then return nil, e end
  end
  local o = options(what, opts, M.MAX_RETRIEVE, false)
  e = bad_ids(ids, "id %d", request, what)
  if e then return nil, e end
  local field_list = json.array(table.move(fields, 1, #fields, 1, {}))
  local path = collection_path(self, object)
  local results, err = run(self, {
    what = what, n = #ids, size = o.batch_size, concurrency = o.concurrency, reads = true,
    observe = o.observe,
    send = function(first, last)
      local body = json.object({ ids = json.array(table.move(ids, first, last, 1, {})), fields = field_list },
        { "ids", "fields" })
      -- a POST that only reads: safe to send again
      return call(self, "POST", path, { body = body, retry = "safe-create", write = false })
    end,
  })
  -- an object or field the org does not have: named, with the nearest
  if not results then return nil, explain.error(self, err, object) end
  return results
end

return M
