-- The official Salesforce CLI (`sf`, a test-time peer pinned by
-- tests/peers/sfcli) against `luaforce emulator`, unchanged: logins with
-- the org's static token and with an OAuth token from client credentials,
-- org display and list, queries (relationships, subqueries, csv, the human
-- table, more than 2,000 rows over several pages), record create, get,
-- update and delete (by id and by --where), sObject describe and list, API
-- limits, a raw REST request, tree export and import (all or nothing), and
-- Bulk API 2.0: data import, upsert, export and delete (soft and hard)
-- bulk, with failed rows read back through data bulk results.
--
-- `scripts/peers sfcli` installs the CLI (npm ci); when the npm registry
-- cannot be reached it exits 3 and every test here is pending, saying so;
-- any other install failure fails the spec. sf runs isolated: an empty
-- environment but for PATH, a fresh HOME and XDG folders, no telemetry, no
-- update checks, and a plain file keychain.
local proc = require "support.proc"
local json = require "luaforce.json"

local q = proc.quote
local NO_REGISTRY = "the npm registry cannot be reached: the sf peer is not installed"

describe("sf (Salesforce CLI) against luaforce emulator", function()
  local sf, skip, emu, data, info, home, tmp

  -- a fresh folder under TMPDIR
  local function mkdtemp()
    local p = io.popen("mktemp -d")
    local dir = p:read("l")
    p:close()
    assert(dir and dir ~= "", "mktemp -d failed")
    return dir
  end

  --- Runs sf with a list of arguments. opts.env: more variables
  -- (SF_ACCESS_TOKEN); opts.home: another HOME. Returns the proc.sh result
  -- with `json` (stdout decoded, when it is JSON) and `why` (the command and
  -- everything it printed, for assertion messages).
  local function run(args, opts)
    opts = opts or {}
    local h = opts.home or home
    local vars = {
      PATH = sf:match("^(.*)/[^/]+$") .. ":" .. (os.getenv("PATH") or "/usr/bin:/bin"),
      HOME = h,
      XDG_CONFIG_HOME = h .. "/.config",
      XDG_DATA_HOME = h .. "/.local/share",
      XDG_CACHE_HOME = h .. "/.cache",
      XDG_STATE_HOME = h .. "/.local/state",
      TMPDIR = os.getenv("TMPDIR") or "/tmp",
      LANG = "C.UTF-8",
      SF_DISABLE_TELEMETRY = "true",
      SF_AUTOUPDATE_DISABLE = "true",
      SF_SKIP_NEW_VERSION_CHECK = "true",
      SF_USE_GENERIC_UNIX_KEYCHAIN = "true",
    }
    for k, v in pairs(opts.env or {}) do vars[k] = v end
    -- env -i: nothing inherited (no SF_* / SFDX_* of the person running the tests)
    local parts = { "env", "-i" }
    local names = {}
    for k in pairs(vars) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do parts[#parts + 1] = q(k .. "=" .. vars[k]) end
    parts[#parts + 1] = q(sf)
    local shown = { "sf" }
    for _, a in ipairs(args) do
      parts[#parts + 1] = q(a)
      shown[#shown + 1] = q(a)
    end
    local line = table.concat(parts, " ")
    if opts.cwd then line = "cd " .. q(opts.cwd) .. " && " .. line end
    local r = proc.sh(line)
    r.json = json.decode(r.stdout)
    r.why = ("%s\nexited %s\n--- stdout:\n%s\n--- stderr:\n%s"):format(
      table.concat(shown, " "), tostring(r.code), r.stdout, r.stderr)
    return r
  end

  -- runs sf with --json and asserts it succeeded: returns its `result`
  local function ok(args, opts)
    local a = { table.unpack(args) }
    a[#a + 1] = "--json"
    local r = run(a, opts)
    assert.equal(0, r.code, r.why)
    assert.is_table(r.json, r.why)
    assert.equal(0, r.json.status, r.why)
    return r.json.result, r
  end

  -- runs sf with --json and asserts it failed: returns the decoded error
  local function fails(args, opts)
    local a = { table.unpack(args) }
    a[#a + 1] = "--json"
    local r = run(a, opts)
    assert.is_not.equal(0, r.code, r.why)
    assert.is_table(r.json, r.why)
    assert.is_not.equal(0, r.json.status, r.why)
    return r.json, r
  end

  -- one REST call straight to the emulator (counts, not what is tested)
  local function rest(path)
    local r = proc.curl(emu.url .. path, { headers = { "Authorization: Bearer " .. info.token } })
    assert.equal(200, r.status, r.body)
    return json.decode(r.body)
  end

  local function count(soql)
    return rest("/services/data/v62.0/query?q=" .. soql:gsub("[^%w]", function(c)
      return ("%%%02X"):format(c:byte())
    end)).totalSize
  end

  local function login(alias, token, h)
    return ok({ "org", "login", "access-token", "-r", emu.url, "--no-prompt", "-a", alias },
      { env = { SF_ACCESS_TOKEN = token }, home = h })
  end

  local function need_peer()
    if skip then pending(skip) end
  end

  setup(function()
    local r = proc.sh("scripts/peers sfcli")
    if r.code == 3 then
      local why = r.stderr:match("npm: ([%w_]+)")
      skip = NO_REGISTRY .. (why and (" (npm: " .. why .. ")") or "")
      return
    end
    assert.equal(0, r.code, "scripts/peers sfcli failed (exit " .. tostring(r.code) .. "):\n" .. r.stderr)
    sf = r.stdout:match("([^\n]+)\n?$")
    assert(sf and sf:match("/sf$"), "scripts/peers sfcli printed no sf path: " .. r.stdout)
    -- 2,500 leads more than the demo org: a query over them pages
    local leads = {}
    for i = 1, 2500 do
      leads[i] = { LastName = ("SfLead %04d"):format(i), Company = "SF Peer Leads", Status = "Open - Not Contacted" }
    end
    data = proc.write(os.tmpname(), json.encode { Lead = leads })
    emu = proc.emulator { "--now", "2024-06-01T12:00:00Z", "--data", data, "-q" }
    local res = proc.curl(emu.url .. "/_emulator/info")
    assert.equal(200, res.status, res.body)
    info = json.decode(res.body)
    home = mkdtemp()
    tmp = mkdtemp()
  end)

  teardown(function()
    if emu then emu.stop() end
    if data then os.remove(data) end
    for _, dir in ipairs { home, tmp } do
      if dir and dir:match("^/.+/tmp%.[%w]+$") then os.execute("rm -rf " .. q(dir)) end
    end
  end)

  it("logs in with the org's static token", function()
    need_peer()
    local res = login("loc", info.token)
    assert.equal("admin@luaforce.local", res.username)
    assert.matches("^00D", res.orgId)
    assert.equal(18, #res.orgId)
    assert.equal(info.org_id, res.orgId)
  end)

  it("logs in with an OAuth token from the client-credentials flow", function()
    need_peer()
    local r = proc.curl(emu.url .. "/services/oauth2/token", {
      method = "POST",
      headers = { "Content-Type: application/x-www-form-urlencoded" },
      data = "grant_type=client_credentials&client_id=" .. info.client_id .. "&client_secret=" .. info.client_secret,
    })
    assert.equal(200, r.status, r.body)
    local token = json.decode(r.body).access_token
    assert.is_string(token, r.body)
    -- its own HOME: the same user as `loc`, whose stored token stays the static one
    local h = mkdtemp()
    finally(function() os.execute("rm -rf " .. q(h)) end)
    local res = login("cc", token, h)
    assert.equal("admin@luaforce.local", res.username)
    assert.equal(info.org_id, res.orgId)
    local shown = ok({ "org", "display", "-o", "cc" }, { home = h })
    assert.equal("Connected", shown.connectedStatus, json.encode(shown))
  end)

  it("displays and lists the org", function()
    need_peer()
    local shown = ok { "org", "display", "-o", "loc" }
    assert.equal("Connected", shown.connectedStatus, json.encode(shown))
    assert.equal(info.org_id, shown.id)
    assert.equal("admin@luaforce.local", shown.username)

    local list = ok { "org", "list" }
    local found
    for _, group in pairs(list) do
      if type(group) == "table" then
        for _, org in ipairs(group) do
          if org.username == "admin@luaforce.local" then found = org end
        end
      end
    end
    assert.is_table(found, "the org is not in `sf org list`: " .. json.encode(list))
    assert.equal("Luaforce Local", found.name)
    assert.equal(info.org_id, found.orgId)
    assert.is_false(found.isSandbox)
    assert.is_false(found.isScratch)
    assert.is_false(found.isDevHub)
  end)

  it("displays the user with its profile", function()
    need_peer()
    local user, r = ok { "org", "display", "user", "-o", "loc" }
    assert.equal("admin@luaforce.local", user.username, r.why)
    assert.matches("^005", user.id, r.why)
    assert.equal("System Administrator", user.profileName, r.why)
  end)

  it("queries with a parent relationship and with a subquery", function()
    need_peer()
    local res, r = ok { "data", "query", "-o", "loc", "-q", "SELECT Id, Name, Account.Name FROM Contact LIMIT 5" }
    assert.equal(5, res.totalSize, r.why)
    assert.equal(5, #res.records, r.why)
    for _, rec in ipairs(res.records) do
      assert.matches("^003", rec.Id, r.why)
      assert.is_string(rec.Name, r.why)
    end
    local parents = 0
    for _, rec in ipairs(res.records) do
      if type(rec.Account) == "table" then
        parents = parents + 1
        assert.is_string(rec.Account.Name, r.why)
        assert.equal("Account", rec.Account.attributes.type, r.why)
      end
    end
    assert.is_true(parents > 0, "no contact has Account.Name:\n" .. r.why)

    res, r = ok { "data", "query", "-o", "loc", "-q", "SELECT Name, (SELECT LastName FROM Contacts) FROM Account LIMIT 3" }
    assert.equal(3, #res.records, r.why)
    local children = 0
    for _, rec in ipairs(res.records) do
      assert.is_string(rec.Name, r.why)
      if type(rec.Contacts) == "table" then
        assert.is_table(rec.Contacts.records, r.why)
        for _, c in ipairs(rec.Contacts.records) do
          assert.is_string(c.LastName, r.why)
          children = children + 1
        end
      end
    end
    assert.is_true(children > 0, "no account has Contacts:\n" .. r.why)
  end)

  it("prints a query as csv and as a table", function()
    need_peer()
    local r = run { "data", "query", "-o", "loc", "-q", "SELECT Id, Name FROM Account ORDER BY Name LIMIT 3", "--result-format", "csv" }
    assert.equal(0, r.code, r.why)
    local lines = {}
    for line in r.stdout:gmatch("[^\r\n]+") do lines[#lines + 1] = line end
    assert.equal("Id,Name", lines[1], r.why)
    assert.equal(4, #lines, r.why)
    for i = 2, 4 do assert.matches("^001%w+,.+", lines[i], r.why) end

    r = run { "data", "query", "-o", "loc", "-q", "SELECT Id, Name FROM Account ORDER BY Name LIMIT 3" }
    assert.equal(0, r.code, r.why)
    assert.matches("ID", r.stdout, nil, true)
    assert.matches("NAME", r.stdout, nil, true)
    assert.matches("Total number of records retrieved: 3.", r.stdout, nil, true)
    local ids = 0
    for _ in r.stdout:gmatch("001%w%w%w%w%w%w%w%w%w%w%w%w%w%w%w") do ids = ids + 1 end
    assert.equal(3, ids, r.why)
  end)

  it("fetches every page of a query over more than 2,000 leads", function()
    need_peer()
    local expected = count("SELECT COUNT() FROM Lead")
    assert.is_true(expected > 2500)
    local res, r = ok { "data", "query", "-o", "loc", "-q", "SELECT Id, LastName FROM Lead" }
    assert.equal(expected, res.totalSize, "totalSize")
    assert.is_true(res.done, "done")
    assert.equal(res.totalSize, #res.records, "records fetched")
    local seen, unique = {}, 0
    for _, rec in ipairs(res.records) do
      if not seen[rec.Id] then seen[rec.Id] = true; unique = unique + 1 end
    end
    assert.equal(res.totalSize, unique, "distinct ids")
    assert.is_nil(r.stderr:match("Error"), r.why)
  end)

  it("creates, gets, updates and deletes a record", function()
    need_peer()
    local created, r = ok { "data", "create", "record", "-o", "loc", "-s", "Account", "-v", "Name='SF Peer Co' Industry=Energy" }
    assert.is_true(created.success, r.why)
    local id = created.id
    assert.matches("^001", id, r.why)

    local got
    got, r = ok { "data", "get", "record", "-o", "loc", "-s", "Account", "-i", id }
    assert.equal("SF Peer Co", got.Name, r.why)
    assert.equal("Energy", got.Industry, r.why)

    local updated
    updated, r = ok { "data", "update", "record", "-o", "loc", "-s", "Account", "-i", id, "-v", "Industry=Banking" }
    assert.is_true(updated.success, r.why)

    got, r = ok { "data", "get", "record", "-o", "loc", "-s", "Account", "-w", "Name='SF Peer Co'" }
    assert.equal(id, got.Id, r.why)
    assert.equal("Banking", got.Industry, r.why)

    local deleted
    deleted, r = ok { "data", "delete", "record", "-o", "loc", "-s", "Account", "-i", id }
    assert.is_true(deleted.success, r.why)

    local err
    err, r = fails { "data", "get", "record", "-o", "loc", "-s", "Account", "-i", id }
    local said = tostring(err.name) .. " " .. tostring(err.message)
    assert.is_truthy(said:match("ENTITY_IS_DELETED") or said:match("NOT_FOUND"), r.why)
    assert.is_truthy(said:lower():match("deleted") or said:lower():match("not exist") or said:lower():match("not found"), r.why)
  end)

  it("deletes a record found by --where", function()
    need_peer()
    local created, r = ok { "data", "create", "record", "-o", "loc", "-s", "Account", "-v", "Name='SF Peer Where Co' Industry=Energy" }
    assert.is_true(created.success, r.why)
    assert.equal(1, count("SELECT COUNT() FROM Account WHERE Name = 'SF Peer Where Co'"))
    local deleted
    deleted, r = ok { "data", "delete", "record", "-o", "loc", "-s", "Account", "-w", "Name='SF Peer Where Co'" }
    assert.is_true(deleted.success, r.why)
    assert.equal(created.id, deleted.id, r.why)
    assert.equal(0, count("SELECT COUNT() FROM Account WHERE Name = 'SF Peer Where Co'"))
  end)

  it("describes and lists sObjects", function()
    need_peer()
    local d, r = ok { "sobject", "describe", "-o", "loc", "-s", "Account" }
    assert.equal("Account", d.name, r.why)
    local names = {}
    for _, f in ipairs(d.fields) do names[f.name] = f end
    assert.is_table(names.Name, "no Name field: " .. r.why)
    assert.is_table(names.Id, "no Id field: " .. r.why)

    local list
    list, r = ok { "sobject", "list", "-o", "loc" }
    local has = {}
    for _, n in ipairs(list) do has[n] = true end
    assert.is_true(has.Account, r.why)
    assert.is_true(has.Organization, r.why)
    assert.is_true(has.Contact, r.why)
  end)

  it("displays the API limits", function()
    need_peer()
    local limits, r = ok { "limits", "api", "display", "-o", "loc" }
    local daily
    for _, l in ipairs(limits) do
      if l.name == "DailyApiRequests" then daily = l end
    end
    assert.is_table(daily, r.why)
    assert.is_true(daily.max > 0, r.why)
    assert.is_true(daily.remaining <= daily.max, r.why)
  end)

  it("makes a raw REST request", function()
    need_peer()
    local r = run { "api", "request", "rest", "/services/data/v62.0/limits", "-o", "loc" }
    assert.equal(0, r.code, r.why)
    assert.is_table(r.json, r.why)
    assert.is_table(r.json.DailyApiRequests, r.why)
    assert.is_number(r.json.DailyApiRequests.Max, r.why)
  end)

  it("exports an account and its contacts as a tree", function()
    need_peer()
    -- an account of the demo org with contacts (and no quote in its name)
    local res = rest("/services/data/v62.0/query?q=" ..
      "SELECT+Name,(SELECT+LastName+FROM+Contacts)+FROM+Account+ORDER+BY+Name")
    local name, contacts
    for _, rec in ipairs(res.records) do
      local cs = type(rec.Contacts) == "table" and rec.Contacts.records or {}
      if #cs >= 2 and not rec.Name:find("'", 1, true) then
        name, contacts = rec.Name, #cs
        break
      end
    end
    assert.is_string(name, "no demo account with two contacts")
    local dir = tmp .. "/export"
    os.execute("mkdir -p " .. q(dir))
    local out, r = ok { "data", "export", "tree", "-o", "loc", "-d", dir,
      "-q", ("SELECT Name, (SELECT LastName FROM Contacts) FROM Account WHERE Name = '%s'"):format(name) }
    assert.is_table(out.records, r.why)
    local f = io.open(dir .. "/Account-Contact.json", "rb")
    assert.is_not_nil(f, "no Account-Contact.json in " .. dir .. ":\n" .. r.why)
    local tree = json.decode(f:read("a"))
    f:close()
    assert.equal(1, #tree.records, r.why)
    local acct = tree.records[1]
    assert.equal("Account", acct.attributes.type)
    assert.is_string(acct.attributes.referenceId)
    assert.equal(name, acct.Name)
    assert.equal(contacts, #acct.Contacts.records, r.why)
    for _, c in ipairs(acct.Contacts.records) do
      assert.equal("Contact", c.attributes.type)
      assert.is_string(c.attributes.referenceId)
      assert.is_string(c.LastName)
    end
  end)

  local function tree_file(second_name)
    local second = { attributes = { type = "Account", referenceId = "AccRef2" } }
    second.Name = second_name
    second.Contacts = { records = {
      { attributes = { type = "Contact", referenceId = "ConRef3" }, LastName = "Treetwo A" },
      { attributes = { type = "Contact", referenceId = "ConRef4" }, LastName = "Treetwo B" },
    } }
    return json.encode { records = {
      { attributes = { type = "Account", referenceId = "AccRef1" }, Name = "SF Tree One",
        Contacts = { records = {
          { attributes = { type = "Contact", referenceId = "ConRef1" }, LastName = "Treeone A" },
          { attributes = { type = "Contact", referenceId = "ConRef2" }, LastName = "Treeone B" },
        } } },
      second,
    } }
  end

  it("imports a tree of two accounts with two contacts each", function()
    need_peer()
    local file = proc.write(tmp .. "/import-ok.json", tree_file("SF Tree Two"))
    local refs, r = ok { "data", "import", "tree", "-o", "loc", "-f", file }
    assert.equal(6, #refs, r.why)
    local by_ref = {}
    for _, ref in ipairs(refs) do
      assert.matches("^%w+$", ref.id, r.why)
      by_ref[ref.refId] = ref
    end
    for _, k in ipairs { "AccRef1", "AccRef2" } do
      assert.is_table(by_ref[k], r.why)
      assert.equal("Account", by_ref[k].type, r.why)
      assert.matches("^001", by_ref[k].id, r.why)
    end
    for _, k in ipairs { "ConRef1", "ConRef2", "ConRef3", "ConRef4" } do
      assert.is_table(by_ref[k], r.why)
      assert.equal("Contact", by_ref[k].type, r.why)
      assert.matches("^003", by_ref[k].id, r.why)
    end

    local res
    res, r = ok { "data", "query", "-o", "loc", "-q",
      "SELECT Id, Name, (SELECT LastName FROM Contacts) FROM Account WHERE Name LIKE 'SF Tree %' ORDER BY Name" }
    assert.equal(2, #res.records, r.why)
    local got = {}
    for _, rec in ipairs(res.records) do
      local names = {}
      for _, c in ipairs(type(rec.Contacts) == "table" and rec.Contacts.records or {}) do
        names[#names + 1] = c.LastName
      end
      table.sort(names)
      got[rec.Name] = names
    end
    assert.same({ ["SF Tree One"] = { "Treeone A", "Treeone B" }, ["SF Tree Two"] = { "Treetwo A", "Treetwo B" } }, got)
    assert.equal(by_ref.AccRef1.id, res.records[1].Id, r.why)
  end)

  it("imports nothing when one record of the tree is invalid", function()
    need_peer()
    local accounts = count("SELECT COUNT() FROM Account")
    local contacts = count("SELECT COUNT() FROM Contact")
    -- the second account lacks Name, a required field
    local file = proc.write(tmp .. "/import-bad.json", (tree_file(nil):gsub("SF Tree One", "SF Tree Bad")))
    local err, r = fails { "data", "import", "tree", "-o", "loc", "-f", file }
    -- Salesforce answers 400 {"hasErrors": true, "results": [{"referenceId":
    -- "AccRef2", "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", ...}]}]};
    -- sf says "Data Import failed" with a row per error in `data`
    assert.is_not.equal("NOT_FOUND", err.name, "composite/tree answered 404:\n" .. r.why)
    assert.equal("Data Import failed", err.message, r.why)
    assert.is_table(err.data, r.why)
    assert.equal(1, #err.data, r.why)
    assert.equal("AccRef2", err.data[1].referenceId, r.why)
    assert.equal("REQUIRED_FIELD_MISSING", err.data[1].StatusCode, r.why)
    assert.matches("Name", err.data[1].fields, nil, true)
    assert.equal(accounts, count("SELECT COUNT() FROM Account"), "accounts created:\n" .. r.why)
    assert.equal(contacts, count("SELECT COUNT() FROM Contact"), "contacts created:\n" .. r.why)
    assert.equal(0, count("SELECT COUNT() FROM Account WHERE Name = 'SF Tree Bad'"), r.why)
  end)
  it("imports, upserts, exports and deletes with Bulk API 2.0", function()
    need_peer()
    local dir = mkdtemp()
    local accounts = proc.write(dir .. "/accounts.csv",
      'Name,Industry,AnnualRevenue\nSF Bulk One,Energy,1000\n"SF Bulk, Two",Media,#N/A\n')
    local res, r = ok({ "data", "import", "bulk", "-o", "loc", "--sobject", "Account", "--file", accounts, "--wait", "5" })
    assert.matches("^750", res.jobId, r.why)
    assert.equal(2, res.successfulRecords, r.why)
    assert.equal(0, res.failedRecords, r.why)
    assert.equal(2, count("SELECT COUNT() FROM Account WHERE Name LIKE 'SF Bulk%'"))

    local out = dir .. "/export.csv"
    res, r = ok({ "data", "export", "bulk", "-o", "loc", "--query",
      "SELECT Id, Name, Owner.Name FROM Account WHERE Name LIKE 'SF Bulk%' ORDER BY Name",
      "--output-file", out, "--wait", "5" })
    assert.equal(2, res.totalSize, r.why)
    local f = assert(io.open(out, "rb"))
    local text = f:read("a")
    f:close()
    assert.matches('^"Id","Name","Owner.Name"\n"001%w+","SF Bulk One","[^"]+"\n"001%w+","SF Bulk, Two","[^"]+"\n$', text)

    local invoices = proc.write(dir .. "/invoices.csv", "External_Id__c,Status__c\nSF-B-1,Draft\nSF-B-2,Sent\n")
    res, r = ok({ "data", "upsert", "bulk", "-o", "loc", "--sobject", "Invoice__c", "--file", invoices,
      "--external-id", "External_Id__c", "--wait", "5" })
    assert.equal("JobComplete", res.jobInfo.state, r.why)
    assert.equal(2, res.jobInfo.numberRecordsProcessed, r.why)
    assert.equal(2, count("SELECT COUNT() FROM Invoice__c WHERE External_Id__c LIKE 'SF-B-%'"))

    -- soft delete: the recycle bin (queryAll) still has them; hard delete: gone
    local ids = { "Id" }
    for id in text:gmatch('\n"(001%w+)"') do ids[#ids + 1] = id end
    local soft = proc.write(dir .. "/soft.csv", table.concat(ids, "\n") .. "\n")
    res, r = ok({ "data", "delete", "bulk", "-o", "loc", "--sobject", "Account", "--file", soft, "--wait", "5" })
    assert.equal("delete", res.jobInfo.operation, r.why)
    assert.equal(0, count("SELECT COUNT() FROM Account WHERE Name LIKE 'SF Bulk%'"))
    local all = rest("/services/data/v62.0/queryAll?q=SELECT+Id+FROM+Account+WHERE+Name+LIKE+'SF+Bulk%25'")
    assert.equal(2, all.totalSize)
    local inv = rest("/services/data/v62.0/query?q=SELECT+Id+FROM+Invoice__c+WHERE+External_Id__c+LIKE+'SF-B-%25'")
    local hard_ids = { "Id" }
    for _, rec in ipairs(inv.records) do hard_ids[#hard_ids + 1] = rec.Id end
    local hard = proc.write(dir .. "/hard.csv", table.concat(hard_ids, "\n") .. "\n")
    res, r = ok({ "data", "delete", "bulk", "-o", "loc", "--sobject", "Invoice__c", "--file", hard,
      "--hard-delete", "--wait", "5" })
    assert.equal("hardDelete", res.jobInfo.operation, r.why)
    all = rest("/services/data/v62.0/queryAll?q=SELECT+Id+FROM+Invoice__c+WHERE+External_Id__c+LIKE+'SF-B-%25'")
    assert.equal(0, all.totalSize)
    os.execute("rm -rf " .. q(dir))
  end)

  it("reports failed rows of a bulk import and reads them back with data bulk results", function()
    need_peer()
    local dir = mkdtemp()
    local file = proc.write(dir .. "/contacts.csv", "LastName,Email\nSfBulkOk,ok@example.com\n,nobody@example.com\n")
    local err, r = fails({ "data", "import", "bulk", "-o", "loc", "--sobject", "Contact", "--file", file, "--wait", "5" })
    assert.equal("FailedRecordDetailsError", err.name, r.why)
    local job = assert(err.data and err.data.jobId, r.why)
    assert.equal("JobComplete", err.data.state, r.why)
    local res
    res, r = ok({ "data", "bulk", "results", "-o", "loc", "--job-id", job }, { cwd = dir })
    assert.equal(2, res.processedRecords, r.why)
    assert.equal(1, res.successfulRecords, r.why)
    assert.equal(1, res.failedRecords, r.why)
    local f = assert(io.open(dir .. "/" .. res.failedFilePath, "rb"))
    local failed = f:read("a")
    f:close()
    assert.matches('^"sf__Id","sf__Error",LastName,Email\n"","REQUIRED_FIELD_MISSING:[^"]*","","nobody@example.com"\n', failed)
    f = assert(io.open(dir .. "/" .. res.successFilePath, "rb"))
    local done = f:read("a")
    f:close()
    assert.matches('"003%w+","true","SfBulkOk","ok@example.com"', done)
    os.execute("rm -rf " .. q(dir))
  end)
end)
