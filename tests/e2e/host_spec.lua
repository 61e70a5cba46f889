-- The luaforce program as a user meets it: --version, --help, run, -e,
-- error output, exit codes, Ctrl-C, and the module build in a stock lua5.4.
local proc = require "support.proc"

local function script(text)
  return proc.write(os.tmpname() .. ".lua", text)
end

describe("luaforce", function()
  it("--version names luaforce, Lua and the libraries", function()
    local r = proc.luaforce { "--version" }
    assert.equal(0, r.code)
    assert.matches("^luaforce %d+%.%d+%.%d+\n", r.stdout)
    assert.matches("Lua 5%.4", r.stdout)
    assert.matches("libcurl %d", r.stdout)
    assert.matches("yajl %d", r.stdout)
  end)

  it("with no arguments and with --help prints usage and the exit codes", function()
    for _, args in ipairs { {}, { "--help" }, { "help" } } do
      local r = proc.luaforce(args)
      assert.equal(0, r.code)
      assert.matches("Usage: luaforce", r.stdout)
      assert.matches("130%s+interrupted", r.stdout)
      assert.matches("6%s+outcome unknown", r.stdout)
    end
  end)

  it("help COMMAND shows the command's usage and an example", function()
    local r = proc.luaforce { "help", "run" }
    assert.equal(0, r.code)
    assert.matches("Usage: luaforce run", r.stdout)
    assert.matches("Examples:", r.stdout)
    assert.same(r.stdout, proc.luaforce({ "run", "--help" }).stdout)
  end)

  it("suggests the nearest option and command, exit 2", function()
    local r = proc.luaforce { "--verbos", "run", "x.lua" }
    assert.equal(2, r.code)
    assert.equal("luaforce: unknown option '--verbos' (did you mean --verbose?)\n", r.stderr)
    r = proc.luaforce { "rnu", "x.lua" }
    assert.equal(2, r.code)
    assert.matches("unknown command 'rnu' %(did you mean 'luaforce run'%?%)", r.stderr)
    r = proc.luaforce { "help", "rn" }
    assert.equal(2, r.code)
    assert.matches("did you mean 'run'", r.stderr)
  end)

  it("takes --opt=value, -- and a missing value as a user expects", function()
    local r = proc.luaforce { "--execute=print(1 + 1)" }
    assert.equal(0, r.code)
    assert.equal("2\n", r.stdout)
    r = proc.luaforce { "-e" }
    assert.equal(2, r.code)
    assert.matches("option %-e needs a value", r.stderr)
    r = proc.luaforce { "run" }
    assert.equal(2, r.code)
    assert.matches("missing argument: SCRIPT", r.stderr)
  end)

  describe("run", function()
    it("sets arg as lua does and passes the arguments as ...", function()
      local path = script [[
        print(arg[0], arg[1], arg[2], select("#", ...), ...)
        print(arg[-1], arg[-2] ~= nil)
      ]]
      local r = proc.luaforce { "run", path, "a b", "--flag" }
      assert.equal(0, r.code)
      assert.equal(path .. "\ta b\t--flag\t2\ta b\t--flag\nrun\ttrue\n", r.stdout)
      os.remove(path)
    end)

    it("reads the script from standard input with -", function()
      local r = proc.luaforce({ "run", "-", "x" }, { stdin = "#!/usr/bin/env luaforce\nprint('stdin', ...)\n" })
      assert.equal(0, r.code)
      assert.equal("stdin\tx\n", r.stdout)
    end)

    it("gives scripts the whole standard library", function()
      local r = proc.luaforce { "-e", "print(type(io.open), type(os.execute), type(require), type(debug.traceback))" }
      assert.equal("function\tfunction\tfunction\tfunction\n", r.stdout)
    end)

    it("a Lua error prints file:line: message and a traceback of the script, exit 5", function()
      local path = script "local function f()\n  local t = nil\n  return t.x\nend\nf()\n"
      local r = proc.luaforce { "run", path }
      assert.equal(5, r.code)
      assert.equal("", r.stdout)
      assert.matches("^" .. path:gsub("%p", "%%%0") .. ":3: attempt to index a nil value %(local 't'%)\n", r.stderr)
      assert.matches("stack traceback:", r.stderr)
      assert.matches(":5: in main chunk", r.stderr)
      -- the runner's own frames are not the user's business
      assert.not_matches("luaforce/cli", r.stderr)
      os.remove(path)
    end)

    it("a syntax error names the line, exit 5", function()
      local path = script "print('ok')\nlocal = 1\n"
      local r = proc.luaforce { "run", path }
      assert.equal(5, r.code)
      assert.matches(":2: .*near '='", r.stderr)
      os.remove(path)
    end)

    it("a missing script is a usage error, exit 2", function()
      local r = proc.luaforce { "run", "/nonexistent/job.lua" }
      assert.equal(2, r.code)
      assert.equal("luaforce: cannot read the script '/nonexistent/job.lua': no such file or directory (check the path)\n", r.stderr)
    end)

    it("a luaforce error prints one line with its exit code; the traceback only under --verbose", function()
      local code = [[error(require("luaforce.errors").new { code = "NOT_FOUND",
        message = "The requested resource does not exist", hint = "check the id", exit = 1 })]]
      local r = proc.luaforce { "-e", code }
      assert.equal(1, r.code)
      -- led by where the code was, as Lua's own errors are
      assert.equal("luaforce: (command line):1: NOT_FOUND: The requested resource does not exist (check the id)\n",
        r.stderr)
      r = proc.luaforce { "--verbose", "-e", code }
      assert.equal(1, r.code)
      assert.matches("^luaforce: %(command line%):1: NOT_FOUND: The requested resource does not exist "
        .. "%(check the id%)\nstack traceback:", r.stderr)
      r = proc.luaforce { "-e", [[error(require("luaforce.errors").new { code = "INVALID_SESSION_ID", message = "Session expired or invalid", exit = 3 })]] }
      assert.equal(3, r.code)
    end)

    it("os.exit(n) keeps n", function()
      for _, n in ipairs { 0, 1, 7, 42 } do
        assert.equal(n, proc.luaforce({ "-e", ("os.exit(%d)"):format(n) }).code)
      end
      assert.equal(1, proc.luaforce({ "-e", "os.exit(false)" }).code)
    end)

    it("error objects that are not luaforce's still print", function()
      local r = proc.luaforce { "-e", "error({})" }
      assert.equal(5, r.code)
      assert.matches("error object is a table value", r.stderr)
      r = proc.luaforce { "-e", "error(setmetatable({}, {__tostring = function() return 'custom' end}))" }
      assert.equal(5, r.code)
      assert.matches("^custom", r.stderr)
    end)
  end)

  describe("Ctrl-C", function()
    it("interrupts a running script cleanly, exit 130", function()
      local r = proc.interrupt { "-e", "while true do end" }
      assert.equal(130, r.code)
      assert.equal("luaforce: interrupted\n", r.stderr)
    end)

    it("interrupts a loop inside a coroutine", function()
      local r = proc.interrupt { "-e", "coroutine.wrap(function() while true do end end)()" }
      assert.equal(130, r.code)
      r = proc.interrupt { "-e", "local co = coroutine.create(function() while true do end end) coroutine.resume(co)" }
      assert.equal(130, r.code)
    end)

    it("leaves coroutines working as the standard library does", function()
      local r = proc.luaforce { "-e", [[
        local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); error("x" .. b) end)
        print(co(1)); print(pcall(co, 5)); print(pcall(co))
        print(coroutine.resume(coroutine.create(function(...) return select("#", ...), ... end), 1, nil, 3))
        print(coroutine.resume(coroutine.running()))
      ]] }
      assert.equal(0, r.code)
      assert.equal("2\nfalse\t(command line):1: x5\nfalse\tcannot resume dead coroutine\n"
        .. "true\t3\t1\tnil\t3\nfalse\tcannot resume non-suspended coroutine\n", r.stdout)
    end)
  end)

  describe("embedded modules", function()
    it("carry chunk names of the source tree", function()
      local r = proc.luaforce { "-e", "print(debug.getinfo(require('luaforce.errors').new, 'S').source)" }
      assert.equal("@lua/luaforce/errors.lua\n", r.stdout)
    end)

    it("load from disk with LUAFORCE_LUA_PATH and with --dev", function()
      local dir = proc.root .. "/lua"
      local probe = "print(debug.getinfo(require('luaforce.errors').new, 'S').source)"
      local r = proc.luaforce({ "-e", probe }, { env = { LUAFORCE_LUA_PATH = dir } })
      assert.equal("@" .. dir .. "/luaforce/errors.lua\n", r.stdout)
      r = proc.luaforce { "--dev", "-e", probe }
      assert.equal(0, r.code)
      assert.matches("/lua/luaforce/errors%.lua\n$", r.stdout)
    end)
  end)

  describe("the module build", function()
    it("loads in a stock lua5.4 without a second Lua VM", function()
      local root = proc.root
      local r = proc.sh("lua5.4 -e " .. proc.quote([[
        local lf = require "luaforce"
        local json = require "luaforce.json"
        print(lf.version, json.encode(json.decode('{"b":[],"a":1.50}')))
      ]]), { env = {
        LUA_PATH = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;;",
        LUA_CPATH = root .. "/build/lib/?.so;;",
      } })
      assert.equal(0, r.code, r.stderr)
      assert.matches('^%d+%.%d+%.%d+\t{"b":%[%],"a":1%.5}\n$', r.stdout)
      -- core.so must not pull in liblua5.4 (two Lua VMs in one process)
      local ldd = proc.sh("ldd " .. proc.quote(root .. "/build/lib/luaforce/core.so"))
      assert.equal(0, ldd.code)
      assert.not_matches("liblua", ldd.stdout)
    end)
  end)
end)
