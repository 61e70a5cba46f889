--- luaforce.cli.repl: `luaforce repl`, an interactive session with an org.
--
-- Connected at start (the connection options of every command), with `org`
-- (the connection) and `sf` (require "luaforce") in scope. Each line is
--   SELECT ...      SOQL (checked with soql.parse, then every page fetched,
--                   at most MAX_RECORDS records) printed as a table
--   = EXPR          FEEL, evaluated against the last result `_`; its
--                   value prints as JSON and becomes `_feel`
--   .COMMAND ...    a dot command (.help lists them)
--   anything else   Lua, as the `lua` REPL takes it: an expression prints
--                   its values, an incomplete chunk keeps reading (`>>`)
-- `_` is the last Salesforce result as the screen shows it
-- (luaforce.cli.repl_last says which lines set it). Values print through
-- luaforce.cli.repl_show, describes through luaforce.cli.describe_rows.
--
-- The terminal side is luaforce.core.repl (libedit: editing, history, Tab
-- completion from luaforce.cli.repl_complete, Ctrl-C). Each line runs
-- through repl.call, which arms Ctrl-C like the host does for a whole
-- command: the interrupt error ends the line's work and the session goes
-- on. When standard input is not a terminal (or the program has no
-- luaforce.core.repl), lines are read plainly: no prompt, no banner, no
-- history; the exit code is then that of the first line that failed (0
-- when none did), and Ctrl-C ends the session (exit 130).
--
-- History: luaforce.cli.repl_history (a 0600 file, lines that may hold a
-- secret never written).
local args = require "luaforce.cli.args"
local common = require "luaforce.cli.common"
local errors = require "luaforce.errors"
local explain = require "luaforce.client.explain"
local json = require "luaforce.json"

local M = {}

M.MAX_RECORDS = 10000
M.FORMATS = { "table", "json", "ndjson", "csv" }

M.summary = "explore an org interactively: SOQL, FEEL and Lua with completion"
M.spec = {
  command = "repl",
  usage = "luaforce repl [OPTIONS]",
  max_args = 0,
  options = common.with({
    { name = "format", short = "f", arg = "FMT", choices = M.FORMATS,
      help = "how results print: table, json, ndjson or csv (default: table on a terminal, else json)" },
    { name = "no-history", help = "neither read nor write the history file" },
  }, common.connection),
}
M.description = [[
Starts an interactive session connected to the org (the same connection
options as every command), with `org` (the connection) and `sf`
(require "luaforce") in scope. A line starting with SELECT runs as SOQL and
prints a table; `= EXPR` evaluates FEEL against the last Salesforce result
`_` (a query's records, a get's record) and prints JSON (the value is kept
as `_feel`, `_` stays); anything else is Lua (an unfinished chunk continues
on the next line, an expression prints its value). Dot commands: .help,
.connect, .describe, .format, .limits, .save, .history, .quit.

Tab completes object and field names in SOQL, Lua globals and org's
methods, FEEL builtins after `=`. Ctrl-C cancels the line being typed or
stops the running request; Ctrl-D or .quit leaves. History is kept in
$XDG_STATE_HOME/luaforce/history (mode 0600); lines that may hold a token or
a secret are never written there. With standard input not a terminal, the
lines are read and run in order (printf '1+1\n' | luaforce repl). See
docs/repl.md.]]
M.examples = {
  "luaforce repl --instance local",
  "luaforce repl --profile prod",
  "printf 'SELECT Name FROM Account LIMIT 3\\n= count(_)\\n' | luaforce repl --instance local",
}

local HELP = [[
Lines:
  SELECT ...        run SOQL, print the records as a table (all in _)
  = EXPR            evaluate FEEL against the last result: = count(_),
                    = Name after a get; prints JSON, kept as _feel
  LUA               run Lua; an expression prints its value; org and sf are
                    in scope; an unfinished chunk continues (>> prompt)
_ is the last Salesforce result as shown: a query's records, a get's record,
a describe; FEEL lines and other Lua values leave it as it was.
Dot commands:
  .help             this text
  .connect [OPTS]   connect again (--instance, --token, --profile, ...)
  .describe         the org's objects: name, label, prefix, flags
  .describe OBJECT  the object's fields: type, flags, picklist values, ...
  .format [FMT]     how results print: table, json, ndjson, csv
  .limits           API usage and the org's limits
  .save FILE        write the last result (_) as JSON
  .history [N]      the last N lines of history (default 50)
  .quit             leave (also Ctrl-D)
Keys: Tab completes; Ctrl-C cancels the line or stops a running request;
Ctrl-R searches the history.]]

local COMMAND_NAMES = { ".help", ".connect", ".describe", ".format", ".limits", ".save", ".history", ".quit", ".exit" }

---------------------------------------------------------------------------
-- The session

local Session = {}
Session.__index = Session

local function write(...) io.stdout:write(...) end
local function warn(...) io.stderr:write(...) end

function Session:out(text)
  write(text)
  if text ~= "" and text:sub(-1) ~= "\n" then write("\n") end
end

function Session:show(v, extra)
  local show = require "luaforce.cli.repl_show"
  local o = { format = self.format, width = self:width(), ctx = self.ctx }
  for k, x in pairs(extra or {}) do o[k] = x end
  self:out(show.text(v, o))
end

function Session:width()
  return require("luaforce.cli.format").terminal_width()
end

-- A failure of a line: printed, and remembered for the exit code when the
-- input is not a terminal (errors.outcome_exit: an unknown outcome, then an
-- interruption, then the first failure; a session's lines are not items of
-- a batch, so lines that worked do not make it a partial failure).
function Session:fail(err, traceback)
  local code
  if err == errors.interrupted then
    warn("interrupted\n")
    code = errors.EXIT.INTERRUPTED
  elseif errors.is(err) then
    -- read as the commands and scripts read it (luaforce.client.explain)
    local shown = explain.brief(err)
    warn("error: ", tostring(shown), "\n")
    if self.ctx.verbose and shown.details then warn(tostring(shown.details), "\n") end
    if self.ctx.verbose and traceback then warn(traceback, "\n") end
    code = err.exit or errors.EXIT.API
  else
    local msg = type(err) == "string" and err or tostring(err)
    warn(msg, "\n")
    if self.ctx.verbose and traceback and not msg:find("stack traceback:", 1, true) then
      warn(traceback, "\n")
    end
    code = errors.EXIT.SCRIPT
  end
  -- the session's exit code: the most serious failure (errors.outcome_exit)
  local o = self.outcomes or { failed = {}, unknown = 0 }
  self.outcomes = o
  if code == errors.EXIT.UNKNOWN then o.unknown = o.unknown + 1
  elseif code == errors.EXIT.INTERRUPTED then o.interrupted = true
  else o.failed[#o.failed + 1] = code end
  self.failed = errors.outcome_exit(o)
  if errors.is_interrupt(err) then self.interrupted = true end
end

---------------------------------------------------------------------------
-- Lua lines

-- A traceback without the REPL's own frames below the line's chunk.
local function trim(tb)
  local cut = tb:find("in main chunk\n", 1, true)
  if cut then tb = tb:sub(1, cut + #"in main chunk" - 1) end
  return tb
end

-- Compiles `src` as `lua` does: first as `return src` (an expression),
-- then as statements. Returns the chunk; or nil, "incomplete"; or nil, err.
local function compile(src, env, first)
  if first then
    local chunk = load("return " .. src, "=stdin", "t", env)
    if chunk then return chunk end
  end
  local chunk, err = load(src, "=stdin", "t", env)
  if chunk then return chunk end
  if err:sub(-5) == "<eof>" then return nil, "incomplete" end
  return nil, err
end

function Session:run_lua(chunk)
  local tb
  local function handler(e)
    tb = trim(debug.traceback(nil, 2))
    if type(e) == "string" then return e end
    return e
  end
  local r = table.pack(xpcall(chunk, handler))
  if not r[1] then return self:fail(r[2], tb) end
  if r.n < 2 then return end
  -- `nil, err` from a call that failed (org:get, json.decode, ...) is a
  -- failure, as `assert` would make it: on standard error, in the exit code
  if r[2] == nil and r.n == 3 and errors.is(r[3]) then return self:fail(r[3]) end
  local last = require("luaforce.cli.repl_last").from_lua(r[2], self.env)
  if last ~= nil then self.env._ = last end
  local scalars = true
  for i = 2, r.n do
    if type(r[i]) == "table" then scalars = false end
  end
  if scalars and self.format == "table" then
    local show = require "luaforce.cli.repl_show"
    local parts = {}
    for i = 2, r.n do
      parts[#parts + 1] = type(r[i]) == "string" and r[i] or show.render(r[i])
    end
    return self:out(table.concat(parts, "\t"))
  end
  for i = 2, r.n do self:show(r[i]) end
end

-- A line of Lua, or the next line of an unfinished chunk.
function Session:lua(line)
  local src = self.pending and (self.pending .. "\n" .. line) or line
  local chunk, err = compile(src, self.env, self.pending == nil)
  if err == "incomplete" then
    self.pending = src
    return
  end
  self.pending = nil
  if not chunk then return self:fail(err) end
  return self:run_lua(chunk)
end

---------------------------------------------------------------------------
-- SOQL and FEEL lines

function Session:soql(text)
  local soql = require "luaforce.soql"
  local q, perr = soql.parse(text)
  if not q then
    -- as `luaforce query` says it: what and where, the row with a caret
    return self:fail(require("luaforce.cli.query").malformed(text, perr))
  end
  local org = self.org
  local list = json.array {}
  local it = org:records(text, { max = M.MAX_RECORDS })
  local ok, err = pcall(function()
    for rec in it do list[#list + 1] = rec end
  end)
  if not ok then
    if err ~= errors.interrupted and errors.is(err) then
      local connect = require "luaforce.cli.connect"
      local _, nicer = pcall(connect.fail, err, org)
      if errors.is(nicer) then err = nicer end
    end
    return self:fail(err)
  end
  local total = math.tointeger(it.total)
  local format = require "luaforce.cli.format"
  local columns = format.columns_from_soql(q)
  if columns and #columns == 0 then
    -- SELECT COUNT() FROM ...: no records, a count
    self.env._ = total or #list
    return self:out(tostring(total or #list))
  end
  self.env._ = list
  if #list == 0 and self.format == "table" then return self:out("(0 records)") end
  self:show(list, { columns = columns, total = total })
end

function Session:feel(expr)
  local feel = require "luaforce.feel"
  local compiled, err = feel.compile(expr)
  if not compiled then
    return self:fail(errors.new { code = "FEEL_SYNTAX", message = err.message .. "\n" .. (err.excerpt or ""),
      exit = errors.EXIT.USAGE })
  end
  local context = require("luaforce.cli.repl_last").feel_context(self.env)
  local value, warnings, failure = compiled:eval(context)
  local show = require "luaforce.cli.repl_show"
  local others = {}
  for _, w in ipairs(warnings or {}) do
    if w ~= failure then others[#others + 1] = w end
  end
  io.stdout:flush()
  warn(show.warnings(others))
  if failure then
    return self:fail(errors.new { code = "FEEL_FAILED", message = tostring(failure.message) })
  end
  if value == nil then value = json.null end
  self.env._feel = value
  if self.format ~= "table" then return self:show(value) end
  self:out(show.feel(value, { width = self:width(), name = "_feel" }))
end

---------------------------------------------------------------------------
-- Dot commands

-- Words of a dot command line: blanks separate, quotes group.
local function words(s)
  local out, i, n = {}, 1, #s
  while i <= n do
    local c = s:sub(i, i)
    if c:match("%s") then
      i = i + 1
    else
      local buf = {}
      while i <= n and not s:sub(i, i):match("%s") do
        c = s:sub(i, i)
        if c == "'" or c == '"' then
          local close = s:find(c, i + 1, true) or (n + 1)
          buf[#buf + 1] = s:sub(i + 1, close - 1)
          i = close + 1
        else
          buf[#buf + 1] = c
          i = i + 1
        end
      end
      out[#out + 1] = table.concat(buf)
    end
  end
  return out
end

local commands = {}

commands[".help"] = function(self)
  self:out(HELP)
end

commands[".quit"] = function(self)
  self.done = true
end
commands[".exit"] = commands[".quit"]

-- Secrets the session knows of, added to `known` (the history filter's
-- list): never written to the history file. The token cached on disk for
-- client credentials counts before any request has used it: a person may
-- paste it before the first query.
local function known_secrets(opts, org, known)
  known = known or {}
  local function add(v) if type(v) == "string" and #v >= 4 then known[#known + 1] = v end end
  add(opts.token)
  add(os.getenv("SF_ACCESS_TOKEN"))
  add(os.getenv("SF_CLIENT_SECRET"))
  local connect = require "luaforce.cli.connect"
  local emu = connect.emulator()
  if emu then add(emu.token) end
  local a = org and org.auth
  if a and a.type == "bearer" and a.opts then add(a.opts.token) end
  if a and a.type == "oauth-client-credentials" and a.key then
    local cached = require("luaforce.auth.store").get(a.key, { disk = true })
    if cached then add(cached.access_token) end
  end
  return known
end

commands[".connect"] = function(self, argv)
  local spec = { command = "repl .connect", usage = ".connect [OPTIONS]", max_args = 0,
    options = common.connection }
  local opts = self.opts
  if #argv > 0 then
    local parsed, err = args.parse(argv, spec, 1)
    if not parsed then return self:fail(err) end
    opts = parsed
  end
  local connect = require "luaforce.cli.connect"
  local org = connect.org(self.ctx, opts)
  self.org, self.env.org = org, org
  if self.known then known_secrets(opts, org, self.known) end
  self:out(("connected to %s (API %s)"):format(self:where(), org.api_version))
end

-- `.describe` alone lists the objects (describe_global); with an object,
-- its fields. The whole answer becomes `_`.
commands[".describe"] = function(self, argv)
  local object = argv[1]
  local rd = require "luaforce.cli.describe_rows"
  local answer, err
  if object then answer, err = self.org:describe(object) else answer, err = self.org:describe_global() end
  if not answer then
    local connect = require "luaforce.cli.connect"
    local _, nicer = pcall(connect.fail, err, self.org, object)
    return self:fail(errors.is(nicer) and nicer or err)
  end
  self.env._ = answer
  local rows, columns = (object and rd.field_rows or rd.object_rows)(answer, { all_values = self.format ~= "table" })
  if self.format == "table" then rows = rd.fit(rows, columns, self:width()) end
  self:show(rows, { columns = columns, max_rows = #rows, noun = object and "field" or "object" })
end

commands[".format"] = function(self, argv)
  local f = argv[1]
  if not f then return self:out("format: " .. self.format) end
  for _, name in ipairs(M.FORMATS) do
    if name == f then
      self.format = f
      return self:out("format: " .. f)
    end
  end
  local near = args.nearest(f, M.FORMATS)
  self:fail(errors.usage(("unknown format '%s'"):format(f),
    near and ("did you mean " .. near .. "?") or "table, json, ndjson or csv"))
end

commands[".limits"] = function(self)
  local info, err = self.org:limits()
  if not info then return self:fail(err) end
  self.env._ = info
  local rows = {}
  for name, v in pairs(type(info.limits) == "table" and info.limits or {}) do
    if type(v) == "table" then
      local max, rem = v.Max, v.Remaining
      local used = (type(max) == "number" and type(rem) == "number") and (max - rem) or json.null
      rows[#rows + 1] = json.object({ name = name, max = max or json.null, remaining = rem or json.null, used = used },
        { "name", "max", "remaining", "used" })
    end
  end
  table.sort(rows, function(a, b) return a.name < b.name end)
  if info.used then
    self:out(("API requests: %d of %d used, %d remaining"):format(info.used, info.max, info.remaining))
  end
  if #rows > 0 then
    self:show(json.array(rows), { columns = { "name", "max", "remaining", "used" }, max_rows = #rows,
      noun = "limit" })
  end
end

commands[".save"] = function(self, argv)
  local path = argv[1]
  if not path then return self:fail(errors.usage(".save needs a file name", ".save accounts.json")) end
  local v = self.env._
  if v == nil then return self:fail(errors.usage("nothing to save: there is no last result yet")) end
  local text, err = json.encode(v, { pretty = true })
  if not text then return self:fail(errors.usage("the last result cannot be written as JSON: " .. err.message)) end
  local output = require "luaforce.output.sink"
  local sink, oerr = output.open(path)
  if not sink then return self:fail(oerr) end
  local ok, werr = sink:write(text .. "\n")
  if not ok then
    sink:abort()
    return self:fail(werr)
  end
  ok, werr = sink:commit()
  if not ok then return self:fail(werr) end
  local what = json.is_array(v) and ("%d item%s"):format(#v, #v == 1 and "" or "s") or "the last result"
  self:out(("saved %s to %s"):format(what, path))
end

commands[".history"] = function(self, argv)
  local n = math.tointeger(tonumber(argv[1] or "")) or 50
  local list = self.editor and self.editor:history() or {}
  local first = math.max(1, #list - n + 1)
  local out = {}
  for i = first, #list do out[#out + 1] = ("%5d  %s"):format(i, list[i]) end
  if #out == 0 then out[1] = "(no history)" end
  if self.history and self.history.off then out[#out + 1] = "(not saved: " .. self.history.off .. ")" end
  self:out(table.concat(out, "\n"))
end

function Session:dot(line)
  local argv = words(line)
  local name = table.remove(argv, 1)
  local fn = commands[name]
  if not fn then
    local near = args.nearest(name, COMMAND_NAMES)
    return self:fail(errors.usage(("unknown command '%s'"):format(name),
      near and ("did you mean " .. near .. "?") or "type .help for the commands"))
  end
  return fn(self, argv)
end

---------------------------------------------------------------------------
-- One line

function Session:line(line)
  if self.pending then return self:lua(line) end
  local trimmed = line:match("^%s*(.-)%s*$")
  if trimmed == "" then return end
  if trimmed:sub(1, 1) == "." and trimmed:match("^%.%a") then return self:dot(trimmed) end
  if trimmed:match("^[Ss][Ee][Ll][Ee][Cc][Tt]%f[^%w_]") then return self:soql(trimmed) end
  if trimmed:sub(1, 1) == "=" then return self:feel((trimmed:sub(2):gsub("^%s+", ""))) end
  return self:lua(line)
end

function Session:where()
  local connect = require "luaforce.cli.connect"
  local emu = connect.emulator()
  if emu and self.org and self.org.instance_url == emu.url then
    return "the local org (" .. emu.url .. ")"
  end
  return self.org and tostring(self.org.instance_url) or "?"
end

---------------------------------------------------------------------------
-- Reading lines

-- The line source: the libedit editor on a terminal, else plain lines.
local function open_reader(session, no_history)
  -- luaforce.core.repl (libedit) is linked into the luaforce program only:
  -- a stock lua5.4 loading luaforce/core.so has none, and reads plain lines.
  -- Optional by design, so its absence is no error.
  local ok, core = pcall(require, "luaforce.core.repl")
  local sys = require "luaforce.core.sys"
  local tty = sys.isatty(0) and sys.isatty(1)
  if ok and tty then
    local complete = require("luaforce.cli.repl_complete").new {
      org = function() return session.org end,
      env = session.env,
      last = function() return require("luaforce.cli.repl_last").shown(session.env._) end,
      commands = COMMAND_NAMES,
      formats = M.FORMATS,
      connect_options = (function()
        local names = {}
        for _, o in ipairs(common.connection) do names[#names + 1] = "--" .. o.name end
        return names
      end)(),
    }
    local ed = core.editor { complete = complete, history_size = require("luaforce.cli.repl_history").MAX }
    if ed then
      session.editor = ed
      if not no_history then
        local h = require("luaforce.cli.repl_history").open { known = session.known }
        session.history = h
        for _, l in ipairs(h.lines) do ed:add_history(l) end
        if h.off then warn("luaforce: history is off: ", h.off, "\n") end
      end
      return {
        interactive = true,
        call = core.call,
        read = function(prompt) return ed:readline(prompt) end,
        remember = function(line)
          ed:add_history(line)
          if session.history then session.history:add(line) end
        end,
      }
    end
  end
  local prompt_to = sys.isatty(0) and io.stderr or nil
  return {
    interactive = false,
    call = ok and core.call or pcall,
    read = function(prompt)
      if prompt_to then
        prompt_to:write(prompt)
        prompt_to:flush()
      end
      io.stdout:flush()
      local line = io.stdin:read("l")
      if line == nil then return nil, "eof" end
      return line
    end,
    remember = function() end,
  }
end

function M.run(ctx, opts)
  local connect = require "luaforce.cli.connect"
  connect.apply(ctx, opts) -- sf.connect() in the session resolves as the session did
  local org = connect.org(ctx, opts)
  local env = setmetatable({}, { __index = _G })
  env.org, env.sf = org, require "luaforce"
  local session = setmetatable({ ctx = ctx, opts = opts, org = org, env = env,
    format = opts.format or require("luaforce.cli.format").default_format() }, Session)
  session.known = known_secrets(opts, org)
  local reader = open_reader(session, opts.no_history)
  if reader.interactive and not ctx.quiet then
    write(("luaforce %s: connected to %s (API %s)\n"):format(require("luaforce").version, session:where(),
      org.api_version))
    write("Type .help for help, Tab to complete, .quit or Ctrl-D to leave.\n")
  end
  local function step(line)
    reader.remember(line)
    session:line(line)
  end
  while not session.done do
    local line, why = reader.read(session.pending and ">> " or "> ")
    if not line then
      if why ~= "interrupted" then break end
      session.pending = nil -- Ctrl-C drops an unfinished chunk too
    else
      local ok, err = reader.call(step, line)
      if not ok then session:fail(err) end
      -- a named local org is saved after each line that changed it: a crash loses one line at most
      local emu = connect.emulator()
      local saved, serr = true, nil
      if emu then saved, serr = emu:save() end
      if saved == nil then session:fail(serr) end
      if not reader.interactive and session.interrupted then break end
      session.interrupted = nil
    end
  end
  if session.editor then session.editor:close() end -- the terminal as it was
  if reader.interactive then return 0 end
  if session.pending then
    session:fail(errors.usage("the input ended inside an unfinished Lua chunk"))
  end
  return session.failed or 0
end

-- for the specs
M.Session = Session
M.words = words
M.compile = compile

return M
