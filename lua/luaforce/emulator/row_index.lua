--- luaforce.emulator.row_index: an object's rows in the local org's store,
-- and the indexes that find them by field value.
--
-- The state of one object (made by luaforce.emulator.store) is a table
-- `t = {obj, all, live, index, ...}`: `all` every row in insertion order
-- (deleted ones too), `live` the rows not deleted in the same order,
-- `index[field name][key_of(value)]` the live rows holding that value, for
-- each field in obj.indexed (unique and external id fields).
--
--   row_index.key_of(v) -> the index key of a value: text without case
--       (Salesforce's unique and external id fields ignore it), numbers by
--       value whatever their form (12.5 and the decimal 12.50 share a key)
--   row_index.add(t, row)      adds a live row to the indexes
--   row_index.remove(t, row)   takes it out of them
--   row_index.remove_from(list, row, seq) removes row from an insertion-
--       ordered list; `seq` (row -> insertion number) makes it a binary
--       search, so a delete in a 100,000-row object does not scan it
--   row_index.rebuild(t)       live list and indexes again from `all`
local decimal = require "luaforce.decimal"

local M = {}

--- See the file comment.
local function key_of(v)
  if type(v) == "string" then return v:lower() end
  if type(v) == "number" or decimal.is(v) then
    local s = decimal.new(v):plain()
    if s:find(".", 1, true) then s = s:gsub("0+$", ""):gsub("%.$", "") end
    return "#" .. s
  end
  return tostring(v)
end
M.key_of = key_of

--- See the file comment.
function M.add(t, row)
  for _, f in ipairs(t.obj.indexed) do
    local v = row[f.name]
    if v ~= nil then
      local bucket = t.index[f.name]
      local k = key_of(v)
      local list = bucket[k]
      if not list then
        list = {}
        bucket[k] = list
      end
      list[#list + 1] = row
    end
  end
end

--- See the file comment.
function M.remove(t, row)
  for _, f in ipairs(t.obj.indexed) do
    local v = row[f.name]
    if v ~= nil then
      local bucket = t.index[f.name]
      local k = key_of(v)
      local list = bucket[k]
      if list then
        for i = #list, 1, -1 do
          if list[i] == row then table.remove(list, i) end
        end
        if #list == 0 then bucket[k] = nil end
      end
    end
  end
end

--- See the file comment.
function M.remove_from(list, row, seq)
  local want = seq and seq[row]
  if want then
    local lo, hi = 1, #list
    while lo <= hi do
      local mid = (lo + hi) // 2
      local s = seq[list[mid]]
      if s == want then
        table.remove(list, mid)
        return
      elseif s < want then
        lo = mid + 1
      else
        hi = mid - 1
      end
    end
  end
  for i = #list, 1, -1 do
    if list[i] == row then
      table.remove(list, i)
      return
    end
  end
end

--- See the file comment.
function M.rebuild(t)
  local live = {}
  for _, f in ipairs(t.obj.indexed) do t.index[f.name] = {} end
  for _, row in ipairs(t.all) do
    if not row.IsDeleted then
      live[#live + 1] = row
      M.add(t, row)
    end
  end
  t.live = live
end

return M
