--- luaforce.chain.report: what a chain run did, item by item, and the
-- summary and exit code it comes to.
--
-- report.new(steps, opts) -> r
-- r:finish(item)     records an item where it ended
-- r:close(seconds)   counts, and the exit code by luaforce.errors.outcome_exit
-- report.is(v) -> whether v is a report
-- r:summary() -> text (a few lines: steps, items, requests, time, failures
--   and unknowns, each failing item with its step, record and error)
--
-- The report's fields (for scripts):
--   items     {{key, state, step, op, record, error, vars, resumed, wrote,
--             applied}, ...} in the order items ended; state "done" |
--             "failed" | "unknown" | "stopped" (a bpmnError) | "filtered";
--             wrote: a write of the item's was applied before it stopped
--             (applied: the failing step's own write was, as when its
--             result expression failed)
--   counts    {items, done, failed, unknown, stopped, filtered, resumed}
--   steps     {{index, op, text, done, failed, unknown}, ...}
--   requests  the requests sent (each composite or collection request one)
--   seconds   the wall time
--   writes    a dry run's writes, as text
--   planned   the same as {method, path, body} (body a table)
--   collected the lists collect steps made, by name
--   exit      0, 1, 2, ..., 6 or 130 (the README's precedence table)
--   state     the state file, when one was kept
--   interrupted  true after Ctrl-C
local errors = require "luaforce.errors"
local steps_mod = require "luaforce.chain.steps"

local M = {}

local Report = {}
Report.__index = Report
Report.__name = "luaforce.chain.Report"

--- See the file comment.
function M.new(steps, opts)
  local r = setmetatable({ items = {}, steps = {}, requests = 0, seconds = 0, writes = {}, planned = {}, collected = {},
    counts = { items = 0, done = 0, failed = 0, unknown = 0, stopped = 0, filtered = 0, resumed = 0 },
    dry_run = opts.dry_run or false, state = opts.state }, Report)
  for i, s in ipairs(steps) do
    r.steps[i] = { index = i, op = s.op, text = steps_mod.describe(s), done = 0, failed = 0, unknown = 0 }
  end
  r.failed_exits = {}
  return r
end

--- See the file comment.
function M.is(v)
  return getmetatable(v) == Report
end

-- The record an item was about: the id its last operation named or made,
-- else (before any operation) its own Id; none for a create that failed.
local function record_of(self, item)
  if item.record then return item.record end
  local st = item.at and self.steps[item.at]
  if st and (st.op == "create" or st.op == "upsert") then return nil end
  local v = item.vars
  if type(v) ~= "table" then return nil end
  local id = rawget(v, "Id") or rawget(v, "id")
  return type(id) == "string" and id or nil
end

--- See the file comment.
function Report:finish(item)
  local state = item.state or "done"
  local entry = { key = item.key, state = state, step = item.at, vars = item.vars, error = item.err,
    record = record_of(self, item), resumed = item.resumed or nil, applied = item.applied,
    wrote = item.wrote or nil }
  if item.at and self.steps[item.at] then entry.op = self.steps[item.at].op end
  self.items[#self.items + 1] = entry
  local c = self.counts
  c.items = c.items + 1
  c[state] = (c[state] or 0) + 1
  if item.resumed then c.resumed = c.resumed + 1 end
  if state == "failed" or state == "stopped" then
    self.failed_exits[#self.failed_exits + 1] = item.err and item.err.exit or errors.EXIT.API
    -- an item that stopped after a write of its was applied: something was
    -- done, so the run is a partial failure at best, never "nothing written"
    if item.wrote then self.wrote_then_failed = (self.wrote_then_failed or 0) + 1 end
  end
  local st = item.at and self.steps[item.at]
  if st and (state == "failed" or state == "stopped") then st.failed = st.failed + 1 end
  if st and state == "unknown" then st.unknown = st.unknown + 1 end
end

--- Counts a step done for an item.
function Report:step_done(index)
  local st = self.steps[index]
  if st then st.done = st.done + 1 end
end

--- See the file comment.
function Report:close(seconds)
  self.seconds = seconds
  local c = self.counts
  self.exit = errors.outcome_exit { unknown = c.unknown, interrupted = self.interrupted,
    done = c.done + c.filtered + (self.wrote_then_failed or 0), failed = self.failed_exits }
  return self
end

-- At most `width` bytes of text, cut at a character boundary and marked
-- with "..." when it was cut (a query cut after WHERE must not read as one).
local function clip(text, width)
  if #text <= width then return text end
  local cut = width - 3
  while cut > 0 and (text:byte(cut + 1) or 0) & 0xC0 == 0x80 do cut = cut - 1 end
  return text:sub(1, cut) .. "..."
end

local function plural(n, word)
  return ("%d %s%s"):format(n, word, n == 1 and "" or "s")
end

--- See the file comment.
function Report:summary(max_lines)
  max_lines = max_lines or 10
  local c = self.counts
  local out = {}
  local head = ("chain%s: %s, %s, %s in %.2f s: %d done"):format(self.dry_run and " (dry run)" or "",
    plural(#self.steps, "step"), plural(c.items, "item"), plural(self.requests, "request"), self.seconds, c.done)
  if c.filtered > 0 then head = head .. (", %d filtered out"):format(c.filtered) end
  if c.failed > 0 then head = head .. (", %d failed"):format(c.failed) end
  if c.stopped > 0 then head = head .. (", %d stopped by bpmnError"):format(c.stopped) end
  if c.unknown > 0 then head = head .. (", %d outcome unknown"):format(c.unknown) end
  if c.resumed > 0 then head = head .. (" (%d settled by an earlier run)"):format(c.resumed) end
  if self.interrupted then head = head .. "; interrupted" end
  out[1] = head
  for _, st in ipairs(self.steps) do
    out[#out + 1] = ("  %d. %-50s %d done%s%s"):format(st.index, clip(st.text, 50), st.done,
      st.failed > 0 and (", " .. st.failed .. " failed") or "", st.unknown > 0 and (", " .. st.unknown .. " unknown") or "")
  end
  -- the items that failed on their own account first, then those held
  -- back or rolled back with them
  local bad, along = {}, {}
  for _, it in ipairs(self.items) do
    if it.state == "failed" or it.state == "unknown" or it.state == "stopped" then
      local code = it.error and (it.error.error_code or it.error.code)
      if code == "ALL_OR_NONE_OPERATION_ROLLED_BACK" or code == "NOT_SENT" then along[#along + 1] = it
      else bad[#bad + 1] = it end
    end
  end
  table.move(along, 1, #along, #bad + 1, bad)
  local shown = 0
  for _, it in ipairs(bad) do
    do
      shown = shown + 1
      if shown > max_lines then
        out[#out + 1] = "  ... (the report's items list them all)"
        break
      end
      out[#out + 1] = ("  item %s%s: %s at step %s: %s"):format(tostring(it.key),
        it.record and it.record ~= it.key and (" (" .. tostring(it.record) .. ")") or "", it.state,
        tostring(it.step), it.error and tostring(it.error):gsub("\n.*", "") or "")
    end
  end
  if self.state and (c.failed > 0 or c.unknown > 0 or self.interrupted) then
    out[#out + 1] = ("  state kept in %s: resume to run what is left (nothing finished is sent again)"):format(self.state)
  end
  return table.concat(out, "\n")
end

Report.__tostring = Report.summary

return M
