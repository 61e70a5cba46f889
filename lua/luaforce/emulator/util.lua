--- luaforce.emulator.util: small text helpers of the local org (URL and
-- form decoding), kept apart so the handlers read as policy.
local M = {}

--- Decodes %XX escapes and `+` (form encoding) in `s`.
function M.url_decode(s)
  s = s:gsub("+", " ")
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

--- Percent-encodes everything but the unreserved characters (RFC 3986).
function M.url_encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

--- `a=1&b=x+y` → {a = "1", b = "x y"} (the first value of a repeated name).
function M.parse_form(body)
  local out = {}
  for pair in body:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    k = M.url_decode(k)
    if out[k] == nil then out[k] = M.url_decode(v) end
  end
  return out
end

--- 32 bytes derived from `s` (FNV-1a lanes): the body of the token
-- `signature`, which clients display but cannot verify against the local org.
function M.digest(s)
  local out = {}
  for lane = 0, 7 do
    local h = 0x811c9dc5 ~ lane
    for i = 1, #s do h = ((h ~ s:byte(i)) * 0x01000193) & 0xffffffff end
    out[#out + 1] = string.pack(">I4", h)
  end
  return table.concat(out)
end

--- Splits a path into its segments (empty ones dropped).
function M.segments(path)
  local out = {}
  for seg in path:gmatch("[^/]+") do out[#out + 1] = seg end
  return out
end

return M
