-- luaforce.decimal arithmetic: BigDecimal with a MathContext (FEEL's numbers).
local decimal = require "luaforce.decimal"

-- Asserts the exact text (value and scale) of a result.
local function is(want, got, err)
  assert.is_nil(err)
  assert.is_true(decimal.is(got), "expected a decimal, got " .. tostring(got))
  assert.equal(want, tostring(got))
end

local function fails(code, got, err)
  assert.is_nil(got)
  assert.equal(code, err.code)
end

local thirds = "0.3333333333333333333333333333333333"

describe("luaforce.decimal arithmetic", function()
  describe("add, sub, mul", function()
    -- { op, a, b, precision (nil = exact), mode, expected text }
    local rows = {
      { "add", "0.1", "0.2", nil, nil, "0.3" },
      { "add", "1.1", "1.3", nil, nil, "2.4" },
      { "add", "1.50", 1, nil, nil, "2.50" },
      { "add", "1E+3", 1, nil, nil, "1001" },
      { "add", -1, 1, nil, nil, "0" },
      { "sub", "1.00", "1", nil, nil, "0.00" },
      { "sub", "0.3", "0.1", nil, nil, "0.2" },
      { "add", "0.000", 1, nil, nil, "1.000" },
      { "add", "0.000", 1, 2, nil, "1.0" },
      { "add", "0E+2", "1.5", nil, nil, "1.5" },
      { "add", "1000000000000000000000000000000", 1, 34, nil, "1000000000000000000000000000001" },
      { "add", "12345678901234567890123456789012345", 0, 34, nil, "1.234567890123456789012345678901234E+34" },
      { "add", "12345678901234567890123456789012355", 0, 34, nil, "1.234567890123456789012345678901236E+34" },
      { "add", "1E+40", 1, 34, nil, "1.000000000000000000000000000000000E+40" },
      { "add", "1E+40", 1, 34, "up", "1.000000000000000000000000000000001E+40" },
      { "sub", "1E+40", 1, 34, nil, "1.000000000000000000000000000000000E+40" },
      { "sub", "1E+40", 1, 34, "down", "9.999999999999999999999999999999999E+39" },
      { "add", "1E+999999999", "1E-999999999", 34, nil, "1.000000000000000000000000000000000E+999999999" },
      { "add", "1E+999999999", "1E+999999999", nil, nil, "2E+999999999" },
      { "add", "-123456789012345678901234567890.5", "0.5", nil, nil, "-123456789012345678901234567890.0" },
      { "mul", "1.5", "2.0", nil, nil, "3.00" },
      { "mul", -2, 3, nil, nil, "-6" },
      { "mul", "0.1", "0.1", nil, nil, "0.01" },
      { "mul", "1E+5", "1E-5", nil, nil, "1" },
      { "mul", "-0.00", 5, nil, nil, "0.00" },
      { "mul", "123456789012345678901234567890", "987654321098765432109876543210", nil, nil,
        "121932631137021795226185032733622923332237463801111263526900" },
      { "mul", "123456789012345678901234567890", "987654321098765432109876543210", 34, nil,
        "1.219326311370217952261850327336229E+59" },
      { "mul", "9223372036854775807", "9223372036854775807", nil, nil, "85070591730234615847396907784232501249" },
    }
    for _, r in ipairs(rows) do
      local op, a, b, p, mode, want = r[1], r[2], r[3], r[4], r[5], r[6]
      it(("%s(%s, %s, %s, %s) = %s"):format(op, a, b, tostring(p), tostring(mode), want), function()
        is(want, decimal[op](decimal(a), b, p, mode))
      end)
    end

    it("10 ** 30 + 1 is exact, with or without the FEEL precision", function()
      local big = decimal.pow(10, 30)
      is("1000000000000000000000000000000", big)
      is("1000000000000000000000000000001", decimal.add(big, 1))
      is("1000000000000000000000000000001", decimal.add(big, 1, decimal.PRECISION))
      assert.equal(0, decimal.compare(decimal.add("0.1", "0.2"), "0.3"))
    end)

    it("refuses exact results longer than DIGITS_MAX", function()
      fails("DECIMAL_RANGE", decimal.add("1E+999999999", "1E-999999999"))
      fails("DECIMAL_RANGE", decimal.mul("1E-999999999", "1E-999999999"))
    end)
  end)

  describe("division", function()
    local rows = {
      { 1, 3, nil, nil, thirds },
      { 2, 3, nil, nil, "0.6666666666666666666666666666666667" },
      { -1, 3, nil, nil, "-" .. thirds },
      { 1, 7, nil, nil, "0.1428571428571428571428571428571429" },
      { 10, 4, nil, nil, "2.5" },
      { 6, 2, nil, nil, "3" },
      { "1.00", 4, nil, nil, "0.25" },
      { 100, 10, nil, nil, "10" },
      { "1.0", "0.5", nil, nil, "2" },
      { "2E+3", 4, nil, nil, "5E+2" },
      { "0.00", "1.0", nil, nil, "0.0" },
      { "19.99", 3, nil, nil, "6.663333333333333333333333333333333" },
      { 1, 3, 5, nil, "0.33333" },
      { 1, 3, 5, "up", "0.33334" },
      { -2, 3, 5, "floor", "-0.66667" },
      { -2, 3, 5, "ceiling", "-0.66666" },
      { 1, 8, 0, nil, "0.125" },
      { "1E-999999998", 10, 34, nil, "1E-999999999" },
    }
    for _, r in ipairs(rows) do
      it(("%s / %s at %s %s = %s"):format(r[1], r[2], tostring(r[3]), tostring(r[4]), r[5]), function()
        is(r[5], decimal.div(r[1], r[2], r[3], r[4]))
      end)
    end

    it("returns nil, err for a zero divisor and for a quotient that cannot be exact", function()
      fails("DIVISION_BY_ZERO", decimal.div(1, 0))
      fails("DIVISION_BY_ZERO", decimal.div(1, "0.000"))
      fails("ROUNDING_NECESSARY", decimal.div(1, 3, 0))
      fails("ROUNDING_NECESSARY", decimal.div(1, 3, 34, "unnecessary"))
      fails("DECIMAL_RANGE", decimal.div("1E-999999999", 10)) -- exponent past EXP_MAX
      local _, err = decimal.div(1, 0)
      assert.matches("division by zero", tostring(err))
    end)
  end)

  describe("idiv and mod (floored, the sign of the divisor)", function()
    local rows = {
      { 7, 2, "3", "1" },
      { -7, 2, "-4", "1" },
      { 7, -2, "-4", "-1" },
      { -7, -2, "3", "-1" },
      { -7, 3, "-3", "2" },
      { 7, -3, "-3", "-2" },
      { 3, 7, "0", "3" },
      { -3, 7, "-1", "4" },
      { "10.5", 3, "3", "1.5" },
      { "-10.5", 3, "-4", "1.5" },
      { "7.5", "0.5", "15", "0.0" },
      { "0.3", "0.1", "3", "0.0" },
      { "1E+20", 7, "14285714285714285714", "2" },
      { 0, 5, "0", "0" },
    }
    for _, r in ipairs(rows) do
      it(("%s // %s = %s, %s mod %s = %s"):format(r[1], r[2], r[3], r[1], r[2], r[4]), function()
        is(r[3], decimal.idiv(r[1], r[2]))
        is(r[4], decimal.mod(r[1], r[2]))
      end)
    end

    it("fails on a zero divisor", function()
      fails("DIVISION_BY_ZERO", decimal.idiv(1, 0))
      fails("DIVISION_BY_ZERO", decimal.mod(1, "0.0"))
    end)
  end)

  describe("pow", function()
    local rows = {
      { 2, 10, nil, "1024" },
      { 2, -2, nil, "0.25" },
      { 3, -1, nil, thirds },
      { "1.5", 2, nil, "2.25" },
      { "0.1", 3, nil, "0.001" },
      { -2, 3, nil, "-8" },
      { -2, 4, nil, "16" },
      { 0, 0, nil, "1" },
      { "0.00", 2, nil, "0.0000" },
      { 10, 40, nil, "1.000000000000000000000000000000000E+40" },
      { 10, 40, 0, "1" .. ("0"):rep(40) },
      { "1E+5", 3, nil, "1E+15" },
      { "1E+5", -3, nil, "1E-15" },
      { 2, 200, nil, "1.606938044258990275541962092341163E+60" },
      { 2, 200, 0, "1606938044258990275541962092341162602522202993782792835301376" },
      { "1.0001", 1000000, nil, "2.674710993142140172948354481790713E+43" },
      { 7, 123456, 10, "2.652332703E+104332" },
      { 2, 0.0 + 3, nil, "8" },
    }
    for _, r in ipairs(rows) do
      it(("%s ^ %s at %s = %s"):format(r[1], r[2], tostring(r[3]), r[4]), function()
        is(r[4], decimal.pow(r[1], r[2], r[3]))
      end)
    end

    it("fails for 0 ^ -1 and out-of-range results, and raises for a fractional exponent", function()
      fails("DIVISION_BY_ZERO", decimal.pow(0, -1))
      fails("DECIMAL_RANGE", decimal.pow(100, 999999999))
      fails("DECIMAL_RANGE", decimal.pow("1E+999999999", 2))
      assert.has_error(function() decimal.pow(2, 0.5) end)
    end)
  end)

  describe("rounding", function()
    -- Java's RoundingMode table: each value to scale 0 in each mode.
    local inputs = { "5.5", "2.5", "1.6", "1.1", "1.0", "-1.0", "-1.1", "-1.6", "-2.5", "-5.5" }
    local by_mode = {
      up = { 6, 3, 2, 2, 1, -1, -2, -2, -3, -6 },
      down = { 5, 2, 1, 1, 1, -1, -1, -1, -2, -5 },
      ceiling = { 6, 3, 2, 2, 1, -1, -1, -1, -2, -5 },
      floor = { 5, 2, 1, 1, 1, -1, -2, -2, -3, -6 },
      half_up = { 6, 3, 2, 1, 1, -1, -1, -2, -3, -6 },
      half_down = { 5, 2, 2, 1, 1, -1, -1, -2, -2, -5 },
      half_even = { 6, 2, 2, 1, 1, -1, -1, -2, -2, -6 },
      unnecessary = { false, false, false, false, 1, -1, false, false, false, false },
    }
    for mode, wants in pairs(by_mode) do
      it("set_scale(x, 0, " .. mode .. ") over Java's table", function()
        for i, x in ipairs(inputs) do
          local got, err = decimal.set_scale(x, 0, mode)
          if wants[i] then
            is(tostring(wants[i]), got, err)
          else
            fails("ROUNDING_NECESSARY", got, err)
          end
        end
      end)
    end

    local rows = {
      { "set_scale", 2.5, 0, nil, "2" },
      { "set_scale", 3.5, 0, nil, "4" },
      { "set_scale", "1.005", 2, "half_up", "1.01" },
      { "set_scale", "1.005", 2, nil, "1.00" },
      { "set_scale", "1.015", 2, nil, "1.02" },
      { "set_scale", "-1.56", 1, "floor", "-1.6" },
      { "set_scale", "1.5", 3, nil, "1.500" },
      { "set_scale", "1234.5", -2, nil, "1.2E+3" },
      { "set_scale", "0.0001", 2, nil, "0.00" },
      { "set_scale", "0.0001", 2, "up", "0.01" },
      { "set_scale", "-0.0001", 2, "up", "-0.01" },
      { "set_scale", "9.999", 2, nil, "10.00" },
      { "set_scale", "1E-999999999", 0, "ceiling", "1" },
      { "round_to", "123.456", 4, nil, "123.5" },
      { "round_to", "123.456", 2, nil, "1.2E+2" },
      { "round_to", "9.99", 2, nil, "10" },
      { "round_to", "999.9", 3, nil, "1.00E+3" },
      { "round_to", "1.5", 10, nil, "1.5" },
      { "round_to", "-2.5", 1, "half_up", "-3" },
    }
    for _, r in ipairs(rows) do
      it(("%s(%s, %s, %s) = %s"):format(r[1], r[2], r[3], tostring(r[4]), r[5]), function()
        is(r[5], decimal[r[1]](r[2], r[3], r[4]))
        is(r[5], decimal(r[2])[r[1]](decimal(r[2]), r[3], r[4])) -- and as a method
      end)
    end

    it("raises for an unknown mode or a bad precision", function()
      assert.has_error(function() decimal.set_scale(1, 0, "bankers") end)
      assert.has_error(function() decimal.round_to(1, 0) end)
      assert.has_error(function() decimal.div(1, 3, -1) end)
    end)
  end)

  describe("floor, ceiling, trunc, abs, negate, strip", function()
    -- { x, floor, ceiling, trunc, abs, negate, strip }
    local rows = {
      { "1.5", "1", "2", "1", "1.5", "-1.5", "1.5" },
      { "-1.5", "-2", "-1", "-1", "1.5", "1.5", "-1.5" },
      { "-0.5", "-1", "0", "0", "0.5", "0.5", "-0.5" },
      { "1E+3", "1000", "1000", "1000", "1E+3", "-1E+3", "1E+3" },
      { "-1.500", "-2", "-1", "-1", "1.500", "1.500", "-1.5" },
      { "100", "100", "100", "100", "100", "-100", "1E+2" },
      { "0.000", "0", "0", "0", "0.000", "0.000", "0" },
    }
    for _, r in ipairs(rows) do
      it(r[1], function()
        local d = decimal(r[1])
        is(r[2], d:floor())
        is(r[3], d:ceiling())
        is(r[4], d:trunc())
        is(r[5], d:abs())
        is(r[6], d:negate())
        is(r[7], d:strip())
        is(r[2], decimal.floor(r[1]))
      end)
    end

    it("fails with nil, DECIMAL_RANGE past DIGITS_MAX digits, as every operation (found by fuzzing: raised)", function()
      local huge = decimal("1e999999999")
      for _, op in ipairs { "floor", "ceiling", "trunc" } do
        local ok, v, err = pcall(huge[op], huge)
        assert.is_true(ok, tostring(v))
        assert.is_nil(v)
        assert.equal("DECIMAL_RANGE", err.code)
        assert.equal("decimal." .. op .. ": result out of the decimal range", err.message)
      end
    end)
  end)

  describe("sqrt, ln, exp", function()
    local rows = {
      { "sqrt", 2, nil, nil, "1.414213562373095048801688724209698" },
      { "sqrt", 3, nil, nil, "1.732050807568877293527446341505872" },
      { "sqrt", 16, nil, nil, "4" },
      { "sqrt", "0.25", nil, nil, "0.5" },
      { "sqrt", "4.00", nil, nil, "2.0" },
      { "sqrt", "1E+2", nil, nil, "1E+1" },
      { "sqrt", "0.0000", nil, nil, "0.00" },
      { "sqrt", 2, 10, nil, "1.414213562" },
      { "sqrt", 2, 10, "up", "1.414213563" },
      { "exp", 1, nil, nil, "2.718281828459045235360287471352662" },
      { "exp", -1, nil, nil, "0.3678794411714423215955237701614609" },
      { "exp", 0, nil, nil, "1" },
      { "exp", 1, 10, nil, "2.718281828" },
      { "exp", 100, nil, nil, "2.688117141816135448412625551580014E+43" },
      { "exp", "-1E-50", nil, nil, "1.000000000000000000000000000000000" },
      { "exp", "-1E-50", nil, "down", "0.9999999999999999999999999999999999" },
      { "exp", "1E-50", nil, "up", "1.000000000000000000000000000000001" },
      { "ln", 2, nil, nil, "0.6931471805599453094172321214581766" },
      { "ln", "0.5", nil, nil, "-0.6931471805599453094172321214581766" },
      { "ln", 10, nil, nil, "2.302585092994045684017991454684364" },
      { "ln", 1, nil, nil, "0" },
      { "ln", 2, 5, nil, "0.69315" },
      { "ln", "1E+999999999", nil, nil, "2302585090.691460591023945770666373" },
    }
    for _, r in ipairs(rows) do
      it(("%s(%s, %s, %s) = %s"):format(r[1], r[2], tostring(r[3]), tostring(r[4]), r[5]), function()
        is(r[5], decimal[r[1]](r[2], r[3], r[4]))
      end)
    end

    it("keeps ln near 1 to full precision", function()
      -- ln(1 + x) = x - x^2/2 + x^3/3 - ...: 1E-10 - 5E-21 + 3.33E-31
      is("9.999999999500000000033333333330833E-11", decimal.ln("1.0000000001"))
    end)

    it("fails outside the domain or the range", function()
      fails("DECIMAL_DOMAIN", decimal.sqrt(-1))
      fails("DECIMAL_DOMAIN", decimal.ln(0))
      fails("DECIMAL_DOMAIN", decimal.ln(-2))
      fails("DECIMAL_RANGE", decimal.exp("1E+10"))
      fails("DECIMAL_RANGE", decimal.exp(-3000000000))
      fails("ROUNDING_NECESSARY", decimal.exp(1, 34, "unnecessary"))
    end)
  end)

  describe("operators", function()
    it("mix decimals with Lua numbers on either side", function()
      local d = decimal
      is("1.1", d(1) + 0.1)
      is("1.1", 0.1 + d(1))
      is("3.0", 2 * d("1.5"))
      is("2.5", 10 / d(4))
      is(thirds, d(1) / 3)
      is("0.3", d("0.1") + d("0.2"))
      is("-0.5", d("0.5") - 1)
      is("3", d(7) // 2)
      is("2", d(-7) % 3)
      is("1024", d(2) ^ 10)
      is("0.25", d(2) ^ -2)
      is("8", 2 ^ d(3))
      is("-1.50", -d("1.50"))
      is("9223372036854775808", d(math.maxinteger) + 1)
      is("-9223372036854775809", d(math.mininteger) - 1)
      assert.is_true(d("0.1") + d("0.2") == d("0.3"))
    end)

    it("raise where the functions return nil, err", function()
      local d = decimal
      assert.has_error(function() return d(1) / 0 end, "decimal division by zero")
      assert.has_error(function() return d(1) % 0 end, "decimal division by zero")
      assert.has_error(function() return d(2) ^ 0.5 end)
      assert.has_error(function() return d(1) + {} end)
      assert.has_error(function() return d(1) + (1 / 0) end)
    end)

    it("give a whole result that fits back as a Lua integer", function()
      assert.equal(3, (decimal("1.5") * 2):tointeger())
      assert.equal(math.type(3), math.type((decimal("1.5") * 2):tonumber()))
      assert.is_nil((decimal(1) / 3):tointeger())
    end)
  end)

  describe("under the collector", function()
    it("keeps results intact while garbage is collected between operations", function()
      collectgarbage("generational")
      local acc = decimal(0)
      for i = 1, 2000 do
        acc = decimal.add(acc, decimal.div(1, i, 40))
        if i % 100 == 0 then collectgarbage("step") end
      end
      collectgarbage("incremental")
      -- harmonic number H(2000) = 8.178368103610282...
      is("8.178368103610282", decimal.round_to(acc, 16))
    end)
  end)
end)
