-- luaforce.emulator.util: URL and form decoding and encoding, the digest
-- behind the token signature, path segments.
local util = require "luaforce.emulator.util"

local function hex(s)
  return (s:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

describe("luaforce.emulator.util", function()
  describe("url_decode", function()
    -- { text, decoded }
    local rows = {
      { "plain", "plain" }, { "a+b", "a b" }, { "%41%62", "Ab" }, { "%2B+%2b", "+ +" },
      { "%c3%A9", "é" }, { "%25", "%" }, { "100%", "100%" }, { "%zz", "%zz" }, { "%4", "%4" }, { "", "" },
    }
    for _, row in ipairs(rows) do
      it(("%q -> %q"):format(row[1], row[2]), function()
        assert.equal(row[2], util.url_decode(row[1]))
      end)
    end
  end)

  describe("url_encode", function()
    -- { text, encoded }
    local rows = {
      { "AZaz09-._~", "AZaz09-._~" }, { "a b", "a%20b" }, { "a+b&c=d/e?f#g%", "a%2Bb%26c%3Dd%2Fe%3Ff%23g%25" },
      { "é", "%C3%A9" }, { "\0\t", "%00%09" }, { "", "" },
    }
    for _, row in ipairs(rows) do
      it(("%q -> %q"):format(row[1], row[2]), function()
        assert.equal(row[2], util.url_encode(row[1]))
      end)
    end

    it("is undone by url_decode for every byte", function()
      local all = {}
      for b = 0, 255 do all[#all + 1] = string.char(b) end
      local text = table.concat(all)
      assert.equal(text, util.url_decode(util.url_encode(text)))
    end)
  end)

  describe("parse_form", function()
    -- { body, fields }
    local rows = {
      { "", {} },
      { "a=1&b=x+y", { a = "1", b = "x y" } },
      { "grant_type=client_credentials&client_id=app&client_secret=s%26p%3D",
        { grant_type = "client_credentials", client_id = "app", client_secret = "s&p=" } },
      { "a=1&a=2", { a = "1" } }, -- the first value of a repeated name
      { "flag&x=", { flag = "", x = "" } },
      { "=v", { [""] = "v" } },
      { "&&a=1&", { a = "1" } },
      { "a%20b=c=d", { ["a b"] = "c=d" } },
    }
    for _, row in ipairs(rows) do
      it(("%q"):format(row[1]), function()
        assert.same(row[2], util.parse_form(row[1]))
      end)
    end
  end)

  describe("digest", function()
    it("is 32 bytes: eight FNV-1a lanes, the first plain FNV-1a", function()
      assert.equal(32, #util.digest("x"))
      -- FNV-1a 32-bit's published values: the offset basis, "a", "foobar"
      assert.equal("811c9dc5", hex(util.digest("")):sub(1, 8))
      assert.equal("e40c292c", hex(util.digest("a")):sub(1, 8))
      assert.equal("bf9cf968", hex(util.digest("foobar")):sub(1, 8))
    end)

    it("gives the same bytes for the same text, and other bytes in every lane for other text", function()
      assert.equal(util.digest("00DLOCAL!token"), util.digest("00DLOCAL!token"))
      local a, b = util.digest("00DLOCAL!token"), util.digest("00DLOCAL!tokeo")
      for lane = 0, 7 do
        assert.not_equal(a:sub(lane * 4 + 1, lane * 4 + 4), b:sub(lane * 4 + 1, lane * 4 + 4), lane)
      end
      for lane = 1, 7 do
        assert.not_equal(a:sub(1, 4), a:sub(lane * 4 + 1, lane * 4 + 4), lane) -- lanes differ from each other
      end
    end)
  end)

  describe("segments", function()
    -- { path, segments }
    local rows = {
      { "/services/data/v62.0/query", { "services", "data", "v62.0", "query" } },
      { "//a///b/", { "a", "b" } }, { "/", {} }, { "", {} }, { "a", { "a" } },
    }
    for _, row in ipairs(rows) do
      it(("%q"):format(row[1]), function()
        assert.same(row[2], util.segments(row[1]))
      end)
    end
  end)
end)
