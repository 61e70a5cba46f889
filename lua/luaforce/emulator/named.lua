--- luaforce.emulator.named: where a named local org keeps its records
-- between commands, and the lock that lets one command at a time use them.
--
-- A named org NAME lives in the folder ROOT/NAME (the CLI's ROOT is
-- $XDG_STATE_HOME/luaforce/local), made with mode 0700:
--   state.json   its records (luaforce.emulator.snapshot), mode 0600,
--                replaced atomically (a temporary file, fsync, rename)
--   schema.json  the objects and fields it was made with (--schema), a
--                copy kept at its first use with one, mode 0600, atomically;
--                every later open uses it, so commands need no --schema
--   lock         held (flock, exclusive) by the one process using the org;
--                the kernel drops it when that process ends, however it ends
--
--   named.check_name(name) -> name | nil, err   letters, digits, '_', then
--       also '-' and '.', at most 64 characters
--   named.acquire(root, name[, opts]) -> place | nil, err
--       makes the folder, takes the lock (waiting while another process
--       holds it) and checks that a state file there can be read. place =
--       {name =, dir =, file =, lock =}; place.lock:release() lets go.
--       opts.on_wait(message): called once when the lock is busy, before
--       waiting, naming the holder ("waiting for the local org 'demo',
--       held by pid 1234 (luaforce repl --instance local:demo)");
--       opts.interrupted() -> true stops the wait (nil, err with
--       errors.interrupted). opts.argv: the holder's command line (a list,
--       argv[0] the program), noted in the lock file once it is taken
--       (--token's value masked) for the next one to name.
--   named.schema_for(place, given) -> schema file | nil, keep | nil, nil, err:
--       the schema an open uses: the org's own, or `given` (a file name, or
--       nil for the built-in one). keep: the text of `given` when the org
--       has none yet, for keep_schema once the org started with it. A
--       `given` that differs from the org's own is refused (exit 2).
--   named.keep_schema(place, text) -> true | nil, err: the org's schema.json.
--   named.reset(root, name[, opts]) -> true (it had state) | false (none)
--       | nil, err: removes the state file and kept schema under the lock.
--   named.state_error(place, message[, advice]) -> err: a state file that
--       cannot be used; advice (the way that keeps its records) comes
--       before the last resort (luaforce emulator --reset NAME).
-- Errors are luaforce errors; a bad name or an unusable state is exit 2.
local errors = require "luaforce.errors"
local sys = require "luaforce.core.sys"

local M = {}

local DIR_MODE = 448 -- 0700
local WAIT_SLICE_MS = 200

--- See the file comment.
function M.check_name(name)
  if type(name) ~= "string" or name == "" then
    return nil, errors.usage("a named local org needs a name (local:NAME)",
      "give local:NAME, NAME made of letters, digits, '-', '_' and '.'")
  end
  if #name > 64 or not name:find("^[%w_][%w_%-%.]*$") then
    return nil, errors.usage(("'%s' is not a local org name"):format(name),
      "use letters, digits, '_', and '-' or '.' after the first, at most 64 characters, as in local:demo")
  end
  return name
end

local function place_of(root, name)
  local ok, err = M.check_name(name)
  if not ok then return nil, err end
  if type(root) ~= "string" or root == "" then
    return nil, errors.usage("no folder for named local orgs: neither XDG_STATE_HOME nor HOME is set",
      "set XDG_STATE_HOME (or HOME), or use --instance local for a local org that is not kept")
  end
  local dir = root .. "/" .. name
  return { name = name, dir = dir, file = dir .. "/state.json", schema = dir .. "/schema.json" }
end

--- See the file comment.
function M.state_error(place, message, advice)
  local reset = ("'luaforce emulator --reset %s' starts it again from the demo org (its records are lost)")
    :format(place.name)
  return errors.new { code = "LOCAL_ORG_STATE", exit = errors.EXIT.USAGE,
    message = ("the local org '%s' cannot be used: %s"):format(place.name, message),
    hint = advice and advice .. "; as a last resort " .. reset or reset }
end

local function read_all(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

--- See the file comment.
function M.schema_for(place, given)
  local own = sys.stat(place.schema) and read_all(place.schema)
  if not given then return own and place.schema or nil end
  local text = read_all(given)
  if not text then return given end -- the org's start names the unreadable file
  if not own then return given, text end
  if own ~= text then
    return nil, nil, errors.new { code = "LOCAL_ORG_SCHEMA", exit = errors.EXIT.USAGE,
      message = ("the local org '%s' keeps the schema it was made with (%s), and --schema %s differs from it")
        :format(place.name, place.schema, given),
      hint = ("leave out --schema to use the org's own; to change it, copy the file over %s, or serve "
        .. "another name (--name OTHER)"):format(place.schema) }
  end
  return place.schema
end

--- See the file comment.
function M.keep_schema(place, text)
  local ok, err = sys.write_file(place.schema, text, 384) -- 0600
  if not ok then
    return nil, errors.new { code = "LOCAL_ORG_STATE", exit = errors.EXIT.API,
      message = ("cannot keep the schema of the local org '%s': %s"):format(place.name, tostring(err)),
      hint = "check the free space and permissions of " .. place.dir }
  end
  return true
end

-- The holder's command line for the lock file: one line, a token masked,
-- an argument with spaces quoted, at most 200 characters.
local function holder_text(argv)
  local words, mask = { "luaforce" }, false
  for i = 1, #(argv or {}) do
    local a = tostring(argv[i]):gsub("%c", " ")
    if mask then a = "***" end
    mask = a == "--token"
    a = a:gsub("^(%-%-token=).*", "%1***")
    if a == "" or a:find("[%s'\"]") then a = "'" .. a:gsub("'", "'\\''") .. "'" end
    words[#words + 1] = a
  end
  local text = table.concat(words, " ")
  if #text > 200 then text = text:sub(1, 197) .. "..." end
  return text
end

-- The waiting line: who holds the org, from the lock file's note.
local function wait_message(place)
  local note = read_all(place.dir .. "/lock") or ""
  local pid, cmd = note:match("^(%d+) ([^\n]*)")
  if pid then
    return ("waiting for the local org '%s', held by pid %s (%s)"):format(place.name, pid, cmd)
  end
  return ("waiting for the local org '%s': another luaforce command is using it"):format(place.name)
end

local function lock_place(place, opts)
  local ok, merr = sys.mkdirs(place.dir, DIR_MODE)
  if not ok then
    return nil, errors.new { code = "LOCAL_ORG_STATE", exit = errors.EXIT.USAGE,
      message = "cannot make the local org's folder: " .. tostring(merr),
      hint = "check the permissions of XDG_STATE_HOME (or ~/.local/state)" }
  end
  local lock, lerr, code = sys.lock(place.dir .. "/lock", 0)
  if not lock and code == "EBUSY" then
    if opts.on_wait then opts.on_wait(wait_message(place)) end
    repeat
      if opts.interrupted and opts.interrupted() then return nil, errors.interrupted end
      lock, lerr, code = sys.lock(place.dir .. "/lock", WAIT_SLICE_MS)
    until lock or code ~= "EBUSY"
  end
  if not lock then
    return nil, errors.new { code = "LOCAL_ORG_STATE", exit = errors.EXIT.USAGE,
      message = "cannot lock the local org: " .. tostring(lerr),
      hint = "check the permissions of " .. place.dir }
  end
  place.lock = lock
  lock:note(holder_text(opts.argv)) -- only for a waiter's message: a failure changes nothing
  return place
end

--- See the file comment.
function M.acquire(root, name, opts)
  local place, err = place_of(root, name)
  if not place then return nil, err end
  place, err = lock_place(place, opts or {})
  if not place then return nil, err end
  local st = sys.stat(place.file)
  if st then
    local f, oerr = io.open(place.file, "rb")
    if st.type ~= "file" or not f then
      place.lock:release()
      return nil, M.state_error(place, ("the state file %s cannot be read: %s")
        :format(place.file, oerr or "not a regular file"))
    end
    f:close()
  end
  return place
end

--- See the file comment.
function M.reset(root, name, opts)
  local place, err = place_of(root, name)
  if not place then return nil, err end
  if not sys.stat(place.dir) then return false end
  place, err = lock_place(place, opts or {})
  if not place then return nil, err end
  local had = sys.stat(place.file) ~= nil
  local ok, rerr = true, nil
  if had then ok, rerr = os.remove(place.file) end
  if ok and sys.stat(place.schema) then ok, rerr = os.remove(place.schema) end
  place.lock:release()
  if not ok then
    return nil, errors.new { code = "LOCAL_ORG_STATE", exit = errors.EXIT.USAGE,
      message = "cannot remove the local org's state: " .. tostring(rerr), hint = "check the permissions of " .. place.dir }
  end
  return had
end

return M
