-- luaforce.soql.literals: Lua values -> SOQL literal text, as a user of the
-- builder sees it: escaping that survives the parser, numbers without
-- exponents, typed dates and date-times, null, date literals, currency,
-- checked names, and the errors bad values raise.
local literals = require "luaforce.soql.literals"
local parser = require "luaforce.soql.parser"
local decimal = require "luaforce.decimal"
local json = require "luaforce.json"
local support = require "support.soql_built"

-- Asserts that fn(...) raises the builder's error (INVALID_SOQL, exit 2)
-- whose message contains `fragment`.
local function raises(fragment, fn, ...)
  local args = table.pack(...)
  return support.raises(function() return fn(table.unpack(args, 1, args.n)) end, fragment)
end

-- The literal node the parser reads from `Name = <text>`.
local function parsed(text)
  local ast = assert(parser.parse("SELECT Id FROM Account WHERE Name = " .. text))
  return ast.where.right
end

describe("luaforce.soql.literals", function()
  describe("literal_text: any Lua value as SOQL", function()
    local rows = {
      { "a string", "Acme", "'Acme'" },
      { "quotes and backslash", [[O'Brien "Bob" \]], [['O\'Brien \"Bob\" \\']] },
      { "named control characters", "\n\r\t\b\f", [['\n\r\t\b\f']] },
      { "other control characters, DEL and C1 as \\u", "a\0b\31c\127d\194\133e", [['a\u0000b\u001Fc\u007Fd\u0085e']] },
      { "UTF-8 text as it is", "Zoë 日本 😀", "'Zoë 日本 😀'" },
      { "the empty string", "", "''" },
      { "LIKE wildcards are not escaped in plain strings", "50%_off", "'50%_off'" },
      { "an integer", 42, "42" },
      { "the smallest integer", math.mininteger, "-9223372036854775808" },
      { "a float in shortest form", 0.1, "0.1" },
      { "an integral float without .0", 3.0, "3" },
      { "a big float without exponent", 1e20, "100000000000000000000" },
      { "a small float without exponent", -1.5e-7, "-0.00000015" },
      { "negative zero", -0.0, "0" },
      { "a decimal with every digit", decimal("12345678901234567890.125"), "12345678901234567890.125" },
      { "a decimal with an exponent, plainly", decimal("1.5E+3"), "1500" },
      { "true", true, "true" },
      { "false", false, "false" },
      { "soql NULL", literals.NULL, "null" },
      { "json.null", json.null, "null" },
      { "a date table", { year = 2024, month = 2, day = 29 }, "2024-02-29" },
      { "a date-time table (UTC)", { year = 2024, month = 1, day = 31, hour = 10, min = 5, sec = 9 },
        "2024-01-31T10:05:09Z" },
      { "a date-time table without seconds", { year = 2024, month = 1, day = 31, hour = 0, min = 0 },
        "2024-01-31T00:00:00Z" },
      { "a date-time table with an offset", { year = 2024, month = 1, day = 31, hour = 10, min = 0, offset = "+0530" },
        "2024-01-31T10:00:00+05:30" },
      { "a date-time table with offset minutes", { year = 2024, month = 1, day = 31, hour = 10, min = 0, offset = -480 },
        "2024-01-31T10:00:00-08:00" },
      { "a typed value", literals.date("2023-12-31"), "2023-12-31" },
      { "raw text, as given", literals.raw("USD5000"), "USD5000" },
    }
    for _, row in ipairs(rows) do
      it(row[1], function() assert.equal(row[3], literals.literal_text(row[2])) end)
    end

    it("strings the parser reads back to the same value", function()
      for _, s in ipairs { [[it's]], [[a\b]], '"q"', "line\nnext", "tab\there", "\0\1\127", "Zoë", "\194\133",
          [[\']], [[end\]] } do
        local node = parsed(literals.literal_text(s))
        assert.equal("string", node.kind)
        assert.equal(s, node.value)
      end
    end)

    it("a string with a quote cannot end the literal early", function()
      local node = parsed(literals.literal_text("x' OR Name != 'x"))
      assert.equal("x' OR Name != 'x", node.value)
    end)

    it("dates and date-times parse as the literals they are", function()
      assert.equal("date", parsed(literals.literal_text({ year = 2024, month = 2, day = 29 })).kind)
      assert.equal("datetime", parsed(literals.literal_text({ year = 2024, month = 2, day = 29, hour = 1, min = 2 })).kind)
    end)

    it("the 4,000-character rule applies only when asked, counting characters", function()
      local ok = ("é"):rep(4000)
      assert.equal("'" .. ok .. "'", literals.literal_text(ok, true))
      raises("string of 4001 characters in WHERE: SOQL allows at most 4000", literals.literal_text, ok .. "x", true,
        "WHERE")
      assert.equal(4003, #literals.literal_text(("a"):rep(4001)))
    end)

    local bad = {
      { "nil", nil, "missing value for Name (Lua nil; use soql.NULL for SOQL null)", "Name" },
      { "nan", 0 / 0, "nan is not a number SOQL can hold" },
      { "infinity", math.huge, "inf is not a number SOQL can hold" },
      { "minus infinity", -math.huge, "-inf is not a number SOQL can hold" },
      { "invalid UTF-8", "ab\255", "invalid UTF-8 at byte 3" },
      { "a surrogate", "\237\160\128", "invalid UTF-8 at byte 1" },
      { "a function", print, "function is not a SOQL value (Name)", "Name" },
      { "a table that is not a date", { a = 1 }, "table is not a SOQL value" },
      { "an impossible date", { year = 2023, month = 2, day = 29 }, "invalid date: 2023-02-29 is not a calendar date" },
      { "a month out of range", { year = 2023, month = 13, day = 1 }, "invalid date: month = 13 (expecting an integer from 1 to 12)" },
      { "an hour out of range", { year = 2023, month = 1, day = 1, hour = 24, min = 0 },
        "invalid date-time: hour = 24 (expecting an integer from 0 to 23)" },
      { "a bad offset", { year = 2023, month = 1, day = 1, hour = 1, min = 0, offset = "+19:00" },
        "invalid time zone offset \"+19:00\"" },
    }
    for _, row in ipairs(bad) do
      it("refuses " .. row[1], function() raises(row[3], literals.literal_text, row[2], false, row[4]) end)
    end
  end)

  describe("escape and escape_like: text for quotes you write yourself", function()
    it("escape", function()
      assert.equal([[O\'Brien \\ \"x\" \n]], literals.escape("O'Brien \\ \"x\" \n"))
      assert.equal("50%_", literals.escape("50%_"))
      raises("invalid UTF-8 at byte 2", literals.escape, "a\200")
      assert.has_error(function() literals.escape(5) end, "bad argument #1 to 'escape' (string expected, got number)")
    end)

    it("escape_like also makes % and _ literal", function()
      assert.equal([[50\%\_off \\ \']], literals.escape_like([[50%_off \ ']]))
      local ast = assert(parser.parse("SELECT Id FROM Account WHERE Name LIKE '" .. literals.escape_like("a%b") .. "'"))
      assert.equal([[a\%b]], ast.where.right.raw)
    end)

    it("LIKE patterns: wildcards stay, backslash escapes only % _ and itself", function()
      assert.equal([['Ac%\_x\\']], literals.pattern_literal([[Ac%\_x\\]]))
      assert.equal([[\%]], literals.pattern_literal(literals.like_escape("%")):sub(2, -2))
      raises("a backslash must be followed by %, _ or another backslash", literals.pattern_literal, [[a\b]])
    end)
  end)

  describe("typed values", function()
    it("date and datetime from text, checked", function()
      assert.equal("2024-02-29", tostring(literals.date("2024-02-29")))
      assert.equal("date", literals.date("2024-02-29").kind)
      assert.equal("2024-01-31T10:00:00.123-08:00", tostring(literals.datetime("2024-01-31T10:00:00.123-08:00")))
      assert.equal("2024-01-31T10:00:00.000+00:00", tostring(literals.datetime("2024-01-31T10:00:00.000+0000")))
      assert.equal("2024-01-31T10:00:00Z", tostring(literals.datetime("2024-01-31T10:00:00Z")))
      raises("invalid date \"2024-2-1\" (expecting YYYY-MM-DD)", literals.date, "2024-2-1")
      raises("invalid date \"2023-02-29\": not a calendar date", literals.date, "2023-02-29")
      raises("the time zone is missing (add Z for UTC)", literals.datetime, "2024-01-31T10:00:00")
      raises("no such time of day", literals.datetime, "2024-01-31T24:00:00Z")
      assert.has_error(function() literals.date(20240101) end,
        "bad argument #1 to 'date' (string or table expected, got number)")
    end)

    it("epoch seconds as a UTC date-time, milliseconds kept", function()
      assert.equal("2023-11-14T22:13:20Z", tostring(literals.epoch(1700000000)))
      assert.equal("1969-12-31T23:59:59.500Z", tostring(literals.epoch(-0.5)))
      assert.equal("0001-01-01T00:00:00Z", tostring(literals.epoch(-62135596800)))
      assert.equal("9999-12-31T23:59:59Z", tostring(literals.epoch(253402300799)))
      raises("outside the years 0000-9999", literals.epoch, 253402300800)
      raises("is not a time", literals.epoch, 0 / 0)
    end)

    it("date literals by name, any case, with :n when they take one", function()
      assert.equal("TODAY", tostring(literals.literal("today")))
      assert.equal("LAST_N_DAYS:30", tostring(literals.literal("LAST_N_DAYS", 30)))
      assert.equal("NEXT_N_WEEKS:2", tostring(literals.literal("next_n_weeks:2")))
      for name, takes_n in pairs(parser.DATE_LITERALS) do
        local v = takes_n and literals.literal(name, 1) or literals.literal(name)
        assert.equal("date_literal", parsed(tostring(v)).kind)
      end
      raises("unknown date literal \"SOMEDAY\"", literals.literal, "SOMEDAY")
      raises("date literal TODAY takes no number", literals.literal, "TODAY", 1)
      raises("date literal LAST_N_DAYS needs a non-negative integer, got -1", literals.literal, "LAST_N_DAYS", -1)
      raises("already has its number", literals.literal, "LAST_N_DAYS:3", 4)
    end)

    it("currency: a three-letter code and an unsigned amount", function()
      assert.equal("USD100", tostring(literals.currency("usd", 100)))
      assert.equal("EUR50.5", tostring(literals.currency("EUR", 50.5)))
      assert.equal("JPY1000.00", tostring(literals.currency("JPY", decimal("1000.00"))))
      assert.equal("currency", parsed(tostring(literals.currency("GBP", "7.25"))).kind)
      raises("invalid currency code \"US\"", literals.currency, "US", 1)
      raises("SOQL currency literals cannot be negative", literals.currency, "USD", -1)
      raises("invalid currency amount \"1e3\"", literals.currency, "USD", "1e3")
    end)

    it("typed values are not data tables; decoded JSON tables are", function()
      assert.is_true(literals.is_value(literals.NULL))
      assert.is_false(literals.is_plain(literals.NULL))
      assert.is_true(literals.is_plain(json.decode('{"a": 1}')))
      assert.is_false(literals.is_value({}))
      assert.has_error(function() literals.raw(1) end, "bad argument #1 to 'raw' (string expected, got number)")
    end)
  end)

  describe("names are checked, never escaped", function()
    it("a single name", function()
      assert.equal("Account__c", literals.name("Account__c", "object name"))
      raises("invalid object name \"Acc-ount\"", literals.name, "Acc-ount", "object name")
      raises("invalid alias \"Select\": a SOQL reserved word", literals.name, "Select", "alias", true)
      assert.equal("Select", literals.name("Select", "object name"))
    end)

    it("a field path and its hops", function()
      local text, segs = literals.path("Account.Owner.Name")
      assert.equal("Account.Owner.Name", text)
      assert.same({ "Account", "Owner", "Name" }, segs)
      raises("invalid field name \"Name; DROP\"", literals.path, "Name; DROP")
      raises("invalid field name \"LIMIT\": a SOQL reserved word", literals.path, "LIMIT")
      raises("follows 6 relationships; SOQL allows at most 5", literals.path, "A.B.C.D.E.F.Name")
      assert.equal("c.A.B.C.D.E.Name", (literals.path("c.A.B.C.D.E.Name", "field", { C = true })))
    end)
  end)

  describe("messages show values readably", function()
    it("shown", function()
      assert.equal('"abc"', literals.shown("abc"))
      assert.equal('"a\\n"', literals.shown("a\n"))
      assert.equal('"\\255"', literals.shown("\255"))
      assert.equal(40 + 2, #literals.shown(("x"):rep(100)))
      assert.equal("12", literals.shown(12))
    end)

    it("sorted_keys sorts bytewise, whatever the locale", function()
      assert.same({ "B", "a", "b" }, literals.sorted_keys { b = 1, a = 1, B = 1, [1] = 1 })
    end)
  end)
end)
