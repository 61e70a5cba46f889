-- luaforce.emulator.soql_exec.aggregate: aggregate queries as Salesforce
-- answers them: AggregateResult records keyed by alias or expr0, expr1,
-- ..., exact sums, groups without case, ROLLUP subtotals, HAVING.
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local columns = require "luaforce.soql.columns"
local parser = require "luaforce.soql.parser"
local aggregate = require "luaforce.emulator.soql_exec.aggregate"
local org = require "support.soql_org"
local A = org.A
local run, values, sorted, enc = org.run, org.values, org.sorted, org.enc

describe("luaforce.emulator.soql_exec.aggregate", function()

  it("name unaliased aggregates expr0, expr1 ... and keep grouped field names", function()
    local res = assert(run("SELECT Industry, COUNT(Id), MAX(NumberOfEmployees) most FROM Account"
      .. " GROUP BY Industry ORDER BY Industry"))
    assert.same({
      '{"attributes":{"type":"AggregateResult"},"Industry":null,"expr0":1,"most":null}',
      '{"attributes":{"type":"AggregateResult"},"Industry":"Energy","expr0":2,"most":200}',
      '{"attributes":{"type":"AggregateResult"},"Industry":"Food & Beverage","expr0":1,"most":5}',
      '{"attributes":{"type":"AggregateResult"},"Industry":"Technology","expr0":1,"most":10}',
    }, { enc(res.records[1]), enc(res.records[2]), enc(res.records[3]), enc(res.records[4]) })
    assert.equal(4, res.total_size)
    assert.is_false(res.count_only)
  end)

  it("aggregate without GROUP BY is one row, also over no rows", function()
    local res = assert(run("SELECT COUNT(Id), SUM(Amount), AVG(Probability), MIN(CloseDate), MAX(Name),"
      .. " COUNT(Amount), COUNT_DISTINCT(StageName) FROM Opportunity WHERE Name != 'Huge'"))
    assert.equal('{"attributes":{"type":"AggregateResult"},"expr0":4,"expr1":1250.3,"expr2":36.666666666666664,'
      .. '"expr3":"2024-04-10","expr4":"Small deal","expr5":3,"expr6":3}', enc(res.records[1]))
    res = assert(run("SELECT COUNT(Id), SUM(Amount), MAX(Name) FROM Opportunity WHERE Name = 'nobody'"))
    assert.equal('{"attributes":{"type":"AggregateResult"},"expr0":0,"expr1":null,"expr2":null}',
      enc(res.records[1]))
  end)

  it("sums currency exactly, decimals included", function()
    local res = assert(run("SELECT SUM(Amount) total FROM Opportunity"))
    assert.is_true(decimal.is(res.records[1].total))
    assert.equal("1234567890124707.08", tostring(res.records[1].total))
    res = assert(run("SELECT SUM(Amount) FROM Opportunity WHERE Name IN ('Big deal', 'Small deal')"))
    assert.equal(1000.3, res.records[1].expr0) -- not 1000.3000000000001
    res = assert(run("SELECT SUM(NumberOfEmployees) FROM Account"))
    assert.equal(265, res.records[1].expr0)
    assert.equal("integer", math.type(res.records[1].expr0))
    res = assert(run("SELECT AVG(Amount__c) FROM Invoice__c"))
    assert.equal(15.375, res.records[1].expr0)
  end)

  it("groups nulls together, text without case, parent paths under their last name", function()
    local res = assert(run("SELECT BillingCity, COUNT(Id) FROM Account GROUP BY BillingCity ORDER BY COUNT(Id) DESC,"
      .. " BillingCity"))
    assert.same({ "<null>", "Berlin", "Zürich" }, values(res, "BillingCity"))
    assert.same({ 2, 2, 1 }, values(res, "expr0"))
    res = assert(run("SELECT Account.Name, COUNT(Id) n FROM Contact GROUP BY Account.Name ORDER BY Account.Name"))
    assert.same({ "<null>", "Acme", "acme labs", "Émile Corp" }, values(res, "Name"))
    assert.same({ 1, 2, 1, 1 }, values(res, "n"))
  end)

  it("filters groups with HAVING on aggregates and grouped fields", function()
    local res = assert(run("SELECT AccountId, COUNT(Id) FROM Opportunity GROUP BY AccountId HAVING COUNT(Id) > 1"))
    assert.same({ A[1] }, values(res, "AccountId"))
    res = assert(run("SELECT Industry, SUM(NumberOfEmployees) FROM Account GROUP BY Industry"
      .. " HAVING Industry != null AND SUM(NumberOfEmployees) >= 10 ORDER BY SUM(NumberOfEmployees)"))
    assert.same({ "Technology", "Energy" }, values(res, "Industry"))
    assert.same({ 10, 250 }, values(res, "expr0"))
  end)

  it("groups by date functions, with LIMIT and OFFSET over groups", function()
    local res = assert(run("SELECT CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate) m, COUNT(Id) FROM Opportunity"
      .. " GROUP BY CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate)"
      .. " ORDER BY CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate)"))
    assert.same({ 2024, 2024, 2025 }, values(res, "expr0"))
    assert.same({ 4, 5, 1 }, values(res, "m"))
    assert.same({ 1, 3, 1 }, values(res, "expr1"))
    res = assert(run("SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName ORDER BY StageName"
      .. " LIMIT 2 OFFSET 1"))
    assert.same({ "Negotiation/Review", "Closed Won" }, values(res, "StageName"))
  end)

  it("keys records by the names luaforce.soql.columns gives (the CLI's headers)", function()
    local q = "SELECT Industry ind, CALENDAR_YEAR(CreatedDate), a.Rating, GROUPING(Rating),"
      .. " FORMAT(SUM(AnnualRevenue)), COUNT(Id) n, MAX(Name) FROM Account a"
      .. " GROUP BY ROLLUP(Industry, CALENDAR_YEAR(CreatedDate), Rating)"
    local res = assert(run(q))
    local keys = {}
    for k in assert(json.encode(res.records[1])):gmatch('"([%w_]+)":') do
      if k ~= "attributes" and k ~= "type" then keys[#keys + 1] = k end
    end
    assert.same({ "ind", "expr0", "Rating", "expr1", "expr2", "n", "expr3" }, keys)
    assert.same(keys, columns.names(assert(parser.parse(q))))
  end)

  it("adds ROLLUP subtotals with GROUPING()", function()
    local res = assert(run("SELECT Industry, Rating, COUNT(Id), GROUPING(Industry) gi FROM Account"
      .. " WHERE Industry != null GROUP BY ROLLUP(Industry, Rating)"))
    local totals = {}
    for _, r in ipairs(res.records) do
      if r.Rating == json.null then totals[#totals + 1] = tostring(r.Industry) .. "=" .. r.expr0 .. "/" .. r.gi end
    end
    assert.same(sorted { "Energy=2/0", "Food & Beverage=1/0", "Technology=1/0", "null=4/1", "Food & Beverage=1/0" },
      sorted(totals))
  end)

  it("COUNT() with GROUP BY counts the groups", function()
    local res = assert(run("SELECT COUNT() FROM Account GROUP BY Industry"))
    assert.is_true(res.count_only)
    assert.equal(4, res.total_size)
  end)

  it("is_aggregate and path_text read the parser's select items", function()
    local q = assert(parser.parse("SELECT FORMAT(SUM(Amount)), toLabel(StageName), COUNT(Id), Account.Name"
      .. " FROM Opportunity GROUP BY StageName, Account.Name"))
    assert.same({ true, false, true, false }, {
      aggregate.is_aggregate(q.fields[1]), aggregate.is_aggregate(q.fields[2]),
      aggregate.is_aggregate(q.fields[3]), aggregate.is_aggregate(q.fields[4]) })
    assert.equal("FORMAT(SUM(Amount))", aggregate.path_text(q.fields[1]))
    assert.equal("TOLABEL(StageName)", aggregate.path_text(q.fields[2]))
    assert.equal("Account.Name", aggregate.path_text(q.fields[4]))
  end)

  describe("errors", function()
    org.error_rows(it, {
      { "SELECT Amount, COUNT(Id) FROM Opportunity GROUP BY Amount", "INVALID_FIELD",
        "field 'Amount' can not be grouped in a query call", match = true },
      { "SELECT Name, COUNT(Id) FROM Account GROUP BY Industry", "MALFORMED_QUERY",
        "Field must be grouped or aggregated: Name", match = true },
      { "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry HAVING Rating = 'Hot'", "MALFORMED_QUERY",
        "Field must be grouped or aggregated: Rating", match = true },
      { "SELECT SUM(Name) FROM Account", "MALFORMED_QUERY", "field Name does not support aggregate operator SUM",
        match = true },
    })
  end)
end)
