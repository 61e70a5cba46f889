-- The REPL's pieces without a terminal: the secret filter and the history
-- file, value printing, completion (against a fake org), Lua line handling.
-- tests/e2e/repl_spec.lua drives the whole REPL through a pseudo-terminal.
local history = require "luaforce.cli.repl_history"
local show = require "luaforce.cli.repl_show"
local complete = require "luaforce.cli.repl_complete"
local repl = require "luaforce.cli.repl"
local json = require "luaforce.json"

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p " .. d))
  return d
end

describe("repl_history", function()
  describe("is_secret", function()
    local rows = {
      { "SELECT Id FROM Account", false },
      { "x = 1 + 1", false },
      { "org:get('Account', id)", false },
      { "tok = 'abc'", false },
      { ".connect --token 00Dabc!xyz", true },
      { "sf.connect { access_token = t }", true },
      { "local SECRET = 'x'", true },
      { "password = 'hunter2'", true },
      { "headers = { Authorization = 'Basic x' }", true },
      { "h = 'Bearer abc'", true },
      { "api_key = 1", true },
      { "x = '00D5g000004Xyz1!AQ4AQLongOpaqueText'", true },
      { "x = 'plain-but-known'", true, { "plain-but-known" } },
      { "x = 'other'", false, { "plain-but-known" } },
    }
    for _, r in ipairs(rows) do
      it(("%q -> %s"):format(r[1], tostring(r[2])), function()
        assert.equal(r[2], history.is_secret(r[1], r[3]))
      end)
    end

    it("knows the values luaforce.http masks", function()
      require("luaforce.http").add_secret("registered-secret-value")
      assert.is_true(history.is_secret("x = 'registered-secret-value'"))
    end)
  end)

  it("finds its file through XDG_STATE_HOME, else HOME", function()
    local env = { XDG_STATE_HOME = "/s", HOME = "/h" }
    assert.equal("/s/luaforce/history", history.path(function(k) return env[k] end))
    env.XDG_STATE_HOME = "relative"
    assert.equal("/h/.local/state/luaforce/history", history.path(function(k) return env[k] end))
  end)

  it("creates the file 0600 in 0700 directories and leaves secrets out", function()
    local dir = tmpdir()
    finally(function() os.execute("rm -rf " .. dir) end)
    local path = dir .. "/a/b/history"
    local h = history.open { path = path, known = { "k-n-o-w-n" } }
    assert.is_nil(h.off)
    assert.is_true(h:add("print(1)"))
    assert.is_false(h:add("token = 2"))
    assert.is_false(h:add("x = 'k-n-o-w-n'"))
    assert.is_false(h:add("   "))
    assert.is_true(h:add("print(2)"))
    local sys = require "luaforce.core.sys"
    assert.equal(384, sys.stat(path).mode)
    assert.equal(448, sys.stat(dir .. "/a").mode)
    local f = io.open(path)
    assert.equal("print(1)\nprint(2)\n", f:read("a"))
    f:close()
    assert.same({ "print(1)", "print(2)" }, history.open({ path = path }).lines)
  end)

  it("keeps the newest entries when the file grows past twice MAX", function()
    local dir = tmpdir()
    finally(function() os.execute("rm -rf " .. dir) end)
    local path = dir .. "/history"
    local lines = {}
    for i = 1, 2 * history.MAX + 5 do lines[i] = "line " .. i end
    require("luaforce.core.sys").write_new(path, table.concat(lines, "\n") .. "\n", 384)
    local h = history.open { path = path }
    assert.equal(history.MAX, #h.lines)
    assert.equal("line " .. (2 * history.MAX + 5), h.lines[#h.lines])
    assert.equal(384, require("luaforce.core.sys").stat(path).mode)
  end)

  it("is off for a file others may read", function()
    local dir = tmpdir()
    finally(function() os.execute("rm -rf " .. dir) end)
    local path = dir .. "/history"
    require("luaforce.core.sys").write_new(path, "x\n", 420) -- 0644
    local h = history.open { path = path }
    assert.matches("may be read by others %(mode 644%); run: chmod 600", h.off)
    assert.same({}, h.lines)
    assert.is_false(h:add("y"))
  end)
end)

describe("repl_show", function()
  local rows = {
    { "a number", 42, "42\n" },
    { "a float", 2.0, "2.0\n" },
    { "a string at the top", "abc", "abc\n" },
    { "null", json.null, "null\n" },
    { "a table", { 1, 2, name = "x" }, '{ 1, 2, name = "x" }\n' },
    { "odd keys", { ["a b"] = true, ["end"] = 1 }, '{ ["a b"] = true, ["end"] = 1 }\n' },
    { "nested", { a = { b = { c = { d = { e = 1 } } } } }, "{ a = { b = { c = { d = {...} } } } }\n" },
  }
  for _, r in ipairs(rows) do
    it(r[1], function() assert.equal(r[3], show.text(r[2])) end)
  end

  it("abbreviates long lists with their count", function()
    local t = {}
    for i = 1, 30 do t[i] = i end
    assert.matches("18, 19, 20, %.%.%. 10 more %(30 items%) }\n$", show.text(t))
  end)

  it("breaks what does not fit the width over lines", function()
    local text = show.text({ alpha = ("x"):rep(30), beta = ("y"):rep(30) }, { width = 40 })
    assert.equal('{\n  alpha = "' .. ("x"):rep(30) .. '",\n  beta = "' .. ("y"):rep(30) .. '"\n}\n', text)
  end)

  it("prints a cycle without looping", function()
    local t = { name = "t" }
    t.self = t
    assert.equal('{ name = "t", self = <cycle> }\n', show.text(t))
  end)

  it("prints records as a table with a count, and cuts long ones", function()
    local recs = json.decode('[{"attributes":{"type":"Account"},"Id":"001A","Name":"Acme","Owner":{"Name":"Yuki"}},'
      .. '{"attributes":{"type":"Account"},"Id":"001B","Name":"Bolt","Owner":null}]')
    local text = show.text(recs)
    assert.matches("^Id%s+Name%s+Owner%.Name\n", text)
    assert.matches("\n001A%s+Acme%s+Yuki\n", text)
    assert.matches("\n%(2 records%)\n$", text)
    text = show.text(recs, { max_rows = 1 })
    assert.not_matches("Bolt", text)
    assert.matches("%(1 of 2 records shown; all are in _%)", text)
  end)

  it("prints one record as Field/Value and a response as its body", function()
    local rec = json.decode('{"attributes":{"type":"Account"},"Id":"001A","Name":"Acme"}')
    local text = show.text(rec)
    assert.matches("^Field%s+Value\n", text)
    assert.matches("\nName%s+Acme\n", text)
    local res = { status = 200, headers = {}, body = json.decode('{"totalSize":5,"done":true,"records":[{"Id":"1"}]}') }
    assert.matches("%(1 record; the query has 5", show.text(res))
  end)

  it("prints JSON in json format", function()
    assert.equal('{\n  "a": 1\n}\n', show.text(json.object { a = 1 }, { format = "json" }))
    assert.equal('"s"\n', show.text("s", { format = "json" }))
  end)
end)

describe("repl_complete", function()
  -- a fake org: describe_global and describe, counted
  local calls = 0
  local DESCRIBES = {
    account = { fields = {
      { name = "Id" }, { name = "Name" }, { name = "Industry" },
      { name = "OwnerId", relationshipName = "Owner", referenceTo = { "User" } },
    }, childRelationships = { { relationshipName = "Contacts", childSObject = "Contact" } } },
    user = { fields = { { name = "Id" }, { name = "Username" } } },
    contact = { fields = { { name = "Id" }, { name = "LastName" }, { name = "Email" } } },
  }
  local org = {
    describe_global = function()
      calls = calls + 1
      return { sobjects = { { name = "Account" }, { name = "AccountHistory" }, { name = "Contact" }, { name = "User" } } }
    end,
    describe = function(_, object)
      calls = calls + 1
      return DESCRIBES[object:lower()]
    end,
    query = function() end,
  }
  local env = setmetatable({ org = org, answer = 42 }, { __index = _G })
  local c = complete.new {
    org = function() return org end, env = env, last = function() return { Name = "x", Amount = 1 } end,
    commands = { ".help", ".describe", ".format" }, formats = { "table", "json" },
  }

  local rows = {
    -- line before the cursor, whole line, candidates, word
    { "SELECT Id FROM Acc", nil, { "Account", "AccountHistory" }, "Acc" },
    { "select id from acc", nil, { "Account", "AccountHistory" }, "acc" },
    { "SELECT Id, Ind", "SELECT Id, Ind FROM Account", { "Industry" }, "Ind" },
    { "SELECT Id FROM Account WHERE Own", nil, { "Owner.", "OwnerId" }, "Own" },
    { "SELECT Owner.User", "SELECT Owner.User FROM Account", { "Owner.Username" }, "Owner.User" },
    { "SELECT Id, (SELECT Id FROM Con", "SELECT Id, (SELECT Id FROM Con) FROM Account", { "Contacts" }, "Con" },
    { "SELECT Id, (SELECT La", "SELECT Id, (SELECT La FROM Contacts) FROM Account", { "LastName" }, "La" },
    { "SELECT COUNT(Na", "SELECT COUNT(Na) FROM Account", { "Name" }, "Na" },
    { "SELECT Id FROM Account ORD", nil, { "ORDER BY" }, "ORD" },
    { "= coun", nil, { "count" }, "coun" },
    { "= string le", nil, { "string length" }, "string le" },
    { "= Am", nil, { "Amount" }, "Am" },
    { "ans", nil, { "answer" }, "ans" },
    { "org:desc", nil, { "org:describe", "org:describe_global" }, "org:desc" },
    { "string.up", nil, { "string.upper" }, "string.up" },
    { "whi", nil, { "while" }, "whi" },
    { ".he", nil, { ".help" }, ".he" },
    { ".describe Us", nil, { "User" }, "Us" },
    { ".format j", nil, { "json" }, "j" },
    { "nothing_like_this", nil, {}, "nothing_like_this" },
  }
  for _, r in ipairs(rows) do
    it(("%q"):format(r[1]), function()
      local cands, word = c(r[1], r[2] or r[1])
      assert.same(r[3], cands)
      assert.equal(r[4], word)
    end)
  end

  it("hides what was typed before a dot in listings", function()
    local _, _, hide = c("org:desc", "org:desc")
    assert.equal(4, hide)
  end)

  it("asks the org once per object", function()
    local before = calls
    c("SELECT Id FROM Acc", "SELECT Id FROM Acc")
    c("SELECT I", "SELECT I FROM Account")
    c("SELECT N", "SELECT N FROM Account")
    assert.equal(before, calls)
  end)

  it("offers nothing when the org fails, and never raises", function()
    local bad = { describe_global = function() error("network down") end,
      describe = function() return nil, "err" end }
    local c2 = complete.new { org = function() return bad end, env = {} }
    assert.same({}, (c2("SELECT Id FROM A", "SELECT Id FROM A")))
    assert.same({}, (c2("SELECT Nam", "SELECT Nam FROM Account")))
  end)
end)

describe("repl Lua lines", function()
  it("compiles as lua does: an expression, a statement, an unfinished chunk, an error", function()
    assert.is_function(repl.compile("1 + 1", {}, true))
    assert.is_function(repl.compile("x = 1", {}, true))
    local _, why = repl.compile("for i = 1, 2 do", {}, true)
    assert.equal("incomplete", why)
    _, why = repl.compile("x = = 1", {}, true)
    assert.matches("unexpected symbol", why)
  end)

  it("splits a dot command's words, quotes grouping", function()
    assert.same({ ".save", "my file.json" }, repl.words(".save 'my file.json'"))
    assert.same({ ".connect", "--instance", "local" }, repl.words("  .connect  --instance local "))
  end)
end)
