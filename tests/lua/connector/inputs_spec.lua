-- A task's inputs evaluated as the engine does, then its secrets put in.
local json = require "luaforce.json"
local inputs = require "luaforce.connector.inputs"

local function task(list)
  local t = { inputs = {} }
  for i, pair in ipairs(list) do t.inputs[i] = { target = pair[1], source = pair[2] } end
  return t
end

describe("luaforce.connector.inputs", function()
  it("evaluates FEEL inputs over the variables, each seeing the ones before", function()
    local f = assert(inputs.evaluate(task {
      { "baseUrl", "https://x.my.salesforce.com" },
      { "objectId", "=id" },
      { "url", '=baseUrl + "/sobjects/Account/" + objectId' },
    }, { id = "001A" }))
    assert.equal("001A", f.objectId)
    assert.equal("https://x.my.salesforce.com/sobjects/Account/001A", f.url)
  end)

  it("makes contexts of dotted targets, and inputs never extend a variable of the same name", function()
    local f = assert(inputs.evaluate(task {
      { "authentication.type", "bearer" },
      { "authentication.token", '=authentication.type + "-x"' },
      { "seen", "=authentication" },
    }, { authentication = { leaked = "yes" } }))
    assert.equal("bearer-x", f["authentication.token"])
    assert.equal(json.encode({ token = "bearer-x", type = "bearer" }, { sort_keys = true }),
      json.encode(f.seen, { sort_keys = true }))
  end)

  it("keeps literal values, and null for a missing name with a warning naming the input", function()
    local f, w = assert(inputs.evaluate(task { { "body", { Name = "A" } }, { "objectId", "=nope" } }, {}))
    assert.equal("A", f.body.Name)
    assert.equal(json.null, f.objectId)
    assert.equal("objectId", w[1].input)
    assert.matches("nope", w[1].message)
  end)

  it("keeps exact decimals", function()
    local f = assert(inputs.evaluate(task { { "body", "={Amount: 0.1 + 0.2}" } }, {}))
    assert.equal('{"Amount":0.3}', json.encode(f.body))
  end)

  it("names the input of a syntax error, with the caret excerpt", function()
    local f, err = inputs.evaluate(task { { "soqlQuery", '="SELECT" +' } }, {})
    assert.is_nil(f)
    assert.equal("INPUT_EXPRESSION", err.code)
    assert.equal("soqlQuery", err.input)
    assert.matches("^the input 'soqlQuery': syntax error at line 1", err.message)
    assert.matches("%^", err.excerpt)
  end)

  it("puts secrets in after the expressions ran, anywhere in the values", function()
    local lookup = function(name) return ({ TOKEN = "s3cr3t-value-123", KEY = "Name" })[name] end
    local f = assert(inputs.evaluate(task {
      { "authentication.token", "{{secrets.TOKEN}}" },
      { "body", '={"{{secrets.KEY}}": "x {{secrets.TOKEN}} y"}' },
    }, {}))
    f = assert(inputs.put_secrets(f, lookup))
    assert.equal("s3cr3t-value-123", f["authentication.token"])
    assert.equal("x s3cr3t-value-123 y", f.body.Name)
    assert.is_true(require("luaforce.http").holds_secret("s3cr3t-value-123"))
  end)

  it("names an unknown secret and gives nothing back", function()
    local f, err = inputs.put_secrets({ baseUrl = "{{secrets.NOPE_X}}" }, function() return nil end)
    assert.is_nil(f)
    assert.equal("UNKNOWN_SECRET", err.code)
    assert.matches("NOPE_X", err.message)
  end)
end)
