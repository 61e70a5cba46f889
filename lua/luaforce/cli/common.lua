--- luaforce.cli.common: options every command shares.
local M = {}

--- The output options every command accepts after its name.
M.options = {
  { name = "help", short = "h", help = "show this command's help" },
  { name = "verbose", short = "v", help = "say more: tracebacks, each request" },
  { name = "quiet", short = "q", help = "say only what fails" },
  { name = "trace", help = "log requests with headers and bodies (secrets masked)" },
}

--- A new option list: the command's own options followed by the common ones.
function M.with(options)
  local out = {}
  for _, o in ipairs(options) do out[#out + 1] = o end
  for _, o in ipairs(M.options) do out[#out + 1] = o end
  return out
end

return M
