-- luaforce.emulator.soql_exec: SOQL run against the local org's store, as
-- its callers see it: results, lazy records, COUNT(), errors as `nil, err`
-- (the parser's included), misuse raising, explain. The parts have their
-- own specs under tests/lua/emulator/soql_exec/ over the same small org
-- (support.soql_org).
local exec = require "luaforce.emulator.soql_exec"
local json = require "luaforce.json"
local dt = require "luaforce.emulator.datetime"
local Store = require "luaforce.emulator.store"
local org = require "support.soql_org"
local A = org.A
local run, st, url, enc, NOW = org.run, org.store, org.URL, org.enc, org.NOW

describe("luaforce.emulator.soql_exec", function()
  describe("results", function()
    org.rows(it, {
      -- accepted, no effect
      { "SELECT Name FROM Account WHERE Rating = 'Hot' WITH SECURITY_ENFORCED", { "Acme" } },
      { "SELECT Name FROM Account USING SCOPE mine WHERE Rating = 'Hot' WITH USER_MODE", { "Acme" } },
      { "SELECT Name FROM Account WHERE Rating = 'Hot' FOR VIEW", { "Acme" } },
      { "SELECT Name FROM Account WHERE Rating = 'Hot' LIMIT 1 FOR UPDATE", { "Acme" } },
      { "SELECT toLabel(Rating), FORMAT(Name) FROM Account WHERE Rating = 'Hot'", { "Hot" }, key = "Rating" },
    })

    it("are built when first indexed with opts.lazy", function()
      local res = assert(run("SELECT Name FROM Account ORDER BY Name", { lazy = true }))
      assert.equal(5, res.total_size)
      assert.equal(5, #res.records)
      assert.is_nil(rawget(res.records, 2))
      assert.equal("Acme", res.records[2].Name)
      assert.equal(res.records[2], rawget(res.records, 2))
      assert.is_nil(res.records[6])
      local names = {}
      for _, r in ipairs(res.records) do names[#names + 1] = r.Name end
      assert.same({ "100% Natural_Foods", "Acme", "acme labs", "O'Brien & Sons", "Émile Corp" }, names)
      assert.equal(('{"attributes":{"type":"Account","url":"%sAccount/%s"},"Name":"Acme"}'):format(url, A[1]),
        enc(res.records[2]))
    end)

    it("COUNT() answers with total_size only", function()
      local res = assert(run("SELECT COUNT() FROM Account"))
      assert.is_true(res.count_only)
      assert.equal(5, res.total_size)
      assert.equal(0, #res.records)
      assert.equal(6, assert(run("SELECT COUNT() FROM Account", { all_rows = true })).total_size)
      assert.equal(2, assert(run("SELECT COUNT() FROM Account WHERE Industry = 'Energy'")).total_size)
      assert.equal(3, assert(run("SELECT COUNT() FROM Account LIMIT 3")).total_size)
    end)
  end)

  describe("errors", function()
    org.error_rows(it, {
      -- the parser's errors pass through
      { "SELECT Id FRM Account", "MALFORMED_QUERY",
        "\nSELECT Id FRM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FRM'" },
    })

    it("raises on misuse", function()
      assert.has_error(function() exec.run(st, 42) end)
      assert.has_error(function() exec.run(nil, "SELECT Id FROM Account") end)
    end)
  end)

  describe("explain", function()
    it("explains a query as one table scan", function()
      local body = assert(exec.explain(st, "SELECT Id FROM Account WHERE Industry = 'Energy'"))
      local plan = body.plans[1]
      assert.equal("TableScan", plan.leadingOperationType)
      assert.equal(2, plan.cardinality)
      assert.equal(5, plan.sobjectCardinality)
      assert.equal("Account", plan.sobjectType)
      assert.equal('{"plans":[{"cardinality":2,"fields":[],"leadingOperationType":"TableScan","notes":[],'
        .. '"relativeCost":0.9,"sobjectCardinality":5,"sobjectType":"Account"}]}', assert(json.encode(body)))
    end)
  end)

  describe("speed", function()
    it("filters 12,000 rows and builds a 2,000-row page in a few milliseconds", function()
      local big = Store.new { clock = dt.clock(NOW, true) }
      local accounts = {}
      local inds = { "Energy", "Technology", "Banking", "Retail" }
      for i = 1, 12000 do
        accounts[i] = { Name = "Account " .. i, Industry = inds[i % 4 + 1], NumberOfEmployees = i % 500,
          BillingCity = i % 3 ~= 0 and "Berlin" or nil }
      end
      assert(big:load { Account = accounts })
      local q = "SELECT Id, Name, Industry FROM Account WHERE (Industry = 'energy' OR Industry = 'Banking')"
        .. " AND NumberOfEmployees > 10 AND BillingCity != null AND Name LIKE 'Account%' LIMIT 2000"
      -- speed is measured by scripts/bench emulator, not here
      local res = assert(exec.run(big, q))
      assert.equal(2000, res.total_size)
      res = assert(exec.run(big, "SELECT COUNT() FROM Account WHERE NumberOfEmployees > 100 AND Industry != 'Retail'"))
      assert.is_true(res.total_size > 5000)
    end)
  end)
end)
