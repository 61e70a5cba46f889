-- luaforce.cli.run in process: its options end at the script, `arg` as
-- lua sets it (the command line before the script at negative indices),
-- `-e`, a script connecting to --instance local in the same process, and
-- how an error in a script reads. tests/e2e/host_spec.lua runs scripts as
-- a process (standard input, syntax errors, os.exit, Ctrl-C).
local run = require "luaforce.cli.run"
local args = require "luaforce.cli.args"
local errors = require "luaforce.errors"
local cli_run = require "support.cli_run"
local files = require "support.files"

describe("luaforce run", function()
  local dir
  local function script(text)
    local path = dir .. "/job.lua"
    files.write(path, text)
    return path
  end
  before_each(function() dir = files.scratch() end)
  after_each(function() files.clear(dir) end)

  it("takes its own options before the script; the rest is the script's", function()
    local opts, pos = args.parse({ "run", "-v", "--instance", "local", "job.lua", "--format", "csv", "-v" },
      run.spec, 2)
    assert.same({ verbose = true, instance = "local" }, opts)
    assert.same({ "job.lua", "--format", "csv", "-v" }, pos)
    local _, err = args.parse({ "run", "--format", "csv", "job.lua" }, run.spec, 2)
    assert.matches("^unknown option '%-%-format'", tostring(err))
  end)

  it("sets arg as lua does, the command line before the script at negative indices", function()
    local path = script [[
      local n = select("#", ...)
      io.stdout:write(table.concat({ n, ... }, " "), "\n")
      for i = -4, 2 do io.stdout:write(i, "=", tostring(arg[i]), "\n") end
    ]]
    local r = cli_run.run(run, { path, "a b", "--flag" })
    assert.equal(0, r.code, r.stderr)
    assert.equal("2 a b --flag\n-4=luaforce\n-3=run\n-2=--instance\n-1=local\n0=" .. path .. "\n1=a b\n2=--flag\n",
      r.out)
  end)

  it("lets a script connect to the local org started for --instance local", function()
    local path = script [[
      local org = assert(require("luaforce").connect())
      io.stdout:write(org.instance_url, " ", org:query("SELECT COUNT() FROM Account").body.totalSize, "\n")
    ]]
    -- afterwards require("luaforce") is configured as a plain `luaforce run` does
    finally(function() require("luaforce").configure(require("luaforce.cli.connect").sources {}) end)
    local r = cli_run.run(run, { path })
    assert.equal(0, r.code, r.stderr)
    local org = cli_run.org()
    assert.equal(("%s %d\n"):format(org.instance_url, org:query("SELECT COUNT() FROM Account").body.totalSize), r.out)
  end)

  local failing = {
    -- name, script, exit code, standard error (a pattern)
    { "a Lua error: where, and a traceback that stops at the script's main chunk",
      "local function f() error('boom') end\nf()\n", 5,
      "^PATH:1: boom\nstack traceback:\n.*PATH:2: in main chunk\n$" },
    { "a luaforce error: its line and its exit code",
      "error(require('luaforce.errors').new { code = 'NOT_FOUND', message = 'gone', exit = 1 })", 1,
      "^luaforce: PATH:1: NOT_FOUND: gone\n$" },
    { "the interrupt: exit 130", "error(require('luaforce.errors').interrupted)", 130, "^luaforce: interrupted\n$" },
    { "an error value that is neither", "error({ 1 })", 5, "^%(error object is a table value%)\n" },
    { "a syntax error", "x = = 1", 5, "^luaforce: PATH:1: unexpected symbol near '='\n$" },
  }
  for _, f in ipairs(failing) do
    it(f[1], function()
      local path = script(f[2])
      local r = cli_run.run(run, { path })
      assert.equal(f[3], r.code)
      local where = path:gsub("%p", "%%%0")
      assert.matches((f[4]:gsub("PATH", function() return where end)), r.stderr)
      assert.not_matches("luaforce/cli/run.lua", r.stderr)
    end)
  end

  it("adds the traceback of a luaforce error under --verbose", function()
    local path = script "error(require('luaforce.errors').usage('bad input'))"
    local r = cli_run.run(run, { "--verbose", path })
    assert.equal(2, r.code)
    local where = path:gsub("%p", "%%%0")
    assert.matches("^luaforce: " .. where .. ":1: bad input\nstack traceback:\n.*in main chunk\n$", r.stderr)
  end)

  it("refuses a script that is not there, exit 2", function()
    local r = cli_run.run(run, { dir .. "/none.lua" })
    assert.equal(2, r.code)
    assert.equal(("cannot read the script '%s/none.lua': no such file or directory (check the path)"):format(dir),
      tostring(r.err))
    assert.is_true(errors.is(r.err))
  end)

  it("refuses a directory as the script, exit 2", function()
    local r = cli_run.run(run, { dir })
    assert.equal(2, r.code)
    assert.equal(("cannot read the script '%s': is a directory (check the path)"):format(dir), tostring(r.err))
  end)
end)

describe("luaforce -e", function()
  it("runs the chunk with arg[0] = '-e' and the arguments as ...", function()
    local out, saved = cli_run.buffer(), io.stdout
    io.stdout = out
    local code = run.execute({ argv = {} }, "io.stdout:write(arg[0], ' ', arg[1], ' ', select('#', ...), ' ', ...)",
      { "x", "y" })
    io.stdout = saved
    assert.equal(0, code)
    assert.equal("-e x 2 xy", out.text())
  end)

  it("names the chunk (command line) in its errors", function()
    local err, saved = cli_run.buffer(), io.stderr
    io.stderr = err
    local code = run.execute({ argv = {} }, "local t = nil; return t.x", {})
    local syntax = run.execute({ argv = {} }, "return +", {})
    io.stderr = saved
    assert.equal(5, code)
    assert.equal(5, syntax)
    assert.matches("^%(command line%):1: attempt to index a nil value %(local 't'%)\nstack traceback:", err.text())
    assert.matches("\nluaforce: %(command line%):1: unexpected symbol near '%+'", err.text())
  end)
end)
