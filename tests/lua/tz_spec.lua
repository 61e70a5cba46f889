-- luaforce.tz: zones from the system's tzdata (TZif files), offsets at an
-- instant, and wall times resolved the way java.time.ZonedDateTime does.
-- Expected instants are written as UTC times (epoch seconds in the comment's
-- UTC wall time); they were checked against Python's zoneinfo, an
-- independent reader of the same tzdata.
local tz = require "luaforce.tz"
local errors = require "luaforce.errors"

local function zone(name)
  local z, err = tz.zone(name)
  assert(z, tostring(err))
  return z
end

describe("luaforce.tz", function()
  describe("offset_at_utc", function()
    -- { zone, epoch (UTC time), offset, abbreviation, is_dst }
    local rows = {
      { "Europe/Berlin", 1711846799, 3600, "CET", false },  -- 2024-03-31T00:59:59Z, just before
      { "Europe/Berlin", 1711846800, 7200, "CEST", true },         -- 2024-03-31T01:00:00Z, DST begins
      { "Europe/Berlin", 1729990799, 7200, "CEST", true },         -- 2024-10-27T00:59:59Z
      { "Europe/Berlin", 1729990800, 3600, "CET", false },         -- 2024-10-27T01:00:00Z, DST ends
      { "America/New_York", 1710053999, -18000, "EST", false },    -- 2024-03-10T06:59:59Z
      { "America/New_York", 1710054000, -14400, "EDT", true },     -- 2024-03-10T07:00:00Z
      { "America/New_York", 1720108800, -14400, "EDT", true },     -- 2024-07-04T16:00:00Z
      { "UTC", 1720108800, 0, "UTC", false },
      { "Etc/GMT+5", 1720108800, -18000, "-05", false },           -- POSIX-style sign: GMT+5 is UTC-5
      { "Asia/Kolkata", 1704047400, 19800, "IST", false },         -- +05:30, no DST
      -- Lord Howe Island: DST is 30 minutes (+10:30 -> +11)
      { "Australia/Lord_Howe", 1728142199, 37800, "+1030", false }, -- 2024-10-05T15:29:59Z
      { "Australia/Lord_Howe", 1728142200, 39600, "+11", true },    -- 2024-10-05T15:30:00Z
      { "Australia/Lord_Howe", 1743865199, 39600, "+11", true },    -- 2025-04-05T14:59:59Z
      { "Australia/Lord_Howe", 1743865200, 37800, "+1030", false }, -- 2025-04-05T15:00:00Z
      -- past the transition table (tzdata's ends in 2037): the footer rule
      { "Europe/Berlin", 4118119200, 7200, "CEST", true },          -- 2100-07-01T10:00:00Z
      { "Europe/Berlin", 10428091200, 7200, "CEST", true },         -- 2300-06-15T12:00:00Z
      { "America/New_York", 10428091200, -14400, "EDT", true },     -- 2300-06-15T12:00:00Z
      { "Australia/Lord_Howe", 4102448400, 39600, "+11", true },    -- 2100-01-01T01:00:00Z
      -- before 1970
      { "America/New_York", -315619200, -18000, "EST", false },     -- 1960-01-01T00:00:00Z
      { "America/New_York", -1633280400, -14400, "EDT", true },     -- 1918-03-31T07:00:00Z, first US DST
      { "Europe/Berlin", -2208988800, 3600, "CET", false },         -- 1900-01-01T00:00:00Z
      { "Asia/Kolkata", -900000000, 19800, "IST", false },          -- 1941-06-25
    }
    for _, r in ipairs(rows) do
      it(("%s at %d -> %d %s"):format(r[1], r[2], r[3], r[4]), function()
        local off, abbr, dst = zone(r[1]):offset_at_utc(r[2])
        assert.are.same({ r[3], r[4], r[5] }, { off, abbr, dst })
      end)
    end

    it("floors fractional seconds", function()
      assert.are.equal(3600, (zone("Europe/Berlin"):offset_at_utc(1711846799.9)))
      assert.are.equal(7200, (zone("Europe/Berlin"):offset_at_utc(1711846800.0)))
    end)

    it("answers within 10^17 seconds of 1970 and refuses integers beyond, as floats", function()
      -- found by fuzzing: math.maxinteger overflowed the rule's arithmetic
      -- (undefined behaviour in C) instead of being refused
      local z = zone("Europe/Berlin")
      assert.are.equal(3208, (z:offset_at_utc(-99999999999999999))) -- LMT
      assert.is_number((z:offset_at_utc(99999999999999999)))
      for _, e in ipairs { math.maxinteger, math.mininteger, 100000000000000000, -100000000000000000, 1e17 } do
        local ok, err = pcall(z.offset_at_utc, z, e)
        assert.is_false(ok, tostring(e))
        assert.matches("epoch seconds out of range", err)
      end
    end)
  end)

  describe("resolve_local (java.time.ZonedDateTime rules)", function()
    -- { zone, {y, m, d, hh, mi, ss}, epoch, offset, kind }
    local rows = {
      -- 02:30 does not exist in Berlin on 2024-03-31: Java moves it forward
      -- by the gap (1 hour) to 03:30 CEST = 01:30Z
      { "Europe/Berlin", { 2024, 3, 31, 2, 30, 0 }, 1711848600, 7200, "gap" },
      -- 02:30 happens twice on 2024-10-27: Java keeps the earlier offset
      -- (CEST, +02:00) = 00:30Z
      { "Europe/Berlin", { 2024, 10, 27, 2, 30, 0 }, 1729989000, 7200, "overlap" },
      { "Europe/Berlin", { 2024, 10, 27, 3, 30, 0 }, 1729996200, 3600, "unique" },
      { "Europe/Berlin", { 2024, 7, 4, 18, 0, 0 }, 1720108800, 7200, "unique" },
      { "America/New_York", { 2024, 3, 10, 2, 30, 0 }, 1710055800, -14400, "gap" },       -- 03:30 EDT
      { "America/New_York", { 2024, 11, 3, 1, 30, 0 }, 1730611800, -14400, "overlap" },   -- EDT wins
      { "America/New_York", { 1960, 6, 1, 12, 0, 0 }, -302428800, -14400, "unique" },
      { "UTC", { 2024, 1, 1, 0, 0, 0 }, 1704067200, 0, "unique" },
      { "Asia/Kolkata", { 2024, 1, 1, 0, 0, 0 }, 1704047400, 19800, "unique" },
      -- Lord Howe: the gap and the overlap are 30 minutes long
      { "Australia/Lord_Howe", { 2024, 10, 6, 2, 15, 0 }, 1728143100, 39600, "gap" },      -- 02:45 +11
      { "Australia/Lord_Howe", { 2024, 10, 6, 2, 30, 0 }, 1728142200, 39600, "unique" },   -- 15:30Z
      { "Australia/Lord_Howe", { 2025, 4, 6, 1, 45, 0 }, 1743864300, 39600, "overlap" },
      -- far future (footer rule) and the past
      { "Europe/Berlin", { 2100, 3, 28, 2, 30, 0 }, 4109880600, 7200, "gap" },
      { "Europe/Berlin", { 2100, 7, 1, 12, 0, 0 }, 4118119200, 7200, "unique" },
      { "Europe/Berlin", { 1950, 7, 1, 12, 0, 0 }, -615474000, 3600, "unique" },
    }
    for _, r in ipairs(rows) do
      it(("%s %04d-%02d-%02dT%02d:%02d:%02d"):format(r[1], table.unpack(r[2])), function()
        local epoch, off, kind = zone(r[1]):resolve_local(table.unpack(r[2]))
        assert.are.same({ r[3], r[4], r[5] }, { epoch, off, kind })
      end)
    end

    it("agrees with offset_at_utc for every hour of a DST year", function()
      local z = zone("Europe/Berlin")
      for t = 1704067200, 1735689600, 3600 do -- 2024, hourly
        local off = z:offset_at_utc(t)
        local l = t + off
        local days = l // 86400
        local secs = l % 86400
        -- civil date from days (an independent algorithm: walk the years)
        local y, m = 1970, 1
        local function leap(yy) return (yy % 4 == 0 and yy % 100 ~= 0) or yy % 400 == 0 end
        while days >= (leap(y) and 366 or 365) do
          days = days - (leap(y) and 366 or 365)
          y = y + 1
        end
        local mdays = { 31, leap(y) and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
        while days >= mdays[m] do
          days = days - mdays[m]
          m = m + 1
        end
        local epoch = z:resolve_local(y, m, days + 1, secs // 3600, secs % 3600 // 60, secs % 60)
        -- in the overlap hour the later instant maps back to the earlier one
        if epoch ~= t then assert.are.equal(t - 3600, epoch) end
      end
    end)

    it("raises for fields out of range (misuse)", function()
      local z = zone("UTC")
      assert.has_error(function() z:resolve_local(2024, 13, 1) end)
      assert.has_error(function() z:resolve_local(2023, 2, 29) end)
      assert.has_error(function() z:resolve_local(2024, 1, 1, 24, 0, 0) end)
      assert.are.equal(1709164800, (z:resolve_local(2024, 2, 29)))
    end)
  end)

  describe("names", function()
    -- well-formed names only: no "..", no absolute path, no "."
    local bad = {
      "../etc/passwd", "/etc/passwd", "Europe/../UTC", "Europe//Berlin", "Europe/Berlin/",
      "", ".", "..", "Europe/.Berlin", "Europe/Ber lin", "Europe\\Berlin", "UTC\0x", ("A"):rep(300),
    }
    for _, name in ipairs(bad) do
      it(("refuses %q"):format(name:sub(1, 40)), function()
        local z, err = tz.zone(name)
        assert.is_nil(z)
        assert.is_true(errors.is(err))
        assert.are.equal("INVALID_TIMEZONE", err.code)
        assert.is_false(tz.valid_name(name))
      end)
    end

    for _, name in ipairs { "Mars/Olympus_Mons", "America", "Europe/berlin" } do
      it(("reports %q as unknown"):format(name), function()
        local z, err = tz.zone(name)
        assert.is_nil(z)
        assert.are.equal("UNKNOWN_TIMEZONE", err.code)
      end)
    end

    it("accepts the usual shapes", function()
      for _, name in ipairs { "UTC", "Etc/GMT+5", "Etc/GMT-14", "America/Port-au-Prince",
                              "America/Argentina/Buenos_Aires" } do
        assert.is_true(tz.valid_name(name), name)
        assert.is_truthy(tz.zone(name), name)
      end
    end)

    it("caches zones", function()
      assert.are.equal(zone("Europe/Berlin"), zone("Europe/Berlin"))
      assert.are.equal("Europe/Berlin", zone("Europe/Berlin").name)
    end)

    it("lists the zone names", function()
      local names = assert(tz.names())
      local set = {}
      for _, n in ipairs(names) do set[n] = true end
      assert.is_true(set["Europe/Berlin"])
      assert.is_true(set["Australia/Lord_Howe"])
      assert.is_true(set["UTC"])
      assert.is_true(#names > 300)
    end)
  end)

  describe("another zoneinfo directory", function()
    local dir
    before_each(function()
      dir = os.tmpname()
      os.remove(dir)
      assert(os.execute(("mkdir -p %q/Test"):format(dir)))
      local src = assert(io.open("/usr/share/zoneinfo/Asia/Kolkata", "rb"))
      local data = src:read("a")
      src:close()
      local f = assert(io.open(dir .. "/Test/Kolkata", "wb"))
      f:write(data)
      f:close()
      f = assert(io.open(dir .. "/Test/Garbage", "wb"))
      f:write("not a zone file")
      f:close()
      f = assert(io.open(dir .. "/Test/Truncated", "wb"))
      f:write(data:sub(1, 60))
      f:close()
      -- Kolkata with other footer rules (the POSIX TZ string at the end)
      local body = assert(data:match("^(.*\n)IST%-5:30\n$"))
      for name, rule in pairs { Sixty = "IST-60", DstSixty = "IST-5:30XST-60,M3.5.0,M10.5.0/3",
                                FarTimes = "IST-5:30XST-6:30,M3.5.0/-167,M10.5.0/167" } do
        f = assert(io.open(dir .. "/Test/" .. name, "wb"))
        f:write(body, rule, "\n")
        f:close()
      end
    end)
    after_each(function()
      os.execute(("rm -rf %q"):format(dir))
      tz.dir = nil
      tz.clear_cache()
    end)

    it("reads zones from opts.dir", function()
      local z = assert(tz.zone("Test/Kolkata", { dir = dir }))
      assert.are.equal(19800, (z:offset_at_utc(0)))
      local none, err = tz.zone("Europe/Berlin", { dir = dir })
      assert.is_nil(none)
      assert.are.equal("UNKNOWN_TIMEZONE", err.code)
    end)

    it("reads zones from tz.dir", function()
      tz.dir = dir
      assert.is_truthy(tz.zone("Test/Kolkata"))
    end)

    it("reads a footer rule whose times of day reach RFC 8536's 167 hours", function()
      local z = assert(tz.zone("Test/FarTimes", { dir = dir }))
      assert.are.equal(19800, (z:offset_at_utc(0)))
      assert.are.same({ std_abbr = "IST", std_offset = 19800, dst_abbr = "XST", dst_offset = 23400 }, z:rule())
    end)

    it("reports files that are not TZif, or whose rule puts the zone 60 hours off UTC", function()
      -- found by fuzzing: such offsets broke resolve_local's bracketing
      for _, name in ipairs { "Test/Garbage", "Test/Truncated", "Test/Sixty", "Test/DstSixty" } do
        local z, err = tz.zone(name, { dir = dir })
        assert.is_nil(z)
        assert.are.equal("BAD_TIMEZONE_FILE", err.code)
      end
    end)
  end)
end)
