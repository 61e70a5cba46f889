-- luaforce.soql builder: builder input -> exact SOQL text for every feature,
-- the errors a user gets for mistakes, and that every query built here
-- parses with the project's one parser (one dialect, no drift). Condition
-- tables to text are luaforce.soql.conditions' (conditions_spec).
local soql = require "luaforce.soql"
local support = require "support.soql_built"
local decimal = require "luaforce.decimal"
local json = require "luaforce.json"

local built, run_rows, raises = support.built, support.run_rows, support.raises

local S = soql.select
local function acc(cond) return S { "Id" }:from("Account"):where(cond) end
local function W(text) return "SELECT Id FROM Account WHERE " .. text end

describe("luaforce.soql builder", function()
  describe("select lists and FROM", function()
    run_rows {
      { "fields and a parent path", function() return S { "Id", "Name", "Account.Name" }:from("Contact") end,
        "SELECT Id, Name, Account.Name FROM Contact" },
      { "fields as arguments", function() return S("Id", "Name"):from("Account") end,
        "SELECT Id, Name FROM Account" },
      { "a FROM alias", function() return S { "c.Id", "c.Account.Name" }:from("Contact", "c") end,
        "SELECT c.Id, c.Account.Name FROM Contact c" },
      { "five relationship hops", function() return S { "A__r.B__r.C__r.D__r.E__r.Name" }:from("X__c") end,
        "SELECT A__r.B__r.C__r.D__r.E__r.Name FROM X__c" },
      { "five hops after an alias", function() return S { "x.A.B.C.D.E.Name" }:from("Contact", "x") end,
        "SELECT x.A.B.C.D.E.Name FROM Contact x" },
      { "custom and namespaced names", function() return S { "ns__Total__c", "Parent__r.Name" }:from("ns__Thing__c") end,
        "SELECT ns__Total__c, Parent__r.Name FROM ns__Thing__c" },
      { ":fields adds to the list", function() return S { "Id" }:fields("Name", "Phone"):from("Account") end,
        "SELECT Id, Name, Phone FROM Account" },
      { "a reserved word leads a path", function() return S { "Id", "Group.Name" }:from("GroupMember") end,
        "SELECT Id, Group.Name FROM GroupMember" },
      { "an object named like a keyword", function() return S { "Id" }:from("Order") end,
        "SELECT Id FROM Order" },
      { "FIELDS(ALL) with a LIMIT", function() return S { soql.fields("all") }:from("Account"):limit(200) end,
        "SELECT FIELDS(ALL) FROM Account LIMIT 200" },
      { "FIELDS(STANDARD) needs no LIMIT", function() return S { soql.fields("STANDARD") }:from("Account") end,
        "SELECT FIELDS(STANDARD) FROM Account" },
      { "toLabel and convertCurrency", function()
          return S { soql.to_label("Status"), soql.convert_currency("Amount") }:from("Opportunity")
        end, "SELECT toLabel(Status), convertCurrency(Amount) FROM Opportunity" },
      { "raw select item", function() return S { "Id", soql.raw("TYPEOF What WHEN Account THEN Phone END") }:from("Event") end,
        "SELECT Id, TYPEOF What WHEN Account THEN Phone END FROM Event" },
      { "child subquery", function()
          return S { "Id", "Name", S { "Id", "Email" }:from("Contacts"):where { Email = { ["$exists"] = true } }
            :order_by("LastName"):limit(5) }:from("Account")
        end, "SELECT Id, Name, (SELECT Id, Email FROM Contacts WHERE Email != null ORDER BY LastName LIMIT 5) FROM Account" },
      { "two child subqueries", function()
          return S { "Id", S { "Id" }:from("Contacts"), S { "Id" }:from("Opportunities") }:from("Account")
        end, "SELECT Id, (SELECT Id FROM Contacts), (SELECT Id FROM Opportunities) FROM Account" },
    }
  end)

  describe("aggregates and grouping", function()
    run_rows {
      { "COUNT()", function() return S { soql.count() }:from("Account") end, "SELECT COUNT() FROM Account" },
      { "COUNT() with a WHERE", function() return S { soql.count() }:from("Lead"):where { IsConverted = false } end,
        "SELECT COUNT() FROM Lead WHERE IsConverted = false" },
      { "aggregates with aliases", function()
          return S { soql.count("Id"):as("n"), soql.sum("Amount"):as("total"), soql.avg("Amount"):as("mean"),
            soql.min("CloseDate"), soql.max("CloseDate"), soql.count_distinct("OwnerId") }:from("Opportunity")
        end, "SELECT COUNT(Id) n, SUM(Amount) total, AVG(Amount) mean, MIN(CloseDate), MAX(CloseDate), "
          .. "COUNT_DISTINCT(OwnerId) FROM Opportunity" },
      { "GROUP BY and HAVING", function()
          return S { "StageName", soql.sum("Amount"):as("total") }:from("Opportunity")
            :group_by("StageName"):having { ["COUNT(Id)"] = { ["$gt"] = 1 } }
        end, "SELECT StageName, SUM(Amount) total FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 1" },
      { "HAVING on an aggregate and a grouped field", function()
          return S { "LeadSource", soql.count("Name") }:from("Lead"):group_by { "LeadSource" }
            :having { ["$or"] = { { ["COUNT(Name)"] = { ["$gte"] = 10 } }, { LeadSource = "Web" } } }
        end, "SELECT LeadSource, COUNT(Name) FROM Lead GROUP BY LeadSource HAVING COUNT(Name) >= 10 OR LeadSource = 'Web'" },
      { "an aliased grouped field", function()
          return S { soql.field("StageName"):as("stage"), soql.count("Id") }:from("Opportunity"):group_by("StageName")
        end, "SELECT StageName stage, COUNT(Id) FROM Opportunity GROUP BY StageName" },
      { "date functions", function()
          return S { soql.fn("CALENDAR_YEAR", "CreatedDate"):as("yr"), soql.count("Id") }:from("Case")
            :group_by("CALENDAR_YEAR(CreatedDate)")
        end, "SELECT CALENDAR_YEAR(CreatedDate) yr, COUNT(Id) FROM Case GROUP BY CALENDAR_YEAR(CreatedDate)" },
      { "a date function over convertTimezone", function()
          return S { soql.fn("HOUR_IN_DAY", soql.fn("convertTimezone", "CreatedDate")), soql.count("Id") }:from("Case")
            :group_by(soql.fn("HOUR_IN_DAY", soql.fn("CONVERTTIMEZONE", "CreatedDate")))
        end, "SELECT HOUR_IN_DAY(convertTimezone(CreatedDate)), COUNT(Id) FROM Case "
          .. "GROUP BY HOUR_IN_DAY(convertTimezone(CreatedDate))" },
      { "FORMAT of an aggregate", function()
          return S { soql.fn("FORMAT", soql.sum("Amount")):as("fmt") }:from("Opportunity")
        end, "SELECT FORMAT(SUM(Amount)) fmt FROM Opportunity" },
      { "toLabel of a grouped field", function()
          return S { soql.to_label("StageName"), soql.count("Id") }:from("Opportunity"):group_by("StageName")
        end, "SELECT toLabel(StageName), COUNT(Id) FROM Opportunity GROUP BY StageName" },
      { "GROUP BY ROLLUP", function()
          return S { "Type", "Rating", soql.count("Id") }:from("Account"):group_by_rollup("Type", "Rating")
        end, "SELECT Type, Rating, COUNT(Id) FROM Account GROUP BY ROLLUP(Type, Rating)" },
      { "GROUP BY CUBE with GROUPING", function()
          return S { "Type", soql.fn("GROUPING", "Type"):as("grp"), soql.count("Id") }:from("Account")
            :group_by_cube { "Type" }
        end, "SELECT Type, GROUPING(Type) grp, COUNT(Id) FROM Account GROUP BY CUBE(Type)" },
      { "ORDER BY an aggregate", function()
          return S { "OwnerId", soql.count("Id") }:from("Case"):group_by("OwnerId")
            :order_by("COUNT(Id) DESC", { soql.max("CreatedDate"), "ASC" })
        end, "SELECT OwnerId, COUNT(Id) FROM Case GROUP BY OwnerId ORDER BY COUNT(Id) DESC, MAX(CreatedDate) ASC" },
    }
  end)

  describe("values", function()
    run_rows {
      { "string", function() return acc { Name = "Acme" } end, W "Name = 'Acme'" },
      { "string escapes", function() return acc { Name = "O'Brien \"Bob\"\\\n\r\t\b\f" } end,
        W [[Name = 'O\'Brien \"Bob\"\\\n\r\t\b\f']] },
      { "other control characters as \\u", function() return acc { Name = "a\0b\1c\31d\127e\194\133f" } end,
        W [[Name = 'a\u0000b\u0001c\u001Fd\u007Fe\u0085f']] },
      { "multibyte text as it is", function() return acc { Name = "Zoë 日本 😀" } end, W "Name = 'Zoë 日本 😀'" },
      { "empty string", function() return acc { Name = "" } end, W "Name = ''" },
      { "integer", function() return acc { NumberOfEmployees = 42 } end, W "NumberOfEmployees = 42" },
      { "negative integer", function() return acc { NumberOfEmployees = -7 } end, W "NumberOfEmployees = -7" },
      { "int64 extremes", function() return acc { N__c = { math.mininteger, math.maxinteger } } end,
        W "N__c IN (-9223372036854775808, 9223372036854775807)" },
      { "float", function() return acc { AnnualRevenue = 0.1 } end, W "AnnualRevenue = 0.1" },
      { "integral float without .0", function() return acc { AnnualRevenue = 3.0 } end, W "AnnualRevenue = 3" },
      { "big float without exponent", function() return acc { AnnualRevenue = 1e20 } end,
        W "AnnualRevenue = 100000000000000000000" },
      { "bigger float without exponent", function() return acc { AnnualRevenue = -2.5e21 } end,
        W "AnnualRevenue = -2500000000000000000000" },
      { "small float without exponent", function() return acc { Rate__c = 1.5e-7 } end, W "Rate__c = 0.00000015" },
      { "float keeps its shortest digits", function() return acc { Rate__c = 1 / 3 } end,
        W "Rate__c = 0.3333333333333333" },
      { "negative zero", function() return acc { Rate__c = -0.0 } end, W "Rate__c = 0" },
      { "decimal exactly", function() return acc { Amount = decimal("12345678901234567890.125") } end,
        W "Amount = 12345678901234567890.125" },
      { "decimal with an exponent, written plainly", function() return acc { Amount = decimal("1.5E+3") } end,
        W "Amount = 1500" },
      { "booleans", function() return acc { IsDeleted = false, IsActive__c = true } end,
        W "IsActive__c = true AND IsDeleted = false" },
      { "soql.NULL", function() return acc { ParentId = soql.NULL } end, W "ParentId = null" },
      { "json.null", function() return acc { ParentId = json.null } end, W "ParentId = null" },
      { "$ne null", function() return acc { ParentId = { ["$ne"] = soql.NULL } } end, W "ParentId != null" },
      { "date table", function() return acc { CloseDate__c = { year = 2024, month = 2, day = 29 } } end,
        W "CloseDate__c = 2024-02-29" },
      { "date-time table is UTC", function()
          return acc { CreatedDate = { ["$gt"] = { year = 2024, month = 1, day = 31, hour = 10, min = 5, sec = 9 } } }
        end, W "CreatedDate > 2024-01-31T10:05:09Z" },
      { "date-time table with an offset", function()
          return acc { CreatedDate = { ["$gt"] = { year = 2024, month = 1, day = 31, hour = 10, min = 0, offset = "+05:30" } } }
        end, W "CreatedDate > 2024-01-31T10:00:00+05:30" },
      { "date-time table with offset minutes", function()
          return acc { CreatedDate = { ["$lt"] = { year = 2024, month = 1, day = 31, hour = 10, min = 0, sec = 0, offset = -480 } } }
        end, W "CreatedDate < 2024-01-31T10:00:00-08:00" },
      { "os.date('!*t') table", function()
          return acc { CreatedDate = { ["$lt"] = os.date("!*t", 86400 * 365) } }
        end, W "CreatedDate < 1971-01-01T00:00:00Z" },
      { "soql.date from text", function() return acc { D__c = soql.date("2023-12-31") } end, W "D__c = 2023-12-31" },
      { "soql.datetime from text", function()
          return acc { CreatedDate = { ["$gte"] = soql.datetime("2024-01-31T10:00:00.123-08:00") } }
        end, W "CreatedDate >= 2024-01-31T10:00:00.123-08:00" },
      { "soql.datetime takes Salesforce's +0000", function()
          return acc { CreatedDate = { ["$gte"] = soql.datetime("2024-01-31T10:00:00.000+0000") } }
        end, W "CreatedDate >= 2024-01-31T10:00:00.000+00:00" },
      { "soql.epoch", function() return acc { CreatedDate = { ["$gte"] = soql.epoch(1700000000) } } end,
        W "CreatedDate >= 2023-11-14T22:13:20Z" },
      { "soql.epoch keeps milliseconds", function() return acc { CreatedDate = { ["$gte"] = soql.epoch(-0.5) } } end,
        W "CreatedDate >= 1969-12-31T23:59:59.500Z" },
      { "soql.epoch on the first day of year 0", function()
          return acc { CreatedDate = { ["$gte"] = soql.epoch(-62167219200) } }
        end, W "CreatedDate >= 0000-01-01T00:00:00Z" },
      { "date literals", function()
          return acc { { CreatedDate = soql.today() }, { CloseDate = { ["$gte"] = soql.last_n_days(30) } },
            { CloseDate = { ["$lt"] = soql.this_fiscal_quarter() } }, { LastModifiedDate = soql.n_fiscal_years_ago(2) } }
        end, W "CreatedDate = TODAY AND CloseDate >= LAST_N_DAYS:30 AND CloseDate < THIS_FISCAL_QUARTER "
          .. "AND LastModifiedDate = N_FISCAL_YEARS_AGO:2" },
      { "soql.literal by name", function()
          return acc { { A = soql.literal("this_fiscal_quarter") }, { B = soql.literal("NEXT_N_WEEKS", 3) },
            { C = soql.literal("LAST_N_MONTHS:12") } }
        end, W "A = THIS_FISCAL_QUARTER AND B = NEXT_N_WEEKS:3 AND C = LAST_N_MONTHS:12" },
      { "currency", function()
          return acc { AnnualRevenue = { ["$gt"] = soql.currency("usd", 100), ["$lt"] = soql.currency("EUR", 50.5) } }
        end, W "AnnualRevenue > USD100 AND AnnualRevenue < EUR50.5" },
      { "currency from a decimal", function() return acc { Amount = soql.currency("JPY", decimal("1000.00")) } end,
        W "Amount = JPY1000.00" },
      { "raw value", function() return acc { Amount = { ["$gt"] = soql.raw("USD5000") } } end, W "Amount > USD5000" },
      { "a list decoded from JSON", function() return acc { Id = json.decode('["001A", "001B"]') } end,
        W "Id IN ('001A', '001B')" },
      { "a condition decoded from JSON", function()
          return acc(json.decode('{"Name": "x", "Amount": {"$gt": 5}, "Owner.Name": null}'))
        end, W "Amount > 5 AND Name = 'x' AND Owner.Name = null" },
    }
  end)

  describe("clauses", function()
    run_rows {
      { "ORDER BY forms", function()
          return S { "Id" }:from("Account"):order_by("Name", "CreatedDate desc nulls last", { "Rating", "ASC", nulls = "first" })
            :order_by { "Industry", nulls = "LAST" }
        end, "SELECT Id FROM Account ORDER BY Name, CreatedDate DESC NULLS LAST, Rating ASC NULLS FIRST, Industry NULLS LAST" },
      { "LIMIT and OFFSET", function() return S { "Id" }:from("Account"):order_by("Name"):limit(100):offset(2000) end,
        "SELECT Id FROM Account ORDER BY Name LIMIT 100 OFFSET 2000" },
      { "LIMIT 0", function() return S { "Id" }:from("Account"):limit(0) end, "SELECT Id FROM Account LIMIT 0" },
      { "USING SCOPE", function() return S { "Id" }:from("Opportunity"):using_scope("mine") end,
        "SELECT Id FROM Opportunity USING SCOPE mine" },
      { "WITH SECURITY_ENFORCED", function() return S { "Id" }:from("Account"):where { A = 1 }:with_security_enforced() end,
        "SELECT Id FROM Account WHERE A = 1 WITH SECURITY_ENFORCED" },
      { "WITH USER_MODE", function() return S { "Id" }:from("Account"):with("user_mode") end,
        "SELECT Id FROM Account WITH USER_MODE" },
      { "FOR VIEW", function() return S { "Id" }:from("Account"):for_view() end, "SELECT Id FROM Account FOR VIEW" },
      { "FOR REFERENCE", function() return S { "Id" }:from("Account"):for_reference() end,
        "SELECT Id FROM Account FOR REFERENCE" },
      { "FOR UPDATE", function() return S { "Id" }:from("Account"):limit(1):for_update() end,
        "SELECT Id FROM Account LIMIT 1 FOR UPDATE" },
      { "every clause in SOQL's order, whatever the call order", function()
          return S { "Type", soql.count("Id"):as("n") }:for_view():offset(10):limit(5):order_by("Type")
            :having { ["COUNT(Id)"] = { ["$gt"] = 2 } }:group_by("Type"):with_security_enforced()
            :where { Industry = "Energy" }:using_scope("team"):from("Account", "a")
        end, "SELECT Type, COUNT(Id) n FROM Account a USING SCOPE team WHERE Industry = 'Energy' WITH SECURITY_ENFORCED "
          .. "GROUP BY Type HAVING COUNT(Id) > 2 ORDER BY Type LIMIT 5 OFFSET 10 FOR VIEW" },
    }

    it("queries are immutable, so a base query can be shared", function()
      local base = S { "Id", "Name" }:from("Account")
      local a = base:where { Industry = "Energy" }:limit(1)
      local b = base:where { Industry = "Retail" }
      assert.equal("SELECT Id, Name FROM Account", built(base))
      assert.equal("SELECT Id, Name FROM Account WHERE Industry = 'Energy' LIMIT 1", built(a))
      assert.equal("SELECT Id, Name FROM Account WHERE Industry = 'Retail'", built(b))
    end)

    it("takes a snapshot of condition tables", function()
      local cond = { Name = "a" }
      local q = S { "Id" }:from("Account"):where(cond)
      cond.Name = "b"
      assert.equal(W "Name = 'a'", built(q))
    end)

    it("parses to the AST the text means", function()
      local _, ast = built(S { "Id", S { "Id" }:from("Contacts") }:from("Account", "a")
        :where { ["$or"] = { { Name = "x" }, { Rating = { "Hot", "Warm" } } } }:order_by("Name DESC"):limit(3))
      assert.equal("or", ast.where.kind)
      assert.equal("compare", ast.where.items[1].kind)
      assert.equal("in", ast.where.items[2].kind)
      assert.equal("subquery", ast.fields[2].kind)
      assert.equal("a", ast.from.alias)
      assert.equal("DESC", ast.order_by[1].dir)
      assert.equal(3, ast.limit)
    end)

    it("marks queries for the client", function()
      assert.is_true(soql.is_query(S { "Id" }:from("Account")))
      assert.is_false(soql.is_query("SELECT Id FROM Account"))
      assert.is_false(soql.is_query({}))
      assert.is_false(soql.is_query(soql.raw("x")))
    end)

    it("is reachable as luaforce.soql", function()
      local luaforce = require "luaforce"
      assert.equal(soql, luaforce.soql)
      assert.equal(require("luaforce.soql.parser").parse, soql.parse)
    end)
  end)

  describe("errors name the problem", function()
    local rows = {
      -- identifiers: validated, never escaped
      { "injection in a field name", function() return S { "Id FROM User --" }:from("Account") end, "invalid field name" },
      { "a quote in a field name", function() return acc { ["Name'"] = 1 } end, "invalid field name" },
      { "a comma in a select string", function() return S { "Id, Name" } end, "invalid field name" },
      { "an empty path segment", function() return S { "Account..Name" } end, "invalid field name" },
      { "a leading digit", function() return S { "1Name" } end, "invalid field name" },
      { "a non-ASCII name", function() return S { "Nämé" } end, "invalid field name" },
      { "a reserved word as a field", function() return S { "Select" } end, "reserved word" },
      { "six relationship hops", function() return S { "A.B.C.D.E.F.Name" }:from("Contact"):build() end,
        "follows 6 relationships" },
      { "six hops in a condition", function() return acc { ["A.B.C.D.E.F.Name"] = 1 } end, "follows 6 relationships" },
      { "a bad object name", function() return S { "Id" }:from("Account WHERE Id != null") end, "invalid object name" },
      { "a reserved FROM alias", function() return S { "Id" }:from("Account", "order") end, "reserved word" },
      { "a clause word as FROM alias", function() return S { "Id" }:from("Account", "Update") end, "clause keyword" },
      { "a bad alias", function() return soql.count("Id"):as("n; x") end, "invalid alias" },
      { "a bad ORDER BY field", function() return S { "Id" }:from("A"):order_by("Name;") end, "invalid field name" },
      { "text after an ORDER BY field", function() return S { "Id" }:from("A"):order_by("Name; DELETE") end,
        "invalid ORDER BY \"Name; DELETE\"" },
      { "a bad direction", function() return S { "Id" }:from("A"):order_by("Name UP") end, "invalid ORDER BY" },
      { "text after NULLS LAST", function() return S { "Id" }:from("A"):order_by("Name NULLS LAST x") end,
        "unexpected \"x\"" },
      { "a bad NULLS", function() return S { "Id" }:from("A"):order_by { "Name", nulls = "middle" } end,
        "invalid NULLS order" },
      { "a bad direction in a table", function() return S { "Id" }:from("A"):order_by { "Name", "Id" } end,
        "invalid direction" },
      { "a bad scope", function() return S { "Id" }:from("A"):using_scope("mine WHERE") end, "invalid scope" },
      { "a bad WITH", function() return S { "Id" }:from("A"):with("DATA CATEGORY") end, "WITH takes" },
      { "an unknown function", function() return acc { ["SLEEP(Id)"] = 1 } end, "unknown function" },
      { "an aggregate in WHERE", function() return acc { ["COUNT(Id)"] = 1 } end, "use having" },
      { "a bad inner call", function() return soql.fn("CALENDAR_YEAR", soql.to_label("CreatedDate")) end,
        "cannot be applied to" },
      -- values
      { "empty list", function() return acc { Id = {} } end, "empty $in list for Id" },
      { "empty $in", function() return acc { Id = { ["$in"] = {} } } end, "empty $in list for Id" },
      { "empty $nin", function() return acc { Id = { ["$nin"] = {} } } end, "empty $nin list for Id" },
      { "empty $includes", function() return acc { C__c = { ["$includes"] = {} } } end, "empty $includes list" },
      { "a hole in a list", function() return acc { Id = { "a", nil, "c" } } end, "missing value for Id[2]" },
      { "nan", function() return acc { Amount = 0 / 0 } end, "nan is not a number SOQL can hold" },
      { "inf", function() return acc { Amount = math.huge } end, "inf" },
      { "-inf", function() return acc { Amount = { ["$gt"] = -math.huge } } end, "-inf" },
      { "nan in a list", function() return acc { Amount = { 1, 0 / 0 } } end, "nan" },
      { "invalid UTF-8", function() return acc { Name = "abc\255" } end, 'invalid UTF-8 at byte 4 of "abc\\255" in Name' },
      { "an overlong UTF-8 form", function() return acc { Name = "\192\175" } end, "invalid UTF-8" },
      { "an encoded surrogate", function() return acc { Name = "\237\160\128" } end, "invalid UTF-8" },
      { "a string over 4000 characters", function() return acc { Name = ("x"):rep(4001) } end,
        "string of 4001 characters in Name: SOQL allows at most 4000 in WHERE and HAVING" },
      { "4001 multibyte characters", function() return acc { Name = ("é"):rep(4001) } end, "string of 4001 characters" },
      { "a LIKE pattern over 4000 characters", function() return acc { Name = { ["$like"] = soql.contains(("x"):rep(3999)) } } end,
        "string of 4001 characters" },
      { "a lone backslash in a LIKE pattern", function() return acc { Name = { ["$like"] = "a\\b" } } end,
        "invalid LIKE pattern" },
      { "$like without a string", function() return acc { Name = { ["$like"] = 5 } } end, "takes a LIKE pattern string" },
      { "$includes with a number", function() return acc { C__c = { ["$includes"] = { 5 } } } end, "strings only" },
      { "$eq with a list", function() return acc { Id = { ["$eq"] = { "a" } } } end, "a list is not a value here" },
      { "$gt with a list", function() return acc { Id = { ["$gt"] = { 1, 2 } } } end, "a list is not a value here" },
      { "$exists with a string", function() return acc { Id = { ["$exists"] = "yes" } } end, "takes true or false" },
      { "an unknown operator", function() return acc { Name = { ["$regex"] = "a" } } end, "unknown operator \"$regex\"" },
      { "an unknown top operator", function() return acc { ["$nor"] = { { A = 1 } } } end, "unknown operator \"$nor\"" },
      { "a table with other keys", function() return acc { Name = { foo = 1 } } end, "only $-keys" },
      { "a function value", function() return acc { Name = print } end, "function is not a SOQL value" },
      { "an invalid date table", function() return acc { D = { year = 2023, month = 2, day = 29 } } end,
        "not a calendar date" },
      { "a date table with a bad month", function() return acc { D = { year = 2023, month = 13, day = 1 } } end,
        "month = 13" },
      { "a bad hour", function() return acc { D = { year = 2023, month = 1, day = 1, hour = 24, min = 0 } } end,
        "hour = 24" },
      { "a bad offset", function() return acc { D = { year = 2023, month = 1, day = 1, hour = 1, min = 0, offset = "+19:00" } } end,
        "invalid time zone offset" },
      { "bad ISO date", function() return soql.date("2024-1-5") end, "expecting YYYY-MM-DD" },
      { "ISO date-time without a zone", function() return soql.datetime("2024-01-05T10:00:00") end,
        "the time zone is missing" },
      { "ISO date-time with a bad time", function() return soql.datetime("2024-01-05T25:00:00Z") end,
        "no such time of day" },
      { "an unknown date literal", function() return soql.literal("LAST_FORTNIGHT") end, "unknown date literal" },
      { "a date literal without its n", function() return soql.literal("LAST_N_DAYS") end, "needs a non-negative integer" },
      { "a negative n", function() return soql.last_n_days(-1) end, "needs a non-negative integer" },
      { "an n where none goes", function() return soql.literal("TODAY", 3) end, "takes no number" },
      { "a negative currency", function() return soql.currency("USD", -5) end, "cannot be negative" },
      { "a bad currency code", function() return soql.currency("US$", 5) end, "invalid currency code" },
      { "a nan epoch", function() return soql.epoch(0 / 0) end, "not a time" },
      -- structure
      { "a string as a condition", function() return S { "Id" }:from("A"):where("Name = 'x'") end,
        "a condition is a table" },
      { "an empty condition", function() return acc {} end, "empty condition" },
      { "an empty $or", function() return acc { ["$or"] = {} } end, "$or takes a non-empty list" },
      { "a map as $or", function() return acc { ["$or"] = { A = 1, B = 2 } } end, "$or takes a non-empty list" },
      { "a hole in $and", function() return acc { ["$and"] = { { A = 1 }, nil, { B = 2 } } } end, "got nil" },
      { "OFFSET over 2000", function() return S { "Id" }:from("A"):offset(2001) end, "OFFSET 2001 is over 2000" },
      { "a negative LIMIT", function() return S { "Id" }:from("A"):limit(-1) end, "non-negative integer" },
      { "a fractional LIMIT", function() return S { "Id" }:from("A"):limit(1.5) end, "non-negative integer" },
      { "no FROM", function() return S { "Id" }:build() end, "no FROM" },
      { "no fields", function() return S {} end, "at least one field" },
      { "a nil among fields", function() return S("Id", nil, "Name") end, "got nil" },
      { "COUNT() with fields", function() return S { "Id", soql.count() }:from("A"):build() end,
        "COUNT() must be the only item" },
      { "COUNT() with an alias", function() return soql.count():as("n") end, "COUNT() takes no alias" },
      { "an ungrouped field", function() return S { "Name", soql.count("Id") }:from("A"):build() end,
        "Name must be grouped or aggregated" },
      { "an ungrouped field with GROUP BY", function() return S { "Name", "Type" }:from("A"):group_by("Type"):build() end,
        "Name must be grouped or aggregated" },
      { "a field alias outside aggregates", function() return S { soql.field("Name"):as("n") }:from("A"):build() end,
        "only aggregate queries alias plain fields" },
      { "a duplicate alias", function()
          return S { soql.sum("A"):as("x"), soql.max("B"):as("X") }:from("T"):build()
        end, "duplicate alias" },
      { "FIELDS(ALL) without LIMIT", function() return S { soql.fields("ALL") }:from("A"):build() end,
        "needs a LIMIT of at most 200" },
      { "FIELDS() in ORDER BY", function() return S { "Id" }:from("A"):order_by(soql.fields("ALL")) end,
        "only allowed in the select list" },
      { "HAVING without GROUP BY", function() return S { soql.count("Id") }:from("A"):having { ["COUNT(Id)"] = 1 }:build() end,
        "HAVING needs GROUP BY" },
      { "a nested child subquery", function()
          return S { "Id", S { "Id", S { "Id" }:from("Cases") }:from("Contacts") }:from("Account"):build()
        end, "one level down" },
      { "a semi-join with two fields", function() return acc { Id = S { "AccountId", "Id" }:from("Contact") } end,
        "exactly one field" },
      { "a nested semi-join", function()
          return acc { Id = S { "AccountId" }:from("Contact"):where { Id = S { "ContactId" }:from("Case") } }
        end, "cannot be nested" },
      { "a semi-join under $or", function()
          return acc { ["$or"] = { { A = 1 }, { Id = S { "AccountId" }:from("Contact") } } }
        end, "cannot be under $or" },
      { "a semi-join in HAVING", function()
          return S { "Type" }:from("A"):group_by("Type"):having { Type = S { "X" }:from("B") }
        end, "only allowed in WHERE" },
      { "a query as a condition", function() return acc(S { "Id" }:from("B")) end, "a query is not a condition" },
      { "a query as a plain value", function() return acc { Id = { ["$eq"] = S { "Id" }:from("B") } } end,
        "a query is not a value" },
    }
    for _, row in ipairs(rows) do
      it(row[1], function() raises(row[2], row[3]) end)
    end

    it("raises from tostring too, with a readable message", function()
      local err = raises(function() return tostring(S { "Id", soql.count() }:from("A")) end, "COUNT()")
      assert.matches("^INVALID_SOQL: ", tostring(err))
    end)
  end)

  describe("the cookbook in docs/soql.md", function()
    -- Each ```lua block after "## Cookbook" runs with `soql` in scope; what
    -- it prints must be exactly its "--> " lines, and must parse.
    local f = assert(io.open("docs/soql.md", "r"))
    local doc = f:read("a")
    f:close()
    local cookbook = assert(doc:match("\n## Cookbook\n(.*)$"), "docs/soql.md has no Cookbook section")
    cookbook = cookbook:match("^(.-)\n## ") or cookbook
    local n = 0
    for block in cookbook:gmatch("```lua\n(.-)```") do
      n = n + 1
      it("recipe " .. n, function()
        local expected = {}
        for line in block:gmatch("[^\n]+") do
          local shown = line:match("^%-%-> (.*)$")
          if shown then expected[#expected + 1] = shown end
        end
        local printed = {}
        local env = setmetatable({ soql = soql, print = function(x) printed[#printed + 1] = tostring(x) end },
          { __index = _G })
        assert(load(block, "=cookbook " .. n, "t", env))()
        assert.same(expected, printed)
        assert(#printed > 0)
        for _, text in ipairs(printed) do
          local ast, err = soql.parse(text)
          assert(ast, err and err.message)
        end
      end)
    end
    it("has ten recipes", function() assert.equal(10, n) end)
  end)
end)
