-- luaforce.chain.plan: which steps share a request (stages and groups),
-- why a step is cut off into a request of its own, the wire form chosen for
-- n items, and whether all_or_none can hold (one request with allOrNone).
local plan = require "luaforce.chain.plan"
local steps = require "luaforce.chain.steps"

-- Steps from rows {op, args...}, indexed from 1.
local function chain_of(rows)
  local out = {}
  for i, r in ipairs(rows) do out[i] = steps.new(i, table.unpack(r, 1, 6)) end
  return out
end

-- The stages as text: "group 1,2 | item 3 | ...", and the cut reasons.
local function shape(rows, all_or_none)
  local stages = plan.stages(chain_of(rows), all_or_none)
  local parts, cuts = {}, {}
  for _, st in ipairs(stages) do
    if st.kind == "group" then
      local idx = {}
      for i, s in ipairs(st.steps) do idx[i] = s.index end
      parts[#parts + 1] = "group " .. table.concat(idx, ",")
      for _, why in ipairs(st.cut or {}) do cuts[#cuts + 1] = why end
    else
      parts[#parts + 1] = st.kind .. " " .. st.step.index
    end
  end
  return table.concat(parts, " | "), cuts, stages
end

local ACCOUNT = { "create", "Account", { Name = "Acme" } }
local CONTACT = { "create", "Contact", { LastName = "Doe", AccountId = "=response.body.id" } }

describe("chain.plan", function()
  describe("stages", function()
    it("puts dependent writes in one group, with what each step may refer to", function()
      local text, cuts, stages = shape { ACCOUNT, CONTACT,
        { "update", "Contact", "=response.body.id", { Title = "x" } } }
      assert.equal("group 1,2,3", text)
      assert.same({}, cuts)
      local g = stages[1]
      assert.same({}, g.bound[1])
      assert.same({ response = { step = 1, body = true } }, g.bound[2])
      assert.same({ step = 2, body = true }, g.bound[3].response)
    end)

    it("binds a result_variable and a result expression's plain paths", function()
      local _, _, stages = shape {
        { "create", "Account", { Name = "A" }, { result_variable = "acct" } },
        { "create", "Contact", { AccountId = "=acct.body.id" }, { result_expression = "={contact: body.id, n: 1 + 1}" } },
        { "get", "Contact", "=contact" } }
      local g = stages[1]
      assert.equal(3, #g.steps)
      assert.same({ step = 1, body = true }, g.bound[2].acct)
      assert.same({ step = 2, prefix = { "id" } }, g.bound[3].contact)
      assert.is_nil(g.bound[3].n) -- computed: worked out here, never a reference
    end)

    it("sets the source apart and cuts at queries, item steps and collect", function()
      local text = shape { { "query", "SELECT Id FROM Account" }, { "update", "Account", "=Id", { Name = "x" } },
        { "query", "SELECT Id FROM Contact" }, { "map", "={id: Id}" }, { "filter", "=true" }, { "collect" },
        { "update", "Account", "=id", { Name = "y" } } }
      assert.equal("source 1 | group 2 | query 3 | item 4 | item 5 | collect 6 | group 7", text)
    end)

    -- why a step goes in a request of its own
    local cut_rows = {
      { "a step after one with an error expression",
        { { "create", "Account", { Name = "x" }, { error_expression = "=null" } }, CONTACT },
        "step 1 has an error expression" },
      { "a step after a result expression that is no context literal",
        { { "create", "Account", { Name = "x" }, { result_expression = "=response" } }, CONTACT },
        "step 1's result expression is no context literal" },
      { "an object name from an earlier result",
        { ACCOUNT, { "create", "=response.body.id", { A__c = 1 } } },
        "the object name depends on an earlier result" },
      { "a step that does not use the one before (Salesforce would run it after a failure)",
        { ACCOUNT, { "create", "Contact", { LastName = "x" } } },
        "it does not use step 1's result, so Salesforce would run it even when step 1 fails" },
      { "a computed argument",
        { ACCOUNT, { "create", "Contact", { LastName = "=\"of \" + response.body.id" } } },
        "step 2 (create) fields.LastName is not one path into an earlier step's result (=\"of \" + response.body.id)" },
      { "a fields function",
        { ACCOUNT, { "create", "Contact", function(it) return { AccountId = it.response.body.id } end } },
        "step 2 (create) fields is not one path into an earlier step's result ((function))" },
    }
    for _, row in ipairs(cut_rows) do
      it("cuts " .. row[1], function()
        local text, cuts = shape(row[2])
        assert.equal("group 1 | group 2", text)
        assert.same({ row[3] }, cuts)
      end)
    end

    it("all_or_none keeps independent writes together (one request rolls back as one)", function()
      assert.equal("group 1,2", (shape({ ACCOUNT, { "create", "Contact", { LastName = "x" } } }, true)))
    end)

    it("holds at most 25 steps in a group", function()
      local rows = { ACCOUNT }
      for i = 2, 27 do rows[i] = { "update", "Account", "=response.body.id", { Name = "v" .. i } } end
      local text, cuts = shape(rows)
      assert.matches("^group 1,2,.*,24,25 | group 26,27$", text)
      assert.same({ "a composite request holds 25 subrequests" }, cuts)
    end)
  end)

  describe("form", function()
    local function forms(rows)
      local g = plan.stages(chain_of(rows))[1]
      local out = {}
      for _, n in ipairs { 1, 2, 13, 450, 2000 } do
        local f = plan.form(g, n)
        out[#out + 1] = ("%d:%s %s%s"):format(n, f.form, tostring(f.requests), f.per and ("/" .. f.per) or "")
      end
      return table.concat(out, "  ")
    end

    it("one write step: a plain request for one item, else sObject Collections of 200", function()
      assert.equal("1:plain 1  2:collections 1  13:collections 1  450:collections 3  2000:collections 10",
        forms { { "update", "Account", "=id", { Name = "x" } } })
    end)

    it("a read with fields: collections of 2,000; without: composite of 25 gets", function()
      assert.equal("1:plain 1  2:collections 1  13:collections 1  450:collections 1  2000:collections 1",
        forms { { "get", "Account", "=id", { fields = "Name" } } })
      assert.equal("1:plain 1  2:composite 1/25  13:composite 1/25  450:composite 18/25  2000:composite 80/25",
        forms { { "get", "Account", "=id" } })
    end)

    it("dependent steps: composite while it costs fewer requests, then step by step", function()
      -- 3 steps: 8 items a composite; split: 3 x ceil(n/200)
      assert.equal("1:composite 1/1  2:composite 1/8  13:composite 2/8  450:split 9  2000:split 30",
        forms { ACCOUNT, CONTACT, { "update", "Contact", "=response.body.id", { Title = "x" } } })
      -- a read and a write: 12 items a composite; split: ceil(n/2000) + ceil(n/200)
      assert.equal("1:composite 1/1  2:composite 1/12  13:composite 2/12  450:split 4  2000:split 11",
        forms { { "get", "Account", "=id", { fields = "Name" } },
          { "update", "Account", "=response.body.Id", { Name = "x" } } })
    end)
  end)

  describe("atomic", function()
    local function atomic(rows, n)
      return plan.atomic(plan.stages(chain_of(rows), true), n)
    end

    local rows = {
      { "200 creates: one collections request", { ACCOUNT }, 200, true },
      { "201 creates", { ACCOUNT }, 201, "201 records are more than one sObject Collections request holds (200)" },
      { "reads only, any number", { { "get", "Account", "=id" }, { "map", "=x" } }, 5000, true },
      { "12 items of 2 steps", { ACCOUNT, CONTACT }, 12, true },
      { "13 items of 2 steps", { ACCOUNT, CONTACT }, 13,
        "13 items x 2 steps are 26 subrequests; one composite request holds 25" },
      { "a step between two writes", { ACCOUNT, { "map", "=x" }, CONTACT }, 1,
        "steps 1 and 3 cannot go in one request: step 2 (map) runs here, between them" },
      { "a query between two writes",
        { { "update", "Account", "=id", { Name = "x" } }, { "query", "SELECT Id FROM Account" },
          { "update", "Account", "=Id", { Name = "y" } } }, 1,
        "steps 1 and 3 cannot go in one request: step 2 (query) runs here, between them" },
      { "writes in two groups", { ACCOUNT, { "create", "=response.body.id", {} } }, 1,
        "steps 1 and 2 cannot go in one request: the object name depends on an earlier result" },
      { "an error expression", { { "create", "Account", { Name = "x" }, { error_expression = "=null" } } }, 1,
        "step 1 has an error expression, which cannot act inside a rolled-back request" },
      { "a write and then a query", { { "update", "Account", "=id", { Name = "x" } },
        { "query", "SELECT Id FROM Account" } }, 1, true },
    }
    for _, row in ipairs(rows) do
      it(row[1] .. ": " .. (row[4] == true and "yes" or "no"), function()
        local ok, why = atomic(row[2], row[3])
        if row[4] == true then
          assert.is_true(ok)
        else
          assert.is_nil(ok)
          assert.equal(row[4], why)
        end
      end)
    end
  end)
end)
