--- luaforce.client.errors: the error table of the Salesforce client, in
-- the Camunda connector's shape plus what a script needs.
--
--   code       the HTTP status as a string ("404") when Salesforce
--              answered with an error; a transport failure's kind
--              ("TIMEOUT", "CONNECT", "DNS", "TLS", "EMPTY_REPLY",
--              "PARTIAL_BODY", "PROTOCOL", ...: luaforce.http.KINDS);
--              "NOT_JSON" for a 2xx answer that is not the JSON expected;
--              "OAUTH_TOKEN_ERROR"; "OUTCOME_UNKNOWN" (a write went out and
--              its answer was lost). Never a status the exchange did not
--              have: what Camunda's connector would report instead ("408"
--              for a timeout, ...) is the connector layer's business
--              (luaforce.connector.errors).
--   message    one line; Salesforce's message when it sent one
--   variables  {response = {headers =, body =}}: body is Salesforce's WHOLE
--              error array, or the text when it was not JSON
--   status     the HTTP status, when a status line arrived (also on a
--              transport failure after the headers: PARTIAL_BODY, a
--              timeout mid-body); nil otherwise
--   reason     the status line's reason phrase ("Not Found"; "" over HTTP/2)
--   kind       the transport kind (luaforce.http: TIMEOUT, CONNECT, ...)
--              when the exchange failed below HTTP
--   error_code the first Salesforce errorCode (or the OAuth error)
--   errors     Salesforce's error list (every element)
--   fields     the fields the errors name (all of them, in order, once)
--   request    {method =, path =}: never a token, never the host's secrets
--   exit       1 API, 2 bad input, 3 authentication, 4 network (nothing
--              written), 6 outcome unknown
--   sent       (OUTCOME_UNKNOWN) {method, path, body}: what was sent
--   connector_code  (OUTCOME_UNKNOWN) the code the last attempt had: its
--              status ("503") or its transport kind ("TIMEOUT")
-- tostring(err) is one line: "404 NOT_FOUND: The requested resource does
-- not exist (GET /sobjects/Account/001...)".
local base = require "luaforce.errors"
local json = require "luaforce.json"

local M = {}

local EXIT = base.EXIT

-- errorCodes that mean the request itself was wrong: the user's input, not
-- the org, needs fixing (exit 2).
M.BAD_INPUT = {
  MALFORMED_QUERY = true, INVALID_FIELD = true, INVALID_TYPE = true, MALFORMED_ID = true,
  INVALID_QUERY_FILTER_OPERATOR = true, INVALID_QUERY_LOCATOR = true, JSON_PARSER_ERROR = true,
}

local METHODS_THAT_WRITE = { POST = true, PATCH = true, PUT = true, DELETE = true }
M.WRITES = METHODS_THAT_WRITE

--- Makes a client error from fields (copied). `exit` defaults to 1. It is
-- a luaforce.errors object: errors.is() knows it and `luaforce run` exits
-- with its code; luaforce.errors prints the client's fields (error_code,
-- the count of further errors, request) in its one line.
M.new = base.new
M.is = base.is

-- A short, single-line view of a body that is not JSON: the HTML title
-- when there is one, else the first non-blank line, tags removed.
function M.first_line(body)
  if type(body) ~= "string" or body == "" then return "" end
  local title = body:match("<[Tt][Ii][Tt][Ll][Ee][^>]*>%s*(.-)%s*</[Tt][Ii][Tt][Ll][Ee]>")
  local line = title
  if not line or line == "" then
    for l in body:gmatch("[^\r\n]+") do
      local s = l:gsub("<[^>]*>", " "):gsub("%s+", " "):match("^%s*(.-)%s*$")
      if s ~= "" then line = s break end
    end
  end
  line = line or ""
  if #line > 120 then line = line:sub(1, 117) .. "..." end
  return line
end

-- Salesforce's error list from a decoded body: an array of tables with
-- errorCode (or statusCode, as per-record results say). Nil otherwise.
local function error_list(body)
  if type(body) ~= "table" or not json.is_array(body) and body[1] == nil then return nil end
  if type(body[1]) ~= "table" then return nil end
  return body
end

local function fields_of(list)
  local out, seen = {}, {}
  for _, e in ipairs(list or {}) do
    if type(e) == "table" and type(e.fields) == "table" then
      for _, f in ipairs(e.fields) do
        if type(f) == "string" and not seen[f] then
          seen[f] = true
          out[#out + 1] = f
        end
      end
    end
  end
  return out
end

local function exit_for_status(status, code, method)
  if status == 401 then return EXIT.AUTH end
  if code and M.BAD_INPUT[code] then return EXIT.USAGE end
  -- a gateway's answer says nothing of what the server behind it did
  if (status == 502 or status == 504) and METHODS_THAT_WRITE[method] then return EXIT.UNKNOWN end
  return EXIT.API
end

--- The error for an HTTP response with status >= 400 (or a body that is
-- not the JSON expected). `res` is luaforce.http's response with `body`
-- already decoded (a table, or the text when it was not JSON); `request`
-- = {method, path}.
function M.from_response(res, request, opts)
  opts = opts or {}
  local body = res.body
  local list = error_list(body)
  local first = list and list[1] or {}
  local error_code = first.errorCode or first.statusCode
  if type(error_code) ~= "string" then error_code = nil end
  local message
  if type(first.message) == "string" and first.message ~= "" then
    -- SOQL errors start with a newline and the excerpt; one line here, the
    -- whole text stays in errors[1].message
    local where, rest = first.message:match("\nERROR at (Row:%d+:Column:%d+)\n(.*)$")
    if where then
      message = ("%s (at %s)"):format((rest:gsub("%s*\n%s*", " ")), where)
    else
      message = first.message:gsub("^%s+", ""):gsub("%s*\n%s*", " ")
    end
  elseif opts.not_json then
    local ctype = res.headers and res.headers["content-type"]
    if type(ctype) == "table" then ctype = ctype[1] end
    ctype = ctype and ctype ~= "" and ctype:match("^[^;]*") or "text"
    local line = M.first_line(body)
    line = line ~= "" and (": " .. line) or ""
    if res.status >= 400 then
      message = ("%s (a %s answer, not JSON%s)"):format(res.reason or ("HTTP " .. res.status), ctype, line)
    else
      message = ("HTTP %d %s with a %s answer where JSON was expected%s"):format(res.status, res.reason or "",
        ctype, line)
    end
  else
    message = res.reason and res.reason ~= "" and res.reason or ("HTTP " .. res.status)
  end
  local status = res.status
  local code = status >= 400 and tostring(status) or "NOT_JSON"
  local e = {
    code = code,
    message = message,
    status = status,
    reason = res.reason,
    error_code = error_code,
    errors = list or {},
    fields = fields_of(list),
    variables = { response = { headers = res.headers, body = body } },
    request = request,
    exit = opts.not_json and status < 400 and EXIT.API or exit_for_status(status, error_code, request and request.method),
  }
  if e.exit == EXIT.UNKNOWN then
    e.hint = "a gateway answered: the write may or may not have happened"
  end
  if error_code == "REQUEST_LIMIT_EXCEEDED" and type(first.message) == "string"
      and first.message:find("TotalRequests", 1, true) then
    e.hint = "the org's daily API allowance is spent; it refills over 24 hours"
  end
  return M.new(e)
end

-- What to check after a transport failure of each kind.
local NETWORK_HINT = {
  CONNECT = "is the instance URL right, and the org reachable from here?",
  DNS = "is the instance URL's host name right?",
  TIMEOUT = "the org did not answer in time: try again, or raise the timeout",
}

--- The error for a transport failure (luaforce.http's err: kind,
-- request_sent, message, status when the headers had arrived): code and
-- kind are the kind; hint what to check (CONNECT, DNS, TIMEOUT).
function M.from_transport(terr, request)
  if base.is_interrupt(terr) then return terr end
  local sent = terr.request_sent
  local write = request and M.writes(request)
  local kind = terr.kind or "NETWORK"
  local e = {
    code = kind,
    kind = kind,
    message = (terr.message or ""):gsub("^%u+ %S+: ", ""),
    status = terr.status,
    request_sent = sent,
    variables = { response = { headers = {}, body = json.null } },
    errors = {},
    fields = {},
    request = request,
    hint = NETWORK_HINT[kind],
    exit = (sent and write) and EXIT.UNKNOWN or EXIT.NETWORK,
  }
  if kind == "TLS" then e.message = "TLS handshake failed: " .. e.message end
  return M.new(e)
end

--- Whether a request may change the org: request.write when the caller
-- said (a POST that only reads, such as get_many's), else by its method.
function M.writes(request)
  if request.write ~= nil then return request.write end
  return METHODS_THAT_WRITE[request.method] or false
end

--- Ctrl-C while a write may have been on its way to the org: OUTCOME_UNKNOWN,
-- exit 6, which outranks the interruption (luaforce.errors.outcome_exit);
-- `interrupted = true` lets it stop the run as Ctrl-C does
-- (errors.is_interrupt). `sent` is what was sent.
function M.interrupted_write(request, sent)
  return M.new {
    code = "OUTCOME_UNKNOWN", interrupted = true,
    message = "interrupted while the request was on its way: it may or may not have been applied",
    hint = "check in the org before sending it again (err.sent holds what was sent)",
    request = request, sent = sent, errors = {}, fields = {},
    variables = { response = { headers = {}, body = json.null } }, exit = EXIT.UNKNOWN,
  }
end

--- A create (or another write that must not be repeated) went out and its
-- answer was lost: OUTCOME_UNKNOWN, exit 6, with what was sent.
function M.outcome_unknown(terr, request, sent)
  local e = M.from_transport(terr, request)
  if not M.is(e) or e.code == "INTERRUPTED" then return e end
  e.connector_code = e.code
  e.code = "OUTCOME_UNKNOWN"
  e.message = ("the request went out and its answer was lost (%s: %s): it may or may not have been applied")
    :format(e.kind, e.message)
  e.hint = "check in the org before sending it again (err.sent holds what was sent)"
  e.sent = sent
  e.exit = EXIT.UNKNOWN
  return e
end

--- A write an earlier attempt of which may have been applied (its answer
-- was lost, or a gateway gave it) and whose last attempt got the error
-- `e`: OUTCOME_UNKNOWN, exit 6, whatever `e` says. Salesforce's answer
-- stays in the fields (status, error_code, errors, variables);
-- connector_code is the code it had.
function M.unknown_after(e, sent)
  e.connector_code = e.code
  e.code = "OUTCOME_UNKNOWN"
  e.message = ("an earlier attempt may have been applied (its answer was lost, or a gateway gave it); "
    .. "the last attempt got %s: %s"):format(e.status or e.code, e.message or "")
  e.hint = "check in the org before sending it again (err.sent holds what was sent)"
  e.sent = sent
  e.exit = EXIT.UNKNOWN
  return e
end

--- The client's form of an error from luaforce.auth (a refused token, a
-- failed token request): code the status ("401", "400" for a token
-- endpoint's refusal) or "OAUTH_TOKEN_ERROR", error_code Salesforce's.
function M.from_auth(aerr, request)
  if not base.is(aerr) or aerr.exit ~= EXIT.AUTH then
    -- a transport failure while fetching a token, or a usage error
    if aerr.kind then return M.from_transport(aerr, request) end
    return aerr
  end
  local status = aerr.status
  local code
  if aerr.code == "OAUTH_TOKEN_ERROR" then code = "OAUTH_TOKEN_ERROR"
  elseif status and status >= 400 then code = tostring(status)
  else code = "OAUTH_TOKEN_ERROR" end
  local res = aerr.response
  local body = res and res.body
  if type(body) == "string" and body:match("^%s*[%[{]") then body = json.decode(body) or body end
  local list = type(aerr.errors) == "table" and aerr.errors or error_list(body) or {}
  return M.new {
    code = code,
    message = aerr.message,
    hint = aerr.hint,
    status = status,
    reason = res and res.reason,
    error_code = aerr.code ~= code and aerr.code or nil,
    errors = list,
    fields = fields_of(list),
    variables = { response = { headers = res and res.headers or {}, body = body == nil and json.null or body } },
    request = request,
    exit = EXIT.AUTH,
  }
end

--- An input mistake found before sending: shaped like the 400 Salesforce
-- would answer (code "400", error_code MALFORMED_ID / INVALID_TYPE /
-- INVALID_FIELD ...), with status nil and exit 2; nothing was sent.
function M.bad_input(error_code, message, request, fields)
  local list = json.array { json.object({ errorCode = error_code, message = message, fields = fields },
    { "message", "errorCode", "fields" }) }
  return M.new {
    code = "400",
    error_code = error_code,
    message = message,
    errors = list,
    fields = fields or {},
    variables = { response = { headers = {}, body = list } },
    request = request,
    hint = "checked before sending: nothing was sent",
    exit = EXIT.USAGE,
  }
end

return M
