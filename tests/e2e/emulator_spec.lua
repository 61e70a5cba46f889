-- End-to-end: `luaforce emulator --port 0` driven with curl, as a user (or
-- an off-the-shelf client) would drive it.
local proc = require "support.proc"
local json = require "luaforce.json"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"
local NOW = "2024-06-01T12:00:00Z"

local function start(extra)
  local args = { "emulator", "--port", "0", "--now", NOW, "--seed", "3" }
  for _, a in ipairs(extra or {}) do args[#args + 1] = a end
  local h = proc.spawn(args)
  local url = h.wait_for("luaforce emulator listening on (http://127%.0%.0%.1:%d+)\n", 20)
  assert(url, "the emulator did not start: " .. h.read_stderr())
  h.url = url
  return h
end

describe("luaforce emulator", function()
  local emu, base

  local function api(path, opts)
    opts = opts or {}
    local headers = { "Authorization: Bearer " .. (opts.token or TOKEN) }
    for _, x in ipairs(opts.headers or {}) do headers[#headers + 1] = x end
    if opts.json then headers[#headers + 1] = "Content-Type: application/json" end
    local r = proc.curl(base .. path, { method = opts.method, headers = headers,
      data = opts.json and (type(opts.json) == "string" and opts.json or json.encode(opts.json)) or nil,
      args = opts.args })
    if r.body ~= "" and (r.headers["content-type"] or ""):find("json") and not opts.raw then
      r.json = json.decode(r.body)
    end
    return r
  end

  local function q(soql)
    return "/query?q=" .. soql:gsub("[^%w]", function(c)
      return c == " " and "+" or ("%%%02X"):format(c:byte())
    end)
  end

  setup(function()
    emu = start { "--min-batch-size", "5" }
    base = emu.url .. "/services/data/v62.0"
  end)

  teardown(function()
    if emu then emu.signal("TERM"); emu.wait(10); emu.cleanup() end
  end)

  it("prints exactly one line on standard output", function()
    assert.matches("^luaforce emulator listening on http://127%.0%.0%.1:%d+\n$", emu.read_stdout())
  end)

  it("lists the API versions without authentication", function()
    local r = proc.curl(emu.url .. "/services/data/")
    assert.equal(200, r.status)
    local list = json.decode(r.body)
    assert.same({ label = "Winter '25", url = "/services/data/v62.0", version = "62.0" }, list[32])
    assert.equal("31.0", list[1].version)
    assert.equal("66.0", list[#list].version)
    assert.is_nil(r.headers["sforce-limit-info"])
  end)

  describe("OAuth client credentials", function()
    local function token(body, headers)
      local hs = { "Content-Type: application/x-www-form-urlencoded" }
      for _, h in ipairs(headers or {}) do hs[#hs + 1] = h end
      return proc.curl(emu.url .. "/services/oauth2/token", { method = "POST", headers = hs, data = body })
    end

    it("issues a token for credentials in the form body", function()
      local r = token("grant_type=client_credentials&client_id=luaforce-local&client_secret=luaforce-local-secret")
      assert.equal(200, r.status)
      local t = json.decode(r.body)
      assert.equal("Bearer", t.token_type)
      assert.equal(emu.url, t.instance_url)
      assert.equal("string", type(t.issued_at))
      assert.matches("^%d+$", t.issued_at)
      assert.matches("/id/00D%w+/005%w+$", t.id)
      assert.is_nil(t.expires_in)
      assert.is_nil(t.refresh_token)
      -- the token works
      local q1 = api("/query?q=SELECT+COUNT()+FROM+Account", { token = t.access_token })
      assert.equal(200, q1.status)
    end)

    it("accepts HTTP Basic credentials", function()
      local r = token("grant_type=client_credentials",
        { "Authorization: Basic " .. "bHVhZm9yY2UtbG9jYWw6bHVhZm9yY2UtbG9jYWwtc2VjcmV0" })
      assert.equal(200, r.status)
      assert.truthy(json.decode(r.body).access_token)
    end)

    it("answers Salesforce's 400 bodies for bad requests", function()
      local rows = {
        { "grant_type=client_credentials&client_id=luaforce-local&client_secret=nope", "invalid_client",
          "invalid client credentials" },
        { "grant_type=client_credentials&client_id=who&client_secret=x", "invalid_client_id",
          "client identifier invalid" },
        { "grant_type=password&client_id=luaforce-local&client_secret=luaforce-local-secret",
          "unsupported_grant_type", "grant type not supported" },
      }
      for _, row in ipairs(rows) do
        local r = token(row[1])
        assert.equal(400, r.status)
        assert.same({ error = row[2], error_description = row[3] }, json.decode(r.body))
      end
    end)
  end)

  describe("query", function()
    it("pages through three pages with locators", function()
      local soql = "SELECT Id, Name FROM Account ORDER BY Name LIMIT 12"
      local r = api(q(soql), { headers = { "Sforce-Query-Options: batchSize=5" } })
      assert.equal(200, r.status)
      local seen, names, pages = {}, {}, { r.json }
      while not pages[#pages].done do
        local next_url = pages[#pages].nextRecordsUrl
        assert.matches("^/services/data/v62%.0/query/%w+%-%d+$", next_url)
        local p = proc.curl(emu.url .. next_url, { headers = { "Authorization: Bearer " .. TOKEN,
          "Sforce-Query-Options: batchSize=5" } })
        assert.equal(200, p.status)
        pages[#pages + 1] = json.decode(p.body)
      end
      assert.equal(3, #pages)
      for i, page in ipairs(pages) do
        assert.equal(12, page.totalSize)
        assert.equal(i < 3 and 5 or 2, #page.records)
        for _, rec in ipairs(page.records) do
          assert.equal("Account", rec.attributes.type)
          assert.matches("^/services/data/v62%.0/sobjects/Account/001%w+$", rec.attributes.url)
          assert.is_nil(seen[rec.Id]); seen[rec.Id] = true
          names[#names + 1] = rec.Name:lower()
        end
      end
      -- the pages together are the same rows, in the same order, as one page
      local whole = api(q(soql)).json
      assert.is_true(whole.done)
      for i, rec in ipairs(whole.records) do assert.equal(rec.Name:lower(), names[i]) end
      assert.equal(12, #names)
    end)

    it("resolves a locator under another version and under queryAll", function()
      local r = api(q("SELECT Id FROM Contact"), { headers = { "Sforce-Query-Options: batchSize=5" } })
      local locator = r.json.nextRecordsUrl:match("[^/]+$")
      local a = proc.curl(emu.url .. "/services/data/v58.0/queryAll/" .. locator,
        { headers = { "Authorization: Bearer " .. TOKEN } })
      assert.equal(200, a.status)
      assert.equal(r.json.totalSize, json.decode(a.body).totalSize)
    end)

    it("answers COUNT() with totalSize only", function()
      local r = api(q("SELECT COUNT() FROM Opportunity"))
      assert.equal(200, r.status)
      assert.is_true(r.json.totalSize >= 300)
      assert.same({}, r.json.records)
      assert.matches('"records":%[%]', r.body)
    end)

    it("reports malformed SOQL with Salesforce's caret", function()
      local r = api(q("SELECT Id FRM Account"))
      assert.equal(400, r.status)
      assert.equal("MALFORMED_QUERY", r.json[1].errorCode)
      assert.matches("ERROR at Row:1:Column:11", r.json[1].message)
      local t = api(q("SELECT Id FROM Bogus"))
      assert.equal("INVALID_TYPE", t.json[1].errorCode)
      local f = api(q("SELECT Id, Foo FROM Account"))
      assert.equal("INVALID_FIELD", f.json[1].errorCode)
      assert.matches("No such column 'Foo' on entity 'Account'", f.json[1].message)
    end)
  end)

  describe("sObject rows", function()
    it("creates, reads, updates and deletes a record", function()
      local c = api("/sobjects/Account", { method = "POST", json = { Name = "E2E O'Neil & Söhne" } })
      assert.equal(201, c.status)
      assert.is_true(c.json.success)
      local id = c.json.id
      assert.equal(18, #id)
      assert.equal("/services/data/v62.0/sobjects/Account/" .. id, c.headers.location)

      local g = api("/sobjects/Account/" .. id .. "?fields=Id,Name,Industry")
      assert.equal(200, g.status)
      assert.equal("E2E O'Neil & Söhne", g.json.Name)
      assert.equal(json.null, g.json.Industry)

      local u = api("/sobjects/Account/" .. id, { method = "PATCH", json = { Industry = "Energy" } })
      assert.equal(204, u.status)
      assert.equal("", u.body)
      assert.equal("Energy", api("/sobjects/Account/" .. id:sub(1, 15)).json.Industry)

      assert.equal(204, api("/sobjects/Account/" .. id, { method = "DELETE" }).status)
      local gone = api("/sobjects/Account/" .. id)
      assert.equal(404, gone.status)
      assert.equal("ENTITY_IS_DELETED", gone.json[1].errorCode)
      assert.equal("ENTITY_IS_DELETED", api("/sobjects/Account/" .. id, { method = "DELETE" }).json[1].errorCode)
      -- queryAll still sees it
      local all = api((q("SELECT Id, IsDeleted FROM Account WHERE Id = '" .. id .. "'"):gsub("^/query", "/queryAll")))
      assert.equal(1, all.json.totalSize)
      assert.is_true(all.json.records[1].IsDeleted)
    end)

    it("upserts by external id: 201 created, then 200 updated", function()
      local path = "/sobjects/Invoice__c/External_Id__c/INV-E2E-1"
      local acc = api(q("SELECT Id FROM Account LIMIT 1")).json.records[1].Id
      local first = api(path, { method = "PATCH", json = { Account__c = acc } })
      assert.equal(201, first.status, first.body)
      assert.is_true(first.json.created)
      local again = api(path, { method = "PATCH", json = { Account__c = acc } })
      assert.equal(200, again.status)
      assert.is_false(again.json.created)
      assert.equal(first.json.id, again.json.id)
      assert.equal(first.json.id, api(path).json.Id)
    end)

    it("validates what is written", function()
      local rows = {
        { "/sobjects/Account", "POST", "{\"Name\": ", 400, "JSON_PARSER_ERROR" },
        { "/sobjects/Account", "POST", { Industry = "Energy" }, 400, "REQUIRED_FIELD_MISSING" },
        { "/sobjects/Account", "POST", { Name = "x", Foo__c = 1 }, 400, "INVALID_FIELD" },
        { "/sobjects/Bogus", "POST", { Name = "x" }, 404, "NOT_FOUND" },
        { "/sobjects/Account/001000000000001AAA", "GET", nil, 404, "NOT_FOUND" },
        { "/sobjects/Account/001000000000001ZZZ", "GET", nil, 400, "MALFORMED_ID" },
        { "/sobjects/Account/Nope__c/1", "GET", nil, 404, "NOT_FOUND" },
      }
      for _, row in ipairs(rows) do
        local r = api(row[1], { method = row[2], json = row[3] })
        assert.equal(row[4], r.status, row[1] .. " " .. r.body)
        assert.equal(row[5], r.json[1].errorCode, row[1])
      end
    end)

    it("describes objects", function()
      local d = api("/sobjects/Account/describe")
      assert.equal(200, d.status)
      assert.equal("Account", d.json.name)
      assert.equal("001", d.json.keyPrefix)
      local names, children = {}, {}
      for _, f in ipairs(d.json.fields) do names[f.name] = f end
      for _, c in ipairs(d.json.childRelationships) do children[c.relationshipName or ""] = c end
      assert.equal("string", names.Name.type)
      assert.truthy(children.Contacts)
      local g = api("/sobjects")
      assert.equal(200, g.status)
      assert.is_true(#g.json.sobjects >= 7)
    end)

    it("follows relationships", function()
      local c = api(q("SELECT Id, AccountId FROM Contact WHERE AccountId != null LIMIT 1")).json.records[1]
      local parent = api("/sobjects/Contact/" .. c.Id .. "/Account")
      assert.equal(200, parent.status)
      assert.equal(c.AccountId, parent.json.Id)
      local kids = api("/sobjects/Account/" .. c.AccountId .. "/Contacts")
      assert.equal(200, kids.status)
      assert.is_true(kids.json.totalSize >= 1)
    end)
  end)

  describe("wire details", function()
    it("sends JSON with Salesforce's content type and limit header", function()
      local r = api(q("SELECT Id FROM Account LIMIT 1"))
      assert.equal("application/json;charset=UTF-8", r.headers["content-type"])
      assert.matches("^api%-usage=%d+/15000", r.headers["sforce-limit-info"])
    end)

    it("compresses with gzip when the client accepts it", function()
      local raw = api(q("SELECT Id, Name FROM Account"), { headers = { "Accept-Encoding: gzip" }, raw = true })
      assert.equal("gzip", raw.headers["content-encoding"])
      assert.equal("\31\139", raw.body:sub(1, 2))
      local plain = api(q("SELECT Id, Name FROM Account"), { args = { "--compressed" } })
      assert.equal(200, plain.status)
      assert.is_true(#plain.json.records >= 50)
    end)

    it("answers 404, 405 and 401 as Salesforce does", function()
      local v = proc.curl(emu.url .. "/services/data/v30.0/sobjects",
        { headers = { "Authorization: Bearer " .. TOKEN } })
      assert.equal(404, v.status)
      assert.equal("NOT_FOUND", json.decode(v.body)[1].errorCode)
      assert.equal(404, proc.curl(emu.url .. "/nowhere").status)
      local m = api("/sobjects/Account", { method = "PUT", json = {} })
      assert.equal(405, m.status)
      local none = proc.curl(base .. "/sobjects")
      assert.equal(401, none.status)
      assert.equal("INVALID_SESSION_ID", json.decode(none.body)[1].errorCode)
      assert.equal(401, api("/sobjects", { token = "00Dbogus!token" }).status)
    end)

    it("logs one line per request on standard error", function()
      api(q("SELECT Id FROM Account LIMIT 1"))
      assert.matches("GET /services/data/v62%.0/query 200 %d+ms", emu.read_stderr())
    end)
  end)

  it("expires issued tokens after --token-ttl", function()
    local short = start { "--token-ttl", "1" }
    local r = proc.curl(short.url .. "/services/oauth2/token", { method = "POST",
      data = "grant_type=client_credentials&client_id=luaforce-local&client_secret=luaforce-local-secret" })
    local token = json.decode(r.body).access_token
    local auth = { "Authorization: Bearer " .. token }
    assert.equal(200, proc.curl(short.url .. "/services/data/v62.0/sobjects", { headers = auth }).status)
    proc.sleep(1.2)
    local late = proc.curl(short.url .. "/services/data/v62.0/sobjects", { headers = auth })
    assert.equal(401, late.status)
    assert.equal("INVALID_SESSION_ID", json.decode(late.body)[1].errorCode)
    -- the static token never expires
    assert.equal(200, proc.curl(short.url .. "/services/data/v62.0/sobjects",
      { headers = { "Authorization: Bearer " .. TOKEN } }).status)
    short.signal("INT")
    assert.equal(0, short.wait(10))
    short.cleanup()
  end)

  it("stops cleanly on SIGTERM", function()
    local e = start()
    e.signal("TERM")
    assert.equal(0, e.wait(10))
    e.cleanup()
  end)

  it("refuses bad options with exit 2", function()
    local r = proc.luaforce { "emulator", "--now", "yesterday" }
    assert.equal(2, r.code)
    assert.matches("%-%-now 'yesterday' is not an ISO date%-time", r.stderr)
    r = proc.luaforce { "emulator", "--data", "/nonexistent.json", "--port", "0" }
    assert.equal(2, r.code)
    assert.matches("/nonexistent.json", r.stderr)
  end)

  it("prints the test credentials in --help", function()
    local r = proc.luaforce { "emulator", "--help" }
    assert.equal(0, r.code)
    assert.matches("luaforce%-local / luaforce%-local%-secret", r.stdout)
    assert.matches("00DLOCAL0000001!luaforce%.local%.token", r.stdout)
  end)
end)
