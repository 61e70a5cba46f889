--- luaforce.soql.vocabulary: SOQL's function names, written down once.
--
--   local vocabulary = require "luaforce.soql.vocabulary"
--   vocabulary.AGGREGATES.SUM            --> true
--   vocabulary.DATE_FUNCTIONS.DAY_ONLY   --> true
--   vocabulary.INNER.FORMAT.SUM          --> true: FORMAT(SUM(x)) is allowed
--
-- Sets (upper-case name -> true), read by the parser (what it accepts), the
-- builder (what it builds), luaforce.soql.columns (how result columns are
-- named) and the local org's executor (which implements every date
-- function listed here):
--   AGGREGATES       COUNT COUNT_DISTINCT SUM AVG MIN MAX
--   DATE_FUNCTIONS   CALENDAR_YEAR, DAY_ONLY, HOUR_IN_DAY, ... (13 names)
--   FUNCTIONS        every function that is not an aggregate: FORMAT,
--                    TOLABEL, CONVERTCURRENCY, CONVERTTIMEZONE, GROUPING
--                    and the date functions
--   INNER            function -> the set of calls it may take instead of a
--                    field (FORMAT over an aggregate or convertCurrency, a
--                    date function over convertTimezone)
-- Tables to read, never to change.
local M = {}

local function set(words)
  local s = {}
  for w in words:gmatch("[%u_]+") do s[w] = true end
  return s
end

M.AGGREGATES = set "COUNT COUNT_DISTINCT SUM AVG MIN MAX"

M.DATE_FUNCTIONS = set [[CALENDAR_MONTH CALENDAR_QUARTER CALENDAR_YEAR DAY_IN_MONTH DAY_IN_WEEK
  DAY_IN_YEAR DAY_ONLY FISCAL_MONTH FISCAL_QUARTER FISCAL_YEAR HOUR_IN_DAY WEEK_IN_MONTH WEEK_IN_YEAR]]

M.FUNCTIONS = set "FORMAT TOLABEL CONVERTCURRENCY CONVERTTIMEZONE GROUPING"
for fn in pairs(M.DATE_FUNCTIONS) do M.FUNCTIONS[fn] = true end

M.INNER = { FORMAT = set "CONVERTCURRENCY COUNT COUNT_DISTINCT SUM AVG MIN MAX" }
for fn in pairs(M.DATE_FUNCTIONS) do M.INNER[fn] = set "CONVERTTIMEZONE" end

return M
