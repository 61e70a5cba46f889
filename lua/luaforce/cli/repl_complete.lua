--- luaforce.cli.repl_complete: Tab completion for the REPL.
--
--   local complete = repl_complete.new(state)
--   complete(before_cursor, line) -> candidates, word, hide
--
-- `word` is the end of `before_cursor` being completed and each candidate
-- replaces it (luaforce.core.repl's editor inserts it, or the candidates'
-- common beginning, or lists them without their first `hide` bytes: the
-- path typed before the name, `org.` or `Owner.`). `state` gives what completion reads:
--   state.org()        the current org (nil: no metadata completion)
--   state.env          the Lua environment of the REPL's chunks
--   state.last()       the last result `_`
--   state.commands     the dot commands' names ({".help", ...})
--   state.formats      the names `.format` takes
--   state.connect_options  the options `.connect` takes ({"--instance", ...})
--
-- What completes where:
--   .he            dot commands; `.describe Acc` object names; `.format j`
--   SELECT ... FROM Acc      sObject names (describe_global)
--   SELECT Na ... / WHERE Na / Owner.Na   field and relationship names of the
--                  object after FROM (describe), following relationships;
--                  inside a subquery, the child object's; after FROM in a
--                  subquery, the parent's child relationship names
--   = str          FEEL builtin names, `_` and, when `_` is an object, its keys
--   anything else  Lua: globals and keywords; after `x.` or `x:` the keys of
--                  x and of what its metatable's __index offers (org: its
--                  methods)
-- Metadata comes from org:describe_global() and org:describe(), which the
-- client caches per connection; the name lists are kept here per org.
-- Completion never raises: a failed describe (or Ctrl-C during one) means
-- no candidates.
local M = {}

local lower = string.lower

local LUA_KEYWORDS = {
  "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
  "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
}

local SOQL_KEYWORDS = {
  "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "INCLUDES", "EXCLUDES", "ORDER BY", "GROUP BY",
  "HAVING", "LIMIT", "OFFSET", "ASC", "DESC", "NULLS FIRST", "NULLS LAST", "NULL", "TRUE", "FALSE",
  "COUNT()", "TYPEOF", "WITH", "FOR VIEW", "FOR UPDATE", "USING SCOPE", "FIELDS(ALL)",
  "FIELDS(STANDARD)", "FIELDS(CUSTOM)",
}

local FEEL_KEYWORDS = {
  "for", "in", "return", "if", "then", "else", "some", "every", "satisfies", "and", "or",
  "between", "instance of", "null", "true", "false", "function",
}

-- Candidates from `names` that start with `word`, any case, sorted and
-- without repeats. `prefix` is put before each (a path already typed).
local function matching(names, word, prefix)
  local lw = lower(word)
  local out, seen = {}, {}
  for _, n in ipairs(names) do
    if lower(n):sub(1, #lw) == lw and not seen[n] then
      seen[n] = true
      out[#out + 1] = (prefix or "") .. n
    end
  end
  table.sort(out, function(a, b)
    local la, lb = lower(a), lower(b)
    if la == lb then return a < b end
    return la < lb
  end)
  return out
end

local function append(list, more)
  for _, v in ipairs(more) do list[#list + 1] = v end
  return list
end

---------------------------------------------------------------------------
-- Metadata, cached per org

local Meta = {}
Meta.__index = Meta

local function new_meta()
  return setmetatable({ by_org = setmetatable({}, { __mode = "k" }) }, Meta)
end

function Meta:cache(org)
  local c = self.by_org[org]
  if not c then
    c = { fields = {} }
    self.by_org[org] = c
  end
  return c
end

-- The org's sObject names, or an empty list.
function Meta:objects(org)
  local c = self:cache(org)
  if c.objects then return c.objects end
  local ok, g = pcall(org.describe_global, org)
  if not ok or type(g) ~= "table" or type(g.sobjects) ~= "table" then return {} end
  local names = {}
  for _, o in ipairs(g.sobjects) do
    if type(o.name) == "string" then names[#names + 1] = o.name end
  end
  c.objects = names
  return names
end

-- The describe of `object` (any case), or nil.
function Meta:describe(org, object)
  if type(object) ~= "string" or not object:match("^%a[%w_]*$") then return nil end
  local c = self:cache(org)
  local key = lower(object)
  if c.fields[key] ~= nil then return c.fields[key] or nil end
  local ok, d = pcall(org.describe, org, object)
  if not ok or type(d) ~= "table" or type(d.fields) ~= "table" then
    c.fields[key] = false
    return nil
  end
  c.fields[key] = d
  return d
end

-- Field names and relationship names (with a final dot) of `object`.
function Meta:field_names(org, object)
  local d = self:describe(org, object)
  if not d then return {} end
  local names = {}
  for _, f in ipairs(d.fields) do
    if type(f.name) == "string" then names[#names + 1] = f.name end
    if type(f.relationshipName) == "string" then names[#names + 1] = f.relationshipName .. "." end
  end
  return names
end

-- The object a relationship of `object` leads to (a lookup's first target).
function Meta:follow(org, object, rel)
  local d = self:describe(org, object)
  if not d then return nil end
  local lr = lower(rel)
  for _, f in ipairs(d.fields) do
    if type(f.relationshipName) == "string" and lower(f.relationshipName) == lr
        and type(f.referenceTo) == "table" and type(f.referenceTo[1]) == "string" then
      return f.referenceTo[1]
    end
  end
  return nil
end

-- Child relationships of `object`: name -> child object, and the names.
function Meta:children(org, object)
  local d = self:describe(org, object)
  local map, names = {}, {}
  if not d or type(d.childRelationships) ~= "table" then return map, names end
  for _, r in ipairs(d.childRelationships) do
    if type(r.relationshipName) == "string" and type(r.childSObject) == "string" then
      map[lower(r.relationshipName)] = r.childSObject
      names[#names + 1] = r.relationshipName
    end
  end
  return map, names
end

---------------------------------------------------------------------------
-- SOQL

-- The query's parenthesised groups, from the tokens of the whole line:
-- for each group its parent and the object after its FROM; the group the
-- cursor (byte `at`) is in; and whether the word before the cursor follows
-- FROM directly.
local function soql_scope(line, at)
  local toks = require("luaforce.soql.lexer").tokenize(line)
  local groups = { { parent = nil } }
  local stack = { 1 }
  local cursor_group = 1
  local prev_before -- the last token that ends before the cursor's word
  for i, t in ipairs(toks) do
    if t.k == "eof" or t.k == "error" then break end
    local g = stack[#stack]
    if t.p < at then
      cursor_group = g
      prev_before = t
    end
    if t.k == "punct" and t.t == "(" then
      groups[#groups + 1] = { parent = g }
      stack[#stack + 1] = #groups
      if t.p < at then cursor_group = #groups end
    elseif t.k == "punct" and t.t == ")" then
      if #stack > 1 then stack[#stack] = nil end
      if t.p < at then cursor_group = stack[#stack] end
    elseif t.k == "id" and t.u == "FROM" then
      local nxt = toks[i + 1]
      if nxt and nxt.k == "id" then groups[g].from = nxt.t end
    end
  end
  return groups, cursor_group, prev_before
end

function M.soql(meta, org, before, line)
  local word = before:match("[%w_%.]*$")
  local at = #before - #word + 1
  local groups, g, prev = soql_scope(line, at)
  if not groups then return {}, word end
  -- the object of each group: the top one's FROM; a subquery's FROM is a
  -- child relationship of its parent's object
  local function object_of(id)
    local grp = groups[id]
    if not grp then return nil end
    if grp.object ~= nil then return grp.object or nil end
    local obj
    if grp.from then
      if grp.parent == nil then
        obj = grp.from
      else
        local parent = object_of(grp.parent)
        if parent then
          local map = meta:children(org, parent)
          obj = map[lower(grp.from)]
        end
      end
    elseif grp.parent then
      obj = object_of(grp.parent) -- a function's parentheses: COUNT(Id)
    end
    grp.object = obj or false
    return obj
  end
  local after_from = prev and prev.k == "id" and prev.u == "FROM" and prev.p + #prev.t <= at
  if after_from then
    if groups[g].parent == nil then return matching(meta:objects(org), word), word end
    local parent = object_of(groups[g].parent)
    if not parent then return {}, word end
    local _, names = meta:children(org, parent)
    return matching(names, word), word
  end
  local object = object_of(g)
  -- a path: follow each relationship, then complete the last part
  local path, last = word:match("^(.*)%.([%w_]*)$")
  if path then
    if not object then return {}, word end
    for rel in path:gmatch("[^.]+") do
      object = meta:follow(org, object, rel)
      if not object then return {}, word end
    end
    return matching(meta:field_names(org, object), last, path .. "."), word, #path + 1
  end
  local out = object and matching(meta:field_names(org, object), word) or {}
  if word ~= "" then append(out, matching(SOQL_KEYWORDS, word)) end
  return out, word
end

---------------------------------------------------------------------------
-- Lua

-- The keys a value offers: its own string keys, then through its
-- metatable's __index tables (methods), a few levels deep.
local function keys_of(v, methods_only, hidden)
  local out, seen = {}, {}
  local function add(t)
    for k, x in pairs(t) do
      if type(k) == "string" and k:match("^[%a_][%w_]*$") and not seen[k]
          and (hidden or k:sub(1, 2) ~= "__")
          and (not methods_only or type(x) == "function") then
        seen[k] = true
        out[#out + 1] = k
      end
    end
  end
  local depth = 0
  while v ~= nil and depth < 5 do
    if type(v) == "table" then add(v) end
    local mt = getmetatable(v)
    if type(mt) ~= "table" then break end
    local idx = rawget(mt, "__index")
    if type(idx) ~= "table" then break end
    v, depth = idx, depth + 1
  end
  return out
end

function M.lua(env, before)
  local word = before:match("[%w_%.:]*$")
  if word:match("^%d") then return {}, word end
  local base, sep, last = word:match("^(.*)([%.:])([%w_]*)$")
  if base then
    if base == "" or base:find("[:]") then return {}, word end
    local v = env
    for part in base:gmatch("[^.]+") do
      if not part:match("^[%a_][%w_]*$") then return {}, word end
      local ok, x = pcall(function() return v[part] end)
      if not ok or x == nil then return {}, word end
      v = x
    end
    if type(v) == "string" then v = string end
    -- metamethods (__index, __name) only when asked for with "__"
    return matching(keys_of(v, sep == ":", last:sub(1, 2) == "__"), last, base .. sep), word, #base + 1
  end
  local names = {}
  for k in pairs(env) do
    if type(k) == "string" then names[#names + 1] = k end
  end
  local mt = getmetatable(env)
  local g = type(mt) == "table" and type(rawget(mt, "__index")) == "table" and rawget(mt, "__index") or _G
  for k in pairs(g) do
    if type(k) == "string" then names[#names + 1] = k end
  end
  append(names, LUA_KEYWORDS)
  if word == "" then return {}, word end
  return matching(names, word), word
end

---------------------------------------------------------------------------
-- FEEL

function M.feel(last, before)
  local names = { "_" }
  for n in pairs(require("luaforce.feel.builtins").names) do names[#names + 1] = n end
  append(names, FEEL_KEYWORDS)
  if type(last) == "table" and type(rawget(last, 1)) ~= "table" then
    for k in pairs(last) do
      if type(k) == "string" and k ~= "attributes" then names[#names + 1] = k end
    end
  end
  -- builtin names have blanks ("string length"): the word may start some
  -- words back; the longest start that still matches wins
  local tail = before:match("[%a_][%w_ ]*$") or ""
  for s in tail:gmatch("()[%a_]") do
    local word = tail:sub(s)
    if word:find(" ", 1, true) and (s == 1 or tail:sub(s - 1, s - 1) == " ") then
      local found = matching(names, word)
      if #found > 0 then return found, word end
    end
  end
  local word = before:match("[%w_]*$")
  return matching(names, word), word
end

---------------------------------------------------------------------------
-- The dispatcher

function M.new(state)
  local meta = new_meta()
  local function complete(before, line)
    local org = state.org and state.org()
    local cmd, rest = before:match("^%s*(%.[%w]*)(.*)$")
    if cmd then
      if rest == "" then return matching(state.commands or {}, cmd), cmd end
      local word = rest:match("(%S*)$")
      if cmd == ".describe" and org then return matching(meta:objects(org), word), word end
      if cmd == ".format" then return matching(state.formats or {}, word), word end
      if cmd == ".connect" and word:sub(1, 1) == "-" then
        return matching(state.connect_options or {}, word), word
      end
      return {}, word
    end
    if before:match("^%s*=") then return M.feel(state.last and state.last(), before) end
    if before:match("^%s*[Ss][Ee][Ll][Ee][Cc][Tt]%f[^%w_]") then
      if not org then return {}, before:match("[%w_%.]*$") end
      return M.soql(meta, org, before, line)
    end
    return M.lua(state.env or _G, before)
  end
  return function(before, line)
    local ok, cands, word, hide = pcall(complete, before, line)
    if not ok then return {}, "" end
    return cands, word, hide
  end
end

return M
