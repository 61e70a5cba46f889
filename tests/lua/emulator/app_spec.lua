-- luaforce.emulator.app: routing, paging and wire details, called directly
-- (the C server only carries these replies; tests/e2e drives it over HTTP).
local json = require "luaforce.json"
local app = require "luaforce.emulator.app"

local TOKEN = "00DLOCAL!luaforce-local-token"

local function request(method, path, opts)
  opts = opts or {}
  local headers = { host = "127.0.0.1:5555", authorization = "Bearer " .. TOKEN }
  for k, v in pairs(opts.headers or {}) do headers[k] = v end
  if opts.token == false then headers.authorization = nil end
  local res = app.handle { method = method, path = path, query = opts.query or {}, headers = headers,
    body = opts.body or "", loopback = opts.loopback ~= false }
  local h = {}
  for _, kv in ipairs(res.headers) do h[kv[1]:lower()] = kv[2] end
  res.h = h
  if res.body ~= "" and (h["content-type"] or ""):find("json") then res.json = json.decode(res.body) end
  return res
end

local function query(soql, opts)
  opts = opts or {}
  opts.query = { q = soql }
  return request("GET", "/services/data/v62.0/" .. (opts.all and "queryAll" or "query"), opts)
end

local function follow(url, opts)
  return request("GET", url, opts)
end

local function write(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end

-- a small org: 3 accounts, one with 7 contacts
local DATA = {
  Account = {
    { Id = "001000000000001AAA", Name = "Acme" },
    { Id = "001000000000002AAA", Name = "Globex" },
    { Id = "001000000000003AAA", Name = "Initech" },
  },
  Contact = {},
}
for i = 1, 7 do
  DATA.Contact[i] = { LastName = ("Contact %d"):format(i), AccountId = "001000000000001AAA" }
end

describe("emulator app", function()
  before_each(function()
    app.setup { empty = true, data_inline = DATA, now = "2024-06-01T12:00:00Z", min_batch_size = 2,
      child_batch_size = 3 }
  end)

  it("labels the versions as Salesforce does", function()
    assert.equal("Summer '14", app.release_label(31))
    assert.equal("Spring '24", app.release_label(60))
    assert.equal("Winter '25", app.release_label(62))
    assert.equal("Spring '26", app.release_label(66))
    local r = request("GET", "/services/data", { token = false })
    assert.equal(200, r.status)
    assert.equal(36, #r.json)
    assert.is_nil(r.h["sforce-limit-info"])
  end)

  it("lists the resources of a version", function()
    local r = request("GET", "/services/data/v62.0")
    assert.equal(200, r.status)
    assert.equal("/services/data/v62.0/sobjects", r.json.sobjects)
    assert.equal("/services/data/v62.0/query", r.json.query)
  end)

  describe("query pages", function()
    it("clamps batchSize to the minimum and pages to the end", function()
      local r = query("SELECT Id FROM Contact ORDER BY LastName", { headers = { ["sforce-query-options"] = "batchSize=1" } })
      assert.equal(200, r.status)
      assert.equal(7, r.json.totalSize)
      assert.equal(2, #r.json.records) -- 1 is below --min-batch-size 2
      local n, pages = #r.json.records, 1
      local page = r.json
      while not page.done do
        page = follow(page.nextRecordsUrl, { headers = { ["sforce-query-options"] = "batchSize=3" } }).json
        n, pages = n + #page.records, pages + 1
      end
      assert.equal(7, n)
      assert.equal(3, pages) -- 2 + 3 + 2
      assert.is_nil(page.nextRecordsUrl)
    end)

    it("keeps no locator when everything fits", function()
      local r = query("SELECT Id FROM Account")
      assert.is_true(r.json.done)
      assert.is_nil(r.json.nextRecordsUrl)
      assert.equal('{"totalSize":3,"done":true,"records":[', r.body:sub(1, 38))
    end)

    it("pages large child results with their own locator", function()
      local r = query("SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account ORDER BY Name")
      assert.equal(200, r.status, r.body)
      local acme = r.json.records[1]
      assert.equal("Acme", acme.Name)
      local kids = acme.Contacts
      assert.equal(7, kids.totalSize)
      assert.is_false(kids.done)
      assert.equal(3, #kids.records)
      assert.matches("^/services/data/v62%.0/query/%w+%-3$", kids.nextRecordsUrl)
      local rest = follow(kids.nextRecordsUrl).json
      assert.equal(7, rest.totalSize)
      assert.equal("Contact 4", rest.records[1].LastName)
      -- the same child set gets the same locator when served again
      local again = query("SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account ORDER BY Name")
      assert.matches("%-3$", again.json.records[1].Contacts.nextRecordsUrl)
      assert.equal(json.null, r.json.records[2].Contacts)
    end)

    it("rejects unknown locators", function()
      local r = follow("/services/data/v62.0/query/01gLOC000000999AAA-2000")
      assert.equal(400, r.status)
      assert.equal("INVALID_QUERY_LOCATOR", r.json[1].errorCode)
    end)

    it("asks for a query string", function()
      local r = request("GET", "/services/data/v62.0/query")
      assert.equal(400, r.status)
      assert.equal("MALFORMED_QUERY", r.json[1].errorCode)
    end)

    it("answers explain and columns", function()
      local e = request("GET", "/services/data/v62.0/query", { query = { explain = "SELECT Id FROM Account" } })
      assert.equal(200, e.status)
      assert.equal("Account", e.json.plans[1].sobjectType)
      local c = request("GET", "/services/data/v62.0/query",
        { query = { q = "SELECT Id, Account.Name FROM Contact", columns = "true" } })
      assert.equal(200, c.status)
      assert.equal("Id", c.json.columnMetadata[1].columnName)
    end)

    it("includes deleted rows only in queryAll", function()
      assert.equal(204, request("DELETE", "/services/data/v62.0/sobjects/Account/001000000000002AAA").status)
      assert.equal(2, query("SELECT Id FROM Account").json.totalSize)
      assert.equal(3, query("SELECT Id FROM Account", { all = true }).json.totalSize)
    end)
  end)

  describe("records", function()
    it("upserts: 300 with the record URLs when the external id matches several rows", function()
      local schema = write(json.encode {
        objects = { { name = "Thing__c", keyPrefix = "a05", fields = {
          { name = "Name", type = "string" },
          { name = "Code__c", type = "string", externalId = true },
        } } },
      })
      app.setup { empty = true, schema = schema, data_inline = { Thing__c = {
        { Name = "one", Code__c = "X" }, { Name = "two", Code__c = "X" } } } }
      os.remove(schema)
      local r = request("PATCH", "/services/data/v62.0/sobjects/Thing__c/Code__c/X", { body = '{"Name":"three"}' })
      assert.equal(300, r.status, r.body)
      assert.equal(2, #r.json)
      assert.matches("^/services/data/v62%.0/sobjects/Thing__c/a05", r.json[1])
      local g = request("GET", "/services/data/v62.0/sobjects/Thing__c/Code__c/X")
      assert.equal(300, g.status)
    end)

    it("answers 204 to an upsert update before API 46", function()
      local path = "/services/data/v45.0/sobjects/Invoice__c/External_Id__c/OLD-1"
      local body = json.encode { Account__c = "001000000000001AAA" }
      assert.equal(201, request("PATCH", path, { body = body }).status)
      assert.equal(204, request("PATCH", path, { body = body }).status)
    end)

    it("returns the child list of a record", function()
      local r = request("GET", "/services/data/v62.0/sobjects/Account/001000000000001AAA/Contacts")
      assert.equal(200, r.status)
      assert.equal(7, r.json.totalSize)
      local empty = request("GET", "/services/data/v62.0/sobjects/Contact/"
        .. query("SELECT Id FROM Contact LIMIT 1").json.records[1].Id .. "/Owner")
      assert.is_true(empty.status == 200 or empty.status == 404)
    end)

    it("names the field of a bad ?fields= list", function()
      local r = request("GET", "/services/data/v62.0/sobjects/Account/001000000000001AAA",
        { query = { fields = "Id,Nmae" } })
      assert.equal(400, r.status)
      assert.equal("INVALID_FIELD", r.json[1].errorCode)
      assert.matches("'Nmae'", r.json[1].message)
    end)
  end)

  describe("wire details", function()
    it("leaves the body out of HEAD answers and gzips only when asked", function()
      local h = request("HEAD", "/services/data/v62.0/sobjects/Account/001000000000001AAA")
      assert.equal(200, h.status)
      assert.equal("", h.body)
      local g = request("GET", "/services/data/v62.0/sobjects", { headers = { ["accept-encoding"] = "gzip, deflate" } })
      assert.is_true(g.gzip)
      assert.is_nil(request("GET", "/services/data/v62.0/sobjects").gzip)
    end)

    it("counts API requests in Sforce-Limit-Info", function()
      local a = request("GET", "/services/data/v62.0/sobjects").h["sforce-limit-info"]
      local b = request("GET", "/services/data/v62.0/sobjects").h["sforce-limit-info"]
      local na, nb = tonumber(a:match("api%-usage=(%d+)/15000")), tonumber(b:match("api%-usage=(%d+)/15000"))
      assert.equal(na + 1, nb)
    end)

    it("refuses the controls off loopback", function()
      assert.equal(403, request("POST", "/_emulator/reset", { loopback = false }).status)
      assert.equal(204, request("POST", "/_emulator/reset").status)
      local info = request("GET", "/_emulator/info")
      assert.equal(TOKEN, info.json.token)
      assert.equal("2024-06-01", info.json.now:sub(1, 10))
    end)

    it("resets to the data it started with", function()
      request("POST", "/services/data/v62.0/sobjects/Account", { body = '{"Name":"New"}' })
      assert.equal(4, query("SELECT COUNT() FROM Account").json.totalSize)
      app.control("reset", "")
      assert.equal(3, query("SELECT COUNT() FROM Account").json.totalSize)
    end)

    it("answers 405 with the allowed methods", function()
      local r = request("PUT", "/services/data/v62.0/sobjects/Account")
      assert.equal(405, r.status)
      assert.equal("GET,HEAD,POST", r.h.allow)
      assert.equal("METHOD_NOT_ALLOWED", r.json[1].errorCode)
    end)

    it("takes more OAuth clients from a clients file", function()
      local clients = write('[{"client_id": "ci-bot", "client_secret": "s3cret"}]')
      app.setup { empty = true, clients = clients }
      os.remove(clients)
      local function token(id, secret)
        return request("POST", "/services/oauth2/token", { token = false,
          body = ("grant_type=client_credentials&client_id=%s&client_secret=%s"):format(id, secret) }).status
      end
      assert.equal(200, token("ci-bot", "s3cret"))
      assert.equal(200, token("luaforce-local", "luaforce-local-secret"))
      assert.equal(400, token("ci-bot", "wrong"))
      local bad = write('[{"client_id": "x"}]')
      local ok, err = pcall(app.setup, { empty = true, clients = bad })
      os.remove(bad)
      assert.is_false(ok)
      assert.matches("client 1 needs client_id and client_secret", err)
    end)

    it("accepts OAuth tokens, refuses others, and expires them on request", function()
      local t = request("POST", "/services/oauth2/token", { token = false,
        body = "grant_type=client_credentials&client_id=luaforce-local&client_secret=luaforce-local-secret" })
      assert.equal(200, t.status)
      assert.equal("http://127.0.0.1:5555", t.json.instance_url)
      local tok = t.json.access_token
      local ok = request("GET", "/services/data/v62.0/sobjects", { headers = { authorization = "Bearer " .. tok } })
      assert.equal(200, ok.status)
      local bad = request("GET", "/services/data/v62.0/sobjects", { headers = { authorization = "Bearer nope" } })
      assert.equal(401, bad.status)
      assert.equal("INVALID_SESSION_ID", bad.json[1].errorCode)
    end)
  end)
end)
