--- luaforce.cli.repl_last: what the REPL keeps as `_` and `_feel`, and
-- what a FEEL line sees.
--
--   last.shown(v) -> the Salesforce value as the screen shows it: a
--       response object ({status, headers, body}) as its body's records (a
--       query page) or its body (a get's record, a create's {id, success,
--       errors}); anything else as it is. nil for a response with no body
--       (an update's or a delete's 204).
--   last.from_lua(v, env) -> the value `_` becomes after a Lua line whose
--       (first) value is `v`, or nil when `_` stays as it was. Only a
--       Salesforce result replaces `_`: a response object (as shown), or a
--       JSON value the client decoded (org:describe(...), org:fetch_all(...))
--       that is not `_` itself, a piece of it (`_[1]`, `_.fields`) or a
--       piece of `_feel`. Numbers, strings, tables built in Lua, errors and
--       nil leave `_` alone, so `#_` or `_[1].Name` never lose the result.
--   last.feel_context(env) -> the context of a `= EXPR` line: `_` (as
--       shown), `_feel` (the previous FEEL value) and, when `_` is an object
--       (a record, a describe), its keys as names (`= Name`).
--
-- The session sets `_` for a SOQL line (the records, or the count of
-- SELECT COUNT()), `.describe` and `.limits` (their answers) and a Lua line
-- as above; a FEEL line's value goes to `_feel`. A failed line changes
-- neither.
local json = require "luaforce.json"
local errors = require "luaforce.errors"
local show = require "luaforce.cli.repl_show"

local M = {}

--- See the file comment.
function M.shown(v)
  if show.kind(v) ~= "response" then return v end
  local body = rawget(v, "body")
  if type(body) ~= "table" then return nil end
  local records = rawget(body, "records")
  if type(records) == "table" and (json.is_array(records) or rawget(records, 1) ~= nil) then return records end
  return body
end

-- True when `v` is `whole` or a value inside it, two levels down at most
-- (`_[1]`, `_[1].Account`, `_.fields[3]`).
local function part_of(v, whole, depth)
  if type(whole) ~= "table" then return false end
  if v == whole then return true end
  if depth == 0 then return false end
  for _, x in pairs(whole) do
    if type(x) == "table" and part_of(v, x, depth - 1) then return true end
  end
  return false
end

--- See the file comment.
function M.from_lua(v, env)
  if type(v) ~= "table" or errors.is(v) then return nil end
  if show.kind(v) == "response" then return M.shown(v) end
  if not (json.is_array(v) or json.is_object(v)) then return nil end
  if part_of(v, rawget(env, "_"), 2) or part_of(v, rawget(env, "_feel"), 2) then return nil end
  return v
end

--- See the file comment.
function M.feel_context(env)
  local last = M.shown(rawget(env, "_"))
  local context = {}
  if type(last) == "table" and not json.is_array(last) and rawget(last, 1) == nil
      and not errors.is(last) then
    for _, k in ipairs(json.keys(last)) do
      if type(k) == "string" then
        local v = rawget(last, k)
        if v == nil then v = json.null end -- a null field the client read as nil
        context[k] = v
      end
    end
  end
  context._ = last
  context._feel = rawget(env, "_feel")
  return context
end

return M
