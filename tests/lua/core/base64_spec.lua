-- luaforce.core.base64: RFC 4648 base64 (standard alphabet) for the OAuth
-- client's Basic credentials, the local org's token endpoint and FEEL's
-- `to base64` / `from base64`.
require "luaforce.core"
local raises = require "support.raises"
local base64 = require "luaforce.core.base64"

describe("luaforce.core.base64", function()
  -- RFC 4648, section 10
  local vectors = {
    { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
  }

  it("encodes and decodes the RFC 4648 test vectors under both padding rules", function()
    for _, v in ipairs(vectors) do
      assert.are.equal(v[2], base64.encode(v[1]))
      assert.are.equal(v[1], base64.decode(v[2]))
      assert.are.equal(v[1], base64.decode(v[2], "required"))
      assert.are.equal(v[1], base64.decode(v[2], "optional"))
    end
  end)

  it("round-trips every byte value", function()
    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    local s = table.concat(bytes)
    for n = 0, 256, 7 do
      assert.are.equal(s:sub(1, n), base64.decode(base64.encode(s:sub(1, n))))
    end
    assert.are.equal("+/8=", base64.encode("\251\255"))
  end)

  it("with padding required (the default): a length of 4k and at most two '='", function()
    for _, t in ipairs { "Zg", "Zg=", "Z===", "====", "Zg======" } do
      local s, err = base64.decode(t)
      assert.is_nil(s, t)
      assert.matches("^not base64: ", err)
    end
    assert.are.same({ nil, "not base64: the length is not a multiple of 4" }, { base64.decode("Zg") })
    assert.are.same({ nil, "not base64: more than two '=' at the end" }, { base64.decode("Z===") })
  end)

  it("with padding optional: any run of '=' at the end, but no lone last character", function()
    assert.are.equal("f", base64.decode("Zg", "optional"))
    assert.are.equal("fo", base64.decode("Zm8", "optional"))
    assert.are.equal("f", base64.decode("Zg=====", "optional"))
    assert.are.equal("", base64.decode("====", "optional"))
    assert.are.same({ nil, "not base64: one character too many at the end" }, { base64.decode("Zm9vY", "optional") })
  end)

  it("ignores the bits after the last whole byte, as java.util.Base64 does", function()
    assert.are.equal("f", base64.decode("Zh=="))
  end)

  it("refuses characters outside the alphabet, naming the first one's byte", function()
    assert.are.same({ nil, "not base64: a character outside the base64 alphabet (byte 5)" },
      { base64.decode("Zm9v!A==") })
    assert.are.same({ nil, "not base64: a character outside the base64 alphabet (byte 3)" },
      { base64.decode("Zm 9v", "optional") })
    assert.is_nil(base64.decode("Zg==Zg=="))     -- padding inside
    assert.is_nil(base64.decode("ab-_"))          -- the URL-safe alphabet
    assert.is_nil(base64.decode("Zm9v\n", "optional"))
  end)

  it("raises on misuse", function()
    raises(function() base64.encode(nil) end, "#1", "encode", "string expected, got nil")
    raises(function() base64.decode({}) end, "#1", "decode", "string expected, got table")
    raises(function() base64.decode("Zg==", "lenient") end, "#2", "decode", "invalid option 'lenient'")
  end)
end)
