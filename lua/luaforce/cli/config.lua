--- luaforce.cli.config: the profile file, named connection settings.
--
-- The file is $XDG_CONFIG_HOME/luaforce/config (else
-- ~/.config/luaforce/config), beside the secrets file
-- (luaforce.client.secrets). Its format, line by line:
--
--     # comments start with # or ; (whole lines only)
--     default = acme                 # the profile used when none is named
--
--     [profile acme]
--     instance_url = https://acme.my.salesforce.com
--     api_version  = v62.0
--     client_id    = 3MVG9...
--     client_secret = {{secrets.ACME_SECRET}}
--
--     [profile sandbox]
--     instance_url = https://acme--dev.sandbox.my.salesforce.com
--     token = {{secrets.SANDBOX_TOKEN}}
--
--     [default]                      # the profile named "default"
--     instance_url = local
--
-- Keys: instance_url (a URL, or `local` for the built-in local org),
-- api_version, client_id, client_secret, token. A value runs to the end of
-- the line, blanks around it trimmed; "double quotes" around it are
-- removed. `{{secrets.NAME}}` is replaced when connecting (from the
-- environment variable NAME or the secrets file). Without `default = ...`
-- the [default] section, if any, is the default profile.
--
-- A file that holds a secret in clear text (a client_secret or token that is
-- not only {{secrets.NAME}} placeholders) is refused while its group or
-- others may read it: exit 2, with the chmod that fixes it.
--
-- A mistake in the file is an error naming the file and the line, and it
-- quotes no text of that line but a key name: a known key, or a word so
-- close to one that it is a typo of it. Never a value, never a line that
-- does not parse (`client_secret: VALUE`, a secret pasted on a line of its
-- own, `AQ...== `, whose base64 padding looks like `key =`), never a
-- section header that is not one: any of them may be a secret.
--
-- API
--   config.path([getenv]) -> the file name (it may not exist)
--   config.state_dir([getenv]) -> $XDG_STATE_HOME/luaforce (else
--       ~/.local/state/luaforce), where luaforce keeps state between runs
--       (the REPL's history, named local orgs); nil when neither is set
--   config.parse(text, path) -> doc | nil, err     doc = {path, default,
--       profiles = {NAME = {instance_url, api_version, client_id,
--       client_secret, access_token}}, order = {NAME...}, clear_secret =
--       {profile, key, line} | nil}
--   config.read([path]) -> doc | nil, err (a missing file is an empty doc
--       with doc.missing = true); the safety check included
--   config.lookup(name[, getenv]) -> settings, name, path | nil (no profile
--       wanted and none is the default) | nil, err. `name` nil: the default.
--       The file is read once per process.
--       This is the `profile` source luaforce.cli.connect hands the one
--       settings resolver (luaforce.client.settings).
require "luaforce.core"
local args = require "luaforce.cli.args"
local errors = require "luaforce.errors"
local sys = require "luaforce.core.sys"

local M = {}

-- key in the file -> the client's settings key
local KEYS = {
  instance_url = "instance_url", api_version = "api_version", client_id = "client_id",
  client_secret = "client_secret", token = "access_token",
}
local KEY_NAMES = { "instance_url", "api_version", "client_id", "client_secret", "token" }
local SECRET = { client_secret = true, token = true }
local PLACEHOLDER = "{{%s*secrets%.[%w_%.%-]+%s*}}"

--- See the file comment.
function M.state_dir(getenv)
  getenv = getenv or os.getenv
  local state = getenv("XDG_STATE_HOME")
  -- the XDG rule: a relative path is to be ignored
  if state and state:sub(1, 1) == "/" then return state .. "/luaforce" end
  local home = getenv("HOME")
  if home and home ~= "" then return home .. "/.local/state/luaforce" end
  return nil
end

--- See the file comment.
function M.path(getenv)
  getenv = getenv or os.getenv
  local base = getenv("XDG_CONFIG_HOME")
  if not base or base == "" then base = (getenv("HOME") or "") .. "/.config" end
  return base .. "/luaforce/config"
end

local function bad(path, n, message, hint)
  return nil, errors.usage(("%s:%d: %s"):format(path, n, message), hint)
end

-- `word` when it may be quoted in a message: a known key, or so close to
-- one that it is a typo of it (a secret is not); else nil.
-- A typo is at most 2 edits from a key, and a quoted word is shorter than
-- 16 characters (the secret scan's unit), so a secret pasted onto a key
-- (`client_secretAQ9x...`) is never quoted.
local MAX_QUOTED = 15
local function quotable(word)
  if KEYS[word] or word == "default" then return word end
  if #word > MAX_QUOTED then return nil end
  for _, k in ipairs(KEY_NAMES) do
    if args.distance(word:lower(), k) <= 2 then return word end
  end
  return nil
end

-- The error for a line that is not `key = value`, quoting at most its key
-- (and the punctuation after it, which is no part of a value).
local function not_a_pair(path, n, s)
  local word, rest = s:match("^([%w_%-]+)(.*)$")
  local key = word and quotable(word)
  if key then
    local sep = rest:match("^%s*([^%w%s_%-])")
    local what = sep and ("is followed by '" .. sep .. "', not '='")
      or (rest:match("^%s*$") and "has no '= VALUE'" or "is followed by a value, not '='")
    return bad(path, n, ("expected 'key = value': '%s' %s"):format(key, what),
      ("write %s = VALUE"):format(args.nearest(key, KEY_NAMES) or key))
  end
  return bad(path, n, "expected 'key = value' (not shown: the line may hold a secret)",
    "the keys are " .. table.concat(KEY_NAMES, ", "))
end

-- The error for an unknown key: named when it is a typo of a known one.
local function unknown_key(path, n, key)
  local near = quotable(key) and args.nearest(key, KEY_NAMES)
  if near then return bad(path, n, ("unknown key '%s'"):format(key), "did you mean " .. near .. "?") end
  return bad(path, n, "unknown key (not shown: it may be a secret)", "the keys are " .. table.concat(KEY_NAMES, ", "))
end

local function unquote(v)
  local inner = v:match('^"(.*)"$')
  return inner or v
end

--- See the file comment.
function M.parse(text, path)
  path = path or "config"
  local doc = { path = path, profiles = {}, order = {} }
  local current -- the profile being filled; nil before the first section
  local n = 0
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    n = n + 1
    local s = line:match("^%s*(.-)%s*$")
    if s == "" or s:match("^[#;]") then
      -- nothing
    elseif s:match("^%[") then
      local name = s:match("^%[%s*profile%s+([%w_%.%-]+)%s*%]$")
      if not name and s:match("^%[%s*default%s*%]$") then name = "default" end
      if not name then
        return bad(path, n, "not a section header (not shown: the line may hold a secret)",
          "write [profile NAME] or [default]")
      end
      if doc.profiles[name] then return bad(path, n, ("profile '%s' is defined twice"):format(name)) end
      current = { _line = n }
      doc.profiles[name] = current
      doc.order[#doc.order + 1] = name
    else
      local key, v = s:match("^([%w_%-]+)%s*=%s*(.-)$")
      if not key then return not_a_pair(path, n, s) end
      v = unquote(v)
      if not current then
        if key ~= "default" then
          if not quotable(key) then return unknown_key(path, n, key) end
          return bad(path, n, ("'%s' outside a profile"):format(key),
            "only 'default = NAME' comes before the first [profile NAME]")
        end
        doc.default, doc.default_line = v, n
      else
        local target = KEYS[key]
        if not target then return unknown_key(path, n, key) end
        current[target] = v
        if SECRET[key] and not doc.clear_secret and v:gsub(PLACEHOLDER, ""):match("%S") then
          doc.clear_secret = { profile = doc.order[#doc.order], key = key, line = n }
        end
      end
    end
  end
  if doc.default and not doc.profiles[doc.default] then
    -- the value is not quoted (values never are); the line says where it is
    local near = args.nearest(doc.default, doc.order)
    return bad(path, doc.default_line, "the default profile is not defined",
      near and ("did you mean " .. near .. "?")
        or (#doc.order > 0 and ("the profiles are " .. table.concat(doc.order, ", ")) or "add [profile NAME]"))
  end
  if not doc.default and doc.profiles.default then doc.default = "default" end
  return doc
end

--- See the file comment.
function M.read(path)
  path = path or M.path()
  local st, _, code = sys.stat(path)
  if not st then
    if code == "ENOENT" or code == "ENOTDIR" then return { path = path, profiles = {}, order = {}, missing = true } end
    return nil, errors.usage(("cannot read the config file %s (%s)"):format(path, tostring(code)))
  end
  if st.type ~= "file" then return nil, errors.usage(("the config file %s is not a regular file"):format(path)) end
  local f, why = io.open(path, "r")
  if not f then return nil, errors.usage("cannot read the config file: " .. tostring(why)) end
  local text = f:read("a")
  f:close()
  local doc, err = M.parse(text, path)
  if not doc then return nil, err end
  local c = doc.clear_secret
  if c and st.mode & tonumber("044", 8) ~= 0 then
    return nil, errors.new {
      code = "UNSAFE_CONFIG_FILE", exit = errors.EXIT.USAGE,
      message = ("the config file %s holds a %s in clear text (line %d, profile %s) and has mode %03o:"
        .. " others may read it"):format(path, c.key, c.line, c.profile, st.mode),
      hint = ("chmod 600 %s, or move the secret to the secrets file and write %s = {{secrets.NAME}}")
        :format(path, c.key),
    }
  end
  return doc
end

local cache = {}

-- The settings a profile gives, copied (without the private _line).
local function settings_of(p)
  local out = {}
  for _, key in pairs(KEYS) do out[key] = p[key] end
  return out
end

--- See the file comment.
function M.lookup(name, getenv)
  local path = M.path(getenv)
  local doc, err = cache[path], nil
  if not doc then
    doc, err = M.read(path)
    if not doc then return nil, err end
    cache[path] = doc
  end
  if name == nil then
    if not doc.default then return nil end
    name = doc.default
  end
  local p = doc.profiles[name]
  if not p then
    if doc.missing then
      return nil, errors.usage(("no profile '%s': there is no config file %s"):format(name, path),
        "see 'luaforce help login' for its format")
    end
    local near = args.nearest(name, doc.order)
    return nil, errors.usage(("no profile '%s' in %s"):format(name, path),
      near and ("did you mean " .. near .. "?")
        or (#doc.order > 0 and ("the profiles are " .. table.concat(doc.order, ", ")) or "the file has no profiles"))
  end
  return settings_of(p), name, path
end

--- Forgets what was read (tests that rewrite the file).
function M.clear()
  cache = {}
end

return M
