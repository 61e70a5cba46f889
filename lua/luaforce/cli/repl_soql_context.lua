--- luaforce.cli.repl_soql_context: where the cursor stands in a SOQL
-- query being typed, so completion offers what can come there.
--
--   context.at(tokens, at) -> {want =, keywords =, field =}
--       tokens: luaforce.soql.lexer's tokens of the whole line; at: the
--       byte where the word being completed starts (only the tokens before
--       it count). `want`:
--         "fields"    a field can come (after SELECT, a comma, WHERE, AND,
--                     OR, NOT, ORDER BY, GROUP BY, inside a function's
--                     parentheses); `keywords` holds the words that may
--                     start there too (COUNT(), NOT), offered only once a
--                     word is typed
--         "objects"   an object name (after FROM, after TYPEOF's WHEN);
--                     `children` = true in a subquery of the SELECT list,
--                     whose FROM names a child relationship
--         "keywords"  only keywords: after a field in a WHERE (IN, LIKE,
--                     ...), after a value (AND, OR, ORDER BY, ...), after
--                     the FROM object (WHERE, LIMIT, ...), ORDER BY's ASC
--         "values"    a value after an operator: `field` names the field
--                     compared (its type picks NULL, TRUE, FALSE or date
--                     literals)
--         "nothing"   a number (after LIMIT), an alias, inside a string
--
-- It reads the tokens as a small state machine per parenthesised group,
-- the way SOQL's clauses follow each other; it never fails on a query
-- that is wrong or unfinished, it only knows less.
local M = {}

-- The clauses after FROM, in the order SOQL takes them.
local ORDERED = { "USING SCOPE", "WHERE", "WITH", "GROUP BY", "HAVING", "ORDER BY", "LIMIT", "OFFSET",
  "FOR VIEW", "FOR UPDATE", "FOR REFERENCE" }

-- The clauses that may follow `clause` (HAVING only after GROUP BY), after
-- the words `first` gives.
local function following(clause, first)
  local out = {}
  for _, w in ipairs(first or {}) do out[#out + 1] = w end
  local seen = clause == nil
  for _, w in ipairs(ORDERED) do
    if seen and (w ~= "HAVING" or clause == "GROUP BY") then out[#out + 1] = w end
    if w == clause then seen = true end
  end
  return out
end

local SELECT_START = { "COUNT()", "FIELDS(ALL)", "FIELDS(STANDARD)", "FIELDS(CUSTOM)", "TYPEOF" }
local OPERATORS = { "IN", "NOT IN", "LIKE", "INCLUDES", "EXCLUDES" }
local COMPARE = { ["="] = true, ["!="] = true, ["<>"] = true, ["<"] = true, ["<="] = true, [">"] = true,
  [">="] = true }
local VALUE_KINDS = { str = true, num = true, date = true, datetime = true, id = true }

-- Tokens with `a.b.c` paths joined into one id token.
local function joined(tokens, at)
  local out = {}
  local i = 1
  while tokens[i] and tokens[i].p < at and tokens[i].k ~= "eof" and tokens[i].k ~= "error" do
    local t = tokens[i]
    local prev = out[#out]
    local nxt = tokens[i + 1]
    if t.k == "punct" and t.t == "." and prev and prev.k == "id" and nxt and nxt.k == "id" and nxt.p < at then
      out[#out] = { k = "id", t = prev.t .. "." .. nxt.t, u = prev.u .. "." .. nxt.u, p = prev.p }
      i = i + 2
    else
      out[#out + 1] = t
      i = i + 1
    end
  end
  return out, tokens[i] and tokens[i].k == "error" and tokens[i].p < at
end

-- The clause words: what each starts.
local CLAUSE = {
  SELECT = { "select", "item" }, FROM = { "from", "object" }, WHERE = { "where", "cond" },
  HAVING = { "having", "cond" }, WITH = { "with", "with_kw" }, LIMIT = { "limit", "number" },
  OFFSET = { "offset", "number" }, FOR = { "for", "for_kw" }, USING = { "using", "scope_kw" },
  GROUP = { "group", "by" }, ORDER = { "order", "by" },
}

-- One token at the level of frame `f`; returns a frame to enter for `(`.
local function step(f, t)
  local u = t.k == "id" and t.u or nil
  local e = f.expect
  local opens_query = e == "select" or (f.clause == "list" and e == "value")
  if u and CLAUSE[u] and e ~= "object" and (u ~= "SELECT" or opens_query) then
    f.clause, f.expect = CLAUSE[u][1], CLAUSE[u][2]
    return
  end
  if t.k == "punct" and t.t == "(" then
    local resume, child
    if f.clause == "where" or f.clause == "having" then
      if e == "cond" then child, resume = { clause = f.clause, expect = "cond", nested = true }, "conj"
      elseif e == "op" then child, resume = { clause = "call", expect = "item" }, "op"
      else child, resume = { clause = "list", expect = "value", field = f.field }, "conj" end
    elseif e == "item" and f.clause == "select" then
      child, resume = { expect = "select", children = true }, "after_item" -- a subquery of a child relationship
    else
      child, resume = { clause = "call", expect = "item" }, e -- a function's arguments
    end
    child.resume = resume
    return child
  end
  local c = f.clause
  if c == "select" or c == "call" then
    if e == "item" and u == "TYPEOF" then f.expect = "item"
    elseif u == "WHEN" then f.expect = "typeof_object"
    elseif u == "THEN" or u == "ELSE" then f.expect = "item"
    elseif u == "END" then f.expect = "after_item"
    elseif e == "typeof_object" and u then f.expect = "typeof_then"
    elseif t.k == "punct" and t.t == "," then f.expect = "item"
    elseif e == "item" then f.expect = "after_item" end
  elseif c == "from" then
    if e == "object" and u then f.expect = "after_from" end
  elseif c == "using" then
    if e == "scope_kw" and u == "SCOPE" then f.expect = "scope"
    elseif e == "scope" then f.clause, f.expect = "from", "after_from" end
  elseif c == "where" or c == "having" then
    if e == "cond" then
      if u ~= "NOT" and u then f.expect, f.field = "op", t.t end
    elseif e == "op" then
      if t.k == "punct" and COMPARE[t.t] or u == "IN" or u == "LIKE" or u == "INCLUDES" or u == "EXCLUDES" then
        f.expect = "value"
      elseif u == "NOT" then
        f.expect = "op_not"
      end
    elseif e == "op_not" then
      f.expect = u == "IN" and "value" or "op"
    elseif e == "value" then
      if VALUE_KINDS[t.k] then f.expect = "conj" end
    elseif e == "conj" then
      if u == "AND" or u == "OR" then f.expect = "cond"
      elseif t.k == "punct" and t.t == ":" then f.expect = "value" end -- LAST_N_DAYS:5
    end
  elseif c == "list" then
    if e == "value" and VALUE_KINDS[t.k] then f.expect = "list_sep"
    elseif t.k == "punct" and t.t == "," then f.expect = "value" end
  elseif c == "with" then
    if e == "with_kw" and u then f.expect = "after_with" end
  elseif c == "group" or c == "order" then
    if e == "by" and u == "BY" then f.expect = "field"
    elseif t.k == "punct" and t.t == "," then f.expect = "field"
    elseif e == "field" and u then f.expect = "after_field"
    elseif c == "order" and (u == "ASC" or u == "DESC") then f.expect = "after_dir"
    elseif c == "order" and u == "NULLS" then f.expect = "nulls"
    elseif e == "nulls" and (u == "FIRST" or u == "LAST") then f.expect = "after_nulls" end
  elseif c == "limit" or c == "offset" then
    if e == "number" and t.k == "num" then f.expect = "after_number" end
  elseif c == "for" then
    if e == "for_kw" then f.expect = "done" end
  end
end

local function keywords(list) return { want = "keywords", keywords = list } end

-- What frame `f` (the cursor's) expects, as the file comment says.
local function wanted(f)
  local c, e = f.clause, f.expect
  if e == "select" then return keywords { "SELECT" } end
  if c == "select" or c == "call" then
    if e == "item" then return { want = "fields", keywords = c == "select" and SELECT_START or {} } end
    if e == "after_item" and c == "select" then return keywords { "FROM" } end
    if e == "typeof_object" then return { want = "objects" } end
    if e == "typeof_then" then return keywords { "THEN" } end
    return { want = "nothing" }
  end
  if c == "from" then
    if e == "object" then return { want = "objects", children = f.children } end
    return keywords(following(nil))
  end
  if c == "using" then return e == "scope_kw" and keywords { "SCOPE" } or { want = "nothing" } end
  if c == "where" or c == "having" then
    if e == "cond" then return { want = "fields", keywords = { "NOT" } } end
    if e == "op" then return keywords(OPERATORS) end
    if e == "op_not" then return keywords { "IN" } end
    if e == "value" then return { want = "values", field = f.field } end
    if f.nested then return keywords { "AND", "OR" } end
    return keywords(following(c == "where" and "WHERE" or "HAVING", { "AND", "OR" }))
  end
  if c == "list" then
    if e == "value" then return { want = "values", field = f.field, keywords = { "SELECT" } } end
    return { want = "nothing" }
  end
  if c == "with" then
    if e == "with_kw" then return keywords { "SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE" } end
    return keywords(following("WITH"))
  end
  if c == "group" or c == "order" then
    if e == "by" then return keywords { "BY" } end
    if e == "field" then return { want = "fields", keywords = {} } end
    if c == "group" then return keywords(following("GROUP BY")) end
    if e == "nulls" then return keywords { "FIRST", "LAST" } end
    local first = e == "after_field" and { "ASC", "DESC", "NULLS FIRST", "NULLS LAST" }
      or (e == "after_dir" and { "NULLS FIRST", "NULLS LAST" }) or {}
    return keywords(following("ORDER BY", first))
  end
  if c == "limit" or c == "offset" then
    if e == "number" then return { want = "nothing" } end
    return keywords(following(c == "limit" and "LIMIT" or "OFFSET"))
  end
  if c == "for" then
    return e == "for_kw" and keywords { "VIEW", "UPDATE", "REFERENCE" } or { want = "nothing" }
  end
  return { want = "nothing" }
end

--- See the file comment.
function M.at(tokens, at)
  local toks, in_error = joined(tokens, at)
  if in_error then return { want = "nothing" } end -- inside a string, or after a stray character
  local stack = { { expect = "select" } }
  for _, t in ipairs(toks) do
    local f = stack[#stack]
    if t.k == "punct" and t.t == ")" then
      if #stack > 1 then
        stack[#stack] = nil
        stack[#stack].expect = f.resume
      end
    else
      local child = step(f, t)
      if child then stack[#stack + 1] = child end
    end
  end
  return wanted(stack[#stack])
end

return M
