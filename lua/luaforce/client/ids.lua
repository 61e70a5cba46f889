--- luaforce.client.ids: record id checks on the client side, before
-- anything is sent.
--
-- A Salesforce id is 15 base-62 characters (case-sensitive), or those 15
-- plus a 3-character suffix recording which of them are upper-case letters,
-- so that the 18-character form survives tools that lose case. Each suffix
-- character encodes one chunk of 5: bit i set when position i holds A-Z,
-- the 5-bit number indexing "A..Z0..5". An 18-character id is therefore
-- readable case-insensitively: its suffix restores the case of the 15.
-- An 18-character id in mixed case must carry its own checksum exactly.
--
-- (The emulator has its own copy of this arithmetic: the client must not
-- depend on the emulator package, and the rule is small and fixed.)
local M = {}

local SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
local suffix_value = {}
for i = 1, #SUFFIX do suffix_value[SUFFIX:sub(i, i)] = i - 1 end

local function upper(b) return b >= 65 and b <= 90 end

local function chunk_char(id, from)
  local n = 0
  for i = 0, 4 do
    if upper(id:byte(from + i)) then n = n | (1 << i) end
  end
  return SUFFIX:sub(n + 1, n + 1)
end

--- The 3-character suffix of a 15-character id (raises on misuse).
function M.checksum(id15)
  if type(id15) ~= "string" or #id15 ~= 15 then
    error("bad argument #1 to 'checksum' (15-character id expected)", 2)
  end
  return chunk_char(id15, 1) .. chunk_char(id15, 6) .. chunk_char(id15, 11)
end

-- The 15 characters of an 18-character id with the case its suffix says,
-- or nil when the suffix cannot be the checksum of those characters (a bit
-- set over a digit, a character outside the suffix alphabet).
local function restore(id)
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
  return table.concat(out) .. suffix
end

--- The 18-character form of a 15- or 18-character id, or nil and the
-- reason it is malformed.
function M.to18(id)
  if type(id) ~= "string" then return nil, "an id is a string" end
  local n = #id
  if n ~= 15 and n ~= 18 then
    return nil, ("an id has 15 or 18 characters, not %d"):format(n)
  end
  if not id:find("^[0-9A-Za-z]+$") then return nil, "an id holds only letters and digits" end
  if n == 15 then return id .. M.checksum(id) end
  if M.checksum(id:sub(1, 15)) == id:sub(16) then return id end
  -- Only an id whose case was lost (letters all lower or all upper) needs
  -- its suffix to restore it; one with mixed case kept it, so a suffix
  -- that disagrees is a typo or a damaged id, not another record.
  local head = id:sub(1, 15)
  if head:find("%l") and head:find("%u") then
    return nil, "the last 3 characters are not the checksum of the first 15"
  end
  local fixed = restore(id)
  if not fixed then return nil, "the last 3 characters are not the checksum of the first 15" end
  return fixed
end

--- True when `id` is a well-formed 15- or 18-character id.
function M.valid(id)
  return M.to18(id) ~= nil
end

--- The 15-character form of a valid id, or nil.
function M.to15(id)
  local id18 = M.to18(id)
  return id18 and id18:sub(1, 15)
end

return M
