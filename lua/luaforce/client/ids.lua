--- luaforce.client.ids: record id checks on the client side, before
-- anything is sent.
--
-- The arithmetic (checksum, restoring case) is luaforce.sfid's, shared
-- with the local org; this module is the client's policy: an 18-character
-- id in mixed case must carry its own checksum exactly.
local sfid = require "luaforce.sfid"

local M = {}

M.checksum = sfid.checksum

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
  local fixed, suffix = sfid.restore(id)
  if not fixed then return nil, "the last 3 characters are not the checksum of the first 15" end
  return fixed .. suffix
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
