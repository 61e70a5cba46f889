-- The builtin wrapper: variants by arity and by names, type checks, and
-- adding a category later, including a value kind.
local feel = require "luaforce.feel"
local builtins = require "luaforce.feel.builtins"
local values = require "luaforce.feel.kinds"

describe("luaforce.feel.builtins", function()
  it("declares every builtin with its parameter names", function()
    assert.same({ "string", "start position" }, builtins.functions["substring"].params)
    assert.same({ "list", "position", "newItem" }, builtins.functions["insert before"].params)
    assert.same({ "errorMessage" }, builtins.functions["jobError"].params)
    for _, name in ipairs { "string join", "get or else", "round half up", "context put", "from base64", "is blank" } do
      assert.is_true(builtins.names[name], name)
    end
  end)

  it("says which variants exist when none fits", function()
    local v, w = feel.eval('substring("a")')
    assert.is_nil(v)
    assert.matches("substring%(string, start position%) or substring%(string, start position, length%)", w[1].message)
    _, w = feel.eval('upper case(string: 1)')
    assert.matches("'string' must be a string, not number 1", w[1].message)
  end)

  it("takes a category added later, with new kinds and multi-word names", function()
    local MT = { __feelkind = "days and time duration" }
    local function dur(s) return setmetatable({ seconds = s }, MT) end
    local real = values.kinds["days and time duration"]
    values.kinds["days and time duration"] = {
      equal = function(a, b) return a.seconds == b.seconds end,
      compare = function(a, b) return a.seconds < b.seconds and -1 or (a.seconds > b.seconds and 1 or 0) end,
      tostring = function(a) return "PT" .. a.seconds .. "S" end,
      property = function(a, key) if key == "seconds" then return a.seconds end end,
      tolua = function(a) return "PT" .. a.seconds .. "S" end,
    }
    builtins.add_category(function(def)
      def("test seconds of duration", { "seconds: number" }, function(s) return dur(s) end)
    end)
    finally(function()
      values.kinds["days and time duration"] = real
      builtins.functions["test seconds of duration"] = nil
    end)
    assert.equal("PT5S", (feel.eval("test seconds of duration(5)")))
    assert.equal(5, (feel.eval("test seconds of duration(5).seconds")))
    assert.is_true((feel.eval("test seconds of duration(5) < test seconds of duration(7)")))
    assert.is_true((feel.eval("test seconds of duration(5) instance of days and time duration")))
    assert.equal("PT5S", (feel.eval("string(test seconds of duration(5))")))
  end)
end)
