-- luaforce.emulator.soql_exec.binding: the names of a query bound to the
-- schema, as the local org's answers show it: names in any case, a FROM
-- alias or the object's name in front, parent paths (polymorphic ones
-- too), date functions; and Salesforce's errors for names it does not
-- know and fields that cannot be used so.
local binding = require "luaforce.emulator.soql_exec.binding"
local org = require "support.soql_org"
local U, A, C, O, T, I = org.U, org.A, org.C, org.O, org.T, org.I

describe("luaforce.emulator.soql_exec.binding", function()
  describe("names resolve to the schema's fields, through relationships", function()
    org.rows(it, {
      -- names are case-insensitive
      { "select name from ACCOUNT order by NAME",
        { "100% Natural_Foods", "Acme", "acme labs", "O'Brien & Sons", "Émile Corp" } },
      { "SELECT a.Name FROM Account a WHERE a.Industry = 'Energy' ORDER BY a.Name", { "Acme", "Émile Corp" } },
      { "SELECT Account.Name FROM Account WHERE Name = 'Acme'", { "Acme" } },
      -- date functions read dates and date-times
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
    })
  end)

  describe("errors name the field, relationship or object", function()
    org.error_rows(it, {
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
      { "SELECT Id FROM Account WHERE Description = 'x'", "INVALID_FIELD",
        "field 'Description' can not be filtered in a query call", match = true },
      { "SELECT Id FROM Account ORDER BY Description", "INVALID_FIELD",
        "field 'Description' can not be sorted in a query call", match = true },
      { "SELECT Id FROM Task ORDER BY Tags__c", "INVALID_FIELD",
        "field 'Tags__c' can not be sorted in a query call", match = true },
      { "SELECT CALENDAR_YEAR(Name), COUNT(Id) FROM Account GROUP BY CALENDAR_YEAR(Name)", "MALFORMED_QUERY",
        "CALENDAR_YEAR can only be applied to date or dateTime fields", match = true },
    })
  end)

  it("lookups: a parent by its id (15 or 18 characters), its object by key prefix", function()
    local lookup, type_of = binding.lookups(org.store, org.store.schema)
    assert.equal("Acme", lookup(A[1]).Name)
    assert.equal("Acme", lookup(A[1]:sub(1, 15)).Name)
    assert.is_nil(lookup(U[1]:sub(1, 3) .. "000000000099AAA"))
    assert.equal("Contact", type_of(C[1]))
    assert.equal("Task", type_of(T[1]))
  end)
end)
