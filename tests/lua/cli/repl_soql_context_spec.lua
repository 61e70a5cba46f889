-- luaforce.cli.repl_soql_context: what may come where the cursor stands in
-- a SOQL line (the text before the cursor, completing an empty word).
-- tests/lua/cli/repl_complete_spec.lua has the candidates this leads to.
local context = require "luaforce.cli.repl_soql_context"
local lexer = require "luaforce.soql.lexer"

local function at_end(text)
  return context.at(lexer.tokenize(text), #text + 1)
end

describe("repl_soql_context", function()
  local rows = {
    { "SELECT ", "fields" },
    { "SELECT Id, ", "fields" },
    { "SELECT Id ", "keywords", "FROM" },
    { "SELECT Id FROM ", "objects" },
    { "SELECT Id FROM Account ", "keywords", "WHERE" },
    { "SELECT Id FROM Account WHERE ", "fields" },
    { "SELECT Id FROM Account WHERE Name ", "keywords", "LIKE" },
    { "SELECT Id FROM Account WHERE Name = ", "values" },
    { "SELECT Id FROM Account WHERE Name = 'x' ", "keywords", "AND" },
    { "SELECT Id FROM Account WHERE Name = 'x' AND ", "fields" },
    { "SELECT Id FROM Account WHERE Owner.Name = 'x' OR ", "fields" },
    { "SELECT Id FROM Account WHERE Owner.Name ", "keywords", "IN" },
    { "SELECT Id FROM Account ORDER BY ", "fields" },
    { "SELECT Id FROM Account ORDER BY Name ", "keywords", "DESC" },
    { "SELECT Id FROM Account GROUP BY Name ", "keywords", "HAVING" },
    { "SELECT Id FROM Account LIMIT ", "nothing" },
    { "SELECT Id FROM Account WHERE Name = 'unfinished ", "nothing" },
    { "SELECT Id, (SELECT Id FROM ", "objects" },
    { "SELECT COUNT(", "fields" },
    { "SELECT Id FROM Account WHERE Id IN (", "values", "SELECT" },
  }
  for _, r in ipairs(rows) do
    it(("%q"):format(r[1]), function()
      local here = at_end(r[1])
      assert.equal(r[2], here.want)
      if r[3] then
        local found = false
        for _, k in ipairs(here.keywords or {}) do found = found or k == r[3] end
        assert.is_true(found, r[3] .. " among the keywords")
      end
    end)
  end

  it("says a subquery of the SELECT list names a child relationship, a semi-join an object", function()
    assert.is_true(at_end("SELECT Id, (SELECT Id FROM ").children)
    assert.is_nil(at_end("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM ").children)
  end)

  it("names the field a value is compared with", function()
    assert.equal("CreatedDate", at_end("SELECT Id FROM Account WHERE CreatedDate > ").field)
  end)

  it("never offers a keyword alone where a field can come", function()
    local here = at_end("SELECT Id FROM Account WHERE ")
    for _, k in ipairs(here.keywords) do assert.not_equal("AND", k) end
  end)
end)
