--- Test support: a command module run in process the way `luaforce` runs
-- it (luaforce.cli.main: its spec parses the words after the command name,
-- then run(ctx, opts, pos)), against the in-process local org.
--
--   local r = cli_run.run(get, { "Account", id, "--fields", "Name" })
--   r.code     the exit code a user would see: run's integer result (or 0),
--              an error's `exit` (1 when it has none, 5 for a Lua error),
--              2 for a mistake on the command line
--   r.out      what it printed: its --output file (given here unless the
--              words name one) followed by what it wrote on io.stdout
--   r.stderr   what it wrote on io.stderr
--   r.err      the error it raised, or nil (tostring(r.err) is what follows
--              "luaforce: " on standard error)
--   r.opts     the parsed options
--
-- The context is main's: argv, and --verbose, --quiet, --trace.
-- A command with --instance gets `--instance local` unless the words say
-- otherwise; `stdin` (text) stands in for standard input. The local org is
-- the one luaforce.cli.connect starts and keeps until the process ends (one
-- per spec file under lua5.4, where busted loads the modules afresh for
-- each file; one for the whole run inside the luaforce binary, which has
-- connect loaded before busted starts: never stop it, and assert nothing
-- that another spec's writes could change). cli_run.org() is a client
-- connected to it.
local args = require "luaforce.cli.args"
local connect = require "luaforce.cli.connect"
local errors = require "luaforce.errors"
local files = require "support.files"

local M = {}

-- A stand-in for a file handle: keeps what is written.
function M.buffer(input)
  local parts = {}
  return {
    write = function(self, ...)
      for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
      return self
    end,
    read = function() local s = input; input = nil; return s end,
    flush = function(self) return self end,
    setvbuf = function() return true end,
    text = function() return table.concat(parts) end,
  }
end

local function has_option(spec, name)
  for _, o in ipairs(spec.options or {}) do
    if o.name == name then return true end
  end
  return false
end

local function mentions(words, ...)
  for _, w in ipairs(words) do
    for i = 1, select("#", ...) do
      local flag = select(i, ...)
      if w == flag or w:sub(1, #flag + 1) == flag .. "=" then return true end
    end
  end
  return false
end

-- The exit code main.report gives an error.
local function exit_of(err)
  if errors.is(err) then return err.exit or errors.EXIT.API end
  return errors.EXIT.SCRIPT
end

--- See the file comment.
function M.run(cmd, words, stdin)
  local spec = cmd.spec
  -- the options added go before the words: `run` hands the words after
  -- its script to the script
  local argv = { [0] = "luaforce", spec.command }
  if has_option(spec, "instance") and not mentions(words, "--instance", "--token", "--profile") then
    argv[#argv + 1] = "--instance"
    argv[#argv + 1] = "local"
  end
  local out_path
  if has_option(spec, "output") and not mentions(words, "--output", "-o") then
    out_path = os.tmpname()
    os.remove(out_path)
    argv[#argv + 1] = "--output"
    argv[#argv + 1] = out_path
  end
  for _, w in ipairs(words) do argv[#argv + 1] = w end
  local r = {}
  local opts, pos = args.parse(argv, spec, 2)
  if not opts then
    r.err, r.code, r.out, r.stderr = pos, exit_of(pos), "", ""
    return r
  end
  r.opts = opts
  local out, err = M.buffer(), M.buffer()
  local saved = { io.stdout, io.stderr, io.stdin }
  io.stdout, io.stderr, io.stdin = out, err, M.buffer(stdin or "")
  -- the context main hands a command
  local ctx = { argv = argv, verbose = opts.verbose or opts.trace, quiet = opts.quiet, trace = opts.trace }
  local ok, res = pcall(cmd.run, ctx, opts, pos)
  io.stdout, io.stderr, io.stdin = saved[1], saved[2], saved[3]
  r.code = ok and (math.tointeger(res) or 0) or exit_of(res)
  r.err = not ok and res or nil
  r.out = (out_path and files.read(out_path) or "") .. out.text()
  r.stderr = err.text()
  if out_path then os.remove(out_path) end
  return r
end

--- A client connected to the local org the commands use.
function M.org()
  return connect.org({}, { instance = "local" })
end

return M
