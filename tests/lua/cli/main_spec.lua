-- luaforce.cli.main: the command table, `luaforce --help` with its exit-code
-- table, what main() prints for help and version, and how an outcome
-- becomes one line on standard error and an exit code (report, protect).
-- tests/e2e/host_spec.lua drives the same entry point as a process.
local main = require "luaforce.cli.main"
local errors = require "luaforce.errors"
local cli_run = require "support.cli_run"
local files = require "support.files"
local proc = require "support.proc"

-- main.main(argv) with standard output captured: code, text.
local function main_of(words)
  local argv = { [0] = "luaforce" }
  for i, w in ipairs(words) do argv[i] = w end
  local buf, saved = cli_run.buffer(), io.stdout
  io.stdout = buf
  local ok, code = pcall(main.main, argv)
  io.stdout = saved
  assert(ok, code)
  return code, buf.text()
end

describe("main.find_command", function()
  it("finds each command's module, declared under its name", function()
    for _, c in ipairs(main.commands) do
      local cmd = main.find_command(c.name)
      assert.equal(c.name, cmd.spec.command)
      assert.is_function(cmd.run)
      assert.is_string(cmd.summary)
      assert.matches("^luaforce " .. c.name, cmd.spec.usage)
    end
  end)

  it("finds nothing for a name that is not a command", function()
    for _, name in ipairs { "nosuch", "Get", "luaforce.cli.get", "", "main", "common" } do
      assert.is_nil(main.find_command(name), name)
    end
  end)
end)

describe("main.usage", function()
  local text = main.usage()

  it("lists every command with its summary, in the table's order", function()
    local at = 0
    for _, c in ipairs(main.commands) do
      local line = ("\n  %-10s %s\n"):format(c.name, main.find_command(c.name).summary)
      local found = text:find(line, 1, true)
      assert.truthy(found, line)
      assert.is_true(found > at, c.name .. " out of order")
      at = found
    end
  end)

  it("lists the global options", function()
    for _, o in ipairs(main.global_spec.options) do
      assert.matches("%-%-" .. o.name .. (o.arg and (" " .. o.arg) or ""), text)
    end
    assert.matches("\n  %-e, %-%-execute CODE ", text)
  end)

  it("ends with the exit codes, every code luaforce uses among them", function()
    assert.truthy(text:find("\n" .. main.EXIT_CODES .. "\n", 1, true))
    for name, code in pairs(errors.EXIT) do
      assert.truthy(main.EXIT_CODES:find("\n  " .. code .. " +%a"), name)
    end
    for _, line in ipairs { "\n  7    a connector task (or --error-expression) threw a BPMN error\n",
      "\n  8    a connector task's job failed with no retries left (or --error-expression's jobError)\n",
      "\n  9    a connector task raised an incident (invalid inputs or expressions)\n" } do
      assert.truthy(main.EXIT_CODES:find(line, 1, true), line)
    end
  end)

  it("states the precedence of a run with several outcomes, most serious first", function()
    local para = main.EXIT_CODES:match("\n\n(A run with several outcomes.*)$")
    assert.is_string(para)
    para = para:gsub("%s+", " ")
    local order = { "6 if any write's outcome is unknown (even one cut short by Ctrl-C)",
      "else 130 if interrupted", "else 0 if nothing failed",
      "else 1 for a partial failure (some items done, a report says which)",
      "else the first failure's own code (a connector task's 7-9)." }
    local at = 0
    for _, phrase in ipairs(order) do
      local found = para:find(phrase, 1, true)
      assert.truthy(found, phrase)
      assert.is_true(found > at, phrase)
      at = found
    end
  end)

  it("has the codes of README.md's table", function()
    local readme = assert(files.read(proc.root .. "/README.md"))
    local section = readme:match("\n## Exit codes\n(.-)\n\nWhen one run")
    local in_readme, in_help = {}, {}
    for code in section:gmatch("\n| ([%d%-]+) |") do in_readme[#in_readme + 1] = code end
    for code in main.EXIT_CODES:gmatch("\n  ([%d%-]+) +%a") do in_help[#in_help + 1] = code end
    assert.is_true(#in_help >= 9)
    assert.same(in_readme, in_help)
  end)
end)

describe("main.main", function()
  local rows = {
    -- words, the text it prints on standard output
    { {}, main.usage() .. "\n" },
    { { "--help" }, main.usage() .. "\n" },
    { { "-q" }, main.usage() .. "\n" },
    { { "--help", "get" }, require("luaforce.cli.help").text("get") .. "\n" },
    { { "get", "--help" }, require("luaforce.cli.help").text("get") .. "\n" },
    { { "query", "-h", "--format", "csv" }, require("luaforce.cli.help").text("query") .. "\n" },
    { { "--version" }, require("luaforce.cli.version").text() .. "\n" },
    { { "version" }, require("luaforce.cli.version").text() .. "\n" },
  }
  for _, r in ipairs(rows) do
    it("luaforce " .. table.concat(r[1], " ") .. " prints it and exits 0", function()
      local code, text = main_of(r[1])
      assert.equal(0, code)
      assert.equal(r[2], text)
    end)
  end

  it("hands the command its positionals and the global options under its own", function()
    local code, text = main_of { "-q", "-e", "io.stdout:write(select('#', ...), ' ', ..., '\\n')", "a", "b" }
    assert.equal(0, code)
    assert.equal("2 a\n", text)
  end)
end)

-- report and protect write on the standard error the program started with:
-- they run in a luaforce process, one call per row, each row's standard
-- error ended by a marker line.
local MARK = "\30"

local function in_process(calls)
  local lines = { 'local main = require "luaforce.cli.main"', 'local errors = require "luaforce.errors"' }
  for _, call in ipairs(calls) do
    lines[#lines + 1] = ("io.stdout:write(tostring(%s), '\\n') io.stdout:flush() io.stderr:write(%q)")
      :format(call, MARK .. "\n")
  end
  local r = proc.luaforce { "-e", table.concat(lines, "\n") }
  assert.equal(0, r.code, r.stderr)
  local codes, errs = {}, {}
  for c in r.stdout:gmatch("[^\n]+") do codes[#codes + 1] = math.tointeger(tonumber(c)) end
  for e in r.stderr:gmatch("(.-)" .. MARK .. "\n") do errs[#errs + 1] = e end
  return codes, errs
end

describe("main.report and main.protect", function()
  local NF = [[errors.new { code = "NOT_FOUND", message = "gone", hint = "check the id", exit = 1 }]]
  local rows = {
    -- name, call, exit code, standard error: the text, or a pattern (~)
    { "a luaforce error: its code and one line, no traceback",
      "main.report(" .. NF .. ", 'TRACEBACK', false)", 1, "luaforce: NOT_FOUND: gone (check the id)\n" },
    { "a usage error: exit 2, no code in the line",
      "main.report(errors.usage('no fields given', 'give --values'))", 2, "luaforce: no fields given (give --values)\n" },
    { "an error object without an exit code: 1",
      "main.report(setmetatable({ message = 'x' }, getmetatable(errors.new {})))", 1, "luaforce: x\n" },
    { "--verbose adds the traceback and the details",
      "main.report(errors.new { code = 'C', message = 'm', exit = 4, details = 'DETAILS' }, 'TRACEBACK', true)", 4,
      "luaforce: C: m\nTRACEBACK\nDETAILS\n" },
    { "a string error is a script error, with its traceback",
      "main.report('boom', 'TRACEBACK')", 5, "luaforce: boom\nTRACEBACK\n" },
    { "a string error holding its traceback already keeps one",
      "main.report('boom\\nstack traceback:\\n\\tx', 'TRACEBACK')", 5, "luaforce: boom\nstack traceback:\n\tx\n" },
    { "any other value is a script error",
      "main.report({})", 5, "~^luaforce: table: 0?x?%x+\n$" },
    { "protect: the command's integer result",
      "main.protect({}, function() return 3 end)", 3, "" },
    { "protect: a float that is an integer", "main.protect({}, function() return 2.0 end)", 2, "" },
    { "protect: anything else is success",
      "main.protect({}, function() return 'done' end)", 0, "" },
    { "protect: the interrupt is 130", "main.protect({}, function() error(errors.interrupted) end)", 130,
      "luaforce: interrupted\n" },
    { "protect: an interrupted write whose outcome is unknown is 6, not 130",
      "main.protect({}, function() error(errors.new { code = 'OUTCOME_UNKNOWN', message = 'cut short', exit = 6,"
        .. " interrupted = true }) end)", 6, "luaforce: OUTCOME_UNKNOWN: cut short\n" },
    { "protect: ctx.at_exit runs after the command; its failure is reported, the exit code of a success",
      "main.protect({ at_exit = { function() return nil, errors.usage('cannot save') end } }, function() end)", 2,
      "luaforce: cannot save\n" },
    { "protect: a failed command keeps its code; a hook's failure is reported after its error",
      "main.protect({ at_exit = { function() return nil, errors.usage('cannot save') end } }, function() error("
        .. NF .. ") end)", 1, "luaforce: NOT_FOUND: gone (check the id)\nluaforce: cannot save\n" },
    { "protect: the hooks run after an interruption too",
      "main.protect({ at_exit = { function() io.stderr:write('saved\\n') return true end } }, function() error("
        .. "errors.interrupted) end)", 130, "luaforce: interrupted\nsaved\n" },
    { "protect: a luaforce error as one line",
      "main.protect({}, function(e) error(e) end, " .. NF .. ")", 1, "luaforce: NOT_FOUND: gone (check the id)\n" },
    { "protect: a luaforce error under --verbose has the traceback",
      "main.protect({ verbose = true }, function() error(" .. NF .. ") end)", 1,
      "~^luaforce: NOT_FOUND: gone %(check the id%)\nstack traceback:\n.*\n$" },
    { "protect: a Lua error names where, with one traceback",
      "main.protect({}, function() local t; return t.x end)", 5,
      "~^luaforce: %(command line%):%d+: attempt to index a nil value %(local 't'%)\nstack traceback:\n.*\n$" },
  }
  local calls = {}
  for i, r in ipairs(rows) do calls[i] = r[2] end
  local codes, errs

  for i, r in ipairs(rows) do
    it(r[1], function()
      if not codes then codes, errs = in_process(calls) end
      assert.equal(r[3], codes[i])
      if r[4]:sub(1, 1) == "~" then
        assert.matches(r[4]:sub(2), errs[i])
        local _, n = errs[i]:gsub("stack traceback:", "")
        assert.is_true(n <= 1, errs[i])
      else
        assert.equal(r[4], errs[i])
      end
    end)
  end
end)
