-- luaforce (lua/luaforce/init.lua), the public face: the names it loads on
-- first use, version, configure and settings, connect with the configured
-- sources, raise.
--
-- Most specs load a fresh copy of init.lua whose `require` is the spec's
-- own, so they see which modules it loads and when, and can stand in a
-- fake client to see what connect hands it.
local emulator = require "luaforce.emulator"
local errors = require "luaforce.errors"
local proc = require "support.proc"
local sf = require "luaforce"

local function env_of(t)
  return function(name) return t[name] end
end

-- A fresh copy of the module, with `fake` as its require.
local function fresh(fake)
  local path = assert(package.searchpath("luaforce", package.path))
  local env = setmetatable({ require = fake }, { __index = _G })
  return assert(loadfile(path, "t", env))()
end

-- A require that records the names asked for, and the list it records in.
local function recording()
  local seen = {}
  return function(name)
    seen[#seen + 1] = name
    return require(name)
  end, seen
end

-- A fresh copy whose luaforce.client is a stand-in recording connect's and
-- raise's arguments in `calls`.
local function with_fake_client()
  local calls = {}
  local client = {
    connect = function(opts, sources)
      calls[#calls + 1] = { "connect", opts, sources }
      return "an org"
    end,
  }
  local M = fresh(function(name)
    if name == "luaforce.client" then return client end
    return require(name)
  end)
  return M, calls
end

describe("luaforce", function()
  describe("names loaded on first use", function()
    it("loads nothing but the core when required", function()
      local req, seen = recording()
      fresh(req)
      assert.same({ "luaforce.core" }, seen)
    end)

    local rows = {
      { "json", "luaforce.json" }, { "decimal", "luaforce.decimal" }, { "errors", "luaforce.errors" },
      { "auth", "luaforce.auth" }, { "soql", "luaforce.soql" }, { "feel", "luaforce.feel" },
      { "client", "luaforce.client" }, { "connector", "luaforce.connector" }, { "chain", "luaforce.chain" },
    }
    for _, row in ipairs(rows) do
      local name, module = row[1], row[2]
      it(name .. " is " .. module .. ", loaded once, when first read", function()
        local req, seen = recording()
        local M = fresh(req)
        assert.is_nil(rawget(M, name))
        assert.equal(require(module), M[name])
        assert.same({ "luaforce.core", module }, seen)
        assert.equal(require(module), M[name])
        assert.equal(2, #seen) -- kept: no second require
        assert.equal(require(module), rawget(M, name))
      end)
    end

    it("has no other names, and reading one loads nothing", function()
      local req, seen = recording()
      local M = fresh(req)
      for _, name in ipairs { "emulator", "cli", "core", "nope" } do
        assert.is_nil(M[name], name)
      end
      assert.same({ "luaforce.core" }, seen)
    end)

    it("is one table for every require", function()
      assert.equal(sf, require "luaforce")
      assert.equal(require "luaforce.json", sf.json)
    end)
  end)

  describe("version", function()
    it("is the core's version, the one the program prints", function()
      assert.equal(require("luaforce.core").version, sf.version)
      assert.matches("^%d+%.%d+%.%d+", sf.version)
      local r = proc.luaforce { "--version" }
      assert.equal(0, r.code, r.stderr)
      assert.matches(sf.version, r.stdout, 1, true)
    end)
  end)

  describe("configure and settings", function()
    it("starts with empty settings", function()
      local M = fresh(require)
      assert.same({}, M.settings)
    end)

    it("makes settings the command line's settings, or empty ones", function()
      local M = fresh(require)
      local cl = { instance_url = "https://acme.my.salesforce.com", access_token = "t" }
      assert.is_nil(M.configure { command_line = cl, getenv = env_of {} })
      assert.equal(cl, M.settings)
      M.configure { getenv = env_of {} }
      assert.same({}, M.settings)
      assert.not_equal(cl, M.settings)
    end)

    for _, bad in ipairs { "local", 42, true, false } do
      it("refuses " .. type(bad) .. " " .. tostring(bad) .. ", blaming the caller, and keeps what it had", function()
        local M, calls = with_fake_client()
        local sources = { command_line = { instance_url = "https://a.example.com" } }
        M.configure(sources)
        local ok, err = pcall(function() M.configure(bad) end)
        assert.is_false(ok)
        assert.matches("init_spec.lua:%d+: bad argument #1 to 'configure' %(table expected%)$", err)
        assert.equal(sources.command_line, M.settings)
        M.connect()
        assert.equal(sources, calls[1][3])
      end)
    end

    it("refuses nil", function()
      assert.has_error(function() fresh(require).configure() end,
        "bad argument #1 to 'configure' (table expected)")
    end)
  end)

  describe("connect", function()
    it("hands the client its arguments, and no sources before configure", function()
      local M, calls = with_fake_client()
      local opts = { instance_url = "https://a.example.com" }
      assert.equal("an org", M.connect(opts))
      assert.same({ "connect", opts, nil }, calls[1])
      assert.equal(opts, calls[1][2])
    end)

    it("hands the client the sources configure was given, the latest", function()
      local M, calls = with_fake_client()
      local first, second = { getenv = env_of {} }, { getenv = env_of {}, profile = "work" }
      M.configure(first)
      M.connect()
      M.configure(second)
      M.connect { api_version = "60.0" }
      assert.equal(first, calls[1][3])
      assert.equal(second, calls[2][3])
      assert.same({ api_version = "60.0" }, calls[2][2])
    end)

    describe("with the real client and a local org", function()
      local emu
      setup(function() emu = assert(emulator.start {}) end)
      teardown(function()
        sf.configure { getenv = env_of {} }
        emu:stop()
      end)

      it("is require('luaforce').connect, with the sources its program configured after its arguments", function()
        sf.configure { getenv = env_of {} }
        local org, err = sf.connect()
        assert.is_nil(org) -- nothing configured and an empty environment: no instance
        assert.are.equal(2, err.exit)
        sf.configure { command_line = { instance_url = emu.url, access_token = emu.token }, getenv = env_of {} }
        org, err = sf.connect()
        assert.is_truthy(org, tostring(err))
        assert.are.equal(emu.url, org.instance_url)
        assert.are.equal(emu.url, sf.settings.instance_url)
        assert.are.equal("command line", org.source)
        assert.are.equal(200, assert(org:query("SELECT Id FROM Account LIMIT 1")).status)
        -- arguments still come first
        local other = assert(sf.connect { instance_url = "http://127.0.0.1:1", access_token = "t" })
        assert.are.equal("http://127.0.0.1:1", other.instance_url)
        sf.configure { getenv = env_of {} }
      end)
    end)
  end)

  describe("raise", function()
    it("raises a luaforce error as it is", function()
      local err = errors.new { code = "NOT_FOUND", message = "no such record", exit = 1 }
      local ok, raised = pcall(sf.raise, err)
      assert.is_false(ok)
      assert.equal(err, raised)
    end)

    it("raises words as a luaforce error", function()
      local ok, raised = pcall(sf.raise, "plain words")
      assert.is_false(ok)
      assert.is_true(errors.is(raised))
      assert.equal("ERROR", raised.code)
      assert.equal("plain words", raised.message)
    end)

    it("refuses to raise nothing", function()
      assert.has_error(function() sf.raise(nil) end, nil)
      local _, msg = pcall(function() sf.raise(nil) end)
      assert.matches("raise: no error given", msg, 1, true)
    end)

    it("blames the line that called raise(nil), not luaforce's own", function()
      local _, msg = pcall(function() sf.raise(nil) end)
      assert.matches("^tests/lua/init_spec%.lua:%d+: raise: no error given", msg)
    end)
  end)
end)
