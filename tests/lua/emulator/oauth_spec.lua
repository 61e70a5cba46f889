-- luaforce.emulator.oauth: the local org's token endpoint, here its HTTP
-- Basic credentials (base64, padding optional as clients differ) and the
-- token's signature (base64 of 32 bytes).
local json = require "luaforce.json"
local oauth = require "luaforce.emulator.oauth"

local function sessions()
  return oauth.new { clock = { now = function() return 1700000000000 end }, org_id = "00D000000000001AAA",
    user_id = "005000000000001AAA" }
end

local function post(basic)
  local res = sessions():token_endpoint({ method = "POST", body = "grant_type=client_credentials",
    headers = { authorization = "Basic " .. basic } }, "http://127.0.0.1:1")
  return res.status, json.decode(res.body)
end

describe("luaforce.emulator.oauth token endpoint", function()
  -- "luaforce%2Dlocal:luaforce-local-secret": 38 bytes, 51 characters and one "="
  local padded = "bHVhZm9yY2UlMkRsb2NhbDpsdWFmb3JjZS1sb2NhbC1zZWNyZXQ="

  it("takes Basic credentials with or without their '=' padding", function()
    for _, text in ipairs { padded, padded:sub(1, -2), padded .. "==" } do
      local status, body = post(text)
      assert.are.equal(200, status, text)
      assert.matches("^00D000000000001!", body.access_token)
    end
  end)

  it("reads Basic text that is not base64 as no credentials", function()
    for _, text in ipairs { padded:sub(1, -4), "bHVhZm9y Y2U=", "bHVhZm9y-_" } do
      local status, body = post(text)
      assert.are.equal(400, status, text)
      assert.are.equal("invalid_client_id", body.error)
    end
  end)

  it("signs a token with 32 bytes in padded base64", function()
    local _, body = post(padded)
    assert.matches("^[%w+/]+=$", body.signature)
    assert.are.equal(44, #body.signature)
  end)
end)
