--- luaforce.feel.parser: tokens to a syntax tree, by precedence climbing.
--
-- Every node is a table `{kind = ..., pos, line, col, ...}` whose position is
-- that of its first token. The kinds are a closed set (M.KINDS); the
-- compiler has one case per kind and refuses others.
--
--   number {text}  string {value}  boolean {value}  null  temporal {text}
--   name {name}                    -- may hold spaces: `string length`
--   list {items}   context {keys, values}
--   path {object, key}   filter {object, filter}
--   call {callee, args, names}     -- names: nil (positional) or a list
--   neg {operand}  arith {op, left, right}        -- op: + - * / **
--   compare {op, left, right}      -- op: = != < <= > >=
--   between {value, low, high}   in {value, test}   instanceof {value, type}
--   and {left, right}   or {left, right}   if {cond, yes, no}
--   for {vars, sources, body}      -- a source may be a range node
--   range {low, high, low_closed, high_closed}
--                                  -- [1..10], (1..10), ]1..10[, [1..10); in a
--                                  -- `for` source (`1..3`) the closed flags are nil
--   unary {op, operand}            -- a unary test after `in`: `< 10`, `>= x`
--   tests {items}                  -- `in (< 10, > 20)`, `in (1, 2, 3)`
--   quantified {quantifier = "some"|"every", vars, sources, cond}
--   fundef {params, body}
--
-- Precedence, lowest first: if/for/some/every/function, or, and,
-- comparison (= != < <= > >= between in instance of), + -, * /, **, unary -,
-- postfix (.name, [filter], (call)).
--
-- Names with spaces: a run of non-keyword words is one name (`first name`);
-- before `(` the longest known function name wins even across keywords
-- (`date and time(...)`, `day of week(...)`), the known names coming from
-- `opts.function_names` (a set of multi-word names) so that new builtins
-- extend the grammar without touching it.
--
-- Context keys are read from the text as written (`{foo+bar: 1}`,
-- `{foo   bar: 2}`), as are parameter names. Unfinished input meets the end
-- token, so it is a syntax error ("the expression ends too early"); nesting
-- past M.MAX_DEPTH levels is one too, so neither the parser nor the
-- compiler and the evaluation, which recurse over the tree, can overflow
-- the stack.
local M = {}

M.KINDS = {
  number = true, string = true, boolean = true, null = true, temporal = true, name = true,
  list = true, context = true, path = true, filter = true, call = true, neg = true,
  arith = true, compare = true, between = true, ["in"] = true, instanceof = true,
  ["and"] = true, ["or"] = true, ["if"] = true, ["for"] = true, range = true,
  quantified = true, fundef = true, unary = true, tests = true,
}

-- The type names `instance of` knows, longest first where they share words.
M.TYPES = {
  "days and time duration", "years and months duration", "date and time",
  "number", "string", "boolean", "date", "time", "list", "context", "function",
  "range", "Any", "Null",
}

-- Camunda's builtin names that contain keywords (`and`, `or`, `of`): they
-- parse as one name before `(` even before a category defines them, so
-- `day of week(x)` is a call (to an unknown function until part 2), not a
-- syntax error. Names without keywords need no list: words join anyway.
M.KEYWORD_NAMES = {
  ["date and time"] = true, ["years and months duration"] = true, ["get or else"] = true,
  ["day of week"] = true, ["day of year"] = true, ["week of year"] = true, ["month of year"] = true,
  ["last day of month"] = true, ["index of"] = true,
}

--- The deepest nesting the parser accepts (see Parser:deeper).
M.MAX_DEPTH = 500

--- Tokens the parser has read since the process started, a read again
-- after backing up counting again (for the specs: parsing is linear).
M.stats = { reads = 0 }

-- The words Camunda never reads as a name, even after '.' (`{null: 1}.null`
-- is a syntax error there; `if`, `for`, ... are names after '.').
local RESERVED = {
  null = true, ["true"] = true, ["false"] = true, ["function"] = true, ["in"] = true, ["return"] = true,
  ["then"] = true, ["else"] = true, satisfies = true, ["and"] = true, ["or"] = true,
}

local Parser = {}
Parser.__index = Parser

local function fail(tok, message)
  error({ feel_syntax = true, message = message, pos = tok.pos, line = tok.line, col = tok.col }, 0)
end

local function describe(tok)
  if tok.type == "eof" then return "the end of the expression" end
  if tok.type == "string" then return "a string" end
  if tok.type == "number" then return "'" .. tok.value .. "'" end
  if tok.type == "backtick" then return "`" .. tok.value .. "`" end
  return "'" .. tostring(tok.value) .. "'"
end

local function unexpected(tok, after)
  if tok.type == "eof" then return "the expression ends too early" end
  if tok.type == "other" then
    return ("unexpected character '%s'%s"):format(tok.value, tok.value == "!" and " (write != or not(x))" or "")
  end
  return ("unexpected %s%s"):format(describe(tok), after or "")
end

-- Looking past the end gives the end token again, so unfinished input (`for`,
-- `function(`) meets "the expression ends too early", never a nil.
function Parser:peek(k)
  return self.toks[self.i + (k or 0)] or self.eof
end

function Parser:next()
  local t = self.toks[self.i] or self.eof
  if t ~= self.eof then self.i = self.i + 1 end
  self.reads = self.reads + 1
  return t
end

function Parser:is_op(v, k)
  local t = self:peek(k)
  return t.type == "op" and t.value == v
end

function Parser:is_kw(v, k)
  local t = self:peek(k)
  return t.type == "name" and t.keyword and t.value == v
end

-- One level deeper in the tree: nesting (brackets, `if`, unary minus) and
-- each link of an operator chain count, so the compiler and the evaluation,
-- which recurse over the tree, stay far inside Lua's stack.
function Parser:deeper(tok)
  local d = self.depth + 1
  if d > M.MAX_DEPTH then
    fail(tok, ("the expression nests deeper than %d levels (brackets, operators, if, unary minus); split it up")
      :format(M.MAX_DEPTH))
  end
  self.depth = d
end

function Parser:expect_op(v, what)
  local t = self:peek()
  if t.type == "op" and t.value == v then return self:next() end
  fail(t, ("expected '%s'%s but found %s"):format(v, what and (" " .. what) or "", describe(t)))
end

function Parser:expect_kw(v, what)
  local t = self:peek()
  if t.type == "name" and t.value == v then return self:next() end
  fail(t, ("expected '%s'%s but found %s"):format(v, what and (" " .. what) or "", describe(t)))
end

local function node(kind, tok, fields)
  fields.kind, fields.pos, fields.line, fields.col = kind, tok.pos, tok.line, tok.col
  return fields
end

-- The longest known multi-word function name starting here and followed by
-- `(`; returns the name and the number of words, or nil.
function Parser:known_call_name()
  local first = self:peek()
  local cands = self.multi[first.value]
  if not cands then return nil end
  for _, words in ipairs(cands) do
    local ok = true
    for w = 2, #words do
      local t = self:peek(w - 1)
      if t.type ~= "name" or t.value ~= words[w] then ok = false; break end
    end
    if ok and self:is_op("(", #words) then return table.concat(words, " "), #words end
  end
end

-- A name made of words: a known multi-word function name before `(`, else
-- the run of non-keyword words.
function Parser:name_words()
  local first = self:peek()
  local known, count = self:known_call_name()
  if known then
    for _ = 1, count do self:next() end
    return known, first
  end
  if first.type ~= "name" then
    fail(first, first.type == "eof" and unexpected(first) or ("expected a name but found %s"):format(describe(first)))
  end
  if first.keyword then fail(first, unexpected(first)) end
  local words = { self:next().value }
  while true do
    local t = self:peek()
    if t.type ~= "name" or t.keyword then break end
    words[#words + 1] = self:next().value
  end
  return table.concat(words, " "), first
end

-- Characters a context key cannot hold (Camunda's): the key ends before them.
local KEY_STOPS = { ["{"] = true, ["}"] = true, [","] = true, ["["] = true, ["]"] = true, [":"] = true }

-- A key in a context literal: a string, a `name`, or the text up to the
-- colon as written (inner spaces kept, outer ones dropped), which may hold
-- any character but " { } : , [ ] and backticks: `{foo+bar: 1}`,
-- `{foo   bar: 2}`, `{null: 1}`.
function Parser:context_key()
  local t = self:peek()
  if t.type == "string" or t.type == "backtick" then
    self:next()
    return t.value, t
  end
  local j = self.i
  while true do
    local u = self.toks[j]
    if u.type == "eof" or u.type == "string" or u.type == "backtick" then break end
    if u.type == "op" and KEY_STOPS[u.value] then break end
    j = j + 1
  end
  local stop = self.toks[j]
  if j == self.i then
    if t.type == "eof" then fail(t, unexpected(t)) end
    fail(t, ("expected a key but found %s"):format(describe(t)))
  end
  local key
  if self.src then
    key = self.src:sub(t.pos, self.toks[j - 1].stop)
  else
    local words = {}
    for k = self.i, j - 1 do words[#words + 1] = tostring(self.toks[k].value) end
    key = table.concat(words, " ")
  end
  if not (stop.type == "op" and stop.value == ":") then
    fail(stop, ("expected ':' after the key '%s' but found %s"):format(key, describe(stop)))
  end
  self.i = j
  return key, t
end

-- A named argument's name: a string, a `name`, or words (keywords allowed:
-- the colon ends the name).
function Parser:key()
  local t = self:peek()
  if t.type == "string" or t.type == "backtick" then
    self:next()
    return t.value, t
  end
  if t.type ~= "name" then fail(t, ("expected a key but found %s"):format(describe(t))) end
  local words = { self:next().value }
  while self:peek().type == "name" do words[#words + 1] = self:next().value end
  return self:as_written(t, table.concat(words, " ")), t
end

-- The words from token `first` to the last one read, as the text writes
-- them (`test   name` keeps its spaces, as Camunda's parameter names do);
-- `joined` (the words with one space) when the parser has no text.
function Parser:as_written(first, joined)
  if not self.src then return joined end
  return self.src:sub(first.pos, self.toks[self.i - 1].stop)
end

local STARTERS -- the keywords that begin an expression of their own

function Parser:expression()
  local t = self:peek()
  local depth = self.depth
  self:deeper(t)
  local e
  if t.type == "name" and t.keyword and STARTERS[t.value] then
    e = STARTERS[t.value](self)
  else
    e = self:disjunction()
  end
  self.depth = depth
  return e
end

function Parser:if_expr()
  local t = self:next()
  local cond = self:expression()
  self:expect_kw("then", "after the condition of 'if'")
  local yes = self:expression()
  self:expect_kw("else", "after the 'then' branch")
  local no = self:expression()
  return node("if", t, { cond = cond, yes = yes, no = no })
end

-- `name in source, name in source, ...`; a source may be a range (`1..3`).
function Parser:iterators()
  local vars, sources = {}, {}
  repeat
    local t = self:peek()
    local name
    if t.type == "backtick" then
      name = self:next().value
    else
      name = self:name_words()
    end
    self:expect_kw("in", "after the variable '" .. name .. "'")
    local src = self:expression()
    if self:is_op("..") then
      self:next()
      src = node("range", src, { low = src, high = self:expression() })
    end
    vars[#vars + 1], sources[#sources + 1] = name, src
  until not (self:is_op(",") and self:next())
  return vars, sources
end

function Parser:for_expr()
  local t = self:next()
  local vars, sources = self:iterators()
  self:expect_kw("return", "after the iterators of 'for'")
  return node("for", t, { vars = vars, sources = sources, body = self:expression() })
end

function Parser:quantified()
  local t = self:next()
  local vars, sources = self:iterators()
  self:expect_kw("satisfies", "after the iterators of '" .. t.value .. "'")
  return node("quantified", t, { quantifier = t.value, vars = vars, sources = sources, cond = self:expression() })
end

function Parser:fundef()
  local t = self:next()
  self:expect_op("(", "after 'function'")
  local params = {}
  if not self:is_op(")") then
    repeat
      local p = self:peek()
      local name
      if p.type == "backtick" then name = self:next().value else name = self:as_written(p, self:name_words()) end
      for _, q in ipairs(params) do
        if q == name then fail(p, "parameter '" .. name .. "' appears twice") end
      end
      params[#params + 1] = name
    until not (self:is_op(",") and self:next())
  end
  self:expect_op(")", "after the parameters")
  return node("fundef", t, { params = params, body = self:expression() })
end

STARTERS = {
  ["if"] = Parser.if_expr, ["for"] = Parser.for_expr, some = Parser.quantified, every = Parser.quantified,
  ["function"] = Parser.fundef,
}

function Parser:disjunction()
  local depth = self.depth
  local left = self:conjunction()
  while self:is_kw("or") do
    local t = self:next()
    self:deeper(t)
    left = node("or", t, { left = left, right = self:conjunction() })
    left.pos, left.line, left.col = left.left.pos, left.left.line, left.left.col
  end
  self.depth = depth
  return left
end

function Parser:conjunction()
  local depth = self.depth
  local left = self:comparison()
  while self:is_kw("and") do
    local t = self:next()
    self:deeper(t)
    left = node("and", t, { left = left, right = self:comparison() })
    left.pos, left.line, left.col = left.left.pos, left.left.line, left.left.col
  end
  self.depth = depth
  return left
end

local COMPARE = { ["="] = true, ["!="] = true, ["<"] = true, ["<="] = true, [">"] = true, [">="] = true }

-- Binary nodes take the position of their operator: a warning about
-- `a < b` points at the `<`.
-- `< 3` where an operand stands: Camunda's simple unary test, a test of
-- the variable `cellInput` (a decision table's input).
local INPUT_TESTS = { ["<"] = true, ["<="] = true, [">"] = true, [">="] = true }

function Parser:comparison()
  local depth = self.depth
  local first = self:peek()
  if first.type == "op" and INPUT_TESTS[first.value] then
    self:next()
    return node("unary", first, { op = first.value, operand = self:additive(), input = "cellInput" })
  end
  local left = self:additive()
  while true do
    local t = self:peek()
    self:deeper(t)
    if t.type == "op" and COMPARE[t.value] then
      self:next()
      left = node("compare", t, { op = t.value, left = left, right = self:additive() })
    elseif self:is_kw("between") then
      self:next()
      local low = self:additive()
      self:expect_kw("and", "in 'between ... and ...'")
      left = node("between", t, { value = left, low = low, high = self:additive() })
    elseif self:is_kw("in") then
      self:next()
      left = node("in", t, { value = left, test = self:in_test() })
    elseif self:is_kw("instance") then
      self:next()
      self:expect_kw("of", "after 'instance'")
      left = node("instanceof", t, { value = left, type = self:type_name() })
    else
      self.depth = depth
      return left
    end
  end
end

local UNARY_OPS = { ["<"] = true, ["<="] = true, [">"] = true, [">="] = true, ["="] = true, ["!="] = true }

-- One positive unary test: `< 10`, `>= x`, `= "a"`, or a value (a range
-- literal, a list, anything `in` compares with); a value other than a
-- range may go on into one comparison, which may name the input `?`
-- (`5 in ? < 10`, Camunda's unary-test expression).
function Parser:unary_test()
  local t = self:peek()
  if t.type == "op" and UNARY_OPS[t.value] then
    self:next()
    return node("unary", t, { op = t.value, operand = self:additive() })
  end
  local e = self:additive()
  local c = self:peek()
  if e.kind ~= "range" and c.type == "op" and COMPARE[c.value] then
    self:next()
    e = node("compare", c, { op = c.value, left = e, right = self:additive() })
  end
  return e
end

-- What follows `in`: a unary test, or a parenthesized list of them
-- (`(< 10, > 20)`, `(1, 2, 3)`); `(1..5)` and `(a + b)` stay a range and a
-- parenthesized expression (the parser backs up to read them so).
function Parser:in_test()
  local t = self:peek()
  if t.type == "op" and t.value == "(" then
    local saved = self.i
    self:next()
    local first = self:unary_test()
    if self:is_op(",") or (self:is_op(")") and first.kind == "unary") then
      local items = { first }
      while self:is_op(",") do
        self:next()
        items[#items + 1] = self:unary_test()
      end
      self:expect_op(")", "to close the unary tests")
      return node("tests", t, { items = items })
    end
    self.i = saved
  end
  return self:unary_test()
end

-- Unary tests as an entry point (luaforce.feel.unary): the positive tests
-- of a decision table's cell, separated by commas. Each is
-- `{op = "<", operand = node}` (also <= > >= = !=), `{op = "bool", value =
-- true|false}` (a bare boolean that ends the text: a test of equality, as in
-- Camunda), or `{expr = node}` (any expression, a range or a list too).
function Parser:positive_tests()
  local tests = {}
  repeat
    local t = self:peek()
    if t.type == "op" and UNARY_OPS[t.value] then
      self:next()
      tests[#tests + 1] = { op = t.value, operand = self:additive(), tok = t }
    elseif t.type == "name" and t.keyword and (t.value == "true" or t.value == "false")
      and self:peek(1).type == "eof" then
      self:next()
      tests[#tests + 1] = { op = "bool", value = t.value == "true", tok = t }
    else
      tests[#tests + 1] = { expr = self:expression(), tok = t }
    end
  until not (self:is_op(",") and self:next())
  return tests
end

function Parser:type_name()
  local first = self:peek()
  for _, ty in ipairs(M.TYPES) do
    local k, ok = 0, true
    for word in ty:gmatch("%S+") do
      local t = self:peek(k)
      if t.type ~= "name" or t.value ~= word then ok = false; break end
      k = k + 1
    end
    if ok then
      for _ = 1, k do self:next() end
      return ty
    end
  end
  fail(first, ("unknown type %s after 'instance of'"):format(describe(first)))
end

function Parser:additive()
  local depth = self.depth
  local left = self:multiplicative()
  while self:is_op("+") or self:is_op("-") do
    local t = self:next()
    self:deeper(t)
    left = node("arith", t, { op = t.value, left = left, right = self:multiplicative() })
  end
  self.depth = depth
  return left
end

function Parser:multiplicative()
  local depth = self.depth
  local left = self:power()
  while self:is_op("*") or self:is_op("/") do
    local t = self:next()
    self:deeper(t)
    left = node("arith", t, { op = t.value, left = left, right = self:power() })
  end
  self.depth = depth
  return left
end

function Parser:power()
  local depth = self.depth
  local left = self:unary()
  while self:is_op("**") do
    local t = self:next()
    self:deeper(t)
    left = node("arith", t, { op = "**", left = left, right = self:unary() })
  end
  self.depth = depth
  return left
end

function Parser:unary()
  if self:is_op("-") then
    local depth = self.depth
    local t = self:next()
    self:deeper(t)
    local e = node("neg", t, { operand = self:unary() })
    self.depth = depth
    return e
  end
  return self:postfix()
end

function Parser:arguments(callee, open)
  local args, names = {}, nil
  if not self:is_op(")") then
    -- named when the first argument is `words :`
    local k = 0
    while self:peek(k).type == "name" or (k == 0 and self:peek(k).type == "backtick") do k = k + 1 end
    if k > 0 and self:is_op(":", k) then names = {} end
    repeat
      if names then
        local key, kt = self:key()
        for _, q in ipairs(names) do
          if q == key then fail(kt, "argument '" .. key .. "' given twice") end
        end
        self:expect_op(":", "after the argument name")
        names[#names + 1] = key
      end
      args[#args + 1] = self:expression()
    until not (self:is_op(",") and self:next())
  end
  self:expect_op(")", "to close the arguments")
  return node("call", open, { callee = callee, args = args, names = names })
end

function Parser:postfix()
  local depth = self.depth
  local e = self:primary()
  while true do
    local t = self:peek()
    if t.type ~= "op" then self.depth = depth; return e end
    self:deeper(t)
    if t.value == "." then
      self:next()
      local k = self:peek()
      local key
      if k.type == "backtick" then
        key = self:next().value
      elseif k.type == "name" then
        if RESERVED[k.value] then
          fail(k, ("'%s' is a reserved word, not a name: write .`%s`"):format(k.value, k.value))
        end
        local words = { self:next().value }
        while self:peek().type == "name" and not self:peek().keyword do words[#words + 1] = self:next().value end
        key = table.concat(words, " ")
      else
        fail(k, ("expected a name after '.' but found %s"):format(describe(k)))
      end
      e = node("path", t, { object = e, key = key })
    elseif t.value == "[" then
      if self.range_high and self.range_high > 0 and self:ends_range(1) then self.depth = depth; return e end
      self:next()
      local f = self:expression()
      self:expect_op("]", "to close the filter")
      e = node("filter", t, { object = e, filter = f })
    elseif t.value == "(" then
      self:next()
      local call = self:arguments(e, t)
      call.pos, call.line, call.col = e.pos, e.line, e.col
      e = call
    else
      self.depth = depth
      return e
    end
  end
end

function Parser:primary()
  local t = self:peek()
  local ty = t.type
  if ty == "number" then
    self:next()
    return node("number", t, { text = t.value })
  elseif ty == "string" then
    self:next()
    return node("string", t, { value = t.value })
  elseif ty == "backtick" then
    self:next()
    return node("name", t, { name = t.value })
  elseif ty == "at" then
    self:next()
    local s = self:peek()
    if s.type ~= "string" then fail(s, "expected a string after '@'") end
    self:next()
    return node("temporal", t, { text = s.value })
  elseif ty == "name" then
    if t.keyword then
      local v = t.value
      if v == "true" or v == "false" then
        self:next()
        return node("boolean", t, { value = v == "true" })
      elseif v == "null" then
        self:next()
        return node("null", t, {})
      elseif v == "if" or v == "for" or v == "some" or v == "every" or v == "function" then
        return self:expression()
      elseif (v == "and" or v == "or") and self:is_op("(", 1) then
        -- at the start of an operand, `and(`/`or(` call Camunda's builtins
        self:next()
        return node("name", t, { name = v })
      end
      if not self:known_call_name() then fail(t, unexpected(t)) end
    end
    local name = self:name_words()
    return node("name", t, { name = name })
  elseif ty == "op" then
    local v = t.value
    if v == "(" then
      -- in_test backs up over a parenthesis and reads it again: remembering
      -- what each one gave keeps nested `x in ((...))` linear, not exponential
      local start, rh = self.i, self.range_high or 0
      local seen = self.memo[start]
      if seen and seen.rh == rh then
        self.i = seen.after
        return seen.node
      end
      self:next()
      local e = self:expression()
      if self:is_op("..") then
        e = self:range_rest(t, e, false)
      else
        self:expect_op(")", "to close '('")
      end
      self.memo[start] = { node = e, after = self.i, rh = rh }
      return e
    elseif v == "[" then
      self:next()
      local items = {}
      if not self:is_op("]") then
        local first = true
        repeat
          local item = self:expression()
          if self:is_op("..") then
            local dots = self:next()
            local high = self:range_high_end()
            if first and (self:is_op("]") or self:is_op(")") or self:is_op("[")) then
              return self:range_close(t, item, high, true)
            end
            -- `[1..5, 8]`: a list whose items may be closed ranges
            item = node("range", dots, { low = item, high = high, low_closed = true, high_closed = true })
            item.pos, item.line, item.col = item.low.pos, item.low.line, item.low.col
          end
          items[#items + 1] = item
          first = false
        until not (self:is_op(",") and self:next())
      end
      self:expect_op("]", "to close the list")
      return node("list", t, { items = items })
    elseif v == "]" then
      self:next()
      local low = self:expression()
      self:expect_op("..", "in the range ']a..b'")
      return self:range_rest(t, low, false, true)
    elseif v == "{" then
      self:next()
      local keys, values = {}, {}
      if not self:is_op("}") then
        repeat
          local key = self:context_key()
          self:expect_op(":", "after the key '" .. key .. "'")
          keys[#keys + 1] = key
          values[#values + 1] = self:expression()
        until not (self:is_op(",") and self:next())
      end
      self:expect_op("}", "to close the context")
      return node("context", t, { keys = keys, values = values })
    end
  end
  fail(t, unexpected(t))
end

-- Ranges ------------------------------------------------------------------------

-- True when the token k ahead ends an expression, so a `[` before it closes
-- a range (`]1..10[`) instead of opening a filter.
local ENDERS = { [","] = true, [")"] = true, ["]"] = true, ["}"] = true, ["["] = true, ["="] = true, ["!="] = true,
  ["<"] = true, ["<="] = true, [">"] = true, [">="] = true }
local END_KEYWORDS = { ["then"] = true, ["else"] = true, ["and"] = true, ["or"] = true, ["return"] = true,
  ["satisfies"] = true, ["in"] = true }
function Parser:ends_range(k)
  local t = self:peek(k)
  if t.type == "eof" then return true end
  if t.type == "op" then return ENDERS[t.value] or false end
  return t.type == "name" and t.keyword and END_KEYWORDS[t.value] or false
end

-- The high end of a range: an expression in which `[` may close the range.
function Parser:range_high_end()
  self.range_high = (self.range_high or 0) + 1
  local high = self:expression()
  self.range_high = self.range_high - 1
  return high
end

-- After `low ..`: the high end and the closing bracket.
function Parser:range_rest(open, low, low_closed, dots_taken)
  if not dots_taken then self:expect_op("..", "in the range") end
  return self:range_close(open, low, self:range_high_end(), low_closed)
end

function Parser:range_close(open, low, high, low_closed)
  local t = self:peek()
  local high_closed
  if self:is_op("]") then
    high_closed = true
  elseif self:is_op(")") or self:is_op("[") then
    high_closed = false
  else
    fail(t, ("expected ']', ')' or '[' to close the range but found %s"):format(describe(t)))
  end
  self:next()
  return node("range", open, { low = low, high = high, low_closed = low_closed, high_closed = high_closed })
end

-- Groups the multi-word function names by their first word, longest first.
local function index_names(set)
  local multi = {}
  local all = {}
  for name in pairs(M.KEYWORD_NAMES) do all[name] = true end
  for name in pairs(set or {}) do all[name] = true end
  for name in pairs(all) do
    local words = {}
    for w in name:gmatch("%S+") do words[#words + 1] = w end
    if #words > 1 then
      local list = multi[words[1]] or {}
      list[#list + 1] = words
      multi[words[1]] = list
    end
  end
  for _, list in pairs(multi) do
    table.sort(list, function(a, b) return #a > #b end)
  end
  return multi
end

local cached_set, cached_index

local function new_parser(tokens, function_names, src)
  if function_names ~= cached_set then
    cached_set, cached_index = function_names, index_names(function_names)
  end
  return setmetatable({ toks = tokens, i = 1, multi = cached_index, eof = tokens[#tokens], depth = 0, memo = {},
    reads = 0, src = src }, Parser)
end

local function at_end(p, what)
  local t = p:peek()
  if t.type ~= "eof" then
    fail(t, unexpected(t, what))
  end
end

--- Parses a token list into a tree. Returns the root or raises a table
-- `{feel_syntax = true, message, pos, line, col}` (luaforce.feel catches it).
-- `function_names`: set of known function names (multi-word ones matter);
-- `src`: the text the tokens came from (context keys are read from it as
-- written; without it their words join with one space).
function M.parse(tokens, function_names, src)
  local p = new_parser(tokens, function_names, src)
  local root = p:expression()
  M.stats.reads = M.stats.reads + p.reads
  at_end(p, " after a complete expression")
  return root
end

--- Parses unary tests (a decision table's cell): `-` gives `{any = true}`;
-- `not(tests)` around the whole text `{negated = true, tests = ...}`; else
-- `{tests = ...}` (see Parser:positive_tests). Raises as `parse` does.
function M.parse_unary(tokens, function_names, src)
  local p = new_parser(tokens, function_names, src)
  local t = p:peek()
  if t.type == "op" and t.value == "-" and p:peek(1).type == "eof" then return { any = true } end
  if t.type == "name" and t.value == "not" and p:is_op("(", 1) then
    -- `not(...)` is a negation when its parenthesis closes at the end;
    -- else (`not(x) or y`) the text is an expression calling not()
    local ok, tests = pcall(function()
      p:next(); p:next()
      local tests = p:positive_tests()
      p:expect_op(")", "to close 'not('")
      at_end(p, " after 'not(...)'")
      return tests
    end)
    if ok then return { negated = true, tests = tests } end
    p.i = 1
  end
  local tests = p:positive_tests()
  at_end(p, " after the unary tests")
  return { tests = tests }
end

return M
