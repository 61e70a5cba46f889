-- luaforce.http.secret_set: a text holds a secret when it holds it whole or
-- any 16 consecutive bytes of it; shorter pieces and unrelated text do not
-- count, and the cost of a look-up grows with the text, not the secrets.
local secret_set = require "luaforce.http.secret_set"

describe("secret_set", function()
  local TOKEN = "00D5g000004Xyz1!AQ4AQLongOpaqueRandomPartOfTheToken.With_Dots"
  local set
  before_each(function()
    set = secret_set.new()
    set:add(TOKEN)
    set:add("short-pw") -- under 16 bytes: matches whole only
    set:add("abc")      -- under 4 bytes: ignored
  end)

  local rows = {
    { "the token whole", "x = '" .. TOKEN .. "'", true },
    { "the part after the !", TOKEN:match("!(.*)$"), true },
    { "16 bytes from the middle", "print('" .. TOKEN:sub(20, 35) .. "')", true },
    { "16 bytes at the very end", TOKEN:sub(-16), true },
    { "16 bytes at the very start", TOKEN:sub(1, 16), true },
    { "15 bytes only", "x = '" .. TOKEN:sub(20, 34) .. "'", false },
    { "two 10-byte pieces apart", TOKEN:sub(1, 10) .. " " .. TOKEN:sub(20, 29), false },
    { "a short secret whole", "pw = 'short-pw'", true },
    { "part of a short secret", "pw = 'short-p'", false },
    { "a value under 4 bytes", "abc abc", false },
    { "plain text", "SELECT Id FROM Account", false },
    { "an empty text", "", false },
  }
  for _, r in ipairs(rows) do
    it(("%s -> %s"):format(r[1], tostring(r[3])), function()
      assert.equal(r[3], set:found_in(r[2]))
    end)
  end

  it("finds nothing while empty, and each secret once added", function()
    local s = secret_set.new()
    assert.is_false(s:found_in(TOKEN))
    s:add(TOKEN)
    s:add(TOKEN)
    assert.is_true(s:found_in(TOKEN:sub(5, 20)))
  end)

  it("keeps one key per 16-byte window, so a look-up does not grow with the secrets", function()
    local s = secret_set.new()
    for i = 1, 200 do s:add(("%03d-"):format(i) .. TOKEN) end
    local keys = 0
    for _ in pairs(s.windows) do keys = keys + 1 end
    -- windows shared by the 200 secrets are one key each
    assert.is_true(keys < 200 * (#TOKEN + 4 - 15))
    assert.is_true(s:found_in("zz" .. TOKEN:sub(30, 45) .. "zz"))
    assert.is_false(s:found_in(("x"):rep(1000)))
  end)
end)
