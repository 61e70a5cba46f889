-- A copy of a JSON value with its strings rewritten: order, nulls and
-- kinds kept.
local json = require "luaforce.json"
local walk = require "luaforce.connector.walk"

describe("luaforce.connector.walk", function()
  it("rewrites every string, keys included, and keeps order and null fields", function()
    local v = json.decode([[{"b": "x", "a": null, "c": [1, "y", {"d": "z"}], "e": {}, "f": []}]], { null_as_nil = true })
    assert.equal([[{"B":"X","A":null,"C":[1,"Y",{"D":"Z"}],"E":{},"F":[]}]], json.encode(walk.strings(v, string.upper)))
  end)

  it("tells objects from arrays for JSON, FEEL and plain Lua values", function()
    assert.is_true(walk.is_array({ 1, 2 }))
    assert.is_false(walk.is_array({ 1, nil, 3, x = 1 }))
    assert.is_true(walk.is_object({ a = 1 }))
    assert.is_true(walk.is_object({}))
    assert.is_true(walk.is_array(json.array {}))
    assert.is_false(walk.is_object(json.array {}))
    local feel = require "luaforce.feel"
    assert.is_true(walk.is_object((feel.eval("{a: 1}"))))
    assert.is_true(walk.is_array((feel.eval("[1, 2]"))))
  end)

  it("passes on an error the function raises", function()
    assert.has_error(function() walk.strings({ "a" }, function() error("stop", 0) end) end, "stop")
  end)
end)
