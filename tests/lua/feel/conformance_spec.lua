-- luaforce's FEEL against Camunda's own: every assertion of feel-scala's test
-- suite (tests/feel/feel-scala/assertions.lua, extracted from the pinned
-- commit) runs in-process and must give feel-scala's result, unless the row
-- is listed in tests/feel/feel-scala/differences with the result luaforce
-- gives today and a reason; a listed row that changed fails too, so the
-- list stays true. Prints the agreement per area.
local conf = dofile("tests/feel/feel-scala/conformance.lua")
local report = dofile("tests/feel/feel-scala/report.lua")
local extract = dofile("tests/feel/feel-scala/extract.lua")

describe("FEEL against feel-scala's tests (conformance)", function()
  local rows, results, entries, reasons, order, rep

  setup(function()
    rows = conf.load_rows()
    results = conf.run(rows)
    entries, reasons, order = conf.load_differences()
    rep = conf.compare(rows, results, entries)
    print("\n" .. conf.counts(rep))
  end)

  it("holds the pinned suite's assertions, each with a unique id and the fields the runner needs", function()
    local text = assert(io.open(conf.ROWS, "rb")):read("a")
    assert.truthy(text:find(extract.PINNED, 1, true), "assertions.lua names another commit than " .. extract.PINNED)
    local tables, unary, seen = 0, 0, {}
    for _, r in ipairs(rows) do
      assert.is_nil(seen[r.id], "two rows share the id " .. r.id)
      seen[r.id] = true
      for _, f in ipairs { "file", "line", "area", "kind", "expression", "expected" } do
        assert.is_not_nil(r[f], r.id .. " lacks " .. f)
      end
      if r.row then tables = tables + 1 end
      if r.kind == "unary tests" then
        unary = unary + 1
        assert.is_not_nil(r.input, r.id .. ": unary tests without an input")
      end
    end
    -- the issue's scale: ~1,530 expression assertions and 858 table rows
    assert.is_true(#rows - tables - unary >= 1500, (#rows - tables - unary) .. " expression rows")
    assert.is_true(tables >= 850, tables .. " table rows")
    assert.is_true(unary >= 250, unary .. " unary-tests rows")
  end)

  it("agrees with every row outside tests/feel/feel-scala/differences, and every listed row still differs as recorded", function()
    local problems = conf.format(rep)
    assert(problems == "", problems .. "\n(after a fix: lua5.4 tests/feel/feel-scala/report.lua --write, then give"
      .. " `unclassified` rows a reason)")
  end)

  it("lists each row under a declared reason, and lists no unclassified row", function()
    for _, e in ipairs(entries) do
      assert.is_not_nil(reasons[e.reason], e.id .. ": undeclared reason " .. e.reason)
      assert.are_not.equal("unclassified", e.reason, e.id .. " has no reason yet")
    end
  end)

  it("compares contexts in any order (Scala's Maps) and nothing else loosely", function()
    assert.is_true(conf.agrees({ expected = '{"a":1,"b":[{"c":2,"d":3}]}' }, '{"b":[{"d":3,"c":2}],"a":1}'))
    assert.is_false(conf.agrees({ expected = "[1,2]" }, "[2,1]"))
    assert.is_false(conf.agrees({ expected = '{"a":1}' }, '{"a":1,"b":2}'))
    assert.is_false(conf.agrees({ expected = "1" }, "1.0"))
    assert.is_false(conf.agrees({ expected = "failure" }, "syntax error"))
  end)

  it("reads canonical text back into FEEL values: exact numbers, key order, dates, ranges", function()
    local feel = require "luaforce.feel"
    local canonical = dofile("tests/feel/canonical.lua")
    for _, text in ipairs {
      '{"b":0.1000000000000000000001,"a":[1,null,"x\\n"]}',
      '{"@date":"2024-02-29"}',
      '{"@days and time duration":"P1DT2H"}',
      '{"@range":["(",1,10,"]"]}',
    } do
      assert.equal(text, canonical.value(conf.decode(text)))
    end
    assert.equal(3, feel.eval("f(2)", { f = conf.decode('{"@feel":"function(x) x + 1"}') }))
  end)

  it("reports a row that differs and is not listed, and a listed row that agrees now", function()
    local fake = { { id = "A.scala:1", area = "A", expression = "1 + 1", expected = "2" },
      { id = "A.scala:2", area = "A", expression = "1 + 2", expected = "3" } }
    local r = conf.compare(fake, { "2", "4" }, { { id = "A.scala:1", result = "5", reason = "x", line = 9 } })
    assert.equal(1, #r.unexpected)
    assert.equal("A.scala:2", r.unexpected[1].row.id)
    assert.equal(1, #r.stale)
    assert.equal("luaforce agrees now", r.stale[1].problem)
    assert.equal("A: 1 of 2\nall: 1 of 2", conf.counts(r))
  end)

  it("regenerates the differences: listed rows keep their reason, new ones are unclassified", function()
    local fake = { { id = "A.scala:1", area = "A", expression = "x", expected = "1" },
      { id = "A.scala:2", area = "A", expression = "y", expected = "2" } }
    local r = conf.compare(fake, { "null", "syntax error" }, { { id = "A.scala:1", result = "0", reason = "why", line = 3 } })
    local text = report.rewrite("# head\nreason why: a reason\n\n== why\nA.scala:1 0\nA.scala:9 7\n", r, { "why" })
    assert.equal("# head\nreason why: a reason\nreason unclassified: a new difference nobody has looked at yet"
      .. " (give it a reason)\n\n== why\nA.scala:1 null\n\n== unclassified\nA.scala:2 syntax error\n", text)
  end)

  it("is what docs/feel.md shows under Conformance", function()
    local doc = assert(io.open("docs/feel.md", "rb")):read("a")
    local section = doc:match("\n## Conformance with Camunda's tests\n(.-)\n## ")
    assert(section, "docs/feel.md has no '## Conformance with Camunda's tests' section")
    local tables = report.docs(rep, reasons, order)
    assert(section:find(tables, 1, true), "the tables in docs/feel.md differ from today's results; regenerate them with "
      .. "`lua5.4 tests/feel/feel-scala/report.lua --write`")
    for id, r in pairs(reasons) do
      if r.deliberate then assert.truthy(section:find("**" .. id .. "**", 1, true), id .. " is not in docs/feel.md") end
    end
  end)
end)
