-- luaforce.core.sys's file functions (src/sys_file.c): the files that hold
-- secrets are owner-only from their first moment whatever the umask, a
-- replaced file is the old one or the whole new one, and a write that fails
-- (a directory that refuses it, a full disk) leaves nothing behind and
-- names the file asked for.
require "luaforce.core"
local sys = require "luaforce.core.sys"
local files = require "support.files"
local proc = require "support.proc"

local function mode(path)
  return ("%03o"):format(assert(sys.stat(path)).mode)
end

local ROOT = os.execute("test \"$(id -u)\" = 0") == true

describe("sys files", function()
  local dir, old_mask
  before_each(function()
    dir = files.scratch()
    old_mask = sys.umask(0) -- the worst case: nothing narrows a mode
  end)
  after_each(function()
    sys.umask(old_mask)
    files.clear(dir)
  end)

  describe("write_file", function()
    it("creates the file owner-only under umask 000, with nothing else left", function()
      assert.is_true(sys.write_file(dir .. "/tokens", "secret\n", 384))
      assert.equal("600", mode(dir .. "/tokens"))
      assert.equal("secret\n", files.read(dir .. "/tokens"))
      assert.same({ "tokens" }, files.names(dir))
    end)

    it("replaces a file whole, with the mode asked for, not the old one's", function()
      files.write(dir .. "/f", "old")
      os.execute("chmod 666 " .. proc.quote(dir .. "/f"))
      assert.is_true(sys.write_file(dir .. "/f", "new", 384))
      assert.equal("new", files.read(dir .. "/f"))
      assert.equal("600", mode(dir .. "/f"))
      assert.same({ "f" }, files.names(dir))
    end)

    it("lets the umask narrow a mode, never widen it", function()
      sys.umask(63) -- 077
      assert.is_true(sys.write_file(dir .. "/cert.pem", "x", 420)) -- 0644
      assert.equal("600", mode(dir .. "/cert.pem"))
      sys.umask(18) -- 022
      assert.is_true(sys.write_file(dir .. "/cert.pem", "x", 420))
      assert.equal("644", mode(dir .. "/cert.pem"))
    end)

    it("writes an empty text, and a large one", function()
      assert.is_true(sys.write_file(dir .. "/empty", "", 384))
      assert.equal("", files.read(dir .. "/empty"))
      local big = ("0123456789abcdef"):rep(64 * 1024)
      assert.is_true(sys.write_file(dir .. "/big", big, 384))
      assert.equal(big, files.read(dir .. "/big"))
    end)

    it("fails in a missing directory naming the file, leaving nothing", function()
      local ok, err, code = sys.write_file(dir .. "/no/f", "x", 384)
      assert.is_nil(ok)
      assert.equal(dir .. "/no/f: No such file or directory", err)
      assert.equal("ENOENT", code)
      assert.same({}, files.names(dir))
    end)

    it("fails where a directory stands, leaving the directory and no temporary file", function()
      assert(sys.mkdir(dir .. "/d", 448))
      local ok, err = sys.write_file(dir .. "/d", "x", 384)
      assert.is_nil(ok)
      assert.matches("^" .. dir:gsub("%p", "%%%0") .. "/d: ", err)
      assert.same({ "d" }, files.names(dir))
      assert.equal("dir", sys.stat(dir .. "/d").type)
    end)

    it("fails in a directory that takes no files (as root too), naming the file", function()
      -- /proc takes no new files, not even from root (the specs may run as root)
      local ok, err = sys.write_file("/proc/self/luaforce-sys-spec", "x", 384)
      assert.is_nil(ok)
      assert.matches("^/proc/self/luaforce%-sys%-spec: ", err)
      assert.is_nil(sys.stat("/proc/self/luaforce-sys-spec"))
      if not ROOT then
        assert(sys.mkdir(dir .. "/ro", 320)) -- 0500
        ok, err = sys.write_file(dir .. "/ro/f", "x", 384)
        assert.is_nil(ok)
        assert.matches("Permission denied", err, 1, true)
        os.execute("chmod 700 " .. proc.quote(dir .. "/ro"))
        assert.same({}, files.names(dir .. "/ro"))
      end
    end)

    -- A full disk: with the file size limit at 1 KiB (SIGXFSZ ignored), the
    -- temporary file takes 1 KiB, then write(2) fails with EFBIG (what it
    -- said fits in its 1 KiB of standard error).
    it("on a full disk keeps the old file whole and removes its temporary file", function()
      files.write(dir .. "/tokens", "old tokens\n")
      local code = ([[
        local sys = require "luaforce.core.sys"
        local ok, err, code = sys.write_file(%q, ("new"):rep(2000), 384)
        io.stderr:write(tostring(ok), "|", tostring(err), "|", tostring(code), "\n")]]):format(dir .. "/tokens")
      local r = proc.sh(("trap '' XFSZ; ulimit -f 1; exec %s -e %s"):format(proc.quote(proc.bin), proc.quote(code)))
      assert.equal(0, r.code, r.stderr)
      assert.equal(("nil|%s/tokens: File too large|EFBIG\n"):format(dir), r.stderr)
      assert.equal("old tokens\n", files.read(dir .. "/tokens"))
      assert.same({ "tokens" }, files.names(dir))
    end)
  end)

  describe("mkdirs", function()
    it("makes each missing directory with the mode asked for under umask 000", function()
      assert.is_true(sys.mkdirs(dir .. "/a/b/c", 448))
      for _, d in ipairs { "/a", "/a/b", "/a/b/c" } do assert.equal("700", mode(dir .. d)) end
    end)

    it("leaves the directories already there as they are", function()
      assert(sys.mkdir(dir .. "/a", 493)) -- 0755
      assert.is_true(sys.mkdirs(dir .. "/a/b/", 448))
      assert.equal("755", mode(dir .. "/a"))
      assert.equal("700", mode(dir .. "/a/b"))
      assert.is_true(sys.mkdirs(dir .. "//a//b", 448))
    end)

    it("names a file standing where a directory belongs", function()
      files.write(dir .. "/a", "a file")
      local ok, err, code = sys.mkdirs(dir .. "/a/b", 448)
      assert.is_nil(ok)
      assert.equal(dir .. "/a: Not a directory", err)
      assert.equal("ENOTDIR", code)
    end)
  end)

  describe("append", function()
    it("creates a missing file owner-only under umask 000 and adds at its end", function()
      assert.is_true(sys.append(dir .. "/history", "one\n", 384))
      assert.is_true(sys.append(dir .. "/history", "two\n", 384))
      assert.equal("600", mode(dir .. "/history"))
      assert.equal("one\ntwo\n", files.read(dir .. "/history"))
      os.remove(dir .. "/history")
      assert.is_true(sys.append(dir .. "/history", "three\n", 384))
      assert.equal("600", mode(dir .. "/history"))
      assert.equal("three\n", files.read(dir .. "/history"))
    end)

    it("fails naming the file", function()
      local ok, err, code = sys.append(dir .. "/no/history", "x\n", 384)
      assert.is_nil(ok)
      assert.equal(dir .. "/no/history: No such file or directory", err)
      assert.equal("ENOENT", code)
    end)
  end)

  describe("lock", function()
    it("is exclusive: a second taker is told the file is held, until it is released", function()
      local first = assert(sys.lock(dir .. "/lock"))
      assert.is_true(first:held())
      assert.equal("600", mode(dir .. "/lock"))
      local none, err, code = sys.lock(dir .. "/lock", 30) -- waits 30 ms, in vain
      assert.is_nil(none)
      assert.equal(dir .. "/lock: held by another process", err)
      assert.equal("EBUSY", code)
      first:release()
      assert.is_false(first:held())
      first:release() -- again: nothing happens
      local second = assert(sys.lock(dir .. "/lock"))
      assert.equal("lock (held)", tostring(second))
      second:release()
      assert.equal("lock (released)", tostring(second))
    end)

    it("notes its holder's pid and words in the lock file, for a waiter to read", function()
      local held = assert(sys.lock(dir .. "/lock"))
      assert.is_true(held:note("luaforce repl --instance local:demo with a long line"))
      assert.is_true(held:note("luaforce repl")) -- replaced, not appended
      local pid = assert(io.open("/proc/self/stat")):read("n")
      assert.equal(pid .. " luaforce repl\n", assert(io.open(dir .. "/lock")):read("a"))
      held:release()
      assert.has_error(function() held:note("x") end)
    end)

    it("holds against another process and goes with its handle's scope", function()
      do
        local held <close> = assert(sys.lock(dir .. "/lock"))
        local busy = proc.sh("flock -n " .. proc.quote(dir .. "/lock") .. " true")
        assert.equal(1, busy.code)
      end
      assert.equal(0, proc.sh("flock -n " .. proc.quote(dir .. "/lock") .. " true").code)
    end)

    it("fails naming the file", function()
      local ok, err, code = sys.lock(dir .. "/no/lock")
      assert.is_nil(ok)
      assert.equal(dir .. "/no/lock: No such file or directory", err)
      assert.equal("ENOENT", code)
    end)
  end)

  it("umask reads without changing, and sets", function()
    assert.equal(0, sys.umask())
    assert.equal(0, sys.umask(18))
    assert.equal(18, sys.umask())
  end)
end)
