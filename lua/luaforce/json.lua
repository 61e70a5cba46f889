--- luaforce.json: a lossless JSON codec (C, on yajl).
--
-- What goes in comes out:
--   * Numbers. Integers decode as Lua integers across the whole int64 range.
--     Other numbers decode as floats when the float writes back to the same
--     value in shortest round-trip form (`0.1`, `1234567890123.45`); numbers
--     no float or integer holds exactly (beyond int64, more digits than a
--     double keeps, overflow, underflow) decode as `luaforce.decimal` values
--     that keep every digit. Floats encode in shortest round-trip form, plain
--     for 1e-7 <= |x| < 1e21 and with an exponent outside it (`1e+21`);
--     integral floats keep `.0` (`300.0`), `-0.0` stays `-0.0`. The text may
--     change shape (`1e-7` comes back as `0.0000001`, `1E2` as `100.0`), the
--     value never does. `-0` (no fraction) decodes as the integer 0.
--     NaN and infinities cannot be encoded (an error, not `null`).
--   * Arrays and objects stay apart, including empty ones: decoded arrays
--     share the metatable `{__jsontype = "array"}`; decoded objects get
--     `{__jsontype = "object", __jsonkeys = {...}}` recording their key
--     order, shared by all objects with the same key sequence (do not modify
--     these metatables; `__jsonkeys` lists each key once). The encoder writes
--     the recorded keys that are still present, in order, then any keys added
--     since, sorted. Tables built in Lua encode with sorted keys (bytewise).
--     `json.array(t)` / `json.object(t)` mark a table; without a mark, a table
--     with keys exactly 1..n is an array, one with string keys only is an
--     object, and an EMPTY UNMARKED TABLE ENCODES AS `{}` (use
--     `json.array{}` for `[]`). Sparse arrays (`{1, nil, 3}`), tables mixing
--     integer and string keys, and keys of other types are refused with the
--     offending key named.
--   * `json.null` is the one value for JSON null (a userdata; `tostring`
--     gives "null"), distinct from a missing key: decoded arrays and objects
--     hold it where the text has `null`, and `json.decode("null")` returns it.
--     Lua's nil cannot be encoded (put json.null in tables instead).
--   * Null fields as nil: `json.decode(text, {null_as_nil = true})` leaves
--     an object's null members out, so they read as nil (`if rec.Email
--     then`), and records them in the object's shape (`__jsonnulls`, beside
--     `__jsonkeys`): json.encode writes them as null, in their place, and
--     `json.isnull(rec, "Email")` tells a null field (true) from an absent
--     one (false); `json.keys(rec)` lists both kinds in order. Array
--     elements stay json.null (a hole would end the array). The Salesforce
--     client decodes its responses this way.
--   * Strings must be valid UTF-8 both ways (no overlong forms, no encoded
--     surrogates, nothing above U+10FFFF, no truncated sequences); errors
--     give the byte offset. `\ud83d\ude00` decodes to the UTF-8 emoji.
--     A lone surrogate escape (`"\ud800"`, `"\udc00"`, a high one not
--     followed by a low one) is an error: yajl 2.1.0 would turn a lone high
--     surrogate into "?" and a lone low one into invalid UTF-8.
--     Encoding escapes `"`, `\` and control characters (\b \f \n \r \t,
--     others \u00XX) and leaves `/` and non-ASCII characters as they are.
--
-- Errors: `decode` returns `nil, err` for malformed text, `err` being a
-- luaforce error (code "JSON_PARSE_ERROR", exit 2) with `offset` (1-based
-- byte position, as in string.sub), `line`, `column` (1-based, in bytes)
-- and `reason` (yajl's or ours). Nesting deeper than 1000 levels is refused
-- both ways. `encode` returns `nil, err` (code "JSON_ENCODE_ERROR", exit 2)
-- for values JSON cannot hold, naming where (`records[3].Amount`). Wrong
-- argument types raise.
--
-- Encoding options: `pretty = true` (two-space indent, `"key": value`, empty
-- containers as `[]` / `{}`, no final newline), `sort_keys = true` (sorted
-- keys even where an order was recorded).
require "luaforce.core"
local core = require "luaforce.core.json"
local errors = require "luaforce.errors"

local M = {}

local raw_decode, raw_encode = core.raw_decode, core.raw_encode
local ARRAY_MT, OBJECT_MT = core.array_mt, core.object_mt
local getmetatable, setmetatable, type = getmetatable, setmetatable, type
local rawget = rawget

--- The JSON null sentinel.
M.null = core.null

--- Decodes JSON text: returns the value, or nil and an error object.
-- `opts`: `null_as_nil = true` (see the file comment).
function M.decode(text, opts)
  if type(text) ~= "string" then
    error("bad argument #1 to 'decode' (string expected, got " .. type(text) .. ")", 2)
  end
  local null_as_nil = false
  if opts ~= nil then
    if type(opts) ~= "table" then
      error("bad argument #2 to 'decode' (table expected, got " .. type(opts) .. ")", 2)
    end
    for k in pairs(opts) do
      if k ~= "null_as_nil" then error("bad argument #2 to 'decode' (unknown option '" .. tostring(k) .. "')", 2) end
    end
    null_as_nil = opts.null_as_nil and true or false
  end
  local value, reason, offset, line, column = raw_decode(text, null_as_nil)
  if value ~= nil then return value end
  return nil, errors.new {
    code = "JSON_PARSE_ERROR",
    message = string.format("invalid JSON: %s at line %d, column %d (byte %d)", reason, line, column, offset),
    reason = reason,
    offset = offset,
    line = line,
    column = column,
    exit = errors.EXIT.USAGE,
  }
end

local OPTIONS = { pretty = true, sort_keys = true }

--- Encodes a value as JSON text: returns the text, or nil and an error
-- object. `opts`: `pretty`, `sort_keys` (booleans).
function M.encode(value, opts)
  local pretty, sort_keys = false, false
  if opts ~= nil then
    if type(opts) ~= "table" then
      error("bad argument #2 to 'encode' (table expected, got " .. type(opts) .. ")", 2)
    end
    for k in pairs(opts) do
      if not OPTIONS[k] then error("bad argument #2 to 'encode' (unknown option '" .. tostring(k) .. "')", 2) end
    end
    pretty, sort_keys = opts.pretty and true or false, opts.sort_keys and true or false
  end
  local text, message = raw_encode(value, pretty, sort_keys)
  if text then return text end
  return nil, errors.new { code = "JSON_ENCODE_ERROR", message = message, exit = errors.EXIT.USAGE }
end

local function jsontype(t)
  local mt = getmetatable(t)
  return type(mt) == "table" and rawget(mt, "__jsontype") or nil
end

local function check_table(t, fname)
  if type(t) ~= "table" then
    error("bad argument #1 to '" .. fname .. "' (table expected, got " .. type(t) .. ")", 3)
  end
end

--- Marks t as a JSON array (so that an empty one encodes as []); returns t.
function M.array(t)
  if t == nil then t = {} end
  check_table(t, "array")
  if jsontype(t) ~= "array" then setmetatable(t, ARRAY_MT) end
  return t
end

--- Marks t as a JSON object (so that an empty one encodes as {}); returns t.
-- `keys` (optional) gives the order of those keys in the text; other keys
-- follow, sorted. A decoded object keeps its recorded order.
function M.object(t, keys)
  if t == nil then t = {} end
  check_table(t, "object")
  if keys ~= nil then
    if type(keys) ~= "table" then
      error("bad argument #2 to 'object' (table expected, got " .. type(keys) .. ")", 2)
    end
    local list, seen = {}, {}
    for i = 1, #keys do
      local k = keys[i]
      if type(k) ~= "string" then error("bad argument #2 to 'object' (key " .. i .. " is not a string)", 2) end
      if not seen[k] then
        seen[k] = true
        list[#list + 1] = k
      end
    end
    return setmetatable(t, { __jsontype = "object", __jsonkeys = list })
  end
  if jsontype(t) ~= "object" then setmetatable(t, OBJECT_MT) end
  return t
end

--- True when t is a table marked as a JSON array (decoded, or json.array).
function M.is_array(t)
  return type(t) == "table" and jsontype(t) == "array"
end

--- True when t is a table marked as a JSON object (decoded, or json.object).
function M.is_object(t)
  return type(t) == "table" and jsontype(t) == "object"
end

local EMPTY = {}

-- The shape's recorded keys and null set (empty tables when none).
local function shape_of(t)
  local mt = getmetatable(t)
  if type(mt) ~= "table" then return EMPTY, EMPTY end
  local keys, nulls = rawget(mt, "__jsonkeys"), rawget(mt, "__jsonnulls")
  return type(keys) == "table" and keys or EMPTY, type(nulls) == "table" and nulls or EMPTY
end

--- True when `t[k]` is JSON null: t holds json.null there, or t is a
-- decoded object whose member k was null and reads as nil (null_as_nil).
-- False for a key t does not have at all.
function M.isnull(t, k)
  if type(t) ~= "table" then error("bad argument #1 to 'isnull' (table expected, got " .. type(t) .. ")", 2) end
  local v = rawget(t, k)
  if v ~= nil then return v == M.null end
  local _, nulls = shape_of(t)
  return rawget(nulls, k) == true
end

--- The string keys of an object in the order json.encode writes them: the
-- recorded keys that are present or null, then the others sorted. Null
-- fields are included (their value reads nil).
function M.keys(t)
  if type(t) ~= "table" then error("bad argument #1 to 'keys' (table expected, got " .. type(t) .. ")", 2) end
  local recorded, nulls = shape_of(t)
  local out, seen = {}, {}
  for i = 1, #recorded do
    local k = recorded[i]
    if not seen[k] and (rawget(t, k) ~= nil or rawget(nulls, k)) then
      out[#out + 1], seen[k] = k, true
    end
  end
  local extra
  for k in next, t do
    if type(k) == "string" and not seen[k] then
      extra = extra or {}
      extra[#extra + 1] = k
    end
  end
  if extra then
    table.sort(extra)
    for _, k in ipairs(extra) do out[#out + 1] = k end
  end
  return out
end

return M
