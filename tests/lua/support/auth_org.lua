--- A handler for the auth specs: the local org (luaforce.emulator.app) with
-- a few switches the specs flip through srv:call, and exact counters.
--
-- It runs in luaforce.core.server's own Lua state. Every request goes to the
-- real emulator unless a switch says otherwise, so tokens, 401 bodies and
-- token endpoint errors are the emulator's own.
-- Controls (srv:call(name, arg)), each answering JSON text:
--   counts                 {token = token endpoint hits, api = /services/data hits}
--   zero                   counters back to 0, switches off
--   expire                 every token issued so far stops working (the
--                          emulator's expire-tokens fault, on demand)
--   token_reply <json>     the token endpoint answers {status, content_type, body}
--                          instead ("" to go back to the emulator)
--   api_reply <json>       every API call answers that instead ("" to go back)
--   api_delay <ms>         API answers are held this long (overlap in parallel)
--   token_delay <ms>       token answers are held this long
local json = require "luaforce.json"
local app = require "luaforce.emulator.app"
local datetime = require "luaforce.emulator.datetime"

local M = {}

local org
local counts = { token = 0, api = 0 }
local token_reply, api_reply
local api_delay, token_delay = 0, 0

function M.init(text)
  local cfg = text ~= "" and assert(json.decode(text)) or {}
  math.randomseed(datetime.now_ms())
  org = app.setup(cfg)
end

local function canned(spec)
  return { status = spec.status, headers = { { "Content-Type", spec.content_type or "text/plain" } },
    body = spec.body or "" }
end

function M.handle(req)
  local res
  if req.path == "/services/oauth2/token" then
    counts.token = counts.token + 1
    res = token_reply and canned(token_reply) or app.handle(req)
    res.delay_ms = token_delay
  elseif req.path:find("^/services/data/") then
    counts.api = counts.api + 1
    res = api_reply and canned(api_reply) or app.handle(req)
    res.delay_ms = api_delay
  else
    res = app.handle(req)
  end
  return res
end

local function decode_or_nil(arg)
  if arg == nil or arg == "" then return nil end
  return assert(json.decode(arg))
end

function M.control(name, arg)
  if name == "counts" then
    return json.encode(json.object(counts, { "token", "api" }))
  elseif name == "zero" then
    counts = { token = 0, api = 0 }
    token_reply, api_reply, api_delay, token_delay = nil, nil, 0, 0
  elseif name == "expire" then
    org.sessions:expire_all()
  elseif name == "token_reply" then
    token_reply = decode_or_nil(arg)
  elseif name == "api_reply" then
    api_reply = decode_or_nil(arg)
  elseif name == "api_delay" then
    api_delay = tonumber(arg) or 0
  elseif name == "token_delay" then
    token_delay = tonumber(arg) or 0
  else
    return nil, "no control named " .. tostring(name)
  end
  return "true"
end

return M
