-- luaforce.output.writer: streaming in every format, the table's buffer,
-- the transform hook, atomic files and errors.
local writer = require "luaforce.output.writer"
local sink = require "luaforce.output.sink"
local json = require "luaforce.json"
local files = require "support.files"

local null = json.null

local function decode(text) return assert(json.decode(text)) end

-- A handle that records each write, so a test sees when output leaves.
local function recorder()
  local parts = {}
  return {
    parts = parts,
    write = function(self, s) parts[#parts + 1] = s return self end,
    flush = function(self) return self end,
    text = function() return table.concat(parts) end,
  }
end

local function run(opts, items, method)
  local file = recorder()
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  o.file = file
  local w = assert(writer.new(o))
  for _, item in ipairs(items) do w[method or "record"](w, item) end
  assert(w:finish())
  return file.text(), w
end

local RECS = [==[[
  {"attributes":{"type":"Account","url":"/a/1"},"Name":"Acme, Inc.","Id":"001000000000001AAA",
   "Amount":12345678901234567890.12,"Rate":300.0,"Big":9223372036854775807,"Owner":{"attributes":{},"Name":"Ada"}},
  {"attributes":{"type":"Account","url":"/a/2"},"Name":"Globex \"G\"","Id":"001000000000002AAA",
   "Amount":0.1,"Rate":null,"Big":-1,"Owner":null}]]==]

describe("writer: json", function()
  it("writes records as one array, every digit and the key order kept", function()
    local text = run({ format = "json" }, decode(RECS))
    assert.equal('[\n'
      .. '{"Name":"Acme, Inc.","Id":"001000000000001AAA","Amount":12345678901234567890.12,"Rate":300.0,'
      .. '"Big":9223372036854775807,"Owner":{"Name":"Ada"}},\n'
      .. '{"Name":"Globex \\"G\\"","Id":"001000000000002AAA","Amount":0.1,"Rate":null,"Big":-1,"Owner":null}\n'
      .. ']\n', text)
  end)

  it("indents records inside the array when pretty", function()
    local text = run({ format = "json", pretty = true }, { decode('{"a":1,"b":[2]}') })
    assert.equal('[\n  {\n    "a": 1,\n    "b": [\n      2\n    ]\n  }\n]\n', text)
  end)

  it("writes [] for no records", function()
    assert.equal("[]\n", (run({ format = "json" }, {})))
  end)

  it("writes each value as a document of its own", function()
    local text = run({ format = "json", kind = "value" }, { decode('{"b":1,"a":2}'), 7 }, "value")
    assert.equal('{"b":1,"a":2}\n7\n', text)
  end)
end)

describe("writer: ndjson", function()
  it("writes one compact line per record, exact", function()
    local text = run({ format = "ndjson" }, decode(RECS))
    assert.equal('{"Name":"Acme, Inc.","Id":"001000000000001AAA","Amount":12345678901234567890.12,"Rate":300.0,'
      .. '"Big":9223372036854775807,"Owner":{"Name":"Ada"}}\n'
      .. '{"Name":"Globex \\"G\\"","Id":"001000000000002AAA","Amount":0.1,"Rate":null,"Big":-1,"Owner":null}\n',
      text)
  end)
end)

describe("writer: csv", function()
  it("takes the first record's columns, flattened, and quotes per RFC 4180", function()
    local text = run({ format = "csv" }, decode(RECS))
    assert.equal('Name,Id,Amount,Rate,Big,Owner.Name\r\n'
      .. '"Acme, Inc.",001000000000001AAA,12345678901234567890.12,300.0,9223372036854775807,Ada\r\n'
      .. '"Globex ""G""",001000000000002AAA,0.1,,-1,\r\n', text)
  end)

  it("keeps fixed columns, in any case, and writes the header with no records", function()
    local text = run({ format = "csv", columns = { "id", "OWNER.NAME" } }, decode(RECS))
    assert.equal("id,OWNER.NAME\r\n001000000000001AAA,Ada\r\n001000000000002AAA,\r\n", text)
    assert.equal("Id,Name\r\n", (run({ format = "csv", columns = { "Id", "Name" } }, {})))
  end)
end)

describe("writer: table", function()
  it("writes a table and a count", function()
    local text = run({ format = "table", columns = { "Name", "Owner.Name" } }, decode(RECS))
    assert.equal("Name        Owner.Name\n----------  ----------\nAcme, Inc.  Ada\nGlobex \"G\"\n(2 records)\n",
      text)
  end)

  it("leaves the count out when told", function()
    local text = run({ format = "table", footer = false }, { { a = 1 } })
    assert.equal("a\n-\n1\n", text)
  end)

  it("holds TABLE_BUFFER rows to fix the widths, then streams the rest", function()
    local file = recorder()
    local w = assert(writer.new { format = "table", file = file })
    local n = writer.TABLE_BUFFER
    for i = 1, n - 1 do w:record { Name = "row " .. i } end
    assert.equal(0, #file.parts)   -- nothing written yet: widths are not known
    w:record { Name = "row " .. n }
    local header_and_rows = #file.parts
    assert.equal(n + 2, header_and_rows)
    -- longer than any row so far: cut to the fixed width
    w:record { Name = "a much longer name than the first rows had" }
    assert.equal(header_and_rows + 1, #file.parts)
    assert.equal("a much…\n", file.parts[#file.parts])
    for i = 1, 1000 do w:record { Name = "more " .. i } end
    assert.equal(header_and_rows + 1001, #file.parts)
    assert(w:finish())
    assert.equal("(1501 records)\n", file.parts[#file.parts])
    assert.equal(1501, w.count)
  end)

  it("prints an object value as a Field/Value table and a list of records as rows", function()
    local text = run({ format = "table", kind = "value" }, { decode('{"attributes":{},"Name":"x","N":1}') }, "value")
    assert.equal("Field  Value\n-----  -----\nName   x\nN      1\n", text)
    text = run({ format = "table", kind = "value", footer = false }, { decode('[{"a":1},{"a":2}]') }, "value")
    assert.equal("a\n-\n1\n2\n", text)
    text = run({ format = "table", kind = "value" }, { "an id" }, "value")
    assert.equal("an id\n", text)
  end)
end)

describe("writer: streaming", function()
  for _, format in ipairs { "json", "ndjson", "csv" } do
    it(format .. " writes each record at once", function()
      local file = recorder()
      local w = assert(writer.new { format = format, file = file })
      local before = #file.parts
      for i = 1, 600 do
        w:record(json.object({ Id = i, Name = "n" .. i }, { "Id", "Name" }))
        assert.is_true(#file.parts > before, "record " .. i .. " was held back")
        before = #file.parts
      end
      assert(w:finish())
      assert.equal(600, w.count)
    end)
  end
end)

describe("writer: transform", function()
  it("sees the cleaned record and its result is written", function()
    local seen
    local text = run({ format = "ndjson", transform = function(r)
      seen = r
      return json.object({ name = r.Name, owner = r.Owner ~= null and r.Owner.Name or null }, { "name", "owner" })
    end }, decode(RECS))
    assert.is_nil(seen.attributes)
    assert.equal('{"name":"Acme, Inc.","owner":"Ada"}\n{"name":"Globex \\"G\\"","owner":null}\n', text)
  end)

  it("writes nil from the transform as null", function()
    assert.equal("null\nnull\n", (run({ format = "ndjson", transform = function() end }, { { a = 1 }, { a = 2 } })))
  end)

  it("is not applied by put, which writes the value as given", function()
    local called = false
    local text = run({ format = "ndjson", kind = "value", transform = function() called = true end },
      { decode('{"attributes":{"type":"A"},"x":1}') }, "put")
    assert.is_false(called)
    assert.equal('{"attributes":{"type":"A"},"x":1}\n', text)
  end)
end)

describe("writer: life cycle and errors", function()
  it("refuses items after finish; finish and abort again do nothing", function()
    local file = recorder()
    local w = assert(writer.new { format = "ndjson", file = file })
    w:record { a = 1 }
    assert.is_true(w:finish())
    assert.is_true(w:finish())
    w:abort()
    assert.has_error(function() w:record { a = 2 } end, "the output is already finished")
    assert.equal('{"a":1}\n', file.text())
  end)

  it("raises the output's error when a write fails", function()
    local file = { write = function() return nil, "No space left on device" end, flush = function() return true end }
    local w = assert(writer.new { format = "ndjson", file = file })
    local ok, err = pcall(w.record, w, { a = 1 })
    assert.is_false(ok)
    assert.equal("OUTPUT", err.code)
    assert.matches("No space left on device", err.message)
  end)

  it("raises for a value JSON cannot hold", function()
    local w = assert(writer.new { format = "json", file = recorder() })
    local ok, err = pcall(w.record, w, { f = function() end })
    assert.is_false(ok)
    assert.equal("JSON_ENCODE_ERROR", err.code)
  end)

  it("raises for unknown options", function()
    assert.has_error(function() writer.new { format = "xml" } end,
      "output.writer: unknown format 'xml' (table, csv, json or ndjson)")
    assert.has_error(function() writer.new { kind = "rows" } end)
    assert.has_error(function() writer.new { transform = "upper" } end)
  end)

  it("writes into a given sink", function()
    local s = sink.memory()
    local w = assert(writer.new({ format = "csv" }, s))
    w:record { a = 1 }
    assert(w:finish())
    assert.equal("a\r\n1\r\n", s:text())
  end)
end)

describe("writer: path", function()
  local dir
  before_each(function() dir = files.scratch() end)
  after_each(function() files.clear(dir) end)
  local read = files.read

  it("replaces the file when finished", function()
    local path = dir .. "/out.csv"
    local w = assert(writer.new { format = "csv", path = path })
    w:record { Id = 1 }
    assert(w:finish())
    assert.equal("Id\r\n1\r\n", read(path))
  end)

  it("keeps the old file whole when aborted", function()
    local path = dir .. "/out.csv"
    files.write(path, "old,file\r\n")
    local w = assert(writer.new { format = "csv", path = path })
    for i = 1, 100 do w:record { Id = i } end
    w:abort()
    assert.equal("old,file\r\n", read(path))
    assert.same({ "out.csv" }, files.names(dir))
  end)

  it("returns nil, err when the file cannot be created", function()
    local w, err = writer.new { format = "csv", path = dir }
    assert.is_nil(w)
    assert.equal("OUTPUT", err.code)
  end)
end)
