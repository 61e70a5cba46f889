-- Reading a connector task file: the template's fields nested or flat, in
-- document order; mistakes named with the fix.
local json = require "luaforce.json"
local task = require "luaforce.connector.task"

local function read(text) return task.read(assert(json.decode(text)), "t.json") end

local function targets(t)
  local out = {}
  for i, input in ipairs(t.inputs) do out[i] = input.target end
  return table.concat(out, " ")
end

describe("luaforce.connector.task", function()
  it("takes nested authentication and flat dotted fields alike, in document order", function()
    local a = assert(read([[{"baseUrl": "https://x.my.salesforce.com",
      "authentication": {"type": "bearer", "token": "T"}, "salesforceOperationType": "soqlQuery",
      "soqlQuery": "SELECT Id FROM Account"}]]))
    local b = assert(read([[{"baseUrl": "https://x.my.salesforce.com", "authentication.type": "bearer",
      "authentication.token": "T", "salesforceOperationType": "soqlQuery", "soqlQuery": "SELECT Id FROM Account"}]]))
    assert.equal("baseUrl authentication.type authentication.token salesforceOperationType soqlQuery", targets(a))
    assert.equal(targets(a), targets(b))
    assert.equal("template", a.form)
    assert.equal("T", a.inputs[3].source)
  end)

  it("keeps headers apart from inputs, and reads retries", function()
    local t = assert(read([[{"objectType": "Account", "resultVariable": "r", "resultExpression": "={a: 1}",
      "errorExpression": "=null", "retries": 5, "retryBackoff": "PT1S"}]]))
    assert.equal("objectType", targets(t))
    assert.same({ resultVariable = "r", resultExpression = "={a: 1}", errorExpression = "=null", retryBackoff = "PT1S" },
      t.headers)
    assert.equal(5, t.retries)
    assert.equal(2, assert(read([[{"retries": "2"}]])).retries)
  end)

  it("keeps object values (body, queryParameters) and nulls as they are", function()
    local t = assert(read([[{"body": {"Name": "Acme", "Phone": null}, "objectId": null}]]))
    assert.equal("Acme", t.inputs[1].source.Name)
    assert.is_true(json.isnull(t.inputs[1].source, "Phone"))
    assert.equal(json.null, t.inputs[2].source)
  end)

  it("names an unknown field with the nearest known one", function()
    local t, err = read([[{"objectID": "001"}]])
    assert.is_nil(t)
    assert.equal(2, err.exit)
    assert.equal("t.json: unknown field 'objectID'", err.message)
    assert.equal("did you mean 'objectId'?", err.hint)
    t, err = read([[{"authentication": {"tokn": "x"}}]])
    assert.equal("did you mean 'authentication.token'?", err.hint)
    t, err = read([[{"whatever": 1}]])
    assert.matches("luaforce help connector", err.hint, 1, true)
  end)

  it("refuses what is not a task", function()
    for _, text in ipairs { "[1, 2]", '"x"', '{"authentication": "bearer"}', '{"resultExpression": 1}',
        '{"retries": -1}', '{"retries": 1.5}' } do
      local t, err = read(text)
      assert.is_nil(t, text)
      assert.equal(2, err.exit, text)
      assert.matches("^t%.json: ", err.message)
    end
  end)

  it("reads a Lua table as the Lua API passes it", function()
    local t = assert(task.read({ baseUrl = "https://x", authentication = { type = "bearer", token = "T" } }, "lua"))
    assert.equal("authentication.token authentication.type baseUrl", targets(t))
  end)
end)
