--- Test support: a person at a terminal, for `luaforce repl`: a tmux
-- session 200x50 (a private tmux server per terminal) running the REPL.
--
--   local t = term.Term.start({ "--instance", "local" }, { HOME = dir })
--   t:line("1 + 1"); t:wait_for("\n2\n>$"); t:press("C-d"); t:stop()
--   term.sh_out(cmd) -> what a shell command printed (both streams)
--   term.now() -> seconds on a monotonic clock
local proc = require "support.proc"

local M = {}

function M.sh_out(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  p:close()
  return out
end

function M.now()
  local ok, sys = pcall(require, "luaforce.core.sys")
  if ok then return sys.monotonic_ms() / 1000 end
  return os.time()
end

local sh_out, now = M.sh_out, M.now

local Term = {}
Term.__index = Term

-- Starts `luaforce repl ARGS` in a new pseudo-terminal with `env`.
function Term.start(args, env)
  -- a socket of our own: tmux leaves it behind, stop() removes it
  local sock = os.tmpname()
  os.remove(sock)
  local t = setmetatable({ sock = sock }, Term)
  local parts = { "env" }
  for k, v in pairs(env or {}) do parts[#parts + 1] = k .. "=" .. proc.quote(v) end
  parts[#parts + 1] = "TERM=xterm"
  parts[#parts + 1] = proc.quote(proc.bin)
  parts[#parts + 1] = "repl"
  for _, a in ipairs(args) do parts[#parts + 1] = proc.quote(a) end
  local cmd = table.concat(parts, " ") .. "; echo \"[repl exited $?]\"; sleep 600"
  local out = sh_out(("tmux -S %s new-session -d -s repl -x 200 -y 50 %s"):format(proc.quote(t.sock), proc.quote(cmd)))
  assert(out == "", "tmux did not start: " .. out)
  t.mark = 1
  return t
end

function Term:tmux(args)
  return sh_out(("tmux -S %s %s"):format(proc.quote(self.sock), args))
end

-- The whole screen and its scrollback, wrapped lines joined, as lines.
function Term:lines()
  local text = self:tmux("capture-pane -p -J -S - -t repl")
  local lines = {}
  -- tmux pads the cursor's line with blanks: lines end without them here
  for line in (text .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = (line:gsub("%s+$", "")) end
  while #lines > 0 and lines[#lines]:match("^%s*$") do lines[#lines] = nil end
  return lines
end

function Term:screen()
  return table.concat(self:lines(), "\n")
end

-- What appeared since the last mark (the line where typing began on).
function Term:since()
  local lines = self:lines()
  return table.concat(lines, "\n", math.min(self.mark, #lines + 1))
end

-- Waits until `pattern` (a Lua pattern; `plain` for text) shows since the
-- mark; returns the text, or fails the test with the screen.
function Term:wait_for(pattern, seconds, plain)
  local deadline = now() + (seconds or 10)
  repeat
    local text = self:since()
    if text:find(pattern, 1, plain) then return text end
    proc.sleep(0.05)
  until now() > deadline
  error(("timed out waiting for %q; the screen:\n%s"):format(pattern, self:screen()), 2)
end

-- Types `text` literally (no Enter).
function Term:type(text)
  self.mark = math.max(1, #self:lines())
  self:tmux("send-keys -t repl -l " .. proc.quote(text))
end

-- Presses keys by tmux's names: "Enter", "Tab", "C-c", "Left", ...
function Term:press(...)
  local keys = {}
  for i = 1, select("#", ...) do keys[i] = (select(i, ...)) end
  self:tmux("send-keys -t repl " .. table.concat(keys, " "))
end

-- Types a line and presses Enter.
function Term:line(text)
  self:type(text)
  self:press("Enter")
end

-- Waits for the prompt at the end of the screen: the REPL is ready.
function Term:ready(seconds)
  local deadline = now() + (seconds or 15)
  repeat
    local lines = self:lines()
    if lines[#lines] == ">" then return end
    proc.sleep(0.05)
  until now() > deadline
  error("no prompt; the screen:\n" .. self:screen(), 2)
end

function Term:stop()
  self:tmux("kill-server")
  os.remove(self.sock)
end

M.Term = Term

return M
