-- luaforce.client.secrets: {{secrets.NAME}} from the environment or the
-- secrets file (mode 0600 only), unknown secrets refused by name, values
-- masked in traces once used.
local secrets = require "luaforce.client.secrets"
local settings = require "luaforce.client.settings"
local http = require "luaforce.http"
require "luaforce.core"
local sys = require "luaforce.core.sys"

-- A fresh XDG_CONFIG_HOME with a secrets file of the given text and mode.
local function config_dir(text, mode)
  local dir = os.tmpname()
  os.remove(dir)
  assert(sys.mkdir(dir, 448)) -- 0700
  assert(sys.mkdir(dir .. "/luaforce", 448))
  if text then assert(sys.write_new(dir .. "/luaforce/secrets", text, mode or 384)) end -- 0600
  return dir
end

local function cleanup(dir)
  os.remove(dir .. "/luaforce/secrets")
  os.remove(dir .. "/luaforce")
  os.remove(dir)
end

local function env_of(t)
  return function(name) return t[name] end
end

describe("client secrets", function()
  it("finds the file under XDG_CONFIG_HOME, else ~/.config", function()
    assert.are.equal("/x/luaforce/secrets", secrets.path(env_of { XDG_CONFIG_HOME = "/x", HOME = "/h" }))
    assert.are.equal("/h/.config/luaforce/secrets", secrets.path(env_of { HOME = "/h" }))
    assert.are.equal("/h/.config/luaforce/secrets", secrets.path(env_of { XDG_CONFIG_HOME = "", HOME = "/h" }))
  end)

  it("replaces placeholders from the environment first, then the file", function()
    local dir = config_dir("# tokens\nSF_TOKEN=from-file-token\n\nSF_URL=https://f.my.salesforce.com\n" ..
      "WITH_EQUALS=a=b=c\n")
    local lookup = secrets.lookup(env_of { XDG_CONFIG_HOME = dir, SF_URL = "https://env.my.salesforce.com" })
    local rows = {
      { "{{secrets.SF_TOKEN}}", "from-file-token" },
      { "{{secrets.SF_URL}}", "https://env.my.salesforce.com" },
      { "Bearer {{ secrets.SF_TOKEN }}!", "Bearer from-file-token!" },
      { "{{secrets.WITH_EQUALS}}", "a=b=c" },
      { "no placeholder {{here}}", "no placeholder {{here}}" },
      { "{{secrets.SF_URL}}/{{secrets.SF_TOKEN}}", "https://env.my.salesforce.com/from-file-token" },
    }
    for _, row in ipairs(rows) do
      assert.are.equal(row[2], (secrets.expand(row[1], lookup)), row[1])
    end
    assert.are.equal(42, secrets.expand(42, lookup))
    cleanup(dir)
  end)

  it("refuses an unknown secret, naming it", function()
    local dir = config_dir("OTHER=1\n")
    local text, err = secrets.expand("{{secrets.MISSING_ONE}}", secrets.lookup(env_of { XDG_CONFIG_HOME = dir }))
    cleanup(dir)
    assert.is_nil(text)
    assert.are.equal("UNKNOWN_SECRET", err.code)
    assert.are.equal("MISSING_ONE", err.secret)
    assert.are.equal(2, err.exit)
    assert.matches("MISSING_ONE", tostring(err))
    -- no file at all: the same
    text, err = secrets.expand("{{secrets.X_Y}}", secrets.lookup(env_of { XDG_CONFIG_HOME = "/nonexistent" }))
    assert.is_nil(text)
    assert.are.equal("UNKNOWN_SECRET", err.code)
  end)

  it("refuses a secrets file others can read", function()
    for _, mode in ipairs { 420, 416, 388 } do -- 0644, 0640, 0604
      local dir = config_dir("SF_TOKEN=leaky-token\n", mode)
      local text, err = secrets.expand("{{secrets.SF_TOKEN}}", secrets.lookup(env_of { XDG_CONFIG_HOME = dir }))
      cleanup(dir)
      assert.is_nil(text)
      assert.are.equal("UNSAFE_SECRETS_FILE", err.code)
      assert.matches("chmod 600", tostring(err))
    end
    local dir = config_dir("SF_TOKEN=owner-only\n", 256) -- 0400
    assert.are.equal("owner-only", secrets.expand("{{secrets.SF_TOKEN}}", secrets.lookup(env_of { XDG_CONFIG_HOME = dir })))
    cleanup(dir)
  end)

  it("reports a malformed line with its number", function()
    local dir = config_dir("GOOD=1\nthis is not a pair\n")
    local _, err = secrets.expand("{{secrets.GOOD}}", secrets.lookup(env_of { XDG_CONFIG_HOME = dir }))
    cleanup(dir)
    assert.matches(":2: expected NAME=value", tostring(err))
  end)

  it("masks a secret once it was used", function()
    local value = "s3cr3t-" .. tostring(os.time())
    assert.are.equal(value, secrets.expand("{{secrets.MASK_ME}}", function() return value end))
    assert.are.equal("token ***", http.redact("token " .. value))
  end)

  it("fills connection settings, auth included", function()
    local dir = config_dir("MY_SECRET=client-secret-value\n")
    local cfg, err = settings.resolve({ instance_url = "https://x.my.salesforce.com",
      auth = { type = "oauth-client-credentials", client_id = "id", client_secret = "{{secrets.MY_SECRET}}" } },
      { run = {}, getenv = env_of { XDG_CONFIG_HOME = dir } })
    cleanup(dir)
    assert.is_truthy(cfg, tostring(err))
    assert.are.equal("client-secret-value", cfg.auth.client_secret)
  end)
end)
