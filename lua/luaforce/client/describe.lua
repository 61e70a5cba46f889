--- luaforce.client.describe: what an org says about its objects and API
-- versions, each a method of the Org (client/init.lua mixes
-- `describe.methods` in).
--
--   org:describe(object [, {refresh = true}]) -> the describe body | nil, err
--   org:describe_global([{refresh = true}]) -> the describeGlobal body | nil, err
--       Both cached per connection (the org object): metadata changes
--       seldom and is large. refresh = true asks again. Object names are
--       case-insensitive, so is the cache.
--   org:versions() -> the list of {label, url, version} | nil, err
local checks = require "luaforce.client.checks"
local explain = require "luaforce.client.explain"

local M = {}

--- The methods this file adds to the Org.
local methods = {}
M.methods = methods

-- Caches per org, dropped with it.
local caches = setmetatable({}, { __mode = "k" })

local function cache_of(org)
  local c = caches[org]
  if not c then
    c = { describe = {} }
    caches[org] = c
  end
  return c
end

local function refresh_opt(opts, what)
  if opts == nil then return false end
  if type(opts) ~= "table" then error(("%s: options must be a table"):format(what), 3) end
  for k, v in pairs(opts) do
    if k ~= "refresh" then error(("%s: unknown option '%s'"):format(what, tostring(k)), 3) end
    if type(v) ~= "boolean" then error(("%s: refresh must be true or false"):format(what), 3) end
  end
  return opts.refresh == true
end

function methods:describe(object, opts)
  local refresh = refresh_opt(opts, "describe")
  local request = { method = "GET", path = ("%s/sobjects/%s/describe"):format(self.base, tostring(object)) }
  if type(object) ~= "string" then
    error(("object name must be a string, not a %s"):format(type(object)), 2)
  end
  local e = checks.invalid("object", object, request)
  if e then return nil, e end
  local cache = cache_of(self).describe
  local key = object:lower() -- API names are case-insensitive
  if not refresh and cache[key] then return cache[key] end
  local res, err = self:call("GET", self:path("sobjects", object, "describe"))
  if not res then return nil, explain.error(self, err, object) end
  cache[key] = res.body
  return res.body
end

function methods:describe_global(opts)
  local refresh = refresh_opt(opts, "describe_global")
  local cache = cache_of(self)
  if not refresh and cache.global then return cache.global end
  local res, err = self:call("GET", "/sobjects")
  if not res then return nil, err end
  cache.global = res.body
  return res.body
end

function methods:versions()
  local res, err = self:call("GET", "/services/data/")
  if not res then return nil, err end
  return res.body
end

return M
