--- luaforce.emulator.query_api: the query resource of the local org.
--
--   GET  /services/data/vNN.N/query?q=SOQL      (also /query/ and /queryAll)
--   GET  /services/data/vNN.N/query/<locator>   the next page, under any
--        version and under /queryAll/ too (clients rebuild the URL)
--   GET  ...?explain=SOQL, ...?columns=true&q=SOQL
--
-- A query runs once; its rows wait in a cursor that the locators
-- `<cursor id>-<offset>` page through. The page size comes from
-- `Sforce-Query-Options: batchSize=N`, clamped to min_batch..2000 (min_batch
-- is 200 unless the emulator was started with --min-batch-size). Child
-- subquery results longer than the child batch size are cut to it with their
-- own `nextRecordsUrl`, as Salesforce does for large child sets.
--
-- Pages of plain queries (stored fields and parent fields only) are written
-- as text straight from the matched rows (soql_exec.render_records, in C):
-- the same bytes as encoding the page object, at a fraction of the cost.
local json = require "luaforce.json"
local ids = require "luaforce.emulator.ids"
local reply = require "luaforce.emulator.reply"
local exec = require "luaforce.emulator.soql_exec"

local M = {}

local MAX_BATCH = 2000
local MAX_CURSORS = 500
local PAGE_KEYS = { "totalSize", "done", "nextRecordsUrl", "records" }

local Api = {}
Api.__index = Api

--- org: {store, clock, min_batch, child_batch}.
function M.new(org)
  return setmetatable({
    org = org,
    cursors = {},   -- id -> {records, total, batch, children, rows, render}
    order = {},     -- cursor ids, oldest first (to bound memory)
    serial = 0,
    child_locators = setmetatable({}, { __mode = "k" }),
  }, Api)
end

--- Drops every cursor (the emulator's reset()).
function Api:clear()
  self.cursors, self.order, self.serial = {}, {}, 0
  self.child_locators = setmetatable({}, { __mode = "k" })
end

function Api:new_cursor(records, total, batch)
  self.serial = self.serial + 1
  local id = ids.to18(("01g%s%09d"):format("LOC", self.serial))
  self.cursors[id] = { records = records, total = total, batch = batch }
  self.order[#self.order + 1] = id
  if #self.order > MAX_CURSORS then
    self.cursors[table.remove(self.order, 1)] = nil
  end
  return id
end

-- The page size a request asks for, clamped as Salesforce clamps it.
function Api:batch_size(req, default)
  local opt = req.headers["sforce-query-options"]
  local n = opt and tonumber(opt:match("[Bb]atch[Ss]ize%s*=%s*(%d+)"))
  if not n then return default or MAX_BATCH end
  return math.max(self.org.min_batch, math.min(MAX_BATCH, math.floor(n)))
end

-- A child result cut to the child batch size, with a locator for the rest.
-- The same child set always gets the same locator.
function Api:page_child(child, base)
  local limit = self.org.child_batch
  if child == json.null or #child.records <= limit then return child end
  local id = self.child_locators[child]
  if not id then
    id = self:new_cursor(child.records, child.totalSize, limit)
    self.child_locators[child] = id
  end
  local first = {}
  for i = 1, limit do first[i] = child.records[i] end
  return json.object({
    totalSize = child.totalSize, done = false,
    nextRecordsUrl = base .. id .. "-" .. limit, records = json.array(first),
  }, PAGE_KEYS)
end

-- A page written from the rows: the text json.encode makes of the page
-- object, key for key (totalSize, done, nextRecordsUrl, records).
local function rendered_page(cursor, cursor_id, offset, last, base)
  local done = last >= #cursor.records
  local parts = { '{"totalSize":', assert(json.encode(cursor.total)), ',"done":', tostring(done) }
  if not done then
    parts[#parts + 1] = ',"nextRecordsUrl":'
    parts[#parts + 1] = assert(json.encode(base .. cursor_id .. "-" .. last))
  end
  parts[#parts + 1] = ',"records":['
  return assert(exec.render_records(cursor.rows, cursor.render, offset + 1, last, "records", table.concat(parts),
    "]}"))
end

-- One page of a cursor as the reply with Salesforce's query result body.
-- `cursor_id` is nil when everything fits on this page (no cursor kept).
function Api:page(cursor, cursor_id, offset, batch, base)
  local records, children = cursor.records, cursor.children
  local last = math.min(#records, offset + batch)
  if cursor.render then
    return reply.json_text(200, rendered_page(cursor, cursor_id, offset, last, base))
  end
  local out = {}
  for i = offset + 1, last do
    local r = records[i]
    if children then
      local copy
      for _, rel in ipairs(children) do
        local c = r[rel]
        if c ~= nil and c ~= json.null and #c.records > self.org.child_batch then
          copy = copy or {}
          copy[rel] = self:page_child(c, base)
        end
      end
      if copy then
        local mt = getmetatable(r)
        local t = {}
        for k, v in pairs(r) do t[k] = copy[k] ~= nil and copy[k] or v end
        r = setmetatable(t, mt)
      end
    end
    out[#out + 1] = r
  end
  local body = { totalSize = cursor.total, done = last >= #records, records = json.array(out) }
  if not body.done then body.nextRecordsUrl = base .. cursor_id .. "-" .. last end
  return reply.json(200, json.object(body, PAGE_KEYS))
end

local function query_error(err)
  return reply.error(err.status or 400, err.errorCode or "MALFORMED_QUERY", err.message)
end

--- GET .../query, .../queryAll and their locators.
-- `rest` is the path after `query`/`queryAll` (nil or a locator).
function Api:handle(req, version, all_rows, rest)
  if req.method ~= "GET" and req.method ~= "HEAD" then
    return reply.method_not_allowed(req.method, { "GET", "HEAD" })
  end
  local base = ("/services/data/v%s/%s/"):format(version, all_rows and "queryAll" or "query")
  if rest and rest ~= "" then
    local id, offset = rest:match("^(%w+)%-(%d+)$")
    local cursor = id and self.cursors[id]
    if not cursor or tonumber(offset) > #cursor.records then
      return reply.error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    end
    return self:page(cursor, id, tonumber(offset), self:batch_size(req, cursor.batch), base)
  end
  -- lazy: records are built when a page first touches them
  local opts = { all_rows = all_rows, version = version, now = self.org.clock.now(), lazy = true }
  local q = req.query
  if q.explain then
    local plan, err = exec.explain(self.org.store, q.explain, opts)
    if not plan then return query_error(err) end
    return reply.json(200, plan)
  end
  if not q.q or q.q:match("^%s*$") then
    return reply.error(400, "MALFORMED_QUERY", "A query string has to be specified")
  end
  if q.columns == "true" then
    local cols, err = exec.columns(self.org.store, q.q, opts)
    if not cols then return query_error(err) end
    return reply.json(200, cols)
  end
  local result, err = exec.run(self.org.store, q.q, opts)
  if not result then return query_error(err) end
  if result.count_only then
    return reply.json(200, json.object({ totalSize = result.total_size, done = true,
      records = json.array {} }, PAGE_KEYS))
  end
  local batch = self:batch_size(req)
  local children = result.child_relationships
  if children and #children == 0 then children = nil end
  local cursor = { records = result.records, total = result.total_size, batch = batch, children = children,
    rows = result.rows, render = result.render }
  local id
  if #result.records > batch then
    id = self:new_cursor(result.records, result.total_size, batch)
    local kept = self.cursors[id]
    kept.children, kept.rows, kept.render = children, result.rows, result.render
  end
  return self:page(cursor, id, 0, batch, base)
end

return M
