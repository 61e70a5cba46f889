-- The fuzzing tools: tests/fuzz/lua_fuzzer.lua (the Lua targets' engine:
-- mutations, line-coverage guidance, what counts as a finding, the step
-- budget, its command line with a finding's saved input and reproducer),
-- every seed of the Lua targets replayed as a regression test (issue 14's
-- defects among them; the C targets' seeds run through ctest), and
-- scripts/fuzz's command line. No wall clock: runs are counted.
require "luaforce.core"
local files = require "support.files"
local proc = require "support.proc"

local ROOT = os.getenv("LUAFORCE_ROOT") or "."
local fuzzer = dofile(ROOT .. "/tests/fuzz/lua_fuzzer.lua")

-- A targets file of our own: a bug behind the bytes "FUZZ" (each byte one
-- more line reached, so only guidance gets there in a few thousand runs),
-- a target that raises luaforce errors only, and one that hangs on "x".
local PLANTED = [[
local src = debug.getinfo(1, "S").source
local function behind_fuzz(s)
  if s:byte(1) == 70 then
    if s:byte(2) == 85 then
      if s:byte(3) == 90 then
        if s:byte(4) == 90 then
          local none = nil
          return none.boom
        end
      end
    end
  end
  return true
end
return {
  boom = { about = "a bug behind FUZZ", covers = { src }, run = behind_fuzz },
  clean = { about = "luaforce errors only", covers = { src }, run = function(s)
    if #s % 2 == 0 then
      error(require("luaforce.errors").new { code = "EVEN", message = "even length" })
    end
    return s
  end },
  hang = { about = "hangs on x", covers = { src }, run = function(s)
    if s:find("x", 1, true) then while true do end end
    return s
  end },
}
]]

local read = files.read

describe("tests/fuzz/lua_fuzzer.lua", function()
  local dir, targets_file, planted
  setup(function()
    dir = files.scratch()
    targets_file = dir .. "/planted.lua"
    files.write(targets_file, PLANTED)
    planted = fuzzer.load_targets(targets_file)
  end)
  teardown(function()
    files.clear(dir)
  end)

  describe("mutations", function()
    it("stay within max_len, vary, repeat ranges past the nesting limits and use the dictionary", function()
      math.randomseed(7)
      local seen, long, with_token = {}, 0, 0
      local distinct = 0
      for _ = 1, 3000 do
        local m = fuzzer.mutate(math.random, "SELECT Id FROM A WHERE (B = 1)", { "x = 'y'" }, { "HAVING" }, 4096)
        assert.is_true(#m <= 4096)
        if not seen[m] then
          seen[m] = true
          distinct = distinct + 1
        end
        if #m > 1000 then long = long + 1 end
        if m:find("HAVING", 1, true) then with_token = with_token + 1 end
      end
      assert.is_true(distinct > 2000, distinct)
      assert.is_true(long > 10, long)
      assert.is_true(with_token > 100, with_token)
    end)
  end)

  describe("fuzzing", function()
    it("is led by line coverage to a bug behind four exact bytes", function()
      local crashes = dir .. "/crashes"
      local report, finding = fuzzer.fuzz(planted.boom, { seed = 1, runs = 60000, seeds = { "AAAA" },
        crashes_dir = crashes })
      assert.is_nil(report)
      assert.equal("FUZZ", finding.input:sub(1, 4))
      assert.matches("attempt to index a nil value", tostring(finding.error))
      assert.equal(finding.input, read(finding.file))
      assert.equal(crashes, finding.file:match("^(.*)/crash%-%x+$"))
    end)

    it("counts a luaforce error as a clean outcome and keeps inputs that reach new lines", function()
      local corpus = dir .. "/corpus"
      local report = assert(fuzzer.fuzz(planted.clean, { seed = 2, runs = 500, seeds = { "a" }, corpus_dir = corpus }))
      assert.equal(500, report.runs)
      assert.is_true(report.lines >= 3)
      assert.is_true(report.kept >= 1) -- an even length reaches the error's line
      assert.is_true(report.corpus == report.kept + 1)
    end)

    it("reports a hang as a finding once the line budget is spent", function()
      local budget = fuzzer.LINE_BUDGET
      fuzzer.LINE_BUDGET = 10000
      local report, finding = fuzzer.fuzz(planted.hang, { seed = 3, runs = 20000, seeds = { "abc" } })
      fuzzer.LINE_BUDGET = budget
      assert.is_nil(report)
      assert.truthy(finding.input:find("x", 1, true))
      assert.matches("line budget exceeded", tostring(finding.error))
    end)
  end)

  describe("the seeds of every Lua target (regression tests)", function()
    local targets, names = fuzzer.load_targets(ROOT .. "/tests/fuzz/lua_targets.lua")
    for _, name in ipairs(names) do
      it(name .. ": every seed gives a value or a clean error", function()
        local inputs = {}
        local p = io.popen("find " .. proc.quote(ROOT .. "/tests/fuzz/" .. name) .. " -type f | sort")
        for f in p:lines() do inputs[#inputs + 1] = { file = f, data = read(f) } end
        p:close()
        assert.is_true(#inputs >= 4, name)
        local n, finding = fuzzer.replay(targets[name], inputs)
        assert(n, finding and (finding.file .. ": " .. tostring(finding.error)))
        assert.equal(#inputs, n)
      end)
    end

    it("soql: issue 14's 1,001 nested parentheses are a MALFORMED_QUERY, not a stack overflow", function()
      local text = read(ROOT .. "/tests/fuzz/soql/issue14_nested_1001")
      local ast, err = targets.soql.run(text)
      assert.is_nil(ast)
      assert.equal("MALFORMED_QUERY", err.errorCode)
      assert.equal("conditions nested deeper than 1000 parentheses", err.reason)
    end)
  end)

  describe("command line", function()
    local function run(args)
      local parts = { "cd", proc.quote(ROOT), "&&", "lua5.4", "tests/fuzz/lua_fuzzer.lua" }
      for _, a in ipairs(args) do parts[#parts + 1] = proc.quote(a) end
      return proc.sh(table.concat(parts, " "))
    end

    it("saves a finding, prints how to reproduce it and exits 1; the replay shows it again", function()
      local crashes, seeds = dir .. "/cli-crashes", dir .. "/seeds"
      assert(os.execute("mkdir -p " .. proc.quote(seeds)))
      files.write(seeds .. "/a", "AAAA")
      local r = run { "boom", "--targets", targets_file, "--seeds", seeds, "--runs", "60000", "--seed", "1",
        "--crashes", crashes }
      assert.equal(1, r.code, r.stdout .. r.stderr)
      assert.matches("boom: FINDING after %d+ runs: .*attempt to index a nil value", r.stderr)
      local file = r.stderr:match("saved: (%S+)")
      assert.truthy(file, r.stderr)
      assert.equal("FUZZ", read(file):sub(1, 4))
      assert.matches("reproduce: scripts/fuzz boom %-%-replay " .. file:gsub("%p", "%%%0"), r.stderr)
      local again = run { "boom", "--targets", targets_file, "--replay", file }
      assert.equal(1, again.code)
      assert.matches("boom: FINDING: .*attempt to index a nil value", again.stderr)
    end)

    it("prints a summary with runs and lines reached, and exits 0 without a finding", function()
      local r = run { "clean", "--targets", targets_file, "--runs", "300", "--seed", "4" }
      assert.equal(0, r.code, r.stderr)
      assert.matches("^clean: 300 runs in %d+ s %(%d+/s%), %d+ lines reached of ~%d+ in its files %(%d+%.%d%%%), "
        .. "corpus %d+ %(%+%d+%), seed 4, no finding\n$", r.stdout)
    end)

    it("lists the targets and refuses an unknown one or option with exit 2", function()
      local list = run { "--list" }
      assert.equal(0, list.code)
      for _, name in ipairs { "soql", "profile", "secrets", "bpmn", "task", "feel" } do assert.matches("\n?" .. name .. " ", list.stdout) end
      local bad = run { "nope" }
      assert.equal(2, bad.code)
      assert.matches("no target 'nope' %(the targets: bpmn, feel, profile, secrets, soql, task%)", bad.stderr)
      assert.equal(2, run({ "soql", "--runs", "many" }).code)
      assert.equal(2, run({ "soql", "--bogus" }).code)
    end)
  end)
end)

describe("scripts/fuzz", function()
  local function fuzz(args)
    local parts = { proc.quote(ROOT .. "/scripts/fuzz") }
    for _, a in ipairs(args) do parts[#parts + 1] = proc.quote(a) end
    return proc.sh(table.concat(parts, " "))
  end

  it("--help says how to run it, --list names the C and the Lua targets", function()
    local h = fuzz { "--help" }
    assert.equal(0, h.code)
    assert.matches("scripts/fuzz %[TARGET%.%.%.%] %[%-%-seconds N%] %[%-%-runs N%]", h.stdout)
    local l = fuzz { "--list" }
    assert.equal(0, l.code)
    for _, name in ipairs { "json", "decimal", "tz", "emulator", "xml", "csv", "soql", "profile", "secrets", "bpmn", "task",
      "feel" } do
      assert.matches("%f[%w]" .. name .. " ", l.stdout)
    end
  end)

  it("refuses an unknown target and a bad number with exit 2, naming the targets", function()
    local r = fuzz { "jsno" }
    assert.equal(2, r.code)
    assert.matches("fuzz: no target 'jsno'", r.stderr)
    assert.matches("the targets: json decimal tz emulator xml csv bpmn feel profile secrets soql task", r.stderr)
    assert.equal(2, fuzz({ "soql", "--seconds", "0" }).code)
  end)

  it("fuzzes a Lua target for a number of runs and ends with the passed/failed count", function()
    local r = fuzz { "profile", "--runs", "200" }
    assert.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("profile: 200 runs in ", r.stdout)
    assert.matches("\nfuzz: 1 passed, 0 failed\n$", r.stdout)
  end)
end)
