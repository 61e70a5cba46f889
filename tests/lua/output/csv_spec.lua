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
