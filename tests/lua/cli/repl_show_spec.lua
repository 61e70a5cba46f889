-- luaforce.cli.repl_show: how the REPL prints a value: Lua-like text for
-- tables (nulls, long lists, depth, width), records as tables, a response
-- as its body, and the json, ndjson and csv formats.
local show = require "luaforce.cli.repl_show"
local json = require "luaforce.json"
local errors = require "luaforce.errors"

-- Records as the client reads them: a null field reads as nil.
local function records(text) return assert(json.decode(text, { null_as_nil = true })) end

describe("repl_show", function()
  local rows = {
    { "a number", 42, "42\n" },
    { "a float", 2.0, "2.0\n" },
    { "a string at the top", "abc", "abc\n" },
    { "null", json.null, "null\n" },
    { "a table", { 1, 2, name = "x" }, '{ 1, 2, name = "x" }\n' },
    { "odd keys", { ["a b"] = true, ["end"] = 1 }, '{ ["a b"] = true, ["end"] = 1 }\n' },
    { "nested", { a = { b = { c = { d = { e = 1 } } } } }, "{ a = { b = { c = { d = {...} } } } }\n" },
    { "a null member read as nil", records('{"a":1,"b":null,"c":[1,null]}'), "{ a = 1, b = null, c = { 1, null } }\n" },
    { "a record's null fields inside a table", { rec = records('{"attributes":{"type":"Account"},"Fax":null}') },
      '{ rec = { attributes = { type = "Account" }, Fax = null } }\n' },
    { "strings inside a table, quoted with escapes", { s = "a\nb\tc\"" }, '{ s = "a\\nb\\tc\\"" }\n' },
    { "an empty table and an empty list", { {}, json.array {} }, "{ {}, {} }\n" },
    { "nil", nil, "nil\n" },
    { "a luaforce error as its line", errors.usage("bad", "fix it"), "bad (fix it)\n" },
    { "a table with __tostring", setmetatable({}, { __tostring = function() return "<thing>" end }), "<thing>\n" },
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

  it("abbreviates a table with many keys after 40", function()
    local t = {}
    for i = 1, 45 do t[("k%02d"):format(i)] = i end
    local text = show.text(t)
    assert.matches("k40 = 40, %.%.%. 5 more %(45 keys%) }\n$", text)
    assert.not_matches("k41", text)
  end)

  it("lists a record's null fields in its Field/Value table, empty", function()
    local text = show.text(records('{"attributes":{"type":"Account"},"Id":"001A","Fax":null,"Name":"Acme"}'))
    assert.equal("Field  Value\n-----  -----\nId     001A\nFax\nName   Acme\n", text)
  end)

  it("keeps a column for a field that is null in the first record", function()
    local text = show.text(records('[{"attributes":{"type":"Account"},"Id":"001A","Fax":null},'
      .. '{"attributes":{"type":"Account"},"Id":"001B","Fax":"555"}]'))
    assert.equal("Id    Fax\n----  ---\n001A\n001B  555\n(2 records)\n", text)
  end)

  it("fits a record to the width, counting characters, not bytes", function()
    local rec = records('{"attributes":{"type":"Account"},"Name":"Zoë Ünal","Description":"'
      .. ("long "):rep(20) .. '"}')
    local text = show.text(rec, { width = 40 })
    assert.matches("\nName +Zoë Ünal\n", text)
    for line in text:gmatch("[^\n]+") do assert.is_true(utf8.len(line) <= 40, line) end
    assert.matches("…\n$", text)
  end)

  it("names the rows with the noun it is given, one or many", function()
    local one = records('[{"name":"a"}]')
    assert.matches("\n%(1 limit%)\n$", show.text(one, { noun = "limit" }))
    assert.matches("\n%(2 limits%)\n$", show.text(records('[{"name":"a"},{"name":"b"}]'), { noun = "limit" }))
  end)

  it("tells what kind of value it has", function()
    local rows = {
      { { status = 200, headers = {}, body = {} }, "response" },
      { records('[{"a":1}]'), "records" },
      { records('{"attributes":{"type":"Account"},"Id":"001A"}'), "record" },
      { records('{"a":1}'), "value" },
      { { 1, 2 }, "value" },
      { json.array {}, "value" },
      { { status = 200, body = {} }, "value" }, -- no headers: not a response
      { "text", "value" },
    }
    for _, r in ipairs(rows) do assert.equal(r[2], show.kind(r[1])) end
  end)

  it("prints records in csv and ndjson through the writer", function()
    local recs = records('[{"attributes":{"type":"Account"},"Id":"001A","Fax":null},{"attributes":{"type":"Account"},"Id":"001B","Fax":"x"}]')
    assert.equal("Id,Fax\r\n001A,\r\n001B,x\r\n", show.text(recs, { format = "csv" }))
    assert.equal('{"Id":"001A","Fax":null}\n{"Id":"001B","Fax":"x"}\n', show.text(recs, { format = "ndjson" }))
  end)

  it("prints a FEEL value as JSON: one line when it fits, else indented", function()
    assert.equal('"Acme"\n', show.feel("Acme"))
    assert.equal("null\n", show.feel(nil))
    assert.equal('{"a":1,"b":[1,2],"c":null}\n', show.feel(records('{"a":1,"b":[1,2],"c":null}')))
    assert.equal('{\n  "name": "' .. ("x"):rep(30) .. '"\n}\n',
      show.feel(json.object { name = ("x"):rep(30) }, { width = 20 }))
  end)

  it("cuts a long FEEL list and says where all of it is", function()
    local t = json.array {}
    for i = 1, 60 do t[i] = i end
    local text = show.feel(t, { name = "_feel", width = 1000 })
    assert.matches("^%[1,2,", text)
    assert.matches(",50%]\n%(50 of 60 items shown; all are in _feel%)\n$", text)
  end)

  it("prints FEEL warnings as text lines, never table: 0x...", function()
    local warnings = {
      { type = "NO_VARIABLE_FOUND", message = "no variable found with name 'x'",
        position = { line = 1, column = 5, offset = 5 } },
      { type = "INVALID_TYPE", message = "cannot add", count = 3 },
    }
    local want = "warning: line 1, column 5: no variable found with name 'x' (NO_VARIABLE_FOUND)\n"
      .. "warning: cannot add (INVALID_TYPE)\nwarning: ... and 2 more like it\n"
    assert.equal(want, show.warnings(warnings))
    assert.equal("warnings", show.kind(warnings))
    assert.equal(want, show.text(warnings)) -- sf.feel.eval's second value in a Lua line
    assert.equal("records", show.kind({ { type = "a", message = "m", other = 1 } }))
  end)

  it("falls back to the Lua-like text for what JSON cannot hold", function()
    assert.matches("^{ f = function: ", show.text({ f = print }, { format = "json" }))
    assert.equal("null\n", show.text(nil, { format = "json" }))
    assert.equal("12.5\n", show.text(12.5, { format = "json" }))
  end)
end)
