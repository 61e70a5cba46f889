--- Test support for the SOQL builder's specs (luaforce.soql.builder and the
-- modules it builds with):
--   built(q) -> text, ast    q's text (tostring and q:build() agreeing),
--                            checked to parse with soql.parse
--   run_rows(rows)           an `it` per row { name, function returning a
--                            query, expected text }
--   raises(fn, fragment)     asserts fn raises the builder's error (code
--                            INVALID_SOQL, exit 2) naming `fragment`;
--                            returns the error
local soql = require "luaforce.soql"
local errors = require "luaforce.errors"
local assert = require "luassert" -- busted gives its `assert` to spec files only

local M = {}

function M.built(q)
  local text = tostring(q)
  assert.equal(text, q:build())
  local ast, err = soql.parse(text)
  assert(ast, err and ("does not parse: " .. text .. err.message))
  return text, ast
end

function M.run_rows(rows)
  for _, row in ipairs(rows) do
    require("busted").it(row[1], function()
      assert.equal(row[3], (M.built(row[2]())))
    end)
  end
end

function M.raises(fn, fragment)
  local ok, err = pcall(fn)
  assert(not ok, "expected an error mentioning: " .. fragment)
  assert(errors.is(err), "not a luaforce error: " .. tostring(err))
  assert.equal("INVALID_SOQL", err.code)
  assert.equal(errors.EXIT.USAGE, err.exit)
  assert(err.message:find(fragment, 1, true), ("message %q lacks %q"):format(err.message, fragment))
  return err
end

return M
