-- luaforce.emulator.soql_exec.render: query records written as JSON text
-- straight from the store's rows (soql_exec.render_records over
-- json_render.c) must be the very bytes json.encode writes for the records
-- soql_exec builds, page after page, and fail the same way on values JSON
-- cannot hold. Each query below runs
-- both ways over a small org whose values need every kind of care.
local exec = require "luaforce.emulator.soql_exec"
local query_api = require "luaforce.emulator.query_api"
local reply = require "luaforce.emulator.reply"
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local ids = require "luaforce.emulator.ids"
local dt = require "luaforce.emulator.datetime"
local schema = require "luaforce.emulator.schema"
local Store = require "luaforce.emulator.store"
local default_schema = require "luaforce.emulator.default_schema"
local core_json = require "luaforce.core.json"

local NOW = dt.parse_datetime("2024-05-15T13:45:00Z")
local PAGE_KEYS = { "totalSize", "done", "nextRecordsUrl", "records" }

-- The default objects plus Gadget__c: one field of each kind of value, a
-- lookup to itself (two hops) and a polymorphic one (User or Account).
local function test_schema()
  local objects = {}
  for i, o in ipairs(default_schema.objects) do objects[i] = o end
  objects[#objects + 1] = {
    name = "Gadget__c", keyPrefix = "a07",
    fields = {
      { name = "Label__c", type = "string", length = 255 },
      { name = "Note__c", type = "textarea", length = 1000 },
      { name = "Count__c", type = "int", precision = 18 },
      { name = "Ratio__c", type = "double", precision = 38, scale = 6 },
      { name = "Price__c", type = "currency", precision = 18, scale = 2 },
      { name = "Active__c", type = "boolean" },
      { name = "Day__c", type = "date" },
      { name = "At__c", type = "datetime" },
      { name = "Parent__c", type = "reference", referenceTo = { "Gadget__c" }, relationshipName = "Parent__r",
        childRelationshipName = "Children__r" },
      { name = "Holder__c", type = "reference", referenceTo = { "User", "Account" }, relationshipName = "Holder__r",
        childRelationshipName = "Gadgets__r" },
    },
  }
  return assert(schema.load { objects = objects })
end

local function idlist(prefix, n)
  local t = {}
  for i = 1, n do t[i] = ids.mint(prefix, i) end
  return t
end
local U, A, G = idlist("005", 3), idlist("001", 3), idlist("a07", 8)

local DATA = {
  User = {
    { Id = U[1], Username = "ada@local", FirstName = "Ada", LastName = "Admin", Email = "ada@local.test" },
    { Id = U[2], Username = "ben@local", FirstName = "Bén", LastName = "O\"Brien", Email = "ben@local.test",
      ManagerId = U[1] },
    { Id = U[3], Username = "cy@local", LastName = "Tab\there", Email = "cy@local.test", ManagerId = U[2] },
  },
  Account = {
    { Id = A[1], Name = "Acme \"Quoted\" \\ Slash/", OwnerId = U[2], NumberOfEmployees = 12,
      AnnualRevenue = 0.1, Industry = "Energy" },
    { Id = A[2], Name = "Zürich 日本 😀", OwnerId = U[3], AnnualRevenue = 300.0 },
    { Id = A[3], Name = "Line\nbreak\r\ncarriage\bbell\f", OwnerId = U[1], NumberOfEmployees = 0 },
  },
  Gadget__c = {
    { Id = G[1], Label__c = "one", Note__c = "ctl \1\2\31 del \127 end", Count__c = 42, Ratio__c = 0.1,
      Price__c = decimal("1234567890123456.78"), Active__c = true, Day__c = "2024-02-29",
      At__c = "2024-05-15T08:00:00.000+0000", Holder__c = U[2] },
    { Id = G[2], Label__c = "two \"q\"", Count__c = -7, Ratio__c = 300.0, Price__c = decimal("9999999999999999.99"),
      Active__c = false, Parent__c = G[1], Holder__c = A[1] },
    { Id = G[3], Label__c = "three é", Ratio__c = 1e21, Parent__c = G[2], Holder__c = A[2] },
    { Id = G[4], Label__c = "four", Parent__c = G[3], Holder__c = U[3], Price__c = 0.5 },
    { Id = G[5], Label__c = "five", Ratio__c = 1.5e-7, Count__c = 2147483647 },
    { Id = G[6], Label__c = "six", Parent__c = G[5], Holder__c = A[3], Note__c = "</script>" },
    { Id = G[7], Label__c = "seven", Parent__c = G[6], IsDeleted = true },
    { Id = G[8], Label__c = "eight", Parent__c = G[6], Holder__c = U[1], Ratio__c = 123456.789 },
  },
}

local function new_store()
  local st = Store.new { schema = test_schema(), clock = dt.clock(NOW, true) }
  assert(st:load(DATA))
  assert(st:delete("Gadget__c", G[6])) -- G[8]'s parent: deleted, still there for queryAll
  return st
end

local st = new_store()
-- Values the store would not keep as they are (it normalises -0.0 to 0.0)
-- but a row may hold: the renderer must still write what the encoder does.
do
  local row = st:find(G[5])
  row.Ratio__c = -0.0
end

local function run(text, opts)
  opts = opts or {}
  opts.now, opts.version = NOW, opts.version or "62.0"
  return assert(exec.run(st, text, opts))
end

-- The records of a result as json.encode writes them (the slow way).
local function encoded(records, first, last)
  local out = {}
  for i = first, last do out[#out + 1] = records[i] end
  return assert(json.encode(json.array(out)))
end

local QUERIES = {
  "SELECT Id, Name FROM Account ORDER BY Name",
  "SELECT Name, NumberOfEmployees, AnnualRevenue, Industry FROM Account",
  "SELECT Label__c, Note__c, Count__c, Ratio__c, Price__c, Active__c, Day__c, At__c FROM Gadget__c",
  "SELECT Id, Label__c, Parent__r.Label__c, Parent__r.Parent__r.Label__c FROM Gadget__c ORDER BY Label__c DESC",
  "SELECT Label__c, Holder__r.Name, Holder__r.Id FROM Gadget__c",
  "SELECT Label__c, Holder__r.Owner.Name, Holder__r.Manager.Name FROM Gadget__c",
  "SELECT Name, Owner.Name, Owner.Manager.Name, Owner.Manager.Manager.Email FROM Account",
  "SELECT Parent__r.Holder__r.Name, Parent__r.Ratio__c, Parent__r.Price__c, Label__c FROM Gadget__c",
  "SELECT FIELDS(ALL) FROM Gadget__c LIMIT 200",
  "SELECT FIELDS(STANDARD), Parent__r.Id FROM Gadget__c",
  "SELECT Label__c FROM Gadget__c WHERE Ratio__c > 1 ORDER BY Ratio__c LIMIT 2 OFFSET 1",
  "SELECT toLabel(Industry), FORMAT(AnnualRevenue), Name FROM Account",
  "SELECT Name FROM Account WHERE Name = 'nobody'",
  "SELECT g.Label__c, g.Parent__r.Label__c FROM Gadget__c g",
  "select label__c, parent__r.LABEL__C, HOLDER__R.name from gadget__c",
}

describe("luaforce.emulator.soql_exec.render: query pages rendered from rows", function()
  describe("the records text equals json.encode of the built records", function()
    for _, q in ipairs(QUERIES) do
      it(q, function()
        local res = run(q)
        assert.is_table(res.render, "a plain query gets a render plan")
        local n = #res.records
        assert.equals(n, #res.rows)
        local text = assert(exec.render_records(res.rows, res.render, 1, n))
        assert.equals(encoded(res.records, 1, n), "[" .. text .. "]")
        -- and any slice of it, as pages at offsets are
        for first = 1, n do
          for last = first - 1, n do
            local part = assert(exec.render_records(res.rows, res.render, first, last))
            assert.equals(encoded(res.records, first, last), "[" .. part .. "]")
          end
        end
      end)
    end

    it("queryAll: deleted rows and parents that are deleted", function()
      local res = run("SELECT Label__c, IsDeleted, Parent__r.Label__c, Parent__r.IsDeleted FROM Gadget__c",
        { all_rows = true })
      assert.equals(8, #res.rows)
      assert.truthy(res.records[8].Parent__r ~= json.null)
      local text = assert(exec.render_records(res.rows, res.render, 1, #res.rows))
      assert.equals(encoded(res.records, 1, #res.records), "[" .. text .. "]")
    end)

    it("the version of the URL is the one the records carry", function()
      local res = run("SELECT Label__c, Holder__r.Name FROM Gadget__c", { version = "58.0" })
      local text = assert(exec.render_records(res.rows, res.render, 1, #res.rows))
      assert.equals(encoded(res.records, 1, #res.records), "[" .. text .. "]")
      assert.truthy(text:find('"/services/data/v58.0/sobjects/Gadget__c/' .. G[1] .. '"', 1, true))
      assert.truthy(text:find('"/services/data/v58.0/sobjects/User/' .. U[2] .. '"', 1, true))
    end)

    it("before and after surround the records in one string", function()
      local res = run("SELECT Name FROM Account ORDER BY Name")
      local text = assert(exec.render_records(res.rows, res.render, 2, 3, nil, "<<", ">>"))
      assert.equals("<<" .. encoded(res.records, 2, 3):sub(2, -2) .. ">>", text)
      assert.equals("<<>>", exec.render_records(res.rows, res.render, 3, 2, nil, "<<", ">>"))
    end)
  end)

  describe("queries the rows cannot be written from keep the record tables", function()
    local rows = {
      "SELECT Name, (SELECT LastName FROM Contacts) FROM Account",
      "SELECT TYPEOF Holder__r WHEN User THEN Email ELSE Name END FROM Gadget__c",
      "SELECT FORMAT(AnnualRevenue) rev FROM Account",
      "SELECT COUNT(Id) n FROM Gadget__c",
    }
    for _, q in ipairs(rows) do
      it(q, function()
        local res = run(q, { lazy = true })
        assert.is_nil(res.render)
        assert.is_nil(res.rows)
        assert.truthy(#res.records >= 1)
      end)
    end
  end)

  describe("query pages over the query resource", function()
    local function api_for(store)
      return query_api.new { store = store, clock = dt.clock(NOW, true), min_batch = 1, child_batch = 2000 }
    end
    local function get(api, q, rest, batch)
      local req = { method = "GET", headers = {}, query = { q = q } }
      if batch then req.headers["sforce-query-options"] = "batchSize=" .. batch end
      return api:handle(req, "62.0", false, rest)
    end

    -- Pages through q with `batch` records a page; each body must be the
    -- page object json.encode makes of the built records.
    local function check_pages(q, batch)
      local calls = 0
      local real = exec.render_records
      exec.render_records = function(...)
        calls = calls + 1
        return real(...)
      end
      local ok, err = pcall(function()
        local api = api_for(st)
        local records = run(q).records
        local res = get(api, q, nil, batch)
        local offset, pages = 0, 0
        while true do
          assert.equals(200, res.status)
          assert.same({ "Content-Type", "application/json;charset=UTF-8" }, res.headers[1])
          local page = json.decode(res.body)
          local last = math.min(#records, offset + batch)
          local slice = {}
          for i = offset + 1, last do slice[#slice + 1] = records[i] end
          local expected = { totalSize = #records, done = last >= #records, records = json.array(slice) }
          if not expected.done then expected.nextRecordsUrl = page.nextRecordsUrl end
          assert.equals(assert(json.encode(json.object(expected, PAGE_KEYS))), res.body)
          pages = pages + 1
          if page.done then break end
          assert.equals(("/services/data/v62.0/query/%s"):format(page.nextRecordsUrl:match("[^/]+$")),
            page.nextRecordsUrl)
          offset = last
          res = get(api, q, page.nextRecordsUrl:match("[^/]+$"))
        end
        assert.equals(math.max(1, math.ceil(#records / batch)), pages)
      end)
      exec.render_records = real
      assert(ok, err)
      assert.is_true(calls >= 1, "the pages were written from the rows")
    end

    local rows = {
      { "SELECT Label__c, Parent__r.Parent__r.Label__c, Holder__r.Name FROM Gadget__c ORDER BY Label__c", 3 },
      { "SELECT FIELDS(ALL) FROM Gadget__c LIMIT 200", 2 },
      { "SELECT Name, Owner.Manager.Name FROM Account", 1 },
      { "SELECT Name, Owner.Manager.Name FROM Account", 2000 },
      { "SELECT Name FROM Account WHERE Name = 'nobody'", 5 },
    }
    for _, row in ipairs(rows) do
      it(("%s (batch %d)"):format(row[1], row[2]), function() check_pages(row[1], row[2]) end)
    end

    it("reply.json_text sends the text as it is, and wants text", function()
      local res = reply.json_text(201, '{"a":1}', { { "X-Extra", "1" } })
      assert.same({ status = 201, body = '{"a":1}',
        headers = { { "Content-Type", "application/json;charset=UTF-8" }, { "X-Extra", "1" } } }, res)
      assert.has_error(function() reply.json_text(200, { a = 1 }) end,
        "bad argument #2 to 'json_text' (string expected, got table)")
    end)

    it("a locator still pages under another version and under queryAll", function()
      local api = api_for(st)
      local q = "SELECT Label__c, Holder__r.Name FROM Gadget__c"
      local first = json.decode(get(api, q, nil, 2).body)
      local locator = first.nextRecordsUrl:match("[^/]+$")
      local req = { method = "GET", headers = { ["sforce-query-options"] = "batchSize=2" }, query = {} }
      local a = api:handle(req, "62.0", false, locator)
      local b = api:handle(req, "58.0", true, locator)
      assert.equals(200, a.status)
      local pa, pb = json.decode(a.body), json.decode(b.body)
      assert.equals(pa.records[1].Label__c, pb.records[1].Label__c)
      assert.equals("/services/data/v58.0/queryAll/" .. locator:gsub("%-%d+$", "-4"), pb.nextRecordsUrl)
    end)
  end)

  describe("values JSON cannot hold fail as json.encode fails", function()
    local rows = {
      { "NaN", 0 / 0, "cannot encode NaN (JSON has no NaN or infinity)" },
      { "inf", math.huge, "cannot encode inf (JSON has no NaN or infinity)" },
      { "-inf", -math.huge, "cannot encode -inf (JSON has no NaN or infinity)" },
      { "invalid UTF-8", "ab\255cd", "invalid UTF-8 in string at byte 3" },
      { "a function", print, "cannot encode a function value" },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        local store = new_store()
        store:find(G[3]).Ratio__c = row[2]
        store:find(G[2]).Ratio__c = row[2]
        local function both(q, path)
          local res = assert(exec.run(store, q, { now = NOW }))
          local _, want = json.encode(json.array(res.records))
          assert.is_table(want)
          local text, err = exec.render_records(res.rows, res.render, 1, #res.rows)
          assert.is_nil(text)
          assert.equals("JSON_ENCODE_ERROR", err.code)
          assert.equals(want.message, err.message)
          assert.equals(row[3] .. " at " .. path, err.message)
        end
        -- live rows by label: eight, five, four, one, three (G3), two (G2)
        both("SELECT Label__c, Ratio__c FROM Gadget__c ORDER BY Label__c", "[5].Ratio__c")
        both("SELECT Label__c, Parent__r.Parent__r.Ratio__c FROM Gadget__c ORDER BY Label__c",
          "[3].Parent__r.Parent__r.Ratio__c")

        -- the page: the same error object the page encoder raised
        local api = query_api.new { store = store, clock = dt.clock(NOW, true), min_batch = 1, child_batch = 2000 }
        local req = { method = "GET", headers = { ["sforce-query-options"] = "batchSize=2" },
          query = { q = "SELECT Label__c, Ratio__c FROM Gadget__c ORDER BY Label__c" } }
        local first = json.decode(api:handle(req, "62.0", false, nil).body)
        local locator = first.nextRecordsUrl:match("[^/]+$"):gsub("%-%d+$", "-4")
        local ok, err = pcall(api.handle, api, req, "62.0", false, locator)
        assert.is_false(ok)
        assert.equals("JSON_ENCODE_ERROR", err.code)
        assert.equals(row[3] .. " at records[1].Ratio__c", err.message)
      end)
    end
  end)

  describe("raw_render_rows", function()
    local raw = core_json.raw_render_rows
    -- the lead the local org gives a record of type T
    local function lead(type_name, prefix)
      return { '{"attributes":{"type":"' .. type_name .. '","url":',
        { prefix = prefix, field = "Id", path = { "attributes", "url" } }, "}" }
    end
    local shape = { lead = lead("T", "/x/"), { text = ',"V":', key = "V", field = "V" } }
    local function plan(s, parents, leads, key)
      return { shape = s or shape, parents = parents or {}, leads = leads or {}, lead_key = key or 3 }
    end

    it("writes any value as the encoder does", function()
      local values = { "s", 1, -2.5, 0.1, 1e300, -0.0, true, false, json.null, decimal("12345678901234567.89"),
        json.array { 1, "a" }, json.object({ b = 1, a = 2 }, { "b", "a" }), {} }
      for _, v in ipairs(values) do
        local text = raw({ { Id = "i1", V = v } }, 1, 1, plan())
        assert.equals('{"attributes":{"type":"T","url":"/x/i1"},"V":' .. json.encode(v) .. "}", text)
      end
      assert.equals('{"attributes":{"type":"T","url":"/x/7"},"V":null}', raw({ { Id = 7 } }, 1, 1, plan()))
    end)

    it("a bad Id is named at attributes.url, counting bytes in the whole url", function()
      local text, msg = raw({ { Id = "ok" }, { Id = "b\200d" } }, 1, 2, plan(), "records")
      assert.is_nil(text)
      assert.equals("invalid UTF-8 in string at byte 5 at records[2].attributes.url", msg)
    end)

    it("takes a parent's lead from the first lead_key bytes of its reference", function()
      local pshape = { lead = lead("T", "/x/"),
        { text = ',"P":', key = "P", ref = "PId", shape = { { text = ',"N":', key = "N", field = "N" } } } }
      local parents = { ["001A"] = { Id = "001A", N = "acc" }, ["005B"] = { Id = "005B" } }
      local leads = { ["001"] = lead("Account", "/a/"), ["005"] = lead("User", "/u/") }
      local rows = { { Id = "1", PId = "001A" }, { Id = "2", PId = "005B" }, { Id = "3", PId = "001Z" }, { Id = "4" } }
      assert.equals(table.concat({
        '{"attributes":{"type":"T","url":"/x/1"},"P":{"attributes":{"type":"Account","url":"/a/001A"},"N":"acc"}}',
        '{"attributes":{"type":"T","url":"/x/2"},"P":{"attributes":{"type":"User","url":"/u/005B"},"N":null}}',
        '{"attributes":{"type":"T","url":"/x/3"},"P":null}',
        '{"attributes":{"type":"T","url":"/x/4"},"P":null}',
      }, ","), raw(rows, 1, 4, plan(pshape, parents, leads)))
      assert.has_error(function() raw({ { Id = "1", PId = "001A" } }, 1, 1, plan(pshape, parents, {})) end,
        "raw_render_rows: no lead for key '001'")
    end)

    it("knows no record format: leads are whatever text and fields the plan says", function()
      local s = { lead = { '{"n":', { prefix = "#", field = "Num", path = { "n" } }, ',"tag":',
          { prefix = "", field = "Tag", path = { "meta", "tag" } } },
        { text = ',"up":', key = "up", ref = "Up", shape = { { text = ',"v":', key = "v", field = "V" } } } }
      local parents = { a1 = { Num = 1, Tag = "top", V = 2.5 }, b1 = { Num = 9, Tag = "x", V = "w" } }
      local leads = { a = { '{"kind":"A"' }, b = { '{"kind":"B","n":', { prefix = "", field = "Num" } } }
      local rows = { { Num = 10, Tag = "r", Up = "a1" }, { Num = 11.5, Tag = "s", Up = "b1" } }
      assert.equals('{"n":"#10","tag":"r","up":{"kind":"A","v":2.5}},'
        .. '{"n":"#11.5","tag":"s","up":{"kind":"B","n":"9","v":"w"}}', raw(rows, 1, 2, plan(s, parents, leads, 1)))
      local text, msg = raw({ { Num = 1, Tag = "\255" } }, 1, 1, plan(s, parents, leads, 1), "page")
      assert.is_nil(text)
      assert.equals("invalid UTF-8 in string at byte 1 at page[1].meta.tag", msg)
    end)

    it("refuses misuse", function()
      assert.has_error(function() raw({ 1 }, 1, 1, plan()) end, "raw_render_rows: rows[1] is not a table")
      assert.has_error(function() raw({ {} }, 1, 1, plan()) end, "raw_render_rows: a row has no Id")
      assert.has_error(function() raw({ { Id = "a" } }, 1, 2, plan()) end)
      assert.has_error(function() raw({ { Id = "a" } }, 0, 1, plan()) end)
      assert.has_error(function() raw({ { Id = "a" } }, 1, 1, plan({})) end,
        "raw_render_rows: shape: 'lead' is not a table")
      assert.has_error(function() raw({ { Id = "a" } }, 1, 1, { shape = shape, parents = {}, leads = {} }) end,
        "raw_render_rows: plan: 'lead_key' is not an integer from 1 to 16")
      assert.has_error(function() raw({ { Id = "a" } }, 1, 1, { shape = shape, leads = {}, lead_key = 3 }) end,
        "raw_render_rows: plan: 'parents' is not a table")
      assert.has_error(function() raw({ { Id = "a" } }, 1, 1, plan({ lead = { 1 } })) end,
        "raw_render_rows: lead piece 1 is neither text nor a table")
      assert.has_error(function() raw({ { Id = "a" } }, 1, 1, plan({ lead = { "", "", "", "", "", "", "", "", "" } })) end,
        "raw_render_rows: a lead has more than 8 pieces")
      assert.has_error(function()
        raw({ { Id = "a" } }, 1, 1, plan({ lead = {}, { text = ",", key = "k" } }))
      end, "raw_render_rows: column 'k' has neither 'field' nor 'ref'")
      local loop = { text = ',"P":', key = "P", ref = "R" }
      local inner = { loop }
      loop.shape = inner
      assert.has_error(function() raw({ { Id = "a" } }, 1, 1, plan({ lead = {}, loop })) end,
        "raw_render_rows: parent shapes nested deeper than 32")
    end)
  end)
end)
