-- luaforce.client.ids: the client's id policy before anything is sent: the
-- 18-character form of a 15- or 18-character id, what is malformed and why
-- (an 18-character id in mixed case must carry its own checksum exactly).
local ids = require "luaforce.client.ids"
local sfid = require "luaforce.sfid"

describe("luaforce.client.ids", function()
  describe("well-formed ids", function()
    -- { given, its 18-character form }
    local rows = {
      { "001D000000IRFma", "001D000000IRFmaIAH" },
      { "001D000000IRFmaIAH", "001D000000IRFmaIAH" },
      { "003D000000OY9om", "003D000000OY9omIAD" },
      { "005D0000001KyEI", "005D0000001KyEIIA0" },
      -- the case lost, and restored by the suffix
      { "001d000000irfmaiah", "001D000000IRFmaIAH" },
      { "001D000000IRFMAIAH", "001D000000IRFmaIAH" },
      { "003d000000oy9omiad", "003D000000OY9omIAD" },
      -- all digits: any case of the suffix is the same id
      { "000000000000000", "000000000000000AAA" },
      { "000000000000000aaa", "000000000000000AAA" },
    }
    for _, row in ipairs(rows) do
      it(row[1] .. " -> " .. row[2], function()
        assert.equal(row[2], ids.to18(row[1]))
        assert.is_true(ids.valid(row[1]))
        assert.equal(row[2]:sub(1, 15), ids.to15(row[1]))
      end)
    end

    it("keeps a 15-character id's case: another case is another record", function()
      assert.equal("001d000000irfmaAAA", ids.to18("001d000000irfma"))
      assert.not_equal(ids.to18("001D000000IRFma"), ids.to18("001d000000irfma"))
    end)
  end)

  describe("malformed ids", function()
    -- { what, id, the reason to18 gives }
    local rows = {
      { "a number", 1234, "an id is a string" },
      { "nil", nil, "an id is a string" },
      { "a table", {}, "an id is a string" },
      { "empty", "", "an id has 15 or 18 characters, not 0" },
      { "14 characters", "001D000000IRFm", "an id has 15 or 18 characters, not 14" },
      { "16 characters", "001D000000IRFmaI", "an id has 15 or 18 characters, not 16" },
      { "19 characters", "001D000000IRFmaIAHX", "an id has 15 or 18 characters, not 19" },
      { "a hyphen", "001D000000IRF-a", "an id holds only letters and digits" },
      { "a space", "001D000000IRF a", "an id holds only letters and digits" },
      { "a non-ASCII letter", "001D000000IRFé", "an id holds only letters and digits" },
      { "punctuation in the suffix", "001D000000IRFma!!!", "an id holds only letters and digits" },
      { "mixed case with a suffix that disagrees", "001D000000IRFmaIAA",
        "the last 3 characters are not the checksum of the first 15" },
      { "mixed case with a lower-cased suffix that disagrees", "001D000000IRFmaiaa",
        "the last 3 characters are not the checksum of the first 15" },
      { "lost case and a suffix outside the alphabet", "001d000000irfma9ah",
        "the last 3 characters are not the checksum of the first 15" },
      { "lost case and a suffix marking a digit upper-case", "001d000000irfmabah",
        "the last 3 characters are not the checksum of the first 15" },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        local id18, why = ids.to18(row[2])
        assert.is_nil(id18)
        assert.equal(row[3], why)
        assert.is_false(ids.valid(row[2]))
        assert.is_nil(ids.to15(row[2]))
      end)
    end
  end)

  it("takes its checksum from luaforce.sfid", function()
    assert.equal(sfid.checksum, ids.checksum)
    assert.equal("IAH", ids.checksum("001D000000IRFma"))
  end)
end)
