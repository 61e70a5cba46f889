-- luaforce.cli.repl_show: how the REPL prints a value: Lua-like text for
-- tables (nulls, long lists, depth, width), records as tables, a response
-- as its body, and the json, ndjson and csv formats.
local show = require "luaforce.cli.repl_show"
local json = require "luaforce.json"

describe("repl_show", function()
  local rows = {
    { "a number", 42, "42\n" },
    { "a float", 2.0, "2.0\n" },
    { "a string at the top", "abc", "abc\n" },
    { "null", json.null, "null\n" },
    { "a table", { 1, 2, name = "x" }, '{ 1, 2, name = "x" }\n' },
    { "odd keys", { ["a b"] = true, ["end"] = 1 }, '{ ["a b"] = true, ["end"] = 1 }\n' },
    { "nested", { a = { b = { c = { d = { e = 1 } } } } }, "{ a = { b = { c = { d = {...} } } } }\n" },
  }
  for _, r in ipairs(rows) do
    it(r[1], function() assert.equal(r[3], show.text(r[2])) end)
  end

  it("abbreviates long lists with their count", function()
    local t = {}
    for i = 1, 30 do t[i] = i end
    assert.matches("18, 19, 20, %.%.%. 10 more %(30 items%) }\n$", show.text(t))
  end)

  it("breaks what does not fit the width over lines", function()
    local text = show.text({ alpha = ("x"):rep(30), beta = ("y"):rep(30) }, { width = 40 })
    assert.equal('{\n  alpha = "' .. ("x"):rep(30) .. '",\n  beta = "' .. ("y"):rep(30) .. '"\n}\n', text)
  end)

  it("prints a cycle without looping", function()
    local t = { name = "t" }
    t.self = t
    assert.equal('{ name = "t", self = <cycle> }\n', show.text(t))
  end)

  it("prints records as a table with a count, and cuts long ones", function()
    local recs = json.decode('[{"attributes":{"type":"Account"},"Id":"001A","Name":"Acme","Owner":{"Name":"Yuki"}},'
      .. '{"attributes":{"type":"Account"},"Id":"001B","Name":"Bolt","Owner":null}]')
    local text = show.text(recs)
    assert.matches("^Id%s+Name%s+Owner%.Name\n", text)
    assert.matches("\n001A%s+Acme%s+Yuki\n", text)
    assert.matches("\n%(2 records%)\n$", text)
    text = show.text(recs, { max_rows = 1 })
    assert.not_matches("Bolt", text)
    assert.matches("%(1 of 2 records shown; all are in _%)", text)
  end)

  it("prints one record as Field/Value and a response as its body", function()
    local rec = json.decode('{"attributes":{"type":"Account"},"Id":"001A","Name":"Acme"}')
    local text = show.text(rec)
    assert.matches("^Field%s+Value\n", text)
    assert.matches("\nName%s+Acme\n", text)
    local res = { status = 200, headers = {}, body = json.decode('{"totalSize":5,"done":true,"records":[{"Id":"1"}]}') }
    assert.matches("%(1 record; the query has 5", show.text(res))
  end)

  it("prints JSON in json format", function()
    assert.equal('{\n  "a": 1\n}\n', show.text(json.object { a = 1 }, { format = "json" }))
    assert.equal('"s"\n', show.text("s", { format = "json" }))
  end)
end)
