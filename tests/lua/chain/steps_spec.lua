-- luaforce.chain.steps: steps checked when they are added (each message
-- names the step), and worked out per item into the call they make; a bad
-- name or id is the 400 Salesforce would answer, before anything is sent.
local chain = require "luaforce.chain"
local steps = require "luaforce.chain.steps"
local value = require "luaforce.chain.value"
local json = require "luaforce.json"
local local_org = require "support.local_org"

local ID = "001000000000001AAA"

local function refused(index, op, ...)
  local ok, e = pcall(steps.new, index, op, ...)
  assert.is_false(ok, "the step was taken")
  assert.equal(2, e.exit)
  return e.message
end

describe("chain.steps", function()
  describe("checked when added", function()
    local rows = {
      { 2, "update", { "Account" }, "step 2 (update): the record id is missing" },
      { 3, "get", { "Account" }, "step 3 (get): the record id is missing" },
      { 2, "delete", { "Account", "=id", "x" }, "step 2 (delete): options must be a table" },
      { 2, "get", { "Account", "=id", { fields = "" } }, "step 2 (get): fields names no field" },
      { 2, "get", { "Account", "=id", { fields = { "Name", 3 } } }, "step 2 (get): fields[2] must be a string" },
      { 2, "create", { "Account", 5 }, "step 2 (create): the fields must be a table, an =expression or a function, not a number" },
      { 2, "create", { 7, {} }, "step 2 (create): the object must be a name, an =expression or a function, not a number" },
      { 2, "create", { "Account", {}, { external_id = 3 } }, "step 2 (create): external_id must be a string, not a number" },
      { 2, "create", { "Account", {}, { retries = -1 } }, "step 2 (create): retries must be a whole number >= 0" },
      { 2, "create", { "Account", {}, { retries = 1.5 } }, "step 2 (create): retries must be a whole number >= 0" },
      { 2, "create", { "Account", {}, { result_variable = "a b" } }, "step 2 (create): result_variable 'a b' must be a plain name" },
      { 4, "update", { "Account", "=id", {}, { retrys = 2 } }, "step 4 (update): unknown option 'retrys' (did you mean 'retries'?)" },
      { 2, "create", { "Account", {}, { external_id = "X", all = true } }, "step 2 (create): unknown option 'all'" },
      { 2, "upsert", { "Account", "Bad Name", "=x", {} }, "step 2 (upsert): the external id field must be a field API name such as Ext_Id__c" },
      { 2, "upsert", { "Account", "Ext__c", nil, {} }, "step 2 (upsert): the external id value is missing" },
      { 1, "query", {}, "step 1 (query): the query is missing" },
      { 1, "query", { 5 }, "step 1 (query): the query must be SOQL text, a luaforce.soql query, an =expression or a function" },
      { 2, "map", { "not an expression" }, "step 2 (map): give an =expression or a function of the item" },
      { 2, "filter", {}, "step 2 (filter): give an =expression or a function of the item" },
      { 2, "each", { "=x" }, "step 2 (each): give a function of the item" },
      { 2, "collect", { "a b" }, "step 2 (collect): the name must be a plain name such as records" },
      { 2, "create", { "Account", { [1] = "x" } }, "step 2 (create) fields: field names must be strings" },
    }
    for _, row in ipairs(rows) do
      it(row[4], function()
        assert.equal(row[4], refused(row[1], row[2], table.unpack(row[3], 1, 4)))
      end)
    end

    it("an object name that cannot be one is refused with the reason", function()
      assert.matches("^step 2 %(create%): 'Bad Name' is no object API name %(", refused(2, "create", "Bad Name", {}))
    end)

    it("FEEL syntax errors in arguments and expressions name the step and show where", function()
      assert.matches("^step 2 %(map%): syntax error at line 1, column 6", refused(2, "map", "={a: }"))
      local m = refused(2, "create", "Account", {}, { result_expression = "={a: }" })
      assert.matches("^step 2 %(create%): result_expression: syntax error at line 1, column 6", m)
      assert.matches("\n={a: }\n     %^", m)
      m = refused(3, "update", "Account", "=id", {}, { error_expression = "=bpmnError(" })
      assert.matches("^step 3 %(update%): error_expression: syntax error", m)
      assert.matches("^step 2 %(update%) fields%.Name: syntax error", refused(2, "update", "Account", "=id",
        { Name = "=1 +" }))
    end)

    it("a chain's step methods raise the same message, counting steps from 1", function()
      local ok, e = pcall(function()
        return chain({ call = function() end }):from({}):map("=x"):update("Account")
      end)
      assert.is_false(ok)
      assert.equal("step 3 (update): the record id is missing", e.message)
      ok, e = pcall(function() return chain({ call = function() end }):map("=x"):from({}) end)
      assert.equal("step 2 (from): a chain's items come first", e.message)
    end)

    it("retries default to 3; get's fields are split on commas", function()
      local s = steps.new(2, "get", "Account", "=id", { fields = "Name, Owner.Name,Industry" })
      assert.equal(3, s.retries)
      assert.same({ "Name", "Owner.Name", "Industry" }, s.get_fields)
      assert.equal(0, steps.new(2, "update", "Account", "=id", {}, { retries = 0 }).retries)
    end)

    it("describe says what a step does, for plans and reports", function()
      assert.equal("update Opportunity =id {Name, StageName}",
        steps.describe(steps.new(3, "update", "Opportunity", "=id", { StageName = "x", Name = "=n" })))
      assert.equal("get Account =account (Name,OwnerId)",
        steps.describe(steps.new(2, "get", "Account", "=account", { fields = "Name,OwnerId" })))
      assert.equal("map (function)", steps.describe(steps.new(2, "map", function() end)))
      assert.equal("collect items", steps.describe(steps.new(2, "collect")))
      assert.equal("query SELECT Id FROM Account", steps.describe(steps.new(1, "query", "SELECT Id FROM Account")))
    end)
  end)

  describe("per item", function()
    local update = steps.new(2, "update", "=obj", "=id", { Name = "=n" })

    it("resolves the call: object, id and fields", function()
      local c = assert(steps.call(update, { obj = "Account", id = ID, n = "Acme" }, {}))
      assert.equal("update", c.op)
      assert.equal("Account", c.object)
      assert.equal(ID, c.id)
      assert.equal('{"Name":"Acme"}', json.encode(c.fields))
      assert.is_false(steps.has_ref(c))
    end)

    local function refused_call(s, item)
      local c, err = steps.call(s, item, {})
      assert.is_nil(c)
      assert.equal(2, err.exit)
      return err
    end

    it("a bad object name is Salesforce's 400 INVALID_TYPE, checked before sending", function()
      local err = refused_call(update, { obj = "Bad Obj", id = ID, n = "x" })
      assert.equal("INVALID_TYPE", err.error_code)
      assert.equal("400", err.code) -- as the connector names an HTTP 400
      assert.matches("(checked before sending: nothing was sent)", tostring(err), 1, true)
    end)

    it("a bad id is 400 MALFORMED_ID; a number is read as text", function()
      local err = refused_call(update, { obj = "Account", id = "bad", n = "x" })
      assert.equal("MALFORMED_ID", err.error_code)
      assert.matches("'bad' is no record id: an id has 15 or 18 characters, not 3", err.message, 1, true)
      err = refused_call(update, { obj = "Account", id = 12, n = "x" })
      assert.matches("'12' is no record id", err.message, 1, true)
    end)

    it("a null id names the step and FEEL's reason", function()
      local err = refused_call(update, { obj = "Account", n = "x" })
      assert.equal("INVALID_INPUT", err.code)
      assert.equal("step 2 (update): the record id is null (no variable found with name 'id')", err.message)
      err = refused_call(update, { obj = "Account", id = json.null, n = "x" })
      assert.equal("step 2 (update): the record id is null", err.message)
      err = refused_call(update, { obj = "Account", id = true })
      assert.equal("step 2 (update): the record id must be text, not boolean", err.message)
    end)

    it("fields an expression gives must be a context with field names", function()
      local s = steps.new(2, "update", "Account", "=id", "=f")
      local err = refused_call(s, { id = ID, f = json.null })
      assert.equal("step 2 (update): the fields must be a context of field names and values, not null", err.message)
      err = refused_call(s, { id = ID, f = { ["Bad Name"] = 1 } })
      assert.equal("INVALID_FIELD", err.error_code)
    end)

    it("an upsert's external id value must not be empty", function()
      local s = steps.new(2, "upsert", "Invoice__c", "External_Id__c", "=v", { Status__c = "Sent" })
      local err = refused_call(s, { v = "" })
      assert.equal("MISSING_ARGUMENT", err.error_code)
      local c = assert(steps.call(s, { v = 12 }, {}))
      assert.equal("12", c.value)
      assert.equal("External_Id__c", c.ext_field)
    end)

    it("a create keyed by external_id needs the record's value for it", function()
      local s = steps.new(2, "create", "Invoice__c", { External_Id__c = "=x" }, { external_id = "External_Id__c" })
      local err = refused_call(s, {})
      assert.equal("step 2 (create): external_id names External_Id__c, but the record has no value for it", err.message)
      assert.equal("External_Id__c", assert(steps.call(s, { x = "INV-1" }, {})).external_id)
    end)

    it("arguments that are plain paths into a bound name become references", function()
      local s = steps.new(2, "update", "Account", "=acct.body.id", { Name = "=acct.body.Name", Site = "=site" })
      local c = assert(steps.call(s, { site = "here" }, {}, { acct = { ref = "s1_7", body = true } }))
      assert.equal("@{s1_7.id}", tostring(c.id))
      assert.equal("@{s1_7.Name}", tostring(c.fields.Name))
      assert.equal("here", c.fields.Site)
      assert.is_true(steps.has_ref(c))
      assert.is_true(value.is_ref(c.id))
    end)
  end)

  describe("in a run", function()
    local emu, org
    setup(function() emu, org = local_org.start { empty = true } end)
    teardown(function() emu:stop() end)

    it("an item whose call is refused fails there, and nothing of it is sent", function()
      local before = emu:stats().api_requests
      local rep = chain(org):from { { id = "bad" }, { id = json.null } }
        :update("Account", "=id", { Name = "x" })
        :run { print = false }
      assert.equal(2, rep.counts.failed)
      assert.equal(0, emu:stats().api_requests - before)
      assert.equal(0, rep.requests)
      assert.equal(2, rep.exit)
      assert.equal("MALFORMED_ID", rep.items[1].error.error_code)
    end)
  end)
end)
