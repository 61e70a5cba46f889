-- tests/feel/canonical.lua: a FEEL value from luaforce as canonical JSON
-- text, written exactly as tests/feel/feelin_eval.js writes feelin's
-- values, so the differential test compares two strings (see that file for
-- the form: exact decimal text for numbers, tagged temporal values and
-- ranges, contexts in their own order).
--
--     local canonical = dofile("tests/feel/canonical.lua")
--     canonical.value(v)        --> '{"a":[1,0.3]}'
--     canonical.string(s)       --> JSON.stringify's text for s
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local values = require "luaforce.feel.kinds"

local M = {}

local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

--- s as JSON.stringify writes it: short escapes, other control characters
-- as \u00xx (lower-case hex), everything else (UTF-8 included) as it is.
function M.string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == "\127" then return c end
    return ESC[c] or ("\\u%04x"):format(c:byte())
  end) .. '"'
end

--- A number's exact value as plain decimal text without trailing zeros.
function M.number(n)
  if math.type(n) == "integer" then return tostring(n) end
  if math.type(n) == "float" then
    if n ~= n or n == math.huge or n == -math.huge then
      return '{"@number":' .. M.string(n ~= n and "NaN" or (n > 0 and "Infinity" or "-Infinity")) .. "}"
    end
    n = decimal.new(n)
  end
  local s = n:plain()
  if s:find(".", 1, true) then s = s:gsub("0+$", ""):gsub("%.$", "") end
  if s == "-0" then s = "0" end
  return s
end

-- Part 2's value kinds, by the `instance of` names they carry; the tag is
-- the one feelin_eval.js gives the same kind.
local TEMPORAL = {
  ["date"] = "@date",
  ["time"] = "@time",
  ["date and time"] = "@date and time",
  ["days and time duration"] = "@days and time duration",
  ["years and months duration"] = "@years and months duration",
}

local canon

-- A range through its FEEL properties (`r.start`, `r.end`, `r.start
-- included`), which both engines offer.
local function range_text(v, ext, depth)
  local function prop(name)
    local x = ext.property(v, name)
    return x
  end
  return '{"@range":[' .. (prop("start included") == true and '"["' or '"("') .. ","
    .. canon(prop("start"), depth) .. "," .. canon(prop("end"), depth) .. ","
    .. (prop("end included") == true and '"]"' or '")"') .. "]}"
end

function canon(v, depth)
  depth = (depth or 0) + 1
  if depth > 100 then return '{"@unknown":"too deep"}' end
  local k = values.kind(v)
  if k == "null" then return "null" end
  if k == "boolean" then return v and "true" or "false" end
  if k == "number" then return M.number(v) end
  if k == "string" then return M.string(v) end
  if k == "function" then return '{"@function":true}' end
  if k == "list" then
    local parts = {}
    for i = 1, #v do parts[i] = canon(v[i], depth) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  if k == "context" then
    local parts = {}
    for i, key in ipairs(values.keys(v)) do parts[i] = M.string(key) .. ":" .. canon(v[key], depth) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  local ext = values.kinds[k]
  if k == "range" and ext and ext.property then return range_text(v, ext, depth) end
  -- a days-time duration as its ISO text (PT0S for zero; string() writes
  -- Camunda's P0D)
  local text = (k == "days and time duration" and ext.tolua) and ext.tolua(v)
    or ext and ext.tostring and ext.tostring(v) or tostring(v)
  return "{" .. M.string(TEMPORAL[k] or ("@" .. k)) .. ":" .. M.string(text) .. "}"
end

--- v (a FEEL value as the engine holds it, before luaforce.feel turns it
-- into a Lua value: nil or json.null for null) as text.
function M.value(v)
  if v == json.null then return "null" end
  return canon(v, 0)
end

return M
