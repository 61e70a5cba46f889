--- luaforce.cli.repl_history: the REPL's history file, without secrets.
--
--   local h = repl_history.open { path = nil | FILE, getenv = os.getenv }
--   h.lines            the entries read at start (oldest first), for the editor
--   h:add(line)        appends an entry unless it may hold a secret; returns
--                      true when written
--   h.path, h.off      the file; why history is off (a message) or nil
--   repl_history.is_secret(line, known) -> boolean
--   repl_history.path(getenv) -> the default file, or nil
--
-- The file is $XDG_STATE_HOME/luaforce/history (else
-- ~/.local/state/luaforce/history): one entry per line, plain text, created
-- with mode 0600 from the start in directories created 0700, then appended
-- to a line at a time (sys.append: one write on O_APPEND), so two REPLs at
-- once both keep theirs.
-- A file that others may read is not used (history is off, with a
-- warning saying how to fix it): it might hold what it should not. When it
-- grows past twice MAX entries, the newest MAX replace it atomically
-- (sys.write_file: a temporary file, also 0600, renamed over it).
--
-- A line is never written (it is dropped, not redacted: a line with a hole
-- in it is no use to recall) when it may carry a secret: it names one
-- (token, secret, password, passwd, authorization, bearer, api key,
-- credential, private key, session id), holds something shaped like a
-- Salesforce access token (00D...!...), or holds a secret the process
-- knows, whole or any 16 consecutive characters of it (the random part of
-- a token after its `!`, a slice of a client secret): the values
-- luaforce.http masks (every token and client secret in use, registered as
-- they are obtained, also after a `.connect` or `sf.connect`) and `known`.
local secret_set = require "luaforce.http.secret_set"

local M = {}

M.MAX = 1000

local WORDS = {
  "token", "secret", "password", "passwd", "authoriz", "bearer", "api[_%-]?key", "credential",
  "private[_%-]?key", "session[_%-]?id",
}

--- See the file comment.
function M.is_secret(line, known)
  local low = line:lower()
  for _, w in ipairs(WORDS) do
    if low:find(w) then return true end
  end
  if line:find("00D%w+![%w%._]+") then return true end
  if require("luaforce.http").holds_secret(line) then return true end
  local set = secret_set.new()
  for _, v in ipairs(known or {}) do set:add(v) end
  return set:found_in(line)
end

--- See the file comment.
function M.path(getenv)
  local dir = require("luaforce.cli.config").state_dir(getenv)
  return dir and dir .. "/history"
end

local History = {}
History.__index = History

local function read_lines(path)
  local f = io.open(path, "r")
  if not f then return {} end
  local lines = {}
  for line in f:lines() do
    if line ~= "" then lines[#lines + 1] = line end
  end
  f:close()
  return lines
end

-- Keeps the newest MAX entries: a new file (0600) renamed over the old.
local function compact(sys, path, lines)
  local keep = {}
  for i = math.max(1, #lines - M.MAX + 1), #lines do keep[#keep + 1] = lines[i] end
  if sys.write_file(path, table.concat(keep, "\n") .. "\n", 384) then return keep end -- 0600
  return lines
end

--- See the file comment.
function M.open(opts)
  opts = opts or {}
  local h = setmetatable({ lines = {}, known = opts.known or {} }, History)
  h.sys = require "luaforce.core.sys"
  local sys = h.sys
  h.path = opts.path or M.path(opts.getenv)
  if not h.path then
    h.off = "neither XDG_STATE_HOME nor HOME is set"
    return h
  end
  local st = sys.stat(h.path)
  if st then
    if st.type ~= "file" then
      h.off = ("the history file %s is not a file"):format(h.path)
      return h
    end
    if st.mode & 63 ~= 0 then -- 077: group or others may read or write it
      h.off = ("the history file %s may be read by others (mode %03o); run: chmod 600 %s"):format(
        h.path, st.mode, h.path)
      return h
    end
    h.lines = read_lines(h.path)
    if #h.lines > 2 * M.MAX then h.lines = compact(sys, h.path, h.lines) end
  end
  return h
end

--- See the file comment.
function History:add(line)
  if self.off or line:match("^%s*$") then return false end
  if M.is_secret(line, self.known) then return false end
  local sys = self.sys
  local ok, err = true, nil
  if not self.ready then
    ok, err = sys.mkdirs(self.path:match("^(.*)/[^/]*$") or ".", 448) -- 0700
    self.ready = ok
  end
  -- one write(2) on O_APPEND, the file created 0600 if it is not there
  -- (also when it was removed while the REPL ran)
  if ok then ok, err = sys.append(self.path, line .. "\n", 384) end
  if not ok then
    self.off = "cannot write the history file: " .. tostring(err)
    return false
  end
  return true
end

return M
