--- luaforce.cli.import: `luaforce import OBJECT FILE.csv`: REST sObject
-- Collections for a small file, Bulk API 2.0 past --bulk-threshold rows.
--
-- The REST path reads the rows Bulk would send, types each cell by the
-- object's describe (booleans, numbers; `#N/A` is null, an empty cell is
-- left out), sends them 200 a request and reports through the same summary
-- and rows-to-send-again file as `luaforce bulk import`
-- (luaforce.cli.bulk_import), so the choice never changes what the user
-- sees but the speed.
local bulk_import = require "luaforce.cli.bulk_import"
local cells = require "luaforce.bulk.cells"
local common = require "luaforce.cli.common"
local connect = require "luaforce.cli.connect"
local csv = require "luaforce.output.csv"
local decimal = require "luaforce.decimal"
local errors = require "luaforce.errors"
local json = require "luaforce.json"
local progress = require "luaforce.cli.progress"
local source = require "luaforce.bulk.source"

local M = {}

M.THRESHOLD = 2000

M.PATH_OPTIONS = {
  { name = "bulk", help = "use Bulk API 2.0 whatever the size" },
  { name = "rest", help = "use REST whatever the size" },
  { name = "bulk-threshold", arg = "N", number = true,
    help = "more rows than N go by Bulk API 2.0 (default 2000)" },
}

local options = {}
for _, o in ipairs(M.PATH_OPTIONS) do options[#options + 1] = o end
for _, o in ipairs(bulk_import.OPTIONS) do options[#options + 1] = o end

M.summary = "import a CSV file: REST for a few rows, Bulk API 2.0 for many"
M.spec = {
  command = "import",
  usage = "luaforce import OBJECT FILE.csv [OPTIONS]",
  args = "OBJECT FILE.csv",
  min_args = 2,
  max_args = 2,
  options = common.with(options, common.connection),
}
M.description = [[
Imports FILE.csv into OBJECT like 'luaforce bulk import' (the same CSV
rules, summary, rows-to-send-again file and exit codes), choosing the API
by size: up to --bulk-threshold rows (default 2000, Salesforce's own advice
for when Bulk starts to pay) go through REST sObject Collections, 200 a
request; more go through Bulk API 2.0 jobs. --bulk or --rest decides
instead. hard-delete exists in Bulk only.]]
M.examples = {
  "luaforce import Account accounts.csv",
  "luaforce import Account accounts.csv --operation upsert --external-id ExtId__c",
  "luaforce import Contact contacts.csv --bulk-threshold 500",
}

local NUMBER_TYPES = { int = true, double = true, currency = true, percent = true, long = true }

-- One CSV text as the JSON value REST takes for a field of `ftype`.
local function typed(text, ftype)
  if text == cells.NULL then return json.null end
  if ftype == "boolean" then
    local l = text:lower()
    if l == "true" or l == "1" then return true end
    if l == "false" or l == "0" then return false end
  elseif NUMBER_TYPES[ftype] then
    local d = decimal.parse(text)
    if d then return d end
  end
  return text
end

-- The REST record of a row: columns to fields, relationship columns nested.
local function record_of(columns, types, row)
  local rec = {}
  for i, c in ipairs(columns) do
    local text = row[i]
    if text ~= "" then
      local rel, field = c:match("^([^.]+)%.(.+)$")
      if rel then
        rec[rel] = rec[rel] or {}
        rec[rel][field] = text == cells.NULL and json.null or text
      else
        rec[c] = typed(text, types[c:lower()])
      end
    end
  end
  return rec
end

local function error_text(r)
  local parts = {}
  for _, e in ipairs(r.errors or {}) do
    local fields = type(e.fields) == "table" and table.concat(e.fields, ",") or ""
    parts[#parts + 1] = ("%s:%s:%s --"):format(tostring(e.statusCode), tostring(e.message), fields)
  end
  return table.concat(parts, " ")
end

-- The REST run's report, shaped as luaforce.bulk.report's for
-- bulk_import.finish: counts, exit, summary, write_failed, close.
local Rest = {}
Rest.__index = Rest

function Rest:summary()
  local c = self.counts
  local lines = { ("%s %s: %d records by REST: %d succeeded, %d failed"):format(self.operation, self.object,
    c.records, c.successful, c.failed) }
  if c.not_sent > 0 then lines[#lines + 1] = ("  %d never sent"):format(c.not_sent) end
  if c.unknown > 0 then
    lines[#lines + 1] = ("  %d with an unknown outcome: look in the org before importing them again"):format(c.unknown)
  end
  if self.error then lines[#lines + 1] = "  stopped: " .. tostring(self.error.message or self.error) end
  return table.concat(lines, "\n")
end

function Rest:write_failed(path)
  local out, why = io.open(path, "wb")
  if not out then
    return nil, errors.new { code = "BAD_OUTPUT_FILE", exit = errors.EXIT.USAGE,
      message = ("cannot write %s: %s"):format(path, (tostring(why):gsub("^.-: ", ""))) }
  end
  local fmt = { eol = "\n" }
  local header = { "sf__Error" }
  for i, c in ipairs(self.columns) do header[i + 1] = c end
  out:write(csv.line(header, fmt))
  local n = 0
  for i, r in ipairs(self.results) do
    local code = r.errors and r.errors[1] and r.errors[1].statusCode
    if not r.success and code ~= "OUTCOME_UNKNOWN" then
      local line = { code == "NOT_SENT" and "NOT_SENT: never sent" or error_text(r) }
      for k, text in ipairs(self.rows[i]) do line[k + 1] = text end
      out:write(csv.line(line, fmt))
      n = n + 1
    end
  end
  out:close()
  return n
end

function Rest:close() end

local function rest_import(ctx, opts, org, object, src)
  local op = bulk_import.operation(opts)
  local rows = {}
  while true do
    local row, err = src.next()
    if row == false then error(err, 0) end
    if not row then break end
    rows[#rows + 1] = row
  end
  local types = {}
  if op ~= "delete" then
    local d, derr = org:describe(object)
    if not d then connect.fail(derr, org, object) end
    for _, f in ipairs(d.fields or {}) do types[f.name:lower()] = f.type end
  end
  local bar = progress.new(ctx, { label = "import", unit = "records", total = #rows })
  local done = 0
  local copts = { observe = function(event, chunk)
    if event == "done" then
      done = done + (chunk.last - chunk.first + 1)
      bar:update(done, #rows)
    end
  end }
  local results, err
  if op == "delete" then
    local id_at
    for i, c in ipairs(src.columns) do
      if c:lower() == "id" then id_at = i end
    end
    if not id_at then error(errors.usage("a delete needs an Id column"), 0) end
    local ids = {}
    for i, row in ipairs(rows) do ids[i] = row[id_at] end
    results, err = org:delete_many(ids, copts)
  else
    local recs = {}
    for i, row in ipairs(rows) do recs[i] = record_of(src.columns, types, row) end
    if op == "insert" then
      results, err = org:create_many(object, recs, copts)
    elseif op == "update" then
      results, err = org:update_many(object, recs, copts)
    else
      results, err = org:upsert_many(object, opts.external_id, recs, copts)
    end
  end
  bar:finish()
  if not results then
    if not err.results then connect.fail(err, org, object) end
    results = err.results
  end
  local c = { records = #rows, successful = 0, failed = 0, not_sent = 0, unknown = 0, unprocessed = 0 }
  for _, r in ipairs(results) do
    local code = r.errors and r.errors[1] and r.errors[1].statusCode
    if r.success then
      c.successful = c.successful + 1
    elseif code == "OUTCOME_UNKNOWN" then
      c.unknown = c.unknown + 1
    elseif code == "NOT_SENT" then
      c.not_sent = c.not_sent + 1
    else
      c.failed = c.failed + 1
    end
  end
  local failed = {}
  if c.failed > 0 or c.not_sent > 0 then failed[1] = errors.EXIT.API end
  if err and results == err.results then table.insert(failed, 1, err.exit or errors.EXIT.API) end
  local report = setmetatable({ object = object, operation = op, columns = src.columns, rows = rows,
    results = results, counts = c, jobs = {}, error = (results == (err and err.results)) and err or nil }, Rest)
  report.exit = errors.outcome_exit { unknown = c.unknown, done = c.successful, failed = failed }
  return report
end

--- See the file comment.
function M.run(ctx, opts, pos)
  bulk_import.check(opts)
  if opts.bulk and opts.rest then error(errors.usage("give --bulk or --rest, not both"), 0) end
  local object, file = pos[1], pos[2]
  local op = bulk_import.operation(opts)
  if opts.rest and op == "hardDelete" then
    error(errors.usage("hard-delete exists in Bulk API only", "leave out --rest"), 0)
  end
  local threshold = opts.bulk_threshold or M.THRESHOLD
  local org = connect.org(ctx, opts)
  local use_bulk = opts.bulk or op == "hardDelete"
  if not use_bulk and not opts.rest then
    -- the first pass counts the rows (and checks the file either way)
    local src, err = source.csv_file(file, cells.DELIMITERS[opts.delimiter or "COMMA"])
    if not src then error(err, 0) end
    if src.close then src.close() end
    use_bulk = src.total > threshold
  end
  if use_bulk then return bulk_import.import(ctx, opts, org, object, file) end
  local src, err = source.csv_file(file, cells.DELIMITERS[opts.delimiter or "COMMA"])
  if not src then error(err, 0) end
  local report = rest_import(ctx, opts, org, object, src)
  if src.close then src.close() end
  return bulk_import.finish(ctx, opts, report, file)
end

return M
