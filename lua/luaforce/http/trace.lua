--- luaforce.http.trace: secrets and tracing for luaforce.http (its public
-- face re-exports add_secret, redact and, as http.trace, set).
--
--   trace.add_secret(value)   mask this exact text (and its percent-encoded
--                             and JSON-escaped forms) wherever it is printed
--   trace.redact(text)        text with every registered secret masked
--   trace.holds_secret(text)  true when text holds a registered secret, or
--                             16 bytes of one (luaforce.http.secret_set)
--   trace.set(level [, write]) -> previous level: 0 off, 1 one line per
--                             exchange, 2 with headers and bodies; lines go
--                             to write(line) (default: standard error)
--   trace.level()             the level in force
--   trace.safe_url(url)       the URL with credentials and secrets masked
--   trace.exchange(raw, res, err, ms, streamed)   the lines of one exchange
--
-- Credentials are masked by where they travel (headers named like secrets,
-- form and JSON fields, URL userinfo; the C side knows the names) and by
-- value (registered secrets). State: the level, the writer and the secrets
-- live here, one set per Lua state.
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local core = require "luaforce.core.http"
local secret_set = require "luaforce.http.secret_set"

local M = {}

local trace_level = 0
local trace_write = function(line) io.stderr:write(line, "\n") end
local secrets = {}      -- value -> true
local secret_list = {}  -- the values, for core.redact_secrets
local pieces = secret_set.new() -- the same, for holds_secret
local MAX_TRACE_BODY = 16 * 1024

local function add_one(v)
  if #v >= 4 and not secrets[v] then
    secrets[v] = true
    secret_list[#secret_list + 1] = v
    pieces:add(v)
  end
end

--- Registers `value` (a token, a password, a client secret) so that tracing
-- and error messages print *** in its place, also in its percent-encoded
-- and JSON-escaped forms. Values shorter than 4 bytes are ignored: masking
-- them would garble everything else and protect nothing.
function M.add_secret(value)
  if type(value) ~= "string" then
    error(("bad argument #1 to 'add_secret' (string expected, got %s)"):format(type(value)), 2)
  end
  add_one(value)
  add_one(core.encode(value, true))
  add_one(core.encode(value, false))
  add_one((value:gsub("/", "\\/")))
end

--- `text` with every registered secret replaced by ***.
function M.redact(text)
  text = tostring(text)
  if #secret_list == 0 then return text end
  return core.redact_secrets(text, secret_list)
end
local mask = M.redact

--- True when `text` holds a registered secret whole, or any 16 consecutive
-- bytes of one (the random part of an access token after its `!`).
function M.holds_secret(text)
  return pieces:found_in(tostring(text))
end

--- Sets the trace level (0 off, 1 one line per exchange, 2 with headers and
-- bodies) and, optionally, where lines go (a function(line); default: the
-- standard error). Returns the previous level. (http.trace)
function M.set(level, write)
  local prev = trace_level
  if level ~= nil then
    if math.type(level) ~= "integer" or level < 0 or level > 2 then
      error("bad argument #1 to 'trace' (0, 1 or 2 expected)", 2)
    end
    trace_level = level
  end
  if write ~= nil then
    if type(write) ~= "function" then error("bad argument #2 to 'trace' (function expected)", 2) end
    trace_write = write
  end
  return prev
end

--- The trace level in force (0, 1 or 2).
function M.level()
  return trace_level
end

--- `url` as it may be printed: credentials in it and registered secrets masked.
function M.safe_url(url)
  return mask(core.redact_url(url))
end
local safe_url = M.safe_url

-- A body as tracing shows it: credentials masked by the syntax the body is
-- in (JSON keys, form fields) and by value (registered secrets), then cut.
local function trace_body(body, ctype)
  if body == nil or body == "" then return nil end
  if body:find("[%z\1-\8\14-\31]") then return ("(%d bytes of binary data)"):format(#body) end
  ctype = (ctype or ""):lower()
  local text
  if ctype:find("json", 1, true) or body:match("^%s*[{%[]") then
    text = core.redact_json(body)
  elseif ctype:find("x-www-form-urlencoded", 1, true) or body:match("^[%w%%._~+-]+=[^%s]*$") then
    text = core.redact_form(body)
  else
    text = body
  end
  text = mask(text)
  if #text > MAX_TRACE_BODY then
    text = text:sub(1, MAX_TRACE_BODY) .. ("... (%d more bytes)"):format(#text - MAX_TRACE_BODY)
  end
  return text
end

local function trace_header(prefix, name, value)
  if core.secret_header(name) then value = "***" else value = mask(value) end
  trace_write(prefix .. name .. ": " .. value)
end

local function header_value(lines, want)
  want = want:lower()
  for _, line in ipairs(lines) do
    local name, value = line:match("^([^:;]+)[:;]%s*(.*)$")
    if name and name:lower() == want then return value end
  end
end

--- Traces one exchange: `raw` the request as sent to C, `res` the response
-- or `err` the transport error, `ms` how long it took, `streamed` whether
-- the body went to on_chunk. Call it only while level() > 0.
function M.exchange(raw, res, err, ms, streamed)
  local line = ("http: %s %s -> "):format(raw.method, safe_url(raw.url))
  if res then
    line = line .. ("%d %s, %d bytes, %.1f ms"):format(res.status, res.reason, res.received, ms)
  else
    line = line .. ("%s%s: %s, %.1f ms"):format(err.kind, err.request_sent and " (request sent)" or "",
      err.message, ms)
  end
  trace_write(line)
  if trace_level < 2 then return end
  trace_write("http: > " .. raw.method .. " " .. safe_url(raw.url))
  trace_write("http: > User-Agent: " .. raw.user_agent)
  for _, h in ipairs(raw.headers) do
    local name, value = h:match("^([^:;]+)[:;]%s*(.*)$")
    if name and value ~= "" then trace_header("http: > ", name, value) end
  end
  local b = trace_body(raw.body, header_value(raw.headers, "content-type"))
  if b then trace_write("http: > " .. b) end
  if raw.body_file then trace_write("http: > (the body streamed from a file)") end
  if not res then return end
  trace_write(("http: < HTTP/%s %d %s"):format(res.http_version, res.status, res.reason))
  local list = res.header_list
  for i = 1, #list, 2 do trace_header("http: < ", list[i], list[i + 1]) end
  if streamed then
    trace_write(("http: < (%d bytes streamed to on_chunk)"):format(res.received))
  else
    local ctype = res.headers["content-type"]
    b = trace_body(res.body, type(ctype) == "table" and ctype[1] or ctype)
    if b then trace_write("http: < " .. b) end
  end
end

return M
