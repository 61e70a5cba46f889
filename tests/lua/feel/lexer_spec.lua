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
    { "1e3", "exponent", 2 }, { '"open', "unterminated string", 1 }, { "a ! b", "!", 3 },
    { "/* never closed", "unterminated comment", 1 }, { '"\\ud800"', "surrogate", 2 }, { "a # b", "#", 3 },
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
    for _, w in ipairs { "", "1a", "a b", "a-b", "a.b", "(" } do assert.is_false(lexer.is_name(w), w) end
  end)
end)
