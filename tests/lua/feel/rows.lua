--- Test support for the FEEL specs: table-driven rows and Salesforce-shaped
-- contexts. A row is `{expression, expected[, context][, warn = TYPE]}`;
-- results compare as canonical JSON (sorted keys), so 3 and 3.0 differ,
-- and decimals compare by their exact digits. `failures` checks the
-- message of each failing call.
local feel = require "luaforce.feel"
local assert = require "luassert"
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"

local M = {}

M.NULL = json.null
M.D = decimal.new
M.empty_list = function() return json.array {} end
M.empty_context = function() return json.object {} end

local function canon(v)
  if v == nil then v = json.null end
  local text, err = json.encode(v, { sort_keys = true })
  if not text then return "<" .. tostring(err) .. ">" end
  return text
end
M.canon = canon

local function decode(text)
  return assert(json.decode(text))
end

--- A SOQL query response as the connector sees it: a parent query with a
-- child subquery, nulls, a currency value with cents.
M.query_response = function()
  return decode [[{
  "status": 200,
  "headers": {"Content-Type": "application/json;charset=UTF-8", "Sforce-Limit-Info": "api-usage=18/15000"},
  "body": {
    "totalSize": 3, "done": false, "nextRecordsUrl": "/services/data/v58.0/query/01gD-2000",
    "records": [
      {"attributes": {"type": "Account", "url": "/services/data/v58.0/sobjects/Account/001A"},
       "Id": "001A", "Name": "Acme", "AnnualRevenue": 1500000.10, "Industry": "Energy", "NumberOfEmployees": 120,
       "Contacts": {"totalSize": 2, "done": true, "records": [
         {"attributes": {"type": "Contact"}, "Id": "003A", "LastName": "Lovelace", "Email": "ada@acme.example"},
         {"attributes": {"type": "Contact"}, "Id": "003B", "LastName": "Hopper", "Email": null}]}},
      {"attributes": {"type": "Account", "url": "/services/data/v58.0/sobjects/Account/001B"},
       "Id": "001B", "Name": "Bolt", "AnnualRevenue": null, "Industry": null, "NumberOfEmployees": 8,
       "Contacts": null},
      {"attributes": {"type": "Account", "url": "/services/data/v58.0/sobjects/Account/001C"},
       "Id": "001C", "Name": "Cirrus", "AnnualRevenue": 250000.20, "Industry": "Energy", "NumberOfEmployees": 45,
       "Contacts": {"totalSize": 1, "done": true, "records": [
         {"attributes": {"type": "Contact"}, "Id": "003C", "LastName": "Curie", "Email": "marie@cirrus.example"}]}}
    ]
  },
  "reason": "OK",
  "document": null
}]]
end

--- A create response (201).
M.create_response = function()
  return decode [[{"status": 201, "headers": {"Location": "/services/data/v58.0/sobjects/Account/001D"},
    "body": {"id": "001D000000AbCdEIAX", "success": true, "errors": []}, "reason": "Created", "document": null}]]
end

--- An error expression's context after a failed call, with Salesforce's error array.
M.error_context = function(code, retries)
  return decode(([[{
  "error": {"type": "io.camunda.connector.api.error.ConnectorException", "code": "%s", "message": "Not Found",
    "variables": {"response": {"headers": {"Content-Type": "application/json"},
      "body": [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist", "fields": []},
               {"errorCode": "INVALID_FIELD", "message": "No such column 'Foo'", "fields": ["Foo"]}]}}},
  "job": {"retries": %d}
}]]):format(code or "404", retries or 3))
end

--- Evaluates a row and asserts its result (and warning type, if given).
function M.check(row, context)
  local text, expected = row[1], row[2]
  local ctx = row[3]
  if ctx == nil then ctx = context end
  if type(ctx) == "function" then ctx = ctx() end
  local value, warnings = feel.eval(text, ctx)
  assert(type(warnings) == "table" and warnings.kind == nil,
    "unexpected syntax error in " .. text .. ": " .. tostring(warnings and warnings.message))
  assert.are.equal(canon(expected), canon(value), text)
  if row.warn then
    local found = {}
    for _, w in ipairs(warnings) do
      found[#found + 1] = w.type
      if w.type == row.warn then return end
    end
    error(("%s: expected a %s warning, got {%s}"):format(text, row.warn, table.concat(found, ", ")))
  end
end

--- One `it` per row.
function M.run(rows, context)
  for _, row in ipairs(rows) do
    require("busted").it(("%s  ->  %s"):format(row[1], canon(row[2])), function() M.check(row, context) end)
  end
end

--- One `it` per `{expression, message}`: the expression gives null and one
-- FUNCTION_INVOCATION_FAILURE warning whose message contains `message`.
function M.failures(list)
  for _, row in ipairs(list) do
    require("busted").it(("%s  says  %s"):format(row[1], row[2]), function()
      local value, warnings = feel.eval(row[1])
      assert.is_nil(value)
      assert.equal(1, #warnings, row[1])
      assert.equal("FUNCTION_INVOCATION_FAILURE", warnings[1].type)
      assert.matches(row[2], warnings[1].message, 1, true)
    end)
  end
end

return M
