-- tests/feel/feel-scala/scala.lua: reads the small part of Scala that
-- feel-scala's test classes are written in, for extract.lua.
--
--     local scala = dofile("tests/feel/feel-scala/scala.lua")
--     local class = scala.parse(source)
--       --> {name = "InterpreterNumberExpressionTest", body = {stmts}} or nil, why
--
-- Tokens carry their line and whether a newline came before them; the
-- parser builds a tree of nodes (`t` is the kind):
--   lit {v}          a string, char, number ({num = text}), true/false, null
--   istr {parts}     s"..." with its literal parts and names ({name = x})
--   id {name}  sel {obj, name}  call {fn, args = {{name?, e}}}  tapp {fn}
--   infix {op, l, r}  prefix {op, e}  tuple {items}  new {e}
--   block {stmts}  lambda {params, body}  val {name, e}  def {name}
-- Every node has `line`. Statements in a block that it cannot read become
-- `bad {line, why, asserts}` (asserts: how many `should` it skipped), so one
-- odd test never hides the others.
local M = {}

local KEYWORDS = {
  ["if"] = true, ["else"] = true, ["match"] = true, ["case"] = true, ["try"] = true,
  ["catch"] = true, ["finally"] = true, ["throw"] = true, ["return"] = true, ["while"] = true,
  ["for"] = true, ["yield"] = true, ["do"] = true, ["new"] = true, ["val"] = true, ["var"] = true,
  ["def"] = true, ["class"] = true, ["object"] = true, ["trait"] = true, ["import"] = true,
  ["package"] = true, ["extends"] = true, ["with"] = true, ["type"] = true, ["lazy"] = true,
  ["private"] = true, ["protected"] = true, ["override"] = true, ["implicit"] = true,
  ["final"] = true, ["sealed"] = true, ["abstract"] = true,
}

local ESCAPES = { n = "\n", r = "\r", t = "\t", b = "\b", f = "\f", ["'"] = "'", ['"'] = '"', ["\\"] = "\\" }

-- A code point as UTF-8 (a lone surrogate stays as Lua writes it).

-- The escapes of a string literal in one pass: \uXXXX everywhere (pairs
-- of surrogates joined), the others (\n, \", \\, ...) only in a
-- single-quoted literal; in a triple-quoted one a backslash is itself.
local function unescape(s, single)
  local out, i = {}, 1
  while i <= #s do
    local c = s:sub(i, i)
    if c ~= "\\" then
      out[#out + 1] = c
      i = i + 1
    else
      local u, hex = s:match("^\\(u+)(%x%x%x%x)", i)
      if u then
        local cp = tonumber(hex, 16)
        i = i + 1 + #u + 4
        local u2, lo = s:match("^\\(u+)(%x%x%x%x)", i)
        if cp >= 0xD800 and cp <= 0xDBFF and lo and tonumber(lo, 16) >= 0xDC00 and tonumber(lo, 16) <= 0xDFFF then
          cp = 0x10000 + (cp - 0xD800) * 0x400 + (tonumber(lo, 16) - 0xDC00)
          i = i + 1 + #u2 + 4
        end
        out[#out + 1] = utf8.char(cp)
      elseif single then
        local n = s:sub(i + 1, i + 1)
        local e = ESCAPES[n]
        if not e then error("unknown escape \\" .. n, 0) end
        out[#out + 1] = e
        i = i + 2
      else
        out[#out + 1] = s:sub(i, i + 1)
        i = i + 2
      end
    end
  end
  return table.concat(out)
end

-- The parts of an interpolated string: text and {name = x}.
local function interpolate(raw, single)
  local parts, i, buf = {}, 1, {}
  local function flush()
    if #buf > 0 then
      local s = table.concat(buf)
      parts[#parts + 1] = unescape(s, single)
      buf = {}
    end
  end
  while i <= #raw do
    local c = raw:sub(i, i)
    if c == "$" then
      local n = raw:sub(i + 1, i + 1)
      if n == "$" then buf[#buf + 1] = "$"; i = i + 2
      elseif n == "{" then
        local name, stop = raw:match("^{%s*([%a_][%w_]*)%s*}()", i + 1)
        if not name then error("interpolation of an expression: " .. raw:sub(i, i + 20), 0) end
        flush(); parts[#parts + 1] = { name = name }; i = stop
      else
        local name = raw:match("^[%a_][%w_]*", i + 1)
        if not name then error("a lone $ in an interpolated string", 0) end
        flush(); parts[#parts + 1] = { name = name }; i = i + 1 + #name
      end
    elseif single and c == "\\" then
      buf[#buf + 1] = raw:sub(i, i + 1); i = i + 2
    else
      buf[#buf + 1] = c; i = i + 1
    end
  end
  flush()
  return parts
end

--- The tokens of a Scala source: {k, v, line, nl}; k is id, op, str,
-- istr, char, num, or the punctuation itself.
function M.tokenize(src)
  local toks, i, line, nl = {}, 1, 1, false
  local n = #src
  local function add(k, v, l)
    toks[#toks + 1] = { k = k, v = v, line = l or line, nl = nl }
    nl = false
  end
  while i <= n do
    local c = src:sub(i, i)
    if c == "\n" then line = line + 1; nl = true; i = i + 1
    elseif c:match("%s") then i = i + 1
    elseif src:sub(i, i + 1) == "//" then
      local e = src:find("\n", i, true) or n + 1
      i = e
    elseif src:sub(i, i + 1) == "/*" then
      local e = assert(src:find("*/", i + 2, true), "an unclosed comment")
      for _ in src:sub(i, e):gmatch("\n") do line = line + 1; nl = true end
      i = e + 2
    elseif c == '"' or ((c == "s" or c == "f" or c == "raw") and src:sub(i + 1, i + 1) == '"') then
      local prefix = ""
      if c ~= '"' then prefix = c; i = i + 1 end
      local l = line
      local raw, single
      if src:sub(i, i + 2) == '"""' then
        local e = assert(src:find('"""', i + 3, true), "an unclosed triple-quoted string at line " .. l)
        while src:sub(e + 3, e + 3) == '"' do e = e + 1 end -- """a"""" ends with a quote
        raw = src:sub(i + 3, e - 1)
        i = e + 3
      else
        local j = i + 1
        while true do
          local d = src:sub(j, j)
          if d == "" or d == "\n" then error("an unclosed string at line " .. l, 0) end
          if d == "\\" then j = j + 2
          elseif d == '"' then break
          else j = j + 1 end
        end
        raw = src:sub(i + 1, j - 1)
        single = true
        i = j + 1
      end
      for _ in raw:gmatch("\n") do line = line + 1 end
      if prefix == "s" then
        add("istr", interpolate(raw, single), l)
      elseif prefix ~= "" then
        error("a " .. prefix .. '"..." string at line ' .. l, 0)
      else
        add("str", unescape(raw, single), l)
      end
    elseif c == "'" and src:match("^'\\?.-'", i) and (src:match("^'[^\\']'", i) or src:match("^'\\u+%x%x%x%x'", i) or src:match("^'\\.'", i)) then
      local lit = src:match("^'\\u+%x%x%x%x'", i) or src:match("^'[^\\']'", i) or src:match("^'\\.'", i)
      add("char", unescape(lit:sub(2, -2), true))
      i = i + #lit
    elseif c:match("%d") or (c == "." and src:sub(i + 1, i + 1):match("%d")) then
      local num = src:match("^0[xX]%x+[lL]?", i) or src:match("^%d[%d_]*%.%d+[eE][%+%-]?%d+[dDfF]?", i)
        or src:match("^%d[%d_]*[eE][%+%-]?%d+[dDfF]?", i) or src:match("^%d[%d_]*%.%d+[dDfF]?", i)
        or src:match("^%.%d+[dDfF]?", i) or src:match("^%d[%d_]*[lLdDfF]?", i)
      add("num", num)
      i = i + #num
    elseif c:match("[%a_$]") then
      local w = src:match("^[%w_$]+", i)
      -- an identifier may end in _ followed by operator characters (unary_!)
      add("id", w)
      i = i + #w
    elseif c == "`" then
      local e = assert(src:find("`", i + 1, true))
      add("id", src:sub(i + 1, e - 1))
      i = e + 1
    elseif c:match("[%(%)%[%]{},;]") then
      add(c, c)
      i = i + 1
    elseif c == "." then
      add(".", ".")
      i = i + 1
    else
      local op = src:match("^[!#%%&%*%+%-/:<=>%?@\\%^|~]+", i)
      if not op then error(("unexpected character %q at line %d"):format(c, line), 0) end
      add("op", op)
      i = i + #op
    end
  end
  add("eof", "")
  return toks
end

-- Parser -----------------------------------------------------------------------------

local P = {}
P.__index = P

function P:peek(o) return self.toks[self.i + (o or 0)] end
function P:next() local t = self.toks[self.i]; self.i = self.i + 1; return t end
function P:fail(why) error({ scala = true, why = why, line = self:peek().line }, 0) end
function P:expect(k, v)
  local t = self:peek()
  if t.k ~= k or (v and t.v ~= v) then self:fail(("expected %s but found %q"):format(v or k, t.v)) end
  return self:next()
end
function P:is(k, v)
  local t = self:peek()
  return t.k == k and (v == nil or t.v == v)
end

-- Skips a bracketed group starting at the current opener.
function P:skip_group()
  local open = self:next().k
  local close = ({ ["("] = ")", ["["] = "]", ["{"] = "}" })[open]
  local depth = 1
  while depth > 0 do
    local t = self:next()
    if t.k == "eof" then self:fail("unbalanced " .. open) end
    if t.k == open then depth = depth + 1 elseif t.k == close then depth = depth - 1 end
  end
end

-- Infix precedence by the operator's first character (Scala's rule).
local function precedence(op)
  local c = op:sub(1, 1)
  if c:match("[%a_]") then return 1 end
  if c == "|" then return 2 end
  if c == "^" then return 3 end
  if c == "&" then return 4 end
  if c == "=" or c == "!" then return 5 end
  if c == "<" or c == ">" then return 6 end
  if c == ":" then return 7 end
  if c == "+" or c == "-" then return 8 end
  if c == "*" or c == "/" or c == "%" then return 9 end
  return 10
end

function P:args(close)
  local args = {}
  self.nlsens[#self.nlsens + 1] = false
  while not self:is(close) do
    local name
    if self:is("id") and self:peek(1).k == "op" and self:peek(1).v == "=" then
      name = self:next().v
      self:next()
    end
    args[#args + 1] = { name = name, e = self:expr() }
    if not self:is(",") then break end
    self:next()
  end
  self:expect(close)
  self.nlsens[#self.nlsens] = nil
  return args
end

function P:primary()
  local t = self:peek()
  local line = t.line
  if t.k == "str" or t.k == "char" then self:next(); return { t = "lit", v = t.v, line = line } end
  if t.k == "num" then self:next(); return { t = "lit", v = { num = t.v }, line = line } end
  if t.k == "istr" then self:next(); return { t = "istr", parts = t.v, line = line } end
  if t.k == "id" then
    if t.v == "new" then
      self:next()
      return { t = "new", e = self:simple(), line = line }
    end
    if KEYWORDS[t.v] then self:fail("Scala's '" .. t.v .. "'") end
    self:next()
    if t.v == "true" or t.v == "false" then return { t = "lit", v = t.v == "true", line = line } end
    if t.v == "null" then return { t = "lit", v = M.NULL, line = line } end
    return { t = "id", name = t.v, line = line }
  end
  if t.k == "(" then
    self:next()
    local items = self:args(")")
    for _, a in ipairs(items) do if a.name then self:fail("a named tuple item") end end
    if #items == 1 then return items[1].e end
    local list = {}
    for k, a in ipairs(items) do list[k] = a.e end
    return { t = "tuple", items = list, line = line }
  end
  if t.k == "{" then return self:block() end
  if t.k == "op" and (t.v == "-" or t.v == "!") then
    self:next()
    return { t = "prefix", op = t.v, e = self:simple(), line = line }
  end
  self:fail(("unexpected %q"):format(t.v))
end

-- A primary and its selections, calls and type arguments.
function P:simple()
  local e = self:primary()
  while true do
    local t = self:peek()
    if t.k == "." and not t.nl then
      self:next()
      e = { t = "sel", obj = e, name = self:expect("id").v, line = t.line }
    elseif t.k == "." and t.nl then
      self:next()
      e = { t = "sel", obj = e, name = self:expect("id").v, line = t.line }
    elseif t.k == "(" and not t.nl then
      self:next()
      e = { t = "call", fn = e, args = self:args(")"), line = e.line }
    elseif t.k == "[" and not t.nl then
      local first = self:peek(1)
      self:skip_group()
      e = { t = "tapp", fn = e, type = first.k == "id" and first.v or nil, line = e.line }
    elseif t.k == "{" and not t.nl then
      e = { t = "call", fn = e, args = { { e = self:block() } }, line = e.line }
    else
      return e
    end
  end
end

function P:infix(min)
  local l = self:simple()
  while true do
    local t = self:peek()
    local op = (t.k == "id" and not KEYWORDS[t.v] and t.v) or (t.k == "op" and t.v)
    if not op or op == "=" or op == "=>" or op == "<-" then break end
    if t.nl and self.nlsens[#self.nlsens] then break end
    local p = precedence(op)
    if p < min then break end
    self:next()
    local right_assoc = op:sub(-1) == ":"
    local r = self:infix(right_assoc and p or p + 1)
    l = { t = "infix", op = op, l = l, r = r, line = l.line }
  end
  return l
end

-- Lambda parameters: `x =>`, `(a, _) =>`, `(x: Int) =>`.
function P:lambda_params()
  local t = self:peek()
  if t.k == "id" and self:peek(1).k == "op" and self:peek(1).v == "=>" then
    self:next(); self:next()
    return { t.v }
  end
  if t.k == "(" then
    local j, params = self.i + 1, {}
    while true do
      local a = self.toks[j]
      if a.k ~= "id" then return nil end
      params[#params + 1] = a.v
      j = j + 1
      if self.toks[j].k == "op" and self.toks[j].v == ":" then j = j + 2 end
      if self.toks[j].k == "," then j = j + 1
      elseif self.toks[j].k == ")" then break
      else return nil end
    end
    if self.toks[j + 1].k == "op" and self.toks[j + 1].v == "=>" then
      self.i = j + 2
      return params
    end
  end
  return nil
end

function P:expr()
  local line = self:peek().line
  local params = self:lambda_params()
  if params then
    if self.nlsens[#self.nlsens] then
      -- `{ x => a \n b }`: in a block the body is the rest of the block
      return { t = "lambda", params = params, body = { t = "block", stmts = self:statements(line), line = line }, line = line }
    end
    return { t = "lambda", params = params, body = self:expr(), line = line }
  end
  return self:infix(1)
end

local MODIFIERS = { private = true, protected = true, override = true, implicit = true, lazy = true, final = true }

-- Skips to the end of the statement: the next newline at this depth.
function P:resync()
  local asserts, depth = 0, 0
  local start = self.i
  while true do
    local t = self:peek()
    if t.k == "eof" then break end
    if depth == 0 and self.i > start and (t.nl or t.k == "}") then break end
    if t.k == "(" or t.k == "[" or t.k == "{" then depth = depth + 1
    elseif t.k == ")" or t.k == "]" or t.k == "}" then depth = depth - 1 end
    if t.k == "id" and (t.v == "should" or t.v == "shouldBe") then asserts = asserts + 1 end
    self:next()
  end
  return asserts
end

function P:statement()
  local t = self:peek()
  while t.k == "id" and MODIFIERS[t.v] do self:next(); t = self:peek() end
  local line = t.line
  if t.k == "id" and (t.v == "import" or t.v == "package") then
    self:resync()
    return nil
  end
  if t.k == "id" and (t.v == "val" or t.v == "var") then
    self:next()
    local name = self:expect("id").v
    while not self:is("op", "=") do
      if self:is("eof") then self:fail("a val without =") end
      if self:is("(") or self:is("[") or self:is("{") then self:skip_group() else self:next() end
    end
    self:next()
    return { t = "val", name = name, e = self:expr(), line = line }
  end
  if t.k == "id" and t.v == "def" then
    self:next()
    local name = self:expect("id").v
    local params = {}
    while not self:is("op", "=") and not self:is("{") do
      if self:is("(") then
        -- parameter names: id ':' type, ...
        local depth = 0
        repeat
          local a = self:next()
          if a.k == "(" then depth = depth + 1 elseif a.k == ")" then depth = depth - 1 end
          if depth == 1 and a.k == "id" and self:is("op", ":") then params[#params + 1] = a.v end
        until depth == 0
      elseif self:is("eof") then self:fail("a def without a body")
      elseif self:is("[") then self:skip_group()
      else self:next() end
    end
    if self:is("op", "=") then self:next() end
    return { t = "def", name = name, params = params, body = self:expr(), line = line }
  end
  if t.k == "id" and (t.v == "class" or t.v == "object" or t.v == "trait" or t.v == "case") then
    self:resync()
    return nil
  end
  return self:expr()
end

-- Statements up to the closing brace (not consumed).
function P:statements(from)
  local stmts = {}
  while not self:is("}") do
    if self:is("eof") then self:fail("an unclosed block from line " .. from) end
    if self:is(";") then
      self:next()
    else
      local start, depth = self.i, #self.nlsens
      local ok, s = pcall(self.statement, self)
      for k = #self.nlsens, depth + 1, -1 do self.nlsens[k] = nil end
      if ok then
        if s then stmts[#stmts + 1] = s end
        if not (self:is("}") or self:is(";") or self:peek().nl) then
          -- something the grammar above does not know follows: drop the rest
          local why, line = ("unexpected %q after a statement"):format(self:peek().v), self:peek().line
          local asserts = self:resync()
          stmts[#stmts + 1] = { t = "bad", why = why, line = line, asserts = asserts }
        end
      else
        if type(s) ~= "table" or not s.scala then error(s, 0) end
        local line = self.toks[start].line
        self.i = start
        local asserts = self:resync()
        stmts[#stmts + 1] = { t = "bad", why = s.why, line = line, asserts = asserts }
      end
    end
  end
  return stmts
end

function P:block()
  local open = self:expect("{")
  self.nlsens[#self.nlsens + 1] = true
  local stmts = self:statements(open.line)
  self:next()
  self.nlsens[#self.nlsens] = nil
  return { t = "block", stmts = stmts, line = open.line }
end

M.NULL = setmetatable({}, { __tostring = function() return "null" end })

--- The first class of a source: {name, body = block}, or nil, why.
function M.parse(src)
  local ok, toks = pcall(M.tokenize, src)
  if not ok then return nil, tostring(toks) end
  local p = setmetatable({ toks = toks, i = 1, nlsens = { true } }, P)
  while not (p:is("id", "class") or p:is("id", "object")) do
    if p:is("eof") then return nil, "no class" end
    p:next()
  end
  p:next()
  local name = p:expect("id").v
  while not p:is("{") do
    if p:is("eof") then return nil, "a class without a body" end
    if p:is("(") or p:is("[") then p:skip_group() else p:next() end
  end
  local ok2, body = pcall(p.block, p)
  if not ok2 then
    if type(body) == "table" then return nil, ("line %d: %s"):format(body.line, body.why) end
    return nil, tostring(body)
  end
  return { name = name, body = body }
end

return M
