-- End-to-end: a script's escaped error reads as the command line's does
-- (one explanation for both), with the script's line in front, and exits
-- with the same code.
local proc = require "support.proc"
local files = require "support.files"

describe("script errors read as the command line's", function()
  local dir
  setup(function() dir = files.scratch("script_errors") end)

  local function script(name, body)
    local path = dir .. "/" .. name
    proc.write(path, 'local sf = require "luaforce"\nlocal org = sf.connect()\n' .. body .. "\n")
    return path
  end

  -- the CLI's one line and the script's, with `path:3: ` in front
  local function same(cli_args, body)
    local cli = proc.luaforce(cli_args)
    local path = script("job.lua", body)
    local run = proc.luaforce { "run", "--instance", "local", path }
    assert.equal(cli.code, run.code, run.stderr)
    assert.equal(cli.stderr:gsub("^luaforce: ", "luaforce: " .. path .. ":3: "), run.stderr)
    return run
  end

  it("an object the org does not have: INVALID_TYPE with the nearest name, exit 2", function()
    local r = same({ "create", "Acount", "--instance", "local", "--values", "Name=x" },
      'assert(org:create("Acount", { Name = "x" }))')
    assert.equal(2, r.code)
    assert.matches("INVALID_TYPE: sObject type 'Acount' is not supported %(did you mean Account%?%)\n$", r.stderr)
    r = same({ "describe", "Contcat", "--instance", "local" }, 'assert(org:describe("Contcat"))')
    assert.matches("did you mean Contact%?", r.stderr)
  end)

  it("a misspelt field: the nearest name, not Salesforce's advice", function()
    local r = same({ "create", "Account", "--instance", "local", "--values", "Nmae=x" },
      'assert(org:create("Account", { Nmae = "x" }))')
    assert.equal(2, r.code)
    assert.matches("INVALID_FIELD: .*%(did you mean Name%?%)\n$", r.stderr)
    assert.is_nil(r.stderr:find("WSDL", 1, true))
  end)

  it("a refused connection: its kind and what to check, exit 4, no HTTP status", function()
    local path = script("gone.lua", 'assert(org:get("Account", "001000000000000AAA"))')
    local run = proc.luaforce { "run", "--instance", "http://127.0.0.1:1", "--token", "x", path }
    local cli = proc.luaforce { "get", "Account", "001000000000000AAA", "--instance", "http://127.0.0.1:1",
      "--token", "x" }
    assert.equal(4, run.code)
    assert.equal(4, cli.code)
    assert.matches("^luaforce: .*gone%.lua:3: CONNECT: .*%(is the instance URL right, and the org reachable from here%?%)\n$",
      run.stderr)
    assert.is_nil(run.stderr:find("408", 1, true))
    -- the same message either way (libcurl's "after N ms" may differ by a millisecond)
    local function same(text) return (text:gsub("after %d+ ms", "after N ms")) end
    assert.equal(same(cli.stderr:gsub("^luaforce: ", "")), same(run.stderr:gsub("^luaforce: .-:3: ", "")))
  end)

  it("a builder error names the script's line without --verbose", function()
    local path = script("soql.lua",
      'local soql = require "luaforce.soql"\nlocal q = soql.select("Id"):from("Account"):where("Name = ?")')
    local r = proc.luaforce { "run", "--instance", "local", path }
    assert.equal(2, r.code)
    assert.matches("^luaforce: " .. path:gsub("%p", "%%%0") .. ":4: INVALID_SOQL: ", r.stderr)
    assert.is_nil(r.stderr:find("traceback", 1, true))
  end)

  it("luaforce's own option after the script name: a note says where it goes", function()
    local path = dir .. "/late.lua"
    proc.write(path, 'local org = assert(require("luaforce").connect())\nprint(org)\n')
    local r = proc.luaforce({ "run", path, "--instance", "local" },
      { env = { SF_INSTANCE_URL = "", XDG_CONFIG_HOME = dir .. "/no-config" } })
    assert.equal(2, r.code)
    assert.matches("no instance URL to connect to", r.stderr)
    assert.matches("\nluaforce: note: %-%-instance came after the script, so the script got it as an argument: "
      .. "luaforce's options go before it %(luaforce run %-%-instance %.%.%. SCRIPT%)\n$", r.stderr)
    -- a script's own options are its business
    path = script("own.lua", 'assert(org:create("Acount", {}))')
    r = proc.luaforce { "run", "--instance", "local", path, "--dry-run" }
    assert.equal(2, r.code)
    assert.is_nil(r.stderr:find("note:", 1, true))
  end)

  it("an error the script prints itself carries the same explanation", function()
    local path = script("caught.lua", [[
local res, err = org:create("Acount", { Name = "x" })
print(err.code, err.error_code, err.exit, err.hint)]])
    local r = proc.luaforce { "run", "--instance", "local", path }
    assert.equal(0, r.code, r.stderr)
    assert.equal("404\tNOT_FOUND\t2\tdid you mean Account?\n", r.stdout)
  end)
end)
