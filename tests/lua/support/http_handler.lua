--- A handler for luaforce.http's specs (runs in the server's own state):
-- the routes of support.test_handler plus
--   /redirect?to=URL[&status=N]   a redirect (302 by default) to URL
--   /loop                         a redirect to itself (a relative Location)
--   /chunked?n=N                  N bytes with Transfer-Encoding: chunked
--   /chunked-gzip?n=N             N bytes, gzip, chunked
--   /bomb?n=N                     N zero bytes gzip-compressed (Content-Length framed)
--   /big?n=N                      N plain bytes
--   /token                        an OAuth token response: access_token json-access-5ecret-9,
--                                 refresh_token json-refresh-5ecret-10
--   /set-cookie                   Set-Cookie: sid=setcookie-5ecret-3
local base = require "support.test_handler"

local M = {}

M.init = base.init
M.control = base.control

local function query(req, name)
  for _, pair in ipairs(req.query_list) do
    if pair[1] == name then return pair[2] end
  end
end

function M.handle(req)
  local p = req.path
  local n = tonumber(query(req, "n") or "0")
  if p == "/redirect" then
    return { status = tonumber(query(req, "status") or "302"), headers = { { "Location", query(req, "to") } },
      body = "moved" }
  elseif p == "/loop" then
    return { status = 302, headers = { { "Location", "/loop" } }, body = "again" }
  elseif p == "/chunked" then
    return { status = 200, body = string.rep("c", n), action = "chunked" }
  elseif p == "/chunked-gzip" then
    return { status = 200, body = string.rep("g", n), action = "chunked", gzip = true }
  elseif p == "/bomb" then
    return { status = 200, body = string.rep("\0", n), gzip = true }
  elseif p == "/big" then
    return { status = 200, body = string.rep("b", n) }
  elseif p == "/token" then
    return { status = 200, headers = { { "Content-Type", "application/json" } },
      body = '{"access_token":"json-access-5ecret-9","refresh_token":"json-refresh-5ecret-10",'
        .. '"instance_url":"http://127.0.0.1","token_type":"Bearer"}' }
  elseif p == "/set-cookie" then
    return { status = 200, headers = { { "Set-Cookie", "sid=setcookie-5ecret-3; Path=/" } }, body = "ok" }
  end
  return base.handle(req)
end

return M
