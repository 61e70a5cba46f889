local lexer = require "luaforce.feel.lexer"
local parser = require "luaforce.feel.parser"
local builtins = require "luaforce.feel.builtins"

local function parse(src)
  return parser.parse(assert(lexer.tokenize(src)), builtins.names)
end

-- A compact rendering of the tree, to check shape and precedence.
local function show(n)
  local k = n.kind
  if k == "number" then return n.text end
  if k == "string" then return '"' .. n.value .. '"' end
  if k == "name" then return n.name end
  if k == "boolean" then return tostring(n.value) end
  if k == "null" then return "null" end
  if k == "arith" or k == "compare" then return "(" .. show(n.left) .. " " .. n.op .. " " .. show(n.right) .. ")" end
  if k == "and" or k == "or" then return "(" .. show(n.left) .. " " .. k .. " " .. show(n.right) .. ")" end
  if k == "neg" then return "(-" .. show(n.operand) .. ")" end
  if k == "path" then return show(n.object) .. "." .. n.key end
  if k == "filter" then return show(n.object) .. "[" .. show(n.filter) .. "]" end
  if k == "call" then
    local a = {}
    for i, e in ipairs(n.args) do a[i] = (n.names and (n.names[i] .. ": ") or "") .. show(e) end
    return show(n.callee) .. "(" .. table.concat(a, ", ") .. ")"
  end
  if k == "between" then return "(" .. show(n.value) .. " between " .. show(n.low) .. " and " .. show(n.high) .. ")" end
  if k == "in" then return "(" .. show(n.value) .. " in " .. show(n.test) .. ")" end
  if k == "instanceof" then return "(" .. show(n.value) .. " instance of " .. n.type .. ")" end
  if k == "if" then return "if " .. show(n.cond) .. " then " .. show(n.yes) .. " else " .. show(n.no) end
  if k == "list" then
    local a = {}
    for i, e in ipairs(n.items) do a[i] = show(e) end
    return "[" .. table.concat(a, ", ") .. "]"
  end
  return k
end

describe("luaforce.feel.parser", function()
  local cases = {
    { "1 + 2 * 3", "(1 + (2 * 3))" },
    { "(1 + 2) * 3", "((1 + 2) * 3)" },
    { "1 - 2 - 3", "((1 - 2) - 3)" },
    { "2 ** 3 ** 2", "((2 ** 3) ** 2)" },
    { "-x ** 2", "((-x) ** 2)" },
    { "a or b and c", "(a or (b and c))" },
    { "a = 1 and b < 2", "((a = 1) and (b < 2))" },
    { "x between 1 + 1 and 5", "(x between (1 + 1) and 5)" },
    { "x in [1, 2]", "(x in [1, 2])" },
    { "x instance of days and time duration", "(x instance of days and time duration)" },
    { "a.b.c[1].d", "a.b.c[1].d" },
    { "first name", "first name" },
    { "string length(x)", "string length(x)" },
    { "date and time(x)", "date and time(x)" },
    { "get or else(a, b)", "get or else(a, b)" },
    { "day of week(x)", "day of week(x)" },
    { "substring(string: s, start position: 2)", "substring(string: s, start position: 2)" },
    { "if a then b else c", "if a then b else c" },
    { "f(1)(2)", "f(1)(2)" },
    { "- 5", "(-5)" },
    -- `and(`/`or(` starting an operand call Camunda's list functions
    { "and([a, b])", "and([a, b])" }, { "or(a, b)", "or(a, b)" },
    { "a and and(b)", "(a and and(b))" }, { "a or (b)", "(a or b)" },
  }
  for _, c in ipairs(cases) do
    it(c[1], function() assert.equal(c[2], show(parse(c[1]))) end)
  end

  it("puts a position on every node", function()
    local root = parse("{a: [1, x.y], b: if c then d(e) else f[g > 1]}")
    local function walk(n)
      assert.is_number(n.pos)
      assert.is_number(n.line)
      assert.is_number(n.col)
      assert.is_true(parser.KINDS[n.kind], n.kind)
      for k, v in pairs(n) do
        if k ~= "kind" and type(v) == "table" then
          if v.kind then walk(v) else for _, c in ipairs(v) do if type(c) == "table" then walk(c) end end end
        end
      end
    end
    walk(root)
  end)

  local bad = {
    { "1 +", "ends too early" }, { "(1 + 2", "expected ')'" }, { "if x then 1", "expected 'else'" },
    { "[1, 2", "expected ']'" }, { "{a 1}", "expected ':'" }, { "1 2", "after a complete expression" },
    { "x instance of thing", "unknown type" }, { "for x in xs", "expected 'return'" },
    { "f(a: 1, a: 2)", "given twice" }, { "and", "unexpected 'and'" }, { "1 + or", "unexpected 'or'" }, { "(1..2 3", "to close the range" },
    { "{a: 1}.null", "reserved word" }, { "{foo,bar: 1}", "expected ':' after the key 'foo'" },
    { "{foo{bar: 1}", "expected ':' after the key 'foo'" }, { "{foo:bar:1}", "expected '}'" },
    -- Camunda 1.22's grammar has no typed parameters and no parametrised types
    { "function(x: number) x + 1", "expected ')' after the parameters" },
    { "[1] instance of list<number>", "ends too early" },
  }
  for _, c in ipairs(bad) do
    it("refuses " .. c[1], function()
      local ok, err = pcall(parse, c[1])
      assert.is_false(ok)
      assert.is_true(err.feel_syntax)
      assert.truthy(err.message:find(c[2], 1, true), err.message)
    end)
  end

  describe("unfinished input", function()
    local feel = require "luaforce.feel"
    -- every prefix of these is a syntax error or an expression, never a raise
    local rich = {
      "for x in [1, 2], y in 1..3 return x * y + partial[-1]",
      "some x in xs satisfies x > 3 and every y in [1..5] satisfies y < 10",
      "if a.b[c > 1].d instance of number then -x ** 2 else {k: null, `a b`: \"s\\n\"}",
      "function(a, b) a + b",
      "{f: function(x) x * 2, r: f(x: 3), s: date and time(\"2024-01-01T10:00:00\")}",
      "x in (< 10, [1..5), ]2..3[, > 20) or y between 1 and 2",
      "get value({a: @\"P1D\"}, \"a\") != null // note\n/* c */ + 1",
      "[1, \"zwei\", true, null][item != 1].größe",
      "{foo+bar: 1, simple  key: {x: [1..2]}}.`simple  key`.x",
    }
    for _, src in ipairs(rich) do
      it("gives a syntax error or an expression for each prefix of " .. src, function()
        assert(feel.compile(src), src)
        local errors = 0
        for n = 0, #src - 1 do
          local prefix = src:sub(1, n)
          local ok, c, err = pcall(feel.compile, prefix)
          assert.is_true(ok, ("%q raised %s"):format(prefix, tostring(c)))
          if not c then
            assert.equal("syntax", err.kind, prefix)
            assert.equal(2, err.exit)
            errors = errors + 1
          end
        end
        assert.is_true(errors > 0)
      end)
    end

    it("says the expression ends too early after a keyword that starts one", function()
      for _, src in ipairs { "for", "some", "every", "function(", "if", "[", "{a:", "x in", "for x in", "f(a:" } do
        local c, err = feel.compile(src)
        assert.is_nil(c, src)
        assert.truthy(err.reason:find("ends too early", 1, true) or err.reason:find("end of the expression", 1, true),
          src .. ": " .. err.reason)
      end
    end)
  end)

  describe("the nesting limit", function()
    local feel = require "luaforce.feel"
    local deep = {
      parens = function(n) return ("("):rep(n) .. "1" .. (")"):rep(n) end,
      lists = function(n) return ("["):rep(n) .. ("]"):rep(n) end,
      contexts = function(n) return ("{a:"):rep(n) .. "1" .. ("}"):rep(n) end,
      ["unary minus"] = function(n) return ("-"):rep(n) .. "1" end,
      ["if chains"] = function(n) return ("if true then 1 else "):rep(n) .. "2" end,
      ["operator chains"] = function(n) return ("1 + "):rep(n) .. "1" end,
      paths = function(n) return "a" .. (".b"):rep(n) end,
      calls = function(n) return ("abs("):rep(n) .. "1" .. (")"):rep(n) end,
    }
    for name, make in pairs(deep) do
      -- a call or a filter is two levels (its own and its argument's)
      it("takes " .. name .. " " .. (parser.MAX_DEPTH // 4) .. " deep and refuses 20,000", function()
        assert(feel.compile(make(parser.MAX_DEPTH // 4)))
        local c, err = feel.compile(make(20000))
        assert.is_nil(c)
        assert.equal("syntax", err.kind)
        assert.truthy(err.reason:find("nests deeper than " .. parser.MAX_DEPTH, 1, true), err.reason)
      end)
    end

    it("refuses an expression of more tokens than the lexer's limit", function()
      local c, err = feel.compile(("1, "):rep(lexer.MAX_TOKENS // 2) .. "1")
      assert.is_nil(c)
      assert.truthy(err.reason:find("more than " .. lexer.MAX_TOKENS .. " tokens", 1, true), err.reason)
    end)

    it("reads each token a bounded number of times, however 'in (...)' nests", function()
      -- `x in ((...))` backs up over the parenthesis to read it as an expression;
      -- without remembering what it gave, each level doubled the work
      for _, n in ipairs { 5, 20, 60 } do
        local tokens = assert(lexer.tokenize(("x in (("):rep(n) .. "1" .. ("))"):rep(n)))
        local before = parser.stats.reads
        parser.parse(tokens, builtins.names)
        assert.is_true(parser.stats.reads - before <= 3 * #tokens, n .. ": " .. (parser.stats.reads - before))
      end
    end)

    it("evaluates a tree at the limit", function()
      local n = parser.MAX_DEPTH - 2
      assert.equal(1, (feel.eval(("("):rep(n) .. "1" .. (")"):rep(n))))
    end)
  end)
end)
