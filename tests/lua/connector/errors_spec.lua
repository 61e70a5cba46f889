-- luaforce.connector.errors: the `error` an error expression sees, made
-- from real client errors against the local org (a 404, a 400 with several
-- errors, a timeout, a refused connection, a lost create, a refused token)
-- and from hand-made ones for the rest.
local cerrors = require "luaforce.connector.errors"
local client = require "luaforce.client"
local cli_errors = require "luaforce.client.errors"
local json = require "luaforce.json"
local local_org = require "support.local_org"

local TYPE = "io.camunda.connector.api.error.ConnectorException"
local TIMED_OUT = "The request timed out. Please try increasing the read and connection timeouts."
local ABORTED = "An error occurred while executing the request, or the connection was aborted"

-- the value as JSON text, keys in the order it has them
local function text(v)
  return assert(json.encode(v))
end

-- code, message and Salesforce's errorCode of an HTTP error's value
local function status_of(e)
  return { e.code, e.message, e.variables.response.body.errorCode }
end

describe("connector errors, from the client's", function()
  local emu, org
  setup(function()
    emu, org = local_org.start({}, { retry = { attempts = 1 } })
  end)
  teardown(function() emu:stop() end)
  before_each(function() emu:set_faults {} end)

  it("a 404: the status, the reason phrase, Salesforce's single error as an object", function()
    local _, err = org:get("Account", "001000000000000")
    assert.equal("404", err.code)
    local e = cerrors.camunda(err)
    assert.same({ "type", "message", "code", "variables" }, json.keys(e))
    assert.equal(TYPE, e.type)
    assert.equal("Not Found", e.message)
    assert.equal("404", e.code)
    local response = e.variables.response
    assert.same({ "headers", "body" }, json.keys(response))
    assert.matches("^application/json", response.headers["Content-Type"])
    -- Camunda reads the body into an object: [{...}] becomes its element
    assert.is_true(json.is_object(response.body))
    assert.equal("NOT_FOUND", response.body.errorCode)
    assert.matches("does not exist", response.body.message)
  end)

  it("a 400 with several errors: every one kept, in order", function()
    local body = '[{"errorCode":"FIELD_CUSTOM_VALIDATION_EXCEPTION","message":"Amount must be positive",'
      .. '"fields":["Amount"]},{"errorCode":"FIELD_INTEGRITY_EXCEPTION","message":"Stage is closed",'
      .. '"fields":["StageName"]}]'
    assert(emu:set_faults { { method = "POST", path = "/services/data/*/sobjects/Opportunity", status = 400,
      body = body } })
    local _, err = org:create("Opportunity", { Name = "x" })
    assert.equal("400", err.code)
    local e = cerrors.camunda(err)
    assert.equal("400", e.code)
    assert.equal("Bad Request", e.message)
    assert.equal(body, text(e.variables.response.body))
  end)

  it("a timeout: 408 and Camunda's message, no variables", function()
    assert(emu:set_faults { "GET /services/data/*/limits -> latency=2s" })
    local _, err = org:call("GET", "/limits", { timeout = 0.05, retry = "never" })
    assert.equal("TIMEOUT", err.code)
    assert.equal('{"type":"' .. TYPE .. '","message":"' .. TIMED_OUT .. '","code":"408"}', text(cerrors.camunda(err)))
  end)

  it("a refused connection: 408, as Camunda's last catch (IOException) gives it", function()
    local o = assert(client.connect { instance_url = "http://127.0.0.1:1", access_token = "x",
      retry = { attempts = 1 } })
    local _, err = o:get("Account", "001000000000000")
    assert.equal("CONNECT", err.code)
    assert.equal('{"type":"' .. TYPE .. '","message":"' .. ABORTED .. '","code":"408"}', text(cerrors.camunda(err)))
  end)

  it("a create whose answer was lost: what its attempt got, never a second POST", function()
    assert(emu:set_faults { "POST /services/data/*/sobjects/Account -> close when=after times=1" })
    local _, err = org:create("Account", { Name = "Lost answer" })
    assert.equal("OUTCOME_UNKNOWN", err.code)
    assert.equal("EMPTY_REPLY", err.connector_code)
    assert.equal('{"type":"' .. TYPE .. '","message":"' .. ABORTED .. '","code":"408"}', text(cerrors.camunda(err)))
    local found = assert(org:query("SELECT COUNT() FROM Account WHERE Name = 'Lost answer'")).body
    assert.equal(1, found.totalSize)
  end)

  it("a write unknown after a later 503: the 503 with Salesforce's answer", function()
    local id = assert(org:create("Account", { Name = "Twice" })).body.id
    assert(emu:set_faults { "PATCH /services/data/*/sobjects/Account/* -> close when=after times=1",
      "PATCH /services/data/*/sobjects/Account/* -> status=503" })
    local retrying = assert(client.connect { instance_url = emu.url, access_token = emu.token,
      retry = { attempts = 2, base_delay = 0.001 } })
    local _, err = retrying:update("Account", id, { Name = "x" })
    assert.equal("OUTCOME_UNKNOWN", err.code)
    assert.equal("503", err.connector_code)
    assert.same({ "503", "Service Unavailable", "SERVER_UNAVAILABLE" }, status_of(cerrors.camunda(err)))
  end)

  it("refused credentials: the status and its body (a bearer token's 401, a token endpoint's 400)", function()
    local bearer = assert(client.connect { instance_url = emu.url, access_token = "00Dnot-a-token",
      retry = { attempts = 1 } })
    local _, err = bearer:get("Account", "001000000000000")
    assert.same({ "401", "Unauthorized", "INVALID_SESSION_ID" }, status_of(cerrors.camunda(err)))
    local oauth = client.connect { instance_url = emu.url, client_id = "nobody", client_secret = "wrong",
      retry = { attempts = 1 } }
    _, err = oauth:get("Account", "001000000000000")
    local e = cerrors.camunda(err)
    assert.same({ "400", "Bad Request" }, { e.code, e.message })
    assert.is_string(e.variables.response.body.error)
  end)

  it("an input mistake caught before sending: the 400 Salesforce would answer", function()
    local _, err = org:get("Account", "not an id")
    assert.is_nil(err.status)
    assert.same({ "400", "Bad Request", "MALFORMED_ID" }, status_of(cerrors.camunda(err)))
  end)
end)

describe("connector errors, the rest", function()
  -- a transport error as the client makes it
  local function transport(kind, fields)
    local terr = { kind = kind, message = "GET https://x: libcurl says no", request_sent = false }
    for k, v in pairs(fields or {}) do terr[k] = v end
    return cli_errors.from_transport(terr, { method = "GET", path = "/services/data/v58.0/query" })
  end

  local rows = {
    { "TIMEOUT", nil, "408", TIMED_OUT },
    { "CONNECT", nil, "408", ABORTED },
    { "DNS", nil, "408", ABORTED },
    { "EMPTY_REPLY", nil, "408", ABORTED },
    { "NETWORK", nil, "408", ABORTED },
    { "ABORTED", nil, "408", ABORTED },
    { "PROTOCOL", nil, "500", "An error with the HTTP protocol occurred" },
    { "TLS", nil, "SSL_HANDSHAKE_FAILED", "TLS handshake failed: libcurl says no. The server certificate may not "
      .. "be trusted — provide the server's CA certificate via 'clientTls.trustedCertificate', or check the "
      .. "client certificate configuration." },
    -- the body failed inside Camunda's response handler
    { "PARTIAL_BODY", 200, "500", "Error while executing an HTTP request: Failed to read response body: libcurl says no" },
    { "TIMEOUT", 200, "500", "Error while executing an HTTP request: Failed to read response body: libcurl says no" },
    { "TOO_LARGE", 200, "500", "Error while executing an HTTP request: libcurl says no" },
  }
  for _, r in ipairs(rows) do
    it(("%s%s -> %s"):format(r[1], r[2] and (" after " .. r[2]) or "", r[3]), function()
      local e = cerrors.camunda(transport(r[1], { status = r[2] }))
      assert.equal(text(json.object({ type = TYPE, message = r[4], code = r[3] }, { "type", "message", "code" })),
        text(e))
    end)
  end

  it("a transport failure after an error status: that status, the body unread", function()
    local e = cerrors.camunda(transport("PARTIAL_BODY", { status = 503 }))
    assert.equal('{"type":"' .. TYPE .. '","message":"Service Unavailable","code":"503",'
      .. '"variables":{"response":{"headers":{},"body":null}}}', text(e))
  end)

  it("an unusable URL: Camunda's input error, without a code", function()
    local e = cerrors.camunda(transport("URL"))
    assert.equal('{"type":"io.camunda.connector.api.error.ConnectorInputException",'
      .. '"message":"Invalid URL: libcurl says no"}', text(e))
  end)

  it("a token answer without access_token: OAUTH_TOKEN_ERROR", function()
    local e = cerrors.camunda(cli_errors.new { code = "OAUTH_TOKEN_ERROR", status = 200, message = "no token" })
    assert.equal('{"type":"' .. TYPE .. '","message":"OAuth token response does not contain an access_token field",'
      .. '"code":"OAUTH_TOKEN_ERROR"}', text(e))
    -- a token endpoint's error status comes first
    e = cerrors.camunda(cli_errors.new { code = "OAUTH_TOKEN_ERROR", status = 404, message = "an HTML page",
      variables = { response = { headers = {}, body = "<html>nope</html>" } } })
    assert.equal("404", e.code)
    assert.equal("<html>nope</html>", e.variables.response.body)
  end)

  it("bodies as Camunda reads them, but every error kept", function()
    local function body(b)
      return cerrors.camunda(cli_errors.new { code = "500", status = 500, reason = "Server Error",
        variables = { response = { headers = { ["Set-Cookie"] = { "a=1", "b=2" }, Via = "proxy" }, body = b } } })
    end
    local e = body(json.decode('[{"errorCode":"X","message":"m"}]'))
    assert.equal("Server Error", e.message) -- the reason phrase as it came
    assert.equal('{"errorCode":"X","message":"m"}', text(e.variables.response.body))
    assert.equal('{"Set-Cookie":["a=1","b=2"],"Via":"proxy"}', text(e.variables.response.headers))
    assert.equal('[{"a":1},{"b":2}]', text(body(json.decode('[{"a":1},{"b":2}]')).variables.response.body))
    assert.equal("<p>down</p>", body("<p>down</p>").variables.response.body)
    assert.equal(json.null, body(json.null).variables.response.body)
    assert.equal(json.null, body(nil).variables.response.body)
  end)

  it("a status without a reason phrase (HTTP/2) gets the standard one, or Camunda's placeholder", function()
    assert.equal("Too Many Requests", cerrors.camunda(cli_errors.new { code = "429", status = 429, reason = "" }).message)
    assert.equal("[no reason]", cerrors.camunda(cli_errors.new { code = "499", status = 499 }).message)
  end)

  it("an interrupted write: an abort", function()
    local e = cerrors.camunda(cli_errors.interrupted_write({ method = "POST", path = "/x" }, {}))
    assert.equal("408", e.code)
    assert.equal(ABORTED, e.message)
  end)

  it("any other error keeps its code and message, cut at 6000 characters", function()
    local e = cerrors.camunda(cli_errors.new { code = "NOT_JSON", status = 200, message = "a text/html answer" })
    assert.equal('{"type":"' .. TYPE .. '","message":"a text/html answer","code":"NOT_JSON"}', text(e))
    e = cerrors.camunda(cli_errors.new { code = "USAGE", message = string.rep("é", 7000) })
    assert.equal(6000, utf8.len(e.message))
    assert.equal('{"type":"' .. TYPE .. '","message":"boom"}', text(cerrors.camunda("boom")))
  end)
end)
