--- luaforce.cli.run: `luaforce run SCRIPT [ARGS...]` and `luaforce -e CODE`.
--
-- Scripts are the user's own trusted code: the full standard library, no
-- deadline. `arg` is set as lua sets it (arg[0] the script, arg[1..] its
-- arguments, negative indices the command before it) and the arguments are
-- also the chunk's `...`.
local common = require "luaforce.cli.common"
local errors = require "luaforce.errors"
local input_file = require "luaforce.cli.input_file"
local explain = require "luaforce.client.explain"

local M = {}

M.summary = "run a Lua script (- reads the script from standard input)"
M.spec = {
  command = "run",
  usage = "luaforce run [OPTIONS] SCRIPT [ARGS...]",
  args = "SCRIPT",
  min_args = 1,
  stop_at_positional = true,
  options = common.with({}, common.connection),
}
M.description = [[
Runs SCRIPT, a Lua 5.4 file, with the luaforce modules available through
require (require "luaforce", "luaforce.json", ...). Everything after SCRIPT is
handed to the script: in the global table `arg` (arg[0] is SCRIPT) and as the
chunk's `...`. A script may end with os.exit(n) to choose its exit code.

A Lua error in the script prints `script.lua:12: message` and a traceback and
exits 5; an error raised by luaforce (a Salesforce error, bad input) prints one
line, `script.lua:12: CODE: what failed (what to do)`, as the commands print
it (an object or field the org does not have names the nearest one, exit 2),
with the traceback and Salesforce's own answer under --verbose.

The connection options (--instance, --token, --profile, ...) are what a
script's require("luaforce").connect() uses before the environment (SF_*)
and the profile file; see 'luaforce help login'. With --instance local,
luaforce starts its local org (the emulator, with the demo data) in the same
process for the script's lifetime; the script finds its URL and token in
require("luaforce").settings (instance_url, access_token). With --instance
local:NAME the local org keeps its records between runs: they are saved
when the script ends, also by an error or os.exit (luaforce help emulator).]]
M.examples = {
  "luaforce run job.lua",
  "luaforce run job.lua --since 2024-01-01",
  "luaforce run --instance local job.lua",
  "echo 'print(1 + 1)' | luaforce run -",
  "luaforce -e 'print(require(\"luaforce.json\").encode({1, 2}))'",
}

-- Builds the global `arg` table the way the lua interpreter does.
local function make_arg(ctx, script, script_args)
  local argv = ctx.argv
  local a = { [0] = script }
  for i, v in ipairs(script_args) do a[i] = v end
  -- negative indices: what came before the script on the command line
  local before = {}
  for i = 0, #argv do
    if argv[i] == script then break end
    before[#before + 1] = argv[i]
  end
  for i = 1, #before do a[i - #before - 1] = before[i] end
  return a
end

local function read_stdin()
  local text = io.stdin:read("a") or ""
  return (text:gsub("^#![^\n]*", ""))
end

-- A traceback without the frames of luaforce's own runner below the
-- script's main chunk: users should see their code, not ours.
local function trim(tb)
  local cut = tb:find("in main chunk\n", 1, true)
  if cut then tb = tb:sub(1, cut + #"in main chunk" - 1) end
  return tb
end

-- The first of the script's arguments that is one of luaforce's own
-- connection options (`luaforce run job.lua --instance local` hands
-- --instance to the script), or nil.
local function own_option(script_args)
  local own = {}
  for _, o in ipairs(common.connection) do
    own["--" .. o.name] = true
    if o.short then own["-" .. o.short] = true end
  end
  for _, a in ipairs(script_args or {}) do
    local name = type(a) == "string" and a:match("^(%-%-?[%w-]+)")
    if name and own[name] then return name end
  end
  return nil
end

-- Where the user's code was when a luaforce error was raised: the
-- innermost frame outside luaforce's own modules ("job.lua:12"), or nil.
local function user_frame(level)
  while true do
    local info = debug.getinfo(level + 1, "Sl")
    if not info then return nil end
    if info.what ~= "C" and info.currentline and info.currentline > 0
        and not info.source:find("lua/luaforce/", 1, true) then
      return ("%s:%d"):format(info.short_src, info.currentline)
    end
    level = level + 1
  end
end

--- Calls a script's chunk: true and its results, or false and the exit
-- code after reporting the error: a luaforce error object as one line led
-- by the script's line (`job.lua:12: INVALID_TYPE: ... (did you mean
-- Account?)`, explained as the command line explains it; its exit code), a
-- Lua error with its traceback (exit 5), an interruption (130).
function M.protected(ctx, chunk, script_args)
  local tb, where
  local function handler(e)
    if type(e) == "string" then return trim(debug.traceback(e, 2)) end
    tb = trim(debug.traceback(nil, 2))
    where = user_frame(2)
    return e
  end
  local results = table.pack(xpcall(chunk, handler, table.unpack(script_args)))
  if results[1] then return true, table.unpack(results, 2, results.n) end
  local err = results[2]
  if err == errors.interrupted then
    io.stderr:write("luaforce: interrupted\n")
    return false, errors.EXIT.INTERRUPTED
  end
  if errors.is(err) then
    local shown = explain.brief(err)
    io.stderr:write("luaforce: ", where and (where .. ": ") or "", tostring(shown), "\n")
    local misplaced = (err.exit == errors.EXIT.USAGE or err.exit == errors.EXIT.AUTH) and own_option(script_args)
    if misplaced then
      io.stderr:write(("luaforce: note: %s came after the script, so the script got it as an argument: "
        .. "luaforce's options go before it (luaforce run %s ... SCRIPT)\n"):format(misplaced, misplaced))
    end
    if ctx.verbose and tb then io.stderr:write(tb, "\n") end
    if ctx.verbose and shown ~= err then io.stderr:write(tostring(err), "\n") end
    return false, err.exit or errors.EXIT.API
  end
  if type(err) ~= "string" then
    local mt = getmetatable(err)
    err = (mt and mt.__tostring) and tostring(err)
      or ("(error object is a " .. type(err) .. " value)")
    if tb then err = err .. "\n" .. tb end
  end
  io.stderr:write(err, "\n")
  return false, errors.EXIT.SCRIPT
end

-- Runs a chunk: its exit code.
local function run_chunk(ctx, chunk, script_args)
  local ok, code = M.protected(ctx, chunk, script_args)
  if ok then return 0 end
  return code
end

--- Loads SCRIPT ("-" reads standard input) and sets the global `arg` as
-- lua does: the chunk; or, after printing the load error, nil and the
-- exit code (5, a script error).
function M.load(ctx, script, script_args)
  local chunk, err
  if script == "-" then
    chunk, err = load(read_stdin(), "=stdin", "t")
  else
    input_file.check(script, "the script", "check the path")
    chunk, err = loadfile(script, "t")
  end
  if not chunk then
    io.stderr:write("luaforce: ", err, "\n")
    return nil, errors.EXIT.SCRIPT
  end
  _G.arg = make_arg(ctx, script, script_args)
  return chunk
end

function M.run(ctx, opts, pos)
  require("luaforce.cli.connect").apply(ctx, opts)
  local script = pos[1]
  local script_args = { table.unpack(pos, 2) }
  local chunk, code = M.load(ctx, script, script_args)
  if not chunk then return code end
  return run_chunk(ctx, chunk, script_args)
end

--- `luaforce -e CODE [ARGS...]`
function M.execute(ctx, code, pos)
  require("luaforce.cli.connect").apply(ctx, {})
  local chunk, err = load(code, "=(command line)", "t")
  if not chunk then
    io.stderr:write("luaforce: ", err, "\n")
    return errors.EXIT.SCRIPT
  end
  local a = { [0] = "-e" }
  for i, v in ipairs(pos) do a[i] = v end
  _G.arg = a
  return run_chunk(ctx, chunk, pos)
end

return M
