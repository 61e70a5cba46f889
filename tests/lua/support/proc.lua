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

return M
