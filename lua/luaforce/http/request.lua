--- luaforce.http.request: a request table as luaforce.http takes it, checked
-- and turned into what luaforce.core.http performs (sessions call it; the
-- public face re-exports escape and encode_query).
--
--   request.normalize(session, req) -> raw   method (default GET, POST with a
--       body), url with the query appended, header lines ("Name: value";
--       session headers first, request headers replacing them name by name),
--       and the other fields; raises on misuse
--   request.encode_query(t [, form]) -> "k=v&..."   sorted keys, a list value
--       repeats its key; form: spaces as +
--   request.escape(s [, form])      percent-encoding
--   request.check_fields(t, allowed, what, level)   unknown field or wrong type
--   request.check_redirects(mode, what, level)      "same-host", "none", "any"
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local core = require "luaforce.core.http"

local M = {}

local REQUEST_FIELDS = {
  method = "string", url = "string", query = "table", headers = "table", body = "string",
  body_file = "string", timeout = "number", connect_timeout = "number", on_chunk = "function", max_body = "number",
  redirects = "string", fresh_connect = "boolean",
}
local REDIRECT_MODES = { ["same-host"] = true, none = true, any = true }

--- Raises (at `level`, as error() counts) when `t` has a field `allowed`
-- does not name or a value of another type than it says.
function M.check_fields(t, allowed, what, level)
  for k, v in pairs(t) do
    local want = allowed[k]
    if not want then error(("%s: unknown field '%s'"):format(what, tostring(k)), level + 1) end
    if type(v) ~= want then
      error(("%s: '%s' must be a %s, not a %s"):format(what, k, want, type(v)), level + 1)
    end
  end
end

--- Raises (at `level`) unless `mode` is nil or a redirect mode.
function M.check_redirects(mode, what, level)
  if mode ~= nil and not REDIRECT_MODES[mode] then
    error(("%s: redirects must be \"same-host\", \"none\" or \"any\", not %q"):format(what, mode), level + 1)
  end
end

local function scalar(v, what)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return math.type(v) == "integer" and ("%d"):format(v) or tostring(v) end
  if t == "boolean" then return tostring(v) end
  error(("%s must be a string, number or boolean, not a %s"):format(what, t), 4)
end

-- query table -> "k=v&k=v", keys sorted (core.encode_pairs sorts).
local function encode_query(q)
  local flat = {}
  for k, v in pairs(q) do
    if type(k) ~= "string" then error("http: query keys must be strings", 4) end
    if type(v) == "table" then
      for i = 1, #v do
        flat[#flat + 1] = k
        flat[#flat + 1] = scalar(v[i], "query value '" .. k .. "'")
      end
    else
      flat[#flat + 1] = k
      flat[#flat + 1] = scalar(v, "query value '" .. k .. "'")
    end
  end
  return core.encode_pairs(flat)
end

--- `k=v&...` for a table (sorted keys; a list value repeats its key), as a
-- query string (spaces as %20) or, with form = true, a form body.
function M.encode_query(t, form)
  if type(t) ~= "table" then error("bad argument #1 to 'encode_query' (table expected)", 2) end
  local flat = {}
  for k, v in pairs(t) do
    if type(v) == "table" then
      for i = 1, #v do flat[#flat + 1] = tostring(k); flat[#flat + 1] = scalar(v[i], "value") end
    else
      flat[#flat + 1] = tostring(k); flat[#flat + 1] = scalar(v, "value")
    end
  end
  return core.encode_pairs(flat, form)
end

--- Percent-encodes a string (unreserved characters stay).
function M.escape(s, form)
  return core.encode(s, form)
end

local function check_header(name, value)
  if type(name) ~= "string" or not name:match("^[!#$%%&'*+.^_`|~%w-]+$") then
    error(("http: bad header name %q"):format(tostring(name)), 4)
  end
  if value ~= false then
    value = scalar(value, "header '" .. name .. "'")
    if value:find("[\r\n%z]") then error(("http: header '%s' holds a line break"):format(name), 4) end
  end
  return value
end

-- Adds header lines for `h` (a map, sorted by name, or a list of {name,
-- value}) into `out` (lower name -> list of lines), later sources replacing
-- earlier ones name by name.
local function collect_headers(h, out, order)
  local entries = {}
  if #h > 0 then
    for i, pair in ipairs(h) do
      if type(pair) ~= "table" then error("http: headers list entries must be {name, value}", 4) end
      entries[i] = { pair[1], pair[2] }
    end
  else
    for k, v in pairs(h) do entries[#entries + 1] = { k, v } end
    table.sort(entries, function(a, b) return tostring(a[1]) < tostring(b[1]) end)
  end
  local fresh = {}
  for _, e in ipairs(entries) do
    local name, value = e[1], e[2]
    local lines = {}
    if type(value) == "table" then
      for _, v in ipairs(value) do lines[#lines + 1] = check_header(name, v) end
    else
      lines[1] = check_header(name, value)
    end
    local lower = name:lower()
    if not fresh[lower] then
      fresh[lower] = true
      if not out[lower] then order[#order + 1] = lower end
      out[lower] = {}
    end
    for _, v in ipairs(lines) do
      local list = out[lower]
      if v == false then list[#list + 1] = name .. ":"          -- drop libcurl's own
      elseif v == "" then list[#list + 1] = name .. ";"         -- libcurl's spelling of empty
      else list[#list + 1] = name .. ": " .. v end
    end
  end
end

--- The request table C expects for `req` on `session` (its default headers
-- and user agent): method, url (query added), headers (lines), body or
-- body_file (a file's bytes, streamed as libcurl sends them), the
-- timeouts, on_chunk, max_body, fresh_connect, and user_agent (for tracing).
-- Raises on misuse, naming the caller of session:request.
function M.normalize(session, req)
  if type(req) ~= "table" then error("bad argument #1 to 'request' (table expected)", 3) end
  M.check_fields(req, REQUEST_FIELDS, "http request", 3)
  M.check_redirects(req.redirects, "http request", 3)
  local url = req.url
  if not url then error("http request: url is required", 3) end
  if url:find("[%s%z]") then error("http request: the url holds blanks or control characters", 3) end
  if req.body and req.body_file then error("http request: body and body_file are exclusive", 3) end
  local has_body = req.body ~= nil or req.body_file ~= nil
  local method = (req.method or (has_body and "POST" or "GET")):upper()
  if not method:match("^[%u_-]+$") then error(("http request: bad method %q"):format(method), 3) end
  if req.query then
    local q = encode_query(req.query)
    if q ~= "" then
      local base, frag = url:match("^([^#]*)(#?.*)$")
      url = base .. (base:find("?", 1, true) and (base:sub(-1) == "?" and "" or "&") or "?") .. q
      local _ = frag -- a fragment is never sent
    end
  end
  local by_name, order = {}, {}
  collect_headers(session.headers, by_name, order)
  collect_headers(req.headers or {}, by_name, order)
  local lines = {}
  for _, lower in ipairs(order) do
    for _, line in ipairs(by_name[lower]) do lines[#lines + 1] = line end
  end
  if has_body and not by_name["content-type"] then
    lines[#lines + 1] = "Content-Type:" -- no made-up type; libcurl would say form
  end
  local ua = session.user_agent
  if by_name["user-agent"] then ua = by_name["user-agent"][1]:match("^[^:;]+[:;]%s*(.*)$") end
  return {
    method = method, url = url, headers = lines, body = req.body, body_file = req.body_file,
    timeout = req.timeout,
    connect_timeout = req.connect_timeout, on_chunk = req.on_chunk, max_body = req.max_body,
    user_agent = ua, fresh_connect = req.fresh_connect,
  }, by_name
end

return M
