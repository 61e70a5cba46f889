--- luaforce.cli.args: the one command-line parser every luaforce command uses.
--
-- A command declares its options as a list:
--   { name = "format", short = "f", arg = "FMT", help = "...", choices = {...} }
--   { name = "verbose", short = "v", help = "..." }            -- a flag
--   { name = "data", arg = "FILE", multiple = true, help = "..." } -- repeatable
-- and `parse` understands `--name value`, `--name=value`, `-f value`, `-fvalue`,
-- grouped short flags (`-vq`), `--` (everything after is positional) and, with
-- `stop_at_positional`, leaves everything from the first positional on alone
-- (so `luaforce run job.lua --x` hands `--x` to the script).
-- Mistakes are usage errors (exit 2) that suggest the nearest known option.
local errors = require "luaforce.errors"

local M = {}

--- Edit distance and "did you mean" (luaforce.errors owns them: every
-- layer's messages suggest names the same way).
M.distance = errors.distance
M.nearest = errors.nearest

local function usage_error(message, hint)
  return nil, errors.usage(message, hint)
end

-- Where to read about a spec's options: the command's help, or the
-- program's for the options before a command (spec.command "").
local function help_hint(spec)
  if (spec.command or "") == "" then
    return "see 'luaforce --help'; a command's own options go after the command"
  end
  return ("see 'luaforce help %s'"):format(spec.command)
end

local function option_names(spec)
  local names = {}
  for _, o in ipairs(spec.options or {}) do names[#names + 1] = "--" .. o.name end
  return names
end

local function store(opts, o, value)
  if o.choices then
    local ok = false
    for _, c in ipairs(o.choices) do if c == value then ok = true end end
    if not ok then
      local hint = "one of " .. table.concat(o.choices, ", ")
      local near = M.nearest(value, o.choices)
      if near then hint = "did you mean " .. near .. "?" end
      return false, errors.usage(("--%s does not take '%s'"):format(o.name, value), hint)
    end
  end
  if o.number then
    local n = math.tointeger(tonumber(value))
    if not n then
      return false, errors.usage(("--%s takes a whole number, not '%s'"):format(o.name, value))
    end
    value = n
  end
  local key = o.key or o.name:gsub("-", "_")
  if o.multiple then
    opts[key] = opts[key] or {}
    table.insert(opts[key], value)
  else
    opts[key] = value
  end
  return true
end

--- Parses `argv[first..#argv]` against `spec`.
-- Returns `opts, positionals` or `nil, err` (a usage error).
-- Option values are keyed by name with `-` turned into `_`.
function M.parse(argv, spec, first)
  local long, short = {}, {}
  for _, o in ipairs(spec.options or {}) do
    long[o.name] = o
    if o.short then short[o.short] = o end
  end
  local opts, pos = {}, {}
  local i = first or 1
  local n = #argv
  while i <= n do
    local a = argv[i]
    if a == "--" then
      for j = i + 1, n do pos[#pos + 1] = argv[j] end
      break
    elseif a:sub(1, 2) == "--" and #a > 2 then
      local name, value = a:match("^%-%-([^=]+)=(.*)$")
      name = name or a:sub(3)
      local o = long[name]
      if not o then
        local near = M.nearest("--" .. name, option_names(spec))
        return usage_error(("unknown option '--%s'"):format(name),
          near and ("did you mean " .. near .. "?") or help_hint(spec))
      end
      if o.arg then
        if value == nil then
          i = i + 1
          value = argv[i]
          if value == nil then
            return usage_error(("option --%s needs a value (%s)"):format(name, o.arg))
          end
        end
        local ok, err = store(opts, o, value)
        if not ok then return nil, err end
      else
        if value ~= nil then
          return usage_error(("option --%s takes no value"):format(name))
        end
        local ok, err = store(opts, o, true)
        if not ok then return nil, err end
      end
    elseif a:sub(1, 1) == "-" and #a > 1 then
      -- -v, -vq (grouped flags), -fjson, -f json
      local k = 2
      while k <= #a do
        local c = a:sub(k, k)
        local o = short[c]
        if not o then
          return usage_error(("unknown option '-%s'"):format(c),
            help_hint(spec))
        end
        if o.arg then
          local value = a:sub(k + 1)
          if value == "" then
            i = i + 1
            value = argv[i]
            if value == nil then
              return usage_error(("option -%s needs a value (%s)"):format(c, o.arg))
            end
          end
          local ok, err = store(opts, o, value)
          if not ok then return nil, err end
          break
        end
        local ok, err = store(opts, o, true)
        if not ok then return nil, err end
        k = k + 1
      end
    else
      pos[#pos + 1] = a
      if spec.stop_at_positional then
        for j = i + 1, n do pos[#pos + 1] = argv[j] end
        break
      end
    end
    i = i + 1
  end
  -- `--help` wins over missing arguments: `luaforce run --help` shows help
  if opts.help then return opts, pos end
  local min, max = spec.min_args or 0, spec.max_args
  if #pos < min then
    return usage_error(("missing argument: %s"):format(spec.args or "see usage"),
      "usage: " .. (spec.usage or ("luaforce " .. (spec.command or ""))))
  end
  if max and #pos > max then
    return usage_error(("unexpected argument '%s'"):format(pos[max + 1]),
      "usage: " .. (spec.usage or ("luaforce " .. (spec.command or ""))))
  end
  return opts, pos
end

--- Option help lines, aligned, for `--help` output.
function M.help(spec)
  local rows, width = {}, 0
  for _, o in ipairs(spec.options or {}) do
    local left = (o.short and ("-" .. o.short .. ", ") or "    ") .. "--" .. o.name
    if o.arg then left = left .. " " .. o.arg end
    rows[#rows + 1] = { left, o.help or "" }
    width = math.max(width, #left)
  end
  local out = {}
  for _, r in ipairs(rows) do
    out[#out + 1] = ("  %-" .. width .. "s  %s"):format(r[1], r[2])
  end
  return table.concat(out, "\n")
end

return M
