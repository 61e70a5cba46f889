-- End-to-end: HTTPS as a user gets it. `luaforce emulator --make-cert DIR`,
-- then `luaforce emulator --tls-cert ... --tls-key ...`, driven with curl
-- trusting exactly that certificate.
local proc = require "support.proc"
local json = require "luaforce.json"
local sys = require "luaforce.core.sys"

local q = proc.quote

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  return d
end

describe("luaforce emulator over HTTPS", function()
  local dir, cert, key

  setup(function()
    dir = tmpdir()
    cert, key = dir .. "/cert.pem", dir .. "/key.pem"
  end)

  teardown(function()
    os.execute("rm -rf " .. q(dir))
  end)

  it("--make-cert DIR writes the pair, says how to use it, and serves nothing", function()
    local r = proc.luaforce({ "emulator", "--make-cert", dir })
    assert.equal(0, r.code, r.stderr)
    assert.equal("", r.stderr)
    assert.equal(table.concat({
      "wrote " .. cert .. " (a self-signed certificate for localhost and 127.0.0.1)",
      "wrote " .. key .. " (its private key, mode 0600)",
      "serve HTTPS:   luaforce emulator --tls-cert " .. cert .. " --tls-key " .. key,
      "trust it:      curl --cacert " .. cert .. " https://127.0.0.1:PORT/services/data/",
    }, "\n") .. "\n", r.stdout)
    assert.equal(384, sys.stat(key).mode) -- 0600
    assert.matches("DNS:localhost, IP Address:127%.0%.0%.1",
      proc.sh("openssl x509 -noout -text -in " .. q(cert)).stdout)
  end)

  it("serves https: curl --cacert gets /services/data/, curl without it fails (exit 60)", function()
    local h = proc.spawn({ "emulator", "--port", "0", "--empty", "--tls-cert", cert, "--tls-key", key })
    finally(function() h.signal("TERM"); h.wait(10); h.cleanup() end)
    local url = h.wait_for("luaforce emulator listening on (https://127%.0%.0%.1:%d+)\n", 20)
    assert(url, "the emulator did not start: " .. h.read_stderr())

    local r = proc.curl(url .. "/services/data/", { args = { "--cacert", cert } })
    assert.equal(0, r.code, r.stderr)
    assert.equal(200, r.status)
    assert.equal("66.0", json.decode(r.body)[36].version)

    r = proc.curl(url .. "/services/oauth2/token", { method = "POST", args = { "--cacert", cert },
      headers = { "Content-Type: application/x-www-form-urlencoded" },
      data = "grant_type=client_credentials&client_id=luaforce-local&client_secret=luaforce-local-secret" })
    assert.equal(200, r.status)
    assert.equal(url, json.decode(r.body).instance_url)

    r = proc.curl(url .. "/services/data/")
    assert.equal(60, r.code)
    assert.matches("SSL certificate problem", r.stderr)

    h.signal("TERM")
    assert.equal(0, h.wait(10))
    assert.matches("GET /services/data/ 200 %d+ms\n", h.read_stderr())
  end)

  for _, row in ipairs {
    { "--tls-cert without --tls-key", function() return { "--tls-cert", cert } end,
      "luaforce: TLS: a TLS certificate needs its key, and a key its certificate" },
    { "an unreadable key file", function() return { "--tls-cert", cert, "--tls-key", dir .. "/none.pem" } end,
      "luaforce: TLS: cannot read the key: " .. "DIR/none.pem: No such file or directory" },
    { "a certificate file that is not PEM", function()
      return { "--tls-cert", proc.write(dir .. "/text.txt", "hello"), "--tls-key", key } end,
      "luaforce: TLS: the certificate DIR/text.txt is not a PEM file" },
    { "a key file given as the certificate", function() return { "--tls-cert", key, "--tls-key", key } end,
      "luaforce: EMULATOR: cannot start the local org: cannot use the TLS certificate and key" },
  } do
    it("exits 2 for " .. row[1], function()
      local args = { "emulator", "--port", "0" }
      for _, a in ipairs(row[2]()) do args[#args + 1] = a end
      local r = proc.luaforce(args)
      assert.equal(2, r.code)
      assert.equal("", r.stdout)
      local expected = row[3]:gsub("DIR", dir)
      assert.equal(expected, r.stderr:sub(1, #expected))
    end)
  end

  it("--make-cert without openssl on the PATH exits 2 saying so", function()
    local r = proc.luaforce({ "emulator", "--make-cert", dir .. "/other" }, { env = { PATH = "/nonexistent" } })
    assert.equal(2, r.code)
    assert.matches("^luaforce: TLS: cannot make a certificate: the 'openssl' command was not found", r.stderr)
    assert.is_nil(sys.stat(dir .. "/other"))
  end)
end)
