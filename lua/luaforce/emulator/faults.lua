--- luaforce.emulator.faults: failures the local org injects on purpose, so
-- that retries, token refresh and exactly-once promises meet real trouble.
--
-- A rule is one line of text (or the same as a Lua table, below):
--
--   METHOD PATH-PATTERN -> ACTION... [OPTION...]
--
--   METHOD        *, a method (GET), or several (GET|HEAD); any case
--   PATH-PATTERN  a glob over the request path, query string excluded:
--                 * matches within one segment (no "/"), ** across segments;
--                 a lone * or ** matches every path
--   ACTION        status=N         answer N (200-599) with a Salesforce error
--                                  array (code= message=), or body=, header=Name:value
--                 html             a proxy's 502 text/html page (status= changes it)
--                 close            close the connection, no answer
--                 cut              send half the answer, then close
--                 expire-tokens    every token issued until now dies (401 INVALID_SESSION_ID);
--                                  the request itself then goes on
--                 latency=200ms    hold the answer back (ms or s; outside the Lua lock)
--   OPTION        when=before|after (close, cut: is a write applied first?)
--                 p=0.1 | nth=3 | every=5   the trigger (default: every match)
--                 times=N          fire at most N times
--
-- Words are blank-separated; "..." (with \ escaping the next character) and
-- '...' quote blanks: message="ConcurrentRequests Limit exceeded.".
-- status/html, close and cut answer the request: one of them per rule;
-- expire-tokens and latency combine with anything.
--
-- Table form: the same words as keys, `expire_tokens` with an underscore,
-- booleans for the bare words, `latency` in ms (or "200ms"), `header` a
-- string or a list of "Name:value" strings, `headers` a map of names to values,
-- and `action` the text after "->" if you prefer writing it:
--   {method = "POST", path = "/services/data/*/sobjects/*", status = 503,
--    header = "Retry-After:2", times = 1}
--   {path = "**", action = "latency=50ms"}          -- method defaults to *
--
-- Rules are tried in order and each counts the requests it matches (nth and
-- every count per rule). Among the rules that fire on a request, the first one
-- that answers decides the answer; later answering rules stay silent (and do
-- not spend a `times`); latencies add up. `p` draws from a generator seeded by
-- the org's seed, so a run repeats exactly given the same requests in the
-- same order; `reset()` restarts it and the counters.
local errors = require "luaforce.errors"
local json = require "luaforce.json"
local reply = require "luaforce.emulator.reply"

local M = {}

--- Methods whose request may change the org (close/cut `when` matters).
M.WRITES = { POST = true, PUT = true, PATCH = true, DELETE = true }

M.ACTIONS = { "status", "html", "close", "cut", "expire_tokens", "latency" }

local MAX_LATENCY_MS = 24 * 3600 * 1000

-- Status → the error a Salesforce-shaped answer carries when the rule gives
-- no code= or message=.
local DEFAULTS = {
  [400] = { "BAD_REQUEST", "The request could not be processed." },
  [401] = { "INVALID_SESSION_ID", "Session expired or invalid" },
  [403] = { "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded." },
  [404] = { "NOT_FOUND", "The requested resource does not exist" },
  [429] = { "REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests (Concurrent API Requests) Limit exceeded." },
  [500] = { "UNKNOWN_EXCEPTION", "An unexpected error occurred." },
  [503] = { "SERVER_UNAVAILABLE", "The server is temporarily unavailable. Try again later." },
}
local CODE_MESSAGES = {}
for _, d in pairs(DEFAULTS) do CODE_MESSAGES[d[1]] = CODE_MESSAGES[d[1]] or d[2] end
CODE_MESSAGES.REQUEST_LIMIT_EXCEEDED = DEFAULTS[403][2]

local REASONS = { [500] = "Internal Server Error", [502] = "Bad Gateway", [503] = "Service Unavailable",
  [504] = "Gateway Timeout", [429] = "Too Many Requests", [403] = "Forbidden" }

---------------------------------------------------------------------------
-- Reading a rule

-- Splits text into blank-separated words; quotes may appear anywhere in a
-- word. Each word: text (unquoted), col, and for "key=value" words key,
-- value and vcol (the value's column). Returns nil, col, message on an
-- unterminated quote.
local function words(text)
  local out, i, n = {}, 1, #text
  while true do
    i = text:find("%S", i)
    if not i then break end
    local w, buf, eq = { col = i }, {}, nil
    while i <= n and not text:sub(i, i):match("%s") do
      local c = text:sub(i, i)
      if c == '"' or c == "'" then
        local start = i
        i = i + 1
        while true do
          if i > n then return nil, start, "unterminated quote" end
          local d = text:sub(i, i)
          if d == c then i = i + 1; break end
          if c == '"' and d == "\\" and i < n then i = i + 1; d = text:sub(i, i) end
          buf[#buf + 1] = d
          i = i + 1
        end
      else
        if c == "=" and not eq then eq, w.vcol = #buf, i + 1 end
        buf[#buf + 1] = c
        i = i + 1
      end
    end
    w.text = table.concat(buf)
    if eq then w.key, w.value = w.text:sub(1, eq), w.text:sub(eq + 2) end
    out[#out + 1] = w
  end
  return out
end

-- A path glob as an anchored Lua pattern.
local function glob(pat)
  if pat == "*" or pat == "**" then return "^.*$" end
  local out, i = { "^" }, 1
  while i <= #pat do
    local c = pat:sub(i, i)
    if c == "*" and pat:sub(i + 1, i + 1) == "*" then
      out[#out + 1], i = ".*", i + 2
    elseif c == "*" then
      out[#out + 1], i = "[^/]*", i + 1
    else
      out[#out + 1], i = c:match("%w") and c or "%" .. c, i + 1
    end
  end
  out[#out + 1] = "$"
  return table.concat(out)
end

local function duration_ms(s)
  local num, unit = s:match("^(%d+%.?%d*)(m?s)$")
  if not num then num, unit = s:match("^(%.%d+)(m?s)$") end
  local v = tonumber(num)
  if not v then return nil end
  v = unit == "s" and v * 1000 or v
  v = math.floor(v + 0.5)
  if v > MAX_LATENCY_MS then return nil end
  return v
end

local function positive_int(s)
  local n = math.tointeger(tonumber(s))
  return n and n >= 1 and n or nil
end

-- The setters: each takes the rule and a value (text, or nil for a bare
-- word) and returns nil or an error message.
local BARE = { close = true, cut = true, html = true, ["expire-tokens"] = true }
local SET = {}

function SET.status(r, v)
  local n = math.tointeger(tonumber(v))
  if not n or n < 200 or n > 599 then return "status must be a whole number from 200 to 599" end
  r.status = n
end

function SET.header(r, v)
  local name, value = v:match("^([^:]+):(.*)$")
  if not name or not name:match("^[%w!#$%%&'*+%-.^_`|~]+$") or value:find("[\r\n]") then
    return "header takes Name:value, as in header=Retry-After:2"
  end
  r.headers[#r.headers + 1] = { name, (value:gsub("^%s+", ""):gsub("%s+$", "")) }
end

function SET.body(r, v) r.body = v end

function SET.code(r, v)
  if not v:match("^[A-Z][A-Z0-9_]*$") then return "code must be an error code such as SERVER_UNAVAILABLE" end
  r.code = v
end

function SET.message(r, v) r.message = v end

function SET.when(r, v)
  if v ~= "before" and v ~= "after" then return "when must be before or after" end
  r.when = v
end

function SET.latency(r, v)
  local ms = duration_ms(v)
  if not ms then return "latency must be a duration such as 200ms or 2s (at most 24 hours)" end
  r.latency = ms
end

function SET.p(r, v)
  local p = tonumber(v)
  if not p or p < 0 or p > 1 then return "p must be a probability from 0 to 1" end
  r.p = p
end

function SET.nth(r, v)
  r.nth = positive_int(v)
  if not r.nth then return "nth must be a whole number from 1" end
end

function SET.every(r, v)
  r.every = positive_int(v)
  if not r.every then return "every must be a whole number from 1" end
end

function SET.times(r, v)
  r.times = positive_int(v)
  if not r.times then return "times must be a whole number from 1" end
end

SET.close = function(r) r.close = true end
SET.cut = function(r) r.cut = true end
SET.html = function(r) r.html = true end
SET["expire-tokens"] = function(r) r.expire_tokens = true end

local WORDS_HINT = "status=, html, close, cut, expire-tokens, latency=, when=, p=, nth=, every=, times="

-- Applies one word (key, value or nil) to the rule; records its column.
-- Returns nil, or a message and what it is about ("word" or "value").
local function apply(r, key, value, col)
  local set = SET[key]
  if not set then
    return ("unknown word '%s' (one of %s)"):format(key, WORDS_HINT), "word"
  end
  if BARE[key] and value ~= nil then return key .. " takes no value", "value" end
  if not BARE[key] and value == nil then return ("%s needs a value (%s=...)"):format(key, key), "word" end
  local field = key == "expire-tokens" and "expire_tokens" or key
  if key ~= "header" and r.cols[field] then return key .. " is given twice", "word" end
  r.cols[field] = col
  local msg = set(r, value)
  if msg then return msg, "value" end
end

-- Checks how the words combine; returns nil or message, column.
local function check(r, end_col)
  local c = r.cols
  if not (r.status or r.html or r.close or r.cut or r.expire_tokens or r.latency) then
    return "no action: give status=, html, close, cut, expire-tokens or latency=", end_col
  end
  local given = {}
  if r.status or r.html then given[#given + 1] = r.html and "html" or "status" end
  if r.close then given[#given + 1] = "close" end
  if r.cut then given[#given + 1] = "cut" end
  if #given > 1 then
    return ("one answer per rule: %s and %s cannot be combined"):format(given[1], given[2]), c[given[2]]
  end
  for _, k in ipairs { "header", "body", "code", "message" } do
    local present = k == "header" and #r.headers > 0 or r[k] ~= nil
    if present and not (r.status or r.html) then
      return k .. "= goes with status= or html", c[k]
    end
  end
  if r.html then
    for _, k in ipairs { "body", "code", "message" } do
      if r[k] then return "html sends its own page: " .. k .. "= goes with status=", c[k] end
    end
  end
  if r.body and (r.code or r.message) then
    return "body= replaces the error body: give body= or code=/message=, not both", c.body
  end
  if r.when and not (r.close or r.cut) then return "when= goes with close or cut", c.when end
  local trig = {}
  for _, k in ipairs { "p", "nth", "every" } do if r[k] then trig[#trig + 1] = k end end
  if #trig > 1 then
    return ("one trigger per rule: %s= and %s= cannot be combined"):format(trig[1], trig[2]), c[trig[2]]
  end
end

local function new_rule()
  return { headers = {}, cols = {}, seen = 0, fired = 0 }
end

-- The method and path words; returns nil or message, column.
local function set_target(r, method, path, mcol, pcol)
  if method == "*" then
    r.methods, r.method_text = nil, "*"
  else
    local set, list = {}, {}
    for m in (method .. "|"):gmatch("([^|]*)|") do
      if not m:match("^%a+$") then
        return ("'%s' is not a method: *, GET, or several as GET|HEAD"):format(method), mcol
      end
      m = m:upper()
      set[m] = true
      list[#list + 1] = m
    end
    r.methods, r.method_text = set, table.concat(list, "|")
  end
  if path:find("?", 1, true) then return "a path pattern matches the path without its query string", pcol end
  if path:find("->", 1, true) then return "put blanks around '->'", pcol end
  if path:sub(1, 1) ~= "/" and path ~= "*" and path ~= "**" then
    return ("the path pattern '%s' must start with / (or be * for every path)"):format(path), pcol
  end
  r.path, r.pattern = path, glob(path)
end

local function finish(r)
  r.cols = nil
  return r
end

local function fault_error(message, spec, column)
  return errors.new { code = "INVALID_FAULT", message = message, spec = spec, column = column,
    exit = errors.EXIT.USAGE }
end

local function text_error(spec, col, msg)
  return nil, fault_error(("fault '%s': column %d: %s"):format(spec, col, msg), spec, col)
end

--- Parses one rule written in the grammar. Returns the rule or nil, err
-- (a luaforce error, code INVALID_FAULT, exit 2, naming the spec and the
-- column; `err.column` holds it).
function M.parse(spec)
  if type(spec) ~= "string" then error("bad argument #1 to 'parse' (a string expected)", 2) end
  local ws, ecol, emsg = words(spec)
  if not ws then return text_error(spec, ecol, emsg) end
  local end_col = #spec + 1
  if #ws == 0 then return text_error(spec, 1, "expected a method (*, GET, GET|POST, ...)") end
  if #ws < 2 or ws[2].text == "->" then
    return text_error(spec, ws[2] and ws[2].col or end_col, "expected a path pattern after the method")
  end
  local r = new_rule()
  local msg, col = set_target(r, ws[1].text, ws[2].text, ws[1].col, ws[2].col)
  if msg then return text_error(spec, col, msg) end
  if not ws[3] or ws[3].text ~= "->" then
    return text_error(spec, ws[3] and ws[3].col or end_col, "expected '->' after the path pattern")
  end
  for i = 4, #ws do
    local w = ws[i]
    local key, value = w.key or w.text, w.value
    local m, about = apply(r, key, value, w.col)
    if m then return text_error(spec, about == "value" and w.vcol or w.col, m) end
  end
  msg, col = check(r, end_col)
  if msg then return text_error(spec, col, msg) end
  return finish(r)
end

local TABLE_KEYS = { "method", "path", "action", "status", "header", "headers", "body", "code", "message",
  "html", "close", "cut", "when", "expire_tokens", "latency", "p", "nth", "every", "times" }
local KNOWN = {}
for _, k in ipairs(TABLE_KEYS) do KNOWN[k] = true end

-- The table form, through the same setters; returns the rule or nil, message.
local function from_table(t)
  local v = {}
  for k, x in pairs(t) do
    if type(k) ~= "string" or not KNOWN[k] then
      return nil, ("unknown key '%s'"):format(tostring(k))
    end
    if x ~= json.null then v[k] = x end
  end
  local method = v.method or "*"
  if type(method) == "table" then method = table.concat(method, "|") end
  if type(method) ~= "string" then return nil, "method must be a string" end
  if type(v.path) ~= "string" then return nil, "path (a string) is missing" end
  local r = new_rule()
  local msg = set_target(r, method, v.path, 0, 0)
  if msg then return nil, msg end
  if v.action ~= nil then
    if type(v.action) ~= "string" then return nil, "action must be text such as \"status=503 times=1\"" end
    local ws, ecol, emsg = words(v.action)
    if not ws then return nil, ("action column %d: %s"):format(ecol, emsg) end
    for _, w in ipairs(ws) do
      local m = apply(r, w.key or w.text, w.value, w.col)
      if m then return nil, ("action column %d: %s"):format(w.col, m) end
    end
  end
  local function put(key, value) return apply(r, key, value, 0) end -- table keys have no column
  for _, k in ipairs(TABLE_KEYS) do
    local x = v[k]
    local m
    if x == nil or k == "method" or k == "path" or k == "action" then
      -- done above
    elseif k == "html" or k == "close" or k == "cut" or k == "expire_tokens" then
      if type(x) ~= "boolean" then return nil, k .. " must be true or false" end
      if x then m = put(k == "expire_tokens" and "expire-tokens" or k, nil) end
    elseif k == "header" then
      local list = type(x) == "table" and x or { x }
      for _, h in ipairs(list) do
        if type(h) ~= "string" then return nil, "header must be \"Name:value\" or a list of them" end
        m = m or put("header", h)
      end
    elseif k == "headers" then
      if type(x) ~= "table" then return nil, "headers must be a table of names to values" end
      local names = {}
      for name in pairs(x) do names[#names + 1] = name end
      table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
      for _, name in ipairs(names) do
        local hv = x[name]
        if type(name) ~= "string" or (type(hv) ~= "string" and type(hv) ~= "number") then
          return nil, "headers must be a table of names to values"
        end
        m = m or put("header", name .. ":" .. tostring(hv))
      end
    elseif k == "latency" and type(x) == "number" then
      m = put("latency", ("%dms"):format(math.floor(x + 0.5)))
    else
      if type(x) ~= "string" and type(x) ~= "number" then
        return nil, k .. " must be a string or a number"
      end
      m = put(k, tostring(x))
    end
    if m then return nil, m end
  end
  local cm = check(r, 0)
  if cm then return nil, cm end
  return finish(r)
end

--- A rule from its text or its table form. Returns the rule or nil, err.
function M.compile(spec)
  if type(spec) == "string" then return M.parse(spec) end
  if type(spec) ~= "table" then
    return nil, fault_error(("a fault is a string or a table, not %s"):format(type(spec)))
  end
  local r, msg = from_table(spec)
  if not r then return nil, fault_error("fault (table): " .. msg, spec) end
  return r
end

--- Every spec of a list compiled; nil, err names the spec's position.
function M.compile_all(list)
  if list == nil then return {} end
  if type(list) ~= "table" then
    return nil, fault_error("faults must be a list of specs")
  end
  local out = {}
  for i, spec in ipairs(list) do
    local r, err = M.compile(spec)
    if not r then
      if #list > 1 then err.message = err.message:gsub("^fault ", ("fault %d "):format(i), 1) end
      return nil, err
    end
    out[i] = r
  end
  return out
end

---------------------------------------------------------------------------
-- Writing a rule back

local function quote(v)
  v = tostring(v)
  if v ~= "" and not v:find("[%s\"'\\]") then return v end
  return '"' .. v:gsub('[\\"]', "\\%0") .. '"'
end

local function fmt_number(x)
  if math.type(x) == "integer" then return tostring(x) end
  return ("%.14g"):format(x)
end

--- The canonical text of a rule (parses back to the same rule).
function M.format(r)
  local out = { r.method_text, r.path, "->" }
  local function add(s) out[#out + 1] = s end
  if r.html then add("html") end
  if r.status then add("status=" .. r.status) end
  if r.close then add("close") end
  if r.cut then add("cut") end
  if r.code then add("code=" .. quote(r.code)) end
  if r.message then add("message=" .. quote(r.message)) end
  if r.body then add("body=" .. quote(r.body)) end
  for _, h in ipairs(r.headers) do add("header=" .. quote(h[1] .. ":" .. h[2])) end
  if r.when then add("when=" .. r.when) end
  if r.expire_tokens then add("expire-tokens") end
  if r.latency then add(("latency=%dms"):format(r.latency)) end
  if r.p then add("p=" .. fmt_number(r.p)) end
  if r.nth then add("nth=" .. r.nth) end
  if r.every then add("every=" .. r.every) end
  if r.times then add("times=" .. r.times) end
  return table.concat(out, " ")
end

---------------------------------------------------------------------------
-- Answers

local function answers(r) return r.status or r.html or r.close or r.cut end

local function html_page(status)
  local title = ("%d %s"):format(status, REASONS[status] or "Error")
  return table.concat {
    "<!DOCTYPE html>\n<html>\n<head><title>", title, "</title></head>\n<body>\n",
    "<h1>", title, "</h1>\n<p>The server in front of the application did not get a valid answer.</p>\n",
    "<hr><address>local proxy</address>\n</body>\n</html>\n",
  }
end

--- The reply of a status or html rule (headers appended as given).
function M.answer(r)
  local res
  if r.html then
    local status = r.status or 502
    res = { status = status, headers = { { "Content-Type", "text/html; charset=utf-8" } },
      body = html_page(status) }
  elseif r.body then
    local ctype = r.body:match("^%s*[%[{]") and reply.JSON_TYPE or "text/plain;charset=UTF-8"
    res = { status = r.status, headers = {}, body = r.body }
    local given = false
    for _, h in ipairs(r.headers) do if h[1]:lower() == "content-type" then given = true end end
    if not given then res.headers[1] = { "Content-Type", ctype } end
  elseif r.status >= 400 or r.code or r.message then
    local d = DEFAULTS[r.status] or (r.status >= 500 and DEFAULTS[500]) or DEFAULTS[400]
    local code = r.code or d[1]
    local message = r.message or (r.code and CODE_MESSAGES[r.code]) or (not r.code and d[2])
      or ("injected fault: HTTP %d"):format(r.status)
    res = reply.error(r.status, code, message)
  else
    res = reply.empty(r.status)
  end
  for _, h in ipairs(r.headers) do res.headers[#res.headers + 1] = { h[1], h[2] } end
  return res
end

--- What a write cut `before` it is applied sends (half of it): the org says
-- it did nothing, so a client that reads the status is not misled.
function M.stand_in()
  return reply.error(503, "SERVER_UNAVAILABLE", DEFAULTS[503][2])
end

---------------------------------------------------------------------------
-- The injector: rules, counters, the generator

local Injector = {}
Injector.__index = Injector

-- splitmix64: small, fast, and the same on every platform with 64-bit
-- integers (Lua 5.4's arithmetic wraps), unlike math.random's global state.
local function generator(seed)
  local s = math.tointeger(seed) or math.floor(tonumber(seed) or 1)
  return function()
    s = s + 0x9E3779B97F4A7C15
    local z = s
    z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
    z = (z ~ (z >> 27)) * 0x94D049BB133111EB
    z = z ~ (z >> 31)
    return (z >> 11) * (1.0 / 9007199254740992.0)
  end
end

local function zero_stats()
  local by = {}
  for _, a in ipairs(M.ACTIONS) do by[a] = 0 end
  return { total = 0, by_action = by }
end

--- opts: rules (specs: text or tables), seed (integer, default 1).
-- Returns the injector or nil, err.
function M.new(opts)
  opts = opts or {}
  local self = setmetatable({ seed = opts.seed or 1, rules = {} }, Injector)
  self:reset()
  local ok, err = self:set(opts.rules)
  if not ok then return nil, err end
  return self
end

--- Replaces the rules (counters and the generator start over). nil, err
-- leaves the old rules in place.
function Injector:set(specs)
  local rules, err = M.compile_all(specs)
  if not rules then return nil, err end
  self.rules = rules
  self.random = generator(self.seed)
  return true
end

--- Counters, statistics and the generator back to the start; rules kept.
function Injector:reset()
  for _, r in ipairs(self.rules) do r.seen, r.fired = 0, 0 end
  self.random = generator(self.seed)
  self.counts = zero_stats()
end

--- `{total =, by_action = {status =, html =, close =, cut =, expire_tokens =, latency =}}`.
function Injector:stats()
  local by = {}
  for k, v in pairs(self.counts.by_action) do by[k] = v end
  return { total = self.counts.total, by_action = by }
end

--- The rules as `{spec =, seen =, fired =}`, in order.
function Injector:list()
  local out = {}
  for i, r in ipairs(self.rules) do out[i] = { spec = M.format(r), seen = r.seen, fired = r.fired } end
  return out
end

local function matches(r, method, path)
  if r.methods and not r.methods[method] then return false end
  return path:match(r.pattern) ~= nil
end

-- A fired rule's effects, as the log line names them.
local function describe(r, write)
  local parts = {}
  if r.expire_tokens then parts[#parts + 1] = "expire-tokens" end
  if r.latency then parts[#parts + 1] = ("latency %dms"):format(r.latency) end
  if r.html then parts[#parts + 1] = "html " .. (r.status or 502)
  elseif r.status then parts[#parts + 1] = "status " .. r.status end
  for _, a in ipairs { "close", "cut" } do
    if r[a] then
      parts[#parts + 1] = write and ("%s %s write"):format(a, r.when or "before") or a
    end
  end
  return table.concat(parts, ", ")
end

--- Decides what happens to one request. Returns nil (nothing) or
-- `{answer = rule or nil, expire_tokens = bool, latency_ms = n, write = bool,
-- note = "fault: ...", rules = {fired rules}}`; the firings are counted.
function Injector:decide(method, path)
  if #self.rules == 0 then return nil end
  local write = M.WRITES[method] or false
  local fired, answer = {}, nil
  for _, r in ipairs(self.rules) do
    if matches(r, method, path) then
      r.seen = r.seen + 1
      local hit
      if r.p then hit = self.random() < r.p -- drawn on every match: the sequence never shifts
      elseif r.nth then hit = r.seen == r.nth
      elseif r.every then hit = r.seen % r.every == 0
      else hit = true end
      if hit and r.times and r.fired >= r.times then hit = false end
      if hit and answer and answers(r) then hit = false end
      if hit then
        r.fired = r.fired + 1
        fired[#fired + 1] = r
        if answers(r) then answer = r end
      end
    end
  end
  if #fired == 0 then return nil end
  local d = { answer = answer, expire_tokens = false, latency_ms = 0, write = write, rules = fired }
  local notes = {}
  local c = self.counts
  for _, r in ipairs(fired) do
    c.total = c.total + 1
    for _, a in ipairs(M.ACTIONS) do
      if r[a] and not (a == "status" and r.html) then c.by_action[a] = c.by_action[a] + 1 end
    end
    if r.expire_tokens then d.expire_tokens = true end
    if r.latency then d.latency_ms = d.latency_ms + r.latency end
    notes[#notes + 1] = describe(r, write)
  end
  d.note = "fault: " .. table.concat(notes, "; ")
  return d
end

return M
