--- luaforce.cli.repl_show: how the REPL prints values.
--
--   show.text(v, opts) -> text (ends with "\n")
--   show.records(list, opts) -> text: a list of records as a table
--   show.kind(v) -> "response" | "records" | "record" | "value" | "warnings"
--   show.feel(v, opts) -> text: a FEEL value as JSON (see below)
--   show.warnings(list) -> text: FEEL warnings, a line each
--
-- opts: width (the terminal's; nil: no limit), format ("table" (default),
-- "json", "ndjson", "csv"), columns (fixed table columns, e.g. from the
-- query), total (the query's totalSize when it is more than the list),
-- max_rows (default M.MAX_ROWS), noun (what the rows are: "record"), ctx
-- (for luaforce.cli.format).
--
-- In table format: a list of records (objects) prints as a table of at most
-- max_rows rows and a count; a record (an object with Salesforce's
-- `attributes`) as a Field/Value table; a response object {status, headers,
-- body} as its body; anything else as Lua-like text (`{ Name = "Acme",
-- Amount = 12.5 }`) on one line when it fits, indented when not, lists
-- abbreviated after M.MAX_ITEMS items with their count, nesting cut at
-- M.MAX_DEPTH. A string at the top prints as it is (like `lua`), inside a
-- table quoted. In json, ndjson and csv formats the value goes through
-- luaforce.cli.format's writer (records: the query's columns; other values
-- as JSON), falling back to the Lua-like text for what JSON cannot hold
-- (functions, userdata).
--
-- FEEL values (show.feel) print as JSON whatever the format, as `luaforce
-- eval` and a connector's result expression give them: on one line when it
-- fits the width, else indented; a list longer than max_rows shows its
-- first max_rows items and a count naming where all are (opts.name). FEEL
-- warnings (a list of {type, message, position, count}, as feel.eval
-- returns them, kind "warnings") print as text lines:
-- `warning: line 1, column 5: no variable found with name 'x'
-- (NO_VARIABLE_FOUND)`.
local json = require "luaforce.json"
local errors = require "luaforce.errors"
local format = require "luaforce.cli.format"

local M = {}

M.MAX_ROWS = 50
M.MAX_ITEMS = 20
M.MAX_DEPTH = 4

local null = json.null
local concat = table.concat

local function is_list(v)
  if type(v) ~= "table" then return false end
  if json.is_array(v) then return true end
  if json.is_object(v) then return false end
  return rawget(v, 1) ~= nil
end

-- An object: a decoded JSON object, or a Lua table with string keys only.
local function is_map(v)
  if type(v) ~= "table" or is_list(v) then return false end
  if json.is_object(v) then return true end
  local mt = getmetatable(v)
  if mt and mt.__tostring then return false end
  local k = next(v)
  if k == nil then return false end
  for key in pairs(v) do
    if type(key) ~= "string" then return false end
  end
  return true
end

local function is_response(v)
  return type(v) == "table" and not is_list(v) and math.type(rawget(v, "status")) == "integer"
    and rawget(v, "body") ~= nil and rawget(v, "headers") ~= nil
end

local function is_record(v)
  return is_map(v) and type(rawget(v, "attributes")) == "table"
end

local function is_record_list(v)
  if not is_list(v) or #v == 0 then return false end
  for i = 1, #v do
    if not is_map(v[i]) then return false end
  end
  return true
end

-- A list of FEEL warnings: each item a table with only the keys a warning
-- has, a string type and message among them.
local WARNING_KEYS = { type = true, message = true, position = true, count = true }
local function is_warnings(v)
  if not is_list(v) or #v == 0 then return false end
  for i = 1, #v do
    local w = v[i]
    if type(w) ~= "table" or type(rawget(w, "type")) ~= "string" or type(rawget(w, "message")) ~= "string" then
      return false
    end
    for k in pairs(w) do
      if not WARNING_KEYS[k] then return false end
    end
  end
  return true
end

--- See the file comment.
function M.kind(v)
  if is_response(v) then return "response" end
  if is_warnings(v) then return "warnings" end
  if is_record_list(v) then return "records" end
  if is_record(v) then return "record" end
  return "value"
end

---------------------------------------------------------------------------
-- Lua-like text

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or repeat
  return then true until while]]):gmatch("%a+") do KEYWORDS[w] = true end

local function quote(s)
  return (("%q"):format(s):gsub("\\\n", "\\n"):gsub("\\9", "\\t"))
end

local function key_text(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") and not KEYWORDS[k] then return k end
  if type(k) == "string" then return "[" .. quote(k) .. "]" end
  return "[" .. tostring(k) .. "]"
end

local function scalar(v)
  if v == nil then return "nil" end
  if v == null then return "null" end
  local t = type(v)
  if t == "string" then return quote(v) end
  if t == "number" then
    if math.type(v) == "float" and v == math.floor(v) and v > -1e15 and v < 1e15 then
      return ("%.1f"):format(v)
    end
    return tostring(v)
  end
  return tostring(v)
end

-- Keys of a table in print order: the list part is 1..n; the rest are the
-- string keys in their recorded (JSON) or sorted order, then other keys.
local function other_keys(t, n)
  local keys = format.keys_of(t)
  local extra = {}
  for k in pairs(t) do
    local tk = type(k)
    if tk ~= "string" and not (math.type(k) == "integer" and k >= 1 and k <= n) then
      extra[#extra + 1] = k
    end
  end
  table.sort(extra, function(a, b)
    if type(a) == type(b) and type(a) == "number" then return a < b end
    return tostring(a) < tostring(b)
  end)
  for _, k in ipairs(extra) do keys[#keys + 1] = k end
  return keys
end

local render

-- The parts of a table: item texts, with an abbreviation note.
local function parts_of(t, indent, depth, seen, width)
  local n = #t
  local parts = {}
  local shown = math.min(n, M.MAX_ITEMS)
  for i = 1, shown do parts[#parts + 1] = render(t[i], indent + 2, depth + 1, seen, width) end
  if n > shown then
    parts[#parts + 1] = ("... %d more (%d items)"):format(n - shown, n)
  end
  local keys = other_keys(t, n)
  local kshown = math.min(#keys, math.max(M.MAX_ITEMS, 40))
  for i = 1, kshown do
    local k = keys[i]
    local kt = key_text(k) .. " = "
    local v = rawget(t, k)
    if v == nil then v = null end -- a null field of a record (read as nil)
    parts[#parts + 1] = kt .. render(v, indent + 2 + #kt, depth + 1, seen, width)
  end
  if #keys > kshown then
    parts[#parts + 1] = ("... %d more (%d keys)"):format(#keys - kshown, #keys)
  end
  return parts
end

function render(v, indent, depth, seen, width)
  if type(v) ~= "table" then return scalar(v) end
  local mt = getmetatable(v)
  if type(mt) == "table" and mt.__tostring and not json.is_array(v) and not json.is_object(v) then
    return tostring(v)
  end
  if seen[v] then return "<cycle>" end
  if next(v) == nil then return "{}" end
  if depth >= M.MAX_DEPTH then return "{...}" end
  seen[v] = true
  local parts = parts_of(v, indent, depth, seen, width)
  seen[v] = nil
  local one = "{ " .. concat(parts, ", ") .. " }"
  if not one:find("\n", 1, true) and (not width or indent + utf8.len(one) <= width) then
    return one
  end
  local pad = (" "):rep(indent + 2)
  return "{\n" .. pad .. concat(parts, ",\n" .. pad) .. "\n" .. (" "):rep(indent) .. "}"
end

--- A value as Lua-like text (no final newline); strings quoted.
function M.render(v, width)
  return render(v, 0, 0, {}, width)
end

---------------------------------------------------------------------------
-- Tables of records

local function plural(n, word)
  return ("%d %s%s"):format(n, word, n == 1 and "" or "s")
end

--- See the file comment.
function M.records(list, opts)
  opts = opts or {}
  local max = opts.max_rows or M.MAX_ROWS
  local n = #list
  local rows = list
  if n > max then
    rows = {}
    for i = 1, max do rows[i] = list[i] end
  end
  local out = { format.table(rows, opts.columns, opts.width) }
  local note = plural(n, opts.noun or "record")
  if n > max then note = ("%d of %s shown; all are in _"):format(max, note) end
  if opts.total and opts.total > n then
    note = note .. ("; the query has %d: add a LIMIT or use org:records in Lua"):format(opts.total)
  end
  out[#out + 1] = "(" .. note .. ")\n"
  return concat(out)
end

local function field_table(rec, width)
  local map, names = format.flatten(rec)
  local rows = {}
  for i, name in ipairs(names) do rows[i] = { Field = name, Value = map[name] } end
  return format.table(rows, { "Field", "Value" }, width)
end

---------------------------------------------------------------------------
-- JSON, NDJSON, CSV through the format writer

-- A buffer with the file-handle methods the writer uses.
local function buffer()
  local parts = {}
  return {
    write = function(self, ...)
      for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
      return self
    end,
    flush = function(self) return self end,
    close = function() return true end,
    seek = function() return 0 end,
    setvbuf = function() return true end,
    text = function() return concat(parts) end,
  }
end

local function through_writer(v, kind, opts)
  local buf = buffer()
  local settings = format.options(opts.ctx, { format = opts.format })
  settings.width = opts.width
  settings.pretty = opts.format == "json"
  local w = format.writer(opts.ctx, nil, { columns = opts.columns, kind = kind, settings = settings, stream = buf })
  if kind == "records" then
    for _, r in ipairs(v) do w:record(r) end
  else
    w:value(v)
  end
  local ok, err = w:finish()
  if not ok then error(err, 0) end
  return buf.text()
end

local function encodable(v)
  return json.encode(v) ~= nil
end

---------------------------------------------------------------------------
-- FEEL values and warnings

--- See the file comment.
function M.warnings(list)
  return require("luaforce.feel").warnings_text(list)
end

--- See the file comment.
function M.feel(v, opts)
  opts = opts or {}
  if v == nil then v = null end
  local max = opts.max_rows or M.MAX_ROWS
  local cut = is_list(v) and #v > max
  local shown = v
  if cut then
    shown = json.array {}
    for i = 1, max do shown[i] = v[i] end
  end
  local one = json.encode(shown)
  if not one then return M.text(v, { width = opts.width }) end -- a FEEL function
  local text = one
  if (opts.width and utf8.len(one) > opts.width) or (not opts.width and #one > 100) then
    text = json.encode(shown, { pretty = true })
  end
  if cut then
    text = text .. ("\n(%d of %d items shown; all are in %s)"):format(max, #v, opts.name or "_")
  end
  return text .. "\n"
end

---------------------------------------------------------------------------
-- The one entry point

--- See the file comment.
function M.text(v, opts)
  opts = opts or {}
  local fmt = opts.format or "table"
  if errors.is(v) then return tostring(v) .. "\n" end
  if is_warnings(v) then return M.warnings(v) end
  if is_response(v) then
    local body = rawget(v, "body")
    if type(body) == "table" and is_list(rawget(body, "records")) then
      local o = {}
      for k, x in pairs(opts) do o[k] = x end
      o.total = math.tointeger(rawget(body, "totalSize"))
      return M.text(body.records, o)
    end
    return M.text(body, opts)
  end
  if fmt ~= "table" and type(v) == "table" and encodable(v) then
    return through_writer(v, is_record_list(v) and "records" or "value", opts)
  end
  if fmt ~= "table" and (type(v) ~= "table" and type(v) ~= "userdata" and type(v) ~= "function"
      and type(v) ~= "thread" or v == null) then
    local text = json.encode(v == nil and null or v, { pretty = true })
    if text then return text .. "\n" end
  end
  if is_record_list(v) then return M.records(v, opts) end
  if is_record(v) then return field_table(v, opts.width) end
  if type(v) == "string" then return v .. "\n" end
  return M.render(v, opts.width) .. "\n"
end

return M
