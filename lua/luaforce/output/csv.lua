--- luaforce.output.csv: CSV lines as RFC 4180 writes them.
--
--   csv.field(s) -> string    quoted ("...", inner quotes doubled) when `s`
--                             holds a comma, a quote, CR or LF; else as is
--   csv.line(texts) -> string the fields joined by commas, ending in CRLF
local M = {}

local concat = table.concat

--- See the file comment.
function M.field(s)
  if s:find('[,"\r\n]') then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end
local field = M.field

--- See the file comment.
function M.line(texts)
  local out = {}
  for i, c in ipairs(texts) do out[i] = field(c) end
  return concat(out, ",") .. "\r\n"
end

return M
