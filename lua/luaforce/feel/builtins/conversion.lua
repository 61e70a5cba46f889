--- FEEL builtins: conversion (string, number, context, from json, to json).
-- Temporal conversions (date, time, duration, ...) join in part 2.
local values = require "luaforce.feel.kinds"
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local N = require "luaforce.feel.number"

local NULL = values.NULL
local kind = values.kind

-- number(text) as Camunda reads it (Java's BigDecimal syntax): no spaces,
-- no empty text; "1.5", "-3", ".5", "1E3". `from` is the text as given,
-- for the message (Camunda warns, naming it).
local function parse_number(text, from)
  local d = text ~= "" and not text:find("[^%d%.%-%+eE]") and decimal.parse(text)
  if not d then return nil, ("cannot parse '%s' as a number"):format(from or text) end
  return N.norm(d)
end

local GROUPING = { [" "] = true, [","] = true, ["."] = true }
local DECIMAL_SEP = { ["."] = true, [","] = true }

-- v with each function value in it replaced by its text ("function(a,
-- b)"), as Camunda's `to json` writes functions; v itself when it has none.
local function functions_as_text(v)
  local k = kind(v)
  if k == "function" then return values.tostring(v) end
  if k == "list" then
    local t, changed = {}, false
    for i = 1, #v do
      local x = values.out(v[i])
      local y = functions_as_text(x)
      changed = changed or y ~= x
      t[i] = y == nil and NULL or y
    end
    return changed and setmetatable(t, values.LIST_MT) or v
  end
  if k == "context" then
    local t, keys, changed = {}, values.keys(v), false
    for _, key in ipairs(keys) do
      local x = values.out(v[key])
      local y = functions_as_text(x)
      changed = changed or y ~= x
      t[key] = y == nil and NULL or y
    end
    return changed and values.context(t, keys) or v
  end
  return v
end

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
    local from = s
    if g then s = s:gsub(g == "." and "%." or g, "") end
    if d and d ~= "." then
      if s:find(".", 1, true) then return parse_number("", from) end
      s = s:gsub(d, ".")
    end
    return parse_number(s, from)
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

  def("from json", { "json: string" }, function(s)
    local v, err = json.decode(s)
    if v == nil then return nil, err.message end
    if v == NULL then return nil end
    return values.fromlua(v)
  end)

  def("to json", { "value: any" }, function(v)
    if v == nil then return "null" end
    local text, err = json.encode(values.tolua(functions_as_text(v)))
    if not text then return nil, err.message end
    return text
  end)
end
