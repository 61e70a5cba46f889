-- luaforce.bulk.cells: records <-> CSV cells by Bulk API 2.0's rules.
local cells = require "luaforce.bulk.cells"
local decimal = require "luaforce.decimal"
local json = require "luaforce.json"

describe("luaforce.bulk.cells", function()
  describe("columns", function()
    it("puts Id first, sorts the rest, flattens relationships, skips attributes", function()
      local cols = cells.columns { Name = "A", Id = "001", Account = { ExtId__c = "X", attributes = {} },
        attributes = { type = "Contact" }, Amount = 3 }
      assert.same({ "Id", "Account.ExtId__c", "Amount", "Name" }, cols)
    end)

    it("merges the columns of many records", function()
      local set = cells.merge({}, { A = 1 })
      cells.merge(set, { B = 2, Owner = { Email = "x" } })
      assert.same({ "A", "B", "Owner.Email" }, cells.ordered(set))
    end)

    it("takes a date table as a field, not a relationship", function()
      assert.same({ "CloseDate" }, cells.columns { CloseDate = { year = 2025, month = 6, day = 1 } })
    end)
  end)

  describe("row (record -> CSV cells)", function()
    local cols = { "Id", "Name", "Description", "Active__c", "Amount", "Count", "Account.ExtId__c", "CloseDate", "When" }

    it("a missing field is an empty cell: insert sets nothing, update leaves it", function()
      local row = assert(cells.row({ Name = "Acme" }, cols, 1))
      assert.equal("", row[1])
      assert.equal("Acme", row[2])
      assert.equal("", row[3])
    end)

    it("null and the empty string are #N/A: the field is set to null", function()
      local row = assert(cells.row({ Name = json.null, Description = "" }, cols, 1))
      assert.equal("#N/A", row[2])
      assert.equal("#N/A", row[3])
    end)

    it("booleans, integers, floats and decimals in all their digits", function()
      local row = assert(cells.row({ Active__c = false, Count = 12, Amount = decimal.new("12345678901234567.89") }, cols, 1))
      assert.equal("false", row[4])
      assert.equal("12345678901234567.89", row[5])
      assert.equal("12", row[6])
      assert.equal("0.5", assert(cells.row({ Amount = 0.5 }, { "Amount" }, 1))[1])
      assert.equal("true", assert(cells.row({ Active__c = true }, { "Active__c" }, 1))[1])
    end)

    it("a relationship column reads the nested table (Account.ExtId__c)", function()
      local row = assert(cells.row({ Account = { ExtId__c = "A-1" } }, cols, 1))
      assert.equal("A-1", row[7])
    end)

    it("dates as yyyy-MM-dd, date-times (with hour) as UTC yyyy-MM-ddTHH:mm:ssZ", function()
      local row = assert(cells.row({ CloseDate = { year = 2025, month = 6, day = 1 },
        When = { year = 2025, month = 12, day = 31, hour = 23, min = 5, sec = 9 } }, cols, 1))
      assert.equal("2025-06-01", row[8])
      assert.equal("2025-12-31T23:05:09Z", row[9])
      assert.equal("2024-02-29T00:00:00Z", assert(cells.row({ When = os.date("!*t", 1709164800) }, { "When" }, 1))[1])
    end)

    it("text passes as it is (quoting is the writer's job), UTF-8 included", function()
      local row = assert(cells.row({ Name = 'Ünïcode, "quoted"\nline' }, { "Name" }, 1))
      assert.equal('Ünïcode, "quoted"\nline', row[1])
    end)

    it("refuses what is not a cell, naming the record and the field", function()
      local _, err = cells.row({ Name = "\xff\xfe" }, { "Name" }, 7)
      assert.equal(2, err.exit)
      assert.matches("record 7, field Name: .*UTF%-8", err.message)
      _, err = cells.row({ Amount = 0 / 0 }, { "Amount" }, 2)
      assert.matches("record 2, field Amount", err.message)
      _, err = cells.row({ Name = { 1, 2 } }, { "Name" }, 3)
      assert.matches("relationship", err.message)
    end)
  end)

  describe("record (CSV row -> record)", function()
    it("nests relationship columns, drops empty cells, reads sf__Created", function()
      local rec = cells.record({ "sf__Id", "sf__Created", "Name", "Account.Name", "Phone" },
        { "001000000000001AAA", "true", "Acme", "Parent", "" })
      assert.same({ sf__Id = "001000000000001AAA", sf__Created = true, Name = "Acme", Account = { Name = "Parent" } }, rec)
      assert.is_false(cells.record({ "sf__Created" }, { "false" }).sf__Created)
      assert.same({ Account = { Owner = { Name = "Ada" }, Name = "Acme" } },
        cells.record({ "Account.Owner.Name", "Account.Name" }, { "Ada", "Acme" }))
    end)
  end)
end)
