local rows = require "feel.rows"
local NULL = rows.NULL

describe("FEEL string builtins", function()
  -- text a Lua caller hands in may be any bytes: a builtin refuses it with a
  -- warning, never an internal error
  rows.run {
    { "lower case(s)", NULL, { s = "ab\xff\xfec" }, warn = "FUNCTION_INVOCATION_FAILURE" },
    { "substring(s, 2)", NULL, { s = "ab\xff" }, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'matches(s, "a")', NULL, { s = "\xc3" }, warn = "FUNCTION_INVOCATION_FAILURE" },
  }

  rows.run {
    { 'substring("foobar", 3)', "obar" }, { 'substring("foobar", 3, 3)', "oba" },
    { 'substring("foobar", -2, 1)', "a" }, { 'substring("héllo wörld", 2, 4)', "éllo" },
    { 'substring("abc", 5)', "" },
    -- a start before the first character fails the call
    { 'substring("foobar", -6)', "foobar" },
    { 'substring("foobar", -10)', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'substring("foobar", -10, 2)', NULL, warn = "FUNCTION_INVOCATION_FAILURE" }, { "substring(null, 1)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'string length("Ünïcödé")', 7 }, { 'string length("😀a")', 2 }, { 'string length("")', 0 },
    { 'upper case("aBc4 é ß")', "ABC4 É SS" }, { 'lower case("ÀBÇ Ωμέγα")', "àbç ωμέγα" },
    { 'upper case("straße")', "STRASSE" }, { 'lower case("ĄĆĘ")', "ąćę" },
    { 'substring before("foobar", "bar")', "foo" }, { 'substring before("foobar", "xyz")', "" },
    { 'substring after("foobar", "ob")', "ar" }, { 'substring after("", "a")', "" },
    { 'contains("foobar", "of")', false }, { 'contains("foobar", "oba")', true },
    { 'contains("a.b", ".")', true },
    { 'starts with("foobar", "fo")', true }, { 'starts with("foobar", "o")', false },
    { 'ends with("foobar", "r")', true }, { 'ends with("foobar", "")', true },
    { 'trim("  hello\\t\\n ")', "hello" }, { 'trim("")', "" },
    { 'is blank("")', true }, { 'is blank(" \\t ")', true }, { 'is blank(" a ")', false },
    { 'string join(["a", "b", "c"])', "abc" }, { 'string join(["a", null, "c"], ", ")', "a, c" },
    { 'string join(["a", "b"], ", ", "[", "]")', "[a, b]" }, { "string join([], \", \")", "" },
    { 'string join(["a", "b"], null)', "ab" },
    { 'string join(["a", 1], ", ")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'to base64("Hello, Wörld!")', "SGVsbG8sIFfDtnJsZCE=" }, { 'to base64("")', "" },
    { 'from base64("SGVsbG8sIFfDtnJsZCE=")', "Hello, Wörld!" }, { 'from base64("YQ==")', "a" },
    { 'from base64("not base64!")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    -- padding is required, and at most two '=' (java.util.Base64 refuses the rest)
    { 'from base64("YQ")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'from base64("Y===")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'from base64("====")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { 'string length(uuid())', 36 },
    { 'substring(uuid(), 15, 1)', "4" },
  }
end)
