-- luaforce.output.cells: what one value reads as in a table or CSV cell.
local cells = require "luaforce.output.cells"
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"

local function decode(text) return assert(json.decode(text)) end

describe("cells.text", function()
  local rows = {
    { "a string as it is", "Acme, Inc.", "Acme, Inc." },
    { "an integer", 42, "42" },
    { "a whole float keeps .0", 300.0, "300.0" },
    { "a float in shortest form", 0.1, "0.1" },
    { "a decimal in all its digits", decimal.new("12345678901234567890.12"), "12345678901234567890.12" },
    { "true", true, "true" },
    { "false", false, "false" },
    { "null is blank", json.null, "" },
    { "nil is blank", nil, "" },
  }
  for _, row in ipairs(rows) do
    it(row[1], function() assert.equal(row[3], cells.text(row[2])) end)
  end
end)

describe("cells.table", function()
  it("keeps a cell on one line", function()
    assert.equal("Initech↵Software↵x", cells.table("Initech\r\nSoftware\nx"))
    assert.equal("a b", cells.table("a\tb"))
  end)

  it("counts a child subquery's records", function()
    assert.equal("[3 records]", cells.table(decode('{"totalSize":3,"done":true,"records":[{},{},{}]}')))
    assert.equal("[1 record]", cells.table(decode('{"totalSize":1,"done":true,"records":[{}]}')))
  end)

  it("writes another object as compact JSON without attributes", function()
    assert.equal('{"Name":"x"}', cells.table(decode('{"attributes":{"type":"A"},"Name":"x"}')))
    assert.equal("[1,2]", cells.table(json.array { 1, 2 }))
  end)
end)

describe("cells.csv", function()
  it("writes a child subquery as its records in compact JSON", function()
    local child = decode('{"totalSize":1,"done":true,"records":[{"attributes":{"type":"T"},"Subject":"x"}]}')
    assert.equal('[{"Subject":"x"}]', cells.csv(child))
  end)

  it("keeps line breaks (CSV quotes them)", function()
    assert.equal("a\nb", cells.csv("a\nb"))
    assert.equal("", cells.csv(json.null))
    assert.equal("1.5", cells.csv(1.5))
  end)
end)
