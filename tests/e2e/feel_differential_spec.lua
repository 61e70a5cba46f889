-- luaforce's FEEL against an independent implementation: feelin 8.2.0 (npm,
-- camunda dialect), case by case over tests/feel/cases.lua. Every
-- disagreement is either an engine bug (the spec fails with a table of
-- them) or listed with its reason in tests/feel/known-differences, and a
-- listed entry that no longer holds fails too. feelin is a test-time peer:
-- scripts/peers installs the pinned version into .cache/peers.
local proc = require "support.proc"
local json = require "luaforce.json"
local feel = require "luaforce.feel"

local D = dofile("tests/feel/differential.lua")
local canonical = dofile("tests/feel/canonical.lua")

describe("FEEL against feelin (differential)", function()
  local cases, lf, fe, known, reasons, report

  setup(function()
    local modules, why = D.peers()
    assert(modules, "scripts/peers failed: " .. tostring(why))
    cases = D.load_cases()
    known, reasons = D.load_known()
    lf = {}
    for i, c in ipairs(cases) do lf[i] = D.luaforce(c) end
    fe = D.feelin(cases, modules)
    report = D.compare(cases, lf, fe, known)
  end)

  it("has at least 500 cases, and one for every builtin luaforce offers", function()
    assert.is_true(#cases >= 500, #cases .. " cases")
    local missing = {}
    for name in pairs(feel.builtins.names) do
      local found = false
      for _, c in ipairs(cases) do
        if c.expr:find(name .. "(", 1, true) then found = true; break end
      end
      if not found then missing[#missing + 1] = name end
    end
    table.sort(missing)
    assert.same({}, missing, "builtins no case calls")
  end)

  it("agrees with feelin wherever no difference is listed", function()
    assert(#report.unexpected == 0, "\n" .. D.format { unexpected = report.unexpected, stale = {} })
  end)

  it("lists only differences that still hold, with the results recorded", function()
    assert(#report.stale == 0, "\n" .. D.format { unexpected = {}, stale = report.stale })
  end)

  it("gives reasons for every listed difference", function()
    for _, e in ipairs(known) do
      assert.is_true(#e.reason > 20, "line " .. e.line .. ": give a reason, not just '" .. e.why .. "'")
    end
  end)

  it("gives the same results through `luaforce eval` as in-process", function()
    -- every seventh case with a JSON-shaped result (no temporal values,
    -- ranges or functions, which the CLI prints as text) and no failure
    local checked, mismatches = 0, {}
    for i = 1, #cases, 7 do
      local c, expect = cases[i], lf[i]
      if not expect:find('"@', 1, true) and not expect:match("^error") and not expect:match("^crash")
        and not c.expr:find("uuid()", 1, true) and not c.expr:find("random number", 1, true) then
        local args = { "eval", "--compact" }
        local ctxfile
        if c.context then
          ctxfile = proc.write(os.tmpname(), c.context)
          args[#args + 1] = "--context"
          args[#args + 1] = ctxfile
        end
        args[#args + 1] = "--"
        args[#args + 1] = c.expr
        local r = proc.luaforce(args)
        if ctxfile then os.remove(ctxfile) end
        local got
        if r.code ~= 0 then
          got = "exit " .. tostring(r.code) .. ": " .. r.stderr
        else
          local v = json.decode(r.stdout)
          got = v == nil and ("not JSON: " .. r.stdout) or canonical.value(v)
        end
        if got ~= expect then mismatches[#mismatches + 1] = ("%s\n   eval: %s\n   lib:  %s"):format(c.expr, got, expect) end
        checked = checked + 1
      end
    end
    assert.is_true(checked >= 50, "only " .. checked .. " cases went through the CLI")
    assert(#mismatches == 0, "\n" .. table.concat(mismatches, "\n"))
  end)

  it("is what docs/feel.md shows under Known differences", function()
    local f = assert(io.open("docs/feel.md", "rb"))
    local doc = f:read("a")
    f:close()
    local section = doc:match("\n## Known differences from feelin\n(.*)$")
    assert(section, "docs/feel.md has no '## Known differences from feelin' section")
    section = section:match("^(.-)\n## ") or section
    local tables = D.docs(known, reasons)
    assert(section:find(tables, 1, true),
      "the tables in docs/feel.md differ from tests/feel/known-differences; regenerate them with "
      .. "`lua5.4 tests/feel/differential.lua --write`")
  end)
end)
