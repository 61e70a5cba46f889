-- luaforce.soql.parser: the AST shapes docs/soql.md promises, every literal
-- and escape, every operator, Salesforce's grouping rules, and the errors a
-- user sees (code, row, column, reason, caret message).
local parser = require "luaforce.soql.parser"
local decimal = require "luaforce.decimal"

-- Marks a key that must be absent from the AST.
local ABSENT = setmetatable({}, { __tostring = function() return "<absent>" end })

-- Checks that `actual` has every key of `expected` with a matching value.
-- Arrays must have exactly the expected length; decimals compare by text;
-- a function is a predicate. Returns nil or a description of the mismatch.
local function mismatch(expected, actual, where)
  if expected == ABSENT then
    if actual ~= nil then return where .. ": expected absent, got " .. tostring(actual) end
    return nil
  end
  if type(expected) == "function" then
    if not expected(actual) then return where .. ": predicate failed on " .. tostring(actual) end
    return nil
  end
  if decimal.is(expected) then
    if not decimal.is(actual) or tostring(actual) ~= tostring(expected) then
      return where .. ": expected decimal " .. tostring(expected) .. ", got " .. tostring(actual)
    end
    return nil
  end
  if type(expected) ~= "table" then
    if math.type(expected) ~= math.type(actual) or expected ~= actual then
      return ("%s: expected %s (%s), got %s (%s)"):format(where, tostring(expected),
        math.type(expected) or type(expected), tostring(actual), math.type(actual) or type(actual))
    end
    return nil
  end
  if type(actual) ~= "table" then return where .. ": expected a table, got " .. tostring(actual) end
  if #expected > 0 and #expected ~= #actual then
    return ("%s: expected %d items, got %d"):format(where, #expected, #actual)
  end
  for k, v in pairs(expected) do
    local m = mismatch(v, actual[k], where .. "." .. tostring(k))
    if m then return m end
  end
  return nil
end

local function assert_shape(expected, actual)
  local m = mismatch(expected, actual, "ast")
  assert(m == nil, m)
end

-- Byte position of the n-th occurrence of a plain needle.
local function pos_of(text, needle, n)
  local from = 1
  for _ = 1, n or 1 do
    local p = text:find(needle, from, true)
    assert(p, "needle not found: " .. needle)
    if _ == (n or 1) then return p end
    from = p + 1
  end
end

local function parse_ok(q)
  local ast, err = parser.parse(q)
  assert(ast, err and err.message)
  return ast
end

local function short(q)
  q = q:gsub("\n", "\\n")
  if #q > 90 then q = q:sub(1, 60) .. "...(" .. #q .. " bytes)" end
  return q
end

local function F(...) return { kind = "field", path = { ... } } end

describe("luaforce.soql.parser", function()
  describe("query shapes", function()
    -- { query, expected AST fragment }
    local rows = {
      { "SELECT Id FROM Account", {
        kind = "query", pos = 1, fields = { { kind = "field", path = { "Id" }, pos = 8 } },
        from = { name = "Account", pos = 16, alias = ABSENT }, where = ABSENT, limit = ABSENT,
        subquery = ABSENT } },
      { "select id, Account.Owner.Name from contact c", {
        fields = { { kind = "field", path = { "id" }, pos = 8 },
                   { kind = "field", path = { "Account", "Owner", "Name" }, pos = 12 } },
        from = { name = "contact", alias = "c", pos = 36 } } },
      { "SELECT c.Name FROM Contact c WHERE c.Email != null", {
        fields = { F("c", "Name") }, from = { alias = "c" },
        where = { kind = "compare", op = "!=", left = F("c", "Email"), right = { kind = "null", pos = 47 } } } },
      { "SELECT Id FROM Account USING SCOPE Mine", { scope = "mine" } },
      { "SELECT Id FROM Account WITH SECURITY_ENFORCED", { with = "SECURITY_ENFORCED" } },
      { "SELECT Id FROM Account with user_mode", { with = "USER_MODE" } },
      { "SELECT Id FROM Account WITH SYSTEM_MODE", { with = "SYSTEM_MODE" } },
      { "SELECT Id FROM Account LIMIT 10 OFFSET 2000", { limit = 10, offset = 2000 } },
      { "SELECT Id FROM Account LIMIT 0", { limit = 0 } },
      { "SELECT Id FROM Account FOR VIEW", { for_ = "VIEW" } },
      { "SELECT Id FROM Account FOR REFERENCE", { for_ = "REFERENCE" } },
      { "SELECT Id FROM Account LIMIT 1 for update", { for_ = "UPDATE", limit = 1 } },
      { "SELECT Id FROM Order ORDER BY OrderNumber", { from = { name = "Order" } } },
      { "SELECT Order.OrderNumber FROM OrderItem", { fields = { F("Order", "OrderNumber") } } },
      -- ORDER BY keys, directions and null orders
      { "SELECT Id FROM Account ORDER BY Name, CreatedDate DESC, Industry ASC NULLS LAST, Type NULLS FIRST", {
        order_by = {
          { expr = F("Name"), dir = "ASC", nulls = ABSENT, pos = 33 },
          { expr = F("CreatedDate"), dir = "DESC", nulls = ABSENT, pos = 39 },
          { expr = F("Industry"), dir = "ASC", nulls = "LAST", pos = 57 },
          { expr = F("Type"), dir = "ASC", nulls = "FIRST", pos = 82 },
        } } },
      -- whitespace of any kind inside ORDER BY and GROUP BY
      { "SELECT Name, COUNT(Id)\nFROM Account\tGROUP\n BY\tName ORDER\r\nBY\n Name", {
        group_by = { kind = "plain", fields = { F("Name") } }, order_by = { { expr = F("Name") } } } },
      -- aggregates and aliases
      { "SELECT COUNT() FROM Account", {
        fields = { { kind = "aggregate", fn = "COUNT", arg = ABSENT, alias = ABSENT, pos = 8 } } } },
      { "SELECT Industry, count(Id) n, COUNT_DISTINCT(Type), SUM(AnnualRevenue) total, AVG(NumberOfEmployees), "
        .. "MIN(CreatedDate), MAX(CreatedDate) latest FROM Account GROUP BY Industry", {
        fields = {
          F("Industry"),
          { kind = "aggregate", fn = "COUNT", arg = F("Id"), alias = "n", alias_pos = 28, pos = 18 },
          { kind = "aggregate", fn = "COUNT_DISTINCT", arg = F("Type"), alias = ABSENT },
          { kind = "aggregate", fn = "SUM", arg = F("AnnualRevenue"), alias = "total" },
          { kind = "aggregate", fn = "AVG", arg = F("NumberOfEmployees") },
          { kind = "aggregate", fn = "MIN", arg = F("CreatedDate") },
          { kind = "aggregate", fn = "MAX", arg = F("CreatedDate"), alias = "latest" },
        } } },
      { "SELECT Industry ind, COUNT(Id) FROM Account GROUP BY Industry", {
        fields = { { kind = "field", path = { "Industry" }, alias = "ind" }, { kind = "aggregate" } } } },
      { "SELECT Name, COUNT(Id) FROM Account GROUP BY ROLLUP(Name)", {
        group_by = { kind = "rollup", fields = { F("Name") } } } },
      { "SELECT Name, Type, GROUPING(Type) g, COUNT(Id) FROM Account GROUP BY CUBE(Name, Type)", {
        group_by = { kind = "cube", fields = { F("Name"), F("Type") } },
        fields = { F("Name"), F("Type"), { kind = "function", fn = "GROUPING", arg = F("Type"), alias = "g" }, {} } } },
      { "SELECT Name FROM Account GROUP BY Name HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC", {
        having = { kind = "compare", op = ">", left = { kind = "aggregate", fn = "COUNT", arg = F("Id") },
                   right = { kind = "number", value = 1 } },
        order_by = { { expr = { kind = "aggregate", fn = "COUNT" }, dir = "DESC" } } } },
      -- functions
      { "SELECT FORMAT(Amount) amt, toLabel(StageName), convertCurrency(Amount) c FROM Opportunity", {
        fields = {
          { kind = "function", fn = "FORMAT", arg = F("Amount"), alias = "amt", pos = 8 },
          { kind = "function", fn = "TOLABEL", arg = F("StageName"), alias = ABSENT },
          { kind = "function", fn = "CONVERTCURRENCY", arg = F("Amount"), alias = "c" },
        } } },
      { "SELECT FORMAT(MAX(Amount)) m FROM Opportunity", {
        fields = { { kind = "function", fn = "FORMAT", alias = "m",
                     arg = { kind = "aggregate", fn = "MAX", arg = F("Amount"), pos = 15 } } } } },
      { "SELECT CALENDAR_YEAR(CreatedDate) y, SUM(Amount) FROM Opportunity GROUP BY CALENDAR_YEAR(CreatedDate)", {
        fields = { { kind = "function", fn = "CALENDAR_YEAR", arg = F("CreatedDate"), alias = "y" }, {} },
        group_by = { fields = { { kind = "function", fn = "CALENDAR_YEAR", arg = F("CreatedDate") } } } } },
      { "SELECT HOUR_IN_DAY(convertTimezone(CreatedDate)), COUNT(Id) FROM Lead "
        .. "GROUP BY HOUR_IN_DAY(convertTimezone(CreatedDate))", {
        fields = { { kind = "function", fn = "HOUR_IN_DAY",
                     arg = { kind = "function", fn = "CONVERTTIMEZONE", arg = F("CreatedDate") } }, {} } } },
      { "SELECT Id FROM Opportunity WHERE CALENDAR_MONTH(CloseDate) = 3 AND DAY_ONLY(CreatedDate) = 2024-01-31", {
        where = { kind = "and", items = {
          { left = { kind = "function", fn = "CALENDAR_MONTH", arg = F("CloseDate") } },
          { left = { kind = "function", fn = "DAY_ONLY" }, right = { kind = "date", value = "2024-01-31" } } } } } },
      { "SELECT Id FROM Case WHERE toLabel(Status) = 'Nouveau'", {
        where = { left = { kind = "function", fn = "TOLABEL" } } } },
      { "SELECT FIELDS(ALL) FROM Account LIMIT 200", { fields = { { kind = "fields", which = "ALL", pos = 8 } } } },
      { "SELECT fields(custom) FROM Account LIMIT 1", { fields = { { kind = "fields", which = "CUSTOM" } } } },
      { "SELECT FIELDS(STANDARD) FROM Account", { fields = { { kind = "fields", which = "STANDARD" } } } },
      { "SELECT Id, (SELECT FIELDS(ALL) FROM Contacts) FROM Account LIMIT 10", {
        fields = { F("Id"), { kind = "subquery", query = { fields = { { kind = "fields", which = "ALL" } } } } } } },
      -- child subqueries
      { "SELECT Id, (SELECT Id, Email FROM Contacts c WHERE Email != null ORDER BY Email LIMIT 5) FROM Account", {
        fields = { F("Id"), { kind = "subquery", pos = 12, query = {
          kind = "query", pos = 13, subquery = true, fields = { F("Id"), F("Email") },
          from = { name = "Contacts", alias = "c" }, where = { kind = "compare", op = "!=" },
          order_by = { { expr = F("Email") } }, limit = 5 } } },
        from = { name = "Account" }, subquery = ABSENT } },
      -- TYPEOF
      { "SELECT Id, TYPEOF What WHEN Account THEN Phone, NumberOfEmployees WHEN Opportunity THEN Amount "
        .. "ELSE Name, Email END FROM Event", {
        fields = { F("Id"), { kind = "typeof", path = { "What" }, pos = 12,
          whens = { { type = "Account", fields = { F("Phone"), F("NumberOfEmployees") } },
                    { type = "Opportunity", fields = { F("Amount") } } },
          else_ = { F("Name"), F("Email") } } } } },
      { "SELECT TYPEOF Owner WHEN User THEN Username END FROM Case", {
        fields = { { kind = "typeof", path = { "Owner" }, else_ = ABSENT, whens = { { type = "User" } } } } } },
      -- five relationship hops is the most
      { "SELECT A.B.C.D.E.Name FROM Contact", { fields = { { path = { "A", "B", "C", "D", "E", "Name" } } } } },
      { "SELECT c.A.B.C.D.E.Name FROM Contact c", { fields = { { path = { "c", "A", "B", "C", "D", "E", "Name" } } } } },
    }
    for _, row in ipairs(rows) do
      it(short(row[1]), function()
        assert_shape(row[2], parse_ok(row[1]))
      end)
    end
  end)

  describe("literals", function()
    -- { literal text, expected node (pos is checked separately) }
    local big = "123456789012345678901234567890"
    local rows = {
      { "'abc'", { kind = "string", value = "abc", raw = "abc" } },
      { "''", { kind = "string", value = "", raw = "" } },
      { "'line\nbreak'", { kind = "string", value = "line\nbreak" } },
      { "'Zoë'", { kind = "string", value = "Zoë" } },
      { "42", { kind = "number", value = 42, text = "42" } },
      { "-7", { kind = "number", value = -7, text = "-7" } },
      { "+7", { kind = "number", value = 7, text = "+7" } },
      { "007", { kind = "number", value = 7, text = "007" } },
      { "9223372036854775807", { kind = "number", value = math.maxinteger } },
      { "-9223372036854775808", { kind = "number", value = math.mininteger } },
      { "9223372036854775808", { kind = "number", value = decimal("9223372036854775808") } },
      { big, { kind = "number", value = decimal(big), text = big } },
      { "1.5", { kind = "number", value = 1.5, text = "1.5" } },
      { "1.50", { kind = "number", value = 1.5, text = "1.50" } },
      { "-0.25", { kind = "number", value = -0.25 } },
      { ".5", { kind = "number", value = 0.5, text = ".5" } },
      { "0.1", { kind = "number", value = 0.1 } },
      { "1.2345678901234567", { kind = "number", value = 1.2345678901234567 } },
      { "0.12345678901234567890", { kind = "number", value = decimal("0.12345678901234567890") } },
      { "12345678901234567890.5", { kind = "number", value = decimal("12345678901234567890.5") } },
      { "true", { kind = "boolean", value = true } },
      { "TRUE", { kind = "boolean", value = true } },
      { "False", { kind = "boolean", value = false } },
      { "null", { kind = "null" } },
      { "NULL", { kind = "null" } },
      { "2024-01-31", { kind = "date", value = "2024-01-31" } },
      { "2024-02-29", { kind = "date", value = "2024-02-29" } },
      { "2000-02-29", { kind = "date", value = "2000-02-29" } },
      { "2024-01-31T10:00:00Z", { kind = "datetime", value = "2024-01-31T10:00:00Z" } },
      { "2024-01-31T10:00:00+05:30", { kind = "datetime", value = "2024-01-31T10:00:00+05:30" } },
      { "2024-01-31T23:59:59-08:00", { kind = "datetime", value = "2024-01-31T23:59:59-08:00" } },
      { "2024-01-31T10:00:00.123Z", { kind = "datetime", value = "2024-01-31T10:00:00.123Z" } },
      { "2024-01-31T10:00:00.5+01:00", { kind = "datetime", value = "2024-01-31T10:00:00.5+01:00" } },
      { "USD100", { kind = "currency", code = "USD", value = 100, text = "100" } },
      { "EUR50.5", { kind = "currency", code = "EUR", value = 50.5, text = "50.5" } },
      { "jpy5000", { kind = "currency", code = "JPY", value = 5000 } },
      { "TODAY", { kind = "date_literal", name = "TODAY", n = ABSENT } },
      { "yesterday", { kind = "date_literal", name = "YESTERDAY" } },
      { "LAST_90_DAYS", { kind = "date_literal", name = "LAST_90_DAYS", n = ABSENT } },
      { "THIS_FISCAL_QUARTER", { kind = "date_literal", name = "THIS_FISCAL_QUARTER" } },
      { "LAST_N_DAYS:30", { kind = "date_literal", name = "LAST_N_DAYS", n = 30 } },
      { "last_n_days:0", { kind = "date_literal", name = "LAST_N_DAYS", n = 0 } },
      { "NEXT_N_WEEKS:2", { kind = "date_literal", name = "NEXT_N_WEEKS", n = 2 } },
      { "N_MONTHS_AGO:6", { kind = "date_literal", name = "N_MONTHS_AGO", n = 6 } },
      { "LAST_N_FISCAL_YEARS:3", { kind = "date_literal", name = "LAST_N_FISCAL_YEARS", n = 3 } },
      { "N_FISCAL_QUARTERS_AGO:1", { kind = "date_literal", name = "N_FISCAL_QUARTERS_AGO", n = 1 } },
    }
    for _, row in ipairs(rows) do
      it(short(row[1]), function()
        local q = "SELECT Id FROM X WHERE F = " .. row[1]
        local ast = parse_ok(q)
        local right = ast.where.right
        assert_shape(row[2], right)
        assert.equal(28, right.pos)
      end)
    end

    it("knows every date literal of the list, and which take :n", function()
      local count, with_n = 0, 0
      for name, takes_n in pairs(parser.DATE_LITERALS) do
        count = count + 1
        local text = takes_n and (name .. ":4") or name
        local ast = parse_ok("SELECT Id FROM X WHERE D = " .. text)
        assert.equal(name, ast.where.right.name)
        if takes_n then with_n = with_n + 1; assert.equal(4, ast.where.right.n) end
      end
      assert.equal(44, count)
      assert.equal(21, with_n)
    end)
  end)

  describe("string escapes", function()
    -- { text between the quotes, decoded value }
    local rows = {
      { [[a\nb]], "a\nb" }, { [[a\Nb]], "a\nb" },
      { [[a\rb]], "a\rb" }, { [[a\Rb]], "a\rb" },
      { [[a\tb]], "a\tb" }, { [[a\Tb]], "a\tb" },
      { [[a\bb]], "a\bb" }, { [[a\Bb]], "a\bb" },
      { [[a\fb]], "a\fb" }, { [[a\Fb]], "a\fb" },
      { [[say \"hi\"]], 'say "hi"' },
      { [[O\'Brien]], "O'Brien" },
      { [[C:\\temp\\]], [[C:\temp\]] },
      { [[\u00e9t\u00C9]], "étÉ" },
      { [[\u20AC]], "€" },
      { [[\uD83D\uDE00]], "😀" },
      { [[\\n]], [[\n]] },
      { [[x' OR Name != 'x]], nil }, -- not one string: see the error rows
    }
    for _, row in ipairs(rows) do
      if row[2] then
        it(row[1], function()
          local ast = parse_ok("SELECT Id FROM X WHERE F = '" .. row[1] .. "'")
          assert.equal(row[2], ast.where.right.value)
          assert.equal(row[1], ast.where.right.raw)
        end)
      end
    end

    it("keeps \\% and \\_ in raw for LIKE and decodes them in value", function()
      local ast = parse_ok([[SELECT Id FROM X WHERE Name LIKE '50\%\_off%' ]])
      assert.equal([[50\%\_off%]], ast.where.right.raw)
      assert.equal("50%_off%", ast.where.right.value)
    end)

    it("accepts a 4000-character string in WHERE and counts characters, not bytes", function()
      parse_ok("SELECT Id FROM X WHERE F = '" .. ("a"):rep(4000) .. "'")
      parse_ok("SELECT Id FROM X WHERE F = '" .. ("é"):rep(4000) .. "'")
      parse_ok("SELECT Id FROM X WHERE F = '" .. ("\\n"):rep(4000) .. "'")
    end)

    -- what a builder must guarantee: escaping any value gives one literal
    -- that decodes back to it
    local function escape(v)
      return (v:gsub("[\\'\"\n\r\t\b\f]", {
        ["\\"] = "\\\\", ["'"] = "\\'", ['"'] = '\\"', ["\n"] = "\\n", ["\r"] = "\\r",
        ["\t"] = "\\t", ["\b"] = "\\b", ["\f"] = "\\f" }))
    end
    for _, v in ipairs { "x' OR Name != 'x", "ends with \\", "\\'", "''", "%_", "tab\there", "Zoë €", "" } do
      it("an escaped value decodes back: " .. short(v), function()
        local ast = parse_ok("SELECT Id FROM X WHERE F = '" .. escape(v) .. "' LIMIT 1")
        assert.equal("compare", ast.where.kind)
        assert.equal(v, ast.where.right.value)
        assert.equal(1, ast.limit)
      end)
    end
  end)

  describe("operators", function()
    local ops = { { "=", "=" }, { "!=", "!=" }, { "<>", "!=" }, { "<", "<" }, { "<=", "<=" }, { ">", ">" },
      { ">=", ">=" }, { "like", "LIKE" }, { "LIKE", "LIKE" } }
    for _, o in ipairs(ops) do
      it(o[1], function()
        local ast = parse_ok("SELECT Id FROM X WHERE Name " .. o[1] .. " 'v'")
        assert_shape({ kind = "compare", op = o[2], left = F("Name"), pos = 24,
          right = { kind = "string", value = "v" } }, ast.where)
      end)
    end
    it("operators need no spaces", function()
      local ast = parse_ok("SELECT Id FROM X WHERE A>=1 AND B<>'x' AND C<-2")
      assert_shape({ kind = "and", items = {
        { op = ">=", right = { value = 1 } }, { op = "!=" }, { op = "<", right = { value = -2 } } } }, ast.where)
    end)

    local rows = {
      { "SELECT Id FROM X WHERE Type IN ('a', 'b', null)", { kind = "in", negated = false, left = F("Type"), pos = 24,
        values = { { kind = "string", value = "a" }, { kind = "string", value = "b" }, { kind = "null" } } } },
      { "SELECT Id FROM X WHERE N NOT IN (1, 2.5)", { kind = "in", negated = true,
        values = { { value = 1 }, { value = 2.5 } } } },
      { "SELECT Id FROM X WHERE D in (TODAY, LAST_N_DAYS:7, 2024-01-01)", { kind = "in",
        values = { { kind = "date_literal" }, { n = 7 }, { kind = "date" } } } },
      { "SELECT Id FROM X WHERE P INCLUDES ('a;b', 'c')", { kind = "includes", left = F("P"),
        values = { { value = "a;b" }, { value = "c" } } } },
      { "SELECT Id FROM X WHERE P excludes ('a')", { kind = "excludes", values = { { value = "a" } } } },
      { "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email != null)", {
        kind = "in_query", negated = false, left = F("Id"), pos = 30,
        query = { kind = "query", subquery = true, pos = 37, fields = { F("AccountId") }, from = { name = "Contact" },
                  where = { kind = "compare" } } } },
      { "SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Opportunity)", {
        kind = "in_query", negated = true } },
      { "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) AND Id NOT IN (SELECT AccountId FROM Case)", {
        kind = "and", items = { { kind = "in_query", negated = false }, { kind = "in_query", negated = true } } } },
    }
    for _, row in ipairs(rows) do
      it(short(row[1]), function()
        assert_shape(row[2], parse_ok(row[1]).where)
      end)
    end
  end)

  describe("AND, OR, NOT and parentheses", function()
    local A = { kind = "compare", left = F("A") }
    local B = { kind = "compare", left = F("B") }
    local C = { kind = "compare", left = F("C") }
    local D = { kind = "compare", left = F("D") }
    local rows = {
      { "A = 1 AND B = 2 AND C = 3", { kind = "and", pos = 24, items = { A, B, C } } },
      { "A = 1 or B = 2 OR C = 3", { kind = "or", items = { A, B, C } } },
      { "(A = 1 AND B = 2) OR C = 3", { kind = "or", pos = 25, items = { { kind = "and", pos = 25, items = { A, B } }, C } } },
      { "A = 1 AND (B = 2 OR C = 3)", { kind = "and", items = { A, { kind = "or", items = { B, C } } } } },
      { "(A = 1 OR B = 2) AND (C = 3 OR D = 4)", { kind = "and", items = {
        { kind = "or", items = { A, B } }, { kind = "or", items = { C, D } } } } },
      { "NOT A = 1", { kind = "not", pos = 24, item = A } },
      { "NOT (A = 1 OR B = 2)", { kind = "not", item = { kind = "or", items = { A, B } } } },
      { "(NOT A = 1) AND B = 2", { kind = "and", items = { { kind = "not", item = A }, B } } },
      { "A = 1 AND (NOT B = 2)", { kind = "and", items = { A, { kind = "not", item = B } } } },
      { "((A = 1))", A },
      { "A = 1 AND (B = 2 AND C = 3)", { kind = "and", items = { A, { kind = "and", items = { B, C } } } } },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        assert_shape(row[2], parse_ok("SELECT Id FROM X WHERE " .. row[1]).where)
      end)
    end
  end)

  describe("errors", function()
    -- { query, row, column, reason[, errorCode] }; column counts characters
    local long = "SELECT Id FROM X WHERE F = '" .. ("a"):rep(4001) .. "'"
    local rows = {
      { "SELECT Id FRM Account", 1, 11, "unexpected token: 'FRM'" },
      { "SELECT Id, Name FRM Account", 1, 17, "unexpected token: 'FRM'" },
      { "SELEC Id FROM Account", 1, 1, "unexpected token: 'SELEC'" },
      { "", 1, 1, "unexpected token: '<EOF>'" },
      { "SELECT", 1, 7, "unexpected token: '<EOF>'" },
      { "SELECT Id FROM", 1, 15, "unexpected token: '<EOF>'" },
      { "SELECT Id, FROM Account", 1, 12, "unexpected token: 'FROM'" },
      { "SELECT Id FROM Account a b", 1, 26, "unexpected token: 'b'" },
      { "SELECT Id FROM Account LIMIT 5 5", 1, 32, "unexpected token: '5'" },
      { "SELECT Id FROM Account ORDER Name", 1, 30, "expecting 'BY', found 'Name'" },
      { "SELECT Id FROM Account ORDER BY Name NULLS", 1, 43, "expecting FIRST or LAST, found '<EOF>'" },
      { "SELECT Id FROM Account WHERE (Name = 'x' LIMIT 1", 1, 42, "expecting a right parentheses, found 'LIMIT'" },
      { "SELECT Id FROM Account WHERE Name = 'x')", 1, 40, "unexpected token: ')'" },
      { "SELECT Id FROM Account WHERE Id IN 'x'", 1, 36, "expecting a left parentheses, found ''x''" },
      { "SELECT Id FROM Account WHERE Name IN ('a', 'b'", 1, 47, "expecting a right parentheses, found '<EOF>'" },
      { "SELECT Id FROM Account WHERE Name", 1, 34, "unexpected token: '<EOF>'" },
      { "SELECT Id FROM Account WHERE Name == 'x'", 1, 36, "unexpected token: '='" },
      { "SELECT Id FROM Account WHERE Name = 'x' AND", 1, 44, "unexpected token: '<EOF>'" },
      { "SELECT Id FROM Account WITH DATA CATEGORY Geo__c AT usa__c", 1, 29,
        "unexpected token: 'DATA' (WITH takes SECURITY_ENFORCED, USER_MODE or SYSTEM_MODE)" },
      { "SELECT Id FROM Account FOR SHARE", 1, 28, "expecting VIEW, REFERENCE or UPDATE, found 'SHARE'" },
      -- characters and strings
      { "SELECT Id FROM Account WHERE Name = \"Acme\"", 1, 37,
        "no viable alternative at character '\"' (SOQL strings use single quotes)" },
      { "SELECT * FROM Account", 1, 8,
        "no viable alternative at character '*' (SOQL has no SELECT *: list the fields or use FIELDS(ALL))" },
      { "SELECT Id FROM Account;", 1, 23,
        "no viable alternative at character ';' (a SOQL query has no terminating semicolon)" },
      { "SELECT Id FROM Account WHERE Name = 'é' AND x = \"y\"", 1, 49,
        "no viable alternative at character '\"' (SOQL strings use single quotes)" },
      { "SELECT Id FROM Account WHERE Name = 'abc", 1, 37,
        "unterminated string: no closing quote (') before the end of the query" },
      { "SELECT Id FROM Account WHERE Name = 'abc\\'", 1, 37,
        "unterminated string: no closing quote (') before the end of the query" },
      { "SELECT Id FROM Account WHERE Name = 'a\\qb'", 1, 39, "invalid escape sequence '\\q' in string literal" },
      { "SELECT Id FROM Account WHERE Name = 'a\\x41'", 1, 39, "invalid escape sequence '\\x' in string literal" },
      { "SELECT Id FROM Account WHERE Name = 'x' AND Other = '\\é'", 1, 54,
        "invalid escape sequence '\\é' in string literal" },
      { "SELECT Id FROM Account WHERE Name = 'a\\u12'", 1, 39, "invalid unicode escape: \\u needs four hex digits" },
      { "SELECT Id FROM Account WHERE Name = 'a\\uD83D'", 1, 39,
        "invalid unicode escape: '\\uD83D' must be followed by a low surrogate \\uDC00-\\uDFFF" },
      { "SELECT Id FROM Account WHERE Name = '\\uDE00'", 1, 38,
        "invalid unicode escape: '\\uDE00' is a lone low surrogate" },
      { "SELECT Id FROM Account WHERE Name = '50\\%'", 1, 40,
        "invalid escape sequence '\\%' in string literal (\\% and \\_ are for LIKE patterns only)" },
      { "SELECT Id FROM Account WHERE Name IN ('a\\_b')", 1, 41,
        "invalid escape sequence '\\_' in string literal (\\% and \\_ are for LIKE patterns only)" },
      { "SELECT Id FROM Account WHERE Name = 'O''Brien'", 1, 40,
        "unexpected token: ''Brien'' (a quote inside a string is written \\', not '')" },
      { long, 1, 28, "string literal too long: 4001 characters (at most 4000 in WHERE)" },
      { "SELECT Name FROM X GROUP BY Name HAVING Name = '" .. ("b"):rep(4001) .. "'", 1, 48,
        "string literal too long: 4001 characters (at most 4000 in HAVING)" },
      -- numbers, dates, date literals
      { "SELECT Id FROM Account WHERE Amount > 1e5", 1, 39, "invalid number: '1e5' (SOQL numbers have no exponent)" },
      { "SELECT Id FROM Account WHERE Amount > 1.5.2", 1, 39, "invalid number: '1.5.2'" },
      { "SELECT Id FROM Account WHERE Amount > 10x", 1, 39, "invalid number: '10x'" },
      { "SELECT Id FROM Account WHERE D > 2024-02-30", 1, 34, "invalid date: '2024-02-30' is not a calendar date" },
      { "SELECT Id FROM Account WHERE D > 2023-02-29", 1, 34, "invalid date: '2023-02-29' is not a calendar date" },
      { "SELECT Id FROM Account WHERE D > 2024-13-01", 1, 34, "invalid date: '2024-13-01' is not a calendar date" },
      { "SELECT Id FROM Account WHERE D > 2024-1-5", 1, 34, "invalid date: '2024-1-5' (expecting YYYY-MM-DD)" },
      { "SELECT Id FROM Account WHERE D > 2024-01-31T10:00:00", 1, 34,
        "invalid date-time: '2024-01-31T10:00:00' (the time zone must be Z, +hh:mm or -hh:mm)" },
      { "SELECT Id FROM Account WHERE D > 2024-01-31T10:00:00+0530", 1, 34,
        "invalid date-time: '2024-01-31T10:00:00+0530' (the time zone must be Z, +hh:mm or -hh:mm)" },
      { "SELECT Id FROM Account WHERE D > 2024-01-31T24:00:00Z", 1, 34,
        "invalid date-time: '2024-01-31T24:00:00Z' has no such time of day" },
      { "SELECT Id FROM Account WHERE D > 2024-01-31T10:00Z", 1, 34,
        "invalid date-time: '2024-01-31T10:00Z' (expecting YYYY-MM-DDThh:mm:ss and Z or +hh:mm)" },
      { "SELECT Id FROM Account WHERE D > 2024-01-31T10:00:00+19:00", 1, 34,
        "invalid date-time: '2024-01-31T10:00:00+19:00' has an impossible time zone offset" },
      { "SELECT Id FROM Account WHERE D = LAST_N_DAYZ:3", 1, 34, "invalid date literal: 'LAST_N_DAYZ'" },
      { "SELECT Id FROM Account WHERE D = LAST_N_DAYS", 1, 34, "date literal LAST_N_DAYS needs a number: LAST_N_DAYS:n" },
      { "SELECT Id FROM Account WHERE D = TODAY:3", 1, 39, "date literal TODAY takes no :n" },
      { "SELECT Id FROM Account WHERE D = LAST_N_DAYS:-3", 1, 46,
        "expecting a non-negative integer after LAST_N_DAYS:, found '-3'" },
      { "SELECT Id FROM Account WHERE D = LAST_N_DAYS:1.5", 1, 46,
        "expecting a non-negative integer after LAST_N_DAYS:, found '1.5'" },
      { "SELECT Id FROM Account WHERE Name = Acme", 1, 37,
        "unexpected token: 'Acme' (a value must be a literal; strings take single quotes)" },
      { "SELECT Id FROM Account WHERE Name = :name", 1, 37, "Bind variables only allowed in Apex code" },
      { "SELECT Id FROM Account WHERE Id IN :ids", 1, 36, "Bind variables only allowed in Apex code" },
      { "SELECT Id FROM Account WHERE Name LIKE 5", 1, 40, "LIKE needs a string pattern in single quotes" },
      -- lists
      { "SELECT Id FROM Account WHERE Id IN ()", 1, 37, "unexpected token: ')' (IN needs at least one value)" },
      { "SELECT Id FROM Account WHERE Id NOT IN ( )", 1, 42, "unexpected token: ')' (NOT IN needs at least one value)" },
      { "SELECT Id FROM Account WHERE P INCLUDES ()", 1, 42, "unexpected token: ')' (INCLUDES needs at least one value)" },
      { "SELECT Id FROM Account WHERE P EXCLUDES ('a', 1)", 1, 47, "EXCLUDES takes string values only" },
      -- AND / OR / NOT
      { "SELECT Id FROM Account WHERE A = 1 AND B = 2 OR C = 3", 1, 46,
        "unexpected token: 'OR' (mixing AND and OR needs parentheses: (A AND B) OR C)" },
      { "SELECT Id FROM Account WHERE A = 1 OR B = 2 AND C = 3", 1, 45,
        "unexpected token: 'AND' (mixing AND and OR needs parentheses: (A AND B) OR C)" },
      { "SELECT Id FROM Account WHERE A = 1 AND NOT B = 2", 1, 40,
        "unexpected token: 'NOT' (NOT must start a parenthesised group: write A AND (NOT B))" },
      { "SELECT Id FROM Account WHERE NOT A = 1 AND B = 2", 1, 40,
        "unexpected token: 'AND' (NOT covers the whole condition: write (NOT A) AND B)" },
      { "SELECT Id FROM Account WHERE Name NOT LIKE 'x'", 1, 39,
        "unexpected token: 'LIKE' (only IN can follow NOT here; to negate a condition write (NOT condition))" },
      -- subqueries and semi-joins
      { "SELECT Id, (SELECT Id, (SELECT Id FROM Cases) FROM Contacts) FROM Account", 1, 24,
        "SOQL statements cannot query aggregate relationships more than 1 level away from the root entity object." },
      { "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Id IN (SELECT WhoId FROM Task))",
        1, 80, "Nesting of semi join sub-selects is not supported" },
      { "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact) OR Name = 'x'", 1, 30,
        "Semi join sub-selects are not allowed with the 'OR' operator" },
      { "SELECT Id FROM Account WHERE Name = 'a' OR (Type = 'b' AND Id NOT IN (SELECT AccountId FROM Case))", 1, 60,
        "Semi join sub-selects are not allowed with the 'OR' operator" },
      { "SELECT Id FROM Account WHERE Id IN (SELECT AccountId, Id FROM Contact)", 1, 37,
        "a semi-join subquery must select exactly one field" },
      { "SELECT Name FROM Account GROUP BY Name HAVING Id IN (SELECT AccountId FROM Contact)", 1, 54,
        "semi-join subqueries are only allowed in WHERE" },
      -- paths
      { "SELECT A.B.C.D.E.F.Name FROM Contact", 1, 8,
        "relationship path 'A.B.C.D.E.F.Name' follows 6 relationships; SOQL allows at most 5" },
      { "SELECT Id FROM Contact WHERE A.B.C.D.E.F.Name = 'x'", 1, 30,
        "relationship path 'A.B.C.D.E.F.Name' follows 6 relationships; SOQL allows at most 5" },
      { "SELECT Id FROM Account WHERE Account. = 'x'", 1, 39, "unexpected token: '='" },
      -- functions and aggregates
      { "SELECT COUNT(), Id FROM Account", 1, 8, "COUNT() must be the only item in the select list" },
      { "SELECT Id, COUNT() FROM Account", 1, 12, "COUNT() must be the only item in the select list" },
      { "SELECT COUNT() c FROM Account", 1, 16, "unexpected token: 'c'" },
      { "SELECT COUNT(*) FROM Account", 1, 14,
        "no viable alternative at character '*' (SOQL has no SELECT *: list the fields or use FIELDS(ALL))" },
      { "SELECT Name n FROM Account", 1, 13, "Only aggregate expressions use field aliasing" },
      { "SELECT COUNT(Id) a, SUM(Amount) A FROM Opportunity", 1, 33, "duplicate alias: A" },
      { "SELECT Name, COUNT(Id) FROM Account", 1, 8, "Field must be grouped or aggregated: Name" },
      { "SELECT Name, Type, COUNT(Id) FROM Account GROUP BY Name", 1, 14, "Field must be grouped or aggregated: Type" },
      { "SELECT CALENDAR_YEAR(CreatedDate), COUNT(Id) FROM Account GROUP BY CreatedDate", 1, 8,
        "Field must be grouped or aggregated: CALENDAR_YEAR(CreatedDate)" },
      { "SELECT toLabel(Status), COUNT(Id) FROM Case GROUP BY Type", 1, 16, "Field must be grouped or aggregated: Status" },
      { "SELECT Id FROM Account WHERE COUNT(Id) > 1", 1, 30,
        "aggregate function COUNT() is not allowed in WHERE (use HAVING)" },
      { "SELECT Name FROM Account GROUP BY COUNT(Id)", 1, 35, "aggregate function COUNT() is not allowed in GROUP BY" },
      { "SELECT SUM(convertCurrency(Amount)) FROM Opportunity", 1, 12, "SUM() takes a field, not CONVERTCURRENCY()" },
      { "SELECT toLabel(FORMAT(Name)) FROM Account", 1, 16, "TOLABEL() cannot be applied to FORMAT()" },
      { "SELECT Bogus(Name) FROM Account", 1, 8, "unknown function: 'Bogus'" },
      { "SELECT FIELDS(SOME) FROM Account", 1, 15, "unexpected token: 'SOME' (FIELDS takes ALL, STANDARD or CUSTOM)" },
      { "SELECT FIELDS(ALL) FROM Account", 1, 8, "The SOQL FIELDS function must have a LIMIT of at most 200" },
      { "SELECT FIELDS(CUSTOM) FROM Account LIMIT 201", 1, 8, "The SOQL FIELDS function must have a LIMIT of at most 200" },
      { "SELECT Id FROM Account ORDER BY FIELDS(ALL)", 1, 33, "FIELDS() is only allowed in the SELECT list" },
      { "SELECT TYPEOF What Name FROM Event", 1, 20, "expecting 'WHEN', found 'Name'" },
      { "SELECT TYPEOF What WHEN Account THEN Name FROM Event", 1, 43, "expecting 'END', found 'FROM'" },
      -- LIMIT and OFFSET
      { "SELECT Id FROM Account OFFSET 2001", 1, 31, "Maximum SOQL offset allowed is 2000", "NUMBER_OUTSIDE_VALID_RANGE" },
      { "SELECT Id FROM Account OFFSET 99999999999999999999", 1, 31, "Maximum SOQL offset allowed is 2000",
        "NUMBER_OUTSIDE_VALID_RANGE" },
      { "SELECT Id FROM Account LIMIT -1", 1, 30, "LIMIT must be a non-negative integer, found '-1'" },
      { "SELECT Id FROM Account LIMIT 1.5", 1, 30, "expecting a non-negative integer after LIMIT, found '1.5'" },
      { "SELECT Id FROM Account LIMIT", 1, 29, "expecting a non-negative integer after LIMIT, found '<EOF>'" },
      { "SELECT Id FROM Account OFFSET ten", 1, 31, "expecting a non-negative integer after OFFSET, found 'ten'" },
      { "SELECT Id FROM Account OFFSET 5 LIMIT 1", 1, 33, "unexpected token: 'LIMIT'" },
      -- clauses out of order
      { "SELECT Id FROM Account LIMIT 1 WHERE Name = 'x'", 1, 32, "unexpected token: 'WHERE'" },
      -- multi-line queries: the row's own line, column within it
      { "SELECT Id\nFROM Account\nWHERE Name = 'x' AND\n  Foo = 'y' OR Bar = 1", 4, 13,
        "unexpected token: 'OR' (mixing AND and OR needs parentheses: (A AND B) OR C)" },
      { "SELECT Id\r\nFROM Account\r\nWHERE Name = 'unterminated", 3, 14,
        "unterminated string: no closing quote (') before the end of the query" },
      { "SELECT Id\nFROM Account\nWHERE Name = 'x'\n", 4, 1, nil }, -- valid: no error
      { "SELECT Id\nFROM Account\nWHERE\n", 4, 1, "unexpected token: '<EOF>'" },
      { "SELECT Id,\n  (SELECT Id,\n     (SELECT Id FROM Cases)\n   FROM Contacts)\nFROM Account", 3, 6,
        "SOQL statements cannot query aggregate relationships more than 1 level away from the root entity object." },
    }
    for _, row in ipairs(rows) do
      local q, r, c, reason, code = row[1], row[2], row[3], row[4], row[5]
      it(short(q) .. (reason and (" -> " .. r .. ":" .. c) or " is valid"), function()
        local ast, err = parser.parse(q)
        if not reason then assert.is_table(ast); assert.is_nil(err); return end
        assert.is_nil(ast)
        assert.equal(code or "MALFORMED_QUERY", err.errorCode)
        assert.equal(reason, err.reason)
        assert.same({ r, c }, { err.row, err.column })
        assert.same({ r, c }, { parser.position(q, err.pos) })
        -- the message is the caret message for that position
        assert.equal((parser.format_error(q, err.pos, reason)), err.message)
        assert.truthy(err.message:find("\nERROR at Row:" .. r .. ":Column:" .. c .. "\n" .. reason, 1, true))
      end)
    end

    it("reports the first problem in text order", function()
      local _, err = parser.parse("SELECT Id FRM Account WHERE Name = \"x\"")
      assert.equal("unexpected token: 'FRM'", err.reason)
      _, err = parser.parse("SELECT Id FROM Account WHERE A = 1 AND B = 'x\\q' OR C = 2")
      assert.equal("invalid escape sequence '\\q' in string literal", err.reason)
    end)

    it("points at the byte position of the offending token", function()
      local q = "SELECT Id FROM Account WHERE Name = 'é' AND x = \"y\""
      local _, err = parser.parse(q)
      assert.equal(pos_of(q, '"'), err.pos)
      assert.equal(50, err.pos) -- é is two bytes
      assert.equal(49, err.column)
    end)

    it("raises for a non-string query (misuse)", function()
      assert.has_error(function() parser.parse(nil) end)
      assert.has_error(function() parser.parse(42) end)
    end)
  end)

  describe("caret messages", function()
    it("matches Salesforce's shape", function()
      local _, err = parser.parse("SELECT Id FRM Account")
      assert.equal("\nSELECT Id FRM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FRM'", err.message)
      assert.same({ 1, 11, 11 }, { err.row, err.column, err.pos })
    end)

    it("shows the error's own row of a multi-line query", function()
      local q = "SELECT Id\nFROM Account\nWHERE Name = 'x' AND\n  Foo = 'y' OR Bar = 1"
      local _, err = parser.parse(q)
      assert.equal("\n  Foo = 'y' OR Bar = 1\n            ^\nERROR at Row:4:Column:13\n"
        .. "unexpected token: 'OR' (mixing AND and OR needs parentheses: (A AND B) OR C)", err.message)
    end)

    it("drops the \\r of a CRLF line and keeps tabs under the caret", function()
      local q = "SELECT Id\r\n\tFROM Account\r\n\tWHERE Name = 'é' OR"
      local msg, row, col = parser.format_error(q, pos_of(q, "OR"), "unexpected token: '<EOF>'")
      assert.equal("\n\tWHERE Name = 'é' OR\n\t                 ^\nERROR at Row:3:Column:19\nunexpected token: '<EOF>'", msg)
      assert.same({ 3, 19 }, { row, col })
    end)

    it("format_error serves any position, also the end of the text", function()
      local q = "SELECT Id, Foo FROM Account"
      assert.equal("\nSELECT Id, Foo FROM Account\n           ^\nERROR at Row:1:Column:12\n"
        .. "No such column 'Foo' on entity 'Account'.",
        (parser.format_error(q, 12, "No such column 'Foo' on entity 'Account'.")))
      assert.equal("\nSELECT Id FROM\n              ^\nERROR at Row:1:Column:15\nx",
        (parser.format_error("SELECT Id FROM", 15, "x")))
    end)

    it("position counts rows by newline and columns by character", function()
      local q = "ab\ncdé\n\nxyz"
      assert.same({ 1, 1 }, { parser.position(q, 1) })
      assert.same({ 1, 3 }, { parser.position(q, 3) })     -- the newline ends row 1
      assert.same({ 2, 1 }, { parser.position(q, 4) })
      assert.same({ 2, 4 }, { parser.position(q, 8) })     -- after the two-byte é
      assert.same({ 3, 1 }, { parser.position(q, 9) })
      assert.same({ 4, 3 }, { parser.position(q, 12) })
      assert.same({ 4, 4 }, { parser.position(q, 99) })    -- clamped to the end
      assert.has_error(function() parser.position(q, "1") end)
    end)
  end)

  describe("robustness", function()
    -- every truncation and every one-byte deletion of rich queries gives an
    -- AST or a positioned error, never a Lua error
    local seeds = {
      "SELECT Id, Account.Owner.Name, (SELECT Id FROM Contacts WHERE Email LIKE '%@x.com' ORDER BY Name LIMIT 5) "
        .. "FROM Account a USING SCOPE mine WHERE (Industry IN ('Energy', 'x\\'y') AND Revenue > 1000.50) "
        .. "AND CreatedDate = LAST_N_DAYS:30 WITH SECURITY_ENFORCED ORDER BY Name DESC NULLS LAST LIMIT 10 OFFSET 20 FOR VIEW",
      "SELECT CALENDAR_YEAR(CreatedDate) y, FORMAT(SUM(Amount)) s FROM Opportunity WHERE Id IN "
        .. "(SELECT OpportunityId FROM LineItem) AND Amount > USD50.5 AND D > 2024-01-31T10:00:00.5+05:30 "
        .. "GROUP BY ROLLUP(CALENDAR_YEAR(CreatedDate)) HAVING COUNT(Id) > 1",
      "SELECT TYPEOF What WHEN Account THEN Phone ELSE Name END FROM Event WHERE NOT (S = '\\u00e9' OR P INCLUDES ('x'))",
    }
    for n, seed in ipairs(seeds) do
      it("seed " .. n, function()
        parse_ok(seed)
        local function check(q)
          local ok, ast, err = pcall(parser.parse, q)
          assert(ok, "raised on " .. q .. ": " .. tostring(ast))
          if not ast then
            assert(err.pos >= 1 and err.pos <= #q + 1, "position outside the text: " .. q)
            assert.same({ err.row, err.column }, { parser.position(q, err.pos) })
          end
        end
        for i = 0, #seed - 1 do check(seed:sub(1, i)) end
        for i = 1, #seed do check(seed:sub(1, i - 1) .. seed:sub(i + 1)) end
      end)
    end
  end)

  describe("nesting", function()
    local function nested(n, inner, prefix)
      return ("("):rep(n):gsub("%(", (prefix or "") .. "(") .. inner .. (")"):rep(n)
    end
    local W = "SELECT Id FROM Account WHERE "

    -- { what, query with parentheses 1,000 deep }
    local deep = {
      { "parentheses", W .. nested(1000, "Name = 'x'") },
      { "NOT in every parenthesis", W .. nested(1000, "Name = 'x'", "NOT ") },
      { "AND at every level", W .. nested(1000, "Name = 'x'", "A = 1 AND ") },
      { "HAVING", "SELECT Name FROM Account GROUP BY Name HAVING " .. nested(1000, "COUNT(Id) > 1") },
    }
    for _, row in ipairs(deep) do
      it("parses " .. row[1] .. " 1,000 deep, the limit", function()
        local ast = parse_ok(row[2])
        assert.is_truthy(ast.where or ast.having)
      end)
    end

    -- { what, query, byte position of the parenthesis past the limit }
    local too_deep = {
      { "1,001 parentheses", W .. nested(1001, "Name = 'x'"), #W + 1001 },
      { "150,000 parentheses (stack overflow before)", W .. nested(150000, "Name = 'x'"), #W + 1001 },
      { "150,000 unclosed ones", W .. ("("):rep(150000), #W + 1001 },
      { "NOT at every level", W .. nested(1001, "Name = 'x'", "NOT "), #W + 1001 * 5 },
      { "inside a semi-join", W .. "Id IN (SELECT AccountId FROM Contact WHERE " .. nested(1001, "A = 1") .. ")",
        #W + 43 + 1001 },
    }
    for _, row in ipairs(too_deep) do
      it("refuses " .. row[1] .. " with MALFORMED_QUERY", function()
        local ok, ast, err = pcall(parser.parse, row[2])
        assert.is_true(ok, tostring(ast))
        assert.is_nil(ast)
        assert.equal("MALFORMED_QUERY", err.errorCode)
        assert.equal("conditions nested deeper than 1000 parentheses", err.reason)
        assert.equal(row[3], err.pos)
        assert.equal("(", row[2]:sub(err.pos, err.pos))
      end)
    end
  end)

  describe("positions", function()
    it("every node carries the byte offset of its first character", function()
      local q = "SELECT Name, (SELECT Id FROM Contacts) FROM Account a "
        .. "WHERE a.Name LIKE 'Ac%' AND CreatedDate > LAST_N_DAYS:3 ORDER BY Name DESC LIMIT 5"
      local ast = parse_ok(q)
      assert.equal(1, ast.pos)
      assert.equal(pos_of(q, "Name"), ast.fields[1].pos)
      assert.equal(pos_of(q, "("), ast.fields[2].pos)
      assert.equal(pos_of(q, "SELECT", 2), ast.fields[2].query.pos)
      assert.equal(pos_of(q, "Contacts"), ast.fields[2].query.from.pos)
      assert.equal(pos_of(q, "Account"), ast.from.pos)
      assert.equal(pos_of(q, " a ") + 1, ast.from.alias_pos)
      assert.equal(pos_of(q, "a.Name"), ast.where.pos)
      assert.equal(pos_of(q, "a.Name"), ast.where.items[1].left.pos)
      assert.equal(pos_of(q, "'Ac%'"), ast.where.items[1].right.pos)
      assert.equal(pos_of(q, "CreatedDate"), ast.where.items[2].pos)
      assert.equal(pos_of(q, "LAST_N_DAYS"), ast.where.items[2].right.pos)
      assert.equal(pos_of(q, "Name DESC"), ast.order_by[1].pos)
    end)
  end)
end)
