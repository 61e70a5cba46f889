--- luaforce.feel.lexer: FEEL text to tokens.
--
-- A token is `{type, value, pos, line, col, stop}`: `pos` and `stop` are
-- byte offsets (1-based, inclusive), line and column are 1-based (the column
-- counts characters, so a caret lines up under non-ASCII text).
-- Types: "number" (value: the literal's text), "string" (value: the decoded
-- text), "name" (an identifier; keywords are names with `keyword = true`),
-- "backtick" (a `quoted name`), "at" (the `@` of a temporal literal), "op"
-- (punctuation: ( ) [ ] { } , : . .. + - * / ** = != < <= > >=) and "eof".
-- Names with spaces are not decided here: the parser joins words.
--
-- Errors are returned as `nil, message, pos` and turned into syntax errors
-- with a caret by luaforce.feel.
--
-- lexer.tokenize(src) -> tokens | nil, message, pos
-- lexer.is_name(word) -> whether `word` reads as one name
-- lexer.KEYWORDS      the reserved words
local M = {}

local byte, sub, find, char = string.byte, string.sub, string.find, string.char
local utf8char = utf8.char

-- Words the grammar reserves. `not`, `item` and `partial` are names.
M.KEYWORDS = {
  ["and"] = true, ["or"] = true, ["if"] = true, ["then"] = true, ["else"] = true,
  ["for"] = true, ["in"] = true, ["return"] = true, ["some"] = true, ["every"] = true,
  ["satisfies"] = true, ["instance"] = true, ["of"] = true, ["between"] = true,
  ["function"] = true, ["true"] = true, ["false"] = true, ["null"] = true,
}

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

--- True when `word` reads as one name (no spaces, not starting with a digit).
function M.is_name(word)
  if word == "" or not is_name_start(byte(word, 1)) then return false end
  for i = 2, #word do
    if not is_name_char(byte(word, i)) then return false end
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

--- Splits `src` into a token list, or returns nil, message, byte position.
function M.tokenize(src)
  local tokens, n = {}, 0
  local i, len = 1, #src
  local line, line_start = 1, 1
  -- the column of byte cpos on the current line, advanced token by token so a
  -- long line costs linear time, not quadratic
  local cpos, ccol = 1, 1
  local function push(ty, value, s, e, kw)
    n = n + 1
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
    if b == 10 then
      i = i + 1; line = line + 1; line_start = i
    elseif b == 32 or b == 9 or b == 13 or b == 12 then
      i = i + 1
    elseif b == 47 and byte(src, i + 1) == 47 then -- // comment
      local j = find(src, "\n", i, true)
      i = j or len + 1
    elseif b == 47 and byte(src, i + 1) == 42 then -- /* comment */
      local j = find(src, "*/", i + 2, true)
      if not j then return nil, "unterminated comment", i end
      for _ in sub(src, i, j):gmatch("\n") do line = line + 1 end
      local lastnl = sub(src, 1, j):match(".*()\n")
      if lastnl and lastnl > i then line_start = lastnl + 1 end
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
      if nb and is_name_start(nb) then
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
    elseif b == 96 then -- `backtick name`
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
      while i <= len and is_name_char(byte(src, i)) do i = i + 1 end
      local word = sub(src, s, i - 1)
      if not utf8.len(word) then return nil, "invalid UTF-8", s end
      push("name", word, s, i - 1, M.KEYWORDS[word] or nil)
    else
      local two = sub(src, i, i + 1)
      if OPS2[two] then
        push("op", two, i, i + 1)
        i = i + 2
      elseif OPS1[char(b)] then
        push("op", char(b), i, i)
        i = i + 1
      elseif b == 33 then
        return nil, "unexpected '!' (write != or not(x))", i
      else
        return nil, ("unexpected character '%s'"):format(sub(src, i, i + (b >= 0xC0 and 1 or 0))), i
      end
    end
  end
  push("eof", nil, len + 1, len + 1)
  return tokens
end

return M
