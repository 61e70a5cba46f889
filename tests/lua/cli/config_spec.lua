-- luaforce.cli.config (the profile file) in process: the parsing rules,
-- row by row, and lookup with the nearest profile name.
local config = require "luaforce.cli.config"

describe("config.parse", function()
  it("reads profiles, the default and quoted values", function()
    local doc = assert(config.parse([[
# a comment
; another
default = b
[profile a]
instance_url = https://a.example.com
token = "  spaced  "
[profile b]
client_id = id
client_secret = {{secrets.B}}
]], "cfg"))
    assert.equal("b", doc.default)
    assert.same({ "a", "b" }, doc.order)
    assert.equal("  spaced  ", doc.profiles.a.access_token)
    assert.equal("{{secrets.B}}", doc.profiles.b.client_secret)
    assert.same({ profile = "a", key = "token", line = 6 }, doc.clear_secret)
  end)

  it("takes [default] as the default without a default line", function()
    local doc = assert(config.parse("[default]\ninstance_url = local\n"))
    assert.equal("default", doc.default)
    assert.is_nil(doc.clear_secret)
  end)

  it("does not count placeholders as clear secrets", function()
    local doc = assert(config.parse("[profile a]\nclient_secret = {{secrets.X}}{{ secrets.Y }}\n"))
    assert.is_nil(doc.clear_secret)
  end)

  local bad = {
    { "[profile a]\n[profile a]\n", "cfg:2: profile 'a' is defined twice" },
    { "[profile a]\nclient_secrte = x\n", "cfg:2: unknown key 'client_secrte'" },
    { "[profile a]\njust text\n", "cfg:2: expected 'key = value' (not shown: the line may hold a secret)" },
    { "token = x\n", "cfg:1: 'token' outside a profile" },
    { "[profile]\n", "cfg:1: not a section header" },
    { "default = zz\n[profile a]\n", "cfg:1: the default profile is not defined" },
    { "[profile a]\nclient_secret: x\n", "cfg:2: expected 'key = value': 'client_secret' is followed by ':', not '='" },
    { "[profile a]\ntoken\n", "cfg:2: expected 'key = value': 'token' has no '= VALUE'" },
  }
  for _, row in ipairs(bad) do
    it("refuses: " .. row[2], function()
      local doc, err = config.parse(row[1], "cfg")
      assert.is_nil(doc)
      assert.equal(2, err.exit)
      assert.matches(row[2], err.message, 1, true)
    end)
  end

  -- Whatever the mistake, no text of the line but a key name reaches the
  -- message or its hint: a line that does not parse may be a secret.
  local SECRET = "Zq7SECRETvalue9Xw2LmP4"
  local leaky = {
    "[profile a]\nclient_secret: " .. SECRET .. "\n",
    "[profile a]\ntoken " .. SECRET .. "\n",
    "[profile a]\ntoken\t" .. SECRET .. "\n",
    "[profile a]\n" .. SECRET .. "\n",
    "[profile a]\n" .. SECRET .. "==\n",            -- base64 padding looks like `key =`
    "[profile a]\n" .. SECRET .. " = 1\n",
    SECRET .. " = x\n",
    "[" .. SECRET .. "]\n",
    "[profile " .. SECRET .. "!]\n",
    "default = " .. SECRET .. "\n[profile a]\n",
    "[profile a]\nclient_secret = \"" .. SECRET .. "\n\"x\n",
    "[profile a]\n\"client_secret\" = " .. SECRET .. "\n",
    -- the fuzzer's: a secret run onto its key (no ' = ') read as a typo of it
    "[profile a]\nclient_secr" .. SECRET:sub(1, 6) .. "//x\n",
    "[profile a]\nclient_secret" .. SECRET .. "\n",
    "[profile a]\ntoken" .. SECRET:sub(1, 6) .. " = x\n",
  }
  for i, text in ipairs(leaky) do
    it("quotes no value of a bad line (case " .. i .. ")", function()
      local doc, err = config.parse(text, "cfg")
      assert.is_nil(doc)
      local shown = tostring(err) .. " " .. tostring(err.hint)
      assert.matches("^cfg:%d+: ", err.message)
      assert.is_nil(shown:find(SECRET:sub(1, 6), 1, true), shown)
      assert.is_nil(shown:find(SECRET:sub(-6), 1, true), shown)
    end)
  end
end)

describe("config.lookup", function()
  local proc = require "support.proc"

  local function dir_with(text, mode)
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. proc.quote(dir .. "/luaforce")))
    if text then
      proc.write(dir .. "/luaforce/config", text)
      assert(os.execute(("chmod %s %s"):format(mode or "600", proc.quote(dir .. "/luaforce/config"))))
    end
    return dir, function(name) return ({ XDG_CONFIG_HOME = dir })[name] end
  end

  it("gives the named or the default profile, with its name and file", function()
    local dir, getenv = dir_with("default = b\n[profile a]\ninstance_url = https://a.example.com\n"
      .. "[profile b]\napi_version = v55.0\n")
    local prof, name, path = config.lookup(nil, getenv)
    assert.same({ api_version = "v55.0" }, prof)
    assert.equal("b", name)
    assert.equal(dir .. "/luaforce/config", path)
    prof, name = config.lookup("a", getenv)
    assert.equal("https://a.example.com", prof.instance_url)
    assert.equal("a", name)
    local none, err = config.lookup("c", getenv)
    assert.is_nil(none)
    assert.matches("no profile 'c'", tostring(err), 1, true)
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("is nothing without a file, unless a profile is asked for", function()
    local dir, getenv = dir_with(nil)
    assert.is_nil(config.lookup(nil, getenv))
    local _, err = config.lookup("work", getenv)
    assert.matches("there is no config file", tostring(err), 1, true)
    os.execute("rm -rf " .. proc.quote(dir))
  end)

  it("refuses a file others may read while it holds a secret in clear text", function()
    local dir, getenv = dir_with("[profile a]\ntoken = plain-secret-value\n", "644")
    local prof, err = config.lookup("a", getenv)
    assert.is_nil(prof)
    assert.equal("UNSAFE_CONFIG_FILE", err.code)
    assert.equal(2, err.exit)
    assert.matches("chmod 600", tostring(err), 1, true)
    assert.is_nil(tostring(err):find("plain-secret-value", 1, true))
    os.execute("rm -rf " .. proc.quote(dir))
  end)
end)
