--- luaforce.emulator.soql_exec.compare: how the local org compares values,
-- as Salesforce does.
--
--   compare.fold(s)        text without case, for `=`, `!=`, LIKE, IN and
--                          GROUP BY: ASCII, Latin-1, Latin Extended-A, Greek
--                          and Cyrillic letters
--   compare.collate(s)     the sort key of text, for `<`, `>` and ORDER BY:
--                          Salesforce's rule for English locales, the UTF-8
--                          values of the upper-cased characters (Émile after
--                          Zeta: accents are not folded)
--   compare.strcmp(a, b)   -1, 0 or 1 for two strings (or two Lua numbers)
--   compare.numcmp(a, b)   -1, 0 or 1 for numbers that may be decimals
--   compare.order_key(class, v) -> the key ORDER BY, MIN and MAX compare a
--                          value of a comparison class ("text", "number", ...;
--                          see luaforce.emulator.soql_exec.binding) by; nil
--                          for nil
-- Folding and collating never change the byte length of the text.
local decimal = require "luaforce.decimal"

local M = {}

local lower, upper, gsub, char, ulen = string.lower, string.upper, string.gsub, string.char, utf8.len
local dcompare = decimal.compare
local type = type

-- Letter case beyond ASCII: the two-byte UTF-8 letters (U+0080..U+07FF)
-- that have a case partner, lower -> upper, one character for one: the
-- Latin-1 Supplement and Latin Extended-A, Greek and Cyrillic, which hold the
-- accented names a European org has. Both forms of each pair are two bytes,
-- so folding and collating never change the byte length of the text.
local UPPER, LOWER = {}, {}
do
  local function utf8_2(cp) return char(0xC0 | (cp >> 6), 0x80 | (cp & 0x3F)) end
  local function pair(lo, up)
    UPPER[utf8_2(lo)] = utf8_2(up)
    LOWER[utf8_2(up)] = utf8_2(lo)
  end
  for cp = 0xE0, 0xFE do if cp ~= 0xF7 then pair(cp, cp - 0x20) end end
  UPPER[utf8_2(0xB5)] = utf8_2(0x39C) -- micro sign: upper-cases to capital mu
  -- Latin Extended-A: pairs (upper, lower) on even/odd or odd/even code points
  for cp = 0x100, 0x137, 2 do pair(cp + 1, cp) end
  for cp = 0x139, 0x148, 2 do pair(cp + 1, cp) end
  for cp = 0x14A, 0x177, 2 do pair(cp + 1, cp) end
  for cp = 0x179, 0x17E, 2 do pair(cp + 1, cp) end
  pair(0xFF, 0x178) -- y with diaeresis
  -- Greek
  for cp = 0x3B1, 0x3CB do if cp ~= 0x3C2 then pair(cp, cp - 0x20) end end
  UPPER[utf8_2(0x3C2)] = utf8_2(0x3A3) -- final sigma
  pair(0x3AC, 0x386)
  for cp = 0x3AD, 0x3AF do pair(cp, cp - 0x25) end
  pair(0x3CC, 0x38C)
  pair(0x3CD, 0x38E)
  pair(0x3CE, 0x38F)
  -- Cyrillic
  for cp = 0x430, 0x44F do pair(cp, cp - 0x20) end
  for cp = 0x450, 0x45F do pair(cp, cp - 0x50) end
end
local TWO_BYTE = "[\194-\223][\128-\191]"

--- See the file comment.
function M.fold(s)
  s = lower(s)
  -- ASCII text (the common case) has as many characters as bytes
  if ulen(s) ~= #s then s = gsub(s, TWO_BYTE, LOWER) end
  return s
end

-- Salesforce's order for text in English locales: by the UTF-8 values (the
-- code points) of the upper-cased characters. Case-insensitive, and no
-- accent folding: `Éclair` sorts after `Zeta`, `_` after the letters.
--- See the file comment.
function M.collate(s)
  s = upper(s)
  if ulen(s) ~= #s then s = gsub(s, TWO_BYTE, UPPER) end
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
