--- luaforce.cli.records: what the record commands (get, create, update,
-- delete, upsert, describe, limits) share: the record fields from --values
-- or --json, the id check, and printing through luaforce.cli.format.
--
--   records.FIELD_OPTIONS      the --values and --json option entries
--   records.fields(org, object, opts, required) -> a table of fields, or
--       nil when neither option was given and `required` is false. RAISES a
--       usage error (exit 2) for a mistake in either option.
--   records.check_id(id)        RAISES a usage error unless id is a record id
--   records.settings(ctx, opts) -> the output settings, resolved before any
--       request so that a bad --map, --format or --error-expression fails
--       first; settings.error_expression is the checked expression (nil
--       without one)
--   records.judged(ctx, settings, res, err) -> exit | nil: the call's
--       outcome under --error-expression (luaforce.cli.error_expression's
--       judge): nil when the command goes on as without one
--   records.print(ctx, opts, settings, spec, fn): makes a writer
--       (format.writer with spec), calls fn(w), finishes it; on an error
--       the output is dropped (no partial --output file) and the error
--       raised again.
--   records.done(id) -> the response body a write without one (a
--       204) prints: {id, success = true}
local errors = require "luaforce.errors"
local input_file = require "luaforce.cli.input_file"
local json = require "luaforce.json"
local values = require "luaforce.cli.values_option"

local M = {}

M.FIELD_OPTIONS = {
  { name = "values", arg = "'F=V ...'", help = [[fields as Field=value words: 'Name="Acme" Industry=Energy']] },
  { name = "json", arg = "JSON|@FILE", help = "fields as a JSON object, or @FILE to read it (@- standard input)" },
}

local function read_json_arg(arg)
  local text, where = arg, "--json"
  if arg:sub(1, 1) == "@" then
    local path = arg:sub(2)
    where = "--json " .. arg
    text = input_file.read(path, "the --json file", "give a file of JSON, or @- for standard input")
  end
  local v, err = json.decode(text)
  if v == nil then
    error(errors.usage(("%s is not JSON: %s"):format(where, err and err.message or "?"),
      [[give an object: '{"Name": "Acme"}']]), 0)
  end
  if not json.is_object(v) then
    error(errors.usage(("%s must be a JSON object of fields"):format(where), [[for example '{"Name": "Acme"}']]), 0)
  end
  return v
end

--- See the file comment.
function M.fields(org, object, opts, required)
  if opts.values and opts.json then
    error(errors.usage("--values and --json together", "give the fields one way"), 0)
  end
  if opts.json then return read_json_arg(opts.json) end
  if opts.values then
    local list, err = values.split(opts.values)
    if not list then error(err, 0) end
    -- the types come from describe (cached per connection)
    local d, derr = org:describe(object)
    if not d then require("luaforce.cli.connect").fail(derr, org, object) end
    local fields, cerr = values.coerce(list, d)
    if not fields then error(cerr, 0) end
    return fields
  end
  if required then
    error(errors.usage("no fields given", [[give --values 'Name="Acme"' or --json '{"Name": "Acme"}']]), 0)
  end
  return nil
end

--- See the file comment.
function M.check_id(id)
  require("luaforce.client").check_id(id)
  return id
end

--- See the file comment.
function M.settings(ctx, opts)
  local s = require("luaforce.cli.format").options(ctx, opts)
  s.error_expression = require("luaforce.cli.error_expression").compile(opts)
  return s
end

--- See the file comment.
function M.judged(ctx, settings, res, err)
  if not settings.error_expression then return nil end
  return require("luaforce.cli.error_expression").judge(ctx, settings.error_expression, res, err)
end

--- See the file comment.
function M.print(ctx, opts, settings, spec, fn)
  local s = {}
  for k, v in pairs(spec or {}) do s[k] = v end
  s.settings = settings
  local w = require("luaforce.cli.format").writer(ctx, opts, s)
  local ok, err = pcall(fn, w)
  if not ok then
    w:abort()
    error(err, 0)
  end
  local done, ferr = w:finish()
  if not done then error(ferr, 0) end
end

--- See the file comment.
function M.done(id)
  return json.object({ id = id, success = true }, { "id", "success" })
end

return M
