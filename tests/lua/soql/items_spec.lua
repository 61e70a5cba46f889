-- luaforce.soql.items: fields, aggregates, function calls and FIELDS() as
-- the builder takes them, called directly. Their text (with Salesforce's
-- spelling of toLabel, convertCurrency, convertTimezone), aliases, the
-- operands strings name and which clause allows which, the field paths
-- under an item, grouping keys, and the errors of items that cannot be.
local items = require "luaforce.soql.items"
local vocabulary = require "luaforce.soql.vocabulary"
local raises = require("support.soql_built").raises

local field, aggregate, call = items.field, items.aggregate, items.call

describe("luaforce.soql.items", function()
  describe("making items", function()
    -- { what, function making the item, kind, select text }
    local rows = {
      { "a field", function() return field("Name") end, "field", "Name" },
      { "a parent path", function() return field("Account.Owner.Name") end, "field", "Account.Owner.Name" },
      { "an aggregate, its name upper-cased", function() return aggregate("sum", "Amount") end, "aggregate",
        "SUM(Amount)" },
      { "COUNT()", function() return aggregate("COUNT") end, "aggregate", "COUNT()" },
      { "COUNT_DISTINCT", function() return aggregate("count_distinct", "OwnerId") end, "aggregate",
        "COUNT_DISTINCT(OwnerId)" },
      { "a call of an aggregate is the aggregate", function() return call("max", "CloseDate") end, "aggregate",
        "MAX(CloseDate)" },
      { "COUNT() called", function() return call("count") end, "aggregate", "COUNT()" },
      { "a date function", function() return call("calendar_year", "CreatedDate") end, "function",
        "CALENDAR_YEAR(CreatedDate)" },
      { "toLabel, as Salesforce spells it", function() return call("TOLABEL", "Status") end, "function",
        "toLabel(Status)" },
      { "convertCurrency", function() return call("convertcurrency", "Amount") end, "function",
        "convertCurrency(Amount)" },
      { "a date function over convertTimezone",
        function() return call("HOUR_IN_DAY", call("CONVERTTIMEZONE", "CreatedDate")) end, "function",
        "HOUR_IN_DAY(convertTimezone(CreatedDate))" },
      { "FORMAT of an aggregate", function() return call("FORMAT", aggregate("SUM", "Amount")) end, "function",
        "FORMAT(SUM(Amount))" },
      { "FORMAT of convertCurrency", function() return call("FORMAT", call("convertCurrency", "Amount")) end,
        "function", "FORMAT(convertCurrency(Amount))" },
      { "an aggregate of a field item", function() return aggregate("AVG", field("Amount")) end, "aggregate",
        "AVG(Amount)" },
      { "FIELDS(ALL)", function() return items.fields("all") end, "fields", "FIELDS(ALL)" },
      { "FIELDS(STANDARD)", function() return items.fields("Standard") end, "fields", "FIELDS(STANDARD)" },
      { "FIELDS(CUSTOM)", function() return items.fields("CUSTOM") end, "fields", "FIELDS(CUSTOM)" },
      { "an aliased aggregate", function() return aggregate("SUM", "Amount"):as("total") end, "aggregate",
        "SUM(Amount) total" },
      { "an aliased field", function() return field("StageName"):as("stage") end, "field", "StageName stage" },
    }
    for _, row in ipairs(rows) do
      it(row[1] .. ": " .. row[4], function()
        local it_ = row[2]()
        assert.is_true(items.is(it_))
        assert.equal(row[3], it_.kind)
        assert.equal(row[4], items.select_text(it_))
        assert.equal(row[4], tostring(it_))
      end)
    end

    it("knows every function of the vocabulary", function()
      for fn in pairs(vocabulary.DATE_FUNCTIONS) do
        assert.equal(fn .. "(CreatedDate)", items.text(call(fn:lower(), "CreatedDate")))
      end
      for fn in pairs(vocabulary.AGGREGATES) do
        assert.equal("aggregate", call(fn, "Amount").kind)
      end
    end)

    it("tells items from other values", function()
      assert.is_false(items.is("Name"))
      assert.is_false(items.is({ kind = "field", path = "Name" }))
      assert.is_false(items.is(nil))
    end)
  end)

  describe("aliases", function()
    it("copies: the item itself keeps no alias", function()
      local plain = aggregate("SUM", "Amount")
      local named = plain:as("total")
      assert.is_nil(plain.alias)
      assert.equal("total", named.alias)
      assert.equal("SUM(Amount)", items.text(named)) -- text leaves the alias out
      assert.equal("SUM(Amount) total", items.select_text(named))
      assert.equal("t2", named:as("t2").alias)
    end)

    -- { what, function, fragment of the message }
    local bad = {
      { "COUNT()", function() return aggregate("COUNT"):as("n") end, "COUNT() takes no alias" },
      { "FIELDS()", function() return items.fields("ALL"):as("f") end, "FIELDS(ALL) cannot take an alias" },
      { "a reserved word", function() return field("Name"):as("select") end, "a SOQL reserved word" },
      { "a space", function() return field("Name"):as("a b") end, "invalid alias \"a b\"" },
      { "a number", function() return field("Name"):as(5) end, "invalid alias 5" },
    }
    for _, row in ipairs(bad) do
      it("refuses " .. row[1], function() raises(row[2], row[3]) end)
    end
  end)

  describe("items that cannot be", function()
    -- { what, function, fragment of the message }
    local rows = {
      { "a field that is no name", function() return field("Account..Name") end, "invalid field name" },
      { "a field that is no string", function() return field(5) end, "expected a field name string, got number" },
      { "an unknown aggregate", function() return aggregate("MEDIAN", "x") end, "unknown aggregate function \"MEDIAN\"" },
      { "an aggregate without its field", function() return aggregate("SUM") end, "SUM() needs a field" },
      { "an aggregate of a call", function() return aggregate("SUM", call("FORMAT", "Amount")) end,
        "SUM() takes a field, not FORMAT(Amount)" },
      { "an argument with an alias", function() return aggregate("SUM", field("Amount"):as("a")) end,
        "its argument Amount a cannot have an alias" },
      { "an unknown function", function() return call("SLEEP", "x") end, "unknown function \"SLEEP\"" },
      { "a function name that is no string", function() return call(5, "x") end, "invalid function name 5" },
      { "a function without its field", function() return call("DAY_ONLY") end, "DAY_ONLY() needs a field" },
      { "FORMAT of toLabel", function() return call("FORMAT", call("toLabel", "Amount")) end,
        "FORMAT() cannot be applied to TOLABEL()" },
      { "a date function of an aggregate", function() return call("HOUR_IN_DAY", aggregate("MAX", "CreatedDate")) end,
        "HOUR_IN_DAY() cannot be applied to MAX()" },
      { "toLabel of a call", function() return call("toLabel", call("convertCurrency", "Amount")) end,
        "TOLABEL() cannot be applied to CONVERTCURRENCY()" },
      { "FIELDS(SOME)", function() return items.fields("some") end,
        "FIELDS() takes ALL, STANDARD or CUSTOM, not \"some\"" },
      { "FIELDS()", function() return items.fields(nil) end, "FIELDS() takes ALL, STANDARD or CUSTOM, not nil" },
    }
    for _, row in ipairs(rows) do
      it(row[1], function() raises(row[2], row[3]) end)
    end
  end)

  describe("operand", function()
    local CLAUSES = { "select", "where", "having", "group", "order" }

    -- { string or item, its text, the clauses that refuse it, fragment of their message }
    local rows = {
      { "Name", "Name" },
      { "Account.Name", "Account.Name" },
      { "COUNT(Id)", "COUNT(Id)", { where = "not allowed in WHERE (use having)", group = "not allowed in GROUP BY" } },
      { "count()", "COUNT()", { where = "use having", group = "not allowed in GROUP BY" } },
      { "CALENDAR_YEAR(convertTimezone(CreatedDate))", "CALENDAR_YEAR(convertTimezone(CreatedDate))" },
      { "day_only(CreatedDate)", "DAY_ONLY(CreatedDate)" },
      { items.fields("ALL"), "FIELDS(ALL)", { where = "only allowed in the select list",
        having = "only allowed in the select list", group = "only allowed in the select list",
        order = "only allowed in the select list" } },
      { field("Name"):as("n"), "Name n", { where = "an alias belongs in the select list only",
        having = "an alias belongs in the select list only", group = "an alias belongs in the select list only",
        order = "an alias belongs in the select list only" } },
    }
    for _, row in ipairs(rows) do
      for _, clause in ipairs(CLAUSES) do
        local refused = row[3] and row[3][clause]
        it(("%s in %s %s"):format(tostring(row[1]), clause, refused and "is refused" or "is taken"), function()
          if refused then
            raises(function() return items.operand(row[1], clause) end, refused)
          else
            assert.equal(row[2], items.select_text(items.operand(row[1], clause)))
          end
        end)
      end
    end

    -- { what, operand, fragment }
    local bad = {
      { "an unclosed call", "SUM(Amount", "invalid field or function \"SUM(Amount\"" },
      { "text after a call", "COUNT(Id) x", "invalid field or function \"COUNT(Id) x\"" },
      { "a name with a semicolon", "Name;", "invalid field name \"Name;\"" },
      { "a space around a name", " Name", "invalid field name" },
      { "unknown nested calls", "a(b(c(d)))", "unknown function \"c\"" },
      { "FIELDS() as text (an item only)", "FIELDS(ALL)", "unknown function \"FIELDS\"" },
      { "a number", 5, "expected a name or a soql item, got number" },
      { "nil", nil, "expected a name or a soql item, got nil" },
    }
    for _, row in ipairs(bad) do
      it("refuses " .. row[1], function()
        raises(function() return items.operand(row[2], "select") end, row[3])
      end)
    end

    it("refuses an aggregate inside a function in WHERE (soql.parse would refuse the text)", function()
      raises(function() return items.operand("FORMAT(SUM(Amount))", "where") end, "not allowed in WHERE")
    end)

    it("refuses an aggregate inside a function in GROUP BY, as a usage error", function()
      raises(function() return items.operand("FORMAT(SUM(Amount))", "group") end, "not allowed in GROUP BY")
      local soql = require "luaforce.soql"
      raises(function()
        return tostring(soql.select { "Name", soql.count("Id") }:from("A"):group_by("FORMAT(SUM(Amount))"))
      end, "not allowed in GROUP BY")
    end)
  end)

  describe("paths", function()
    it("lists every field under an item", function()
      local function names(it_)
        local out = {}
        for i, f in ipairs(items.paths(it_)) do out[i] = f.path end
        return out
      end
      assert.same({ "Account.Name" }, names(field("Account.Name")))
      assert.same({ "Amount" }, names(call("FORMAT", aggregate("SUM", "Amount"))))
      assert.same({ "CreatedDate" }, names(call("HOUR_IN_DAY", call("convertTimezone", "CreatedDate"))))
      assert.same({}, names(aggregate("COUNT")))
      assert.same({}, names(items.fields("ALL")))
    end)

    it("adds to a list it is given", function()
      local out = items.paths(field("A"))
      assert.equal(out, items.paths(field("B"), out))
      assert.same({ "A", "B" }, { out[1].path, out[2].path })
    end)

    it("keeps the segments of a path", function()
      assert.same({ "Account", "Owner", "Name" }, field("Account.Owner.Name").segs)
    end)
  end)

  describe("key: how a select item finds its GROUP BY", function()
    -- { item, FROM prefixes, key }
    local rows = {
      { field("Name"), nil, "name" },
      { field("Account.Name"), nil, "account.name" },
      { field("a.Name"), { A = true }, "name" },
      { field("Contact.Account.Name"), { CONTACT = true }, "account.name" },
      { field("Name"), { NAME = true }, "name" }, -- one segment: nothing to take off
      { call("calendar_year", "c.CreatedDate"), { C = true }, "CALENDAR_YEAR(createddate)" },
      { call("HOUR_IN_DAY", call("convertTimezone", "CreatedDate")), nil,
        "HOUR_IN_DAY(CONVERTTIMEZONE(createddate))" },
      { aggregate("SUM", "Amount"), nil, nil },
      { items.fields("ALL"), nil, nil },
    }
    for _, row in ipairs(rows) do
      it(tostring(row[1]) .. " -> " .. tostring(row[3]), function()
        assert.equal(row[3], items.key(row[1], row[2]))
      end)
    end

    it("gives an aliased field and its GROUP BY the same key", function()
      assert.equal(items.key(field("StageName")), items.key(field("stagename"):as("s")))
    end)
  end)
end)
