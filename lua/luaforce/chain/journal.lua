--- luaforce.chain.journal: the state file a chain keeps while it runs, so
-- that a run cut short (Ctrl-C, a crash, a failure) resumes without sending
-- a finished write again.
--
-- The file (mode 0600: records are the org's data) holds one JSON object a
-- line:
--   {"chain": 1, "fingerprint": "...", "steps": N}        the first line
--   {"send": [keys], "steps": [k, ...]}   before a write goes out (synced to
--                                         disk before the request is sent)
--   {"key": k, "through": step, "vars": {...}}   the item finished its steps
--                                         up to `step` (its variables after it)
--   {"key": k, "state": "done"|"failed"|"stopped"|"unknown"|"filtered",
--    "at": step, "vars": {...}, "error": {code, message, exit}, "applied": true}
--                                         where the item ended (for a failed
--                                         one, its variables before `at`;
--                                         `applied`: the step's write was
--                                         applied all the same, as when its
--                                         result expression failed)
-- A key sent and never settled afterwards had its answer lost: unknown.
-- A last line a crash cut short is no entry: resume drops it from the file
-- (rewritten atomically) before appending, so the file stays readable.
--
-- journal.create(path, fingerprint, nsteps) -> j | nil, err   (a new file;
--   an existing one is refused: resume it, or remove it)
-- journal.resume(path, fingerprint) -> j, previous | nil, err
--   previous[key] = {state =, at =, vars =, error =, through =,
--   through_vars =, novars =, pending = {step indexes}}: where the item
--   ended, the last step whose writes it finished and its variables then,
--   and the steps sent without an answer; a file of another chain (its
--   steps differ) is refused.
-- journal.read(path, fingerprint) -> previous | nil, err   (the same,
--   without writing to the file: what a dry run of a resume reads)
-- j:intent(step_indexes, keys)   j:settle(key, entry)   j:close()
local errors = require "luaforce.errors"
local json = require "luaforce.json"
local sys = require "luaforce.core.sys"

local M = {}

local Journal = {}
Journal.__index = Journal

local function bad(message, hint)
  return errors.new { code = "CHAIN_STATE", exit = errors.EXIT.USAGE, message = message, hint = hint }
end

local function open_append(path)
  local f, err = io.open(path, "a")
  if not f then return nil, bad(("cannot write the chain's state file: %s"):format(err)) end
  return setmetatable({ path = path, file = f }, Journal)
end

--- See the file comment.
function M.create(path, fingerprint, nsteps)
  local head = json.encode(json.object({ chain = 1, fingerprint = fingerprint, steps = nsteps },
    { "chain", "fingerprint", "steps" }))
  local ok, err, code = sys.write_new(path, head .. "\n", 384)
  if not ok then
    if code == "EEXIST" then
      return nil, bad(("the state file %s exists already"):format(path),
        "resume that run (--resume / run{resume = true}) or remove the file")
    end
    return nil, bad(("cannot create the chain's state file: %s"):format(err))
  end
  return open_append(path)
end

local function pack_error(e)
  if e == nil then return nil end
  return json.object({ code = e.code, message = e.message, exit = e.exit }, { "code", "message", "exit" })
end

-- The file read: previous (as resume gives it), its text and how many
-- bytes of it are whole entries; or nil, err.
local function load(path, fingerprint)
  local f, oerr = io.open(path, "r")
  if not f then return nil, bad(("cannot read the state file to resume: %s"):format(oerr)) end
  local text = f:read("a") or ""
  f:close()
  local previous, n, kept = {}, 0, 0
  for line, nl in text:gmatch("([^\n]*)(\n?)") do
    if line == "" and nl == "" then break end
    n = n + 1
    local e = json.decode(line)
    if type(e) ~= "table" then
      -- a last line cut short by a crash is no entry; anything else is damage
      if text:find("%S", kept + #line + #nl + 1) then
        return nil, bad(("%s line %d is not a chain state entry"):format(path, n))
      end
      break
    end
    kept = kept + #line + #nl
    if n == 1 then
      if e.chain ~= 1 then
        return nil, bad(("%s is not a luaforce chain state file"):format(path))
      end
      if e.fingerprint ~= fingerprint then
        return nil, bad(("%s belongs to another chain (its steps differ from this one's)"):format(path),
          "resume with the chain that wrote it, or start afresh with a new state file")
      end
    elseif e.send then
      for _, k in ipairs(e.send) do
        local p = previous[k] or {}
        previous[k] = p
        p.pending = e.steps
      end
    elseif e.key then
      local p = previous[e.key] or {}
      previous[e.key] = p
      p.pending = nil
      if e.through then
        p.through, p.through_vars, p.novars = e.through, e.vars, e.novars
      else
        p.state, p.at, p.vars, p.error, p.applied = e.state, e.at, e.vars, e.error, e.applied
      end
    end
  end
  if kept == 0 and not text:find("%S") then return nil, bad(("%s is empty: not a chain state file"):format(path)) end
  if kept == 0 then return nil, bad(("%s is not a luaforce chain state file"):format(path)) end
  return previous, text, kept
end

--- See the file comment.
function M.read(path, fingerprint)
  local previous, err = load(path, fingerprint)
  return previous, err
end

--- See the file comment.
function M.resume(path, fingerprint)
  local previous, text, kept = load(path, fingerprint)
  if not previous then return nil, text end
  local whole = text:sub(1, kept)
  if whole:sub(-1) ~= "\n" then whole = whole .. "\n" end
  if whole ~= text then
    -- what a crash cut short goes, so that the entries appended now start
    -- on a line of their own (atomically: the file stays whole meanwhile)
    local ok, werr = sys.write_file(path, whole, 384)
    if not ok then return nil, bad(("cannot repair the state file %s: %s"):format(path, tostring(werr))) end
  end
  local j, err = open_append(path)
  if not j then return nil, err end
  return j, previous
end

local function write(self, entry, sync)
  local text, jerr = json.encode(entry)
  if not text then
    -- variables JSON cannot hold: kept without them (the item then cannot
    -- resume in the middle, and says so)
    entry.vars = nil
    entry.novars = true
    text = assert(json.encode(entry), jerr and jerr.message)
  end
  local ok, err = self.file:write(text, "\n")
  if ok then ok, err = self.file:flush() end
  if ok and sync then ok, err = sys.fsync(self.file) end
  if not ok then
    error(bad(("cannot write the chain's state file %s: %s"):format(self.path, tostring(err)),
      "nothing more is sent while the state cannot be kept"), 0)
  end
end

--- Before a write goes out: its items and steps, on disk first.
function Journal:intent(steps, keys)
  write(self, json.object({ send = json.array(keys), steps = json.array(steps) }, { "send", "steps" }), true)
end

--- Where an item stands: {through =, vars =} or {state =, at =, vars =, error =}.
function Journal:settle(key, e)
  local keys = { "key" }
  local t = { key = key }
  if e.through then
    t.through, t.vars = e.through, e.vars
    keys[2], keys[3] = "through", "vars"
  else
    t.state, t.at, t.vars, t.error, t.applied = e.state, e.at, e.vars, pack_error(e.error), e.applied
    keys[2], keys[3], keys[4], keys[5], keys[6] = "state", "at", "vars", "error", "applied"
  end
  write(self, json.object(t, keys), false)
end

function Journal:close()
  if self.file then
    pcall(sys.fsync, self.file)
    self.file:close()
    self.file = nil
  end
end

return M
