-- luaforce.auth.oauth: the client-credentials token request it builds (form
-- body or HTTP Basic, every part percent-encoded), the forms a secret takes
-- on the wire, and how a token endpoint's answer becomes an entry or one of
-- the documented errors (exit 3). Called in process; the request goes to a
-- stand-in session. tests/lua/auth/init_spec.lua sends it to the local org.
require "luaforce.core"
local base64 = require "luaforce.core.base64"
local errors = require "luaforce.errors"
local json = require "luaforce.json"
local oauth = require "luaforce.auth.oauth"

local TOKEN_URL = "https://acme.my.salesforce.com/services/oauth2/token"

-- A session whose request records what it was given and answers `res`
-- (or nil, err).
local function session(res, err)
  local s = { sent = {} }
  function s:request(req)
    self.sent[#self.sent + 1] = req
    return res, err
  end
  return s
end

local function answer(status, ctype, body)
  return { status = status, headers = { ["content-type"] = ctype }, body = body }
end

local function token_body(t)
  return assert(json.encode(t))
end

describe("luaforce.auth.oauth", function()
  describe("form", function()
    -- { pairs, text }
    local rows = {
      { {}, "" },
      { { { "grant_type", "client_credentials" } }, "grant_type=client_credentials" },
      { { { "a", "1" }, { "b", "2" }, { "a", "3" } }, "a=1&b=2&a=3" },
      { { { "client_secret", "s p+a&c=e%/?#" } }, "client_secret=s%20p%2Ba%26c%3De%25%2F%3F%23" },
      { { { "unreserved", "AZaz09-._~" } }, "unreserved=AZaz09-._~" },
      { { { "utf8", "é€" } }, "utf8=%C3%A9%E2%82%AC" },
      { { { "na me", "" } }, "na%20me=" },
    }
    for _, row in ipairs(rows) do
      it(row[2] == "" and "(nothing)" or row[2], function()
        assert.equal(row[2], oauth.form(row[1]))
      end)
    end
  end)

  describe("basic", function()
    it("is the base64 of id:secret", function()
      assert.equal("Basic bHVhZm9yY2UtbG9jYWw6bHVhZm9yY2UtbG9jYWwtc2VjcmV0",
        oauth.basic("luaforce-local", "luaforce-local-secret"))
    end)

    it("form-encodes each part first, so a colon in either cannot move the split", function()
      local value = oauth.basic("my:app", "se:cr et+/")
      assert.equal("Basic ", value:sub(1, 6))
      assert.equal("my%3Aapp:se%3Acr%20et%2B%2F", base64.decode(value:sub(7)))
    end)
  end)

  describe("secret_forms", function()
    it("lists the secret as written, as form-encoded and inside the Basic value", function()
      local forms = oauth.secret_forms("app", "a b+c")
      assert.same({ "a b+c", "a%20b%2Bc", oauth.basic("app", "a b+c"):sub(7) }, forms)
    end)
  end)

  describe("fetch", function()
    local OK = answer(200, "application/json", token_body { access_token = "00Dx!tok", instance_url = "https://i" })

    it("posts the credentials in the form body by default", function()
      local s = session(OK)
      local entry = assert(oauth.fetch(s, { token_url = TOKEN_URL, client_id = "app id", client_secret = "p&ss=",
        timeout = 7 }))
      assert.equal("00Dx!tok", entry.access_token)
      assert.equal(1, #s.sent)
      local req = s.sent[1]
      assert.equal("POST", req.method)
      assert.equal(TOKEN_URL, req.url)
      assert.equal(7, req.timeout)
      assert.equal("grant_type=client_credentials&client_id=app%20id&client_secret=p%26ss%3D", req.body)
      assert.same({ ["Content-Type"] = "application/x-www-form-urlencoded", ["Accept"] = "application/json" },
        req.headers)
    end)

    it("sends HTTP Basic and only the grant type in the body when basic is set", function()
      local s = session(OK)
      assert(oauth.fetch(s, { token_url = TOKEN_URL, client_id = "app", client_secret = "p&ss=", basic = true }))
      local req = s.sent[1]
      assert.equal("grant_type=client_credentials", req.body)
      assert.equal(oauth.basic("app", "p&ss="), req.headers["Authorization"])
      assert.equal("application/x-www-form-urlencoded", req.headers["Content-Type"])
      assert.not_matches("p%26ss", req.body, 1, true)
    end)

    it("passes a transport failure through untouched", function()
      local failure = errors.new { code = "CONNECT", message = "connection refused", exit = errors.EXIT.NETWORK }
      local entry, err = oauth.fetch(session(nil, failure), { token_url = TOKEN_URL, client_id = "a",
        client_secret = "b" })
      assert.is_nil(entry)
      assert.equal(failure, err)
      assert.equal(4, err.exit)
    end)

    it("reads the answer as parse does", function()
      local entry, err = oauth.fetch(session(answer(400, "application/json",
        '{"error":"invalid_client","error_description":"invalid client credentials"}')),
        { token_url = TOKEN_URL, client_id = "a", client_secret = "b" })
      assert.is_nil(entry)
      assert.equal("invalid_client", err.code)
      assert.equal(TOKEN_URL, err.token_url)
    end)
  end)

  describe("parse: a token", function()
    -- { what, body fields, the entry }
    local rows = {
      { "Salesforce's answer",
        { access_token = "00Dx!tok", instance_url = "https://acme.my.salesforce.com", id = "https://login/id/00D/005",
          issued_at = "1700000000000", token_type = "Bearer", signature = "sig", scope = "api" },
        { access_token = "00Dx!tok", instance_url = "https://acme.my.salesforce.com",
          id = "https://login/id/00D/005", issued_at = "1700000000000", token_type = "Bearer", scope = "api" } },
      { "an instance URL with trailing slashes", { access_token = "t", instance_url = "https://i.example.com//" },
        { access_token = "t", instance_url = "https://i.example.com" } },
      { "issued_at as a number", { access_token = "t", issued_at = 1700000000000 },
        { access_token = "t", issued_at = "1700000000000" } },
      { "empty and mistyped fields dropped", { access_token = "t", instance_url = "", id = 5, scope = true,
        token_type = "" }, { access_token = "t" } },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        local entry, err = oauth.parse(answer(200, "application/json;charset=UTF-8", token_body(row[2])), TOKEN_URL)
        assert.is_nil(err)
        assert.same(row[3], entry)
      end)
    end
  end)

  describe("parse: the token endpoint's errors", function()
    local function oauth_error(e, d)
      local t = { error = e, error_description = d }
      return token_body(json.object(t, { "error", "error_description" }))
    end
    -- { error, description, a word of the hint (nil: no hint) }
    local rows = {
      { "invalid_client", "invalid client credentials", "consumer secret" },
      { "invalid_client_id", "client identifier invalid", "consumer key" },
      { "invalid_grant", "authentication failure", "My Domain" },
      { "unsupported_grant_type", "grant type not supported", "token URL" },
      { "invalid_request", "something else", nil },
    }
    for _, row in ipairs(rows) do
      it(row[1] .. " is an authentication error" .. (row[3] and " with a hint" or ""), function()
        local res = answer(400, "application/json", oauth_error(row[1], row[2]))
        local entry, err = oauth.parse(res, TOKEN_URL)
        assert.is_nil(entry)
        assert.is_true(errors.is(err))
        assert.equal(3, err.exit)
        assert.equal(row[1], err.code)
        assert.equal(row[1], err.error)
        assert.equal(row[2], err.error_description)
        assert.equal(400, err.status)
        assert.equal(TOKEN_URL, err.token_url)
        assert.equal(res, err.response)
        assert.equal("the token endpoint refused the client: " .. row[2], err.message)
        if row[3] then
          assert.matches(row[3], err.hint, 1, true)
        else
          assert.is_nil(err.hint)
        end
      end)
    end

    it("names the error when there is no description", function()
      local _, err = oauth.parse(answer(401, "application/json", '{"error":"invalid_client"}'), TOKEN_URL)
      assert.equal("the token endpoint refused the client: invalid_client", err.message)
      assert.is_nil(err.error_description)
      assert.equal(401, err.status)
    end)

    it("reads an error even in a 200 answer without a token", function()
      local _, err = oauth.parse(answer(200, "application/json", '{"error":"invalid_grant"}'), TOKEN_URL)
      assert.equal("invalid_grant", err.code)
    end)
  end)

  describe("parse: answers that are no token", function()
    local LONG = ("word "):rep(30)
    -- { what, status, content type, body, the message's end }
    local rows = {
      { "a proxy's HTML page, by its title", 502, "text/html",
        "<html><head><title> 502 Bad Gateway </title></head><body>nginx</body></html>",
        "HTTP 502 with an HTML page (502 Bad Gateway), not a token" },
      { "an HTML page without a title, by its text", 503, "text/html; charset=utf-8",
        "<html><body><h1>Down</h1>\n<p>for   maintenance</p></body></html>",
        "HTTP 503 with an HTML page (Down for maintenance), not a token" },
      { "HTML without a content type", 200, nil, "  <p>hello</p>", "HTTP 200 with an HTML page (hello), not a token" },
      { "an empty HTML page", 500, "text/html", "<html></html>", "HTTP 500 with an HTML page, not a token" },
      { "plain text", 200, "text/plain", "hello", "HTTP 200 with text/plain text (hello), not a token" },
      { "text without a content type", 418, nil, "I'm a teapot",
        "HTTP 418 with non-JSON text (I'm a teapot), not a token" },
      { "long text, cut to 80 characters", 200, "text/plain", LONG,
        "HTTP 200 with text/plain text (" .. LONG:sub(1, 77) .. "...), not a token" },
      { "an empty body", 200, "application/json", "", "HTTP 200 with an empty body, not a token" },
      { "JSON without an access_token", 200, "application/json", '{"instance_url":"x"}',
        "HTTP 200 with a JSON answer without an access_token" },
      { "an empty access_token", 200, "application/json", '{"access_token":""}',
        "HTTP 200 with a JSON answer without an access_token" },
      { "broken JSON", 200, "application/json", '{"access_token": ',
        "HTTP 200 with application/json text ({\"access_token\":), not a token" },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        local res = answer(row[2], row[3], row[4])
        local entry, err = oauth.parse(res, TOKEN_URL)
        assert.is_nil(entry)
        assert.equal("OAUTH_TOKEN_ERROR", err.code)
        assert.equal(3, err.exit)
        assert.equal(row[2], err.status)
        assert.equal(res, err.response)
        assert.equal("the token endpoint " .. TOKEN_URL .. " answered " .. row[5], err.message)
        assert.equal("is the token URL right, and is a proxy in the way?", err.hint)
      end)
    end

    it("does not take a token from a refusal", function()
      local entry, err = oauth.parse(answer(401, "application/json", '{"access_token":"t"}'), TOKEN_URL)
      assert.is_nil(entry)
      assert.equal("OAUTH_TOKEN_ERROR", err.code)
      assert.equal(401, err.status)
    end)

    it("takes a response without headers or body", function()
      local _, err = oauth.parse({ status = 204 }, TOKEN_URL)
      assert.equal("OAUTH_TOKEN_ERROR", err.code)
      assert.matches("HTTP 204 with an empty body", err.message, 1, true)
    end)
  end)
end)
