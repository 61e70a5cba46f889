-- luaforce.cli.format, the command line's glue over luaforce.output: the
-- options (--format, --map, --map-response, --output) and the writer with
-- --map and response objects.
local format = require "luaforce.cli.format"
local json = require "luaforce.json"
local files = require "support.files"
local proc = require "support.proc"

local function decode(text) return assert(json.decode(text)) end

local function buffer()
  local parts = {}
  return {
    write = function(self, ...)
      for i = 1, select("#", ...) do parts[#parts + 1] = select(i, ...) end
      return self
    end,
    flush = function(self) return self end,
    text = function() return table.concat(parts) end,
  }
end

-- Runs fn with io.stderr replaced; returns what was written there.
local function stderr_of(fn)
  local buf, saved = buffer(), io.stderr
  io.stderr = buf
  local ok, err = pcall(fn)
  io.stderr = saved
  if not ok then error(err, 0) end
  return buf.text()
end

local RECS = [==[[
  {"attributes":{"type":"Account"},"Id":"001000000000001AAA","Name":"Acme","Amount":12.50},
  {"attributes":{"type":"Account"},"Id":"001000000000002AAA","Name":"Globex","Amount":null}]]==]

-- Writes the records through format.writer; returns the text.
local function through(opts, spec, recs)
  local buf = buffer()
  local s = {}
  for k, v in pairs(spec or {}) do s[k] = v end
  s.stream = buf
  local w = format.writer({ quiet = opts.quiet }, opts, s)
  for _, r in ipairs(recs or decode(RECS)) do w:record(r) end
  assert(w:finish())
  return buf.text(), w
end

describe("format.options", function()
  it("takes the format given; output to a file is never pretty", function()
    local s = format.options({}, { format = "csv", output = "out.csv" })
    assert.equal("csv", s.format)
    assert.equal("out.csv", s.output)
    assert.is_false(s.pretty)
    assert.is_false(s.map_response)
  end)

  it("defaults to json when the output is a file", function()
    assert.equal("json", format.options({}, { output = "out.json" }).format)
  end)

  it("refuses --map-response without --map", function()
    local ok, err = pcall(format.options, {}, { map_response = true })
    assert.is_false(ok)
    assert.equal(2, err.exit)
    assert.matches("--map-response needs --map EXPR", err.message, 1, true)
  end)

  it("reports a --map syntax error with a caret under the mistake", function()
    local ok, err = pcall(format.options, {}, { map = "1 +" })
    assert.is_false(ok)
    assert.equal("USAGE", err.code)
    assert.equal(2, err.exit)
    assert.equal("--map: syntax error at line 1, column 4: the expression ends too early\n  1 +\n     ^",
      err.message)
  end)

  it("takes --quiet from the command", function()
    assert.is_true(format.options({ quiet = true }, { format = "json" }).quiet)
  end)
end)

describe("format.terminal_width", function()
  it("takes $COLUMNS first", function()
    local r = proc.sh([[lua5.4 -e 'package.path = "lua/?.lua;lua/?/init.lua;" .. package.path;]]
      .. [[ package.cpath = "build/lib/?.so;" .. package.cpath;]]
      .. [[ print(require("luaforce.cli.format").terminal_width())']], { env = { COLUMNS = "77" } })
    assert.equal("77\n", r.stdout)
  end)
end)

describe("format.writer", function()
  it("writes in the chosen format", function()
    assert.equal('{"Id":"001000000000001AAA","Name":"Acme","Amount":12.5}\n'
      .. '{"Id":"001000000000002AAA","Name":"Globex","Amount":null}\n', (through({ format = "ndjson" })))
    assert.equal("Name\r\nAcme\r\nGlobex\r\n", (through({ format = "csv" }, { columns = { "Name" } })))
  end)

  it("applies --map to each record; the columns are then the mapped ones", function()
    local text = through({ format = "csv", map = "{n: Name, big: Amount > 10}" }, { columns = { "Id" } })
    assert.equal("n,big\r\nAcme,true\r\nGlobex,\r\n", text)
  end)

  it("prints each --map warning once, unless --quiet", function()
    local err = stderr_of(function()
      local text = through({ format = "ndjson", map = "Nmae" })
      assert.equal("", text)
    end)
    assert.equal("warning: --map: no variable found with name 'Nmae' (NO_VARIABLE_FOUND)\n"
      .. "warning: --map gave null for 2 of 2 records; they are left out of the output\n", err)
    err = stderr_of(function() through({ format = "ndjson", map = "Nmae", quiet = true }) end)
    assert.equal("", err)
  end)

  it("fills the column `value` with a value that is not an object, in every format", function()
    assert.equal("value\r\n001000000000001AAA\r\n001000000000002AAA\r\n",
      through({ format = "csv", map = "Id" }, { columns = { "Id", "Name" } }))
    assert.equal("value\n------\nAcme\nGlobex\n(2 records)\n", through({ format = "table", map = "Name" }))
    assert.equal('[\n"Acme",\n"Globex"\n]\n', through({ format = "json", map = "Name" }))
    -- Globex has no Amount: left out, not a blank row
    local warned = stderr_of(function()
      assert.equal("value\r\n12.5\r\n", through({ format = "csv", map = "Amount" }))
    end)
    assert.matches("gave null for 1 of 2 records", warned)
  end)

  it("leaves out a record mapped to null and says how many, not a blank row", function()
    local text, w
    local err = stderr_of(function()
      text, w = through({ format = "table", map = "if Amount > 10 then Name else null" })
    end)
    assert.equal("value\n-----\nAcme\n(1 record)\n", text)
    assert.equal(1, w.count)
    assert.equal("warning: --map gave null for 1 of 2 records; it is left out of the output\n", err)
    assert.equal("", stderr_of(function()
      through({ format = "csv", map = "if Amount > 10 then Name else null", quiet = true })
    end))
  end)

  it("leaves out, and counts, a record mapped to another shape than the first's in table and CSV", function()
    local text
    local err = stderr_of(function()
      text = through({ format = "csv", map = 'if Name = "Acme" then {n: Name} else Name' })
    end)
    assert.equal("n\r\nAcme\r\n", text)
    assert.equal("warning: --map gave 1 of 2 records a value where the first gave an object (the columns come "
      .. "from the first); it is left out of the output\n", err)
    -- JSON holds any shape
    assert.equal('{"n":"Acme"}\n"Globex"\n', through({ format = "ndjson", map = 'if Name = "Acme" then {n: Name} else Name' }))
  end)

  it("prints a single value mapped to null as null", function()
    local buf = buffer()
    local w = format.writer({}, { format = "json", map = "Nmae" }, { kind = "value", stream = buf })
    stderr_of(function() w:value(decode(RECS)[1]) end)
    assert(w:finish())
    assert.equal("null\n", buf.text())
  end)

  it("ends the command when --map's assert fails", function()
    local ok, err
    local warned = stderr_of(function()
      ok, err = pcall(through, { format = "ndjson", map = 'assert(Name, false, "no name")' })
    end)
    assert.matches("no name", warned)
    assert.is_false(ok)
    assert.equal("MAP_FAILED", err.code)
    assert.matches("^%-%-map failed: ", err.message)
  end)

  it("counts what it wrote", function()
    local _, w = through({ format = "table" })
    assert.equal(2, w.count)
  end)
end)

describe("format.writer: response objects", function()
  local function response(opts, spec, res)
    local buf = buffer()
    spec.stream = buf
    local w = format.writer({}, opts, spec)
    w:response(res)
    assert(w:finish())
    return buf.text(), w
  end

  local function page()
    return { status = 200, headers = json.object({ ["Content-Type"] = "application/json" }),
      body = decode('{"totalSize":2,"done":true,"records":' .. RECS .. '}') }
  end

  it("prints a page's records, or a body as a value", function()
    local text, w = response({ format = "csv" }, { kind = "records", columns = { "Name" } }, page())
    assert.equal("Name\r\nAcme\r\nGlobex\r\n", text)
    assert.equal(2, w.count)
    text = response({ format = "ndjson" }, { kind = "value" },
      { status = 201, headers = {}, body = decode('{"id":"001x","success":true}') })
    assert.equal('{"id":"001x","success":true}\n', text)
  end)

  it("gives --map-response the response, its body cleaned", function()
    local text = response({ format = "ndjson", map = '{s: status, t: get value(headers, "Content-Type"), r: body.records}',
      map_response = true }, { kind = "records" }, page())
    assert.equal('{"s":200,"t":"application/json","r":[{"Id":"001000000000001AAA","Name":"Acme","Amount":12.5},'
      .. '{"Id":"001000000000002AAA","Name":"Globex","Amount":null}]}\n', text)
  end)

  -- defect: the mapping had no `response`, so response.body.x gave null
  it("gives --map-response the response's fields and the whole as response, as a connector's result expression", function()
    local res = page()
    res.reason = "OK"
    local text = response({ format = "ndjson", map = "{names: response.body.records.Name, same: body.records.Name, "
      .. "s: response.status, r: reason, d: response.document}", map_response = true }, { kind = "records" }, res)
    assert.equal('{"names":["Acme","Globex"],"same":["Acme","Globex"],"s":200,"r":"OK","d":null}\n', text)
  end)

  it("prints a list --map-response returns as records", function()
    local text = response({ format = "csv", map = "body.records", map_response = true }, { kind = "records" }, page())
    assert.equal("Id,Name,Amount\r\n001000000000001AAA,Acme,12.5\r\n001000000000002AAA,Globex,\r\n", text)
  end)

  it("refuses a response after finish", function()
    local w = format.writer({}, { format = "json" }, { stream = buffer() })
    assert(w:finish())
    assert.has_error(function() w:response(page()) end, "the output is already finished")
  end)
end)

describe("format.writer: --output", function()
  local dir
  before_each(function() dir = files.scratch() end)
  after_each(function() files.clear(dir) end)
  local read = files.read

  it("writes the file on finish and keeps the old one on abort", function()
    local path = dir .. "/accounts.csv"
    local w = format.writer({}, { format = "csv", output = path }, { columns = { "Name" } })
    for _, r in ipairs(decode(RECS)) do w:record(r) end
    assert(w:finish())
    assert.equal("Name\r\nAcme\r\nGlobex\r\n", read(path))
    w = format.writer({}, { format = "csv", output = path }, { columns = { "Id" } })
    w:record(decode(RECS)[1])
    w:abort()
    assert.equal("Name\r\nAcme\r\nGlobex\r\n", read(path))
  end)

  it("raises when the file cannot be created", function()
    local ok, err = pcall(format.writer, {}, { format = "csv", output = dir }, {})
    assert.is_false(ok)
    assert.equal("OUTPUT", err.code)
  end)
end)

describe("format.table, flatten, keys_of (for the REPL)", function()
  it("prints a whole table within a width", function()
    local rows = decode(RECS)
    assert.equal("Name    Amount\n------  ------\nAcme    12.5\nGlobex\n", format.table(rows, { "Name", "Amount" }))
    -- ids are never cut, a narrow terminal or not
    assert.equal("Id                  Name\n------------------  ------\n001000000000001AAA  Acme\n"
      .. "001000000000002AAA  Globex\n", format.table(rows, { "Id", "Name" }, 14))
    assert.equal("Name    Amount\n------  ------\nAcme    12.5\nGlobex\n", format.table(rows, { "Name", "Amount" }, 10))
  end)

  it("flattens and lists keys as luaforce.output does", function()
    local rec = decode('{"attributes":{},"A":{"B":1},"C":2}')
    local _, names = format.flatten(rec)
    assert.same({ "A.B", "C" }, names)
    assert.same({ "attributes", "A", "C" }, format.keys_of(rec))
  end)
end)
