--- luaforce.soql.parser: the one SOQL parser of luaforce.
--
--   local parser = require "luaforce.soql.parser"
--   local ast, err = parser.parse("SELECT Id FROM Account WHERE Name LIKE 'A%'")
--
-- `parse` returns the AST documented in docs/soql.md, or `nil, err` with
-- err = { errorCode = "MALFORMED_QUERY", message = <Salesforce's caret
-- message>, reason = <the last line of it>, row, column, pos }. The local
-- org executes this AST, the builder's tests parse their output with it, and
-- the REPL and CLI use it to catch mistakes before sending a query.
-- `parser.MAX_NESTING` (1000) is how deep parenthesised conditions may nest.
--
-- A recursive-descent parser over luaforce.soql.lexer's tokens. Failures
-- deep in the descent raise a private error object that `parse` catches, so
-- the grammar functions read straight; anything else raised is a bug and
-- propagates. Besides the grammar it checks what a parser can know without a
-- schema (see docs/soql.md, "What the parser checks"); names of objects and
-- fields are the executor's to check.
local lexer = require "luaforce.soql.lexer"
local vocabulary = require "luaforce.soql.vocabulary"

local M = {}

local find, sub, format = string.find, string.sub, string.format

---------------------------------------------------------------------------
-- Positions and messages

-- Row, column and the byte where that row starts, for a checked pos.
local function locate(text, pos)
  if pos < 1 then pos = 1 elseif pos > #text + 1 then pos = #text + 1 end
  local row, start = 1, 1
  while true do
    local nl = find(text, "\n", start, true)
    if not nl or nl >= pos then break end
    row, start = row + 1, nl + 1
  end
  local _, chars = sub(text, start, pos - 1):gsub("[^\x80-\xBF]", "")
  return row, chars + 1, start
end

local function check_args(fname, text, pos)
  if type(text) ~= "string" then error(("bad argument #1 to '%s' (string expected)"):format(fname), 3) end
  if math.type(pos) ~= "integer" then error(("bad argument #2 to '%s' (integer expected)"):format(fname), 3) end
end

--- The 1-based row and column (in UTF-8 characters of that row) of byte
-- position `pos` in `text`; positions outside the text count as its
-- start or end.
function M.position(text, pos)
  check_args("position", text, pos)
  local row, col = locate(text, pos)
  return row, col
end

--- Salesforce's caret message for byte position `pos` of `text`:
-- "\n<that row>\n<spaces>^\nERROR at Row:R:Column:C\n<reason>".
-- Returns the message, the row and the column.
function M.format_error(text, pos, reason)
  check_args("format_error", text, pos)
  if type(reason) ~= "string" then error("bad argument #3 to 'format_error' (string expected)", 2) end
  local row, col, start = locate(text, pos)
  local stop = find(text, "\n", start, true)
  local line = sub(text, start, stop and stop - 1 or #text):gsub("\r$", "")
  -- the caret lines up under tabs too: keep them, blank everything else
  local lead = sub(line, 1, math.max(0, pos - start)):gsub("[\x80-\xBF]", ""):gsub("[^\t]", " ")
  return format("\n%s\n%s^\nERROR at Row:%d:Column:%d\n%s", line, lead, row, col, reason), row, col
end

-- Parse failures travel as this object up to `parse`.
local Fail = {}

local function fail(pos, reason, code)
  error(setmetatable({ pos = pos, reason = reason, code = code }, Fail), 0)
end

-- "unexpected token: 'X'", or the lexer's reason when X is where lexing
-- stopped. `hint` is appended in parentheses.
local function unexpected(tok, hint)
  if tok.k == "error" then fail(tok.p, tok.reason) end
  local reason = format("unexpected token: '%s'", tok.t)
  if tok.after_str then hint = hint or [[a quote inside a string is written \', not '']] end
  if hint then reason = reason .. " (" .. hint .. ")" end
  fail(tok.p, reason)
end

local function expecting(tok, what)
  if tok.k == "error" then fail(tok.p, tok.reason) end
  fail(tok.p, format("expecting %s, found '%s'", what, tok.t))
end

---------------------------------------------------------------------------
-- Word lists

local function set(list)
  local s = {}
  for _, w in ipairs(list) do s[w] = true end
  return s
end

-- Function names (and which calls a function may take instead of a field)
local AGGREGATES, FUNCTIONS, INNER = vocabulary.AGGREGATES, vocabulary.FUNCTIONS, vocabulary.INNER

--- Date literal names (upper case) -> true when the literal takes `:n`.
M.DATE_LITERALS = {
  TODAY = false, YESTERDAY = false, TOMORROW = false,
  LAST_90_DAYS = false, NEXT_90_DAYS = false,
  LAST_N_DAYS = true, NEXT_N_DAYS = true, N_DAYS_AGO = true,
}
for _, unit in ipairs { "WEEK", "MONTH", "QUARTER", "YEAR", "FISCAL_QUARTER", "FISCAL_YEAR" } do
  local dl = M.DATE_LITERALS
  dl["THIS_" .. unit], dl["LAST_" .. unit], dl["NEXT_" .. unit] = false, false, false
  dl["LAST_N_" .. unit .. "S"], dl["NEXT_N_" .. unit .. "S"], dl["N_" .. unit .. "S_AGO"] = true, true, true
end
local DATE_LITERALS = M.DATE_LITERALS

-- Words that end a FROM clause (so they are never taken as its alias).
local CLAUSES = set { "USING", "WHERE", "WITH", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "FOR", "UPDATE" }

-- Salesforce's reserved words, plus the ones of this grammar's own clauses:
-- none can be an alias or stand alone as a field name.
local RESERVED = set {
  "AND", "ASC", "DESC", "EXCLUDES", "FIRST", "FROM", "GROUP", "HAVING", "IN", "INCLUDES", "LAST",
  "LIKE", "LIMIT", "NOT", "NULL", "NULLS", "OR", "SELECT", "WHERE", "WITH", "ORDER", "BY", "OFFSET",
  "FOR", "USING", "TYPEOF", "WHEN", "THEN", "ELSE", "END", "TRUE", "FALSE",
}

local COMPARE = set { "=", "!=", "<>", "<", "<=", ">", ">=" }
local WITH_MODES = set { "SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE" }
local FOR_MODES = set { "VIEW", "REFERENCE", "UPDATE" }
local FIELDS_WHICH = set { "ALL", "STANDARD", "CUSTOM" }

local MAX_HOPS = 5
local MAX_OFFSET = 2000
local MAX_STRING = 4000
-- Parenthesised conditions nest at most this deep. Salesforce documents no
-- limit of its own (only 100,000 characters a query); this one keeps the
-- descent, and every walk of the AST after it, far from Lua's stack limit,
-- and matches luaforce.json's limit on nesting.
local MAX_NESTING = 1000
M.MAX_NESTING = MAX_NESTING
local MAX_FIELDS_LIMIT = 200

local NESTED_CHILD = "SOQL statements cannot query aggregate relationships more than 1 level away from the root entity object."

---------------------------------------------------------------------------
-- Token access. `st` is the parse state: { toks, i, text, q }, where q is
-- the innermost query's bookkeeping { kind, refs, alias }.

local function peek(st) return st.toks[st.i] end
-- the token after the current one (the current one when that is the last)
local function peek2(st) return st.toks[st.i + 1] or st.toks[st.i] end

local function is_kw(tok, word) return tok.k == "id" and tok.u == word end
local function is_p(tok, ch) return tok.k == "punct" and tok.t == ch end

local function expect_p(st, ch, what)
  local t = st.toks[st.i]
  if not is_p(t, ch) then expecting(t, what) end
  st.i = st.i + 1
  return t
end

local function expect_kw(st, word)
  local t = st.toks[st.i]
  if not is_kw(t, word) then expecting(t, "'" .. word .. "'") end
  st.i = st.i + 1
  return t
end

local function bind_error(tok)
  fail(tok.p, "Bind variables only allowed in Apex code")
end

---------------------------------------------------------------------------
-- Fields and function calls

-- Account.Owner.Name -> { kind = "field", path = {...}, pos }
local function parse_path(st)
  local t = peek(st)
  if t.k ~= "id" then
    if is_p(t, ":") then bind_error(t) end
    unexpected(t)
  end
  st.i = st.i + 1
  -- a reserved word can lead a path (Group.Name) but not be a field itself
  if RESERVED[t.u] and not is_p(peek(st), ".") then unexpected(t) end
  local path = { t.t }
  while is_p(peek(st), ".") do
    st.i = st.i + 1
    local s = peek(st)
    if s.k ~= "id" then unexpected(s) end
    st.i = st.i + 1
    path[#path + 1] = s.t
  end
  local node = { kind = "field", path = path, pos = t.p }
  local refs = st.q.refs
  refs[#refs + 1] = node
  return node
end

-- A call: the current token is a name followed by "(". `ctx` is the clause
-- ("select", "where", "having", "group", "order"), `outer` the function
-- this call is the argument of, if any.
local function parse_call(st, ctx, outer)
  local t = peek(st)
  local fn = t.u
  if outer and not (INNER[outer] and INNER[outer][fn]) then
    if not (AGGREGATES[fn] or FUNCTIONS[fn] or fn == "FIELDS") then
      fail(t.p, format("unknown function: '%s'", t.t))
    end
    fail(t.p, format("%s() cannot be applied to %s()", outer, fn))
  end
  st.i = st.i + 2 -- name and "("
  if AGGREGATES[fn] then
    if ctx == "where" then
      fail(t.p, format("aggregate function %s() is not allowed in WHERE (use HAVING)", fn))
    elseif ctx == "group" then
      fail(t.p, format("aggregate function %s() is not allowed in GROUP BY", fn))
    end
    local arg
    local a = peek(st)
    if a.k == "id" and is_p(peek2(st), "(") then
      fail(a.p, format("%s() takes a field, not %s()", fn, a.u))
    end
    if not (fn == "COUNT" and is_p(a, ")")) then arg = parse_path(st) end
    expect_p(st, ")", "a right parentheses")
    return { kind = "aggregate", fn = fn, arg = arg, pos = t.p }
  elseif FUNCTIONS[fn] then
    local arg
    local a = peek(st)
    if a.k == "id" and is_p(peek2(st), "(") then
      arg = parse_call(st, ctx, fn)
    else
      arg = parse_path(st)
    end
    expect_p(st, ")", "a right parentheses")
    return { kind = "function", fn = fn, arg = arg, pos = t.p }
  elseif fn == "FIELDS" then
    if ctx ~= "select" then fail(t.p, "FIELDS() is only allowed in the SELECT list") end
    local w = peek(st)
    if w.k ~= "id" or not FIELDS_WHICH[w.u] then unexpected(w, "FIELDS takes ALL, STANDARD or CUSTOM") end
    st.i = st.i + 1
    expect_p(st, ")", "a right parentheses")
    return { kind = "fields", which = w.u, pos = t.p }
  end
  fail(t.p, format("unknown function: '%s'", t.t))
end

-- A field or a call, as in WHERE, GROUP BY and ORDER BY.
local function parse_operand(st, ctx)
  local t = peek(st)
  if t.k == "id" and is_p(peek2(st), "(") then return parse_call(st, ctx) end
  return parse_path(st)
end

---------------------------------------------------------------------------
-- Literals

local function parse_literal(st, ctx, like)
  local t = peek(st)
  local k = t.k
  if k == "str" then
    st.i = st.i + 1
    if t.like_esc and not like then
      local c = sub(st.text, t.like_esc + 1, t.like_esc + 1)
      fail(t.like_esc, format("invalid escape sequence '\\%s' in string literal (\\%% and \\_ are for LIKE patterns only)", c))
    end
    if #t.v > MAX_STRING then
      local n = utf8.len(t.v) or #t.v
      if n > MAX_STRING then
        fail(t.p, format("string literal too long: %d characters (at most %d in %s)", n, MAX_STRING, ctx:upper()))
      end
    end
    return { kind = "string", value = t.v, raw = t.raw, pos = t.p }
  elseif k == "num" then
    st.i = st.i + 1
    return { kind = "number", value = t.v, text = t.t, pos = t.p }
  elseif k == "date" or k == "datetime" then
    st.i = st.i + 1
    return { kind = k, value = t.t, pos = t.p }
  elseif k == "id" then
    local u = t.u
    if u == "TRUE" or u == "FALSE" then
      st.i = st.i + 1
      return { kind = "boolean", value = u == "TRUE", pos = t.p }
    elseif u == "NULL" then
      st.i = st.i + 1
      return { kind = "null", pos = t.p }
    end
    local takes_n = DATE_LITERALS[u]
    if takes_n ~= nil then
      st.i = st.i + 1
      local colon = peek(st)
      if not is_p(colon, ":") then
        if takes_n then fail(t.p, format("date literal %s needs a number: %s:n", u, u)) end
        return { kind = "date_literal", name = u, pos = t.p }
      end
      if not takes_n then fail(colon.p, format("date literal %s takes no :n", u)) end
      st.i = st.i + 1
      local n = peek(st)
      if n.k ~= "num" or not n.int or math.type(n.v) ~= "integer" or find(n.t, "^[+-]") then
        expecting(n, format("a non-negative integer after %s:", u))
      end
      st.i = st.i + 1
      return { kind = "date_literal", name = u, n = n.v, pos = t.p }
    end
    local code, amount = t.t:match("^(%a%a%a)(%d+%.?%d*)$")
    if code then
      st.i = st.i + 1
      return { kind = "currency", code = code:upper(), value = lexer.number(amount), text = amount, pos = t.p }
    end
    if is_p(peek2(st), ":") then fail(t.p, format("invalid date literal: '%s'", t.t)) end
    unexpected(t, "a value must be a literal; strings take single quotes")
  elseif is_p(t, ":") then
    bind_error(t)
  end
  unexpected(t)
end

-- ( literal, ... ) after IN, NOT IN, INCLUDES, EXCLUDES; "(" already read.
local function parse_values(st, ctx, what, strings_only)
  local close = peek(st)
  if is_p(close, ")") then unexpected(close, what .. " needs at least one value") end
  local values = {}
  repeat
    local v = parse_literal(st, ctx, false)
    if strings_only and v.kind ~= "string" then
      fail(v.pos, format("%s takes string values only", what))
    end
    values[#values + 1] = v
    local sep = peek(st)
    local more = is_p(sep, ",")
    if more then st.i = st.i + 1 end
  until not more
  expect_p(st, ")", "a right parentheses")
  return values
end

---------------------------------------------------------------------------
-- Conditions

local parse_query -- (st, kind) -> query node; defined below

local function has_semijoin(node)
  local k = node.kind
  if k == "in_query" then return node end
  if k == "and" or k == "or" then
    for _, item in ipairs(node.items) do
      local found = has_semijoin(item)
      if found then return found end
    end
  elseif k == "not" then
    return has_semijoin(node.item)
  end
end

-- field op value, field [NOT] IN (...), field INCLUDES (...), ...
local function parse_field_expr(st, ctx)
  local left = parse_operand(st, ctx)
  local o = peek(st)
  if o.k == "punct" and COMPARE[o.t] then
    st.i = st.i + 1
    local right = parse_literal(st, ctx, false)
    return { kind = "compare", op = o.t == "<>" and "!=" or o.t, left = left, right = right, pos = left.pos }
  elseif o.k ~= "id" then
    unexpected(o)
  end
  local word = o.u
  if word == "LIKE" then
    st.i = st.i + 1
    local right = parse_literal(st, ctx, true)
    if right.kind ~= "string" then
      fail(right.pos, "LIKE needs a string pattern in single quotes")
    end
    return { kind = "compare", op = "LIKE", left = left, right = right, pos = left.pos }
  elseif word == "IN" or word == "NOT" then
    local negated = word == "NOT"
    st.i = st.i + 1
    if negated then
      local i = peek(st)
      if not is_kw(i, "IN") then
        unexpected(i, "only IN can follow NOT here; to negate a condition write (NOT condition)")
      end
      st.i = st.i + 1
    end
    local lp = peek(st)
    if is_p(lp, ":") then bind_error(lp) end
    expect_p(st, "(", "a left parentheses")
    local sel = peek(st)
    if is_kw(sel, "SELECT") then
      if ctx ~= "where" then fail(sel.p, "semi-join subqueries are only allowed in WHERE") end
      if st.q.kind == "semi" then fail(sel.p, "Nesting of semi join sub-selects is not supported") end
      if left.kind ~= "field" then fail(left.pos, "a semi-join compares a field, not a function") end
      local query = parse_query(st, "semi")
      expect_p(st, ")", "a right parentheses")
      if #query.fields ~= 1 or query.fields[1].kind ~= "field" then
        fail(query.pos, "a semi-join subquery must select exactly one field")
      end
      return { kind = "in_query", negated = negated, left = left, query = query, pos = left.pos }
    end
    local values = parse_values(st, ctx, negated and "NOT IN" or "IN", false)
    return { kind = "in", negated = negated, left = left, values = values, pos = left.pos }
  elseif word == "INCLUDES" or word == "EXCLUDES" then
    st.i = st.i + 1
    if left.kind ~= "field" then fail(left.pos, word .. " applies to a multi-select picklist field") end
    local lp = peek(st)
    if is_p(lp, ":") then bind_error(lp) end
    expect_p(st, "(", "a left parentheses")
    local values = parse_values(st, ctx, word, true)
    return { kind = word:lower(), left = left, values = values, pos = left.pos }
  end
  unexpected(o)
end

local parse_condition

-- A parenthesised condition or a single field expression.
local function parse_simple(st, ctx)
  local t = peek(st)
  if is_p(t, "(") then
    if st.depth >= MAX_NESTING then
      fail(t.p, format("conditions nested deeper than %d parentheses", MAX_NESTING))
    end
    st.depth = st.depth + 1
    st.i = st.i + 1
    local e = parse_condition(st, ctx)
    expect_p(st, ")", "a right parentheses")
    st.depth = st.depth - 1
    return e
  end
  return parse_field_expr(st, ctx)
end

-- Salesforce's grammar: NOT simple | simple (AND simple)* | simple (OR simple)*.
-- So AND and OR never mix without parentheses, and NOT covers one simple
-- condition that is the whole (sub)condition.
function parse_condition(st, ctx)
  local t = peek(st)
  if is_kw(t, "NOT") then
    st.i = st.i + 1
    local item = parse_simple(st, ctx)
    local nx = peek(st)
    if is_kw(nx, "AND") or is_kw(nx, "OR") then
      unexpected(nx, format("NOT covers the whole condition: write (NOT A) %s B", nx.u))
    end
    return { kind = "not", item = item, pos = t.p }
  end
  local first = parse_simple(st, ctx)
  local op = peek(st)
  if not (is_kw(op, "AND") or is_kw(op, "OR")) then return first end
  local word = op.u
  local other = word == "AND" and "OR" or "AND"
  local items = { first }
  while true do
    local c = peek(st)
    if is_kw(c, word) then
      st.i = st.i + 1
      local nt = peek(st)
      if is_kw(nt, "NOT") then
        unexpected(nt, format("NOT must start a parenthesised group: write A %s (NOT B)", word))
      end
      items[#items + 1] = parse_simple(st, ctx)
    elseif is_kw(c, other) then
      unexpected(c, "mixing AND and OR needs parentheses: (A AND B) OR C")
    else
      break
    end
  end
  local node = { kind = word:lower(), items = items, pos = first.pos }
  if word == "OR" then
    local semi = has_semijoin(node)
    if semi then fail(semi.pos, "Semi join sub-selects are not allowed with the 'OR' operator") end
  end
  return node
end

---------------------------------------------------------------------------
-- The select list

local function parse_typeof(st)
  local t = peek(st)
  st.i = st.i + 1
  local rel = parse_path(st)
  local node = { kind = "typeof", path = rel.path, whens = {}, pos = t.p }
  local function field_list()
    local fields = {}
    repeat
      fields[#fields + 1] = parse_path(st)
      local more = is_p(peek(st), ",")
      if more then st.i = st.i + 1 end
    until not more
    return fields
  end
  if not is_kw(peek(st), "WHEN") then expecting(peek(st), "'WHEN'") end
  while is_kw(peek(st), "WHEN") do
    st.i = st.i + 1
    local ty = peek(st)
    if ty.k ~= "id" or RESERVED[ty.u] then unexpected(ty) end
    st.i = st.i + 1
    expect_kw(st, "THEN")
    node.whens[#node.whens + 1] = { type = ty.t, fields = field_list(), pos = ty.p }
  end
  if is_kw(peek(st), "ELSE") then
    st.i = st.i + 1
    node.else_ = field_list()
  end
  expect_kw(st, "END")
  return node
end

local ALIASABLE = { field = true, aggregate = true, ["function"] = true }

local function parse_select_item(st)
  local t = peek(st)
  local item
  if is_p(t, "(") then
    if st.q.kind ~= "top" then fail(t.p, NESTED_CHILD) end
    st.i = st.i + 1
    local sel = peek(st)
    if not is_kw(sel, "SELECT") then unexpected(sel) end
    local query = parse_query(st, "child")
    expect_p(st, ")", "a right parentheses")
    item = { kind = "subquery", query = query, pos = t.p }
  elseif t.k ~= "id" or t.u == "FROM" then
    unexpected(t)
  else
    local nx = peek2(st)
    if is_p(nx, "(") then
      item = parse_call(st, "select")
    elseif t.u == "TYPEOF" and nx.k == "id" and nx.u ~= "FROM" then
      item = parse_typeof(st)
    else
      item = parse_path(st)
    end
  end
  -- an alias is a name between the item and the next "," or FROM
  local a = peek(st)
  if a.k == "id" and a.u ~= "FROM" then
    local after = peek2(st)
    if not ALIASABLE[item.kind] or RESERVED[a.u] or not (is_p(after, ",") or is_kw(after, "FROM"))
        or (item.kind == "aggregate" and not item.arg) then
      unexpected(a)
    end
    item.alias, item.alias_pos = a.t, a.p
    st.i = st.i + 1
  end
  return item
end

---------------------------------------------------------------------------
-- Checks on a whole query

-- A path without the FROM alias or object name in front.
local function strip_prefix(path, q)
  if #path > 1 then
    local first = path[1]:upper()
    if first == q.alias_u or first == q.name_u then return table.move(path, 2, #path, 1, {}) end
  end
  return path
end

-- The grouping key of a field or call: lower-case text, prefix stripped.
local function group_key(node, q)
  if node.kind == "field" then return table.concat(strip_prefix(node.path, q), "."):lower() end
  if node.kind == "function" then return node.fn .. "(" .. group_key(node.arg, q) .. ")" end
  return nil
end

local function path_text(path) return table.concat(path, ".") end

local function check_query(node, q)
  -- relationship depth
  for _, ref in ipairs(q.refs) do
    local hops = #strip_prefix(ref.path, q) - 1
    if hops > MAX_HOPS then
      fail(ref.pos, format("relationship path '%s' follows %d relationships; SOQL allows at most %d",
        path_text(ref.path), hops, MAX_HOPS))
    end
  end
  local fields = node.fields
  local aggregate = node.group_by ~= nil
  for _, item in ipairs(fields) do
    if item.kind == "aggregate" then
      if not item.arg then
        if #fields > 1 then fail(item.pos, "COUNT() must be the only item in the select list") end
      else
        aggregate = true
      end
    end
  end
  -- aliases
  local seen = {}
  for _, item in ipairs(fields) do
    if item.alias then
      if item.kind == "field" and not aggregate then
        fail(item.alias_pos, "Only aggregate expressions use field aliasing")
      end
      local key = item.alias:lower()
      if seen[key] then fail(item.alias_pos, format("duplicate alias: %s", item.alias)) end
      seen[key] = true
    end
  end
  -- every plain field of an aggregate query is grouped
  if aggregate then
    local grouped = {}
    if node.group_by then
      for _, g in ipairs(node.group_by.fields) do grouped[group_key(g, q)] = true end
    end
    for _, item in ipairs(fields) do
      local probe = item
      -- FORMAT/toLabel/convertCurrency show a grouped value; GROUPING and
      -- anything over an aggregate are aggregates themselves
      while probe.kind == "function" and (probe.fn == "FORMAT" or probe.fn == "TOLABEL"
          or probe.fn == "CONVERTCURRENCY") do
        probe = probe.arg
      end
      if probe.kind == "field" or (probe.kind == "function" and probe.fn ~= "GROUPING") then
        if not grouped[group_key(probe, q)] then
          local shown = probe.kind == "field" and path_text(probe.path)
            or probe.fn .. "(" .. path_text(probe.arg.path or probe.arg.arg.path) .. ")"
          fail(probe.pos, "Field must be grouped or aggregated: " .. shown)
        end
      end
    end
  end
  -- FIELDS(ALL) and FIELDS(CUSTOM) are bounded (in the outer query; a
  -- child subquery is bounded by its parent's rows, as the executor has it)
  for _, item in ipairs(fields) do
    if q.kind == "top" and item.kind == "fields" and item.which ~= "STANDARD"
        and (node.limit == nil or node.limit > MAX_FIELDS_LIMIT) then
      fail(item.pos, format("The SOQL FIELDS function must have a LIMIT of at most %d", MAX_FIELDS_LIMIT))
    end
  end
end

---------------------------------------------------------------------------
-- Queries

-- LIMIT n / OFFSET n: the integer after the keyword.
local function parse_count(st, word)
  local t = peek(st)
  if t.k ~= "num" or not t.int or find(t.t, "^[+-]") then
    if t.k == "num" and t.int and find(t.t, "^%-") then
      fail(t.p, format("%s must be a non-negative integer, found '%s'", word, t.t))
    end
    expecting(t, "a non-negative integer after " .. word)
  end
  st.i = st.i + 1
  return t
end

-- The query whose SELECT is the current token. kind: "top", "child" (a
-- relationship subquery in a select list), "semi" (IN (SELECT ...)).
function parse_query(st, kind)
  local sel = peek(st)
  st.i = st.i + 1
  local outer = st.q
  local q = { kind = kind, refs = {} }
  st.q = q
  local node = { kind = "query", pos = sel.p, fields = {}, subquery = kind ~= "top" or nil }

  local fields = node.fields
  repeat
    fields[#fields + 1] = parse_select_item(st)
    local more = is_p(peek(st), ",")
    if more then st.i = st.i + 1 end
  until not more

  local f = peek(st)
  if not is_kw(f, "FROM") then unexpected(f) end
  st.i = st.i + 1
  local obj = peek(st)
  if obj.k ~= "id" then unexpected(obj) end
  st.i = st.i + 1
  node.from = { name = obj.t, pos = obj.p }
  q.name_u = obj.u
  local a = peek(st)
  if a.k == "id" and not CLAUSES[a.u] then
    if RESERVED[a.u] then unexpected(a) end
    node.from.alias, node.from.alias_pos = a.t, a.p
    q.alias_u = a.u
    st.i = st.i + 1
  end

  local t = peek(st)
  if is_kw(t, "USING") then
    st.i = st.i + 1
    expect_kw(st, "SCOPE")
    local s = peek(st)
    if s.k ~= "id" or RESERVED[s.u] then expecting(s, "a scope name") end
    st.i = st.i + 1
    node.scope = s.t:lower()
    t = peek(st)
  end
  if is_kw(t, "WHERE") then
    st.i = st.i + 1
    node.where = parse_condition(st, "where")
    t = peek(st)
  end
  if is_kw(t, "WITH") then
    st.i = st.i + 1
    local m = peek(st)
    if m.k ~= "id" or not WITH_MODES[m.u] then
      unexpected(m, "WITH takes SECURITY_ENFORCED, USER_MODE or SYSTEM_MODE")
    end
    st.i = st.i + 1
    node.with = m.u
    t = peek(st)
  end
  if is_kw(t, "GROUP") then
    st.i = st.i + 1
    expect_kw(st, "BY")
    local g = peek(st)
    local gkind = "plain"
    if (g.u == "ROLLUP" or g.u == "CUBE") and is_p(peek2(st), "(") then
      gkind = g.u:lower()
      st.i = st.i + 2
    end
    local list = {}
    repeat
      list[#list + 1] = parse_operand(st, "group")
      local more = is_p(peek(st), ",")
      if more then st.i = st.i + 1 end
    until not more
    if gkind ~= "plain" then expect_p(st, ")", "a right parentheses") end
    node.group_by = { kind = gkind, fields = list }
    t = peek(st)
  end
  if is_kw(t, "HAVING") then
    st.i = st.i + 1
    node.having = parse_condition(st, "having")
    t = peek(st)
  end
  if is_kw(t, "ORDER") then
    st.i = st.i + 1
    expect_kw(st, "BY")
    local keys = {}
    repeat
      local expr = parse_operand(st, "order")
      local key = { expr = expr, dir = "ASC", pos = expr.pos }
      local d = peek(st)
      if is_kw(d, "ASC") or is_kw(d, "DESC") then
        key.dir = d.u
        st.i = st.i + 1
      end
      if is_kw(peek(st), "NULLS") then
        st.i = st.i + 1
        local w = peek(st)
        if not (is_kw(w, "FIRST") or is_kw(w, "LAST")) then expecting(w, "FIRST or LAST") end
        key.nulls = w.u
        st.i = st.i + 1
      end
      keys[#keys + 1] = key
      local more = is_p(peek(st), ",")
      if more then st.i = st.i + 1 end
    until not more
    node.order_by = keys
    t = peek(st)
  end
  if is_kw(t, "LIMIT") then
    st.i = st.i + 1
    local n = parse_count(st, "LIMIT")
    if math.type(n.v) ~= "integer" then fail(n.p, format("LIMIT is too large: %s", n.t)) end
    node.limit = n.v
    t = peek(st)
  end
  if is_kw(t, "OFFSET") then
    st.i = st.i + 1
    local n = parse_count(st, "OFFSET")
    if math.type(n.v) ~= "integer" or n.v > MAX_OFFSET then
      fail(n.p, format("Maximum SOQL offset allowed is %d", MAX_OFFSET), "NUMBER_OUTSIDE_VALID_RANGE")
    end
    node.offset = n.v
    t = peek(st)
  end
  if is_kw(t, "FOR") then
    st.i = st.i + 1
    local m = peek(st)
    if m.k ~= "id" or not FOR_MODES[m.u] then expecting(m, "VIEW, REFERENCE or UPDATE") end
    st.i = st.i + 1
    node.for_ = m.u
  end

  check_query(node, q)
  st.q = outer
  return node
end

---------------------------------------------------------------------------
-- Entry point

--- Parses SOQL text. Returns the AST, or nil and an error table
-- { errorCode, message, reason, row, column, pos }.
function M.parse(text)
  if type(text) ~= "string" then
    error(format("bad argument #1 to 'parse' (string expected, got %s)", type(text)), 2)
  end
  local st = { toks = lexer.tokenize(text), i = 1, text = text, depth = 0 }
  local ok, res = pcall(function()
    local first = peek(st)
    if not is_kw(first, "SELECT") then unexpected(first) end
    local node = parse_query(st, "top")
    local rest = peek(st)
    if rest.k ~= "eof" then unexpected(rest) end
    return node
  end)
  if ok then return res end
  if getmetatable(res) ~= Fail then error(res, 0) end
  local message, row, column = M.format_error(text, res.pos, res.reason)
  return nil, {
    errorCode = res.code or "MALFORMED_QUERY",
    message = message,
    reason = res.reason,
    row = row,
    column = column,
    pos = res.pos,
  }
end

return M
