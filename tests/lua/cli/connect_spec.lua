-- luaforce.cli.connect in process: what a command hands the one settings
-- resolver (its command line, the profile file, the environment, the local
-- org), the provenance `luaforce login --show` prints, and how `run`, `-e`
-- and the REPL configure require("luaforce") so a script connects as the
-- command would.
local connect = require "luaforce.cli.connect"
local proc = require "support.proc"
local sf = require "luaforce"

local function env_of(t)
  return function(name) return t[name] end
end

-- A config directory of its own (config.lookup caches per path).
local function config_dir(text)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. proc.quote(dir .. "/luaforce")))
  proc.write(dir .. "/luaforce/config", text)
  assert(os.execute("chmod 600 " .. proc.quote(dir .. "/luaforce/config")))
  return dir
end

describe("connect.sources", function()
  it("reads the client secret from --client-secret-file, first line only", function()
    local file = proc.write(os.tmpname(), "s3cret-value\r\nsecond line\n")
    local s = connect.sources { client_id = "cid", client_secret_file = file, instance = "https://x.example.com" }
    os.remove(file)
    assert.are.equal("s3cret-value", s.command_line.client_secret)
    assert.are.equal("cid", s.command_line.client_id)
    assert.are.equal("https://x.example.com", s.command_line.instance_url)
    assert.are.equal("--client-secret-file", s.flags.client_secret)
  end)

  it("refuses an empty or unreadable secret file, and a secret without its id", function()
    local file = proc.write(os.tmpname(), "")
    local ok, err = pcall(connect.sources, { client_id = "cid", client_secret_file = file })
    assert.is_false(ok)
    assert.are.equal(2, err.exit)
    assert.matches("is empty", tostring(err), 1, true)
    proc.write(file, "x\n")
    ok, err = pcall(connect.sources, { client_secret_file = file })
    os.remove(file)
    assert.is_false(ok)
    assert.matches("--client-secret-file without --client-id", tostring(err), 1, true)
    ok, err = pcall(connect.sources, { client_id = "cid", client_secret_file = "/nonexistent/secret" })
    assert.is_false(ok)
    assert.matches("cannot read the client secret file", tostring(err), 1, true)
  end)
end)

describe("connect.resolve", function()
  it("names the command line, the environment and the profile file", function()
    local dir = config_dir("default = acme\n[profile acme]\ninstance_url = https://acme.example.com\n"
      .. "api_version = v55.0\ntoken = {{secrets.ACME}}\n")
    local getenv = env_of { XDG_CONFIG_HOME = dir, SF_API_VERSION = "58.0" }
    local v = connect.resolve(nil, { token = "flag-token" }, getenv)
    local file = dir .. "/luaforce/config"
    assert.same({ value = "https://acme.example.com", source = "profile acme in " .. file }, v.instance_url)
    assert.same({ value = "58.0", source = "environment SF_API_VERSION" }, v.api_version)
    assert.same({ value = "flag-token", source = "command line --token" }, v.access_token)
    assert.same({ value = "acme", source = "default of " .. file }, v.profile)
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("raises a bad profile name with the nearest one", function()
    local dir = config_dir("[profile acme]\ninstance_url = https://acme.example.com\n")
    local ok, err = pcall(connect.resolve, nil, { profile = "acne" }, env_of { XDG_CONFIG_HOME = dir })
    os.execute("rm -rf " .. proc.quote(dir))
    assert.is_false(ok)
    assert.are.equal(2, err.exit)
    assert.matches("did you mean acme?", tostring(err), 1, true)
  end)

  it("shows a local instance without starting it", function()
    local v = connect.resolve(nil, { instance = "local" }, env_of { XDG_CONFIG_HOME = "/nonexistent" })
    assert.is_true(v.local_org)
    assert.are.equal("the local org", v.access_token.source)
    assert.is_nil(connect.emulator())
  end)
end)

describe("connect.org and connect.apply", function()
  it("connects a command to the local org and says where each setting came from", function()
    local org = connect.org({}, { instance = "local" })
    local emu = assert(connect.emulator())
    assert.are.equal(emu.url, org.instance_url)
    assert.are.equal("the local org", org.provenance.access_token.source)
    assert.are.equal("command line --instance", org.provenance.instance_url.source)
    assert.are.equal(200, assert(org:query("SELECT COUNT() FROM Account")).status)
    -- one local org per process
    assert.are.equal(emu, (function() connect.org({}, { instance = "local" }) return connect.emulator() end)())
  end)

  it("configures require('luaforce') so a script connects as the command would", function()
    local settings = connect.apply({}, { instance = "local" })
    local emu = assert(connect.emulator())
    assert.are.equal(settings, sf.settings)
    assert.are.equal(emu.url, settings.instance_url)
    assert.are.equal(emu.token, settings.access_token)
    local org = assert(sf.connect())
    assert.are.equal(emu.url, org.instance_url)
    assert.are.equal("command line", org.source)
    sf.configure { getenv = env_of {} }
  end)

  it("tells a fresh local org from a named one and from any other org", function()
    local org = connect.org({}, { instance = "local" })
    assert.are.equal("fresh", connect.local_org_kind(org))
    assert.are.equal("fresh", connect.local_org_kind())
    assert.is_nil(connect.local_org_kind { instance_url = "https://acme.my.salesforce.com" })
    assert.is_nil(connect.local_org_kind { instance_url = org.instance_url .. "1" }) -- another port
    assert.is_true(connect.finish()) -- nothing named to save
    local state = os.tmpname()
    os.remove(state)
    local r = proc.luaforce({ "-e", [[
      local connect = require "luaforce.cli.connect"
      local ctx = {}
      local org = connect.org(ctx, { instance = "local:kind" })
      print(connect.local_org_kind(org))
      print(#ctx.at_exit, connect.finish(), connect.local_org_kind(org))
    ]] }, { env = { XDG_STATE_HOME = state } })
    os.execute("rm -rf " .. proc.quote(state))
    assert.are.equal(0, r.code, r.stderr)
    assert.are.equal("named\tkind\n1\ttrue\tnil\n", r.stdout)
  end)

  it("keeps named local orgs under XDG_STATE_HOME, else HOME", function()
    assert.are.equal("/s/luaforce/local", connect.local_root(env_of { XDG_STATE_HOME = "/s", HOME = "/h" }))
    assert.are.equal("/h/.local/state/luaforce/local",
      connect.local_root(env_of { XDG_STATE_HOME = "relative", HOME = "/h" }))
    assert.is_nil(connect.local_root(env_of {}))
  end)

  it("fails a malformed --instance before the script runs", function()
    local ok, err = pcall(connect.apply, {}, { instance = "acme.my.salesforce.com" })
    assert.is_false(ok)
    assert.matches("(from command line --instance) has no scheme", tostring(err), 1, true)
  end)

  it("raises what the org said in one line, with the nearest object name", function()
    local org = connect.org({}, { instance = "local" })
    local _, err = org:describe("Acount")
    local ok, nicer = pcall(connect.fail, err, org, "Acount")
    assert.is_false(ok)
    assert.are.equal(2, nicer.exit)
    assert.are.equal("INVALID_TYPE", nicer.code)
    assert.matches("did you mean Account?", tostring(nicer), 1, true)
  end)
end)
