-- luaforce.json: lossless decode and encode, errors with positions, limits.
local json = require "luaforce.json"
local errors = require "luaforce.errors"

local function roundtrip(text, opts)
  local v, err = json.decode(text)
  assert(v ~= nil, err and tostring(err))
  local out, err2 = json.encode(v, opts)
  assert(out, err2 and tostring(err2))
  return out, v
end

local function short(s)
  s = tostring(s)
  if #s > 50 then s = s:sub(1, 40) .. "...(" .. #s .. " bytes)" end
  return s
end

-- A Salesforce query page the way the REST API sends it (compact).
local SF_PAGE = table.concat {
  '{"totalSize":3,"done":false,"nextRecordsUrl":"/services/data/v62.0/query/01gxx0000000001-2000",',
  '"records":[',
  '{"attributes":{"type":"Opportunity","url":"/services/data/v62.0/sobjects/Opportunity/0065g00000AbCdEAAV"},',
  '"Id":"0065g00000AbCdEAAV","Name":"Acme O\'Brien caf\xc3\xa9 - Renewal","Amount":12345.67,',
  '"StageName":"Closed Won","CloseDate":"2024-03-31","IsClosed":true,"Probability":100,',
  '"ExpectedRevenue":1234567890123.45,"Quantity__c":300.0,"Big__c":123456789012345678901234567890,',
  '"Account":{"attributes":{"type":"Account","url":"/services/data/v62.0/sobjects/Account/0015g00000XyZaBAAV"},',
  '"Name":"Acme O\'Brien caf\xc3\xa9","Industry":null},"Description":"Line 1\\nLine \\"2\\"\\t\xf0\x9f\x98\x80",',
  '"OpportunityLineItems":null,"Tags__c":[]},',
  '{"attributes":{"type":"Opportunity","url":"/services/data/v62.0/sobjects/Opportunity/0065g00000AbCdFAAV"},',
  '"Id":"0065g00000AbCdFAAV","Name":"Globex","Amount":0.1,',
  '"StageName":"Prospecting","CloseDate":"2024-04-01","IsClosed":false,"Probability":10,',
  '"ExpectedRevenue":-0.0,"Quantity__c":0.0000001,"Big__c":-9223372036854775808,',
  '"Account":{"attributes":{"type":"Account","url":"/services/data/v62.0/sobjects/Account/0015g00000XyZaCAAV"},',
  '"Name":"Globex \xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe","Industry":"Energy"},"Description":null,',
  '"OpportunityLineItems":{"totalSize":1,"done":true,"records":[{"attributes":{"type":"OpportunityLineItem",',
  '"url":"/services/data/v62.0/sobjects/OpportunityLineItem/00k5g000001AbCdAAF"},"Quantity":2.0,"UnitPrice":9.99}]},',
  '"Tags__c":["a","b"]},',
  '{"attributes":{"type":"Opportunity","url":"/services/data/v62.0/sobjects/Opportunity/0065g00000AbCdGAAV"},',
  '"Id":"0065g00000AbCdGAAV","Name":"Initech","Amount":null,"StageName":"Qualification","CloseDate":null,',
  '"IsClosed":false,"Probability":9223372036854775807,"ExpectedRevenue":1e+21,"Quantity__c":5e-324,',
  '"Big__c":999999999999999999,"Account":null,"Description":"","OpportunityLineItems":null,"Tags__c":[{}]}',
  ']}',
}

describe("luaforce.json", function()
  describe("decode then encode", function()
    -- { name, input, expected output (compact) }
    local rows = {
      { "shortest float", "0.1", "0.1" },
      { "small float in plain notation", "1e-7", "0.0000001" },
      { "large float in exponent notation", "1e21", "1e+21" },
      { "int64 max", "9223372036854775807", "9223372036854775807" },
      { "int64 min", "-9223372036854775808", "-9223372036854775808" },
      { "money with 15 digits", "1234567890123.45", "1234567890123.45" },
      { "18-digit integer", "999999999999999999", "999999999999999999" },
      { "beyond int64 (decimal)", "123456789012345678901234567890", "123456789012345678901234567890" },
      { "just beyond int64 (decimal)", "9223372036854775808", "9223372036854775808" },
      { "integral float keeps .0", "300.0", "300.0" },
      { "negative zero", "-0.0", "-0.0" },
      { "17 digits that round-trip", "0.30000000000000004", "0.30000000000000004" },
      { "17 digits that do not (decimal)", "0.30000000000000005", "0.30000000000000005" },
      { "19 significant digits (decimal)", "0.1000000000000000055", "0.1000000000000000055" },
      { "largest double", "1.7976931348623157e308", "1.7976931348623157e+308" },
      { "overflow (decimal)", "1e400", "1E+400" },
      { "smallest subnormal", "5e-324", "5e-324" },
      { "underflow (decimal)", "1e-400", "1E-400" },
      { "exponent written upper case", "1E2", "100.0" },
      { "surrogate pair", '"\\ud83d\\ude00"', '"\xf0\x9f\x98\x80"' },
      { "escapes normalised", '"\\u0041\\/\\b\\f\\n\\r\\t\\u001f\\u00e9"', '"A/\\b\\f\\n\\r\\t\\u001f\xc3\xa9"' },
      { "NUL in a string", '"a\\u0000b"', '"a\\u0000b"' },
      { "empty object and array keep apart", '{"b":{},"a":[]}', '{"b":{},"a":[]}' },
      { "key order kept", '{"z":1,"a":2,"m":3}', '{"z":1,"a":2,"m":3}' },
      { "nested containers", '[[],[[]],{"x":[{}]}]', '[[],[[]],{"x":[{}]}]' },
      { "null at top level", "null", "null" },
      { "nulls inside", '[null,{"a":null}]', '[null,{"a":null}]' },
      { "booleans", "[true,false]", "[true,false]" },
      { "whitespace dropped", ' { "a" : [ 1 , 2 ] } ', '{"a":[1,2]}' },
      { "duplicate key: last value, first position", '{"a":1,"b":2,"a":3}', '{"a":3,"b":2}' },
      { "Salesforce query page", SF_PAGE, SF_PAGE },
    }
    for _, row in ipairs(rows) do
      it(row[1] .. ": " .. short(row[2]), function()
        assert.are.equal(row[3], (roundtrip(row[2])))
      end)
    end
  end)

  describe("decoded types", function()
    -- { input, check }
    local rows = {
      { "42", function(v) return math.type(v) == "integer" and v == 42 end },
      { "9223372036854775807", function(v) return math.type(v) == "integer" and v == math.maxinteger end },
      { "-9223372036854775808", function(v) return math.type(v) == "integer" and v == math.mininteger end },
      { "-0", function(v) return math.type(v) == "integer" and v == 0 end },
      { "1.5", function(v) return math.type(v) == "float" and v == 1.5 end },
      { "300.0", function(v) return math.type(v) == "float" and v == 300 end },
      { "1e2", function(v) return math.type(v) == "float" and v == 100 end },
      { "9223372036854775808", function(v) return tostring(getmetatable(v).__name) == "luaforce.decimal" end },
      { "0.1000000000000000055", function(v) return tostring(getmetatable(v).__name) == "luaforce.decimal" end },
      { "[]", function(v) return json.is_array(v) and not json.is_object(v) and #v == 0 end },
      { "{}", function(v) return json.is_object(v) and not json.is_array(v) and next(v) == nil end },
      { '"x"', function(v) return v == "x" end },
      { "null", function(v) return v == json.null end },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        local v = assert(json.decode(row[1]))
        assert.is_true(row[2](v))
      end)
    end

    it("keeps the exact digits of a decimal", function()
      local v = json.decode("[123456789012345678901234567890]")
      assert.are.equal("123456789012345678901234567890", tostring(v[1]))
    end)

    it("makes no extra table per object: same keys, same metatable", function()
      local v = json.decode('[{"a":1,"b":2},{"a":3,"b":4},{"b":5,"a":6},{"a":7}]')
      assert.are.equal(getmetatable(v[1]), getmetatable(v[2]))
      assert.are_not.equal(getmetatable(v[1]), getmetatable(v[3]))
      assert.are_not.equal(getmetatable(v[1]), getmetatable(v[4]))
      assert.are.equal(getmetatable(v), getmetatable(json.decode("[]")))
    end)

    it("shares shapes with long (not interned) keys too", function()
      local k = ("long_key_"):rep(6)
      local v = json.decode(('[{"%s":1,"%s":2},{"%s":3,"%s":4}]'):format(k, k .. "2", k, k .. "2"))
      assert.are.equal(getmetatable(v[1]), getmetatable(v[2]))
      assert.are.equal(('[{"%s":1,"%s":2},{"%s":3,"%s":4}]'):format(k, k .. "2", k, k .. "2"), json.encode(v))
    end)

    it("survives a collector running all the time (long and repeated keys)", function()
      local k, k2 = ("x"):rep(60), ("y"):rep(50)
      local parts, expected = {}, {}
      for i = 1, 300 do
        -- a repeated key keeps its first position and its last value
        parts[i] = ('{"%s%d":%d,"%s":"v","%s":null,"%s":[%d.5,"%s"]}'):format(k, i % 7, i, k, k2, k, i, k)
        expected[i] = ('{"%s%d":%d,"%s":[%d.5,"%s"],"%s":null}'):format(k, i % 7, i, k, i, k, k2)
      end
      local text = "[" .. table.concat(parts, ",") .. "]"
      collectgarbage("incremental", 1, 1000) -- pause 1%: a cycle after nearly every step
      local ok, out = pcall(function()
        local r
        for _ = 1, 3 do r = assert(json.encode(assert(json.decode(text)))) end
        return r
      end)
      collectgarbage("incremental", 200, 100)
      assert.is_true(ok, out)
      assert.are.equal("[" .. table.concat(expected, ",") .. "]", out)
    end)
  end)

  describe("decode errors", function()
    -- { name, input, reason (plain substring), offset, line, column }
    local rows = {
      { "empty text", "", "premature EOF", 1, 1, 1 },
      { "truncated array", "[1,2", "premature EOF", 5, 1, 5 },
      { "truncated string", '{"a":"abc', "premature EOF", 10, 1, 10 },
      { "truncated object", '{"a":1', "premature EOF", 7, 1, 7 },
      { "truncated literal", "[tru", "invalid string in json text", 2, 1, 2 },
      { "truncated literal at top", "tru", "invalid string in json text", 1, 1, 1 },
      { "trailing garbage", "[1] x", "trailing garbage", 5, 1, 5 },
      { "two values", "1 2", "trailing garbage", 3, 1, 3 },
      -- a whole value, then a string the text ends inside: yajl waits for the
      -- string's end and would accept the text with the tail dropped
      { "a value then an unterminated string", '{"a":1}"xyz', "trailing garbage", 8, 1, 8 },
      { "an array then an unterminated invalid string", '[1,2]"\xff', "trailing garbage", 6, 1, 6 },
      { "a number then an unterminated string", '9"223', "trailing garbage", 2, 1, 2 },
      { "a string then an unterminated string", '"a" \n "b', "trailing garbage", 7, 2, 2 },
      { "trailing comma", "[1,]", "unallowed token", 4, 1, 4 },
      { "leading zero", "[01]", "after array element", 3, 1, 3 },
      { "leading zero at top", "01", "trailing garbage", 2, 1, 2 },
      { "missing colon", '{"a" 1}', "separated by a colon", 6, 1, 6 },
      { "key not a string", "{1:2}", "invalid object key", 2, 1, 2 },
      { "NaN", "NaN", "invalid char", 1, 1, 1 },
      { "Infinity", "[Infinity]", "invalid char", 2, 1, 2 },
      { "-Infinity", "[-Infinity]", "digit is required after the minus sign", 3, 1, 3 },
      { "raw control character in string", '["a\tb"]', "invalid character inside string", 4, 1, 4 },
      { "bad escape", '["\\x"]', "inside a string", 4, 1, 4 },
      { "comment", "[1 /* c */]", "comment", 4, 1, 4 },
      { "error on a later line", '{\n  "a": [1,\n   x]\n}', "invalid char", 17, 3, 4 },
      { "lone high surrogate", '["\\ud800"]', "unpaired UTF-16 surrogate", 3, 1, 3 },
      { "lone low surrogate", '["ab\\udc00"]', "unpaired UTF-16 surrogate", 5, 1, 5 },
      { "high surrogate then non-surrogate", '"\\ud83d\\u0041"', "unpaired UTF-16 surrogate", 2, 1, 2 },
      { "invalid UTF-8: stray byte", '["ok","a\xffb"]', "invalid UTF-8", 9, 1, 9 },
      { "invalid UTF-8: overlong", '"\xc0\xaf"', "invalid UTF-8", 2, 1, 2 },
      { "invalid UTF-8: encoded surrogate", '"\xed\xa0\x80"', "invalid UTF-8", 2, 1, 2 },
      { "invalid UTF-8: above U+10FFFF", '"\xf4\x90\x80\x80"', "invalid UTF-8", 2, 1, 2 },
      { "invalid UTF-8: truncated sequence", '"ab\xe2\x82"', "invalid UTF-8", 4, 1, 4 },
      { "invalid UTF-8 in a key", '{"k\xff":1}', "invalid UTF-8", 4, 1, 4 },
      { "invalid UTF-8 in a string with escapes", '"\\n\xc3("', "invalid UTF-8", 4, 1, 4 },
      { "invalid UTF-8 outside strings", "[\xc3\xa9]", "invalid char", 2, 1, 2 },
    }
    for _, row in ipairs(rows) do
      it(row[1] .. ": " .. short(("%q"):format(row[2])), function()
        local v, err = json.decode(row[2])
        assert.is_nil(v)
        assert.is_true(errors.is(err))
        assert.are.equal("JSON_PARSE_ERROR", err.code)
        assert.are.equal(2, err.exit)
        assert.is_truthy(err.reason:find(row[3], 1, true), err.reason)
        assert.are.same({ row[4], row[5], row[6] }, { err.offset, err.line, err.column })
        local where = ("at line %d, column %d (byte %d)"):format(row[5], row[6], row[4])
        assert.is_truthy(err.message:find(where, 1, true), err.message)
        assert.is_truthy(tostring(err):find("JSON_PARSE_ERROR", 1, true))
      end)
    end

    it("raises on a non-string argument", function()
      assert.has_error(function() json.decode(42) end)
      assert.has_error(function() json.decode() end)
    end)
  end)

  describe("nesting limit (1000)", function()
    local function nested(n, open, close) return open:rep(n) .. close:rep(n) end

    it("accepts 1000 nested arrays and writes them back", function()
      local text = nested(1000, "[", "]")
      assert.are.equal(text, (roundtrip(text)))
    end)

    it("accepts 1000 nested objects", function()
      local text = ('{"a":'):rep(999) .. "{}" .. ("}"):rep(999)
      assert.are.equal(text, (roundtrip(text)))
    end)

    -- { depth, opening, closing }
    for _, row in ipairs { { 1001, "[", "]" }, { 10000, "[", "]" }, { 1001, '{"a":', "}" }, { 100000, '{"a":', "}" } } do
      it(("refuses %d levels of %s"):format(row[1], row[2]), function()
        local v, err = json.decode(nested(row[1], row[2], row[3]))
        assert.is_nil(v)
        assert.is_truthy(err.message:find("nesting deeper than 1000 levels", 1, true), err.message)
        assert.are.equal(1000 * #row[2] + 1, err.offset)
      end)
    end

    it("encodes 1000 levels and refuses 1001", function()
      local function build(n)
        local t = {}
        for _ = 2, n do t = { t } end
        return t
      end
      assert.are.equal(("["):rep(999) .. "{}" .. ("]"):rep(999), json.encode(build(1000)))
      local s, err = json.encode(build(1001))
      assert.is_nil(s)
      assert.is_truthy(err.message:find("nesting deeper than 1000", 1, true))
    end)

    it("reports a table that contains itself instead of overflowing", function()
      local t = { name = "loop" }
      t.self = t
      local s, err = json.encode(t)
      assert.is_nil(s)
      assert.are.equal("JSON_ENCODE_ERROR", err.code)
      assert.is_truthy(err.message:find("contain itself", 1, true), err.message)
    end)
  end)

  describe("encode", function()
    local nan, inf = 0 / 0, math.huge
    -- { name, value, expected text }
    local rows = {
      { "integer", 42, "42" },
      { "int64 min", math.mininteger, "-9223372036854775808" },
      { "float shortest", 0.1, "0.1" },
      { "float lost by cjson", 1234567890123.45, "1234567890123.45" },
      { "integral float", 300.0, "300.0" },
      { "negative zero", -0.0, "-0.0" },
      { "tiny float", 1e-7, "0.0000001" },
      { "smaller float", 1.5e-8, "1.5e-8" },
      { "below 1e21", 123456789012345680000.0, "123456789012345680000.0" },
      { "1e21", 1e21, "1e+21" },
      { "largest double", 1.7976931348623157e308, "1.7976931348623157e+308" },
      { "smallest subnormal", 5e-324, "5e-324" },
      { "true", true, "true" },
      { "null", json.null, "null" },
      { "escapes", 'q"b\\s/\b\f\n\r\t\0\31\127', '"q\\"b\\\\s/\\b\\f\\n\\r\\t\\u0000\\u001f\127"' },
      { "UTF-8 left as is", "caf\xc3\xa9 \xf0\x9f\x98\x80", '"caf\xc3\xa9 \xf0\x9f\x98\x80"' },
      { "sequence", { 1, "two", 3.0 }, '[1,"two",3.0]' },
      { "string keys sorted", { b = 1, a = 2, C = 3, aa = 4 }, '{"C":3,"a":2,"aa":4,"b":1}' },
      { "empty unmarked table is an object", {}, "{}" },
      { "json.array{}", json.array {}, "[]" },
      { "json.object{}", json.object {}, "{}" },
      { "json.array with values", json.array { 1, 2 }, "[1,2]" },
      { "json.object with order", json.object({ c = 1, a = 2, b = 3 }, { "b", "c" }), '{"b":3,"c":1,"a":2}' },
      { "null in tables", { json.null, { a = json.null } }, '[null,{"a":null}]' },
      { "decimal", json.decode("[1.10000000000000000001]")[1], "1.10000000000000000001" },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        assert.are.equal(row[3], (assert(json.encode(row[2]))))
      end)
    end

    -- { name, value, message (plain substring) }
    local bad = {
      { "NaN", nan, "cannot encode NaN" },
      { "inf", inf, "cannot encode inf" },
      { "-inf", { x = { -inf } }, "cannot encode -inf (JSON has no NaN or infinity) at x[1]" },
      { "nil", nil, "cannot encode nil" },
      { "function", { a = { b = { 1, print } } }, "cannot encode a function value at a.b[2]" },
      { "coroutine", { coroutine.create(print) }, "cannot encode a thread value at [1]" },
      { "sparse array", { 1, nil, 3 }, "sparse array: key 3 is set but key 2 is not" },
      { "array starting at 2", { [2] = "x" }, "key 2 is set but key 1 is not" },
      { "mixed keys", { 1, 2, name = "x" }, 'table mixes string key "name" and integer key' },
      { "zero key", { [0] = 1 }, "integer key 0" },
      { "float key", { [1.5] = 1 }, "table has key 1.5" },
      { "boolean key", { [true] = 1 }, "table has key true" },
      { "table key", { [{}] = 1 }, "table has key of type table" },
      { "integer key in an object", json.object { [1] = "x" }, "object has key 1" },
      { "string key in an array", json.array { 1, x = 2 }, 'array has key "x"' },
      { "hole in an array", json.array { 1, nil, 3 }, "sparse array" },
      { "invalid UTF-8 in a string", { s = "ab\xc0\x80" }, "invalid UTF-8 in string at byte 3 at s" },
      { "surrogate in UTF-8", "\xed\xa0\x80", "invalid UTF-8 in string at byte 1" },
      { "above U+10FFFF", "x\xf4\x90\x80\x80", "invalid UTF-8 in string at byte 2" },
      { "truncated sequence", "abc\xe2\x82", "invalid UTF-8 in string at byte 4" },
      { "invalid UTF-8 in a key", { ["k\xff"] = 1 }, "invalid UTF-8 in key at byte 2" },
      { "other userdata", { io.stdout }, "cannot encode a FILE* value at [1]" },
    }
    for _, row in ipairs(bad) do
      it("refuses " .. row[1], function()
        local s, err = json.encode(row[2])
        assert.is_nil(s)
        assert.is_true(errors.is(err))
        assert.are.equal("JSON_ENCODE_ERROR", err.code)
        assert.are.equal(2, err.exit)
        assert.is_truthy(err.message:find(row[3], 1, true), err.message)
      end)
    end

    it("raises on bad options", function()
      assert.has_error(function() json.encode({}, "pretty") end)
      assert.has_error(function() json.encode({}, { prety = true }) end)
    end)

    it("pretty prints with two spaces", function()
      local v = json.decode('{"b":[1,{"x":null}],"a":{},"c":[],"d":"s"}')
      assert.are.equal(table.concat({
        "{",
        '  "b": [',
        "    1,",
        "    {",
        '      "x": null',
        "    }",
        "  ],",
        '  "a": {},',
        '  "c": [],',
        '  "d": "s"',
        "}",
      }, "\n"), json.encode(v, { pretty = true }))
      assert.are.equal("[]", json.encode(json.array {}, { pretty = true }))
      assert.are.equal("1", json.encode(1, { pretty = true }))
    end)

    it("sorts keys on request, ignoring the recorded order", function()
      local v = json.decode('{"b":1,"a":{"z":1,"y":[{"d":1,"c":2}]}}')
      assert.are.equal('{"a":{"y":[{"c":2,"d":1}],"z":1},"b":1}', json.encode(v, { sort_keys = true }))
      assert.are.equal('{"b":1,"a":{"z":1,"y":[{"d":1,"c":2}]}}', json.encode(v))
      assert.are.equal(table.concat({ "{", '  "a": 1,', '  "b": 2', "}" }, "\n"),
        json.encode(json.decode('{"b":2,"a":1}'), { pretty = true, sort_keys = true }))
    end)

    it("keeps the recorded order after changes: kept keys in order, new ones sorted after", function()
      local v = json.decode('{"z":1,"a":2,"m":3,"q":4}')
      v.a = nil        -- removed
      v.m = "changed"  -- changed in place
      v.new2 = true    -- added
      v.new1 = false
      assert.are.equal('{"z":1,"m":"changed","q":4,"new1":false,"new2":true}', json.encode(v))
      v.a = 5          -- back again: its old place
      assert.are.equal('{"z":1,"a":5,"m":"changed","q":4,"new1":false,"new2":true}', json.encode(v))
    end)

    it("a change to one record does not reorder others of the same shape", function()
      local v = json.decode('[{"b":1,"a":2},{"b":3,"a":4}]')
      v[1].c = 0
      assert.are.equal('[{"b":1,"a":2,"c":0},{"b":3,"a":4}]', json.encode(v))
    end)

    it("refuses a broken __jsonkeys list", function()
      local t = setmetatable({ a = 1 }, { __jsontype = "object", __jsonkeys = { "a", "a" } })
      local s, err = json.encode(t)
      assert.is_nil(s)
      assert.is_truthy(err.message:find('lists key "a" twice', 1, true))
      t = setmetatable({ a = 1 }, { __jsontype = "object", __jsonkeys = { "a", 2 } })
      assert.is_nil((json.encode(t)))
    end)

    it("arrays stay arrays after changes", function()
      local v = json.decode("[]")
      v[1] = "x"
      assert.are.equal('["x"]', json.encode(v))
      v[1] = nil
      assert.are.equal("[]", json.encode(v))
    end)
  end)

  describe("null and marks", function()
    it("has one null sentinel", function()
      assert.are.equal("userdata", type(json.null))
      assert.are.equal("null", tostring(json.null))
      assert.are.equal("luaforce.json.null", getmetatable(json.null).__name)
      assert.are.equal(json.null, json.decode("null"))
      assert.are.equal(json.null, require("luaforce.core.json").null)
    end)

    it("tells null from a missing key", function()
      local v = json.decode('{"a":null}')
      assert.are.equal(json.null, v.a)
      assert.is_nil(v.b)
      assert.are.equal('{"a":null}', json.encode(v))
    end)

    it("marks tables and returns them", function()
      local t = {}
      assert.are.equal(t, json.array(t))
      assert.is_true(json.is_array(t))
      assert.is_false(json.is_object(t))
      local o = {}
      assert.are.equal(o, json.object(o))
      assert.is_true(json.is_object(o))
      assert.is_false(json.is_array(o))
      assert.is_false(json.is_array({}))
      assert.is_false(json.is_object({}))
      assert.is_false(json.is_array("x"))
      assert.is_true(json.is_array(json.array()))
    end)

    it("json.object keeps a decoded object's order", function()
      local v = json.decode('{"b":1,"a":2}')
      json.object(v)
      assert.are.equal('{"b":1,"a":2}', json.encode(v))
    end)
  end)

  describe("null fields as nil (null_as_nil)", function()
    local PAGE = '{"totalSize":3,"done":true,"records":['
      .. '{"attributes":{"type":"Contact"},"Id":"003A","Email":null,"Account":{"Name":"Acme","Phone":null}},'
      .. '{"attributes":{"type":"Contact"},"Id":"003B","Email":"b@example.com","Account":null},'
      .. '{"attributes":{"type":"Contact"},"Id":"003C","Email":null,"Account":{"Name":"Beta","Phone":null}}]}'

    local function nil_decode(text) return assert(json.decode(text, { null_as_nil = true })) end

    it("reads a null member as nil, and writes it back as null, in its place", function()
      local page = nil_decode(PAGE)
      local a, b = page.records[1], page.records[2]
      assert.is_nil(a.Email)
      assert.is_nil(a.Account.Phone)
      assert.is_nil(b.Account)
      assert.are.equal("b@example.com", b.Email)
      assert.are.equal(PAGE, json.encode(page))
      assert.are.equal(json.encode(json.decode(PAGE), { pretty = true }), json.encode(page, { pretty = true }))
      assert.are.equal(json.encode(json.decode(PAGE), { sort_keys = true }), json.encode(page, { sort_keys = true }))
    end)

    it("tells a null field from an absent one, and lists both in order", function()
      local rec = nil_decode('{"Id":"1","Email":null,"Name":"x"}')
      assert.is_true(json.isnull(rec, "Email"))
      assert.is_false(json.isnull(rec, "Name"))
      assert.is_false(json.isnull(rec, "Phone"))
      assert.same({ "Id", "Email", "Name" }, json.keys(rec))
      rec.Extra = 1
      rec.Email = "now@example.com"
      assert.is_false(json.isnull(rec, "Email"))
      assert.same({ "Id", "Email", "Name", "Extra" }, json.keys(rec))
      assert.are.equal('{"Id":"1","Email":"now@example.com","Name":"x","Extra":1}', json.encode(rec))
      -- json.null held in a table counts too
      assert.is_true(json.isnull({ x = json.null }, "x"))
      assert.is_true(json.isnull(json.decode('{"x":null}'), "x"))
    end)

    it("keeps array elements as json.null, and the default decode as it was", function()
      local v = nil_decode('{"list":[null,1,{"a":null}]}')
      assert.are.equal(json.null, v.list[1])
      assert.are.equal(3, #v.list)
      assert.is_nil(v.list[3].a)
      assert.are.equal(json.null, json.decode('{"a":null}').a)
      assert.are.equal(json.null, json.decode("null", { null_as_nil = true }))
    end)

    it("shares a shape among records with the same nulls only", function()
      local page = nil_decode(PAGE)
      local r = page.records
      assert.are.equal(getmetatable(r[1]), getmetatable(r[3]))
      assert.are_not.equal(getmetatable(r[1]), getmetatable(r[2]))
      assert.is_true(json.is_object(r[1]))
    end)

    it("takes the last of repeated keys", function()
      local rows = {
        { '{"a":null,"a":1}', '{"a":1}' }, { '{"a":1,"a":null}', '{"a":null}' },
        { '{"a":null,"b":2,"a":null}', '{"a":null,"b":2}' },
      }
      for _, row in ipairs(rows) do
        assert.are.equal(row[2], json.encode(nil_decode(row[1])), row[1])
      end
    end)

    -- found by fuzzing: when every null member got a value again later, a
    -- table was left on the decoder's stack: the object lost its shape (its
    -- keys came back sorted) and, inside a container, the decode crashed
    it("takes the last of repeated keys when every null is given a value again", function()
      local rows = {
        { '{"b":null,"b":2,"a":1}', '{"b":2,"a":1}' },
        { '[{"b":null,"b":2},3]', '[{"b":2},3]' },
        { '{"x":{"b":null,"b":2,"a":1},"y":[{"c":null,"c":0}]}', '{"x":{"b":2,"a":1},"y":[{"c":0}]}' },
        { '{"b":null,"b":2,"c":null}', '{"b":2,"c":null}' },
      }
      for _, row in ipairs(rows) do
        local v = nil_decode(row[1])
        assert.are.equal(row[2], json.encode(v), row[1])
        assert.are.equal(json.encode(json.decode(row[1])), json.encode(v), row[1])
      end
      assert.same({ "b", "a" }, json.keys(nil_decode('{"b":null,"b":2,"a":1}')))
    end)

    it("takes the last of repeated long keys, null after a value too (found by fuzzing)", function()
      local long = ("k"):rep(50)
      local rows = {
        { '{"L":true,"L":null,"v":45}', '{"L":null,"v":45}' },
        { '{"L":1,"L":null,"L":2}', '{"L":2}' },
        { '[{"L":1,"L":null},{"L":null},{"L":2,"L":null,"x":1}]', '[{"L":null},{"L":null},{"L":null,"x":1}]' },
      }
      for _, row in ipairs(rows) do
        local text, want = row[1]:gsub("L", long), row[2]:gsub("L", long)
        assert.are.equal(want, json.encode(nil_decode(text)), row[1])
      end
      assert.is_true(json.isnull(nil_decode(('{"L":true,"L":null}'):gsub("L", long)), long))
    end)

    -- found by fuzzing (AddressSanitizer: heap-use-after-free, so the
    -- sanitizer run is where this test bites): a null taking a long key out
    -- of its object left the string recorded for it unheld
    it("keeps a long key alive when a null takes it out of its object, collecting all the while", function()
      local long = ("k"):rep(50)
      local parts = {}
      for i = 1, 300 do
        parts[i] = ('{"L":true,"L":null,"a":1,"L":null,"v":%d}'):gsub("L", long):format(i)
      end
      local text = "[" .. table.concat(parts, ",") .. "]"
      collectgarbage("incremental", 1, 1000) -- pause 1%: a cycle after nearly every step
      local ok, list = pcall(nil_decode, text)
      collectgarbage("incremental", 200, 100)
      assert(ok, list)
      assert.are.equal(json.encode(json.decode(text)), json.encode(list))
      assert.same({ long, "a", "v" }, json.keys(list[300]))
    end)

    -- found by fuzzing (AddressSanitizer: heap-use-after-free): a long key
    -- null twice in one object, or null in several objects, left the shape
    -- pointing at a key string no table kept, freed by the next collection
    it("keeps long keys of null members alive when they repeat", function()
      local long = ("k"):rep(50)
      local twice, across = {}, {}
      for i = 1, 300 do
        twice[i] = ('{"%s":null,"%s":null,"v":%d}'):format(long, long, i)
        across[i] = ('{"%s":null,"v":%d}'):format(long, i)
      end
      for _, parts in ipairs { twice, across } do
        local text = "[" .. table.concat(parts, ",") .. "]"
        local list = nil_decode(text)
        collectgarbage()
        assert.are.equal(json.encode(json.decode(text)), json.encode(list))
        assert.same({ long, "v" }, json.keys(list[300]))
        assert.is_true(json.isnull(list[1], long))
      end
    end)

    it("keeps the keys of null members alive through collections", function()
      local parts = {}
      for i = 1, 3000 do
        parts[i] = ('{"k%d_%s":null,"v":%d}'):format(i % 50, ("x"):rep(i % 60), i)
      end
      local text = "[" .. table.concat(parts, ",") .. "]"
      local mode = collectgarbage("generational")
      local list = nil_decode(text)
      collectgarbage()
      collectgarbage(mode)
      assert.are.equal(text, json.encode(list))
    end)

    it("refuses unknown options", function()
      assert.has_error(function() json.decode("{}", { nulls = true }) end, "bad argument #2 to 'decode' (unknown option 'nulls')")
      assert.has_error(function() json.decode("{}", true) end)
      assert.has_error(function() json.keys("x") end)
      assert.has_error(function() json.isnull(nil, "x") end)
    end)
  end)
end)
