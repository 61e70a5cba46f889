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
-- Folding never changes the byte length of the text.
local decimal = require "luaforce.decimal"

local M = {}

local lower, upper, find, gsub, char, ulen = string.lower, string.upper, string.find, string.gsub, string.char,
  utf8.len
local dcompare = decimal.compare
local type = type

-- Letter case beyond ASCII: the two-byte UTF-8 letters (U+0080..U+07FF)
-- that have a case partner, one character for one: Latin-1 Supplement,
-- Latin Extended-A and -B, Greek, Cyrillic and Armenian, which hold the names
-- a European org has. Both forms of each pair are two bytes, so folding never
-- changes the byte length of the text (LIKE and `=` rely on it). Collating
-- may: the upper case of dotless ı is I, of long ſ is S. Turkish dotted İ and
-- dotless ı do not fold (their partners depend on the locale). Letters of
-- three bytes (Vietnamese, fullwidth) keep their case.
local UPPER, LOWER = {}, {}
do
  local function utf8_2(cp) return char(0xC0 | (cp >> 6), 0x80 | (cp & 0x3F)) end
  local function pair(lo, up)
    UPPER[utf8_2(lo)] = utf8_2(up)
    LOWER[utf8_2(up)] = utf8_2(lo)
  end
  -- runs of (upper, lower) pairs: the upper at even code points from
  -- `first`, or at odd ones when `first` is odd
  local function pairs_from(first, last)
    for cp = first, last - 1, 2 do pair(cp + 1, cp) end
  end
  for cp = 0xE0, 0xFE do if cp ~= 0xF7 then pair(cp, cp - 0x20) end end
  pair(0xFF, 0x178) -- y with diaeresis
  UPPER[utf8_2(0xB5)] = utf8_2(0x39C) -- micro sign: capital mu; it folds as mu
  LOWER[utf8_2(0xB5)] = utf8_2(0x3BC)
  -- Latin Extended-A (but İ/ı) and -B
  pairs_from(0x100, 0x12F)
  pairs_from(0x132, 0x137)
  pairs_from(0x139, 0x148)
  pairs_from(0x14A, 0x177)
  pairs_from(0x179, 0x17E)
  UPPER[utf8_2(0x131)] = "I"
  UPPER[utf8_2(0x17F)] = "S"
  pairs_from(0x1CD, 0x1DC)
  pairs_from(0x1DE, 0x1EF)
  pairs_from(0x1F8, 0x21F) -- Romanian Ș ș, Ț ț among them
  pairs_from(0x222, 0x233)
  -- Greek
  for cp = 0x3B1, 0x3CB do if cp ~= 0x3C2 then pair(cp, cp - 0x20) end end
  UPPER[utf8_2(0x3C2)] = utf8_2(0x3A3) -- final sigma: capital sigma; it folds as sigma
  LOWER[utf8_2(0x3C2)] = utf8_2(0x3C3)
  pair(0x3AC, 0x386)
  for cp = 0x3AD, 0x3AF do pair(cp, cp - 0x25) end
  pair(0x3CC, 0x38C)
  pair(0x3CD, 0x38E)
  pair(0x3CE, 0x38F)
  -- Cyrillic
  for cp = 0x430, 0x44F do pair(cp, cp - 0x20) end
  for cp = 0x450, 0x45F do pair(cp, cp - 0x50) end
  pairs_from(0x460, 0x481)
  pairs_from(0x48A, 0x4BF) -- Ukrainian Ґ ґ among them
  pair(0x4CF, 0x4C0)
  pairs_from(0x4C1, 0x4CE)
  pairs_from(0x4D0, 0x52F)
  -- Armenian
  for cp = 0x561, 0x586 do pair(cp, cp - 0x30) end
end
local TWO_BYTE = "[\194-\223][\128-\191]"
local HAS_TWO_BYTE = "[\194-\223]"

-- Text with a two-byte character: ASCII text (the common case) has as many
-- characters as bytes, which one C call tells.
local function has_two_byte(s)
  return ulen(s) ~= #s and find(s, HAS_TWO_BYTE) ~= nil
end

--- See the file comment.
function M.fold(s)
  s = lower(s)
  if has_two_byte(s) then s = gsub(s, TWO_BYTE, LOWER) end
  return s
end

-- Salesforce's order for text in English locales: by the UTF-8 values (the
-- code points) of the upper-cased characters. Case-insensitive, and no
-- accent folding: `Éclair` sorts after `Zeta`, `_` after the letters.
--- See the file comment.
function M.collate(s)
  s = upper(s)
  if has_two_byte(s) then s = gsub(s, TWO_BYTE, UPPER) end
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
