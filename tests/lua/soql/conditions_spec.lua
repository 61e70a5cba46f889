-- luaforce.soql.conditions: condition tables to SOQL text. Through the
-- builder's `where` (every operator, grouping, NOT, semi-joins; the text
-- checked to parse), then compile called directly: the kind it reports,
-- bytewise key order, what the caller's ctx decides (clause, FROM
-- prefixes, what a query is and how its subquery is written, has_semi)
-- and the errors a wrong condition raises.
local soql = require "luaforce.soql"
local conditions = require "luaforce.soql.conditions"
local support = require "support.soql_built"

local run_rows, raises = support.run_rows, support.raises

local S = soql.select
local function acc(cond) return S { "Id" }:from("Account"):where(cond) end
local function W(text) return "SELECT Id FROM Account WHERE " .. text end

-- A stand-in for a query, and a ctx that knows it; `seen` records the
-- `where` each subquery was asked for.
local QUERY = setmetatable({}, { __tostring = function() return "a query" end })
local function ctx(clause, prefixes)
  local c = { clause = clause or "where", prefixes = prefixes, seen = {} }
  function c.is_query(v) return v == QUERY end
  function c.subquery(q, where)
    assert.equal(QUERY, q)
    c.seen[#c.seen + 1] = where
    return "(SELECT AccountId FROM Contact)"
  end
  return c
end

describe("luaforce.soql.conditions", function()
  describe("through the builder's where", function()
    run_rows {
      { "map keys in sorted order", function() return acc { Name = "a", BillingCity = "x", Amount = 5 } end,
        W "Amount = 5 AND BillingCity = 'x' AND Name = 'a'" },
      { "array items keep their order", function() return acc { { Name = "a" }, { BillingCity = "x" }, { Amount = 5 } } end,
        W "Name = 'a' AND BillingCity = 'x' AND Amount = 5" },
      { "array items before sorted keys", function() return acc { { Z__c = 1 }, B = 2, A = 3 } end,
        W "Z__c = 1 AND A = 3 AND B = 2" },
      { "comparison operators", function()
          return acc { { A = { ["$eq"] = 1 } }, { B = { ["$ne"] = 2 } }, { C = { ["$lt"] = 3 } }, { D = { ["$lte"] = 4 } },
            { E = { ["$gt"] = 5 } }, { F = { ["$gte"] = 6 } } }
        end, W "A = 1 AND B != 2 AND C < 3 AND D <= 4 AND E > 5 AND F >= 6" },
      { "several operators on a field, sorted", function() return acc { Amount = { ["$lt"] = 500, ["$gte"] = 100 } } end,
        W "Amount >= 100 AND Amount < 500" },
      { "a list means IN", function() return acc { Industry = { "Energy", "Retail" } } end,
        W "Industry IN ('Energy', 'Retail')" },
      { "$in and $nin", function() return acc { A = { ["$in"] = { 1, 2 } }, B = { ["$nin"] = { "x" } } } end,
        W "A IN (1, 2) AND B NOT IN ('x')" },
      { "IN with mixed typed values", function()
          return acc { D = { soql.date("2024-01-01"), { year = 2024, month = 1, day = 2 }, soql.NULL } }
        end, W "D IN (2024-01-01, 2024-01-02, null)" },
      { "$includes and $excludes", function()
          return acc { Colors__c = { ["$includes"] = { "red;blue", "green" }, ["$excludes"] = "black" } }
        end, W "Colors__c EXCLUDES ('black') AND Colors__c INCLUDES ('red;blue', 'green')" },
      { "$like with a written pattern", function() return acc { Name = { ["$like"] = "Acme%" } } end,
        W "Name LIKE 'Acme%'" },
      { "$nlike", function() return acc { Name = { ["$nlike"] = "%test%" } } end, W "(NOT Name LIKE '%test%')" },
      { "LIKE helpers escape % and _", function()
          return acc { { A = { ["$like"] = soql.starts_with("50%_off") } }, { B = { ["$like"] = soql.ends_with("a\\b") } },
            { C = { ["$like"] = soql.contains("it's") } } }
        end, W [[A LIKE '50\%\_off%' AND B LIKE '%a\\b' AND C LIKE '%it\'s%']] },
      { "$exists", function() return acc { Email = { ["$exists"] = true }, Phone = { ["$exists"] = false } } end,
        W "Email != null AND Phone = null" },
      { "$or of simple conditions", function()
          return acc { ["$or"] = { { StageName = "Won" }, { Amount = { ["$gte"] = 1000 } } } }
        end, W "StageName = 'Won' OR Amount >= 1000" },
      { "nested groups are parenthesised", function()
          return acc { ["$or"] = { { A = 1 }, { B = 2, C = 3 } }, D = 4 }
        end, W "(A = 1 OR (B = 2 AND C = 3)) AND D = 4" },
      { "$and inside $or inside $and", function()
          return acc { ["$and"] = { { ["$or"] = { { A = 1 }, { ["$and"] = { { B = 2 }, { C = 3 } } } } }, { D = 4 } } }
        end, W "(A = 1 OR (B = 2 AND C = 3)) AND D = 4" },
      { "a one-item $or is the item", function() return acc { ["$or"] = { { A = 1 } } } end, W "A = 1" },
      { "$not", function() return acc { ["$not"] = { A = 1 } } end, W "(NOT A = 1)" },
      { "$not of a group", function() return acc { ["$not"] = { A = 1, B = 2 }, C = 3 } end,
        W "(NOT (A = 1 AND B = 2)) AND C = 3" },
      { "$not on a field", function() return acc { Name = { ["$not"] = { ["$in"] = { "a", "b" } } } } end,
        W "(NOT Name IN ('a', 'b'))" },
      { "$not of $not", function() return acc { ["$not"] = { ["$not"] = { A = 1 } } } end, W "(NOT (NOT A = 1))" },
      { "a function on the left", function() return acc { ["CALENDAR_YEAR(CreatedDate)"] = 2024 } end,
        W "CALENDAR_YEAR(CreatedDate) = 2024" },
      { "semi-join", function()
          return acc { Id = S { "AccountId" }:from("Opportunity"):where { StageName = "Closed Won" } }
        end, W "Id IN (SELECT AccountId FROM Opportunity WHERE StageName = 'Closed Won')" },
      { "anti-join", function() return acc { Id = { ["$nin"] = S { "AccountId" }:from("Contact") } } end,
        W "Id NOT IN (SELECT AccountId FROM Contact)" },
      { "semi-join under $not", function() return acc { ["$not"] = { Id = { ["$in"] = S { "AccountId" }:from("Case") } } } end,
        W "(NOT Id IN (SELECT AccountId FROM Case))" },
      { "where twice joins with AND", function() return acc { A = 1 }:where { ["$or"] = { { B = 2 }, { C = 3 } } } end,
        W "A = 1 AND (B = 2 OR C = 3)" },
      { "raw condition alone", function() return acc(soql.raw("Name LIKE 'A%' OR Name LIKE 'B%'")) end,
        W "Name LIKE 'A%' OR Name LIKE 'B%'" },
      { "raw condition among others is grouped", function() return acc { soql.raw("A = 1 OR B = 2"), { C = 3 } } end,
        W "(A = 1 OR B = 2) AND C = 3" },
      { "alias prefix in a condition", function()
          return S { "c.Id" }:from("Contact", "c"):where { ["c.Account.Name"] = "Acme" }
        end, "SELECT c.Id FROM Contact c WHERE c.Account.Name = 'Acme'" },
    }
  end)

  describe("compile", function()
    -- { what, condition, text, kind }
    local rows = {
      { "one comparison", { A = 1 }, "A = 1", "simple" },
      { "two, joined with AND", { A = 1, B = 2 }, "A = 1 AND B = 2", "and" },
      { "keys in bytewise order: capitals first", { a = 1, Zed = 2, B = 3 }, "B = 3 AND Zed = 2 AND a = 1", "and" },
      { "array items before keys", { { Z = 1 }, A = 2 }, "Z = 1 AND A = 2", "and" },
      { "$or", { ["$or"] = { { A = 1 }, { B = 2 } } }, "A = 1 OR B = 2", "or" },
      { "$not", { ["$not"] = { A = 1 } }, "(NOT A = 1)", "simple" },
      { "a $nlike is a NOT", { Name = { ["$nlike"] = "a%" } }, "(NOT Name LIKE 'a%')", "simple" },
      { "raw text", soql.raw("A = 1 OR B = 2"), "A = 1 OR B = 2", "raw" },
      { "a raw LIKE pattern", { Name = { ["$like"] = soql.raw("'a%'") } }, "Name LIKE 'a%'", "simple" },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        local c = ctx()
        assert.same({ row[3], row[4] }, { conditions.compile(row[2], c) })
        assert.is_nil(c.has_semi)
      end)
    end

    it("allows an aggregate on the left in HAVING only", function()
      assert.equal("COUNT(Id) > 1", (conditions.compile({ ["COUNT(Id)"] = { ["$gt"] = 1 } }, ctx("having"))))
      raises(function() conditions.compile({ ["COUNT(Id)"] = { ["$gt"] = 1 } }, ctx("where")) end, "use having")
    end)

    it("counts relationship hops after the FROM prefixes it is given", function()
      local five_after_alias = { ["c.A.B.C.D.E.Name"] = 1 }
      assert.equal("c.A.B.C.D.E.Name = 1", (conditions.compile(five_after_alias, ctx("where", { C = true }))))
      raises(function() conditions.compile(five_after_alias, ctx()) end, "follows 6 relationships")
      assert.equal("A.B.C.D.E.Name = 1", (conditions.compile({ ["A.B.C.D.E.Name"] = 1 }, ctx())))
    end)

    -- { what, condition, text, the `where` the subquery was asked for }
    local semi = {
      { "a query is IN", { Id = QUERY }, "Id IN (SELECT AccountId FROM Contact)", "Id" },
      { "$in", { Id = { ["$in"] = QUERY } }, "Id IN (SELECT AccountId FROM Contact)", "Id" },
      { "$nin", { AccountId = { ["$nin"] = QUERY } }, "AccountId NOT IN (SELECT AccountId FROM Contact)", "AccountId" },
    }
    for _, row in ipairs(semi) do
      it("writes a semi-join through ctx.subquery and marks it: " .. row[1], function()
        local c = ctx()
        assert.equal(row[3], (conditions.compile(row[2], c)))
        assert.is_true(c.has_semi)
        assert.same({ row[4] }, c.seen)
      end)
    end

    -- { what, condition, clause, fragment of the message }
    local bad = {
      { "a semi-join under $or", { ["$or"] = { { A = 1 }, { Id = QUERY } } }, "where", "cannot be under $or" },
      { "a semi-join in HAVING", { Id = QUERY }, "having", "only allowed in WHERE" },
      { "a semi-join on a function", { ["CALENDAR_YEAR(CreatedDate)"] = QUERY }, "where",
        "compares a field, not a function" },
      { "a query as the condition", QUERY, "where", "a query is not a condition" },
      { "a query as a plain value", { Id = { ["$eq"] = QUERY } }, "where", "a query is not a value for Id" },
      { "SOQL text", "Name = 'x'", "where", "a condition is a table like { Name = value }" },
      { "an empty table", {}, "where", "empty condition" },
      { "a key that is neither a name nor an array index", { [true] = 1 }, "where", "invalid key true" },
      { "an index past the array", { [3] = { A = 1 } }, "where", "invalid key 3" },
      { "a field name that is no name", { ["_x"] = 1 }, "where", "invalid field name \"_x\"" },
    }
    for _, row in ipairs(bad) do
      it("refuses " .. row[1], function()
        raises(function() conditions.compile(row[2], ctx(row[3])) end, row[4])
      end)
    end

    -- { what, a condition nested too deep }
    local function wrapped(n, wrap, inner)
      local c = inner
      for _ = 1, n do c = wrap(c) end
      return c
    end
    local loop = {}
    loop[1] = loop
    local not_loop = {}
    not_loop["$not"] = not_loop
    local too_deep = {
      { "a table that holds itself", loop },
      { "a field's $not that holds itself", { Name = not_loop } },
      { "200,000 $not", wrapped(200000, function(c) return { ["$not"] = c } end, { A = 1 }) },
      { "1,000 $or", wrapped(1000, function(c) return { ["$or"] = { c, { B = 2 } } } end, { A = 1 }) },
    }
    for _, row in ipairs(too_deep) do
      it("refuses " .. row[1] .. " as nested too deep, not with a stack overflow", function()
        raises(function() conditions.compile(row[2], ctx()) end, "conditions nested deeper than 1000 levels")
      end)
    end

    it("writes conditions up to the limit as text the parser takes", function()
      for _, wrap in ipairs {
        function(c) return { ["$not"] = c } end,
        function(c) return { ["$or"] = { c, { B = 2 } } } end,
        function(c) return { c, { B = 2 } } end,
      } do
        local text = conditions.compile(wrapped(998, wrap, { A = 1 }), ctx())
        local _, parens = text:gsub("%(", "")
        assert.is_true(parens >= 997)
        assert.is_truthy(soql.parse(W(text)))
      end
    end)
  end)
end)
