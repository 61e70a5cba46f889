-- luaforce.cli.repl_complete: what Tab offers where (SOQL objects and
-- fields from a fake org's describe, FEEL names, Lua keys, dot commands),
-- and that completion never raises. The editor showing it is
-- tests/e2e/repl_spec.lua's.
local complete = require "luaforce.cli.repl_complete"

describe("repl_complete", function()
  -- a fake org: describe_global and describe, counted
  local calls = 0
  local DESCRIBES = {
    account = { fields = {
      { name = "Id" }, { name = "Name" }, { name = "Industry" },
      { name = "OwnerId", relationshipName = "Owner", referenceTo = { "User" } },
      { name = "AnnualRevenue", type = "currency" }, { name = "IsDeleted", type = "boolean" },
      { name = "CreatedDate", type = "datetime" },
    }, childRelationships = { { relationshipName = "Contacts", childSObject = "Contact" } } },
    user = { fields = { { name = "Id" }, { name = "Username" } } },
    contact = { fields = { { name = "Id" }, { name = "LastName" }, { name = "Email" } } },
  }
  local org = {
    describe_global = function()
      calls = calls + 1
      return { sobjects = { { name = "Account" }, { name = "AccountHistory" }, { name = "Contact" }, { name = "User" } } }
    end,
    describe = function(_, object)
      calls = calls + 1
      return DESCRIBES[object:lower()]
    end,
    query = function() end,
  }
  -- an object with methods, as luaforce's classes are made
  local Class = { kind = "class" }
  Class.__index = Class
  Class.__name = "Thing"
  function Class:get() return self end
  function Class:set() return self end
  local env = setmetatable({ org = org, answer = 42, inst = setmetatable({ own = 1 }, Class), text = "abc" },
    { __index = _G })
  local c = complete.new {
    org = function() return org end, env = env, last = function() return { Name = "x", Amount = 1 } end,
    commands = { ".help", ".describe", ".format" }, formats = { "table", "json" },
  }

  local rows = {
    -- line before the cursor, whole line, candidates, word
    { "SELECT Id FROM Acc", nil, { "Account", "AccountHistory" }, "Acc" },
    { "select id from acc", nil, { "Account", "AccountHistory" }, "acc" },
    { "SELECT Id, Ind", "SELECT Id, Ind FROM Account", { "Industry" }, "Ind" },
    { "SELECT Id FROM Account WHERE Own", nil, { "Owner.", "OwnerId" }, "Own" },
    { "SELECT Owner.User", "SELECT Owner.User FROM Account", { "Owner.Username" }, "Owner.User" },
    { "SELECT Id, (SELECT Id FROM Con", "SELECT Id, (SELECT Id FROM Con) FROM Account", { "Contacts" }, "Con" },
    { "SELECT Id, (SELECT La", "SELECT Id, (SELECT La FROM Contacts) FROM Account", { "LastName" }, "La" },
    { "SELECT COUNT(Na", "SELECT COUNT(Na) FROM Account", { "Name" }, "Na" },
    { "SELECT Id FROM Account ORD", nil, { "ORDER BY" }, "ORD" },
    { "= coun", nil, { "count" }, "coun" },
    { "= string le", nil, { "string length" }, "string le" },
    { "= Am", nil, { "Amount" }, "Am" },
    { "ans", nil, { "answer" }, "ans" },
    { "org:desc", nil, { "org:describe", "org:describe_global" }, "org:desc" },
    { "string.up", nil, { "string.upper" }, "string.up" },
    { "whi", nil, { "while" }, "whi" },
    { ".he", nil, { ".help" }, ".he" },
    { ".describe Us", nil, { "User" }, "Us" },
    { ".format j", nil, { "json" }, "j" },
    { "nothing_like_this", nil, {}, "nothing_like_this" },
    -- SOQL: an empty word offers the fields, not the keywords; a word both,
    -- the fields first; an unknown object or relationship no fields
    { "SELECT Id FROM Account WHERE ", nil,
      { "AnnualRevenue", "CreatedDate", "Id", "Industry", "IsDeleted", "Name", "Owner.", "OwnerId" }, "" },
    { "SELECT Owner.", "SELECT Owner. FROM Account", { "Owner.Id", "Owner.Username" }, "Owner." },
    { "SELECT Manager.Na", "SELECT Manager.Na FROM Account", {}, "Manager.Na" },
    { "SELECT Id, (SELECT I", "SELECT Id, (SELECT I FROM Nope) FROM Account", {}, "I" },
    { "SELECT Na", "SELECT Na FROM Nothing", {}, "Na" },
    -- SOQL: a field where a field can come, a keyword where a keyword can
    -- (the word decides nothing: `I` after WHERE is a field, after a field
    -- an operator)
    { "SELECT Id FROM Account WHERE Ann", nil, { "AnnualRevenue" }, "Ann" },
    { "SELECT Id FROM Account WHERE Id IN", nil, { "IN", "INCLUDES" }, "IN" },
    { "SELECT Id FROM Account WHERE Industry ", nil, { "EXCLUDES", "IN", "INCLUDES", "LIKE", "NOT IN" }, "" },
    { "SELECT Id FROM Account WHERE Industry NOT ", nil, { "IN" }, "" },
    { "SELECT Id FROM Account WHERE Name = 'x' A", nil, { "AND" }, "A" },
    { "SELECT Id FROM Account WHERE Name = 'x' AND Ann", nil, { "AnnualRevenue" }, "Ann" },
    { "SELECT Id FROM Account WHERE Name = 'x' OR I", nil, { "Id", "Industry", "IsDeleted" }, "I" },
    { "SELECT Id FROM Account WHERE NOT I", nil, { "Id", "Industry", "IsDeleted" }, "I" },
    { "SELECT Id FROM Account WHERE Name LIKE 'A%' O", nil, { "OFFSET", "OR", "ORDER BY" }, "O" },
    { "SELECT Id FROM Account WHERE (Na", nil, { "Name" }, "Na" },
    { "SELECT Id FROM Account WHERE (Name = 'x' O", nil, { "OR" }, "O" },
    { "SELECT Id FROM Account WHERE Industry IN ('a', 'b') A", nil, { "AND" }, "A" },
    { "SELECT Id FROM Account WHERE IsDeleted = T", nil, { "TRUE" }, "T" },
    { "SELECT Id FROM Account WHERE CreatedDate > TO", nil, { "TODAY", "TOMORROW" }, "TO" },
    { "SELECT Id FROM Account WHERE CreatedDate = LAST_N_D", nil, { "LAST_N_DAYS:" }, "LAST_N_D" },
    { "SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:5 A", nil, { "AND" }, "A" },
    { "SELECT Id FROM Account WHERE Name = ", nil, {}, "" },
    { "SELECT Id FROM Account WHERE Name = 'Ac", nil, {}, "Ac" },
    { "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Con", nil, { "Contact" }, "Con" },
    { "SELECT Id FROM Account WHERE Id IN (SELECT La", "SELECT Id FROM Account WHERE Id IN (SELECT La FROM Contact)",
      { "LastName" }, "La" },
    { "SELECT Id F", nil, { "FROM" }, "F" },
    { "SELECT Id, Name ", nil, { "FROM" }, "" },
    { "SELECT C", "SELECT C FROM Account", { "CreatedDate", "COUNT()" }, "C" },
    { "SELECT Id FROM Account W", nil, { "WHERE", "WITH" }, "W" },
    { "SELECT Id, (SELECT Id FROM Contacts) FROM Account W", nil, { "WHERE", "WITH" }, "W" },
    { "SELECT Id, (SELECT Id FROM Contacts W", nil, { "WHERE", "WITH" }, "W" },
    { "SELECT Id FROM Account ORDER ", nil, { "BY" }, "" },
    { "SELECT Id FROM Account ORDER BY I", nil, { "Id", "Industry", "IsDeleted" }, "I" },
    { "SELECT Id FROM Account ORDER BY Name D", nil, { "DESC" }, "D" },
    { "SELECT Id FROM Account ORDER BY Name DESC N", nil, { "NULLS FIRST", "NULLS LAST" }, "N" },
    { "SELECT Id FROM Account ORDER BY Name DESC NULLS ", nil, { "FIRST", "LAST" }, "" },
    { "SELECT Id FROM Account ORDER BY Name, Ind", nil, { "Industry" }, "Ind" },
    { "SELECT Id FROM Account LIMIT ", nil, {}, "" },
    { "SELECT Id FROM Account LIMIT 5 ", nil, { "FOR REFERENCE", "FOR UPDATE", "FOR VIEW", "OFFSET" }, "" },
    { "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry H", nil, { "HAVING" }, "H" },
    { "SELECT Id FROM Account GROUP BY I", nil, { "Id", "Industry", "IsDeleted" }, "I" },
    -- Lua: own keys and methods through __index; `:` only methods;
    -- metamethod names only when asked for; a string's methods
    { "inst.", nil, { "inst.get", "inst.kind", "inst.own", "inst.set" }, "inst." },
    { "inst:", nil, { "inst:get", "inst:set" }, "inst:" },
    { "inst.__", nil, { "inst.__index", "inst.__name" }, "inst.__" },
    { "text:up", nil, { "text:upper" }, "text:up" },
    { "nothing.x", nil, {}, "nothing.x" },
    { "answer.x", nil, {}, "answer.x" },
    { "1.5", nil, {}, "1.5" },
    { "x = ", nil, {}, "" },
    -- dot commands
    { ".", nil, { ".describe", ".format", ".help" }, "." },
    { ".format ", nil, { "json", "table" }, "" },
    { ".describe Account Us", nil, {}, "Us" }, -- one object only
    { ".help x", nil, {}, "x" },
  }
  for _, r in ipairs(rows) do
    it(("%q"):format(r[1]), function()
      local cands, word = c(r[1], r[2] or r[1])
      assert.same(r[3], cands)
      assert.equal(r[4], word)
    end)
  end

  it("hides what was typed before a dot in listings", function()
    local _, _, hide = c("org:desc", "org:desc")
    assert.equal(4, hide)
  end)

  it("asks the org once per object", function()
    local before = calls
    c("SELECT Id FROM Acc", "SELECT Id FROM Acc")
    c("SELECT I", "SELECT I FROM Account")
    c("SELECT N", "SELECT N FROM Account")
    assert.equal(before, calls)
  end)

  it("offers nothing when the org fails, and never raises", function()
    local bad = { describe_global = function() error("network down") end,
      describe = function() return nil, "err" end }
    local c2 = complete.new { org = function() return bad end, env = {} }
    assert.same({}, (c2("SELECT Id FROM A", "SELECT Id FROM A")))
    assert.same({}, (c2("SELECT Nam", "SELECT Nam FROM Account")))
  end)

  it("hides the relationship path typed before a field", function()
    local _, _, hide = c("SELECT Owner.User", "SELECT Owner.User FROM Account")
    assert.equal(#"Owner.", hide)
  end)
end)

describe("repl_complete without an org", function()
  local c = complete.new {
    env = setmetatable({ mine = 1 }, { __index = { printf = print } }), commands = { ".connect", ".describe" },
    connect_options = { "--instance", "--token", "--profile" },
    last = function()
      return { { attributes = { type = "Account" }, Name = "a" } }
    end,
  }
  local rows = {
    { "SELECT Id FROM Acc", {}, "Acc" },
    { ".describe Acc", {}, "Acc" },
    { ".connect --in", { "--instance" }, "--in" },
    { ".connect --instance lo", {}, "lo" },
    { "= Na", {}, "Na" }, -- `_` is a list: its records' fields are not names
    { "= _", { "_", "_feel" }, "_" },
    { "= _[Na", { "Name" }, "Na" }, -- inside a filter, the records' fields are names
    { "= _[1].Na", { "Name" }, "Na" }, -- after a dot, fields only
    { "= _.co", {}, "co" }, -- not the builtin count
    { "pri", { "printf" }, "pri" }, -- the globals its environment reads through
    { "mi", { "mine" }, "mi" },
  }
  for _, r in ipairs(rows) do
    it(("%q"):format(r[1]), function()
      local cands, word = c(r[1], r[1])
      assert.same(r[2], cands)
      assert.equal(r[3], word)
    end)
  end

  it("offers a record's fields after =, never its attributes", function()
    local c2 = complete.new { env = {}, last = function() return { attributes = { type = "Account" }, Name = "a" } end }
    assert.same({ "Name" }, (c2("= Na", "= Na")))
    assert.same({}, (c2("= attr", "= attr")))
  end)
end)
