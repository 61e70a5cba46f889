-- luaforce.core.csv: a streaming CSV reader (libcsv) for Bulk API uploads
-- and result files, as its callers see it: records per chunk, whatever the
-- chunks, RFC 4180 quoting, line endings counted, errors as nil, message,
-- line, and misuse raised.
require "luaforce.core"
local csv = require "luaforce.core.csv"
local raises = require "support.raises"

-- Every record of `text` read in chunks of `size` bytes (the whole at
-- once without one), and the reader; or nil, message, line.
local function read(text, opts, size)
  local r = csv.reader(opts)
  local out = {}
  size = size or math.max(#text, 1)
  for i = 1, #text, size do
    local rows, err, line = r:feed(text:sub(i, i + size - 1))
    if not rows then return nil, err, line, r end
    table.move(rows, 1, #rows, #out + 1, out)
  end
  local rows, err, line = r:finish()
  if not rows then return nil, err, line, r end
  table.move(rows, 1, #rows, #out + 1, out)
  return out, r
end

describe("luaforce.core.csv", function()
  it("reads records of fields, unquoting quoted fields", function()
    local text = 'Id,Name,Note\n001,"Acme, Inc.","say ""hi"""\n002,"two\r\nlines",\n'
    assert.same({
      { "Id", "Name", "Note" },
      { "001", "Acme, Inc.", 'say "hi"' },
      { "002", "two\r\nlines", "" },
    }, (read(text)))
  end)

  it("keeps spaces and any bytes as they are", function()
    assert.same({ { " a ", "\tb", "caf\xc3\xa9", "\xff", "a\0b" } }, (read(' a ,\tb,caf\xc3\xa9,"\xff",a\0b')))
  end)

  it("gives each chunk the records it completed, and the last one at finish", function()
    local r = csv.reader()
    assert.same({}, r:feed("a,b"))
    assert.same({ { "a", "b" } }, r:feed("\nc,"))
    assert.same({}, r:feed('"d'))
    assert.same({}, r:feed('\n"'))
    assert.same({ { "c", "d\n" } }, r:finish())
    assert.same({}, r:finish())
    assert.equal(2, r:records())
    assert.has_error(function() r:feed("x") end, "csv reader: feed after finish")
  end)

  it("reads the same records whatever the chunks", function()
    local text = '\xef\xbb\xbfId,Name\r\n1,"a\r\nb"\r\n2,"x""y"\r\n\r\n3,z\r4,"\r"\n5,'
    local whole = assert(read(text))
    assert.equal(7, #whole)
    for size = 1, #text do assert.same(whole, (read(text, nil, size))) end
  end)

  it("makes a record of an empty line, but none of a final line break", function()
    assert.same({ { "a" }, { "" }, { "b" } }, (read("a\n\nb\n")))
    assert.same({ { "" } }, (read("\r\n")))
    assert.same({}, (read("")))
    assert.same({ { "a", "" }, { "", "" } }, (read("a,\n,")))
  end)

  it("counts how records ended and the physical lines", function()
    local rows, r = read('a\nb\r\nc\rd\r\n"e\nf"\n')
    assert.equal(5, #rows)
    assert.same({ LF = 2, CRLF = 2, CR = 1 }, r:line_endings())
    assert.equal(7, r:line())
    assert.equal(5, r:records())
  end)

  it("reads every Salesforce delimiter", function()
    for _, d in ipairs { ",", "\t", "|", ";", "^", "`" } do
      local text = ("a%sb%s\"c%sd\"\n"):format(d, d, d)
      assert.same({ { "a", "b", "c" .. d .. "d" } }, (read(text, { delimiter = d })))
    end
    assert.same({ { "a,b" } }, (read("a,b", { delimiter = ";" })))
  end)

  it("strips a UTF-8 byte order mark at the start unless told not to", function()
    assert.same({ { "Id" } }, (read("\xef\xbb\xbfId", nil, 1)))
    assert.same({ { "\xef\xbb\xbfId" } }, (read("\xef\xbb\xbfId", { bom = false })))
    assert.same({ { "a" }, { "\xef\xbb\xbfb" } }, (read("a\n\xef\xbb\xbfb")))
  end)

  it("fails on malformed data with the line, and keeps failing", function()
    local function fails(text, message, line)
      for _, size in ipairs { #text, 1, 3 } do
        local rows, err, at, r = read(text, nil, size)
        assert.is_nil(rows)
        assert.equal(message, err)
        assert.equal(line, at)
        assert.same({ nil, message, line }, { r:feed("ok\n") })
        assert.same({ nil, message, line }, { r:finish() })
      end
    end
    fails('a,b"c\n', 'line 1: a quote inside an unquoted field', 1)
    fails('x\n"a\nb\r\nc"d\n', "line 4: text after a closing quote", 4)
    fails('"a" ,b\n', "line 1: text after a closing quote", 1)
    fails('a\n"b\nc\n', "line 2: a quoted field not closed by the end of the input", 2)
  end)

  it("refuses a field longer than max_field", function()
    assert.same({ { "abc", "a\"b" } }, (read('abc,"a""b"', { max_field = 3 })))
    local rows, err, line = read('a\n"ab\ncd"', { max_field = 3 })
    assert.is_nil(rows)
    assert.equal("line 2: a field longer than 3 bytes", err)
    assert.equal(2, line)
    local big = ("x"):rep(csv.MAX_FIELD)
    assert.same({ { big } }, (read(big, nil, 65536)))
    assert.equal("line 1: a field longer than 131072 bytes", select(2, read(big .. "x", nil, 65536)))
  end)

  it("raises for misuse", function()
    local delim = "delimiter must be one of , TAB | ; ^ ` (COMMA TAB PIPE SEMICOLON CARET BACKQUOTE)"
    for _, d in ipairs { "x", ",,", "", "COMMA", "\n", '"', 44 } do
      raises(function() csv.reader { delimiter = d } end, "#1", "reader", delim)
    end
    raises(function() csv.reader { max_field = 0 } end, "#1", "reader",
      "max_field must be a whole number from 1 to 1073741824")
    raises(function() csv.reader { bom = 1 } end, "#1", "reader", "bom must be a boolean")
    raises(function() csv.reader { delim = "," } end, "#1", "reader",
      "unknown option 'delim' (delimiter, max_field, bom)")
    raises(function() csv.reader "," end, "#1", "reader", "table expected, got string")
    local r = csv.reader()
    raises(function() r:feed() end, "#1", "feed", "string expected, got no value")
  end)

  it("closes with <close> and refuses use after", function()
    local kept
    do
      local r <close> = csv.reader()
      kept = r
      assert.same({ { "a" } }, r:feed("a\n"))
    end
    assert.matches("closed", tostring(kept))
    assert.has_error(function() kept:feed("b\n") end, "attempt to use a closed csv reader")
    assert.equal(1, kept:records())
  end)
end)
