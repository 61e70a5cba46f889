-- luaforce.soql (lua/luaforce/soql/init.lua), the public face: each name
-- is the piece it stands for, the date literal functions, quote, the LIKE
-- helpers, the aggregate and function shorthands, and the example its
-- header promises.
local soql = require "luaforce.soql"
local parser = require "luaforce.soql.parser"
local literals = require "luaforce.soql.literals"
local items = require "luaforce.soql.items"
local builder = require "luaforce.soql.builder"
local fmt = require "luaforce.soql.format"
local raises = require("support.soql_built").raises

describe("luaforce.soql", function()
  describe("names", function()
    -- { name, what it is }
    local rows = {
      { "parse", parser.parse }, { "DATE_LITERALS", parser.DATE_LITERALS },
      { "select", builder.select }, { "is_query", builder.is_query }, { "format", fmt.format },
      { "NULL", literals.NULL }, { "raw", literals.raw }, { "is_value", literals.is_value },
      { "date", literals.date }, { "datetime", literals.datetime }, { "epoch", literals.epoch },
      { "literal", literals.literal }, { "currency", literals.currency }, { "escape", literals.escape },
      { "escape_like", literals.escape_like },
      { "field", items.field }, { "fields", items.fields }, { "fn", items.call }, { "is_item", items.is },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        assert.is_not_nil(row[2])
        assert.equal(row[2], soql[row[1]])
      end)
    end

    it("builds the query of its header comment", function()
      local prefix = "Ac"
      local q = soql.select { "Id", "Name" }:from("Account")
        :where { Name = { ["$like"] = soql.starts_with(prefix) }, Industry = { "Energy", "Retail" } }
        :limit(10)
      assert.equal("SELECT Id, Name FROM Account WHERE Industry IN ('Energy', 'Retail') AND Name LIKE 'Ac%' LIMIT 10",
        tostring(q))
    end)
  end)

  describe("date literal functions", function()
    it("has one, in lower case, for every date literal the parser knows", function()
      local n = 0
      for name, takes_n in pairs(soql.DATE_LITERALS) do
        n = n + 1
        local f = soql[name:lower()]
        assert.is_function(f, name)
        local text = takes_n and (name .. ":7") or name
        assert.equal(text, soql.quote(takes_n and f(7) or f()))
        local ast = assert(soql.parse("SELECT Id FROM A WHERE D = " .. soql.quote(takes_n and f(7) or f())))
        assert.equal(name, ast.where.right.name)
      end
      assert.equal(44, n)
    end)

    it("refuses a missing or negative n", function()
      raises(function() return soql.last_n_days() end, "LAST_N_DAYS needs a non-negative integer, got nil")
      raises(function() return soql.next_n_weeks(-1) end, "needs a non-negative integer")
    end)
  end)

  describe("quote", function()
    -- { value, literal text }
    local rows = {
      { "O'Brien", [['O\'Brien']] }, { 42, "42" }, { true, "true" }, { soql.NULL, "null" },
      { soql.date("2024-01-31"), "2024-01-31" }, { soql.currency("USD", 5), "USD5" },
      { soql.yesterday(), "YESTERDAY" },
    }
    for _, row in ipairs(rows) do
      it(row[2], function() assert.equal(row[2], soql.quote(row[1])) end)
    end

    it("applies the 4,000-character rule of WHERE", function()
      assert.equal(4002, #soql.quote(("x"):rep(4000)))
      raises(function() return soql.quote(("x"):rep(4001)) end, "string of 4001 characters")
    end)

    it("refuses what is not a SOQL value", function()
      raises(function() return soql.quote({}) end, "table is not a SOQL value")
    end)
  end)

  describe("aggregates and functions", function()
    -- { item, text }
    local rows = {
      { soql.count(), "COUNT()" }, { soql.count("Id"), "COUNT(Id)" },
      { soql.count_distinct("OwnerId"), "COUNT_DISTINCT(OwnerId)" }, { soql.sum("Amount"), "SUM(Amount)" },
      { soql.avg("Amount"), "AVG(Amount)" }, { soql.min("CloseDate"), "MIN(CloseDate)" },
      { soql.max("CloseDate"), "MAX(CloseDate)" }, { soql.to_label("Status"), "toLabel(Status)" },
      { soql.convert_currency("Amount"), "convertCurrency(Amount)" },
      { soql.fn("day_only", "CreatedDate"), "DAY_ONLY(CreatedDate)" },
    }
    for _, row in ipairs(rows) do
      it(row[2], function()
        assert.is_true(soql.is_item(row[1]))
        assert.equal(row[2], tostring(row[1]))
      end)
    end

    it("refuses an aggregate without its field", function()
      raises(function() return soql.sum() end, "SUM() needs a field")
    end)
  end)

  describe("LIKE helpers (starts_with, ends_with, contains)", function()
    -- { input, starts_with, ends_with, contains }
    local rows = {
      { "abc", "abc%", "%abc", "%abc%" },
      { "50%", [[50\%%]], [[%50\%]], [[%50\%%]] },
      { "a_b", [[a\_b%]], [[%a\_b]], [[%a\_b%]] },
      { "x\\", [[x\\%]], [[%x\\]], [[%x\\%]] },
      { "", "%", "%", "%%" },
    }
    for _, row in ipairs(rows) do
      it(("makes patterns for %q"):format(row[1]), function()
        assert.equal(row[2], soql.starts_with(row[1]))
        assert.equal(row[3], soql.ends_with(row[1]))
        assert.equal(row[4], soql.contains(row[1]))
      end)
    end

    it("refuses non-strings", function()
      assert.has_error(function() soql.contains(5) end, "bad argument #1 to 'contains' (string expected, got number)")
    end)
  end)

  it("blames the caller for a LIKE helper's bad argument", function()
    local ok, err = pcall(function()
      local pattern = soql.starts_with(5)
      return pattern
    end)
    assert.is_false(ok)
    assert.matches("init_spec.lua:%d+: bad argument #1 to 'starts_with' %(string expected, got number%)$", err)
  end)
end)
