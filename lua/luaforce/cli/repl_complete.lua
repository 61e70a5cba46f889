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
--                  (their first argument only)
--   SELECT ...     what may come at the cursor (luaforce.cli.repl_soql_context):
--                  after FROM sObject names (describe_global), in a
--                  SELECT-list subquery the parent's child relationship
--                  names; where a field can come (SELECT Na, WHERE Na,
--                  Owner.Na) field and relationship names of the object
--                  after FROM (describe), following relationships, inside a
--                  subquery the child object's, and keywords only once a
--                  word is typed and only those that can start there;
--                  where only a keyword can come, those keywords; after an
--                  operator NULL, TRUE/FALSE or date literals by the
--                  field's type
--   = str          FEEL builtin names, keywords, `_`, `_feel` and, when `_`
--                  is an object, its keys; inside a filter's brackets the
--                  fields of `_`'s records; after a dot only fields
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
-- for each group its parent and the object after its FROM; and the group
-- the cursor (byte `at`) is in. What may come at the cursor is
-- luaforce.cli.repl_soql_context's.
local function soql_scope(toks, at)
  local groups = { { parent = nil } }
  local stack = { 1 }
  local cursor_group = 1
  for i, t in ipairs(toks) do
    if t.k == "eof" or t.k == "error" then break end
    local g = stack[#stack]
    if t.p < at then cursor_group = g end
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
  return groups, cursor_group
end

-- The describe of the field `name` (a path: Owner.Name) of `object`.
local function field_of(meta, org, object, name)
  local parts = {}
  for p in name:gmatch("[^.]+") do parts[#parts + 1] = p end
  for i = 1, #parts - 1 do
    object = object and meta:follow(org, object, parts[i])
  end
  local d = object and meta:describe(org, object)
  if not d or #parts == 0 then return nil end
  local ln = lower(parts[#parts])
  for _, f in ipairs(d.fields) do
    if type(f.name) == "string" and lower(f.name) == ln then return f end
  end
  return nil
end

-- The words a value may be for the field `f` (nil: not known).
local function value_words(f)
  local t = f and f.type
  local out = { "NULL" }
  if t == nil or t == "boolean" then append(out, { "TRUE", "FALSE" }) end
  if t == nil or t == "date" or t == "datetime" then
    for name, takes_n in pairs(require("luaforce.soql").DATE_LITERALS) do
      out[#out + 1] = takes_n and (name .. ":") or name
    end
  end
  return out
end

function M.soql(meta, org, before, line)
  local word = before:match("[%w_%.]*$")
  local at = #before - #word + 1
  local toks = require("luaforce.soql.lexer").tokenize(line)
  local groups, g = soql_scope(toks, at)
  local here = require("luaforce.cli.repl_soql_context").at(toks, at)
  -- the object of each group: the top one's FROM; a subquery's FROM is a
  -- child relationship of its parent's object (or, in a semi-join, an
  -- object)
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
        if not obj and meta:describe(org, grp.from) then obj = grp.from end -- IN (SELECT ... FROM Contact)
      end
    elseif grp.parent then
      obj = object_of(grp.parent) -- a function's or a condition's parentheses: COUNT(Id)
    end
    grp.object = obj or false
    return obj
  end
  local want = here.want
  if want == "objects" then
    if not here.children then return matching(meta:objects(org), word), word end
    local parent = object_of(groups[g].parent)
    if not parent then return {}, word end
    local _, names = meta:children(org, parent)
    if #names == 0 then return {}, word end
    return matching(names, word), word
  end
  if want == "keywords" then return matching(here.keywords, word), word end
  if want == "values" then
    if word == "" then return {}, word end
    local object = object_of(g)
    local f = object and here.field and field_of(meta, org, object, here.field)
    local out = matching(value_words(f), word)
    return append(out, matching(here.keywords or {}, word)), word
  end
  if want ~= "fields" then return {}, word end
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
  if word ~= "" then append(out, matching(here.keywords or {}, word)) end
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

-- The field names of `last`'s records (a list: its first ones), or of
-- `last` itself (an object); never `attributes`.
local function record_keys(last)
  local out = {}
  local function add(t)
    if type(t) ~= "table" then return end
    for k in pairs(t) do
      if type(k) == "string" and k ~= "attributes" then out[#out + 1] = k end
    end
  end
  if type(last) ~= "table" then return out end
  if rawget(last, 1) ~= nil then
    for i = 1, math.min(#last, 20) do add(last[i]) end
  else
    add(last)
  end
  return out
end

function M.feel(last, before)
  -- after a dot: a path into the result (`_[1].Na`, `_.Na`): its fields only
  local after_dot = before:match("%.([%w_]*)$")
  if after_dot then return matching(record_keys(last), after_dot), after_dot end
  local names = { "_", "_feel" }
  for n in pairs(require("luaforce.feel.builtins").names) do names[#names + 1] = n end
  append(names, FEEL_KEYWORDS)
  local list = type(last) == "table" and type(rawget(last, 1)) == "table"
  -- an object's keys are names; a list's records' fields only inside a
  -- filter's brackets (`_[Amount > 1000]`), where each item's are
  local _, opened = before:gsub("%[", "")
  local _, closed = before:gsub("%]", "")
  if not list or opened > closed then append(names, record_keys(last)) end
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
      local first = rest:match("^%s+%S*$") ~= nil -- the command's first argument
      if (cmd == ".describe" or cmd == ".format") and not first then return {}, word end
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
