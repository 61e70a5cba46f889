-- luaforce.cli.emulator in process, the parts that return: every option
-- checked (exit 2) before anything is served, and a help text that tells
-- the truth (its credentials, its --faults examples). Serving until
-- Ctrl-C is tests/e2e/emulator_spec.lua's; --make-cert is tests/e2e/tls_spec.lua's.
local emulator_cmd = require "luaforce.cli.emulator"
local emulator = require "luaforce.emulator"
local cli_run = require "support.cli_run"

describe("luaforce emulator", function()
  local rows = {
    -- words, the error's line
    { { "--port", "70000" }, "--port 70000 is not a port (use 0 to 65535)" },
    { { "--port", "-1" }, "--port -1 is not a port (use 0 to 65535)" },
    { { "--port", "http" }, "--port takes a whole number, not 'http'" },
    { { "--now", "yesterday" }, "--now 'yesterday' is not an ISO date-time (for example 2024-06-01T12:00:00Z)" },
    { { "--token-ttl", "0" }, "--token-ttl must be positive" },
    { { "--min-batch-size", "0" }, "--min-batch-size must be positive" },
    { { "--child-batch-size", "-5" }, "--child-batch-size must be positive" },
    { { "--api-limit", "-1" }, "--api-limit must be 0 or more" },
    { { "--faults", "GET x" }, "--faults: fault 'GET x': column 5: the path pattern 'x' must start with / "
      .. "(or be * for every path) (see luaforce emulator --help)" },
    { { "--faults", "* /** -> status=503", "--faults", "* ** -> explode" }, nil },
    { { "--data", "/nonexistent/data.json" }, nil },
    { { "serve" }, "unexpected argument 'serve' (usage: luaforce emulator [OPTIONS])" },
  }
  for _, r in ipairs(rows) do
    it("refuses " .. table.concat(r[1], " ") .. ", exit 2, serving nothing", function()
      local res = cli_run.run(emulator_cmd, r[1])
      assert.equal(2, res.code, tostring(res.err))
      if r[2] then assert.equal(r[2], tostring(res.err)) end
      assert.equal("", res.out)
    end)
  end

  it("names the local org's own test credentials in its help", function()
    local text = emulator_cmd.description
    assert.truthy(text:find(("OAuth client    %s / %s\n"):format(emulator.CLIENT_ID, emulator.CLIENT_SECRET), 1, true))
    assert.truthy(text:find(("static token    %s "):format(emulator.TOKEN), 1, true))
    local curl = 0
    for _, e in ipairs(emulator_cmd.examples) do
      if e:find("Bearer ", 1, true) then
        curl = curl + 1
        assert.truthy(e:find("Bearer " .. emulator.TOKEN, 1, true), e)
      end
    end
    assert.equal(1, curl)
  end)

  it("shows --faults examples the local org takes", function()
    local n = 0
    for _, e in ipairs(emulator_cmd.examples) do
      for spec in e:gmatch("%-%-faults '([^']*)'") do
        assert.truthy(emulator.parse_fault(spec), spec)
        n = n + 1
      end
    end
    assert.is_true(n >= 3)
  end)
end)
