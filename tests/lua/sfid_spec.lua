-- luaforce.sfid: the checksum of a 15-character Salesforce id, and the
-- case an 18-character id's suffix restores.
local sfid = require "luaforce.sfid"
local raises = require "support.raises"

-- Ids Salesforce's documentation and orgs show in both forms.
local KNOWN = {
  { "001D000000IRFma", "001D000000IRFmaIAH" },
  { "001R0000005hDFY", "001R0000005hDFYIA2" },
  { "003D000000OY9om", "003D000000OY9omIAD" },
  { "005D0000001KyEI", "005D0000001KyEIIA0" },
}

describe("luaforce.sfid", function()
  describe("checksum", function()
    for _, row in ipairs(KNOWN) do
      it(row[1] .. " -> " .. row[2]:sub(16), function()
        assert.equal(row[2]:sub(16), sfid.checksum(row[1]))
        assert.equal(row[2]:sub(16), sfid.raw_checksum(row[1]))
      end)
    end

    -- each suffix character: bit i set when character i of its chunk of 5
    -- is A-Z, the number indexing A..Z0..5
    local rows = {
      { "no upper-case letter", "000000000000000", "AAA" },
      { "lower-case letters count as not upper", "abcdeabcdeabcde", "AAA" },
      { "every character upper-case", "ABCDEABCDEABCDE", "555" },
      { "the first character of the first chunk", "A00000000000000", "BAA" },
      { "the last character of the first chunk", "0000A0000000000", "QAA" },
      { "the last character of the last chunk", "00000000000000Z", "AAQ" },
      { "each chunk on its own", "a0000b0000C0000", "AAB" },
      { "bits 0 and 1 make 3 (D)", "AB0000000000000", "DAA" },
    }
    for _, row in ipairs(rows) do
      it(row[1] .. ": " .. row[2] .. " -> " .. row[3], function()
        assert.equal(row[3], sfid.checksum(row[2]))
      end)
    end

    it("reads only the first 15 characters in its raw form", function()
      assert.equal("IAH", sfid.raw_checksum("001D000000IRFmaXYZ"))
    end)

    for _, bad in ipairs { "001D000000IRFm", "001D000000IRFmaI", "001D000000IRFmaIAH", "" } do
      it("refuses " .. #bad .. " characters", function()
        raises(function() sfid.checksum(bad) end, "#1", "checksum", "15-character id expected")
      end)
    end

    it("refuses what is not a string", function()
      raises(function() sfid.checksum(123456789012345) end, "#1", "checksum", "15-character id expected")
      raises(function() sfid.checksum(nil) end, "#1", "checksum", "15-character id expected")
    end)
  end)

  describe("restore", function()
    for _, row in ipairs(KNOWN) do
      local id15, suffix = row[2]:sub(1, 15), row[2]:sub(16)
      it(row[2] .. " with its case lost", function()
        assert.same({ id15, suffix }, { sfid.restore(row[2]:lower()) })
        assert.same({ id15, suffix }, { sfid.restore(row[2]:upper()) })
        assert.same({ id15, suffix }, { sfid.restore(row[2]) })
      end)
    end

    it("upper-cases the suffix it returns", function()
      assert.same({ "001D000000IRFma", "IAH" }, { sfid.restore("001D000000IRFmaiah") })
    end)

    local bad = {
      { "a suffix character outside A-Z and 0-5", "001D000000IRFma9AH" },
      { "a 6 in the suffix", "0000000000000006AA" },
      { "a suffix marking a digit upper-case", "001D000000IRFmaBAH" },
      { "a punctuation mark in the suffix", "001D000000IRFma!AH" },
    }
    for _, row in ipairs(bad) do
      it("gives nil for " .. row[1], function()
        assert.is_nil(sfid.restore(row[2]))
      end)
    end

    it("undoes a lost case for any id (500 ids of random case)", function()
      local chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
      local rng = math.random
      math.randomseed(13)
      for _ = 1, 500 do
        local t = {}
        for i = 1, 15 do
          local k = rng(1, #chars)
          t[i] = chars:sub(k, k)
        end
        local id15 = table.concat(t)
        local id18 = id15 .. sfid.checksum(id15)
        local got, suffix = sfid.restore(id18:lower())
        assert.equal(id15, got)
        assert.equal(id18:sub(16), suffix)
        assert.equal(id15, (sfid.restore(id18:upper())))
      end
    end)
  end)
end)
