-- luaforce.feel's public face: compile, eval, the cache, syntax errors with
-- their caret, warnings, the sandbox, and speed on a real-sized query page.
local feel = require "luaforce.feel"
local json = require "luaforce.json"
local rows = require "feel.rows"

describe("luaforce.feel", function()
  it("compiles once and evaluates against many contexts", function()
    local c = assert(feel.compile("a + b"))
    assert.equal(3, (c:eval { a = 1, b = 2 }))
    assert.equal(30, (c:eval { a = 10, b = 20 }))
    local v, w = c:eval()
    assert.is_nil(v)
    assert.equal(2, #w)
  end)

  it("prints a warnings list as its warnings, a line each", function()
    local _, warnings = feel.eval("x + x", {})
    assert.equal("warning: line 1, column 1: no variable found with name 'x' (NO_VARIABLE_FOUND)\n"
      .. "warning: line 1, column 5: no variable found with name 'x' (NO_VARIABLE_FOUND)", tostring(warnings))
    local _, none = feel.eval("1", {})
    assert.equal("(no warnings)", tostring(none))
    -- a repeated warning counts instead of repeating
    _, warnings = feel.eval("for i in [1, 2, 3] return y", {})
    assert.equal("warning: line 1, column 27: no variable found with name 'y' (NO_VARIABLE_FOUND)\n"
      .. "warning: ... and 2 more like it\n", feel.warnings_text(warnings))
  end)

  it("accepts a leading = as connector templates write it", function()
    assert.equal(3, (feel.eval("= 1 + 2")))
    assert.equal(3, (feel.eval("  =1 + 2")))
    local _, err = feel.eval("= 1 +")
    assert.equal(1, err.line)
    assert.equal(6, err.column)
  end)

  it("gives whole results as Lua integers, others losslessly", function()
    assert.equal("integer", math.type((feel.eval("4 / 2"))))
    assert.equal("integer", math.type((feel.eval("decimal(2.5, 0)"))))
    assert.equal(0.3, feel.eval("0.1 + 0.2"))
    local third = feel.eval("1 / 3")
    assert.is_true(require("luaforce.decimal").is(third))
    assert.equal("0.3333333333333333333333333333333333", tostring(third))
    assert.equal("1000000000000000000000000000001", tostring((feel.eval("10 ** 30 + 1"))))
    local exact = feel.eval("0.1 + 0.2", nil, { exact = true })
    assert.equal("0.3", tostring(exact))
  end)

  it("returns null as nil at the top and json.null inside", function()
    assert.is_nil((feel.eval("null")))
    local v = feel.eval("[null, {a: null}]")
    assert.equal(json.null, v[1])
    assert.equal(json.null, v[2].a)
    assert.equal('[null,{"a":null}]', json.encode(v))
  end)

  describe("syntax errors", function()
    local cases = {
      { "1 +", 1, 4, "1 +\n   ^", "ends too early" },
      { "{a: 1, b 2}", 1, 11, "{a: 1, b 2}\n          ^", "expected ':' after the key 'b 2'" },
      { "a ! b", 1, 3, "a ! b\n  ^", "unexpected character '!' (write != or not(x))" },
      { "a # b", 1, 3, "a # b\n  ^", "unexpected character '#'" },
      { '"é a\xffb" + 1', 1, 5, '"é a?b" + 1\n    ^', "invalid UTF-8: byte 0xFF at offset 6" },
      { "for", 1, 4, "for\n   ^", "ends too early" },
      { "if x > 1\nthen 1\nelze 2", 3, 1, "elze 2\n^", "expected 'else'" },
      { "count(1e3)", 1, 8, "count(1e3)\n       ^", "exponent" },
      { '"café" = @', 1, 11, '"café" = @\n          ^', "expected a string after '@'" },
      { "", 1, 1, "\n^", "empty" },
      -- a long line shows a window of 100 characters around the caret
      { string.rep("x + ", 50) .. ")", 1, 201,
        "..." .. (string.rep("x + ", 50) .. ")"):sub(102) .. "\n" .. string.rep(" ", 102) .. "^", "unexpected ')'" },
      { "1 2" .. string.rep(" + x", 50), 1, 3, ("1 2" .. string.rep(" + x", 50)):sub(1, 100) .. "...\n  ^",
        "after a complete expression" },
    }
    for _, c in ipairs(cases) do
      it(("%q"):format(c[1]), function()
        local compiled, err = feel.compile(c[1])
        assert.is_nil(compiled)
        assert.equal("syntax", err.kind)
        assert.equal("FEEL_SYNTAX", err.code)
        assert.equal(2, err.exit)
        assert.same({ c[2], c[3] }, { err.line, err.column })
        assert.equal(c[4], err.excerpt)
        assert.truthy(err.message:find(c[5], 1, true), err.message)
        assert.truthy(tostring(err):find("line " .. c[2] .. ", column " .. c[3], 1, true))
      end)
    end
  end)

  it("reports warnings with type, message and position", function()
    local v, w = feel.eval("{a: 1}.b + x", {})
    assert.is_nil(v)
    assert.equal("NO_CONTEXT_ENTRY_FOUND", w[1].type)
    assert.same({ line = 1, column = 7, offset = 7 }, w[1].position)
    assert.equal("NO_VARIABLE_FOUND", w[2].type)
    assert.equal(12, w[2].position.column)
    assert.matches("'x'", w[2].message)
    _, w = feel.eval('upper case(5)')
    assert.equal("FUNCTION_INVOCATION_FAILURE", w[1].type)
    assert.equal(1, w[1].position.column)
  end)

  it("ends the evaluation on a failed assert, as Camunda does", function()
    local v, w, failure = feel.eval('assert(x, x > 0, "x must be positive")', { x = -1 })
    assert.is_nil(v)
    assert.equal("ASSERT_FAILURE", failure.type)
    assert.equal("x must be positive", failure.message)
    assert.equal(failure, w[#w])
    assert.equal(5, (feel.eval("assert(x, x > 0)", { x = 5 })))
  end)

  it("caches compiled expressions by text", function()
    local a = feel.compiled("1 + 41")
    assert.equal(a, feel.compiled("1 + 41"))
    assert.equal(42, (feel.eval("1 + 41")))
  end)

  it("calls Lua functions the caller puts in the context", function()
    local v = feel.eval("twice(21) + 0", { twice = function(x) return x * 2 end })
    assert.equal(42, v)
  end)

  describe("sandbox: expressions reach only their context and the builtins", function()
    local reach = { "os", "io", "_G", "require", "load", "debug", "package", "string", "print" }
    for _, name in ipairs(reach) do
      it(name .. " is nothing", function()
        local v, w = feel.eval(name, {})
        if name == "string" then
          -- the FEEL builtin string(), not Lua's string library
          assert.equal("function", feel.values.kind(v))
          assert.is_true(v.builtin)
        else
          assert.is_nil(v)
          assert.equal("NO_VARIABLE_FOUND", w[1].type)
        end
      end)
    end
    it("cannot call os.execute or io.open by name", function()
      for _, e in ipairs { 'os.execute("true")', 'io.open("/etc/passwd")', 'require("os")', 'load("return 1")()' } do
        local v, w = feel.eval(e, {})
        assert.is_nil(v)
        assert.is_true(#w >= 1, e)
      end
    end)
    it("cannot reach metatables or string methods through paths", function()
      assert.is_nil((feel.eval('"abc".len')))
      assert.is_nil((feel.eval('body.__jsonkeys', rows.query_response())))
      local leaky = setmetatable({ a = 1 }, { __index = _G })
      assert.is_nil((feel.eval('x.os', { x = leaky })))
      assert.is_nil((feel.eval('x.print("hi")', { x = leaky })))
      assert.is_nil((feel.eval('os', leaky)))
    end)
  end)

  it("maps a 2,000-record page in a few ms per 1,000 records", function()
    local records = {}
    for i = 1, 2000 do
      records[i] = json.object({ Id = ("001%015d"):format(i), Name = "Account " .. i, Amount = i * 10 + 0.5,
        Active = i % 3 ~= 0, Industry = i % 2 == 0 and "Energy" or json.null }, { "Id", "Name", "Amount", "Active", "Industry" })
    end
    local response = { status = 200, body = json.object({ totalSize = 2000, done = true, records = json.array(records) }) }
    local expr = assert(feel.compile([[= {
      ids: for r in body.records return r.Id,
      rows: for r in body.records return {id: r.Id, label: r.Name + " (" + string(r.Amount) + ")", energy: r.Industry = "Energy"},
      active: count(body.records[Active]),
      total: sum(body.records[Amount > 100].Amount),
      done: body.done
    }]]))
    local v = expr:eval(response)
    assert.equal(2000, #v.ids)
    assert.equal("Account 7 (70.5)", v.rows[7].label)
    assert.equal(1334, v.active)
    -- its speed is measured by scripts/bench feel, not here
  end)
end)
