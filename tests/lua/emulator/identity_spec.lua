-- luaforce.emulator.identity: the userinfo endpoint and the identity URL,
-- which clients read after a login to learn the user and the org (the
-- Salesforce CLI takes user_id and organization_id from userinfo).
local app = require "luaforce.emulator.app"
local org = require "support.app_request"

local request = org.request

describe("emulator identity", function()
  local the_org

  before_each(function()
    the_org = org.setup { empty = false } -- the demo org: its first user is the token's
  end)

  local function admin()
    return the_org.store:get("User", the_org.sessions.user_id)
  end

  it("answers userinfo with the token's user and org, ids of 18 characters", function()
    local r = request("GET", "/services/oauth2/userinfo")
    assert.equal(200, r.status)
    local u = r.json
    local user = admin()
    assert.equal(app.ORG_ID, u.organization_id)
    assert.equal(18, #u.organization_id)
    assert.equal(user.Id, u.user_id)
    assert.equal("admin@luaforce.local", u.preferred_username)
    assert.equal(user.Email, u.email)
    assert.equal(user.FirstName, u.given_name)
    assert.equal(user.LastName, u.family_name)
    assert.equal(user.FirstName .. " " .. user.LastName, u.name)
    assert.equal("http://127.0.0.1:5555/id/" .. app.ORG_ID .. "/" .. user.Id, u.sub)
    assert.equal("GMT", u.zoneinfo)
    assert.equal(0, u.utcOffset)
    assert.is_true(u.active)
    assert.equal("STANDARD", u.user_type)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$", u.updated_at)
    -- the endpoints carry {version} unless a version is asked for
    assert.equal("http://127.0.0.1:5555/services/data/v{version}/", u.urls.rest)
    assert.equal("http://127.0.0.1:5555/services/Soap/u/{version}/" .. app.ORG_ID:sub(1, 15), u.urls.partner)
    local latest = request("GET", "/services/oauth2/userinfo", { query = { version = "latest" } })
    assert.equal("http://127.0.0.1:5555/services/data/v66.0/sobjects/", latest.json.urls.sobjects)
  end)

  it("answers the identity URL the token response hands out", function()
    local t = request("POST", "/services/oauth2/token", { token = false,
      body = "grant_type=client_credentials&client_id=luaforce-local&client_secret=luaforce-local-secret" })
    local id_url = t.json.id
    local path = id_url:gsub("^https?://[^/]+", "")
    local r = request("GET", path, { bearer = t.json.access_token })
    assert.equal(200, r.status)
    assert.equal(id_url, r.json.id)
    assert.is_true(r.json.asserted_user)
    assert.equal("admin@luaforce.local", r.json.username)
    assert.equal(app.ORG_ID, r.json.organization_id)
    assert.equal(admin().Id, r.json.user_id)
    -- 15-character ids in the URL name the same org and user
    local short = request("GET", "/id/" .. app.ORG_ID:sub(1, 15) .. "/" .. admin().Id:sub(1, 15))
    assert.equal(200, short.status)
    assert.equal(admin().Id, short.json.user_id)
  end)

  it("tells about another user of the org, not asserted", function()
    local other = the_org.store:all("User")[2]
    local r = request("GET", "/id/" .. app.ORG_ID .. "/" .. other.Id)
    assert.equal(200, r.status)
    assert.is_false(r.json.asserted_user)
    assert.equal(other.Username, r.json.username)
    assert.equal("http://127.0.0.1:5555/" .. other.Id, r.json.urls.profile)
    assert.equal(other.LastModifiedDate:sub(1, 19) .. "Z", r.json.last_modified_date)
  end)

  it("refuses a bad token with 403 Bad_OAuth_Token, another org with 403 Wrong_Org, unknown ids with 404 Bad_Id",
    function()
    for _, path in ipairs { "/services/oauth2/userinfo", "/id/" .. app.ORG_ID .. "/" .. admin().Id } do
      local r = request("GET", path, { bearer = "00DLOCAL0000001!nope" })
      assert.equal(403, r.status)
      assert.equal("Bad_OAuth_Token", r.body)
      assert.equal(403, request("GET", path, { token = false }).status)
    end
    local wrong = request("GET", "/id/00D000000000002AAA/" .. admin().Id)
    assert.equal(403, wrong.status)
    assert.equal("Wrong_Org", wrong.body)
    local r = request("GET", "/id/" .. app.ORG_ID .. "/005000000000099AAA")
    assert.equal(404, r.status)
    assert.equal("Bad_Id", r.body)
    assert.equal(404, request("GET", "/id/" .. app.ORG_ID .. "/not-an-id").status)
  end)

  it("is not an API call: not counted, no Sforce-Limit-Info", function()
    local before = the_org.api_requests
    local r = request("GET", "/services/oauth2/userinfo")
    assert.equal(before, the_org.api_requests)
    assert.is_nil(r.h["sforce-limit-info"])
  end)

  it("takes the token as an oauth_token parameter too, in the query or a POST's form body", function()
    local token = org.TOKEN
    assert.equal(200, request("GET", "/services/oauth2/userinfo", { token = false,
      query = { oauth_token = token } }).status)
    assert.equal(200, request("POST", "/services/oauth2/userinfo", { token = false,
      body = "oauth_token=" .. token:gsub("!", "%%21") }).status)
  end)
end)
