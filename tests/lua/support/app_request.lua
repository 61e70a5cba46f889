--- Test support: the local org's request handler (luaforce.emulator.app)
-- called in process, as the C server calls it, for the specs of the app
-- and of the resources it routes to.
--
--   local org = require "support.app_request"
--   org.setup(overrides)      app.setup with org.CONFIG (the small org of
--                             org.DATA, now 2024-06-01T12:00:00Z, batch
--                             sizes: at least 2 rows a page, 3 children)
--                             and `overrides`; returns the app's org table
--   org.request(method, path, opts) -> the reply, with `h` (headers by
--                             lower-case name) and `json` (the body decoded,
--                             when it is JSON). opts: query, headers, body,
--                             bearer (the token sent; default org.TOKEN),
--                             token = false (no Authorization header),
--                             loopback = false
--   org.query(soql, opts)     GET <V>/query?q=soql (opts.all: queryAll)
--   org.follow(url, opts)     GET url
--   org.write(text)           a temporary file holding text; its name
--   org.TOKEN, org.V ("/services/data/v62.0"), org.ACME (the first account)
local json = require "luaforce.json"
local app = require "luaforce.emulator.app"

local M = {}

M.TOKEN = "00DLOCAL0000001!luaforce.local.token"
M.V = "/services/data/v62.0"
M.ACME = "001000000000001AAA"

-- a small org: 3 accounts, the first with 7 contacts
M.DATA = {
  Account = {
    { Id = M.ACME, Name = "Acme" },
    { Id = "001000000000002AAA", Name = "Globex" },
    { Id = "001000000000003AAA", Name = "Initech" },
  },
  Contact = {},
}
for i = 1, 7 do
  M.DATA.Contact[i] = { LastName = ("Contact %d"):format(i), AccountId = M.ACME }
end

M.CONFIG = { empty = true, data_inline = M.DATA, now = "2024-06-01T12:00:00Z", min_batch_size = 2,
  child_batch_size = 3 }

function M.setup(overrides)
  local cfg = {}
  for k, v in pairs(M.CONFIG) do cfg[k] = v end
  for k, v in pairs(overrides or {}) do cfg[k] = v end
  return app.setup(cfg)
end

function M.request(method, path, opts)
  opts = opts or {}
  local headers = { host = "127.0.0.1:5555", authorization = "Bearer " .. (opts.bearer or M.TOKEN) }
  for k, v in pairs(opts.headers or {}) do headers[k] = v end
  if opts.token == false then headers.authorization = nil end
  local res = app.handle { method = method, path = path, query = opts.query or {}, headers = headers,
    body = opts.body or "", loopback = opts.loopback ~= false }
  local h = {}
  for _, kv in ipairs(res.headers) do h[kv[1]:lower()] = kv[2] end
  res.h = h
  if res.body ~= "" and (h["content-type"] or ""):find("json") then res.json = json.decode(res.body) end
  return res
end

function M.query(soql, opts)
  opts = opts or {}
  opts.query = { q = soql }
  return M.request("GET", M.V .. "/" .. (opts.all and "queryAll" or "query"), opts)
end

function M.follow(url, opts)
  return M.request("GET", url, opts)
end

function M.write(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end

return M
