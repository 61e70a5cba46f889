--- luaforce.output.table: text tables with columns that line up.
--
--   tbl.cells(rec, columns) -> texts      one row's cell texts
--   tbl.widths(columns, rows, width) -> widths
--       Column widths (terminal cells) for a header and rows of cell texts
--       within `width` cells (nil: no limit), two blanks between columns.
--       Each column wants its widest text; when they do not all fit, the
--       widest give way first, none below min(its want, 6) -- a column of
--       record ids (15 or 18 letters and digits) keeps its whole width,
--       since a cut id is useless -- unless nothing else fits.
--   tbl.line(texts, widths) -> string     one row: each text padded or cut
--                                         (with `…`) to its width, the
--                                         trailing blanks trimmed, "\n"
--   tbl.rule(widths) -> string            the dashes under the header
--   tbl.render(rows, columns, width) -> string
--       A whole table: rows are records or plain tables (flattened with
--       luaforce.output.records), columns dotted names or nil (from the
--       rows), widths from every row.
-- Widths are display widths (luaforce.output.width): accented, combining,
-- wide and emoji characters line up.
local records = require "luaforce.output.records"
local cells = require "luaforce.output.cells"
local width = require "luaforce.output.width"

local M = {}

local concat, rep, byte, sub = table.concat, string.rep, string.byte, string.sub
local cell_of, fit, truncate, cells_in = cells.table, width.fit, width.truncate, width.of
local flatten = records.flatten

--- See the file comment.
function M.cells(rec, columns)
  local map = flatten(rec, columns)
  local out = {}
  for i, c in ipairs(columns) do out[i] = cell_of(map[c]) end
  return out
end

-- Widths within `width` for `natural` widths: a cap on every column,
-- found by bisection, then what the cap left over goes to the columns it
-- cut, left to right. `floors` are the least each column keeps.
local function shrink(natural, width, floors)
  local n = #natural
  if not width or n == 0 then return natural end
  local budget = width - 2 * (n - 1)
  local total = 0
  for _, w in ipairs(natural) do total = total + w end
  if total <= budget then return natural end
  local floor = {}
  for i, w in ipairs(natural) do floor[i] = floors[i] or math.min(w, 6) end
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

-- The floors of columns holding only record ids: their whole width.
local function id_floors(natural, rows)
  local floors = {}
  for i = 1, #natural do
    local ids = #rows > 0
    for _, texts in ipairs(rows) do
      local c = texts[i] or ""
      if c ~= "" and not (c:match("^%w+$") and (#c == 15 or #c == 18)) then ids = false break end
    end
    if ids then floors[i] = natural[i] end
  end
  return floors
end

--- See the file comment.
function M.widths(columns, rows, width)
  local natural = {}
  for i, h in ipairs(columns) do natural[i] = math.max(1, cells_in(h)) end
  for _, texts in ipairs(rows) do
    for i = 1, #columns do
      local n = cells_in(texts[i] or "")
      if n > natural[i] then natural[i] = n end
    end
  end
  return shrink(natural, width, id_floors(natural, rows))
end

-- `s` without the white space (as %s: blank, \t \n \v \f \r) at its end.
-- A loop from the end: the pattern "%s+$" retries every blank of a line
-- padded with many, quadratic in their number.
local function trim_end(s)
  local n = #s
  while n > 0 do
    local b = byte(s, n)
    if b ~= 32 and (b < 9 or b > 13) then break end
    n = n - 1
  end
  return sub(s, 1, n)
end

--- See the file comment.
function M.line(texts, widths)
  local parts, n = {}, #widths
  for i = 1, n - 1 do parts[i] = fit(texts[i] or "", widths[i]) end
  -- the last cell needs no padding: it would be trimmed
  if n > 0 then parts[n] = (truncate(texts[n] or "", widths[n])) end
  return trim_end(concat(parts, "  ")) .. "\n"
end

--- See the file comment.
function M.rule(widths)
  local parts = {}
  for i, w in ipairs(widths) do parts[i] = rep("-", w) end
  return concat(parts, "  ") .. "\n"
end

--- See the file comment.
function M.render(rows, columns, width)
  columns = columns or records.columns(rows)
  local texts = {}
  for i, r in ipairs(rows) do texts[i] = M.cells(r, columns) end
  local widths = M.widths(columns, texts, width)
  local out = { M.line(columns, widths), M.rule(widths) }
  for _, t in ipairs(texts) do out[#out + 1] = M.line(t, widths) end
  return concat(out)
end

return M
