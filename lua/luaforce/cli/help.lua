--- luaforce.cli.help: `luaforce help [COMMAND]`.
local args = require "luaforce.cli.args"
local common = require "luaforce.cli.common"
local errors = require "luaforce.errors"

local M = {}

M.summary = "show help for luaforce or one command"
M.spec = {
  command = "help",
  usage = "luaforce help [COMMAND [SUBCOMMAND]]",
  max_args = 2,
  options = common.with {},
}
M.description = "Shows the usage, options and examples of COMMAND, or the list of commands."
M.examples = { "luaforce help", "luaforce help run" }

--- The full help text of command `name`.
function M.text(name)
  local main = require "luaforce.cli.main"
  local cmd = main.find_command(name)
  local lines = { "Usage: " .. cmd.spec.usage, "" }
  lines[#lines + 1] = cmd.summary and (cmd.summary:sub(1, 1):upper() .. cmd.summary:sub(2) .. ".") or ""
  if cmd.description then
    lines[#lines + 1] = ""
    lines[#lines + 1] = cmd.description
  end
  if cmd.spec.options and #cmd.spec.options > 0 then
    lines[#lines + 1] = ""
    lines[#lines + 1] = "Options:"
    lines[#lines + 1] = args.help(cmd.spec)
  end
  if cmd.subcommands then
    lines[#lines + 1] = ""
    lines[#lines + 1] = "Commands:"
    for _, s in ipairs(cmd.subcommands) do
      lines[#lines + 1] = ("  %-10s %s"):format(s.name, require(s.module).summary or "")
    end
    lines[#lines + 1] = ""
    lines[#lines + 1] = ("Run 'luaforce help %s COMMAND' for a command's options."):format(name)
  end
  if cmd.examples then
    lines[#lines + 1] = ""
    lines[#lines + 1] = "Examples:"
    for _, e in ipairs(cmd.examples) do lines[#lines + 1] = "  " .. e end
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = main.EXIT_CODES
  return table.concat(lines, "\n")
end

function M.run(_, _, pos)
  local main = require "luaforce.cli.main"
  if #pos == 0 then
    io.stdout:write(main.usage(), "\n")
    return 0
  end
  local name = table.concat(pos, " ")
  local group = main.find_command(pos[1])
  if #pos == 2 and group and not group.subcommands then
    error(errors.usage(("unexpected argument '%s'"):format(pos[2]), "usage: " .. M.spec.usage), 0)
  end
  if #pos == 2 and group and not main.find_command(name) then
    error(errors.usage(("unknown command 'luaforce %s'"):format(name), "run 'luaforce help " .. pos[1] .. "' for its commands"), 0)
  end
  if not main.find_command(pos[1]) then
    local names = {}
    for _, c in ipairs(main.commands) do names[#names + 1] = c.name end
    local near = args.nearest(pos[1], names)
    error(errors.usage(("unknown command '%s'"):format(pos[1]),
      near and ("did you mean '" .. near .. "'?") or "run 'luaforce help' for the list"), 0)
  end
  io.stdout:write(M.text(name), "\n")
  return 0
end

return M
