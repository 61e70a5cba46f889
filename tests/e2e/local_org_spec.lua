-- `--instance local:NAME`: a named local org keeps its records between
-- commands, under $XDG_STATE_HOME/luaforce/local/NAME/ (a scratch folder
-- here, never the user's), while plain `local` stays a fresh org per
-- command. Every command is the binary, as a user runs it.
require "luaforce.core"
local sys = require "luaforce.core.sys"
local json = require "luaforce.json"
local proc = require "support.proc"
local files = require "support.files"

local state, env

local function lf(args, opts)
  opts = opts or {}
  opts.env = opts.env or env
  return proc.luaforce(args, opts)
end

local function ok(args, opts)
  local r = lf(args, opts)
  assert(r.code == 0, ("luaforce %s: exit %d: %s"):format(table.concat(args, " "), r.code, r.stderr))
  return r
end

-- Creates an Account on the org; its id.
local function create(instance, name)
  return json.decode(ok { "create", "Account", "--values", "Name='" .. name .. "'", "--instance", instance }.stdout).id
end

local function count(instance, where)
  local r = ok { "query", "SELECT COUNT() FROM Account" .. (where and (" WHERE " .. where) or ""), "--instance", instance }
  return tonumber(r.stdout:match("%d+"))
end

local function mode(path)
  return ("%03o"):format(assert(sys.stat(path)).mode)
end

describe("named local orgs", function()
  before_each(function()
    state = files.scratch()
    env = { XDG_STATE_HOME = state }
  end)
  after_each(function() files.clear(state) end)

  it("keep a record created in one command for get, query, update and delete in the next", function()
    local id = create("local:demo", "Kept Co")
    local got = json.decode(ok { "get", "Account", id, "--instance", "local:demo", "-f", "json" }.stdout)
    assert.equal("Kept Co", got.Name)
    assert.equal(1, count("local:demo", "Name = 'Kept Co'"))
    ok { "update", "Account", id, "--values", "Industry=Energy", "--instance", "local:demo" }
    local r = ok { "query", "SELECT Industry FROM Account WHERE Id = '" .. id .. "'", "--instance", "local:demo",
      "-f", "csv" }
    assert.matches("^Industry\r?\nEnergy\r?\n$", r.stdout)
    ok { "delete", "Account", id, "--instance", "local:demo" }
    local gone = lf { "get", "Account", id, "--instance", "local:demo" }
    assert.equal(1, gone.code)
    assert.matches("ENTITY_IS_DELETED", gone.stderr)
    -- the recycle bin: queryAll still sees it
    r = ok { "query", "--all-rows", "SELECT IsDeleted FROM Account WHERE Id = '" .. id .. "'",
      "--instance", "local:demo", "-f", "csv" }
    assert.matches("^IsDeleted\r?\ntrue\r?\n$", r.stdout)
  end)

  it("never mint an id twice across commands; plain local starts fresh each time", function()
    local a, b = create("local:demo", "First"), create("local:demo", "Second")
    assert.are_not.equal(a, b)
    local x, y = create("local", "First"), create("local", "Second")
    assert.equal(x, y) -- a new demo org each command: the same next id
    local r = lf { "get", "Account", x, "--instance", "local" }
    assert.equal(1, r.code)
    -- the plain local org's NOT_FOUND says how to keep records
    assert.equal("luaforce: NOT_FOUND: The requested resource does not exist (each command starts a fresh local "
      .. "org: --instance local:NAME keeps its records between commands)\n", r.stderr)
    assert.is_nil(sys.stat(state .. "/luaforce/local/local"))
    -- a named org's, or another org's, does not
    r = lf { "get", "Account", "001000000000000AAA", "--instance", "local:demo" }
    assert.equal("luaforce: NOT_FOUND: The requested resource does not exist\n", r.stderr)
  end)

  it("keep the state private: the folder 0700, the file 0600", function()
    create("local:demo", "Private")
    assert.equal("700", mode(state .. "/luaforce/local"))
    assert.equal("700", mode(state .. "/luaforce/local/demo"))
    assert.equal("600", mode(state .. "/luaforce/local/demo/state.json"))
  end)

  it("reset: the next use is the demo org again, and it says so", function()
    local before = count("local:demo")
    local id = create("local:demo", "Temporary")
    local r = ok { "emulator", "--reset", "demo" }
    assert.equal("reset the local org 'demo': its next use starts from the demo org\n", r.stdout)
    assert.equal(before, count("local:demo"))
    assert.equal(1, lf { "get", "Account", id, "--instance", "local:demo" }.code)
    r = ok { "emulator", "--reset", "never-used" }
    assert.equal("the local org 'never-used' has no saved records: nothing to reset\n", r.stdout)
  end)

  it("refuse a corrupt state file with the file and the fix, exit 2, and keep it", function()
    create("local:demo", "Soon lost")
    local path = state .. "/luaforce/local/demo/state.json"
    local text = files.read(path)
    files.write(path, text:sub(1, #text // 2))
    local r = lf { "query", "SELECT Id FROM Account", "--instance", "local:demo" }
    assert.equal(2, r.code)
    assert.matches("LOCAL_ORG_STATE: the local org 'demo' cannot be used: the state file " .. path
      .. " cannot be read: not JSON", r.stderr, 1, true)
    assert.matches("'luaforce emulator --reset demo' starts it again from the demo org", r.stderr, 1, true)
    assert.equal(#text // 2, #files.read(path))
  end)

  it("refuse a name that is not one (exit 2)", function()
    for _, bad in ipairs { "local:", "local:../x", "local:a/b", "local:.x" } do
      local r = lf { "query", "SELECT Id FROM Account", "--instance", bad }
      assert.equal(2, r.code)
      assert.matches("local org", r.stderr)
    end
    assert.equal(2, lf { "emulator", "--reset", "a/b" }.code)
  end)

  it("come from the environment too, and keep a failed script's writes", function()
    local script = proc.write(os.tmpname(), [[
      local org = assert(require("luaforce").connect())
      local id = assert(org:create("Account", { Name = "From a script" })).body.id
      print(id)
      error("the script fails after its create")
    ]])
    local r = lf({ "run", script }, { env = { XDG_STATE_HOME = state, SF_INSTANCE_URL = "local:env" } })
    assert.equal(5, r.code)
    local id = r.stdout:match("%w+")
    assert.equal(0, lf { "get", "Account", id, "--instance", "local:env" }.code)
    os.remove(script)
  end)

  it("save a script's records when it ends with os.exit", function()
    local script = proc.write(os.tmpname(), [[
      local org = assert(require("luaforce").connect())
      print(assert(org:create("Account", { Name = "Then exit" })).body.id)
      os.exit(3)
    ]])
    local r = lf { "run", "--instance", "local:demo", script }
    assert.equal(3, r.code)
    assert.equal(0, lf { "get", "Account", r.stdout:match("%w+"), "--instance", "local:demo" }.code)
    os.remove(script)
  end)

  it("serve a chain and its next run", function()
    local script = proc.write(os.tmpname() .. ".lua", [[
      local sf, chain = require "luaforce", require "luaforce.chain"
      return chain(sf.connect()):from { { name = "Chain One" }, { name = "Chain Two" } }
        :create("Account", { Name = "=name" })
    ]])
    ok { "chain", script, "--instance", "local:demo", "-q" }
    assert.equal(2, count("local:demo", "Name LIKE 'Chain %'"))
    ok { "chain", script, "--instance", "local:demo", "-q" }
    assert.equal(4, count("local:demo", "Name LIKE 'Chain %'"))
    os.remove(script)
  end)

  it("serve a connector task, which says which local org it ran against", function()
    local task = proc.write(os.tmpname(), json.encode {
      baseUrl = "https://acme.my.salesforce.com", authentication = { type = "bearer", token = "unused" },
      salesforceOperationType = "sObject", interactionType = "post", objectType = "Account",
      body = { Name = "From a task" }, resultExpression = "={id: body.id}",
    })
    local r = ok { "connector", task, "--instance", "local:demo" }
    assert.matches("running against the local org 'demo'", r.stderr, 1, true)
    assert.equal(0, lf { "get", "Account", json.decode(r.stdout).id, "--instance", "local:demo" }.code)
    os.remove(task)
  end)

  it("keep what a script created before Ctrl-C stopped it (exit 130)", function()
    local mark = os.tmpname()
    os.remove(mark)
    local script = proc.write(os.tmpname(), ([[
      local org = assert(require("luaforce").connect())
      local id = assert(org:create("Account", { Name = "Before Ctrl-C" })).body.id
      local f = assert(io.open(%q, "w")); f:write(id); f:close()
      while true do end
    ]]):format(mark))
    local sh = ([[
      %s run --instance local:demo %s & p=$!
      for i in $(seq 200); do [ -s %s ] && break; sleep 0.05; done
      kill -INT $p; wait $p
    ]]):format(proc.quote(proc.bin), proc.quote(script), proc.quote(mark))
    local r = proc.sh("sh -c " .. proc.quote(sh), { env = env })
    assert.equal(130, r.code)
    local id = files.read(mark)
    assert.equal(0, lf { "get", "Account", id, "--instance", "local:demo" }.code)
    os.remove(mark)
    os.remove(script)
  end)

  it("serve the REPL, saving when it ends", function()
    ok({ "repl", "--instance", "local:demo" }, { stdin = 'org:create("Account", {Name = "From the REPL"})\n' })
    assert.equal(1, count("local:demo", "Name = 'From the REPL'"))
  end)

  it("take two commands at once one after the other, the second naming the first while it waits", function()
    local dir = files.scratch()
    -- A holds the org until the marker appears; the marker is made only once B is seen waiting
    local script = proc.write(dir .. "/both.lua", ([[
      local org = assert(require("luaforce").connect())
      for i = 1, 5 do assert(org:create("Account", { Name = "Parallel " .. arg[1] .. " " .. i })) end
      if arg[1] == "A" then
        io.open(%q, "w"):close()
        for _ = 1, 600 do
          if io.open(%q) then return end
          os.execute("sleep 0.05")
        end
        error("the marker never came")
      end
    ]]):format(dir .. "/holding", dir .. "/go"))
    local before = count("local:demo")
    local sh = ([[
      lf=%s; d=%s
      "$lf" run --instance local:demo "$d/both.lua" A & a=$!
      for i in $(seq 200); do [ -e "$d/holding" ] && break; sleep 0.05; done
      "$lf" run --instance local:demo "$d/both.lua" B 2>"$d/b.err" & b=$!
      for i in $(seq 200); do grep -q waiting "$d/b.err" && break; sleep 0.05; done
      echo "$a"; cat "$d/b.err"
      touch "$d/go"
      wait $a || exit 11
      wait $b || exit 12
    ]]):format(proc.quote(proc.bin), proc.quote(dir))
    local r = proc.sh("sh -c " .. proc.quote(sh), { env = env })
    assert.equal(0, r.code)
    local pid = r.stdout:match("^(%d+)\n")
    assert.equal(("luaforce: waiting for the local org 'demo', held by pid %s (luaforce run --instance local:demo "
      .. "%s/both.lua A)\n"):format(pid, dir), r.stdout:sub(#pid + 2))
    assert.equal(before + 10, count("local:demo"))
    local ids = ok { "query", "SELECT Id FROM Account WHERE Name LIKE 'Parallel %'", "--instance", "local:demo",
      "-f", "csv" }.stdout
    local seen, n = {}, 0
    for id in ids:gmatch("\n(%w+)") do
      assert.is_nil(seen[id])
      seen[id], n = true, n + 1
    end
    assert.equal(10, n)
    files.clear(dir)
  end)

  it("serve the REPL, saving after each line that changed the org: a crash loses at most the line under way", function()
    local r = lf({ "repl", "--instance", "local:demo" }, { stdin = 'org:create("Account", {Name = "Before the crash"})\n'
      .. 'os.execute("kill -KILL " .. io.open("/proc/self/stat"):read("n"))\n' })
    assert.are_not.equal(0, r.code)
    assert.equal(1, count("local:demo", "Name = 'Before the crash'"))
  end)

  it("serve a schema's objects to every command once emulator --name --schema made the org", function()
    local dir = files.scratch()
    files.write(dir .. "/widgets.json",
      '{"objects": [{"name": "Widget__c", "keyPrefix": "a07", "fields": [{"name": "Name", "type": "string"}]}]}')
    local script = ([[
      %s emulator --name sch --schema %s --port 0 -q >%s 2>&1 & p=$!
      for i in $(seq 100); do grep -q listening %s && break; sleep 0.1; done
      kill -TERM $p; wait $p
    ]]):format(proc.quote(proc.bin), proc.quote(dir .. "/widgets.json"), dir .. "/out", dir .. "/out")
    assert.equal(0, proc.sh("sh -c " .. proc.quote(script), { env = env }).code)
    ok { "create", "Widget__c", "--values", "Name=Sprocket", "--instance", "local:sch" }
    local r = ok { "query", "SELECT Name FROM Widget__c", "--instance", "local:sch", "-f", "csv" }
    assert.matches("^Name\r?\nSprocket\r?\n$", r.stdout)
    files.clear(dir)
  end)

  it("can be served over HTTP with emulator --name, its writes kept when it stops", function()
    local out = os.tmpname()
    local script = ([[
      %s emulator --name served --port 0 -q >%s 2>&1 & p=$!
      for i in $(seq 100); do grep -q listening %s && break; sleep 0.1; done
      url=$(sed -n 's/.*listening on //p' %s)
      curl -s -X POST -H 'Authorization: Bearer 00DLOCAL0000001!luaforce.local.token' -H 'Content-Type: application/json' \
        -d '{"Name":"Over HTTP"}' "$url/services/data/v62.0/sobjects/Account"
      kill -TERM $p; wait $p
    ]]):format(proc.quote(proc.bin), out, out, out)
    local r = proc.sh("sh -c " .. proc.quote(script), { env = env })
    os.remove(out)
    assert.equal(0, r.code)
    local id = json.decode(r.stdout).id
    local got = json.decode(ok { "get", "Account", id, "--instance", "local:served", "-f", "json" }.stdout)
    assert.equal("Over HTTP", got.Name)
  end)
end)
