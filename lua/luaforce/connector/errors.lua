--- luaforce.connector.errors: a luaforce error as Camunda's connector runtime
-- hands it to a connector task's error expression (`error`).
--
--     local cerrors = require "luaforce.connector.errors"
--     local _, err = org:get("Account", "001000000000000")
--     local e = cerrors.camunda(err)
--     --> {type = "io.camunda.connector.api.error.ConnectorException", message = "Not Found",
--     --   code = "404", variables = {response = {headers = {...}, body = {errorCode = ...}}}}
--
-- cerrors.camunda(err) -> value
--   `err` is what the client returned (luaforce.client.errors: a status,
--   a transport kind, OUTCOME_UNKNOWN, an auth error) or any luaforce
--   error. `value` is a JSON object (json.object, keys in the order type,
--   message, code, variables) holding what Camunda's runtime builds from
--   its exception (OutboundConnectorExceptionHandler.exceptionToMap): type
--   the exception's class, message (at most 6000 characters), code when
--   the exception has one, variables when it has some. Values are kept as
--   they are: masking secrets is the caller's step.
-- cerrors.TYPE  the class name every error here has (ConnectorException),
--   but an unusable URL's (ConnectorInputException, no code).
--
-- What Camunda's HTTP client gives (camunda/connectors,
-- connector-commons/http-client/src/main/java/io/camunda/connector/http/client/
-- client/apache/CustomApacheHttpClient.java, CustomResponseHandler.java and
-- exception/ConnectorExceptionMapper.java; Apache HttpClient 5 underneath):
--   status >= 400        code the status ("404"), message the reason phrase
--                        ("Not Found"; "[no reason]" without one), variables
--                        {response = {headers, body}}: headers one value a
--                        string, several a list; body the JSON read as an
--                        object, the text when not JSON, null when empty
--   timeout (connect or read: ConnectTimeoutException is a SocketTimeoutException)
--                        "408", "The request timed out. Please try increasing
--                        the read and connection timeouts."
--   refused connection   "408", "An error occurred while executing the request,
--                        or the connection was aborted": Apache throws
--                        HttpHostConnectException, a java.net.ConnectException,
--                        which no earlier catch takes (not a timeout, not TLS,
--                        not ClientProtocolException), so the last one,
--                        `catch (IOException e)`, gives 408
--   DNS failure          the same: java.net.UnknownHostException is an IOException
--   empty reply, another socket failure, an abort: the same (IOExceptions)
--   HTTP protocol error  "500", "An error with the HTTP protocol occurred"
--                        (ClientProtocolException)
--   TLS failure          "SSL_HANDSHAKE_FAILED", "TLS handshake failed: <cause>.
--                        The server certificate may not be trusted — ..."
--   the body fails after a status < 400 (cut, timed out mid-body): the
--                        response handler's catch, "500", "Error while
--                        executing an HTTP request: Failed to read response
--                        body: <what failed>" (HttpCommonResultMapper.java);
--                        after a status >= 400, that status with a null body
--   (the HTTP connector reads any body size; luaforce's max_body is "500" too)
--   token answer without access_token  "OAUTH_TOKEN_ERROR", "OAuth token
--                        response does not contain an access_token field"
--                        (OAuthService.java); a token endpoint's status >= 400
--                        is the first rule
--   Transport failures carry no variables; neither does OAUTH_TOKEN_ERROR.
--
-- Where luaforce keeps more (its documented fixes): Camunda reads an error
-- body into an object, so a single-element array (Salesforce's usual
-- `[{errorCode, message, fields}]`) becomes that element, as here, and an
-- array of several is lost (null); here it stays the whole array. An input
-- mistake the client catches before sending (code "400", nothing sent) is
-- given as the 400 Salesforce would answer. OUTCOME_UNKNOWN maps as the
-- failure its last attempt had (connector_code: a kind, or a status with
-- Salesforce's answer); interrupted, as an abort. Any other luaforce error
-- (NOT_JSON, which Camunda reads as a text body, a usage error) keeps its
-- code and message.
local json = require "luaforce.json"

local M = {}

M.TYPE = "io.camunda.connector.api.error.ConnectorException"
local INPUT_TYPE = "io.camunda.connector.api.error.ConnectorInputException"

-- The runtime cuts messages (SpringConnectorJobHandler.MAX_ERROR_MESSAGE_LENGTH).
local MAX_MESSAGE = 6000

local TIMED_OUT = "The request timed out. Please try increasing the read and connection timeouts."
local ABORTED = "An error occurred while executing the request, or the connection was aborted"
local PROTOCOL = "An error with the HTTP protocol occurred"
local IN_HANDLER = "Error while executing an HTTP request: "
local NO_TOKEN = "OAuth token response does not contain an access_token field"

-- Reason phrases for a response that came without one (HTTP/2 has none;
-- Camunda's client speaks HTTP/1.1 and reads the server's).
local REASONS = {
  [400] = "Bad Request", [401] = "Unauthorized", [402] = "Payment Required", [403] = "Forbidden",
  [404] = "Not Found", [405] = "Method Not Allowed", [406] = "Not Acceptable",
  [407] = "Proxy Authentication Required", [408] = "Request Timeout", [409] = "Conflict", [410] = "Gone",
  [411] = "Length Required", [412] = "Precondition Failed", [413] = "Payload Too Large", [414] = "URI Too Long",
  [415] = "Unsupported Media Type", [416] = "Range Not Satisfiable", [417] = "Expectation Failed",
  [421] = "Misdirected Request", [422] = "Unprocessable Entity", [423] = "Locked", [424] = "Failed Dependency",
  [425] = "Too Early", [426] = "Upgrade Required", [428] = "Precondition Required", [429] = "Too Many Requests",
  [431] = "Request Header Fields Too Large", [451] = "Unavailable For Legal Reasons",
  [500] = "Internal Server Error", [501] = "Not Implemented", [502] = "Bad Gateway", [503] = "Service Unavailable",
  [504] = "Gateway Timeout", [505] = "HTTP Version Not Supported",
}

-- The kinds whose failure comes before any response: Camunda's catches in
-- CustomApacheHttpClient.execute. The rest (PARTIAL_BODY, TOO_LARGE) fail
-- while the body is read, inside its response handler.
local BEFORE_RESPONSE = {
  TIMEOUT = { "408", TIMED_OUT },
  CONNECT = { "408", ABORTED }, DNS = { "408", ABORTED }, EMPTY_REPLY = { "408", ABORTED },
  NETWORK = { "408", ABORTED }, ABORTED = { "408", ABORTED },
  PROTOCOL = { "500", PROTOCOL },
}

local function cut(message)
  if #message <= MAX_MESSAGE then return message end
  local stop = utf8.len(message) and utf8.offset(message, MAX_MESSAGE + 1)
  return message:sub(1, (stop or MAX_MESSAGE + 1) - 1)
end

local function value(type_, message, code, variables)
  return json.object({ type = type_, message = cut(message), code = code, variables = variables },
    { "type", "message", "code", "variables" })
end

-- Headers as Camunda flattens them: one value a string, several a list.
local function headers_of(h)
  local out = json.object {}
  if type(h) ~= "table" then return out end
  for name, v in pairs(h) do
    if type(name) == "string" then
      if type(v) == "table" then
        local list = {}
        for i, x in ipairs(v) do list[i] = x end
        v = json.array(list)
      end
      out[name] = v
    end
  end
  return out
end

-- The body as Camunda reads an error body into an object: a single-element
-- array becomes its element; a longer array stays whole (luaforce's fix).
local function body_of(body)
  if body == nil then return json.null end
  if type(body) == "table" and json.is_array(body) and #body == 1 and json.is_object(body[1]) then
    return body[1]
  end
  return body
end

-- An HTTP answer with status >= 400.
local function http_error(status, reason, response)
  if type(reason) ~= "string" or reason == "" then reason = REASONS[status] or "[no reason]" end
  response = type(response) == "table" and response or {}
  local vars = json.object({ response = json.object({ headers = headers_of(response.headers),
    body = body_of(response.body) }, { "headers", "body" }) }, { "response" })
  return value(M.TYPE, reason, tostring(status), vars)
end

-- A transport failure of `kind`, `status` when the headers had arrived.
local function transport_error(kind, status, message)
  message = message or ""
  if status and status >= 400 then
    -- Camunda maps the response first; its body could not be read
    return http_error(status, nil, { body = json.null })
  end
  if kind == "TLS" then
    local cause = message:gsub("^TLS handshake failed: ", "")
    return value(M.TYPE, "TLS handshake failed: " .. cause .. ". The server certificate may not be trusted — "
      .. "provide the server's CA certificate via 'clientTls.trustedCertificate', or check the client "
      .. "certificate configuration.", "SSL_HANDSHAKE_FAILED")
  end
  if kind == "URL" then return value(INPUT_TYPE, "Invalid URL: " .. message) end
  local known = BEFORE_RESPONSE[kind]
  if known and not (status and kind == "TIMEOUT") then return value(M.TYPE, known[2], known[1]) end
  -- the body failed while the HTTP connector's mapper read it
  if kind == "TOO_LARGE" then return value(M.TYPE, IN_HANDLER .. message, "500") end
  return value(M.TYPE, IN_HANDLER .. "Failed to read response body: " .. message, "500")
end

--- See the file comment.
function M.camunda(err)
  if type(err) ~= "table" then return value(M.TYPE, tostring(err)) end
  local status = math.tointeger(err.status)
  local code = err.code
  if code == "OUTCOME_UNKNOWN" then code = err.connector_code or err.kind end
  if err.kind and code == err.kind then return transport_error(err.kind, status, err.message) end
  if status and status >= 400 then
    return http_error(status, err.reason, err.variables and err.variables.response)
  end
  local as_status = type(code) == "string" and code:match("^[45]%d%d$") and tonumber(code)
  if as_status then
    -- caught before sending (bad_input), or a status an OUTCOME_UNKNOWN recorded
    return http_error(as_status, nil, err.variables and err.variables.response)
  end
  if code == "OAUTH_TOKEN_ERROR" then return value(M.TYPE, NO_TOKEN, code) end
  if err.interrupted then return value(M.TYPE, ABORTED, "408") end
  return value(M.TYPE, tostring(err.message or err), code)
end

return M
