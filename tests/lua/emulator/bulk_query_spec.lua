-- Bulk API 2.0 query jobs of the local org (luaforce.emulator.bulk_query),
-- through the app's handler as the C server calls it, processed by the
-- bulk_step control (manual mode): the SOQL checked at creation, the job's
-- states, the results' CSV (header, quoting, values) and its pages.
local json = require "luaforce.json"
local app = require "luaforce.emulator.app"
local org = require "support.app_request"

local V = org.V

local function setup(extra)
  local cfg = { bulk_manual = true, bulk_rows_per_step = 3 }
  for k, v in pairs(extra or {}) do cfg[k] = v end
  return org.setup(cfg)
end

local function send(method, path, body, query)
  if type(body) == "table" then body = json.encode(body) end
  return org.request(method, V .. path, { body = body or "", query = query,
    headers = { ["content-type"] = "application/json" } })
end

local function steps(n) return json.decode(assert(app.control("bulk_step", tostring(n or 10000)))) end
local function info(id) return send("GET", "/jobs/query/" .. id).json end

local function create(spec)
  if type(spec) == "string" then spec = { operation = "query", query = spec } end
  local r = send("POST", "/jobs/query", spec)
  assert(r.status == 200, r.body)
  return r.json
end

-- a query job run to the end: its id
local function run(spec)
  local j = create(spec)
  steps()
  assert.equal("JobComplete", info(j.id).state)
  return j.id
end

local function results(id, query) return send("GET", "/jobs/query/" .. id .. "/results", nil, query) end

describe("bulk query: creating a job", function()
  before_each(function() setup() end)

  it("answers the short JobInfo, UploadComplete, queued at once", function()
    local r = send("POST", "/jobs/query", { operation = "query", query = "SELECT Id FROM account" })
    assert.equal(200, r.status)
    local keys = {}
    for k in r.body:gmatch('"([%w_]+)":') do keys[#keys + 1] = k end
    assert.same({ "id", "operation", "object", "createdById", "createdDate", "systemModstamp", "state",
      "concurrencyMode", "contentType", "apiVersion", "lineEnding", "columnDelimiter" }, keys)
    local j = r.json
    assert.matches("^750", j.id)
    assert.equal("query", j.operation)
    assert.equal("Account", j.object)
    assert.equal("UploadComplete", j.state)
    assert.equal(62.0, j.apiVersion)
    assert.equal("queryAll", create { operation = "queryAll", query = "SELECT Id FROM Contact" }.operation)
  end)

  -- {what, body, status, errorCode, message (or a pattern with `match`)}
  local REFUSED = {
    { "SOQL that does not parse", "SELECT FROM Account", "MALFORMED_QUERY" },
    { "an unknown field", "SELECT Nope__c FROM Account", "INVALID_FIELD" },
    { "an unknown object", "SELECT Id FROM Nope__c", "INVALID_TYPE" },
    { "a child subquery", "SELECT Id, (SELECT Id FROM Contacts) FROM Account", "API_ERROR",
      "Aggregate Relationships not supported in Bulk Query" },
    { "GROUP BY", "SELECT Name FROM Account GROUP BY Name", "API_ERROR",
      "Aggregate queries not supported in Bulk Query" },
    { "an aggregate", "SELECT MAX(Name) FROM Account", "API_ERROR", "Aggregate queries not supported in Bulk Query" },
    { "COUNT()", "SELECT COUNT() FROM Account", "API_ERROR", "Aggregate queries not supported in Bulk Query" },
    { "OFFSET", "SELECT Id FROM Account LIMIT 5 OFFSET 1", "API_ERROR", "OFFSET not supported in Bulk Query" },
    { "TYPEOF", "SELECT TYPEOF Owner WHEN User THEN Name END FROM Account", "API_ERROR",
      "TYPEOF not supported in Bulk Query" },
  }
  for _, row in ipairs(REFUSED) do
    it("refuses " .. row[1] .. " with 400", function()
      local r = send("POST", "/jobs/query", { operation = "query", query = row[2] })
      assert.equal(400, r.status, r.body)
      assert.equal(row[3], r.json[1].errorCode, r.body)
      if row[4] then assert.equal(row[4], r.json[1].message) end
      assert.equal(0, #send("GET", "/jobs/query").json.records)
    end)
  end

  it("refuses a bad operation, no query, a bad format", function()
    local function code(body) return send("POST", "/jobs/query", body).json[1] end
    assert.equal("Invalid value: 'insert' supplied for property: 'operation'",
      code { operation = "insert", query = "SELECT Id FROM Account" }.message)
    assert.equal("Invalid value: '' supplied for property: 'query'", code { operation = "query" }.message)
    assert.equal("Invalid value: 'CR' supplied for property: 'lineEnding'",
      code { operation = "query", query = "SELECT Id FROM Account", lineEnding = "CR" }.message)
  end)

  it("exists from API 47.0 on", function()
    local r = org.request("POST", "/services/data/v46.0/jobs/query", { body = json.encode { operation = "query",
      query = "SELECT Id FROM Account" } })
    assert.equal(404, r.status)
  end)
end)

describe("bulk query: processing and results", function()
  before_each(function() setup() end)

  it("runs in steps: InProgress while records are written, then JobComplete", function()
    local j = create "SELECT Id FROM Contact"
    assert.equal("UploadComplete", info(j.id).state)
    local r = results(j.id)
    assert.equal(400, r.status)
    assert.equal("INVALIDJOBSTATE", r.json[1].errorCode)
    local seen = {}
    repeat
      local s = steps(1)
      local i = info(j.id)
      seen[#seen + 1] = ("%s %d"):format(i.state, i.numberRecordsProcessed)
    until not s.pending
    -- the first step runs the query; then 3 records a step
    assert.same({ "InProgress 0", "InProgress 3", "InProgress 6", "JobComplete 7" }, seen)
    local i = info(j.id)
    assert.equal("V2Query", i.jobType)
    assert.is_true(i.isPkChunkingSupported)
    assert.equal(0, i.retries)
    assert.is_nil(i.numberRecordsFailed)
  end)

  it("quotes every value; names columns as the SELECT does; writes values as Bulk API does", function()
    send("PATCH", "/sobjects/Account/" .. org.ACME, { Description = 'He said "hi"\nthen left, quickly',
      NumberOfEmployees = 250, AnnualRevenue = 1234567890123 })
    local id = run "SELECT Name, Description, NumberOfEmployees, AnnualRevenue, CreatedDate, IsDeleted, Parent.Name, Id FROM Account WHERE Id = '001000000000001AAA'"
    local r = results(id)
    assert.equal(200, r.status)
    assert.equal("text/csv", r.h["content-type"])
    assert.equal("null", r.h["sforce-locator"])
    assert.equal("1", r.h["sforce-numberofrecords"])
    assert.equal('"Name","Description","NumberOfEmployees","AnnualRevenue","CreatedDate","IsDeleted","Parent.Name","Id"\n'
      .. '"Acme","He said ""hi""\nthen left, quickly","250","1234567890123.0","2024-06-01T12:00:00.000Z","false","",'
      .. '"001000000000001AAA"\n', r.body:gsub("T12:00:00%.%d%d%dZ", "T12:00:00.000Z"))
    -- parent fields, spelt as the schema spells them
    id = run "SELECT lastname, account.name FROM contact WHERE LastName = 'Contact 1'"
    assert.equal('"LastName","Account.Name"\n"Contact 1","Acme"\n', results(id).body)
  end)

  it("pages by maxRecords with Sforce-Locator, the string null after the last page", function()
    local id = run "SELECT LastName FROM Contact ORDER BY LastName"
    local pages, locator = {}, nil
    repeat
      local r = results(id, { maxRecords = "3", locator = locator })
      assert.equal(200, r.status)
      pages[#pages + 1] = r.h["sforce-numberofrecords"] .. ":" .. r.body
      locator = r.h["sforce-locator"]
      assert.is_string(locator)
    until locator == "null"
    assert.same({
      '3:"LastName"\n"Contact 1"\n"Contact 2"\n"Contact 3"\n',
      '3:"LastName"\n"Contact 4"\n"Contact 5"\n"Contact 6"\n',
      '1:"LastName"\n"Contact 7"\n',
    }, pages)
    -- without maxRecords: one page of up to 100000 records
    local all = results(id)
    assert.equal("7", all.h["sforce-numberofrecords"])
    assert.equal("null", all.h["sforce-locator"])
    -- the same page again; bad parameters
    assert.equal(pages[2]:sub(3), results(id, { maxRecords = "3", locator = results(id, { maxRecords = "3" })
      .h["sforce-locator"] }).body)
    assert.equal(400, results(id, { maxRecords = "0" }).status)
    assert.equal(400, results(id, { maxRecords = "many" }).status)
    assert.equal("INVALID_QUERY_LOCATOR", results(id, { locator = "zzz" }).json[1].errorCode)
  end)

  it("writes the job's delimiter and line ending", function()
    local id = run { operation = "query", query = "SELECT Name, Id FROM Account WHERE Name = 'Acme'",
      columnDelimiter = "PIPE", lineEnding = "CRLF" }
    assert.equal('"Name"|"Id"\r\n"Acme"|"001000000000001AAA"\r\n', results(id).body)
  end)

  it("answers the header alone when nothing matches", function()
    local id = run "SELECT Id, Name FROM Account WHERE Name = 'Nobody'"
    local r = results(id)
    assert.equal('"Id","Name"\n', r.body)
    assert.equal("0", r.h["sforce-numberofrecords"])
    assert.equal("null", r.h["sforce-locator"])
  end)

  it("sees deleted records with queryAll only", function()
    send("DELETE", "/sobjects/Account/" .. org.ACME)
    local q = "SELECT Name, IsDeleted FROM Account WHERE Name = 'Acme'"
    assert.equal('"Name","IsDeleted"\n', results(run(q)).body)
    assert.equal('"Name","IsDeleted"\n"Acme","true"\n', results(run { operation = "queryAll", query = q }).body)
  end)

  it("keeps the results of the run: later writes do not change them", function()
    local id = run "SELECT Name FROM Account WHERE Id = '001000000000001AAA'"
    send("PATCH", "/sobjects/Account/" .. org.ACME, { Name = "Renamed" })
    assert.equal('"Name"\n"Acme"\n', results(id).body)
  end)

  it("is aborted until it completes, and deleted once final", function()
    local j = create "SELECT Id FROM Contact"
    assert.equal("INVALIDJOBSTATE", send("PATCH", "/jobs/query/" .. j.id, { state = "UploadComplete" }).json[1].errorCode)
    steps(2)
    assert.equal("InProgress", info(j.id).state)
    local r = send("PATCH", "/jobs/query/" .. j.id, { state = "Aborted" })
    assert.equal(200, r.status)
    assert.equal("Aborted", r.json.state)
    assert.same({ steps = 0, pending = false }, steps())
    assert.equal(400, results(j.id).status)
    assert.equal(400, send("PATCH", "/jobs/query/" .. j.id, { state = "Aborted" }).status)
    assert.equal(204, send("DELETE", "/jobs/query/" .. j.id).status)
    assert.equal(404, send("GET", "/jobs/query/" .. j.id).status)
    local done = run "SELECT Id FROM Account"
    assert.equal(204, send("DELETE", "/jobs/query/" .. done).status)
  end)

  it("refuses deleting a job while InProgress", function()
    local j = create "SELECT Id FROM Contact"
    steps(1)
    local r = send("DELETE", "/jobs/query/" .. j.id)
    assert.equal(400, r.status)
    assert.equal("INVALIDJOBSTATE", r.json[1].errorCode)
  end)

  it("lists query jobs, not ingest ones", function()
    local a = run "SELECT Id FROM Account"
    send("POST", "/jobs/ingest", { object = "Account", operation = "insert" })
    local list = send("GET", "/jobs/query").json
    assert.is_true(list.done)
    assert.equal(1, #list.records)
    assert.equal(a, list.records[1].id)
    assert.equal("V2Query", list.records[1].jobType)
    assert.equal(0, #org.request("GET", V .. "/jobs/query", { query = { jobType = "V2Ingest" } }).json.records)
  end)
end)
