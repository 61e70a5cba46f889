--- luaforce.bulk.source: the rows an ingest sends, from records or from a
-- CSV file, checked before the first job is created wherever that is
-- possible, so that bad input changes nothing.
--
--   source.records(list_or_iterator, fields) -> src | nil, err
--       a list: every record is scanned for its columns first; an iterator
--       (a function returning the next record, nil at the end): the
--       columns are `fields` or the first record's, and a later record with
--       a field outside them stops the run there (BAD_RECORD, exit 2)
--   source.csv_file(path, delimiter) -> src | nil, err
--       the whole file is read once first (quoting, the same number of
--       fields on every row, UTF-8); columns named sf__... (a failed-rows
--       file's sf__Error) are left out; blank lines are skipped; "-" is
--       standard input, copied to a private temporary file first
--   source.spool(path) -> path [, copy]   that copy for "-" (remove it after)
--   src.columns     the header
--   src.total       the number of rows when known in advance
--   src:next() -> cells, n | nil | false, err   the next row's texts and its
--       record number (1 for the first data row)
local cells = require "luaforce.bulk.cells"
local csv_source = require "luaforce.bulk.csv_source"
local errors = require "luaforce.errors"

local M = {}

local function bad(message, hint)
  return errors.new { code = "BAD_INPUT", exit = errors.EXIT.USAGE, message = message, hint = hint }
end

local function check_columns(columns, what)
  if #columns == 0 then return nil, bad(what .. " has no columns") end
  local seen = {}
  for _, c in ipairs(columns) do
    if c == "" then return nil, bad(what .. " has an empty column name") end
    if seen[c] then return nil, bad(("%s names the column %s twice"):format(what, c)) end
    seen[c] = true
  end
  return true
end

--- See the file comment.
function M.records(list, fields)
  local columns, nxt, total
  if type(list) == "table" then
    local n = #list
    if fields then
      columns = fields
    else
      local set = {}
      for i = 1, n do
        local rec = list[i]
        if type(rec) ~= "table" then return nil, bad(("record %d is a %s, not a table"):format(i, type(rec))) end
        cells.merge(set, rec)
      end
      columns = cells.ordered(set)
    end
    total = n
    local i = 0
    nxt = function()
      i = i + 1
      if i > n then return nil end
      return list[i]
    end
  elseif type(list) == "function" then
    nxt = list
    if fields then columns = fields end
  else
    return nil, bad("records must be a list of records or an iterator function, not a " .. type(list))
  end
  local ok, err
  local first
  if not columns then
    first = nxt()
    if first == nil then return nil, bad("there are no records to send") end
    if type(first) ~= "table" then return nil, bad("record 1 is a " .. type(first) .. ", not a table") end
    columns = cells.columns(first)
  end
  ok, err = check_columns(columns, "the records")
  if not ok then return nil, err end
  if type(list) == "table" then
    -- a list can be checked whole before anything is sent
    for i = 1, total do
      local row, rerr = cells.row(list[i], columns, i)
      if not row then return nil, rerr end
    end
  end
  local known = {}
  for _, c in ipairs(columns) do known[c] = true end
  -- a scanned list's columns hold every record's fields already
  local check = not (type(list) == "table" and not fields)
  local n = 0
  return {
    columns = columns, total = total,
    next = function()
      local rec
      if first then
        rec, first = first, nil
      else
        rec = nxt()
      end
      if rec == nil then return nil end
      n = n + 1
      if type(rec) ~= "table" then return false, bad(("record %d is a %s, not a table"):format(n, type(rec))) end
      if check then
        for c in pairs(cells.merge({}, rec)) do
          if not known[c] then
            return false, bad(("record %d has the field %s, which the columns (%s) do not"):format(n, c,
              table.concat(columns, ", ")), "give bulk.ingest the fields = {...} of every record")
          end
        end
      end
      local row, rerr = cells.row(rec, columns, n)
      if not row then return false, rerr end
      return row, n
    end,
  }
end

-- The columns to keep (indices) and their names.
local function keep_of(header)
  local keep, names = {}, {}
  for i, c in ipairs(header) do
    if not c:find("^sf__") then
      keep[#keep + 1] = i
      names[#names + 1] = c
    end
  end
  return keep, names
end

local function blank(fields)
  return #fields == 1 and fields[1] == ""
end

--- See the file comment.
-- Standard input cannot be read twice: it is copied to a private
-- temporary file first. Returns the path to read and the copy (to remove).
function M.spool(path)
  if path ~= "-" then return path end
  local tmp = os.tmpname()
  local out = assert(io.open(tmp, "wb"))
  while true do
    local piece = io.stdin:read(65536)
    if not piece then break end
    out:write(piece)
  end
  out:close()
  return tmp, tmp
end

function M.csv_file(path, delimiter)
  local real, copy = M.spool(path)
  local src, err = M.csv_file_at(real, delimiter, path)
  if copy then
    if not src then
      os.remove(copy)
    else
      local close = src.close
      src.close = function()
        close()
        os.remove(copy)
      end
    end
  end
  return src, err
end

function M.csv_file_at(path, delimiter, shown)
  shown = shown or path
  -- the first pass: is every row well formed?
  local src, err = csv_source.open(path, { delimiter = delimiter, what = shown })
  if not src then return nil, err end
  local header
  header, err = src:next()
  if header == false then return nil, err end
  if header == nil then
    src:close()
    return nil, bad(shown .. " is empty: the first line must name the columns")
  end
  local keep, columns = keep_of(header)
  local ok
  ok, err = check_columns(columns, shown)
  if not ok then
    src:close()
    return nil, err
  end
  local width, total, line = #header, 0, 1
  while true do
    local fields
    fields, err = src:next()
    if fields == false then return nil, err end
    if fields == nil then break end
    line = line + 1
    if not blank(fields) then
      if #fields ~= width then
        src:close()
        return nil, bad(("%s, record %d: %d fields where the header has %d"):format(shown, total + 1, #fields, width),
          "quote fields that hold the delimiter")
      end
      for i = 1, width do
        if not utf8.len(fields[i]) then
          src:close()
          return nil, bad(("%s, record %d, column %s: not valid UTF-8 (Salesforce reads UTF-8 only)"):format(
            shown, total + 1, header[i]), "convert the file, e.g. iconv -f LATIN1 -t UTF-8")
        end
      end
      total = total + 1
    end
  end
  if total == 0 then return nil, bad(shown .. " has a header but no rows") end

  -- the second pass hands the rows out
  local again
  again, err = csv_source.open(path, { delimiter = delimiter, what = shown })
  if not again then return nil, err end
  assert(again:next())
  local n = 0
  return {
    columns = columns, total = total,
    next = function()
      while true do
        local fields, ferr = again:next()
        if fields == false then return false, ferr end
        if fields == nil then return nil end
        if not blank(fields) then
          n = n + 1
          local row = {}
          for i, k in ipairs(keep) do row[i] = fields[k] end
          return row, n
        end
      end
    end,
    close = function() again:close() end,
  }
end

return M
