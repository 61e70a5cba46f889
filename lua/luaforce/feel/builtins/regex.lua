--- FEEL builtins: regular expressions in Java's syntax (matches, replace,
-- split, extract), through luaforce.regex (PCRE2 with Java's rules: `\d`,
-- classes, groups, lookaround, flags i m s x, "$1" in replacements).
-- Lua patterns are never used. A pattern that does not compile, or a flag
-- that is unknown, gives null and a warning.
local values = require "luaforce.feel.kinds"

local regex -- luaforce.regex, loaded on first use (it needs the C core)

-- The compiled pattern (luaforce.regex caches them), or nil, message.
local function compiled(pattern, flags)
  regex = regex or require "luaforce.regex"
  local re, err = regex.compile(pattern, flags or "")
  if not re then return nil, type(err) == "table" and err.message or tostring(err) end
  return re
end

local function failed(err)
  return nil, "the regular expression failed: " .. (type(err) == "table" and err.message or tostring(err))
end

local function matches(input, pattern, flags)
  local re, err = compiled(pattern, flags)
  if not re then return nil, err end
  local r, e = re:test(input)
  if r == nil then return failed(e) end
  return r
end

local function replace(input, pattern, replacement, flags)
  local re, err = compiled(pattern, flags)
  if not re then return nil, err end
  local out, e = re:replace(input, replacement)
  if out == nil then return failed(e) end
  return out
end

return function(def)
  def("matches", { "input: string", "pattern: string" }, matches)
  def("matches", { "input: string", "pattern: string", "flags: string?" }, matches)
  def("replace", { "input: string", "pattern: string", "replacement: string" }, replace)
  def("replace", { "input: string", "pattern: string", "replacement: string", "flags: string?" }, replace)

  def("split", { "string: string", "delimiter: string" }, function(s, delimiter)
    local re, err = compiled(delimiter)
    if not re then return nil, err end
    local parts, e = re:split(s)
    if parts == nil then return failed(e) end
    return values.list(parts)
  end)

  def("extract", { "input: string", "pattern: string" }, function(s, pattern)
    local re, err = compiled(pattern)
    if not re then return nil, err end
    local found, e = re:extract(s)
    if found == nil then return failed(e) end
    return values.list(found)
  end)
end
