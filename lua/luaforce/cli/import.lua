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
-- bulk_import.finish: counts, exit, summary, write_failed, close. The rows
-- to send again are written to a private temporary file as each window is
-- answered; write_failed moves that file into place.
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
  local src = assert(io.open(self.failed_path, "rb"))
  local out, why = io.open(path, "wb")
  if not out then
    src:close()
    return nil, errors.new { code = "BAD_OUTPUT_FILE", exit = errors.EXIT.USAGE,
      message = ("cannot write %s: %s"):format(path, (tostring(why):gsub("^.-: ", ""))) }
  end
  while true do
    local piece = src:read(65536)
    if not piece then break end
    out:write(piece)
  end
  src:close()
  local ok, werr = out:close()
  if not ok then return nil, errors.new { code = "BAD_OUTPUT_FILE", exit = errors.EXIT.API, message = tostring(werr) } end
  return self.to_send_again
end

function Rest:close()
  if self.failed_path then os.remove(self.failed_path) end
  self.failed_path = nil
end

M.WINDOW = 10000 -- rows read, sent and forgotten at a time (memory stays flat)

-- The chunks' error codes that mean "never written, send again".
local AGAIN = { NOT_SENT = true }

local function rest_import(ctx, opts, org, object, src)
  local op = bulk_import.operation(opts)
  local types = {}
  if op ~= "delete" then
    local d, derr = org:describe(object)
    if not d then connect.fail(derr, org, object) end
    for _, f in ipairs(d.fields or {}) do types[f.name:lower()] = f.type end
  end
  local id_at
  if op == "delete" then
    for i, c in ipairs(src.columns) do
      if c:lower() == "id" then id_at = i end
    end
    if not id_at then error(errors.usage("a delete needs an Id column"), 0) end
  end
  local report = setmetatable({ object = object, operation = op, columns = src.columns, jobs = {},
    counts = { records = 0, successful = 0, failed = 0, not_sent = 0, unknown = 0, unprocessed = 0 },
    failed_path = os.tmpname(), to_send_again = 0 }, Rest)
  local out = assert(io.open(report.failed_path, "wb"))
  local fmt = { delimiter = cells.DELIMITERS[opts.delimiter or "COMMA"],
    eol = opts.line_ending == "CRLF" and "\r\n" or "\n" }
  local header = { "sf__Error" }
  for i, c in ipairs(src.columns) do header[i + 1] = c end
  out:write(csv.line(header, fmt))
  local function again(reason, row)
    local line = { reason }
    for k, text in ipairs(row) do line[k + 1] = text end
    out:write(csv.line(line, fmt))
    report.to_send_again = report.to_send_again + 1
  end

  local c = report.counts
  local bar = progress.new(ctx, { label = "import", unit = "records", total = src.total })
  local stopped
  local ok, perr = pcall(function()
    while true do
      local rows = {}
      while #rows < M.WINDOW do
        local row, rerr = src.next()
        if row == false then error(rerr, 0) end
        if not row then break end
        rows[#rows + 1] = row
      end
      if #rows == 0 then break end
      c.records = c.records + #rows
      if stopped then
        for _, row in ipairs(rows) do again("NOT_SENT: never sent", row) end
        c.not_sent = c.not_sent + #rows
      else
        local results, err
        if op == "delete" then
          local ids = {}
          for i, row in ipairs(rows) do ids[i] = row[id_at] end
          results, err = org:delete_many(ids)
        else
          local recs = {}
          for i, row in ipairs(rows) do recs[i] = record_of(src.columns, types, row) end
          if op == "insert" then
            results, err = org:create_many(object, recs)
          elseif op == "update" then
            results, err = org:update_many(object, recs)
          else
            results, err = org:upsert_many(object, opts.external_id, recs)
          end
        end
        if not results then
          if not err.results and c.records == #rows then
            out:close()
            report:close()
            connect.fail(err, org, object)
          end
          results = err.results or {}
          report.error, stopped = err, true
        end
        for i, row in ipairs(rows) do
          local r = results[i] or { success = false, errors = { { statusCode = "NOT_SENT" } } }
          local code = r.errors and r.errors[1] and r.errors[1].statusCode
          if r.success then
            c.successful = c.successful + 1
          elseif code == "OUTCOME_UNKNOWN" then
            c.unknown = c.unknown + 1
          elseif AGAIN[code] then
            c.not_sent = c.not_sent + 1
            again("NOT_SENT: never sent", row)
          else
            c.failed = c.failed + 1
            again(error_text(r), row)
          end
        end
      end
      bar:update(c.records, src.total)
    end
  end)
  bar:finish()
  out:close()
  if not ok then
    report:close()
    error(perr, 0)
  end
  local failed = {}
  if report.error then failed[1] = report.error.exit or errors.EXIT.API end
  if c.failed > 0 or c.not_sent > 0 then failed[#failed + 1] = errors.EXIT.API end
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
  -- standard input is read more than once below: a private copy first
  local real, copy = source.spool(file)
  if copy then
    ctx.at_exit = ctx.at_exit or {}
    table.insert(ctx.at_exit, function() os.remove(copy); return true end)
  end
  local use_bulk = opts.bulk or op == "hardDelete"
  local src
  if not use_bulk then
    -- the first pass checks the whole file and counts its rows; the second
    -- is what REST sends
    local err
    src, err = source.csv_file_at(real, cells.DELIMITERS[opts.delimiter or "COMMA"], file)
    if not src then error(err, 0) end
    if not opts.rest and src.total > threshold then
      src.close()
      use_bulk = true
    end
  end
  if use_bulk then return bulk_import.import(ctx, opts, org, object, real, file) end
  local report = rest_import(ctx, opts, org, object, src)
  src.close()
  return bulk_import.finish(ctx, opts, report, file)
end

return M
