-- --error-expression on the record commands: the syntax checked before
-- anything is sent, what the expression sees, each outcome's document and
-- exit code, an unknown outcome that stays 6, secrets masked. Judged
-- directly on responses and errors, and through `get`, `delete` and
-- `query` against the in-process local org (the e2e spec runs the binary
-- with faults: 503s, a lost create answer).
local error_expression = require "luaforce.cli.error_expression"
local errors = require "luaforce.errors"
local http = require "luaforce.http"
local json = require "luaforce.json"
local cli_run = require "support.cli_run"

-- judge with standard output and error captured: exit, stdout, stderr, err.
local function judged(expr, res, err, ctx)
  local out, e = cli_run.buffer(), cli_run.buffer()
  local saved = { io.stdout, io.stderr }
  io.stdout, io.stderr = out, e
  local ok, code = pcall(error_expression.judge, ctx or {}, error_expression.compile { error_expression = expr },
    res, err)
  io.stdout, io.stderr = saved[1], saved[2]
  if not ok then return nil, out.text(), e.text(), code end
  return code, out.text(), e.text()
end

local function created()
  return { status = 201, reason = "Created", headers = { ["Content-Type"] = "application/json" },
    body = json.object({ id = "001000000000001AAA", success = true, errors = json.array {} },
      { "id", "success", "errors" }) }
end

-- A 404 as the client gives it.
local function not_found()
  return errors.new { code = "404", status = 404, error_code = "NOT_FOUND", message = "The requested resource does not exist",
    variables = { response = { headers = {}, body = json.array { json.object({ errorCode = "NOT_FOUND",
      message = "The requested resource does not exist" }, { "errorCode", "message" }) } } } }
end

describe("error_expression.compile", function()
  it("gives nil without the option, the text with it", function()
    assert.is_nil(error_expression.compile {})
    assert.equal("null", error_expression.compile { error_expression = "null" })
  end)

  it("refuses a syntax error with a caret, exit 2", function()
    local ok, err = pcall(error_expression.compile, { error_expression = 'if error.code = "404" then bpmnError("A") els null' })
    assert.is_false(ok)
    assert.equal(errors.EXIT.USAGE, err.exit)
    local lines = {}
    for l in tostring(err):gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.matches("^%-%-error%-expression: syntax error at line 1, column %d+", lines[1])
    assert.equal('  if error.code = "404" then bpmnError("A") els null', lines[2])
    assert.matches("^ +%^$", lines[3])
  end)
end)

describe("error_expression.judge", function()
  it("does nothing without an expression, or for null and {}", function()
    assert.is_nil(error_expression.judge({}, nil, created()))
    for _, expr in ipairs { "null", "{}", 'if error.code = "404" then bpmnError("NF", "x") else null' } do
      local code, out = judged(expr, created())
      assert.is_nil(code, expr)
      assert.equal("", out)
      code, out = judged(expr == "{}" and "{}" or "null", nil, not_found())
      assert.is_nil(code)
      assert.equal("", out)
    end
  end)

  it("shows a success as the response's fields, response and job.retries 1", function()
    local code, out, stderr = judged(
      'bpmnError("SEEN", string(status) + " " + response.reason + " " + body.id + " " + string(job.retries), {ct: get value(headers, "Content-Type")})',
      created())
    assert.equal(7, code)
    assert.equal('{"outcome":"bpmnError","errorCode":"SEEN","errorMessage":"201 Created 001000000000001AAA 1",'
      .. '"variables":{"ct":"application/json"}}\n', out)
    assert.equal("luaforce: BPMN error SEEN: 201 Created 001000000000001AAA 1\n", stderr)
  end)

  it("shows a failure as error in Camunda's shape, response.error and job", function()
    -- Camunda's: the reason phrase as message, a one-error body as that error
    local code, out = judged('bpmnError("NF", error.code + " " + error.message + " " + response.error.variables.response.body.errorCode)',
      nil, not_found())
    assert.equal(7, code)
    assert.equal("404 Not Found NOT_FOUND", json.decode(out).errorMessage)
  end)

  it("exits 8 for a jobError and says it is not retried", function()
    local code, out, stderr = judged('jobError("Salesforce unavailable", {}, job.retries - 1, @"PT30S")', nil, not_found())
    assert.equal(8, code)
    assert.equal('{"outcome":"jobError","errorMessage":"Salesforce unavailable","retries":0,"retryBackoff":"PT30S",'
      .. '"variables":{"error":"Salesforce unavailable"}}\n', out)
    assert.equal("luaforce: the job failed: Salesforce unavailable (not retried: a command runs once)\n", stderr)
  end)

  it("exits 0 for an ignoreError, with a note unless --quiet", function()
    local code, out, stderr = judged("ignoreError({exists: false})", nil, not_found())
    assert.equal(0, code)
    assert.equal('{"outcome":"completed","variables":{"exists":false}}\n', out)
    assert.matches("^luaforce: note: ignoreError completed the call that failed: 404 NOT_FOUND", stderr)
    code, out, stderr = judged("ignoreError()", nil, not_found(), { quiet = true })
    assert.equal(0, code)
    assert.equal('{"outcome":"completed","variables":{}}\n', out)
    assert.equal("", stderr)
  end)

  it("exits 9 when the expression fails or gives what is no outcome", function()
    local code, out, stderr = judged('assert(1, false, "no such case")', created())
    assert.equal(9, code)
    assert.equal('{"outcome":"incident","errorMessage":"the error expression failed: no such case","variables":{}}\n', out)
    assert.equal("luaforce: an incident: the error expression failed: no such case\n", stderr)
    code, out = judged('"text"', created())
    assert.equal(9, code)
    assert.matches("must return null, {} or bpmnError", json.decode(out).errorMessage)
  end)

  it("raises a write's unknown outcome after the document, whatever the expression says", function()
    local lost = errors.new { code = "OUTCOME_UNKNOWN", kind = "PARTIAL_BODY", message = "the answer was lost",
      exit = errors.EXIT.UNKNOWN }
    for _, expr in ipairs { "ignoreError({lost: true})", 'bpmnError("X", "y")', 'assert(1, false)' } do
      local code, out, _, err = judged(expr, nil, lost)
      assert.is_nil(code, expr)
      assert.equal(lost, err)
      assert.truthy(json.decode(out).outcome, out)
    end
    local code, out, _, err = judged("null", nil, lost)
    assert.is_nil(code)
    assert.is_nil(err)
    assert.equal("", out)
  end)

  it("prints FEEL warnings on standard error, none with --quiet", function()
    local _, _, stderr = judged('if error.code = "404" then bpmnError("NF", "x") else bpmnError("OK", "y")', created())
    assert.matches("warning: --error-expression (line 1, column 4): no variable found with name 'error'", stderr, 1, true)
    _, _, stderr = judged('if error.code = "404" then null else bpmnError("OK", "y")', created(), nil, { quiet = true })
    assert.equal("luaforce: BPMN error OK: y\n", stderr)
  end)

  it("masks secrets in the document and on standard error", function()
    local secret = "sEcReT-judge-7a1f9c"
    http.add_secret(secret)
    local res = created()
    res.body = json.object({ note = "token " .. secret }, { "note" })
    local code, out, stderr = judged("bpmnError(body.note, body.note, {n: body.note})", res, nil, { verbose = true })
    assert.equal(7, code)
    assert.is_nil(out:find(secret, 1, true), out)
    assert.is_nil(stderr:find(secret, 1, true), stderr)
    assert.equal('{"outcome":"bpmnError","errorCode":"token ***","errorMessage":"token ***","variables":{"n":"token ***"}}\n', out)
  end)
end)

describe("--error-expression on the commands", function()
  local get = require "luaforce.cli.get"
  local delete = require "luaforce.cli.delete"
  local query = require "luaforce.cli.query"
  local MISSING = "001000000000000AAA"

  it("turns get's 404 into a BPMN error: exit 7, the document instead of the record", function()
    local r = cli_run.run(get, { "Account", MISSING, "--error-expression",
      'if error.code = "404" then bpmnError("SF_NOT_FOUND", error.message) else null' })
    assert.equal(7, r.code, tostring(r.err))
    assert.equal('{"outcome":"bpmnError","errorCode":"SF_NOT_FOUND","errorMessage":"Not Found",'
      .. '"variables":{}}\n', r.out)
  end)

  it("lets a null leave get as it is: the record, or its failure's exit 1", function()
    local org = cli_run.org()
    local id = assert(org:query("SELECT Id FROM Account ORDER BY Name LIMIT 1")).body.records[1].Id
    local r = cli_run.run(get, { "Account", id, "--fields", "Id,Name", "-f", "json", "-q", "--error-expression",
      'if error.code = "404" then bpmnError("SF_NOT_FOUND", error.message) else null' })
    assert.equal(0, r.code, tostring(r.err))
    assert.equal(id, json.decode(r.out).Id)
    r = cli_run.run(get, { "Account", MISSING, "--error-expression", "null" })
    assert.equal(1, r.code)
    assert.matches("NOT_FOUND", tostring(r.err))
  end)

  it("sees a delete's 204 with its empty body, as Salesforce gives it", function()
    local org = cli_run.org()
    local id = assert(org:create("Account", { Name = "Judged Delete" })).body.id
    local r = cli_run.run(delete, { "Account", id, "--error-expression",
      'if status = 204 and body = null then ignoreError({deleted: response.status}) else null' })
    assert.equal(0, r.code, tostring(r.err))
    assert.equal('{"outcome":"completed","variables":{"deleted":204}}\n', r.out)
  end)

  it("refuses a syntax error before connecting", function()
    local r = cli_run.run(get, { "Account", MISSING, "--instance", "http://127.0.0.1:1", "--token", "t",
      "--error-expression", "{a: }" })
    assert.equal(2, r.code)
    assert.matches("^%-%-error%-expression: syntax error", tostring(r.err))
  end)

  it("gives query's expression every record in one response, then prints them page by page", function()
    local r = cli_run.run(query, { "SELECT Id FROM Contact", "--batch-size", "200", "-f", "ndjson", "--map-response",
      "--map", "{n: count(body.records), done: body.done}",
      "--error-expression", "if count(body.records) = body.totalSize and body.done then null else bpmnError(\"NO\", \"?\")" })
    assert.equal(0, r.code, tostring(r.err))
    local lines = {}
    for l in r.out:gmatch("[^\n]+") do lines[#lines + 1] = json.decode(l) end
    assert.is_true(#lines >= 2, r.out)
    assert.is_false(lines[1].done)
    assert.equal(200, lines[1].n)
    assert.is_true(lines[#lines].done)
  end)

  it("judges a query's failure and its --max", function()
    local r = cli_run.run(query, { "SELECT Nme FROM Contact", "--error-expression",
      'if error.code = "400" then bpmnError("BAD_QUERY", error.variables.response.body.message) else null' })
    assert.equal(7, r.code, tostring(r.err))
    assert.matches("No such column 'Nme'", json.decode(r.out).errorMessage)
    r = cli_run.run(query, { "SELECT Id FROM Contact", "--max", "3", "--error-expression",
      "ignoreError({n: count(body.records), done: body.done, more: body.totalSize > 3})" })
    assert.equal(0, r.code, tostring(r.err))
    assert.equal('{"outcome":"completed","variables":{"n":3,"done":false,"more":true}}\n', r.out)
  end)
end)
