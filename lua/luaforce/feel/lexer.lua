--- luaforce.feel.lexer: FEEL text to tokens.
--
-- A token is `{type, value, pos, line, col, stop}`: `pos` and `stop` are
-- byte offsets (1-based, inclusive), line and column are 1-based (the column
-- counts characters, so a caret lines up under non-ASCII text).
-- Types: "number" (value: the literal's text), "string" (value: the decoded
-- text), "name" (an identifier; keywords are names with `keyword = true`),
-- "backtick" (a `quoted name`), "at" (the `@` of a temporal literal), "op"
-- (punctuation: ( ) [ ] { } , : . .. + - * / ** = != < <= > >=), "other" (a
-- character the grammar has no use for, which only a context key may hold:
-- `{a#b: 1}`; the parser refuses it elsewhere) and "eof".
-- Whitespace is FEEL's: the ASCII spaces with the vertical tab, and the
-- Unicode ones DMN lists (no-break, en/em, ideographic, line and paragraph
-- separators, zero-width, ...). The text must be valid UTF-8.
-- Names with spaces are not decided here: the parser joins words.
--
-- Errors are returned as `nil, message, pos` and turned into syntax errors
-- with a caret by luaforce.feel.
--
-- lexer.tokenize(src) -> tokens | nil, message, pos
-- lexer.is_name(word) -> whether `word` reads as one name
-- lexer.KEYWORDS      the reserved words
-- lexer.MAX_TOKENS    the most tokens an expression may have
local M = {}

local byte, sub, find, char = string.byte, string.sub, string.find, string.char
local pcall, error, type = pcall, error, type
local utf8char = utf8.char

-- Words the grammar reserves. `not`, `item` and `partial` are names.
M.KEYWORDS = {
  ["and"] = true, ["or"] = true, ["if"] = true, ["then"] = true, ["else"] = true,
  ["for"] = true, ["in"] = true, ["return"] = true, ["some"] = true, ["every"] = true,
  ["satisfies"] = true, ["instance"] = true, ["of"] = true, ["between"] = true,
  ["function"] = true, ["true"] = true, ["false"] = true, ["null"] = true,
}

--- The most tokens an expression may have: compiling takes time linear in
-- them (a few µs each), so this bounds it near a second.
M.MAX_TOKENS = 200000

local OPS2 = { ["**"] = true, ["!="] = true, ["<="] = true, [">="] = true, [".."] = true }
local OPS1 = {}
for c in ("()[]{},:.+-*/=<>"):gmatch(".") do OPS1[c] = true end

local ESCAPES = { n = "\n", r = "\r", t = "\t", b = "\b", f = "\f", ["'"] = "'", ['"'] = '"', ["\\"] = "\\" }

-- Identifier characters: ASCII letters, `_`, `?`, `$`, any non-ASCII
-- character (so names in other scripts work); digits after the first.
local function is_name_start(b)
  return (b >= 97 and b <= 122) or (b >= 65 and b <= 90) or b == 95 or b == 63 or b == 36 or b >= 128
end
local function is_name_char(b)
  return is_name_start(b) or (b >= 48 and b <= 57)
end

-- FEEL's whitespace (DMN's list, as Camunda's tests give it): the ASCII
-- ones and these code points, by their UTF-8 bytes. They separate tokens
-- and never belong to a name.
local SPACES = {}
for _, cp in ipairs { 0x85, 0xA0, 0x1680, 0x180E, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF } do
  SPACES[utf8char(cp)] = true
end
local ASCII_SPACE = { [9] = true, [10] = true, [11] = true, [12] = true, [13] = true, [32] = true }

-- The byte length of the whitespace character at i (lead byte b), or nil.
local function space_at(src, i, b)
  if b < 128 then return ASCII_SPACE[b] and 1 or nil end
  if b == 0xC2 then return SPACES[sub(src, i, i + 1)] and 2 or nil end
  if b >= 0xE1 and b <= 0xEF then return SPACES[sub(src, i, i + 2)] and 3 or nil end
end

--- True when `word` reads as one name (no spaces, not starting with a digit).
function M.is_name(word)
  if word == "" or not is_name_start(byte(word, 1)) or not utf8.len(word) then return false end
  for i = 1, #word do
    local b = byte(word, i)
    if (i > 1 and not is_name_char(b)) or (b >= 128 and space_at(word, i, b)) then return false end
  end
  return true
end

-- Decodes the body of a string literal from `i` (just after the quote).
-- Returns the text and the position after the closing quote, or nil, message, pos.
local function read_string(src, i)
  local parts, n = {}, 0
  local start = i
  while true do
    local j = find(src, '["\\]', i)
    if not j then return nil, "unterminated string", start - 1 end
    if j > i then n = n + 1; parts[n] = sub(src, i, j - 1) end
    if byte(src, j) == 34 then return table.concat(parts), j + 1 end
    local e = sub(src, j + 1, j + 1)
    if ESCAPES[e] then
      n = n + 1; parts[n] = ESCAPES[e]
      i = j + 2
    elseif e == "u" then
      local hex = src:match("^%x%x%x%x", j + 2)
      if not hex then return nil, "\\u needs four hex digits", j end
      local cp = tonumber(hex, 16)
      i = j + 6
      if cp >= 0xD800 and cp <= 0xDBFF then
        local lo = src:match("^\\u(%x%x%x%x)", i)
        local lov = lo and tonumber(lo, 16)
        if not lov or lov < 0xDC00 or lov > 0xDFFF then
          return nil, "a high surrogate \\u" .. hex .. " must be followed by a low one", j
        end
        cp = 0x10000 + (cp - 0xD800) * 0x400 + (lov - 0xDC00)
        i = i + 6
      elseif cp >= 0xDC00 and cp <= 0xDFFF then
        return nil, "a lone low surrogate \\u" .. hex, j
      end
      n = n + 1; parts[n] = utf8char(cp)
    elseif e == "" then
      return nil, "unterminated string", start - 1
    else
      -- Unknown escapes stay as written, so "\d+" reaches a regex intact.
      n = n + 1; parts[n] = "\\" .. e
      i = j + 2
    end
  end
end

-- The tokenizer proper; raises {too_long = pos} past MAX_TOKENS.
local function scan(src)
  local tokens, n = {}, 0
  local i, len = 1, #src
  local line, line_start = 1, 1
  -- the column of byte cpos on the current line, advanced token by token so a
  -- long line costs linear time, not quadratic
  local cpos, ccol = 1, 1
  local function push(ty, value, s, e, kw)
    n = n + 1
    if n > M.MAX_TOKENS then error({ too_long = s }, 0) end
    -- column in characters: count UTF-8 lead bytes between line start and s
    if cpos < line_start or s < cpos then cpos, ccol = line_start, 1 end
    if s > cpos then
      ccol = ccol + (utf8.len(src, cpos, s - 1) or (s - cpos))
      cpos = s
    end
    local col = ccol
    tokens[n] = { type = ty, value = value, pos = s, stop = e, line = line, col = col, keyword = kw }
  end
  while i <= len do
    local b = byte(src, i)
    local blank = space_at(src, i, b)
    if b == 10 then
      i = i + 1; line = line + 1; line_start = i
    elseif blank then
      i = i + blank
    elseif b == 47 and byte(src, i + 1) == 47 then -- // comment
      local j = find(src, "\n", i, true)
      i = j or len + 1
    elseif b == 47 and byte(src, i + 1) == 42 then -- /* comment */
      local j = find(src, "*/", i + 2, true)
      if not j then return nil, "unterminated comment", i end
      local k = find(src, "\n", i, true)
      while k and k < j do
        line = line + 1; line_start = k + 1
        k = find(src, "\n", k + 1, true)
      end
      i = j + 2
    elseif b >= 48 and b <= 57 or (b == 46 and (byte(src, i + 1) or 0) >= 48 and (byte(src, i + 1) or 0) <= 57) then
      local s = i
      local _, e = find(src, "^%d*", i)
      i = e + 1
      if byte(src, i) == 46 and find(src, "^%d", i + 1) then
        _, e = find(src, "^%d+", i + 1)
        i = e + 1
      end
      local nb = byte(src, i)
      if nb and is_name_start(nb) and not space_at(src, i, nb) then
        if nb == 101 or nb == 69 then
          return nil, "numbers have no exponent form in FEEL (write 1000, not 1e3)", i
        end
        return nil, "a number cannot run into a name", i
      end
      push("number", sub(src, s, i - 1), s, i - 1)
    elseif b == 34 then
      local text, after, epos = read_string(src, i + 1)
      if not text then return nil, after, epos end
      push("string", text, i, after - 1)
      i = after
    elseif b == 96 then -- `backtick name`: any characters, kept as written
      local j = find(src, "`", i + 1, true)
      if not j then return nil, "unterminated `name`", i end
      if j == i + 1 then return nil, "empty `name`", i end
      push("backtick", sub(src, i + 1, j - 1), i, j)
      i = j + 1
    elseif b == 64 then
      push("at", "@", i, i)
      i = i + 1
    elseif is_name_start(b) then
      local s = i
      i = i + 1
      while i <= len do
        local c = byte(src, i)
        if not is_name_char(c) or (c >= 128 and space_at(src, i, c)) then break end
        i = i + 1
      end
      local word = sub(src, s, i - 1)
      push("name", word, s, i - 1, M.KEYWORDS[word] or nil)
    else
      local two = sub(src, i, i + 1)
      if OPS2[two] then
        push("op", two, i, i + 1)
        i = i + 2
      elseif OPS1[char(b)] then
        push("op", char(b), i, i)
        i = i + 1
      else
        -- a character the grammar has no use for: only a context key may
        -- hold it ({a+b#c: 1}); the parser refuses it anywhere else
        local e = i + (b >= 0xF0 and 3 or b >= 0xE0 and 2 or b >= 0xC0 and 1 or 0)
        push("other", sub(src, i, e), i, e)
        i = e + 1
      end
    end
  end
  push("eof", nil, len + 1, len + 1)
  return tokens
end

--- Splits `src` into a token list, or returns nil, message, byte position.
function M.tokenize(src)
  local ok, bad = utf8.len(src)
  if not ok then
    return nil, ("invalid UTF-8: byte 0x%02X at offset %d is not part of a valid character"):format(byte(src, bad), bad), bad
  end
  local fine, tokens, message, pos = pcall(scan, src)
  if fine then return tokens, message, pos end
  if type(tokens) == "table" and tokens.too_long then
    return nil, ("the expression has more than %d tokens (names, numbers, operators); split it up")
      :format(M.MAX_TOKENS), tokens.too_long
  end
  error(tokens, 0)
end

return M
