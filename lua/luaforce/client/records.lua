--- luaforce.client.records: every record of a query, page after page.
--
--   for rec in org:records("SELECT Id, Name FROM Account") do ... end
--   local list, err = org:fetch_all("SELECT Id FROM Contact", { max = 500 })
--
-- org:records(soql [, opts]) -> an iterator (a callable object) giving each
-- record, and its position, of every page: it follows nextRecordsUrl to the
-- end, with no cap but opts.max. Options:
--   batch_size       records per page to ask for (Sforce-Query-Options;
--                    Salesforce takes 200..2000 and may send fewer)
--   include_deleted  true: queryAll, which also returns deleted and archived
--                    rows (the names are easy to confuse: fetch_all is not
--                    queryAll)
--   max              stop after this many records (no page past them is
--                    fetched)
-- Fields of the iterator: total (the query's totalSize, once the first page
-- is in), count (records given so far), pages (pages fetched).
--
-- Memory stays constant however large the result: one page is held while
-- it is consumed, and the next one while it arrives. Child subqueries
-- (SELECT Id, (SELECT Id FROM Contacts) FROM Account) whose results come in
-- pages of their own are completed before their parent is given out, so
-- rec.Contacts.records holds every child and done is true.
--
-- A page that cannot be fetched RAISES the error (the project's error
-- table), as io.lines does for a file it cannot read: a loop never ends
-- quietly short. pcall it, or use fetch_all, which returns nil, err.
--
-- org:fetch_all(soql [, opts]) -> a list (json.array) of every record, or
-- nil, err. The same options.
--
-- How the next page overlaps the current one: a page is read as text, and
-- its nextRecordsUrl sits in the first bytes (Salesforce writes totalSize,
-- done, nextRecordsUrl, then records), so the request for the next page is
-- sent before the current one is decoded; the org prepares the next page
-- while this process decodes. The two run as tasks of luaforce.http's
-- parallel; inside an enclosing http.parallel (org:each) they are tasks
-- among the others.
local json = require "luaforce.json"
local http = require "luaforce.http"
local errors = require "luaforce.errors"

local checks = require "luaforce.client.checks"
local child_lists = require "luaforce.client.child_lists"
local cerrors = require "luaforce.client.errors"
local explain = require "luaforce.client.explain"

local M = {}

--- The methods this file adds to the Org (client/init.lua mixes them in).
local methods = {}
M.methods = methods

local MAX_BATCH = 2000

-- Records read a null field as nil (json.encode still writes null).
local NULL_AS_NIL = { null_as_nil = true }

local function check_opts(opts, what)
  local o = {}
  if opts == nil then return o end
  if type(opts) ~= "table" then error(("%s: options must be a table"):format(what), 3) end
  for k, v in pairs(opts) do
    if k == "batch_size" then
      if math.type(v) ~= "integer" or v < 1 or v > MAX_BATCH then
        error(("%s: batch_size must be a whole number from 1 to %d"):format(what, MAX_BATCH), 3)
      end
    elseif k == "include_deleted" then
      if type(v) ~= "boolean" then error(("%s: include_deleted must be true or false"):format(what), 3) end
    elseif k == "max" then
      if math.type(v) ~= "integer" or v < 0 then error(("%s: max must be a whole number >= 0"):format(what), 3) end
    else
      error(("%s: unknown option '%s'"):format(what, tostring(k)), 3)
    end
    o[k] = v
  end
  return o
end

-- The nextRecordsUrl of a page still in text form, read from the part
-- before the records list (nil when it is not there: the last page, or a
-- server that orders its keys otherwise; then the decoded page tells).
local function peek_next(text)
  local head = text:match("^([^%[]*)%[")
  return head and head:match('"nextRecordsUrl"%s*:%s*"([^"\\]+)"')
end

-- A child subquery's result that has more pages: {totalSize, done = false,
-- nextRecordsUrl, records}.
local function unfinished_child(v)
  return type(v) == "table" and v.done == false and type(v.nextRecordsUrl) == "string"
    and type(v.records) == "table"
end

local Records = {}
Records.__index = Records
Records.__name = "luaforce.client.Records"

-- One page as text, streamed (so its next URL is known before it is
-- decoded), or, when that fails in any way, through an ordinary call that
-- retries and reports Salesforce's error properly. Returns text or a
-- decoded page, or nil, err.
function Records:fetch(url, query)
  local parts, n = {}, 0
  local res = self.org:call("GET", url, {
    query = query, headers = self.headers, retry = "never",
    on_chunk = function(piece)
      n = n + 1
      parts[n] = piece
    end,
  })
  if res and res.status == 200 then return table.concat(parts, "", 1, n) end
  parts = nil
  return self:fetch_decoded(url, query)
end

-- One page through an ordinary call: retried, decoded, and any error
-- (an HTML page, Salesforce's error list) reported as the client does.
function Records:fetch_decoded(url, query)
  local res, err = self.org:call("GET", url, { query = query, headers = self.headers })
  if not res then
    -- the first page's error is the query's: explained (nearest names)
    if query then err = explain.error(self.org, err) end
    return nil, err
  end
  return res.body
end

-- The next pages of one child result, appended to it in place.
function Records:complete_child(child)
  while unfinished_child(child) do
    local res, err = self.org:call("GET", child.nextRecordsUrl)
    if not res then return nil, err end
    local page = res.body
    if type(page) ~= "table" or type(page.records) ~= "table" then
      return nil, cerrors.new { code = "500", message = "a child records page without records",
        request = { method = "GET", path = child.nextRecordsUrl }, errors = {}, fields = {} }
    end
    local list = child.records
    for _, r in ipairs(page.records) do list[#list + 1] = r end
    child.done = page.done
    child.nextRecordsUrl = page.nextRecordsUrl
  end
  if child.nextRecordsUrl == nil or child.done then child.nextRecordsUrl = nil end
  return true
end

-- Completes every child result of a page, several at once.
function Records:complete_children(records)
  local pending = {}
  for _, rec in ipairs(records) do
    if type(rec) == "table" then
      for _, v in pairs(rec) do
        if unfinished_child(v) then pending[#pending + 1] = v end
      end
    end
  end
  if #pending == 0 then return true end
  local first_err
  local tasks = {}
  for i, child in ipairs(pending) do
    tasks[i] = http.spawn(function()
      local ok, err = self:complete_child(child)
      if not ok then first_err = first_err or err end
    end)
  end
  for _, t in ipairs(tasks) do t:wait() end
  if first_err then return nil, first_err end
  return true
end

local function bad_page(path)
  return cerrors.new { code = "500", message = "the query answer is not a records page",
    request = { method = "GET", path = path }, errors = {}, fields = {}, exit = errors.EXIT.API }
end

-- Runs inside http.parallel: makes the page behind self.next_url (or the
-- first page) current, and starts fetching the one after it.
function Records:advance()
  local text, err
  local ahead = self.ahead
  self.ahead = nil
  if ahead and ahead.url == self.next_url then
    text, err = ahead.task:wait()
  elseif self.pages == 0 then
    text, err = self:fetch(self.base_path, { q = self.soql })
  else
    text, err = self:fetch(self.next_url)
  end
  if text == nil then return nil, err end
  self.pages = self.pages + 1

  local page = text
  if type(text) == "string" then
    local peeked = peek_next(text)
    -- with max, whether another page is wanted is known only once this
    -- one is counted: then it is fetched after the decode
    if peeked and not self.max then self:prefetch(peeked) end
    page = json.decode(text, NULL_AS_NIL)
    text = nil
    if page == nil then
      -- not JSON after all: the ordinary call names the problem
      page, err = self:fetch_decoded(self.next_url or self.base_path, self.pages == 1 and { q = self.soql } or nil)
      if page == nil then return nil, err end
    end
  end
  if type(page) ~= "table" or type(page.records) ~= "table" then
    return nil, bad_page(self.next_url or self.base_path)
  end
  self.total = page.totalSize
  self.fetched = self.fetched + #page.records
  local nxt = page.done == false and page.nextRecordsUrl or nil
  if type(nxt) ~= "string" then nxt = nil end
  if self.max and self.fetched >= self.max then nxt = nil end
  self.next_url = nxt
  -- a prefetch of anything else than the page that follows is dropped
  if self.ahead and self.ahead.url ~= nxt then self.ahead = nil end
  if nxt and not self.ahead then self:prefetch(nxt) end
  local ok, cerr = self:complete_children(page.records)
  if not ok then return nil, cerr end
  child_lists.apply(page.records, self.children)
  self.page, self.pos = page.records, 0
  return true
end

-- Starts fetching `url` in a task of the running parallel, and lets it
-- send its request before this task goes on decoding.
function Records:prefetch(url)
  self.ahead = { url = url, task = http.spawn(function() return self:fetch(url) end) }
  http.sleep(0)
end

--- The next record and its position, or nil at the end; raises err when a
-- page cannot be fetched.
function Records:__call()
  while true do
    if self.failed then error(self.failed, 0) end
    if self.max and self.count >= self.max then return nil end
    local page = self.page
    if page and self.pos < #page then
      local i = self.pos + 1
      self.pos = i
      local rec = page[i]
      page[i] = false -- handed out: the page no longer keeps it alive
      self.count = self.count + 1
      return rec, self.count
    end
    if self.pages > 0 and not self.next_url then
      self.page = nil
      return nil
    end
    self.page = nil
    local ok, err = http.parallel(function() return self:advance() end)
    if not ok then
      self.failed = err
      error(err, 0)
    end
  end
end

function Records:__tostring()
  return ("luaforce.client.Records (%d of %s records, %d pages)"):format(self.count,
    self.total and tostring(self.total) or "?", self.pages)
end

--- See the file comment.
function methods:records(soql, opts)
  local text = checks.soql_text(soql)
  if not text then
    error(("bad argument #1 to 'records' (SOQL text or query expected, got %s)"):format(type(soql)), 2)
  end
  if text:match("^%s*$") then error("records: the query is empty", 2) end
  local o = check_opts(opts, "records")
  return setmetatable({
    org = self,
    soql = text,
    children = child_lists.relationships(text),
    base_path = o.include_deleted and "/queryAll" or "/query",
    headers = o.batch_size and { ["Sforce-Query-Options"] = ("batchSize=%d"):format(o.batch_size) } or nil,
    max = o.max,
    count = 0, fetched = 0, pages = 0, pos = 0,
  }, Records)
end

--- Every record of the query in one list (json.array), or nil, err.
function methods:fetch_all(soql, opts)
  local it = self:records(soql, opts)
  local list = {}
  local ok, err = pcall(function()
    for rec in it do list[#list + 1] = rec end
  end)
  if not ok then
    if errors.is(err) and not errors.is_interrupt(err) then return nil, err end
    error(err, 0)
  end
  return json.array(list)
end

return M
