-- luaforce.soql.lexer: SOQL text to tokens, called directly. Token kinds,
-- texts and byte positions; number values (integer, float, or a decimal
-- when a double would lose digits); strings with every escape, `raw` and
-- the LIKE escape mark; dates and date-times checked against the calendar;
-- and the error token that ends the list, with its position and reason.
-- What the parser makes of the tokens is parser_spec's.
local lexer = require "luaforce.soql.lexer"
local decimal = require "luaforce.decimal"

-- The tokens of `text` as "kind text@position" strings.
local function shape(text)
  local out = {}
  for i, t in ipairs(lexer.tokenize(text)) do out[i] = ("%s %s@%d"):format(t.k, t.t, t.p) end
  return out
end

-- A test name for `text`: in brackets, control characters as escapes.
local function named(text)
  return "[" .. text:gsub("%c", { ["\n"] = "\\n", ["\t"] = "\\t" }) .. "]"
end

-- The one token `text` makes, checked to be followed by the end.
local function only(text)
  local toks = lexer.tokenize(text)
  assert.equal(2, #toks, text)
  assert.equal("eof", toks[2].k)
  return toks[1]
end

-- The last token of `text`, checked to be an error.
local function failure(text)
  local toks = lexer.tokenize(text)
  local last = toks[#toks]
  assert.equal("error", last.k, text)
  return last
end

describe("luaforce.soql.lexer", function()
  describe("token kinds and positions", function()
    -- { text, the tokens }
    local rows = {
      { "", { "eof <EOF>@1" } },
      { "   ", { "eof <EOF>@4" } },
      { "SELECT Id FROM Account",
        { "id SELECT@1", "id Id@8", "id FROM@11", "id Account@16", "eof <EOF>@23" } },
      { " \t\nId\n", { "id Id@4", "eof <EOF>@7" } },
      { "Account.Name, (x)",
        { "id Account@1", "punct .@8", "id Name@9", "punct ,@13", "punct (@15", "id x@16", "punct )@17",
          "eof <EOF>@18" } },
      { "a!=1<>2<=3>=4<5>6=7", { "id a@1", "punct !=@2", "num 1@4", "punct <>@5", "num 2@7", "punct <=@8",
        "num 3@10", "punct >=@11", "num 4@13", "punct <@14", "num 5@15", "punct >@16", "num 6@17", "punct =@18",
        "num 7@19", "eof <EOF>@20" } },
      { "LAST_N_DAYS:30", { "id LAST_N_DAYS@1", "punct :@12", "num 30@13", "eof <EOF>@15" } },
      { "N_DAYS_AGO:-2", { "id N_DAYS_AGO@1", "punct :@11", "num -2@12", "eof <EOF>@14" } },
      { "Name__c a_1", { "id Name__c@1", "id a_1@9", "eof <EOF>@12" } },
      { "F = -5", { "id F@1", "punct =@3", "num -5@5", "eof <EOF>@7" } },
      { "F = 2024-01-31", { "id F@1", "punct =@3", "date 2024-01-31@5", "eof <EOF>@15" } },
      { "F>2024-01-31T10:00:00-08:00)", { "id F@1", "punct >@2", "datetime 2024-01-31T10:00:00-08:00@3",
        "punct )@28", "eof <EOF>@29" } },
      { "Name = 'Zoë' AND", { "id Name@1", "punct =@6", "str 'Zoë'@8", "id AND@15", "eof <EOF>@18" } },
      -- currency: letters, digits and a fraction glued on
      { "USD100 EUR50.5", { "id USD100@1", "id EUR50.5@8", "eof <EOF>@15" } },
      { "USD50.5.3", { "id USD50.5@1", "num .3@8", "eof <EOF>@10" } },
      { "ABCD50.5", { "id ABCD50@1", "num .5@7", "eof <EOF>@9" } },
    }
    for _, row in ipairs(rows) do
      it(named(row[1]), function()
        assert.same(row[2], shape(row[1]))
      end)
    end

    it("upper-cases identifiers in u, keeping their text", function()
      local t = only("sElEcT")
      assert.equal("sElEcT", t.t)
      assert.equal("SELECT", t.u)
    end)
  end)

  describe("numbers", function()
    -- { text, value, Lua type of the value ("integer", "float", "decimal"), integer syntax? }
    local rows = {
      { "42", 42, "integer", true },
      { "-7", -7, "integer", true },
      { "+7", 7, "integer", true },
      { "007", 7, "integer", true },
      { "0", 0, "integer", true },
      { "9223372036854775807", math.maxinteger, "integer", true },
      { "-9223372036854775808", math.mininteger, "integer", true },
      { "9223372036854775808", "9223372036854775808", "decimal", true },
      { "123456789012345678901234567890", "123456789012345678901234567890", "decimal", true },
      { "1.5", 1.5, "float" },
      { ".5", 0.5, "float" },
      { "-.25", -0.25, "float" },
      { "0.1", 0.1, "float" },
      { "1.2345678901234567", 1.2345678901234567, "float" },
      { "0.12345678901234567890", "0.12345678901234567890", "decimal" },
      { "12345678901234567890.5", "12345678901234567890.5", "decimal" },
    }
    for _, row in ipairs(rows) do
      it(row[1] .. " is " .. row[3] .. " " .. tostring(row[2]), function()
        local t = only(row[1])
        assert.equal("num", t.k)
        assert.equal(row[1], t.t)
        assert.equal(row[4], t.int)
        if row[3] == "decimal" then
          assert.is_true(decimal.is(t.v))
          assert.equal(row[2], tostring(t.v))
        else
          assert.equal(row[3], math.type(t.v))
          assert.equal(row[2], t.v)
        end
      end)
    end

    -- number(s): the value of unsigned number text, as a literal has it
    local values = {
      { "100", 100, "integer" }, { "50.5", 50.5, "float" },
      { "99999999999999999999", "99999999999999999999", "decimal" },
    }
    for _, row in ipairs(values) do
      it("number(" .. row[1] .. ")", function()
        local v = lexer.number(row[1])
        if row[3] == "decimal" then
          assert.equal(row[2], tostring(v))
        else
          assert.equal(row[3], math.type(v))
          assert.equal(row[2], v)
        end
      end)
    end
  end)

  describe("strings", function()
    -- { the literal, value, raw }
    local rows = {
      { "'abc'", "abc", "abc" },
      { "''", "", "" },
      { "'Zoë 日本'", "Zoë 日本", "Zoë 日本" },
      { "'line\nbreak'", "line\nbreak", "line\nbreak" },
      { [['O\'Brien']], "O'Brien", [[O\'Brien]] },
      { [['say \"hi\"']], 'say "hi"', [[say \"hi\"]] },
      { [['C:\\temp\\']], [[C:\temp\]], [[C:\\temp\\]] },
      { [['\n\N\r\R\t\T\b\B\f\F']], "\n\n\r\r\t\t\b\b\f\f", [[\n\N\r\R\t\T\b\B\f\F]] },
      { [['\u00e9\u20AC']], "é€", [[\u00e9\u20AC]] },
      { [['\uD83D\uDE00']], "😀", [[\uD83D\uDE00]] },
      { [['\ud83d\ude00']], "😀", [[\ud83d\ude00]] },
      { [['50\%']], "50%", [[50\%]] },
    }
    for _, row in ipairs(rows) do
      it(named(row[1]), function()
        local t = only(row[1])
        assert.equal("str", t.k)
        assert.equal(row[1], t.t)
        assert.equal(row[2], t.v)
        assert.equal(row[3], t.raw)
      end)
    end

    -- { the literal, position of the first \% or \_ (nil: none) }
    local marks = {
      { [['50\%\_off']], 4 },
      { [['a\_b']], 3 },
      { [['a\\%']], nil }, -- an escaped backslash, then a plain %
      { "'50%'", nil },
    }
    for _, row in ipairs(marks) do
      it("marks the LIKE escape of " .. row[1], function()
        assert.equal(row[2], only(row[1]).like_esc)
      end)
    end

    it("marks a string that follows another at once ('O''Brien' is two strings)", function()
      local toks = lexer.tokenize("'O''Brien' 'x'")
      assert.same({ "O", "Brien", "x" }, { toks[1].v, toks[2].v, toks[3].v })
      assert.is_nil(toks[1].after_str)
      assert.is_true(toks[2].after_str)
      assert.is_nil(toks[3].after_str)
    end)
  end)

  describe("dates and date-times", function()
    -- { text, kind }
    local rows = {
      { "2024-01-31", "date" }, { "2024-02-29", "date" }, { "2000-02-29", "date" }, { "0001-01-01", "date" },
      { "2024-01-31T00:00:00Z", "datetime" }, { "2024-12-31T23:59:59Z", "datetime" },
      { "2024-01-31T10:00:00+05:30", "datetime" }, { "2024-01-31T10:00:00-18:00", "datetime" },
      { "2024-01-31T10:00:00.123Z", "datetime" }, { "2024-01-31T10:00:00.5+01:00", "datetime" },
    }
    for _, row in ipairs(rows) do
      it(row[1] .. " is a " .. row[2], function()
        local t = only(row[1])
        assert.equal(row[2], t.k)
        assert.equal(row[1], t.t)
      end)
    end
  end)

  describe("errors", function()
    -- { text, the error token's text, position, reason }
    local rows = {
      { "Id = 1e5", "1e5", 6, "invalid number: '1e5' (SOQL numbers have no exponent)" },
      { "1.5E3", "1.5E3", 1, "invalid number: '1.5E3' (SOQL numbers have no exponent)" },
      { "12abc", "12abc", 1, "invalid number: '12abc'" },
      { "2024-02-30", "2024-02-30", 1, "invalid date: '2024-02-30' is not a calendar date" },
      { "2023-02-29", "2023-02-29", 1, "invalid date: '2023-02-29' is not a calendar date" },
      { "1900-02-29", "1900-02-29", 1, "invalid date: '1900-02-29' is not a calendar date" },
      { "2024-13-01", "2024-13-01", 1, "invalid date: '2024-13-01' is not a calendar date" },
      { "2024-04-31", "2024-04-31", 1, "invalid date: '2024-04-31' is not a calendar date" },
      { "2024-01-00", "2024-01-00", 1, "invalid date: '2024-01-00' is not a calendar date" },
      { "2024-1-31", "2024-1-31", 1, "invalid date: '2024-1-31' (expecting YYYY-MM-DD)" },
      { "2024-01-31T24:00:00Z", "2024-01-31T24:00:00Z", 1,
        "invalid date-time: '2024-01-31T24:00:00Z' has no such time of day" },
      { "2024-01-31T10:60:00Z", "2024-01-31T10:60:00Z", 1,
        "invalid date-time: '2024-01-31T10:60:00Z' has no such time of day" },
      { "2024-01-31T10:00:00", "2024-01-31T10:00:00", 1,
        "invalid date-time: '2024-01-31T10:00:00' (the time zone must be Z, +hh:mm or -hh:mm)" },
      { "2024-01-31T10:00:00+0530", "2024-01-31T10:00:00+0530", 1,
        "invalid date-time: '2024-01-31T10:00:00+0530' (the time zone must be Z, +hh:mm or -hh:mm)" },
      { "2024-01-31T10:00:00+19:00", "2024-01-31T10:00:00+19:00", 1,
        "invalid date-time: '2024-01-31T10:00:00+19:00' has an impossible time zone offset" },
      { "2024-01-31T10:00Z", "2024-01-31T10:00Z", 1,
        "invalid date-time: '2024-01-31T10:00Z' (expecting YYYY-MM-DDThh:mm:ss and Z or +hh:mm)" },
      { "Name = 'abc", "'abc", 8, "unterminated string: no closing quote (') before the end of the query" },
      { "'abc\\", "'abc\\", 1, "unterminated string: no closing quote (') before the end of the query" },
      { [[x = 'a\qb']], [[\q]], 7, [[invalid escape sequence '\q' in string literal]] },
      { [['\é']], [[\é]], 2, [[invalid escape sequence '\é' in string literal]] },
      { [['\u12']], [[\u12']], 2, [[invalid unicode escape: \u needs four hex digits]] },
      { [['\uDE00']], [[\uDE00]], 2, [[invalid unicode escape: '\uDE00' is a lone low surrogate]] },
      { [['\uD83Dx']], [[\uD83D]], 2,
        [[invalid unicode escape: '\uD83D' must be followed by a low surrogate \uDC00-\uDFFF]] },
      { 'Name = "x"', '"', 8, [[no viable alternative at character '"' (SOQL strings use single quotes)]] },
      { "SELECT * FROM A", "*", 8,
        "no viable alternative at character '*' (SOQL has no SELECT *: list the fields or use FIELDS(ALL))" },
      { "SELECT Id FROM A;", ";", 17,
        "no viable alternative at character ';' (a SOQL query has no terminating semicolon)" },
      { "a ! b", "!", 3, "no viable alternative at character '!' (not-equal is != or <>)" },
      { "Nämé", "ä", 2, "no viable alternative at character 'ä'" },
      { "_x", "_", 1, "no viable alternative at character '_'" },
      { "x--y", "-", 2, "no viable alternative at character '-'" },
    }
    for _, row in ipairs(rows) do
      it(named(row[1]), function()
        local t = failure(row[1])
        assert.same({ row[2], row[3], row[4] }, { t.t, t.p, t.reason })
      end)
    end

    it("stops at the first error: nothing after it is read", function()
      local toks = lexer.tokenize("a * 'unterminated")
      assert.same({ "id a@1", "error *@3" }, shape("a * 'unterminated"))
      assert.equal(2, #toks)
    end)
  end)
end)
