--- luaforce.emulator.soql_exec.errors: how a query fails in the local org.
--
-- Compiling a query is deeply recursive, so a failure is thrown as a marked
-- table and turned back into `nil, err` at the entry points; anything else
-- thrown is a bug and propagates as it is.
--
--   errors.throw(ctx, code, pos, reason)   raises a query error: Salesforce's
--       `errorCode` and `message` (with the caret excerpt of ctx.text under
--       byte `pos` when given), status 400
--   errors.raise(err)          raises err (a luaforce error) the same way
--   errors.query_error(code, message) -> the luaforce error throw raises
--   errors.is_thrown(v)        true for what throw and raise raised
--   errors.protect(fn, ...)    fn(...)'s result, or nil, err for a thrown
--                              query error
--   errors.FIELD_HINT, RELATIONSHIP_HINT, OBJECT_HINT: the advice Salesforce
--       appends to an unknown field, relationship or object
local errors = require "luaforce.errors"
local parser = require "luaforce.soql.parser"

local M = {}

local setmetatable, getmetatable, pcall, error = setmetatable, getmetatable, pcall, error

local Thrown = {}

--- See the file comment.
function M.query_error(code, message)
  return errors.new { code = code, errorCode = code, message = message, status = 400 }
end

--- See the file comment.
function M.raise(err)
  error(setmetatable({ err = err }, Thrown), 0)
end

--- See the file comment.
function M.throw(ctx, code, pos, reason)
  local message = pos and parser.format_error(ctx.text, pos, reason) or reason
  M.raise(M.query_error(code, message))
end

--- See the file comment.
function M.is_thrown(v) return getmetatable(v) == Thrown end

--- See the file comment.
function M.protect(fn, ...)
  local ok, res = pcall(fn, ...)
  if ok then return res end
  if getmetatable(res) == Thrown then return nil, res.err end
  error(res, 0)
end

M.FIELD_HINT = " If you are attempting to use a custom field, be sure to append the '__c' after the"
  .. " custom field name. Please reference your WSDL or the describe call for the appropriate names."
M.RELATIONSHIP_HINT = " If you are attempting to use a custom relationship, be sure to append the '__r'"
  .. " after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
M.OBJECT_HINT = " If you are attempting to use a custom object, be sure to append the '__c' after the"
  .. " entity name. Please reference your WSDL or the describe call for the appropriate names."

return M
