-- luaforce.regex: Java regular expressions (java.util.regex syntax and
-- meaning) on PCRE2, as FEEL's matches/replace/split/extract use them.
local regex = require "luaforce.regex"
local errors = require "luaforce.errors"

local function compile(p, f)
  local re, err = regex.compile(p, f)
  assert(re, tostring(err))
  return re
end

local function show(s) return ("%q"):format(s):gsub("\\\n", "\\n") end

describe("luaforce.regex", function()
  describe("test (FEEL matches: a match anywhere)", function()
    -- { pattern, flags, text, expected }
    local rows = {
      { "\\d{3}", "", "ab123c", true },
      { "\\d{3}", "", "12a3", false },
      { "^\\d{3}$", "", "123", true },
      { "^\\d{3}$", "", "1234", false },
      { "[a-c]+x", "", "zzbx", true },
      { "[^a-c]", "", "abc", false },
      { "colou?r", "", "color", true },
      { "(ab)+c", "", "xababc", true },
      { "a|b|c", "", "zzc", true },
      -- classes are US-ASCII as in Java (no UNICODE_CHARACTER_CLASS)
      { "^\\w+$", "", "héllo", false },
      { "^\\p{L}+$", "", "héllo", true },
      { "^\\p{Alpha}+$", "", "abc", true },
      { "^\\p{Alpha}+$", "", "abé", false },
      { "^\\p{javaLowerCase}+$", "", "abé", true },
      { "^\\p{javaLowerCase}+$", "", "aBé", false },
      { "^\\p{IsLatin}+$", "", "abc", true },
      { "^\\p{IsGreek}+$", "", "αβγ", true },
      { "^\\p{IsGreek}+$", "", "abc", false },
      { "^\\p{Punct}+$", "", "!?.", true },
      { "^\\P{Digit}+$", "", "abc", true },
      { "^\\s+$", "", " \t\n", true },
      -- Java's nested classes and intersections
      { "^[a-z&&[^aeiou]]+$", "", "bcd", true },
      { "^[a-z&&[^aeiou]]+$", "", "bad", false },
      { "^[a[0-9]]+$", "", "a1a2", true },
      { "^[^abc[x-z]]+$", "", "QR", true },
      { "^[^abc[x-z]]+$", "", "Qy", false },
      -- flags: i is ASCII-only case folding unless u is given
      { "hello", "", "HELLO", false },
      { "hello", "i", "HELLO", true },
      { "^[a-f]+$", "i", "ABCdef", true },
      { "äb", "i", "ÄB", false },
      { "äb", "iu", "ÄB", true },
      { "k", "i", "\u{212A}", false },
      { "(?i)abc", "", "ABC", true },
      { "a(?i:b)c", "", "aBc", true },
      { "a(?i:b)c", "", "aBC", false },
      { "^b", "", "a\nb", false },
      { "^b", "m", "a\nb", true },
      { "a$", "m", "a\nb", true },
      { "a$", "", "a\nb", false },
      { "a$", "", "ba\n", true },
      { "a.b", "", "a\nb", false },
      { "a.b", "s", "a\nb", true },
      { "a.b", "", "a\u{2028}b", false },
      { "a.b", "", "a\rb", false },
      { "a.b", "d", "a\rb", true },
      { "a.b", "", "a\tb", true },
      { "\\d{3} # area code\n - \\d{4} # number", "x", "555-1234", true },
      { "[a b]", "x", " ", false },
      { "a\\ b", "x", "a b", true },
      { "(?x) a b c", "", "abc", true },
      -- lookarounds, atomic groups, possessive quantifiers
      { "\\w+(?=!)", "", "hi!", true },
      { "^\\w+(?=!)$", "", "hi!", false },
      { "q(?!u)", "", "quit", false },
      { "q(?!u)", "", "qat", true },
      { "(?<=\\$)\\d+", "", "cost $45", true },
      { "(?<=\\$)\\d+", "", "cost 45", false },
      { "(?<!-)\\b\\d+", "", "-5", false },
      { "a++a", "", "aaa", false },
      { "(?>a+)a", "", "aaa", false },
      { "a+a", "", "aaa", true },
      -- back references, Java's digit rule
      { "(\\w)\\1", "", "hello", true },
      { "(\\w)\\1", "", "helo", false },
      { "^(a)\\11$", "", "aa1", true },
      { "(a)\\1", "i", "aA", true },
      { "(?<c>x)\\k<c>", "", "xx", true },
      -- escapes
      { "^\\u00e9$", "", "é", true },
      { "^\\uD83D\\uDE00$", "", "😀", true },
      { "^\\x{1F600}$", "", "😀", true },
      { "^\\x41$", "", "A", true },
      { "^\\0101$", "", "A", true },
      { "^\\t$", "", "\t", true },
      { "\\Q1+1\\E", "", "1+1=2", true },
      { "\\Q1+1\\E", "", "11", false },
      { "a.c", "q", "xa.cx", true },
      { "a.c", "q", "abc", false },
      { "\\$\\d", "", "$5", true },
    }
    for _, r in ipairs(rows) do
      it(("%s /%s/ on %s -> %s"):format(show(r[1]), r[2], show(r[3]), tostring(r[4])), function()
        assert.are.equal(r[4], compile(r[1], r[2]):test(r[3]))
      end)
    end
  end)

  describe("find and match", function()
    it("count positions in code points", function()
      assert.are.same({ 7, 11 }, { compile("w.rld"):find("héllo wörld") })
      assert.are.same({ 2, 2 }, { compile("β"):find("αβγ") })
      assert.are.same({ 4, 5 }, { compile("\\d+"):find("αβγ12") })
    end)

    it("start at init (code points; negative counts from the end)", function()
      assert.are.same({ 4, 4 }, { compile("α"):find("αβγα", 2) })
      assert.are.same({ 4, 4 }, { compile("α"):find("αβγα", -1) })
      assert.is_nil(compile("α"):find("αβγα", 5))
      assert.is_nil(compile("a"):find("abc", 10))
    end)

    it("report an empty match as stop = start - 1", function()
      assert.are.same({ 2, 1 }, { compile("x*"):find("abc", 2) })
    end)

    it("return nil when nothing matches", function()
      local a, b = compile("\\d"):find("abc")
      assert.is_nil(a)
      assert.is_nil(b)
    end)

    it("give groups by number and by name", function()
      local s, e, g = compile("(?<year>\\d{4})-(\\d{2})"):match("on 2024-05 ok")
      assert.are.same({ 4, 10 }, { s, e })
      assert.are.equal("2024", g[1])
      assert.are.equal("05", g[2])
      assert.are.equal("2024", g.year)
    end)

    it("mark groups that took no part as false", function()
      local _, _, g = compile("(a)|(b)"):match("b")
      assert.are.equal(false, g[1])
      assert.are.equal("b", g[2])
    end)

    it("list group counts and names", function()
      local n, names = compile("(?<a>x)(y)(?<b>z)"):groups()
      assert.are.equal(3, n)
      assert.are.same({ a = 1, b = 3 }, names)
    end)
  end)

  describe("replace (Java's replaceAll)", function()
    -- { pattern, text, replacement, expected, count }
    local rows = {
      { "(\\w+)@(\\w+)", "me@host", "$2 at $1", "host at me", 1 },
      { "a", "banana", "o", "bonono", 3 },
      { "a", "banana", "\\$1", "b$1n$1n$1", 3 },
      { "a", "x a", "\\\\", "x \\", 1 },
      { "(?<d>\\d)", "a1b2", "<${d}>", "a<1>b<2>", 2 },
      { "(x)", "x", "$10", "x0", 1 },
      { "(a)|b", "ab", "[$1]", "[a][]", 2 },
      { "x*", "abc", "-", "-a-b-c-", 4 },
      { "a*", "baaa", "-", "-b--", 3 },
      { "x*", "😀b", "-", "-😀-b-", 3 },
      { "é|ï", "naïve café", "?", "na?ve caf?", 2 },
      { "\\d", "none", "$0$0", "none", 0 },
      { "(\\d)", "a1", "$0$1", "a11", 1 },
      { "\\s+", "a  b \t c", " ", "a b c", 2 },
    }
    for _, r in ipairs(rows) do
      it(("%s in %s with %s"):format(show(r[1]), show(r[2]), show(r[3])), function()
        local out, n = compile(r[1]):replace(r[2], r[3])
        assert.are.equal(r[4], out)
        assert.are.equal(r[5], n)
      end)
    end

    it("stops after `limit` replacements", function()
      assert.are.equal("bonana", (compile("a"):replace("banana", "o", 1)))
    end)

    -- Java throws for these (Camunda: null); even when nothing matches
    for _, rep in ipairs { "$2", "$", "x\\", "${nope}", "${1a}", "$x" } do
      it("rejects the replacement " .. show(rep), function()
        local out, err = compile("(a)"):replace("zzz", rep)
        assert.is_nil(out)
        assert.is_true(errors.is(err))
        assert.are.equal("INVALID_REPLACEMENT", err.code)
      end)
    end
  end)

  describe("split (Java's Pattern.split(s, -1), as Camunda)", function()
    -- { delimiter, text, pieces }
    local rows = {
      { ",", "a,b,,c,", { "a", "b", "", "c", "" } },
      { ",", ",a", { "", "a" } },
      { ",", "", { "" } },
      { ",", "no match", { "no match" } },
      { "", "abc", { "a", "b", "c", "" } },
      { "\\d+", "a1b22c", { "a", "b", "c" } },
      { "\\s", "a b  c", { "a", "b", "", "c" } },
      { "\\s*,\\s*", "a , b,", { "a", "b", "" } },
      { ",", "α,β", { "α", "β" } },
      { "(?=b)", "abab", { "a", "ba", "b" } },
    }
    for _, r in ipairs(rows) do
      it(("%s by %s"):format(show(r[2]), show(r[1])), function()
        assert.are.same(r[3], compile(r[1]):split(r[2]))
      end)
    end
  end)

  describe("extract (every match)", function()
    local rows = {
      { "\\d+", "a1b22c333", { "1", "22", "333" } },
      { "\\d", "no digits", {} },
      { "x*", "abc", { "", "", "", "" } },
      { "\\p{L}+", "ab1cé", { "ab", "cé" } },
      { "\\p{Alpha}+", "ab1cé", { "ab", "c" } },
      { "[a-z&&[^aeiou]]", "education", { "d", "c", "t", "n" } },
      { "(\\w)\\1", "hello book", { "ll", "oo" } },
      { "\\w+(?=!)", "hi! yo ho!", { "hi", "ho" } },
    }
    for _, r in ipairs(rows) do
      it(("%s in %s"):format(show(r[1]), show(r[2])), function()
        assert.are.same(r[3], compile(r[1]):extract(r[2]))
      end)
    end
  end)

  describe("invalid patterns", function()
    local rows = {
      { "(" }, { "a)" }, { "[a-" }, { "[z-a]" }, { "a{" }, { "*a" }, { "a**" },
      { "(?P<n>x)" }, { "(*FAIL)" }, { "\\p{InGreek}" }, { "\\p{Nope}" }, { "\\g1" }, { "\\K" },
      { "\\k" }, { "(a)\\2" }, { "\\u12" }, { "\\0" }, { "\\uD800" }, { "(?<=a+)b" }, { "abc", "z" },
      { "\255" },
    }
    for _, r in ipairs(rows) do
      it(("%s%s returns nil, err"):format(show(r[1]), r[2] and " /" .. r[2] .. "/" or ""), function()
        local re, err = regex.compile(r[1], r[2])
        assert.is_nil(re)
        assert.is_true(errors.is(err))
        assert.are.equal("INVALID_REGEX", err.code)
        assert.matches("invalid regular expression", err.message, 1, true)
      end)
    end

    it("raises for a pattern that is not a string (misuse)", function()
      assert.has_error(function() regex.compile(42) end)
    end)
  end)

  describe("limits and bad input", function()
    it("stops a catastrophic pattern with REGEX_LIMIT instead of hanging", function()
      -- 2^60 ways to try: without the match limit this would not return;
      -- REGEX_LIMIT is the limit counting PCRE2's steps and stopping it
      local ok, err = compile("^(a+)+$"):test(("a"):rep(60) .. "!")
      assert.is_nil(ok)
      assert.are.equal("REGEX_LIMIT", err.code)
    end)

    it("still scans long texts with linear patterns", function()
      local text = ("ab"):rep(200000) .. "x1y"
      assert.is_true(compile("(?:ab)*?x1y"):test(text))
      assert.are.same({ "1" }, compile("\\d+"):extract(text))
    end)

    it("rejects text that is not UTF-8", function()
      local ok, err = compile("a"):test("\255a")
      assert.is_nil(ok)
      assert.are.equal("INVALID_UTF8", err.code)
      local list, err2 = compile("a"):split("a\255")
      assert.is_nil(list)
      assert.are.equal("INVALID_UTF8", err2.code)
    end)
  end)

  describe("the compiled-pattern cache", function()
    after_each(function()
      regex.CACHE_SIZE = 256
      regex.clear_cache()
    end)

    it("returns the same compiled pattern for the same pattern and flags", function()
      assert.are.equal(compile("a+b"), compile("a+b"))
      assert.are_not.equal(compile("a+b"), compile("a+b", "i"))
    end)

    it("is bounded, dropping the least recently used", function()
      regex.clear_cache()
      regex.CACHE_SIZE = 2
      local a = compile("a")
      compile("b")
      assert.are.equal(a, compile("a")) -- a is now the most recent
      compile("c")                      -- drops b
      assert.are.equal(2, regex.cache_size())
      assert.are.equal(a, compile("a"))
    end)
  end)

  describe("translate", function()
    it("shows the PCRE2 pattern a Java pattern becomes", function()
      assert.are.equal("[aA]b", regex.translate("(?i)a(?-i)b"))
      assert.are.equal("(a)\\g{1}1", regex.translate("(a)\\11"))
    end)
  end)
end)
