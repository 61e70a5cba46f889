--- luaforce.feel.builtins: the builtin functions and the one wrapper that
-- checks their arguments.
--
-- A category module (conversion, boolean, string, list, context, numeric,
-- connector, temporal, range, regex) returns
-- `function(def)`, and declares each variant of a function with Camunda's
-- parameter names and types:
--
--     def("substring", { "string: string", "start position: number" }, impl)
--     def("substring", { "string: string", "start position: number", "length: number" }, impl)
--     def("append", { "list: list", "items...: any" }, impl)   -- varargs
--
-- Types: any, number, string, boolean, list, context, function, or a kind
-- added later; a `?` suffix lets null through (`value: any` always does).
-- The wrapper picks the variant by the number of arguments (or by their
-- names, `substring(string: "abc", start position: 2)`), checks the types,
-- and calls `impl` with the FEEL values (nil for null). A wrong argument is
-- null and a warning, as in Camunda. `impl` returns the result, or
-- `nil, message` to fail with a warning.
local values = require "luaforce.feel.kinds"

local M = {}

local kind, warn, describe = values.kind, values.warn, values.describe
local select, unpack = select, table.unpack

--- name -> the FEEL function value of that builtin
M.functions = {}
--- the set of builtin names (the parser uses it for names with spaces)
M.names = {}

local function parse_param(spec)
  local name, ty = spec:match("^(.-):%s*(%S+)$")
  if not name then name, ty = spec, "any" end
  local varargs = false
  if name:sub(-3) == "..." then
    varargs, name = true, name:sub(1, -4)
  end
  local nullable = ty:sub(-1) == "?" or ty == "any"
  ty = ty:gsub("%?$", "")
  return { name = name, type = ty, nullable = nullable, varargs = varargs }
end

local function fail(fname, message)
  warn("FUNCTION_INVOCATION_FAILURE", ("%s: %s"):format(fname, message))
  return nil
end

-- Checks argument i against param p; returns true or warns.
local function check(fname, p, v)
  if v == nil then
    if p.nullable then return true end
    fail(fname, ("'%s' must be a %s, not null"):format(p.name, p.type))
    return false
  end
  if p.type == "any" then return true end
  local k = kind(v)
  if k == p.type then return true end
  fail(fname, ("'%s' must be a %s, not %s"):format(p.name, p.type, describe(v)))
  return false
end

local function signature(fname, variant)
  local names = {}
  for i, p in ipairs(variant.params) do names[i] = p.name .. (p.varargs and "..." or "") end
  return fname .. "(" .. table.concat(names, ", ") .. ")"
end

local function signatures(fname, variants)
  local out = {}
  for i, v in ipairs(variants) do out[i] = signature(fname, v) end
  return table.concat(out, " or ")
end

local function invoke(fname, variant, n, ...)
  local params = variant.params
  local np = #params
  for i = 1, n do
    local p = params[i <= np and i or np]
    if not check(fname, p, (select(i, ...))) then return nil end
  end
  local r, err = variant.impl(...)
  if r == nil and err then return fail(fname, err) end
  return r
end

local function make(fname)
  local variants = {}
  local f = setmetatable({ name = fname, variants = variants, builtin = true }, values.FUNCTION_MT)
  -- the variant for each argument count, worked out on first use
  local by_arity = {}
  f.by_arity = by_arity
  f.call = function(...)
    local n = select("#", ...)
    local best = by_arity[n]
    if best then return invoke(fname, best, n, ...) end
    for i = 1, #variants do
      local v = variants[i]
      local np = #v.params
      if np == n and not v.varargs then best = v; break end
      if v.varargs and n >= np - 1 then best = best or v end
    end
    if not best then
      return fail(fname, ("takes %s, not %d argument%s"):format(signatures(fname, variants), n, n == 1 and "" or "s"))
    end
    by_arity[n] = best
    return invoke(fname, best, n, ...)
  end
  f.call_named = function(names, args, n)
    n = n or #names
    for i = 1, #variants do
      local v = variants[i]
      local pos, matched = {}, 0
      for j, p in ipairs(v.params) do pos[p.name] = j end
      for j = 1, n do
        if pos[names[j]] then matched = matched + 1 end
      end
      if matched == n and n == #v.params then
        local ordered = {}
        for j = 1, n do ordered[pos[names[j]]] = args[j] end
        if v.varargs then
          -- a named varargs parameter takes a list of the values
          local last = ordered[n]
          if kind(last) == "list" then
            local items = {}
            for k = 1, #last do items[k] = values.out(last[k]) end
            return invoke(fname, v, n - 1 + #items, unpack(ordered, 1, n - 1), unpack(items, 1, #items))
          end
        end
        return invoke(fname, v, n, unpack(ordered, 1, n))
      end
    end
    -- else the shortest variant that names them all, the parameters left
    -- out being ones that take null (`fromAi(value: x, type: "number")`)
    for i = 1, #variants do
      local v = variants[i]
      local np = #v.params
      if np > n and not v.varargs then
        local pos = {}
        for j, p in ipairs(v.params) do pos[p.name] = j end
        local ordered, ok = {}, true
        for j = 1, n do
          local at = pos[names[j]]
          if not at then ok = false; break end
          ordered[at] = args[j]
        end
        if ok then
          for j = 1, np do
            local p = v.params[j]
            if ordered[j] == nil and not (p.nullable and p.type ~= "any") then ok = false; break end
          end
        end
        if ok then return invoke(fname, v, np, unpack(ordered, 1, np)) end
      end
    end
    return fail(fname, ("no variant takes the arguments (%s); it takes %s")
      :format(table.concat(names, ", "), signatures(fname, variants)))
  end
  return f
end

--- Declares one variant of a builtin.
function M.def(fname, params, impl)
  local f = M.functions[fname]
  if not f then
    f = make(fname)
    M.functions[fname] = f
    M.names[fname] = true
  end
  local ps = {}
  for i, spec in ipairs(params) do ps[i] = parse_param(spec) end
  local variant = { params = ps, impl = impl, varargs = #ps > 0 and ps[#ps].varargs or false }
  f.variants[#f.variants + 1] = variant
  for k in pairs(f.by_arity) do f.by_arity[k] = nil end
  -- the parameter names of the first variant, for string() and messages
  if not f.params then
    f.params = {}
    for i, p in ipairs(ps) do f.params[i] = p.name end
  end
end

--- The categories, in the order they load.
M.CATEGORIES = {
  "conversion", "boolean", "string", "list", "context", "numeric", "connector", "temporal", "range", "regex",
}

for _, cat in ipairs(M.CATEGORIES) do
  require("luaforce.feel.builtins." .. cat)(M.def)
end

--- Adds a category later (a caller's own functions): `register` is
-- called with `def`, like the built-in categories.
function M.add_category(register)
  register(M.def)
  -- a fresh set, so the parser (which indexes the set it is given once)
  -- learns the new names
  local names = {}
  for k in pairs(M.names) do names[k] = true end
  M.names = names
end

return M
