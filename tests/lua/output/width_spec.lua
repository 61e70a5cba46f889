-- luaforce.output.width: terminal cells of accented, combining, wide and
-- emoji text, and cutting that never splits a character.
local width = require "luaforce.output.width"

local E_ACUTE = "e\u{301}"          -- e + COMBINING ACUTE ACCENT
local HEART = "\u{2764}\u{FE0F}"    -- ❤ + VARIATION SELECTOR-16
local CODER = "\u{1F469}\u{200D}\u{1F4BB}"  -- woman, ZWJ, laptop
local FLAG = "\u{1F1EB}\u{1F1F7}"   -- regional indicators F, R

describe("width.of", function()
  local rows = {
    { "empty", "", 0 },
    { "ASCII", "Acme, Inc.", 10 },
    { "precomposed accents", "Zoë Ångström", 12 },
    { "a combining accent adds nothing", "Jos" .. E_ACUTE, 4 },
    { "two marks on one letter", "e\u{301}\u{302}x", 2 },
    { "a mark at the start", "\u{301}a", 1 },
    { "CJK ideographs", "日本語", 6 },
    { "kana and Latin", "カタカナ abc", 12 },
    { "kana with a combining voiced mark", "か\u{3099}", 2 },
    { "ideographs across blocks", "\u{4E00}\u{9FFF}\u{F900}", 6 },
    { "Hangul syllables", "한국어", 6 },
    { "Hangul jamo join into one syllable", "\u{1100}\u{1161}\u{11A8}", 2 },
    { "fullwidth forms", "ＡＢＣ", 6 },
    { "ideographic space", "\u{3000}", 2 },
    { "an emoji", "ok 😀", 5 },
    { "emoji presentation by VS16", HEART, 2 },
    { "the same character as text", "\u{2764}", 1 },
    { "a ZWJ sequence is one picture", CODER, 2 },
    { "a flag", FLAG, 2 },
    { "a lone regional indicator", "\u{1F1EB}", 1 },
    { "zero-width space and joiner", "a\u{200B}b\u{200D}", 2 },
    { "soft hyphen shows", "a\u{AD}b", 3 },
    { "ambiguous width counts one", "…±§", 3 },
    { "a plane 2 ideograph", "\u{20000}", 2 },
    { "an emoji added after Unicode 14", "\u{1FAE8}", 2 },
    { "Devanagari with a vowel sign above", "क\u{947}", 1 },
  }
  for _, row in ipairs(rows) do
    it(row[1], function()
      assert.equal(row[3], width.of(row[2]))
    end)
  end

  it("counts bytes for text that is not UTF-8, without failing", function()
    assert.equal(3, width.of("a\xff\xfe"))
    assert.equal(2, width.of("\xe6\x97"))   -- a truncated sequence
    assert.equal(3, width.of("\xed\xa0\x80")) -- an encoded surrogate
  end)
end)

describe("width.cut", function()
  it("keeps whole characters within the cells", function()
    assert.same({ "日", 2 }, { width.cut("日本語", 3) })
    assert.same({ "日本", 4 }, { width.cut("日本語", 4) })
    assert.same({ "", 0 }, { width.cut("日本語", 1) })
    assert.same({ "ab", 2 }, { width.cut("abc", 2) })
    assert.same({ "", 0 }, { width.cut("abc", 0) })
  end)

  it("keeps combining marks with their letter", function()
    assert.same({ "Jos" .. E_ACUTE, 4 }, { width.cut("Jos" .. E_ACUTE .. " Ruiz", 4) })
    assert.same({ "Jos", 3 }, { width.cut("Jos" .. E_ACUTE, 3) })
  end)

  it("keeps joined sequences, selectors and flags whole", function()
    assert.same({ CODER, 2 }, { width.cut(CODER .. "x", 2) })
    assert.same({ "", 0 }, { width.cut(CODER, 1) })
    assert.same({ HEART, 2 }, { width.cut(HEART .. HEART, 3) })
    assert.same({ FLAG, 2 }, { width.cut(FLAG .. FLAG, 3) })
  end)

  it("cuts text that is not UTF-8 by bytes", function()
    assert.same({ "a\xff", 2 }, { width.cut("a\xffbc", 2) })
  end)
end)

describe("width.truncate", function()
  it("returns text that fits as it is", function()
    assert.same({ "日本語", 6 }, { width.truncate("日本語", 6) })
    assert.same({ "Jos" .. E_ACUTE, 4 }, { width.truncate("Jos" .. E_ACUTE, 4) })
  end)

  it("ends cut text with … within the cells", function()
    assert.same({ "Acme…", 5 }, { width.truncate("Acme, Inc.", 5) })
    assert.same({ "Zoë Å…", 6 }, { width.truncate("Zoë Ångström", 6) })
    assert.same({ "日…", 3 }, { width.truncate("日本語", 4) })
    assert.same({ "日…", 3 }, { width.truncate("日本語", 3) })
    assert.same({ "Jos" .. E_ACUTE .. "…", 5 }, { width.truncate("Jos" .. E_ACUTE .. " Ruiz", 5) })
    assert.same({ "…", 1 }, { width.truncate(CODER .. "ab", 2) })
    assert.same({ "", 0 }, { width.truncate("abc", 0) })
  end)
end)

describe("width.fit", function()
  local texts = { "Acme", "Zoë", "Jos" .. E_ACUTE .. " Ruiz", "日本語テキスト", "ok 😀😀", HEART .. " x",
    CODER .. CODER, FLAG .. "ab", "ＡＢＣ", "a\xffb" }
  it("makes every text exactly the given cells wide", function()
    for _, s in ipairs(texts) do
      for n = 0, 12 do
        assert.equal(n, width.of(width.fit(s, n)), ("%q in %d cells"):format(s, n))
      end
    end
  end)

  it("pads with blanks after the text", function()
    assert.equal("日本  ", width.fit("日本", 6))
    assert.equal("日… ", width.fit("日本語", 4))
  end)
end)
