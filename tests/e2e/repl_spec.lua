-- End-to-end: `luaforce repl` as a person at a terminal meets it, driven
-- through a pseudo-terminal by tmux (a private tmux server per session,
-- started and ended here), and as a script meets it through a pipe.
local proc = require "support.proc"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"

local term = require "support.term"
local Term, sh_out, now = term.Term, term.sh_out, term.now

local function mode_of(path)
  return sh_out("stat -c %a " .. proc.quote(path)):match("%d+")
end

local function read(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function state_dir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. proc.quote(dir)))
  return dir
end

---------------------------------------------------------------------------

describe("luaforce repl on a terminal", function()
  local t, state

  setup(function()
    state = state_dir()
    t = Term.start({ "--instance", "local" }, { XDG_STATE_HOME = state, HOME = state })
    t:wait_for("connected to the local org", 20, true)
    t:ready()
  end)

  teardown(function()
    if t then t:stop() end
    os.execute("rm -rf " .. proc.quote(state))
  end)

  it("greets with the org it is connected to", function()
    local s = t:screen()
    assert.matches("luaforce %d+%.%d+%.%d+: connected to the local org %(http://127%.0%.0%.1:%d+%) %(API v%d+%.0%)", s)
    assert.matches("%.help", s)
  end)

  it("completes an sObject name after FROM", function()
    t:type("SELECT Id, Name FROM Acc")
    t:press("Tab")
    t:wait_for("> SELECT Id, Name FROM Account$")
    t:type(" LIMIT 3")
    t:press("Enter")
    local out = t:wait_for("%(3 records%)")
    assert.matches("Id%s+Name\n%-+%s+%-+\n001", out)
    t:ready()
  end)

  it("completes a field name inside the SELECT list and after a relationship", function()
    t:type("SELECT Id, Indus FROM Account LIMIT 2")
    for _ = 1, #" FROM Account LIMIT 2" do t:press("Left") end
    t:press("Tab")
    t:wait_for("> SELECT Id, Industry FROM Account LIMIT 2$")
    -- a relationship path: Owner. leads to User's fields
    t:press("C-u")
    t:wait_for("^>$")
    t:type("SELECT Owner.Userna")
    t:press("Tab")
    -- no FROM yet: the object is unknown, nothing to offer
    t:wait_for("> SELECT Owner.Userna$")
    t:type(" FROM Contact LIMIT 1")
    for _ = 1, #" FROM Contact LIMIT 1" do t:press("Left") end
    t:press("Tab")
    t:wait_for("> SELECT Owner.Username FROM Contact LIMIT 1$")
    t:press("Enter")
    t:wait_for("Owner.Username\n%-+\n[^\n]*@")
    t:ready()
    -- after WHERE a field, never the keyword AND
    t:type("SELECT Id FROM Account WHERE Ann")
    t:press("Tab")
    t:wait_for("> SELECT Id FROM Account WHERE AnnualRevenue$")
    t:press("C-u")
    t:ready()
  end)

  it("lists the candidates when several remain, names only", function()
    t:type("org:describe")
    t:press("Tab")
    local out = t:wait_for("describe_global", 5, true)
    assert.matches("\ndescribe%s+describe_global\n", out)
    assert.not_matches("org:describe_global", out, 1, true)
    t:press("C-u")
    t:type("= string le")
    t:press("Tab")
    t:wait_for("> = string length$")
    t:press("C-u")
    t:ready()
  end)

  it("reads a Lua chunk over several lines, as lua does", function()
    t:line("for i = 1, 2 do")
    t:wait_for("\n>>$")
    t:line("print(i * 10)")
    t:wait_for("\n>>$")
    t:line("end")
    local out = t:wait_for("\n20\n>$")
    assert.matches(">> end\n10\n20", out)
  end)

  it("prints expressions readably and keeps the last one as _", function()
    t:line("{ 1, 2, name = 'x' }")
    t:wait_for('{ 1, 2, name = "x" }', 5, true)
    t:line("t = {} for i = 1, 100 do t[i] = i end")
    t:line("t")
    t:wait_for("... 80 more (100 items)", 5, true)
    t:ready()
  end)

  it("runs a SOQL line into a table and FEEL against it with = count(_)", function()
    t:line("select Name, Industry from Account limit 4")
    t:wait_for("%(4 records%)")
    t:line("= count(_)")
    t:wait_for("count%(_%)\n4\n")
    t:line("= _feel + 1") -- the FEEL value has its own name; _ stays the records
    t:wait_for("\n5\n>$")
    t:line("= count(_)")
    t:wait_for("\n4\n>$")
  end)

  it("reports a malformed query before sending it, with a caret", function()
    t:line("SELECT Id, FROM Account")
    -- as luaforce query says it: what and where, the row with a caret
    local out = t:wait_for("%(row 1, column 12%)")
    out = out .. t:wait_for("%^")
    assert.matches("\n  SELECT Id, FROM Account\r?\n             %^", out)
    t:ready()
  end)

  it("has dot commands: .help, .describe, .format, .limits, .save, .history", function()
    t:line(".help")
    t:wait_for(".describe OBJECT", 5, true)
    t:line(".describe Contact")
    local out = t:wait_for("%(%d+ fields%)")
    assert.matches("\nLastName%s+string%(80%)%s+Last Name%s+create update required\n", out)
    assert.matches("\nAccountId%s+reference%s+Account ID%s+create update%s+Account via Account\n", out)
    t:line(".format json")
    t:wait_for("format: json", 5, true)
    t:line("SELECT Name FROM Account ORDER BY Name LIMIT 2")
    t:wait_for('%[\n%s*{\n%s*"Name": "[^"]+"\n%s*},')
    t:line(".format table")
    t:wait_for("format: table", 5, true)
    t:line(".limits")
    t:wait_for("API requests: %d+ of %d+ used")
    t:wait_for("DailyApiRequests", 5, true)
    local file = state .. "/saved.json"
    t:line("SELECT Id, Name FROM Account LIMIT 3")
    t:wait_for("%(3 records%)")
    t:line(".save " .. file)
    t:wait_for("saved 3 items to " .. file, 5, true)
    local saved = require("luaforce.json").decode(read(file))
    assert.equal(3, #saved)
    assert.is_string(saved[1].Name)
    t:line(".histroy")
    t:wait_for("did you mean .history?", 5, true)
    t:line(".history 3")
    t:wait_for("%d+  %.save ")
  end)

  it("Ctrl-C at the prompt drops the line and stays", function()
    t:type("print('never run')")
    proc.sleep(0.3) -- let the editor read the keys before the signal
    t:press("C-c")
    t:wait_for("print%('never run'%)%^C\n>$")
    t:line("print('still here')")
    local out = t:wait_for("\nstill here\n")
    assert.not_matches("never run\n", out)
  end)

  it("Ctrl-C stops a running evaluation and stays", function()
    t:line("while true do end")
    proc.sleep(0.3)
    local t0 = now()
    t:press("C-c")
    t:wait_for("interrupted", 5, true)
    assert.is_true(now() - t0 < 2)
    t:line("1 + 1")
    t:wait_for("\n2\n>$")
  end)

  it("keeps a history file, mode 0600, without secrets", function()
    t:line("local token = 'abc123'")
    t:line("sf.connect { access_token = '00Dxx0000001gPL!AQ4AQFakeFake' }")
    t:line("x = 'luaforce.local.token'")
    t:line("y = 41 + 1")
    t:wait_for(">$")
    t:line("y")
    t:wait_for("\n42\n")
    local file = state .. "/luaforce/history"
    assert.equal("600", mode_of(file))
    assert.equal("700", mode_of(state .. "/luaforce"))
    local hist = read(file)
    assert.matches("\ny = 41 %+ 1\n", hist)
    assert.matches("\nSELECT Id, Name FROM Account LIMIT 3\n", hist)
    assert.matches("\nfor i = 1, 2 do\nprint%(i %* 10%)\nend\n", hist)
    assert.not_matches("abc123", hist, 1, true)
    assert.not_matches("00Dxx", hist, 1, true)
    assert.not_matches("luaforce.local.token", hist, 1, true)
  end)

  it(".quit leaves with exit 0, and the next session reads the history", function()
    t:line(".quit")
    t:wait_for("[repl exited 0]", 10, true)
    local t2 = Term.start({ "--instance", "local" }, { XDG_STATE_HOME = state, HOME = state })
    finally(function() t2:stop() end)
    t2:ready()
    t2:press("Up")
    t2:wait_for("> %.quit$")
    t2:press("Up")
    t2:wait_for("> y$")
    t2:press("C-u")
    t2:press("C-d")
    t2:wait_for("[repl exited 0]", 10, true)
  end)
end)

describe("luaforce repl: history off", function()
  it("a history file others may read is not used, and says how to fix it", function()
    local state = state_dir()
    finally(function() os.execute("rm -rf " .. proc.quote(state)) end)
    assert(os.execute("mkdir -p " .. proc.quote(state .. "/luaforce")))
    proc.write(state .. "/luaforce/history", "print('old')\n")
    os.execute("chmod 644 " .. proc.quote(state .. "/luaforce/history"))
    local t = Term.start({ "--instance", "local" }, { XDG_STATE_HOME = state, HOME = state })
    finally(function() t:stop() end)
    t:wait_for("history is off: the history file .* may be read by others %(mode 644%); run: chmod 600", 20)
    t:ready()
    t:line("print('new')")
    t:wait_for("\nnew\n")
    assert.equal("print('old')\n", read(state .. "/luaforce/history"))
  end)
end)

describe("luaforce repl against a slow org", function()
  local emu, t, state

  setup(function()
    state = state_dir()
    emu = proc.spawn { "emulator", "--port", "0", "--faults", "GET ** -> latency=5s" }
    local url = emu.wait_for("luaforce emulator listening on (http://127%.0%.0%.1:%d+)\n", 20)
    assert(url, "the emulator did not start: " .. emu.read_stderr())
    t = Term.start({ "--instance", url, "--token", TOKEN }, { XDG_STATE_HOME = state, HOME = state })
    t:wait_for("connected to " .. url, 20, true)
    t:ready()
  end)

  teardown(function()
    if t then t:stop() end
    if emu then emu.signal("TERM"); emu.wait(10); emu.cleanup() end
    os.execute("rm -rf " .. proc.quote(state))
  end)

  it("Ctrl-C during a request interrupts it at once and stays", function()
    for _ = 1, 2 do -- twice: the second Ctrl-C must work like the first
      t:line("SELECT Id FROM Account")
      proc.sleep(0.5)
      local t0 = now()
      t:press("C-c")
      t:wait_for("interrupted", 4, true)
      assert.is_true(now() - t0 < 1.5, "the interrupt took " .. (now() - t0) .. " s")
      t:line("1 + 1")
      t:wait_for("\n2\n>$")
    end
  end)
end)

describe("luaforce repl with standard input not a terminal", function()
  it("reads lines plainly: printf '1+1\\n' | luaforce repl --instance local", function()
    local r = proc.sh("sh -c " .. proc.quote("printf '1+1\\n' | " .. proc.quote(proc.bin) .. " repl --instance local"))
    assert.equal(0, r.code)
    assert.equal("2\n", r.stdout)
    assert.equal("", r.stderr)
  end)

  it("runs SOQL, FEEL, multi-line Lua and dot commands in order; JSON when piped", function()
    local input = table.concat({
      "SELECT Name FROM Account ORDER BY Name LIMIT 2",
      "= count(_)",
      "n = 0",
      "for i = 1, 3 do",
      "  n = n + i",
      "end",
      "print('sum')",
      ".format table",
      "SELECT COUNT() FROM Account",
      "'done'",
    }, "\n") .. "\n"
    local r = proc.luaforce({ "repl", "--instance", "local" }, { stdin = input })
    assert.equal(0, r.code, r.stderr)
    assert.matches('^%[\n  {\n    "Name": "[^"]+"\n  },\n  {\n    "Name": "[^"]+"\n  }\n%]\n2\nsum\nformat: table\n%d+\ndone\n$',
      r.stdout)
  end)

  it("goes on after a failing line and exits with the first failure's code", function()
    local r = proc.luaforce({ "repl", "--instance", "local" },
      { stdin = "error('boom')\nSELECT Nme FROM Account\n1 + 1\n" })
    assert.equal(5, r.code)
    assert.equal("2\n", r.stdout)
    assert.matches("stdin:1: boom\n", r.stderr)
    assert.matches("INVALID_FIELD: No such column 'Nme' on entity 'Account'", r.stderr)
    r = proc.luaforce({ "repl", "--instance", "local" }, { stdin = "SELECT Nme FROM Account\n" })
    assert.equal(2, r.code)
  end)
end)

describe("luaforce repl: the last result and FEEL lines", function()
  -- piped, in table format: what a person sees on a wide terminal, line by line
  local function session(lines)
    return proc.luaforce({ "repl", "--instance", "local", "--format", "table" },
      { stdin = table.concat(lines, "\n") .. "\n", env = { COLUMNS = "300" } })
  end

  it("keeps the query's records as _ through FEEL lines, Lua values and errors; FEEL prints JSON", function()
    local r = session {
      "SELECT Id, Name FROM Account ORDER BY Name LIMIT 3",
      "= count(_)",
      "= _[1].Name",
      "#_",                                   -- the records still: FEEL did not overwrite _
      "= {first: _[1].Name, n: count(_)}",
      "_feel.n",                              -- the FEEL value has a name of its own
      "error('boom')",
      "'a Lua string'",
      "= count(_)",                           -- neither the error nor the string replaced _
    }
    assert.equal(5, r.code, r.stderr) -- the Lua error's
    local name = r.stdout:match('\n3\n"([^"\n]+)"\n3\n')
    assert(name, "no JSON name after = _[1].Name in:\n" .. r.stdout)
    assert.matches('\n{"first":"' .. name:gsub("%p", "%%%0") .. '","n":3}\n3\na Lua string\n3\n$', r.stdout)
    assert.matches("stdin:1: boom", r.stderr)
    assert.not_matches("table: 0x", r.stdout .. r.stderr)
  end)

  it("after org:get, = Name sees the record the screen shows; a failed get keeps it", function()
    local r = session {
      "SELECT Id FROM Account ORDER BY Name LIMIT 1",
      "id = _[1].Id",
      "org:get('Account', id)",
      "= Name",
      "_.Id == id",
      "org:get('Account', '001Lf0000000999IAA')",
      "= Name = _feel",
      "_.Id == id",
    }
    -- the failed get is a failure: on standard error, exit 1
    assert.equal(1, r.code, r.stderr)
    assert.equal("error: NOT_FOUND: The requested resource does not exist\n", r.stderr)
    assert.matches("\nField%s+Value\n%-+%s+%-+\nId%s+001%w+\n", r.stdout)
    -- = Name, _.Id == id, then (the failed get printing nothing) = Name = _feel and _.Id == id
    local name = r.stdout:match('\n"([^"\n]+)"\ntrue\ntrue\ntrue\n$')
    assert(name, "no = Name after the get in:\n" .. r.stdout)
    assert.matches("\nName%s+" .. name:gsub("%p", "%%%0") .. "\n", r.stdout)
    assert.matches("\ntrue\ntrue\n$", r.stdout) -- the failed get left _ the record
  end)

  it("prints FEEL warnings as text lines, on a FEEL line and from sf.feel.eval", function()
    local r = session { "= nope + 1", "sf.feel.eval('nope', {})" }
    assert.equal(0, r.code, r.stderr)
    assert.equal("null\nnil\nwarning: line 1, column 1: no variable found with name 'nope' (NO_VARIABLE_FOUND)\n",
      r.stdout)
    assert.equal("warning: line 1, column 1: no variable found with name 'nope' (NO_VARIABLE_FOUND)\n", r.stderr)
  end)

  it(".describe lists the objects; .describe OBJECT shows flags and picklist values", function()
    local r = session { ".describe", ".describe Acount", "= count(sobjects[custom])", ".describe Invoice__c",
      ".describe Account" }
    assert.equal(2, r.code, r.stderr) -- the misspelt object's; the describe of the objects stays _
    assert.matches("INVALID_TYPE: sObject type 'Acount' is not supported %(did you mean Account%?%)", r.stderr)
    assert.matches("^name%s+label%s+prefix%s+flags\n", r.stdout)
    assert.matches("\nAccount%s+Account%s+001%s+query create update delete\n", r.stdout)
    assert.matches("\nInvoice__c%s+Invoice%s+a01%s+custom query create update delete\n", r.stdout)
    assert.matches("%(%d+ objects%)\n1\n", r.stdout)
    assert.matches("\nName%s+string%(80%)%s+Invoice Number%s+read%-only auto%-number\n", r.stdout)
    assert.matches("\nExternal_Id__c%s+string%(50%)%s+External Id%s+create update ext%-id\n", r.stdout)
    assert.matches("\nStatus__c%s+picklist%s+Status%s+create update%s+Draft, Sent, Paid, Void\n", r.stdout)
    assert.matches("\nIndustry%s+picklist[^\n]+create update%s+Agriculture, [^\n]+, %.%.%. %(%d+ values%)\n", r.stdout)
    assert.matches("\nName%s+string%(255%)%s+Account Name%s+create update required\n", r.stdout)
  end)

  it(".describe on an 80-column terminal keeps names, types and flags whole", function()
    local r = proc.luaforce({ "repl", "--instance", "local", "--format", "table" },
      { stdin = ".describe Account\n", env = { COLUMNS = "80" } })
    assert.equal(0, r.code, r.stderr)
    assert.matches("\nBillingPostalCode%s+string%(20%)%s+%S+%s+create update\n", r.stdout)
    assert.matches("\nLastModifiedById%s+reference%s+%S+%s+read%-only%s+%S+…\n", r.stdout)
    for line in r.stdout:gmatch("[^\n]+") do assert.is_true(utf8.len(line) <= 80, line) end
  end)
end)
