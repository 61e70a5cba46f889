--- luaforce.regex: regular expressions with Java's syntax and meaning.
--
-- FEEL's `matches`, `replace`, `split` and `extract` take java.util.regex
-- patterns (Camunda runs on the JVM). luaforce.core.regex rewrites such a
-- pattern for PCRE2 (src/regex_text.c says what differs and why) and runs
-- it; this module adds a bounded cache of compiled patterns and counts
-- positions in code points instead of bytes.
--
--     local regex = require "luaforce.regex"
--     local re = assert(regex.compile("(?<area>\\d{3})-(\\d{4})"))
--     re:test("call 555-1234")                 --> true   (FEEL matches: anywhere)
--     re:replace("555-1234", "$2/${area}")     --> "1234/555", 1
--     regex.compile("\\s*,\\s*"):split("a , b,")  --> {"a", "b", ""}
--
-- regex.compile(pattern[, flags]) -> re | nil, err
--   flags: a string of letters: i (ASCII case-insensitive, as Java's
--   CASE_INSENSITIVE), m (^ and $ at line ends), s (. matches line ends),
--   x (white space and #-comments ignored); also Java's d, u (with i: fold
--   all of Unicode), U (Unicode \w \d \s \b), and XPath's q (the pattern is
--   plain text). An invalid pattern or an unknown flag returns nil and an
--   error (luaforce.errors, code INVALID_REGEX, exit 2) — FEEL turns that into
--   null with a warning. Compiled patterns are cached (regex.CACHE_SIZE,
--   least recently used first out), so compiling in a loop is cheap.
--
-- Methods (positions are code points, 1-based; a match stops at `stop`,
-- which is start - 1 for an empty match; `init` as in string.find):
--   re:test(s[, init])     -> boolean        a match anywhere (FEEL matches)
--   re:find(s[, init])     -> start, stop | nil
--   re:match(s[, init])    -> start, stop, groups | nil   groups[n] and
--                             groups[name]; false for a group that took no part
--   re:replace(s, replacement[, limit]) -> text, count   every match (Java's
--                             replaceAll): "$n" and "${name}" insert a group,
--                             "\$" and "\\" are literal; a bad reference is an error
--   re:split(s)            -> {pieces}   Java's Pattern.split(s, -1), as Camunda:
--                             trailing empty pieces are kept, a zero-width match
--                             at the start gives no leading empty piece
--   re:extract(s)          -> {matches}  every match in order (FEEL extract)
--   re:groups()            -> count, {name = number}
-- Every method returns nil, err on failure: the text is not UTF-8 (code
-- INVALID_UTF8), or the match needed more than regex.MATCH_LIMIT steps
-- (code REGEX_LIMIT: a catastrophic pattern such as (a+)+b on a long run of
-- a's stops instead of hanging).
--
-- Java features that work: classes and escapes (\d \w \s \h \v \R \X, POSIX
-- \p{Alpha}, \p{javaLowerCase}, Unicode \p{L} \p{IsLatin} \p{sc=Greek}),
-- nested classes and intersections ([a-z&&[^aeiou]]), \Q..\E, \uXXXX, \0oo,
-- greedy, lazy and possessive quantifiers, atomic groups, lookahead and
-- lookbehind, named groups and \k<name>, inline flags (?i) (?x:..).
-- Differences from Java: Unicode blocks (\p{InGreek}) and \b{g} are not
-- supported (an error); lookbehind must have a bounded fixed length per
-- alternative (PCRE2 10.42); (?U) only at the very start; under (?d) only "."
-- changes; under (?i) back references fold case Unicode-wide.
require "luaforce.core" -- registers luaforce.core.* in package.preload under a stock lua5.4
local core = require "luaforce.core.regex"
local errors = require "luaforce.errors"

local M = {}

M.CACHE_SIZE = 256
M.MATCH_LIMIT = core.MATCH_LIMIT

local codes = {
  SYNTAX = "INVALID_REGEX", FLAGS = "INVALID_REGEX", REPLACEMENT = "INVALID_REPLACEMENT",
  LIMIT = "REGEX_LIMIT", UTF8 = "INVALID_UTF8", MATCH = "REGEX_FAILED",
}

local function fail(message, code, pattern)
  return nil, errors.new {
    code = codes[code] or "REGEX_FAILED",
    message = message,
    pattern = pattern,
    exit = errors.EXIT.USAGE,
  }
end

local Regex = {}
Regex.__index = Regex
Regex.__name = "luaforce.regex"

function Regex:__tostring()
  return ("regex(%q%s)"):format(self.pattern, self.flags ~= "" and ", " .. self.flags or "")
end

-- Byte position of code point `init` (string.find's rules for negatives
-- and for positions past the end); nil when `s` is not UTF-8.
local function byte_init(s, init)
  if init == nil or init == 1 then return 1 end
  local n = utf8.len(s)
  if not n then return nil end
  if init < 0 then init = math.max(n + init + 1, 1) end
  if init > n + 1 then return #s + 2 end
  if init < 1 then init = 1 end
  return utf8.offset(s, init)
end

-- Code point positions of a byte match [b, e] (e = b - 1 when empty).
local function cp_range(s, b, e)
  local start = utf8.len(s, 1, b - 1) + 1
  return start, start + utf8.len(s, b, e) - 1
end

local function checked_init(s, init)
  local b = byte_init(s, init)
  if not b then return fail("the text is not valid UTF-8", "UTF8") end
  return b
end

function Regex:test(s, init)
  local b, err = checked_init(s, init)
  if not b then return nil, err end
  local ok, msg, code = self.raw:test(s, b)
  if ok == nil then return fail(msg, code, self.pattern) end
  return ok
end

function Regex:find(s, init)
  local b, err = checked_init(s, init)
  if not b then return nil, err end
  local mb, me, code = self.raw:find(s, b)
  if mb == nil then
    if me then return fail(me, code, self.pattern) end
    return nil
  end
  return cp_range(s, mb, me)
end

function Regex:match(s, init)
  local b, err = checked_init(s, init)
  if not b then return nil, err end
  local mb, me, groups = self.raw:match(s, b)
  if mb == nil then
    if me then return fail(me, groups, self.pattern) end
    return nil
  end
  local start, stop = cp_range(s, mb, me)
  return start, stop, groups
end

function Regex:replace(s, replacement, limit)
  local out, count, code = self.raw:replace(s, replacement, limit)
  if out == nil then return fail(count, code, self.pattern) end
  return out, count
end

function Regex:split(s)
  local list, msg, code = self.raw:split(s)
  if list == nil then return fail(msg, code, self.pattern) end
  return list
end

function Regex:extract(s)
  local list, msg, code = self.raw:extract(s)
  if list == nil then return fail(msg, code, self.pattern) end
  return list
end

function Regex:groups()
  return self.raw:groups()
end

-- The cache: a map from key to node and a doubly linked list, most
-- recently used at the head; a hit moves its node to the head, a miss past
-- CACHE_SIZE drops the tail. One cache per Lua state (nothing is shared
-- between server threads).
local cache, head, tail, size = {}, nil, nil, 0

local function unlink(node)
  if node.prev then node.prev.next = node.next else head = node.next end
  if node.next then node.next.prev = node.prev else tail = node.prev end
  node.prev, node.next = nil, nil
end

local function push_front(node)
  node.next = head
  if head then head.prev = node end
  head = node
  if not tail then tail = node end
end

--- Compiles `pattern` (Java syntax) with `flags` (default ""), or returns
-- the cached compiled pattern.
function M.compile(pattern, flags)
  if type(pattern) ~= "string" then error("regex.compile: pattern must be a string", 2) end
  flags = flags or ""
  if type(flags) ~= "string" then error("regex.compile: flags must be a string", 2) end
  local key = flags .. "\0" .. pattern
  local node = cache[key]
  if node then
    if node ~= head then
      unlink(node)
      push_front(node)
    end
    return node.re
  end
  local raw, msg, code = core.compile(pattern, flags, M.MATCH_LIMIT)
  if not raw then return fail(("invalid regular expression %q: %s"):format(pattern, msg), code, pattern) end
  local re = setmetatable({ raw = raw, pattern = pattern, flags = flags }, Regex)
  node = { key = key, re = re }
  cache[key] = node
  push_front(node)
  size = size + 1
  while size > M.CACHE_SIZE and tail do
    local old = tail
    unlink(old)
    cache[old.key] = nil
    size = size - 1
  end
  return re
end

--- Empties the compiled-pattern cache (tests; after changing MATCH_LIMIT).
function M.clear_cache()
  cache, head, tail, size = {}, nil, nil, 0
end

--- Number of patterns in the cache.
function M.cache_size()
  return size
end

--- The PCRE2 pattern a Java pattern becomes (diagnostics), or nil, err.
function M.translate(pattern, flags)
  local out, msg, code = core.translate(pattern, flags or "")
  if not out then return fail(msg, code, pattern) end
  return out
end

return M
