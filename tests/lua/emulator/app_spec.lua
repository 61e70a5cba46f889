-- luaforce.emulator.app: routing, versions, authentication and the wire
-- details every answer gets, called directly (the C server only carries
-- these replies; tests/e2e drives it over HTTP). The query resource's pages
-- are query_api_spec's, the sObject resources sobjects_spec's.
local app = require "luaforce.emulator.app"
local org = require "support.app_request"

local TOKEN = org.TOKEN
local request, query, write = org.request, org.query, org.write

describe("emulator app", function()
  before_each(function()
    org.setup()
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

  describe("wire details", function()
    it("answers a method that is not UTF-8 with 405 and valid JSON (found by fuzzing: was a 500)", function()
      local r = request("G\xe7T", "/services/data/v62.0/query", { query = { q = "SELECT Id FROM Account" } })
      assert.equal(405, r.status)
      assert.equal("HTTP Method 'G?T' not allowed. Allowed are GET,HEAD", r.json[1].message)
    end)

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

    it("makes the demo data relative to a fixed now exactly, however long start-up takes", function()
      local datetime = require "luaforce.emulator.datetime"
      local seed = require "luaforce.emulator.seed"
      local schema = require "luaforce.emulator.schema"
      local real, later = datetime.now_ms, 0
      datetime.now_ms = function() later = later + 1000; return real() + later end  -- each look: 1 s on
      local ok, err = pcall(app.setup, { now = "2024-06-01T12:00:00Z" })
      datetime.now_ms = real
      assert(ok, err)
      local fixed = datetime.parse_datetime("2024-06-01T12:00:00Z", true)
      local want = {}
      for _, a in ipairs(seed.generate(schema.default(), { seed = 1, now = fixed }).Account) do
        want[a.Id] = a.LastModifiedDate
      end
      local records = query("SELECT Id, LastModifiedDate FROM Account").json.records
      assert.equal(60, #records)
      for _, r in ipairs(records) do assert.equal(want[r.Id], r.LastModifiedDate) end
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

    it("has a static token of Salesforce's shape, and still takes the spelling of earlier releases", function()
      -- clients check a token before sending it: the Salesforce CLI wants
      -- `00D\w{12,15}![.\w]*`, the org id being the token's first part
      assert.matches("^00D[%w_]+![%.%w_]*$", TOKEN)
      local org_part = TOKEN:match("^(.-)!")
      assert.is_true(#org_part == 15 or #org_part == 18)
      assert.equal(app.ORG_ID:sub(1, 15), org_part:sub(1, 15))
      assert.equal(TOKEN, request("GET", "/_emulator/info").json.token)
      local old = request("GET", "/services/data/v62.0/sobjects", { bearer = "00DLOCAL!luaforce-local-token" })
      assert.equal(200, old.status)
    end)
  end)
end)
