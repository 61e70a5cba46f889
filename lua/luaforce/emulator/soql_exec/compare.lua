--- luaforce.emulator.soql_exec.compare: how the local org compares values,
-- as Salesforce does.
--
--   compare.fold(s)        text without case, for `=`, `!=`, LIKE, IN and
--                          GROUP BY: ASCII and the Latin-1 capitals
--   compare.collate(s)     the sort key of text, for `<`, `>` and ORDER BY:
--                          folded, accented Latin-1 letters with their base
--                          letter (Émile between acme and O'Brien)
--   compare.strcmp(a, b)   -1, 0 or 1 for two strings (or two Lua numbers)
--   compare.numcmp(a, b)   -1, 0 or 1 for numbers that may be decimals
--   compare.order_key(class, v) -> the key ORDER BY, MIN and MAX compare a
--                          value of a comparison class ("text", "number", ...;
--                          see luaforce.emulator.soql_exec.binding) by; nil
--                          for nil
-- Folding and collating never change the byte length of the text.
local decimal = require "luaforce.decimal"

local M = {}

local lower, byte, sub, find, gsub, char = string.lower, string.byte, string.sub, string.find, string.gsub,
  string.char
local dcompare = decimal.compare
local type = type

-- Salesforce compares text without regard to case. ASCII lower() plus the
-- Latin-1 capitals U+00C0..U+00DE (but U+00D7) covers the accented names of
-- the demo org.
local function fold_c3(c) return "\195" .. char(byte(c) + 32) end

--- See the file comment.
function M.fold(s)
  s = lower(s)
  if find(s, "\195", 1, true) then s = gsub(s, "\195([\128-\150\152-\158])", fold_c3) end
  return s
end

-- ORDER BY collates text: case-folded, and the Latin-1 accented letters
-- sort with their base letter, as Salesforce's collation does.
local BASE = {}
do
  local groups = {
    a = "\128\129\130\131\132\133\160\161\162\163\164\165", c = "\135\167",
    e = "\136\137\138\139\168\169\170\171", i = "\140\141\142\143\172\173\174\175",
    n = "\145\177", o = "\146\147\148\149\150\152\178\179\180\181\182\184",
    u = "\153\154\155\156\185\186\187\188", y = "\157\189\191", ss = "\159", ae = "\134\166",
  }
  for base, bytes in pairs(groups) do
    for i = 1, #bytes do BASE["\195" .. sub(bytes, i, i)] = base end
  end
end

--- See the file comment.
function M.collate(s)
  s = lower(s)
  if find(s, "\195", 1, true) then s = gsub(s, "\195[\128-\191]", BASE) end
  return s
end
local collate = M.collate

--- See the file comment.
function M.strcmp(a, b) return a < b and -1 or (a > b and 1 or 0) end

--- See the file comment.
function M.numcmp(a, b)
  if type(a) == "number" and type(b) == "number" then
    return a < b and -1 or (a > b and 1 or 0)
  end
  return dcompare(a, b)
end

--- See the file comment.
function M.order_key(class, v)
  if v == nil then return nil end
  if class == "text" or class == "multi" then return collate(v) end
  if class == "boolean" then return v == true and 1 or 0 end
  return v
end

return M
