-- luaforce.auth.store: the token caches, in process. Memory: shared by key,
-- an entry another secret obtained does not count, `lifetime` drops old
-- entries, drop forgets only the token named. Disk: where the file lives
-- (XDG_CACHE_HOME, else HOME), mode 0600 in a 0700 directory, replaced
-- atomically, the secret and other fields never written, a file others may
-- read refused with one warning, a damaged file ignored and replaced.
--
-- The module reads HOME and XDG_CACHE_HOME through os.getenv and warns on
-- io.stderr; the specs stand in for both and put the cache in a scratch
-- directory.
require "luaforce.core"
local sys = require "luaforce.core.sys"
local json = require "luaforce.json"
local store = require "luaforce.auth.store"
local files = require "support.files"

local URL = "https://acme.my.salesforce.com/services/oauth2/token"
local KEY = store.key(URL, "app")
local HOUR_MS = 3600 * 1000

local function entry(token, extra)
  local e = { token_url = URL, client_id = "app", access_token = token, instance_url = "https://acme.example.com",
    id = "https://login.example.com/id/00D/005", issued_at = "1700000000000", obtained_at = sys.now_ms() }
  for k, v in pairs(extra or {}) do e[k] = v end
  return e
end

local function mode(path)
  return ("%o"):format(assert(sys.stat(path)).mode)
end

describe("luaforce.auth.store", function()
  local real_getenv, real_stderr = os.getenv, io.stderr
  local env, warnings, dir

  before_each(function()
    store.clear()
    dir = files.scratch()
    env = { XDG_CACHE_HOME = dir .. "/cache", HOME = dir .. "/home" }
    os.getenv = function(name)
      if name == "HOME" or name == "XDG_CACHE_HOME" then return env[name] end
      return real_getenv(name)
    end
    warnings = {}
    io.stderr = { write = function(_, ...) warnings[#warnings + 1] = table.concat { ... } end }
  end)

  after_each(function()
    os.getenv, io.stderr = real_getenv, real_stderr
    store.clear()
    files.clear(dir)
  end)

  it("keys a client by token URL and client id", function()
    assert.equal(URL .. " app", store.key(URL, "app"))
    assert.not_equal(store.key(URL, "app"), store.key(URL .. "?", "app"))
    assert.not_equal(store.key(URL, "app"), store.key(URL, "App"))
  end)

  describe("path", function()
    -- { XDG_CACHE_HOME, HOME, the file (nil: none) }
    local rows = {
      { "/x/cache", "/home/u", "/x/cache/luaforce/tokens" },
      { nil, "/home/u", "/home/u/.cache/luaforce/tokens" },
      { "relative/cache", "/home/u", "/home/u/.cache/luaforce/tokens" },
      { "", "/home/u", "/home/u/.cache/luaforce/tokens" },
      { "/x/cache", nil, "/x/cache/luaforce/tokens" },
      { nil, nil, nil },
      { nil, "", nil },
      { "relative", nil, nil },
    }
    for _, row in ipairs(rows) do
      it(("XDG_CACHE_HOME=%s HOME=%s -> %s"):format(tostring(row[1]), tostring(row[2]), tostring(row[3])), function()
        env = { XDG_CACHE_HOME = row[1], HOME = row[2] }
        assert.equal(row[3], store.path())
      end)
    end
  end)

  describe("in memory", function()
    it("gives every caller of a key the one entry", function()
      local e = entry("tok-1")
      store.put(KEY, e, {})
      assert.equal(e, store.get(KEY, {}))
      assert.is_nil(store.get(store.key(URL, "other"), {}))
      store.clear()
      assert.is_nil(store.get(KEY, {}))
    end)

    it("does not lend an entry to a caller holding another secret", function()
      store.put(KEY, entry("tok-1", { secret = "right" }), {})
      assert.is_nil(store.get(KEY, { secret = "wrong" }))
      assert.equal("tok-1", store.get(KEY, { secret = "right" }).access_token)
      assert.equal("tok-1", store.get(KEY, {}).access_token)
    end)

    -- { what, obtained how long ago (ms; nil: unknown), lifetime (s), kept? }
    local rows = {
      { "a fresh entry", 0, 3600, true },
      { "an entry older than its lifetime", 2 * HOUR_MS, 3600, false },
      { "an old entry without a lifetime", 2 * HOUR_MS, nil, true },
      { "an entry of unknown age with a lifetime", nil, 3600, false },
    }
    for _, row in ipairs(rows) do
      it((row[4] and "keeps " or "drops ") .. row[1], function()
        local e = entry("tok-1")
        e.obtained_at = row[2] and sys.now_ms() - row[2]
        store.put(KEY, e, {})
        assert.equal(row[4], store.get(KEY, { lifetime = row[3] }) ~= nil)
        assert.equal(row[4], store.get(KEY, {}) ~= nil) -- a dropped entry is gone
      end)
    end

    it("drops a token only while it is still the one kept", function()
      store.put(KEY, entry("tok-2"), {})
      store.drop(KEY, "tok-1", {}) -- a stale refusal of an older token
      assert.equal("tok-2", store.get(KEY, {}).access_token)
      store.drop(KEY, "tok-2", {})
      assert.is_nil(store.get(KEY, {}))
    end)
  end)

  describe("on disk", function()
    local DISK = { disk = true }
    local function path() return dir .. "/cache/luaforce/tokens" end
    local function doc() return assert(json.decode(assert(files.read(path())))) end

    it("writes a private file in private directories, whatever the umask", function()
      local mask = sys.umask(0)
      finally(function() sys.umask(mask) end)
      store.put(KEY, entry("tok-1"), DISK)
      assert.equal(path(), store.path())
      assert.equal("600", mode(path()))
      assert.equal("700", mode(dir .. "/cache"))
      assert.equal("700", mode(dir .. "/cache/luaforce"))
      assert.same({ "tokens" }, files.names(dir .. "/cache/luaforce")) -- no temporary file left
      assert.same({}, warnings)
    end)

    it("writes version 1 and the entry's fields, never the secret or anything else", function()
      store.put(KEY, entry("tok-1", { secret = "the-client-secret", token_type = "Bearer", scope = "api" }), DISK)
      local text = files.read(path())
      assert.not_matches("the-client-secret", text, 1, true)
      assert.not_matches("Bearer", text, 1, true)
      local d = doc()
      assert.equal(1, d.version)
      local e = d.tokens[KEY]
      assert.same({ "token_url", "client_id", "access_token", "instance_url", "id", "issued_at", "obtained_at",
        "secret_check" }, json.keys(e))
      assert.equal("tok-1", e.access_token)
      assert.is_nil(e.secret)
      assert.equal(store.secret_check("the-client-secret"), e.secret_check)
      assert.matches("^%x+$", e.secret_check)
      assert.equal(16, #e.secret_check)
    end)

    -- the file replaced by `text`, keeping its mode
    local function overwrite(text)
      local f = assert(io.open(path(), "wb"))
      f:write(text)
      f:close()
    end

    -- a wrong client secret used to borrow the token the right one got,
    -- and exit 0 until it expired
    it("does not lend a token on disk to a caller holding another secret", function()
      assert.equal("af63dc4c8601ec8c", store.secret_check("a")) -- FNV-1a 64 of "a"
      store.put(KEY, entry("tok-1", { secret = "right" }), DISK)
      store.clear()
      assert.is_nil(store.get(KEY, { disk = true, secret = "wrong" }))
      local e = assert(store.get(KEY, { disk = true, secret = "right" }))
      assert.equal("tok-1", e.access_token)
      -- and once in memory, not to another secret either
      assert.is_nil(store.get(KEY, { disk = true, secret = "wrong" }))
      -- an entry written before the check existed is not used
      overwrite('{"version": 1, "tokens": {"' .. KEY .. '": {"access_token": "tok-old"}}}')
      store.clear()
      assert.is_nil(store.get(KEY, { disk = true, secret = "right" }))
    end)

    it("keeps memory-only callers off the disk", function()
      store.put(KEY, entry("tok-1"), {})
      assert.is_nil(sys.stat(path()))
    end)

    it("replaces the file whole: a reader of the old file still reads the old file", function()
      store.put(KEY, entry("tok-1"), DISK)
      local before = files.read(path())
      local reader = assert(io.open(path(), "rb"))
      local other = store.key(URL, "app2")
      store.put(other, entry("tok-2", { client_id = "app2" }), DISK)
      assert.equal(before, reader:read("a"))
      reader:close()
      local d = doc()
      assert.equal("tok-1", d.tokens[KEY].access_token)
      assert.equal("tok-2", d.tokens[other].access_token)
      assert.equal("600", mode(path()))
      assert.same({ "tokens" }, files.names(dir .. "/cache/luaforce"))
    end)

    it("lets a later process read what an earlier one wrote", function()
      store.put(KEY, entry("tok-1", { secret = "s" }), DISK)
      store.clear() -- a new process: memory is empty
      assert.is_nil(store.get(KEY, {}))
      local e = assert(store.get(KEY, { disk = true, secret = "s" }))
      assert.equal("tok-1", e.access_token)
      assert.equal("https://acme.example.com", e.instance_url)
      assert.is_nil(doc().tokens[KEY].secret)
      assert.equal(e, store.get(KEY, {})) -- now in memory too
    end)

    it("reads a null field as missing", function()
      store.put(KEY, entry("tok-0"), DISK) -- makes the directories and a private file
      overwrite('{"version": 1, "tokens": {"' .. KEY .. '": {"access_token": "tok-9", "instance_url": null}}}')
      store.clear()
      local e = assert(store.get(KEY, DISK))
      assert.equal("tok-9", e.access_token)
      assert.is_nil(e.instance_url)
    end)

    it("drops an entry older than its lifetime from the file too", function()
      store.put(KEY, entry("tok-1", { obtained_at = sys.now_ms() - 2 * HOUR_MS }), DISK)
      store.clear()
      assert.is_nil(store.get(KEY, { disk = true, lifetime = 3600 }))
      assert.is_nil(doc().tokens[KEY])
    end)

    it("drops a refused token from the file, and not a newer one", function()
      store.put(KEY, entry("tok-2"), DISK)
      store.drop(KEY, "tok-1", DISK)
      assert.equal("tok-2", doc().tokens[KEY].access_token)
      store.drop(KEY, "tok-2", DISK)
      assert.is_nil(doc().tokens[KEY])
      assert.equal(1, doc().version)
    end)

    for _, m in ipairs { "644", "640", "604", "660" } do
      it("refuses a file with mode " .. m .. ", warning once, and neither reads nor writes it", function()
        store.put(KEY, entry("tok-1"), DISK)
        os.execute(("chmod %s '%s'"):format(m, path()))
        local before = files.read(path())
        store.clear()
        assert.is_nil(store.get(KEY, DISK))
        store.put(store.key(URL, "app2"), entry("tok-2"), DISK)
        assert.equal(before, files.read(path()))
        assert.equal(m, mode(path()))
        assert.equal(1, #warnings)
        assert.equal(("luaforce: warning: not using the token cache %s: mode %s gives group or others access"
          .. " to it (chmod 600 it, or delete it)\n"):format(path(), m), warnings[1])
      end)
    end

    -- { what, the file's text }
    local damaged = {
      { "text that is not JSON", "not json at all" },
      { "another version", '{"version": 2, "tokens": {}}' },
      { "tokens that are not an object", '{"version": 1, "tokens": 5}' },
      { "a JSON list", "[1, 2]" },
      { "an entry without a token", '{"version": 1, "tokens": {"' .. KEY .. '": {"instance_url": "x"}}}' },
    }
    for _, row in ipairs(damaged) do
      it("ignores a file holding " .. row[1] .. ", and replaces it on the next write", function()
        store.put(KEY, entry("tok-0"), DISK)
        overwrite(row[2])
        store.clear()
        assert.is_nil(store.get(KEY, DISK))
        store.put(KEY, entry("tok-1"), DISK)
        assert.equal("tok-1", doc().tokens[KEY].access_token)
        assert.same({}, warnings)
      end)
    end

    it("warns when it cannot make its directory, and keeps the token in memory", function()
      -- /proc takes no new directories, not even from root (the specs may run as root)
      env = { XDG_CACHE_HOME = "/proc/luaforce-store-spec" }
      local e = entry("tok-1")
      store.put(KEY, e, DISK)
      assert.equal(e, store.get(KEY, DISK))
      assert.equal(1, #warnings)
      assert.matches("^luaforce: warning: cannot write the token cache: /proc/luaforce%-store%-spec", warnings[1])
    end)

    it("says so when a file where the cache directory should be turns the disk cache off", function()
      files.write(dir .. "/cache", "a file where the directory should be")
      store.put(KEY, entry("tok-1"), DISK)
      assert.equal(1, #warnings)
      assert.matches("token cache", warnings[1])
    end)

    it("names a directory at the token file's path for what it is", function()
      assert(sys.mkdir(dir .. "/cache", 448))
      assert(sys.mkdir(dir .. "/cache/luaforce", 448))
      assert(sys.mkdir(path(), 448))
      assert.is_nil(store.get(KEY, DISK))
      assert.equal(1, #warnings)
      assert.not_matches("gives group or others access", warnings[1], 1, true)
    end)

    it("has no disk cache without a home", function()
      env = {}
      store.put(KEY, entry("tok-1"), DISK)
      store.clear()
      assert.is_nil(store.get(KEY, DISK))
      assert.same({}, warnings)
    end)
  end)
end)
