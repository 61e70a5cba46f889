--- luaforce.emulator.ids: Salesforce record ids as the local org mints and
-- reads them.
--
-- An id is 15 base-62 characters, case-sensitive, the first three being the
-- object's key prefix; APIs answer with 18, the 15 plus a three-character
-- suffix that records which of the 15 are upper-case letters, so that the
-- 18-character form survives tools that lose case (spreadsheets, case-
-- insensitive databases). Both forms are accepted on input; an 18-character
-- id is read case-insensitively: its suffix restores the case of the 15.
--
-- Minted ids are `prefix .. "Lf" .. counter` (the "Lf" standing where a real
-- org has its pod characters), the counter base 62 in 10 digits. Base-62
-- digits in the order 0-9A-Za-z sort the same bytewise as numerically, so
-- ORDER BY Id follows creation order within an object.
local sfid = require "luaforce.sfid"

local M = {}

local DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
local POD = "Lf" -- followed by a 10-digit counter

local digit_value = {}
for i = 1, #DIGITS do digit_value[DIGITS:sub(i, i)] = i - 1 end

local function is_base62(s)
  return s:find("^[0-9A-Za-z]+$") ~= nil
end

M.checksum = sfid.checksum
local raw_checksum, restore = sfid.raw_checksum, sfid.restore

--- The 18-character form of a 15- or 18-character id, or nil when it is
-- malformed. An 18-character id comes back with the case its suffix says.
function M.to18(id)
  if type(id) ~= "string" then return nil end
  local n = #id
  if n == 15 then
    if not is_base62(id) then return nil end
    return id .. raw_checksum(id)
  elseif n == 18 then
    if not is_base62(id) then return nil end
    -- the common case: already canonical (the suffix matches as it stands)
    if raw_checksum(id) == id:sub(16) then return id end
    local id15, suffix = restore(id)
    if not id15 then return nil end
    return id15 .. suffix
  end
  return nil
end

--- The 15-character form of a valid id, or nil.
function M.to15(id)
  local id18 = M.to18(id)
  return id18 and id18:sub(1, 15)
end

--- True when id is a well-formed 15- or 18-character id.
function M.valid(id)
  return M.to18(id) ~= nil
end

--- The key prefix (first three characters) of a valid id, or nil.
function M.key_prefix(id)
  local id18 = M.to18(id)
  return id18 and id18:sub(1, 3)
end

--- Same record? (15/18 forms and case of an 18-character id ignored.)
function M.equal(a, b)
  local x, y = M.to18(a), M.to18(b)
  return x ~= nil and x == y
end

-- Two base-62 digits at a time: minting is on the path of every insert.
local PAIRS = {}
for i = 0, 62 * 62 - 1 do
  local hi, lo = i // 62, i % 62
  PAIRS[i] = DIGITS:sub(hi + 1, hi + 1) .. DIGITS:sub(lo + 1, lo + 1)
end

local function encode_counter(n)
  local a = PAIRS[n % 3844]
  n = n // 3844
  local b = PAIRS[n % 3844]
  n = n // 3844
  local c = PAIRS[n % 3844]
  n = n // 3844
  local d = PAIRS[n % 3844]
  n = n // 3844
  return PAIRS[n % 3844] .. d .. c .. b .. a
end

local function decode_counter(s)
  local n = 0
  for i = 1, #s do n = n * 62 + digit_value[s:sub(i, i)] end
  return n
end

--- The id minted as number n for a key prefix (n >= 1).
function M.mint(key_prefix, n)
  local id15 = key_prefix .. POD .. encode_counter(n)
  return id15 .. raw_checksum(id15)
end

local Generator = {}
Generator.__index = Generator

--- The next id (18 characters).
function Generator:next()
  self.count = self.count + 1
  return M.mint(self.prefix, self.count)
end

--- Notes an id that exists already, so that next() never mints it: an id
-- of this generator's shape moves the counter past it.
function Generator:observe(id)
  local id18 = M.to18(id)
  if not id18 or id18:sub(1, 5) ~= self.prefix .. POD then return end
  local n = decode_counter(id18:sub(6, 15))
  if n > self.count then self.count = n end
end

--- A generator of sequential ids for a 3-character key prefix:
-- `gen:next()` → "001Lf0000000001IAA", "001Lf0000000002IAA", ...;
-- `gen.count` is the last number minted (save and assign it to rewind).
function M.generator(key_prefix)
  if type(key_prefix) ~= "string" or #key_prefix ~= 3 or not is_base62(key_prefix) then
    error("bad argument #1 to 'generator' (3-character base-62 key prefix expected)", 2)
  end
  return setmetatable({ prefix = key_prefix, count = 0 }, Generator)
end

--- The local org's id (00D) and the id of its first user (005): the user
-- every record is created by when no other is named. The seed data creates
-- that user first, so the store and the seed agree on it.
M.ORG_ID = M.mint("00D", 1)
M.DEFAULT_USER_ID = M.mint("005", 1)

return M
