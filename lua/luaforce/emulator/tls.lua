--- luaforce.emulator.tls: certificates for serving the local org on HTTPS.
--
--     local tls = require "luaforce.emulator.tls"
--     local paths = assert(tls.make_cert("certs"))   -- certs/cert.pem, certs/key.pem
--     local cert, key = assert(tls.read_pair(paths.cert, paths.key))
--
-- make_cert runs the `openssl` command: a self-signed certificate for
-- localhost and 127.0.0.1 (an EC P-256 key, ten years), good for tests that
-- must prove certificate verification, never for anything public. The key
-- is written with mode 0600 from the start and both files appear whole
-- (written under a temporary name, then renamed).
local errors = require "luaforce.errors"
local sys = require "luaforce.core.sys"

local M = {}

M.CERT_FILE = "cert.pem"
M.KEY_FILE = "key.pem"
M.NAMES = "DNS:localhost,IP:127.0.0.1"

local function fail(message, hint)
  return nil, errors.new { code = "TLS", message = message, hint = hint, exit = errors.EXIT.USAGE }
end

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local s, rerr = f:read("a")
  f:close()
  if not s then return nil, path .. ": " .. tostring(rerr) end -- a directory opens, then fails
  return s
end

local function have_command(name)
  local ok = os.execute("command -v " .. quote(name) .. " >/dev/null 2>&1")
  return ok == true
end

--- Writes DIR/cert.pem and DIR/key.pem (DIR is created when missing).
-- opts.openssl: the command to run (default "openssl"); opts.days (3650).
-- Returns {cert = path, key = path}, or nil and an error (exit 2).
function M.make_cert(dir, opts)
  if type(dir) ~= "string" or dir == "" then error("make_cert: a directory name is required", 2) end
  opts = opts or {}
  local openssl = opts.openssl or "openssl"
  if not have_command(openssl) then
    return fail(("cannot make a certificate: the '%s' command was not found"):format(openssl),
      "install it: apt-get install openssl")
  end
  local ok, err = sys.mkdirs(dir, 448) -- 0700: it will hold a key
  if not ok then return fail("cannot make a certificate: " .. err) end

  -- openssl writes into a private directory of its own; only the finished
  -- texts reach DIR, with the modes chosen here
  local work = os.tmpname()
  os.remove(work)
  ok, err = sys.mkdir(work, 448)
  if not ok then return fail("cannot make a certificate: " .. err) end
  local kpath, cpath, log = work .. "/key.pem", work .. "/cert.pem", work .. "/openssl.log"
  local cmd = table.concat({
    quote(openssl), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-sha256", "-days", tostring(math.tointeger(opts.days) or 3650),
    "-subj", "/CN=localhost", "-addext", quote("subjectAltName=" .. M.NAMES),
    "-keyout", quote(kpath), "-out", quote(cpath),
  }, " ") .. " >" .. quote(log) .. " 2>&1 </dev/null"
  local ran = os.execute("umask 077 && " .. cmd)
  local key, cert = slurp(kpath), slurp(cpath)
  local said = slurp(log) or ""
  for _, p in ipairs { kpath, cpath, log } do os.remove(p) end
  os.remove(work)
  if ran ~= true or not key or not cert or key == "" or cert == "" then
    local last = said:gsub("%s+$", ""):match("([^\n]*)$") or ""
    return fail("openssl could not make the certificate" .. (last ~= "" and (": " .. last) or ""))
  end

  local paths = { cert = dir:gsub("/+$", "") .. "/" .. M.CERT_FILE, key = dir:gsub("/+$", "") .. "/" .. M.KEY_FILE }
  ok, err = sys.write_file(paths.key, key, 384) -- 0600
  if ok then ok, err = sys.write_file(paths.cert, cert, 420) end -- 0644
  if not ok then return fail("cannot write the certificate: " .. tostring(err)) end
  return paths
end

--- Reads a certificate file and its key file (PEM) for server.start.
-- Returns cert_text, key_text, or nil and an error (exit 2) naming the
-- file that could not be read or does not look like PEM.
function M.read_pair(cert_path, key_path)
  if not cert_path or not key_path then
    return fail("a TLS certificate needs its key, and a key its certificate",
      "give both --tls-cert and --tls-key, or tls_cert and tls_key")
  end
  local texts = {}
  for i, row in ipairs { { "certificate", cert_path }, { "key", key_path } } do
    local text, err = slurp(row[2])
    if not text then return fail(("cannot read the %s: %s"):format(row[1], err)) end
    if not text:find("-----BEGIN ", 1, true) then
      return fail(("the %s %s is not a PEM file"):format(row[1], row[2]),
        "make a pair with: luaforce emulator --make-cert DIR")
    end
    texts[i] = text
  end
  return texts[1], texts[2]
end

return M
