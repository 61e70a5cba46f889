--- luaforce.chain.value: a step's arguments, as Camunda's fields take them,
-- and how each is worked out for an item.
--
-- A step argument is
--   "=expr"          a FEEL expression over the current item (compiled once,
--                    when the step is added: a syntax error raises then)
--   function(item)   Lua, called with the item; it returns the value
--   value.literal(x) x as it is, even a string starting with "="
--   a table          for a record's fields: each entry is an argument of its
--                    own ({StageName = "Closed Lost", OwnerId = "=owner"})
--   anything else    itself
--
-- value.prepare(v, what[, fields]) -> spec   (raises a usage error naming
--   `what` for a FEEL syntax error; `fields`: a table is a fields table)
-- value.literal(x) -> a literal argument
-- value.resolve(spec, item, eopts) -> value | nil, err
--   err names the argument and says why: the FEEL evaluation failed
--   (INVALID_INPUT, exit 2), or the Lua function raised (SCRIPT_ERROR,
--   exit 5, as a script's error). FEEL's warnings (a
--   missing name) give null, as in Camunda; the caller decides whether null
--   is acceptable.
-- value.depends(spec, names) -> true when the argument may read one of the
--   names (a set): FEEL by the names it mentions, a Lua function always.
-- value.reference(spec, bound) -> ref | nil
--   When the argument is one FEEL path from a name in `bound` (name ->
--   {ref = referenceId, prefix = {...}, body = true}), the composite
--   reference it stands for: {ref =, path = {...}} with indexes counted from
--   0 as Salesforce's references count them. `bound[name].body` says the
--   name holds a response object, whose `body` the reference reads.
-- value.is_ref(v) -> whether v is such a reference; value.ref_text(ref) ->
--   "@{acc.records[0].Id}"
local errors = require "luaforce.errors"
local feel = require "luaforce.feel"
local json = require "luaforce.json"

local M = {}

local LITERAL = {}
local REF = { __name = "luaforce.chain.Ref" }

--- See the file comment.
function M.literal(x)
  return setmetatable({ value = x }, LITERAL)
end

local function usage(what, message)
  return errors.usage(("%s: %s"):format(what, message))
end

--- See the file comment.
function M.prepare(v, what, fields)
  if getmetatable(v) == LITERAL then return { kind = "literal", value = v.value, what = what } end
  if type(v) == "string" and v:match("^%s*=") then
    local c, err = feel.compile(v)
    if not c then
      error(usage(what, err.message .. (err.excerpt and ("\n" .. err.excerpt) or "")), 0)
    end
    return { kind = "feel", compiled = c, source = v, what = what }
  end
  if type(v) == "function" then return { kind = "fn", fn = v, what = what } end
  if fields and type(v) == "table" and v ~= json.null and not json.is_array(v) then
    local entries, order = {}, {}
    for k, x in pairs(v) do
      if type(k) ~= "string" then error(usage(what, "field names must be strings"), 0) end
      order[#order + 1] = k
      entries[k] = M.prepare(x, ("%s.%s"):format(what, k))
    end
    table.sort(order)
    return { kind = "table", entries = entries, order = order, what = what }
  end
  return { kind = "literal", value = v, what = what }
end

local function failed(spec, message)
  return nil, errors.new { code = "INVALID_INPUT", exit = errors.EXIT.USAGE,
    message = ("%s: %s"):format(spec.what, message) }
end

local function warning_text(w)
  local parts = {}
  for i, x in ipairs(w or {}) do
    if i > 3 then break end
    parts[#parts + 1] = x.message
  end
  return table.concat(parts, "; ")
end

--- See the file comment.
function M.resolve(spec, item, eopts)
  local kind = spec.kind
  if kind == "literal" then return spec.value end
  if kind == "feel" then
    local v, w, failure = spec.compiled:eval(item, eopts)
    if failure then return failed(spec, ("%s fails: %s"):format(spec.source, failure.message)) end
    if v == nil then
      -- null: say why when FEEL said something
      return json.null, warning_text(w)
    end
    return v
  end
  if kind == "fn" then
    local ok, v = pcall(spec.fn, item)
    if not ok then
      if errors.is_interrupt(v) then error(v, 0) end
      -- the script's own code failed: a script error (exit 5), this item's
      return nil, errors.new { code = "SCRIPT_ERROR", exit = errors.EXIT.SCRIPT,
        message = ("%s: the function raised: %s"):format(spec.what, tostring(v)) }
    end
    if v == nil then return json.null end
    return v
  end
  -- a fields table
  local out, order = {}, {}
  for _, k in ipairs(spec.order) do
    local v, err = M.resolve(spec.entries[k], item, eopts)
    if v == nil then return nil, err end
    out[k] = v
    order[#order + 1] = k
  end
  return json.object(out, order)
end

--- See the file comment.
function M.depends(spec, names)
  if spec.kind == "fn" then return true end
  if spec.kind == "feel" then
    for name in pairs(spec.compiled:names()) do
      if names[name] then return true end
    end
    return false
  end
  if spec.kind == "table" then
    for _, e in pairs(spec.entries) do
      if M.depends(e, names) then return true end
    end
  end
  return false
end

--- See the file comment.
function M.reference(spec, bound)
  if spec.kind ~= "feel" then return nil end
  local path = spec.compiled:path()
  if not path then return nil end
  local b = bound[path[1]]
  if not b then return nil end
  local rest = {}
  for _, p in ipairs(b.prefix or {}) do rest[#rest + 1] = p end
  local i = 2
  if b.body then
    -- a response object: only its body reaches a reference
    if path[2] ~= "body" then return nil end
    i = 3
  end
  for j = i, #path do
    local p = path[j]
    if math.type(p) == "integer" then
      -- FEEL counts from 1, Salesforce's references from 0; and only a
      -- name may follow the reference id
      if #rest == 0 then return nil end
      p = p - 1
    end
    rest[#rest + 1] = p
  end
  if #rest == 0 or math.type(rest[1]) == "integer" then return nil end
  for _, p in ipairs(rest) do
    if type(p) == "string" and not p:match("^[%a_][%w_]*$") then return nil end
  end
  return setmetatable({ ref = b.ref, path = rest }, REF)
end

--- See the file comment.
function M.is_ref(v)
  return getmetatable(v) == REF
end

--- See the file comment.
function M.ref_text(r)
  local out = { "@{", r.ref }
  for _, p in ipairs(r.path) do
    if math.type(p) == "integer" then out[#out + 1] = ("[%d]"):format(p)
    else out[#out + 1] = "." .. p end
  end
  out[#out + 1] = "}"
  return table.concat(out)
end

REF.__tostring = M.ref_text

return M
