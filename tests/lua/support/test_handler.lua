--- A handler for luaforce.core.server's tests: runs in the server's own Lua
-- state, so everything a test wants to check travels over HTTP (or srv:call).
--
-- Routes (any method):
--   /echo            the request as JSON (method, path, raw_path, raw_query,
--                    query, query_list, headers, body, remote, loopback)
--   /raw             the request body as the response body, byte for byte
--   /status/N        status N
--   /headers?h=Name:value&h=...   those response headers, in order
--   /gzip            a long text body with gzip = true
--   /delay/N         answers after delay_ms = N
--   /close, /cut     the two connection faults; /cut's body is 1000 bytes
--   /error           a Lua error; /error-table an error object with a message
--   /bad-response    a response the server must refuse (status 42)
--   /config          the text init received
--   /state           a counter kept in the state: proves one state serves all
local json = require "luaforce.json"

local M = {}

local config
local handled = 0

function M.init(text)
  if text == "fail" then error("init refused the config", 0) end
  config = text
end

local function text(status, body, extra)
  local res = { status = status, headers = { { "Content-Type", "text/plain" } }, body = body }
  for k, v in pairs(extra or {}) do res[k] = v end
  return res
end

local function echo(req)
  local list = json.array {}
  for i, pair in ipairs(req.query_list) do list[i] = json.array { pair[1], pair[2] } end
  return {
    status = 200,
    headers = { { "Content-Type", "application/json;charset=UTF-8" } },
    body = assert(json.encode {
      method = req.method,
      path = req.path,
      raw_path = req.raw_path or json.null,
      raw_query = req.raw_query or json.null,
      query = json.object(req.query),
      query_list = list,
      headers = json.object(req.headers),
      body = req.body,
      remote = req.remote,
      loopback = req.loopback,
    }),
  }
end

function M.handle(req)
  handled = handled + 1
  local p = req.path
  if p == "/echo" then return echo(req) end
  if p == "/raw" then return { status = 200, body = req.body } end
  local n = p:match("^/status/(%d+)$")
  if n then return text(tonumber(n), "status " .. n) end
  if p == "/headers" then
    local headers = {}
    for _, pair in ipairs(req.query_list) do
      if pair[1] == "h" then
        local name, value = pair[2]:match("^([^:]+):(.*)$")
        headers[#headers + 1] = { name, value }
      end
    end
    return { status = 200, headers = headers, body = "ok" }
  end
  if p == "/gzip" then
    return text(200, string.rep("luaforce gzip body line\n", 200), { gzip = true })
  end
  n = p:match("^/delay/(%d+)$")
  if n then return text(200, "slept", { delay_ms = tonumber(n) }) end
  if p == "/close" then return { action = "close" } end
  if p == "/cut" then return text(200, string.rep("0123456789", 100), { action = "cut" }) end
  if p == "/error" then error("boom in handler") end
  if p == "/error-table" then
    error(setmetatable({ message = "a table error" }, { __tostring = function(e) return e.message end }))
  end
  if p == "/bad-response" then return { status = 42 } end
  if p == "/config" then return text(200, config or "(none)") end
  if p == "/state" then return text(200, tostring(handled)) end
  return text(404, "no route for " .. p)
end

function M.control(name, arg)
  if name == "echo" then return arg end
  if name == "handled" then return tostring(handled) end
  if name == "fail" then error("control failed", 0) end
  if name == "refuse" then return nil, "refused: " .. tostring(arg) end
  if name == "table" then return {} end
  -- true in the luaforce program: the embedded modules reached this state
  if name == "preloaded" then return tostring(package.preload["luaforce.json"] ~= nil) end
  return nil, "no control named " .. name
end

return M
