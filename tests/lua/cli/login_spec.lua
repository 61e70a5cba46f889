-- luaforce.cli.login in process: --show prints each setting in use and
-- where it came from, secrets as ***, sending nothing; without --show it
-- proves the settings against the local org and says where and as whom.
-- Client credentials and profiles run as a process in
-- tests/e2e/cli_commands_spec.lua.
local login = require "luaforce.cli.login"
local json = require "luaforce.json"
local cli_run = require "support.cli_run"
local files = require "support.files"

-- --show's rows as setting -> {value, source}.
local function shown(r)
  assert.equal(0, r.code, tostring(r.err))
  local rows = {}
  for _, row in ipairs(json.decode(r.out)) do
    assert.same({ "setting", "value", "source" }, json.keys(row))
    rows[row.setting] = { row.value, row.source }
  end
  return rows
end

describe("luaforce login", function()

  it("takes no argument", function()
    assert.equal(2, cli_run.run(login, { "acme" }).code)
  end)

  describe("--show", function()
    it("names the local org's settings without a secret", function()
      local rows = shown(cli_run.run(login, { "--show", "--format", "json", "--api-version", "58" }))
      assert.same({ "local", "command line --instance" }, rows.instance_url)
      assert.same({ "v58.0", "command line --api-version" }, rows.api_version)
      assert.same({ "bearer", "the local org" }, rows.auth)
      assert.same({ "(the local org's token)", "the local org" }, rows.access_token)
      assert.is_string(rows.config[1])
    end)

    it("masks a token and sends nothing", function()
      local rows = shown(cli_run.run(login, { "--show", "--format", "json", "--instance", "http://127.0.0.1:1",
        "--token", "00Dxx!secret-token-value" }))
      assert.same({ "***", "command line --token" }, rows.access_token)
      assert.same({ "http://127.0.0.1:1", "command line --instance" }, rows.instance_url)
    end)

    it("masks a client secret and names the token cache", function()
      local dir = files.scratch()
      finally(function() files.clear(dir) end)
      files.write(dir .. "/secret", "the-secret\n")
      local r = cli_run.run(login, { "--show", "--format", "json", "--instance", "https://acme.example.com",
        "--client-id", "cid", "--client-secret-file", dir .. "/secret" })
      local rows = shown(r)
      assert.same({ "oauth-client-credentials", "command line --client-id" }, rows.auth)
      assert.same({ "cid", "command line --client-id" }, rows.client_id)
      assert.same({ "***", "command line --client-secret-file" }, rows.client_secret)
      assert.is_table(rows.token_cache)
      assert.not_matches("the%-secret", r.out)
    end)

    it("refuses an API version it cannot read, exit 2", function()
      local r = cli_run.run(login, { "--show", "--api-version", "latest" })
      assert.equal(2, r.code)
      assert.matches("latest", tostring(r.err), 1, true)
    end)
  end)

  it("connects, and says where, with what, and the API requests left", function()
    local r = cli_run.run(login, { "--api-version", "60.0" })
    assert.equal(0, r.code, tostring(r.err))
    local url = cli_run.org().instance_url
    local lines = {}
    for line in r.out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.equal(("connected to %s (API v60.0)"):format(url), lines[1])
    assert.equal("  credentials  an access token, from the local org", lines[2])
    local used, max, left = lines[3]:match("^  API requests (%d+) of (%d+) used today, (%d+) left$")
    assert.equal(tonumber(max), tonumber(used) + tonumber(left))
    assert.equal(3, #lines)
  end)

  it("a token the org refuses is exit 3", function()
    local r = cli_run.run(login, { "--instance", cli_run.org().instance_url, "--token", "not-a-token" })
    assert.equal(3, r.code)
    assert.matches("^INVALID_SESSION_ID: ", tostring(r.err))
    assert.equal("", r.out)
  end)
end)
