-- luaforce.emulator.composite: `POST composite` through the app, as a client
-- sees it (subrequest statuses and bodies), and what the org holds afterwards.
local json = require "luaforce.json"
local app = require "luaforce.emulator.app"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"
local V = "/services/data/v62.0"
local ACME = "001000000000001AAA"

local DATA = {
  Account = { { Id = ACME, Name = "Acme" } },
  Contact = { { Id = "003000000000001AAA", LastName = "Ng", AccountId = ACME } },
}

local function call(method, path, body, opts)
  opts = opts or {}
  local text = body
  if type(body) == "table" then text = assert(json.encode(body)) end
  local headers = { host = "127.0.0.1:5555", authorization = "Bearer " .. TOKEN }
  if opts.token == false then headers.authorization = nil end
  local res = app.handle { method = method, path = path, query = opts.query or {}, body = text or "",
    headers = headers, loopback = true }
  if res.body ~= "" then res.json = json.decode(res.body) end
  return res
end

local function composite(all_or_none, subs, extra)
  local body = { allOrNone = all_or_none, compositeRequest = json.array(subs) }
  for k, v in pairs(extra or {}) do body[k] = v end
  return call("POST", V .. "/composite", body)
end

local function sub(ref, method, url, body)
  return { referenceId = ref, method = method, url = V .. url, body = body }
end

local function column(object, field)
  local r = call("GET", V .. "/query", nil, { query = { q = ("SELECT %s FROM %s ORDER BY %s"):format(field, object, field) } })
  assert.equal(200, r.status)
  local out = {}
  for i, rec in ipairs(r.json.records) do out[i] = rec[field] end
  return out
end

local function statuses(res)
  assert.equal(200, res.status)
  local out = {}
  for i, s in ipairs(res.json.compositeResponse) do out[i] = s.httpStatusCode end
  return out
end

local function codes(res)
  local out = {}
  for i, s in ipairs(res.json.compositeResponse) do
    local b = s.body
    out[i] = (type(b) == "table" and json.is_array(b) and b[1] and b[1].errorCode) or "-"
  end
  return out
end

local HALTED = "The transaction was rolled back since another operation in the same transaction failed."

describe("composite", function()
  before_each(function()
    app.setup { empty = true, data_inline = DATA, now = "2024-06-01T12:00:00Z" }
  end)

  it("chains references through urls, bodies and query results", function()
    local r = composite(false, {
      sub("acc", "POST", "/sobjects/Account", { Name = "Initech" }),
      sub("get", "GET", "/sobjects/Account/@{acc.id}?fields=Id,Name"),
      sub("con", "POST", "/sobjects/Contact", { LastName = "Ito of @{get.Name}", AccountId = "@{acc.id}" }),
      sub("q", "GET", "/query?q=SELECT+Id,Account.Name+FROM+Contact+WHERE+AccountId='@{acc.id}'"),
      sub("upd", "PATCH", "/sobjects/Contact/@{q.records[0].Id}",
        { Title = "@{q.records[0].Account.Name}", Department = "@{q.totalSize}" }),
      sub("emp", "PATCH", "/sobjects/Account/@{acc.id}", { NumberOfEmployees = "@{q.totalSize}" }),
    })
    assert.same({ 201, 200, 201, 200, 204, 204 }, statuses(r))
    local res = r.json.compositeResponse
    local id, cid = res[1].body.id, res[3].body.id
    assert.equal(V .. "/sobjects/Account/" .. id, res[1].httpHeaders.Location)
    assert.same({}, res[2].httpHeaders)
    assert.equal("Initech", res[2].body.Name)
    assert.equal(json.null, res[5].body)
    assert.equal(1, res[4].body.totalSize)
    local c = call("GET", V .. "/sobjects/Contact/" .. cid).json
    assert.equal(id, c.AccountId)
    assert.equal("Ito of Initech", c.LastName)
    assert.equal("Initech", c.Title)
    assert.equal("1", c.Department)
    -- a body string that is one reference keeps the value's JSON type
    assert.equal(1, call("GET", V .. "/sobjects/Account/" .. id).json.NumberOfEmployees)
  end)

  it("writes each result with Salesforce's keys in Salesforce's order", function()
    local r = composite(false, { sub("acc", "POST", "/sobjects/Account", { Name = "Initech" }),
      sub("del", "DELETE", "/sobjects/Account/@{acc.id}") })
    assert.matches('^{"compositeResponse":%[{"body":{"id":"001%w+","success":true,"errors":%[%]},'
      .. '"httpHeaders":{"Location":"/services/data/v62%.0/sobjects/Account/001%w+"},"httpStatusCode":201,'
      .. '"referenceId":"acc"},{"body":null,"httpHeaders":{},"httpStatusCode":204,"referenceId":"del"}%]}$', r.body)
  end)

  -- a collection creating two Accounts, the second of which fails
  local function one_bad_collection(all_or_none)
    return sub("coll", "POST", "/composite/sobjects", { allOrNone = all_or_none, records = {
      { attributes = { type = "Account" }, Name = "Initech" }, { attributes = { type = "Account" }, Name = "" } } })
  end

  local rows = {
    { "runs later subrequests after a failure when allOrNone is false", false, {
        sub("a", "POST", "/sobjects/Account", { Name = "Initech" }),
        sub("bad", "POST", "/sobjects/Contact", { FirstName = "no last name" }),
        sub("b", "POST", "/sobjects/Account", { Name = "Hooli" }) },
      { 201, 400, 201 }, { "-", "REQUIRED_FIELD_MISSING", "-" }, { "Acme", "Hooli", "Initech" } },
    { "halts only the subrequests that reference a failed one", false, {
        sub("a", "POST", "/sobjects/Account", { Name = "" }),
        sub("c", "POST", "/sobjects/Contact", { LastName = "Ito", AccountId = "@{a.id}" }),
        sub("b", "POST", "/sobjects/Account", { Name = "Hooli" }) },
      { 400, 400, 201 }, { "REQUIRED_FIELD_MISSING", "PROCESSING_HALTED", "-" }, { "Acme", "Hooli" } },
    { "resolves references from earlier results only", false, {
        sub("early", "GET", "/sobjects/Account/@{late.id}"),
        sub("late", "POST", "/sobjects/Account", { Name = "Hooli" }),
        sub("unknown", "GET", "/sobjects/Account/@{nobody.id}"),
        sub("nofield", "GET", "/sobjects/Account/@{late.records[0].Id}") },
      { 400, 201, 400, 400 }, { "PROCESSING_HALTED", "-", "PROCESSING_HALTED", "PROCESSING_HALTED" },
      { "Acme", "Hooli" } },
    { "keeps nothing when allOrNone is true and one fails", true, {
        sub("a", "POST", "/sobjects/Account", { Name = "Initech" }),
        sub("u", "PATCH", "/sobjects/Account/" .. ACME, { Name = "Acme 2" }),
        sub("bad", "POST", "/sobjects/Contact", { AccountId = "@{a.id}" }),
        sub("b", "POST", "/sobjects/Account", { Name = "Hooli" }) },
      { 400, 400, 400, 400 }, { "PROCESSING_HALTED", "PROCESSING_HALTED", "REQUIRED_FIELD_MISSING", "PROCESSING_HALTED" },
      { "Acme" } },
    { "counts an unresolved reference as the failure under allOrNone", true, {
        sub("a", "POST", "/sobjects/Account", { Name = "Initech" }),
        sub("ref", "PATCH", "/sobjects/Account/@{a.nope}", { Name = "x" }),
        sub("b", "POST", "/sobjects/Account", { Name = "Hooli" }) },
      { 400, 400, 400 }, { "PROCESSING_HALTED", "PROCESSING_HALTED", "PROCESSING_HALTED" }, { "Acme" } },
    { "keeps everything when allOrNone is true and all succeed", true, {
        sub("a", "POST", "/sobjects/Account", { Name = "Initech" }),
        sub("b", "POST", "/sobjects/Account", { Name = "Hooli", ParentId = "@{a.id}" }) },
      { 201, 201 }, { "-", "-" }, { "Acme", "Hooli", "Initech" } },
    { "rolls back a collection subrequest with the rest", true, {
        sub("coll", "POST", "/composite/sobjects", { records = {
          { attributes = { type = "Account" }, Name = "Initech" },
          { attributes = { type = "Account" }, Name = "Hooli" } } }),
        sub("upd", "PATCH", "/composite/sobjects", { allOrNone = true, records = {
          { attributes = { type = "Account" }, id = "@{coll[0].id}", Name = "Initech 2" } } }),
        sub("bad", "GET", "/sobjects/Account/001000000000009AAA") },
      { 400, 400, 404 }, { "PROCESSING_HALTED", "PROCESSING_HALTED", "NOT_FOUND" }, { "Acme" } },
    { "halts, in turn, what refers to a halted subrequest, and runs the independent ones", false, {
        sub("a", "POST", "/sobjects/Account", { Name = "" }),
        sub("c", "POST", "/sobjects/Contact", { LastName = "Ito", AccountId = "@{a.id}" }),
        sub("g", "GET", "/sobjects/Contact/@{c.id}?fields=LastName"),
        sub("b", "POST", "/sobjects/Account", { Name = "Hooli" }),
        sub("h", "GET", "/sobjects/Account/@{b.id}?fields=Name") },
      { 400, 400, 400, 201, 200 },
      { "REQUIRED_FIELD_MISSING", "PROCESSING_HALTED", "PROCESSING_HALTED", "-", "-" }, { "Acme", "Hooli" } },
    { "makes a collection write all-or-none under allOrNone, whatever its own flag", true, {
        one_bad_collection(false),
        sub("con", "POST", "/sobjects/Contact", { LastName = "Ito" }) },
      { 200, 400 }, { "-", "PROCESSING_HALTED" }, { "Acme" } },
    { "lets a collection keep its own allOrNone without the composite's (false)", false, {
        one_bad_collection(false),
        sub("con", "POST", "/sobjects/Contact", { LastName = "Ito" }) },
      { 200, 201 }, { "-", "-" }, { "Acme", "Initech" } },
    { "lets a collection keep its own allOrNone without the composite's (true)", false, {
        one_bad_collection(true),
        sub("con", "POST", "/sobjects/Contact", { LastName = "Ito" }) },
      { 200, 201 }, { "-", "-" }, { "Acme" } },
    { "makes a collection delete all-or-none under allOrNone", true, {
        sub("del", "DELETE", "/composite/sobjects?ids=" .. ACME .. ",001000000000009AAA&allOrNone=false") },
      { 200 }, { "-" }, { "Acme" } },
    { "runs collections, upserts and deletes as subrequests", false, {
        sub("coll", "POST", "/composite/sobjects", { records = {
          { attributes = { type = "Account" }, Name = "Initech" },
          { attributes = { type = "Account" }, Name = "Hooli" } } }),
        sub("ups", "PATCH", "/sobjects/Invoice__c/External_Id__c/X-1", { Account__c = "@{coll[1].id}" }),
        sub("del", "DELETE", "/composite/sobjects?ids=@{coll[0].id}") },
      { 200, 201, 200 }, { "-", "-", "-" }, { "Acme", "Hooli" } },
  }
  for _, row in ipairs(rows) do
    local name, all_or_none, subs, want_status, want_codes, names = table.unpack(row)
    it(name, function()
      local r = composite(all_or_none, subs)
      assert.same(want_status, statuses(r))
      assert.same(want_codes, codes(r))
      assert.same(names, column("Account", "Name"))
    end)
  end

  it("words the halted subrequests and the unresolved references", function()
    local r = composite(true, { sub("a", "POST", "/sobjects/Account", { Name = "Initech" }),
      sub("g", "GET", "/sobjects/Account/@{a.records[0].Id}") })
    local res = r.json.compositeResponse
    assert.same({ { errorCode = "PROCESSING_HALTED", message = HALTED } }, res[1].body)
    assert.equal("a", res[1].referenceId)
    assert.matches("^Invalid reference specified%. No value for a%.records%[0%]%.Id found in a%.",
      res[2].body[1].message)
    assert.same({}, res[2].httpHeaders)
  end)

  it("takes 25 subrequests and refuses 26 before running any", function()
    local subs = {}
    for i = 1, 26 do subs[i] = sub("s" .. i, "POST", "/sobjects/Account", { Name = ("Bulk %02d"):format(i) }) end
    local r = composite(false, subs)
    assert.equal(400, r.status)
    assert.equal("LIMIT_EXCEEDED", r.json[1].errorCode)
    assert.same({ "Acme" }, column("Account", "Name"))
    subs[26] = nil
    r = composite(false, subs)
    assert.equal(25, #statuses(r))
    assert.equal(26, #column("Account", "Name"))
  end)

  it("takes 5 query or sObject Collections subrequests and refuses a 6th before running any", function()
    local subs = { sub("a", "POST", "/sobjects/Account", { Name = "Initech" }),
      sub("q1", "GET", "/query?q=SELECT+Id+FROM+Account"),
      sub("q2", "GET", "/queryAll?q=SELECT+Id+FROM+Account"),
      sub("c1", "POST", "/composite/sobjects", { records = { { attributes = { type = "Account" }, Name = "Hooli" } } }),
      sub("c2", "POST", "/composite/sobjects/Account", { ids = { ACME }, fields = { "Name" } }),
      sub("c3", "DELETE", "/composite/sobjects?ids=@{c1[0].id}") }
    assert.same({ 201, 200, 200, 200, 200, 200 }, statuses(composite(false, subs)))
    subs[7] = sub("q3", "GET", "/query/01gXX0000000001-2000")
    local r = composite(false, subs)
    assert.equal(400, r.status)
    assert.equal("LIMIT_EXCEEDED", r.json[1].errorCode)
    assert.matches("6 query or sObject Collections subrequests; at most 5", r.json[1].message)
    assert.same({ "Acme", "Initech" }, column("Account", "Name"))
  end)

  local malformed = {
    { "a body that is no JSON", "{compositeRequest: [" },
    { "an empty body", "" },
    { "no compositeRequest", { allOrNone = true } },
    { "an empty compositeRequest", { compositeRequest = json.array {} } },
    { "a compositeRequest that is no list", { compositeRequest = { method = "GET" } } },
    { "allOrNone that is no boolean", { allOrNone = 1, compositeRequest = { sub("a", "GET", "/limits") } } },
    { "a duplicate referenceId", { compositeRequest = {
        sub("a", "POST", "/sobjects/Account", { Name = "x" }), sub("a", "GET", "/limits") } } },
    { "a referenceId with a dash", { compositeRequest = { sub("a-b", "POST", "/sobjects/Account", { Name = "x" }) } } },
    { "a missing referenceId", { compositeRequest = { { method = "GET", url = V .. "/limits" } } } },
    { "an unknown method", { compositeRequest = {
        sub("a", "POST", "/sobjects/Account", { Name = "x" }), sub("b", "FETCH", "/limits") } } },
    { "a url outside /services/data/vNN.N/", { compositeRequest = {
        sub("a", "POST", "/sobjects/Account", { Name = "x" }),
        { referenceId = "b", method = "GET", url = "/sobjects/Account" } } } },
    { "a composite subrequest", { compositeRequest = {
        sub("a", "POST", "/sobjects/Account", { Name = "x" }), sub("b", "POST", "/composite", {}) } } },
    { "a method in small letters", { compositeRequest = { sub("a", "post", "/sobjects/Account", { Name = "x" }) } } },
    { "HEAD, which Composite does not take", { compositeRequest = {
        sub("a", "POST", "/sobjects/Account", { Name = "x" }), sub("b", "HEAD", "/limits") } } },
    { "an Authorization header in httpHeaders", { compositeRequest = {
        sub("a", "POST", "/sobjects/Account", { Name = "x" }),
        { referenceId = "b", method = "GET", url = V .. "/limits", httpHeaders = { Authorization = "Bearer other" } } } } },
    { "a Content-Type header in httpHeaders", { compositeRequest = {
        { referenceId = "a", method = "POST", url = V .. "/sobjects/Account", body = { Name = "x" },
          httpHeaders = { ["content-type"] = "text/plain" } } } } },
    { "httpHeaders that are no object of strings", { compositeRequest = {
        { referenceId = "a", method = "GET", url = V .. "/limits", httpHeaders = { ["X-N"] = 1 } } } } },
  }
  for _, row in ipairs(malformed) do
    it("refuses " .. row[1] .. " with a 400 before running anything", function()
      local r = call("POST", V .. "/composite", row[2])
      assert.equal(400, r.status)
      assert.is_true(json.is_array(r.json))
      assert.is_string(r.json[1].errorCode)
      assert.is_string(r.json[1].message)
      assert.same({ "Acme" }, column("Account", "Name"))
    end)
  end

  it("answers only POST, and from version 42.0 on", function()
    assert.equal(405, call("GET", V .. "/composite").status)
    local r = call("POST", "/services/data/v41.0/composite",
      { compositeRequest = { sub("a", "POST", "/sobjects/Account", { Name = "x" }) } })
    assert.equal(404, r.status)
    assert.equal("NOT_FOUND", r.json[1].errorCode)
  end)

  it("accepts collateSubrequests and still runs in order", function()
    local r = composite(false, { sub("a", "POST", "/sobjects/Account", { Name = "Initech" }),
      sub("g", "GET", "/sobjects/Account/@{a.id}") }, { collateSubrequests = true })
    assert.same({ 201, 200 }, statuses(r))
  end)

  it("passes subrequest headers on", function()
    app.setup { empty = true, data_inline = { Contact = { { LastName = "A" }, { LastName = "B" } } }, min_batch_size = 1 }
    local r = composite(false, { { referenceId = "q", method = "GET",
      url = V .. "/query?q=SELECT+Id+FROM+Contact", httpHeaders = { ["Sforce-Query-Options"] = "batchSize=1" } } })
    assert.same({ 200 }, statuses(r))
    local page = r.json.compositeResponse[1].body
    assert.equal(2, page.totalSize)
    assert.equal(1, #page.records)
    assert.is_false(page.done)
  end)

  it("is one API request, authenticated once", function()
    local before = json.decode(app.control("stats")).api_requests
    local r = composite(false, { sub("a", "POST", "/sobjects/Account", { Name = "Initech" }),
      sub("g", "GET", "/sobjects/Account/@{a.id}"), sub("q", "GET", "/query?q=SELECT+Id+FROM+Account") })
    assert.same({ 201, 200, 200 }, statuses(r))
    assert.equal(before + 1, json.decode(app.control("stats")).api_requests)
    r = call("POST", V .. "/composite", { compositeRequest = { sub("a", "POST", "/sobjects/Account", { Name = "x" }) } },
      { token = false })
    assert.equal(401, r.status)
    assert.same({ "Acme", "Initech" }, column("Account", "Name"))
  end)
end)
