-- luaforce.emulator.store: records, derived fields, soft delete, upsert,
-- load, undo and reset (what a write must satisfy: write_rules_spec.lua).
local ids = require "luaforce.emulator.ids"
local decimal = require "luaforce.decimal"
local json = require "luaforce.json"
local fixture = require "support.store_fixture"
local T0, new_store, codes = fixture.T0, fixture.new_store, fixture.codes

describe("luaforce.emulator.store", function()
  local st, clock, acc
  before_each(function()
    st, clock = new_store()
    acc = assert(st:insert("Account", { Name = "O'Brien & Sons" }))
  end)

  describe("insert", function()
    it("mints an 18-character id and maintains the system fields", function()
      assert.equal(18, #acc)
      assert.equal("001", acc:sub(1, 3))
      local row = assert(st:get("Account", acc))
      assert.same({ acc, "O'Brien & Sons", false }, { row.Id, row.Name, row.IsDeleted })
      assert.equal("2024-05-01T10:00:00.000+0000", row.CreatedDate)
      assert.equal(row.CreatedDate, row.LastModifiedDate)
      assert.equal(row.CreatedDate, row.SystemModstamp)
      assert.equal(ids.DEFAULT_USER_ID, row.CreatedById)
      assert.equal(ids.DEFAULT_USER_ID, row.LastModifiedById)
      assert.equal(ids.DEFAULT_USER_ID, row.OwnerId)
      assert.is_nil(row.Industry)
    end)

    it("applies schema defaults and false for unset booleans", function()
      local id = assert(st:insert("Invoice__c", { Notes__c = "INV" }))
      local row = st:get("Invoice__c", id)
      assert.equal("Draft", row.Status__c)
      assert.equal("INV-0001", row.Name)
      assert.is_false(row.Paid__c)
      local case = st:get("Case", assert(st:insert("Case", { Subject = "x" })))
      assert.same({ "New", "Medium", false }, { case.Status, case.Priority, case.IsEscalated })
    end)

    it("keeps derived fields in the row", function()
      local c = st:get("Contact", assert(st:insert("Contact", { FirstName = "Siobhán", LastName = "Müller" })))
      assert.equal("Siobhán Müller", c.Name)
      local c2 = st:get("Contact", assert(st:insert("Contact", { LastName = "Solo" })))
      assert.equal("Solo", c2.Name)
      local won = st:get("Opportunity", assert(st:insert("Opportunity",
        { Name = "Deal", StageName = "Closed Won", CloseDate = "2024-06-30" })))
      assert.same({ true, true }, { won.IsClosed, won.IsWon })
      local lost = st:get("Opportunity", assert(st:insert("Opportunity",
        { Name = "Deal", StageName = "Closed Lost", CloseDate = "2024-06-30" })))
      assert.same({ true, false }, { lost.IsClosed, lost.IsWon })
      local open = st:get("Opportunity", assert(st:insert("Opportunity",
        { Name = "Deal", StageName = "Prospecting", CloseDate = "2024-06-30" })))
      assert.same({ false, false }, { open.IsClosed, open.IsWon })
    end)

    it("numbers auto-number fields in insertion order", function()
      local a = st:get("Case", assert(st:insert("Case", {})))
      local b = st:get("Case", assert(st:insert("Case", {})))
      assert.same({ "00000001", "00000002" }, { a.CaseNumber, b.CaseNumber })
    end)

    it("stores values canonically", function()
      local id = assert(st:insert("Opportunity", json.decode([[{"attributes": {"type": "Opportunity"},
        "Name": "Big", "StageName": "prospecting", "CloseDate": "2024-06-30T23:00:00-02:00",
        "Amount": 1234567890123456.78, "Probability": "10", "AccountId": "]] .. acc:sub(1, 15) .. [["}]])))
      local row = st:get("Opportunity", id)
      assert.equal("Prospecting", row.StageName)
      assert.equal("2024-07-01", row.CloseDate)
      assert.is_true(decimal.is(row.Amount))
      assert.equal("1234567890123456.78", tostring(row.Amount))
      assert.equal(10.0, row.Probability)
      assert.equal(acc, row.AccountId)
    end)

    it("treats json.null and empty text as null", function()
      local row = st:get("Account", assert(st:insert("Account", { Name = "X", Phone = json.null, Website = "" })))
      assert.is_nil(row.Phone)
      assert.is_nil(row.Website)
    end)
  end)

  describe("get and find", function()
    it("accepts 15 characters and 18 in any case", function()
      assert.equal(acc, st:get("Account", acc:sub(1, 15)).Id)
      assert.equal(acc, st:get("account", acc:lower()).Id)
    end)

    -- { what, object, id, errorCode, status }
    local rows = {
      { "malformed id", "Account", "001XYZ", "MALFORMED_ID", 400 },
      { "unknown id", "Account", "001D000000IRFma", "NOT_FOUND", 404 },
      { "unknown object", "Bogus", "001D000000IRFma", "INVALID_TYPE", 400 },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        local r, e = st:get(row[2], row[3])
        assert.is_nil(r)
        assert.same({ row[4], row[5] }, { e.errorCode, e.status })
      end)
    end

    it("does not find an id under another object", function()
      local r, e = st:get("Contact", acc)
      assert.is_nil(r)
      assert.equal("NOT_FOUND", e.errorCode)
    end)

    it("finds any object's row by id, deleted ones too", function()
      local row, obj = st:find(acc:sub(1, 15))
      assert.equal(acc, row.Id)
      assert.equal("Account", obj.name)
      st:delete("Account", acc)
      assert.is_true(st:find(acc).IsDeleted)
      assert.is_nil(st:find("001D000000IRFma"))
      assert.is_nil(st:find("junk"))
    end)

    it("hands out its own list, not a copy", function()
      assert.equal(st:all("Account"), st:all("Account"))
      assert.is_nil(st:all("Bogus"))
    end)
  end)

  describe("update", function()
    it("changes fields, recomputes derived ones and moves LastModifiedDate", function()
      local id = assert(st:insert("Opportunity", { Name = "D", StageName = "Prospecting", CloseDate = "2024-06-30" }))
      clock.t = T0 + 60000
      assert.is_true(st:update("Opportunity", id:sub(1, 15), { StageName = "Closed Won", Amount = 10 }))
      local row = st:get("Opportunity", id)
      assert.same({ true, true, 10.0 }, { row.IsClosed, row.IsWon, row.Amount })
      assert.equal("2024-05-01T10:01:00.000+0000", row.LastModifiedDate)
      assert.equal(row.LastModifiedDate, row.SystemModstamp)
      assert.equal("2024-05-01T10:00:00.000+0000", row.CreatedDate)
    end)

    it("keeps Contact.Name in step with its parts", function()
      local id = assert(st:insert("Contact", { FirstName = "Ann", LastName = "Lee" }))
      st:update("Contact", id, { FirstName = json.null })
      assert.equal("Lee", st:get("Contact", id).Name)
    end)

    -- { what, fields, errorCode, fields named }
    local rows = {
      { "null for a required field", { Name = json.null }, "REQUIRED_FIELD_MISSING", { "Name" } },
      { "empty text for a required field", { Name = "" }, "REQUIRED_FIELD_MISSING", { "Name" } },
      { "unknown field", { Nope = 1 }, "INVALID_FIELD", {} },
      { "read-only field", { IsDeleted = true }, "INVALID_FIELD_FOR_INSERT_UPDATE", { "IsDeleted" } },
      { "another record's Id", { Id = "001D000000IRFma" }, "INVALID_FIELD_FOR_INSERT_UPDATE", { "Id" } },
      { "a value too long", { Name = ("y"):rep(256) }, "STRING_TOO_LONG", { "Name" } },
      { "a parent of the wrong object", { ParentId = ids.DEFAULT_USER_ID }, "FIELD_INTEGRITY_EXCEPTION",
        { "ParentId" } },
    }
    for _, row in ipairs(rows) do
      it("refuses " .. row[1], function()
        local ok, errs = st:update("Account", acc, row[2])
        assert.is_nil(ok)
        assert.equal(row[3], errs[1].errorCode)
        assert.same(row[4], errs[1].fields)
        assert.equal("O'Brien & Sons", st:get("Account", acc).Name)
      end)
    end

    it("accepts the record's own Id in the body", function()
      assert.is_true(st:update("Account", acc, { Id = acc:lower(), Name = "New" }))
      assert.equal("New", st:get("Account", acc).Name)
    end)

    it("answers NOT_FOUND, MALFORMED_ID and ENTITY_IS_DELETED", function()
      assert.equal("NOT_FOUND", select(2, st:update("Account", "001D000000IRFma", {}))[1].errorCode)
      assert.equal("MALFORMED_ID", select(2, st:update("Account", "001", {}))[1].errorCode)
      st:delete("Account", acc)
      local _, errs = st:update("Account", acc, { Name = "x" })
      assert.same({ "ENTITY_IS_DELETED", 404 }, { errs[1].errorCode, errs[1].status })
    end)

    it("enforces uniqueness against other rows only", function()
      local u1 = assert(st:insert("User", { Username = "a@x.org", LastName = "A", Email = "a@x.org" }))
      assert(st:insert("User", { Username = "b@x.org", LastName = "B", Email = "b@x.org" }))
      assert.is_true(st:update("User", u1, { Username = "A@X.ORG" }))
      local _, errs = st:update("User", u1, { Username = "B@x.org" })
      assert.equal("DUPLICATE_VALUE", errs[1].errorCode)
    end)
  end)

  describe("delete", function()
    it("is soft: the row leaves all() but stays in all(obj, true)", function()
      clock.t = T0 + 1000
      assert.is_true(st:delete("Account", acc))
      assert.equal(0, #st:all("Account"))
      local all = st:all("Account", true)
      assert.equal(1, #all)
      assert.same({ true, "2024-05-01T10:00:01.000+0000" }, { all[1].IsDeleted, all[1].SystemModstamp })
    end)

    it("answers ENTITY_IS_DELETED to get and to a second delete", function()
      st:delete("Account", acc)
      local row, e = st:get("Account", acc)
      assert.is_nil(row)
      assert.same({ "ENTITY_IS_DELETED", 404, "entity is deleted" }, { e.errorCode, e.status, e.message })
      local ok, errs = st:delete("Account", acc)
      assert.is_nil(ok)
      assert.equal("ENTITY_IS_DELETED", errs[1].errorCode)
    end)

    it("frees a unique value", function()
      local u = assert(st:insert("User", { Username = "a@x.org", LastName = "A", Email = "a@x.org" }))
      st:delete("User", u)
      assert.truthy(st:insert("User", { Username = "a@x.org", LastName = "A", Email = "a@x.org" }))
    end)
  end)

  describe("upsert", function()
    it("inserts when nothing matches, then updates the match (case-insensitively)", function()
      local r1 = assert(st:upsert("Invoice__c", "External_Id__c", "INV-1", { Notes__c = "first" }))
      assert.is_true(r1.created)
      assert.equal("INV-1", st:get("Invoice__c", r1.id).External_Id__c)
      local r2 = assert(st:upsert("invoice__c", "external_id__c", "inv-1", { Notes__c = "second" }))
      assert.same({ r1.id, false }, { r2.id, r2.created })
      local row = st:get("Invoice__c", r1.id)
      assert.same({ "second", "INV-1" }, { row.Notes__c, row.External_Id__c })
      assert.equal(1, #st:all("Invoice__c"))
    end)

    it("lets the URL's value win over the body's", function()
      local r = assert(st:upsert("Invoice__c", "External_Id__c", "A-1", { Notes__c = "x", External_Id__c = "B-2" }))
      assert.equal("A-1", st:get("Invoice__c", r.id).External_Id__c)
    end)

    it("answers 300 with the ids when several records match", function()
      local a = assert(st:insert("Invoice__c", { Notes__c = "a", External_Id__c = "DUP" }))
      local b = assert(st:insert("Invoice__c", { Notes__c = "b", External_Id__c = "dup" }))
      local r, errs = st:upsert("Invoice__c", "External_Id__c", "Dup", { Notes__c = "c" })
      assert.is_nil(r)
      assert.equal(300, errs[1].status)
      assert.same({ a, b }, errs[1].ids)
    end)

    it("answers NOT_FOUND for a field that is no external id", function()
      local r, errs = st:upsert("Invoice__c", "Name", "x", {})
      assert.is_nil(r)
      assert.same({ "NOT_FOUND", 404 }, { errs[1].errorCode, errs[1].status })
      assert.equal("Provided external ID field does not exist or is not accessible: Name", errs[1].message)
      assert.equal("NOT_FOUND", select(2, st:upsert("Invoice__c", "Nope__c", "x", {}))[1].errorCode)
    end)

    it("passes validation errors through, storing nothing", function()
      local r, errs = st:upsert("Invoice__c", "External_Id__c", "N-1", { Status__c = "Lost" })
      assert.is_nil(r)
      assert.same({ "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" }, codes(errs))
      r, errs = st:upsert("Invoice__c", "External_Id__c", "N-1", { Name = "mine" })
      assert.is_nil(r)
      assert.same({ "INVALID_FIELD_FOR_INSERT_UPDATE" }, codes(errs))
      assert.equal(0, #st:all("Invoice__c"))
    end)

    it("works on Id: an update of that record", function()
      local r = assert(st:upsert("Account", "Id", acc:sub(1, 15), { Name = "By Id" }))
      assert.same({ acc, false }, { r.id, r.created })
      assert.equal("By Id", st:get("Account", acc).Name)
    end)

    it("ignores deleted matches", function()
      local r1 = assert(st:upsert("Invoice__c", "External_Id__c", "D-1", { Notes__c = "x" }))
      st:delete("Invoice__c", r1.id)
      local r2 = assert(st:upsert("Invoice__c", "External_Id__c", "D-1", { Notes__c = "y" }))
      assert.is_true(r2.created)
      assert.are_not.equal(r1.id, r2.id)
    end)

    it("finds rows by external id and by Id", function()
      local r = assert(st:upsert("Invoice__c", "External_Id__c", "F-1", { Notes__c = "x" }))
      assert.equal(r.id, st:find_by("Invoice__c", "External_Id__c", "f-1")[1].Id)
      assert.equal(0, #st:find_by("Invoice__c", "External_Id__c", "F-2"))
      assert.equal(acc, st:find_by("Account", "Id", acc:sub(1, 15))[1].Id)
      assert.equal(1, #st:find_by("Account", "Name", "o'brien & SONS"))
    end)
  end)

  describe("load", function()
    it("resolves references whatever the order of objects and records", function()
      local s = new_store()
      local data = {
        Contact = { { LastName = "Kid", AccountId = "001D000000IRFma", ReportsToId = "003D000000OY9om" },
          { Id = "003D000000OY9om", LastName = "Boss", AccountId = "001D000000IRFmaIAH" } },
        Account = { { Id = "001D000000IRFma", Name = "Parent", ParentId = "001R0000005hDFY" },
          { Id = "001R0000005hDFYIA2", Name = "Grandparent" } },
      }
      assert.is_true(s:load(data))
      local kid = s:all("Contact")[1]
      assert.same({ "001D000000IRFmaIAH", "003D000000OY9omIAD" }, { kid.AccountId, kid.ReportsToId })
      assert.equal("003", kid.Id:sub(1, 3))
      assert.equal("001R0000005hDFYIA2", s:get("Account", "001D000000IRFma").ParentId)
    end)

    it("takes system fields as given and recomputes formulas", function()
      local s = new_store()
      assert(s:load { Opportunity = { { Name = "Old", StageName = "Closed Won", CloseDate = "2020-01-31",
        IsWon = false, CreatedDate = "2020-01-01T08:00:00+01:00", OwnerId = ids.DEFAULT_USER_ID } } })
      local o = s:all("Opportunity")[1]
      assert.equal("2020-01-01T07:00:00.000+0000", o.CreatedDate)
      assert.equal(o.CreatedDate, o.LastModifiedDate)
      assert.is_true(o.IsWon)
    end)

    it("keeps minting after loaded ids", function()
      local s = new_store()
      assert(s:load { Account = { { Id = ids.mint("001", 5), Name = "Five" } } })
      assert.equal(ids.mint("001", 6), s:insert("Account", { Name = "Six" }))
    end)

    -- { what, data, text in the message }
    local bad = {
      { "unknown object", { Bogus = { {} } }, "Bogus: no such object in the schema" },
      { "a missing required field", { Contact = { { LastName = "ok" }, { FirstName = "A" } } },
        "Contact[2]: REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]" },
      { "a dangling reference", { Contact = { { LastName = "A", AccountId = "001D000000IRFma" } } },
        "Contact[1]: INVALID_CROSS_REFERENCE_KEY" },
      { "a malformed id", { Account = { { Id = "001!", Name = "A" } } }, "Account[1]: malformed Id: 001!" },
      { "an id of another object", { Account = { { Id = "003D000000OY9om", Name = "A" } } },
        "does not start with Account's key prefix 001" },
      { "the same id twice", { Account = { { Id = "001D000000IRFma", Name = "A" },
        { Id = "001D000000IRFmaIAH", Name = "B" } } }, "Account[2]: a second record with Id 001D000000IRFmaIAH" },
      { "a duplicate unique value", { User = { { Username = "u@x", LastName = "A", Email = "a@x.org" },
        { Username = "U@X", LastName = "B", Email = "b@x.org" } } }, "User[2]: DUPLICATE_VALUE" },
    }
    for _, row in ipairs(bad) do
      it("refuses " .. row[1] .. ", loading nothing", function()
        local s = new_store()
        local ok, err = s:load(row[2])
        assert.is_nil(ok)
        assert.truthy(tostring(err):find(row[3], 1, true), tostring(err))
        for _, obj in ipairs(s.schema:objects()) do assert.equal(0, #s:all(obj.name, true)) end
      end)
    end

    it("names the object and index in the error's fields", function()
      local _, err = new_store():load { Contact = { { LastName = "A" }, { LastName = "B", Email = "x" } } }
      assert.same({ "Contact", 2, "INVALID_EMAIL_ADDRESS" }, { err.object, err.index, err.errors[1].errorCode })
    end)
  end)

  describe("checkpoint and rollback", function()
    it("undoes inserts, updates and deletes", function()
      local cid = assert(st:insert("Contact", { LastName = "Keep", AccountId = acc }))
      local cp = st:checkpoint()
      local new = assert(st:insert("Account", { Name = "Temp" }))
      assert(st:update("Account", acc, { Name = "Renamed", Industry = "Banking" }))
      assert(st:delete("Contact", cid))
      assert(st:insert("User", { Username = "u@x", LastName = "U", Email = "u@x.org" }))
      st:rollback(cp)
      assert.is_nil(st:find(new))
      assert.equal(1, #st:all("Account"))
      local row = st:get("Account", acc)
      assert.same({ "O'Brien & Sons", nil }, { row.Name, row.Industry })
      assert.equal("Keep", st:get("Contact", cid).Name)
      assert.equal(1, #st:all("Contact"))
      -- the unique index was restored: the username is free again
      assert.truthy(st:insert("User", { Username = "u@x", LastName = "U", Email = "u@x.org" }))
    end)

    it("restores the live list in insertion order", function()
      local b = assert(st:insert("Account", { Name = "B" }))
      local c = assert(st:insert("Account", { Name = "C" }))
      local cp = st:checkpoint()
      st:delete("Account", b)
      st:rollback(cp)
      local names = {}
      for i, r in ipairs(st:all("Account")) do names[i] = r.Name end
      assert.same({ "O'Brien & Sons", "B", "C" }, names)
      assert.truthy(c)
    end)

    it("nests, and release keeps the changes", function()
      local outer = st:checkpoint()
      assert(st:insert("Account", { Name = "Outer" }))
      local inner = st:checkpoint()
      assert(st:insert("Account", { Name = "Inner" }))
      st:release(inner)
      assert.equal(3, #st:all("Account"))
      st:rollback(outer)
      assert.equal(1, #st:all("Account"))
      assert.has_error(function() st:rollback(outer) end)
    end)
  end)

  describe("reset", function()
    it("returns to the state right after load", function()
      local s = new_store()
      assert(s:load { Account = { { Id = "001D000000IRFma", Name = "Base" } },
        Case = { { Subject = "one" } } })
      local base = s:get("Account", "001D000000IRFma")
      local added = assert(s:insert("Account", { Name = "Added" }))
      assert(s:update("Account", base.Id, { Name = "Changed", Phone = "123" }))
      assert(s:insert("Case", { Subject = "two" }))
      assert(s:delete("Account", base.Id))
      s:checkpoint()
      s:reset()
      assert.is_nil(s:find(added))
      local row = s:get("Account", "001D000000IRFma")
      assert.equal(base, row, "the same row table, restored in place")
      assert.same({ "Base", nil, false }, { row.Name, row.Phone, row.IsDeleted })
      assert.equal(1, #s:all("Account", true))
      -- minting starts again where it stood after the load
      assert.equal(added, s:insert("Account", { Name = "Again" }))
      local case = s:get("Case", assert(s:insert("Case", { Subject = "again" })))
      assert.equal("00000002", case.CaseNumber)
    end)
  end)
end)
