--- luaforce.tz: time zones from the system's tzdata, without touching TZ.
--
-- FEEL date-times may carry a zone (`@"2024-03-31T02:30@Europe/Berlin"`).
-- luaforce.core.tz reads the zone's TZif file (the transition table and the
-- POSIX rule that continues it past 2037) into plain data owned by this Lua
-- state: nothing sets the TZ environment variable or calls localtime, so
-- server threads can use zones at the same time.
--
--     local tz = require "luaforce.tz"
--     local berlin = assert(tz.zone("Europe/Berlin"))
--     berlin:offset_at_utc(1711846800)          --> 7200, "CEST", true
--     berlin:resolve_local(2024, 3, 31, 2, 30, 0)
--       --> 1711848600, 7200, "gap"   (02:30 does not exist: 03:30 CEST)
--
-- tz.zone(name[, opts]) -> zone | nil, err
--   `name` is a tzdata name ("Europe/Berlin", "UTC", "Etc/GMT+5"): segments
--   of letters, digits, "_", "+", "-" joined by "/". Anything else (an
--   absolute path, "..", a ".") is refused with code INVALID_TIMEZONE; a
--   well-formed name without a zone file gives UNKNOWN_TIMEZONE. Zones are
--   cached per directory and name. opts.dir overrides the directory, which
--   is otherwise tz.dir if set, else $TZDIR, else /usr/share/zoneinfo.
-- zone:offset_at_utc(epoch_seconds) -> offset seconds east of UTC,
--   abbreviation, is_dst
-- zone:resolve_local(year, month, day[, hour, minute, second]) -> epoch
--   seconds, offset, kind: the instant of a wall-clock time, by
--   java.time.ZonedDateTime's rules: in a gap (spring forward) the time moves
--   forward by the gap's length (kind "gap"); in an overlap (fall back) the
--   earlier offset wins (kind "overlap"); otherwise kind "unique". Fields out
--   of range (month 13, February 30) raise.
-- zone.name — the name it was loaded by.
-- tz.names([opts]) -> sorted list of zone and link names (from tzdata.zi)
--   | nil, err.
-- tz.valid_name(name) -> boolean (the syntax check alone).
require "luaforce.core" -- registers luaforce.core.* in package.preload under a stock lua5.4
local core = require "luaforce.core.tz"
local errors = require "luaforce.errors"

local M = {}

M.DEFAULT_DIR = "/usr/share/zoneinfo"
M.dir = nil -- set to use another zoneinfo directory for every lookup

local CODES = {
  INVALID_NAME = "INVALID_TIMEZONE", UNKNOWN_ZONE = "UNKNOWN_TIMEZONE", BAD_FILE = "BAD_TIMEZONE_FILE",
}

local function directory(opts)
  return (opts and opts.dir) or M.dir or os.getenv("TZDIR") or M.DEFAULT_DIR
end

local Zone = {}
Zone.__index = Zone
Zone.__name = "luaforce.tz.Zone"

function Zone:__tostring() return "zone " .. self.name end

function Zone:offset_at_utc(epoch)
  return self.raw:offset_at_utc(epoch)
end

function Zone:resolve_local(y, m, d, hh, mi, ss)
  return self.raw:resolve_local(y, m, d, hh or 0, mi or 0, ss or 0)
end

--- The footer's POSIX rule fields (std/dst abbreviations and offsets), or nil.
function Zone:rule()
  return self.raw:rule()
end

local cache = {}

function M.zone(name, opts)
  if type(name) ~= "string" then error("tz.zone: name must be a string", 2) end
  local dir = directory(opts)
  local key = dir .. "\0" .. name
  local z = cache[key]
  if z then return z end
  local raw, msg, code = core.load(name, dir)
  if not raw then
    return nil, errors.new { code = CODES[code] or "BAD_TIMEZONE_FILE", message = msg, zone = name,
                             exit = errors.EXIT.USAGE }
  end
  z = setmetatable({ raw = raw, name = name }, Zone)
  cache[key] = z
  return z
end

function M.valid_name(name)
  return type(name) == "string" and core.valid_name(name)
end

--- Drops the cached zones (after tzdata changed, or in tests).
function M.clear_cache()
  cache = {}
end

function M.names(opts)
  local path = directory(opts) .. "/tzdata.zi"
  local f, err = io.open(path)
  if not f then
    return nil, errors.new { code = "UNKNOWN_TIMEZONE", message = "cannot list time zones: " .. err,
                             exit = errors.EXIT.USAGE }
  end
  -- "Z name ..." declares a zone, "L target name" a link (an alias)
  local names = {}
  for line in f:lines() do
    local zname = line:match("^Z (%S+)")
    local lname = line:match("^L %S+ (%S+)")
    if zname or lname then names[#names + 1] = zname or lname end
  end
  f:close()
  table.sort(names)
  return names
end

return M
