--- luaforce.feel.builtins: the functions FEEL expressions call by name, the
-- one door they come in through, and the one wrapper that checks their
-- arguments.
--
-- builtins.register(name, params, fn[, opts])   (also feel.register)
--   Adds one variant of a function. `params` lists the parameters as
--   "name: type" texts with Camunda's names:
--
--     register("substring", { "string: string", "start position: number" }, impl)
--     register("substring", { "string: string", "start position: number", "length: number" }, impl)
--     register("append", { "list: list", "items...: any" }, impl)   -- varargs
--
--   Types: any, number, string, boolean, list, context, function, range,
--   date, time, date and time, days and time duration, years and months
--   duration, or a kind added to luaforce.feel.kinds' `kinds`; a `?` suffix
--   lets null through (`any` always does); "name" alone is `any`. The wrapper
--   picks the variant by the number of arguments (or by their names,
--   `substring(string: "abc", start position: 2)`), checks the types, and
--   calls `fn` with the FEEL values (nil for null). A wrong argument is null
--   and a warning, as in Camunda. `fn` returns the result, or
--   `nil, message` to fail with a warning.
--   One number of arguments runs one Lua function: another variant of that
--   arity (all varargs variants count as one arity) is refused, naming the
--   one there, unless it only renames the parameters of the same function
--   (for named calls) or `opts.replace` is true (then it takes the place of
--   the variants of its arity). A fixed arity wins over varargs.
--   Bad arguments raise, naming the argument. See docs/feel.md, "Adding
--   functions: feel.register".
-- builtins.functions     name -> the FEEL function value; those of the
--                        categories below have `category` (its name)
-- builtins.names         the set of names (the parser's list of names with
--                        spaces); a new name makes a new set, so a parser
--                        given the set re-reads it
-- builtins.add_category(f)   calls f(register), as the categories below are
--
-- A category module (conversion, boolean, string, list, context, numeric,
-- temporal, range, regex) returns `function(def)` and registers each
-- variant through `def`.
local values = require "luaforce.feel.kinds"
local lexer = require "luaforce.feel.lexer"
local budget = require "luaforce.feel.budget"

local M = {}

local kind, warn, describe = values.kind, values.warn, values.describe
local select, unpack = select, table.unpack

--- name -> the FEEL function value of that builtin
M.functions = {}
--- the set of builtin names (the parser uses it for names with spaces)
M.names = {}

-- The parameter types besides the extension kinds (luaforce.feel.kinds).
local TYPES = {
  any = true, number = true, string = true, boolean = true, list = true, context = true,
  ["function"] = true, range = true, date = true, time = true, ["date and time"] = true,
  ["days and time duration"] = true, ["years and months duration"] = true,
}

local function bad(n, message)
  error(("bad argument #%d to 'register' (%s)"):format(n, message), 3)
end

-- `{name, type, nullable, varargs}` from "name: type", or nil, why (the
-- same table for the same text: categories repeat "list: list").
local parsed = {}
local function parse_param(spec)
  local known = parsed[spec]
  if known then return known end
  local name, ty = spec:match("^(.-):%s*(.-)%s*$")
  if not name then name, ty = spec, "any" end
  local varargs = false
  if name:sub(-3) == "..." then
    varargs, name = true, name:sub(1, -4)
  end
  local nullable = ty:sub(-1) == "?" or ty == "any"
  ty = ty:gsub("%?$", "")
  if not name:find("%S") then return nil, "a parameter needs a name" end
  if not (TYPES[ty] or values.kinds[ty]) then return nil, ("unknown type '%s'"):format(ty) end
  known = { name = name, type = ty, nullable = nullable, varargs = varargs }
  parsed[spec] = known
  return known
end

-- Why `name` cannot be a FEEL function's name, or nil: words of name
-- characters (as the lexer reads them) with one space between, the first
-- word not a keyword.
local function bad_name(name)
  if name == "" then return "the name is empty" end
  local first = name:match("^[^ ]*")
  -- `and` and `or` alone are callable: the parser reads `and(` and `or(`
  -- at the start of an operand as calls (Camunda's list functions)
  if lexer.KEYWORDS[first] and not (name == "and" or name == "or") then return ("'%s' is a keyword"):format(first) end
  -- the common case in one pass: name characters, and every word starts as a name does
  if not name:find(" $") and not name:find("[^%w_?$\128-\255 ]")
    and not (" " .. name):find(" [^%a_?$\128-\255]") then
    return nil
  end
  if name:find("^ ") or name:find(" $") or name:find("  ", 1, true) then
    return "words are separated by one space, without spaces around them"
  end
  for word in name:gmatch("[^ ]+") do
    if not lexer.is_name(word) then return ("'%s' is not a FEEL name"):format(word) end
  end
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
  if k == p.type then
    -- text from a Lua caller may be any bytes; FEEL text is UTF-8
    if k == "string" and not utf8.len(v) then
      fail(fname, ("'%s' is not UTF-8 text"):format(p.name))
      return false
    end
    return true
  end
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

-- The budget's share of a call (luaforce.feel.budget): the work of the
-- arguments' sizes before it (a step per 64 bytes of text, per 4 items of a
-- list), the size of a text or list it builds after it.
local work, alloc, size = budget.work, budget.alloc, budget.size

local function invoke(fname, variant, n, ...)
  local params = variant.params
  local np = #params
  local cost = 0
  for i = 1, n do
    local p = params[i <= np and i or np]
    local v = (select(i, ...))
    if not check(fname, p, v) then return nil end
    local t = type(v)
    if t == "string" then cost = cost + (#v >> 6)
    elseif t == "table" then cost = cost + (#v >> 2) end
  end
  if cost > 0 then work(cost) end
  local r, err = variant.impl(...)
  if r == nil and err then return fail(fname, err) end
  local t = type(r)
  if t == "string" or t == "table" then
    local bytes = size(r)
    if bytes > 4096 and r ~= (...) then alloc(bytes) end
  end
  return r
end

-- Whether v fits parameter p (choosing among variants, without warnings).
local function fits(p, v)
  if v == nil then return p.nullable end
  return p.type == "any" or kind(v) == p.type
end

-- The variant a named call runs, by Camunda's rule: one whose parameters
-- include every given name, in the order the variants were registered.
-- Among several, one taking exactly the given names wins (one whose types
-- fit the values first), then one whose left-out parameters take null,
-- then the first (its left-out parameters get null and the usual check).
local function pick_named(variants, names, args, n)
  local exact_fit, exact, loose, first
  for i = 1, #variants do
    local v = variants[i]
    local at, ok = v.at, true
    for j = 1, n do
      if not at[names[j]] then ok = false; break end
    end
    if ok then
      first = first or v
      if #v.params == n then
        exact = exact or v
        if not exact_fit then
          local fit = true
          for j = 1, n do
            if not fits(v.params[at[names[j]]], args[j]) then fit = false; break end
          end
          if fit then exact_fit = v end
        end
      elseif not loose then
        local given = {}
        for j = 1, n do given[names[j]] = true end
        local nullable = true
        for _, p in ipairs(v.params) do
          if not given[p.name] and not p.varargs and not (p.nullable and p.type ~= "any") then
            nullable = false; break
          end
        end
        if nullable then loose = v end
      end
    end
  end
  return exact_fit or exact or loose or first
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
    local v = pick_named(variants, names, args, n)
    if not v then
      return fail(fname, ("no variant takes the arguments (%s); it takes %s")
        :format(table.concat(names, ", "), signatures(fname, variants)))
    end
    local params, at = v.params, v.at
    local np = #params
    local ordered = {}
    for j = 1, n do ordered[at[names[j]]] = args[j] end
    if not v.varargs then return invoke(fname, v, np, unpack(ordered, 1, np)) end
    -- a named varargs parameter takes a list of the items (Camunda passes
    -- the list as it is); left out, there are none
    local last = ordered[np]
    local count = np - 1
    if last ~= nil then
      if kind(last) ~= "list" then
        return fail(fname, ("'%s' must be a list of the items, not %s"):format(params[np].name, describe(last)))
      end
      for k = 1, #last do ordered[np - 1 + k] = values.out(last[k]) end
      count = np - 1 + #last
      if #last == 0 then ordered[np] = nil end
    end
    return invoke(fname, v, count, unpack(ordered, 1, count))
  end
  return f
end

-- The texts of the arities a variant takes, for messages.
local function arity(variant)
  local n = #variant.params
  if variant.varargs then return ("%d or more arguments"):format(n - 1) end
  return ("%d argument%s"):format(n, n == 1 and "" or "s")
end

local function same_arity(a, b)
  return a.varargs == b.varargs and (a.varargs or #a.params == #b.params)
end

local function same_names(a, b)
  if #a.params ~= #b.params then return false end
  for i, p in ipairs(a.params) do
    if p.name ~= b.params[i].name then return false end
  end
  return true
end

-- The variant of `f` a new one clashes with, or nil: one taking as many
-- arguments (both varargs counts as that) with the same parameter names, or
-- with another Lua function. Variants of one arity may differ in their
-- names only to offer named calls of one function (`date and time(date,
-- time)` and `date and time(date, timezone)`), which dispatches on the kinds.
local function clash(f, variant)
  for _, v in ipairs(f.variants) do
    if same_arity(v, variant) and (v.impl ~= variant.impl or same_names(v, variant)) then return v end
  end
end

-- Puts `variant` in the place of the variants of its arity (at the first
-- one's index), or last when there are none.
local function replace(f, variant)
  local kept, at = {}, nil
  for _, v in ipairs(f.variants) do
    if same_arity(v, variant) then
      if not at then at = #kept + 1; kept[at] = variant end
    else
      kept[#kept + 1] = v
    end
  end
  if not at then kept[#kept + 1] = variant end
  for i = 1, math.max(#kept, #f.variants) do f.variants[i] = kept[i] end
end

-- Names registered while the categories load go into the set in place;
-- later ones make a fresh set, so that a parser holding the old one
-- re-reads the names.
local loading = true
-- the category loading now (a function's `category`: those of luaforce)
local current

--- Adds one variant of a function (see the header).
function M.register(fname, params, impl, opts)
  if type(fname) ~= "string" then bad(1, "a function name expected, got " .. type(fname)) end
  local f = M.functions[fname]
  local why = not f and bad_name(fname)
  if why then bad(1, ("'%s' cannot be called from FEEL: %s"):format(fname, why)) end
  if type(params) ~= "table" then
    bad(2, 'a list of parameters such as {"text: string"} expected, got ' .. type(params))
  end
  if type(impl) ~= "function" then bad(3, "a function expected, got " .. type(impl)) end
  if opts ~= nil and type(opts) ~= "table" then bad(4, "an options table expected, got " .. type(opts)) end
  if opts then
    for k in pairs(opts) do
      if k ~= "replace" then bad(4, ("unknown option '%s'"):format(tostring(k))) end
    end
  end
  local count = 0
  for _ in pairs(params) do count = count + 1 end
  if count ~= #params then bad(2, "the parameters must be a list (keys 1 to n)") end
  local ps, seen = {}, {}
  for i, spec in ipairs(params) do
    if type(spec) ~= "string" then bad(2, ("parameter %d must be a \"name: type\" text, not %s"):format(i, type(spec))) end
    local p, err = parse_param(spec)
    if not p then bad(2, ("parameter %d '%s': %s"):format(i, spec, err)) end
    if seen[p.name] then bad(2, ("parameter %d '%s': the name '%s' is taken"):format(i, spec, p.name)) end
    if p.varargs and i < #params then bad(2, ("parameter %d '%s': only the last parameter takes '...'"):format(i, spec)) end
    seen[p.name] = true
    ps[i] = p
  end
  local at = {}
  for i, p in ipairs(ps) do at[p.name] = i end
  local variant = { params = ps, at = at, impl = impl, varargs = #ps > 0 and ps[#ps].varargs or false }

  if not f then
    f = make(fname)
    f.category = loading and current or nil
    M.functions[fname] = f
    if loading then
      M.names[fname] = true
    else
      local names = { [fname] = true }
      for k in pairs(M.names) do names[k] = true end
      M.names = names
    end
  end
  local first = f.variants[1]
  if opts and opts.replace then
    replace(f, variant)
  else
    local old = clash(f, variant)
    if old then
      error(("'%s' already takes %s: %s (pass {replace = true} to replace it)")
        :format(fname, arity(old), signature(fname, old)), 2)
    end
    f.variants[#f.variants + 1] = variant
  end
  for k in pairs(f.by_arity) do f.by_arity[k] = nil end
  -- the parameter names of the first variant, for string() and messages
  if f.variants[1] ~= first then
    f.params = {}
    for i, p in ipairs(f.variants[1].params) do f.params[i] = p.name end
  end
end

--- The categories, in the order they load.
M.CATEGORIES = {
  "conversion", "boolean", "string", "list", "context", "numeric", "temporal", "range", "regex",
}

for _, cat in ipairs(M.CATEGORIES) do
  current = cat
  require("luaforce.feel.builtins." .. cat)(M.register)
end
loading = false

--- Adds a category later (a caller's own functions): `register` is
-- called with M.register, like the built-in categories.
function M.add_category(register)
  register(M.register)
end

return M
