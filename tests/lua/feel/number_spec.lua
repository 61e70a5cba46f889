local N = require "luaforce.feel.number"
local decimal = require "luaforce.decimal"

local function s(v) return type(v) == "number" and (math.type(v) .. ":" .. tostring(v)) or ("decimal:" .. tostring(v)) end

describe("luaforce.feel.number", function()
  local cases = {
    { "add", 1, 2, "integer:3" }, { "add", math.maxinteger, 1, "decimal:9223372036854775808" },
    { "add", 0.1, 0.2, "decimal:0.3" }, { "add", 1.5, 0.5, "integer:2" },
    { "sub", math.mininteger, 1, "decimal:-9223372036854775809" }, { "sub", 5, 7, "integer:-2" },
    { "mul", 4000000000, 4000000000, "decimal:16000000000000000000" },
    { "mul", 1.1, 3, "decimal:3.3" },
    { "div", 1, 4, "decimal:0.25" }, { "div", 6, 3, "integer:2" },
    { "div", 2, 3, "decimal:0.6666666666666666666666666666666667" },
    { "pow", 10, 30, "decimal:1000000000000000000000000000000" }, { "pow", 2, -2, "decimal:0.25" },
    { "modulo", -7, 3, "integer:2" }, { "modulo", 7, -3, "integer:-2" },
  }
  for _, c in ipairs(cases) do
    it(("%s(%s, %s)"):format(c[1], tostring(c[2]), tostring(c[3])), function()
      assert.equal(c[4], s(N[c[1]](c[2], c[3])))
    end)
  end

  it("fails division by zero with a message", function()
    local v, err = N.div(1, 0)
    assert.is_nil(v)
    assert.matches("division by zero", err)
  end)

  it("reads literals", function()
    assert.equal("integer:12", s(N.literal("12")))
    assert.equal("decimal:1.50", s(N.literal("1.50")))
    assert.equal("integer:2", s(N.literal("2.0")))
    assert.equal("decimal:12345678901234567890", s(N.literal("12345678901234567890")))
  end)

  it("rounds to a scale with each mode", function()
    assert.equal("decimal:1.01", s(N.set_scale(decimal.new("1.005"), 2, "half_up")))
    assert.equal("integer:1", s(N.set_scale(decimal.new("1.005"), 2, "half_even")))
    assert.equal("decimal:1.50", s(N.set_scale(1.5, 2, "half_even")))
    assert.equal("integer:2", s(N.set_scale(2.5, 0, "half_even")))
  end)

  it("truncates to a Lua integer, or nil when the value does not fit", function()
    assert.equal(-2, N.truncate(decimal.new("-2.7")))
    assert.equal(3, N.truncate(3.9))
    assert.is_nil(N.truncate(decimal.new("1e30")))
    assert.is_nil(N.truncate(decimal.new("1e999999999"))) -- past DIGITS_MAX: trunc itself fails
  end)

  it("gives results back as integers, exact doubles or decimals", function()
    assert.equal("integer:3", s(N.tolua(decimal.new("3.00"))))
    assert.equal("float:0.3", s(N.tolua(decimal.new("0.3"))))
    assert.equal("decimal:0.1234567890123456789", s(N.tolua(decimal.new("0.1234567890123456789"))))
    assert.equal("decimal:0.3", s(N.tolua(decimal.new("0.3"), true)))
  end)
end)
