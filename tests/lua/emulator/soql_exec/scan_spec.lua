-- luaforce.emulator.soql_exec.scan: which rows come back and in what
-- order: ORDER BY as Salesforce sorts, OFFSET and LIMIT, deleted rows only
-- for queryAll.
local decimal = require "luaforce.decimal"
local scan = require "luaforce.emulator.soql_exec.scan"
local org = require "support.soql_org"
local U, A, C, O, T, I = org.U, org.A, org.C, org.O, org.T, org.I

describe("luaforce.emulator.soql_exec.scan", function()
  describe("ORDER BY, OFFSET, LIMIT and deleted rows", function()
    org.rows(it, {
      -- ORDER BY: ASC NULLS FIRST, DESC NULLS LAST, explicit NULLS, numbers numeric, stable, several keys
      { "SELECT Name FROM Account ORDER BY Industry, Name",
        { "O'Brien & Sons", "Acme", "Émile Corp", "100% Natural_Foods", "acme labs" } },
      { "SELECT Name FROM Account ORDER BY Industry DESC, Name",
        { "acme labs", "100% Natural_Foods", "Acme", "Émile Corp", "O'Brien & Sons" } },
      { "SELECT Name FROM Account ORDER BY Industry ASC NULLS LAST, Name DESC",
        { "Émile Corp", "Acme", "100% Natural_Foods", "acme labs", "O'Brien & Sons" } },
      { "SELECT Name FROM Account ORDER BY Industry DESC NULLS FIRST",
        { "O'Brien & Sons", "acme labs", "100% Natural_Foods", "Acme", "Émile Corp" } },
      { "SELECT Name FROM Account ORDER BY NumberOfEmployees DESC",
        { "Émile Corp", "Acme", "acme labs", "100% Natural_Foods", "O'Brien & Sons" } },
      { "SELECT Name FROM Opportunity ORDER BY Amount DESC", { "Huge", "Big deal", "Mid", "Small deal", "Orphan" } },
      -- picklists sort in the order their values are defined (Prospecting ... Closed Won, Closed Lost)
      { "SELECT Name FROM Opportunity ORDER BY StageName", { "Small deal", "Orphan", "Huge", "Big deal", "Mid" } },
      { "SELECT Name FROM Opportunity ORDER BY StageName DESC, Name DESC",
        { "Mid", "Big deal", "Huge", "Small deal", "Orphan" } },
      -- LIMIT / OFFSET
      { "SELECT Name FROM Account ORDER BY Name LIMIT 2", { "100% Natural_Foods", "Acme" } },
      { "SELECT Name FROM Account ORDER BY Name LIMIT 2 OFFSET 2", { "acme labs", "O'Brien & Sons" } },
      { "SELECT Name FROM Account ORDER BY Name OFFSET 4", { "Émile Corp" } },
      { "SELECT Name FROM Account ORDER BY Name OFFSET 9", {} },
      { "SELECT Name FROM Account LIMIT 0", {} },
      { "SELECT Name FROM Account LIMIT 1", { "Acme" } },
      -- deleted rows: only with all_rows (queryAll)
      { "SELECT Name FROM Account WHERE Industry = 'Technology'", { "acme labs" } },
      { "SELECT Name FROM Account WHERE Industry = 'Technology' ORDER BY Name", { "acme labs", "Zeta" },
        opts = { all_rows = true } },
      { "SELECT Name FROM Account WHERE IsDeleted = true", {}, },
      { "SELECT Name FROM Account WHERE IsDeleted = true", { "Zeta" }, opts = { all_rows = true } },
      { "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact) ORDER BY Name",
        { "Acme", "acme labs", "O'Brien & Sons", "Émile Corp" }, opts = { all_rows = true } },
    })
  end)

  describe("OFFSET is bounded", function()
    org.error_rows(it, {
      { "SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000",
        match = true },
    })
  end)

  describe("sort and finish", function()
    local function by(field, opts)
      local key = { get = function(r) return r[field] end, class = opts.class or "text", desc = opts.desc,
        nulls_first = opts.nulls_first }
      return key
    end
    local function order(rows)
      local out = {}
      for i, r in ipairs(rows) do out[i] = r.i end
      return out
    end
    local function fixture()
      return { { v = "b", i = 1 }, { i = 2 }, { v = "A", i = 3 }, { v = "b", i = 4 }, { v = "\195\169", i = 5 },
        { v = "a", i = 6 } }
    end

    it("collates text, keeps ties in order, puts nulls where asked", function()
      assert.same({ 2, 3, 6, 1, 4, 5 }, order(scan.sort(fixture(), { by("v", { nulls_first = true }) })))
      assert.same({ 5, 1, 4, 3, 6, 2 }, order(scan.sort(fixture(), { by("v", { desc = true }) })))
    end)

    it("compares decimals with numbers, then the next key", function()
      local rows = { { n = 2, v = "b", i = 1 }, { n = decimal("1.5"), v = "a", i = 2 }, { n = 2, v = "a", i = 3 },
        { n = 1, v = "z", i = 4 } }
      assert.same({ 4, 2, 3, 1 }, order(scan.sort(rows, { by("n", { class = "number" }), by("v", {}) })))
    end)

    it("finish applies ORDER BY, then OFFSET and LIMIT", function()
      local rows = {}
      for i = 1, 5 do rows[i] = { n = 6 - i, i = i } end
      local plan = { order = { by("n", { class = "number" }) }, offset = 1, limit = 2 }
      assert.same({ 4, 3 }, order(scan.finish(plan, rows)))
      assert.same({ 5, 4, 3, 2, 1 }, order(scan.finish({}, rows)))
    end)
  end)
end)
