--- luaforce.cli.progress: a progress bar on standard error.
--
--   local bar = progress.new(ctx, { label = "query" })
--   for rec, n in it do ...; bar:update(n, it.total) end
--   bar:finish()
--
-- progress.new(ctx, opts) -> bar. The bar draws only when standard error
-- is a terminal and ctx.quiet is not set; otherwise every method does
-- nothing, so pipes, files and CI logs get no control characters. opts:
--   label     a word in front of the bar ("query")
--   total     the expected count, when known (update can set it later)
--   unit      what is counted ("records")
--   stream    the file to draw on (default io.stderr; tests)
--   force     true: draw even when the stream is not a terminal (tests)
--   clock     a function returning milliseconds (default sys.monotonic_ms)
-- bar:update(count[, total]) redraws at most every 100 ms (about 10 times
-- a second, however fast records arrive); bar:finish() clears the line so
-- that what follows starts clean; bar:clear() erases it for a moment (to
-- print a warning), the next update draws it again.
--
-- The line: `query [#########.........] 4,200/10,000  42%  3,150/s  ETA 0:02`
-- (no bar, percentage or ETA without a total), cut to the terminal width.
local M = {}

M.INTERVAL_MS = 100

local Bar = {}
Bar.__index = Bar
Bar.__name = "luaforce.cli.Progress"

local function sys()
  return require "luaforce.core.sys"
end

-- 1234567 -> "1,234,567"
local function grouped(n)
  local s = tostring(math.floor(n))
  local out = s:reverse():gsub("(%d%d%d)", "%1,"):reverse()
  return (out:gsub("^,", ""))
end
M.grouped = grouped

local function clock_text(seconds)
  seconds = math.floor(seconds + 0.5)
  local h, m, s = seconds // 3600, seconds % 3600 // 60, seconds % 60
  if h > 0 then return ("%d:%02d:%02d"):format(h, m, s) end
  return ("%d:%02d"):format(m, s)
end

--- The text of the bar for `count` of `total` after `elapsed_ms`, at most
-- `width` characters (a pure function, for tests).
function M.line(label, count, total, elapsed_ms, width, unit)
  width = width or 80
  local rate = elapsed_ms > 0 and count * 1000 / elapsed_ms or 0
  local parts = {}
  if label then parts[#parts + 1] = label end
  local counts = total and (grouped(count) .. "/" .. grouped(total)) or grouped(count)
  if unit then counts = counts .. " " .. unit end
  local tail = { counts }
  if total and total > 0 then
    tail[#tail + 1] = ("%3d%%"):format(math.min(100, math.floor(count * 100 / total)))
  end
  if elapsed_ms >= 500 then tail[#tail + 1] = grouped(rate) .. "/s" end
  if total and rate > 0 and count < total then
    tail[#tail + 1] = "ETA " .. clock_text((total - count) / rate)
  end
  local tail_text = table.concat(tail, "  ")
  local head = table.concat(parts, " ")
  if total and total > 0 then
    local room = width - #head - #tail_text - 5
    local size = math.min(30, room)
    if size >= 5 then
      local filled = math.min(size, math.floor(size * count / total))
      head = head .. (head ~= "" and " " or "") .. "[" .. ("#"):rep(filled) .. ("."):rep(size - filled) .. "]"
    end
  end
  local text = head ~= "" and (head .. " " .. tail_text) or tail_text
  if #text > width - 1 then text = text:sub(1, width - 1) end
  return text
end

function M.new(ctx, opts)
  opts = opts or {}
  local stream = opts.stream or io.stderr
  local enabled = not (ctx and ctx.quiet)
  if enabled and not opts.force then
    enabled = stream == io.stderr and sys().isatty(2) or false
  end
  local clock = opts.clock or function() return sys().monotonic_ms() end
  local bar = setmetatable({
    enabled = enabled, stream = stream, label = opts.label, total = opts.total,
    unit = opts.unit, clock = clock, count = 0, drawn = false,
  }, Bar)
  if enabled then bar.start, bar.last = clock(), -math.huge end
  return bar
end

function Bar:width()
  local w = sys().terminal_width and sys().terminal_width(2)
  return w or math.tointeger(tonumber(os.getenv("COLUMNS") or "")) or 80
end

function Bar:draw(now)
  self.last = now
  local text = M.line(self.label, self.count, self.total, now - self.start, self:width(), self.unit)
  self.stream:write("\r", text, "\27[K")
  self.stream:flush()
  self.drawn = true
end

function Bar:update(count, total)
  if not self.enabled then return end
  self.count = count
  if total then self.total = total end
  local now = self.clock()
  if now - self.last >= M.INTERVAL_MS then self:draw(now) end
end

function Bar:clear()
  if self.enabled and self.drawn then
    self.stream:write("\r\27[K")
    self.stream:flush()
    self.drawn = false
    self.last = -math.huge
  end
end

function Bar:finish()
  self:clear()
  self.enabled = false
end

return M
