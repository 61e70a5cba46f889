-- luaforce.cli.progress: the text of the bar, and when a bar draws on its
-- stream (a fake clock and a buffer: no terminal, no waiting). The bar on
-- a real terminal is tests/e2e/cli_query_spec.lua's.
local progress = require "luaforce.cli.progress"
local cli_run = require "support.cli_run"

describe("progress.line", function()
  local rows = {
    -- label, count, total, elapsed ms, width, unit -> the line
    { { "query", 0, nil, 0, 80 }, "query 0" },
    { { nil, 1234567, nil, 100, 80 }, "1,234,567" },
    { { "query", 4200, 10000, 1000, 80, "records" },
      "query [##########...............] 4,200/10,000 records   42%  4,200/s  ETA 0:01" },
    { { "q", 10, 10, 2000, 80 }, "q [" .. ("#"):rep(30) .. "] 10/10  100%  5/s" },
    { { "q", 15, 10, 0, 80 }, "q [" .. ("#"):rep(30) .. "] 15/10  100%" },
    { { "q", 1, 10000, 1000, 80 }, "q [" .. ("."):rep(30) .. "] 1/10,000    0%  1/s  ETA 2:46:39" },
    { { "q", 500, 1000, 499, 80 }, "q [###############...............] 500/1,000   50%  ETA 0:00" },
    { { "q", 0, 0, 0, 80 }, "q 0/0" },
    { { "query", 4200, 10000, 1000, 30, "records" }, "query 4,200/10,000 records   " },
  }
  for _, r in ipairs(rows) do
    it(("%q"):format(r[2]), function()
      local line = progress.line(table.unpack(r[1], 1, 6))
      assert.equal(r[2], line)
      assert.is_true(#line <= r[1][5] - 1)
    end)
  end

  it("never draws a bar too short to read", function()
    for width = 20, 60 do
      local line = progress.line("query", 42, 100, 1000, width, "records")
      local bar = line:match("%[([#.]*)%]")
      assert.is_true(bar == nil or #bar >= 5, line)
      assert.is_true(#line < width, line)
    end
  end)

  it("groups thousands", function()
    assert.equal("0", progress.grouped(0))
    assert.equal("999", progress.grouped(999))
    assert.equal("1,000", progress.grouped(1000))
    assert.equal("12,345,678", progress.grouped(12345678.9))
  end)
end)

describe("a progress bar", function()
  local now, buf
  local function clock() return now end
  local function draws() return select(2, buf.text():gsub("\r", "")) end
  before_each(function()
    now, buf = 1000, cli_run.buffer()
  end)

  it("draws nothing on a stream that is not a terminal, unless forced", function()
    local bar = progress.new({}, { stream = buf, clock = clock })
    bar:update(5, 10)
    bar:finish()
    assert.equal("", buf.text())
  end)

  it("draws nothing under --quiet, even forced", function()
    local bar = progress.new({ quiet = true }, { stream = buf, force = true, clock = clock })
    bar:update(5, 10)
    bar:clear()
    assert.equal("", buf.text())
  end)

  it("draws the line over itself: carriage return, the text, erase to the end", function()
    local bar = progress.new({}, { label = "query", unit = "records", stream = buf, force = true, clock = clock })
    now = now + 2000
    bar:update(3, 10)
    assert.equal("\r" .. progress.line("query", 3, 10, 2000, bar:width(), "records") .. "\27[K", buf.text())
  end)

  it("redraws at most every INTERVAL_MS however fast the updates come", function()
    local bar = progress.new({}, { stream = buf, force = true, clock = clock })
    for n = 1, 1000 do
      bar:update(n)
      now = now + 1
    end
    assert.equal(1000 // progress.INTERVAL_MS, draws())
  end)

  it("keeps a total given once and shows the count it was last given", function()
    local bar = progress.new({}, { stream = buf, force = true, clock = clock, total = 50 })
    bar:update(1, 10)
    now = now + progress.INTERVAL_MS
    bar:update(7)
    assert.matches("7/10 .*\27%[K$", buf.text())
  end)

  it("clears the line for a warning and draws again at the next update", function()
    local bar = progress.new({}, { stream = buf, force = true, clock = clock })
    bar:clear() -- nothing drawn yet: nothing to clear
    assert.equal("", buf.text())
    bar:update(1)
    bar:clear()
    assert.matches("\27%[K\r\27%[K$", buf.text())
    bar:clear()
    assert.equal(2, draws())
    bar:update(2) -- at once, though no time has passed
    assert.equal(3, draws())
  end)

  it("leaves a clean line when finished and draws no more", function()
    local bar = progress.new({}, { stream = buf, force = true, clock = clock })
    bar:update(1)
    bar:finish()
    local text = buf.text()
    assert.matches("\r\27%[K$", text)
    now = now + 10 * progress.INTERVAL_MS
    bar:update(2)
    bar:finish()
    assert.equal(text, buf.text())
  end)
end)
