--- luaforce.connector.walk: a copy of a JSON-shaped value with every string
-- (object keys included) passed through a function. The connector layer
-- puts secrets into a task's inputs this way, and masks them in what a task
-- gives back.
--
-- walk.strings(value, fn) -> copy
--   Objects keep their key order and their null fields; arrays stay arrays;
--   numbers, booleans, json.null and decimals are shared, not copied.
--   `fn(text)` returns the new text; an error it raises ends the walk.
--
-- walk.is_object(v), walk.is_array(v): JSON's kinds for values that come
-- from JSON (marked by luaforce.json), FEEL (contexts and lists) or plain
-- Lua (a table with no metatable: an array when its keys are exactly
-- 1..n and there is at least one, else an object).
local json = require "luaforce.json"

local M = {}

local function plain(v)
  return type(v) == "table" and getmetatable(v) == nil
end

local function plain_array(v)
  local n = #v
  if n == 0 then return false end
  local count = 0
  for k in pairs(v) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
    count = count + 1
  end
  return count == n
end

--- See the file comment.
function M.is_array(v)
  if json.is_array(v) then return true end
  return plain(v) and plain_array(v)
end

--- See the file comment.
function M.is_object(v)
  if json.is_object(v) then return true end
  return plain(v) and not plain_array(v)
end

local function walk(v, fn)
  local t = type(v)
  if t == "string" then return fn(v) end
  if t ~= "table" then return v end
  if M.is_array(v) then
    local out = {}
    for i = 1, #v do out[i] = walk(v[i], fn) end
    return json.array(out)
  end
  if not M.is_object(v) then return v end
  local out, order = {}, {}
  for i, k in ipairs(json.keys(v)) do
    local nk = fn(k)
    order[i] = nk
    local x = v[k]
    if x == nil then x = json.null end
    out[nk] = walk(x, fn)
  end
  return json.object(out, order)
end

--- See the file comment.
M.strings = walk

return M
