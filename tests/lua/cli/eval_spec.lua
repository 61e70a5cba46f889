-- `luaforce eval`: temporal results as ISO text, a fixed clock (--now,
-- --timezone), the budget (--max-steps), and the connector's functions.
local proc = require "support.proc"

describe("luaforce eval", function()
  it("prints temporal values as ISO text and follows --now", function()
    local r = proc.luaforce { "eval", "--compact", "--now", "2024-01-31T10:00:00Z",
      '{today: today(), next: today() + @"P1M", now: now(), wait: @"PT90M", sf: date and time("2023-04-12T09:15:30.000+0000")}' }
    assert.equal(0, r.code, r.stderr)
    assert.equal('{"today":"2024-01-31","next":"2024-02-29","now":"2024-01-31T10:00:00Z","wait":"PT1H30M",'
      .. '"sf":"2023-04-12T09:15:30Z"}\n', r.stdout)
  end)

  it("puts now() in the --timezone given", function()
    local r = proc.luaforce { "eval", "--now", "2024-03-31T00:30:00Z", "--timezone", "Europe/Berlin", "now()" }
    assert.equal(0, r.code, r.stderr)
    assert.equal('"2024-03-31T01:30:00+01:00[Europe/Berlin]"\n', r.stdout)
  end)

  it("refuses a clock or zone it cannot read", function()
    local r = proc.luaforce { "eval", "--now", "yesterday", "now()" }
    assert.equal(2, r.code)
    assert.truthy(r.stderr:find("--now", 1, true), r.stderr)
    r = proc.luaforce { "eval", "--timezone", "Mars/Olympus", "now()" }
    assert.equal(2, r.code)
    assert.truthy(r.stderr:find("Mars/Olympus", 1, true), r.stderr)
  end)

  it("stops a runaway expression and exits 1", function()
    local r = proc.luaforce { "eval", "--max-steps", "1000", "count(for x in 1..1000000000 return x)" }
    assert.equal(1, r.code)
    assert.equal("", r.stdout)
    assert.truthy(r.stderr:find("more than 1000 steps", 1, true), r.stderr)
    r = proc.luaforce { "eval", "--max-steps", "100000", "{f: function(n) f(n + 1)}.f(1)" }
    assert.equal(1, r.code)
    assert.truthy(r.stderr:find("BUDGET_EXCEEDED", 1, true), r.stderr)
    assert.truthy(r.stderr:find("--max-steps raises it", 1, true), r.stderr)
  end)

  it("stops an expression past --max-memory and says which option raises it", function()
    local r = proc.luaforce { "eval", "--max-memory", "8",
      'for i in 1..64 return if i = 1 then "ab" else partial[-1] + partial[-1]' }
    assert.equal(1, r.code)
    assert.equal("", r.stdout)
    assert.truthy(r.stderr:find("more than 8 MB of memory; max_memory or --max-memory raises it (BUDGET_EXCEEDED)", 1, true),
      r.stderr)
    r = proc.luaforce { "eval", "--max-memory", "lots", "1" }
    assert.equal(2, r.code)
    assert.truthy(r.stderr:find("--max-memory needs a positive number", 1, true), r.stderr)
  end)

  it("checks --unary-input against unary tests and prints true, false or null", function()
    local cases = {
      { "250", "[100..500], > 1000", "true" },
      { '"foo"', 'starts with(?, "b")', "false" },
      { "null", "< 3", "null" },
      { "null", "null", "true" },
      { '{"tier": "gold"}', '{tier: "gold"}', "true" },
      { "7", "--", "true" }, -- `-`: any input (after -- so it is no option)
    }
    for _, c in ipairs(cases) do
      local args = { "eval", "--unary-input", c[1], c[2] }
      if c[2] == "--" then args = { "eval", "--unary-input", c[1], "--", "-" } end
      local r = proc.luaforce(args)
      assert.equal(0, r.code, r.stderr)
      assert.equal(c[3] .. "\n", r.stdout, c[2])
    end
    local r = proc.luaforce({ "eval", "--unary-input", "5", "-c", "-", "> limit" }, { stdin = '{"limit": 3}' })
    assert.equal(0, r.code, r.stderr)
    assert.equal("true\n", r.stdout)
    r = proc.luaforce { "eval", "--unary-input", "gold", "1" }
    assert.equal(2, r.code)
    assert.truthy(r.stderr:find("--unary-input needs a JSON value", 1, true), r.stderr)
    r = proc.luaforce { "eval", "--unary-input", "1", "not(" }
    assert.equal(2, r.code)
    assert.truthy(r.stderr:find("syntax error at line 1, column 5", 1, true), r.stderr)
  end)

  it("prints a warning repeated by a loop once, with how many more there were", function()
    local r = proc.luaforce { "eval", "--compact", "count(for i in 1..10000 return x + i)" }
    assert.equal(0, r.code, r.stderr)
    assert.equal("10000\n", r.stdout)
    assert.equal("warning: line 1, column 32: no variable found with name 'x' (NO_VARIABLE_FOUND)\n"
      .. "warning: ... and 9,999 more\n", r.stderr)
  end)

  -- defect: Ctrl-C was reported as a failed expression (exit 1)
  it("exits 130 on Ctrl-C, as every command does", function()
    local r = proc.interrupt({ "eval", "--max-seconds", "600", "--max-steps", "1e15",
      "sum(for i in 1..1000000000 return i)" }, 0.5)
    assert.equal(130, r.code, r.stderr)
    assert.equal("luaforce: interrupted\n", r.stderr)
    assert.equal("", r.stdout)
  end)

  it("offers a JSON array context as records, as `luaforce query -f json` prints them", function()
    local r = proc.luaforce({ "eval", "--compact", "-c", "-", "{n: count(records), names: records.Name}" },
      { stdin = '[{"Name": "Acme"}, {"Name": "Globex"}]' })
    assert.equal(0, r.code, r.stderr)
    assert.equal('{"n":2,"names":["Acme","Globex"]}\n', r.stdout)
    r = proc.luaforce({ "eval", "-c", "-", "count(records)" }, { stdin = "[]" })
    assert.equal("0\n", r.stdout)
    r = proc.luaforce({ "eval", "-c", "-", "1" }, { stdin = '"text"' })
    assert.equal(2, r.code)
    assert.matches("must be a JSON object, or an array (offered as records)", r.stderr, 1, true)
  end)

  it("knows the connector's functions, as a connector task's error expression does", function()
    local r = proc.luaforce { "eval", "--compact", 'bpmnError("NF", "not found")' }
    assert.equal(0, r.code, r.stderr)
    assert.equal('{"errorType":"bpmnError","errorCode":"NF","errorMessage":"not found"}\n', r.stdout)
    r = proc.luaforce { "eval", "--compact", 'jobError("busy", {}, 2, @"PT30S")' }
    assert.equal(0, r.code, r.stderr)
    assert.equal('{"errorType":"jobError","errorMessage":"busy","variables":{},"retries":2,"retryBackoff":"PT30S"}\n',
      r.stdout)
  end)
end)
