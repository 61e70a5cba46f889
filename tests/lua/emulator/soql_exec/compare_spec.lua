-- luaforce.emulator.soql_exec.compare: text and numbers compared as
-- Salesforce compares them.
local compare = require "luaforce.emulator.soql_exec.compare"
local decimal = require "luaforce.decimal"

describe("luaforce.emulator.soql_exec.compare", function()
  it("fold: ASCII and Latin-1 capitals lose their case, nothing else changes", function()
    local rows = {
      { "ACME Labs", "acme labs" },
      { "ÉMILE ÀÖÞ", "émile àöþ" },
      { "×÷ß", "×÷ß" },           -- U+00D7 and U+00F7 have no case; ß stays
      { "ŁÓDŹ 日本", "ŁódŹ 日本" }, -- beyond Latin-1 only ASCII folds
    }
    for _, row in ipairs(rows) do
      assert.equal(row[2], compare.fold(row[1]))
      assert.equal(#row[1], #compare.fold(row[1]))
    end
  end)

  it("collate: accented Latin-1 letters sort with their base letter", function()
    local names = { "O'Brien", "Émile", "acme", "Zoë", "zoe", "Ångström", "ÆON", "aeon" }
    table.sort(names, function(a, b) return compare.collate(a) < compare.collate(b) end)
    assert.equal("acme", names[1])
    assert.equal("Ångström", names[4]) -- after acme, ÆON and aeon
    assert.same({ "Émile", "O'Brien" }, { names[5], names[6] })
    assert.equal(compare.collate("ÆON"), compare.collate("aeon"))
    assert.equal(compare.collate("Zoë"), compare.collate("ZOE"))
  end)

  it("strcmp and numcmp answer -1, 0 or 1; numcmp takes decimals", function()
    assert.same({ -1, 0, 1 }, { compare.strcmp("a", "b"), compare.strcmp("b", "b"), compare.strcmp("c", "b") })
    assert.same({ -1, 0, 1 }, { compare.numcmp(1, 2.5), compare.numcmp(2, 2.0), compare.numcmp(3, 2) })
    assert.equal(1, compare.numcmp(decimal("1234567890123456.79"), decimal("1234567890123456.78")))
    assert.equal(0, compare.numcmp(decimal("0.10"), 0.1))
    assert.equal(-1, compare.numcmp(1, decimal("1.000000000000000001")))
  end)

  it("order_key: text collated, booleans as 0 and 1, nil stays nil", function()
    assert.equal("emile", compare.order_key("text", "Émile"))
    assert.equal("a;b", compare.order_key("multi", "A;B"))
    assert.equal(1, compare.order_key("boolean", true))
    assert.equal(0, compare.order_key("boolean", false))
    assert.equal(42, compare.order_key("number", 42))
    assert.equal("2024-01-31", compare.order_key("date", "2024-01-31"))
    assert.is_nil(compare.order_key("text", nil))
  end)
end)
