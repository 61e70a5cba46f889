-- End-to-end: the record commands (get, create, update, delete, upsert,
-- describe, limits), `login`, the connection settings and the profile
-- file, driven through build/luaforce against `luaforce emulator --port 0`
-- and `--instance local`.
local proc = require "support.proc"
local json = require "luaforce.json"

local TOKEN = "00DLOCAL0000001!luaforce.local.token"
local CLIENT_ID, CLIENT_SECRET = "luaforce-local", "luaforce-local-secret"

local function sh(cmd) return proc.sh(cmd) end

local function mkdtemp()
  local r = sh("mktemp -d")
  return (r.stdout:gsub("%s+$", ""))
end

local function chmod(mode, path) assert.equal(0, sh(("chmod %s %s"):format(mode, proc.quote(path))).code) end

describe("luaforce record commands and connection settings", function()
  local emu, url, home, cfgdir, cachedir, secret_file

  -- Every run gets its own HOME and XDG directories and no SF_* settings
  -- from the machine running the tests ("" counts as unset).
  local function env(extra)
    local e = {
      HOME = home, XDG_CONFIG_HOME = cfgdir, XDG_CACHE_HOME = cachedir,
      SF_INSTANCE_URL = "", SF_ACCESS_TOKEN = "", SF_CLIENT_ID = "", SF_CLIENT_SECRET = "",
      SF_API_VERSION = "", SF_PROFILE = "", COLUMNS = "200",
    }
    for k, v in pairs(extra or {}) do e[k] = v end
    return e
  end

  local function lf(args, extra_env, stdin)
    return proc.luaforce(args, { env = env(extra_env), stdin = stdin })
  end

  -- luaforce against the running emulator with its static token.
  local function org(args, extra_env)
    local a = { args[1], "--instance", url, "--token", TOKEN, "--format", "json" }
    for i = 2, #args do a[#a + 1] = args[i] end
    return lf(a, extra_env)
  end

  local function decoded(r)
    assert.equal(0, r.code, r.stderr)
    local v = json.decode(r.stdout)
    assert(v ~= nil, "not JSON: " .. r.stdout)
    return v
  end

  local function write_config(text, mode)
    sh("mkdir -p " .. proc.quote(cfgdir .. "/luaforce"))
    local path = cfgdir .. "/luaforce/config"
    proc.write(path, text)
    chmod(mode or "600", path)
    return path
  end

  local function stats()
    return json.decode(proc.curl(url .. "/_emulator/stats").body)
  end

  -- an account with contacts
  local function an_account_id()
    local r = proc.luaforce({ "run", "--instance", url, "--token", TOKEN, "-" }, { env = env(),
      stdin = [[print(require("luaforce").connect():query(
        "SELECT AccountId FROM Contact WHERE AccountId != null ORDER BY Name LIMIT 1").body.records[1].AccountId)]] })
    assert.equal(0, r.code, r.stderr)
    return (r.stdout:gsub("%s+$", ""))
  end

  setup(function()
    home, cfgdir, cachedir = mkdtemp(), mkdtemp(), mkdtemp()
    secret_file = proc.write(home .. "/client-secret", CLIENT_SECRET .. "\n")
    chmod("600", secret_file)
    emu = proc.spawn { "emulator", "--port", "0", "--now", "2024-06-01T12:00:00Z", "--seed", "3" }
    url = emu.wait_for("listening on (http://127%.0%.0%.1:%d+)\n", 20)
    assert(url, "the emulator did not start: " .. emu.read_stderr())
  end)

  teardown(function()
    if emu then emu.signal("TERM"); emu.wait(10); emu.cleanup() end
    for _, d in ipairs { home, cfgdir, cachedir } do
      if d and d:match("^/tmp/") then sh("rm -rf " .. proc.quote(d)) end
    end
  end)

  before_each(function()
    os.remove(cfgdir .. "/luaforce/config")
  end)

  describe("describe and limits", function()
    it("lists the objects", function()
      local list = decoded(org { "describe" })
      local names = {}
      for _, o in ipairs(list) do names[o.name] = o end
      assert.same({ name = "Invoice__c", label = "Invoice", prefix = "a01", flags = "custom query create update delete" },
        names.Invoice__c)
      assert.equal("query create update delete", names.Account.flags)
    end)

    it("lists an object's fields as name, type, label, flags, ref, values", function()
      local r = org { "describe", "Account", "--format", "csv" }
      assert.equal(0, r.code, r.stderr)
      -- RFC 4180: lines end in CRLF
      local header = r.stdout:match("^[^\r\n]*")
      assert.equal("name,type,label,flags,ref,values", header)
      assert.matches("\r\nParentId,reference,Parent Account ID,create update,Account via Parent,\r\n", r.stdout, 1, true)
      assert.matches("\r\nName,string(255),Account Name,create update required,,\r\n", r.stdout, 1, true)
    end)

    it("prints a readable table", function()
      local r = org { "describe", "Invoice__c", "--format", "table" }
      assert.equal(0, r.code, r.stderr)
      assert.matches("^name%s+type%s+label%s+flags%s+ref%s+values\n%-+", r.stdout)
      assert.matches("\nAmount__c%s+currency%s+Amount%s+create update\n", r.stdout)
      assert.matches("\nName%s+string%(80%)%s+Invoice Number%s+read%-only auto%-number\n", r.stdout)
      assert.matches("\nExternal_Id__c%s+string%(50%)%s+External Id%s+create update ext%-id\n", r.stdout)
      assert.matches("\nStatus__c%s+picklist%s+Status%s+create update%s+Draft, Sent, Paid, Void\n", r.stdout)
    end)

    it("works against --instance local, started in the process", function()
      local r = lf { "describe", "--instance", "local", "--format", "json" }
      local list = decoded(r)
      assert.truthy(#list >= 7)
    end)

    it("--full prints Salesforce's whole describe", function()
      local d = decoded(org { "describe", "Account", "--full" })
      assert.equal("Account", d.name)
      assert.equal("001", d.keyPrefix)
      assert.truthy(#d.fields > 10)
    end)

    it("limits lists each limit with max, remaining and used", function()
      local rows = decoded(org { "limits" })
      local daily
      for _, l in ipairs(rows) do if l.name == "DailyApiRequests" then daily = l end end
      assert.equal(15000, daily.max)
      assert.equal(daily.max - daily.remaining, daily.used)
      assert.truthy(daily.used >= 1)
      for i = 2, #rows do assert.truthy(rows[i - 1].name < rows[i].name) end
    end)
  end)

  describe("create, get, update, delete", function()
    it("creates with --values, coercing each value by its field's type", function()
      local created = decoded(org { "create", "Account", "--values",
        [[Name="Acme Corp" NumberOfEmployees=120 AnnualRevenue=1234567 Description='it''s "quoted"' Phone=null]] })
      assert.is_true(created.success)
      assert.matches("^001", created.id)
      local rec = decoded(org { "get", "Account", created.id, "--fields", "Name,NumberOfEmployees,AnnualRevenue,Description,Phone" })
      assert.equal("Acme Corp", rec.Name)
      assert.equal(120, rec.NumberOfEmployees)
      assert.equal(math.type(rec.NumberOfEmployees), "integer")
      assert.equal(1234567, rec.AnnualRevenue)
      assert.equal([[its "quoted"]], rec.Description)
      assert.equal(json.null, rec.Phone)
    end)

    -- value coercion on Invoice__c: field, --values text, the JSON stored
    local rows = {
      { "Amount__c", "Amount__c=1200.50", 1200.5 },
      { "Amount__c", "Amount__c=-7", -7 },
      { "Amount__c", "Amount__c=12345678901234.56", 12345678901234.56 },
      { "Paid__c", "Paid__c=yes", true },
      { "Paid__c", "Paid__c=FALSE", false },
      { "Due_Date__c", "Due_Date__c=2024-02-29", "2024-02-29" },
      { "Notes__c", [[Notes__c="null"]], "null" },
      { "Notes__c", "Notes__c=null", json.null },
      { "Notes__c", [[Notes__c="two  blanks"]], "two  blanks" },
      { "Notes__c", "Notes__c=42", "42" },
      { "Status__c", "Status__c=Sent", "Sent" },
    }
    for _, row in ipairs(rows) do
      it(("--values %s stores %s"):format(row[2], tostring(row[3])), function()
        local created = decoded(org { "create", "Invoice__c", "--values", row[2] })
        local rec = decoded(org { "get", "Invoice__c", created.id, "--fields", row[1] })
        assert.equal(row[3], rec[row[1]])
      end)
    end

    it("stores a date-time given with --values", function()
      local created = decoded(org { "create", "Invoice__c", "--values", "Issued_At__c=2024-06-01T12:30:00Z" })
      local rec = decoded(org { "get", "Invoice__c", created.id, "--fields", "Issued_At__c" })
      assert.matches("^2024%-06%-01T12:30:00", rec.Issued_At__c)
    end)

    -- values the field's type cannot take: exit 2, nothing sent
    local bad = {
      { "NumberOfEmployees=twelve", "NumberOfEmployees takes a whole number (type int), not 'twelve'" },
      { "NumberOfEmployees=1.5", "NumberOfEmployees takes a whole number" },
      { "AnnualRevenue=12,5", "AnnualRevenue takes a number (type currency)" },
      { "Name=x Industry", "'Industry' is not Field=value" },
      { [[Name="open]], [[a " is not closed]] },
    }
    for _, row in ipairs(bad) do
      it(("refuses --values %s"):format(row[1]), function()
        local before = stats().api_requests
        local r = org { "create", "Account", "--values", row[1] }
        assert.equal(2, r.code)
        assert.matches(row[2], r.stderr, 1, true)
        assert.equal("", r.stdout)
        -- at most the describe went out, never a create
        assert.truthy(stats().api_requests - before <= 2)
      end)
    end

    it("refuses a date that does not exist", function()
      local r = org { "create", "Invoice__c", "--values", "Due_Date__c=2023-02-29" }
      assert.equal(2, r.code)
      assert.matches("Due_Date__c takes a date", r.stderr, 1, true)
    end)

    it("creates from --json text and --json @file", function()
      local a = decoded(org { "create", "Account", "--json", [[{"Name": "From Text", "NumberOfEmployees": 5}]] })
      local path = proc.write(home .. "/acct.json", [[{"Name": "From File", "Industry": "Energy"}]])
      local b = decoded(org { "create", "Account", "--json", "@" .. path })
      assert.equal("From Text", decoded(org { "get", "Account", a.id, "--fields", "Name" }).Name)
      local rec = decoded(org { "get", "Account", b.id, "--fields", "Name,Industry" })
      assert.equal("From File", rec.Name)
      assert.equal("Energy", rec.Industry)
    end)

    it("reads --json @- from standard input", function()
      local r = lf({ "create", "Account", "--instance", url, "--token", TOKEN, "--format", "json", "--json", "@-" },
        nil, [[{"Name": "From Stdin"}]])
      assert.is_true(decoded(r).success)
    end)

    -- mistakes in the fields options: exit 2
    local json_bad = {
      { { "--json", "[1, 2]" }, "must be a JSON object" },
      { { "--json", "{nope" }, "--json is not JSON" },
      { { "--json", "@/nonexistent/x.json" }, "cannot read" },
      { { "--json", "{}", "--values", "Name=x" }, "--values and --json together" },
      { {}, "no fields given" },
    }
    for _, row in ipairs(json_bad) do
      it("refuses " .. table.concat(row[1], " "), function()
        local args = { "create", "Account" }
        for _, a in ipairs(row[1]) do args[#args + 1] = a end
        local r = org(args)
        assert.equal(2, r.code)
        assert.matches(row[2], r.stderr, 1, true)
      end)
    end

    it("updates, then deletes; a deleted record is NOT_FOUND (exit 1)", function()
      local id = decoded(org { "create", "Account", "--values", "Name=Temp" }).id
      local u = decoded(org { "update", "Account", id, "--values", "Industry=Energy Rating=Hot" })
      assert.same({ id = id, success = true }, u)
      local rec = decoded(org { "get", "Account", id, "--fields", "Industry,Rating" })
      assert.equal("Energy", rec.Industry)
      assert.equal("Hot", rec.Rating)
      assert.same({ id = id, success = true }, decoded(org { "delete", "Account", id }))
      local r = org { "get", "Account", id }
      assert.equal(1, r.code)
      assert.matches("^luaforce: ENTITY_IS_DELETED: [^\n]*\n$", r.stderr)
    end)

    it("get --relationship prints the child records", function()
      local id = an_account_id()
      local r = org { "get", "Account", id, "--relationship", "Contacts", "--format", "csv" }
      assert.equal(0, r.code, r.stderr)
      assert.matches("^Id,", r.stdout)
    end)

    it("get --output writes the record to a file and nothing to standard output", function()
      local id = an_account_id()
      local path = home .. "/rec.json"
      local r = org { "get", "Account", id, "--fields", "Name", "--output", path }
      assert.equal(0, r.code, r.stderr)
      assert.equal("", r.stdout)
      local f = assert(io.open(path))
      local rec = json.decode(f:read("a"))
      f:close()
      assert.equal("string", type(rec.Name))
    end)
  end)

  describe("upsert", function()
    it("creates, then updates by the external id", function()
      local a = decoded(org { "upsert", "Invoice__c", "External_Id__c", "INV-E2E-1", "--values", "Amount__c=10" })
      assert.is_true(a.created)
      local b = decoded(org { "upsert", "Invoice__c", "External_Id__c", "INV-E2E-1", "--json", [[{"Amount__c": 20}]] })
      assert.is_false(b.created)
      assert.equal(a.id, b.id)
      assert.equal(20, decoded(org { "get", "Invoice__c", a.id, "--fields", "Amount__c" }).Amount__c)
    end)

    it("names the external id field meant", function()
      local r = org { "upsert", "Invoice__c", "External_Idc", "X", "--values", "Amount__c=1" }
      assert.equal(2, r.code)
      assert.matches("(did you mean External_Id__c?)", r.stderr, 1, true)
    end)
  end)

  describe("errors: one line, a suggestion, the exit code", function()
    -- args (after the command), exit code, standard error
    local cases = {
      { "an unknown field", function(id) return { "get", "Account", id, "--fields", "Nme,Industry" } end, 2,
        "luaforce: INVALID_FIELD: No such column 'Nme' on entity 'Account' (did you mean Name?)\n" },
      { "an unknown object", function(id) return { "get", "Acount", id } end, 2,
        "luaforce: INVALID_TYPE: sObject type 'Acount' is not supported (did you mean Account?)\n" },
      { "an unknown object for describe", function() return { "describe", "Contcat" } end, 2,
        "luaforce: INVALID_TYPE: sObject type 'Contcat' is not supported (did you mean Contact?)\n" },
      { "an unknown field in --values", function() return { "create", "Account", "--values", "Nmae=x" } end, 2,
        "luaforce: INVALID_FIELD: No such column 'Nmae' on sobject of type Account (did you mean Name?)\n" },
      { "a malformed id", function() return { "get", "Account", "001xyz" } end, 2, "is no record id" },
    }
    for _, c in ipairs(cases) do
      it(c[1], function()
        local r = org(c[2](an_account_id()))
        assert.equal(c[3], r.code, r.stderr)
        if c[4]:sub(-1) == "\n" then assert.equal(c[4], r.stderr) else assert.matches(c[4], r.stderr, 1, true) end
      end)
    end

    it("an unknown command option suggests the nearest", function()
      local r = lf { "get", "--feilds", "Name", "Account", "001000000000001AAA" }
      assert.equal(2, r.code)
      assert.matches("did you mean --fields?", r.stderr, 1, true)
    end)

    it("a refused token exits 3", function()
      local r = lf { "limits", "--instance", url, "--token", "not-a-token" }
      assert.equal(3, r.code)
      assert.matches("^luaforce: INVALID_SESSION_ID: ", r.stderr)
    end)

    it("an unreachable org exits 4", function()
      local r = lf { "limits", "--instance", "http://127.0.0.1:1", "--token", "x" }
      assert.equal(4, r.code)
      assert.matches("^luaforce: CONNECT: ", r.stderr)
    end)

    it("no instance at all is a usage error", function()
      local r = lf { "limits" }
      assert.equal(2, r.code)
      assert.matches("no instance URL to connect to", r.stderr, 1, true)
    end)

    it("--verbose adds the request the error came from", function()
      local r = org { "get", "Account", an_account_id(), "--fields", "Nme", "--verbose" }
      assert.equal(2, r.code)
      assert.matches("GET /services/data/v62.0/sobjects/Account/", r.stderr, 1, true)
    end)
  end)

  describe("settings precedence: command line > environment > profile", function()
    -- the profile file holds every setting; the environment and the command
    -- line override some
    local function profile_text()
      return ([[
default = p
[profile p]
instance_url = %s/from-profile
api_version = v50.0
token = {{secrets.PROFILE_TOKEN}}
]]):format(url)
    end

    local rows = {
      -- name, env, flags, setting, expected value, expected source
      { "profile only", {}, {}, "api_version", "v50.0", "profile p in " },
      { "env over profile", { SF_API_VERSION = "55.0" }, {}, "api_version", "v55.0", "environment SF_API_VERSION" },
      { "flag over env", { SF_API_VERSION = "55.0" }, { "--api-version", "58.0" }, "api_version", "v58.0",
        "command line --api-version" },
      { "instance from profile", {}, {}, "instance_url", "/from-profile", "profile p in " },
      { "instance from env", { SF_INSTANCE_URL = "https://env.example.com" }, {}, "instance_url",
        "https://env.example.com", "environment SF_INSTANCE_URL" },
      { "instance from flag", { SF_INSTANCE_URL = "https://env.example.com" }, { "--instance", "https://flag.example.com" },
        "instance_url", "https://flag.example.com", "command line --instance" },
      { "token from profile", {}, {}, "access_token", "{{secrets.PROFILE_TOKEN}}", "profile p in " },
      { "token from env", { SF_ACCESS_TOKEN = "env-token-1234" }, {}, "access_token", "***",
        "environment SF_ACCESS_TOKEN" },
      { "token from flag", { SF_ACCESS_TOKEN = "env-token-1234" }, { "--token", "flag-token-1234" }, "access_token",
        "***", "command line --token" },
      { "client id from env beats the profile's token", { SF_CLIENT_ID = "cid", SF_CLIENT_SECRET = "env-secret-1234" },
        {}, "client_id", "cid", "environment SF_CLIENT_ID" },
      { "profile named by SF_PROFILE", { SF_PROFILE = "p" }, {}, "profile", "p", "environment SF_PROFILE" },
      { "profile from the file's default", {}, {}, "profile", "p", "default of " },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        write_config(profile_text())
        local args = { "login", "--show", "--format", "json" }
        for _, a in ipairs(row[3]) do args[#args + 1] = a end
        local list = decoded(lf(args, row[2]))
        local got
        for _, s in ipairs(list) do if s.setting == row[4] then got = s end end
        assert(got, "no row for " .. row[4])
        assert.truthy(got.value:find(row[5], 1, true), got.value)
        assert.equal(row[6], got.source:sub(1, #row[6]))
      end)
    end

    it("takes credentials whole: the profile's token never pairs with the environment's client id", function()
      write_config(profile_text())
      local list = decoded(lf({ "login", "--show", "--format", "json" }, { SF_CLIENT_ID = "cid",
        SF_CLIENT_SECRET = "env-secret-1234" }))
      for _, s in ipairs(list) do assert.not_equal("access_token", s.setting) end
    end)

    it("the settings chosen are the ones used", function()
      -- the profile's token is wrong, the environment's is right: it works
      write_config(([[
[default]
instance_url = %s
token = wrong-token-1234
]]):format(url))
      assert.equal(3, lf({ "limits" }).code)
      assert.equal(0, lf({ "limits" }, { SF_ACCESS_TOKEN = TOKEN }).code)
      -- and the command line beats both
      assert.equal(3, lf({ "limits", "--token", "flag-wrong-1234" }, { SF_ACCESS_TOKEN = TOKEN }).code)
    end)

    it("a named profile that does not exist is an error with the nearest name", function()
      write_config(profile_text())
      local r = lf { "limits", "--profile", "q" }
      assert.equal(2, r.code)
      assert.matches("no profile 'q' in .*did you mean p%?", r.stderr)
    end)

    it("run scripts connect with the same settings", function()
      write_config(([[
[profile emu]
instance_url = %s
token = {{secrets.EMU_TOKEN}}
]]):format(url))
      local r = lf({ "run", "--profile", "emu", "-" }, { EMU_TOKEN = TOKEN },
        [[local org = assert(require("luaforce").connect()) print(org:limits().max)]])
      assert.equal(0, r.code, r.stderr)
      assert.equal("15000\n", r.stdout)
    end)
  end)

  describe("the profile file", function()
    local clear = "[profile p]\ninstance_url = https://x.example.com\nclient_id = id\nclient_secret = clear-secret-99\n"
    local placeholder = "[profile p]\ninstance_url = https://x.example.com\nclient_id = id\n"
      .. "client_secret = {{secrets.P_SECRET}}\n"
    -- text, mode, refused?
    local rows = {
      { "a clear secret, mode 644", clear, "644", true },
      { "a clear secret, mode 640", clear, "640", true },
      { "a clear secret, mode 600", clear, "600", false },
      { "a placeholder, mode 644", placeholder, "644", false },
      { "a clear token, mode 604", "[default]\ninstance_url = https://x.example.com\ntoken = abc\n", "604", true },
    }
    for _, row in ipairs(rows) do
      it(("%s is %s"):format(row[1], row[4] and "refused" or "used"), function()
        local path = write_config(row[2], row[3])
        -- the file is read (and checked) whether or not a profile is named
        local r = lf({ "login", "--show", "--format", "json" }, { P_SECRET = "s" })
        if row[4] then
          assert.equal(2, r.code)
          assert.matches("UNSAFE_CONFIG_FILE", r.stderr, 1, true)
          assert.matches("chmod 600 " .. path, r.stderr, 1, true)
          assert.equal("", r.stdout)
        else
          assert.equal(0, r.code, r.stderr)
        end
      end)
    end

    -- mistakes in the file: exit 2 naming the line
    local broken = {
      { "[profile p]\ninstance_ur = https://x\n", "config:2: unknown key 'instance_ur' (did you mean instance_url?)" },
      { "instance_url = https://x\n", "config:1: 'instance_url' outside a profile" },
      { "[profil p]\n", "config:1: not a section header" },
      { "default = q\n[profile p]\n", "config:1: the default profile is not defined (did you mean p?)" },
      { "[profile p]\nclient_secret: s3cr3t-value\n",
        "config:2: expected 'key = value': 'client_secret' is followed by ':', not '='" },
    }
    for _, row in ipairs(broken) do
      it("names the mistake: " .. row[2], function()
        write_config(row[1])
        local r = lf { "login", "--show" }
        assert.equal(2, r.code)
        assert.matches(row[2], r.stderr, 1, true)
      end)
    end
  end)

  describe("login", function()
    local function token_cache() return cachedir .. "/luaforce/tokens" end

    it("--show masks every secret, wherever it came from", function()
      local env_secret, file_secret, profile_secret, flag_token = "env-secret-5e1f", CLIENT_SECRET, "prof-secret-77aa",
        "flag-token-3c9d"
      write_config(("[profile p]\ninstance_url = %s\nclient_id = %s\nclient_secret = %s\n"):format(url, CLIENT_ID,
        profile_secret))
      local runs = {
        lf({ "login", "--show", "--profile", "p", "--format", "table" }),
        lf({ "login", "--show", "--format", "csv" }, { SF_INSTANCE_URL = url, SF_CLIENT_ID = "x",
          SF_CLIENT_SECRET = env_secret }),
        lf({ "login", "--show", "--format", "json", "--instance", url, "--client-id", CLIENT_ID,
          "--client-secret-file", secret_file }),
        lf({ "login", "--show", "--format", "json", "--instance", url, "--token", flag_token }),
        lf({ "login", "--show", "--format", "json", "--instance", url }, { SF_ACCESS_TOKEN = TOKEN }),
      }
      for i, r in ipairs(runs) do
        assert.equal(0, r.code, r.stderr)
        assert.matches("***", r.stdout, 1, true)
        for _, s in ipairs { env_secret, file_secret, profile_secret, flag_token, TOKEN } do
          assert.is_nil(r.stdout:find(s, 1, true), ("run %d shows %s"):format(i, s))
          assert.is_nil(r.stderr:find(s, 1, true), ("run %d shows %s"):format(i, s))
        end
      end
    end)

    it("fetches a client-credentials token, caches it (0600), and the next command reuses it", function()
      os.remove(token_cache())
      local creds = { "--instance", url, "--client-id", CLIENT_ID, "--client-secret-file", secret_file }
      local r = lf { "login", table.unpack(creds) }
      assert.equal(0, r.code, r.stderr)
      assert.matches("connected to " .. url, r.stdout, 1, true)
      assert.matches("client luaforce-local", r.stdout, 1, true)
      assert.matches("identity     org 00D", r.stdout, 1, true)
      local st = require("luaforce.core.sys").stat(token_cache())
      assert.equal(tonumber("600", 8), st.mode)
      -- a command after it asks for no token: only API requests (and this
      -- stats call) reach the org
      local function other(s) return s.requests - s.api_requests end
      local before = stats()
      assert.equal(0, lf({ "limits", table.unpack(creds) }).code)
      assert.equal(1, other(stats()) - other(before))
      -- without the cache it does ask
      os.remove(token_cache())
      before = stats()
      assert.equal(0, lf({ "limits", table.unpack(creds) }).code)
      assert.equal(2, other(stats()) - other(before))
    end)

    it("reads the client secret from standard input with --client-secret-file -", function()
      os.remove(token_cache())
      local r = lf({ "login", "--instance", url, "--client-id", CLIENT_ID, "--client-secret-file", "-" }, nil,
        CLIENT_SECRET .. "\n")
      assert.equal(0, r.code, r.stderr)
      assert.matches("client luaforce-local", r.stdout, 1, true)
      r = lf({ "login", "--instance", url, "--client-id", CLIENT_ID, "--client-secret-file", "-" }, nil, "")
      assert.equal(2, r.code)
      assert.matches("the client secret file - is empty", r.stderr, 1, true)
    end)

    it("checks the secret even when a token is cached: a wrong one exits 3", function()
      local creds = { "--instance", url, "--client-id", CLIENT_ID, "--client-secret-file", secret_file }
      assert.equal(0, lf({ "login", table.unpack(creds) }).code)
      local wrong = proc.write(home .. "/wrong-secret", "not-the-secret\n")
      -- any command, not only login: the cached token is not lent to a
      -- wrong secret (it was, and exited 0 until the token expired)
      local r = lf { "limits", "--instance", url, "--client-id", CLIENT_ID, "--client-secret-file", wrong }
      assert.equal(3, r.code, r.stdout)
      assert.matches("^luaforce: invalid_client: ", r.stderr)
      r = lf { "login", "--instance", url, "--client-id", CLIENT_ID, "--client-secret-file", wrong }
      assert.equal(3, r.code)
      assert.matches("^luaforce: invalid_client: ", r.stderr)
    end)

    it("with an access token says where it came from", function()
      local r = lf({ "login", "--instance", url }, { SF_ACCESS_TOKEN = TOKEN })
      assert.equal(0, r.code, r.stderr)
      assert.matches("an access token, from environment SF_ACCESS_TOKEN", r.stdout, 1, true)
      assert.matches("API requests %d+ of 15000 used today", r.stdout)
    end)

    it("--instance local needs no credentials", function()
      local r = lf { "login", "--instance", "local" }
      assert.equal(0, r.code, r.stderr)
      assert.matches("connected to http://127.0.0.1:", r.stdout, 1, true)
    end)

    it("a client id without a secret says how to give one", function()
      local r = lf { "login", "--instance", url, "--client-id", CLIENT_ID }
      assert.equal(2, r.code)
      assert.matches("--client-secret-file", r.stderr, 1, true)
    end)
  end)

  describe("--help", function()
    for _, name in ipairs { "get", "create", "update", "delete", "upsert", "describe", "limits", "login" } do
      it("luaforce " .. name .. " --help shows usage, the connection options and examples", function()
        local r = lf { name, "--help" }
        assert.equal(0, r.code, r.stderr)
        assert.matches("^Usage: luaforce " .. name, r.stdout)
        assert.matches("--instance URL|local", r.stdout, 1, true)
        assert.matches("--client-secret-file FILE", r.stdout, 1, true)
        assert.matches("--format FMT", r.stdout, 1, true)
        assert.matches("\nExamples:\n  luaforce " .. name, r.stdout, 1, true)
      end)
    end
  end)
end)
