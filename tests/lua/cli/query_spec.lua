-- luaforce.cli.query in process against the local org: a malformed query
-- refused with a caret under the mistake before anything is sent, the
-- option checks, COUNT(), standard input, the select list's columns and
-- --map-response's pages. Tables, CSV quoting, paging, progress and
-- --output run as a process in tests/e2e/cli_query_spec.lua.
local query = require "luaforce.cli.query"
local json = require "luaforce.json"
local cli_run = require "support.cli_run"

-- Options that send nothing anywhere: nothing listens there.
local NOWHERE = { "--instance", "http://127.0.0.1:1", "--token", "t" }

local function offline(words)
  local all = { table.unpack(words) }
  for _, w in ipairs(NOWHERE) do all[#all + 1] = w end
  return cli_run.run(query, all)
end

describe("luaforce query", function()

  describe("refuses before sending anything, exit 2", function()
    local rows = {
      -- words, the error's line
      { { "SELECT Name FRM Account" },
        "MALFORMED_QUERY: unexpected token: 'FRM' (row 1, column 13)\n"
          .. "  SELECT Name FRM Account\n"
          .. "              ^" },
      -- the caret counts characters, and keeps the row's tabs
      { { "SELECT Name\n\tFROM Account WHERE Name = 'Zoë' AND AND x" },
        "MALFORMED_QUERY: unexpected token: 'AND' (row 2, column 38)\n"
          .. "  \tFROM Account WHERE Name = 'Zoë' AND AND x\n"
          .. "  \t" .. (" "):rep(36) .. "^" },
      -- a long row shows 120 characters around the mistake, not all of it
      { { "SELECT Id FROM Account WHERE " .. ("Name = 'x' OR "):rep(100) .. "Name = 'y' ANDD x" },
        "MALFORMED_QUERY: unexpected token: 'ANDD' (row 1, column 1441)\n"
          .. "  ...' OR " .. ("Name = 'x' OR "):rep(7) .. "Name = 'y' ANDD x\n"
          .. "  " .. (" "):rep(117) .. "^" },
      { { "SELECT Id FROM Account WHERE Name = 'x' ANDD " .. ("OR Name = 'x' "):rep(100) },
        "MALFORMED_QUERY: unexpected token: 'ANDD' (row 1, column 41)\n"
          .. "  " .. ("SELECT Id FROM Account WHERE Name = 'x' ANDD " .. ("OR Name = 'x' "):rep(100)):sub(1, 120)
          .. "...\n"
          .. "  " .. (" "):rep(40) .. "^" },
      { { "" }, "the query is empty (give SOQL, or - to read it from standard input)" },
      { { "SELECT Id FROM Account", "--batch-size", "0" },
        "--batch-size 0 is out of range (give 200 to 2000 (Salesforce may send fewer))" },
      { { "SELECT Id FROM Account", "--batch-size", "2001" },
        "--batch-size 2001 is out of range (give 200 to 2000 (Salesforce may send fewer))" },
      { { "SELECT Id FROM Account", "--max", "-1" }, "--max must be 0 or more" },
      { { "SELECT Id FROM Account", "--max", "lots" }, "--max takes a whole number, not 'lots'" },
      { { "SELECT Id FROM Account", "--map", "{a: }" }, nil },
      { { "SELECT Id FROM Account", "--map-response" }, "--map-response needs --map EXPR (give the expression with --map)" },
      { { "SELECT Id FROM Account", "SELECT Id FROM Contact" }, nil },
    }
    for _, r in ipairs(rows) do
      it(("%q"):format(table.concat(r[1], " ")), function()
        local res = offline(r[1])
        assert.equal(2, res.code, tostring(res.err))
        if r[2] then assert.equal(r[2], tostring(res.err)) end
        assert.equal("", res.out)
      end)
    end
  end)

  it("prints the count of SELECT COUNT() as one value", function()
    local total = cli_run.org():query("SELECT COUNT() FROM Account").body.totalSize
    local r = cli_run.run(query, { "SELECT COUNT() FROM Account", "--format", "json" })
    assert.equal(0, r.code, tostring(r.err))
    assert.equal(total .. "\n", r.out)
  end)

  it("reads the query from standard input with -, up to --max records", function()
    local r = cli_run.run(query, { "-", "--format", "ndjson", "--max", "2" }, "\n  SELECT Id, Name FROM Account ORDER BY Name \n")
    assert.equal(0, r.code, tostring(r.err))
    local names = {}
    for line in r.out:gmatch("[^\n]+") do names[#names + 1] = json.decode(line).Name end
    assert.equal(2, #names)
    assert.is_true(names[1] <= names[2])
  end)

  it("takes the CSV columns from the select list: relationship paths, a subquery", function()
    local r = cli_run.run(query, { "SELECT Name, Account.Name, (SELECT Id FROM Cases) FROM Contact LIMIT 3",
      "--format", "csv" })
    assert.equal(0, r.code, tostring(r.err))
    assert.matches("^Name,Account%.Name,Cases\r\n", r.out)
  end)

  it("with --map-response maps each page, the last one done", function()
    local total = cli_run.org():query("SELECT COUNT() FROM Contact").body.totalSize
    assert.is_true(total > 200)
    local r = cli_run.run(query, { "SELECT Id FROM Contact", "--format", "json", "--batch-size", "200",
      "--map-response", "--map", "{n: count(body.records), done: body.done, total: body.totalSize, status: status}" })
    assert.equal(0, r.code, tostring(r.err))
    local pages = json.decode(r.out)
    local n = 0
    for i, p in ipairs(pages) do
      assert.equal(200, p.status)
      assert.equal(total, p.total)
      assert.equal(i == #pages, p.done)
      n = n + p.n
    end
    assert.is_true(#pages > 1)
    assert.equal(total, n)
  end)

  it("with --map-response and no records maps the one empty answer", function()
    local r = cli_run.run(query, { "SELECT Id FROM Contact WHERE Id = null", "--format", "json",
      "--map-response", "--map", "{n: count(body.records), done: body.done}" })
    assert.equal(0, r.code, tostring(r.err))
    assert.same({ { n = 0, done = true } }, json.decode(r.out))
  end)

  it("names the field meant for a misspelt one, exit 2", function()
    local r = cli_run.run(query, { "SELECT Nmae FROM Contact" })
    assert.equal(2, r.code)
    assert.equal("INVALID_FIELD: No such column 'Nmae' on entity 'Contact' (at Row:1:Column:8) (did you mean Name?)",
      tostring(r.err))
    assert.equal("", r.out)
  end)
end)
