-- luaforce.chain against the local org: the requests a chain makes (exact,
-- for a set of chains), composite references, sObject Collections batches,
-- dry runs that write nothing, all-or-none rollback, best-effort reports,
-- per-step error expressions, exit codes, and resuming after an
-- interruption without sending a finished write again.
local chain = require "luaforce.chain"
local errors = require "luaforce.errors"
local json = require "luaforce.json"
local local_org = require "support.local_org"
local files = require "support.files"

local function count(org, soql)
  return assert(org:query(soql)).body.totalSize
end

local QUIET = { print = false }

local function opts(extra)
  local o = { print = false }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

describe("chain", function()
  local emu, org
  setup(function()
    emu, org = local_org.start({ empty = true }, { retry = { attempts = 2, base_delay = 0.01, max_delay = 0.02 } })
  end)
  teardown(function() emu:stop() end)
  before_each(function()
    emu:reset()
    emu:set_faults {}
  end)

  local function requests() return emu:stats().api_requests end

  describe("plans", function()
    it("puts a record and the records that refer to it in one composite request, with references", function()
      local p = chain(org)
        :create("Account", { Name = "Acme" }, { result_variable = "acct" })
        :create("Contact", { LastName = "Doe", AccountId = "=acct.body.id" }, { result_expression = "={contact: body.id}" })
        :get("Contact", "=contact", { fields = "LastName,AccountId" })
        :plan()
      assert.equal(1, #p.exact)
      local r = p.exact[1]
      assert.equal("POST", r.method)
      assert.equal("/services/data/v62.0/composite", r.path)
      assert.equal('{"allOrNone":false,"compositeRequest":['
        .. '{"method":"POST","url":"/services/data/v62.0/sobjects/Account","referenceId":"s1_1","body":{"Name":"Acme"}},'
        .. '{"method":"POST","url":"/services/data/v62.0/sobjects/Contact","referenceId":"s2_1",'
        .. '"body":{"AccountId":"@{s1_1.id}","LastName":"Doe"}},'
        .. '{"method":"GET","url":"/services/data/v62.0/sobjects/Contact/@{s2_1.id}?fields=LastName%2CAccountId",'
        .. '"referenceId":"s3_1"}]}', json.encode(r.body))
      assert.matches("steps 1%-2%-3: POST /services/data/v62.0/composite", tostring(p))
    end)

    it("packs several items' steps into composite requests of at most 25 subrequests", function()
      local items = {}
      for i = 1, 13 do items[i] = { n = "Co " .. i } end
      local p = chain(org):from(items)
        :create("Account", { Name = "=n" })
        :update("Account", "=response.body.id", { Description = "checked" })
        :plan()
      assert.equal(2, #p.exact)
      assert.equal(24, #p.exact[1].body.compositeRequest)
      assert.equal(2, #p.exact[2].body.compositeRequest)
      local sub = p.exact[2].body.compositeRequest[2]
      assert.equal("PATCH", sub.method)
      assert.equal("/services/data/v62.0/sobjects/Account/@{s2_13.id}", sub.url)
    end)

    it("sends many records of one step in sObject Collections batches of 200", function()
      local items = {}
      for i = 1, 450 do items[i] = { id = ("006Lf%010dAAA"):format(i):sub(1, 15) } end
      local p = chain(org):from(items):update("Opportunity", "=id", { StageName = "Closed Lost" }):plan()
      assert.equal(3, #p.exact)
      assert.equal("PATCH", p.exact[1].method)
      assert.equal("/services/data/v62.0/composite/sobjects", p.exact[1].path)
      assert.equal(200, #p.exact[1].body.records)
      assert.equal(50, #p.exact[3].body.records)
      assert.same({ type = "Opportunity" }, p.exact[1].body.records[1].attributes)
      assert.equal("Closed Lost", p.exact[1].body.records[1].StageName)
    end)

    it("counts a query chain's requests for any number of records", function()
      local p = chain(org)
        :query("SELECT Id, AccountId FROM Opportunity")
        :map("={id: Id, account: AccountId}")
        :get("Account", "=account", { fields = "Name,OwnerId" })
        :update("Opportunity", "=id", { StageName = "Closed Lost" })
        :plan()
      assert.is_nil(p.exact)
      -- one get_many of 2,000 ids and ten updates of 200
      assert.equal(11, p:requests(2000))
      local text = tostring(p)
      assert.matches("POST /services/data/v62.0/composite/sobjects/Account {ids, fields}", text, 1, true)
      assert.matches("it does not use step 3's result", text, 1, true)
    end)

    it("keeps a step out of the composite when it computes with an earlier result", function()
      local p = chain(org)
        :create("Account", { Name = "Acme" })
        :create("Contact", { LastName = "=\"of \" + response.body.id" })
        :plan()
      assert.equal(2, #p.exact)
      assert.equal("/services/data/v62.0/sobjects/Account", p.exact[1].path)
      assert.matches("is not one path into an earlier step's result", tostring(p), 1, true)
    end)

    it("says before running when Salesforce cannot roll the writes back together", function()
      local p = chain(org)
        :create("Account", { Name = "Acme" })
        :map("={x: 1}")
        :create("Contact", { LastName = "Doe" })
        :plan { all_or_none = true }
      assert.equal("NOT_ATOMIC", p.problem.code)
      assert.equal(2, p.problem.exit)
      assert.matches("step 2 (map) runs here, between them", p.problem.message, 1, true)
    end)

    it("refuses bad steps when they are added, naming the step", function()
      local ok, e = pcall(function() chain(org):get("Account") end)
      assert.is_false(ok)
      assert.matches("step 1 %(get%): the record id is missing", tostring(e))
      ok, e = pcall(function() chain(org):update("Account", "=id", {}, { retrys = 2 }) end)
      assert.matches("unknown option 'retrys' %(did you mean 'retries'%?%)", tostring(e))
      ok, e = pcall(function() chain(org):map("={a: }") end)
      assert.matches("step 1 %(map%): syntax error", tostring(e))
      ok, e = pcall(function() chain(org):create("Bad Name", {}) end)
      assert.matches("is no object API name", tostring(e))
      assert.equal(2, e.exit)
    end)
  end)

  describe("runs", function()
    it("creates dependent records in one request, with the references resolved", function()
      local before = requests()
      local rep = chain(org)
        :create("Account", { Name = "Chain Co" }, { result_variable = "acct" })
        :create("Contact", { LastName = "Doe", AccountId = "=acct.body.id" }, { result_expression = "={contact: body.id}" })
        :get("Contact", "=contact", { fields = "LastName,AccountId" })
        :run(QUIET)
      assert.equal(0, rep.exit)
      assert.equal(1, requests() - before)
      assert.equal(1, rep.requests)
      local item = rep.items[1]
      assert.equal("done", item.state)
      assert.equal(item.vars.acct.body.id, item.vars.response.body.AccountId)
      assert.equal(1, count(org, "SELECT COUNT() FROM Contact WHERE AccountId = '" .. item.vars.acct.body.id .. "'"))
    end)

    it("creates 450 records in three batches, several in flight", function()
      local items = {}
      for i = 1, 450 do items[i] = { n = ("Batch %03d"):format(i) } end
      local before = requests()
      local rep = chain(org):from(items):create("Account", { Name = "=n" }):run(opts { concurrency = 3 })
      assert.equal(0, rep.exit)
      assert.equal(3, requests() - before)
      assert.equal(450, rep.counts.done)
      assert.equal(450, count(org, "SELECT COUNT() FROM Account WHERE Name LIKE 'Batch %'"))
      -- each item knows its record
      assert.matches("^001", rep.items[1].record)
    end)

    it("reads and writes stage by stage: a query, a batched read, batched updates", function()
      local accts = assert(org:create_many("Account", { { Name = "A1" }, { Name = "A2" } }))
      local opps = {}
      for i = 1, 30 do
        opps[i] = { Name = "Opp " .. i, StageName = "Prospecting", CloseDate = "2024-01-01",
          AccountId = accts[(i % 2) + 1].id }
      end
      assert(org:create_many("Opportunity", opps))
      local before = requests()
      local rep = chain(org)
        :query("SELECT Id, AccountId FROM Opportunity WHERE StageName = 'Prospecting'")
        :map("={id: Id, account: AccountId}")
        :get("Account", "=account", { fields = "Name", result_variable = "acct" })
        :update("Opportunity", "=id", { StageName = "Closed Lost", NextStep = "=acct.body.Name" })
        :run(QUIET)
      assert.equal(0, rep.exit)
      assert.equal(30, rep.counts.done)
      -- the query, one read of 30 ids, one update of 30 records
      assert.equal(3, requests() - before)
      assert.equal(15, count(org, "SELECT COUNT() FROM Opportunity WHERE StageName = 'Closed Lost' AND NextStep = 'A1'"))
    end)

    it("makes only reads in a dry run and prints the writes", function()
      assert(org:create_many("Account", { { Name = "Keep 1" }, { Name = "Keep 2" } }))
      local lines = {}
      local before = requests()
      local rep = chain(org)
        :query("SELECT Id, Name FROM Account")
        :update("Account", "=Id", { Name = "=\"Renamed \" + Name" })
        :create("Contact", { LastName = "=Name" })
        :run { dry_run = true, print = function(l) lines[#lines + 1] = l end }
      assert.equal(0, rep.exit)
      assert.equal(1, requests() - before) -- the query only
      assert.equal(2, count(org, "SELECT COUNT() FROM Account WHERE Name LIKE 'Keep %'"))
      assert.equal(0, count(org, "SELECT COUNT() FROM Contact"))
      assert.equal(2, #rep.writes)
      assert.matches("PATCH /services/data/v62.0/composite/sobjects: update 2 Account records", lines[1], 1, true)
      assert.matches('"Name":"Renamed Keep 1"', lines[1], 1, true)
      assert.matches("^chain %(dry run%)", lines[#lines])
    end)

    it("rolls every write back with all_or_none when one fails", function()
      local before = count(org, "SELECT COUNT() FROM Account")
      local rep = chain(org):from { { n = "A" }, { n = "B" } }
        :create("Account", { Name = "=n" })
        :create("Contact", { LastName = "=if n = \"B\" then null else n", AccountId = "=response.body.id" })
        :run(opts { all_or_none = true })
      assert.equal(before, count(org, "SELECT COUNT() FROM Account"))
      assert.equal(0, count(org, "SELECT COUNT() FROM Contact"))
      assert.equal(2, rep.counts.failed)
      local culprit, other
      for _, it in ipairs(rep.items) do
        if it.key == "2" then culprit = it else other = it end
      end
      assert.equal(3, culprit.step)
      assert.equal("REQUIRED_FIELD_MISSING", culprit.error.error_code)
      assert.equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", other.error.error_code)
      assert.equal(1, rep.exit) -- nothing was done: the first failure's code (an API error)
    end)

    it("refuses all_or_none before sending anything when one request cannot hold every write", function()
      local items = {}
      for i = 1, 201 do items[i] = { n = "X" .. i } end
      local before = requests()
      local ok, e = pcall(function()
        return chain(org):from(items):create("Account", { Name = "=n" }):run(opts { all_or_none = true })
      end)
      assert.is_false(ok)
      assert.equal("NOT_ATOMIC", e.code)
      assert.equal(2, e.exit)
      assert.matches("201 records are more than one sObject Collections request holds", e.message, 1, true)
      assert.equal(0, requests() - before)
    end)

    it("goes on past failures and reports what was done and what failed, item by item", function()
      local rep = chain(org):from { { n = "One" }, { n = json.null }, { n = "Three" } }
        :create("Account", { Name = "=n" })
        :update("Account", "=response.body.id", { Site = "second step" })
        :run(QUIET)
      assert.equal(1, rep.exit) -- some done, some failed
      assert.equal(2, rep.counts.done)
      assert.equal(1, rep.counts.failed)
      local bad = rep.items[1].state == "failed" and rep.items[1] or rep.items[2]
      for _, it in ipairs(rep.items) do if it.state == "failed" then bad = it end end
      assert.equal("2", bad.key)
      assert.equal(2, bad.step) -- step 1 is `from`
      assert.equal("REQUIRED_FIELD_MISSING", bad.error.error_code)
      assert.equal(2, count(org, "SELECT COUNT() FROM Account WHERE Site = 'second step'"))
      assert.matches("item 2: failed at step 2", rep:summary(), 1, true)
    end)

    it("applies a step's error expression: bpmnError stops the item, ignoreError goes on", function()
      local missing = assert(require("luaforce.client").ids.to18("001Lf00000000ZZ"))
      local rep = chain(org):from { { id = missing } }
        :get("Account", "=id", { fields = "Name",
          error_expression = '=if error.code = "404" then bpmnError("NO_ACCOUNT", "no such account") else null' })
        :create("Contact", { LastName = "never" })
        :run(QUIET)
      assert.equal(7, rep.exit)
      assert.equal("stopped", rep.items[1].state)
      assert.equal(0, count(org, "SELECT COUNT() FROM Contact"))

      rep = chain(org):from { { id = missing } }
        :get("Account", "=id", { fields = "Name", error_expression = "=ignoreError({skipped: true})" })
        :create("Contact", { LastName = "=if skipped then \"after ignore\" else \"no\"" })
        :run(QUIET)
      assert.equal(0, rep.exit)
      assert.equal(1, count(org, "SELECT COUNT() FROM Contact WHERE LastName = 'after ignore'"))
    end)

    it("retries a step after a jobError, as many times as it says", function()
      emu:set_faults { "POST /services/data/*/sobjects/Account -> status=400 code=UNABLE_TO_LOCK_ROW times=2" }
      local before = emu:stats().requests
      local rep = chain(org)
        :create("Account", { Name = "Retried" }, { retries = 3,
          error_expression = '=if error.code = "400" then jobError("locked", {}, job.retries - 1, @"PT0S") else null' })
        :run(QUIET)
      assert.equal(0, rep.exit)
      assert.equal(3, emu:stats().requests - before)
      assert.equal(3, rep.requests)
      assert.equal(1, count(org, "SELECT COUNT() FROM Account WHERE Name = 'Retried'"))

      emu:set_faults { "POST /services/data/*/sobjects/Account -> status=400 code=UNABLE_TO_LOCK_ROW" }
      rep = chain(org)
        :create("Account", { Name = "Never" }, { retries = 2,
          error_expression = '=jobError("locked", {}, job.retries - 1, @"PT0S")' })
        :run(QUIET)
      assert.equal(8, rep.exit)
      assert.matches("no retries left", tostring(rep.items[1].error), 1, true)
    end)

    it("reports a write whose answer was lost as unknown (exit 6) and never sends it again", function()
      emu:set_faults { "POST /services/data/*/composite/sobjects -> close when=after" }
      local before = emu:stats().requests
      local later = 0
      local rep = chain(org):from { { n = "U1" }, { n = "U2" } }
        :create("Account", { Name = "=n" })
        :each(function() later = later + 1 end)
        :run(QUIET)
      assert.equal(6, rep.exit)
      assert.equal(2, rep.counts.unknown)
      assert.equal("unknown", rep.items[1].state)
      assert.equal(1, emu:stats().requests - before)
      -- the creates were applied (the answer was lost after them); the
      -- items went no further
      assert.equal(2, count(org, "SELECT COUNT() FROM Account WHERE Name LIKE 'U_'"))
      assert.equal(0, later)
    end)
  end)

  describe("gets the details right", function()
    it("counts a result expression's list index from 1, the reference from 0", function()
      local acc = assert(org:create("Account", { Name = "Parent" })).body.id
      local first = assert(org:create("Contact", { LastName = "First", AccountId = acc })).body.id
      assert(org:create("Contact", { LastName = "Second", AccountId = acc }))
      local c = chain(org)
        :get("Account", acc, { relationship = "Contacts", result_expression = "={first: body.records[1].Id}" })
        :update("Contact", "=first", { Title = "picked" })
      assert.matches("@{s1_1.records[0].Id}", json.encode(c:plan().exact[1].body), 1, true)
      assert.equal(0, c:run(QUIET).exit)
      local picked = assert(org:query("SELECT Id FROM Contact WHERE Title = 'picked'")).body.records
      assert.equal(1, #picked)
      assert.equal(first, picked[1].Id)
    end)

    it("refuses all_or_none when a query inside the chain makes more records than one request holds", function()
      local acc = assert(org:create("Account", { Name = "Parent" })).body.id
      local recs = {}
      for i = 1, 250 do recs[i] = { LastName = ("C%03d"):format(i), AccountId = acc } end
      assert(org:create_many("Contact", recs))
      local ok, e = pcall(function()
        return chain(org):from { { acc = acc } }
          :query("=\"SELECT Id FROM Contact WHERE AccountId = '\" + acc + \"'\"")
          :update("Contact", "=Id", { Title = "touched" })
          :run(opts { all_or_none = true })
      end)
      assert.is_false(ok)
      assert.equal("NOT_ATOMIC", e.code)
      assert.equal(0, count(org, "SELECT COUNT() FROM Contact WHERE Title = 'touched'"))
    end)

    it("shows an error expression the status of a batch that failed as a whole", function()
      emu:set_faults { "POST /services/data/*/composite/sobjects -> status=503 times=1" }
      local rep = chain(org):from { { n = "N1" }, { n = "N2" }, { n = "N3" } }
        :create("Account", { Name = "=n" }, { error_expression =
          '=if error.code = "503" then jobError("busy", {}, job.retries - 1, @"PT0S") else null' })
        :run(QUIET)
      assert.equal(0, rep.exit)
      assert.equal(3, count(org, "SELECT COUNT() FROM Account WHERE Name LIKE 'N_'"))
    end)

    it("blames a lost composite answer on the item's write, not the read before it", function()
      local a = assert(org:create("Account", { Name = "A1" })).body.id
      emu:set_faults { "POST /services/data/*/composite -> close when=after times=1" }
      local rep = chain(org):from { { id = a } }
        :get("Account", "=id", { fields = "Id,Name" })
        :update("Account", "=response.body.Id", { Rating = "Hot" })
        :run(QUIET)
      assert.equal(6, rep.exit)
      assert.equal(3, rep.items[1].step)
      assert.equal(1, rep.steps[3].unknown)
    end)

    it("sends a dry run's reads even when they share a request with a write", function()
      local a = assert(org:create("Account", { Name = "A1" })).body.id
      local rep = chain(org):from { { id = a } }
        :get("Account", "=id", { fields = "Id,Name", result_variable = "acct" })
        :update("Account", "=acct.body.Id", { Site = "=acct.body.Name" })
        :run { dry_run = true, print = false }
      assert.matches('"Site":"A1"', table.concat(rep.writes, "\n"), 1, true)
      assert.is_nil(assert(org:get("Account", a, { query = { fields = "Site" } })).body.Site)
    end)

    it("leaves no earlier answer in response after an ignored failure", function()
      local rep = chain(org):from { { name = "Keep Me" } }
        :create("Account", { Name = "=name" })
        :get("Contact", assert(require("luaforce.client").ids.to18("003Lf00000000ZZ")), { fields = "Id",
          error_expression = '=if error.code = "404" then ignoreError({}) else null' })
        :delete("Account", "=response.body.id")
        :run(QUIET)
      assert.equal("failed", rep.items[1].state)
      assert.equal(4, rep.items[1].step)
      assert.equal(1, count(org, "SELECT COUNT() FROM Account WHERE Name = 'Keep Me'"))
      assert.equal(1, rep.exit) -- the create was done: a partial failure
    end)

    it("reports what it did when the run stops on an error halfway", function()
      local i = 0
      local ok, e = pcall(function()
        return chain(org):from(function()
          i = i + 1
          if i > 150 then return nil end
          return { n = ("Half %03d"):format(i), k = i == 120 and {} or i }
        end, { key = "=k" })
          :create("Account", { Name = "=n" })
          :run(opts { window = 100 })
      end)
      assert.is_false(ok)
      assert.equal(100, e.report.counts.done)
      assert.equal(1, e.exit) -- 100 done, then the run failed
      assert.matches("the key of item 120 must be text or a number", e.message, 1, true)
      assert.equal(100, count(org, "SELECT COUNT() FROM Account WHERE Name LIKE 'Half %'"))
    end)
  end)

  describe("resumes", function()
    local dir
    before_each(function() dir = files.scratch() end)
    after_each(function() files.clear(dir) end)

    local function invoices(n)
      local items = {}
      for i = 1, n do items[i] = { ext = ("INV-%04d"):format(i) } end
      return items
    end

    -- Ctrl-C between two windows: the first window's writes are done
    local function stopping_chain(items, stop_at)
      local seen = 0
      return chain(org):from(items, { key = "=ext" })
        :each(function()
          seen = seen + 1
          if stop_at and seen == stop_at then error(errors.interrupted, 0) end
        end)
        :create("Invoice__c", { External_Id__c = "=ext", Status__c = "Sent" }, { external_id = "External_Id__c" })
    end

    it("after Ctrl-C, without sending a finished write again", function()
      local state = dir .. "/run.state"
      local ok, e = pcall(function()
        return stopping_chain(invoices(250), 101):run(opts { state = state, window = 50 })
      end)
      assert.is_false(ok)
      assert.equal(130, e.exit)
      assert.equal(100, e.report.counts.done)
      assert.equal(100, count(org, "SELECT COUNT() FROM Invoice__c"))
      local before = requests()
      local rep = stopping_chain(invoices(250)):run(opts { state = state, resume = true, window = 50 })
      assert.equal(0, rep.exit)
      assert.equal(250, rep.counts.done)
      assert.equal(100, rep.counts.resumed)
      -- 150 new records in 50-record windows: 3 requests
      assert.equal(3, requests() - before)
      assert.equal(250, count(org, "SELECT COUNT() FROM Invoice__c"))
    end)

    it("a create whose answer was lost goes again as an upsert on its external id", function()
      local state = dir .. "/lost.state"
      emu:set_faults { "POST /services/data/*/composite/sobjects -> close when=after nth=2" }
      local rep = stopping_chain(invoices(30)):run(opts { state = state, window = 10 })
      assert.equal(6, rep.exit)
      assert.equal(10, rep.counts.unknown)
      assert.equal(30, count(org, "SELECT COUNT() FROM Invoice__c"))
      emu:set_faults {}
      rep = stopping_chain(invoices(30)):run(opts { state = state, resume = true, window = 10 })
      assert.equal(0, rep.exit)
      -- the ten went as upserts: still one record each
      assert.equal(30, count(org, "SELECT COUNT() FROM Invoice__c"))
      assert.equal(30, rep.counts.done)
    end)

    it("keeps an unknown write unknown when nothing keys it", function()
      local state = dir .. "/unknown.state"
      emu:set_faults { "POST /services/data/*/composite/sobjects -> close when=after" }
      local function c()
        return chain(org):from { { n = "K1" }, { n = "K2" } }:create("Account", { Name = "=n" })
      end
      local rep = c():run(opts { state = state })
      assert.equal(6, rep.exit)
      emu:set_faults {}
      local before = requests()
      rep = c():run(opts { state = state, resume = true })
      assert.equal(6, rep.exit)
      assert.equal(2, rep.counts.unknown)
      assert.equal(0, requests() - before)
      assert.equal(2, count(org, "SELECT COUNT() FROM Account WHERE Name LIKE 'K_'"))
    end)

    it("runs failed items again from the step that failed", function()
      local state = dir .. "/failed.state"
      local names = { "F1", "F2" }
      local function c()
        return chain(org):from { { i = 1 }, { i = 2 } }
          :map(function(it) return { i = it.i, n = names[it.i] } end)
          :create("Account", { Name = "=n" })
      end
      names[2] = json.null
      local rep = c():run(opts { state = state })
      assert.equal(1, rep.exit)
      names[2] = "F2"
      rep = c():run(opts { state = state, resume = true })
      assert.equal(0, rep.exit)
      assert.equal(1, count(org, "SELECT COUNT() FROM Account WHERE Name = 'F1'"))
      assert.equal(1, count(org, "SELECT COUNT() FROM Account WHERE Name = 'F2'"))
    end)

    it("does not send a write again whose result expression failed after it was applied", function()
      local state = dir .. "/applied.state"
      local function c()
        return chain(org):from { { n = "Applied" } }
          :create("Account", { Name = "=n" }, { result_expression = "={x: assert(false, \"boom\")}" })
      end
      local rep = c():run(opts { state = state })
      -- the write was applied: a partial failure, never "nothing written"
      assert.equal(1, rep.exit)
      assert.is_true(rep.items[1].applied)
      assert.matches("Salesforce applied it", tostring(rep.items[1].error), 1, true)
      local before = requests()
      rep = c():run(opts { state = state, resume = true })
      assert.equal(1, rep.exit)
      assert.equal(0, requests() - before)
      assert.equal(1, count(org, "SELECT COUNT() FROM Account WHERE Name = 'Applied'"))
    end)

    it("finishes the items its own writes took out of the query, from where they stood", function()
      local state = dir .. "/query.state"
      local opps = {}
      for i = 1, 30 do opps[i] = { Name = ("Q%02d"):format(i), StageName = "Prospecting", CloseDate = "2024-01-01" } end
      assert(org:create_many("Opportunity", opps))
      -- close each stale opportunity, then invoice it; Ctrl-C after the
      -- second window's updates, before its invoices
      local function c(stop_at)
        local seen = 0
        return chain(org):query("SELECT Id, Name FROM Opportunity WHERE StageName = 'Prospecting' ORDER BY Name")
          :update("Opportunity", "=Id", { StageName = "Closed Lost" })
          :each(function()
            seen = seen + 1
            if seen == stop_at then error(errors.interrupted, 0) end
          end)
          :create("Invoice__c", { External_Id__c = "=\"closed \" + Name", Opportunity__c = "=Id" })
      end
      local ok, e = pcall(function() return c(15):run(opts { state = state, window = 10 }) end)
      assert.is_false(ok)
      assert.equal(130, e.exit)
      assert.equal(20, count(org, "SELECT COUNT() FROM Opportunity WHERE StageName = 'Closed Lost'"))
      assert.equal(10, count(org, "SELECT COUNT() FROM Invoice__c"))
      local rep = c():run(opts { state = state, resume = true, window = 10 })
      assert.equal(0, rep.exit)
      assert.equal(30, rep.counts.done)
      assert.equal(30, count(org, "SELECT COUNT() FROM Opportunity WHERE StageName = 'Closed Lost'"))
      -- the ten the query no longer gives got their invoices too, once
      assert.equal(30, count(org, "SELECT COUNT() FROM Invoice__c"))
      assert.equal(1, count(org, "SELECT COUNT() FROM Invoice__c WHERE External_Id__c = 'closed Q15'"))
    end)

    it("does not create a record again when a later step of the same request failed", function()
      local state = dir .. "/group.state"
      local function c()
        return chain(org):from({ { name = "Acme A" }, { name = "Acme B" } }, { key = "=name" })
          :create("Account", { Name = "=name" })
          :create("Contact", { AccountId = "=response.body.id", LastName = "=if name = \"Acme B\" then null else \"x\"" })
      end
      assert.equal(1, c():run(opts { state = state }).exit)
      c():run(opts { state = state, resume = true })
      assert.equal(2, count(org, "SELECT COUNT() FROM Account WHERE Name LIKE 'Acme _'"))
    end)

    it("makes the reads again before a lost create goes as an upsert", function()
      local acc = assert(org:create("Account", { Name = "Linked" })).body.id
      local state = dir .. "/reads.state"
      local function c()
        return chain(org):from({ { aid = acc, ext = "INV-R1" } }, { key = "=ext" })
          :get("Account", "=aid", { fields = "Id,Name" })
          :create("Invoice__c", { External_Id__c = "=ext", Account__c = "=response.body.Id" },
            { external_id = "External_Id__c" })
      end
      emu:set_faults { "POST /services/data/*/composite -> close when=after" }
      assert.equal(6, c():run(opts { state = state }).exit)
      emu:set_faults {}
      local rep = c():run(opts { state = state, resume = true })
      assert.equal(0, rep.exit)
      local inv = assert(org:query("SELECT Account__c FROM Invoice__c WHERE External_Id__c = 'INV-R1'")).body.records
      assert.equal(1, #inv)
      assert.equal(acc, inv[1].Account__c)
    end)

    it("refuses a state file whose chain differs in a value, an option or a key", function()
      local state = dir .. "/values.state"
      local list = { { n = "A" }, { n = "B" } }
      chain(org):from(list, { key = "=n" }):create("Account", { Name = "=if n = \"B\" then null else n" })
        :run(opts { state = state })
      for _, c in ipairs {
        chain(org):from(list, { key = "=n" }):create("Account", { Name = "=n" }),
        chain(org):from(list):create("Account", { Name = "=if n = \"B\" then null else n" }),
        chain(org):from(list, { key = "=n" }):create("Account", { Name = "=if n = \"B\" then null else n" },
          { result_variable = "x" }),
      } do
        local ok, e = pcall(c.run, c, opts { state = state, resume = true })
        assert.is_false(ok)
        assert.matches("belongs to another chain", e.message)
      end
      assert.equal(1, count(org, "SELECT COUNT() FROM Account WHERE Name = 'A'"))
    end)

    it("does not run the steps after a collect again, and counts what an earlier run collected", function()
      local state = dir .. "/collect.state"
      local list = {}
      for i = 1, 30 do list[i] = { n = ("Col %02d"):format(i) } end
      local seen = 0
      local function c(stop_at)
        return chain(org):from(list, { key = "=n" })
          :each(function()
            seen = seen + 1
            if stop_at and seen == stop_at then error(errors.interrupted, 0) end
          end)
          :create("Account", { Name = "=n" })
          :collect("made")
          :create("Contact", { LastName = "=string(count(made))" })
      end
      local ok, e = pcall(function() return c(15):run(opts { state = state, window = 10 }) end)
      assert.is_false(ok)
      assert.equal(130, e.exit)
      local rep = c():run(opts { state = state, resume = true, window = 10 })
      assert.equal(0, rep.exit)
      assert.equal(30, #rep.collected.made)
      assert.equal(1, count(org, "SELECT COUNT() FROM Contact WHERE LastName = '30'"))
      -- once more: everything settled, nothing sent
      local before = requests()
      rep = c():run(opts { state = state, resume = true, window = 10 })
      assert.equal(0, rep.exit)
      assert.equal(0, requests() - before)
      assert.equal(1, count(org, "SELECT COUNT() FROM Contact"))
    end)

    it("refuses a query without keys when it keeps state: positions change as the chain writes", function()
      assert(org:create_many("Account", { { Name = "K1" }, { Name = "K2" } }))
      local before = requests()
      local ok, e = pcall(function()
        return chain(org):query("SELECT Name FROM Account"):update("Account", "=Id", { Site = "x" })
          :run(opts { state = dir .. "/nokey.state" })
      end)
      assert.is_false(ok)
      assert.matches("record 1 has no key", e.message, 1, true)
      assert.equal(1, requests() - before) -- the query page, no write
    end)

    it("runs a failed item again even when its own write took it out of the query", function()
      assert(org:create_many("Account", { { Name = "Q1" }, { Name = "Q2" } }))
      local state = dir .. "/moved.state"
      local function c()
        return chain(org):query("SELECT Id, Name FROM Account WHERE Site = null")
          :update("Account", "=Id", { Site = "moved" })
          :create("Contact", { LastName = "=Name", AccountId = "=Id" })
      end
      emu:set_faults { "POST /services/data/*/composite/sobjects -> status=400 code=UNABLE_TO_LOCK_ROW times=1" }
      assert.equal(1, c():run(opts { state = state }).exit)
      emu:set_faults {}
      local rep = c():run(opts { state = state, resume = true })
      assert.equal(0, rep.exit)
      assert.equal(2, count(org, "SELECT COUNT() FROM Contact"))
      assert.equal(2, count(org, "SELECT COUNT() FROM Account WHERE Site = 'moved'"))
    end)

    it("refuses a state file of another chain, and a new run over an old file", function()
      local state = dir .. "/other.state"
      chain(org):from { { n = "S" } }:create("Account", { Name = "=n" }):run(opts { state = state })
      local ok, e = pcall(function()
        return chain(org):from { { n = "S" } }:create("Contact", { LastName = "=n" }):run(opts { state = state, resume = true })
      end)
      assert.is_false(ok)
      assert.matches("belongs to another chain", e.message)
      ok, e = pcall(function()
        return chain(org):from { { n = "S" } }:create("Account", { Name = "=n" }):run(opts { state = state })
      end)
      assert.is_false(ok)
      assert.matches("exists already", e.message)
    end)
  end)
end)
