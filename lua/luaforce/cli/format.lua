--- luaforce.cli.format: how every command prints its results.
--
-- Options (the list `common.output` in luaforce.cli.common; a command adds
-- it to its spec: `options = common.with(own_options, common.output)` --
-- `with` takes any number of lists, the common flags come last):
--   --format table|json|ndjson|csv   default: table when standard output is
--                                    a terminal, json when it is not
--   --map EXPR          a FEEL expression applied to each record (or, with
--                       --map-response, to each response object) before it
--                       is printed; the record's fields are its names
--   --map-response      apply --map to the response object instead:
--                       { status, headers, body } (a query page's body is
--                       { totalSize, done, records })
--   --output FILE       write to FILE instead of standard output, atomically
--                       (a temporary file in the same directory, fsync,
--                       rename): readers see the old file or the whole new
--                       one, never half. See luaforce.cli.output.
--
-- API:
--   format.options(ctx, opts) -> settings
--       Resolves the options above once (the default format, FEEL compiled,
--       the terminal width). A FEEL syntax error RAISES a usage error (exit
--       2) whose hint is the expression with a caret under the mistake.
--       writer() calls it; call it yourself to fail before any request.
--
--   format.writer(ctx, opts, spec) -> w
--       spec = { columns = { "Id", "Account.Name", ... } | nil,
--                kind = "records" | "value",
--                settings = <from format.options> | nil,
--                stream = <a file handle> | nil }   -- tests, the REPL
--       `columns` fixes the table and CSV headers (use
--       format.columns_from_soql); without them CSV takes the columns of
--       the first record (flattened) and a table those of the rows it
--       buffers (below); a field first seen later is not shown there (JSON
--       and ndjson show every field). With --map (not --map-response) the
--       columns come from the mapped records.
--       kind "records": w:record(r) for each record; json prints one array.
--       kind "value": w:value(v) once (or a few times: json prints each as a
--       document); a value that is a list of records prints as records.
--     w:record(r)        one record (a decoded JSON object; `attributes` is
--                        never shown). Written at once for json, ndjson and
--                        csv: output streams, memory stays flat.
--     w:value(v)         one value (describe, limits, an id); in table
--                        format a record-like object prints as a two-column
--                        Field/Value table, a list of records as rows.
--     w:response(res)    one response object {status, headers, body}: with
--                        --map-response the expression sees it and its
--                        result is printed (records when it is a list of
--                        objects); otherwise body.records (kind "records")
--                        or the body (kind "value") is printed.
--     w:finish()         ends the output (closes the JSON array, prints a
--                        buffered table, commits --output). Returns true or
--                        nil, err. Call it once.
--     w:abort()          drops the output (removes --output's temporary
--                        file); for errors. Idempotent; finish after abort
--                        does nothing.
--     w.count            records written so far.
--   Table format and buffering: column widths come from the data, so the
--   table holds rows until it has TABLE_BUFFER (500) of them or finish(),
--   then fixes the widths from those rows and streams the rest with the same
--   widths (longer cells truncated with `…`). A table never holds more than
--   500 rows in memory.
--
--   format.table(rows, columns, width) -> string
--       A whole table as text (lines end in "\n"), for the REPL: rows are
--       records (flattened here), columns a list of dotted names or nil (from
--       the rows), width the terminal width or nil (no limit). Relationships
--       show as `Account.Name`, nulls as blanks, long cells end in `…`,
--       child subqueries as `[3 records]`.
--
--   format.columns_from_soql(soql) -> columns | nil
--       The columns a query returns, from soql.parse: plain fields as written
--       (`Account.Name`, a FROM alias removed), aggregates by alias or
--       `expr0`, `expr1`, ... in order, functions likewise by alias or
--       exprN (toLabel/format/convertCurrency of a plain field keep the
--       field's name), a child subquery as one column named by its
--       relationship, TYPEOF as its field. nil when the query does not parse
--       or uses FIELDS(...) (the columns are then the records').
--
--   format.flatten(record[, columns]) -> { [dotted name] = value }, names
--       A record as a flat map: nested relationship objects become
--       `Account.Owner.Name`, a null relationship leaves its columns null, a
--       child result stays a table under its relationship's name.
--
--   format.terminal_width() -> integer | nil   ($COLUMNS, then the tty)
--   format.default_format() -> "table" | "json"
--
-- Values in table and CSV cells: strings as they are, numbers and decimals
-- in all their digits (as JSON writes them), booleans true/false, null
-- blank; in CSV a child subquery's result is its records as compact JSON.
local json = require "luaforce.json"
local errors = require "luaforce.errors"

local M = {}

--- Rows a table holds to fix its column widths before it streams.
M.TABLE_BUFFER = 500

local null = json.null
local encode = json.encode
local concat = table.concat

---------------------------------------------------------------------------
-- Records as data

-- The keys of an object in their recorded order (decoded JSON and FEEL
-- contexts keep one), then any others sorted.
local function keys_of(t)
  local mt = getmetatable(t)
  local recorded = type(mt) == "table" and rawget(mt, "__jsonkeys") or nil
  local out, seen = {}, {}
  if recorded then
    for _, k in ipairs(recorded) do
      if rawget(t, k) ~= nil and not seen[k] then
        out[#out + 1], seen[k] = k, true
      end
    end
  end
  local extra
  for k in pairs(t) do
    if type(k) == "string" and not seen[k] then
      extra = extra or {}
      extra[#extra + 1] = k
    end
  end
  if extra then
    table.sort(extra)
    for _, k in ipairs(extra) do out[#out + 1] = k end
  end
  return out
end
M.keys_of = keys_of

local function is_list(v)
  return type(v) == "table" and (json.is_array(v) or (not json.is_object(v) and rawget(v, 1) ~= nil))
end

local function is_map(v)
  return type(v) == "table" and not is_list(v)
    and (json.is_object(v) or next(v) == nil or type(next(v)) == "string")
end

-- A child subquery's result inside a record: {totalSize, done, records}.
local function is_child(v)
  return type(v) == "table" and not is_list(v) and is_list(rawget(v, "records"))
    and rawget(v, "totalSize") ~= nil
end

-- The record without Salesforce's `attributes` (type and URL of each
-- record and relationship), in the same key order. The new objects share
-- one metatable per key sequence, as decoded ones do: a query of a million
-- rows makes no million metatables.
local clean_mts = setmetatable({}, { __mode = "k" })

local function clean(v)
  if type(v) ~= "table" then return v end
  if is_list(v) then
    local out = json.array {}
    for i = 1, #v do out[i] = clean(v[i]) end
    return out
  end
  local mt = getmetatable(v)
  local cached = mt and clean_mts[mt]
  if not cached then
    local keys = {}
    for _, k in ipairs(keys_of(v)) do
      if k ~= "attributes" then keys[#keys + 1] = k end
    end
    cached = { keys = keys, mt = getmetatable(json.object({}, keys)) }
    -- only decoded objects (a shared, recorded key order) are cached
    if mt and rawget(mt, "__jsonkeys") then clean_mts[mt] = cached end
  end
  local out = {}
  for _, k in ipairs(cached.keys) do out[k] = clean(v[k]) end
  -- keys added after decoding are not in the recorded order: list them too
  for k, x in pairs(v) do
    if out[k] == nil and k ~= "attributes" then out[k] = clean(x) end
  end
  return setmetatable(out, cached.mt)
end
M.clean = clean

-- The value under a dotted path, the names matched as Salesforce does
-- (any case); nil when a relationship on the way is null or missing.
local function lookup(rec, path)
  local v = rec
  for i = 1, #path do
    if type(v) ~= "table" or is_list(v) then return nil end
    local name = path[i]
    local x = v[name]
    if x == nil then
      local lname = name:lower()
      for k, y in pairs(v) do
        if type(k) == "string" and k:lower() == lname then x = y break end
      end
    end
    v = x
  end
  return v
end

local function split_path(name)
  local path = {}
  for part in name:gmatch("[^.]+") do path[#path + 1] = part end
  return path
end

-- Flattens `rec` into names (in order) and a map name -> value.
local function flatten_into(rec, prefix, names, map)
  for _, k in ipairs(keys_of(rec)) do
    if k ~= "attributes" then
      local v, name = rec[k], prefix .. k
      if is_map(v) and not is_child(v) and next(v) ~= nil then
        flatten_into(v, name .. ".", names, map)
      else
        names[#names + 1], map[name] = name, v
      end
    end
  end
end

--- See the file comment.
function M.flatten(rec, columns)
  local map, names = {}, {}
  if columns then
    for _, c in ipairs(columns) do
      names[#names + 1] = c
      map[c] = lookup(rec, split_path(c))
    end
    return map, names
  end
  if is_map(rec) then
    flatten_into(rec, "", names, map)
  else
    names[1], map.value = "value", rec
  end
  return map, names
end

---------------------------------------------------------------------------
-- Cells

local function scalar_text(v)
  local t = type(v)
  if v == nil or v == null then return "" end
  if t == "string" then return v end
  if t == "boolean" then return tostring(v) end
  local text = encode(v)
  return text or tostring(v)
end

-- A cell's text for a table: one line, a child result as its count.
local function table_cell(v)
  if type(v) == "table" then
    if is_child(v) then
      local n = math.tointeger(v.totalSize) or #v.records
      return ("[%d record%s]"):format(n, n == 1 and "" or "s")
    end
    return encode(clean(v)) or "?"
  end
  local s = scalar_text(v)
  if s:find("[%c]") then
    s = s:gsub("\r\n", "\n"):gsub("\n", "↵"):gsub("%c", " ")
  end
  return s
end

-- A cell's text for CSV: a child result as its records in compact JSON.
local function csv_cell(v)
  if type(v) == "table" then
    if is_child(v) then return encode(clean(v.records)) or "" end
    return encode(clean(v)) or ""
  end
  return scalar_text(v)
end

--- One RFC 4180 field: quoted when it holds a comma, quote, CR or LF.
function M.csv_field(s)
  if s:find('[,"\r\n]') then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local function csv_line(cells)
  local out = {}
  for i, c in ipairs(cells) do out[i] = M.csv_field(c) end
  return concat(out, ",") .. "\r\n"
end

---------------------------------------------------------------------------
-- Tables

local function ulen(s)
  return utf8.len(s) or #s
end

-- `s` cut to `w` characters, the last one `…` when something was cut.
local function fit(s, w)
  local n = ulen(s)
  if n <= w then return s .. (" "):rep(w - n) end
  if w <= 0 then return "" end
  local stop = utf8.offset(s, w) or (w)
  return s:sub(1, stop - 1) .. "…"
end

-- Column widths for `natural` widths within `width` (two blanks between
-- columns): the widest columns give way first, none below its `floor`
-- (min(natural, 6); a column of record ids keeps its whole width, since a
-- cut id is useless) unless nothing else fits.
local function widths_for(natural, width, floors)
  local n = #natural
  if not width or n == 0 then return natural end
  local budget = width - 2 * (n - 1)
  local total = 0
  for _, w in ipairs(natural) do total = total + w end
  if total <= budget then return natural end
  local floor = {}
  for i, w in ipairs(natural) do floor[i] = (floors and floors[i]) or math.min(w, 6) end
  local function sum_at(cap)
    local s = 0
    for i, w in ipairs(natural) do s = s + math.max(floor[i], math.min(w, cap)) end
    return s
  end
  local lo, hi = 1, 0
  for _, w in ipairs(natural) do hi = math.max(hi, w) end
  while lo < hi do
    local mid = (lo + hi + 1) // 2
    if sum_at(mid) <= budget then lo = mid else hi = mid - 1 end
  end
  local out = {}
  for i, w in ipairs(natural) do out[i] = math.max(floor[i], math.min(w, lo)) end
  -- what the cap left over goes to the columns it cut, left to right
  local spare = budget - sum_at(lo)
  for i, w in ipairs(natural) do
    if spare <= 0 then break end
    if out[i] < w then
      local add = math.min(spare, w - out[i])
      out[i], spare = out[i] + add, spare - add
    end
  end
  return out
end

-- Floors for widths_for: the natural width of columns holding only
-- record ids (15 or 18 letters and digits), nil for the others.
local function id_floors(natural, rows)
  local floors = {}
  for i = 1, #natural do
    local ids = #rows > 0
    for _, cells in ipairs(rows) do
      local c = cells[i] or ""
      if c ~= "" and not (c:match("^%w+$") and (#c == 15 or #c == 18)) then ids = false break end
    end
    if ids then floors[i] = natural[i] end
  end
  return floors
end

local function table_line(cells, widths)
  local parts = {}
  for i, w in ipairs(widths) do parts[i] = fit(cells[i] or "", w) end
  return (concat(parts, "  "):gsub("%s+$", "")) .. "\n"
end

local function rule(widths)
  local parts = {}
  for i, w in ipairs(widths) do parts[i] = ("-"):rep(w) end
  return concat(parts, "  ") .. "\n"
end

-- Natural widths of a header and some rows of cell texts.
local function natural_widths(header, rows)
  local natural = {}
  for i, h in ipairs(header) do natural[i] = math.max(1, ulen(h)) end
  for _, cells in ipairs(rows) do
    for i = 1, #header do
      local n = ulen(cells[i] or "")
      if n > natural[i] then natural[i] = n end
    end
  end
  return natural
end

-- Column names for rows without fixed columns: the union in order seen.
-- A relationship null in one row (`Account`) and filled in another
-- (`Account.Name`) shows as the filled one's columns only.
local function union_columns(rows)
  local names, seen, parent = {}, {}, {}
  for _, r in ipairs(rows) do
    local _, ns = M.flatten(r)
    for _, n in ipairs(ns) do
      if not seen[n] then names[#names + 1], seen[n] = n, true end
      for p in n:gmatch("()%.") do parent[n:sub(1, p - 1)] = true end
    end
  end
  local out = {}
  for _, n in ipairs(names) do
    if not parent[n] then out[#out + 1] = n end
  end
  return out
end

local function row_cells(rec, columns)
  local map = M.flatten(rec, columns)
  local cells = {}
  for i, c in ipairs(columns) do cells[i] = table_cell(map[c]) end
  return cells
end

--- See the file comment.
function M.table(rows, columns, width)
  columns = columns or union_columns(rows)
  local cells = {}
  for i, r in ipairs(rows) do cells[i] = row_cells(r, columns) end
  local natural = natural_widths(columns, cells)
  local widths = widths_for(natural, width, id_floors(natural, cells))
  local out = { table_line(columns, widths), rule(widths) }
  for _, c in ipairs(cells) do out[#out + 1] = table_line(c, widths) end
  return concat(out)
end

---------------------------------------------------------------------------
-- Columns of a query

local parser = require "luaforce.soql.parser"
local columns = require "luaforce.soql.columns"

--- See the file comment. The rule is luaforce.soql.columns'; `soql` is the
-- parsed query (a command has it already) or its text (parsed here).
function M.columns_from_soql(soql)
  if type(soql) == "string" then soql = parser.parse(soql) end
  if type(soql) ~= "table" then return nil end
  return columns.names(soql)
end

---------------------------------------------------------------------------
-- Options

--- The terminal's width: $COLUMNS, else the terminal on standard output,
-- else nil.
function M.terminal_width()
  local c = math.tointeger(tonumber(os.getenv("COLUMNS") or ""))
  if c and c > 0 then return c end
  local ok, sys = pcall(require, "luaforce.core.sys")
  if ok and sys.terminal_width then return sys.terminal_width(1) end
  return nil
end

local function isatty(fd)
  local ok, sys = pcall(require, "luaforce.core.sys")
  return ok and sys.isatty(fd) or false
end

function M.default_format()
  return isatty(1) and "table" or "json"
end

-- A FEEL syntax error as a usage error: the message, then the expression
-- with a caret under the mistake.
local function map_error(err)
  local lines = { "--map: " .. (err.message or tostring(err)) }
  for line in ((err.excerpt or "") .. "\n"):gmatch("(.-)\n") do
    if line ~= "" then lines[#lines + 1] = "  " .. line end
  end
  return errors.new { code = "USAGE", message = concat(lines, "\n"), exit = errors.EXIT.USAGE }
end

--- See the file comment.
function M.options(ctx, opts)
  opts = opts or {}
  local s = { format = opts.format, output = opts.output, map_response = opts.map_response and true or false }
  local to_terminal = not opts.output and isatty(1)
  if not s.format then
    s.format = to_terminal and "table" or "json"
  end
  s.pretty = to_terminal
  s.width = M.terminal_width()
  s.quiet = ctx and ctx.quiet
  if opts.map_response and not opts.map then
    error(errors.usage("--map-response needs --map EXPR", "give the expression with --map"), 0)
  end
  if opts.map then
    local feel = require "luaforce.feel"
    local compiled, err = feel.compile(opts.map)
    if not compiled then error(map_error(err), 0) end
    s.map = compiled
  end
  return s
end

---------------------------------------------------------------------------
-- Writers

local Writer = {}
Writer.__index = Writer
Writer.__name = "luaforce.cli.Writer"

-- FEEL warnings print once each (a million records with no `Nmae` would
-- otherwise print a million lines).
function Writer:warn(warnings)
  if self.settings.quiet then return end
  for _, w in ipairs(warnings) do
    local key = w.message
    if not self.warned[key] then
      self.warned[key] = true
      io.stderr:write("warning: --map: ", w.message, w.type and (" (" .. w.type .. ")") or "", "\n")
    end
  end
end

-- Runs --map over `v`; a failed assert() ends the command (exit 1).
function Writer:apply(v)
  local value, warnings, failure = self.settings.map:eval(v, { exact = true })
  self:warn(warnings)
  if failure then
    error(errors.new { code = "MAP_FAILED", message = "--map failed: " .. tostring(failure.message) }, 0)
  end
  if value == nil then value = null end
  return value
end

function Writer:write(s)
  local ok, err = self.sink:write(s)
  if not ok then error(err, 0) end
end

-- JSON of one item: compact, or pretty and indented inside the array.
function Writer:json_item(v, indent)
  local text, err = encode(v, { pretty = self.settings.pretty })
  if not text then error(err, 0) end
  if indent and self.settings.pretty then text = "  " .. text:gsub("\n", "\n  ") end
  return text
end

-- Table rows: buffered until the widths are fixed, then streamed.
function Writer:table_row(rec)
  if self.widths then
    self:write(table_line(row_cells(rec, self.columns), self.widths))
    return
  end
  local buf = self.buffer
  buf[#buf + 1] = rec
  if #buf >= M.TABLE_BUFFER then self:flush_table() end
end

function Writer:flush_table()
  if self.widths then return end
  local columns = self.columns or union_columns(self.buffer)
  self.columns = columns
  local cells = {}
  for i, r in ipairs(self.buffer) do cells[i] = row_cells(r, columns) end
  local natural = natural_widths(columns, cells)
  self.widths = widths_for(natural, self.settings.width, id_floors(natural, cells))
  self:write(table_line(columns, self.widths))
  self:write(rule(self.widths))
  for _, c in ipairs(cells) do self:write(table_line(c, self.widths)) end
  self.buffer = nil
end

function Writer:csv_row(rec)
  if not self.columns then
    local _, names = M.flatten(rec)
    self.columns = names
  end
  if not self.header_done then
    self.header_done = true
    self:write(csv_line(self.columns))
  end
  local map = M.flatten(rec, self.columns)
  local cells = {}
  for i, c in ipairs(self.columns) do cells[i] = csv_cell(map[c]) end
  self:write(csv_line(cells))
end

-- One item, already cleaned and mapped, in the chosen format.
function Writer:emit(v)
  local f = self.settings.format
  self.count = self.count + 1
  if f == "json" then
    if self.kind == "records" then
      self:write((self.count == 1 and "[\n" or ",\n") .. self:json_item(v, true))
    else
      self:write(self:json_item(v) .. "\n")
    end
  elseif f == "ndjson" then
    local text, err = encode(v)
    if not text then error(err, 0) end
    self:write(text .. "\n")
  elseif f == "csv" then
    self:csv_row(v)
  else
    self:table_row(v)
  end
end

function Writer:check()
  if self.done then error("the output is already finished", 3) end
end

function Writer:record(r)
  self:check()
  r = clean(r)
  if self.settings.map and not self.settings.map_response then r = self:apply(r) end
  self:emit(r)
end

-- A value in table format: a list of records as rows, an object as a
-- Field/Value table, anything else as its text.
function Writer:table_value(v)
  if is_list(v) then
    local records = true
    for _, x in ipairs(v) do if not is_map(x) then records = false break end end
    if records and #v > 0 then
      for _, x in ipairs(v) do self:table_row(x) end
      return
    end
    for _, x in ipairs(v) do self:write(table_cell(x) .. "\n") end
    return
  end
  if is_map(v) and not is_child(v) then
    local map, names = M.flatten(v)
    local rows = {}
    for i, n in ipairs(names) do rows[i] = { Field = n, Value = map[n] } end
    self:write(M.table(rows, { "Field", "Value" }, self.settings.width))
    return
  end
  self:write(table_cell(v) .. "\n")
end

-- A value after cleaning and mapping, in the chosen format.
function Writer:put_value(v)
  local f = self.settings.format
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
  local text, err = encode(v, { pretty = f == "json" and self.settings.pretty })
  if not text then error(err, 0) end
  self:write(text .. "\n")
end

function Writer:value(v)
  self:check()
  if v == nil then v = null end
  v = clean(v)
  if self.settings.map and not self.settings.map_response then v = self:apply(v) end
  self:put_value(v)
end

function Writer:response(res)
  self:check()
  if self.settings.map_response then
    local view = json.object({ status = res.status, headers = res.headers or json.object {},
      body = clean(res.body) }, { "status", "headers", "body" })
    return self:put_value(self:apply(view))
  end
  local body = res.body
  if self.kind == "records" and type(body) == "table" and is_list(body.records) then
    for _, r in ipairs(body.records) do self:record(r) end
  else
    self:value(body)
  end
end

function Writer:finish()
  if self.done then return true end
  local f = self.settings.format
  if f == "json" and self.kind == "records" then
    self:write(self.count == 0 and "[]\n" or "\n]\n")
  elseif f == "table" and self.buffer then
    if #self.buffer > 0 or self.kind == "records" then self:flush_table() end
  elseif f == "csv" and not self.header_done and self.columns and #self.columns > 0 then
    self.header_done = true
    self:write(csv_line(self.columns))
  end
  if f == "table" and self.kind == "records" and self.footer then
    self:write(("(%d record%s)\n"):format(self.count, self.count == 1 and "" or "s"))
  end
  self.done = true
  return self.sink:commit()
end

function Writer:abort()
  if self.done then return end
  self.done = true
  self.sink:abort()
end

--- See the file comment.
function M.writer(ctx, opts, spec)
  spec = spec or {}
  local settings = spec.settings or M.options(ctx, opts)
  local output = require "luaforce.cli.output"
  local sink
  if spec.stream then
    sink = output.stream(spec.stream)
  elseif settings.output then
    local err
    sink, err = output.open(settings.output)
    if not sink then error(err, 0) end
  else
    sink = output.stream(io.stdout)
  end
  local columns = spec.columns
  -- mapped records have the shape the expression gives them
  if settings.map and not settings.map_response then columns = nil end
  if columns and #columns == 0 then columns = nil end
  return setmetatable({
    settings = settings, sink = sink, kind = spec.kind or "records", columns = columns,
    count = 0, buffer = {}, warned = {}, footer = spec.footer ~= false,
  }, Writer)
end

return M
