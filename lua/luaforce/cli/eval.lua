--- luaforce.cli.eval: `luaforce eval [--context FILE|-] [--compact] [--now ISO]
-- [--timezone ZONE] [--max-steps N] [--max-seconds S] [--max-memory MB]
-- [--unary-input VALUE] EXPRESSION`.
--
-- Evaluates one FEEL expression against a JSON context (an object; an
-- array is offered as `records`) and prints the result as JSON: the way to try a connector's result or error expression
-- on a saved response before deploying it. It loads the connector layer,
-- so error expressions' functions (bpmnError, jobError, ignoreError,
-- backoff, fromAi) are there as in a connector task.
local common = require "luaforce.cli.common"
local errors = require "luaforce.errors"
local input_file = require "luaforce.cli.input_file"
local json = require "luaforce.json"

local M = {}

M.summary = "evaluate a FEEL expression against a JSON context"
M.spec = {
  command = "eval",
  usage = "luaforce eval [OPTIONS] EXPRESSION",
  args = "EXPRESSION",
  min_args = 1,
  max_args = 1,
  options = common.with {
    { name = "context", short = "c", arg = "FILE|-", help = "the variables: a JSON object from FILE (- reads standard input); an array is records" },
    { name = "compact", help = "print the result on one line" },
    { name = "now", arg = "ISO", help = "the clock for now() and today(): 2024-01-31T10:00:00Z (default: the real one)" },
    { name = "timezone", arg = "ZONE", help = "now()'s time zone, e.g. Europe/Berlin (default: UTC)" },
    { name = "max-steps", arg = "N", help = "stop after N steps: loop iterations, function calls, builtins' work (default 10000000)" },
    { name = "max-seconds", arg = "S", help = "stop after S seconds (default 5)" },
    { name = "max-memory", arg = "MB", help = "stop when the evaluation needs more than MB megabytes (default 512)" },
    { name = "unary-input", arg = "JSON", help = "check this JSON input against EXPRESSION read as unary tests (< 10, [1..5], not(...), -): true, false or null" },
  },
}
M.description = [[
Evaluates EXPRESSION in FEEL, as Camunda 8 evaluates connector result and
error expressions, and prints the result as JSON. Numbers are exact decimals
(0.1 + 0.2 = 0.3) and print with all their digits; dates, times and
durations print as ISO 8601 text. A leading `=` is accepted.

The context (--context FILE, or - for standard input) is a JSON object
whose entries are the expression's names. A JSON array is offered as
`records`, so what `luaforce query -f json` prints can be piped in:
luaforce query -f json 'SELECT ...' | luaforce eval -c - 'count(records)'.

Missing names, type mismatches and other mistakes that FEEL turns into null
print a warning on standard error with the line and column (a warning
repeated at the same place, once per loop iteration, prints once, followed
by how many more there were); a syntax error prints the line with a caret
under the mistake and exits 2. A failed assert() prints its message and
exits 1, and so does an expression that runs past its budget (--max-steps,
--max-seconds, --max-memory).

With --unary-input VALUE (JSON), EXPRESSION is unary tests, as a decision
table's input entry holds them: `-` (any), comparisons (< 10), ranges
([1..10]), values and lists compared for equality, a comma list (any one
holds), not(...), or an expression naming the input `?`
(starts with(?, "A")). It prints true, false or null.]]
M.examples = {
  "luaforce eval '1 + 2'",
  "luaforce eval --context response.json '{ids: for r in body.records return r.Id}'",
  "curl -s ... | luaforce eval -c - 'body.records[Amount > 1000].Name'",
  "luaforce query -f json 'SELECT Name, Amount FROM Opportunity' | luaforce eval -c - 'sum(records.Amount)'",
  "luaforce eval -- '-5 + 2'",
  "luaforce eval --now 2024-01-31T10:00:00Z 'today() + @\"P1M\"'",
  "luaforce eval --unary-input 250 '[100..500], > 1000'",
}

local function read_context(path)
  local text = input_file.read(path, "the context file", "give a JSON file, or - for standard input")
  local v, err = json.decode(text)
  if v == nil then
    error(errors.usage(("the context in '%s' is not JSON: %s"):format(path, err.message)), 0)
  end
  if v == json.null then return nil end
  -- a list (`luaforce query -f json` prints one) is offered as `records`
  if json.is_array(v) then return json.object({ records = v }, { "records" }) end
  if not json.is_object(v) then
    error(errors.usage(("the context in '%s' must be a JSON object, or an array (offered as records)"):format(path),
      "put the values under names: {\"body\": ...}"), 0)
  end
  return v
end

local function where(w)
  local p = w.position
  if p and p.line then return ("line %d, column %d: "):format(p.line, p.column) end
  return ""
end

-- 9999 -> "9,999"
local function thousands(n)
  local s = tostring(n)
  repeat
    local k
    s, k = s:gsub("^(%d+)(%d%d%d)", "%1,%2")
  until k == 0
  return s
end

local function positive(name, text)
  local n = tonumber(text)
  if not n or n <= 0 then
    error(errors.usage(("--%s needs a positive number, not '%s'"):format(name, tostring(text))), 0)
  end
  return n
end

-- The evaluation options from the command line.
local function eval_options(opts)
  local o = {}
  if opts.now then
    local temporal = require "luaforce.feel.temporal"
    if not temporal.parse_datetime(opts.now) then
      error(errors.usage(("--now needs an ISO date-time such as 2024-01-31T10:00:00Z, not '%s'"):format(opts.now)), 0)
    end
    o.now = opts.now
  end
  if opts.timezone then
    local temporal = require "luaforce.feel.temporal"
    local z, err = temporal.zone(opts.timezone)
    if not z then error(errors.usage("--timezone: " .. tostring(err)), 0) end
    o.zone = opts.timezone
  end
  if opts.max_steps then o.max_steps = math.floor(positive("max-steps", opts.max_steps)) end
  if opts.max_seconds then o.max_seconds = positive("max-seconds", opts.max_seconds) end
  if opts.max_memory then o.max_memory = math.floor(positive("max-memory", opts.max_memory) * 1048576) end
  return o
end

function M.run(_, opts, pos)
  local feel = require "luaforce.feel"
  require "luaforce.connector" -- registers bpmnError & co. in FEEL
  local context = opts.context and read_context(opts.context) or nil
  local eopts = eval_options(opts)
  local compiled, err, input
  if opts.unary_input then
    -- the expression is unary tests, checked against the input
    local v, jerr = json.decode(opts.unary_input)
    if v == nil then
      error(errors.usage(("--unary-input needs a JSON value, not '%s': %s"):format(opts.unary_input, jerr.message),
        "quote text as JSON: --unary-input '\"gold\"'"), 0)
    end
    input = v
    compiled, err = require("luaforce.feel.unary").compile(pos[1])
  else
    compiled, err = feel.compile(pos[1])
  end
  if not compiled then
    io.stderr:write("luaforce: ", err.message, "\n")
    for line in (err.excerpt .. "\n"):gmatch("(.-)\n") do io.stderr:write("  ", line, "\n") end
    return errors.EXIT.USAGE
  end
  local value, warnings, failure
  if opts.unary_input then
    value, warnings, failure = compiled:eval(input, context, eopts)
  else
    value, warnings, failure = compiled:eval(context, eopts)
  end
  for _, w in ipairs(warnings) do
    if w ~= failure then
      io.stderr:write("warning: ", where(w), w.message, " (", w.type, ")\n")
      if w.count and w.type ~= "TOO_MANY_WARNINGS" then
        io.stderr:write("warning: ... and ", thousands(w.count - 1), " more\n")
      end
    end
  end
  if failure then
    io.stderr:write("luaforce: the expression failed: ", failure.message, " (", failure.type, ")\n")
    return errors.EXIT.API
  end
  if value == nil then value = json.null end
  local text, jerr = json.encode(value, { pretty = not opts.compact })
  if not text then
    error(errors.usage("the result cannot be written as JSON: " .. jerr.message), 0)
  end
  io.stdout:write(text, "\n")
  return 0
end

return M
