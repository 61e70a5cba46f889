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
    { "f(a: 1, a: 2)", "given twice" }, { "and", "unexpected 'and'" }, { "1 + or", "unexpected 'or'" }, { "(1..2 3", "to close the range" }, { "some x in 1..3 satisfies x", "iterates only in 'for'" },
  }
  for _, c in ipairs(bad) do
    it("refuses " .. c[1], function()
      local ok, err = pcall(parse, c[1])
      assert.is_false(ok)
      assert.is_true(err.feel_syntax)
      assert.truthy(err.message:find(c[2], 1, true), err.message)
    end)
  end
end)
