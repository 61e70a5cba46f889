-- luaforce.output, the public face: whole lists in each format and the
-- streaming writer, as a script uses them.
local output = require "luaforce.output"
local json = require "luaforce.json"

local function decode(text) return assert(json.decode(text)) end

local PAGE = [==[[
  {"attributes":{"type":"Contact"},"Id":"003000000000001AAA","Name":"Zoë Ångström",
   "Account":{"attributes":{"type":"Account"},"Name":"株式会社日本"},"Amount":1234.50,
   "Cases":{"totalSize":3,"done":true,"records":[{"attributes":{},"Subject":"a"},{"Subject":"b"},{"Subject":"c"}]}},
  {"attributes":{"type":"Contact"},"Id":"003000000000002AAA","Name":"Jose\u0301 Nun\u0303ez",
   "Account":null,"Amount":null,"Cases":null}]]==]

describe("output.table", function()
  it("prints records with relationships, blanks for nulls, children counted, aligned", function()
    assert.equal(table.concat {
      "Id                  Name          Account.Name  Amount  Cases\n",
      "------------------  ------------  ------------  ------  -----------\n",
      "003000000000001AAA  Zoë Ångström  株式会社日本  1234.5  [3 records]\n",
      "003000000000002AAA  Jose\u{301} Nun\u{303}ez\n",
    }, output.table(decode(PAGE)))
  end)

  it("takes columns and a width", function()
    local text = output.table(decode(PAGE), { columns = { "Name", "Account.Name" }, width = 16 })
    assert.equal("Name     Accoun…\n-------  -------\nZoë Ån…  株式会…\nJose\u{301} N…\n", text)
  end)

  it("prints plain Lua tables, nested ones flattened", function()
    local rows = { { Name = "a", Stats = { Open = 2 } }, { Name = "b", Stats = { Open = 10 } } }
    assert.equal("Name  Stats.Open\n----  ----------\na     2\nb     10\n", output.table(rows))
  end)

  it("raises for rows that are not a list", function()
    assert.has_error(function() output.table("x") end,
      "bad argument #1 to 'table' (list of rows expected, got string)")
  end)
end)

describe("output.csv, output.json, output.ndjson", function()
  it("writes CSV with a header and CRLF", function()
    assert.equal('Id,Name,Account.Name,Amount,Cases\r\n'
      .. '003000000000001AAA,Zoë Ångström,株式会社日本,1234.5,"[{""Subject"":""a""},{""Subject"":""b""},{""Subject"":""c""}]"\r\n'
      .. '003000000000002AAA,Jose\u{301} Nun\u{303}ez,,,\r\n', output.csv(decode(PAGE)))
    assert.equal("Name\r\nZoë Ångström\r\nJose\u{301} Nun\u{303}ez\r\n",
      output.csv(decode(PAGE), { columns = { "Name" } }))
  end)

  it("writes a JSON array without attributes", function()
    local text = output.json(decode(PAGE))
    local back = decode(text)
    assert.equal(2, #back)
    assert.is_nil(back[1].attributes)
    assert.is_nil(back[1].Cases.records[1].attributes)
    assert.matches('^%[\n{"Id":"003000000000001AAA","Name":"Zoë Ångström"', text)
    assert.equal("[]\n", output.json({}))
    assert.matches('^%[\n  {\n    "Id": ', output.json(decode(PAGE), { pretty = true }))
  end)

  it("writes NDJSON, one record a line", function()
    local text = output.ndjson(decode(PAGE))
    local n = 0
    for line in text:gmatch("([^\n]*)\n") do
      n = n + 1
      assert.is_table(decode(line))
    end
    assert.equal(2, n)
  end)
end)

describe("output.writer", function()
  it("streams to a handle and counts", function()
    local parts = {}
    local file = { write = function(self, s) parts[#parts + 1] = s return self end,
      flush = function(self) return self end }
    local w = assert(output.writer { format = "ndjson", file = file })
    for _, r in ipairs(decode(PAGE)) do w:record(r) end
    assert.equal(2, #parts)
    assert(w:finish())
    assert.equal(2, w.count)
  end)

  it("writes a file atomically", function()
    local path = os.tmpname()
    local w = assert(output.writer { format = "csv", path = path, columns = { "Id" } })
    for _, r in ipairs(decode(PAGE)) do w:record(r) end
    assert(w:finish())
    local f = assert(io.open(path, "rb"))
    assert.equal("Id\r\n003000000000001AAA\r\n003000000000002AAA\r\n", f:read("a"))
    f:close()
    os.remove(path)
  end)
end)

describe("output's pieces", function()
  it("measures and truncates by terminal cells", function()
    assert.equal(6, output.width("日本語"))
    assert.equal(4, output.width("Jose\u{301}"))
    assert.same({ "日…", 3 }, { output.truncate("日本語", 4) })
  end)

  it("flattens, cleans and lists keys", function()
    local rec = decode(PAGE)[1]
    local _, names = output.flatten(rec)
    assert.same({ "Id", "Name", "Account.Name", "Amount", "Cases" }, names)
    assert.is_nil(output.clean(rec).attributes)
    assert.same({ "attributes", "Id", "Name", "Account", "Amount", "Cases" }, output.keys(rec))
  end)
end)
