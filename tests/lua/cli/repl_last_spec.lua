-- luaforce.cli.repl_last: which values become `_` (a Salesforce result, as
-- the screen shows it) and what a FEEL line sees.
local last = require "luaforce.cli.repl_last"
local json = require "luaforce.json"
local errors = require "luaforce.errors"

-- Values as the client reads them.
local function decoded(text) return assert(json.decode(text, { null_as_nil = true })) end
local function response(body) return { status = 200, headers = {}, body = body } end

describe("repl_last", function()
  local page = decoded('{"totalSize":2,"done":true,"records":[{"attributes":{"type":"Account"},"Name":"A"},'
    .. '{"attributes":{"type":"Account"},"Name":"B"}]}')
  local record = decoded('{"attributes":{"type":"Account"},"Id":"001A","Name":"Acme","Fax":null}')

  it("shows a query page as its records, a get as its record, a 204 as nothing", function()
    assert.equal(page.records, last.shown(response(page)))
    assert.equal(record, last.shown(response(record)))
    assert.is_nil(last.shown({ status = 204, headers = {}, body = "" }))
    assert.equal(42, last.shown(42))
  end)

  it("takes a Salesforce result from a Lua line, as shown", function()
    local env = {}
    assert.equal(page.records, last.from_lua(response(page), env))
    assert.equal(record, last.from_lua(response(record), env))
    local describe = decoded('{"name":"Account","fields":[{"name":"Id"}]}')
    assert.equal(describe, last.from_lua(describe, env)) -- org:describe(...)
  end)

  it("leaves _ alone for values that are not a new Salesforce result", function()
    local env = { _ = page.records, _feel = json.array { record } }
    local rows = {
      { "a number", 2 }, { "a string", "Acme" }, { "nil", nil }, { "a Lua table", { 1, 2 } },
      { "an error", errors.usage("bad") }, { "_ itself", page.records }, { "a record of _", page.records[1] },
      { "a piece of _feel", record }, { "a 204", { status = 204, headers = {}, body = "" } },
    }
    for _, r in ipairs(rows) do assert.is_nil(last.from_lua(r[2], env), r[1]) end
  end)

  it("gives FEEL `_`, `_feel` and an object's keys, its null fields as null", function()
    local ctx = last.feel_context { _ = response(record), _feel = 7 }
    assert.equal(record, ctx._)
    assert.equal("Acme", ctx.Name)
    assert.equal(json.null, ctx.Fax)
    assert.equal(7, ctx._feel)
    ctx = last.feel_context { _ = page.records }
    assert.equal(page.records, ctx._)
    assert.is_nil(ctx.Name) -- a list's records' fields are not names
  end)
end)
