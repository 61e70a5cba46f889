--- Test support for the SOQL executor's specs (luaforce.emulator.soql_exec
-- and its parts): a small fixed org and the helpers that query it.
--
--   local org = require "support.soql_org"
--   org.run(text, opts)       exec.run over the org, `now` fixed at org.NOW
--   org.values(res, key)      the values of `key` in a result's records
--                             ("<null>" for null)
--   org.sorted(list)          the list as sorted strings
--   org.enc(v)                json.encode(v), asserted
--   org.rows(it, rows)        an `it` per row { query, values of `key`
--                             (default Name) in order, key =, opts = }
--   org.error_rows(it, rows)  an `it` per row { query, errorCode, message
--                             (exact, or contained with match = true) }
--   (`it` is the spec's own: busted gives it to spec files only)
--   org.store, org.NOW, org.URL ("/services/data/v62.0/sobjects/"), and the
--   ids of the records: org.U (users), A (accounts), C (contacts),
--   O (opportunities), T (tasks), I (invoices)
local exec = require "luaforce.emulator.soql_exec"
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local ids = require "luaforce.emulator.ids"
local dt = require "luaforce.emulator.datetime"
local schema = require "luaforce.emulator.schema"
local Store = require "luaforce.emulator.store"
local default_schema = require "luaforce.emulator.default_schema"
local assert = require "luassert" -- busted gives its `assert` to spec files only

local M = {}

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

M.store, M.NOW, M.URL = st, NOW, "/services/data/v62.0/sobjects/"
M.U, M.A, M.C, M.O, M.T, M.I = U, A, C, O, T, I

function M.run(text, opts)
  opts = opts or {}
  if opts.now == nil then opts.now = NOW end
  return exec.run(st, text, opts)
end

function M.values(res, key)
  local out = {}
  for i, r in ipairs(res.records) do
    local v = r[key]
    if v == json.null then v = "<null>" end
    out[i] = v
  end
  return out
end

function M.sorted(t)
  local c = {}
  for i, v in ipairs(t) do c[i] = tostring(v) end
  table.sort(c)
  return c
end

function M.enc(v) return assert(json.encode(v)) end

function M.rows(it, rows)
  for _, row in ipairs(rows) do
    local text, want, key = row[1], row[2], row.key or "Name"
    it(text .. (row.opts and " (queryAll)" or ""), function()
      local res, err = M.run(text, row.opts)
      assert.is_nil(err and err.message)
      assert.same(want, M.values(res, key))
      assert.equal(#want, res.total_size)
      assert.is_false(res.count_only)
    end)
  end
end

function M.error_rows(it, rows)
  for _, row in ipairs(rows) do
    local text, code, message = row[1], row[2], row[3]
    it(text .. " -> " .. code, function()
      local res, err = M.run(text)
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
end

return M
