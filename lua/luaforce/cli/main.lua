--- luaforce.cli.main: the `luaforce` command line.
--
-- main(argv) parses the global options, finds the command, runs it and
-- returns the process exit code. Each command is a module under
-- luaforce.cli.* declaring `spec` (for luaforce.cli.args and its --help) and
-- `run(ctx, opts, args)`. Errors: a luaforce error object prints as one line
-- (`luaforce: CODE: message (hint)`) with its exit code, the traceback only
-- under --verbose; anything else is a bug or a script error (exit 5).
local args = require "luaforce.cli.args"
local errors = require "luaforce.errors"

local M = {}

-- name -> module; the order is the order of `luaforce --help`.
M.commands = {
  { name = "query", module = "luaforce.cli.query" },
  { name = "get", module = "luaforce.cli.get" },
  { name = "create", module = "luaforce.cli.create" },
  { name = "update", module = "luaforce.cli.update" },
  { name = "delete", module = "luaforce.cli.delete" },
  { name = "upsert", module = "luaforce.cli.upsert" },
  { name = "describe", module = "luaforce.cli.describe" },
  { name = "limits", module = "luaforce.cli.limits" },
  { name = "login", module = "luaforce.cli.login" },
  { name = "run", module = "luaforce.cli.run" },
  { name = "repl", module = "luaforce.cli.repl" },
  { name = "emulator", module = "luaforce.cli.emulator" },
  { name = "connector", module = "luaforce.cli.connector" },
  { name = "chain", module = "luaforce.cli.chain" },
  { name = "import", module = "luaforce.cli.import" },
  { name = "export", module = "luaforce.cli.export" },
  { name = "bulk", module = "luaforce.cli.bulk" },
  { name = "eval", module = "luaforce.cli.eval" },
  { name = "help", module = "luaforce.cli.help" },
  { name = "version", module = "luaforce.cli.version" },
}

M.global_spec = {
  command = "",
  usage = "luaforce [OPTIONS] COMMAND [ARGS...]",
  stop_at_positional = true,
  options = {
    { name = "help", short = "h", help = "show this help (or a command's, after the command)" },
    { name = "version", short = "V", help = "show the versions of luaforce and its libraries" },
    { name = "execute", short = "e", arg = "CODE", help = "run a Lua chunk (like lua -e)" },
    { name = "verbose", short = "v", help = "say more: tracebacks of errors, each request" },
    { name = "quiet", short = "q", help = "say only what fails" },
    { name = "trace", help = "log requests with headers and bodies (secrets masked)" },
    { name = "dev", help = "load the Lua modules from the source tree, not the binary" },
  },
}

M.EXIT_CODES = [[
Exit codes:
  0    success
  1    a Salesforce or API error (not found, duplicate, limits, server errors),
       or a named local org's records could not be saved
  2    bad usage or bad input (unknown option, malformed SOQL or id, unknown field or object)
  3    authentication failed
  4    network failure or timeout; nothing was written
  5    a script error
  6    outcome unknown: a write may or may not have happened
  7    a connector task (or --error-expression) threw a BPMN error
  8    a connector task's job failed with no retries left (or --error-expression's jobError)
  9    a connector task raised an incident (invalid inputs or expressions)
  130  interrupted (Ctrl-C, SIGTERM or SIGHUP)

A run with several outcomes (a batch, a chain, a connector task, an
interruption) exits with the most serious: 6 if any write's outcome is
unknown (even one cut short by Ctrl-C), else 130 if interrupted, else 0 if
nothing failed, else 1 for a partial failure (some items done, a report
says which), else the first failure's own code (a connector task's 7-9).]]

local function command_names()
  local names = {}
  for _, c in ipairs(M.commands) do names[#names + 1] = c.name end
  return names
end

--- The module of command `name`: "query", or a group's subcommand
-- "bulk import" (a group module lists its own in `subcommands`).
function M.find_command(name)
  local group, sub = name:match("^(%S+) (%S+)$")
  for _, c in ipairs(M.commands) do
    if c.name == (group or name) then
      local mod = require(c.module)
      if not group then return mod end
      for _, s in ipairs(mod.subcommands or {}) do
        if s.name == sub then return require(s.module) end
      end
      return nil
    end
  end
end

-- `luaforce GROUP SUB ...`: the subcommand's name ("bulk import") and the
-- index of its first argument, or nil and an error for a missing or
-- unknown one.
local function subcommand(cmd, name, pos)
  local sub = pos[2]
  local names = {}
  for _, s in ipairs(cmd.subcommands) do names[#names + 1] = s.name end
  if sub == nil or sub:sub(1, 1) == "-" then
    return nil, errors.usage(("'luaforce %s' needs a subcommand: %s"):format(name, table.concat(names, ", ")),
      ("run 'luaforce help %s' for them"):format(name))
  end
  if not M.find_command(name .. " " .. sub) then
    local near = args.nearest(sub, names)
    return nil, errors.usage(("unknown command 'luaforce %s %s'"):format(name, sub),
      near and ("did you mean 'luaforce " .. name .. " " .. near .. "'?")
      or ("the subcommands: " .. table.concat(names, ", ")))
  end
  return name .. " " .. sub
end

function M.usage()
  local lines = {
    "luaforce: automate Salesforce from Lua scripts, with a local org built in.",
    "",
    "Usage: " .. M.global_spec.usage,
    "       luaforce run SCRIPT [ARGS...]     run a Lua script (- reads standard input)",
    "       luaforce -e CODE [ARGS...]        run a Lua chunk",
    "",
    "Commands:",
  }
  for _, c in ipairs(M.commands) do
    local mod = require(c.module)
    lines[#lines + 1] = ("  %-10s %s"):format(c.name, mod.summary or "")
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Options:"
  lines[#lines + 1] = args.help(M.global_spec)
  lines[#lines + 1] = ""
  lines[#lines + 1] = M.EXIT_CODES
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Run 'luaforce help COMMAND' for a command's options and examples."
  return table.concat(lines, "\n")
end

local stderr = io.stderr

--- Prints an error the way users should see it and returns its exit code.
-- `traceback` is shown for luaforce errors only when `verbose`.
function M.report(err, traceback, verbose)
  if errors.is(err) then
    stderr:write("luaforce: ", tostring(err), "\n")
    if verbose and traceback then stderr:write(traceback, "\n") end
    if verbose and err.details then stderr:write(tostring(err.details), "\n") end
    return err.exit or errors.EXIT.API
  end
  local msg = type(err) == "string" and err or tostring(err)
  stderr:write("luaforce: ", msg, "\n")
  if traceback and not msg:find("stack traceback:", 1, true) then
    stderr:write(traceback, "\n")
  end
  return errors.EXIT.SCRIPT
end

--- Calls fn(...) and turns an error into a report and an exit code.
-- Error objects keep their identity (so `exit` is read); string errors get a
-- traceback. Returns the exit code (fn's integer result, or 0).
function M.protect(ctx, fn, ...)
  local tb
  local function handler(e)
    tb = debug.traceback(nil, 2)
    if type(e) == "string" then return debug.traceback(e, 2) end
    return e
  end
  local ok, res = xpcall(fn, handler, ...)
  local code
  if ok then
    code = math.tointeger(res) or 0
  elseif res == errors.interrupted then
    stderr:write("luaforce: interrupted\n")
    code = errors.EXIT.INTERRUPTED
  else
    code = M.report(res, tb, ctx.verbose)
  end
  return M.finish(ctx, code)
end

--- Runs what the command left in ctx.at_exit (each `fn() -> true | nil,
-- err`: a named local org saving its records), whatever the command's
-- outcome; a failure is reported, and is the exit code of a command that
-- had succeeded.
function M.finish(ctx, code)
  local hooks = ctx.at_exit or {}
  ctx.at_exit = nil
  for _, fn in ipairs(hooks) do
    local ok, err = fn()
    if not ok then
      local c = M.report(err, nil, ctx.verbose)
      if code == 0 then code = c end
    end
  end
  return code
end

--- The entry point called by the host with argv (argv[0] is the program).
function M.main(argv)
  local ctx = { argv = argv, progname = argv[0] or "luaforce" }
  local opts, pos = args.parse(argv, M.global_spec, 1)
  if not opts then return M.report(pos) end
  ctx.verbose, ctx.quiet, ctx.trace = opts.verbose, opts.quiet, opts.trace
  if opts.trace then ctx.verbose = true end
  ctx.global = opts

  if opts.version then
    return M.protect(ctx, require("luaforce.cli.version").run, ctx, {}, {})
  end
  if opts.execute then
    local run = require "luaforce.cli.run"
    return M.protect(ctx, run.execute, ctx, opts.execute, pos)
  end
  if #pos == 0 then
    io.stdout:write(M.usage(), "\n")
    return opts.help and 0 or 0
  end

  local name = pos[1]
  local cmd = M.find_command(name)
  if not cmd then
    local near = args.nearest(name, command_names())
    return M.report(errors.usage(("unknown command '%s'"):format(name),
      near and ("did you mean 'luaforce " .. near .. "'?") or "run 'luaforce --help' for the commands"))
  end
  if opts.help then
    io.stdout:write(require("luaforce.cli.help").text(name), "\n")
    return 0
  end
  local first = 2
  if cmd.subcommands then
    if pos[2] == "--help" or pos[2] == "-h" then
      io.stdout:write(require("luaforce.cli.help").text(name), "\n")
      return 0
    end
    local full, serr = subcommand(cmd, name, pos)
    if not full then return M.report(serr) end
    name, cmd, first = full, M.find_command(full), 3
  end
  -- the command's own options, then its arguments
  local spec = cmd.spec
  local copts, cargs = args.parse(pos, spec, first)
  if not copts then return M.report(cargs) end
  if copts.help then
    io.stdout:write(require("luaforce.cli.help").text(name), "\n")
    return 0
  end
  for k, v in pairs(opts) do if copts[k] == nil then copts[k] = v end end
  if copts.verbose then ctx.verbose = true end
  if copts.quiet then ctx.quiet = true end
  if copts.trace then ctx.trace, ctx.verbose = true, true end
  return M.protect(ctx, cmd.run, ctx, copts, cargs)
end

return M
