-- luaforce.chain.value: a step's arguments as Camunda's fields take them
-- (=FEEL, a Lua function, literal(), a fields table, anything else as it
-- is), how each resolves for an item and what null means, and which
-- arguments can become composite references (@{ref.path}, indexes from 0).
local value = require "luaforce.chain.value"
local json = require "luaforce.json"

local function resolve(v, item, fields)
  return value.resolve(value.prepare(v, "step 2 (update) id", fields), item or {}, {})
end

describe("chain.value", function()
  describe("arguments", function()
    it("=expr is FEEL over the item; other strings are literal", function()
      assert.equal(5, resolve("=a + 2", { a = 3 }))
      assert.equal(5, resolve("  = a + 2", { a = 3 })) -- leading blanks before '='
      assert.equal("a + 2", resolve("a + 2", { a = 3 }))
      assert.equal("x=1", resolve("x=1"))
    end)

    it("literal() keeps a string that starts with '=' as it is", function()
      assert.equal("=a + 2", resolve(value.literal("=a + 2"), { a = 3 }))
      assert.same({ 1, 2 }, resolve(value.literal({ 1, 2 })))
    end)

    it("a function gets the item and gives the value; nil is null", function()
      assert.equal("001", resolve(function(item) return item.id end, { id = "001" }))
      assert.equal(json.null, resolve(function() return nil end))
    end)

    it("numbers, booleans and plain tables are themselves", function()
      assert.equal(42, resolve(42))
      assert.equal(false, resolve(false))
      local t = { "=not evaluated" }
      assert.equal(t, resolve(t))
    end)

    it("a FEEL syntax error raises when the step is added, naming the argument", function()
      local ok, e = pcall(value.prepare, "=a +", "step 2 (update) id")
      assert.is_false(ok)
      assert.equal(2, e.exit)
      assert.matches("^step 2 %(update%) id: syntax error at line 1, column 5", e.message)
    end)

    it("a function that raises is the script's error (exit 5) naming the argument, not a crash", function()
      local v, err = resolve(function() error("boom", 0) end)
      assert.is_nil(v)
      assert.equal("SCRIPT_ERROR", err.code)
      assert.equal(5, err.exit)
      assert.equal("step 2 (update) id: the function raised: boom", err.message)
    end)

    it("a FEEL evaluation that fails names the expression", function()
      local v, err = resolve("=assert(1, false)")
      assert.is_nil(v)
      assert.equal("INVALID_INPUT", err.code)
      assert.matches("step 2 (update) id: =assert(1, false) fails: ", err.message, 1, true)
    end)
  end)

  describe("null", function()
    it("a missing name is null with FEEL's reason, as in Camunda", function()
      local v, why = resolve("=missing.x")
      assert.equal(json.null, v)
      assert.matches("no variable found with name 'missing'", why, 1, true)
    end)

    it("FEEL's null for a bad operation comes with its warning", function()
      local v, why = resolve("=1 / 0")
      assert.equal(json.null, v)
      assert.equal("division by zero", why)
    end)

    it("a fields table keeps a null field as null (a field cleared), not left out", function()
      local v = resolve({ Name = "=n", Phone = "=phone", Kind = value.literal("=k"), Rank = 5 }, { n = "Acme" }, true)
      assert.equal('{"Kind":"=k","Name":"Acme","Phone":null,"Rank":5}', json.encode(v))
    end)
  end)

  describe("fields tables", function()
    it("work out each entry on its own, in name order", function()
      local v = resolve({ B = "=b", A = function(it) return it.a * 2 end }, { a = 2, b = "x" }, true)
      assert.same({ "A", "B" }, json.keys(v))
      assert.equal(4, v.A)
      assert.equal("x", v.B)
    end)

    it("name the entry whose argument fails", function()
      local v, err = resolve({ Name = function() error("no", 0) end }, {}, true)
      assert.is_nil(v)
      assert.equal("step 2 (update) id.Name: the function raised: no", err.message)
    end)

    it("refuse field names that are not strings", function()
      local ok, e = pcall(value.prepare, { [1] = "x" }, "step 3 (create) fields", true)
      assert.is_false(ok)
      assert.equal("step 3 (create) fields: field names must be strings", e.message)
    end)

    it("are only tables of fields where the step says so", function()
      local spec = value.prepare({ Name = "=n" }, "x")
      assert.equal("literal", spec.kind)
    end)
  end)

  describe("depends", function()
    local names = { acct = true }
    local rows = {
      { "=acct.body.id", true },
      { "=upper(acct.body.Name)", true },
      { "=other.id", false },
      { "acct.body.id", false }, -- a literal reads nothing
      { value.literal("=acct.body.id"), false },
      { function() end, true }, -- Lua: anything
    }
    for i, row in ipairs(rows) do
      it(("row %d: %s"):format(i, type(row[1]) == "string" and row[1] or type(row[1])), function()
        assert.equal(row[2], value.depends(value.prepare(row[1], "a"), names))
      end)
    end

    it("a fields table depends when any entry does", function()
      assert.is_true(value.depends(value.prepare({ X = 1, Y = "=acct.id" }, "f", true), names))
      assert.is_false(value.depends(value.prepare({ X = 1, Y = "=other" }, "f", true), names))
    end)
  end)

  describe("reference", function()
    -- acct: a response object (only its body reaches a reference);
    -- contact: a result expression entry bound to body.id; recs: to body.records
    local bound = {
      acct = { ref = "s1_1", body = true },
      contact = { ref = "s2_1", prefix = { "id" } },
      recs = { ref = "s3_1", prefix = { "records" } },
    }
    local rows = {
      -- plain paths become references, FEEL's 1-based indexes 0-based
      { "=acct.body.id", "@{s1_1.id}" },
      { "=acct.body.records[1].Id", "@{s1_1.records[0].Id}" },
      { "=acct.body.records[3]", "@{s1_1.records[2]}" },
      { "=contact", "@{s2_1.id}" },
      { "=recs[2].Id", "@{s3_1.records[1].Id}" },
      -- anything computed, or outside a body, is worked out here
      { "=acct.status", nil },
      { "=acct", nil },
      { "=acct.body.items[-1].Id", nil },
      { "=upper(acct.body.id)", nil },
      { "=acct.body.id + \"x\"", nil },
      { "=acct.body[\"a b\"]", nil },
      { "=other.id", nil },
      { "acct.body.id", nil },
    }
    for _, row in ipairs(rows) do
      it(("%s -> %s"):format(row[1], row[2] or "no reference"), function()
        local r = value.reference(value.prepare(row[1], "a"), bound)
        if row[2] then
          assert.is_true(value.is_ref(r))
          assert.equal(row[2], value.ref_text(r))
          assert.equal(row[2], tostring(r))
        else
          assert.is_nil(r)
        end
      end)
    end

    it("a Lua function is never a reference", function()
      assert.is_nil(value.reference(value.prepare(function(it) return it.acct.body.id end, "a"), bound))
    end)

    it("is no plain value: is_ref tells them apart", function()
      assert.is_false(value.is_ref("@{s1_1.id}"))
      assert.is_false(value.is_ref({ ref = "s1_1", path = { "id" } }))
    end)
  end)
end)
