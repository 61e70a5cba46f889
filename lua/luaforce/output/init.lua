--- luaforce.output: records and values as tables, CSV, JSON and NDJSON,
-- for scripts, chains, bulk jobs and the command line alike.
--
--   local output = require "luaforce.output"
--   print(output.table(list, { columns = { "Name", "Account.Name" }, width = 80 }))
--   local w = assert(output.writer { format = "csv", path = "contacts.csv" })
--   for rec in org:records(soql) do w:record(rec) end
--   assert(w:finish())
--
-- Whole lists (rows: a list of records, or of plain Lua tables):
--   output.table(rows[, opts]) -> string    opts: columns, width
--   output.csv(rows[, opts]) -> string      opts: columns
--   output.json(rows[, opts]) -> string     opts: pretty
--   output.ndjson(rows[, opts]) -> string
--
-- Streaming (memory stays flat however many records pass):
--   output.writer(opts) -> w | nil, err     nil, err when `path` cannot be
--                                           created
--     opts.format     "table" (default) | "csv" | "json" | "ndjson"
--     opts.kind       "records" (default) | "value" (below)
--     opts.columns    dotted names: the table and CSV columns, in order
--     opts.width      a table's width in terminal cells (default: no limit)
--     opts.pretty     json: indented, two spaces (default false)
--     opts.footer     a table of records ends with "(N records)" (default
--                     true)
--     opts.transform  fn(v) -> v, applied to each record and value before
--                     it is written (after `attributes` are dropped); what
--                     it returns is written (nil as null), unless it is
--                     output.LEFT_OUT: then nothing is written for it and
--                     w.left_out counts it
--     opts.path       a file, written atomically: a temporary file beside
--                     it, renamed over it by finish(); readers see the old
--                     file or the whole new one
--     opts.file       an open handle instead (default io.stdout)
--   w:record(r)       one record
--   w:value(v)        one value: an object prints as a Field/Value table, a
--                     list of records as rows; json writes it as one
--                     document (kind "value")
--   w:put(v)          one value written as given, not cleaned or
--                     transformed
--   w:finish() -> true | nil, err   ends the output: closes the JSON array,
--                     prints a table still held, commits `path`
--   w:abort()         drops the output (`path` is left as it was)
--   w.count           items written so far
--   w.left_out        items the transform left out
--   record, value and put RAISE the error when the output cannot be
--   written (a full disk); an error table (code OUTPUT, exit 1).
--
-- What each format writes:
--   table   a header, a rule of dashes, one line per record; relationships
--           flattened to `Account.Name`, nulls blank, a child subquery as
--           `[3 records]`, cells longer than their column cut with `…`.
--           Widths count terminal cells: accented, combining, East Asian
--           wide and emoji characters line up (luaforce.output.width). The
--           columns are the given ones, else those of the rows; the widths
--           come from the rows (a writer fixes them from its first 500 rows,
--           then streams the rest with them).
--   csv     RFC 4180: a header line, CRLF line ends, a field quoted when it
--           holds a comma, a quote or a line break. Without columns, those
--           of the first record (flattened). A child subquery's records as
--           compact JSON.
--   json    records: one array, an item per line (`[`, items, `]`); values:
--           each a document of its own. Numbers keep every digit and
--           objects their key order (luaforce.json).
--   ndjson  one compact JSON document per line.
-- Salesforce's `attributes` (each record's type and URL) are never shown.
--
-- Pieces, for writers of their own:
--   output.width(s) -> cells                 terminal cells of a text
--   output.truncate(s, cells) -> text, n     at most `cells` wide, `…` at
--                                            the end when cut
--   output.flatten(rec[, columns]) -> map, names   `Account.Owner.Name`
--   output.clean(v) -> v                     without `attributes`
--   output.keys(t) -> list                   an object's keys in order
local records = require "luaforce.output.records"
local width = require "luaforce.output.width"
local writer = require "luaforce.output.writer"
local sinks = require "luaforce.output.sink"
local tbl = require "luaforce.output.table"

local M = {}

--- What a writer's transform returns to leave an item out.
M.LEFT_OUT = writer.LEFT_OUT

M.width = width.of
M.truncate = width.truncate
M.flatten = records.flatten
M.clean = records.clean
M.keys = records.keys

--- See the file comment.
function M.writer(opts)
  return writer.new(opts)
end

local function check_rows(rows, opts, fname)
  if type(rows) ~= "table" then
    error(("bad argument #1 to '%s' (list of rows expected, got %s)"):format(fname, type(rows)), 3)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #2 to '%s' (table expected, got %s)"):format(fname, type(opts)), 3)
  end
end

-- A whole list through a writer into a string.
local function whole(format, rows, opts, fname)
  check_rows(rows, opts, fname)
  opts = opts or {}
  local sink = sinks.memory()
  local w = writer.new({ format = format, columns = opts.columns, pretty = opts.pretty }, sink)
  for _, r in ipairs(rows) do w:record(r) end
  assert(w:finish())
  return sink:text()
end

--- See the file comment.
function M.table(rows, opts)
  check_rows(rows, opts, "table")
  opts = opts or {}
  local columns = opts.columns
  if columns and #columns == 0 then columns = nil end
  return tbl.render(rows, columns, opts.width)
end

--- See the file comment.
function M.csv(rows, opts) return whole("csv", rows, opts, "csv") end

--- See the file comment.
function M.json(rows, opts) return whole("json", rows, opts, "json") end

--- See the file comment.
function M.ndjson(rows, opts) return whole("ndjson", rows, opts, "ndjson") end

return M
