--- luaforce.cli.chain: `luaforce chain FILE.lua [--plan] [--dry-run]
-- [--state FILE | --resume FILE] [--concurrency N] [--window N]
-- [--all-or-none] [-- ARGS...]`.
--
-- FILE.lua builds a chain and returns it (`return chain(org):query(...)...`);
-- this command plans or runs it (luaforce.chain), keeps its state so that a
-- run cut short resumes without sending a finished write again, prints the
-- summary and exits with the run's code (the precedence table). A script
-- that returns anything else is refused (exit 2); one that ran its chain
-- itself (it returned the report) exits with the report's code and a note
-- (2 under --plan or --dry-run: its writes were sent all the same).
local common = require "luaforce.cli.common"
local errors = require "luaforce.errors"
local run_cmd = require "luaforce.cli.run"
local sys = require "luaforce.core.sys"

local M = {}

M.summary = "run a step chain script (plan it, dry-run it, resume it)"
M.spec = {
  command = "chain",
  usage = "luaforce chain FILE.lua [OPTIONS] [-- ARGS...]",
  args = "FILE.lua",
  min_args = 1,
  options = common.with({
    { name = "plan", help = "show the requests the chain would make, and send nothing" },
    { name = "dry-run", help = "make only the reads; print the writes instead of sending them" },
    { name = "state", arg = "FILE", help = "keep the run's state in FILE (a new file)" },
    { name = "resume", arg = "FILE", help = "go on from the state FILE of a run cut short or with failures" },
    { name = "concurrency", arg = "N", help = "requests in flight (default 4)" },
    { name = "window", arg = "N", help = "items worked on together (default 2000)" },
    { name = "all-or-none", help = "every write in one request that Salesforce rolls back as a whole, or refuse" },
  }, common.connection),
}
M.description = [[
Runs FILE.lua, a Lua script that builds a step chain and returns it
(docs/chains.md):

  local sf, chain = require "luaforce", require "luaforce.chain"
  local org = sf.connect()
  return chain(org):query("SELECT Id FROM Opportunity WHERE ...")
                   :update("Opportunity", "=Id", {StageName = "Closed Lost"})

Options go before or after FILE.lua; the arguments after `--` (and any
other word after FILE.lua) are the script's `...` and `arg`, as with
`luaforce run`. The chain then runs here: its summary goes to standard
error, a dry run's writes to standard output.

State: every run keeps a state file (--state FILE, else one under
$XDG_STATE_HOME/luaforce/chains/, removed again when the run, or a later
--resume of it, ends with nothing left to do). After Ctrl-C, a crash or
failures, --resume FILE goes on from it: finished writes are not sent
again, a write whose answer was lost stays "outcome unknown" (check it in
the org), a create with an external_id is sent again as an upsert on it,
failed items run again after their last finished write. Items are found
again by their keys (a query's Id, or its key): with state kept, a query
whose records have none is refused.

Exit codes follow the precedence table (luaforce --help): 6 when any
write's outcome is unknown, 130 when interrupted, 0 when nothing failed,
1 when some items failed and others were done, else the first failure's
code (2 bad input, 7 a bpmnError, 8 a jobError with no retries left, ...).
--all-or-none refuses with 2 before anything is written when Salesforce
cannot roll the writes back together.]]
M.examples = {
  "luaforce chain close-stale.lua --plan --instance local",
  "luaforce chain close-stale.lua --dry-run",
  "luaforce chain close-stale.lua --state close.state --concurrency 8",
  "luaforce chain close-stale.lua --resume close.state",
  "luaforce chain close-stale.lua --instance local -- --since 2024-01-01",
}

local function whole(name, text)
  if text == nil then return nil end
  local n = math.tointeger(tonumber(text))
  if not n or n < 1 then
    error(errors.usage(("--%s needs a whole number from 1 up, not '%s'"):format(name, tostring(text))), 0)
  end
  return n
end

-- Where the command keeps the state files it chooses: under $XDG_STATE_HOME.
local function state_dir()
  local base = os.getenv("XDG_STATE_HOME")
  if not base or base == "" then
    local home = os.getenv("HOME")
    if not home or home == "" then return nil end
    base = home .. "/.local/state"
  end
  return base .. "/luaforce/chains"
end

-- A state file of the command's own choosing.
local function default_state(script)
  local dir = state_dir()
  if not dir or not sys.mkdirs(dir, 448) then return nil end
  local name = (script:match("([^/]+)$") or "chain"):gsub("%.lua$", ""):gsub("[^%w._-]", "_")
  for i = 0, 99 do
    local path = ("%s/%s-%s%s.state"):format(dir, name, os.date("!%Y%m%dT%H%M%SZ"), i > 0 and ("-" .. i) or "")
    if not sys.stat(path) then return path end
  end
  return nil
end

function M.run(ctx, opts, pos)
  require("luaforce.cli.connect").apply(ctx, opts)
  if opts.state and opts.resume then
    error(errors.usage("--state and --resume name one state file: give one of them",
      "--resume FILE goes on in FILE"), 0)
  end
  local concurrency, window = whole("concurrency", opts.concurrency), whole("window", opts.window)
  local script = pos[1]
  local script_args = { table.unpack(pos, 2) }
  local chunk, code = run_cmd.load(ctx, script, script_args)
  if not chunk then return code end
  local results = table.pack(run_cmd.protected(ctx, chunk, script_args))
  if not results[1] then return results[2] end
  local c = results[2]
  local chain = require "luaforce.chain"
  if require("luaforce.chain.report").is(c) then
    -- c:run() inside the script: it ran there, with none of this command's
    -- options; its code stands, unless a plan or dry run was asked for
    io.stderr:write(("luaforce: %s ran its chain itself (it returned the report, not the chain): --plan, --dry-run "
      .. "and the state file apply to a chain it returns (end it with: return chain(org):...)\n"):format(script))
    if opts.plan or opts.dry_run then return errors.EXIT.USAGE end
    return c.exit
  end
  if not chain.is(c) then
    error(errors.usage(("%s must return the chain it builds, not %s"):format(script,
      c == nil and "nothing" or type(c)), "end it with: return chain(org):query(...)..."), 0)
  end
  if opts.plan then
    local p = c:plan { all_or_none = opts.all_or_none or nil }
    io.stdout:write(tostring(p), "\n")
    return p.problem and (p.problem.exit or errors.EXIT.USAGE) or 0
  end
  local state, chosen = opts.resume or opts.state, false
  if opts.resume then
    -- a file the command chose goes once the resumed run leaves nothing to do
    local dir = state_dir()
    local path = opts.resume
    if path:sub(1, 1) ~= "/" then
      -- a relative path names the same file: compare from the root
      local cwd = os.getenv("PWD")
      if cwd and cwd ~= "" then path = cwd .. "/" .. path end
    end
    path = path:gsub("/%./", "/"):gsub("//+", "/")
    chosen = dir ~= nil and path:sub(1, #dir + 1) == dir .. "/"
  elseif not state and not opts.dry_run then
    state = default_state(script)
    chosen = state ~= nil
    if not state and not ctx.quiet then
      io.stderr:write("luaforce: note: no state file is kept (neither XDG_STATE_HOME nor HOME is set, or its "
        .. "folder cannot be made): give --state FILE to make the run resumable\n")
    end
  end
  local say = function(line)
    if not ctx.quiet then io.stderr:write(line, "\n") end
  end
  local ok, report = run_cmd.protected(ctx, function()
    return c:run { concurrency = concurrency, window = window, dry_run = opts.dry_run or nil,
      all_or_none = opts.all_or_none or nil, state = state, resume = opts.resume and true or nil,
      print = function(line)
        -- a dry run's writes are the command's output; the summary is news
        if line:match("^chain") then say(line) else io.stdout:write(line, "\n") end
      end }
  end, {})
  if not ok then return report end
  if chosen and report.exit == 0 and not opts.dry_run then
    os.remove(state)
  elseif chosen and state and (report.counts.failed > 0 or report.counts.unknown > 0) then
    say(("luaforce: resume with: luaforce chain %s --resume %s"):format(script, state))
  end
  return report.exit
end

return M
