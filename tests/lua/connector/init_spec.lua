-- The connector layer's face: what `require "luaforce.connector"` offers,
-- and that loading it is what teaches FEEL the connector's functions.
local proc = require "support.proc"

describe("luaforce.connector", function()
  it("offers result and outcome, the same as luaforce.connector.outcome's", function()
    local connector = require "luaforce.connector"
    local outcome = require "luaforce.connector.outcome"
    assert.equal(outcome.result, connector.result)
    assert.equal(outcome.outcome, connector.outcome)
    local vars = connector.result("= {newId: response.body.id}", { status = 201, body = { id = "001X" } })
    assert.equal("001X", vars.newId)
    local out = connector.outcome('if error.code = "404" then bpmnError("NF", error.message) else null',
      { error = { code = "404", message = "Not Found" } })
    assert.equal("NF", out.errorCode)
    assert.equal("Not Found", out.errorMessage)
  end)

  it("is one of luaforce's lazy names", function()
    assert.equal(require "luaforce.connector", require("luaforce").connector)
  end)

  it("is what teaches FEEL the connector's functions: luaforce.feel alone has none", function()
    -- a fresh process, so nothing loaded the layer before
    local script = [[
      local feel = require "luaforce.feel"
      local before, w = feel.eval('bpmnError("NF", "not found")')
      io.write(tostring(before), " ", w[1].type, "\n")
      require "luaforce.connector"
      local after = feel.eval('bpmnError("NF", "not found")')
      io.write(after.errorType, " ", after.errorCode, "\n")
    ]]
    local r = proc.luaforce({ "run", "-" }, { stdin = script })
    assert.equal(0, r.code, r.stderr)
    assert.equal("nil NO_FUNCTION_FOUND\nbpmnError NF\n", r.stdout)
  end)

  it("turns a BPMN model's Salesforce tasks into runnable tasks, other service tasks left out", function()
    local connector = require "luaforce.connector"
    local model = { tasks = {
      { id = "A", name = "Find", salesforce = true, retries = "5",
        inputs = { { target = "salesforceInteractionType", source = "soqlQuery" } },
        headers = { { key = "resultExpression", value = "={x: 1}" }, { key = "elementTemplateVersion", value = "6" } },
        outputs = {} },
      { id = "B", salesforce = false, inputs = {}, headers = {}, outputs = {} },
    } }
    local list = connector.bpmn_tasks(model, "p.bpmn")
    assert.equal(1, #list)
    assert.equal("bpmn", list[1].form)
    assert.equal("p.bpmn#A", list[1].origin)
    assert.equal(5, list[1].retries)
    assert.same({ resultExpression = "={x: 1}" }, list[1].headers)
    assert.equal("soqlQuery", list[1].summary)
  end)

  it("passes variables on as Zeebe does: all of them, or only the output mappings'", function()
    local connector = require "luaforce.connector"
    local json = require "luaforce.json"
    local vars = json.decode('{"a": 1, "keep": "k"}')
    local produced = json.decode('{"accountId": "001X", "a": 2}')
    local out = assert(connector.pass_on({ outputs = {} }, vars, produced))
    assert.equal('{"a":2,"keep":"k","accountId":"001X"}', json.encode(out))
    out = assert(connector.pass_on({ outputs = { { target = "theAccount", source = "=accountId" },
      { target = "info.first", source = "=a + 10" } } }, vars, produced))
    assert.equal('{"a":1,"keep":"k","theAccount":"001X","info":{"first":12}}', json.encode(out))
  end)
end)
