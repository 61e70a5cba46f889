--- luaforce.client.meta: upsert, metadata and any other REST resource.
--
--   org:upsert(object, ext_field, value, fields) -> response | nil, err
--       PATCH sobjects/Object/ExtField/value. 201 {id, success, errors,
--       created = true} when it inserted, 200 {..., created = false} when it
--       updated (API 46.0+; older versions answer 204, no body). When the
--       value matches several records Salesforce answers 300 and changes
--       nothing: that is nil, err with err.code "300", err.error_code
--       "MULTIPLE_CHOICES", err.candidates (the records' URLs, as sent) and
--       err.ids (their ids). An upsert is safe to retry: it is keyed.
--   org:describe(object [, {refresh = true}]) -> the describe body | nil, err
--   org:describe_global([{refresh = true}]) -> the describeGlobal body | nil, err
--       Both cached per connection (the org object): metadata changes
--       seldom and is large. refresh = true asks again.
--   org:versions() -> the list of {label, url, version} | nil, err
--   org:limits() -> {used, max, remaining, header, bursts, limits} | nil, err
--       API usage as Salesforce reports it on every answer in the
--       Sforce-Limit-Info header (api-usage=USED/MAX, and on newer orgs
--       api-bursts=USED/MAX), read from a GET limits whose body (every
--       limit, DailyApiRequests ...) comes along as `limits`.
--   meta.limit_info(header_value) -> {used, max, remaining, bursts} | nil:
--       the same parse for any response (res.headers["Sforce-Limit-Info"]).
--   org:request(method, path [, body [, opts]]) -> response | nil, err
--       any other REST resource: path under /services/data/vNN.N ("/limits"),
--       a "/services/..." path, or a URL of the org; body a table (sent as
--       JSON) or a string; opts {query =, headers =, retry =} as org:call.
--       A POST is never sent twice unless opts.retry = "safe-create".
local json = require "luaforce.json"
local errors = require "luaforce.errors"

local client = package.loaded["luaforce.client"] or require "luaforce.client"
local cerrors = require "luaforce.client.errors"
local Org = client.Org

local M = {}

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

-- client.check_* raise usage errors; operations answer with the 400
-- Salesforce would have sent, since names usually come from data.
local function bad(check, value, code, request, what)
  if type(value) ~= "string" then
    error(("%s must be a string, not a %s"):format(what, type(value)), 4)
  end
  local ok, e = pcall(check, value)
  if ok then return nil end
  local msg = errors.is(e) and e.message or tostring(e)
  return cerrors.bad_input(code, msg, request, code == "INVALID_FIELD" and { value } or nil)
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

-- The id at the end of a record URL (".../sobjects/Account/001...").
local function id_of_url(url)
  return type(url) == "string" and url:match("/([%w]+)$") or nil
end

--- See the file comment.
function Org:upsert(object, ext_field, value, fields)
  local request = { method = "PATCH", path = ("%s/sobjects/%s/%s/%s"):format(self.base, tostring(object),
    tostring(ext_field), tostring(value)) }
  local e = bad(client.check_object, object, "INVALID_TYPE", request, "object name")
    or bad(client.check_field, ext_field, "INVALID_FIELD", request, "external id field")
  if e then return nil, e end
  if math.type(value) == "integer" then value = ("%d"):format(value) end
  if type(value) ~= "string" then
    error(("bad argument #3 to 'upsert' (string or integer expected, got %s)"):format(type(value)), 2)
  end
  if value == "" then
    return nil, cerrors.bad_input("MISSING_ARGUMENT", "the external id value is empty", request)
  end
  if fields == nil then fields = {} end
  if type(fields) ~= "table" then
    error(("bad argument #4 to 'upsert' (table of fields expected, got %s)"):format(type(fields)), 2)
  end
  local body = next(fields) == nil and json.object {} or fields
  local path = self:path("sobjects", object, ext_field, value)
  local res, err = self:call("PATCH", path, { body = body })
  if not res then return nil, err end
  if res.status == 300 then
    local urls = type(res.body) == "table" and res.body or {}
    local list, ids = {}, {}
    for i, u in ipairs(urls) do
      list[i] = u
      ids[#ids + 1] = id_of_url(u)
    end
    return nil, cerrors.new {
      code = "300", status = 300, error_code = "MULTIPLE_CHOICES",
      message = ("%s = '%s' matches %d %s records; nothing was changed"):format(ext_field, value, #list, object),
      candidates = list, ids = ids, errors = {}, fields = { ext_field },
      variables = { response = { headers = res.headers, body = res.body } },
      request = request, exit = errors.EXIT.API,
      hint = "make the external id unique, or update the record you mean by its id",
    }
  end
  return res
end

--- See the file comment.
function Org:describe(object, opts)
  local refresh = refresh_opt(opts, "describe")
  local request = { method = "GET", path = ("%s/sobjects/%s/describe"):format(self.base, tostring(object)) }
  local e = bad(client.check_object, object, "INVALID_TYPE", request, "object name")
  if e then return nil, e end
  local cache = cache_of(self).describe
  local key = object:lower() -- API names are case-insensitive
  if not refresh and cache[key] then return cache[key] end
  local res, err = self:call("GET", self:path("sobjects", object, "describe"))
  if not res then return nil, err end
  cache[key] = res.body
  return res.body
end

--- See the file comment.
function Org:describe_global(opts)
  local refresh = refresh_opt(opts, "describe_global")
  local cache = cache_of(self)
  if not refresh and cache.global then return cache.global end
  local res, err = self:call("GET", "/sobjects")
  if not res then return nil, err end
  cache.global = res.body
  return res.body
end

--- See the file comment.
function Org:versions()
  local res, err = self:call("GET", "/services/data/")
  if not res then return nil, err end
  return res.body
end

--- Parses a Sforce-Limit-Info value ("api-usage=18/15000; api-bursts=1/750").
function M.limit_info(value)
  if type(value) == "table" then value = value[1] end
  if type(value) ~= "string" then return nil end
  local out
  for name, used, max in value:gmatch("([%w%-]+)%s*=%s*(%d+)%s*/%s*(%d+)") do
    local u, m = math.tointeger(tonumber(used)), math.tointeger(tonumber(max))
    if name == "api-usage" then
      out = out or {}
      out.used, out.max, out.remaining = u, m, m - u
    elseif name == "api-bursts" then
      out = out or {}
      out.bursts = { used = u, max = m, remaining = m - u }
    end
  end
  if out then out.header = value end
  return out
end

--- See the file comment.
function Org:limits()
  local res, err = self:call("GET", "/limits")
  if not res then return nil, err end
  local info = M.limit_info(res.headers["Sforce-Limit-Info"])
  if not info then
    return nil, cerrors.new {
      code = "500", status = res.status, message = "the answer carries no Sforce-Limit-Info header",
      errors = {}, fields = {}, request = { method = "GET", path = self.base .. "/limits" },
      variables = { response = { headers = res.headers, body = res.body } }, exit = errors.EXIT.API,
    }
  end
  info.limits = res.body
  return info
end

--- See the file comment.
function Org:request(method, path, body, opts)
  if type(method) ~= "string" or not method:match("^%a+$") then
    error(("bad argument #1 to 'request' (an HTTP method expected, got %s)"):format(tostring(method)), 2)
  end
  if type(path) ~= "string" then error(("bad argument #2 to 'request' (path expected, got %s)"):format(type(path)), 2) end
  if opts ~= nil and type(opts) ~= "table" then error("bad argument #4 to 'request' (table expected)", 2) end
  local copt = {}
  for k, v in pairs(opts or {}) do
    if k ~= "query" and k ~= "headers" and k ~= "retry" and k ~= "timeout" then
      error(("request: unknown option '%s'"):format(tostring(k)), 2)
    end
    copt[k] = v
  end
  copt.body = body
  return self:call(method, path, copt)
end

return M
