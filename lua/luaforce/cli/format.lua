--- luaforce.cli.format: how every command prints its results: the command
-- line's output options on top of luaforce.output, which does the writing.
--
-- Options (the list `common.output` in luaforce.cli.common; a command adds
-- it to its spec: `options = common.with(own_options, common.output)` --
-- `with` takes any number of lists, the common flags come last):
--   --format table|json|ndjson|csv   default: table when standard output is
--                                    a terminal, json when it is not
--   --map EXPR          a FEEL expression applied to each record (or, with
--                       --map-response, to each response object) before it
--                       is printed; the record's fields are its names
--   --map-response      apply --map to the response object instead,
--                       as a connector's result expression sees it: the
--                       fields status, headers, body, reason, document at
--                       the top level and the whole as `response`
--                       (luaforce.connector.outcome.scope; a query page's
--                       body is { totalSize, done, records })
--   --output FILE       write to FILE instead of standard output, atomically
--                       (a temporary file in the same directory, fsync,
--                       rename): readers see the old file or the whole new
--                       one, never half. See luaforce.output.sink.
--
-- API:
--   format.options(ctx, opts) -> settings
--       Resolves the options above once (the default format, FEEL compiled,
--       the terminal width). A FEEL syntax error RAISES a usage error (exit
--       2) whose hint is the expression with a caret under the mistake.
--       writer() calls it; call it yourself to fail before any request.
--       settings: format, output, map (compiled) | nil, map_response,
--       pretty (json indented: output to a terminal), width, quiet.
--
--   format.writer(ctx, opts, spec) -> w
--       spec = { columns = { "Id", "Account.Name", ... } | nil,
--                kind = "records" | "value",
--                footer = false | nil,   -- no "(N records)" under a table
--                settings = <from format.options> | nil,
--                stream = <a file handle> | nil }   -- tests, the REPL
--       A luaforce.output writer (see its header for the formats, the
--       columns and the buffering of tables) writing to --output or the
--       stream or standard output, with --map as its transform: a FEEL
--       warning prints once per writer on standard error (unless --quiet),
--       a failed assert() in the expression ends the command (MAP_FAILED,
--       exit 1). With --map (not --map-response) the columns come from the
--       mapped records; a value that is not an object fills the one
--       column `value`; a record the expression maps to null (or, in table
--       and CSV, to an object where the first gave a value or the reverse:
--       the columns are the first's) is left out, and finish() says how
--       many on standard error (unless --quiet). A single value (kind
--       "value") mapped to null prints null.
--     w:record(r), w:value(v), w:finish(), w:abort(), w.count
--                        as luaforce.output's writer
--     w:response(res)    one response {status, headers, body, reason}:
--                        with --map-response the expression sees it
--                        (luaforce.connector.verdict.response's object,
--                        body without `attributes`) and its result is
--                        printed (records when it is a list of objects);
--                        otherwise body.records (kind "records") or the
--                        body (kind "value") is printed.
--
--   format.syntax_error(option, err) -> a usage error (exit 2) for a FEEL
--       syntax error in `option` ("--map"): its message, then the
--       expression with a caret under the mistake.
--
--   format.table(rows, columns, width) -> string
--       output.table for the REPL: a whole table as text.
--   format.flatten(record[, columns]) -> map, names   (output.flatten)
--   format.keys_of(t) -> list                         (output.keys)
--
--   format.columns_from_soql(ast_or_text) -> columns | nil
--       The columns a query returns, by luaforce.soql.columns' one rule (the
--       names the org gives them: fields as written with a FROM alias
--       removed, aliases, expr0, expr1, ..., a child subquery by its
--       relationship, TYPEOF as its fields); nil when the query does not
--       parse or uses FIELDS(...) (the columns are then the records').
--       Give the parsed query when the command has it: it parses once.
--
--   format.terminal_width() -> integer | nil   ($COLUMNS, then the tty)
--   format.default_format() -> "table" | "json"
local json = require "luaforce.json"
local errors = require "luaforce.errors"
local output = require "luaforce.output"
local records = require "luaforce.output.records"
local sys = require "luaforce.core.sys"
local parser = require "luaforce.soql.parser"
local columns = require "luaforce.soql.columns"

local M = {}

local null = json.null
local concat = table.concat

---------------------------------------------------------------------------
-- Whole tables and records, for the REPL

--- See the file comment.
function M.table(rows, columns, width)
  return output.table(rows, { columns = columns, width = width })
end

M.flatten = output.flatten
M.keys_of = output.keys

---------------------------------------------------------------------------
-- Columns of a query

--- See the file comment. The rule is luaforce.soql.columns'; `soql` is the
-- parsed query (a command has it already) or its text (parsed here).
function M.columns_from_soql(soql)
  if type(soql) == "string" then soql = parser.parse(soql) end
  if type(soql) ~= "table" then return nil end
  return columns.names(soql)
end

---------------------------------------------------------------------------
-- Options

--- The terminal's width: $COLUMNS, else the terminal on standard output,
-- else nil.
function M.terminal_width()
  local c = math.tointeger(tonumber(os.getenv("COLUMNS") or ""))
  if c and c > 0 then return c end
  return sys.terminal_width(1)
end

function M.default_format()
  return sys.isatty(1) and "table" or "json"
end

--- A FEEL syntax error in the option `option` ("--map") as a usage error
-- (exit 2): the message, then the expression with a caret under the mistake.
function M.syntax_error(option, err)
  local lines = { option .. ": " .. (err.message or tostring(err)) }
  for line in ((err.excerpt or "") .. "\n"):gmatch("(.-)\n") do
    if line ~= "" then lines[#lines + 1] = "  " .. line end
  end
  return errors.new { code = "USAGE", message = concat(lines, "\n"), exit = errors.EXIT.USAGE }
end

--- See the file comment.
function M.options(ctx, opts)
  opts = opts or {}
  local s = { format = opts.format, output = opts.output, map_response = opts.map_response and true or false }
  local to_terminal = not opts.output and sys.isatty(1)
  if not s.format then
    s.format = to_terminal and "table" or "json"
  end
  s.pretty = to_terminal
  s.width = M.terminal_width()
  s.quiet = ctx and ctx.quiet
  if opts.map_response and not opts.map then
    error(errors.usage("--map-response needs --map EXPR", "give the expression with --map"), 0)
  end
  if opts.map then
    local feel = require "luaforce.feel"
    local compiled, err = feel.compile(opts.map)
    if not compiled then error(M.syntax_error("--map", err), 0) end
    s.map = compiled
  end
  return s
end

---------------------------------------------------------------------------
-- Writers: luaforce.output's, with --map and response objects

local Writer = {}
Writer.__name = "luaforce.cli.Writer"
Writer.__index = function(w, k)
  if k == "count" then return w.out.count end
  return Writer[k]
end

-- FEEL warnings print once each (a million records with no `Nmae` would
-- otherwise print a million lines).
function Writer:warn(warnings)
  if self.settings.quiet then return end
  for _, w in ipairs(warnings) do
    local key = w.message
    if not self.warned[key] then
      self.warned[key] = true
      io.stderr:write("warning: --map: ", w.message, w.type and (" (" .. w.type .. ")") or "", "\n")
    end
  end
end

-- Runs --map over `v` (or, given, over `scope`, a feel.run scope); a
-- failed assert() ends the command (exit 1).
function Writer:apply(v, scope)
  local value, warnings, failure
  if scope then
    value, warnings, failure = require("luaforce.feel").run(self.settings.map.fn, scope, { exact = true })
  else
    value, warnings, failure = self.settings.map:eval(v, { exact = true })
  end
  self:warn(warnings)
  if failure then
    error(errors.new { code = "MAP_FAILED", message = "--map failed: " .. tostring(failure.message) }, 0)
  end
  if value == nil then value = null end
  return value
end

function Writer:record(r) return self.out:record(r) end
function Writer:value(v) return self.out:value(v) end

-- --map on a record or value: null leaves it out (a blank row says
-- nothing), counted and reported when the output ends.
-- Table and CSV columns come from the first mapped record: a record
-- mapped to an object where the first gave a value (or the reverse) has
-- no cell to go to, and is left out and counted like a null.
local COLUMNS_FIXED = { table = true, csv = true }

function Writer:map_item(v)
  local value = self:apply(v)
  if value == null and self.kind == "records" then
    self.nulls = self.nulls + 1
    return output.LEFT_OUT
  end
  if self.kind == "records" and COLUMNS_FIXED[self.settings.format] then
    local shape = records.is_map(value) and "an object" or "a value"
    self.shape = self.shape or shape
    if shape ~= self.shape then
      self.misshaped = self.misshaped + 1
      return output.LEFT_OUT
    end
  end
  return value
end

function Writer:finish()
  if not self.settings.quiet then
    local all = self.out.count + self.out.left_out
    local noun = self.kind == "records" and (all == 1 and "record" or "records") or (all == 1 and "value" or "values")
    local function out(n) return n == 1 and "it is" or "they are" end
    if self.nulls > 0 then
      io.stderr:write(("warning: --map gave null for %d of %d %s; %s left out of the output\n")
        :format(self.nulls, all, noun, out(self.nulls)))
    end
    if self.misshaped > 0 then
      io.stderr:write(("warning: --map gave %d of %d %s %s where the first gave %s (the columns come from "
        .. "the first); %s left out of the output\n"):format(self.misshaped, all, noun,
        self.shape == "an object" and "a value" or "an object", self.shape, out(self.misshaped)))
    end
  end
  return self.out:finish()
end
function Writer:abort() return self.out:abort() end

function Writer:response(res)
  if self.out.done then error("the output is already finished", 2) end
  if self.settings.map_response then
    -- the response as a connector's result expression sees it: its fields
    -- at the top level and as `response` (the connector layer's rule)
    local outcome, verdict = require "luaforce.connector.outcome", require "luaforce.connector.verdict"
    local view = verdict.response { status = res.status, headers = res.headers, reason = res.reason,
      body = output.clean(res.body) }
    return self.out:put(self:apply(nil, outcome.scope(view)))
  end
  local body = res.body
  if self.kind == "records" and type(body) == "table" and records.is_list(body.records) then
    for _, r in ipairs(body.records) do self.out:record(r) end
  else
    self.out:value(body)
  end
end

--- See the file comment.
function M.writer(ctx, opts, spec)
  spec = spec or {}
  local settings = spec.settings or M.options(ctx, opts)
  local w = setmetatable({ settings = settings, kind = spec.kind or "records", warned = {}, nulls = 0, misshaped = 0 },
    Writer)
  local map = settings.map and not settings.map_response
  local out, err = output.writer {
    format = settings.format, kind = w.kind, width = settings.width, pretty = settings.pretty,
    -- mapped records have the shape the expression gives them
    columns = not map and spec.columns or nil,
    footer = spec.footer ~= false,
    transform = map and function(v) return w:map_item(v) end or nil,
    file = spec.stream, path = not spec.stream and settings.output or nil,
  }
  if not out then error(err, 0) end
  w.out = out
  return w
end

return M
