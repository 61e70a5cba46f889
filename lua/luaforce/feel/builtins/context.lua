--- FEEL builtins: contexts (get value, get entries, context put, context merge,
-- and their old names put and put all).
-- FEEL contexts are values: put and merge build new ones, in order.
local values = require "luaforce.feel.kinds"

local NULL, LIST_MT = values.NULL, values.LIST_MT
local kind, keys_of, out = values.kind, values.keys, values.out

local ENTRY_MT = values.context_mt { "key", "value" }

-- A copy of ctx with key set to v (v == nil: null); a new key goes last.
local function put(ctx, key, v)
  local t, order = {}, keys_of(ctx)
  for _, k in ipairs(order) do t[k] = ctx[k] end
  if t[key] == nil then order[#order + 1] = key end
  t[key] = v == nil and NULL or v
  return values.context(t, order)
end

local function put_path(ctx, path, i, v)
  local key = path[i]
  if i == #path then return put(ctx, key, v) end
  local inner = out(ctx[key])
  if kind(inner) ~= "context" then inner = values.context({}, {}) end
  return put(ctx, key, put_path(inner, path, i + 1, v))
end

local function string_path(l)
  if #l == 0 then return nil, "the keys must not be empty" end
  for i = 1, #l do
    if type(l[i]) ~= "string" then return nil, "the keys must be strings" end
  end
  return l
end

-- get value(context, key or keys): a key, or a path of keys into nested contexts
local function get_value(ctx, key)
  if type(key) == "string" then return out(ctx[key]) end
  if kind(key) ~= "list" then return nil, "the key must be a string or a list of strings" end
  local path, err = string_path(key)
  if not path then return nil, err end
  local v = ctx
  for i = 1, #path do
    if kind(v) ~= "context" then return nil end
    v = out(v[path[i]])
  end
  return v
end

local function get_entries(ctx)
  local t = {}
  for i, k in ipairs(keys_of(ctx)) do
    t[i] = setmetatable({ key = k, value = ctx[k] }, ENTRY_MT)
  end
  return setmetatable(t, LIST_MT)
end

local function context_put(ctx, key, v)
  if type(key) == "string" then return put(ctx, key, v) end
  if kind(key) ~= "list" then return nil, "the key must be a string or a list of strings" end
  local path, err = string_path(key)
  if not path then return nil, err end
  return put_path(ctx, path, 1, v)
end

-- the contexts given, or the contexts of the one list given; later keys win
local function merge(...)
  local n, list = select("#", ...), { ... }
  if n == 1 and kind(list[1]) == "list" then list = list[1]; n = #list end
  local t, order = {}, {}
  for i = 1, n do
    local c = out(list[i])
    if kind(c) ~= "context" then return nil, "the arguments must be contexts, or one list of contexts" end
    for _, k in ipairs(keys_of(c)) do
      if t[k] == nil then order[#order + 1] = k end
      t[k] = c[k]
    end
  end
  return values.context(t, order)
end

-- Each variant under the names Camunda gives it (some functions have two
-- spellings of a parameter; `put` and `put all` are the old names of
-- `context put` and `context merge`).
return function(def)
  def("get value", { "context: context", "key: any" }, get_value)
  def("get value", { "m: context", "key: any" }, get_value)
  def("get value", { "context: context", "keys: any" }, get_value)

  def("get entries", { "context: context" }, get_entries)
  def("get entries", { "m: context" }, get_entries)

  def("context put", { "context: context", "key: any", "value: any" }, context_put)
  def("context put", { "context: context", "keys: any", "value: any" }, context_put)
  def("put", { "context: context", "key: any", "value: any" }, context_put)

  def("context merge", { "contexts...: any" }, merge)
  def("put all", { "contexts...: any" }, merge)
end
