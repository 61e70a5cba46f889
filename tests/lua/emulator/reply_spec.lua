-- luaforce.emulator.reply: the replies the local org's handlers give the C
-- server ({status, headers = {{name, value}, ...}, body}): JSON with
-- Salesforce's content type, Salesforce's error arrays (key order message,
-- errorCode, fields), empty replies, 404 and 405 in Salesforce's words.
local json = require "luaforce.json"
local reply = require "luaforce.emulator.reply"
local raises = require "support.raises"

local JSON_TYPE = { "Content-Type", "application/json;charset=UTF-8" }

describe("luaforce.emulator.reply", function()
  it("names Salesforce's JSON content type", function()
    assert.equal("application/json;charset=UTF-8", reply.JSON_TYPE)
  end)

  describe("json_text and json", function()
    it("sends JSON text as it is, the content type first, then the headers given in order", function()
      local r = reply.json_text(201, '{"b":1,"a":2}', { { "Location", "/x" }, { "X-Two", "2" } })
      assert.same({ status = 201, body = '{"b":1,"a":2}',
        headers = { JSON_TYPE, { "Location", "/x" }, { "X-Two", "2" } } }, r)
    end)

    it("refuses what is not text", function()
      raises(function() reply.json_text(200, {}) end, "#2", "json_text", "string expected, got table")
    end)

    it("encodes a value, keeping an object's key order", function()
      local r = reply.json(200, json.object({ z = 1, a = json.array { true, json.null } }, { "z", "a" }))
      assert.same({ status = 200, body = '{"z":1,"a":[true,null]}', headers = { JSON_TYPE } }, r)
    end)
  end)

  describe("errors", function()
    -- { arguments of error (status, code, message, fields), body }
    local rows = {
      { { 404, "NOT_FOUND", "gone" }, '[{"message":"gone","errorCode":"NOT_FOUND"}]' },
      { { 400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", { "Name" } },
        '[{"message":"Required fields are missing: [Name]","errorCode":"REQUIRED_FIELD_MISSING","fields":["Name"]}]' },
      { { 400, "X", "no fields", {} }, '[{"message":"no fields","errorCode":"X"}]' },
    }
    for _, row in ipairs(rows) do
      it(row[2], function()
        local r = reply.error(table.unpack(row[1], 1, 4))
        assert.equal(row[1][1], r.status)
        assert.equal(row[2], r.body)
        assert.same({ JSON_TYPE }, r.headers)
      end)
    end

    -- found by fuzzing: a method or a field name that is not UTF-8, quoted in
    -- the message, made the JSON encoder fail and the server answer 500
    -- { what, message, the message as sent }
    local not_utf8 = {
      { "a stray byte", "HTTP Method 'G\xe7T' not allowed", "HTTP Method 'G?T' not allowed" },
      { "a truncated sequence at the end", "caf\xc3", "caf?" },
      { "an overlong form and an encoded surrogate", "\xc0\xaf-\xed\xa0\x80", "??-???" },
      { "valid UTF-8 kept", "caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80" },
    }
    for _, row in ipairs(not_utf8) do
      it("writes bytes of a message that are not UTF-8 as '?': " .. row[1], function()
        local r = reply.error(405, "METHOD_NOT_ALLOWED", row[2])
        assert.equal(row[3], json.decode(r.body)[1].message)
      end)
    end

    it("writes bytes that are not UTF-8 anywhere in a JSON answer as '?', keeping key order", function()
      -- found by fuzzing: a collection delete echoed an id that was not UTF-8
      local value = json.array { json.object({ id = "001\xc1AA", success = false, ["k\xff"] = "v" },
        { "id", "success", "k\xff" }) }
      local r = reply.json(200, value)
      assert.equal('[{"id":"001?AA","success":false,"k?":"v"}]', r.body)
      assert.equal("001\xc1AA", value[1].id) -- the caller's value is left as it was
    end)

    it("adds headers to an error", function()
      local r = reply.error(401, "INVALID_SESSION_ID", "Session expired or invalid", nil, { { "WWW-Authenticate", "Token" } })
      assert.same({ JSON_TYPE, { "WWW-Authenticate", "Token" } }, r.headers)
    end)

    it("writes one error object", function()
      assert.equal('{"message":"m","errorCode":"C","fields":["A","B"]}',
        json.encode(reply.error_object("C", "m", { "A", "B" })))
    end)

    it("writes a list of errors, taking statusCode where errorCode is missing", function()
      local r = reply.errors(400, {
        { errorCode = "A", message = "first", fields = { "F" } },
        { statusCode = "B", message = "second" },
      })
      assert.equal(400, r.status)
      assert.equal('[{"message":"first","errorCode":"A","fields":["F"]},{"message":"second","errorCode":"B"}]',
        r.body)
    end)

    it("answers an unknown resource as Salesforce does", function()
      local r = reply.not_found()
      assert.same({ 404, '[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]' },
        { r.status, r.body })
    end)

    it("answers a method a resource does not take with 405 and Allow", function()
      local r = reply.method_not_allowed("PUT", { "GET", "HEAD", "POST" })
      assert.equal(405, r.status)
      assert.same({ JSON_TYPE, { "Allow", "GET,HEAD,POST" } }, r.headers)
      assert.equal('[{"message":"HTTP Method \'PUT\' not allowed. Allowed are GET,HEAD,POST",'
        .. '"errorCode":"METHOD_NOT_ALLOWED"}]', r.body)
    end)
  end)

  describe("empty", function()
    it("has no body and no headers unless given", function()
      assert.same({ status = 204, headers = {}, body = "" }, reply.empty(204))
      assert.same({ status = 304, headers = { { "ETag", "x" } }, body = "" }, reply.empty(304, { { "ETag", "x" } }))
    end)
  end)
end)
