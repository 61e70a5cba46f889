-- luaforce.core.decimal at the C level: the failure function luaforce.decimal
-- installs (set_failure) turns a status code into the error object the
-- arithmetic functions return; C calls it protected, so its own error comes
-- back with a traceback of where it was raised and the decimal state goes on.
-- The text, comparison and arithmetic themselves are specified through
-- luaforce.decimal (tests/lua/decimal_spec.lua, decimal_arith_spec.lua).
require "luaforce.core"
local core = require "luaforce.core.decimal"
local decimal = require "luaforce.decimal"

local FAILURE_KEY = "luaforce.decimal.failure"

describe("luaforce.core.decimal failure function", function()
  local installed

  before_each(function() installed = debug.getregistry()[FAILURE_KEY] end)
  after_each(function() core.set_failure(installed) end)

  it("is called with the function's name and the status code; its value is the error", function()
    local seen
    core.set_failure(function(fname, code)
      seen = { fname, code }
      return { code = code }
    end)
    local r, err = core.div(1, 0)
    assert.is_nil(r)
    assert.same({ "div", "division_by_zero" }, seen)
    assert.same({ code = "division_by_zero" }, err)
    r, err = core.sqrt(-1)
    assert.is_nil(r)
    assert.same({ "sqrt", "domain" }, seen)
    assert.same({ code = "domain" }, err)
  end)

  it("raises the failure function's error with a traceback naming its line", function()
    local line = debug.getinfo(1, "l").currentline + 1
    core.set_failure(function() error("failure function broke", 0) end)
    local ok, err = pcall(core.div, 1, 0)
    assert.is_false(ok)
    assert.equal("string", type(err))
    assert.matches("^failure function broke\nstack traceback:\n", err)
    assert.matches("decimal_spec%.lua:" .. line .. ":", err)
  end)

  it("keeps an error object the failure function raises as it is", function()
    local object = { code = "OBJECT" }
    core.set_failure(function() error(object) end)
    local ok, err = pcall(core.mod, 1, 0)
    assert.is_false(ok)
    assert.equal(object, err)
  end)

  it("goes on working after the failure function raised", function()
    core.set_failure(function() error("once") end)
    assert.is_false(pcall(core.div, 1, 0))
    core.set_failure(installed)
    local r, err = decimal.div(1, 0)
    assert.is_nil(r)
    assert.equal("DIVISION_BY_ZERO", err.code)
    assert.equal("3", tostring(assert(decimal.add(1, 2))))
  end)

  it("without one, returns the status code", function()
    debug.getregistry()[FAILURE_KEY] = nil
    local r, code = core.div(1, 0)
    assert.is_nil(r)
    assert.equal("division_by_zero", code)
  end)
end)
