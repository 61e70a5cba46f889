-- luaforce.cli.repl_history: what never reaches the history file (the
-- secret filter), and the file itself: where it lives, created 0600 in 0700
-- directories, appended to, kept to its size, refused when others may
-- read it. The REPL writing it through a terminal is tests/e2e/repl_spec.lua's.
require "luaforce.core"
local history = require "luaforce.cli.repl_history"
local files = require "support.files"
local sys = require "luaforce.core.sys"

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
      { "PASSWD = io.read()", true },
      { "opts.credential = c", true },
      { "key = read('private_key.pem')", true },
      { "k = privatekey", true },
      { "h['Session-Id'] = s", true },
      { "x = ApiKey", true },
      { "headers.authorization = v", true },
      { "x = '00Dabc'", false },
      { "x = '00D!'", false },
      { "x = 'abc'", false, { "abc" } }, -- a known value under 4 characters matches too much
      { "x = 42", false, { 42 } },
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

    -- the probe's defect: the random part of the token in use, after its
    -- `!`, reached the history file
    it("drops a line holding 16 characters or more of a registered token", function()
      local tail = "Qk9vLm3Rt8Zw2Xy7Pa5Sd1Fg6Hj4Kl0Mn2Bv8Cx3Nz7Qw1Ee5Rr9Tt3Yy6Uu0Ii4Oo8Pp2Aa6Ss1Dd5Ff9Gg3Hh7Jj0Kk4Ll8Zz"
      require("luaforce.http").add_secret("00D5g000004Xyz1!" .. tail)
      assert.is_true(history.is_secret("x = '" .. tail .. "'"))
      assert.is_true(history.is_secret("print(#'" .. tail:sub(30, 45) .. "')")) -- 16 from the middle
      assert.is_true(history.is_secret(tail:sub(-16)))
      assert.is_false(history.is_secret("x = '" .. tail:sub(30, 44) .. "'")) -- 15 are not enough
    end)

    it("drops a line holding 16 characters or more of a known value", function()
      local secret = "cl1ent-s3cr3t-1234567890abcdef"
      assert.is_true(history.is_secret("s = '" .. secret:sub(5, 20) .. "'", { secret }))
      assert.is_true(history.is_secret(secret:sub(1, 16) .. " and more", { secret }))
      assert.is_false(history.is_secret("s = '" .. secret:sub(5, 19) .. "'", { secret }))
    end)
  end)

  it("finds its file through XDG_STATE_HOME, else HOME", function()
    local env = { XDG_STATE_HOME = "/s", HOME = "/h" }
    assert.equal("/s/luaforce/history", history.path(function(k) return env[k] end))
    env.XDG_STATE_HOME = "relative"
    assert.equal("/h/.local/state/luaforce/history", history.path(function(k) return env[k] end))
    env.HOME = ""
    assert.is_nil(history.path(function(k) return env[k] end))
  end)

  it("is off, saying why, with neither XDG_STATE_HOME nor HOME", function()
    local h = history.open { getenv = function() return nil end }
    assert.equal("neither XDG_STATE_HOME nor HOME is set", h.off)
    assert.is_nil(h.path)
    assert.is_false(h:add("print(1)"))
  end)

  describe("in a directory of its own", function()
    local dir
    before_each(function() dir = files.scratch() end)
    after_each(function() files.clear(dir) end)

    it("goes under XDG_STATE_HOME and is made at the first entry, not before", function()
      local h = history.open { getenv = function(k) return k == "XDG_STATE_HOME" and dir or nil end }
      assert.equal(dir .. "/luaforce/history", h.path)
      assert.same({}, files.names(dir))
      assert.is_false(h:add("token = 1"))
      assert.same({}, files.names(dir))
      assert.is_true(h:add("print(1)"))
      assert.equal("print(1)\n", files.read(h.path))
      assert.equal(448, sys.stat(dir .. "/luaforce").mode)
    end)

    it("appends to what is there, and two REPLs at once both keep theirs", function()
      local path = dir .. "/history"
      sys.write_new(path, "old\n\n", 384)
      local a, b = history.open { path = path }, history.open { path = path }
      assert.same({ "old" }, a.lines)
      assert.is_true(a:add("from a"))
      assert.is_true(b:add("from b"))
      assert.is_true(a:add("again a"))
      assert.equal("old\n\nfrom a\nfrom b\nagain a\n", files.read(path))
      assert.same({ "old", "from a", "from b", "again a" }, history.open({ path = path }).lines)
    end)

    it("keeps up to twice MAX entries as they are", function()
      local path = dir .. "/history"
      local lines = {}
      for i = 1, 2 * history.MAX do lines[i] = "line " .. i end
      local text = table.concat(lines, "\n") .. "\n"
      sys.write_new(path, text, 384)
      assert.equal(2 * history.MAX, #history.open({ path = path }).lines)
      assert.equal(text, files.read(path))
    end)

    it("compacts in place: the newest MAX, no temporary file left", function()
      local path = dir .. "/history"
      local lines = {}
      for i = 1, 2 * history.MAX + 1 do lines[i] = "line " .. i end
      sys.write_new(path, table.concat(lines, "\n") .. "\n", 384)
      local h = history.open { path = path }
      assert.equal("line " .. (history.MAX + 2), h.lines[1])
      assert.same({ "history" }, files.names(dir))
      assert.is_true(h:add("next"))
      local again = history.open({ path = path }).lines
      assert.equal(history.MAX + 1, #again)
      assert.equal("next", again[#again])
    end)

    it("stays owner-only under umask 000: created, compacted, made again when removed", function()
      local mask = sys.umask(0)
      finally(function() sys.umask(mask) end)
      local path = dir .. "/state/luaforce/history"
      local h = history.open { path = path }
      assert.is_true(h:add("print(1)"))
      assert.equal(384, sys.stat(path).mode)
      assert.equal(448, sys.stat(dir .. "/state").mode)
      assert.equal(448, sys.stat(dir .. "/state/luaforce").mode)
      os.remove(path) -- while the REPL runs
      assert.is_true(h:add("print(2)"))
      assert.equal(384, sys.stat(path).mode)
      assert.equal("print(2)\n", files.read(path))
      local lines = {}
      for i = 1, 2 * history.MAX + 1 do lines[i] = "line " .. i end
      files.write(path, table.concat(lines, "\n") .. "\n")
      os.execute("chmod 600 " .. path)
      assert.equal(history.MAX, #history.open({ path = path }).lines)
      assert.equal(384, sys.stat(path).mode)
      assert.same({ "history" }, files.names(dir .. "/state/luaforce"))
    end)

    it("is off when the path is a directory", function()
      local h = history.open { path = dir }
      assert.equal(("the history file %s is not a file"):format(dir), h.off)
      assert.is_false(h:add("print(1)"))
    end)

    it("is off, saying why, when a file stands where its directory should be", function()
      files.write(dir .. "/state", "")
      local h = history.open { path = dir .. "/state/luaforce/history" }
      assert.is_nil(h.off)
      assert.is_false(h:add("print(1)"))
      assert.equal(("cannot write the history file: %s/state: Not a directory"):format(dir), h.off)
      assert.is_false(h:add("print(2)"))
    end)

    it("is off for a file its group may read", function()
      local path = dir .. "/history"
      sys.write_new(path, "x\n", 416) -- 0640
      local h = history.open { path = path }
      assert.matches("may be read by others %(mode 640%)", h.off)
      assert.is_false(h:add("y"))
      assert.equal("x\n", files.read(path))
    end)
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
