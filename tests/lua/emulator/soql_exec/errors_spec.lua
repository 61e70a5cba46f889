-- luaforce.emulator.soql_exec.errors: a query error thrown deep in the
-- compiler comes back as `nil, err` with Salesforce's fields and caret
-- message; anything else thrown is a bug and goes on up.
local qerr = require "luaforce.emulator.soql_exec.errors"
local errors = require "luaforce.errors"

describe("luaforce.emulator.soql_exec.errors", function()
  local ctx = { text = "SELECT Foo FROM Account" }

  it("throw and protect: nil and Salesforce's error, with the caret under pos", function()
    local res, err = qerr.protect(function() qerr.throw(ctx, "INVALID_FIELD", 8, "No such column 'Foo'") end)
    assert.is_nil(res)
    assert.is_true(errors.is(err))
    assert.equal("INVALID_FIELD", err.errorCode)
    assert.equal("INVALID_FIELD", err.code)
    assert.equal(400, err.status)
    assert.equal("\nSELECT Foo FROM Account\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo'", err.message)
    local _, plain = qerr.protect(qerr.throw, ctx, "NUMBER_OUTSIDE_VALID_RANGE", nil, "too far")
    assert.equal("too far", plain.message)
  end)

  it("raise throws a ready error; is_thrown tells thrown errors apart", function()
    local given = qerr.query_error("MALFORMED_QUERY", "bad")
    local ok, thrown = pcall(qerr.raise, given)
    assert.is_false(ok)
    assert.is_true(qerr.is_thrown(thrown))
    assert.is_false(qerr.is_thrown("a bug"))
    local _, err = qerr.protect(qerr.raise, given)
    assert.equal(given, err)
  end)

  it("protect passes results through and other errors on", function()
    local t = { 1, 2 }
    assert.equal(t, qerr.protect(function(a) return a end, t))
    assert.has_error(function() qerr.protect(function() error("a bug", 0) end) end, "a bug")
  end)

  it("hints are Salesforce's sentences", function()
    assert.truthy(qerr.FIELD_HINT:find("append the '__c' after the custom field name", 1, true))
    assert.truthy(qerr.RELATIONSHIP_HINT:find("append the '__r'", 1, true))
    assert.truthy(qerr.OBJECT_HINT:find("after the entity name", 1, true))
  end)
end)
