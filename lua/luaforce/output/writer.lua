--- luaforce.output.writer: one output, written as the items come.
--
--   writer.new(opts[, sink]) -> w | nil, err
--   writer.TABLE_BUFFER                 rows a table holds to fix its widths
--   writer.LEFT_OUT                     a transform's "write nothing for this"
--
-- opts (see luaforce.output for the whole story):
--   format     "table" (default) | "csv" | "json" | "ndjson"
--   kind       "records" (default): w:record(r) per record, json writes one
--              array | "value": w:value(v) once (a few times: json writes
--              each as a document), a list of records prints as records
--   columns    dotted names fixing the table and CSV columns
--   width      a table's width in cells (nil: no limit)
--   pretty     json: indented (default false)
--   footer     table of records: "(N records)" at the end (default true)
--   transform  fn(v) -> v applied to each record and value after cleaning;
--              what it returns is written as it is (nil as null);
--              writer.LEFT_OUT writes nothing (w.left_out counts those)
--   path       write to this file atomically (luaforce.output.sink.open);
--              nil, err when it cannot be created
--   file       write to this handle (default io.stdout)
-- `sink` (a luaforce.output.sink) replaces path and file.
--
-- w:record(r), w:value(v): clean (no `attributes`), transform, write.
-- w:put(v): write `v` as it is (a caller that cleaned and transformed it).
-- They RAISE the sink's error when the output cannot be written.
-- w:finish() -> true | nil, err    ends the output (closes the JSON array,
--                                  prints a buffered table, commits a file)
-- w:abort()                        drops the output (a file's temporary)
-- w.count                          items written so far
--
-- JSON, NDJSON and CSV items are written at once; a table holds its rows
-- until it has TABLE_BUFFER of them or finish(), fixes the widths from
-- those, and streams the rest with the same widths. Memory stays flat.
local json = require "luaforce.json"
local records = require "luaforce.output.records"
local cells = require "luaforce.output.cells"
local csv = require "luaforce.output.csv"
local tbl = require "luaforce.output.table"
local sinks = require "luaforce.output.sink"

local M = {}

--- Rows a table holds to fix its column widths before it streams.
M.TABLE_BUFFER = 500

--- What a transform returns to leave an item out.
M.LEFT_OUT = setmetatable({}, { __name = "luaforce.output.LEFT_OUT", __tostring = function() return "LEFT_OUT" end })
local LEFT_OUT = M.LEFT_OUT

local null = json.null
local encode = json.encode
local clean, flatten = records.clean, records.flatten
local is_list, is_map, is_child = records.is_list, records.is_map, records.is_child

local FORMATS = { table = true, csv = true, json = true, ndjson = true }
local KINDS = { records = true, value = true }

local Writer = {}
Writer.__index = Writer
Writer.__name = "luaforce.output.Writer"

function Writer:out(s)
  local ok, err = self.sink:write(s)
  if not ok then error(err, 0) end
end

-- JSON of one item: compact, or pretty and indented inside the array.
function Writer:json_item(v, indent)
  local text, err = encode(v, { pretty = self.pretty })
  if not text then error(err, 0) end
  if indent and self.pretty then text = "  " .. text:gsub("\n", "\n  ") end
  return text
end

-- Table rows: buffered until the widths are fixed, then streamed.
function Writer:table_row(rec)
  if self.widths then
    self:out(tbl.line(tbl.cells(rec, self.columns), self.widths))
    return
  end
  local buf = self.buffer
  buf[#buf + 1] = rec
  if #buf >= M.TABLE_BUFFER then self:flush_table() end
end

function Writer:flush_table()
  if self.widths then return end
  local columns = self.columns or records.columns(self.buffer)
  self.columns = columns
  local rows = {}
  for i, r in ipairs(self.buffer) do rows[i] = tbl.cells(r, columns) end
  self.widths = tbl.widths(columns, rows, self.width)
  self:out(tbl.line(columns, self.widths))
  self:out(tbl.rule(self.widths))
  for _, c in ipairs(rows) do self:out(tbl.line(c, self.widths)) end
  self.buffer = nil
end

-- CSV rows: the header when the first row comes (its columns, flattened,
-- unless they are fixed).
function Writer:csv_row(rec)
  if not self.columns then
    local _, names = flatten(rec)
    self.columns = names
  end
  if not self.header_done then
    self.header_done = true
    self:out(csv.line(self.columns))
  end
  local map = flatten(rec, self.columns)
  local texts = {}
  for i, c in ipairs(self.columns) do texts[i] = cells.csv(map[c]) end
  self:out(csv.line(texts))
end

-- One item, already cleaned and transformed, in the chosen format.
function Writer:emit(v)
  local f = self.format
  self.count = self.count + 1
  if f == "json" then
    if self.kind == "records" then
      self:out((self.count == 1 and "[\n" or ",\n") .. self:json_item(v, true))
    else
      self:out(self:json_item(v) .. "\n")
    end
  elseif f == "ndjson" then
    local text, err = encode(v)
    if not text then error(err, 0) end
    self:out(text .. "\n")
  elseif f == "csv" then
    self:csv_row(v)
  else
    self:table_row(v)
  end
end

function Writer:check()
  if self.done then error("the output is already finished", 3) end
end

function Writer:transformed(v)
  if not self.transform then return v end
  v = self.transform(v)
  if v == nil then return null end
  return v
end

--- See the file comment.
function Writer:record(r)
  self:check()
  local v = self:transformed(clean(r))
  if v == LEFT_OUT then
    self.left_out = self.left_out + 1
    return
  end
  self:emit(v)
end

-- A value in table format: a list of records as rows, an object as a
-- Field/Value table, anything else as its text.
function Writer:table_value(v)
  if is_list(v) then
    local all = true
    for _, x in ipairs(v) do if not is_map(x) then all = false break end end
    if all and #v > 0 then
      for _, x in ipairs(v) do self:table_row(x) end
      return
    end
    for _, x in ipairs(v) do self:out(cells.table(x) .. "\n") end
    return
  end
  if is_map(v) and not is_child(v) then
    local map, names = flatten(v)
    local rows = {}
    for i, n in ipairs(names) do rows[i] = { Field = n, Value = map[n] } end
    self:out(tbl.render(rows, { "Field", "Value" }, self.width))
    return
  end
  self:out(cells.table(v) .. "\n")
end

--- See the file comment.
function Writer:put(v)
  self:check()
  if v == nil then v = null end
  local f = self.format
  if f == "table" then
    self.count = self.count + 1
    return self:table_value(v)
  end
  if is_list(v) and (f == "csv" or self.kind == "records") then
    for _, x in ipairs(v) do self:emit(x) end
    return
  end
  if f == "csv" or self.kind == "records" then return self:emit(v) end
  self.count = self.count + 1
  local text, err = encode(v, { pretty = f == "json" and self.pretty })
  if not text then error(err, 0) end
  self:out(text .. "\n")
end

--- See the file comment.
function Writer:value(v)
  self:check()
  if v == nil then v = null end
  v = self:transformed(clean(v))
  if v == LEFT_OUT then
    self.left_out = self.left_out + 1
    return
  end
  self:put(v)
end

--- See the file comment.
function Writer:finish()
  if self.done then return true end
  local f = self.format
  if f == "json" and self.kind == "records" then
    self:out(self.count == 0 and "[]\n" or "\n]\n")
  elseif f == "table" and self.buffer then
    if #self.buffer > 0 or self.kind == "records" then self:flush_table() end
  elseif f == "csv" and not self.header_done and self.columns and #self.columns > 0 then
    self.header_done = true
    self:out(csv.line(self.columns))
  end
  if f == "table" and self.kind == "records" and self.footer then
    self:out(("(%d record%s)\n"):format(self.count, self.count == 1 and "" or "s"))
  end
  self.done = true
  return self.sink:commit()
end

--- See the file comment.
function Writer:abort()
  if self.done then return end
  self.done = true
  self.sink:abort()
end

local function check_opts(opts)
  if type(opts) ~= "table" then error("output.writer: options must be a table", 3) end
  if opts.format ~= nil and not FORMATS[opts.format] then
    error(("output.writer: unknown format '%s' (table, csv, json or ndjson)"):format(tostring(opts.format)), 3)
  end
  if opts.kind ~= nil and not KINDS[opts.kind] then
    error(("output.writer: unknown kind '%s' (records or value)"):format(tostring(opts.kind)), 3)
  end
  if opts.transform ~= nil and type(opts.transform) ~= "function" then
    error("output.writer: transform must be a function", 3)
  end
end

--- See the file comment.
function M.new(opts, sink)
  opts = opts or {}
  check_opts(opts)
  if not sink then
    if opts.path then
      local err
      sink, err = sinks.open(opts.path)
      if not sink then return nil, err end
    else
      sink = sinks.stream(opts.file or io.stdout)
    end
  end
  local columns = opts.columns
  if columns and #columns == 0 then columns = nil end
  return setmetatable({
    format = opts.format or "table", kind = opts.kind or "records", columns = columns,
    width = opts.width, pretty = opts.pretty and true or false, footer = opts.footer ~= false,
    transform = opts.transform, sink = sink, count = 0, left_out = 0, buffer = {},
  }, Writer)
end

return M
