-- End-to-end: no secret leaves luaforce. Every command `luaforce help`
-- lists (and -e) runs with typical options against a local org of its own
-- (`luaforce emulator --port 0` with an OAuth client whose secret is known
-- here), under each way of giving credentials (a static token on the
-- command line and in the environment, client credentials from the
-- environment, a --client-secret-file, a profile with {{secrets.NAME}} and
-- one in clear text), plain and with -v --trace, and down the error paths
-- (a wrong secret, a wrong token and its 401, an expired token, a 503, a
-- bad profile file, a bad secrets file); every example under examples/
-- runs too, and a person types into the REPL on a terminal. Then
-- everything is scanned: each run's standard output and error, the
-- emulator's, the REPL's screen and history, and every file written under
-- HOME (the XDG directories) and the working directory. No secret may
-- appear, whole or any 16 consecutive characters of it, nor anything
-- shaped like one of the org's access tokens.
--
-- The secrets: the client secret, a wrong client secret, a static token,
-- a wrong token, and every access token luaforce obtained (read from the
-- token cache after each run). The token cache may hold access tokens,
-- its reason to exist (mode 0600), and nothing else secret.
--
-- Data-driven: a command that `luaforce help` lists and CASES does not
-- run fails the spec, so a new command is scanned from its first day.
require "luaforce.core" -- registers luaforce.core.* (support.files uses core.sys)
local proc = require "support.proc"
local files = require "support.files"
local term = require "support.term"
local json = require "luaforce.json"
local secret_set = require "luaforce.http.secret_set"

local q = proc.quote
local CLIENT_ID = "scan-client-7f3a"
local CLIENT_SECRET = "Sc4nCl13ntS3cr3tXq9Wz7Lm2Pv8Rt5Ny1Bk6Hd3Jf0Gs4"
local WRONG_SECRET = "Wr0ngCl13ntS3cr3tTy6Ui2Op8As4Df0Gh3Jk7Lz1Xc5"
local WRONG_TOKEN_TAIL = "Wr0ngT0k3nQm8Nb4Vc0Xz6Lk2Jh9Gf5Ds1Ap7Ee3Rr9"
-- environment variables a run keeps from the test's own (the sanitizer
-- build reads its options from them)
local KEEP_ENV = { "PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "LANG", "TZ" }

local function read(path)
  return files.read(path) or ""
end

-- Every regular file below dir, as paths.
local function walk(dir)
  local out = {}
  local p = io.popen("find " .. q(dir) .. " -type f 2>/dev/null")
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  table.sort(out)
  return out
end

local PUBLIC_TOKEN = require("luaforce.emulator.oauth").STATIC_TOKEN

describe("secret scan", function()
  local root, home, work, outdir
  local emu_pid, url
  local static_token, org_prefix
  local inputs = {}      -- path -> text the spec wrote itself (not scanned)
  local outputs = {}     -- {label, text}: everything luaforce printed or wrote
  local issued = {}      -- access tokens luaforce obtained (from the token cache)
  local ran = {}         -- command name -> runs
  local runs = 0

  local function input(path, text, mode)
    files.write(path, text)
    os.execute(("chmod %s %s"):format(mode or "600", q(path)))
    inputs[path] = text
  end

  local function token_cache()
    return home .. "/.cache/luaforce/tokens"
  end

  -- The access tokens now in the token cache join the secrets.
  local function harvest_tokens()
    local doc = json.decode(read(token_cache()))
    if type(doc) ~= "table" or type(doc.tokens) ~= "table" then return end
    for _, e in pairs(doc.tokens) do
      if type(e) == "table" and type(e.access_token) == "string" then issued[e.access_token] = true end
    end
  end

  -- Runs luaforce with `argv` in the working directory, an environment of
  -- its own (HOME, the XDG directories, `env`) and `stdin`; keeps what it
  -- printed for the scan and returns {code, stdout, stderr}.
  local function run(label, argv, env, stdin)
    runs = runs + 1
    local parts = { "cd", q(work), "&&", "env", "-i" }
    for _, k in ipairs(KEEP_ENV) do
      if os.getenv(k) then parts[#parts + 1] = k .. "=" .. q(os.getenv(k)) end
    end
    local base = { HOME = home, XDG_CONFIG_HOME = home .. "/.config", XDG_CACHE_HOME = home .. "/.cache",
      XDG_STATE_HOME = home .. "/.local/state" }
    for k, v in pairs(env or {}) do base[k] = v end
    for k, v in pairs(base) do parts[#parts + 1] = k .. "=" .. q(v) end
    parts[#parts + 1] = q(proc.bin)
    for _, a in ipairs(argv) do parts[#parts + 1] = q(a) end
    local inp = outdir .. "/stdin"
    files.write(inp, stdin or "")
    local o, e = outdir .. "/stdout", outdir .. "/stderr"
    local _, _, code = os.execute(table.concat(parts, " ") .. (" <%s >%s 2>%s"):format(q(inp), q(o), q(e)))
    local r = { code = code, stdout = read(o), stderr = read(e) }
    outputs[#outputs + 1] = { label .. " (stdout)", r.stdout }
    outputs[#outputs + 1] = { label .. " (stderr)", r.stderr }
    harvest_tokens()
    return r
  end

  -- The ways to give credentials. Each is {name, extra argv, env}.
  local AUTH
  local function auth_modes()
    return {
      { "--token", { "--instance", url, "--token", static_token }, {} },
      { "SF_ACCESS_TOKEN", {}, { SF_INSTANCE_URL = url, SF_ACCESS_TOKEN = static_token } },
      { "SF_CLIENT_SECRET", {}, { SF_INSTANCE_URL = url, SF_CLIENT_ID = CLIENT_ID, SF_CLIENT_SECRET = CLIENT_SECRET } },
      { "--client-secret-file", { "--instance", url, "--client-id", CLIENT_ID, "--client-secret-file",
        work .. "/client-secret.txt" }, {} },
      { "profile with {{secrets.NAME}}", { "--profile", "scan" }, {} },
      { "profile in clear text", { "--profile", "clear" }, {} },
      { "profile with a token", {}, { SF_PROFILE = "bytoken" } },
    }
  end

  local VERBOSE = { "-v", "--trace" }

  -- argv: the global options, the command's name, the auth options, the
  -- rest (before a script's name, where `run` stops reading options)
  local function argv_of(global, cmd, auth)
    local a = {}
    for _, x in ipairs(global) do a[#a + 1] = x end
    a[#a + 1] = cmd[1]
    local from = 2
    if cmd[1] == "bulk" then -- a group: the options follow its subcommand
      a[#a + 1] = cmd[2]
      from = 3
    end
    for _, x in ipairs(auth) do a[#a + 1] = x end
    for i = from, #cmd do a[#a + 1] = cmd[i] end
    return a
  end

  setup(function()
    root = files.scratch()
    home, work, outdir = root .. "/home", root .. "/work", root .. "/out"
    for _, d in ipairs { home, work, outdir, home .. "/.config/luaforce" } do
      assert(os.execute("mkdir -p " .. q(d)))
    end
    -- the org, with a client of our own
    input(work .. "/clients.json", json.encode { { client_id = CLIENT_ID, client_secret = CLIENT_SECRET } })
    local eo, ee = outdir .. "/emulator.out", outdir .. "/emulator.err"
    local p = io.popen(("cd %s && exec %s emulator --port 0 --clients clients.json >%s 2>%s & echo $!"):format(
      q(work), q(proc.bin), q(eo), q(ee)))
    emu_pid = p:read("l")
    p:close()
    for _ = 1, 200 do
      url = read(eo):match("listening on (%S+)")
      if url then break end
      proc.sleep(0.05)
    end
    assert(url, "the emulator did not start: " .. read(ee))
    -- the static token: one the org issued to our client
    local tok = io.popen(("curl -s -d grant_type=client_credentials -d client_id=%s -d client_secret=%s %s"):format(
      CLIENT_ID, CLIENT_SECRET, q(url .. "/services/oauth2/token")))
    static_token = assert(json.decode(tok:read("a"))).access_token
    tok:close()
    assert(type(static_token) == "string" and #static_token > 40)
    org_prefix = static_token:match("^(%w+!)")
    -- the inputs: config, secrets file, secret file
    input(home .. "/.config/luaforce/config", table.concat({
      "[profile scan]", "instance_url = " .. url, "client_id = " .. CLIENT_ID,
      "client_secret = {{secrets.SCAN_CLIENT_SECRET}}", "",
      "[profile clear]", "instance_url = " .. url, "client_id = " .. CLIENT_ID, "client_secret = " .. CLIENT_SECRET, "",
      "[profile bytoken]", "instance_url = " .. url, "token = {{secrets.SCAN_TOKEN}}", "",
      "[profile wrong]", "instance_url = " .. url, "client_id = " .. CLIENT_ID, "client_secret = " .. WRONG_SECRET, "",
    }, "\n"))
    input(home .. "/.config/luaforce/secrets", ("SCAN_CLIENT_SECRET=%s\nSCAN_TOKEN=%s\nSCAN_URL=%s\n"):format(
      CLIENT_SECRET, static_token, url))
    input(work .. "/client-secret.txt", CLIENT_SECRET .. "\n")
    input(work .. "/wrong-secret.txt", WRONG_SECRET .. "\n")
    input(work .. "/ctx.json", [[{"x": {"y": 41}}]])
    input(work .. "/records.json", [=[[{"Name": "A"}, {"Name": "B"}]]=])
    input(work .. "/account.json", [[{"Name": "Scan From File"}]])
    input(work .. "/to-import.csv", "Name,Industry\nScan Bulk One,Energy\n\"Scan Bulk, Two\",Media\n")
    -- connector tasks: their own connection from secrets (an --instance
    -- or a profile replaces it), one reading and one that fails
    input(work .. "/task.json", json.encode {
      baseUrl = "{{secrets.SCAN_URL}}", salesforceOperationType = "soqlQuery",
      authentication = { type = "oauth-client-credentials-flow", clientId = CLIENT_ID,
        clientSecret = "{{secrets.SCAN_CLIENT_SECRET}}" },
      soqlQuery = "SELECT Id, Name FROM Account LIMIT 2", resultVariable = "page",
    })
    input(work .. "/task-404.json", json.encode {
      baseUrl = "{{secrets.SCAN_URL}}", salesforceOperationType = "sObject", interactionType = "get",
      authentication = { type = "bearer", token = "{{secrets.SCAN_TOKEN}}" },
      objectType = "Account", objectId = "001000000000000AAA", retries = 1,
    })
    input(work .. "/job.lua", table.concat({
      "local sf = require 'luaforce'",
      "local org = assert(sf.connect())",
      "local page = assert(org:query('SELECT Id, Name FROM Account LIMIT 2'))",
      "print(#page.body.records, tostring(org), tostring(org.auth))",
      "local _, err = org:get('Account', '001000000000000AAA')",
      "print(tostring(err))",
      "print(require('luaforce.json').encode(err))",
    }, "\n"))
    input(work .. "/fails.lua", "local org = assert(require('luaforce').connect())\nerror(org:limits() and 'boom')\n")
    input(work .. "/chain.lua", "local org = assert(require('luaforce').connect())\n"
      .. "return require('luaforce.chain')(org):query('SELECT Id FROM Account LIMIT 3')"
      .. ":update('Account', '=Id', {Site = 'scanned'})\n")
    input(work .. "/chain-fails.lua", "local org = assert(require('luaforce').connect())\n"
      .. "return require('luaforce.chain')(org):create('Account', {Site = 'no name'})\n")
    AUTH = auth_modes()
  end)

  teardown(function()
    if emu_pid then os.execute("kill " .. emu_pid .. " 2>/dev/null") end
    if root then files.clear(root) end
  end)

  -- An id of the org's, for get/update/delete.
  local function an_account(name)
    local r = run("create for " .. name, { "create", "Account", "--values", ("Name=%q"):format(name),
      "--instance", url, "--token", static_token }, {})
    assert.equal(0, r.code, r.stderr)
    return assert(r.stdout:match('"id":%s*"(%w+)"'), r.stdout)
  end

  -- Each command with typical options: {argv, connected?, expected codes}
  -- (a set), run under the auth modes and verbosities when connected.
  local function cases()
    local id1, id2 = an_account("Scan One"), an_account("Scan Two")
    return {
      query = {
        { { "query", "SELECT Id, Name FROM Account LIMIT 3" }, true, { [0] = true } },
        { { "query", "SELECT Id, Name FROM Account LIMIT 3", "-f", "csv", "-o", "accounts.csv" }, true, { [0] = true } },
        { { "query", "SELECT Id FROM NoSuchObject" }, true, { [2] = true } },
        { { "query", "SELECT Id FROM Account LIMIT 2", "--error-expression",
          "ignoreError({n: count(body.records), headers: response.headers})" }, true, { [0] = true } },
        { { "query", "SELECT Id FROM Account LIMIT 2", "--map-response", "--map", "response" }, true, { [0] = true } },
      },
      get = {
        { { "get", "Account", id1, "--fields", "Name" }, true, { [0] = true } },
        { { "get", "Account", "001000000000000AAA" }, true, { [1] = true } },
        { { "get", "Account", "001000000000000AAA", "--error-expression",
          'if error.code = "404" then bpmnError("NF", error.message, {e: error, r: response}) else null' },
          true, { [7] = true } },
      },
      create = {
        { { "create", "Account", "--json", "@account.json" }, true, { [0] = true } },
        { { "create", "Account", "--json", "@account.json", "--error-expression",
          'jobError("seen", {r: response}, job.retries - 1)' }, true, { [8] = true } },
      },
      update = { { { "update", "Account", id1, "--values", 'Name="Scan One Again"' }, true, { [0] = true } } },
      upsert = {
        { { "upsert", "Invoice__c", "External_Id__c", "SCAN-1", "--values", "Amount__c=10" }, true, { [0] = true } },
      },
      delete = { { { "delete", "Account", id2 }, true, { [0] = true, [1] = true } } },
      describe = {
        { { "describe" }, true, { [0] = true } },
        { { "describe", "Account", "-f", "json" }, true, { [0] = true } },
      },
      limits = { { { "limits" }, true, { [0] = true } } },
      login = {
        { { "login" }, true, { [0] = true } },
        { { "login", "--show" }, true, { [0] = true } },
      },
      run = {
        { { "run", "job.lua" }, true, { [0] = true } },
        { { "run", "fails.lua" }, true, { [5] = true } },
      },
      repl = {
        { { "repl", "--format", "json" }, true, { [0] = true },
          "SELECT Id FROM Account LIMIT 1\n= count(_)\nprint(org)\n.limits\n.connect\n" },
      },
      chain = {
        { { "chain", "chain.lua" }, true, { [0] = true } },
        { { "chain", "chain.lua", "--dry-run" }, true, { [0] = true } },
        { { "chain", "chain.lua", "--plan" }, true, { [0] = true } },
        { { "chain", "chain-fails.lua" }, true, { [1] = true } },
      },
      import = {
        { { "import", "Account", "to-import.csv" }, true, { [0] = true } },
        { { "import", "Account", "to-import.csv", "--bulk", "--json" }, true, { [0] = true } },
      },
      export = {
        { { "export", "SELECT Id, Name FROM Account LIMIT 3" }, true, { [0] = true } },
        { { "export", "SELECT Id, Name FROM Account", "--bulk", "-o", "export.csv" }, true, { [0] = true } },
      },
      bulk = {
        { { "bulk", "import", "Account", "to-import.csv" }, true, { [0] = true } },
        { { "bulk", "export", "SELECT Id FROM Account LIMIT 2" }, true, { [0] = true } },
        { { "bulk", "jobs" }, true, { [0] = true } },
        { { "bulk", "status", "750000000000000AAA" }, true, { [1] = true } },
      },
      connector = {
        { { "connector", "task.json" }, true, { [0] = true } },
        { { "connector", "task-404.json" }, true, { [8] = true } },
      },
      eval = {
        { { "eval", "x.y + 1", "--context", "ctx.json" }, false, { [0] = true } },
        { { "eval", "count(records)", "--context", "records.json" }, false, { [0] = true } },
        { { "eval", "1 +" }, false, { [2] = true } },
      },
      emulator = {
        { { "emulator", "--make-cert", "certs" }, false, { [0] = true } },
        { { "emulator", "--clients", "clients.json", "--port", "99999" }, false, { [2] = true } },
        { { "emulator", "--help" }, false, { [0] = true } },
      },
      help = {
        { { "help" }, false, { [0] = true } },
        { { "help", "login" }, false, { [0] = true } },
      },
      version = { { { "version" }, false, { [0] = true } } },
    }
  end

  local function expect_code(r, codes, label)
    assert(codes[r.code], ("%s: exit %s\n%s%s"):format(label, tostring(r.code), r.stdout, r.stderr))
  end

  it("runs every command luaforce lists, under every way of giving credentials", function()
    local listed = {}
    local help = run("--help", { "--help" }).stdout
    local section = assert(help:match("\nCommands:\n(.-)\n\n"), help)
    for line in section:gmatch("[^\n]+") do listed[#listed + 1] = line:match("^%s%s(%l[%w-]*)%s") end
    assert.is_true(#listed >= 10, section)
    local all = cases()
    for _, name in ipairs(listed) do
      assert(all[name], ("'luaforce help' lists '%s', which this scan does not run: add it to cases()"):format(name))
    end
    -- a connected command's first case runs with -v --trace under every way
    -- of giving credentials; each case (the first too) also runs plain and
    -- with -v --trace under one of them, in turn
    local m = 0
    for _, name in ipairs(listed) do
      for i, case in ipairs(all[name]) do
        local argv, connected, codes, stdin = case[1], case[2], case[3], case[4]
        local function once(verbosity, auth)
          local label = ("%s [%s%s]"):format(table.concat(argv, " "), auth and auth[1] or "no credentials",
            #verbosity > 0 and ", -v --trace" or "")
          local r = run(label, argv_of(verbosity, argv, auth and auth[2] or {}), auth and auth[3] or {}, stdin)
          expect_code(r, codes, label)
        end
        if connected then
          if i == 1 then
            for _, auth in ipairs(AUTH) do once(VERBOSE, auth) end
          else
            once(VERBOSE, AUTH[m % #AUTH + 1])
          end
          once({}, AUTH[(m + 3) % #AUTH + 1])
          m = m + 1
        else
          once({})
          once(VERBOSE)
        end
        ran[name] = (ran[name] or 0) + 1
      end
    end
    -- -e, the other way in that `luaforce help` shows
    local r = run("-e", { "-v", "--trace", "-e", "local org = assert(require('luaforce').connect()); "
      .. "print(org:limits() ~= nil)" }, { SF_INSTANCE_URL = url, SF_CLIENT_ID = CLIENT_ID,
      SF_CLIENT_SECRET = CLIENT_SECRET })
    assert.equal(0, r.code, r.stderr)
    for _, name in ipairs(listed) do assert.is_true((ran[name] or 0) > 0, name) end
  end)

  it("runs every example under examples/", function()
    local examples = {}
    local p = io.popen("ls " .. q(proc.root .. "/examples"))
    for name in p:lines() do
      if name:match("%.lua$") then examples[#examples + 1] = proc.root .. "/examples/" .. name end
    end
    p:close()
    assert.is_true(#examples > 0)
    for _, path in ipairs(examples) do
      for _, auth in ipairs { AUTH[2], AUTH[3] } do
        local label = ("run %s [%s, -v --trace]"):format(path, auth[1])
        local r = run(label, argv_of({ "-v", "--trace" }, { "run", path }, auth[2]), auth[3])
        expect_code(r, { [0] = true }, label)
      end
    end
    -- the connector's task files, each with its own connection from secrets
    local dir = proc.root .. "/examples/connector/"
    local tasks = 0
    p = io.popen("ls " .. q(dir))
    for name in p:lines() do
      if name:match("%.json$") and name ~= "vars.json" then
        tasks = tasks + 1
        local label = ("connector %s [-v --trace]"):format(name)
        local r = run(label, { "-v", "--trace", "connector", dir .. name, "--vars", dir .. "vars.json" },
          { SF_URL = url, SF_TOKEN = static_token, SF_CLIENT_ID = CLIENT_ID, SF_CLIENT_SECRET = CLIENT_SECRET })
        -- (delete-account runs before the tasks that read the account)
        expect_code(r, { [0] = true, [7] = true, [8] = true }, label)
      end
    end
    p:close()
    assert.is_true(tasks > 0)
  end)

  it("goes down the error paths", function()
    local env_cc = { SF_INSTANCE_URL = url, SF_CLIENT_ID = CLIENT_ID }
    -- a token cache of its own, empty: the disk cache does not keep the
    -- secret, so a wrong one would borrow the token the right one fetched
    -- (login drops it first and asks the token endpoint)
    local fresh_cache = home .. "/.cache-for-wrong-secrets"
    local rows = {
      -- label, argv, env, expected code
      { "a wrong client secret", { "-v", "--trace", "limits" },
        { SF_INSTANCE_URL = url, SF_CLIENT_ID = CLIENT_ID, SF_CLIENT_SECRET = WRONG_SECRET,
          XDG_CACHE_HOME = fresh_cache }, 3 },
      { "a wrong secret file", { "-v", "--trace", "login", "--instance", url, "--client-id", CLIENT_ID,
        "--client-secret-file", "wrong-secret.txt" }, {}, 3 },
      { "a wrong secret in a profile", { "-v", "--trace", "query", "SELECT Id FROM Account", "--profile", "wrong" },
        { XDG_CACHE_HOME = fresh_cache }, 3 },
      { "a wrong token: 401", { "-v", "--trace", "limits", "--instance", url, "--token", org_prefix .. WRONG_TOKEN_TAIL },
        {}, 3 },
      { "a wrong token from the environment", { "--trace", "login" },
        { SF_INSTANCE_URL = url, SF_ACCESS_TOKEN = org_prefix .. WRONG_TOKEN_TAIL }, 3 },
      { "a secret with no client id", { "-v", "limits", "--instance", url, "--client-secret-file", "client-secret.txt" },
        {}, 2 },
      { "an unreachable org", { "-v", "--trace", "limits", "--instance", "http://127.0.0.1:9", "--token", static_token },
        {}, 4 },
    }
    for _, row in ipairs(rows) do
      local r = run(row[1], row[2], row[3])
      assert.equal(row[4], r.code, row[1] .. ": " .. r.stderr)
    end
    -- an expired token: refreshed once, with the trace on
    local function fault(spec)
      os.execute(("curl -s -X PUT --data %s %s >/dev/null"):format(q(json.encode { spec }), q(url .. "/_emulator/faults")))
    end
    for _, spec in ipairs { "* /services/data/** -> expire-tokens times=1",
      "GET /services/data/*/limits -> status=503 header=Retry-After:0 times=1" } do
      fault(spec)
      local r = run("fault " .. spec, { "-v", "--trace", "limits" }, { SF_INSTANCE_URL = url, SF_CLIENT_ID = CLIENT_ID,
        SF_CLIENT_SECRET = CLIENT_SECRET })
      assert.equal(0, r.code, spec .. ": " .. r.stderr)
    end
    os.execute(("curl -s -X DELETE %s >/dev/null"):format(q(url .. "/_emulator/faults")))
    -- bad profile and secrets files, each holding a secret where it does not belong
    local cfg = home .. "/.config/luaforce/config"
    local good_cfg = inputs[cfg]
    local bad_configs = {
      "[profile p]\ninstance_url = " .. url .. "\nclient_id = x\nclient_secret: " .. CLIENT_SECRET .. "\n",
      "[profile p]\n" .. CLIENT_SECRET .. "\n",
      "[profile p]\ntoken " .. static_token .. "\n",
      "[" .. CLIENT_SECRET .. "]\n",
      "default = " .. CLIENT_SECRET .. "\n[profile p]\n",
      "[profile p]\n" .. CLIENT_SECRET .. "==\n",
    }
    for i, text in ipairs(bad_configs) do
      input(cfg, text)
      local r = run("bad config " .. i, { "-v", "--trace", "login", "--show" }, env_cc)
      assert.equal(2, r.code, r.stderr)
    end
    input(cfg, "[profile p]\ninstance_url = " .. url .. "\ntoken = " .. static_token .. "\n", "644")
    assert.equal(2, run("config others may read", { "-v", "limits", "--profile", "p" }, {}).code)
    input(cfg, good_cfg)
    local sec = home .. "/.config/luaforce/secrets"
    local good_sec = inputs[sec]
    for i, text in ipairs { "SCAN_CLIENT_SECRET " .. CLIENT_SECRET .. "\n", CLIENT_SECRET .. "\n",
      "SCAN_CLIENT_SECRET: " .. CLIENT_SECRET .. "\n" } do
      input(sec, text)
      local r = run("bad secrets file " .. i, { "-v", "--trace", "limits", "--profile", "scan" }, {})
      assert.equal(2, r.code, r.stderr)
    end
    input(sec, good_sec, "644")
    assert.equal(2, run("secrets file others may read", { "-v", "limits", "--profile", "scan" }, {}).code)
    input(sec, good_sec)
  end)

  it("keeps secrets typed into the REPL on a terminal out of its history", function()
    -- the token the REPL will use: the one in the token cache now
    local doc = assert(json.decode(read(token_cache())))
    local _, entry = next(doc.tokens)
    local cached = assert(entry and entry.access_token, "no access token in the token cache")
    local env = { HOME = home, XDG_CONFIG_HOME = home .. "/.config", XDG_CACHE_HOME = home .. "/.cache",
      XDG_STATE_HOME = home .. "/.local/state", SF_INSTANCE_URL = url, SF_CLIENT_ID = CLIENT_ID,
      SF_CLIENT_SECRET = CLIENT_SECRET }
    local t = term.Term.start({}, env)
    finally(function() t:stop() end)
    t:wait_for("connected to", 20, true)
    t:ready()
    local lines = {
      "x = 'kept-line-1'",
      "t1 = '" .. cached:match("!(.*)$") .. "'",              -- the random part of the token in use
      "s = '" .. CLIENT_SECRET:sub(3, 22) .. "'",               -- 20 characters of the client secret
      ".connect --instance " .. url .. " --token " .. static_token,
      "t2 = '" .. static_token:match("!(.*)$"):sub(10, 40) .. "'", -- a slice of the token connected with
      "y = 'kept-line-2'",
    }
    for _, l in ipairs(lines) do
      t:line(l)
      t:ready()
    end
    t:line(".quit")
    t:wait_for("[repl exited 0]", 10, true)
    -- (its screen shows what was typed, secrets included: the history is
    -- what is scanned, with every file written)
    local hist = read(home .. "/.local/state/luaforce/history")
    assert.matches("kept%-line%-1", hist)
    assert.matches("kept%-line%-2", hist)
  end)

  it("finds no secret in anything printed or written", function()
    harvest_tokens()
    local set = secret_set.new()
    local names = {}
    local function secret(name, v)
      set:add(v)
      names[#names + 1] = { name, v }
    end
    secret("the client secret", CLIENT_SECRET)
    secret("the wrong client secret", WRONG_SECRET)
    secret("the static token", static_token)
    secret("the wrong token", WRONG_TOKEN_TAIL)
    local n = 0
    for tok in pairs(issued) do
      n = n + 1
      secret("an issued access token", tok:match("!(.*)$"))
    end
    assert.is_true(n > 0, "no access token was issued")
    -- the secrets the token cache may hold: the access tokens, nothing else
    local cache_set = secret_set.new()
    for _, v in ipairs { CLIENT_SECRET, WRONG_SECRET, WRONG_TOKEN_TAIL } do cache_set:add(v) end
    -- the emulator's own output, then every file luaforce wrote
    outputs[#outputs + 1] = { "the emulator (stdout)", read(outdir .. "/emulator.out") }
    outputs[#outputs + 1] = { "the emulator (stderr)", read(outdir .. "/emulator.err") }
    local scanned_files = 0
    for _, dir in ipairs { home, work } do
      for _, path in ipairs(walk(dir)) do
        local text = read(path)
        if inputs[path] ~= text then
          scanned_files = scanned_files + 1
          if path == token_cache() then
            assert(not cache_set:found_in(text), "the token cache holds a secret other than an access token")
          else
            outputs[#outputs + 1] = { path, text }
          end
        end
      end
    end
    assert.is_true(scanned_files >= 3, "files scanned: " .. scanned_files) -- the cache, the history, accounts.csv
    local bytes = 0
    local leaks = {}
    for _, o in ipairs(outputs) do
      local label, text = o[1], o[2]
      bytes = bytes + #text
      -- the local org's static token is a published test credential (the
      -- emulator's --help and the docs show it), not a leak: it shares only
      -- the org id with the tokens the org issues
      text = text:gsub((PUBLIC_TOKEN:gsub("%p", "%%%0")), "<the published static token>")
      local shaped = org_prefix and text:find(org_prefix .. "[%w%._]", 1, false)
      if set:found_in(text) or shaped then
        local which = {}
        if shaped then which[1] = "a token of the org's shape" end
        for _, s in ipairs(names) do
          local w = secret_set.new()
          w:add(s[2])
          if w:found_in(text) and not which[s[1]] then
            which[s[1]] = true
            which[#which + 1] = s[1]
          end
        end
        leaks[#leaks + 1] = ("%s shows %s"):format(label, table.concat(which, ", "))
      end
    end
    if os.getenv("LUAFORCE_SCAN_REPORT") then
      io.stderr:write(("secret scan: %d runs, %d texts and files, %d bytes, %d files written, %d secrets (%d issued"
        .. " tokens)\n"):format(runs, #outputs, bytes, scanned_files, #names, n))
    end
    assert.is_true(runs > 100, "runs: " .. runs)
    assert.same({}, leaks)
  end)
end)
