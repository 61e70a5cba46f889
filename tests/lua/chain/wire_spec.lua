-- luaforce.chain.wire against the local org: what goes over the wire for a
-- group, and all_or_none's promise when an item cannot be sent: no write
-- of the request goes (the others fail NOT_SENT), whatever form it takes.
local chain = require "luaforce.chain"
local json = require "luaforce.json"
local local_org = require "support.local_org"

describe("chain.wire", function()
  local emu, org
  setup(function() emu, org = local_org.start { empty = true } end)
  teardown(function() emu:stop() end)
  before_each(function() emu:reset() end)

  local function count(soql) return assert(org:query(soql)).body.totalSize end
  local function requests() return emu:stats().api_requests end

  local function states(rep)
    local out = {}
    for _, it in ipairs(rep.items) do out[it.key] = it.state end
    return out
  end

  describe("all_or_none", function()
    it("an item that fails before the writes: none is written", function()
      local before = requests()
      local rep = chain(org):from { { n = "A" }, { n = json.null } }
        :map(function(it) assert(it.n ~= json.null, "no name") return it end)
        :create("Account", { Name = "=n" })
        :run { all_or_none = true, print = false }
      assert.equal(0, requests() - before)
      assert.equal(0, count("SELECT COUNT() FROM Account"))
      assert.same({ ["1"] = "failed", ["2"] = "failed" }, states(rep))
      local held = rep.items[2]
      assert.equal("1", held.key)
      assert.equal("NOT_SENT", held.error.code)
      assert.matches("not sent (all_or_none): item 2 failed at step 2 (map): SCRIPT_ERROR", held.error.message, 1, true)
      -- nothing was done: the first failure's code (the script's function raised)
      assert.equal(5, rep.exit)
    end)

    it("one record's call cannot be made (sObject Collections): none is sent", function()
      local before = requests()
      local rep = chain(org):from { { n = "A" }, { n = "B", id = "bad" } }
        :update("Account", "=id", { Name = "=n" })
        :run { all_or_none = true, print = false }
      assert.equal(0, requests() - before)
      assert.equal(2, rep.counts.failed)
      local by = {}
      for _, it in ipairs(rep.items) do by[it.key] = it end
      assert.equal("step 2 (update): the record id is null (no variable found with name 'id')", by["1"].error.message)
      assert.equal("NOT_SENT", by["2"].error.code)
      assert.matches("item 1 failed at step 2 (update)", by["2"].error.message, 1, true)
    end)

    it("one item's later step cannot be made (composite): no subrequest is sent", function()
      local before = requests()
      local rep = chain(org):from { { n = "A", o = "Contact" }, { n = "B", o = "Bad Object" } }
        :create("Account", { Name = "=n" })
        :create("=o", { LastName = "=n", AccountId = "=response.body.id" })
        :run { all_or_none = true, print = false }
      assert.equal(0, requests() - before)
      assert.equal(0, count("SELECT COUNT() FROM Account"))
      assert.equal(2, rep.counts.failed)
      local by = {}
      for _, it in ipairs(rep.items) do by[it.key] = it end
      assert.equal("NOT_SENT", by["1"].error.code)
      assert.equal(2, by["1"].step)
      assert.matches("item 2 failed at step 3 (create): 400 INVALID_TYPE", by["1"].error.message, 1, true)
      assert.equal("INVALID_TYPE", by["2"].error.error_code)
      assert.equal(3, by["2"].step)
    end)

    it("a record of an object the org does not have reads as a single request's error", function()
      local rep = chain(org):from { { n = "A" }, { n = "B" } }
        :create("Acount", { Name = "=n" })
        :run { print = false }
      assert.equal(2, rep.counts.failed)
      for _, it in ipairs(rep.items) do
        assert.equal("INVALID_TYPE", it.error.error_code)
        assert.equal("did you mean Account?", it.error.hint)
        assert.equal(2, it.error.exit)
      end
      assert.equal(2, rep.exit)
      -- a read of an object the org does not have, in one composite request or several
      rep = chain(org):from { { id = "001000000000000AAA" }, { id = "001000000000001AAA" } }
        :get("Acount", "=id")
        :run { print = false }
      for _, it in ipairs(rep.items) do
        assert.equal("did you mean Account?", it.error.hint)
        assert.equal(2, it.error.exit)
      end
    end)

    it("a record Salesforce refuses rolls the request back", function()
      local rep = chain(org):from { { n = "A", last = "Doe" }, { n = "B", last = json.null } }
        :create("Account", { Name = "=n" })
        :create("Contact", { LastName = "=last", AccountId = "=response.body.id" })
        :run { all_or_none = true, print = false }
      assert.equal(2, rep.counts.failed)
      assert.equal(0, count("SELECT COUNT() FROM Account"))
    end)

    it("without all_or_none the others go on (best effort)", function()
      local rep = chain(org):from { { n = "A" }, { n = json.null } }
        :map(function(it) assert(it.n ~= json.null, "no name") return it end)
        :create("Account", { Name = "=n" })
        :run { print = false }
      assert.equal(1, rep.exit)
      assert.equal(1, count("SELECT COUNT() FROM Account"))
    end)

    it("records of several objects in one step cannot roll back together: refused, nothing sent", function()
      local before = requests()
      local rep = chain(org):from { { o = "Account", n = "A" }, { o = "Contact", n = "B" } }
        :create("=o", function(it) return it.o == "Account" and { Name = it.n } or { LastName = it.n } end)
        :run { all_or_none = true, print = false }
      assert.equal(0, requests() - before)
      assert.equal(2, rep.counts.failed)
      assert.equal("NOT_ATOMIC", rep.items[1].error.code)
      assert.matches("several objects (Account, Contact)", rep.items[1].error.message, 1, true)
      assert.equal(2, rep.exit)
    end)
  end)
end)
