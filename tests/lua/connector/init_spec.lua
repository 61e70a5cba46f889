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
end)
