-- luaforce.emulator.soql_exec.compare: text and numbers compared as
-- Salesforce compares them.
local compare = require "luaforce.emulator.soql_exec.compare"
local decimal = require "luaforce.decimal"

describe("luaforce.emulator.soql_exec.compare", function()
  it("fold: letters with a case partner lose their case, nothing else changes", function()
    local rows = {
      { "ACME Labs", "acme labs" },
      { "ÉMILE ÀÖÞ", "émile àöþ" },
      { "×÷ß", "×÷ß" },             -- U+00D7 and U+00F7 have no case; ß stays
      { "ŁÓDŹ 日本", "łódź 日本" },   -- Latin Extended-A folds; CJK has no case
      { "ΑΘΗΝΑ МОСКВА", "αθηνα москва" },
      { "ΟΔΥΣΣΕΥΣ Οδυσσευς", "οδυσσευσ οδυσσευσ" }, -- final sigma folds as sigma
      { "ȘTEFAN ҐАНОК", "ștefan ґанок" },          -- Latin Extended-B, Cyrillic beyond Russian
      { "İı", "İı" },                              -- Turkish i: the locale decides, not folded
    }
    for _, row in ipairs(rows) do
      assert.equal(row[2], compare.fold(row[1]))
      assert.equal(#row[1], #compare.fold(row[1]))
    end
  end)

  it("collate: Salesforce's English rule, the code points of the upper-cased characters", function()
    local names = { "O'Brien", "Émile", "acme", "Zeta", "zoe", "Ångström", "ÆON", "aeon", "a_b", "ab", "Éclair" }
    table.sort(names, function(a, b) return compare.collate(a) < compare.collate(b) end)
    -- case-insensitive; `_` (0x5F) after the capitals; accents are not
    -- folded: every accented capital is past Z
    assert.same({ "ab", "acme", "aeon", "a_b", "O'Brien", "Zeta", "zoe", "Ångström", "ÆON", "Éclair", "Émile" },
      names)
    assert.equal(compare.collate("zoë"), compare.collate("ZOË"))
    assert.are_not.equal(compare.collate("Zoë"), compare.collate("ZOE"))
    assert.equal(compare.collate("łódź"), compare.collate("ŁÓDŹ"))
    assert.equal("ISTANBUL", compare.collate("ıstanbul")) -- dotless ı upper-cases to I
    assert.equal(#"łódź", #compare.collate("łódź"))
  end)

  it("strcmp and numcmp answer -1, 0 or 1; numcmp takes decimals", function()
    assert.same({ -1, 0, 1 }, { compare.strcmp("a", "b"), compare.strcmp("b", "b"), compare.strcmp("c", "b") })
    assert.same({ -1, 0, 1 }, { compare.numcmp(1, 2.5), compare.numcmp(2, 2.0), compare.numcmp(3, 2) })
    assert.equal(1, compare.numcmp(decimal("1234567890123456.79"), decimal("1234567890123456.78")))
    assert.equal(0, compare.numcmp(decimal("0.10"), 0.1))
    assert.equal(-1, compare.numcmp(1, decimal("1.000000000000000001")))
  end)

  it("order_key: text collated, booleans as 0 and 1, nil stays nil", function()
    assert.equal("ÉMILE", compare.order_key("text", "Émile"))
    assert.equal("A;B", compare.order_key("multi", "a;B"))
    assert.equal(1, compare.order_key("boolean", true))
    assert.equal(0, compare.order_key("boolean", false))
    assert.equal(42, compare.order_key("number", 42))
    assert.equal("2024-01-31", compare.order_key("date", "2024-01-31"))
    assert.is_nil(compare.order_key("text", nil))
  end)
end)
