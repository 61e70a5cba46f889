--- luaforce.cli.common: options every command shares.
local M = {}

--- The output options every command accepts after its name.
M.options = {
  { name = "help", short = "h", help = "show this command's help" },
  { name = "verbose", short = "v", help = "say more: tracebacks, each request" },
  { name = "quiet", short = "q", help = "say only what fails" },
  { name = "trace", help = "log requests with headers and bodies (secrets masked)" },
}

--- How results print (luaforce.cli.format reads them; see its header):
-- `--format`, `--map`, `--map-response`, `--output`.
M.output = {
  { name = "format", short = "f", arg = "FMT", choices = { "table", "json", "ndjson", "csv" },
    help = "table, json, ndjson or csv (default: table on a terminal, else json)" },
  { name = "map", arg = "EXPR", help = "a FEEL expression applied to each record before printing" },
  { name = "map-response", help = "apply --map to each response object instead: status, headers, body, and the whole as response" },
  { name = "output", short = "o", arg = "FILE", help = "write to FILE (atomically: the old file or the whole new one)" },
}

--- Where to connect (luaforce.cli.connect reads them; see its header):
-- each overrides the environment (SF_*) and the profile file. No option
-- takes a client secret itself: the command line is visible to other users.
M.connection = {
  { name = "instance", arg = "URL|local[:NAME]",
    help = "the org's URL; 'local': a new local org, 'local:NAME': a kept one" },
  { name = "api-version", arg = "VERSION", help = "the REST API version, e.g. v62.0 (default v62.0)" },
  { name = "token", arg = "TOKEN", help = "an access token (SF_ACCESS_TOKEN keeps it out of the process list)" },
  { name = "client-id", arg = "ID", help = "OAuth client credentials: the connected app's consumer key" },
  { name = "client-secret-file", arg = "FILE", help = "a file holding the client secret (first line; - reads standard input)" },
  { name = "profile", short = "P", arg = "NAME", help = "a profile of the config file (default: its default)" },
}

--- The options of a command that talks to an org: its own (one list or
-- several), the connection options, the output options, then the common
-- flags.
function M.connected(...)
  local lists = {}
  for i = 1, select("#", ...) do lists[#lists + 1] = select(i, ...) end
  lists[#lists + 1] = M.connection
  lists[#lists + 1] = M.output
  return M.with(table.unpack(lists))
end

--- A new option list: the given lists in order (the command's own options,
-- then shared lists such as M.output), followed by the common flags.
function M.with(...)
  local out = {}
  for i = 1, select("#", ...) do
    for _, o in ipairs((select(i, ...))) do out[#out + 1] = o end
  end
  for _, o in ipairs(M.options) do out[#out + 1] = o end
  return out
end

return M
