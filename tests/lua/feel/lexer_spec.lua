local lexer = require "luaforce.feel.lexer"

local function types(src)
  local toks = assert(lexer.tokenize(src))
  local out = {}
  for _, t in ipairs(toks) do out[#out + 1] = t.type .. ":" .. tostring(t.value) end
  return table.concat(out, " ")
end

describe("luaforce.feel.lexer", function()
  local cases = {
    { "1 + 2.5", "number:1 op:+ number:2.5 eof:nil" },
    { "a.b[1]", "name:a op:. name:b op:[ number:1 op:] eof:nil" },
    { "x ** 2 != 3 <= 4 >= 5", "name:x op:** number:2 op:!= number:3 op:<= number:4 op:>= number:5 eof:nil" },
    { "1..3", "number:1 op:.. number:3 eof:nil" },
    { '"a\\"b"', 'string:a"b eof:nil' },
    { "`Content-Type`", "backtick:Content-Type eof:nil" },
    { '@"PT1S"', "at:@ string:PT1S eof:nil" },
    { "// all comment\n/* and more */ x", "name:x eof:nil" },
    { "größe", "name:größe eof:nil" },
  }
  for _, c in ipairs(cases) do
    it(c[1], function() assert.equal(c[2], types(c[1])) end)
  end

  it("marks keywords and keeps lines and columns in characters", function()
    local toks = assert(lexer.tokenize("if x\n  then \"é\" + y"))
    assert.is_true(toks[1].keyword)
    assert.is_nil(toks[2].keyword)
    assert.same({ 2, 3 }, { toks[3].line, toks[3].col })
    assert.same({ 2, 14 }, { toks[6].line, toks[6].col })
  end)

  local bad = {
    { "1e3", "exponent", 2 }, { '"open', "unterminated string", 1 },
    { "/* never closed", "unterminated comment", 1 }, { '"\\ud800"', "surrogate", 2 },
  }
  for _, c in ipairs(bad) do
    it("refuses " .. c[1], function()
      local toks, msg, pos = lexer.tokenize(c[1])
      assert.is_nil(toks)
      assert.truthy(msg:find(c[2], 1, true), msg)
      assert.equal(c[3], pos)
    end)
  end

  it("tells a word that reads as one name", function()
    for _, w in ipairs { "a", "fromAi", "_x", "x1", "is?", "$v", "größe" } do assert.is_true(lexer.is_name(w), w) end
    for _, w in ipairs { "", "1a", "a b", "a-b", "a.b", "(", "a\u{A0}b", "\u{3000}", "a\xff" } do assert.is_false(lexer.is_name(w), w) end
  end)

  -- DMN's whitespace as Camunda's InterpreterExpressionTest lists it
  local SPACES = { 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x180E, 0x2000, 0x2001, 0x2002,
    0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x200B, 0x2028, 0x2029, 0x202F, 0x205F,
    0x3000, 0xFEFF }
  it("reads every FEEL whitespace character as a space, never as part of a name", function()
    local feel = require "luaforce.feel"
    for _, cp in ipairs(SPACES) do
      local w = utf8.char(cp)
      local label = ("U+%04X"):format(cp)
      local toks = assert(lexer.tokenize("a" .. w .. "b" .. w))
      assert.same({ "a", "b" }, { toks[1].value, toks[2].value }, label)
      assert.equal("eof", toks[3].type, label)
      assert.equal(3, (feel.eval("1" .. w .. "+" .. w .. "2" .. w)), label)
      assert.same({ x = 1 }, (feel.eval("{" .. w .. "x" .. w .. ":" .. w .. "1" .. w .. "}")), label)
      assert.same({ 1 }, (feel.eval("for" .. w .. "x" .. w .. "in" .. w .. "[1]" .. w .. "return" .. w .. "x")), label)
      assert.is_false(lexer.is_name("a" .. w), label)
    end
  end)

  it("keeps every character of a backtick name as written", function()
    local toks = assert(lexer.tokenize("`a  b + if\u{A0}c`"))
    assert.equal("a  b + if\u{A0}c", toks[1].value)
  end)

  it("refuses invalid UTF-8 anywhere, naming the byte offset", function()
    for _, c in ipairs { { '"a\xffb"', 3 }, { "x + \xc3", 5 }, { '"\xed\xa0\x80"', 2 }, { "`a\xc0\xafb`", 3 } } do
      local toks, msg, pos = lexer.tokenize(c[1])
      assert.is_nil(toks)
      assert.truthy(msg:find("invalid UTF-8", 1, true), msg)
      assert.truthy(msg:find("offset " .. c[2], 1, true), msg)
      assert.equal(c[2], pos)
    end
  end)

  it("lets a character the grammar has no use for through as 'other' (a context key may hold it)", function()
    local toks = assert(lexer.tokenize("a # b"))
    assert.same({ "name", "other", "name" }, { toks[1].type, toks[2].type, toks[3].type })
  end)
end)
