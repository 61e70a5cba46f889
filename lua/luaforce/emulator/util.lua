--- luaforce.emulator.util: small text helpers of the local org (URL and
-- form decoding, base64), kept apart so the handlers read as policy.
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

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local B64_INDEX = {}
for i = 1, #B64 do B64_INDEX[B64:byte(i)] = i - 1 end

function M.base64_encode(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local chunk = {}
    for k = 1, 4 do
      local idx = (n >> (6 * (4 - k))) & 63
      chunk[k] = B64:sub(idx + 1, idx + 1)
    end
    if not b then chunk[3], chunk[4] = "=", "=" elseif not c then chunk[4] = "=" end
    out[#out + 1] = table.concat(chunk)
  end
  return table.concat(out)
end

--- Decodes base64 (padding optional); nil when `s` is not base64.
function M.base64_decode(s)
  s = s:gsub("=+$", "")
  if s:find("[^%w%+/]") or #s % 4 == 1 then return nil end
  local out = {}
  local n, bits = 0, 0
  for i = 1, #s do
    n = (n << 6) | B64_INDEX[s:byte(i)]
    bits = bits + 6
    if bits >= 8 then
      bits = bits - 8
      out[#out + 1] = string.char((n >> bits) & 255)
    end
  end
  return table.concat(out)
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
