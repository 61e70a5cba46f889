-- matches, replace, split and extract: Java's regular expressions (through
-- luaforce.regex on PCRE2), never Lua patterns; a bad pattern is null and a
-- warning.
local feel = require "luaforce.feel"
local rows = require "feel.rows"
local NULL = rows.NULL

describe("FEEL regex builtins", function()
  rows.run {
    { 'matches("foobar", "^fo*bar")', true },
    { 'matches("call 555-1234 now", "\\d{3}-\\d{4}")', true }, -- anywhere, not the whole text
    { 'matches("abc", "\\d{3}")', false },
    { 'matches("Case 00012345", "\\d{8}")', true },
    { 'matches("a.b", "a.b")', true }, { 'matches("a+b", "a\\+b")', true },
    -- Lua pattern syntax means nothing special here
    { 'matches("50%", "%d")', false }, { 'matches("x%d", "%d")', true },
    { 'matches("Acme Corp", "[A-Z][a-z]+ (Inc|Corp|Ltd)")', true },
    { 'matches("hello", "[^aeiou]{2}")', true },
    { 'matches("FooBar", "foo")', false },
    { 'matches("FooBar", "foo", "i")', true },
    { 'matches("a\nb", "a.b")', false }, { 'matches("a\nb", "a.b", "s")', true },
    { 'matches("x\nfoo", "^foo$")', false }, { 'matches("x\nfoo", "^foo$", "m")', true },
    { 'matches("abc", "a b c", "x")', true },
    { 'matches("price: 100 EUR", "\\d+(?= EUR)")', true }, -- lookahead
    { 'matches("price: 100 USD", "\\d+(?= EUR)")', false },
    { 'matches("foobar", "(?<!foo)bar")', false },         -- lookbehind
    { 'matches(input: "abc", pattern: "b", flags: "i")', true },

    { 'replace("0123456789", "(\\d{3})(\\d{3})(\\d{4})", "($1) $2-$3")', "(012) 345-6789" },
    { 'replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', "[1=ab][2=]cd" },
    { 'replace("How do you feel?", "Feel", "FEEL", "i")', "How do you FEEL?" },
    { 'replace("a1b22c333", "\\d+", "#")', "a#b#c#" },
    { 'replace("John Smith", "(?<first>\\w+) (?<last>\\w+)", "${last}, ${first}")', "Smith, John" },
    { 'replace("cost: 5", "\\d", "\\$$0")', "cost: $5" },
    { 'replace("abc", "b", "$2")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },

    { 'split("John Doe", "\\s")', { "John", "Doe" } },
    { 'split("a;b;c;;", ";")', { "a", "b", "c", "", "" } },
    { 'split("a , b,c", "\\s*,\\s*")', { "a", "b", "c" } },
    { 'split("abc", ",")', { "abc" } },

    { 'extract("references are 1234, 1256, 1378", "12[0-9]*")', { "1234", "1256" } },
    { 'extract("no digits", "\\d+")', rows.empty_list() },
    { 'extract("a1b2", "[a-z](\\d)")', { "a1", "b2" } },

    -- invalid patterns and flags: null and a warning, never an error
    { 'matches("abc", "(")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'matches("abc", "[a-")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'replace("abc", "*", "x")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'split("abc", "(")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'extract("abc", "[")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'matches("abc", "a", "q!")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'matches(null, "a")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
  }

  it("names the bad pattern in its warning", function()
    local v, w = feel.eval('matches("abc", "(")')
    assert.is_nil(v)
    assert.truthy(w[1].message:find("matches", 1, true))
    assert.truthy(w[1].message:find("(", 1, true))
    assert.same({ line = 1, column = 1, offset = 1 }, w[1].position)
  end)

  it("filters records with a pattern", function()
    local records = { { Phone = "555-1234" }, { Phone = "n/a" }, { Phone = "555 9876" } }
    local v = feel.eval('records[matches(Phone, "^\\d{3}[- ]\\d{4}$")].Phone', { records = records })
    assert.same({ "555-1234", "555 9876" }, { v[1], v[2] })
    assert.equal(2, #v)
  end)
end)
