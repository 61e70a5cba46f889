--- luaforce.feel.kinds: FEEL's value kinds as Lua values (what each kind
-- is in Lua, its equality, order and text, and the conversion to and from
-- Lua), and the warnings of the evaluation under way. Modules of the engine
-- require it as `values`.
--
-- The engine works on the caller's data in place (a decoded query result is
-- never copied before it is read):
--   null      nil at the top; json.null inside lists and contexts (the
--             engine stores json.null there, and reads both as null)
--   boolean   a Lua boolean          string   a Lua string (UTF-8)
--   number    a Lua integer, a luaforce.decimal, or a Lua float from the
--             caller (see luaforce.feel.number)
--   list      a table marked json.array (decoded arrays are), or an unmarked
--             table whose [1] is set; an EMPTY UNMARKED TABLE IS A LIST
--             (mark it with json.object for an empty context)
--   context   a table marked json.object, or an unmarked table with string
--             keys; entries keep the order recorded in the metatable's
--             __jsonkeys (decoded objects, and every context FEEL builds),
--             other keys follow sorted
--   function  a FEEL function (a table whose metatable is FUNCTION_MT,
--             with `call(...)` and maybe `call_named(names, args, n)`), or
--             a Lua function from the caller
--
-- More kinds plug in through a metatable field `__feelkind` and an entry in
-- M.kinds (`equal`, `compare`, `tostring`, `property`, `tolua`): part 2's
-- dates, times and durations arrive that way.
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local N = require "luaforce.feel.number"
local budget = require "luaforce.feel.budget"

local M = {}

local NULL = json.null
M.NULL = NULL
local type, getmetatable, setmetatable, rawget, pairs, next = type, getmetatable, setmetatable, rawget, pairs, next
local is_dec = decimal.is
local concat = table.concat

--- The metatable of every list FEEL builds (json's own array marker).
M.LIST_MT = getmetatable(json.array {})

--- The metatable of every FEEL function value (builtins, registered
-- functions, `function(a) ...` in an expression).
M.FUNCTION_MT = { __feelkind = "function" }

--- Extension kinds: name -> {equal(a, b), compare(a, b), tostring(v),
-- property(v, name), tolua(v)}; each may be absent.
M.kinds = {}

--- The FEEL kind of a Lua value: "null", "boolean", "number", "string",
-- "list", "context", "function", an extension kind, or "unknown".
local function kind(v)
  local t = type(v)
  if t == "string" then return "string" end
  if t == "table" then
    local mt = getmetatable(v)
    if type(mt) == "table" then
      local jt = rawget(mt, "__jsontype")
      if jt == "array" then return "list" end
      if jt == "object" then return "context" end
      local fk = rawget(mt, "__feelkind")
      if fk then return fk end
    end
    if v[1] ~= nil or next(v) == nil then return "list" end
    return "context"
  end
  if t == "number" then return "number" end
  if t == "nil" then return "null" end
  if t == "boolean" then return "boolean" end
  if t == "userdata" then
    if v == NULL then return "null" end
    if is_dec(v) then return "number" end
    return "unknown"
  end
  if t == "function" then return "function" end
  return "unknown"
end
M.kind = kind

--- A value read from a list or context: json.null becomes nil.
function M.out(v)
  if v == NULL then return nil end
  return v
end

--- A new list from a Lua array whose nulls are already json.null.
function M.list(t)
  return setmetatable(t, M.LIST_MT)
end

--- A context metatable for a fixed key order (share it between contexts
-- with the same keys; never modify it).
function M.context_mt(keys)
  return { __jsontype = "object", __jsonkeys = keys }
end

--- A new context from a table (nulls already json.null) and its key order.
function M.context(t, keys)
  return setmetatable(t, { __jsontype = "object", __jsonkeys = keys })
end

--- True when `key` is a null field of `ctx` that the table does not hold: a
-- record from the Salesforce client reads a null field as nil
-- (json.decode's null_as_nil) and records it in its shape (__jsonnulls).
-- FEEL sees it as an entry whose value is null.
local function null_field(ctx, key)
  local mt = getmetatable(ctx)
  local nulls = type(mt) == "table" and rawget(mt, "__jsonnulls")
  return type(nulls) == "table" and rawget(nulls, key) == true
end
M.null_field = null_field

--- ctx[key]: the value (nil for null) and whether the key exists.
function M.get(ctx, key)
  local v = rawget(ctx, key)
  if v == nil then return nil, null_field(ctx, key) end
  if v == NULL then return nil, true end
  return v, true
end

--- The keys of a context in order: the recorded ones still present or null
-- fields (null_field), then the others sorted (json.keys, the one rule).
M.keys = json.keys

-- Warnings ------------------------------------------------------------------
-- The warnings of the evaluation under way and the node being evaluated
-- (set by calls, so a builtin's complaint points at its call). Evaluations
-- do not interleave (FEEL never yields); a nested one saves and restores.
local diag = { list = nil, node = nil }
M.diag = diag

-- Per warning list: the warnings in it by type, message and offset, so a
-- repeat (a loop's iterations) counts instead of adding a line.
local seen_in = setmetatable({}, { __mode = "k" })
--- The most distinct warnings a list keeps; one more entry counts the rest.
M.MAX_WARNINGS = 100

--- Records a warning `{type, message, position}` for the evaluation under
-- way; `node` (optional) gives the position, else the current call. The
-- same warning again (same type, message and position) adds to the first
-- one's `count` (absent: once); past MAX_WARNINGS distinct ones, a last
-- warning TOO_MANY_WARNINGS counts those left out.
function M.warn(wtype, message, node)
  local list = diag.list
  if not list then return end
  node = node or diag.node
  local seen = seen_in[list]
  if not seen then seen = { n = 0 }; seen_in[list] = seen end
  local key = wtype .. "\0" .. message .. "\0" .. (node and node.pos or "")
  local w = seen[key]
  if not w and seen.n >= M.MAX_WARNINGS then
    w = seen.rest
    if not w then
      w = { type = "TOO_MANY_WARNINGS", count = 0 }
      seen.rest = w
      list[#list + 1] = w
    end
    w.count = w.count + 1
    w.message = ("%d more warnings were left out"):format(w.count)
    return
  end
  if w then
    w.count = (w.count or 1) + 1
    return
  end
  w = {
    type = wtype,
    message = message,
    position = node and { line = node.line, column = node.col, offset = node.pos } or nil,
  }
  seen[key] = w
  seen.n = seen.n + 1
  list[#list + 1] = w
end

-- Equality and order ----------------------------------------------------------

local equal

local function list_equal(a, b)
  local n = #a
  if #b ~= n then return false end
  for i = 1, n do
    if equal(M.out(a[i]), M.out(b[i])) ~= true then return false end
  end
  return true
end

local function context_equal(a, b)
  local ka, kb = M.keys(a), M.keys(b)
  if #ka ~= #kb then return false end
  for _, k in ipairs(ka) do
    local bv = b[k]
    if bv == nil or equal(M.out(a[k]), M.out(bv)) ~= true then return false end
  end
  return true
end

--- FEEL `=`: true or false; nil when the two cannot be compared (a number
-- and a string). null equals only null.
function equal(a, b)
  local ta, tb = type(a), type(b)
  if ta == tb and (ta == "string" or ta == "boolean") then return a == b end
  if a == nil or a == NULL then return b == nil or b == NULL end
  if b == nil or b == NULL then return false end
  local ka, kb = kind(a), kind(b)
  if ka ~= kb then return nil end
  if ka == "number" then return N.eq(a, b) end
  if ka == "string" or ka == "boolean" or ka == "function" then return a == b end
  if ka == "list" then return list_equal(a, b) end
  if ka == "context" then return context_equal(a, b) end
  local ext = M.kinds[ka]
  if ext and ext.equal then return ext.equal(a, b) end
  return nil
end
M.equal = equal

--- FEEL order: -1, 0 or 1; nil when a and b have no order between them.
function M.compare(a, b)
  local ta, tb = type(a), type(b)
  if ta == "number" and tb == "number" then
    if a < b then return -1 elseif a > b then return 1 else return 0 end
  end
  if ta == "string" and tb == "string" then
    if a < b then return -1 elseif a > b then return 1 else return 0 end
  end
  local ka, kb = kind(a), kind(b)
  if ka ~= kb then return nil end
  if ka == "number" then return N.compare(a, b) end
  local ext = M.kinds[ka]
  if ext and ext.compare then return ext.compare(a, b) end
  return nil
end

-- Text -----------------------------------------------------------------------

local tostr

local function quoted(s)
  return '"' .. s:gsub('[\\"]', "\\%0"):gsub("\n", "\\n") .. '"'
end

-- v as FEEL writes it; `nested` quotes strings (inside lists and contexts).
function tostr(v, nested)
  local k = kind(v)
  if k == "null" then return "null" end
  if k == "string" then return nested and quoted(v) or v end
  if k == "number" then return N.tostring(v) end
  if k == "boolean" then return tostring(v) end
  if k == "list" then
    local parts = {}
    for i = 1, #v do parts[i] = tostr(v[i], true) end
    return "[" .. concat(parts, ", ") .. "]"
  end
  if k == "context" then
    local parts = {}
    for i, key in ipairs(M.keys(v)) do parts[i] = key .. ":" .. tostr(v[key], true) end
    return "{" .. concat(parts, ", ") .. "}"
  end
  if k == "function" then
    local params = type(v) == "table" and v.params
    return "function(" .. (params and concat(params, ", ") or "...") .. ")"
  end
  local ext = M.kinds[k]
  if ext and ext.tostring then return ext.tostring(v) end
  return tostring(v)
end

--- The text `string(v)` gives.
function M.tostring(v) return tostr(v, false) end

--- A value as messages name it: `"text"` (cut at 40 characters), `null`,
-- `list`, `context`, else its kind and text (`number 1`).
function M.describe(v)
  local k = kind(v)
  if k == "string" then
    local s = #v > 40 and (v:sub(1, 37) .. "...") or v
    return '"' .. s .. '"'
  end
  if k == "null" then return "null" end
  if k == "list" or k == "context" then return k end
  return k .. " " .. tostr(v, false)
end

-- Back to Lua ------------------------------------------------------------------

local tolua

-- Copies a table only when one of its values changes, so the caller's own
-- tables come back as they went in, and FEEL-built ones are reused.
local function convert_table(t, k, exact, depth)
  local copy
  if k == "list" then
    for i = 1, #t do
      local v = t[i]
      local c = tolua(v, exact, depth)
      if c ~= v then
        if not copy then
          copy = setmetatable({}, getmetatable(t))
          for j = 1, #t do copy[j] = t[j] end
        end
        copy[i] = c
      end
    end
  else
    for key, v in pairs(t) do
      local c = tolua(v, exact, depth)
      if c ~= v then
        if not copy then
          copy = setmetatable({}, getmetatable(t))
          for k2, v2 in pairs(t) do copy[k2] = v2 end
        end
        copy[key] = c
      end
    end
  end
  return copy or t
end

function tolua(v, exact, depth)
  local t = type(v)
  if t == "userdata" then
    if is_dec(v) then return N.tolua(v, exact) end
    return v
  end
  if t ~= "table" then return v end
  depth = (depth or 0) + 1
  if depth > 200 then return v end
  local k = kind(v)
  if k == "list" or k == "context" then return convert_table(v, k, exact, depth) end
  local ext = M.kinds[k]
  if ext and ext.tolua then return ext.tolua(v) end
  return v
end

--- A FEEL value as the caller gets it: null -> nil at the top, numbers as
-- luaforce.feel.number.tolua says, everything else as it is.
function M.tolua(v, exact)
  if v == NULL then return nil end
  return tolua(v, exact, 0)
end

--- A Lua value (from a Lua function the caller put in the context) as a
-- FEEL value: floats that are whole become integers.
function M.fromlua(v)
  if type(v) == "number" then return N.norm(v) end
  if v == NULL then return nil end
  return v
end

--- Calls a FEEL function value with positional arguments: a FEEL function
-- through its `call`, a Lua function from the caller with its arguments
-- and result converted (tolua, fromlua) and its error a warning.
function M.call(f, ...)
  if type(f) == "function" then
    local n = select("#", ...)
    local args = { ... }
    for i = 1, n do args[i] = M.tolua(args[i]) end
    local ok, r = pcall(f, table.unpack(args, 1, n))
    if not ok then
      if budget.passes(r) then error(r, 0) end
      M.warn("FUNCTION_INVOCATION_FAILURE", "the function failed: " .. tostring(r))
      return nil
    end
    return M.fromlua(r)
  end
  return f.call(...)
end

return M
