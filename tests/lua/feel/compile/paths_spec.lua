-- FEEL paths, projection, indexing and filters over Salesforce-shaped data.
local rows = require "feel.rows"
local NULL, L = rows.NULL, rows.empty_list

describe("luaforce.feel.compile.paths", function()
  describe("paths, projection and indexing over a query response", function()
    rows.run({
      { "body.totalSize", 3 },
      { "body.records[1].Name", "Acme" }, { "body.records[-1].Name", "Cirrus" },
      { "body.records[0]", NULL }, { "body.records[4]", NULL }, { "body.records[1.5].Id", "001A" },
      { "body.records.Name", { "Acme", "Bolt", "Cirrus" } },
      { "body.records.Industry", { "Energy", NULL, "Energy" } },
      { "body.records.Missing", { NULL, NULL, NULL } },
      { "body.records[1].Contacts.records.LastName", { "Lovelace", "Hopper" } },
      { "body.records[2].Contacts.records", NULL, warn = "NO_CONTEXT_ENTRY_FOUND" },
      { "headers.`Content-Type`", "application/json;charset=UTF-8" },
      { "body.nope", NULL, warn = "NO_CONTEXT_ENTRY_FOUND" },
      { "body.records[1].AnnualRevenue + 0.9", 1500001 },
      { '"abc"[1]', NULL, warn = "INVALID_TYPE" },
      { "{a: [10, 20, 30]}.a[-2]", 20 },
      { "document", NULL },
    }, rows.query_response)
  end)

  describe("filters (Camunda: non-comparisons run per item)", function()
    rows.run({
      { "[1, 2, 3, 4][item > 2]", { 3, 4 } },
      { "[1, 2, 3][item > 5]", L() },
      { "body.records[AnnualRevenue > 1000000].Name", { "Acme" } },
      { "body.records[Industry = \"Energy\"].Id", { "001A", "001C" } },
      { "body.records[Industry = null].Name", { "Bolt" } },
      { "body.records[item.NumberOfEmployees < 50].Name", { "Bolt", "Cirrus" } },
      { 'body.records[starts with(Name, "B")].Id', { "001B" } },
      { "body.records[Contacts != null and Contacts.totalSize > 1].Name", { "Acme" } },
      { "[{ok: true, n: 1}, {ok: false, n: 2}, {ok: true, n: 3}][ok].n", { 1, 3 } },
      { "[true, false, null, true][item]", { true, true } },
      { "{i: 2, r: [10, 20, 30][i]}.r", 20 },
      { "[[1, 2], [3]][count(item) > 1]", { { 1, 2 } } },
      { "flatten(body.records.Contacts.records)[Email != null].Email",
        { "ada@acme.example", "marie@cirrus.example" } },
      { "null[item > 1]", NULL },
      -- a number from a call is an index (Camunda: the first item's result)
      { "[1, 2, 3, 4][abs(1)]", 1 },
      { "[1, 2, 3, 4][abs(-2)]", 2 },
      { "body.records[count(body.records)].Name", "Cirrus" },
      { "[10, 20][abs(9)]", NULL },
      { "[][abs(1)]", L() },
      -- an item's own `item` entry wins over the item
      { "[{item: 1}, {item: 2}, {item: 3}][item >= 2]", { { item = 2 }, { item = 3 } } },
    }, rows.query_response)
  end)

  it("counts each item a filter tests as a step of the budget", function()
    local feel = require "luaforce.feel"
    local xs = {}
    for i = 1, 100 do xs[i] = i end
    assert.equal(50, #(feel.eval("xs[item > 50]", { xs = xs }, { max_steps = 1000 })))
    local v, _, failure = feel.eval("xs[item > 50]", { xs = xs }, { max_steps = 10 })
    assert.is_nil(v)
    assert.equal("budget", failure.kind)
    -- an index is no loop
    assert.equal(100, (feel.eval("xs[-1]", { xs = xs }, { max_steps = 1 })))
  end)
end)
