-- luaforce.emulator.query_api: the query resource of the local org,
-- through the app's handler with a request table (as the C server calls
-- it): pages and their locators (under any version, query or queryAll),
-- the page size Sforce-Query-Options asks for, clamped; child results cut
-- to the child batch size; COUNT(); explain and columns; the errors; the
-- page text (written straight from the rows or encoded: the same bytes as
-- encoding the page); and the cursor bound, with the Api object directly.
local json = require "luaforce.json"
local org_ = require "support.app_request"

local request, query, follow = org_.request, org_.query, org_.follow
local V = org_.V

local function batch(n) return { headers = { ["sforce-query-options"] = "batchSize=" .. n } } end

describe("luaforce.emulator.query_api", function()
  local org

  before_each(function()
    org = org_.setup()
  end)

  describe("query pages (from the app spec)", function()
    it("clamps batchSize to the minimum and pages to the end", function()
      local r = query("SELECT Id FROM Contact ORDER BY LastName", { headers = { ["sforce-query-options"] = "batchSize=1" } })
      assert.equal(200, r.status)
      assert.equal(7, r.json.totalSize)
      assert.equal(2, #r.json.records) -- 1 is below --min-batch-size 2
      local n, pages = #r.json.records, 1
      local page = r.json
      while not page.done do
        page = follow(page.nextRecordsUrl, { headers = { ["sforce-query-options"] = "batchSize=3" } }).json
        n, pages = n + #page.records, pages + 1
      end
      assert.equal(7, n)
      assert.equal(3, pages) -- 2 + 3 + 2
      assert.is_nil(page.nextRecordsUrl)
    end)

    it("keeps no locator when everything fits", function()
      local r = query("SELECT Id FROM Account")
      assert.is_true(r.json.done)
      assert.is_nil(r.json.nextRecordsUrl)
      assert.equal('{"totalSize":3,"done":true,"records":[', r.body:sub(1, 38))
    end)

    it("pages large child results with their own locator", function()
      local r = query("SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account ORDER BY Name")
      assert.equal(200, r.status, r.body)
      local acme = r.json.records[1]
      assert.equal("Acme", acme.Name)
      local kids = acme.Contacts
      assert.equal(7, kids.totalSize)
      assert.is_false(kids.done)
      assert.equal(3, #kids.records)
      assert.matches("^/services/data/v62%.0/query/%w+%-3$", kids.nextRecordsUrl)
      local rest = follow(kids.nextRecordsUrl).json
      assert.equal(7, rest.totalSize)
      assert.equal("Contact 4", rest.records[1].LastName)
      -- the same child set gets the same locator when served again
      local again = query("SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account ORDER BY Name")
      assert.matches("%-3$", again.json.records[1].Contacts.nextRecordsUrl)
      assert.equal(json.null, r.json.records[2].Contacts)
    end)

    it("rejects unknown locators", function()
      local r = follow("/services/data/v62.0/query/01gLOC000000999AAA-2000")
      assert.equal(400, r.status)
      assert.equal("INVALID_QUERY_LOCATOR", r.json[1].errorCode)
    end)

    it("asks for a query string", function()
      local r = request("GET", "/services/data/v62.0/query")
      assert.equal(400, r.status)
      assert.equal("MALFORMED_QUERY", r.json[1].errorCode)
    end)

    it("answers explain and columns", function()
      local e = request("GET", "/services/data/v62.0/query", { query = { explain = "SELECT Id FROM Account" } })
      assert.equal(200, e.status)
      assert.equal("Account", e.json.plans[1].sobjectType)
      local c = request("GET", "/services/data/v62.0/query",
        { query = { q = "SELECT Id, Account.Name FROM Contact", columns = "true" } })
      assert.equal(200, c.status)
      assert.equal("Id", c.json.columnMetadata[1].columnName)
    end)

    it("includes deleted rows only in queryAll", function()
      assert.equal(204, request("DELETE", "/services/data/v62.0/sobjects/Account/001000000000002AAA").status)
      assert.equal(2, query("SELECT Id FROM Account").json.totalSize)
      assert.equal(3, query("SELECT Id FROM Account", { all = true }).json.totalSize)
    end)
  end)

  describe("pages", function()
    it("writes the keys in Salesforce's order, the text re-encoding gives", function()
      local r = query("SELECT LastName FROM Contact ORDER BY LastName", batch(2))
      local head = '{"totalSize":7,"done":false,"nextRecordsUrl":"' .. r.json.nextRecordsUrl .. '","records":['
      assert.equal(head, r.body:sub(1, #head))
      assert.equal(r.body, json.encode(r.json))
      -- a page with child results is encoded, not written from rows: the same text
      local c = query("SELECT Name, (SELECT LastName FROM Contacts) FROM Account ORDER BY Name")
      assert.equal(c.body, json.encode(c.json))
      assert.same({ "totalSize", "done", "nextRecordsUrl", "records" }, json.keys(c.json.records[1].Contacts))
    end)

    it("follows a locator under another version and under queryAll, keeping that URL form", function()
      local first = query("SELECT LastName FROM Contact ORDER BY LastName", batch(2)).json
      local other = first.nextRecordsUrl:gsub("/v62%.0/query/", "/v58.0/queryAll/")
      local r = follow(other, batch(2))
      assert.equal(200, r.status)
      assert.equal("Contact 3", r.json.records[1].LastName)
      assert.matches("^/services/data/v58%.0/queryAll/%w+%-4$", r.json.nextRecordsUrl)
    end)

    it("answers a locator at the end with an empty last page, and refuses one past it", function()
      local first = query("SELECT LastName FROM Contact", batch(2)).json
      local at_end = follow((first.nextRecordsUrl:gsub("%-2$", "-7")))
      assert.equal(200, at_end.status)
      assert.same({ 7, true, 0 }, { at_end.json.totalSize, at_end.json.done, #at_end.json.records })
      local past = follow((first.nextRecordsUrl:gsub("%-2$", "-8")))
      assert.equal(400, past.status)
      assert.equal("INVALID_QUERY_LOCATOR", past.json[1].errorCode)
    end)

    for _, locator in ipairs { "abc", "01gLOC000000001AAA-x", "-2" } do
      it("refuses the locator " .. locator, function()
        local r = follow(V .. "/query/" .. locator)
        assert.equal(400, r.status)
        assert.same({ "INVALID_QUERY_LOCATOR", "invalid query locator" }, { r.json[1].errorCode, r.json[1].message })
      end)
    end

    it("answers COUNT() with the count and no records", function()
      local r = query("SELECT COUNT() FROM Contact")
      assert.equal('{"totalSize":7,"done":true,"records":[]}', r.body)
    end)

    it("takes /query/ with a trailing slash", function()
      local r = request("GET", V .. "/query/", { query = { q = "SELECT Id FROM Account" } })
      assert.same({ 200, 3 }, { r.status, r.json.totalSize })
    end)
  end)

  describe("batch sizes", function()
    -- { Sforce-Query-Options, the page size (min_batch 2 here) }
    local rows = {
      { nil, 2000 }, { "batchSize=3", 3 }, { "batchSize=1", 2 }, { "batchSize=0", 2 }, { "batchSize=5000", 2000 },
      { "batchsize = 7", 7 }, { "BatchSize=300, other=1", 300 }, { "other=1", 2000 }, { "batchSize=abc", 2000 },
    }
    for _, row in ipairs(rows) do
      it(tostring(row[1]) .. " -> " .. row[2], function()
        assert.equal(row[2], org.query:batch_size { headers = { ["sforce-query-options"] = row[1] } })
      end)
    end

    it("uses the cursor's size for later pages unless the request asks for another", function()
      assert.equal(4, org.query:batch_size({ headers = {} }, 4))
      local first = query("SELECT LastName FROM Contact ORDER BY LastName", batch(3)).json
      local second = follow(first.nextRecordsUrl).json
      assert.equal(3, #second.records)
      assert.matches("%-6$", second.nextRecordsUrl)
    end)
  end)

  describe("errors", function()
    -- { query parameters, status, errorCode, a piece of the message }
    local rows = {
      { { q = "   " }, 400, "MALFORMED_QUERY", "A query string has to be specified" },
      { { q = "SELECT Id FROM" }, 400, "MALFORMED_QUERY", "unexpected token: '<EOF>'" },
      { { q = "SELECT Id FROM Nope" }, 400, "INVALID_TYPE", "sObject type 'Nope' is not supported" },
      { { explain = "SELECT Id FROM" }, 400, "MALFORMED_QUERY", "ERROR at Row:1:Column:15" },
      { { q = "SELECT Nope FROM Account", columns = "true" }, 400, "INVALID_FIELD", "No such column 'Nope'" },
    }
    for _, row in ipairs(rows) do
      it(json.encode(row[1]) .. " -> " .. row[3], function()
        local r = request("GET", V .. "/query", { query = row[1] })
        assert.equal(row[2], r.status)
        assert.equal(row[3], r.json[1].errorCode)
        assert.matches(row[4], r.json[1].message, 1, true)
      end)
    end

    it("refuses conditions nested past 1,000 parentheses with 400 MALFORMED_QUERY", function()
      local deep = "SELECT Id FROM Account WHERE " .. ("("):rep(150000) .. "Name = 'x'" .. (")"):rep(150000)
      local r = request("GET", V .. "/query", { query = { q = deep } })
      assert.equal(400, r.status)
      assert.equal("MALFORMED_QUERY", r.json[1].errorCode)
      assert.matches("ERROR at Row:1:Column:1030\nconditions nested deeper than 1000 parentheses$", r.json[1].message)
    end)

    it("allows GET and HEAD only", function()
      local r = request("POST", V .. "/query", { query = { q = "SELECT Id FROM Account" } })
      assert.equal(405, r.status)
      assert.equal("GET,HEAD", r.h.allow)
    end)
  end)

  describe("cursors", function()
    it("keeps at most 500: the oldest locator goes first", function()
      local api = org.query
      local rows = { {}, {}, {} }
      local first = api:new_cursor(rows, 3, 1)
      local second = api:new_cursor(rows, 3, 1)
      for _ = 1, 498 do api:new_cursor(rows, 3, 1) end
      assert.equal(200, follow(V .. "/query/" .. first .. "-1").status) -- 500 kept
      api:new_cursor(rows, 3, 1)
      assert.equal(400, follow(V .. "/query/" .. first .. "-1").status)
      assert.equal(200, follow(V .. "/query/" .. second .. "-1").status)
    end)

    it("forgets every cursor on clear (the org's reset)", function()
      local first = query("SELECT LastName FROM Contact", batch(2)).json
      org.query:clear()
      local r = follow(first.nextRecordsUrl)
      assert.equal(400, r.status)
      assert.equal("INVALID_QUERY_LOCATOR", r.json[1].errorCode)
    end)
  end)
end)
