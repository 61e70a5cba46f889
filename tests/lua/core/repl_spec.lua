-- luaforce.core.repl, the REPL's line editor (libedit; the luaforce program
-- only, not luaforce/core.so): driven on a pseudo-terminal by a private tmux
-- server, as in tests/e2e/repl_spec.lua, with a script that makes an editor of
-- its own. Here: an error raised by the completion function (called from
-- inside libedit) comes out of ed:readline once the line is done, with the
-- traceback of where it was raised.
local proc = require "support.proc"

local q = proc.quote

local function sh_out(cmd)
  local r = proc.sh(cmd)
  return r.stdout .. r.stderr
end

-- Polls until check() gives a value (or `tries` rounds of 50 ms passed).
local function poll(check, tries)
  for _ = 1, tries or 400 do
    local v = check()
    if v then return v end
    proc.sleep(0.05)
  end
end

describe("luaforce.core.repl on a terminal", function()
  it("raises the completion function's error after the line, with its traceback", function()
    if not io.open(proc.bin, "r") then return pending("no luaforce binary at " .. proc.bin) end
    if sh_out("command -v tmux") == "" then return pending("no tmux") end
    local out = os.tmpname()
    os.remove(out)
    local script = proc.write(os.tmpname(), [[
      local repl = require "luaforce.core.repl"
      local ed = assert(repl.editor { complete = function()
        error("completion broke", 0) -- line 3
      end })
      local ok, err = pcall(ed.readline, ed, "edit> ")
      local f = assert(io.open(arg[1], "w"))
      f:write(tostring(ok), "\n", tostring(err))
      f:close()
    ]])
    local sock = os.tmpname()
    os.remove(sock)
    local function tmux(args) return sh_out(("tmux -S %s %s"):format(q(sock), args)) end
    local cmd = ("TERM=xterm %s run %s %s; sleep 60"):format(q(proc.bin), q(script), q(out))
    assert.equal("", tmux("new-session -d -s t -x 120 -y 20 " .. q(cmd)))
    local prompt = poll(function() return tmux("capture-pane -p -t t"):find("edit>", 1, true) end)
    if prompt then
      tmux("send-keys -t t Tab")
      tmux("send-keys -t t -l x")
      tmux("send-keys -t t Enter")
    end
    local got = poll(function()
      local text = proc.sh("cat " .. q(out)).stdout
      return text ~= "" and text
    end)
    tmux("kill-server")
    os.remove(sock)
    os.remove(script)
    os.remove(out)
    assert.truthy(prompt, "no prompt")
    assert.truthy(got, "the script did not finish")
    assert.matches("^false\ncompletion broke\nstack traceback:\n", got)
    assert.matches(":3: in function", got)
  end)
end)
