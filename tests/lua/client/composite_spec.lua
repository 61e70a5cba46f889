-- luaforce.client.composite: org:composite against the local org: references
-- between subrequests, allOrNone rolling back what the org holds, dependent
-- subrequests halted while independent ones run, a lost answer never sent
-- again, a read-only composite retried, misuse refused before sending.
local json = require "luaforce.json"
local local_org = require "support.local_org"

local function names(org)
  local out = {}
  for i, r in ipairs(assert(org:query("SELECT Name FROM Account ORDER BY Name")).body.records) do out[i] = r.Name end
  return out
end

local function statuses(results)
  local out = {}
  for i, r in ipairs(results) do out[i] = r.status end
  return out
end

local function code(r)
  return type(r.body) == "table" and r.body[1] and r.body[1].errorCode or "-"
end

describe("org:composite", function()
  local emu, org
  setup(function()
    emu, org = local_org.start({ empty = true }, { retry = { attempts = 3, base_delay = 0.01, max_delay = 0.02 } })
  end)
  teardown(function() emu:stop() end)
  before_each(function()
    emu:reset()
    emu:set_faults {}
  end)

  local function requests() return emu:stats().api_requests end

  it("creates a record and reads it back through a reference, in one request", function()
    local before = requests()
    local results, res = org:composite({
      { method = "POST", url = "/sobjects/Account", reference_id = "acc", body = { Name = "Initech" } },
      { method = "GET", url = "/sobjects/Account/@{acc.id}?fields=Id,Name", reference_id = "get" },
      { method = "PATCH", url = "/services/data/v62.0/sobjects/Account/@{acc.id}", reference_id = "upd",
        body = '{"Description": "via @{get.Name}"}' },
      { method = "GET", url = "/sobjects/Account/@{acc.id}?fields=Description", reference_id = "again" },
    })
    assert.truthy(results, res)
    assert.equal(before + 1, requests())
    assert.equal(200, res.status)
    assert.same({ 201, 200, 204, 200 }, statuses(results))
    assert.same({ "acc", "get", "upd", "again" },
      { results[1].reference_id, results[2].reference_id, results[3].reference_id, results[4].reference_id })
    local id = results[1].body.id
    assert.equal(id, results[2].body.Id)
    assert.equal("Initech", results[2].body.Name)
    assert.matches("/sobjects/Account/" .. id .. "$", results[1].headers.Location)
    assert.equal(json.null, results[3].body)
    assert.equal("via Initech", results[4].body.Description)
    assert.same({ "Initech" }, names(org))
  end)

  it("with all_or_none, keeps nothing when one subrequest fails", function()
    local results = assert(org:composite({
      { method = "POST", url = "/sobjects/Account", reference_id = "a", body = { Name = "Initech" } },
      { method = "POST", url = "/sobjects/Contact", reference_id = "bad", body = { AccountId = "@{a.id}" } },
      { method = "POST", url = "/sobjects/Account", reference_id = "b", body = { Name = "Hooli" } },
    }, { all_or_none = true }))
    assert.same({ 400, 400, 400 }, statuses(results))
    assert.same({ "PROCESSING_HALTED", "REQUIRED_FIELD_MISSING", "PROCESSING_HALTED" },
      { code(results[1]), code(results[2]), code(results[3]) })
    assert.same({}, names(org))
  end)

  it("without all_or_none, halts what depends on a failure and runs the rest", function()
    local results = assert(org:composite({
      { method = "POST", url = "/sobjects/Account", reference_id = "a", body = { Name = "" } },
      { method = "POST", url = "/sobjects/Contact", reference_id = "c", body = { LastName = "Ito", AccountId = "@{a.id}" } },
      { method = "GET", url = "/sobjects/Contact/@{c.id}", reference_id = "g" },
      { method = "POST", url = "/sobjects/Account", reference_id = "b", body = { Name = "Hooli" } },
    }))
    assert.same({ 400, 400, 400, 201 }, statuses(results))
    assert.same({ "REQUIRED_FIELD_MISSING", "PROCESSING_HALTED", "PROCESSING_HALTED", "-" },
      { code(results[1]), code(results[2]), code(results[3]), code(results[4]) })
    assert.same({ "Hooli" }, names(org))
  end)

  it("never sends a write twice when its answer is lost: OUTCOME_UNKNOWN", function()
    emu:set_faults { "POST /services/data/*/composite -> close when=after times=1" }
    local before = requests()
    local outcome = {}
    local results, err = org:composite({
      { method = "POST", url = "/sobjects/Account", reference_id = "a", body = { Name = "Once" } },
    }, { outcome = outcome })
    assert.is_nil(results)
    assert.equal("OUTCOME_UNKNOWN", err.code)
    assert.equal(6, err.exit)
    assert.is_true(outcome.reached)
    assert.equal(1, outcome.attempts)
    assert.equal(before + 1, requests())
    assert.same({ "Once" }, names(org)) -- the org did it, once
  end)

  it("retries a composite that only reads after a 503", function()
    assert(org:create("Account", { Name = "Acme" }))
    emu:set_faults { "POST /services/data/*/composite -> status=503 times=1" }
    local before = requests()
    local outcome = {}
    local results = assert(org:composite({
      { method = "GET", url = "/query?q=SELECT+Id+FROM+Account", reference_id = "q" },
      { method = "GET", url = "/sobjects/Account/@{q.records[0].Id}?fields=Name", reference_id = "acc" },
    }, { outcome = outcome }))
    assert.equal(2, outcome.attempts)
    -- the 503 fired (the org never ran that attempt), the retry ran once
    assert.equal(1, emu:stats().faults.total)
    assert.equal(before + 1, requests())
    assert.equal("Acme", results[2].body.Name)
    -- a 500 may come after the work was done: a read is sent again, a
    -- write is not
    emu:set_faults { "POST /services/data/*/composite -> status=500 times=1" }
    assert(org:composite({ { method = "GET", url = "/limits", reference_id = "l" } }, { outcome = outcome }))
    assert.equal(2, outcome.attempts)
    emu:set_faults { "POST /services/data/*/composite -> status=500 times=1" }
    local _, err = org:composite({ { method = "DELETE", url = "/sobjects/Account/@{q.id}", reference_id = "q" } },
      { outcome = outcome })
    assert.equal(500, err.status)
    assert.equal(1, outcome.attempts)
  end)

  it("sends the keys Salesforce documents, in its order, and both flags", function()
    emu:set_faults { "POST /services/data/*/composite -> close when=after times=1" }
    local _, err = org:composite({
      { method = "post", url = "/sobjects/Account", reference_id = "a1", body = { Name = "x" },
        headers = { ["Sforce-Auto-Assign"] = "FALSE" } },
      { method = "GET", url = "/services/data/v62.0/sobjects/Account/@{a1.id}", reference_id = "g" },
    }, { all_or_none = true, collate = true })
    assert.equal("OUTCOME_UNKNOWN", err.code)
    assert.equal('{"allOrNone":true,"collateSubrequests":true,"compositeRequest":['
      .. '{"method":"POST","url":"/services/data/v62.0/sobjects/Account","referenceId":"a1","body":{"Name":"x"},'
      .. '"httpHeaders":{"Sforce-Auto-Assign":"FALSE"}},'
      .. '{"method":"GET","url":"/services/data/v62.0/sobjects/Account/@{a1.id}","referenceId":"g"}]}',
      json.encode(err.sent.body))
  end)

  it("refuses misuse before sending anything", function()
    local before = requests()
    local ok = { method = "GET", url = "/limits", reference_id = "ok" }
    local many = {}
    for i = 1, 26 do many[i] = { method = "GET", url = "/limits", reference_id = "r" .. i } end
    local rows = {
      { "subrequests must be a list", "nope" },
      { "takes 1 to 25 subrequests, not 0", {} },
      { "takes 1 to 25 subrequests, not 26", many },
      { "reference_id must be letters", { { method = "GET", url = "/limits", reference_id = "a-b" } } },
      { "reference_id must be letters", { { method = "GET", url = "/limits", reference_id = "_a" } } },
      { "reference_id must be letters", { { method = "GET", url = "/limits" } } },
      { "reference_id 'ok' is already used by subrequest 1", { ok, ok } },
      { "method must be GET", { { method = "FETCH", url = "/limits", reference_id = "a" } } },
      { "method must be GET", { { method = "HEAD", url = "/limits", reference_id = "a" } } },
      { "headers cannot set authorization", { { method = "GET", url = "/limits", reference_id = "a",
        headers = { authorization = "Bearer x" } } } },
      { "6 subrequests are queries or sObject Collections", {
        { method = "GET", url = "/query?q=SELECT+Id+FROM+Account", reference_id = "q1" },
        { method = "GET", url = "/queryAll?q=SELECT+Id+FROM+Account", reference_id = "q2" },
        { method = "GET", url = "/query/01gXX0000000001-2000", reference_id = "q3" },
        { method = "POST", url = "/composite/sobjects", reference_id = "c1", body = { records = {} } },
        { method = "GET", url = "/limits", reference_id = "l" },
        { method = "POST", url = "/services/data/v62.0/composite/sobjects/Account", reference_id = "c2",
          body = { ids = {}, fields = {} } },
        { method = "DELETE", url = "/composite/sobjects?ids=@{c1[0].id}", reference_id = "c3" } } },
      { "url must be a path", { { method = "GET", url = "limits", reference_id = "a" } } },
      { "url holds blanks", { { method = "GET", url = "/query?q=SELECT Id FROM Account", reference_id = "a" } } },
      { "body is not JSON text", { { method = "POST", url = "/sobjects/Account", reference_id = "a", body = "{" } } },
      { "body must be a table", { { method = "POST", url = "/sobjects/Account", reference_id = "a", body = 1 } } },
      { "headers must map names to strings", { { method = "GET", url = "/limits", reference_id = "a", headers = { X = 1 } } } },
      { "unknown field 'referenceId'", { { method = "GET", url = "/limits", referenceId = "a" } } },
      { "unknown option 'allOrNone'", { ok }, { allOrNone = true } },
      { "all_or_none must be true or false", { ok }, { all_or_none = "yes" } },
    }
    for _, row in ipairs(rows) do
      local okc, e = pcall(org.composite, org, row[2], row[3])
      assert.is_false(okc, row[1])
      assert.equal(2, e.exit, row[1])
      assert.truthy(tostring(e):find(row[1], 1, true), tostring(e))
    end
    assert.equal(before, requests())
  end)
end)
