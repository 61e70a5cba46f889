--- tests/fuzz/lua_targets.lua: what tests/fuzz/lua_fuzzer.lua fuzzes.
--
-- A target is an entry of this table:
--   about    one line for --list
--   covers   chunk-name prefixes of the files whose lines guide the fuzzer
--            ("@lua/luaforce/soql/": the modules load from lua/)
--   dict     tokens the mutator inserts (keywords, punctuation, markers)
--   max_len  the longest input (default 4096)
--   run(input) -> a value, or nil and the reader's error; may raise a
--            luaforce.errors object. Checks of its own on what came back
--            raise with error() or assert(): a finding, like a Lua runtime
--            error.
-- Its seed corpus is the folder tests/fuzz/<name>/: a few hand-made inputs,
-- each defect's input, each finding's input.
--
-- A new reader is a few lines here and a folder of seeds, e.g. for a CSV
-- reader:
--   T.csv = { about = "luaforce.csv: CSV text to rows", covers = { "@lua/luaforce/csv" },
--     dict = { ",", '"', '""', "\r\n" }, run = function(input) return csv.parse(input) end }
-- Modules load when a target first runs, so --list needs no build.
local T = {}

-- A luaforce error object, as a reader's documented failure.
local function check_error(err, what)
  if not require("luaforce.errors").is(err) then error(what .. " failed without a luaforce error: " .. tostring(err), 0) end
  if type(err.message) ~= "string" or err.message == "" then error(what .. ": an error without a message", 0) end
end

-- A file reader's error may hold a secret's value only if it quotes the
-- file: it must quote no 16 characters of its input (issue 14, defect 7:
-- 16 characters of a secret are as bad as all of it). Key names and the
-- messages' own words are shorter than that, or not in the input.
-- `public` (optional) says which lines a message may quote (a profile's
-- section header: its name is no secret, and hints suggest it).
local function quotes_no_input(err, input, what, public)
  -- the same 16-byte windows the REPL's history filter looks for
  local secret_set = require "luaforce.http.secret_set"
  local set = secret_set.new()
  for line in (input .. "\n"):gmatch("([^\n]*)\n") do
    if #line >= secret_set.WINDOW and not (public and public(line)) then set:add(line) end
  end
  -- the known key names are words a message may use (write client_secret
  -- = VALUE); a window through one is no quote of the file
  local text = tostring(err)
  for _, word in ipairs { "instance_url", "api_version", "client_id", "client_secret", "token", "default",
    "profile" } do
    text = text:gsub(word, "\255\254")
  end
  if set:found_in(text) then error(("%s: the error quotes 16 bytes of the file: %q"):format(what, text), 0) end
end

T.soql = {
  about = "luaforce.soql.parser: SOQL text to an AST, or MALFORMED_QUERY with a position",
  covers = { "@lua/luaforce/soql/" },
  max_len = 4096,
  dict = {
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "NOT IN", "LIKE", "INCLUDES", "EXCLUDES",
    "GROUP BY", "ROLLUP(", "CUBE(", "HAVING", "ORDER BY", "ASC", "DESC", "NULLS FIRST", "NULLS LAST",
    "LIMIT", "OFFSET", "FOR VIEW", "FOR UPDATE", "FOR REFERENCE", "WITH SECURITY_ENFORCED", "USING SCOPE",
    "TYPEOF", "WHEN", "THEN", "ELSE", "END", "COUNT()", "COUNT(", "SUM(", "MAX(", "FORMAT(", "toLabel(",
    "CALENDAR_YEAR(", "FIELDS(ALL)", "(SELECT", "null", "TRUE", "false", "TODAY", "LAST_N_DAYS:",
    "2024-01-31", "2024-01-31T10:00:00Z", "+05:30", "USD", "'", "\\'", "\\u00e9", "%", "_", "(", ")", ",",
    ".", ":", "=", "!=", "<>", "<=", ">=", "<", ">", "Account.Owner.Name", "Id", "Name", "Contacts", "a",
  },
  run = function(input)
    local parser = require "luaforce.soql.parser"
    local ast, err = parser.parse(input)
    if ast then
      if ast.kind ~= "query" or type(ast.fields) ~= "table" then error("an AST that is no query", 0) end
      return ast
    end
    if type(err) ~= "table" or type(err.errorCode) ~= "string" or type(err.message) ~= "string" then
      error("a parse failure without errorCode and message", 0)
    end
    if math.type(err.pos) ~= "integer" or err.pos < 1 or err.pos > #input + 1 then
      error(("error position %s outside the text"):format(tostring(err.pos)), 0)
    end
    local row, column = parser.position(input, err.pos)
    if row ~= err.row or column ~= err.column then error("row and column do not match the position", 0) end
    return nil, err
  end,
}

T.profile = {
  about = "luaforce.cli.config: the profile file's text to profiles, or a usage error",
  covers = { "@lua/luaforce/cli/config.lua" },
  dict = {
    "[profile ", "[default]", "]", "default = ", "instance_url = ", "api_version = ", "client_id = ",
    "client_secret = ", "token = ", "{{secrets.", "}}", "{{ secrets.A_B }}", "local", "https://x.my.salesforce.com",
    "v62.0", "#", ";", "=", '"', "\n", "\r\n", " ", "\t", "acme", "sandbox",
  },
  run = function(input)
    local config = require "luaforce.cli.config"
    local doc, err = config.parse(input, "config")
    if not doc then
      check_error(err, "config.parse")
      -- a section header and the default's value are profile names, which
      -- messages and hints name
      quotes_no_input(err, input, "config.parse", function(line)
        return line:match("^%s*%[%s*profile%s[^%]]*%]%s*\r?$") ~= nil or line:match("^%s*default%s*=") ~= nil
      end)
      return nil, err
    end
    for _, name in ipairs(doc.order) do
      if not doc.profiles[name] then error("profile '" .. name .. "' listed but missing", 0) end
    end
    if doc.default and not doc.profiles[doc.default] then error("the default names no profile", 0) end
    return doc
  end,
}

local secrets_path -- a file name of our own, made on the first run

T.secrets = {
  about = "luaforce.client.secrets: a secrets file to NAME -> value, or a usage error",
  covers = { "@lua/luaforce/client/secrets.lua" },
  dict = { "=", "#", "\n", "\r\n", " ", "\t", "ACME_SECRET", "a.b-c_d", "{{secrets.X}}", "\0", "\xff" },
  run = function(input)
    local secrets = require "luaforce.client.secrets"
    local sys = require "luaforce.core.sys"
    if not secrets_path then
      secrets_path = os.tmpname()
      os.remove(secrets_path)
    end
    os.remove(secrets_path)
    assert(sys.write_new(secrets_path, input, 384)) -- 0600, as the reader wants
    local values, err = secrets.read_file(secrets_path)
    os.remove(secrets_path)
    if not values then
      check_error(err, "secrets.read_file")
      quotes_no_input(err, input, "secrets.read_file")
      return nil, err
    end
    for name, value in pairs(values) do
      if type(name) ~= "string" or not name:match("^[%w_%.%-]+$") then error("a secret without a name", 0) end
      if type(value) ~= "string" or value:find("\n", 1, true) then error("secret " .. name .. ": a bad value", 0) end
    end
    return values
  end,
}

-- A BPMN reader's task as bpmn.read promises it (its header): a list, in
-- document order, of tasks with an id, a boolean salesforce and mappings
-- with targets.
local function check_model(model, what)
  if type(model) ~= "table" or type(model.tasks) ~= "table" then error(what .. ": a model without tasks", 0) end
  local seen, last_line, last_column = {}, 0, 0
  for i, t in ipairs(model.tasks) do
    local where = ("%s: task %d"):format(what, i)
    if type(t.id) ~= "string" or t.id == "" then error(where .. ": no id", 0) end
    if seen[t.id] then error(where .. ": id " .. t.id .. " twice", 0) end
    seen[t.id] = true
    if type(t.salesforce) ~= "boolean" or t.salesforce ~= (t.template == "io.camunda.connectors.Salesforce.v1") then
      error(where .. ": salesforce does not follow the template", 0)
    end
    if math.type(t.line) ~= "integer" or math.type(t.column) ~= "integer" then error(where .. ": no position", 0) end
    if t.line < last_line or (t.line == last_line and t.column <= last_column) then
      error(where .. ": out of document order", 0)
    end
    last_line, last_column = t.line, t.column
    for _, list in ipairs { t.inputs, t.outputs } do
      for _, m in ipairs(list) do
        if type(m.target) ~= "string" or m.target == "" then error(where .. ": a mapping without a target", 0) end
        if m.source ~= nil and type(m.source) ~= "string" then error(where .. ": a bad source", 0) end
      end
    end
    for _, h in ipairs(t.headers) do
      if type(h.key) ~= "string" or h.key == "" then error(where .. ": a header without a key", 0) end
    end
  end
end

T.bpmn = {
  about = "luaforce.connector.bpmn: a Camunda 8 BPMN file to its connector tasks, or BPMN_INVALID at a position",
  covers = { "@lua/luaforce/connector/bpmn.lua" },
  max_len = 8192,
  dict = {
    "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" "
      .. "xmlns:zeebe=\"http://camunda.org/schema/zeebe/1.0\">",
    "</bpmn:definitions>", "<bpmn:process id=\"p\">", "</bpmn:process>", "<bpmn:serviceTask id=\"t\">",
    "</bpmn:serviceTask>", "<bpmn:sendTask", "<bpmn:intermediateThrowEvent", "<bpmn:endEvent", "<bpmn:subProcess>",
    "</bpmn:subProcess>", "<bpmn:extensionElements>", "</bpmn:extensionElements>",
    "<zeebe:taskDefinition type=\"io.camunda:http-json:1\" retries=\"3\"/>", "<zeebe:ioMapping>",
    "</zeebe:ioMapping>", "<zeebe:input source=\"=a\" target=\"b\"/>", "<zeebe:output source=\"=a\" target=\"b\"/>",
    "<zeebe:taskHeaders>", "</zeebe:taskHeaders>", "<zeebe:header key=\"k\" value=\"v\"/>",
    " zeebe:modelerTemplate=\"io.camunda.connectors.Salesforce.v1\"", " zeebe:modelerTemplateVersion=\"6\"",
    " id=\"", " target=\"", " key=\"", "xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"", "bpmn2:", "<",
    "/>", "</", ">", "\"", "&gt;", "&quot;", "&#34;", "<![CDATA[", "]]>", "<!DOCTYPE a [<!ENTITY e \"x\">]>", "\n",
  },
  run = function(input)
    local bpmn = require "luaforce.connector.bpmn"
    local model, err = bpmn.read(input, "fuzz.bpmn")
    if not model then
      check_error(err, "bpmn.read")
      if err.code ~= "BPMN_INVALID" or err.exit ~= 2 then error("bpmn.read: " .. tostring(err.code) .. " exit " .. tostring(err.exit), 0) end
      if math.type(err.line) ~= "integer" or err.line < 1 or math.type(err.column) ~= "integer" or err.column < 1 then
        error("bpmn.read: an error without a position", 0)
      end
      if err.message:sub(1, #"fuzz.bpmn:") ~= "fuzz.bpmn:" then error("bpmn.read: the error names no file", 0) end
      return nil, err
    end
    check_model(model, "bpmn.read")
    return model
  end,
}

T.task = {
  about = "luaforce.connector.task/inputs/request: a connector task file to the request it makes, or a luaforce error",
  covers = { "@lua/luaforce/connector/task", "@lua/luaforce/connector/inputs", "@lua/luaforce/connector/request",
    "@lua/luaforce/connector/walk" },
  max_len = 4096,
  dict = {
    '"baseUrl"', '"apiVersion"', '"authentication"', '"type"', '"token"', '"clientId"', '"clientSecret"',
    '"authentication.type"', '"salesforceOperationType"', '"sObject"', '"soqlQuery"', '"interactionType"',
    '"get"', '"post"', '"patch"', '"delete"', '"objectType"', '"objectId"', '"relationshipFieldName"',
    '"queryParameters"', '"body"', '"connectionTimeoutInSeconds"', '"resultVariable"', '"resultExpression"',
    '"errorExpression"', '"retries"', '"retryBackoff"', '"bearer"', '"oauth-client-credentials-flow"',
    '"https://a.my.salesforce.com"', '"v58.0"', '"=', '{{secrets.X}}', '..', '/', '%2F', 'null', '{', '}', '[',
    ']', ':', ',', '"', '\\"', 'for r in x return r', '{a: 1}',
  },
  run = function(input)
    local json = require "luaforce.json"
    local value, jerr = json.decode(input)
    if value == nil then check_error(jerr, "json.decode") return nil, jerr end
    local task, err = require("luaforce.connector.task").read(value, "task.json")
    if not task then check_error(err, "task.read") return nil, err end
    local inputs = require "luaforce.connector.inputs"
    local fields, ierr = inputs.evaluate(task, {}, { max_steps = 1000, max_seconds = 0.05 })
    if not fields then check_error(ierr, "inputs.evaluate") return nil, ierr end
    -- every secret is known but one, so that the request gets built
    fields, ierr = inputs.put_secrets(fields, function(name)
      if name == "UNKNOWN" then return nil end
      return name:find("URL", 1, true) and "https://a.my.salesforce.com" or ("s3cr3t-" .. name)
    end)
    if not fields then check_error(ierr, "inputs.put_secrets") return nil, ierr end
    local req, rerr = require("luaforce.connector.request").build(fields, task.form)
    if not req then check_error(rerr, "request.build") return nil, rerr end
    -- what goes on the wire: a path of escaped segments, never a way out
    if not req.path:match("^/services/data/v%d+%.%d+/") then error("a path outside the API: " .. req.path, 0) end
    for seg in req.path:gmatch("[^/]+") do
      if seg == "." or seg == ".." or seg:find("[%c%s?#]") then error("an unescaped segment: " .. req.path, 0) end
    end
    if req.body ~= nil and not json.encode(req.body) then error("a body JSON cannot hold", 0) end
    return req
  end,
}

-- The values a FEEL expression may see: names the seeds use.
local FEEL_CONTEXT = [==[{"records": [{"Id": "001A", "Name": "Acme", "Amount": 1500.5, "Tags": ["a"],
  "CloseDate": "2024-03-15", "Owner": {"Name": "Ann"}}, {"Id": "001B", "Name": "Globex", "Amount": 800,
  "Tags": [], "Industry": null}], "n": 5, "half": 0.5, "s": "hello", "x": null, "xs": [3, 1, 2],
  "empty": [], "nested": [[1, 2], [3]], "ctx": {"a": 1, "b": {"c": "deep"}}, "first name": "Ada",
  "flag": false, "price": 19.99, "qty": 3}]==]

-- What an evaluation may end in besides a value: a failure FEEL documents.
local FEEL_FAILURES = { ASSERT_FAILURE = true, BUDGET_EXCEEDED = true, NO_INPUT_VALUE = true }

-- A syntax error as feel.compile documents it: FEEL_SYNTAX, exit 2, a line,
-- a column and an offset inside the text (or just past it).
local function check_syntax_error(err, input, what)
  check_error(err, what)
  if err.code ~= "FEEL_SYNTAX" or err.kind ~= "syntax" or err.exit ~= 2 then
    error(what .. ": a failure that is no syntax error: " .. tostring(err.code), 0)
  end
  if math.type(err.offset) ~= "integer" or err.offset < 1 or err.offset > #input + 1
    or math.type(err.line) ~= "integer" or err.line < 1 or math.type(err.column) ~= "integer" or err.column < 1 then
    error(what .. ": a syntax error without a position inside the text", 0)
  end
end

-- An evaluation's outcome: a value and warnings, or a documented failure;
-- EVALUATION_FAILURE is a Lua error the engine caught, so a finding.
local function check_outcome(what, value, warnings, failure)
  if type(warnings) ~= "table" then error(what .. ": no warning list", 0) end
  if failure then
    if not FEEL_FAILURES[failure.type] then
      error(("%s: an internal error: %s"):format(what, tostring(failure.message)), 0)
    end
    if value ~= nil then error(what .. ": a value and a failure", 0) end
  end
  for _, w in ipairs(warnings) do
    if type(w.type) ~= "string" or type(w.message) ~= "string" then error(what .. ": a warning without type or message", 0) end
  end
end

local feel_context -- decoded on the first run

T.feel = {
  about = "luaforce.feel: FEEL text through the lexer, parser and compiler, then a short bounded evaluation;"
    .. " the same text as unary tests",
  covers = { "@lua/luaforce/feel/" },
  max_len = 2048,
  dict = {
    "for", " in ", " return ", "some", "every", " satisfies ", "if", " then ", " else ", "function(", "function",
    " and ", " or ", "not(", " between ", " instance of ", "null", "true", "false", "?", "-", "..", "[", "]", "(",
    ")", "{", "}", ":", ",", ".", "=", "!=", "<", "<=", ">", ">=", "+", "*", "/", "**", '"', "\\", "@\"",
    '@"2024-01-31"', '@"P1DT2H"', '@"P1Y2M"', '@"10:00:00@Europe/Berlin"', '@"2024-01-31T10:00:00Z"',
    "date and time(", "duration(", "string(", "number(", "count(", "sum(", "sort(", "matches(", "replace(",
    "string join(", "concatenate(", "partial", "item", "records", "xs", "ctx.b.c", "`a b`", "1e3", "0.5",
    "9223372036854775807", "\n", "\\u00e9", "\u{e9}", "\u{3000}",
  },
  run = function(input)
    -- a finding keeps the traceback of where it was raised
    local ok, value, err = xpcall(T.feel.check, function(e)
      if type(e) ~= "string" then return e end
      return debug.traceback(e, 2)
    end, input)
    if ok then return value, err end
    error(value, 0)
  end,
  check = function(input)
    local feel = require "luaforce.feel"
    if not feel_context then feel_context = require("luaforce.json").decode(FEEL_CONTEXT) end
    local opts = { max_steps = 2000, max_seconds = 0.05, max_memory = 16 * 1048576, now = "2024-01-31T10:00:00Z" }
    local verdict, second, ufailure = feel.unary(input, 3, feel_context, opts)
    if verdict == nil and type(second) == "table" and second.code then
      check_syntax_error(second, input, "feel.unary")
    else
      if verdict ~= true and verdict ~= false and verdict ~= nil then error("feel.unary: no boolean", 0) end
      check_outcome("feel.unary", verdict, second, ufailure)
    end
    local compiled, err = feel.compile(input)
    if not compiled then
      check_syntax_error(err, input, "feel.compile")
      return nil, err
    end
    local value, warnings, failure = compiled:eval(feel_context, opts)
    check_outcome("eval", value, warnings, failure)
    return value
  end,
}

return T
