--- FEEL builtins: contexts (get value, get entries, context put, context merge).
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

return function(def)
  def("get value", { "context: context", "key: any" }, function(ctx, key)
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
  end)

  def("get entries", { "context: context" }, function(ctx)
    local t = {}
    for i, k in ipairs(keys_of(ctx)) do
      t[i] = setmetatable({ key = k, value = ctx[k] }, ENTRY_MT)
    end
    return setmetatable(t, LIST_MT)
  end)

  def("context put", { "context: context", "key: any", "value: any" }, function(ctx, key, v)
    if type(key) == "string" then return put(ctx, key, v) end
    if kind(key) ~= "list" then return nil, "the key must be a string or a list of strings" end
    local path, err = string_path(key)
    if not path then return nil, err end
    return put_path(ctx, path, 1, v)
  end)

  def("context merge", { "contexts: list" }, function(list)
    local t, order = {}, {}
    for i = 1, #list do
      local c = list[i]
      if kind(c) ~= "context" then return nil, "the list must hold contexts" end
      for _, k in ipairs(keys_of(c)) do
        if t[k] == nil then order[#order + 1] = k end
        t[k] = c[k]
      end
    end
    return values.context(t, order)
  end)
end
