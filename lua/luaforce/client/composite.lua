--- luaforce.client.composite: up to 25 dependent requests in one round
-- trip, through Salesforce's Composite resource (`POST composite`, API
-- 42.0+); later subrequests use earlier results through `@{ref.path}`.
--
--   local results, err = org:composite({
--     { method = "POST", url = "/sobjects/Account", reference_id = "acc", body = { Name = "Acme" } },
--     { method = "GET", url = "/sobjects/Account/@{acc.id}?fields=Name", reference_id = "get" },
--   }, { all_or_none = true })
--
-- org:composite(subrequests [, opts]) -> results, response | nil, err
--   subrequests  a list of 1 to 25 tables:
--     method        "GET", "POST", "PATCH", "PUT" or "DELETE" (Salesforce's
--                   Composite takes no other: not HEAD)
--     url           a path under org.base ("/sobjects/Account/@{acc.id}",
--                   sent as "/services/data/vNN.N/sobjects/...") or a
--                   "/services/..." path. Sent as given, never escaped (it
--                   may hold references): no blanks or control characters
--     reference_id  letters, digits and underscores, starting with a letter
--                   or a digit (what Salesforce accepts); unique in the list
--     body          a table (sent as JSON) or a string of JSON text; optional
--     headers       {name = "value"}, the subrequest's httpHeaders; optional.
--                   Not Accept, Authorization or Content-Type: a subrequest
--                   takes those from the composite request
--   At most 5 of the subrequests may be queries (query, queryAll, a next
--   page) or sObject Collections (composite/sobjects), as Salesforce allows.
--   opts (all optional)
--     all_or_none   true: a failing subrequest rolls every one back (the
--                   others answer 400 PROCESSING_HALTED); default false: a
--                   failure halts only the subrequests that refer to it
--     collate       true: Salesforce may run independent subrequests
--                   together, in any order (collateSubrequests); default false
--     outcome       a table filled in as org:call fills it (attempts, reached)
--   Misuse raises a usage error (exit 2) before anything is sent.
--
-- results is a list aligned with subrequests, each {reference_id =, status =
-- (httpStatusCode), headers = (httpHeaders), body = (the subresponse body,
-- decoded as org:call decodes; json.null when empty)}. A subrequest's failure
-- is data: status >= 400, body Salesforce's error list [{errorCode, message,
-- fields}]. `response` is org:call's response for the whole request.
--
-- nil, err only when the request as a whole failed (an error answer, the
-- network, a malformed answer). When every subrequest is a GET the request
-- only reads and is retried like any read; otherwise it is
-- never sent twice unless the server certainly did not process it, and a
-- lost answer is OUTCOME_UNKNOWN (exit 6), as org:call makes it.
local json = require "luaforce.json"
local errors = require "luaforce.errors"

local cerrors = require "luaforce.client.errors"

local M = {}

--- The methods this file adds to the Org (client/init.lua mixes them in).
local methods = {}
M.methods = methods

M.MAX_SUBREQUESTS = 25
M.MAX_QUERIES = 5

local METHODS = { GET = true, POST = true, PATCH = true, PUT = true, DELETE = true }
local INHERITED = { accept = true, authorization = true, ["content-type"] = true }
-- the resources Salesforce counts against MAX_QUERIES
local QUERIES = { query = true, queryAll = true, composite = true }
local SUB_KEYS = { "method", "url", "referenceId", "body", "httpHeaders" }
local TOP_KEYS = { "allOrNone", "collateSubrequests", "compositeRequest" }
local SUB_FIELDS = { method = true, url = true, reference_id = true, body = true, headers = true }

local function usage(message)
  error(errors.usage("composite: " .. message), 4)
end

-- Options copied and checked.
local function options(opts)
  local o = { all_or_none = false, collate = false }
  if opts == nil then return o end
  if type(opts) ~= "table" then usage("options must be a table") end
  for k, v in pairs(opts) do
    if k == "all_or_none" or k == "collate" then
      if type(v) ~= "boolean" then usage(("%s must be true or false"):format(k)) end
    elseif k == "outcome" then
      if type(v) ~= "table" then usage("outcome must be a table") end
    else
      usage(("unknown option '%s'"):format(tostring(k)))
    end
    o[k] = v
  end
  return o
end

-- One subrequest as the Composite resource takes it; raises on misuse.
local function wire(org, i, s, seen)
  local where = ("subrequest %d"):format(i)
  if type(s) ~= "table" then usage(("%s is a %s, not a table"):format(where, type(s))) end
  for k in pairs(s) do
    if not SUB_FIELDS[k] then usage(("%s: unknown field '%s'"):format(where, tostring(k))) end
  end
  local ref = s.reference_id
  if type(ref) ~= "string" or not ref:match("^[%a%d][%w_]*$") then
    usage(("%s: reference_id must be letters, digits and underscores, starting with a letter or a digit, not %s")
      :format(where, type(ref) == "string" and ("'" .. ref .. "'") or type(ref)))
  end
  if seen[ref] then usage(("%s: reference_id '%s' is already used by subrequest %d"):format(where, ref, seen[ref])) end
  seen[ref] = i
  local method = s.method
  if type(method) ~= "string" or not METHODS[method:upper()] then
    usage(("%s (%s): method must be GET, POST, PATCH, PUT or DELETE, not %s")
      :format(where, ref, type(method) == "string" and ("'" .. method .. "'") or type(method)))
  end
  method = method:upper()
  local url = s.url
  if type(url) ~= "string" or url:sub(1, 1) ~= "/" then
    usage(("%s (%s): url must be a path starting with '/', like \"/sobjects/Account\""):format(where, ref))
  end
  if url:find("[%s%c]") then usage(("%s (%s): url holds blanks or control characters"):format(where, ref)) end
  if not url:find("^/services/") then url = org.base .. url end
  local body = s.body
  if type(body) == "string" then
    local v, jerr = json.decode(body)
    if v == nil then usage(("%s (%s): body is not JSON text: %s"):format(where, ref, tostring(jerr and jerr.reason))) end
    body = v
  elseif body ~= nil and type(body) ~= "table" then
    usage(("%s (%s): body must be a table or a string of JSON, not a %s"):format(where, ref, type(body)))
  end
  local headers
  if s.headers ~= nil then
    if type(s.headers) ~= "table" then usage(("%s (%s): headers must be a table"):format(where, ref)) end
    headers = {}
    for k, v in pairs(s.headers) do
      if type(k) ~= "string" or type(v) ~= "string" then
        usage(("%s (%s): headers must map names to strings"):format(where, ref))
      end
      if INHERITED[k:lower()] then
        usage(("%s (%s): headers cannot set %s (a subrequest takes it from the composite request)")
          :format(where, ref, k))
      end
      headers[k] = v
    end
    headers = json.object(headers)
  end
  local resource = url:match("^/services/data/[^/]+/([^/?]+)")
  return json.object({ method = method, url = url, referenceId = ref, body = body, httpHeaders = headers },
    SUB_KEYS), method == "GET", QUERIES[resource] or false
end

-- The answer did not hold one result per subrequest, in order.
local function malformed(request, reads, why)
  return cerrors.new {
    code = "500", message = "composite: the answer is not what Salesforce sends: " .. why,
    errors = {}, fields = {}, request = request,
    exit = reads and errors.EXIT.API or errors.EXIT.UNKNOWN,
    hint = (not reads) and "its writes may have been applied: check the org before sending them again" or nil,
    variables = { response = { headers = {}, body = json.null } },
  }
end

--- Sends up to 25 subrequests in one request (see the top of the file).
function methods:composite(subrequests, opts)
  if type(subrequests) ~= "table" then usage(("subrequests must be a list, not a %s"):format(type(subrequests))) end
  local n = #subrequests
  if n < 1 or n > M.MAX_SUBREQUESTS then
    usage(("takes 1 to %d subrequests, not %d"):format(M.MAX_SUBREQUESTS, n))
  end
  local o = options(opts)
  local list, seen, reads, queries = {}, {}, true, 0
  for i = 1, n do
    local sub, is_read, is_query = wire(self, i, subrequests[i], seen)
    list[i] = sub
    reads = reads and is_read
    if is_query then queries = queries + 1 end
  end
  if queries > M.MAX_QUERIES then
    usage(("%d subrequests are queries or sObject Collections; Salesforce takes at most %d in one composite")
      :format(queries, M.MAX_QUERIES))
  end
  local body = json.object({ allOrNone = o.all_or_none, collateSubrequests = o.collate,
    compositeRequest = json.array(list) }, TOP_KEYS)
  local copts = { body = body, retry = reads and "safe-create" or "create", outcome = o.outcome }
  if reads then copts.write = false end
  local res, err = self:call("POST", "/composite", copts)
  if not res then return nil, err end

  local request = { method = "POST", path = self.base .. "/composite" }
  local answers = type(res.body) == "table" and res.body.compositeResponse
  if type(answers) ~= "table" or #answers ~= n then
    return nil, malformed(request, reads, ("expected %d results, got %s"):format(n,
      type(answers) == "table" and #answers or "none"))
  end
  local results = {}
  for i, a in ipairs(answers) do
    local ref = subrequests[i].reference_id
    if type(a) ~= "table" or a.referenceId ~= ref or math.type(a.httpStatusCode) ~= "integer" then
      return nil, malformed(request, reads, ("result %d is not subrequest %d's (%s)"):format(i, i, ref))
    end
    local b = a.body
    if b == nil then b = json.null end
    results[i] = { reference_id = ref, status = a.httpStatusCode, headers = a.httpHeaders or json.object {}, body = b }
  end
  return results, res
end

return M
