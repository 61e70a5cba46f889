-- luaforce.emulator.soql_exec: SOQL run against the local org's store, with
-- Salesforce's semantics, result shapes and errors. Each row: a query over
-- the small fixed org below, and the rows (or error) it must give.
local exec = require "luaforce.emulator.soql_exec"
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local ids = require "luaforce.emulator.ids"
local dt = require "luaforce.emulator.datetime"
local schema = require "luaforce.emulator.schema"
local Store = require "luaforce.emulator.store"
local default_schema = require "luaforce.emulator.default_schema"
local columns = require "luaforce.soql.columns"
local parser = require "luaforce.soql.parser"

-- "now": Wednesday 2024-05-15 13:45 UTC
local NOW = dt.parse_datetime("2024-05-15T13:45:00Z")

-- The default objects plus Task: a polymorphic WhatId (Account or
-- Opportunity) and a multi-select picklist.
local function test_schema()
  local objects = {}
  for i, o in ipairs(default_schema.objects) do objects[i] = o end
  objects[#objects + 1] = {
    name = "Task", keyPrefix = "00T",
    fields = {
      { name = "Subject", type = "string" },
      { name = "WhatId", type = "reference", referenceTo = { "Account", "Opportunity" },
        relationshipName = "What", childRelationshipName = "Tasks" },
      { name = "Tags__c", type = "multipicklist", values = { "Red", "Green", "Blue" } },
      { name = "ActivityDate", type = "date" },
    },
  }
  return assert(schema.load { objects = objects })
end

local function idlist(prefix, n)
  local t = {}
  for i = 1, n do t[i] = ids.mint(prefix, i) end
  return t
end
local U, A, C, O, T, I = idlist("005", 2), idlist("001", 6), idlist("003", 6), idlist("006", 5),
  idlist("00T", 4), idlist("a01", 3)

local DATA = {
  User = {
    { Id = U[1], Username = "admin@local", FirstName = "Ada", LastName = "Admin", Email = "admin@local.test" },
    { Id = U[2], Username = "ben@local", FirstName = "Ben", LastName = "Baker", Email = "ben@local.test",
      ManagerId = U[1] },
  },
  Account = {
    { Id = A[1], Name = "Acme", Industry = "Energy", NumberOfEmployees = 50, AnnualRevenue = 1000000,
      Rating = "Hot", BillingCity = "Berlin", OwnerId = U[2], Description = "first" },
    { Id = A[2], Name = "acme labs", Industry = "Technology", NumberOfEmployees = 10, Rating = "Warm",
      BillingCity = "berlin", ParentId = A[1] },
    { Id = A[3], Name = "O'Brien & Sons" },
    { Id = A[4], Name = "Émile Corp", Industry = "Energy", NumberOfEmployees = 200, Rating = "Cold",
      BillingCity = "Zürich" },
    { Id = A[5], Name = "100% Natural_Foods", Industry = "Food & Beverage", NumberOfEmployees = 5 },
    { Id = A[6], Name = "Zeta", Industry = "Technology", IsDeleted = true },
  },
  Contact = {
    { Id = C[1], AccountId = A[1], FirstName = "Ann", LastName = "Lee", Email = "ann@acme.test",
      Birthdate = "1990-05-15", HasOptedOutOfEmail = true },
    { Id = C[2], AccountId = A[1], FirstName = "Bob", LastName = "Stone" },
    { Id = C[3], AccountId = A[2], FirstName = "Cid", LastName = "Moss", Birthdate = "1985-01-31" },
    { Id = C[4], FirstName = "Dee", LastName = "Ray" },
    { Id = C[5], AccountId = A[4], FirstName = "Eve", LastName = "Ng", ReportsToId = C[1] },
    { Id = C[6], AccountId = A[3], FirstName = "Gus", LastName = "Gone", IsDeleted = true },
  },
  Opportunity = {
    { Id = O[1], AccountId = A[1], Name = "Big deal", StageName = "Closed Won", Amount = 1000.10,
      CloseDate = "2024-05-15", Probability = 100 },
    { Id = O[2], AccountId = A[1], Name = "Small deal", StageName = "Prospecting", Amount = 0.2,
      CloseDate = "2024-05-14", Probability = 10 },
    { Id = O[3], AccountId = A[2], Name = "Mid", StageName = "Closed Lost", Amount = 250,
      CloseDate = "2024-04-10", Probability = 0 },
    { Id = O[4], AccountId = A[4], Name = "Huge", StageName = "Negotiation/Review",
      Amount = decimal("1234567890123456.78"), CloseDate = "2024-05-19", Probability = 90 },
    { Id = O[5], Name = "Orphan", StageName = "Prospecting", CloseDate = "2025-01-01" },
  },
  Task = {
    { Id = T[1], WhatId = A[1], Subject = "Call", Tags__c = "Red;Green", ActivityDate = "2024-05-13" },
    { Id = T[2], WhatId = O[1], Subject = "Email", Tags__c = "Blue" },
    { Id = T[3], Subject = "Note" },
    { Id = T[4], WhatId = A[2], Subject = "Visit", Tags__c = "Green;Blue;Red" },
  },
  Invoice__c = {
    { Id = I[1], Name = "INV-1", Account__c = A[1], Amount__c = 10.5, Issued_At__c = "2024-05-15T08:00:00Z",
      Paid__c = true, Due_Date__c = "2024-06-01", External_Id__c = "EXT-1" },
    { Id = I[2], Name = "INV-2", Account__c = A[1], Amount__c = 20.25, Issued_At__c = "2024-05-14T23:59:59Z" },
    { Id = I[3], Name = "INV-3", Account__c = A[2], Issued_At__c = "2024-05-16T00:00:00Z" },
  },
}

local st = Store.new { schema = test_schema(), clock = dt.clock(NOW, true) }
assert(st:load(DATA))

local function run(text, opts)
  opts = opts or {}
  if opts.now == nil then opts.now = NOW end
  return exec.run(st, text, opts)
end

-- The values of `key` in the result's records ("<null>" for null).
local function values(res, key)
  local out = {}
  for i, r in ipairs(res.records) do
    local v = r[key]
    if v == json.null then v = "<null>" end
    out[i] = v
  end
  return out
end

local function sorted(t)
  local c = {}
  for i, v in ipairs(t) do c[i] = tostring(v) end
  table.sort(c)
  return c
end

describe("luaforce.emulator.soql_exec", function()
  describe("WHERE, ORDER BY, LIMIT: the rows that come back", function()
    -- { query, expected values of `key` (default Name) in order; sort = compare as sets }
    local rows = {
      -- names are case-insensitive
      { "select name from ACCOUNT order by NAME",
        { "100% Natural_Foods", "Acme", "acme labs", "Émile Corp", "O'Brien & Sons" } },
      { "SELECT a.Name FROM Account a WHERE a.Industry = 'Energy' ORDER BY a.Name", { "Acme", "Émile Corp" } },
      { "SELECT Account.Name FROM Account WHERE Name = 'Acme'", { "Acme" } },
      -- text = and != ignore case; != matches nulls
      { "SELECT Name FROM Account WHERE Name = 'ACME'", { "Acme" } },
      { "SELECT Name FROM Account WHERE Name = 'émile corp'", { "Émile Corp" } },
      { "SELECT Name FROM Account WHERE BillingCity = 'BERLIN' ORDER BY Name", { "Acme", "acme labs" } },
      { "SELECT Name FROM Account WHERE Industry != 'Energy' ORDER BY Name",
        { "100% Natural_Foods", "acme labs", "O'Brien & Sons" } },
      { "SELECT Name FROM Account WHERE Industry <> 'energy' ORDER BY Name",
        { "100% Natural_Foods", "acme labs", "O'Brien & Sons" } },
      -- null tests; nulls never match < > <= >=
      { "SELECT Name FROM Account WHERE Industry = null", { "O'Brien & Sons" } },
      { "SELECT Name FROM Account WHERE Industry != null ORDER BY Name",
        { "100% Natural_Foods", "Acme", "acme labs", "Émile Corp" } },
      { "SELECT Name FROM Account WHERE NumberOfEmployees < 100 ORDER BY Name",
        { "100% Natural_Foods", "Acme", "acme labs" } },
      { "SELECT Name FROM Account WHERE NumberOfEmployees >= 50 ORDER BY Name", { "Acme", "Émile Corp" } },
      { "SELECT Name FROM Account WHERE Name > 'b' ORDER BY Name", { "Émile Corp", "O'Brien & Sons" } },
      { "SELECT Name FROM Account WHERE Name < 'F' ORDER BY Name",
        { "100% Natural_Foods", "Acme", "acme labs", "Émile Corp" } },
      { "SELECT Name FROM Account WHERE Name <= 'ACME' ORDER BY Name", { "100% Natural_Foods", "Acme" } },
      -- LIKE: case-insensitive, % and _, \% and \_ literal, never null
      { "SELECT Name FROM Account WHERE Name LIKE 'acme%' ORDER BY Name", { "Acme", "acme labs" } },
      { "SELECT Name FROM Account WHERE Name LIKE '%LABS'", { "acme labs" } },
      { "SELECT Name FROM Account WHERE Name LIKE '%b%' ORDER BY Name", { "acme labs", "O'Brien & Sons" } },
      { "SELECT Name FROM Account WHERE Name LIKE 'AC_E'", { "Acme" } },
      { "SELECT Name FROM Account WHERE Name LIKE '_mile%'", { "Émile Corp" } },
      { "SELECT Name FROM Account WHERE Name LIKE '100\\% %'", { "100% Natural_Foods" } },
      { "SELECT Name FROM Account WHERE Name LIKE '1002%'", {} },
      { "SELECT Name FROM Account WHERE Name LIKE '%l\\_f%'", { "100% Natural_Foods" } },
      { "SELECT Name FROM Account WHERE Name LIKE '%l_f%'", { "100% Natural_Foods" } },
      { "SELECT Name FROM Account WHERE Name LIKE '%labs%' AND Name LIKE 'a%'", { "acme labs" } },
      { "SELECT Name FROM Account WHERE Name LIKE 'O\\'B%'", { "O'Brien & Sons" } },
      { "SELECT Name FROM Account WHERE Industry LIKE '%'", { "Acme", "acme labs", "Émile Corp", "100% Natural_Foods" } },
      -- IN / NOT IN (NOT IN matches nulls unless the list holds null)
      { "SELECT Name FROM Account WHERE Industry IN ('energy', 'Food & Beverage') ORDER BY Name",
        { "100% Natural_Foods", "Acme", "Émile Corp" } },
      { "SELECT Name FROM Account WHERE Industry NOT IN ('Energy') ORDER BY Name",
        { "100% Natural_Foods", "acme labs", "O'Brien & Sons" } },
      { "SELECT Name FROM Account WHERE Industry NOT IN ('Energy', null) ORDER BY Name",
        { "100% Natural_Foods", "acme labs" } },
      { "SELECT Name FROM Account WHERE Industry IN ('Technology', null) ORDER BY Name",
        { "acme labs", "O'Brien & Sons" } },
      { "SELECT Name FROM Account WHERE NumberOfEmployees IN (5, 50.0, 7) ORDER BY Name",
        { "100% Natural_Foods", "Acme" } },
      -- AND / OR / NOT
      { "SELECT Name FROM Account WHERE Industry = 'Energy' AND NumberOfEmployees > 100", { "Émile Corp" } },
      { "SELECT Name FROM Account WHERE (Industry = 'Energy' AND NumberOfEmployees > 100) OR Name = 'Acme Labs'"
        .. " ORDER BY Name", { "acme labs", "Émile Corp" } },
      { "SELECT Name FROM Account WHERE NOT (Industry = 'Energy') ORDER BY Name",
        { "100% Natural_Foods", "acme labs", "O'Brien & Sons" } },
      { "SELECT Name FROM Account WHERE (NOT Name LIKE 'a%') AND Industry != null ORDER BY Name",
        { "100% Natural_Foods", "Émile Corp" } },
      -- numbers: integers, floats, decimals, currency literals
      { "SELECT Name FROM Opportunity WHERE Amount > 1000 ORDER BY Name", { "Big deal", "Huge" } },
      { "SELECT Name FROM Opportunity WHERE Amount = 1000.1", { "Big deal" } },
      { "SELECT Name FROM Opportunity WHERE Amount = 1000.10", { "Big deal" } },
      { "SELECT Name FROM Opportunity WHERE Amount = 1234567890123456.78", { "Huge" } },
      { "SELECT Name FROM Opportunity WHERE Amount = 1234567890123456.8", {} },
      { "SELECT Name FROM Opportunity WHERE Amount < 1234567890123456.79 AND Amount > 1234567890123456.77", { "Huge" } },
      { "SELECT Name FROM Opportunity WHERE Amount > USD250 ORDER BY Name", { "Big deal", "Huge" } },
      { "SELECT Name FROM Opportunity WHERE Amount <= 250 ORDER BY Amount", { "Small deal", "Mid" } },
      { "SELECT Name FROM Opportunity WHERE Amount != 250 ORDER BY Name", { "Big deal", "Huge", "Orphan", "Small deal" } },
      -- booleans (formula fields too)
      { "SELECT Name FROM Opportunity WHERE IsClosed = true ORDER BY Name", { "Big deal", "Mid" } },
      { "SELECT Name FROM Opportunity WHERE IsWon = false ORDER BY Name", { "Huge", "Mid", "Orphan", "Small deal" } },
      { "SELECT LastName FROM Contact WHERE HasOptedOutOfEmail != true ORDER BY LastName",
        { "Moss", "Ng", "Ray", "Stone" }, key = "LastName" },
      -- ids: 18, 15, and an 18 in the wrong case all match
      { "SELECT Name FROM Account WHERE Id = '" .. A[2] .. "'", { "acme labs" } },
      { "SELECT Name FROM Account WHERE Id = '" .. A[2]:sub(1, 15) .. "'", { "acme labs" } },
      { "SELECT Name FROM Account WHERE Id = '" .. A[2]:lower() .. "'", { "acme labs" } },
      { "SELECT Name FROM Account WHERE Id IN ('" .. A[1]:sub(1, 15) .. "', '" .. A[4]:upper() .. "') ORDER BY Name",
        { "Acme", "Émile Corp" } },
      { "SELECT LastName FROM Contact WHERE AccountId = '" .. A[1] .. "' ORDER BY LastName", { "Lee", "Stone" },
        key = "LastName" },
      { "SELECT LastName FROM Contact WHERE AccountId != '" .. A[1] .. "' ORDER BY LastName",
        { "Moss", "Ng", "Ray" }, key = "LastName" },
      -- dates and date-times: literals, date literals (TODAY = 2024-05-15)
      { "SELECT Name FROM Opportunity WHERE CloseDate = 2024-05-15", { "Big deal" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate < 2024-05-15 ORDER BY CloseDate", { "Mid", "Small deal" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = TODAY", { "Big deal" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = YESTERDAY", { "Small deal" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate > TODAY ORDER BY CloseDate", { "Huge", "Orphan" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate >= TODAY ORDER BY CloseDate", { "Big deal", "Huge", "Orphan" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate <= YESTERDAY ORDER BY CloseDate", { "Mid", "Small deal" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate != TODAY ORDER BY CloseDate",
        { "Mid", "Small deal", "Huge", "Orphan" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = THIS_WEEK ORDER BY CloseDate", { "Small deal", "Big deal" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = NEXT_WEEK", { "Huge" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = LAST_MONTH", { "Mid" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = THIS_QUARTER ORDER BY CloseDate",
        { "Mid", "Small deal", "Big deal", "Huge" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = NEXT_YEAR", { "Orphan" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = LAST_N_DAYS:1 ORDER BY CloseDate",
        { "Small deal", "Big deal" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = LAST_N_DAYS:0", { "Big deal" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:4", { "Huge" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:3", {} },
      { "SELECT Name FROM Opportunity WHERE CloseDate = N_DAYS_AGO:35", { "Mid" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = LAST_90_DAYS ORDER BY CloseDate",
        { "Mid", "Small deal", "Big deal" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate IN (LAST_MONTH, TOMORROW, 2025-01-01) ORDER BY CloseDate",
        { "Mid", "Orphan" } },
      { "SELECT Name FROM Opportunity WHERE CloseDate = THIS_FISCAL_YEAR ORDER BY CloseDate",
        { "Mid", "Small deal", "Big deal", "Huge" } },
      -- date-time fields: literals normalised to UTC, date literals by UTC day
      { "SELECT Name FROM Invoice__c WHERE Issued_At__c = TODAY", { "INV-1" } },
      { "SELECT Name FROM Invoice__c WHERE Issued_At__c = YESTERDAY", { "INV-2" } },
      { "SELECT Name FROM Invoice__c WHERE Issued_At__c > TODAY", { "INV-3" } },
      { "SELECT Name FROM Invoice__c WHERE Issued_At__c < TODAY", { "INV-2" } },
      { "SELECT Name FROM Invoice__c WHERE Issued_At__c = 2024-05-15T08:00:00Z", { "INV-1" } },
      { "SELECT Name FROM Invoice__c WHERE Issued_At__c = 2024-05-15T10:00:00+02:00", { "INV-1" } },
      { "SELECT Name FROM Invoice__c WHERE Issued_At__c = 2024-05-15T08:00:00.000Z", { "INV-1" } },
      { "SELECT Name FROM Invoice__c WHERE Issued_At__c >= 2024-05-15T00:00:00-08:00 ORDER BY Name",
        { "INV-1", "INV-3" } },
      { "SELECT Name FROM Invoice__c WHERE Issued_At__c > 2024-05-15T00:00:00-08:00", { "INV-3" } },
      { "SELECT Name FROM Invoice__c WHERE Issued_At__c < 2024-05-15T00:00:00Z", { "INV-2" } },
      { "SELECT Name FROM Invoice__c WHERE CALENDAR_MONTH(Issued_At__c) = 5 AND DAY_IN_MONTH(Issued_At__c) > 14"
        .. " ORDER BY Name", { "INV-1", "INV-3" } },
      { "SELECT Name FROM Invoice__c WHERE DAY_ONLY(Issued_At__c) = 2024-05-14", { "INV-2" } },
      { "SELECT Name FROM Opportunity WHERE CALENDAR_YEAR(CloseDate) = 2025", { "Orphan" } },
      -- parent paths in WHERE and ORDER BY
      { "SELECT LastName FROM Contact WHERE Account.Industry = 'Energy' ORDER BY LastName", { "Lee", "Ng", "Stone" },
        key = "LastName" },
      { "SELECT LastName FROM Contact WHERE Account.Owner.LastName = 'baker' ORDER BY LastName", { "Lee", "Stone" },
        key = "LastName" },
      { "SELECT LastName FROM Contact WHERE Account.Name != 'Acme' ORDER BY LastName", { "Moss", "Ng", "Ray" },
        key = "LastName" },
      { "SELECT LastName FROM Contact ORDER BY Account.Name DESC, LastName", { "Ng", "Moss", "Lee", "Stone", "Ray" },
        key = "LastName" },
      { "SELECT LastName FROM Contact WHERE ReportsTo.Account.Name = 'Acme'", { "Ng" }, key = "LastName" },
      -- multi-select picklists
      { "SELECT Subject FROM Task WHERE Tags__c INCLUDES ('red') ORDER BY Subject", { "Call", "Visit" },
        key = "Subject" },
      { "SELECT Subject FROM Task WHERE Tags__c INCLUDES ('Red;Blue') ORDER BY Subject", { "Visit" }, key = "Subject" },
      { "SELECT Subject FROM Task WHERE Tags__c INCLUDES ('Red;Blue', 'Blue') ORDER BY Subject", { "Email", "Visit" },
        key = "Subject" },
      { "SELECT Subject FROM Task WHERE Tags__c EXCLUDES ('Green') ORDER BY Subject", { "Email", "Note" },
        key = "Subject" },
      { "SELECT Subject FROM Task WHERE Tags__c = 'green;RED'", { "Call" }, key = "Subject" },
      -- semi-joins and anti-joins (deleted rows take no part)
      { "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact) ORDER BY Name",
        { "Acme", "acme labs", "Émile Corp" } },
      { "SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact) ORDER BY Name",
        { "100% Natural_Foods", "O'Brien & Sons" } },
      { "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE IsWon = true)", { "Acme" } },
      { "SELECT LastName FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Rating = 'Hot')"
        .. " ORDER BY LastName", { "Lee", "Stone" }, key = "LastName" },
      { "SELECT LastName FROM Contact WHERE AccountId NOT IN (SELECT Id FROM Account WHERE Rating = 'Hot')"
        .. " ORDER BY LastName", { "Moss", "Ng", "Ray" }, key = "LastName" },
      { "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact) AND Industry = 'Energy'"
        .. " ORDER BY Name", { "Acme", "Émile Corp" } },
      -- ORDER BY: ASC NULLS FIRST, DESC NULLS LAST, explicit NULLS, numbers numeric, stable, several keys
      { "SELECT Name FROM Account ORDER BY Industry, Name",
        { "O'Brien & Sons", "Acme", "Émile Corp", "100% Natural_Foods", "acme labs" } },
      { "SELECT Name FROM Account ORDER BY Industry DESC, Name",
        { "acme labs", "100% Natural_Foods", "Acme", "Émile Corp", "O'Brien & Sons" } },
      { "SELECT Name FROM Account ORDER BY Industry ASC NULLS LAST, Name DESC",
        { "Émile Corp", "Acme", "100% Natural_Foods", "acme labs", "O'Brien & Sons" } },
      { "SELECT Name FROM Account ORDER BY Industry DESC NULLS FIRST",
        { "O'Brien & Sons", "acme labs", "100% Natural_Foods", "Acme", "Émile Corp" } },
      { "SELECT Name FROM Account ORDER BY NumberOfEmployees DESC",
        { "Émile Corp", "Acme", "acme labs", "100% Natural_Foods", "O'Brien & Sons" } },
      { "SELECT Name FROM Opportunity ORDER BY Amount DESC", { "Huge", "Big deal", "Mid", "Small deal", "Orphan" } },
      -- picklists sort in the order their values are defined (Prospecting ... Closed Won, Closed Lost)
      { "SELECT Name FROM Opportunity ORDER BY StageName", { "Small deal", "Orphan", "Huge", "Big deal", "Mid" } },
      { "SELECT Name FROM Opportunity ORDER BY StageName DESC, Name DESC",
        { "Mid", "Big deal", "Huge", "Small deal", "Orphan" } },
      -- LIMIT / OFFSET
      { "SELECT Name FROM Account ORDER BY Name LIMIT 2", { "100% Natural_Foods", "Acme" } },
      { "SELECT Name FROM Account ORDER BY Name LIMIT 2 OFFSET 2", { "acme labs", "Émile Corp" } },
      { "SELECT Name FROM Account ORDER BY Name OFFSET 4", { "O'Brien & Sons" } },
      { "SELECT Name FROM Account ORDER BY Name OFFSET 9", {} },
      { "SELECT Name FROM Account LIMIT 0", {} },
      { "SELECT Name FROM Account LIMIT 1", { "Acme" } },
      -- accepted, no effect
      { "SELECT Name FROM Account WHERE Rating = 'Hot' WITH SECURITY_ENFORCED", { "Acme" } },
      { "SELECT Name FROM Account USING SCOPE mine WHERE Rating = 'Hot' WITH USER_MODE", { "Acme" } },
      { "SELECT Name FROM Account WHERE Rating = 'Hot' FOR VIEW", { "Acme" } },
      { "SELECT Name FROM Account WHERE Rating = 'Hot' LIMIT 1 FOR UPDATE", { "Acme" } },
      { "SELECT toLabel(Rating), FORMAT(Name) FROM Account WHERE Rating = 'Hot'", { "Hot" }, key = "Rating" },
      -- deleted rows: only with all_rows (queryAll)
      { "SELECT Name FROM Account WHERE Industry = 'Technology'", { "acme labs" } },
      { "SELECT Name FROM Account WHERE Industry = 'Technology' ORDER BY Name", { "acme labs", "Zeta" },
        opts = { all_rows = true } },
      { "SELECT Name FROM Account WHERE IsDeleted = true", {}, },
      { "SELECT Name FROM Account WHERE IsDeleted = true", { "Zeta" }, opts = { all_rows = true } },
      { "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact) ORDER BY Name",
        { "Acme", "acme labs", "Émile Corp", "O'Brien & Sons" }, opts = { all_rows = true } },
    }
    for _, row in ipairs(rows) do
      local text, want, key = row[1], row[2], row.key or "Name"
      it(text .. (row.opts and " (queryAll)" or ""), function()
        local res, err = run(text, row.opts)
        assert.is_nil(err and err.message)
        assert.same(want, values(res, key))
        assert.equal(#want, res.total_size)
        assert.is_false(res.count_only)
      end)
    end
  end)

  describe("records", function()
    local function enc(v) return assert(json.encode(v)) end
    local url = "/services/data/v62.0/sobjects/"

    it("carry attributes first, then the select list's order, with canonical names", function()
      local res = assert(run("SELECT name, ID, industry, numberofemployees FROM account WHERE name = 'acme'"))
      assert.equal(('{"attributes":{"type":"Account","url":"%sAccount/%s"},"Name":"Acme","Id":"%s",'
        .. '"Industry":"Energy","NumberOfEmployees":50}'):format(url, A[1], A[1]), enc(res.records[1]))
    end)

    it("write nulls as null and nest parents, null for an empty lookup", function()
      local res = assert(run("SELECT LastName, Account.Name, Account.Owner.Name, Account.Industry, Email"
        .. " FROM Contact WHERE LastName IN ('Lee', 'Ray') ORDER BY LastName"))
      assert.equal(('{"attributes":{"type":"Contact","url":"%sContact/%s"},"LastName":"Lee",'
        .. '"Account":{"attributes":{"type":"Account","url":"%sAccount/%s"},"Name":"Acme",'
        .. '"Owner":{"attributes":{"type":"User","url":"%sUser/%s"},"Name":"Ben Baker"},"Industry":"Energy"},'
        .. '"Email":"ann@acme.test"}'):format(url, C[1], url, A[1], url, U[2]), enc(res.records[1]))
      assert.equal(('{"attributes":{"type":"Contact","url":"%sContact/%s"},"LastName":"Ray","Account":null,'
        .. '"Email":null}'):format(url, C[4]), enc(res.records[2]))
    end)

    it("use the API version of the request in URLs", function()
      local res = assert(run("SELECT Id FROM Account WHERE Name = 'Acme'", { version = "58.0" }))
      assert.equal("/services/data/v58.0/sobjects/Account/" .. A[1], res.records[1].attributes.url)
    end)

    it("keep decimals and floats as they are stored", function()
      local res = assert(run("SELECT Amount FROM Opportunity WHERE Name IN ('Huge', 'Big deal') ORDER BY Amount"))
      assert.equal(1000.1, res.records[1].Amount)
      assert.is_true(decimal.is(res.records[2].Amount))
      assert.equal("1234567890123456.78", tostring(res.records[2].Amount))
    end)

    it("hold child subqueries as totalSize/done/records, null without children, WHERE/ORDER/LIMIT per parent", function()
      local res = assert(run("SELECT Name, (SELECT LastName FROM Contacts WHERE LastName != 'Moss'"
        .. " ORDER BY LastName DESC LIMIT 5) FROM Account WHERE Name LIKE 'acme%' ORDER BY Name"))
      assert.same({ "Contacts" }, res.child_relationships)
      local acme, labs = res.records[1], res.records[2]
      assert.equal(('{"totalSize":2,"done":true,"records":[{"attributes":{"type":"Contact","url":"%sContact/%s"},'
        .. '"LastName":"Stone"},{"attributes":{"type":"Contact","url":"%sContact/%s"},"LastName":"Lee"}]}')
        :format(url, C[2], url, C[1]), enc(acme.Contacts))
      assert.equal(json.null, labs.Contacts)
      local keys = {}
      for k in enc(acme):gmatch('"(%w+)":') do keys[#keys + 1] = k end
      assert.same({ "attributes", "type", "url", "Name", "Contacts" }, { table.unpack(keys, 1, 5) })

      res = assert(run("SELECT Name, (SELECT Name FROM Opportunities ORDER BY Amount LIMIT 1),"
        .. " (SELECT Name FROM Invoices__r) FROM Account WHERE Name = 'Acme'"))
      assert.same({ "Opportunities", "Invoices__r" }, res.child_relationships)
      assert.same({ "Small deal" }, values(res.records[1].Opportunities, "Name"))
      assert.equal(1, res.records[1].Opportunities.totalSize)
      assert.same({ "INV-1", "INV-2" }, values(res.records[1].Invoices__r, "Name"))
    end)

    it("leave deleted children out unless all_rows", function()
      local q = "SELECT Name, (SELECT LastName FROM Contacts) FROM Account WHERE Name LIKE 'O%'"
      assert.equal(json.null, assert(run(q)).records[1].Contacts)
      assert.same({ "Gone" }, values(assert(run(q, { all_rows = true })).records[1].Contacts, "LastName"))
    end)

    it("follow TYPEOF per the referenced record's object", function()
      local res = assert(run("SELECT Subject, TYPEOF What WHEN Account THEN Name, Industry"
        .. " WHEN Opportunity THEN Name, Amount ELSE Name END FROM Task ORDER BY Subject"))
      local call, email, note = res.records[1], res.records[2], res.records[3]
      assert.equal(('{"attributes":{"type":"Account","url":"%sAccount/%s"},"Name":"Acme","Industry":"Energy"}')
        :format(url, A[1]), enc(call.What))
      assert.equal(('{"attributes":{"type":"Opportunity","url":"%sOpportunity/%s"},"Name":"Big deal","Amount":1000.1}')
        :format(url, O[1]), enc(email.What))
      assert.equal(json.null, note.What)
    end)

    it("polymorphic parent paths read the field of whatever object is referenced", function()
      local res = assert(run("SELECT Subject, What.Name FROM Task WHERE What.Name LIKE '%deal' OR What.Name = 'Acme'"
        .. " ORDER BY Subject"))
      assert.same({ "Call", "Email" }, values(res, "Subject"))
      assert.equal("Opportunity", res.records[2].What.attributes.type)
    end)

    it("expand FIELDS(STANDARD), FIELDS(CUSTOM) and FIELDS(ALL) to the schema's fields", function()
      local res = assert(run("SELECT FIELDS(CUSTOM) FROM Invoice__c WHERE Name = 'INV-1' LIMIT 1"))
      local keys = {}
      for k in enc(res.records[1]):gmatch('"([%w_]+)":') do keys[#keys + 1] = k end
      assert.same({ "attributes", "type", "url", "Account__c", "Opportunity__c", "External_Id__c", "Amount__c",
        "Status__c", "Due_Date__c", "Issued_At__c", "Paid__c", "Notes__c" }, keys)
      res = assert(run("SELECT Id, FIELDS(STANDARD) FROM Invoice__c WHERE Name = 'INV-1'"))
      assert.equal("INV-1", res.records[1].Name)
      assert.equal(json.null, res.records[1].Amount__c == nil and json.null or "custom field present")
      res = assert(run("SELECT FIELDS(ALL) FROM Invoice__c WHERE Name = 'INV-1' LIMIT 200"))
      assert.equal("INV-1", res.records[1].Name)
      assert.equal(10.5, res.records[1].Amount__c)
      assert.equal("2024-05-15T08:00:00.000+0000", res.records[1].Issued_At__c)
    end)

    it("are built when first indexed with opts.lazy", function()
      local res = assert(run("SELECT Name FROM Account ORDER BY Name", { lazy = true }))
      assert.equal(5, res.total_size)
      assert.equal(5, #res.records)
      assert.is_nil(rawget(res.records, 2))
      assert.equal("Acme", res.records[2].Name)
      assert.equal(res.records[2], rawget(res.records, 2))
      assert.is_nil(res.records[6])
      local names = {}
      for _, r in ipairs(res.records) do names[#names + 1] = r.Name end
      assert.same({ "100% Natural_Foods", "Acme", "acme labs", "Émile Corp", "O'Brien & Sons" }, names)
      assert.equal(('{"attributes":{"type":"Account","url":"%sAccount/%s"},"Name":"Acme"}'):format(url, A[1]),
        enc(res.records[2]))
    end)

    it("COUNT() answers with total_size only", function()
      local res = assert(run("SELECT COUNT() FROM Account"))
      assert.is_true(res.count_only)
      assert.equal(5, res.total_size)
      assert.equal(0, #res.records)
      assert.equal(6, assert(run("SELECT COUNT() FROM Account", { all_rows = true })).total_size)
      assert.equal(2, assert(run("SELECT COUNT() FROM Account WHERE Industry = 'Energy'")).total_size)
      assert.equal(3, assert(run("SELECT COUNT() FROM Account LIMIT 3")).total_size)
    end)
  end)

  describe("aggregate queries", function()
    local function enc(v) return assert(json.encode(v)) end

    it("name unaliased aggregates expr0, expr1 ... and keep grouped field names", function()
      local res = assert(run("SELECT Industry, COUNT(Id), MAX(NumberOfEmployees) most FROM Account"
        .. " GROUP BY Industry ORDER BY Industry"))
      assert.same({
        '{"attributes":{"type":"AggregateResult"},"Industry":null,"expr0":1,"most":null}',
        '{"attributes":{"type":"AggregateResult"},"Industry":"Energy","expr0":2,"most":200}',
        '{"attributes":{"type":"AggregateResult"},"Industry":"Food & Beverage","expr0":1,"most":5}',
        '{"attributes":{"type":"AggregateResult"},"Industry":"Technology","expr0":1,"most":10}',
      }, { enc(res.records[1]), enc(res.records[2]), enc(res.records[3]), enc(res.records[4]) })
      assert.equal(4, res.total_size)
      assert.is_false(res.count_only)
    end)

    it("aggregate without GROUP BY is one row, also over no rows", function()
      local res = assert(run("SELECT COUNT(Id), SUM(Amount), AVG(Probability), MIN(CloseDate), MAX(Name),"
        .. " COUNT(Amount), COUNT_DISTINCT(StageName) FROM Opportunity WHERE Name != 'Huge'"))
      assert.equal('{"attributes":{"type":"AggregateResult"},"expr0":4,"expr1":1250.3,"expr2":36.666666666666664,'
        .. '"expr3":"2024-04-10","expr4":"Small deal","expr5":3,"expr6":3}', enc(res.records[1]))
      res = assert(run("SELECT COUNT(Id), SUM(Amount), MAX(Name) FROM Opportunity WHERE Name = 'nobody'"))
      assert.equal('{"attributes":{"type":"AggregateResult"},"expr0":0,"expr1":null,"expr2":null}',
        enc(res.records[1]))
    end)

    it("sums currency exactly, decimals included", function()
      local res = assert(run("SELECT SUM(Amount) total FROM Opportunity"))
      assert.is_true(decimal.is(res.records[1].total))
      assert.equal("1234567890124707.08", tostring(res.records[1].total))
      res = assert(run("SELECT SUM(Amount) FROM Opportunity WHERE Name IN ('Big deal', 'Small deal')"))
      assert.equal(1000.3, res.records[1].expr0) -- not 1000.3000000000001
      res = assert(run("SELECT SUM(NumberOfEmployees) FROM Account"))
      assert.equal(265, res.records[1].expr0)
      assert.equal("integer", math.type(res.records[1].expr0))
      res = assert(run("SELECT AVG(Amount__c) FROM Invoice__c"))
      assert.equal(15.375, res.records[1].expr0)
    end)

    it("groups nulls together, text without case, parent paths under their last name", function()
      local res = assert(run("SELECT BillingCity, COUNT(Id) FROM Account GROUP BY BillingCity ORDER BY COUNT(Id) DESC,"
        .. " BillingCity"))
      assert.same({ "<null>", "Berlin", "Zürich" }, values(res, "BillingCity"))
      assert.same({ 2, 2, 1 }, values(res, "expr0"))
      res = assert(run("SELECT Account.Name, COUNT(Id) n FROM Contact GROUP BY Account.Name ORDER BY Account.Name"))
      assert.same({ "<null>", "Acme", "acme labs", "Émile Corp" }, values(res, "Name"))
      assert.same({ 1, 2, 1, 1 }, values(res, "n"))
    end)

    it("filters groups with HAVING on aggregates and grouped fields", function()
      local res = assert(run("SELECT AccountId, COUNT(Id) FROM Opportunity GROUP BY AccountId HAVING COUNT(Id) > 1"))
      assert.same({ A[1] }, values(res, "AccountId"))
      res = assert(run("SELECT Industry, SUM(NumberOfEmployees) FROM Account GROUP BY Industry"
        .. " HAVING Industry != null AND SUM(NumberOfEmployees) >= 10 ORDER BY SUM(NumberOfEmployees)"))
      assert.same({ "Technology", "Energy" }, values(res, "Industry"))
      assert.same({ 10, 250 }, values(res, "expr0"))
    end)

    it("groups by date functions, with LIMIT and OFFSET over groups", function()
      local res = assert(run("SELECT CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate) m, COUNT(Id) FROM Opportunity"
        .. " GROUP BY CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate)"
        .. " ORDER BY CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate)"))
      assert.same({ 2024, 2024, 2025 }, values(res, "expr0"))
      assert.same({ 4, 5, 1 }, values(res, "m"))
      assert.same({ 1, 3, 1 }, values(res, "expr1"))
      res = assert(run("SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName ORDER BY StageName"
        .. " LIMIT 2 OFFSET 1"))
      assert.same({ "Negotiation/Review", "Closed Won" }, values(res, "StageName"))
    end)

    it("keys records by the names luaforce.soql.columns gives (the CLI's headers)", function()
      local q = "SELECT Industry ind, CALENDAR_YEAR(CreatedDate), a.Rating, GROUPING(Rating),"
        .. " FORMAT(SUM(AnnualRevenue)), COUNT(Id) n, MAX(Name) FROM Account a"
        .. " GROUP BY ROLLUP(Industry, CALENDAR_YEAR(CreatedDate), Rating)"
      local res = assert(run(q))
      local keys = {}
      for k in assert(json.encode(res.records[1])):gmatch('"([%w_]+)":') do
        if k ~= "attributes" and k ~= "type" then keys[#keys + 1] = k end
      end
      assert.same({ "ind", "expr0", "Rating", "expr1", "expr2", "n", "expr3" }, keys)
      assert.same(keys, columns.names(assert(parser.parse(q))))
    end)

    it("adds ROLLUP subtotals with GROUPING()", function()
      local res = assert(run("SELECT Industry, Rating, COUNT(Id), GROUPING(Industry) gi FROM Account"
        .. " WHERE Industry != null GROUP BY ROLLUP(Industry, Rating)"))
      local totals = {}
      for _, r in ipairs(res.records) do
        if r.Rating == json.null then totals[#totals + 1] = tostring(r.Industry) .. "=" .. r.expr0 .. "/" .. r.gi end
      end
      assert.same(sorted { "Energy=2/0", "Food & Beverage=1/0", "Technology=1/0", "null=4/1", "Food & Beverage=1/0" },
        sorted(totals))
    end)

    it("COUNT() with GROUP BY counts the groups", function()
      local res = assert(run("SELECT COUNT() FROM Account GROUP BY Industry"))
      assert.is_true(res.count_only)
      assert.equal(4, res.total_size)
    end)
  end)

  describe("errors", function()
    -- { query, errorCode, message (exact unless `match`) }
    local rows = {
      { "SELECT Id FROM Bogus", "INVALID_TYPE",
        "\nSELECT Id FROM Bogus\n               ^\nERROR at Row:1:Column:16\nsObject type 'Bogus' is not supported."
        .. " If you are attempting to use a custom object, be sure to append the '__c' after the entity name."
        .. " Please reference your WSDL or the describe call for the appropriate names." },
      { "SELECT Id, Foo FROM Account", "INVALID_FIELD",
        "\nSELECT Id, Foo FROM Account\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo' on entity"
        .. " 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom"
        .. " field name. Please reference your WSDL or the describe call for the appropriate names." },
      { "SELECT Id FROM Account WHERE Bar__c = 1", "INVALID_FIELD", "ERROR at Row:1:Column:30\nNo such column 'Bar__c'",
        match = true },
      { "SELECT Id, Foo.Name FROM Contact", "INVALID_FIELD",
        "\nSELECT Id, Foo.Name FROM Contact\n           ^\nERROR at Row:1:Column:12\nDidn't understand relationship"
        .. " 'Foo' in field path. If you are attempting to use a custom relationship, be sure to append the '__r'"
        .. " after the custom relationship name. Please reference your WSDL or the describe call for the"
        .. " appropriate names." },
      { "SELECT Id, Account.Foo FROM Contact", "INVALID_FIELD", "No such column 'Foo' on entity 'Account'",
        match = true },
      { "SELECT Id, (SELECT Id FROM Bogus) FROM Account", "INVALID_FIELD",
        "ERROR at Row:1:Column:28\nDidn't understand relationship 'Bogus' in FROM part of query call.", match = true },
      { "SELECT Id FROM Opportunity WHERE Amount = '100'", "INVALID_FIELD",
        "\nSELECT Id FROM Opportunity WHERE Amount = '100'\n                                 ^\nERROR at Row:1:Column:34\n"
        .. "value of filter criterion for field 'Amount' must be of type double and should not be enclosed in quotes" },
      { "SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD",
        "value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes",
        match = true },
      { "SELECT Id FROM Account WHERE NumberOfEmployees LIKE '5%'", "INVALID_FIELD",
        "field 'NumberOfEmployees' must be of type integer and should not be enclosed in quotes", match = true },
      { "SELECT Id FROM Opportunity WHERE CloseDate = 2024-05-15T00:00:00Z", "INVALID_FIELD",
        "field 'CloseDate' must be of type date and should not", match = true },
      { "SELECT Id FROM Account WHERE CreatedDate > 2024-05-15", "INVALID_FIELD",
        "field 'CreatedDate' must be of type dateTime and should not", match = true },
      { "SELECT Id FROM Account WHERE NumberOfEmployees = TODAY", "INVALID_FIELD",
        "field 'NumberOfEmployees' must be of type integer", match = true },
      { "SELECT Id FROM Account WHERE IsDeleted = 'false'", "INVALID_FIELD",
        "field 'IsDeleted' must be of type boolean and should not be enclosed in quotes", match = true },
      { "SELECT Id FROM Account WHERE NumberOfEmployees = USD5", "INVALID_FIELD",
        "field 'NumberOfEmployees' must be of type integer", match = true },
      { "SELECT Id FROM Account WHERE Industry IN ('Energy', 3)", "INVALID_FIELD",
        "field 'Industry' must be of type string and should be enclosed in quotes", match = true },
      { "SELECT Id FROM Account WHERE Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR",
        "ERROR at Row:1:Column:30\ninvalid ID field: abc", match = true },
      { "SELECT Id FROM Account WHERE Description = 'x'", "INVALID_FIELD",
        "field 'Description' can not be filtered in a query call", match = true },
      { "SELECT Id FROM Account ORDER BY Description", "INVALID_FIELD",
        "field 'Description' can not be sorted in a query call", match = true },
      { "SELECT Id FROM Task ORDER BY Tags__c", "INVALID_FIELD",
        "field 'Tags__c' can not be sorted in a query call", match = true },
      { "SELECT Amount, COUNT(Id) FROM Opportunity GROUP BY Amount", "INVALID_FIELD",
        "field 'Amount' can not be grouped in a query call", match = true },
      { "SELECT Id FROM Account WHERE Industry INCLUDES ('Energy')", "INVALID_QUERY_FILTER_OPERATOR",
        "includes or excludes operator only valid on multipicklist field", match = true },
      { "SELECT Name, COUNT(Id) FROM Account GROUP BY Industry", "MALFORMED_QUERY",
        "Field must be grouped or aggregated: Name", match = true },
      { "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry HAVING Rating = 'Hot'", "MALFORMED_QUERY",
        "Field must be grouped or aggregated: Rating", match = true },
      { "SELECT SUM(Name) FROM Account", "MALFORMED_QUERY", "field Name does not support aggregate operator SUM",
        match = true },
      { "SELECT Id, Name, id FROM Account", "MALFORMED_QUERY", "ERROR at Row:1:Column:18\nduplicate field selected: Id",
        match = true },
      { "SELECT Id FROM Account WHERE Name IN (SELECT Name FROM Contact)", "INVALID_FIELD",
        "semi-join", match = true },
      { "SELECT Id FROM Account WHERE Id IN (SELECT Name FROM Contact)", "INVALID_FIELD",
        "must be an Id or reference field", match = true },
      { "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Nope)", "INVALID_TYPE",
        "sObject type 'Nope' is not supported.", match = true },
      { "SELECT CALENDAR_YEAR(Name), COUNT(Id) FROM Account GROUP BY CALENDAR_YEAR(Name)", "MALFORMED_QUERY",
        "CALENDAR_YEAR can only be applied to date or dateTime fields", match = true },
      { "SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000",
        match = true },
      { "SELECT FIELDS(ALL) FROM Account", "MALFORMED_QUERY", "LIMIT of at most 200", match = true },
      -- the parser's errors pass through
      { "SELECT Id FRM Account", "MALFORMED_QUERY",
        "\nSELECT Id FRM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FRM'" },
    }
    for _, row in ipairs(rows) do
      local text, code, message = row[1], row[2], row[3]
      it(text .. " -> " .. code, function()
        local res, err = run(text)
        assert.is_nil(res)
        assert.equal(code, err.errorCode)
        assert.equal(400, err.status)
        if row.match then
          assert.truthy(err.message:find(message, 1, true), err.message)
        else
          assert.equal(message, err.message)
        end
      end)
    end

    it("raises on misuse", function()
      assert.has_error(function() exec.run(st, 42) end)
      assert.has_error(function() exec.run(nil, "SELECT Id FROM Account") end)
    end)
  end)

  describe("columns and explain", function()
    it("describes the select list as the Salesforce CLI expects", function()
      local body = assert(exec.columns(st, "SELECT Id, Name, Account.Name, Account.Owner.Email,"
        .. " (SELECT Subject FROM Cases) FROM Contact"))
      assert.equal("Contact", body.entityName)
      assert.equal("003", body.keyPrefix)
      assert.is_true(body.idSelected)
      assert.is_false(body.groupBy)
      local cols = body.columnMetadata
      assert.same({ "Id", "Name", "Account", "Cases" },
        { cols[1].columnName, cols[2].columnName, cols[3].columnName, cols[4].columnName })
      assert.equal("Id", cols[1].apexType)
      assert.is_false(cols[1].insertable)
      assert.is_true(cols[2].textType)
      assert.same({ "Name", "Owner" }, { cols[3].joinColumns[1].columnName, cols[3].joinColumns[2].columnName })
      assert.equal("Account.Owner.Email", cols[3].joinColumns[2].joinColumns[1].displayName)
      assert.is_true(cols[4].aggregate)
      assert.equal("Subject", cols[4].joinColumns[1].columnName)
      local text = assert(json.encode(body))
      assert.truthy(text:find('"foreignKeyName":null', 1, true))
      assert.truthy(text:find('"joinColumns":[]', 1, true))

      body = assert(exec.columns(st, "SELECT Industry, COUNT(Id) n FROM Account GROUP BY Industry"))
      assert.is_true(body.groupBy)
      assert.same({ "Industry", "n" }, { body.columnMetadata[1].columnName, body.columnMetadata[2].columnName })
      assert.is_true(body.columnMetadata[2].aggregate)
      assert.equal("Integer", body.columnMetadata[2].apexType)

      local _, err = exec.columns(st, "SELECT Nope FROM Account")
      assert.equal("INVALID_FIELD", err.errorCode)
    end)

    it("explains a query as one table scan", function()
      local body = assert(exec.explain(st, "SELECT Id FROM Account WHERE Industry = 'Energy'"))
      local plan = body.plans[1]
      assert.equal("TableScan", plan.leadingOperationType)
      assert.equal(2, plan.cardinality)
      assert.equal(5, plan.sobjectCardinality)
      assert.equal("Account", plan.sobjectType)
      assert.equal('{"plans":[{"cardinality":2,"fields":[],"leadingOperationType":"TableScan","notes":[],'
        .. '"relativeCost":0.9,"sobjectCardinality":5,"sobjectType":"Account"}]}', assert(json.encode(body)))
    end)
  end)

  describe("speed", function()
    it("filters 12,000 rows and builds a 2,000-row page in a few milliseconds", function()
      local big = Store.new { clock = dt.clock(NOW, true) }
      local accounts = {}
      local inds = { "Energy", "Technology", "Banking", "Retail" }
      for i = 1, 12000 do
        accounts[i] = { Name = "Account " .. i, Industry = inds[i % 4 + 1], NumberOfEmployees = i % 500,
          BillingCity = i % 3 ~= 0 and "Berlin" or nil }
      end
      assert(big:load { Account = accounts })
      local q = "SELECT Id, Name, Industry FROM Account WHERE (Industry = 'energy' OR Industry = 'Banking')"
        .. " AND NumberOfEmployees > 10 AND BillingCity != null AND Name LIKE 'Account%' LIMIT 2000"
      -- speed is measured by scripts/bench emulator, not here
      local res = assert(exec.run(big, q))
      assert.equal(2000, res.total_size)
      res = assert(exec.run(big, "SELECT COUNT() FROM Account WHERE NumberOfEmployees > 100 AND Industry != 'Retail'"))
      assert.is_true(res.total_size > 5000)
    end)
  end)
end)
