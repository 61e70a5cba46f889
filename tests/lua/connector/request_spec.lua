-- The call a task's inputs describe: checked before anything is sent.
local json = require "luaforce.json"
local request = require "luaforce.connector.request"

local BASE = { baseUrl = "https://acme.my.salesforce.com", ["authentication.type"] = "bearer",
  ["authentication.token"] = "T" }

local function fields(extra)
  local f = {}
  for k, v in pairs(BASE) do f[k] = v end
  for k, v in pairs(extra) do f[k] = v end
  return f
end

describe("luaforce.connector.request", function()
  it("builds each operation's request as the template's url expression does", function()
    local r = assert(request.build(fields { salesforceOperationType = "soqlQuery", soqlQuery = "SELECT Id FROM Account" }))
    assert.equal("GET", r.method)
    assert.equal("/services/data/v58.0/query", r.path)
    assert.same({ q = "SELECT Id FROM Account" }, r.query)
    r = assert(request.build(fields { salesforceOperationType = "sObject", interactionType = "get",
      objectType = "Account", objectId = "001A", relationshipFieldName = "Contacts",
      queryParameters = json.object({ fields = "Id", limit = 5 }), apiVersion = "v62.0" }))
    assert.equal("/services/data/v62.0/sobjects/Account/001A/Contacts", r.path)
    assert.same({ fields = "Id", limit = "5" }, r.query)
    assert.equal("https://acme.my.salesforce.com/services/data/v62.0/sobjects/Account/001A/Contacts", r.url)
    r = assert(request.build(fields { salesforceOperationType = "sObject", interactionType = "POST",
      objectType = "Account", body = json.object({ Name = "A", Phone = json.null }, { "Name", "Phone" }) }))
    assert.equal("POST", r.method)
    assert.equal('{"Name":"A","Phone":null}', json.encode(r.body))
    r = assert(request.build(fields { salesforceOperationType = "sObject", interactionType = "delete",
      objectType = "Account", objectId = "001A" }))
    assert.equal("DELETE", r.method)
    assert.same({ type = "bearer", token = "T" }, r.auth)
    assert.equal(20, r.connect_timeout)
  end)

  it("escapes path segments and refuses dot segments", function()
    local r = assert(request.build(fields { salesforceOperationType = "sObject", interactionType = "get",
      objectType = "Account", objectId = "001A/../../limits?x=1" }))
    assert.equal("/services/data/v58.0/sobjects/Account/001A%2F..%2F..%2Flimits%3Fx%3D1", r.path)
    local _, err = request.build(fields { salesforceOperationType = "sObject", interactionType = "get",
      objectType = "..", objectId = "001A" })
    assert.matches("objectType '..' cannot be a part of a URL path", err.message, 1, true)
  end)

  it("lists every problem at once, each with what it needs", function()
    local r, err = request.build({ salesforceOperationType = "sObject", interactionType = "patch",
      connectionTimeoutInSeconds = "soon", apiVersion = "58.0" })
    assert.is_nil(r)
    assert.equal("INVALID_INPUT", err.code)
    assert.equal(2, err.exit)
    local text = table.concat(err.problems, "\n")
    for _, want in ipairs { "baseUrl is missing", "authentication.type is missing", "write v58.0",
        "connectionTimeoutInSeconds must be a whole number", "objectType is missing", "objectId is missing",
        "body is missing (an update (patch)" } do
      assert.matches(want, text, 1, true)
    end
    assert.matches("^the task's inputs are not valid %(nothing was sent%):\n  %- ", err.message)
  end)

  it("checks the OAuth fields and takes the connector's type name", function()
    local r = assert(request.build({ baseUrl = "https://a.my.salesforce.com", salesforceOperationType = "soqlQuery",
      soqlQuery = "SELECT Id FROM User", ["authentication.type"] = "oauth-client-credentials-flow",
      ["authentication.clientId"] = "ID", ["authentication.clientSecret"] = "SECRET" }))
    assert.same({ type = "oauth-client-credentials", client_id = "ID", client_secret = "SECRET" }, r.auth)
    local _, err = request.build({ baseUrl = "https://a.my.salesforce.com", salesforceOperationType = "soqlQuery",
      soqlQuery = "SELECT Id FROM User", ["authentication.type"] = "oauth-client-credentials-flow" })
    assert.matches("authentication.clientId is missing", err.message, 1, true)
    assert.matches("authentication.clientSecret is missing", err.message, 1, true)
  end)

  it("removes a trailing slash from baseUrl and says so; 0 seconds is no limit", function()
    local r, notes = assert(request.build(fields { baseUrl = "https://acme.my.salesforce.com/",
      salesforceOperationType = "soqlQuery", soqlQuery = "SELECT Id FROM Account", connectionTimeoutInSeconds = "0" }))
    assert.equal("https://acme.my.salesforce.com/services/data/v58.0/query", r.url)
    assert.matches("baseUrl ends with '/'", notes[1], 1, true)
    assert.is_nil(r.connect_timeout)
  end)

  it("reads a BPMN file's targets and says when its url differs from the template's", function()
    local f = fields { salesforceInteractionType = "sObject", method = "get", objectType = "Account",
      objectId = "001A", url = "https://acme.my.salesforce.com/services/data/v58.0/sobjects/Account/001A" }
    local r, notes = assert(request.build(f, "bpmn"))
    assert.equal("/services/data/v58.0/sobjects/Account/001A", r.path)
    assert.same({}, notes)
    f.url = "https://elsewhere.example.com/x"
    f.extra = "1"
    r, notes = assert(request.build(f, "bpmn"))
    assert.equal("https://acme.my.salesforce.com/services/data/v58.0/sobjects/Account/001A", r.url)
    local text = table.concat(notes, "\n")
    assert.matches("the BPMN file's url input is 'https://elsewhere.example.com/x'", text, 1, true)
    assert.matches("the input 'extra' is not one of the Salesforce template's: ignored", text, 1, true)
  end)

  it("does not check baseUrl and authentication an --instance replaces", function()
    local r = assert(request.build({ salesforceOperationType = "soqlQuery", soqlQuery = "SELECT Id FROM Account" },
      "template", "http://127.0.0.1:1"))
    assert.equal("http://127.0.0.1:1/services/data/v58.0/query", r.url)
    assert.is_nil(r.auth)
  end)
end)
