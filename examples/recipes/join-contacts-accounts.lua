-- Join contacts to their accounts (result mapping): two queries, as two
-- connector tasks would make them, then the FEEL join of
-- join-contacts-accounts.feel over both lists, printed as a table.
--
-- When: the lists come from different places (two tasks, a file and a
-- query) and cannot be joined in one SOQL query.
-- Run:  luaforce run --instance local examples/recipes/join-contacts-accounts.lua [LASTNAME]
-- The same join from the command line, with luaforce eval, is in docs/recipes.md.
if arg[1] == "--help" then   -- the comment above is the help
  for line in io.lines(arg[0]) do if not line:match("^%-%-") then break end print((line:gsub("^%-%- ?", ""))) end
  return
end
local sf = require "luaforce"
local soql = require "luaforce.soql"
local feel = require "luaforce.feel"
local output = require "luaforce.output"

local last_name = arg[1] or "Kim"
local dir = arg[0]:match("^(.*/)") or "./"
local f = assert(io.open(dir .. "join-contacts-accounts.feel"))
local expression = assert(feel.compile(f:read("a")))   -- a syntax error shows here, with a caret
f:close()

local org = assert(sf.connect())
local contacts = assert(org:fetch_all(soql.select { "Name", "Email", "AccountId" }
  :from("Contact"):where { LastName = last_name }:order_by("Name")))
local accounts = assert(org:fetch_all(soql.select { "Id", "Name", "Industry" }:from("Account")))

local result, warnings = expression:eval { contacts = contacts, accounts = accounts }
for _, w in ipairs(warnings) do io.stderr:write("warning: ", w.message, "\n") end
io.write(output.table(result.joined))
