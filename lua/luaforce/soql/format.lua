--- luaforce.soql.format: SOQL templates with typed, escaped placeholders.
--
--   soql.format("SELECT Id FROM Account WHERE Name = {} AND CreatedDate > {since} AND Id IN {ids}",
--     { name, since = soql.datetime(t), ids = list })
--
-- `values` is one table: positional values for `{}` (in order) and named
-- ones for `{name}`. Outside string literals a placeholder becomes a whole
-- literal, chosen by the value's type and the word before it:
--   after IN / NOT IN / INCLUDES / EXCLUDES  a non-empty list -> ('a', 'b');
--                                             after IN a query -> (SELECT ...)
--   after LIKE        a string is a LIKE pattern (% and _ are wildcards;
--                     soql.contains(v) and friends make safe ones)
--   after LIMIT, OFFSET   a non-negative integer (OFFSET at most 2000)
--   anywhere else     a value: string, number, boolean, soql.NULL, date, ...
-- Modifiers: `{p:like}` is the string p with `%` and `_` made literal
-- (inside a quoted pattern, `'%{p:like}%'`, it is spliced in); `{f:field}`
-- is a validated field name. Inside a template's own string literal a
-- placeholder splices the escaped text of a string value. `{{` and `}}`
-- are literal braces. soql.raw(text) is inserted as it is.
--
-- The template is the programmer's SOQL and is not parsed, but two
-- mistakes are caught: an unterminated string, and AND and OR mixed at one
-- level of parentheses (SOQL refuses `A AND B OR C`).
local literals = require "luaforce.soql.literals"
local builder = require "luaforce.soql.builder"

local M = {}

local fail, shown = literals.fail, literals.shown
local format, sub, match, find, concat = string.format, string.sub, string.match, string.find, table.concat
local tointeger = math.tointeger

-- Words that start a clause: AND/OR on either side of one never mix.
local CLAUSE_WORDS = {}
for w in ("SELECT FROM USING WHERE WITH GROUP HAVING ORDER LIMIT OFFSET FOR"):gmatch("%a+") do
  CLAUSE_WORDS[w] = true
end
local LIST_WORDS = { IN = true, INCLUDES = true, EXCLUDES = true }

local function is_list(v)
  if not literals.is_plain(v) or literals.is_date_table(v) then return false end
  local n = #v
  for k in pairs(v) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

-- "(v1, v2)" after IN / INCLUDES / EXCLUDES.
local function list_text(v, word, label)
  if not is_list(v) then fail(format("%s: %s takes a list of values, got %s", label, word, shown(v))) end
  if #v == 0 then
    fail(format("%s: empty list after %s: an empty IN matches no rows, and silently dropping it would match every row",
      label, word), "skip the query when the list is empty")
  end
  local out = {}
  for i = 1, #v do
    local x = v[i]
    local where = format("%s[%d]", label, i)
    if word ~= "IN" and type(x) ~= "string" and not (literals.is_value(x) and x.kind == "raw") then
      fail(format("%s: %s takes strings only, got %s", where, word, shown(x)))
    end
    if is_list(x) or builder.is_query(x) then fail(format("%s: a list cannot hold a %s", where, type(x))) end
    out[i] = literals.literal_text(x, true, where)
  end
  return "(" .. concat(out, ", ") .. ")"
end

-- The text for a placeholder outside string literals.
local function placeholder_text(v, modifier, word, label)
  if modifier == "like" then
    if type(v) ~= "string" then fail(format("%s: :like takes a string, got %s", label, shown(v))) end
    return literals.pattern_literal(literals.like_escape(v), true, label)
  elseif modifier == "field" then
    return (literals.path(v, "field"))
  elseif modifier then
    fail(format("%s: unknown placeholder modifier %s (:like and :field exist)", label, shown(modifier)))
  end
  if literals.is_value(v) and v.kind == "raw" then return v.text end
  if word == "IN(" then
    fail(format("%s: write IN {} without parentheses: the placeholder brings its own", label))
  end
  if builder.is_query(v) then
    if word ~= "IN" then fail(format("%s: a query goes right after IN or NOT IN (a semi-join)", label)) end
    return builder.semi_text(v, label)
  end
  if LIST_WORDS[word] then return list_text(v, word, label) end
  if is_list(v) then
    fail(format("%s: a list goes right after IN, NOT IN, INCLUDES or EXCLUDES", label))
  end
  if word == "LIKE" then
    if type(v) ~= "string" then fail(format("%s: LIKE takes a string pattern, got %s", label, shown(v))) end
    return literals.pattern_literal(v, true, label)
  end
  if word == "LIMIT" or word == "OFFSET" then
    local n = tointeger(v)
    if n == nil or n < 0 then fail(format("%s: %s takes a non-negative integer, got %s", label, word, shown(v))) end
    if word == "OFFSET" and n > 2000 then fail(format("%s: OFFSET %d is over 2000, the most SOQL allows", label, n)) end
    return format("%d", n)
  end
  return literals.literal_text(v, true, label)
end

-- The text for a placeholder inside one of the template's string literals.
local function in_string_text(v, modifier, label)
  if type(v) ~= "string" then
    fail(format("%s: inside a quoted string a placeholder takes a string, got %s", label, shown(v)),
      "leave the quotes out: {} outside quotes becomes a typed literal")
  end
  if modifier == "like" then return literals.escape_like(v) end
  if modifier then fail(format("%s: only :like works inside a quoted string", label)) end
  return literals.escape(v)
end

-- The 4,000-character rule for a template string a placeholder went into
-- (`body` is its text between the quotes, escapes still written).
local function check_spliced(body, label)
  local decoded = body:gsub("\\u%x%x%x%x", "u"):gsub("\\.", "x")
  local n = utf8.len(decoded) or #decoded
  if n > literals.MAX_STRING then
    fail(format("%s: the quoted string it goes into has %d characters; SOQL allows at most %d in WHERE and HAVING",
      label, n, literals.MAX_STRING))
  end
end

--- The SOQL text of `template` with its placeholders filled from `vals`.
function M.format(template, vals)
  if type(template) ~= "string" then
    error(format("bad argument #1 to 'format' (string expected, got %s)", type(template)), 2)
  end
  if vals ~= nil and not literals.is_plain(vals) then
    error(format("bad argument #2 to 'format' (table expected, got %s)", type(vals)), 2)
  end
  vals = vals or {}
  local out = {}
  local i, n = 1, #template
  local in_string, string_start = false, nil
  local string_out, spliced -- where the current string starts in `out`; a placeholder went in
  local positional = 0
  local word -- the last word outside strings (upper case), nil after punctuation
  local levels = { {} } -- per parenthesis level: which of AND / OR appeared

  -- reads "{spec}" at i; returns the value, modifier, label, and the next i
  local function placeholder()
    local close = find(template, "}", i + 1, true)
    if not close then fail(format("unclosed placeholder at byte %d of the template", i)) end
    local spec = sub(template, i + 1, close - 1)
    local name, modifier = match(spec, "^([%a_][%w_]*)(.*)$")
    if not name then name, modifier = "", spec end
    if modifier ~= "" then
      modifier = match(modifier, "^:(%a+)$")
      if not modifier then fail(format("invalid placeholder {%s} (expecting {}, {name} or {name:like})", spec)) end
    else
      modifier = nil
    end
    local v, label
    if name == "" then
      positional = positional + 1
      v, label = vals[positional], format("placeholder %d ({%s})", positional, spec)
      if v == nil then
        fail(format("no value for %s: the values table has no item %d", label, positional),
          "use soql.NULL for SOQL null")
      end
    else
      v, label = vals[name], "{" .. spec .. "}"
      if v == nil then fail(format("no value for %s", label), "use soql.NULL for SOQL null") end
    end
    return v, modifier, label, close + 1
  end

  while i <= n do
    local c = sub(template, i, i)
    local two = sub(template, i, i + 1)
    if two == "{{" or two == "}}" then
      out[#out + 1] = c
      i = i + 2
    elseif c == "}" then
      fail(format("a single } at byte %d of the template (write }} for a literal brace)", i))
    elseif c == "{" then
      local v, modifier, label, nexti = placeholder()
      if in_string then
        out[#out + 1] = in_string_text(v, modifier, label)
        spliced = label
      else
        out[#out + 1] = placeholder_text(v, modifier, word, label)
        word = nil
      end
      i = nexti
    elseif in_string then
      if c == "\\" then
        if i == n then break end
        out[#out + 1] = sub(template, i, i + 1)
        i = i + 2
      else
        if c == "'" then
          in_string = false
          if spliced then check_spliced(concat(out, "", string_out + 1), spliced) end
        end
        out[#out + 1] = c
        i = i + 1
      end
    elseif c == "'" then
      in_string, string_start, word = true, i, nil
      out[#out + 1] = c
      string_out, spliced = #out, nil
      i = i + 1
    elseif match(c, "[%a_]") then
      local w = match(template, "^[%a_][%w_]*", i)
      local u = w:upper()
      local level = levels[#levels]
      if u == "AND" or u == "OR" then
        local other = u == "AND" and "OR" or "AND"
        if level[other] then
          fail(format("the template mixes AND and OR without parentheses (%s at byte %d, %s at byte %d)",
            other, level[other], u, i), "group them: (A AND B) OR C")
        end
        level[u] = level[u] or i
      elseif CLAUSE_WORDS[u] then
        levels[#levels] = {}
      end
      -- NOT IN reads as IN for what follows
      word = u
      out[#out + 1] = w
      i = i + #w
    elseif match(c, "%s") then
      out[#out + 1] = c
      i = i + 1
    else
      if c == "(" then
        levels[#levels + 1] = {}
        word = word == "IN" and "IN(" or nil
      elseif c == ")" then
        if #levels > 1 then levels[#levels] = nil end
        word = nil
      else
        word = nil
      end
      out[#out + 1] = c
      i = i + 1
    end
  end
  if in_string then
    fail(format("unterminated string in the template: the quote at byte %d is never closed", string_start))
  end
  local extra = #vals
  if extra > positional then
    fail(format("the values table has %d positional values but the template has %d {} placeholders",
      extra, positional))
  end
  return concat(out)
end

return M
