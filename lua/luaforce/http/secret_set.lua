--- luaforce.http.secret_set: does a text hold a secret, or enough of one
-- to matter?
--
--   local set = secret_set.new()
--   set:add(value)          remember a secret (values under 4 bytes are
--                           ignored: they would match everything)
--   set:found_in(text)      true when `text` holds a remembered secret whole,
--                           or any WINDOW (16) consecutive bytes of one
--   secret_set.WINDOW       16
--
-- Why pieces count: a Salesforce access token is `00D...!` and a random
-- part; a line holding only the random part (or a long slice of a client
-- secret) is as good as the whole to whoever reads it. Any substring of 16
-- bytes or more contains a 16-byte one, so the set keeps every 16-byte
-- window of each secret (a secret of n bytes adds n - 15 keys) and
-- found_in looks up every 16-byte window of the text: O(#text) lookups,
-- whatever the number of secrets. A secret shorter than 16 bytes matches
-- only whole (a plain find per such secret; there are few).
local M = {}

M.WINDOW = 16

local Set = {}
Set.__index = Set
Set.__name = "luaforce.http.SecretSet"

--- An empty set.
function M.new()
  return setmetatable({ windows = {}, short = {}, seen = {} }, Set)
end

--- Remembers `value` (a string; 4 bytes or more, else ignored).
function Set:add(value)
  if type(value) ~= "string" or #value < 4 or self.seen[value] then return end
  self.seen[value] = true
  local w = M.WINDOW
  if #value < w then
    self.short[#self.short + 1] = value
    return
  end
  local windows = self.windows
  for i = 1, #value - w + 1 do windows[value:sub(i, i + w - 1)] = true end
  self.any = true
end

--- True when `text` holds a remembered secret or 16 bytes of one.
function Set:found_in(text)
  for _, v in ipairs(self.short) do
    if text:find(v, 1, true) then return true end
  end
  if not self.any then return false end
  local w, windows = M.WINDOW, self.windows
  for i = 1, #text - w + 1 do
    if windows[text:sub(i, i + w - 1)] then return true end
  end
  return false
end

return M
