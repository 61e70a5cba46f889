-- luaforce.soql.format (templates), soql.escape / escape_like / quote:
-- template and values -> exact SOQL text, every result parsed with
-- soql.parse, and the errors a user gets. The LIKE helpers are
-- luaforce.soql's own (tests/lua/soql/init_spec.lua).
local soql = require "luaforce.soql"
local decimal = require "luaforce.decimal"

local function parses(text)
  local ast, err = soql.parse(text)
  assert(ast, err and ("does not parse: " .. text .. err.message))
  return ast
end

local raises = require("support.soql_built").raises

local Q = "SELECT Id FROM Account WHERE "

describe("soql.format", function()
  -- { name, template, values, expected }
  local rows = {
    { "the issue's example", Q .. "Name = {} AND CreatedDate > {since} AND Id IN {ids}",
      { "O'Brien", since = { year = 2024, month = 3, day = 1, hour = 8, min = 30, sec = 0 }, ids = { "001A", "001B" } },
      Q .. [[Name = 'O\'Brien' AND CreatedDate > 2024-03-01T08:30:00Z AND Id IN ('001A', '001B')]] },
    { "an injection attempt stays one string", Q .. "Name = {}", { "x' OR Name != 'x" },
      Q .. [[Name = 'x\' OR Name != \'x']] },
    { "a trailing backslash", Q .. "Name = {}", { "C:\\" }, Q .. [[Name = 'C:\\']] },
    { "typed values", Q .. "A = {} AND B = {} AND C = {} AND D = {} AND E = {} AND F = {}",
      { 42, 2.5, true, soql.NULL, decimal("0.10"), soql.date("2024-01-31") },
      Q .. "A = 42 AND B = 2.5 AND C = true AND D = null AND E = 0.10 AND F = 2024-01-31" },
    { "date literals and currency", Q .. "CloseDate = {d} AND Amount > {m}",
      { d = soql.last_n_days(7), m = soql.currency("USD", 1000) },
      Q .. "CloseDate = LAST_N_DAYS:7 AND Amount > USD1000" },
    { "named placeholders can repeat", Q .. "Name = {n} OR Site = {n}", { n = "a" },
      Q .. "Name = 'a' OR Site = 'a'" },
    { "NOT IN and INCLUDES", Q .. "Id NOT IN {} AND Colors__c INCLUDES {}", { { "a" }, { "red;blue", "green" } },
      Q .. "Id NOT IN ('a') AND Colors__c INCLUDES ('red;blue', 'green')" },
    { "lower-case keywords", "select Id from Account where Id in {}", { { 1, 2 } },
      "select Id from Account where Id in (1, 2)" },
    { "a semi-join", Q .. "Id IN {}", { soql.select { "AccountId" }:from("Contact"):where { Email = "a@b.c" } },
      Q .. "Id IN (SELECT AccountId FROM Contact WHERE Email = 'a@b.c')" },
    { "an anti-join", Q .. "Id NOT IN {}", { soql.select { "AccountId" }:from("Contact") },
      Q .. "Id NOT IN (SELECT AccountId FROM Contact)" },
    { "LIKE takes a pattern", Q .. "Name LIKE {}", { soql.starts_with("50%_") }, Q .. [[Name LIKE '50\%\_%']] },
    { "LIKE with wildcards written", Q .. "Name LIKE {}", { "Ac_e%" }, Q .. "Name LIKE 'Ac_e%'" },
    { ":like inside a quoted pattern", Q .. "Name LIKE '%{p:like}%'", { p = "100%_it's" },
      Q .. [[Name LIKE '%100\%\_it\'s%']] },
    { ":like positional", Q .. "Name LIKE '{:like}%'", { "a_b" }, Q .. [[Name LIKE 'a\_b%']] },
    { ":like outside quotes matches exactly", Q .. "Name LIKE {p:like}", { p = "5%" }, Q .. [[Name LIKE '5\%']] },
    { "a placeholder inside quotes is spliced, escaped", Q .. "Name = '{}' AND Site = 'HQ {}'", { "it's", "\\" },
      Q .. [[Name = 'it\'s' AND Site = 'HQ \\']] },
    { "a :field placeholder", "SELECT {f:field} FROM Account ORDER BY {f:field} DESC", { f = "Owner.Name" },
      "SELECT Owner.Name FROM Account ORDER BY Owner.Name DESC" },
    { "LIMIT and OFFSET", "SELECT Id FROM Account ORDER BY Name LIMIT {} OFFSET {}", { 10, 2000 },
      "SELECT Id FROM Account ORDER BY Name LIMIT 10 OFFSET 2000" },
    { "doubled braces are literal", Q .. "Name = '{{x}}'", nil, Q .. "Name = '{x}'" },
    { "a spliced string at 4000 characters", Q .. "Name LIKE '%{p:like}%'", { p = ("\\"):rep(3998) },
      Q .. "Name LIKE '%" .. ("\\\\"):rep(3998) .. "%'" },
    { "template escapes are kept", Q .. [[Name = 'a\'{}\\' AND Site = {}]], { "b", "c" },
      Q .. [[Name = 'a\'b\\' AND Site = 'c']] },
    { "no placeholders, no values", "SELECT Id FROM Account", nil, "SELECT Id FROM Account" },
    { "AND and OR at different levels", Q .. "(Name = {} AND Site = {}) OR Type = {}", { "a", "b", "c" },
      Q .. "(Name = 'a' AND Site = 'b') OR Type = 'c'" },
    { "AND in WHERE, OR in HAVING", "SELECT Type, COUNT(Id) FROM Account WHERE A = {} AND B = {} "
      .. "GROUP BY Type HAVING COUNT(Id) > {} OR Type = {}", { 1, 2, 3, "x" },
      "SELECT Type, COUNT(Id) FROM Account WHERE A = 1 AND B = 2 GROUP BY Type HAVING COUNT(Id) > 3 OR Type = 'x'" },
    { "AND and OR inside strings do not count", Q .. "Name = 'A AND B' OR Name = {}", { "C OR D AND E" },
      Q .. "Name = 'A AND B' OR Name = 'C OR D AND E'" },
    { "AND and OR in a subquery", Q .. "Id IN (SELECT AccountId FROM Contact WHERE A = {} OR B = {}) AND C = {}",
      { 1, 2, 3 }, Q .. "Id IN (SELECT AccountId FROM Contact WHERE A = 1 OR B = 2) AND C = 3" },
    { "soql.raw is inserted as it is", Q .. "Amount > {}", { soql.raw("USD5000") }, Q .. "Amount > USD5000" },
  }
  for _, row in ipairs(rows) do
    it(row[1], function()
      local text = soql.format(row[2], row[3])
      assert.equal(row[4], text)
      parses(text)
    end)
  end

  describe("errors", function()
    local bad = {
      { "AND and OR mixed without a group", Q .. "A = {} AND B = {} OR C = {}", { 1, 2, 3 },
        "mixes AND and OR without parentheses" },
      { "OR then AND", Q .. "A = 1 OR B = 2 AND C = 3", nil, "mixes AND and OR" },
      { "a missing positional value", Q .. "A = {} AND B = {}", { 1 }, "no value for placeholder 2" },
      { "a missing named value", Q .. "A = {since}", {}, "no value for {since}" },
      { "an extra positional value", Q .. "A = {}", { 1, 2 }, "2 positional values but the template has 1" },
      { "an unterminated string", Q .. "Name = 'abc", nil, "unterminated string" },
      { "a string ending in a backslash", Q .. "Name = 'abc\\", nil, "unterminated string" },
      { "a single closing brace", Q .. "Name = 'a}'", nil, "a single }" },
      { "an unclosed placeholder", Q .. "Name = {", nil, "unclosed placeholder" },
      { "an odd placeholder", Q .. "Name = {a b}", { ["a b"] = 1 }, "invalid placeholder {a b}" },
      { "a name starting with a digit", Q .. "Name = {1}", { "a" }, "invalid placeholder {1}" },
      { "an unknown modifier", Q .. "Name = {x:raw}", { x = "a" }, "unknown placeholder modifier" },
      { "a list outside IN", Q .. "Name = {}", { { "a" } }, "a list goes right after IN" },
      { "a scalar after IN", Q .. "Id IN {}", { "a" }, "IN takes a list" },
      { "IN with its own parentheses", Q .. "Id IN ({})", { { "a" } }, "without parentheses" },
      { "an empty IN list", Q .. "Id IN {}", { {} }, "empty list after IN" },
      { "a number for INCLUDES", Q .. "C__c INCLUDES {}", { { 1 } }, "strings only" },
      { "a number inside quotes", Q .. "Name = '{}'", { 5 }, "inside a quoted string a placeholder takes a string" },
      { ":like with a number", Q .. "Name LIKE {p:like}", { p = 5 }, ":like takes a string" },
      { "LIKE with a number", Q .. "Name LIKE {}", { 5 }, "LIKE takes a string pattern" },
      { "LIMIT with a string", "SELECT Id FROM A LIMIT {}", { "10; DELETE" }, "LIMIT takes a non-negative integer" },
      { "OFFSET over 2000", "SELECT Id FROM A OFFSET {}", { 2001 }, "OFFSET 2001 is over 2000" },
      { "a query outside IN", Q .. "Id = {}", { soql.select { "Id" }:from("B") }, "a query goes right after IN" },
      { "a bad :field", "SELECT {f:field} FROM A", { f = "Id FROM User" }, "invalid field name" },
      { "nan", Q .. "A = {}", { 0 / 0 }, "nan" },
      { "invalid UTF-8", Q .. "A = {}", { "\200" }, "invalid UTF-8" },
      { "invalid UTF-8 inside quotes", Q .. "A = '{}'", { "\200" }, "invalid UTF-8" },
      { "a string over 4000 characters", Q .. "A = {}", { ("y"):rep(4001) }, "string of 4001 characters" },
      { "a spliced string over 4000 characters", Q .. "A LIKE '%{p:like}%'", { p = ("\\"):rep(3999) },
        "the quoted string it goes into has 4001 characters" },
    }
    for _, row in ipairs(bad) do
      it(row[1], function() raises(function() return soql.format(row[2], row[3]) end, row[4]) end)
    end

    it("misuse raises an argument error", function()
      assert.has_error(function() soql.format(nil, {}) end, "bad argument #1 to 'format' (string expected, got nil)")
      assert.has_error(function() soql.format("SELECT Id FROM A", "x") end,
        "bad argument #2 to 'format' (table expected, got string)")
    end)
  end)
end)

describe("soql.escape, soql.escape_like, soql.quote", function()
  -- { input, escape(input), escape_like(input) }
  local rows = {
    { "plain", "plain", "plain" },
    { "O'Brien", [[O\'Brien]], [[O\'Brien]] },
    { [[say "hi"]], [[say \"hi\"]], [[say \"hi\"]] },
    { "back\\slash\\", [[back\\slash\\]], [[back\\slash\\]] },
    { "50%_off", "50%_off", [[50\%\_off]] },
    { "a\nb\rc\td\be\ff", [[a\nb\rc\td\be\ff]], [[a\nb\rc\td\be\ff]] },
    { "\0\27\127", [[\u0000\u001B\u007F]], [[\u0000\u001B\u007F]] },
    { "\194\128\194\159\194\160", "\\u0080\\u009F\194\160", "\\u0080\\u009F\194\160" },
    { "日本😀", "日本😀", "日本😀" },
    { "", "", "" },
  }
  for _, row in ipairs(rows) do
    it(("escapes %q"):format(row[1]), function()
      assert.equal(row[2], soql.escape(row[1]))
      assert.equal(row[3], soql.escape_like(row[1]))
      local ast = parses("SELECT Id FROM A WHERE Name = '" .. soql.escape(row[1]) .. "'")
      assert.equal(row[1], ast.where.right.value)
      ast = parses("SELECT Id FROM A WHERE Name LIKE '" .. soql.escape_like(row[1]) .. "'")
      assert.equal(row[1], ast.where.right.value)
    end)
  end

  it("refuses invalid UTF-8 and non-strings", function()
    raises(function() return soql.escape("a\255") end, "invalid UTF-8 at byte 2")
    raises(function() return soql.escape_like("\237\191\191") end, "invalid UTF-8")
    assert.has_error(function() soql.escape(5) end, "bad argument #1 to 'escape' (string expected, got number)")
    assert.has_error(function() soql.escape_like(nil) end, "bad argument #1 to 'escape_like' (string expected, got nil)")
  end)

  -- { value, literal text }
  local literals = {
    { "it's", [['it\'s']] }, { 7, "7" }, { -0.25, "-0.25" }, { 1e21, "1000000000000000000000" },
    { 123456789.125, "123456789.125" }, { 5e-324, "0." .. ("0"):rep(323) .. "5" },
    { false, "false" }, { soql.NULL, "null" }, { { year = 1999, month = 12, day = 31 }, "1999-12-31" },
    { soql.tomorrow(), "TOMORROW" }, { soql.next_n_fiscal_quarters(2), "NEXT_N_FISCAL_QUARTERS:2" },
  }
  for _, row in ipairs(literals) do
    it(("quotes %s"):format(tostring(row[2])), function()
      assert.equal(row[2], soql.quote(row[1]))
      parses("SELECT Id FROM A WHERE X = " .. soql.quote(row[1]))
    end)
  end
end)
