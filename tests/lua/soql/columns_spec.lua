-- luaforce.soql.columns: the column names a query's results carry, the
-- one rule behind the CLI's and REPL's headers and the local org's keys.
local columns = require "luaforce.soql.columns"
local parser = require "luaforce.soql.parser"

local function ast(text) return assert(parser.parse(text)) end

describe("luaforce.soql.columns", function()
  describe("names: the headers of table and CSV output", function()
    local rows = {
      { "plain fields as written", "SELECT Id, name, Account.Owner.Name FROM Contact",
        { "Id", "name", "Account.Owner.Name" } },
      { "a FROM alias is dropped", "SELECT c.Id, c.Account.Name FROM Contact c", { "Id", "Account.Name" } },
      { "so is the object's own name", "SELECT Contact.Id, contact.Account.Name FROM Contact",
        { "Id", "Account.Name" } },
      { "a one-segment name equal to the alias is a field", "SELECT c FROM Contact c", { "c" } },
      { "aggregates by alias, else expr0, expr1, ...",
        "SELECT COUNT(Id), SUM(Amount) total, MAX(Amount), MIN(CloseDate) FROM Opportunity",
        { "expr0", "total", "expr1", "expr2" } },
      { "a grouped field by its last segment, a date function as exprN",
        "SELECT o.Account.Name, CALENDAR_YEAR(CloseDate), AVG(Amount) FROM Opportunity o "
          .. "GROUP BY o.Account.Name, CALENDAR_YEAR(CloseDate)",
        { "Name", "expr0", "expr1" } },
      { "an aliased grouped field by its alias",
        "SELECT Industry ind, COUNT(Id) FROM Account GROUP BY Industry", { "ind", "expr0" } },
      { "every date function counts, over convertTimezone too",
        "SELECT DAY_ONLY(CreatedDate), HOUR_IN_DAY(convertTimezone(CreatedDate)), FISCAL_YEAR(CreatedDate) y, "
          .. "COUNT(Id) FROM Account GROUP BY DAY_ONLY(CreatedDate), HOUR_IN_DAY(convertTimezone(CreatedDate)), "
          .. "FISCAL_YEAR(CreatedDate)",
        { "expr0", "expr1", "y", "expr2" } },
      { "GROUPING and FORMAT of an aggregate are expressions",
        "SELECT Industry, GROUPING(Industry), FORMAT(SUM(AnnualRevenue)), COUNT(Id) n FROM Account "
          .. "GROUP BY ROLLUP(Industry)",
        { "Industry", "expr0", "expr1", "n" } },
      { "toLabel, FORMAT, convertCurrency keep their field's name",
        "SELECT toLabel(Industry), FORMAT(a.AnnualRevenue), convertCurrency(Owner.Name) FROM Account a",
        { "Industry", "AnnualRevenue", "Owner.Name" } },
      { "an aliased function by its alias", "SELECT toLabel(Industry) ind FROM Account", { "ind" } },
      { "a child subquery by its relationship, as written",
        "SELECT Name, (SELECT LastName FROM contacts) FROM Account", { "Name", "contacts" } },
      { "TYPEOF as its fields, each once",
        "SELECT Id, TYPEOF What WHEN Account THEN Name, Phone WHEN Opportunity THEN name, Amount "
          .. "ELSE Name, Email END FROM Task",
        { "Id", "What.Name", "What.Phone", "What.Amount", "What.Email" } },
      { "COUNT() alone: no columns, a count", "SELECT COUNT() FROM Account WHERE Name LIKE 'A%'", {} },
    }
    for _, row in ipairs(rows) do
      it(row[1], function() assert.same(row[3], columns.names(ast(row[2]))) end)
    end

    it("FIELDS(...) leaves the columns to the records", function()
      assert.is_nil(columns.names(ast("SELECT Id, FIELDS(STANDARD) FROM Account")))
    end)
  end)

  describe("of: one entry per select item", function()
    it("says what each name is, with the item and the field's path", function()
      local q = ast("SELECT a.Owner.Name, COUNT(Id) n, MAX(Amount), (SELECT Id FROM Contacts), "
        .. "TYPEOF Parent WHEN Account THEN Name END FROM Account a GROUP BY a.Owner.Name")
      local cols = columns.of(q)
      assert.is_true(cols.aggregate)
      assert.equal(5, #cols)
      local kinds, names = {}, {}
      for i, c in ipairs(cols) do
        kinds[i], names[i] = c.kind, c.name
        assert.equal(q.fields[i], c.item)
      end
      assert.same({ "field", "alias", "expr", "child", "typeof" }, kinds)
      assert.same({ "Name", "n", "expr0", "Contacts", "Parent" }, names)
      assert.same({ "Owner", "Name" }, cols[1].path)
      assert.same({ "Parent.Name" }, cols[5].fields)
    end)

    it("plain queries are not aggregate; fields keep their whole path", function()
      local cols = columns.of(ast("SELECT Account.Name, toLabel(Type) FROM Contact"))
      assert.is_false(cols.aggregate)
      assert.equal("Account.Name", cols[1].name)
      assert.same({ "Account", "Name" }, cols[1].path)
      assert.equal("field", cols[2].kind)
      assert.equal("Type", cols[2].name)
    end)

    it("COUNT() and FIELDS() have no name", function()
      local c = columns.of(ast("SELECT COUNT() FROM Account"))[1]
      assert.equal("count", c.kind)
      assert.is_nil(c.name)
      local f = columns.of(ast("SELECT FIELDS(ALL) FROM Account LIMIT 1"))[1]
      assert.equal("fields", f.kind)
      assert.is_nil(f.name)
    end)

    it("wants a parsed query", function()
      assert.has_error(function() columns.of("SELECT Id FROM Account") end,
        "bad argument #1 to 'of' (a parsed query expected)")
    end)
  end)
end)
