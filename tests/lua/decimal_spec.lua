-- luaforce.decimal: exact decimals, text in and out, conversion, comparison.
local decimal = require "luaforce.decimal"
local errors = require "luaforce.errors"

-- 1000 significant digits, and variants of it
local digits1000 = ("1234567890"):rep(100)
local big_int = digits1000                                  -- 1000-digit integer
local big_frac = digits1000:sub(1, 500) .. "." .. digits1000:sub(501)
local big_next = digits1000:sub(1, 999) .. "1"               -- last digit 0 -> 1

local function row_name(row)
  local s = tostring(row[1])
  if #s > 40 then s = s:sub(1, 20) .. "...(" .. #s .. " chars)" end
  return s
end

describe("luaforce.decimal", function()
  describe("text round trips", function()
    -- { input, tostring, plain (when it differs from or is worth checking) }
    local rows = {
      { "123456789012345678901234567890", "123456789012345678901234567890" },
      { "-9223372036854775809", "-9223372036854775809" },
      { "0.1000000000000000055511151231257827", "0.1000000000000000055511151231257827" },
      { "1.50", "1.50", "1.50" },
      { "1E+400", "1E+400", "1" .. ("0"):rep(400) },
      { "1e400", "1E+400" },
      { "-0", "0" },
      { "-0.00", "0.00" },
      { "0.000", "0.000", "0.000" },
      { "0E+3", "0E+3", "0" },
      { "0e-10", "0E-10", "0.0000000000" },
      { "1.23E+5", "1.23E+5", "123000" },
      { "12300e-2", "123.00" },
      { "-1.5e-9", "-1.5E-9", "-0.0000000015" },
      { "0.000001", "0.000001" },
      { "0.0000001", "1E-7", "0.0000001" },
      { "123.456e-10", "1.23456E-8", "0.0000000123456" },
      { "1e-6", "0.000001" },
      { "5e0", "5" },
      { "+7", "7" },
      { "007.10", "7.10" },
      { ".5", "0.5" },
      { "5.", "5" },
      { "-.25e1", "-2.5" },
      { "1e+999999999", "1E+999999999" },
      { "1e-999999999", "1E-999999999" },
      { "12.5e999999999", "1.25E+1000000000" },
      { big_int, big_int },
      { big_frac, big_frac, big_frac },
      { "-" .. big_frac, "-" .. big_frac },
      { "0." .. ("0"):rep(700) .. "1", "1E-701", "0." .. ("0"):rep(700) .. "1" },
    }
    for _, row in ipairs(rows) do
      local input, text, plain = row[1], row[2], row[3]
      it(row_name(row) .. " prints as " .. (#text > 40 and "itself" or text), function()
        local d = decimal(input)
        assert.equal(text, tostring(d))
        assert.equal(text, d:tostring())
        if plain then assert.equal(plain, d:plain()) end
        -- the printed text reads back to the same value and scale
        local back = decimal(text)
        assert.equal(text, tostring(back))
        assert.equal(d:scale(), back:scale())
        assert.is_true(back == d)
      end)
    end
  end)

  describe("scale and precision", function()
    -- { input, scale, precision, sign, is_integer }
    local rows = {
      { "1.50", 2, 3, 1, false },
      { "1.00", 2, 3, 1, true },
      { "-1E+3", -3, 1, -1, true },
      { "0.000", 3, 1, 0, true },
      { "-0", 0, 1, 0, true },
      { "0.5", 1, 1, 1, false },
      { "-123456789012345678901234567890.1", 1, 31, -1, false },
      { big_int, 0, 1000, 1, true },
      { big_frac, 500, 1000, 1, false },
      { big_int .. "e-3", 3, 1000, 1, false },       -- ends in "890": 890/1000
      { big_int .. "e-1", 1, 1000, 1, true },        -- ends in "0"
    }
    for _, row in ipairs(rows) do
      it(row_name(row), function()
        local d = decimal(row[1])
        assert.equal(row[2], d:scale())
        assert.equal(row[3], d:precision())
        assert.equal(row[4], d:sign())
        assert.equal(row[5], d:is_integer())
      end)
    end
  end)

  describe("from Lua numbers", function()
    -- { number, tostring }
    local rows = {
      { 0.1, "0.1" },
      { 1e21, "1E+21" },
      { 1e20, "100000000000000000000.0" },
      { 5e-324, "5E-324" },
      { 2.2250738585072014e-308, "2.2250738585072014E-308" },
      { -0.0, "0.0" },
      { 100.0, "100.0" },
      { 1.5, "1.5" },
      { -2.5e-7, "-2.5E-7" },
      { 1 / 3, "0.3333333333333333" },
      { 0, "0" },
      { 1000, "1000" },
      { -42, "-42" },
      { math.maxinteger, "9223372036854775807" },
      { math.mininteger, "-9223372036854775808" },
    }
    for _, row in ipairs(rows) do
      it(("%s (%s)"):format(row[2], math.type(row[1])), function()
        local d = decimal(row[1])
        assert.equal(row[2], tostring(d))
        -- floats read back to the same double, integers to the same integer
        assert.equal(math.type(row[1]) == "integer" and row[1] or row[1] + 0.0,
          math.type(row[1]) == "integer" and d:tointeger() or tonumber(tostring(d)))
      end)
    end

    it("refuses nan and infinities with an error object", function()
      for _, x in ipairs { 0 / 0, math.huge, -math.huge } do
        local ok, err = pcall(decimal, x)
        assert.is_false(ok)
        assert.is_true(errors.is(err))
        assert.equal(2, err.exit)
        assert.matches("cannot be a decimal", tostring(err))
      end
    end)

    it("returns a decimal given a decimal", function()
      local d = decimal "1.50"
      assert.equal(d, decimal(d))
      assert.is_true(rawequal(d, decimal.new(d)))
    end)
  end)

  describe("invalid text", function()
    -- { input, message pattern }
    local rows = {
      { "", '"" is not a decimal number' },
      { "1e", '"1e" is not a decimal number' },
      { "abc", '"abc" is not a decimal number' },
      { "nan", '"nan" is not a decimal number' },
      { "inf", '"inf" is not a decimal number' },
      { "1.2.3", '"1.2.3" is not a decimal number' },
      { " 1", '" 1" is not a decimal number' },
      { "1 ", '"1 " is not a decimal number' },
      { "0x10", '"0x10" is not a decimal number' },
      { "-", '"%-" is not a decimal number' },
      { ".", '"%." is not a decimal number' },
      { "1e+", '"1e%+" is not a decimal number' },
      { "--1", '"%-%-1" is not a decimal number' },
      { "1_000", '"1_000" is not a decimal number' },
      { "1\0", "is not a decimal number" },
      { "1e1000000000", "out of the decimal range" },
      { "1e-1000000000", "out of the decimal range" },
      { "0.1e-999999999", "out of the decimal range" },
      { "1e99999999999999999999999", "out of the decimal range" },
      { ("9"):rep(100) .. "x", '"9999.-%.%.%."' },  -- long input is cut in the message
    }
    for _, row in ipairs(rows) do
      it(("%q"):format(row[1]), function()
        local ok, err = pcall(decimal.new, row[1])
        assert.is_false(ok)
        assert.is_true(errors.is(err))
        assert.equal("INVALID_DECIMAL", err.code)
        assert.equal(2, err.exit)
        assert.equal(row[1], err.input)
        assert.matches(row[2], tostring(err))

        local d, err2 = decimal.parse(row[1])
        assert.is_nil(d)
        assert.equal(err.message, err2.message)
      end)
    end

    it("raises a plain argument error for other types", function()
      assert.has_error(function() decimal({}) end,
        "bad argument #1 to 'decimal' (number, string or decimal expected, got table)")
      assert.has_error(function() decimal.parse(true) end,
        "bad argument #1 to 'parse' (number, string or decimal expected, got boolean)")
    end)
  end)

  describe("comparison", function()
    -- { a, b, compare(a, b) }
    local rows = {
      { "1.0", "1", 0 },
      { "1", "1.000000000000000000000000000000", 0 },
      { "100", "1E+2", 0 },
      { "0", "-0.000", 0 },
      { "0E+5", "0E-5", 0 },
      { "1.5", "1.50", 0 },
      { "1.5", "1.51", -1 },
      { "1.51", "1.5", 1 },
      { "-1.5", "-1.51", 1 },
      { "-1", "1", -1 },
      { "-1", "0", -1 },
      { "0", "0.0000001", -1 },
      { "-0.0000001", "0", -1 },
      { "9", "10", -1 },
      { "0.99", "1", -1 },
      { "99999999999999999999", "1E+20", -1 },
      { "123456789012345678901234567890", "123456789012345678901234567891", -1 },
      { "-9223372036854775809", "-9223372036854775808", -1 },
      { "18446744073709551616", "18446744073709551615.9", 1 },  -- 2^64, across a limb
      { big_int, big_int, 0 },
      { big_int, big_next, -1 },
      { big_frac, big_int, -1 },
      { big_int .. ".000", big_int, 0 },
      { big_int, "1.3E+999", -1 },
      { big_int, "1.2E+999", 1 },
      -- a long shift between exponents (digit-string path)
      { "1" .. ("0"):rep(300), "1E+300", 0 },
      { "1" .. ("0"):rep(299) .. "1", "1E+300", 1 },
      { "1E+300", "1" .. ("0"):rep(299) .. "1", -1 },
      { "9" .. ("9"):rep(299), "1E+300", -1 },
      { "-1" .. ("0"):rep(299) .. "1", "-1E+300", -1 },
      -- a short shift (multiply path)
      { "12.3456789012345678901234567", "12.34567890123456789012345670000", 0 },
      { "12.3456789012345678901234567", "12.34567890123456789012345670001", -1 },
    }
    for _, row in ipairs(rows) do
      local a, b, expected = row[1], row[2], row[3]
      it(("%s vs %s"):format(row_name { a }, row_name { b }), function()
        local da, db = decimal(a), decimal(b)
        assert.equal(expected, decimal.compare(da, db))
        assert.equal(-expected, decimal.compare(db, da))
        assert.equal(expected, decimal.compare(a, b)) -- numeric strings
        assert.equal(expected == 0, da == db)
        assert.equal(expected < 0, da < db)
        assert.equal(expected <= 0, da <= db)
        assert.equal(expected > 0, da > db)
        assert.equal(expected >= 0, da >= db)
      end)
    end

    it("with Lua numbers", function()
      local d = decimal "2.5"
      assert.equal(0, decimal.compare(d, 2.5))
      assert.equal(1, decimal.compare(d, 2))
      assert.equal(-1, decimal.compare(2, d))
      assert.equal(-1, decimal.compare(d, math.huge))
      assert.equal(1, decimal.compare(d, -math.huge))
      assert.equal(0, decimal.compare(decimal(0.1), "0.1"))
      assert.is_true(d < 3)
      assert.is_true(2 < d)
      assert.is_true(d <= 2.5)
      assert.is_false(d < 0 / 0)
      assert.is_false(d <= 0 / 0)
      assert.equal(1, decimal.compare("9223372036854775808", math.maxinteger))
      assert.equal(-1, decimal.compare("-9223372036854775809", math.mininteger))
      assert.is_false(decimal(1) == 1) -- Lua calls __eq only for two userdata
    end)

    it("raises on nan and on other types", function()
      assert.has_error(function() decimal.compare(decimal "1", 0 / 0) end)
      assert.has_error(function() decimal.compare("x", 1) end)
      assert.has_error(function() decimal.compare({}, 1) end,
        "bad argument #1 to 'compare' (number, string or decimal expected, got table)")
      assert.has_error(function() return decimal "1" < "2" end)
      local ok, err = pcall(function() return decimal "1" < {} end)
      assert.is_false(ok)
      assert.matches("attempt to compare luaforce.decimal with table", err)
    end)

    it("is.is tells decimals apart", function()
      assert.is_true(decimal.is(decimal "1"))
      assert.is_false(decimal.is(1))
      assert.is_false(decimal.is("1"))
      assert.is_false(decimal.is(io.stdout))
      assert.is_false(decimal "1" == io.stdout)
    end)

    it("sorts mixed scales and lengths", function()
      local list = { "10", "-1.5", "1E+2", "0.001", "-0", big_int, "1.0", "-" .. big_int, "0.0010" }
      local ds = {}
      for i, s in ipairs(list) do ds[i] = decimal(s) end
      table.sort(ds)
      local out = {}
      for i, d in ipairs(ds) do out[i] = d:plain() end
      assert.same({ "-" .. big_int, "-1.5", "0", "0.001", "0.0010", "1.0", "10", "100", big_int }, out)
    end)
  end)

  describe("tonumber and tointeger", function()
    -- { input, tonumber, math.type of it, tointeger }
    local rows = {
      { "9223372036854775807", math.maxinteger, "integer", math.maxinteger },
      { "-9223372036854775808", math.mininteger, "integer", math.mininteger },
      { "9223372036854775808", 2.0 ^ 63, "float", nil },
      { "-9223372036854775809", -(2.0 ^ 63), "float", nil },
      { "1.5", 1.5, "float", nil },
      { "-1.5", -1.5, "float", nil },
      { "1E+3", 1000, "integer", 1000 },
      { "1.000", 1, "integer", 1 },
      { "9223372036854775807.000", math.maxinteger, "integer", math.maxinteger },
      { "922337203685477580.7E+1", math.maxinteger, "integer", math.maxinteger },
      { "-0.000", 0, "integer", 0 },
      { "0.1", 0.1, "float", nil },
      { "0.1000000000000000055511151231257827", 0.1, "float", nil },
      { "1E+19", 1e19, "float", nil },
      { "1E+400", math.huge, "float", nil },
      { "-1E+400", -math.huge, "float", nil },
      { "1E-400", 0.0, "float", nil },
      { "123456789012345678901234567890", 1.2345678901234568e29, "float", nil },
      { "2.4703282292062328e-324", 5e-324, "float", nil },   -- just above half: rounds up
      { "2.4703282292062327e-324", 0.0, "float", nil },      -- just below half: rounds to 0
      { big_int, tonumber(big_int), "float", nil },
    }
    for _, row in ipairs(rows) do
      it(row_name(row), function()
        local d = decimal(row[1])
        local n = d:tonumber()
        assert.equal(row[2], n)
        assert.equal(row[3], math.type(n))
        assert.equal(row[4], d:tointeger())
        assert.equal(n, decimal.tonumber(row[1]))
        assert.equal(row[4], decimal.tointeger(row[1]))
      end)
    end

    it("does not depend on the C locale's decimal point", function()
      local old = os.setlocale(nil, "numeric")
      if not os.setlocale("de_DE.UTF-8", "numeric") then
        pending("no de_DE locale on this machine")
        return
      end
      local ok, n = pcall(function() return decimal("1.25"):tonumber() end)
      os.setlocale(old, "numeric")
      assert.is_true(ok)
      assert.equal(1.25, n)
    end)
  end)

  describe("methods and metamethods", function()
    it("concatenates with strings and numbers", function()
      local d = decimal "1.50"
      assert.equal("x=1.50", "x=" .. d)
      assert.equal("1.50 EUR", d .. " EUR")
      assert.equal("1.501.50", d .. d)
      assert.equal("21.50", 2 .. d)
      assert.equal("1E+400!", decimal "1e400" .. "!")
      assert.has_error(function() return d .. {} end, "attempt to concatenate a table value")
    end)

    it("names its type in argument errors", function()
      local d = decimal "1"
      assert.has_error(function() d.tostring(1) end)
      local ok, err = pcall(d.plain, "x")
      assert.is_false(ok)
      assert.matches("luaforce.decimal expected", err)
      assert.equal("luaforce.decimal", getmetatable(d).__name)
    end)

    it("survives the collector with many values alive", function()
      local keep = {}
      for i = 1, 2000 do keep[i] = decimal(("%d.%03d"):format(i, i % 1000) .. ("7"):rep(i % 50)) end
      collectgarbage()
      collectgarbage()
      for i = 1, 2000, 97 do
        assert.equal(("%d.%03d"):format(i, i % 1000) .. ("7"):rep(i % 50), tostring(keep[i]))
      end
    end)
  end)
end)
