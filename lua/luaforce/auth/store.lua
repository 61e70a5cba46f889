--- luaforce.auth.store: where OAuth tokens are kept between requests.
--
-- Two levels, both keyed by token URL and client id (`M.key`):
--   * memory: one table for the whole process, so every session and every
--     auth object with the same client shares one token;
--   * disk (opt-in per auth object): `$XDG_CACHE_HOME/luaforce/tokens`, else
--     `~/.cache/luaforce/tokens`, so consecutive script runs reuse a token.
--     One JSON file `{"version": 1, "tokens": {key: entry}}`, mode 0600 from
--     the moment it exists, replaced atomically (a temporary file in the same
--     directory, then rename). A file that group or others may read or write
--     is refused with a warning and neither read nor written: a token there
--     is as good as the secret it came from. A damaged file is ignored
--     (and replaced by the next write).
-- An entry is `{access_token, instance_url, id, issued_at, obtained_at}`;
-- `obtained_at` is this machine's epoch milliseconds, which is what an
-- auth object's `lifetime` counts from. The client secret is never written
-- to disk; in memory an entry remembers the secret that obtained it
-- (`secret`), so an auth object with another secret for the same client (a
-- typo, a rotation) asks the token endpoint instead of borrowing a token.
-- On disk the same check is `secret_check`: a 64-bit FNV-1a fingerprint
-- of the secret (not the secret, and no use without it: the file already
-- holds the tokens themselves). An entry without one, or with another,
-- is not used: a wrong secret is refused by the token endpoint, never
-- hidden behind a token the right one obtained.
require "luaforce.core"
local sys = require "luaforce.core.sys"
local json = require "luaforce.json"

local M = {}

local memory = {}
local warned = {}

local ENTRY_KEYS = { "token_url", "client_id", "access_token", "instance_url", "id", "issued_at",
  "obtained_at", "secret_check" }

-- The fingerprint of a client secret kept with its token on disk.
local function secret_check(secret)
  local h = -3750763034362895579 -- 0xcbf29ce484222325, FNV-1a's offset basis
  for i = 1, #secret do
    h = (h ~ secret:byte(i)) * 1099511628211 -- FNV's 64-bit prime; wraps mod 2^64
  end
  return ("%016x"):format(h)
end
M.secret_check = secret_check

--- The cache key of a client at a token endpoint.
function M.key(token_url, client_id)
  return token_url .. " " .. client_id
end

local function warn(path, text)
  if warned[path] then return end
  warned[path] = true
  io.stderr:write("luaforce: warning: ", text, "\n")
end

--- The disk cache's file name, or nil when there is no home to put it in.
-- XDG says a relative XDG_CACHE_HOME is invalid and must be ignored.
function M.path()
  local base = os.getenv("XDG_CACHE_HOME")
  if not base or base:sub(1, 1) ~= "/" then
    local home = os.getenv("HOME")
    if not home or home == "" then return nil end
    base = home .. "/.cache"
  end
  return base .. "/luaforce/tokens"
end

-- The file's entries, or nil when it must not be used (and why). A missing
-- file is an empty cache.
local function read_disk(path)
  local st, err, code = sys.stat(path)
  if not st then
    if code == "ENOENT" then return {} end
    warn(path, ("not using the token cache %s: %s%s"):format(path, tostring(err),
      code == "ENOTDIR" and " (a file stands where a directory of its path should be)" or ""))
    return nil
  end
  if st.type ~= "file" then
    warn(path, ("not using the token cache %s: it is a %s, not a file (move it away)"):format(path,
      st.type == "dir" and "directory" or tostring(st.type)))
    return nil
  end
  if st.mode & tonumber("077", 8) ~= 0 then
    warn(path, ("not using the token cache %s: mode %03o gives group or others access to it" ..
      " (chmod 600 it, or delete it)"):format(path, st.mode))
    return nil
  end
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  local doc = json.decode(text)
  if type(doc) ~= "table" or doc.version ~= 1 or type(doc.tokens) ~= "table" then return {} end
  return doc.tokens
end

-- Replaces the file atomically (sys.write_file: a temporary file beside it,
-- 0600 from the start, fsynced, renamed over it) in directories created
-- 0700 when missing.
local function write_disk(path, tokens)
  local ok, err = sys.mkdirs(path:match("^(.*)/[^/]*$"), tonumber("700", 8))
  if ok then
    local doc = json.object({ version = 1, tokens = json.object(tokens) }, { "version", "tokens" })
    local text = assert(json.encode(doc, { pretty = true })) .. "\n"
    ok, err = sys.write_file(path, text, tonumber("600", 8))
  end
  if not ok then warn(path, "cannot write the token cache: " .. tostring(err)) end
  return ok
end

local function disk_entry(e)
  local t = {}
  for _, k in ipairs(ENTRY_KEYS) do t[k] = e[k] end
  return json.object(t, ENTRY_KEYS)
end

local function fresh(e, lifetime)
  return not lifetime or sys.now_ms() - (e.obtained_at or 0) < lifetime * 1000
end

--- The cached entry for `key`, or nil. opts: `lifetime` (seconds: older
-- entries are dropped), `disk` (also look in the disk cache), `secret`
-- (an entry another secret obtained does not count).
function M.get(key, opts)
  local e = memory[key]
  if e and e.secret and opts.secret and e.secret ~= opts.secret then return nil end
  if not e and opts.disk then
    local path = M.path()
    local tokens = path and read_disk(path)
    local d = tokens and tokens[key]
    if type(d) == "table" and type(d.access_token) == "string"
        and (not opts.secret or d.secret_check == secret_check(opts.secret)) then
      e = {}
      for _, k in ipairs(ENTRY_KEYS) do
        if d[k] ~= json.null then e[k] = d[k] end
      end
      e.secret = opts.secret -- it matched the check
      memory[key] = e
    end
  end
  if e and not fresh(e, opts.lifetime) then
    M.drop(key, e.access_token, opts)
    return nil
  end
  return e
end

--- Keeps `entry` for `key` (and on disk when opts.disk).
function M.put(key, entry, opts)
  memory[key] = entry
  if opts.disk then
    local path = M.path()
    local tokens = path and read_disk(path)
    if tokens then
      tokens[key] = disk_entry(entry)
      local secret = opts.secret or entry.secret
      if secret then tokens[key].secret_check = secret_check(secret) end
      write_disk(path, tokens)
    end
  end
end

--- Forgets `key`'s token if it is still `token` (a request said it is
-- invalid); a newer token someone else stored meanwhile stays.
function M.drop(key, token, opts)
  local e = memory[key]
  if e and e.access_token == token then memory[key] = nil end
  if opts.disk then
    local path = M.path()
    local tokens = path and read_disk(path)
    local d = tokens and tokens[key]
    if type(d) == "table" and d.access_token == token then
      tokens[key] = nil
      write_disk(path, tokens)
    end
  end
end

--- Empties the process cache (the disk cache stays): tests, and "log out".
function M.clear()
  memory = {}
end

return M
