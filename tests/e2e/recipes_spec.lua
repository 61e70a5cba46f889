-- docs/recipes.md runs as the page shows it, and prints what the page says.
--
-- Each `## ` section of the page that has ```sh blocks and a ```text block is
-- a recipe: its shell blocks run, in order, as one `bash -e` script in a
-- fresh directory that holds the project's examples/ (as docs_spec.lua runs
-- them), and their standard output must be the text block, byte for byte
-- (CSV's CRLF read as LF). The page's commands say `--instance local` or
-- `--instance local:recipes`; here both are one local org shared by the
-- section's commands, with its clock fixed at NOW (the page's intro says
-- so), reset before each section and where the section says `luaforce
-- emulator --reset recipes`: the outputs are those of the page, and a
-- recipe's second run sees its first run's writes. A section that needs
-- that says local:recipes and starts with the reset, so that it holds run
-- literally too (docs_spec.lua runs it so). After a recipe that writes, a
-- query checks the effect in the org. The page is the one source: a changed recipe whose output is not
-- changed on the page fails here.
--
-- The cookbook at the top of docs/feel.md is checked the same way: one
-- section, several blocks of commands, each followed by its output (the
-- text blocks together are the section's output).
--
-- Also: every file of examples/recipes/ is named on the page, a task file's
-- expression is its .feel file's (comments and line breaks aside), and
-- export-changed.lua exports a record changed at the very stamp of its mark,
-- or committed late with a stamp before it, once and only once.
local proc = require "support.proc"
local files = require "support.files"
local local_org = require "support.local_org"
local doc_sandbox = require "support.doc_sandbox"
local json = require "luaforce.json"

local NOW = "2025-06-16T09:30:00Z"
local PAGE = proc.root .. "/docs/recipes.md"
local FEEL_PAGE = proc.root .. "/docs/feel.md"    -- its cookbook, checked the same way
local RECIPES = proc.root .. "/examples/recipes/"

local function read(path)
  local text = files.read(path)
  assert(text, "cannot read " .. path)
  return text
end

-- A page's sections with commands and output: {title, line, code (the sh
-- blocks joined), expected (the text blocks joined)}.
local function recipes(page)
  local list, current, block = {}, nil, nil
  local n = 0
  for line in (read(page) .. "\n"):gmatch("(.-)\n") do
    n = n + 1
    if block then
      if line:match("^```%s*$") then
        local text = table.concat(block.lines, "\n") .. "\n"
        if block.lang == "sh" then current.code[#current.code + 1] = text
        else current.expected = (current.expected or "") .. text end
        block = nil
      else
        block.lines[#block.lines + 1] = line
      end
    elseif line:match("^## ") then
      current = { title = line:sub(4), line = n, code = {} }
      list[#list + 1] = current
    else
      local lang = line:match("^```(%w+)%s*$")
      if lang and current and (lang == "sh" or lang == "text") then block = { lang = lang, lines = {} } end
    end
  end
  local out = {}
  for _, r in ipairs(list) do
    if #r.code > 0 and r.expected then
      r.code = table.concat(r.code)
      out[#out + 1] = r
    end
  end
  return out
end

-- A FEEL text without its comments, its whitespace runs made one space.
local function normalized(text)
  text = text:gsub("/%*.-%*/", " "):gsub("//[^\n]*", " ")
  return (text:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

-- What each recipe that writes must have done to the org (org: a client of
-- the shared local org; dir: the directory the commands ran in).
local function count(org, soql)
  return assert(org:query(soql)).body.totalSize
end
local EFFECTS = {
  ["Close stale opportunities"] = function(org)
    assert.equal(0, count(org, "SELECT COUNT() FROM Opportunity WHERE IsClosed = false AND CloseDate < LAST_N_DAYS:90"))
    assert.equal(7, count(org, "SELECT COUNT() FROM Opportunity WHERE StageName = 'Closed Lost'"
      .. " AND NextStep = 'closed by a script: 90 days past its close date'"))
  end,
  ["Merge duplicate contacts"] = function(org)
    local kept = assert(org:fetch_all("SELECT Id, Name FROM Contact WHERE Email = 'dana.whitfield@example.com'"))
    assert.equal(1, #kept)
    assert.equal("Dana M. Whitfield", kept[1].Name)
    assert.equal(2, count(org, "SELECT COUNT() FROM Case WHERE ContactId = '" .. kept[1].Id .. "'"))
  end,
  ["Backfill a field from the parent account"] = function(org)
    assert.equal(0, count(org, "SELECT COUNT() FROM Opportunity WHERE LeadSource = null AND Account.AccountSource != null"))
  end,
  ["Reassign owners from a JSON file"] = function(org)
    local tomas = "005Lf0000000003IAA"
    for _, object in ipairs { "Account", "Contact" } do
      assert.equal(0, count(org, ("SELECT COUNT() FROM %s WHERE OwnerId = '%s'"):format(object, tomas)))
    end
    for _, object in ipairs { "Opportunity", "Case" } do
      assert.equal(0, count(org, ("SELECT COUNT() FROM %s WHERE OwnerId = '%s' AND IsClosed = false"):format(object, tomas)))
      assert.is_true(count(org, ("SELECT COUNT() FROM %s WHERE OwnerId = '%s' AND IsClosed = true"):format(object, tomas)) > 0)
    end
  end,
  ["Export changed records to CSV"] = function(_, dir)
    assert.equal("Id,Name,SystemModstamp\r\n", read(dir .. "/Account-changes.csv"))   -- the last run's: none
    local mark, kept = read(dir .. "/Account.hwm"):match("^(2025%-06%-16T09:3%d:%d%d%.%d%d%d%+0000)\n001Lf000000000aIAA (%S+)\n$")
    assert.is_truthy(mark, "Account.hwm: the mark, then the one account changed at it")
    assert.equal(mark, kept)
  end,
  ["Cascade delete of a test account"] = function(org)
    assert.equal(0, count(org, "SELECT COUNT() FROM Account WHERE Name = 'Test Cascade Ltd'"))
    assert.equal(0, count(org, "SELECT COUNT() FROM Contact WHERE LastName IN ('Tester', 'Probe')"))
    assert.equal(0, count(org, "SELECT COUNT() FROM Opportunity WHERE Name = 'Test deal'"))
    assert.equal(0, count(org, "SELECT COUNT() FROM Case WHERE Subject = 'Test case'"))
    assert.equal(12, count(org, "SELECT COUNT() FROM Invoice__c"))
  end,
  ["Upsert from a JSON feed by external id"] = function(org)
    local rows = assert(org:fetch_all("SELECT External_Id__c, Amount__c, Status__c FROM Invoice__c"
      .. " WHERE External_Id__c IN ('ERP-10003', 'ERP-10013', 'ERP-10014', 'ERP-10015') ORDER BY External_Id__c"))
    assert.equal('[{"External_Id__c":"ERP-10003","Amount__c":2369180.13,"Status__c":"Sent"},'
      .. '{"External_Id__c":"ERP-10013","Amount__c":18250.0,"Status__c":"Draft"},'
      .. '{"External_Id__c":"ERP-10014","Amount__c":0.1,"Status__c":"Sent"}]',
      json.encode((function()
        for _, r in ipairs(rows) do r.attributes = nil end
        return rows
      end)()))
  end,
  ["A get, update, delete chain"] = function(org)
    assert.equal(40, count(org, "SELECT COUNT() FROM Lead"))
    -- a long text area cannot be filtered on: the two contacts by id
    local folded = assert(org:fetch_all("SELECT Description FROM Contact"
      .. " WHERE Id IN ('003Lf000000001KIAQ', '003Lf000000001XIAQ')"))
    assert.equal(2, #folded)
    for _, c in ipairs(folded) do assert.matches("^Was also a lead: .+ at .+ %(Web%)$", c.Description) end
  end,
}

-- Runs a section's commands against the shared org (reset first) and checks
-- their output, then the effect of a recipe that writes.
local function check(r, emu, org)
  emu:reset()
  local dir = doc_sandbox.make()
  local code = r.code:gsub("%-%-instance local:?[%w_%-]*", "--instance " .. emu.url)   -- local, local:NAME
    :gsub("luaforce emulator %-%-reset recipes", "curl -sf -o /dev/null -X POST " .. emu.url .. "/_emulator/reset")
  assert.is_truthy(code:find(emu.url, 1, true), "no command of the section says --instance local")
  local out = doc_sandbox.bash(dir, code, doc_sandbox.env(dir, { SF_ACCESS_TOKEN = emu.token }))
  local ok, err = pcall(function()
    assert.equal(0, out.code, ("exit %d\n--- stdout\n%s--- stderr\n%s"):format(out.code, out.stdout, out.stderr))
    assert.equal(r.expected, (out.stdout:gsub("\r\n", "\n")))
    if EFFECTS[r.title] then EFFECTS[r.title](org, dir) end
  end)
  doc_sandbox.remove(dir)
  if not ok then error(err, 0) end
end

describe("docs/recipes.md", function()
  local emu, org
  setup(function() emu, org = local_org.start { now = NOW } end)
  teardown(function() emu:stop() end)

  local list = recipes(PAGE)
  it("has at least 15 recipes", function()
    assert.is_true(#list >= 15, #list .. " recipes")
  end)

  for _, r in ipairs(list) do
    it(("%s (line %d) prints what the page shows"):format(r.title, r.line), function() check(r, emu, org) end)
  end

  local cookbook = recipes(FEEL_PAGE)
  it("docs/feel.md has its cookbook, with outputs", function()
    assert.equal(1, #cookbook)
    assert.equal("Cookbook for Camunda users", cookbook[1].title)
  end)
  for _, r in ipairs(cookbook) do
    it(("docs/feel.md: %s (line %d) prints what the page shows"):format(r.title, r.line), function()
      check(r, emu, org)
    end)
  end

  it("starts every section that keeps records between commands with the reset of local:recipes", function()
    local named = 0
    for _, r in ipairs(list) do
      if r.code:find("local:", 1, true) then
        named = named + 1
        assert.is_falsy((r.code:gsub("%-%-instance local:recipes", "")):find("local:", 1, true),
          r.title .. " names a local org other than local:recipes")
        assert.matches("^luaforce emulator %-%-reset recipes ", r.code, 1, false, r.title)
        assert.is_falsy(r.code:find("%-%-instance local[^:]"), r.title .. " mixes local and local:recipes")
      end
    end
    assert.equal(3, named)
  end)

  it("exports a record changed at the mark's very stamp, or committed late before it, once and only once", function()
    emu:reset()
    local dir = doc_sandbox.make()
    local run = "luaforce run --instance " .. emu.url .. " examples/recipes/export-changed.lua\n"
    local function update(id) return "luaforce update Account " .. id .. " --values Rating=Warm --instance " .. emu.url .. " > /dev/null\n" end
    local function step(code)
      local out = doc_sandbox.bash(dir, code .. "cut -d, -f1 Account-changes.csv | tail -n +2 | tr -d '\\r' | paste -sd' '\n",
        doc_sandbox.env(dir, { SF_ACCESS_TOKEN = emu.token }))
      assert.equal(0, out.code, out.stderr)
      return out.stdout:match("([^\n]*)\n$")
    end
    local ok, err = pcall(function()
      step(run)                                                                 -- all 60, the mark: the newest seed stamp
      assert.equal("001Lf000000000aIAA", step(update "001Lf000000000aIAA" .. run))  -- the mark is now NOW
      -- Globex changes after that run, and a run sets the mark at its very stamp without
      -- having seen it (the same millisecond): the next run exports it, and only it
      assert(org:update("Account", "001Lf0000000001IAA", { Rating = "Warm" }))
      local stamp = assert(org:get("Account", "001Lf0000000001IAA", { fields = { "SystemModstamp" } })).body.SystemModstamp
      local function set_mark(text)
        local state = read(dir .. "/Account.hwm")
        local f = assert(io.open(dir .. "/Account.hwm", "w"))
        f:write(text, state:match("\n.*$"))
        f:close()
      end
      set_mark(stamp)
      assert.equal("001Lf0000000001IAA", step(run))
      assert.equal("", step(run))                                               -- and nothing twice
      -- a change committed late, stamped a minute before the mark a later change set
      assert(org:update("Account", "001Lf000000000OIAQ", { Rating = "Warm" }))
      stamp = assert(org:get("Account", "001Lf000000000OIAQ", { fields = { "SystemModstamp" } })).body.SystemModstamp
      set_mark((stamp:gsub("T(%d%d):(%d%d)", function(h, m)
        return ("T%02d:%02d"):format(tonumber(h) + (m == "59" and 1 or 0), (tonumber(m) + 1) % 60)
      end, 1)))
      assert.equal("001Lf000000000OIAQ", step(run))
      assert.equal("", step(run))
      -- a damaged state file: exit 2, one line naming it
      f = assert(io.open(dir .. "/Account.hwm", "w"))
      f:write("yesterday\n")
      f:close()
      local out = doc_sandbox.bash(dir, run, doc_sandbox.env(dir, { SF_ACCESS_TOKEN = emu.token }))
      assert.equal(2, out.code)
      assert.equal("luaforce: Account.hwm is not a state file this recipe wrote: delete it to export every record again\n", out.stderr)
    end)
    doc_sandbox.remove(dir)
    if not ok then error(err, 0) end
  end)

  it("checks the effect of every recipe it knows to write", function()
    local titles = {}
    for _, r in ipairs(list) do titles[r.title] = true end
    for title in pairs(EFFECTS) do assert.is_true(titles[title], "no section titled " .. title) end
  end)

  it("names every file of examples/recipes/", function()
    local page = read(PAGE)
    local p = io.popen("ls " .. proc.quote(RECIPES))
    local n = 0
    for name in p:lines() do
      n = n + 1
      assert.is_truthy(page:find("examples/recipes/" .. name, 1, true), name .. " is not on docs/recipes.md")
    end
    p:close()
    assert.is_true(n >= 15)
  end)

  it("has a header on every script saying what, when and how to run it, which --help prints", function()
    local p = io.popen("ls " .. proc.quote(RECIPES))
    local n = 0
    for name in p:lines() do
      if name:match("%.lua$") then
        n = n + 1
        local header = read(RECIPES .. name):match("^(%-%- [^\n]+\n.-)\n[^%-]")
        assert.is_truthy(header, name .. " has no header comment")
        assert.matches("\n%-%- When: ", header, 1, false, name)
        assert.matches("\n%-%- Run:  luaforce run %-%-instance local examples/recipes/" .. name:gsub("%-", "%%-"), header)
        local r = proc.luaforce { "run", RECIPES .. name, "--help" }
        assert.equal(0, r.code, name .. ": " .. r.stderr)
        assert.equal(("\n" .. header):gsub("\n%-%- ?", "\n"):sub(2) .. "\n", r.stdout)
      end
    end
    p:close()
    assert.is_true(n >= 15, n .. " scripts")
  end)

  it("keeps each task file's expression the same as its .feel file's", function()
    local p = io.popen("ls " .. proc.quote(RECIPES))
    local checked = 0
    for name in p:lines() do
      local base = name:match("^(.*)%.json$")
      local f = base and io.open(RECIPES .. base .. ".feel", "rb")
      if f then
        local feel = normalized(f:read("a"))
        f:close()
        local task = assert(json.decode(read(RECIPES .. name)))
        local expr = task.resultExpression ~= nil and task.errorExpression == nil and task.resultExpression
          or task.errorExpression
        assert.equal("=" .. feel, expr, name)
        checked = checked + 1
      end
    end
    p:close()
    assert.is_true(checked >= 4, checked .. " task files")
  end)
end)
