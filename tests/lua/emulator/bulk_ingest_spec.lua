-- Bulk API 2.0 ingest jobs of the local org (luaforce.emulator.bulk_jobs and
-- bulk_ingest), through the app's handler as the C server calls it, with
-- the jobs processed by the bulk_step control (manual mode, a few records
-- a step), so every state is seen: creating, the one upload, closing,
-- aborting, deleting, the checks that fail a job, and per-record results
-- against what the store then holds. tests/lua/emulator/bulk_worker_spec.lua
-- drives the same over HTTP with the server's worker.
local json = require "luaforce.json"
local app = require "luaforce.emulator.app"
local org = require "support.app_request"

local V = org.V
local ORG_USER = "005Lf0000000001IAA" -- the org's user (the data has no User)

local function setup(extra)
  local cfg = { bulk_manual = true, bulk_rows_per_step = 3 }
  for k, v in pairs(extra or {}) do cfg[k] = v end
  return org.setup(cfg)
end

local function send(method, path, body, headers)
  if type(body) == "table" then body = json.encode(body) end
  return org.request(method, V .. path, { body = body or "", headers = headers or { ["content-type"] = "application/json" } })
end

local function create(spec)
  local r = send("POST", "/jobs/ingest", spec)
  assert(r.status == 200, r.body)
  return r.json
end

local function upload(id, text)
  return send("PUT", "/jobs/ingest/" .. id .. "/batches", text, { ["content-type"] = "text/csv" })
end

local function patch(id, state) return send("PATCH", "/jobs/ingest/" .. id, { state = state }) end
local function info(id) return send("GET", "/jobs/ingest/" .. id).json end
local function steps(n) return json.decode(assert(app.control("bulk_step", tostring(n or 10000)))) end
local function results(id, which) return send("GET", ("/jobs/ingest/%s/%s/"):format(id, which)).body end
local function count(soql) return org.query(soql).json.totalSize end

-- create, upload, close, process: the final JobInfo and the job's id
local function run(spec, text)
  local job = create(spec)
  assert.equal(201, upload(job.id, text).status)
  assert.equal(200, patch(job.id, "UploadComplete").status)
  steps()
  return info(job.id), job.id
end

-- the keys of a flat JSON object's text, in order
local function keys_of(r)
  local out = {}
  for k in r.body:gmatch('"([%w_]+)":') do out[#out + 1] = k end
  return out
end

describe("bulk ingest: creating a job", function()
  before_each(function() setup() end)

  it("answers the short JobInfo, Open, with the upload URL", function()
    local r = send("POST", "/jobs/ingest", { object = "account", operation = "insert" })
    assert.equal(200, r.status)
    assert.same({ "id", "operation", "object", "createdById", "createdDate", "systemModstamp", "state",
      "concurrencyMode", "contentType", "apiVersion", "contentUrl", "lineEnding", "columnDelimiter" }, keys_of(r))
    local j = r.json
    assert.matches("^750%w+$", j.id)
    assert.equal(18, #j.id)
    assert.equal("insert", j.operation)
    assert.equal("Account", j.object)
    assert.equal(ORG_USER, j.createdById)
    assert.matches("^2024%-06%-01T12:%d%d:%d%d%.%d%d%d%+0000$", j.createdDate)
    assert.equal("Open", j.state)
    assert.equal("Parallel", j.concurrencyMode)
    assert.equal("CSV", j.contentType)
    assert.equal(62.0, j.apiVersion)
    assert.matches('"apiVersion":62.0,', r.body, 1, true)
    assert.equal("services/data/v62.0/jobs/ingest/" .. j.id .. "/batches", j.contentUrl)
    assert.equal("LF", j.lineEnding)
    assert.equal("COMMA", j.columnDelimiter)
  end)

  it("keeps an upsert's external id field, spelt as the schema spells it", function()
    local j = create { object = "Invoice__c", operation = "upsert", externalIdFieldName = "external_id__c",
      lineEnding = "CRLF", columnDelimiter = "PIPE" }
    assert.equal("External_Id__c", j.externalIdFieldName)
    assert.equal("CRLF", j.lineEnding)
    assert.equal("PIPE", j.columnDelimiter)
    assert.equal("Id", create { object = "Account", operation = "upsert", externalIdFieldName = "Id" }
      .externalIdFieldName)
  end)

  -- {what, body, errorCode, message}
  local REFUSED = {
    { "an unknown object", { object = "Nope__c", operation = "insert" }, "INVALIDJOB", "Unable to find object: Nope__c" },
    { "no object", { operation = "insert" }, "API_ERROR", "Invalid value: '' supplied for property: 'object'" },
    { "an unknown operation", { object = "Account", operation = "merge" }, "API_ERROR",
      "Invalid value: 'merge' supplied for property: 'operation'" },
    { "a bad line ending", { object = "Account", operation = "insert", lineEnding = "CR" }, "API_ERROR",
      "Invalid value: 'CR' supplied for property: 'lineEnding'" },
    { "a bad delimiter", { object = "Account", operation = "insert", columnDelimiter = "COLON" }, "API_ERROR",
      "Invalid value: 'COLON' supplied for property: 'columnDelimiter'" },
    { "JSON content", { object = "Account", operation = "insert", contentType = "JSON" }, "API_ERROR",
      "Invalid value: 'JSON' supplied for property: 'contentType'" },
    { "an upsert without its external id field", { object = "Account", operation = "upsert" }, "INVALIDJOB",
      "External ID Field Name is required for upsert operation" },
    { "an upsert on a field that is no external id", { object = "Account", operation = "upsert",
      externalIdFieldName = "Name" }, "INVALIDJOB",
      "Field name provided, Name is not an External ID or indexed field for Account" },
    { "an upsert on no field", { object = "Account", operation = "upsert", externalIdFieldName = "Nope__c" },
      "INVALIDJOB", "Field name provided, Nope__c is not an External ID or indexed field for Account" },
  }
  for _, row in ipairs(REFUSED) do
    it("refuses " .. row[1] .. " with 400", function()
      local r = send("POST", "/jobs/ingest", row[2])
      assert.equal(400, r.status)
      assert.equal(row[3], r.json[1].errorCode)
      assert.equal(row[4], r.json[1].message)
    end)
  end

  it("refuses a body that is not a JSON object", function()
    assert.equal("JSON_PARSER_ERROR", send("POST", "/jobs/ingest", "{oops").json[1].errorCode)
    assert.equal("JSON_PARSER_ERROR", send("POST", "/jobs/ingest", "[]").json[1].errorCode)
    assert.equal("JSON_PARSER_ERROR", send("POST", "/jobs/ingest", "").json[1].errorCode)
  end)

  it("exists from API 41.0 on; unknown jobs and paths are 404", function()
    local r = org.request("POST", "/services/data/v40.0/jobs/ingest", { body = json.encode { object = "Account",
      operation = "insert" } })
    assert.equal(404, r.status)
    assert.equal(404, send("GET", "/jobs/ingest/750Lf0000000009IAA").status)
    assert.equal(404, send("GET", "/jobs/ingest/nope").status)
    assert.equal(404, send("GET", "/jobs/other").status)
    local j = create { object = "Account", operation = "insert" }
    assert.equal(404, send("GET", "/jobs/query/" .. j.id).status) -- an ingest job is not a query job
    assert.equal(404, send("GET", "/jobs/ingest/" .. j.id .. "/nope").status)
    assert.equal(405, send("POST", "/jobs/ingest/" .. j.id).status)
    assert.equal(405, send("GET", "/jobs/ingest/" .. j.id .. "/batches").status)
  end)

  it("finds a job by its 15-character id", function()
    local j = create { object = "Account", operation = "insert" }
    assert.equal(j.id, info(j.id:sub(1, 15)).id)
  end)

  it("counts each request as an API call", function()
    local before = json.decode(app.control("stats", "")).api_requests
    local j = create { object = "Account", operation = "insert" }
    upload(j.id, "Name\nX\n")
    info(j.id)
    assert.equal(before + 3, json.decode(app.control("stats", "")).api_requests)
  end)
end)

describe("bulk ingest: the upload and the states", function()
  before_each(function() setup() end)

  it("takes one upload: a second PUT is refused with Salesforce's words", function()
    local j = create { object = "Account", operation = "insert" }
    local r = upload(j.id, "Name\nFirst\n")
    assert.equal(201, r.status)
    assert.equal("", r.body)
    r = upload(j.id, "Name\nSecond\n")
    assert.equal(400, r.status)
    assert.equal("INVALIDJOB", r.json[1].errorCode)
    assert.equal(("Found multipe contents for job: <%s>, please 'Close' / 'Abort' / 'Delete' the current Job then "
      .. "create a new Job and make sure you only do 'PUT' once on a given Job."):format(j.id:sub(1, 15)),
      r.json[1].message)
    patch(j.id, "UploadComplete")
    steps()
    assert.equal(1, count("SELECT COUNT() FROM Account WHERE Name = 'First'"))
    assert.equal(0, count("SELECT COUNT() FROM Account WHERE Name = 'Second'"))
  end)

  it("refuses closing a job with no upload, and an upload to a job that is not Open", function()
    local j = create { object = "Account", operation = "insert" }
    local r = patch(j.id, "UploadComplete")
    assert.equal(400, r.status)
    assert.equal("INVALIDJOB", r.json[1].errorCode)
    assert.equal("Open", info(j.id).state)
    assert.equal(200, patch(j.id, "Aborted").status)
    r = upload(j.id, "Name\nLate\n")
    assert.equal(400, r.status)
    assert.equal("INVALIDJOBSTATE", r.json[1].errorCode)
  end)

  it("moves only to UploadComplete or Aborted, and never out of a final state", function()
    local j = create { object = "Account", operation = "insert" }
    for _, bad in ipairs { "JobComplete", "InProgress", "Open", "Failed", "Closed" } do
      local r = patch(j.id, bad)
      assert.equal(400, r.status, bad)
      assert.equal("INVALIDJOBSTATE", r.json[1].errorCode, bad)
    end
    assert.equal("JSON_PARSER_ERROR", send("PATCH", "/jobs/ingest/" .. j.id, "nope").json[1].errorCode)
    assert.equal("INVALIDJOBSTATE", send("PATCH", "/jobs/ingest/" .. j.id, {}).json[1].errorCode)
    upload(j.id, "Name\nA\n")
    local r = patch(j.id, "UploadComplete")
    assert.equal(200, r.status)
    assert.equal("UploadComplete", r.json.state)
    assert.is_nil(r.json.contentUrl)
    assert.equal(400, patch(j.id, "UploadComplete").status)
    steps()
    assert.equal("JobComplete", info(j.id).state)
    r = patch(j.id, "Aborted")
    assert.equal(400, r.status)
    assert.equal("INVALIDJOBSTATE", r.json[1].errorCode)
  end)

  it("deletes a job only in a final state or UploadComplete", function()
    local j = create { object = "Account", operation = "insert" }
    local r = send("DELETE", "/jobs/ingest/" .. j.id)
    assert.equal(400, r.status)
    assert.equal("INVALIDJOBSTATE", r.json[1].errorCode)
    upload(j.id, "Name\nA\nB\nC\nD\nE\n")
    patch(j.id, "UploadComplete")
    steps(2)
    assert.equal("InProgress", info(j.id).state)
    assert.equal(400, send("DELETE", "/jobs/ingest/" .. j.id).status)
    steps()
    r = send("DELETE", "/jobs/ingest/" .. j.id)
    assert.equal(204, r.status)
    assert.equal(404, send("GET", "/jobs/ingest/" .. j.id).status)
    -- UploadComplete: deleted before it is processed, nothing is written
    local k = create { object = "Account", operation = "insert" }
    upload(k.id, "Name\nNever\n")
    patch(k.id, "UploadComplete")
    assert.equal(204, send("DELETE", "/jobs/ingest/" .. k.id).status)
    assert.same({ steps = 0, pending = false }, steps())
    assert.equal(0, count("SELECT COUNT() FROM Account WHERE Name = 'Never'"))
  end)

  it("is processed in steps: UploadComplete, InProgress as records are written, JobComplete", function()
    local j = create { object = "Account", operation = "insert" }
    upload(j.id, "Name\nS1\nS2\nS3\nS4\nS5\nS6\nS7\n")
    assert.equal("UploadComplete", patch(j.id, "UploadComplete").json.state)
    assert.equal("UploadComplete", info(j.id).state)
    local seen = {}
    repeat
      local s = steps(1)
      local i = info(j.id)
      seen[#seen + 1] = ("%s %d"):format(i.state, i.numberRecordsProcessed)
    until not s.pending
    -- the first step checks the whole upload; then 3 records a step
    assert.same({ "InProgress 0", "InProgress 3", "InProgress 6", "JobComplete 7" }, seen)
    assert.equal(7, count("SELECT COUNT() FROM Account WHERE Name LIKE 'S_'"))
  end)

  it("aborted before processing writes nothing; unprocessedrecords holds the upload", function()
    local text = "Name,Industry\nU1,Energy\nU2,Banking\n"
    local j = create { object = "Account", operation = "insert" }
    upload(j.id, text)
    patch(j.id, "UploadComplete")
    local r = patch(j.id, "Aborted")
    assert.equal(200, r.status)
    assert.equal("Aborted", r.json.state)
    assert.same({ steps = 0, pending = false }, steps())
    assert.equal(0, count("SELECT COUNT() FROM Account WHERE Name LIKE 'U_'"))
    local i = info(j.id)
    assert.equal("Aborted", i.state)
    assert.equal(0, i.numberRecordsProcessed)
    assert.equal(text, results(j.id, "unprocessedrecords"))
    assert.equal('"sf__Id","sf__Created",Name,Industry\n', results(j.id, "successfulResults"))
    assert.equal('"sf__Id","sf__Error",Name,Industry\n', results(j.id, "failedResults"))
  end)

  it("aborted half-way keeps what was written; the rest is unprocessed", function()
    local j = create { object = "Account", operation = "insert" }
    upload(j.id, "Name,Site\nH1,a\nH2,\"b,c\"\nH3,d\nH4,e\nH5,f\n")
    patch(j.id, "UploadComplete")
    steps(2) -- the check, then 3 records
    patch(j.id, "Aborted")
    steps()
    local i = info(j.id)
    assert.equal("Aborted", i.state)
    assert.equal(3, i.numberRecordsProcessed)
    assert.equal(3, count("SELECT COUNT() FROM Account WHERE Name LIKE 'H_'"))
    assert.equal("Name,Site\nH4,e\nH5,f\n", results(j.id, "unprocessedrecords"))
    local ok = results(j.id, "successfulResults")
    assert.matches('^"sf__Id","sf__Created",Name,Site\n"001%w+","true","H1","a"\n"001%w+","true","H2","b,c"\n', ok)
  end)

  it("shows the long JobInfo with counters once processed, contentUrl only while Open", function()
    local _, id = run({ object = "Account", operation = "insert" }, "Name\nL1\n\n#N/A\n")
    local r = send("GET", "/jobs/ingest/" .. id)
    assert.same({ "id", "operation", "object", "createdById", "createdDate", "systemModstamp", "state",
      "concurrencyMode", "contentType", "apiVersion", "jobType", "lineEnding", "columnDelimiter",
      "numberRecordsProcessed", "numberRecordsFailed", "retries", "totalProcessingTime", "apiActiveProcessingTime",
      "apexProcessingTime" }, keys_of(r))
    local i = r.json
    assert.equal("JobComplete", i.state)
    assert.equal("V2Ingest", i.jobType)
    assert.equal(2, i.numberRecordsProcessed) -- the blank line is skipped; #N/A leaves no Name
    assert.equal(1, i.numberRecordsFailed)
    assert.equal(0, i.retries)
    assert.equal("integer", math.type(i.totalProcessingTime))
    assert.equal(0, i.apexProcessingTime)
    assert.is_nil(i.errorMessage)
    assert.is_true(i.systemModstamp >= i.createdDate)
  end)

  it("lists the jobs, 1000 a page, with the documented filters", function()
    local a = create { object = "Account", operation = "insert" }
    local b = create { object = "Contact", operation = "delete" }
    local r = send("GET", "/jobs/ingest")
    assert.equal(200, r.status)
    assert.matches('^{"done":true,"records":%[{"id":.*}%],"nextRecordsUrl":null}$', r.body)
    assert.is_true(r.json.done)
    assert.equal(json.null, r.json.nextRecordsUrl)
    assert.equal(2, #r.json.records)
    assert.equal(a.id, r.json.records[1].id)
    assert.equal(b.id, r.json.records[2].id)
    assert.equal("V2Ingest", r.json.records[1].jobType)
    local function n(query) return #org.request("GET", V .. "/jobs/ingest", { query = query }).json.records end
    assert.equal(2, n { jobType = "V2Ingest" })
    assert.equal(0, n { jobType = "Classic" })
    assert.equal(2, n { concurrencyMode = "parallel" })
    assert.equal(0, n { concurrencyMode = "serial" })
    assert.equal(0, n { isPkChunkingEnabled = "true" })
    assert.equal(0, #send("GET", "/jobs/query").json.records)
  end)

  it("pages a list past 1000 jobs with nextRecordsUrl", function()
    for _ = 1, 1001 do create { object = "Account", operation = "insert" } end
    local r = send("GET", "/jobs/ingest")
    assert.is_false(r.json.done)
    assert.equal(1000, #r.json.records)
    local url = r.json.nextRecordsUrl
    assert.matches("^/services/data/v62%.0/jobs/ingest%?queryLocator=%w+$", url)
    local r2 = org.request("GET", V .. "/jobs/ingest", { query = { queryLocator = url:match("queryLocator=(.*)$") } })
    assert.is_true(r2.json.done)
    assert.equal(1, #r2.json.records)
    assert.equal(400, org.request("GET", V .. "/jobs/ingest", { query = { queryLocator = "!!" } }).status)
  end)

  it("runs no step once halted (the server is stopping)", function()
    local j = create { object = "Account", operation = "insert" }
    upload(j.id, "Name\nH1\n")
    patch(j.id, "UploadComplete")
    assert.equal("true", app.control("bulk_halt", ""))
    assert.same({ steps = 0, pending = true }, steps())
    assert.is_false(app.tick())
    assert.equal("UploadComplete", info(j.id).state)
  end)

  it("drops every job on reset", function()
    local j = create { object = "Account", operation = "insert" }
    upload(j.id, "Name\nR1\n")
    patch(j.id, "UploadComplete")
    app.control("reset", "")
    assert.equal(404, send("GET", "/jobs/ingest/" .. j.id).status)
    assert.same({ steps = 0, pending = false }, steps())
    assert.equal(0, count("SELECT COUNT() FROM Account WHERE Name = 'R1'"))
  end)
end)

describe("bulk ingest: checks that fail the job", function()
  before_each(function() setup() end)

  -- {what, job spec extras, upload, errorMessage}
  local FAILING = {
    { "a column that is no field", {}, "Name,Foo__c\nA,1\n", "InvalidBatch : Field name not found : Foo__c" },
    { "a record with more columns", {}, "Name,Site\nA,1\nB,2,3\n",
      "ClientInputError : Wrong number of columns in CSV record 3: 3 instead of the header's 2" },
    { "a record with fewer columns", {}, "Name,Site\nA,1\nB\nC,3\n",
      "ClientInputError : Wrong number of columns in CSV record 3: 1 instead of the header's 2" },
    { "CRLF data for an LF job", {}, "Name\r\nA\r\n",
      "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF" },
    { "one CRLF among LFs", {}, "Name\nA\nB\r\nC\n",
      "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF" },
    { "LF data for a CRLF job", { lineEnding = "CRLF" }, "Name\nA\n",
      "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is CRLF" },
    { "an empty upload", {}, "", "InvalidBatch : Records not found" },
    { "bytes that are not UTF-8", {}, "Name\nok\nbad \xff\n",
      "InvalidBatch : Invalid UTF-8 in the data at line 3: the upload must be UTF-8" },
    { "a stray quote", {}, 'Name\nsay "hi"\n',
      "InvalidBatch : Failed to parse CSV. Found unescaped quote. A value with quote should be within a quote" },
    { "a quoted field never closed", {}, 'Name\n"open\n',
      "InvalidBatch : Failed to parse CSV. line 2: a quoted field not closed by the end of the input" },
    { "a byte order mark before a quoted header", {}, '\xef\xbb\xbf"Name"\nA\n',
      "InvalidBatch : Failed to parse CSV. Found unescaped quote. A value with quote should be within a quote" },
    { "the wrong delimiter", { columnDelimiter = "SEMICOLON" }, "Name,Site\nA,1\n",
      "InvalidBatch : Field name not found : Name,Site" },
  }
  for _, row in ipairs(FAILING) do
    it("fails on " .. row[1] .. ", writing nothing", function()
      local before = count("SELECT COUNT() FROM Account")
      local spec = { object = "Account", operation = "insert" }
      for k, v in pairs(row[2]) do spec[k] = v end
      local i, id = run(spec, row[3])
      assert.equal("Failed", i.state)
      assert.equal(row[4], i.errorMessage)
      assert.equal(0, i.numberRecordsProcessed)
      assert.equal(0, i.numberRecordsFailed)
      assert.equal(before, count("SELECT COUNT() FROM Account"))
      assert.equal(row[3], results(id, "unprocessedrecords"))
    end)
  end

  it("takes CRLF data for a CRLF job, and a last line without a line break", function()
    local i = run({ object = "Account", operation = "insert", lineEnding = "CRLF" }, "Name\r\nC1\r\nC2")
    assert.equal("JobComplete", i.state)
    assert.equal(2, i.numberRecordsProcessed)
    assert.equal(2, count("SELECT COUNT() FROM Account WHERE Name LIKE 'C_'"))
  end)

  it("completes a header without records with nothing processed", function()
    local i = run({ object = "Account", operation = "insert" }, "Name\n")
    assert.equal("JobComplete", i.state)
    assert.equal(0, i.numberRecordsProcessed)
  end)

  it("reads every delimiter Salesforce offers", function()
    for name, d in pairs { TAB = "\t", PIPE = "|", SEMICOLON = ";", CARET = "^", BACKQUOTE = "`" } do
      local i, id = run({ object = "Account", operation = "insert", columnDelimiter = name },
        ("Name%sSite\nD-%s%sx,y\n"):format(d, name, d))
      assert.equal("JobComplete", i.state, name)
      assert.equal(1, count(("SELECT COUNT() FROM Account WHERE Name = 'D-%s' AND Site = 'x,y'"):format(name)), name)
      local ok = results(id, "successfulResults"):gsub('"001%w+"', '"ID"')
      assert.equal(('"sf__Id"%s"sf__Created"%sName%sSite\n"ID"%s"true"%s"D-%s"%s"x,y"\n')
        :format(d, d, d, d, d, name, d), ok, name)
    end
  end)
end)

describe("bulk ingest: records", function()
  before_each(function() setup() end)

  it("writes each record as a REST create would; failures carry Salesforce's sf__Error", function()
    local long = ("x"):rep(256)
    local text = table.concat({
      "Name,Industry,NumberOfEmployees,Website",
      "Good One,Energy,10,",
      ",Energy,,",                    -- no Name
      "Bad Pick,Nope,,",              -- not a value of the picklist
      "Bad Number,,ten,",             -- not an int
      long .. ",,,",                  -- too long
      "Good Two,,#N/A,\"http://x\"",
    }, "\n") .. "\n"
    local i, id = run({ object = "Account", operation = "insert" }, text)
    assert.equal("JobComplete", i.state)
    assert.equal(6, i.numberRecordsProcessed)
    assert.equal(4, i.numberRecordsFailed)
    local ok = results(id, "successfulResults")
    local ids = {}
    for rid in ok:gmatch('\n"(001%w+)"') do ids[#ids + 1] = rid end
    assert.equal(2, #ids)
    assert.equal(('"sf__Id","sf__Created",Name,Industry,NumberOfEmployees,Website\n'
      .. '"%s","true","Good One","Energy","10",""\n"%s","true","Good Two","","#N/A","http://x"\n')
      :format(ids[1], ids[2]), ok)
    -- the org holds them, as written
    local rows = org.query("SELECT Id, Name, Industry, NumberOfEmployees, Website FROM Account WHERE Name LIKE 'Good%' "
      .. "ORDER BY Name").json.records
    assert.equal(ids[1], rows[1].Id)
    assert.equal(10, rows[1].NumberOfEmployees)
    assert.equal(json.null, rows[1].Website)
    assert.equal(json.null, rows[2].NumberOfEmployees)
    assert.equal("http://x", rows[2].Website)
    -- the failures, with the REST create's words for the same record
    local rest = send("POST", "/sobjects/Account", { Name = long }).json[1]
    assert.equal(table.concat({
      '"sf__Id","sf__Error",Name,Industry,NumberOfEmployees,Website',
      '"","REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --","","Energy","",""',
      '"","INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Industry: bad value for restricted picklist field: Nope:Industry --",'
        .. '"Bad Pick","Nope","",""',
      '"","INVALID_FIELD:Failed to deserialize field at col 3. Due to, \'ten\' is not a valid value for the type '
        .. 'xsd:int:NumberOfEmployees --","Bad Number","","ten",""',
      ('"","%s:%s:Name --","%s","","",""'):format(rest.errorCode, rest.message, long),
    }, "\n") .. "\n", results(id, "failedResults"))
    assert.equal("Name,Industry,NumberOfEmployees,Website\n", results(id, "unprocessedrecords"))
  end)

  it("stores numbers as a REST write of the same text does", function()
    local amounts = { "12.345", "-0.005", "1234567890123456.785", "7", "1e2" }
    local lines = { "External_Id__c,Amount__c" }
    for n, a in ipairs(amounts) do lines[#lines + 1] = ("B%d,%s"):format(n, a) end
    local i = run({ object = "Invoice__c", operation = "insert" }, table.concat(lines, "\n") .. "\n")
    assert.equal(0, i.numberRecordsFailed)
    for n, a in ipairs(amounts) do
      local r = send("POST", "/sobjects/Invoice__c", { External_Id__c = "R" .. n, Amount__c = a })
      assert.equal(201, r.status, r.body)
    end
    local function amounts_of(prefix)
      local out = {}
      for _, rec in ipairs(org.query(("SELECT Amount__c FROM Invoice__c WHERE External_Id__c LIKE '%s%%' ORDER BY "
        .. "External_Id__c"):format(prefix)).json.records) do
        out[#out + 1] = json.encode(rec.Amount__c)
      end
      return out
    end
    assert.same({ "12.35", "-0.01", "1234567890123456.79", "7.0", "100.0" }, amounts_of("B"))
    assert.same(amounts_of("R"), amounts_of("B"))
  end)

  it("refuses an Id in an insert, as the REST create does", function()
    local i, id = run({ object = "Account", operation = "insert" }, "Id,Name\n001000000000001AAA,Dup\n")
    assert.equal(1, i.numberRecordsFailed)
    assert.matches('"","INVALID_FIELD_FOR_INSERT_UPDATE:cannot specify Id in an insert call:Id %-%-"',
      results(id, "failedResults"))
  end)

  it("updates by Id: an empty cell leaves a field, #N/A clears it; unknown ids fail", function()
    local acme = org.ACME
    send("PATCH", "/sobjects/Account/" .. acme, { Site = "HQ", Phone = "123", Industry = "Energy" })
    local text = ("Id,Site,Phone,Industry\n%s,,#N/A,Banking\n001000000000009AAA,x,,\n,y,,\n00100000000000,z,,\n")
      :format(acme:sub(1, 15))
    local i, id = run({ object = "Account", operation = "update" }, text)
    assert.equal(4, i.numberRecordsProcessed)
    assert.equal(3, i.numberRecordsFailed)
    local row = send("GET", "/sobjects/Account/" .. acme).json
    assert.equal("HQ", row.Site)
    assert.equal(json.null, row.Phone)
    assert.equal("Banking", row.Industry)
    assert.equal(('"sf__Id","sf__Created",Id,Site,Phone,Industry\n"%s","false","%s","","#N/A","Banking"\n')
      :format(acme, acme:sub(1, 15)), results(id, "successfulResults"))
    assert.equal(table.concat({
      '"sf__Id","sf__Error",Id,Site,Phone,Industry',
      '"001000000000009AAA","INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--","001000000000009AAA","x","",""',
      '"","MISSING_ARGUMENT:Id not specified in an update call:--","","y","",""',
      '"00100000000000","MALFORMED_ID:Account ID: id value of incorrect type: 00100000000000:--","00100000000000",'
        .. '"z","",""',
    }, "\n") .. "\n", results(id, "failedResults"))
  end)

  it("deletes to the recycle bin and hard-deletes for good", function()
    local ids = {}
    for _, r in ipairs(org.query("SELECT Id FROM Account ORDER BY Name").json.records) do ids[#ids + 1] = r.Id end
    -- Acme, Globex, Initech: soft-delete Acme, hard-delete Globex
    local i, id = run({ object = "Account", operation = "delete" }, "Id\n" .. ids[1] .. "\n" .. ids[1] .. "\n")
    assert.equal(2, i.numberRecordsProcessed)
    assert.equal(1, i.numberRecordsFailed)
    assert.matches('"ENTITY_IS_DELETED:entity is deleted:%-%-"', results(id, "failedResults"))
    i = run({ object = "Account", operation = "hardDelete" }, "Id\n" .. ids[2] .. "\n")
    assert.equal("JobComplete", i.state)
    assert.equal(0, i.numberRecordsFailed)
    assert.equal(1, count("SELECT COUNT() FROM Account"))
    local all = org.query("SELECT Name, IsDeleted FROM Account ORDER BY Name", { all = true }).json.records
    assert.equal(2, #all)
    assert.equal("Acme", all[1].Name)
    assert.is_true(all[1].IsDeleted)
    assert.equal("Initech", all[2].Name)
    assert.equal(404, send("GET", "/sobjects/Account/" .. ids[2]).status)
    -- a hard-deleted record is gone for a second delete too
    i, id = run({ object = "Account", operation = "hardDelete" }, "Id\n" .. ids[2] .. "\n")
    assert.equal(1, i.numberRecordsFailed)
    assert.matches("INVALID_CROSS_REFERENCE_KEY", results(id, "failedResults"))
    -- reset brings both back
    app.control("reset", "")
    assert.equal(3, count("SELECT COUNT() FROM Account"))
  end)
end)

describe("bulk ingest: upsert and parents by external id", function()
  local SCHEMA = json.encode { objects = {
    { name = "Account", keyPrefix = "001", hasOwner = false, fields = {
      { name = "Name", type = "string", length = 80, required = true },
      { name = "Code__c", type = "string", length = 20, externalId = true },
      { name = "Active__c", type = "boolean" },
      { name = "Founded__c", type = "date" },
      { name = "Seen__c", type = "datetime" },
      { name = "Revenue__c", type = "currency", precision = 18, scale = 2 },
    } },
    { name = "Contact", keyPrefix = "003", hasOwner = false, fields = {
      { name = "LastName", type = "string", length = 80, required = true },
      { name = "Email__c", type = "string", length = 80, externalId = true },
      { name = "AccountId", type = "reference", referenceTo = { "Account" }, relationshipName = "Account",
        childRelationshipName = "Contacts" },
    } },
  } }

  before_each(function()
    setup { schema = org.write(SCHEMA), data_inline = { Account = {
      { Name = "Existing", Code__c = "A-1" },
      { Name = "Twin 1", Code__c = "TWIN" }, { Name = "Twin 2", Code__c = "twin" },
    } } }
  end)

  it("creates or updates by the external id; sf__Created says which", function()
    local text = "Code__c,Name,Active__c,Founded__c,Seen__c,Revenue__c\n"
      .. "a-1,Existing Renamed,TRUE,2001-02-03,2024-06-01T10:00:00.000+02:00,12.5\n"
      .. "B-2,Brand New,0,,2024-06-01T10:00:00Z,\n"
      .. ",No Code,,,,\n"
      .. "TWIN,Which One,,,,\n"
    local i, id = run({ object = "Account", operation = "upsert", externalIdFieldName = "Code__c" }, text)
    assert.equal(4, i.numberRecordsProcessed)
    assert.equal(2, i.numberRecordsFailed)
    local ok = results(id, "successfulResults")
    assert.matches('\n"001%w+","false","a%-1","Existing Renamed",', ok)
    assert.matches('\n"001%w+","true","B%-2","Brand New",', ok)
    local failed = results(id, "failedResults")
    assert.matches('"","MISSING_ARGUMENT:External ID was blank for Code__c:%-%-","","No Code"', failed)
    assert.matches('"","DUPLICATE_EXTERNAL_ID:Duplicate external id specified: TWIN', failed)
    local rows = org.query("SELECT Name, Code__c, Active__c, Founded__c, Seen__c, Revenue__c FROM Account "
      .. "WHERE Code__c IN ('A-1', 'B-2') ORDER BY Code__c").json.records
    assert.equal("Existing Renamed", rows[1].Name)
    assert.is_true(rows[1].Active__c)
    assert.equal("2001-02-03", rows[1].Founded__c)
    assert.equal("2024-06-01T08:00:00.000+0000", rows[1].Seen__c)
    assert.equal(12.5, rows[1].Revenue__c)
    assert.equal("Brand New", rows[2].Name)
    assert.is_false(rows[2].Active__c)
  end)

  it("upserts by Id: a blank Id creates", function()
    local existing = org.query("SELECT Id FROM Account WHERE Code__c = 'A-1'").json.records[1].Id
    local i, id = run({ object = "Account", operation = "upsert", externalIdFieldName = "Id" },
      ("Id,Name\n%s,By Id\n,Made By Upsert\n"):format(existing))
    assert.equal(0, i.numberRecordsFailed)
    assert.matches(('"%s","false"'):format(existing), results(id, "successfulResults"), 1, true)
    assert.matches('"001%w+","true","","Made By Upsert"', results(id, "successfulResults"))
  end)

  it("names a parent by its external id, and clears a lookup with #N/A", function()
    local text = "LastName,Account.Code__c,Email__c\nKid,A-1,kid@x.io\nOrphan,NOPE,o@x.io\n"
    local i, id = run({ object = "Contact", operation = "insert" }, text)
    assert.equal(1, i.numberRecordsFailed)
    local kid = org.query("SELECT LastName, Account.Name FROM Contact WHERE LastName = 'Kid'").json.records[1]
    assert.equal("Existing", kid.Account.Name)
    assert.matches('"","INVALID_FIELD:Foreign key external ID: NOPE not found for field Code__c in entity Account:%-%-"',
      results(id, "failedResults"))
    i = run({ object = "Contact", operation = "upsert", externalIdFieldName = "Email__c" },
      "Email__c,Account.Code__c\nkid@x.io,#N/A\n")
    assert.equal(0, i.numberRecordsFailed)
    assert.equal(json.null, org.query("SELECT AccountId FROM Contact WHERE LastName = 'Kid'").json.records[1].AccountId)
  end)
end)
