--- luaforce.connector.inputs: a task's inputs evaluated as Camunda's engine
-- evaluates a task's input mappings, then its secrets put in.
--
-- inputs.evaluate(task, vars[, opts]) -> fields, warnings | nil, err
--   Each input in document order: a string starting with `=` is a FEEL
--   expression over the process variables `vars` and the inputs before it
--   (the engine's rule: `url` may use `baseUrl`); any other value is taken
--   as it is. A dotted target (`authentication.type`) lands in a context
--   (`authentication`) that later inputs can read. `fields` maps each target
--   to its value (Lua values as luaforce.feel gives them, exact decimals);
--   `warnings` lists {input =, message =, type =, position =} for names
--   that were missing and other null results FEEL warns about.
--   err (code INPUT_EXPRESSION) names the input and carries the compiler's
--   line, column and caret excerpt (err.excerpt), or the failure of an
--   assert() or of the budget. opts: now, zone, max_steps, max_seconds, max_memory.
--
-- inputs.put_secrets(fields[, lookup]) -> fields | nil, err
--   Every {{secrets.NAME}} in the evaluated values (strings anywhere in
--   them, keys of contexts included) replaced by the secret, as Camunda's
--   runtime does with a job's variables: after the expressions ran, so a
--   FEEL expression writes the placeholder quoted (`= {token:
--   "{{secrets.SF_TOKEN}}"}`). An unknown secret is an error naming it
--   (code UNKNOWN_SECRET) and nothing is sent; each value used is
--   registered with luaforce.http, so every message prints *** for it.
--   `lookup` defaults to luaforce.client.secrets' (the environment, then the
--   secrets file).
local errors = require "luaforce.errors"
local feel = require "luaforce.feel"
local json = require "luaforce.json"
local secrets = require "luaforce.client.secrets"
local walk = require "luaforce.connector.walk"

local M = {}

local function copy(t)
  local out = {}
  for k, v in pairs(t or {}) do out[k] = v end
  return out
end

-- Sets a dotted target in the scope: "authentication.type" makes (or
-- extends, when an earlier input made it) the context `authentication`.
-- `made` holds the paths the inputs made: a process variable of the same
-- name is replaced, never extended (inputs are explicit).
local function assign(scope, made, target, value, prefix)
  local head, rest = target:match("^([^%.]+)%.(.+)$")
  if not head then
    scope[target] = value
    made[prefix .. target] = true
    return
  end
  local path = prefix .. head
  local inner = scope[head]
  if not made[path] or type(inner) ~= "table" then inner = json.object({}, {}) end
  scope[head] = inner
  made[path] = true
  assign(inner, made, rest, value, path .. ".")
end

local function is_expression(v)
  return type(v) == "string" and v:sub(1, 1) == "="
end

local function input_failed(target, message, fields)
  local e = { code = "INPUT_EXPRESSION", exit = errors.EXIT.USAGE, input = target,
    message = ("the input '%s': %s"):format(target, message) }
  for k, v in pairs(fields or {}) do e[k] = v end
  return nil, errors.new(e)
end

--- See the file comment.
function M.evaluate(task, vars, opts)
  local scope = copy(vars)
  local made = {}
  local fields, warnings = {}, {}
  local eopts = { exact = true }
  for k, v in pairs(opts or {}) do eopts[k] = v end
  for _, input in ipairs(task.inputs) do
    local value = input.source
    if is_expression(value) then
      local c, err = feel.compiled(value)
      if not c then
        return input_failed(input.target, err.message,
          { excerpt = err.excerpt, line = err.line, column = err.column, expression = value })
      end
      local v, ws, failure = feel.run(c.fn, feel.scope(scope), eopts)
      for _, w in ipairs(ws) do
        if w ~= failure then
          warnings[#warnings + 1] = { input = input.target, message = w.message, type = w.type, position = w.position }
        end
      end
      if failure then
        return input_failed(input.target, "the expression failed: " .. tostring(failure.message),
          { expression = value })
      end
      value = v
    end
    if value == nil then value = json.null end
    fields[input.target] = value
    assign(scope, made, input.target, value, "")
  end
  return fields, warnings
end

--- See the file comment.
function M.put_secrets(fields, lookup)
  lookup = lookup or secrets.lookup()
  local ok, res = pcall(function()
    local out = {}
    local function put(text)
      local v, err = secrets.expand(text, lookup)
      if not v then error(err, 0) end
      return v
    end
    for k, v in pairs(fields) do out[k] = walk.strings(v, put) end
    return out
  end)
  if ok then return res end
  if errors.is(res) then return nil, res end
  error(res, 0)
end

return M
