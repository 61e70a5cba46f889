--- luaforce.output.csv: CSV lines as RFC 4180 writes them.
--
--   csv.field(s [, delimiter]) -> string
--                             quoted ("...", inner quotes doubled) when `s`
--                             holds the delimiter (default ","), a quote, CR
--                             or LF; else as is
--   csv.quoted(s) -> string   always quoted, inner quotes doubled (Salesforce's
--                             Bulk API results quote every value, "" for none)
--   csv.line(texts [, opts]) -> string
--                             the fields joined by the delimiter, ending in
--                             the line ending. opts: delimiter (default ","),
--                             eol (default "\r\n"), quote_all (every field
--                             quoted, as csv.quoted). Without opts: commas
--                             and CRLF, fields quoted only where needed
local M = {}

local concat = table.concat

-- the pattern of the bytes that make a field need quotes, per delimiter
local SPECIAL = setmetatable({ [","] = '[,"\r\n]' }, {
  __index = function(t, d)
    local p = "[" .. d:gsub("[%]%%%^%-]", "%%%0") .. '"\r\n]'
    t[d] = p
    return p
  end,
})

--- See the file comment.
function M.field(s, delimiter)
  if s:find(SPECIAL[delimiter or ","]) then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end
local field = M.field

--- See the file comment.
function M.quoted(s)
  if s:find('"', 1, true) then return '"' .. s:gsub('"', '""') .. '"' end
  return '"' .. s .. '"'
end
local quoted = M.quoted

--- See the file comment.
function M.line(texts, opts)
  local d, eol, all = ",", "\r\n", false
  if opts then
    d, eol, all = opts.delimiter or ",", opts.eol or "\r\n", opts.quote_all and true or false
  end
  local out = {}
  if all then
    for i, c in ipairs(texts) do out[i] = quoted(c) end
  else
    for i, c in ipairs(texts) do out[i] = field(c, d) end
  end
  return concat(out, d) .. eol
end

return M
