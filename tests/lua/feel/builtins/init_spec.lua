-- The builtin wrapper: variants by arity and by names, type checks, adding
-- a category later, including a value kind, and the door for new functions
-- (builtins.register, which is feel.register).
local feel = require "luaforce.feel"
local builtins = require "luaforce.feel.builtins"
local values = require "luaforce.feel.kinds"
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"

describe("luaforce.feel.builtins", function()
  it("declares every builtin with its parameter names", function()
    assert.same({ "string", "start position" }, builtins.functions["substring"].params)
    assert.same({ "list", "position", "newItem" }, builtins.functions["insert before"].params)
    for _, name in ipairs { "string join", "get or else", "round half up", "context put", "from base64", "is blank" } do
      assert.is_true(builtins.names[name], name)
    end
  end)

  it("says which variants exist when none fits", function()
    local v, w = feel.eval('substring("a")')
    assert.is_nil(v)
    assert.matches("substring%(string, start position%) or substring%(string, start position, length%)", w[1].message)
    _, w = feel.eval('upper case(string: 1)')
    assert.matches("'string' must be a string, not number 1", w[1].message)
  end)

  it("takes a category added later, with new kinds and multi-word names", function()
    local MT = { __feelkind = "days and time duration" }
    local function dur(s) return setmetatable({ seconds = s }, MT) end
    local real = values.kinds["days and time duration"]
    values.kinds["days and time duration"] = {
      equal = function(a, b) return a.seconds == b.seconds end,
      compare = function(a, b) return a.seconds < b.seconds and -1 or (a.seconds > b.seconds and 1 or 0) end,
      tostring = function(a) return "PT" .. a.seconds .. "S" end,
      property = function(a, key) if key == "seconds" then return a.seconds end end,
      tolua = function(a) return "PT" .. a.seconds .. "S" end,
    }
    builtins.add_category(function(def)
      def("test seconds of duration", { "seconds: number" }, function(s) return dur(s) end)
    end)
    finally(function()
      values.kinds["days and time duration"] = real
      builtins.functions["test seconds of duration"] = nil
    end)
    assert.equal("PT5S", (feel.eval("test seconds of duration(5)")))
    assert.equal(5, (feel.eval("test seconds of duration(5).seconds")))
    assert.is_true((feel.eval("test seconds of duration(5) < test seconds of duration(7)")))
    assert.is_true((feel.eval("test seconds of duration(5) instance of days and time duration")))
    assert.equal("PT5S", (feel.eval("string(test seconds of duration(5))")))
  end)

  describe("register (feel.register)", function()
    it("is feel.register", function()
      assert.equal(builtins.register, feel.register)
    end)

    it("adds a function expressions call by its name, with spaces, positionally or by name", function()
      feel.register("risk score", { "amount: number", "stage: string?" }, function(amount, stage)
        if stage == "Closed Lost" then return 0 end
        return decimal.mul(amount, 2)
      end)
      assert.equal(2000, (feel.eval("risk score(1000, null)")))
      assert.equal(0, (feel.eval('risk score(stage: "Closed Lost", amount: 5)')))
      assert.equal("0.30", tostring((feel.eval("risk score(0.15, null)", nil, { exact = true }))))
      assert.is_true(builtins.names["risk score"])
      assert.equal("function", values.kind((feel.eval("risk score"))))
    end)

    it("checks the arguments: a wrong one is null and a warning naming the parameter", function()
      feel.register("twice of text", { "text: string" }, function(s) return s .. s end)
      local v, w = feel.eval("twice of text(1)")
      assert.is_nil(v)
      assert.equal("FUNCTION_INVOCATION_FAILURE", w[1].type)
      assert.equal("twice of text: 'text' must be a string, not number 1", w[1].message)
      v, w = feel.eval("twice of text(null)")
      assert.is_nil(v)
      assert.matches("'text' must be a string, not null", w[1].message)
      v, w = feel.eval('twice of text("a", "b")')
      assert.is_nil(v)
      assert.matches("takes twice of text%(text%), not 2 arguments", w[1].message)
      assert.equal("abab", (feel.eval('twice of text("ab")')))
    end)

    it("turns `nil, message` into null and a warning with the call's position", function()
      feel.register("must be even", { "n: number" }, function(n)
        if n % 2 ~= 0 then return nil, ("%d is odd"):format(n) end
        return n
      end)
      local v, w = feel.eval("1 + must be even(3)")
      assert.is_nil(v)
      assert.equal("must be even: 3 is odd", w[1].message)
      assert.equal(5, w[1].position.column)
    end)

    it("hands over FEEL values as they are, and takes them back", function()
      local got
      feel.register("inspect values", { "items...: any" }, function(...)
        got = table.pack(...)
        return json.object({ n = got.n, list = json.array { 1, json.null } }, { "n", "list" })
      end)
      local v = feel.eval('inspect values(1.5, [1, null], {a: null}, @"2024-01-31", null, "x", true)')
      assert.equal('{"n":7,"list":[1,null]}', json.encode(v))
      assert.is_true(decimal.is(got[1]))
      assert.equal("list", values.kind(got[2]))
      assert.equal(json.null, got[2][2])
      assert.equal("context", values.kind(got[3]))
      assert.equal(json.null, got[3].a)
      assert.equal("date", values.kind(got[4]))
      assert.equal("2024-01-31", values.tostring(got[4]))
      assert.is_nil(got[5])
      assert.equal("x", got[6])
      assert.is_true(got[7])
    end)

    it("chooses variants by argument count; a fixed count wins over varargs", function()
      feel.register("pick", { "a: any" }, function() return "one" end)
      feel.register("pick", { "a: any", "b: any" }, function() return "two" end)
      feel.register("pick", { "items...: any" }, function(...) return select("#", ...) end)
      assert.equal("one", (feel.eval("pick(1)")))
      assert.equal("two", (feel.eval("pick(1, 2)")))
      assert.equal(3, (feel.eval("pick(1, 2, 3)")))
      assert.equal(0, (feel.eval("pick()")))
    end)

    it("refuses a second function for an arity, naming the one there, unless told to replace it", function()
      local first = function() return 1 end
      feel.register("only once", { "x: number" }, first)
      local ok, err = pcall(feel.register, "only once", { "y: number" }, function() return 2 end)
      assert.is_false(ok)
      assert.equal("'only once' already takes 1 argument: only once(x) (pass {replace = true} to replace it)",
        err:gsub("^.-:%d+: ", ""))
      ok, err = pcall(feel.register, "only once", { "x: number" }, first)
      assert.is_false(ok, "the same signature again")
      assert.equal(1, (feel.eval("only once(5)")))
      feel.register("only once", { "y: number" }, function(y) return y * 10 end, { replace = true })
      assert.equal(50, (feel.eval("only once(5)")))
      assert.equal(50, (feel.eval("only once(y: 5)")))
      assert.same({ "y" }, builtins.functions["only once"].params)
      ok, err = pcall(feel.register, "count", { "list: list" }, function() return 0 end)
      assert.is_false(ok, "builtins are defended the same way")
      assert.truthy(err:find("count(list)", 1, true), err)
      feel.register("varargs twice", { "xs...: any" }, first)
      ok, err = pcall(feel.register, "varargs twice", { "a: any", "xs...: any" }, function() end)
      assert.is_false(ok, "one varargs variant per name")
      assert.truthy(err:find("0 or more arguments: varargs twice(xs...)", 1, true), err)
    end)

    it("lets variants of one arity rename the parameters of the same function, for named calls", function()
      local function area(a, b) return a * b end
      feel.register("area", { "width: number", "height: number" }, area)
      feel.register("area", { "side: number", "other side: number" }, area)
      assert.equal(6, (feel.eval("area(2, 3)")))
      assert.equal(6, (feel.eval("area(height: 3, width: 2)")))
      assert.equal(6, (feel.eval("area(side: 2, other side: 3)")))
    end)

    it("raises for bad arguments, naming the argument", function()
      local f = function() end
      local cases = {
        { { 1, {}, f }, "bad argument #1 to 'register' (a function name expected, got number)" },
        { { "2fast", {}, f }, "bad argument #1 to 'register' ('2fast' cannot be called from FEEL: '2fast' is not a FEEL name)" },
        { { "if clause", {}, f }, "'if' is a keyword" },
        { { "two  spaces", {}, f }, "words are separated by one space" },
        { { "a-b", {}, f }, "'a-b' is not a FEEL name" },
        { { "", {}, f }, "the name is empty" },
        { { "ok", "x: number", f }, 'bad argument #2 to \'register\' (a list of parameters such as {"text: string"} expected, got string)' },
        { { "ok", { "x: numbr" }, f }, "bad argument #2 to 'register' (parameter 1 'x: numbr': unknown type 'numbr')" },
        { { "ok", { "xs...: any", "y: any" }, f }, "only the last parameter takes '...'" },
        { { "ok", { "x: any", "x: number" }, f }, "the name 'x' is taken" },
        { { "ok", { 7 }, f }, "parameter 1 must be a \"name: type\" text, not number" },
        { { "ok", { a = "x: any" }, f }, "the parameters must be a list" },
        { { "ok", {}, "f" }, "bad argument #3 to 'register' (a function expected, got string)" },
        { { "ok", {}, f, { force = true } }, "bad argument #4 to 'register' (unknown option 'force')" },
        { { "ok", {}, f, true }, "bad argument #4 to 'register' (an options table expected, got boolean)" },
      }
      for _, c in ipairs(cases) do
        local ok, err = pcall(feel.register, table.unpack(c[1], 1, 4))
        assert.is_false(ok, c[2])
        assert.truthy(err:find(c[2], 1, true), err)
      end
      assert.is_nil(builtins.functions["ok"], "nothing registered by a refused call")
    end)

    it("takes the types with spaces and null-tolerant types", function()
      feel.register("year of stamp", { "stamp: date and time?" }, function(t)
        if t == nil then return -1 end
        return t.year or tonumber(values.tostring(t):sub(1, 4))
      end)
      assert.equal(2024, (feel.eval('year of stamp(@"2024-01-31T10:00:00Z")')))
      assert.equal(-1, (feel.eval("year of stamp(null)")))
      local v, w = feel.eval('year of stamp(@"2024-01-31")')
      assert.is_nil(v)
      assert.matches("'stamp' must be a date and time, not date", w[1].message)
    end)

    it("holds for the whole process, and the parser follows new names with keywords", function()
      -- compiled and cached before the name exists: `rate and fee(2)` is
      -- `rate and (fee(2))`
      local before = feel.eval("rate and fee(2)", { rate = true })
      assert.is_nil(before)
      feel.register("rate and fee", { "x: number" }, function(x) return x + 1 end)
      assert.equal(3, (feel.eval("rate and fee(2)", { rate = true })))
      assert.equal(3, (assert(feel.compile("rate and fee(2)")):eval {}))
    end)

    it("runs the function under the evaluation's budget", function()
      feel.register("apply many", { "f: function", "times: number" }, function(f, times)
        local last
        for i = 1, times do last = values.call(f, i) end
        return last
      end)
      assert.equal(10, (feel.eval("apply many(function(x) x * 2, 5)")))
      local v, w, failure = feel.eval("apply many(function(x) x, 100000)", {}, { max_steps = 1000 })
      assert.is_nil(v)
      assert.equal("budget", failure.kind)
      assert.equal(failure, w[#w])
    end)

    it("ends the evaluation when the function raises", function()
      feel.register("broken", {}, function() error("out of order", 0) end)
      local v, w, failure = feel.eval("1 + broken()")
      assert.is_nil(v)
      assert.equal("EVALUATION_FAILURE", failure.type)
      assert.equal("out of order", failure.message)
      assert.equal(failure, w[#w])
    end)
  end)
end)
