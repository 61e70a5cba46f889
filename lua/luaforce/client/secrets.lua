--- luaforce.client.secrets: "{{secrets.NAME}}" in a setting, replaced by a
-- secret's value.
--
-- A secret NAME comes from the environment variable NAME, else from the
-- secrets file: $XDG_CONFIG_HOME/luaforce/secrets (else
-- ~/.config/luaforce/secrets), one `NAME=value` a line, `#` comments and
-- blank lines ignored, the value taken as is after the first `=` (no quotes
-- removed, no blanks trimmed but the line end). The file is refused unless
-- only its owner may read it (mode 0600 or 0400): a secrets file others can
-- read is a leak to fix, not to use.
--
-- An unknown secret is an error naming it, and nothing is sent (the Camunda
-- connector sends the placeholder as literal text). Every value used is
-- registered with luaforce.http, so traces and messages print *** for it.
local errors = require "luaforce.errors"
require "luaforce.core" -- registers luaforce.core.* (a stock lua5.4 loads core.so)
local sys = require "luaforce.core.sys"

local M = {}

local PLACEHOLDER = "{{%s*secrets%.([%w_%.%-]+)%s*}}"

--- The secrets file's path (it may not exist).
function M.path(getenv)
  getenv = getenv or os.getenv
  local base = getenv("XDG_CONFIG_HOME")
  if not base or base == "" then
    local home = getenv("HOME") or ""
    base = home .. "/.config"
  end
  return base .. "/luaforce/secrets"
end

--- Reads a secrets file: a table NAME -> value, or an empty table when
-- there is no file, or nil, err when it is unsafe or unreadable.
function M.read_file(path)
  local st = sys.stat(path)
  if not st then return {} end
  if st.type ~= "file" then
    return nil, errors.usage(("the secrets file %s is not a regular file"):format(path))
  end
  if st.mode & 0x3f ~= 0 then -- any group or other bit (0077)
    return nil, errors.new { code = "UNSAFE_SECRETS_FILE", exit = errors.EXIT.USAGE,
      message = ("the secrets file %s has mode %o: others may read it"):format(path, st.mode),
      hint = "chmod 600 " .. path }
  end
  local f, ferr = io.open(path, "r")
  if not f then return nil, errors.usage("cannot read the secrets file: " .. tostring(ferr)) end
  local out, n = {}, 0
  for line in f:lines() do
    n = n + 1
    line = line:gsub("\r$", "")
    if not line:match("^%s*$") and not line:match("^%s*#") then
      local name, value = line:match("^%s*([%w_%.%-]+)%s*=(.*)$")
      if not name then
        f:close()
        return nil, errors.usage(("%s:%d: expected NAME=value"):format(path, n))
      end
      out[name] = value
    end
  end
  f:close()
  return out
end

--- A lookup function(name) -> value or nil, err for `expand`: the
-- environment first, then the secrets file (read once, when first needed).
-- `getenv` and `path` may be given (tests).
function M.lookup(getenv, path)
  getenv = getenv or os.getenv
  local file, file_err
  return function(name)
    local v = getenv(name)
    if v ~= nil then return v end
    if file == nil and file_err == nil then
      file, file_err = M.read_file(path or M.path(getenv))
    end
    if file_err then return nil, file_err end
    return file[name]
  end
end

--- `text` with every {{secrets.NAME}} replaced, or nil, err (an unknown
-- secret, an unsafe file). Non-strings come back unchanged.
function M.expand(text, lookup)
  if type(text) ~= "string" or not text:find("{{", 1, true) then return text end
  lookup = lookup or M.lookup()
  local failure
  local out = text:gsub(PLACEHOLDER, function(name)
    if failure then return nil end
    local v, err = lookup(name)
    if err then failure = err return nil end
    if v == nil then
      failure = errors.new { code = "UNKNOWN_SECRET", exit = errors.EXIT.USAGE, secret = name,
        message = ("unknown secret '%s'"):format(name),
        hint = ("set the environment variable %s, or add %s=... to %s"):format(name, name, M.path()) }
      return nil
    end
    if #v >= 4 then require("luaforce.http").add_secret(v) end
    return v
  end)
  if failure then return nil, failure end
  return out
end

--- Expands every string value of a table (one level, and nested tables
-- such as `auth`), in a copy. Returns the copy or nil, err.
function M.expand_all(t, lookup)
  lookup = lookup or M.lookup()
  local out = {}
  for k, v in pairs(t) do
    if type(v) == "string" then
      local e, err = M.expand(v, lookup)
      if not e then return nil, err end
      out[k] = e
    elseif type(v) == "table" and getmetatable(v) == nil then
      local e, err = M.expand_all(v, lookup)
      if not e then return nil, err end
      out[k] = e
    else
      out[k] = v
    end
  end
  return out
end

return M
