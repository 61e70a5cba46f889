--- Test support: run the luaforce binary (or any command) as a user would,
-- capturing standard output, standard error and the exit code.
local M = {}

M.root = os.getenv("LUAFORCE_ROOT") or "."
M.bin = os.getenv("LUAFORCE_BIN") or (M.root .. "/build/luaforce")

function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

function M.tmpname()
  return os.tmpname()
end

function M.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

--- Runs a shell command line; opts.stdin (text), opts.env (name -> value).
-- Returns {code = exit code, stdout = text, stderr = text}.
function M.sh(cmdline, opts)
  opts = opts or {}
  local out, err = os.tmpname(), os.tmpname()
  local inp = M.write(os.tmpname(), opts.stdin or "")
  local env = {}
  for k, v in pairs(opts.env or {}) do env[#env + 1] = k .. "=" .. M.quote(v) end
  local full = ("%s %s <%s >%s 2>%s"):format(
    #env > 0 and ("env " .. table.concat(env, " ")) or "", cmdline, inp, out, err)
  local _, _, code = os.execute(full)
  local r = { code = code, stdout = slurp(out), stderr = slurp(err) }
  os.remove(out); os.remove(err); os.remove(inp)
  return r
end

--- Runs luaforce with a list of arguments (each quoted).
function M.luaforce(args, opts)
  local parts = { M.quote(M.bin) }
  for _, a in ipairs(args) do parts[#parts + 1] = M.quote(a) end
  return M.sh(table.concat(parts, " "), opts)
end

--- Starts luaforce in the background, sends SIGINT after `delay` seconds and
-- returns its exit code and output: what Ctrl-C does to a running command.
function M.interrupt(args, delay)
  local parts = { M.quote(M.bin) }
  for _, a in ipairs(args) do parts[#parts + 1] = M.quote(a) end
  local script = ("%s & p=$!; sleep %s; kill -INT $p; wait $p"):format(table.concat(parts, " "), delay or 0.3)
  return M.sh("sh -c " .. M.quote(script))
end

local function sleep(seconds) os.execute("sleep " .. seconds) end
M.sleep = sleep

--- Starts a command in the background with stdout and stderr going to files.
-- Returns a handle: `pid`, `read_stdout()`, `read_stderr()`,
-- `wait_for(pattern, seconds)` (polls stdout for a Lua pattern; returns the
-- first capture or nil on timeout), `signal(name)` and `wait()` (the exit code).
function M.spawn(args, opts)
  opts = opts or {}
  local parts = { M.quote(opts.bin or M.bin) }
  for _, a in ipairs(args) do parts[#parts + 1] = M.quote(a) end
  local h = { out = os.tmpname(), err = os.tmpname(), rc = os.tmpname() }
  os.remove(h.rc)
  local script = ("(%s >%s 2>%s </dev/null; echo $? >%s) & echo $!"):format(
    table.concat(parts, " "), h.out, h.err, h.rc)
  local p = io.popen("sh -c " .. M.quote(script))
  local subshell = tonumber(p:read("l"))
  p:close()
  h.subshell = subshell
  -- the exit code, once the subshell has written it: the file exists from
  -- the moment the redirection creates it, a little before `echo` fills it
  local function exit_code()
    return tonumber((slurp(h.rc):match("^%s*(%d+)%s*$")))
  end
  function h.read_stdout() return slurp(h.out) end
  function h.read_stderr() return slurp(h.err) end
  function h.wait_for(pattern, seconds)
    local deadline = os.time() + (seconds or 10)
    repeat
      local cap = slurp(h.out):match(pattern)
      if cap then return cap end
      if exit_code() then return nil end
      sleep(0.05)
    until os.time() > deadline
    return nil
  end
  -- the command runs as the subshell's child: signal it, not the subshell
  function h.signal(name)
    os.execute(("pkill -%s -P %d"):format(name or "TERM", subshell))
  end
  function h.wait(seconds)
    local deadline = os.time() + (seconds or 10)
    local code = exit_code()
    while not code do
      if os.time() > deadline then return nil end
      sleep(0.05)
      code = exit_code()
    end
    return code
  end
  function h.cleanup()
    if not exit_code() then h.signal("KILL"); h.wait(5) end
    os.remove(h.out); os.remove(h.err); os.remove(h.rc)
  end
  return h
end

--- Starts `luaforce emulator --port 0` with more arguments (a list) and
-- waits for its URL: a spawn handle with `url` and `stop()` (SIGTERM, then
-- the handle's files removed). Raises when it does not start.
function M.emulator(args)
  local a = { "emulator", "--port", "0" }
  for _, x in ipairs(args or {}) do a[#a + 1] = x end
  local h = M.spawn(a)
  h.url = h.wait_for("luaforce emulator listening on (http://127%.0%.0%.1:%d+)\n", 20)
  if not h.url then
    local err = h.read_stderr()
    h.cleanup()
    error("the emulator did not start: " .. err, 2)
  end
  function h.stop()
    h.signal("TERM"); h.wait(10); h.cleanup()
  end
  return h
end

--- One HTTP exchange with the curl command. opts: method, headers (list of
-- "Name: value"), data (a request body), args (more curl arguments).
-- Returns {status =, headers = {lower-cased name = value}, body =, raw_headers =}.
function M.curl(url, opts)
  opts = opts or {}
  local body, hdr = os.tmpname(), os.tmpname()
  local parts = { "curl", "-sS", "-o", M.quote(body), "-D", M.quote(hdr), "-w", "'%{http_code}'" }
  if opts.method then parts[#parts + 1] = "-X " .. M.quote(opts.method) end
  for _, h in ipairs(opts.headers or {}) do parts[#parts + 1] = "-H " .. M.quote(h) end
  if opts.data then
    local f = M.write(os.tmpname(), opts.data)
    parts[#parts + 1] = "--data-binary @" .. M.quote(f)
  end
  for _, a in ipairs(opts.args or {}) do parts[#parts + 1] = M.quote(a) end
  parts[#parts + 1] = M.quote(url)
  local r = M.sh(table.concat(parts, " "))
  local res = { status = tonumber(r.stdout), body = slurp(body), raw_headers = slurp(hdr), headers = {},
    stderr = r.stderr, code = r.code }
  for line in res.raw_headers:gmatch("[^\r\n]+") do
    local k, v = line:match("^([^:]+):%s*(.*)$")
    if k then res.headers[k:lower()] = v end
  end
  os.remove(body); os.remove(hdr)
  return res
end

return M
