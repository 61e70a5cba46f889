--- FEEL builtins: conversion (string, number, context, from json, to json).
-- Temporal conversions (date, time, duration, ...) join in part 2.
local values = require "luaforce.feel.kinds"
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local N = require "luaforce.feel.number"

local NULL = values.NULL
local kind = values.kind

-- number(text) as Camunda reads it (Java's BigDecimal syntax): no spaces,
-- no empty text; "1.5", "-3", ".5", "1E3".
local function parse_number(text)
  if text == "" or text:find("[^%d%.%-%+eE]") then return nil end
  local d = decimal.parse(text)
  if not d then return nil end
  return N.norm(d)
end

local GROUPING = { [" "] = true, [","] = true, ["."] = true }
local DECIMAL_SEP = { ["."] = true, [","] = true }

return function(def)
  def("string", { "from: any" }, function(v)
    if v == nil then return nil end
    return values.tostring(v)
  end)

  def("number", { "from: string" }, function(s)
    return parse_number(s)
  end)

  local function number3(s, g, d)
    if g ~= nil and not GROUPING[g] then return nil, "the grouping separator must be ' ', ',' or '.'" end
    if d ~= nil and not DECIMAL_SEP[d] then return nil, "the decimal separator must be '.' or ','" end
    if g ~= nil and g == d then return nil, "the grouping and decimal separators must differ" end
    if g then s = s:gsub(g == "." and "%." or g, "") end
    if d and d ~= "." then
      if s:find(".", 1, true) then return nil end
      s = s:gsub(d, ".")
    end
    return parse_number(s)
  end
  def("number", { "from: string", "grouping separator: string?" }, function(s, g) return number3(s, g) end)
  def("number", { "from: string", "grouping separator: string?", "decimal separator: string?" }, number3)

  -- context([{key: "a", value: 1}, ...]): the last entry for a key wins.
  def("context", { "entries: list" }, function(entries)
    local t, keys = {}, {}
    for i = 1, #entries do
      local e = entries[i]
      if kind(e) ~= "context" then return nil, "each entry must be a context {key, value}" end
      local k, v = e.key, e.value
      if type(k) ~= "string" then return nil, "each entry needs a string 'key'" end
      if v == nil then return nil, "each entry needs a 'value'" end
      if t[k] == nil then keys[#keys + 1] = k end
      t[k] = v
    end
    return values.context(t, keys)
  end)

  def("from json", { "value: string" }, function(s)
    local v, err = json.decode(s)
    if v == nil then return nil, err.message end
    if v == NULL then return nil end
    return values.fromlua(v)
  end)

  def("to json", { "value: any" }, function(v)
    if v == nil then return "null" end
    local text, err = json.encode(values.tolua(v))
    if not text then return nil, err.message end
    return text
  end)
end
