--- luaforce.cli.query: `luaforce query SOQL`, every record of every page.
--
-- The query is parsed first (luaforce.soql.parser), so a malformed one
-- fails at once with exit 2 and a caret under the mistake, and so the
-- table and CSV columns come from its select list. Records are read with
-- org:records (one page in memory at a time) and written as they arrive
-- through luaforce.cli.format; a progress bar on standard error counts
-- them against the query's totalSize.
local common = require "luaforce.cli.common"
local error_expression = require "luaforce.cli.error_expression"
local errors = require "luaforce.errors"

local M = {}

M.summary = "run a SOQL query and print every record"
M.spec = {
  command = "query",
  usage = "luaforce query [OPTIONS] SOQL",
  args = "SOQL",
  min_args = 1,
  max_args = 1,
  options = common.connected {
    { name = "all-rows", help = "include deleted and archived records (queryAll)" },
    { name = "batch-size", arg = "N", number = true, help = "records per page to ask for (200-2000)" },
    { name = "max", arg = "N", number = true, help = "stop after N records" },
    error_expression.OPTION,
  },
}
M.description = [[
Runs SOQL and prints every record it returns, following the pages to the
end. SOQL - reads the query from standard input. Records print as they
arrive, so memory stays flat however many there are.

Output: --format table on a terminal, json (an array) when piped; ndjson
prints one record per line, csv follows RFC 4180 with the columns of the
select list (relationship fields as Account.Name, a child subquery as JSON
text in one cell). --map EXPR reshapes each record with a FEEL expression;
--output FILE writes the file atomically. While it runs, standard error
shows a progress bar when it is a terminal (--quiet hides it).

A malformed query exits 2 before anything is sent, with a caret under the
mistake.]] .. "\n\n" .. error_expression.HELP .. [[


With --error-expression every record is read before anything prints: the
expression sees them all in one response, body = {totalSize, done,
records} (as the connector task's --follow-pages), so memory grows with
the result (--max bounds it).]]
M.examples = {
  "luaforce query 'SELECT Id, Name, Account.Name FROM Contact'",
  "luaforce query --format csv --output contacts.csv 'SELECT Id, Email FROM Contact'",
  "luaforce query -f ndjson 'SELECT Id, Amount FROM Opportunity' | jq .Amount",
  "luaforce query --map '{name: Name, big: Amount > 10000}' 'SELECT Name, Amount FROM Opportunity'",
  "echo 'SELECT COUNT() FROM Account' | luaforce query -",
  "luaforce query --instance local 'SELECT Name, (SELECT LastName FROM Contacts) FROM Account'",
  [[luaforce query --error-expression 'if body.totalSize = 0 then bpmnError("NO_LEADS", "nothing new") else null' 'SELECT Id FROM Lead WHERE IsConverted = false']],
}

-- The query text: the argument, or standard input for `-`.
local function soql_of(arg)
  if arg ~= "-" then return arg end
  local text = io.stdin:read("a") or ""
  return (text:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- At most WINDOW characters of a long row around column `col` (a query
-- built by a program may be one line of 100,000 characters): the part
-- shown, with "..." where it was cut, and the column within it.
local WINDOW = 120
local function clip(line, col)
  local len = utf8.len(line)
  if not len or len <= WINDOW then return line, col end
  local first = math.max(1, col - WINDOW // 2)
  local last = math.min(len, first + WINDOW - 1)
  first = math.max(1, last - WINDOW + 1)
  local b1, b2 = utf8.offset(line, first), (utf8.offset(line, last + 1) or (#line + 1)) - 1
  local head, tail = first > 1 and "..." or "", last < len and "..." or ""
  return head .. line:sub(b1, b2) .. tail, col - first + 1 + #head
end

-- A malformed query as one line saying what and where, then the query's
-- row with a caret under the mistake (the REPL's SOQL lines too).
local function malformed(soql, err)
  local row, col = err.row or 1, err.column or 1
  local line, n = "", 0
  for l in (soql .. "\n"):gmatch("(.-)\r?\n") do
    n = n + 1
    if n == row then line = l break end
  end
  local at
  line, at = clip(line, col)
  -- tabs stay tabs under the caret, so it lines up with the row above
  local caret = line:sub(1, (utf8.offset(line, at) or (#line + 1)) - 1):gsub("[^\t\x80-\xBF]", " "):gsub("[\x80-\xBF]", "")
  return errors.new {
    code = err.errorCode or "MALFORMED_QUERY",
    message = ("%s (row %d, column %d)\n  %s\n  %s^"):format(err.reason or "malformed query", row, col, line, caret),
    exit = errors.EXIT.USAGE,
  }
end

M.malformed = malformed

-- With --error-expression: every record, pages kept apart, before anything
-- prints. Returns the pages, or nil, err when one cannot be fetched
-- (Ctrl-C and errors of luaforce's own raise).
local function gather(it, bar)
  local pages = {}
  local ok, err = pcall(function()
    for rec, n in it do
      local p = pages[it.pages] or {}
      pages[it.pages] = p
      p[#p + 1] = rec
      bar:update(n, it.total)
    end
  end)
  bar:clear()
  if ok then return pages end
  if not errors.is(err) or errors.is_interrupt(err) then error(err, 0) end
  return nil, err
end

-- The one response the expression sees: every record of the pages.
local function whole(pages, it, json)
  local all = {}
  for i = 1, it.pages do
    for _, r in ipairs(pages[i] or {}) do all[#all + 1] = r end
  end
  local total = it.total or 0
  return { status = 200, reason = "OK", body = json.object({ totalSize = total,
    done = it.count >= total or not it.max, records = json.array(all) }, { "totalSize", "done", "records" }) }
end

-- The gathered pages given out again as `it` gives them: the record, its
-- position; `pages` the page it came on, `total` the query's totalSize.
local function replay(pages, it)
  local r = { total = it.total, pages = 0 }
  local p, i, n = 1, 0, 0
  return setmetatable(r, { __call = function()
    while p <= it.pages and i >= #(pages[p] or {}) do p, i = p + 1, 0 end
    if p > it.pages then return nil end
    i, n = i + 1, n + 1
    r.pages = p
    return pages[p][i], n
  end })
end

-- Is the whole select list COUNT()? Then the answer is totalSize alone.
local function count_only(ast)
  local f = ast.fields
  return #f == 1 and f[1].kind == "aggregate" and f[1].fn == "COUNT" and f[1].arg == nil
end

function M.run(ctx, opts, pos)
  local format = require "luaforce.cli.format"
  local soql = soql_of(pos[1])
  if soql == "" then
    error(errors.usage("the query is empty", "give SOQL, or - to read it from standard input"), 0)
  end
  local parser = require "luaforce.soql.parser"
  local ast, perr = parser.parse(soql)
  if not ast then error(malformed(soql, perr), 0) end
  local batch = opts.batch_size
  if batch and (batch < 1 or batch > 2000) then
    error(errors.usage(("--batch-size %d is out of range"):format(batch), "give 200 to 2000 (Salesforce may send fewer)"), 0)
  end
  if opts.max and opts.max < 0 then error(errors.usage("--max must be 0 or more"), 0) end

  -- options are checked (and --map and --error-expression compiled)
  -- before connecting
  local settings = format.options(ctx, opts)
  local expr = error_expression.compile(opts)
  local connect = require "luaforce.cli.connect"
  local org = connect.org(ctx, opts)
  local it = org:records(soql, { batch_size = batch, include_deleted = opts.all_rows or nil, max = opts.max })
  local json = require "luaforce.json"
  local bar = require("luaforce.cli.progress").new(ctx, { label = "query", unit = "records" })

  if expr then
    local pages, gerr = gather(it, bar)
    local judged = error_expression.judge(ctx, expr, pages and whole(pages, it, json), gerr)
    if judged then
      bar:finish()
      return judged
    end
    if not pages then
      bar:finish()
      connect.fail(gerr, org, ast.from and ast.from.name)
    end
    it = replay(pages, it)
  end

  local counting = count_only(ast)
  local w = format.writer(ctx, opts, {
    settings = settings,
    kind = counting and "value" or "records",
    columns = format.columns_from_soql(ast),
  })

  -- --map-response sees each page as a response object; the records of a
  -- page are gathered (one page at a time) and handed over when it ends
  local page, page_no, responses = nil, nil, 0
  local function flush_page(done)
    local body = json.object({ totalSize = it.total or 0, done = done, records = json.array(page or {}) },
      { "totalSize", "done", "records" })
    page, responses = nil, responses + 1
    w:response { status = 200, reason = "OK", body = body }
  end

  local ok, err = pcall(function()
    for rec, n in it do
      if settings.map_response then
        if page and page_no ~= it.pages then flush_page(false) end
        page_no, page = it.pages, page or {}
        page[#page + 1] = rec
      else
        w:record(rec)
      end
      bar:update(n, it.total)
    end
    if settings.map_response then
      -- the last page, or the one empty answer
      if page or responses == 0 then flush_page(true) end
    elseif counting then
      w:value(it.total or 0)
    end
  end)
  bar:finish()
  if not ok then
    w:abort()
    -- one line with a suggestion from describe (did you mean Name?)
    connect.fail(err, org, ast.from and ast.from.name)
  end
  local done, ferr = w:finish()
  if not done then error(ferr, 0) end
  return 0
end

return M
