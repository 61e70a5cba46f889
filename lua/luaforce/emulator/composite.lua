--- luaforce.emulator.composite: `POST composite`, up to 25 subrequests in one
-- request, later ones using earlier results through `@{ref.path}`.
--
--   {"allOrNone": false, "collateSubrequests": false,
--    "compositeRequest": [{"method": "POST", "url": "/services/data/v62.0/sobjects/Account",
--                          "referenceId": "acc", "body": {...}, "httpHeaders": {...}}, ...]}
--
-- The answer is always 200 `{"compositeResponse": [{body, httpHeaders,
-- httpStatusCode, referenceId}, ...]}` in request order, unless the request
-- itself is malformed (not JSON, no subrequests, more than 25, more than 5
-- query or sObject Collections subrequests, a duplicate or ill-formed
-- referenceId, a method other than GET, POST, PUT, PATCH or DELETE (in
-- capitals, as Salesforce documents them), a bad url, an Accept,
-- Authorization or Content-Type header in httpHeaders): then a top-level 400
-- before anything runs.
--
-- Subrequests run in order through the router (app.dispatch) as parts of
-- this request: no authentication or API allowance of their own, no faults.
-- collateSubrequests is accepted and changes nothing: running in order is
-- one of the orders Salesforce may choose.
--
-- References: `@{acc.id}`, `@{q.records[0].Id}`, any path of `.name` and
-- `[n]` into the JSON body of an earlier successful subrequest, in the url
-- and in the string values of the body. A body string that is exactly one
-- reference takes the referenced value with its JSON type; anywhere else the
-- value is written as text. A reference that cannot be resolved (unknown or
-- later referenceId, a failed subrequest, a path with no value) fails that
-- subrequest with 400 PROCESSING_HALTED.
--
-- Without allOrNone a subrequest that refers to a failed one is not run (it
-- answers 400 PROCESSING_HALTED, and so, in turn, does one that refers to
-- it); the others run.
--
-- allOrNone: the first failure (status >= 400) stops the run, the store
-- rolls back to where the request began, the failed subrequest keeps its
-- answer and every other one answers 400 PROCESSING_HALTED. As Salesforce
-- documents, allOrNone then also holds inside each sObject Collections
-- write, whatever its own allOrNone says: it runs all-or-none, and a record
-- failing in it is the failure that rolls the request back.
local json = require "luaforce.json"
local reply = require "luaforce.emulator.reply"
local util = require "luaforce.emulator.util"

local M = {}

M.MIN_VERSION = 42
M.MAX_SUBREQUESTS = 25

local RESULT_KEYS = { "body", "httpHeaders", "httpStatusCode", "referenceId" }
local METHODS = { GET = true, POST = true, PUT = true, PATCH = true, DELETE = true }
-- headers a subrequest inherits from the composite request and may not set
local INHERITED = { accept = true, authorization = true, ["content-type"] = true }
-- at most this many subrequests may be queries or sObject Collections
M.MAX_QUERIES = 5

local HALTED = "The transaction was rolled back since another operation in the same transaction failed."

local function bad_request(message, code)
  return reply.error(400, code or "JSON_PARSER_ERROR", message)
end

-- The request body decoded and checked: the subrequest list and the flags,
-- or nil and a top-level error reply.
local function parse(req)
  local text = req.body or ""
  if text == "" then
    return nil, bad_request("The HTTP entity body is required, but this request has no entity body.")
  end
  local body, err = json.decode(text)
  if body == nil then
    return nil, bad_request(("Unexpected character at [line:%d, column:%d]: %s")
      :format(err.line or 1, err.column or 1, err.reason or err.message))
  end
  if type(body) ~= "table" or json.is_array(body) then
    return nil, bad_request("The composite request must be a JSON object")
  end
  local flags = {}
  for _, key in ipairs { "allOrNone", "collateSubrequests" } do
    local v = body[key]
    if v ~= nil and v ~= json.null and type(v) ~= "boolean" then
      return nil, bad_request(("Cannot deserialize value of type boolean for '%s' from %s")
        :format(key, json.encode(v) or type(v)))
    end
    flags[key] = v == true
  end
  local list = body.compositeRequest
  if list == nil or list == json.null then
    return nil, bad_request("The composite request needs its subrequests in 'compositeRequest'")
  end
  if type(list) ~= "table" or not json.is_array(list) then
    return nil, bad_request("'compositeRequest' must be a JSON array of subrequests")
  end
  if #list == 0 then
    return nil, bad_request("'compositeRequest' needs at least one subrequest")
  end
  if #list > M.MAX_SUBREQUESTS then
    return nil, bad_request(("The composite request has %d subrequests; at most %d are allowed")
      :format(#list, M.MAX_SUBREQUESTS), "LIMIT_EXCEEDED")
  end
  local seen, queries = {}, 0
  for i, sub in ipairs(list) do
    local where = ("compositeRequest[%d]"):format(i - 1)
    if type(sub) ~= "table" or json.is_array(sub) then
      return nil, bad_request(where .. ": a subrequest must be a JSON object")
    end
    local ref = sub.referenceId
    if type(ref) ~= "string" then
      return nil, bad_request(where .. ": referenceId is required (a string)")
    end
    if not ref:match("^[%w][%w_]*$") then
      return nil, bad_request(("Provided referenceId ('%s') must start with a letter or a number, and it can "
        .. "contain only letters, numbers and underscores ('_')."):format(ref))
    end
    if seen[ref] then
      return nil, bad_request("Duplicate referenceId provided in the request: " .. ref)
    end
    seen[ref] = true
    if type(sub.method) ~= "string" or not METHODS[sub.method] then
      return nil, bad_request(("%s: method must be one of GET, POST, PUT, PATCH, DELETE (in capitals), not %s")
        :format(where, json.encode(sub.method) or type(sub.method)))
    end
    if type(sub.url) ~= "string" or not sub.url:match("^/services/data/v[^/]+/.") then
      return nil, bad_request(("%s: the url must start with /services/data/vNN.N/, not %s")
        :format(where, json.encode(sub.url) or type(sub.url)))
    end
    local resource = sub.url:match("^/services/data/v[^/]+/([^/?]*)/?%??")
    if resource == "composite" and not sub.url:match("^/services/data/v[^/]+/composite/sobjects") then
      return nil, bad_request(where .. ": a composite request cannot be a subrequest")
    end
    if resource == "query" or resource == "queryAll" or resource == "composite" then queries = queries + 1 end
    local h = sub.httpHeaders
    if h ~= nil and h ~= json.null then
      if type(h) ~= "table" or json.is_array(h) then
        return nil, bad_request(where .. ": httpHeaders must be a JSON object of header names to strings")
      end
      for k, v in pairs(h) do
        if type(v) ~= "string" then
          return nil, bad_request(("%s: the value of header %s must be a string"):format(where, tostring(k)))
        end
        if INHERITED[k:lower()] then
          return nil, bad_request(("%s: httpHeaders cannot set %s: a subrequest takes it from the composite request")
            :format(where, k))
        end
      end
    end
  end
  if queries > M.MAX_QUERIES then
    return nil, bad_request(("The composite request has %d query or sObject Collections subrequests; at most %d are "
      .. "allowed"):format(queries, M.MAX_QUERIES), "LIMIT_EXCEEDED")
  end
  return list, flags
end

---------------------------------------------------------------------------
-- References
---------------------------------------------------------------------------

-- `acc.records[0].Id` → "acc", {"records", 0, "Id"}; nil when malformed.
local function parse_reference(expr)
  local ref, rest = expr:match("^([%w_]+)(.*)$")
  if not ref then return nil end
  local path = {}
  while rest ~= "" do
    local name, after = rest:match("^%.([^%.%[%]]+)(.*)$")
    if name then
      path[#path + 1] = name
    else
      local n
      n, after = rest:match("^%[(%d+)%](.*)$")
      if not n then return nil end
      path[#path + 1] = tonumber(n)
    end
    rest = after
  end
  if #path == 0 then return nil end
  return ref, path
end

-- The value at `path` in a decoded body, or nil.
local function walk(value, path)
  for _, step in ipairs(path) do
    if type(value) ~= "table" then return nil end
    if type(step) == "number" then
      if not json.is_array(value) then return nil end
      value = value[step + 1]
    else
      if json.is_array(value) then return nil end
      value = value[step]
    end
    if value == nil or value == json.null then return nil end
  end
  return value
end

local function unresolved(expr)
  local ref = expr:match("^([%w_]+)") or expr
  return ("Invalid reference specified. No value for %s found in %s. Provided referenceId ('%s') must start "
    .. "with a letter or a number, and it can contain only letters, numbers and underscores ('_').")
    :format(expr, ref, ref)
end

-- The value of one `@{...}` expression from the results so far, or nil and
-- the error message.
local function lookup(expr, results)
  local ref, path = parse_reference(expr)
  local body = ref and results[ref]
  local v = body ~= nil and walk(body, path) or nil
  if v == nil then return nil, unresolved(expr) end
  return v
end

-- A referenced value written into text (a url, part of a string).
local function as_text(v)
  if type(v) == "string" then return v end
  if type(v) == "table" then return json.encode(v) end
  return tostring(v)
end

-- `text` with every reference replaced by its value as text; nil, message.
local function substitute(text, results)
  local problem
  local out = text:gsub("@{([^}]*)}", function(expr)
    if problem then return nil end
    local v, err = lookup(expr, results)
    if v == nil then
      problem = err
      return nil
    end
    return as_text(v)
  end)
  if problem then return nil, problem end
  return out
end

-- The body with references resolved in its string values (in place: the
-- body is this request's own decoded JSON); nil and a message on failure.
local function resolve_body(value, results)
  if type(value) == "string" then
    local whole = value:match("^@{([^}]*)}$")
    if whole then return lookup(whole, results) end
    return substitute(value, results)
  end
  if type(value) ~= "table" then return value end
  for k, v in pairs(value) do
    local r, err = resolve_body(v, results)
    if r == nil then return nil, err end
    value[k] = r
  end
  return value
end

---------------------------------------------------------------------------
-- Running
---------------------------------------------------------------------------

local function decode_path(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- The request table the router expects, for one subrequest whose url and
-- body have their references resolved.
local function subrequest(outer, sub, url, body)
  local path, raw_query = url:match("^([^?]*)%??(.*)$")
  local query, query_list = {}, {}
  for pair in raw_query:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    k, v = util.url_decode(k), util.url_decode(v)
    query_list[#query_list + 1] = { k, v }
    if query[k] == nil then query[k] = v end
  end
  local headers = { host = outer.headers.host, authorization = outer.headers.authorization }
  if body ~= nil then headers["content-type"] = "application/json" end
  if type(sub.httpHeaders) == "table" then
    for k, v in pairs(sub.httpHeaders) do headers[k:lower()] = v end
  end
  local text = ""
  if body ~= nil then text = assert(json.encode(body)) end
  return {
    method = sub.method:upper(), path = decode_path(path), raw_path = path,
    raw_query = raw_query ~= "" and raw_query or nil,
    query = query, query_list = query_list, headers = headers, body = text,
    loopback = outer.loopback, subrequest = true,
  }
end

local function result(body, headers, status, ref)
  return json.object({ body = body, httpHeaders = json.object(headers or {}), httpStatusCode = status,
    referenceId = ref }, RESULT_KEYS)
end

local function halted(ref, message)
  return result(json.array { reply.error_object("PROCESSING_HALTED", message) }, nil, 400, ref)
end

-- An sObject Collections write under the composite's allOrNone: made
-- all-or-none itself (the flag in its body, or ?allOrNone=true for a
-- DELETE). Returns the url and body to send, and whether it is one.
local function collection_all_or_none(method, url, body)
  if not url:match("^/services/data/v[^/]+/composite/sobjects") then return url, body, false end
  if method == "DELETE" then
    local path, query = url:match("^([^?]*)%??(.*)$")
    local kept = {}
    for pair in query:gmatch("[^&]+") do
      if not pair:match("^allOrNone=") and not pair:match("^allOrNone$") then kept[#kept + 1] = pair end
    end
    kept[#kept + 1] = "allOrNone=true"
    return path .. "?" .. table.concat(kept, "&"), body, true
  end
  if (method == "POST" or method == "PATCH") and type(body) == "table" and not json.is_array(body)
      and body.records ~= nil then
    body.allOrNone = true
    return url, body, true
  end
  return url, body, false
end

-- True when a collection write's answer reports a record failed.
local function some_record_failed(value)
  if type(value) ~= "table" or not json.is_array(value) then return false end
  for _, r in ipairs(value) do
    if type(r) == "table" and r.success == false then return true end
  end
  return false
end

-- One subrequest run: its result object, its decoded body (for references)
-- and whether it succeeded.
local function run_one(outer, sub, results, dispatch, all_or_none)
  local ref = sub.referenceId
  local url, err = substitute(sub.url, results)
  local body = sub.body
  if body == json.null then body = nil end
  if url and body ~= nil then body, err = resolve_body(body, results) end
  if not url or (sub.body ~= nil and sub.body ~= json.null and body == nil) then
    return halted(ref, err), nil, false
  end
  local collection = false
  if all_or_none then url, body, collection = collection_all_or_none(sub.method, url, body) end
  local res = dispatch(subrequest(outer, sub, url, body))
  local value = json.null
  if res.body ~= "" and res.body ~= nil then
    value = json.decode(res.body)
    if value == nil then value = res.body end
  end
  local headers = {}
  for _, kv in ipairs(res.headers or {}) do
    if kv[1]:lower() == "location" then headers.Location = kv[2] end
  end
  local ok = res.status < 400 and not (collection and some_record_failed(value))
  return result(value, headers, res.status, ref), value, ok
end

--- Handles `POST composite`. `dispatch(req)` answers a subrequest as the
-- router would (luaforce.emulator.app.dispatch).
function M.handle(org, req, version, dispatch)
  if tonumber(version) < M.MIN_VERSION then return reply.not_found() end
  if req.method ~= "POST" then return reply.method_not_allowed(req.method, { "POST" }) end
  local list, flags = parse(req)
  if not list then return flags end
  local all_or_none = flags.allOrNone
  local st = org.store
  local cp = st:checkpoint()
  local out, bodies = {}, {}
  local failed_at
  for i, sub in ipairs(list) do
    local res, value, ok = run_one(req, sub, bodies, dispatch, all_or_none)
    out[i] = res
    if ok then
      bodies[sub.referenceId] = value
    elseif not failed_at then
      failed_at = i
      if all_or_none then break end
    end
  end
  if all_or_none and failed_at then
    st:rollback(cp)
    for i, sub in ipairs(list) do
      if i ~= failed_at then out[i] = halted(sub.referenceId, HALTED) end
    end
  else
    st:release(cp)
  end
  return reply.json(200, json.object({ compositeResponse = json.array(out) }, { "compositeResponse" }))
end

return M
