--- FEEL builtins: strings. Positions and lengths count code points.
-- matches, replace, split and extract (regular expressions) join in part 2.
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local base64 = require "luaforce.core.base64"
local values = require "luaforce.feel.kinds"
local N = require "luaforce.feel.number"

local kind = values.kind
local utf8len, utf8offset, utf8char, utf8codes = utf8.len, utf8.offset, utf8.char, utf8.codes
local find, sub, concat = string.find, string.sub, table.concat

-- The code points from index `from` (0-based) to `to` (exclusive) of s.
local function cp_sub(s, len, from, to)
  if from < 0 then from = 0 end
  if to > len then to = len end
  if to <= from then return "" end
  local a = utf8offset(s, from + 1)
  local b = utf8offset(s, to + 1)
  return sub(s, a, b - 1)
end

-- A 1-based (or negative, from the end) position as a 0-based index,
-- as Camunda's substring and sublist compute it.
local function start_index(pos, len)
  if pos > 0 then return pos - 1 end
  return len + pos
end

-- Case mapping beyond ASCII: Latin-1, Latin Extended-A, Greek and Cyrillic,
-- the scripts Salesforce names and addresses use most. Built once.
local UPPER, LOWER = {}, {}
do
  local function pair(lo, up) UPPER[lo] = up; LOWER[up] = lo end
  for c = 0xE0, 0xFE do if c ~= 0xF7 then pair(c, c - 32) end end
  pair(0xFF, 0x178)
  for c = 0x100, 0x136, 2 do pair(c + 1, c) end
  for c = 0x139, 0x147, 2 do pair(c + 1, c) end
  for c = 0x14A, 0x176, 2 do pair(c + 1, c) end
  pair(0x17A, 0x179); pair(0x17C, 0x17B); pair(0x17E, 0x17D)
  for c = 0x3B1, 0x3C9 do if c ~= 0x3C2 then pair(c, c - 32) end end
  UPPER[0x3C2] = 0x3A3
  for c = 0x430, 0x44F do pair(c, c - 32) end
  for c = 0x450, 0x45F do pair(c, c - 80) end
end

local function map_case(s, ascii, tbl, special)
  if not find(s, "[\128-\255]") then return ascii(s) end
  local out, n = {}, 0
  for _, c in utf8codes(s) do
    n = n + 1
    if c < 128 then
      out[n] = ascii(utf8char(c))
    elseif special and special[c] then
      out[n] = special[c]
    else
      out[n] = utf8char(tbl[c] or c)
    end
  end
  return concat(out)
end

local function is_space(s)
  return not find(s, "[^%z\1-\32]")
end

return function(def)
  def("substring", { "string: string", "start position: number" }, function(s, start)
    local len = utf8len(s)
    local i = start_index(N.truncate(start) or 0, len)
    if i < 0 then return nil, "the start position is before the start of the string" end
    return cp_sub(s, len, i, len)
  end)

  def("substring", { "string: string", "start position: number", "length: number" }, function(s, start, length)
    local len = utf8len(s)
    local i = start_index(N.truncate(start) or 0, len)
    if i < 0 then return nil, "the start position is before the start of the string" end
    return cp_sub(s, len, i, i + (N.truncate(length) or 0))
  end)

  def("string length", { "string: string" }, function(s) return utf8len(s) end)

  def("upper case", { "string: string" }, function(s)
    return map_case(s, string.upper, UPPER, { [0xDF] = "SS" })
  end)

  def("lower case", { "string: string" }, function(s)
    return map_case(s, string.lower, LOWER)
  end)

  def("substring before", { "string: string", "match: string" }, function(s, m)
    local i = find(s, m, 1, true)
    if not i then return "" end
    return sub(s, 1, i - 1)
  end)

  def("substring after", { "string: string", "match: string" }, function(s, m)
    local i, j = find(s, m, 1, true)
    if not i then return "" end
    return sub(s, j + 1)
  end)

  def("contains", { "string: string", "match: string" }, function(s, m)
    return find(s, m, 1, true) ~= nil
  end)

  def("starts with", { "string: string", "match: string" }, function(s, m)
    return sub(s, 1, #m) == m
  end)

  def("ends with", { "string: string", "match: string" }, function(s, m)
    return m == "" or sub(s, -#m) == m
  end)

  -- Java's trim: characters up to U+0020 at both ends.
  def("trim", { "string: string" }, function(s)
    return (s:gsub("^[%z\1-\32]+", ""):gsub("[%z\1-\32]+$", ""))
  end)

  def("is blank", { "string: string" }, is_space)

  -- string join: nulls in the list are skipped; other non-strings fail.
  local function join(list, delim, prefix, suffix)
    local parts, n = {}, 0
    for i = 1, #list do
      local v = values.out(list[i])
      if v ~= nil then
        if type(v) ~= "string" then return nil, "the list must hold strings, not " .. kind(v) .. "s" end
        n = n + 1
        parts[n] = v
      end
    end
    return (prefix or "") .. concat(parts, delim or "") .. (suffix or "")
  end
  def("string join", { "list: list" }, function(l) return join(l) end)
  def("string join", { "list: list", "delimiter: string?" }, function(l, d) return join(l, d) end)
  def("string join", { "list: list", "delimiter: string?", "prefix: string?", "suffix: string?" }, join)

  def("to base64", { "value: string" }, function(s) return base64.encode(s) end)
  def("from base64", { "value: string" }, function(s)
    local r = base64.decode(s, "required")
    if not r then return nil, "not base64 text" end
    if not utf8len(r) then return nil, "the decoded bytes are not UTF-8 text" end
    return r
  end)

  def("uuid", {}, function()
    local b = {}
    for i = 1, 16 do b[i] = math.random(0, 255) end
    b[7] = (b[7] & 0x0F) | 0x40
    b[9] = (b[9] & 0x3F) | 0x80
    local h = {}
    for i = 1, 16 do h[i] = ("%02x"):format(b[i]) end
    return concat(h, "", 1, 4) .. "-" .. concat(h, "", 5, 6) .. "-" .. concat(h, "", 7, 8) .. "-"
      .. concat(h, "", 9, 10) .. "-" .. concat(h, "", 11, 16)
  end)
end
