-- luaforce.emulator.named and emulator.open: a named local org keeps its
-- records in a private folder between processes, one process at a time; a
-- state file that cannot be used is refused with the way out, never
-- replaced by a fresh org.
require "luaforce.core"
local sys = require "luaforce.core.sys"
local json = require "luaforce.json"
local emulator = require "luaforce.emulator"
local named = require "luaforce.emulator.named"
local files = require "support.files"
local proc = require "support.proc"

local function mode(path)
  return ("%03o"):format(assert(sys.stat(path)).mode)
end

local function request(emu, method, path, body)
  local r = proc.curl(emu.url .. "/services/data/v62.0" .. path, { method = method, data = body,
    headers = { "Authorization: Bearer " .. emu.token, "Content-Type: application/json" } })
  r.json = r.body ~= "" and json.decode(r.body) or nil
  return r
end

local function count(emu, object)
  return request(emu, "GET", "/query?q=SELECT+COUNT()+FROM+" .. object).json.totalSize
end

describe("emulator.named", function()
  local root
  before_each(function() root = files.scratch() .. "/local" end)
  after_each(function() files.clear(root:match("^(.*)/local$")) end)

  local names = {
    { "demo", true }, { "a.b-c_9", true }, { "_x", true }, { "-x", false },
    { "", false }, { ".hidden", false }, { "..", false }, { "a/b", false }, { "a b", false },
    { ("x"):rep(64), true }, { ("x"):rep(65), false }, { "é", false },
  }
  for _, r in ipairs(names) do
    it(("%s the name '%s'"):format(r[2] and "takes" or "refuses", r[1]), function()
      local ok, err = named.check_name(r[1])
      if r[2] then
        assert.equal(r[1], ok)
      else
        assert.is_nil(ok)
        assert.equal(2, err.exit)
      end
    end)
  end

  it("keeps records between opens: created, changed and deleted ones, with ids that never repeat", function()
    local emu = assert(emulator.open(root, "demo"))
    local accounts = count(emu, "Account")
    local a = request(emu, "POST", "/sobjects/Account", '{"Name":"Kept"}').json.id
    local b = request(emu, "POST", "/sobjects/Account", '{"Name":"Dropped"}').json.id
    assert.equal(204, request(emu, "PATCH", "/sobjects/Account/" .. a, '{"Description":"changed"}').status)
    assert.equal(204, request(emu, "DELETE", "/sobjects/Account/" .. b).status)
    assert.is_true(emu:stop())

    assert.equal("700", mode(root .. "/demo"))
    assert.equal("600", mode(root .. "/demo/state.json"))
    emu = assert(emulator.open(root, "demo"))
    assert.equal(accounts + 1, count(emu, "Account"))
    assert.equal("changed", request(emu, "GET", "/sobjects/Account/" .. a).json.Description)
    assert.equal(404, request(emu, "GET", "/sobjects/Account/" .. b).status)
    local all = request(emu, "GET", "/queryAll?q=SELECT+Id,IsDeleted+FROM+Account+WHERE+Id='" .. b .. "'").json
    assert.equal(1, all.totalSize)
    assert.is_true(all.records[1].IsDeleted)
    local c = request(emu, "POST", "/sobjects/Account", '{"Name":"Later"}').json.id
    assert.is_true(c > b) -- minted after both, not a repeat of either
    assert.is_true(emu:stop())
  end)

  it("saves only when something changed, and not after stop", function()
    local emu = assert(emulator.open(root, "quiet"))
    assert.is_true(emu:save()) -- first use: the demo org is written
    assert.is_false(emu:save())
    request(emu, "POST", "/sobjects/Account", '{"Name":"One"}')
    assert.is_true(emu:save())
    assert.is_false(emu:save())
    assert.is_true(emu:stop())
    assert.is_false(emu:save())
    assert.is_true(emu:stop()) -- again: nothing happens
  end)

  it("a save that fails is exit 1 and says the writes were not kept", function()
    local emu = assert(emulator.open(root, "full"))
    assert.is_true(emu:save())
    request(emu, "POST", "/sobjects/Account", '{"Name":"Lost"}')
    assert(os.remove(root .. "/full/state.json"))
    assert(sys.mkdirs(root .. "/full/state.json", 448)) -- the rename over it fails
    local ok, err = emu:save()
    assert.is_nil(ok)
    assert.equal(1, err.exit)
    assert.matches("cannot save the local org 'full'", err.message, 1, true)
    assert.matches("were NOT kept", err.message, 1, true)
    assert.is_nil(emu:stop())
  end)

  it("lets one holder in at a time; the next waits, saying so, and can be interrupted", function()
    local first = assert(emulator.open(root, "busy", { argv = { [0] = "/usr/bin/luaforce", "repl", "--instance",
      "local:busy", "--token", "00Dsecret!token", "-e", "print('a b')" } }))
    local pid = assert(io.open("/proc/self/stat")):read("n")
    local said, asked = {}, 0
    local second, err = emulator.open(root, "busy", {
      on_wait = function(msg) said[#said + 1] = msg end,
      interrupted = function() asked = asked + 1; return asked > 2 end,
    })
    assert.is_nil(second)
    assert.equal(require("luaforce.errors").interrupted, err)
    assert.same({ ("waiting for the local org 'busy', held by pid %d (luaforce repl --instance local:busy --token "
      .. "*** -e 'print('\\''a b'\\'')')"):format(pid) }, said)
    first:stop()
    second = assert(emulator.open(root, "busy", { on_wait = function(msg) said[#said + 1] = msg end }))
    assert.equal(1, #said) -- free now: no wait
    second:stop()
  end)

  it("refuses a state file that is not one, naming it and the way out, and leaves it alone", function()
    assert(sys.mkdirs(root .. "/broken", 448))
    files.write(root .. "/broken/state.json", '{"format": "luaforce local org", "version": 1, "objects": {}, "rec')
    local emu, err = emulator.open(root, "broken")
    assert.is_nil(emu)
    assert.equal("LOCAL_ORG_STATE", err.code)
    assert.equal(2, err.exit)
    assert.matches(root .. "/broken/state.json cannot be read: not JSON", err.message, 1, true)
    assert.equal("'luaforce emulator --reset broken' starts it again from the demo org (its records are lost)",
      err.hint)
    assert.matches('"rec$', files.read(root .. "/broken/state.json"))
    -- the lock went with the failure: the reset can take it
    assert.is_true(emulator.reset_named(root, "broken"))
    assert.is_nil(sys.stat(root .. "/broken/state.json"))
    emu = assert(emulator.open(root, "broken"))
    assert.is_true(count(emu, "Account") > 0) -- the demo org again
    emu:stop()
  end)

  local WIDGETS = '{"objects": [{"name": "Widget__c", "keyPrefix": "a07", "fields": [{"name": "Name", "type": "string"}]}]}'

  it("keeps the schema it was made with: later opens need no schema, another one is refused", function()
    local dir = files.scratch()
    files.write(dir .. "/widgets.json", WIDGETS)
    files.write(dir .. "/other.json", (WIDGETS:gsub("a07", "a08")))
    local emu = assert(emulator.open(root, "sch", { schema = dir .. "/widgets.json" }))
    local w = request(emu, "POST", "/sobjects/Widget__c", '{"Name":"Sprocket"}').json.id
    assert.is_true(emu:stop())
    assert.equal(WIDGETS, files.read(root .. "/sch/schema.json"))
    assert.equal("600", mode(root .. "/sch/schema.json"))

    emu = assert(emulator.open(root, "sch")) -- no schema given: the org's own
    assert.equal("Sprocket", request(emu, "GET", "/sobjects/Widget__c/" .. w).json.Name)
    assert.is_true(emu:stop())
    emu = assert(emulator.open(root, "sch", { schema = dir .. "/widgets.json" })) -- the same one: fine
    assert.is_true(emu:stop())

    local none, err = emulator.open(root, "sch", { schema = dir .. "/other.json" })
    assert.is_nil(none)
    assert.equal(2, err.exit)
    assert.equal("the local org 'sch' keeps the schema it was made with (" .. root .. "/sch/schema.json), and --schema "
      .. dir .. "/other.json differs from it", err.message)
    assert.matches("leave out --schema to use the org's own", err.hint, 1, true)
    emu = assert(emulator.open(root, "sch")) -- the refusal let go of the lock, the records are there
    assert.equal(200, request(emu, "GET", "/sobjects/Widget__c/" .. w).status)
    assert.is_true(emu:stop())

    assert.is_true(emulator.reset_named(root, "sch")) -- a reset forgets the schema too
    assert.is_nil(sys.stat(root .. "/sch/schema.json"))
    files.clear(dir)
  end)

  it("says a state file kept with another schema still holds its records, and how to keep them", function()
    local dir = files.scratch()
    files.write(dir .. "/widgets.json", WIDGETS)
    local emu = assert(emulator.open(root, "lost", { schema = dir .. "/widgets.json" }))
    request(emu, "POST", "/sobjects/Widget__c", '{"Name":"Sprocket"}')
    assert.is_true(emu:stop())
    assert(os.remove(root .. "/lost/schema.json")) -- as an org kept before schemas were
    local none, err = emulator.open(root, "lost")
    assert.is_nil(none)
    assert.matches("Widget__c, which the schema does not have", err.message, 1, true)
    assert.matches("^its records are intact .* %(luaforce emulator %-%-name lost %-%-schema FILE%)", err.hint)
    assert.matches("as a last resort 'luaforce emulator --reset lost'", err.hint, 1, true)
    emu = assert(emulator.open(root, "lost", { schema = dir .. "/widgets.json" })) -- the way back, kept since
    assert.equal(1, count(emu, "Widget__c"))
    assert.is_true(emu:stop())
    assert.equal(WIDGETS, files.read(root .. "/lost/schema.json"))
    files.clear(dir)
  end)

  it("refuses a state file it cannot read", function()
    assert(sys.mkdirs(root .. "/odd/state.json", 448)) -- a folder where the file belongs
    local emu, err = emulator.open(root, "odd")
    assert.is_nil(emu)
    assert.matches("the state file " .. root .. "/odd/state.json cannot be read", err.message, 1, true)
  end)

  it("resets: says whether there was anything, refuses a bad name", function()
    assert.is_false(emulator.reset_named(root, "never"))
    local emu = assert(emulator.open(root, "once"))
    emu:stop()
    assert.is_true(emulator.reset_named(root, "once"))
    assert.is_false(emulator.reset_named(root, "once"))
    local ok, err = emulator.reset_named(root, "../etc")
    assert.is_nil(ok)
    assert.equal(2, err.exit)
  end)

  it("needs a folder to keep named orgs in", function()
    local emu, err = emulator.open(nil, "demo")
    assert.is_nil(emu)
    assert.matches("neither XDG_STATE_HOME nor HOME is set", err.message, 1, true)
  end)
end)
