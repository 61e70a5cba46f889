--- luaforce.sfid: the arithmetic of Salesforce record ids, shared by the
-- client (which checks ids before sending) and the local org (which mints
-- and reads them). Policy (what to accept) stays with each of them.
--
-- A Salesforce id is 15 base-62 characters (case-sensitive), or those 15
-- plus a 3-character suffix recording which of them are upper-case letters,
-- so that the 18-character form survives tools that lose case. Each suffix
-- character encodes one chunk of 5: bit i set when position i holds A-Z,
-- the 5-bit number indexing "A..Z0..5".
local M = {}

local SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
local suffix_value = {}
for i = 1, #SUFFIX do suffix_value[SUFFIX:sub(i, i)] = i - 1 end

-- The suffix character for the 5 bytes of one chunk.
local function chunk_char(a, b, c, d, e)
  local n = 0
  if a >= 65 and a <= 90 then n = 1 end
  if b >= 65 and b <= 90 then n = n | 2 end
  if c >= 65 and c <= 90 then n = n | 4 end
  if d >= 65 and d <= 90 then n = n | 8 end
  if e >= 65 and e <= 90 then n = n | 16 end
  return SUFFIX:sub(n + 1, n + 1)
end

--- The 3-character suffix of the first 15 characters of `id` (no checks:
-- callers validate; hot in the local org).
function M.raw_checksum(id)
  return chunk_char(id:byte(1, 5)) .. chunk_char(id:byte(6, 10)) .. chunk_char(id:byte(11, 15))
end

--- The 3-character suffix of a 15-character id (raises on misuse).
function M.checksum(id15)
  if type(id15) ~= "string" or #id15 ~= 15 then
    error("bad argument #1 to 'checksum' (15-character id expected)", 2)
  end
  return M.raw_checksum(id15)
end

--- The 15 characters of an 18-character id with the case its suffix says,
-- and the suffix (upper-cased); nil when the suffix cannot be the checksum
-- of those characters (a bit set over a digit, a character outside the
-- suffix alphabet).
function M.restore(id)
  local suffix = id:sub(16, 18):upper()
  local out = {}
  for chunk = 0, 2 do
    local n = suffix_value[suffix:sub(chunk + 1, chunk + 1)]
    if not n then return nil end
    for i = 0, 4 do
      local pos = chunk * 5 + i + 1
      local c = id:sub(pos, pos)
      local up = n & (1 << i) ~= 0
      if c:find("%a") then
        c = up and c:upper() or c:lower()
      elseif up then
        return nil
      end
      out[pos] = c
    end
  end
  return table.concat(out), suffix
end

return M
