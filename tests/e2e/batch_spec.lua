-- End-to-end: the batch endpoints (sObject Collections, composite) of
-- `luaforce emulator --port 0`, driven with curl as a client would.
local proc = require "support.proc"
local json = require "luaforce.json"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"

describe("luaforce emulator batch endpoints", function()
  local emu, base

  local function api(path, method, body)
    local headers = { "Authorization: Bearer " .. TOKEN }
    if body then headers[#headers + 1] = "Content-Type: application/json" end
    local r = proc.curl(base .. path, { method = method, headers = headers, data = body and json.encode(body) })
    if r.body ~= "" then r.json = json.decode(r.body) end
    return r
  end

  local function names(object, field)
    local q = ("SELECT %s FROM %s ORDER BY %s"):format(field, object, field):gsub(" ", "+")
    local r = api("/query?q=" .. q)
    assert.equal(200, r.status)
    local out = {}
    for i, rec in ipairs(r.json.records) do out[i] = rec[field] end
    return out
  end

  local function usage(r)
    return tonumber(r.headers["sforce-limit-info"]:match("api%-usage=(%d+)/"))
  end

  setup(function()
    emu = proc.spawn { "emulator", "--port", "0", "--empty", "--now", "2024-06-01T12:00:00Z" }
    local url = emu.wait_for("luaforce emulator listening on (http://127%.0%.0%.1:%d+)\n", 20)
    assert(url, "the emulator did not start: " .. emu.read_stderr())
    base = url .. "/services/data/v62.0"
  end)

  teardown(function()
    if emu then emu.signal("TERM"); emu.wait(10); emu.cleanup() end
  end)

  it("creates a collection all or nothing", function()
    local records = {
      { attributes = { type = "Account" }, Name = "Initech" },
      { attributes = { type = "Contact" }, FirstName = "No last name" },
      { attributes = { type = "Account" }, Name = "Hooli" },
    }
    local r = api("/composite/sobjects", "POST", { allOrNone = true, records = records })
    assert.equal(200, r.status)
    assert.matches("^application/json", r.headers["content-type"])
    local codes = {}
    for i, res in ipairs(r.json) do
      assert.is_false(res.success)
      codes[i] = res.errors[1].statusCode
    end
    assert.same({ "ALL_OR_NONE_OPERATION_ROLLED_BACK", "REQUIRED_FIELD_MISSING", "ALL_OR_NONE_OPERATION_ROLLED_BACK" },
      codes)
    assert.same({}, names("Account", "Name"))

    r = api("/composite/sobjects", "POST", { allOrNone = false, records = records })
    assert.equal(200, r.status)
    assert.is_true(r.json[1].success)
    assert.is_false(r.json[2].success)
    assert.is_true(r.json[3].success)
    assert.same({ "Hooli", "Initech" }, names("Account", "Name"))
    assert.same({}, names("Contact", "LastName"))
  end)

  it("runs a composite request with references as one API request", function()
    local before = usage(api("/limits"))
    local r = api("/composite", "POST", { allOrNone = true, compositeRequest = {
      { method = "POST", url = "/services/data/v62.0/sobjects/Account", referenceId = "acc",
        body = { Name = "Umbrella" } },
      { method = "POST", url = "/services/data/v62.0/sobjects/Contact", referenceId = "con",
        body = { LastName = "Wesker", AccountId = "@{acc.id}" } },
      { method = "GET", referenceId = "q",
        url = "/services/data/v62.0/query?q=SELECT+Id,Account.Name+FROM+Contact+WHERE+AccountId='@{acc.id}'" },
      { method = "PATCH", url = "/services/data/v62.0/sobjects/Contact/@{q.records[0].Id}", referenceId = "upd",
        body = { Title = "Chief of @{q.records[0].Account.Name}" } },
    } })
    assert.equal(200, r.status)
    assert.equal(before + 1, usage(r)) -- four subrequests, one API request
    local res = r.json.compositeResponse
    local got = {}
    for i, s in ipairs(res) do got[i] = s.referenceId .. " " .. s.httpStatusCode end
    assert.same({ "acc 201", "con 201", "q 200", "upd 204" }, got)
    assert.equal("/services/data/v62.0/sobjects/Contact/" .. res[2].body.id, res[2].httpHeaders.Location)
    local c = api("/sobjects/Contact/" .. res[2].body.id)
    assert.equal(200, c.status)
    assert.equal(res[1].body.id, c.json.AccountId)
    assert.equal("Chief of Umbrella", c.json.Title)

    -- and a failing one keeps nothing
    r = api("/composite", "POST", { allOrNone = true, compositeRequest = {
      { method = "POST", url = "/services/data/v62.0/sobjects/Account", referenceId = "acc", body = { Name = "Cyberdyne" } },
      { method = "DELETE", url = "/services/data/v62.0/sobjects/Account/@{acc.id}/@{acc.nope}", referenceId = "bad" },
    } })
    assert.equal(200, r.status)
    assert.equal("PROCESSING_HALTED", r.json.compositeResponse[1].body[1].errorCode)
    assert.equal(400, r.json.compositeResponse[2].httpStatusCode)
    assert.same({ "Hooli", "Initech", "Umbrella" }, names("Account", "Name"))
  end)
end)
