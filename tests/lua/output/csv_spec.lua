-- luaforce.output.csv: fields and lines as RFC 4180 has them.
local csv = require "luaforce.output.csv"

describe("csv.field", function()
  local rows = {
    { "plain text stays", "Acme", "Acme" },
    { "an empty field stays empty", "", "" },
    { "a comma is quoted", "Acme, Inc.", '"Acme, Inc."' },
    { "a quote is doubled inside quotes", 'Globex "Global"', '"Globex ""Global"""' },
    { "a line feed is quoted", "a\nb", '"a\nb"' },
    { "a carriage return is quoted", "a\rb", '"a\rb"' },
    { "CRLF is quoted as it is", "a\r\nb", '"a\r\nb"' },
    { "blanks at the ends stay, unquoted", "  x  ", "  x  " },
    { "a semicolon is not special", "a;b", "a;b" },
    { "non-ASCII stays", "Zoë 日本", "Zoë 日本" },
  }
  for _, row in ipairs(rows) do
    it(row[1], function() assert.equal(row[3], csv.field(row[2])) end)
  end
end)

describe("csv.line", function()
  it("joins fields with commas and ends in CRLF", function()
    assert.equal('Id,Name,"a,b",\r\n', csv.line { "Id", "Name", "a,b", "" })
    assert.equal("\r\n", csv.line {})
  end)
end)

describe("csv.field with a delimiter", function()
  it("quotes a field holding that delimiter, not a comma", function()
    assert.equal('"a|b"', csv.field("a|b", "|"))
    assert.equal("a,b", csv.field("a,b", "|"))
    assert.equal('"a\tb"', csv.field("a\tb", "\t"))
    assert.equal('"a^b"', csv.field("a^b", "^"))
    assert.equal('"a`b"', csv.field("a`b", "`"))
    assert.equal('"a;b"', csv.field("a;b", ";"))
    assert.equal('"a""b"', csv.field('a"b', ";"))
    assert.equal('"a\nb"', csv.field("a\nb", "|"))
  end)
end)

describe("csv.quoted", function()
  it("always quotes, doubling inner quotes", function()
    assert.equal('"Acme"', csv.quoted("Acme"))
    assert.equal('""', csv.quoted(""))
    assert.equal('"say ""hi"""', csv.quoted('say "hi"'))
    assert.equal('"a,b\r\nc"', csv.quoted("a,b\r\nc"))
  end)
end)

describe("csv.line with options", function()
  it("takes a delimiter and a line ending", function()
    assert.equal("Id|Name|\"a|b\"|a,b\n", csv.line({ "Id", "Name", "a|b", "a,b" }, { delimiter = "|", eol = "\n" }))
    assert.equal("a\tb\r\n", csv.line({ "a", "b" }, { delimiter = "\t" }))
  end)

  it("quotes every field with quote_all", function()
    assert.equal('"001","true",""\n', csv.line({ "001", "true", "" }, { quote_all = true, eol = "\n" }))
    assert.equal('"a";"b""c"\r\n', csv.line({ "a", 'b"c' }, { quote_all = true, delimiter = ";" }))
  end)

  it("keeps the defaults of the one-argument form", function()
    assert.equal(csv.line { "a", "b,c" }, csv.line({ "a", "b,c" }, {}))
  end)
end)
