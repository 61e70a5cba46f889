--- Test support for the local org's store specs (luaforce.emulator.store and
-- luaforce.emulator.write_rules):
--   fixture.T0                 2024-05-01T10:00:00Z in epoch ms
--   fixture.manual_clock()     a clock at T0 that moves only when the test
--                              sets `clock.t`
--   fixture.new_store()        a store over the default schema on such a
--                              clock; returns the store and the clock
--   fixture.codes(errs)        the errorCode of each error entry
local Store = require "luaforce.emulator.store"
local schema = require "luaforce.emulator.schema"
local datetime = require "luaforce.emulator.datetime"

local M = {}

M.T0 = datetime.parse_datetime("2024-05-01T10:00:00Z")

function M.manual_clock()
  local c = { t = M.T0 }
  function c.now() return c.t end
  return c
end

function M.new_store()
  local clock = M.manual_clock()
  return Store.new { schema = schema.default(), clock = clock }, clock
end

function M.codes(errs)
  local out = {}
  for i, e in ipairs(errs) do out[i] = e.errorCode end
  return out
end

return M
