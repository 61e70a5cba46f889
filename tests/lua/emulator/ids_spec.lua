-- luaforce.emulator.ids: checksums, 15/18 conversion, validity, minting.
local ids = require "luaforce.emulator.ids"

describe("luaforce.emulator.ids", function()
  describe("the known pairs (reference §9)", function()
    local pairs_ = {
      { "001D000000IRFma", "001D000000IRFmaIAH" },
      { "001R0000005hDFY", "001R0000005hDFYIA2" },
      { "003D000000OY9om", "003D000000OY9omIAD" },
      { "005D0000001KyEI", "005D0000001KyEIIA0" },
    }
    for _, row in ipairs(pairs_) do
      it(row[1] .. " -> " .. row[2], function()
        assert.equal(row[2]:sub(16), ids.checksum(row[1]))
        assert.equal(row[2], ids.to18(row[1]))
        assert.equal(row[2], ids.to18(row[2]))
        assert.equal(row[1], ids.to15(row[2]))
        assert.is_true(ids.valid(row[1]))
        assert.is_true(ids.valid(row[2]))
      end)
    end
  end)

  describe("18-character ids read case-insensitively", function()
    local rows = {
      { "001d000000irfmaiah", "001D000000IRFmaIAH" },
      { "001D000000IRFMAIAH", "001D000000IRFmaIAH" },
      { "003D000000OY9OMiad", "003D000000OY9omIAD" },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        assert.equal(row[2], ids.to18(row[1]))
        assert.is_true(ids.equal(row[1], row[2]:sub(1, 15)))
      end)
    end
  end)

  describe("malformed ids", function()
    local rows = {
      { "empty", "" },
      { "14 characters", "001D000000IRFm" },
      { "16 characters", "001D000000IRFmaI" },
      { "non-base-62 character", "001D000000IRF-a" },
      { "space", "001D000000IRF a" },
      { "suffix outside the alphabet", "001D000000IRFma9AH" },
      { "suffix marks a digit upper-case", "001D000000IRFmaBAH" },
      { "not a string", 1234 },
      { "nil", nil },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        assert.is_nil(ids.to18(row[2]))
        assert.is_false(ids.valid(row[2]))
        assert.is_nil(ids.key_prefix(row[2]))
      end)
    end
  end)

  it("checksum refuses what is not 15 characters", function()
    assert.has_error(function() ids.checksum("001") end)
  end)

  describe("generator", function()
    it("mints sequential, valid 18-character ids with the key prefix", function()
      local gen = ids.generator("006")
      local a, b, c = gen:next(), gen:next(), gen:next()
      for _, id in ipairs { a, b, c } do
        assert.equal(18, #id)
        assert.equal("006", id:sub(1, 3))
        assert.equal(id, ids.to18(id:sub(1, 15)))
      end
      assert.is_true(a < b and b < c, "ids sort in creation order")
      assert.equal(ids.mint("006", 1), a)
    end)

    it("sorts in creation order past single base-62 digits", function()
      local gen = ids.generator("001")
      local prev = gen:next()
      for _ = 2, 4000 do
        local id = gen:next()
        assert.is_true(prev < id)
        prev = id
      end
    end)

    it("moves past ids it observes", function()
      local gen = ids.generator("001")
      gen:observe(ids.mint("001", 41))
      gen:observe("001D000000IRFma") -- another shape: ignored
      assert.equal(ids.mint("001", 42), gen:next())
    end)

    it("refuses a bad key prefix", function()
      assert.has_error(function() ids.generator("0a") end)
      assert.has_error(function() ids.generator("0-1") end)
    end)
  end)

  it("names the org and the default user with valid ids", function()
    assert.equal("00D", ids.key_prefix(ids.ORG_ID))
    assert.equal("005", ids.key_prefix(ids.DEFAULT_USER_ID))
    assert.equal(ids.generator("005"):next(), ids.DEFAULT_USER_ID)
  end)
end)
