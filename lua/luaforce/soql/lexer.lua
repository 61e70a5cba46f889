--- luaforce.soql.lexer: SOQL text to tokens, for luaforce.soql.parser.
--
-- `lexer.tokenize(text)` returns an array of tokens, each a table
--   { k = kind, t = source text, p = 1-based byte position, ... }
-- with kinds
--   "id"       identifier or keyword; `u` = upper-cased text. Currency
--              literals lex as identifiers (`USD100`, `EUR50.5`: the
--              fraction is glued on, no path segment starts with a digit)
--   "str"      single-quoted string; `v` = decoded value, `raw` = the text
--              between the quotes, `like_esc` = position of the first `\%`
--              or `\_` (legal in LIKE patterns only; the parser decides)
--   "num"      number; `v` = Lua integer, float or luaforce.decimal, `int` =
--              true for integer syntax
--   "date"     2024-01-31 (calendar-checked)
--   "datetime" 2024-01-31T10:00:00Z / .123+05:30 (checked)
--   "punct"    ( ) , . : = != <> < <= > >=
--   "eof"      end of text (t = "<EOF>")
--   "error"    the first character that cannot start a token; `reason` says
--              why. Tokenizing stops there, so a parser that reaches this
--              token reports the earliest problem in text order.
-- The lexer is context-free: whether `-5` or `TODAY` is allowed is the
-- parser's business. It works with string.byte/string.find only.
local M = {}

local byte, sub, find, match = string.byte, string.sub, string.find, string.match
local concat = table.concat

local B_QUOTE, B_BSLASH = byte("'"), byte("\\")

local decimal -- loaded on first use: only numbers past int64/double need it
local function to_decimal(s)
  decimal = decimal or require "luaforce.decimal"
  return decimal.new(s)
end

-- Decoded single-character escapes (both cases where Salesforce takes them).
local ESCAPES = {
  n = "\n", N = "\n", r = "\r", R = "\r", t = "\t", T = "\t",
  b = "\b", B = "\b", f = "\f", F = "\f",
  ['"'] = '"', ["'"] = "'", ["\\"] = "\\",
  ["%"] = "%", ["_"] = "_",
}

local function is_leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end
local MDAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

local function valid_date(y, m, d)
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m < 1 or m > 12 or d < 1 then return false end
  local n = MDAYS[m]
  if m == 2 and is_leap(y) then n = 29 end
  return d <= n
end

-- The reason a date-shaped run of characters is not a valid date or
-- date-time, or nil (and the token kind) when it is one.
local function check_temporal(s)
  local y, m, d, rest = match(s, "^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  if not y then return ("invalid date: '%s' (expecting YYYY-MM-DD)"):format(s) end
  if not valid_date(y, m, d) then return ("invalid date: '%s' is not a calendar date"):format(s) end
  if rest == "" then return nil, "date" end
  local hh, mi, ss, zone = match(rest, "^T(%d%d):(%d%d):(%d%d)(.*)$")
  if not hh then
    return ("invalid date-time: '%s' (expecting YYYY-MM-DDThh:mm:ss and Z or +hh:mm)"):format(s)
  end
  if tonumber(hh) > 23 or tonumber(mi) > 59 or tonumber(ss) > 59 then
    return ("invalid date-time: '%s' has no such time of day"):format(s)
  end
  zone = match(zone, "^%.%d+(.*)$") or zone
  if zone == "Z" then return nil, "datetime" end
  local oh, om = match(zone, "^[+-](%d%d):(%d%d)$")
  if not oh then
    return ("invalid date-time: '%s' (the time zone must be Z, +hh:mm or -hh:mm)"):format(s)
  end
  if tonumber(oh) > 18 or tonumber(om) > 59 then
    return ("invalid date-time: '%s' has an impossible time zone offset"):format(s)
  end
  return nil, "datetime"
end

local INT64_MAX = "9223372036854775807"

-- The value of an integer literal: a Lua integer when it fits in int64,
-- else a decimal.
local function integer_value(s)
  local neg, digits = match(s, "^([+-]?)0*(%d-)$")
  if digits == "" then return 0 end
  local n = #digits
  if n < 19 or (n == 19 and (digits <= INT64_MAX
      or (neg == "-" and digits == "9223372036854775808"))) then
    return math.tointeger(tonumber(s))
  end
  return to_decimal(s)
end

-- The value of a decimal literal: a float when the double reads back to the
-- same value in as many significant digits as were written (at most 17),
-- else a decimal that keeps every digit.
local function decimal_value(s)
  local digits = s:gsub("^[+-]", ""):gsub("%.", ""):gsub("^0+", ""):gsub("0+$", "")
  local f = tonumber(s)
  local n = #digits
  if n <= 15 then return f end -- every 15-digit decimal survives a double
  if n <= 17 then
    decimal = decimal or require "luaforce.decimal"
    if decimal.compare(s, ("%." .. n .. "g"):format(f)) == 0 then return f end
  end
  return to_decimal(s)
end

-- A token for the number- or date-shaped run `s` at `p`, or an error token.
local function number_token(s, p)
  if match(s, "^[+-]?%d+$") then
    return { k = "num", t = s, p = p, v = integer_value(s), int = true }
  elseif match(s, "^[+-]?%d*%.%d+$") then
    return { k = "num", t = s, p = p, v = decimal_value(s) }
  elseif match(s, "^%d%d%d%d%-") then
    local why, kind = check_temporal(s)
    if why then return { k = "error", t = s, p = p, reason = why } end
    return { k = kind, t = s, p = p }
  end
  local reason = ("invalid number: '%s'"):format(s)
  if match(s, "^[+-]?[%d.]+[eE]") then reason = reason .. " (SOQL numbers have no exponent)" end
  return { k = "error", t = s, p = p, reason = reason }
end

-- One UTF-8 character at p (for messages about characters).
local function char_at(text, p)
  return match(text, "^[\xC2-\xF4][\x80-\xBF]*", p) or sub(text, p, p)
end

-- Decodes the string whose opening quote is at p. Returns the token and the
-- position after it, or an error token.
local function string_token(text, p)
  local parts, n = {}, 0
  local i = p + 1
  local like_esc
  while true do
    local a = find(text, "[\\']", i)
    if not a then
      return { k = "error", t = sub(text, p), p = p,
        reason = "unterminated string: no closing quote (') before the end of the query" }
    end
    if a > i then n = n + 1; parts[n] = sub(text, i, a - 1) end
    if byte(text, a) == B_QUOTE then
      return { k = "str", t = sub(text, p, a), p = p, v = concat(parts), raw = sub(text, p + 1, a - 1),
        like_esc = like_esc }, a + 1
    end
    -- a backslash
    local c = sub(text, a + 1, a + 1)
    local plain = ESCAPES[c]
    if plain then
      if (c == "%" or c == "_") and not like_esc then like_esc = a end
      n = n + 1; parts[n] = plain
      i = a + 2
    elseif c == "u" then
      local hex = match(text, "^%x%x%x%x", a + 2)
      if not hex then
        return { k = "error", t = sub(text, a, a + 5), p = a,
          reason = "invalid unicode escape: \\u needs four hex digits" }
      end
      local cp = tonumber(hex, 16)
      i = a + 6
      if cp >= 0xDC00 and cp <= 0xDFFF then
        return { k = "error", t = sub(text, a, a + 5), p = a,
          reason = ("invalid unicode escape: '\\u%s' is a lone low surrogate"):format(hex) }
      elseif cp >= 0xD800 and cp <= 0xDBFF then
        local lo = match(text, "^\\u([Dd][C-Fc-f]%x%x)", i)
        if not lo then
          return { k = "error", t = sub(text, a, a + 5), p = a,
            reason = ("invalid unicode escape: '\\u%s' must be followed by a low surrogate \\uDC00-\\uDFFF"):format(hex) }
        end
        cp = 0x10000 + (cp - 0xD800) * 0x400 + (tonumber(lo, 16) - 0xDC00)
        i = i + 6
      end
      n = n + 1; parts[n] = utf8.char(cp)
    elseif c == "" then
      return { k = "error", t = sub(text, p), p = p,
        reason = "unterminated string: no closing quote (') before the end of the query" }
    else
      local ch = char_at(text, a + 1)
      return { k = "error", t = "\\" .. ch, p = a,
        reason = ("invalid escape sequence '\\%s' in string literal"):format(ch) }
    end
  end
end

-- Two-character operators, then single ones.
local PUNCT2 = { ["!="] = true, ["<>"] = true, ["<="] = true, [">="] = true }
local PUNCT1 = { ["("] = true, [")"] = true, [","] = true, ["."] = true, [":"] = true,
  ["="] = true, ["<"] = true, [">"] = true }

-- Friendlier words for characters people try from SQL or other languages.
local HINTS = {
  ['"'] = " (SOQL strings use single quotes)",
  ["*"] = " (SOQL has no SELECT *: list the fields or use FIELDS(ALL))",
  [";"] = " (a SOQL query has no terminating semicolon)",
  ["!"] = " (not-equal is != or <>)",
}

--- Tokenizes `text` (a string). Always returns an array that ends with an
-- "eof" or "error" token.
function M.tokenize(text)
  local toks, n = {}, 0
  local i = 1
  local len = #text
  while true do
    i = match(text, "^%s*()", i)
    if i > len then
      n = n + 1; toks[n] = { k = "eof", t = "<EOF>", p = i }
      return toks
    end
    local b = byte(text, i)
    local tok, nexti
    if (b >= 65 and b <= 90) or (b >= 97 and b <= 122) then -- letter
      local e = match(text, "^[%a][%w_]*()", i)
      -- currency with a fraction: USD50.5
      local frac = match(text, "^%.%d+()", e)
      if frac and match(sub(text, i, e - 1), "^%a%a%a%d+$") then
        e = frac
      end
      local s = sub(text, i, e - 1)
      tok, nexti = { k = "id", t = s, u = s:upper(), p = i }, e
    elseif (b >= 48 and b <= 57) or ((b == 43 or b == 45 or b == 46) and match(text, "^[+-]?%.?%d", i)) then
      local e = match(text, "^[+-]?[%w.:+-]*()", i)
      -- a date-time's zone is part of the run, but a bare number must not
      -- swallow a following sign or colon (LAST_N_DAYS:5 has none after)
      local s = sub(text, i, e - 1)
      if not match(s, "^%d%d%d%d%-") then
        e = match(text, "^[+-]?[%w.]*()", i)
        s = sub(text, i, e - 1)
      end
      tok, nexti = number_token(s, i), e
    elseif b == B_QUOTE then
      tok, nexti = string_token(text, i)
    else
      local two = sub(text, i, i + 1)
      if PUNCT2[two] then
        tok, nexti = { k = "punct", t = two, p = i }, i + 2
      else
        local one = sub(text, i, i)
        if PUNCT1[one] then
          tok, nexti = { k = "punct", t = one, p = i }, i + 1
        else
          local ch = char_at(text, i)
          tok = { k = "error", t = ch, p = i,
            reason = ("no viable alternative at character '%s'%s"):format(ch, HINTS[ch] or "") }
        end
      end
    end
    -- 'O''Brien' is two strings in SOQL; mark it so the parser can say so
    if tok.k == "str" and n > 0 and toks[n].k == "str" and toks[n].p + #toks[n].t == i then
      tok.after_str = true
    end
    n = n + 1; toks[n] = tok
    if tok.k == "error" then return toks end
    i = nexti
  end
end

--- The value of unsigned number text ("100", "50.5") as a number literal
-- has it: a Lua integer, a float, or a luaforce.decimal.
function M.number(s)
  if match(s, "^[+-]?%d+$") then return integer_value(s) end
  return decimal_value(s)
end

return M
