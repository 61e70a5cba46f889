--- luaforce.cli.emulator: `luaforce emulator`, the local org in the foreground.
local common = require "luaforce.cli.common"
local errors = require "luaforce.errors"

local M = {}

M.summary = "serve a local Salesforce-compatible org (for tests and demos)"
M.spec = {
  command = "emulator",
  usage = "luaforce emulator [OPTIONS]",
  max_args = 0,
  options = common.with {
    { name = "host", arg = "ADDR", help = "address to listen on (default 127.0.0.1)" },
    { name = "port", arg = "N", number = true, help = "port (default 0: a free one, printed on start)" },
    { name = "data", arg = "FILE", multiple = true, help = "load records from a JSON file (repeatable)" },
    { name = "schema", arg = "FILE", help = "objects and fields from a JSON schema file" },
    { name = "empty", help = "start with no records (not even the demo org)" },
    { name = "seed", arg = "N", number = true, help = "seed of the demo org's data (default 1)" },
    { name = "now", arg = "ISO-DATETIME", help = "fix the org's clock (TODAY, CreatedDate, demo dates)" },
    { name = "token-ttl", arg = "SECONDS", number = true, help = "issued tokens expire after SECONDS" },
    { name = "clients", arg = "FILE", help = "more OAuth clients: [{\"client_id\":..,\"client_secret\":..}]" },
    { name = "min-batch-size", arg = "N", number = true, help = "smallest query page (default 200)" },
    { name = "child-batch-size", arg = "N", number = true, help = "child subquery page size (default 2000)" },
  },
}
M.description = [[
Serves a local org on HTTP: the Salesforce REST API (OAuth client credentials,
versions 31.0 to 66.0, query and queryAll with paging, sObject create, get,
update, delete and upsert, describe) over a realistic demo org, so scripts,
tests and client libraries run with no account and no network.

On start it prints one line, `luaforce emulator listening on URL`, then a line
per request on standard error. Ctrl-C or SIGTERM stops it.

Test credentials (local use only):
  OAuth client    luaforce-local / luaforce-local-secret
  static token    00DLOCAL!luaforce-local-token (always accepted)

Without --empty the org holds the demo data (deterministic from --seed, dates
relative to --now); --data files load on top of it. Controls for tests answer
on loopback under /_emulator/ (GET info, GET stats, POST reset).]]
M.examples = {
  "luaforce emulator --port 8080",
  "luaforce emulator --port 0 --now 2024-06-01T12:00:00Z --seed 7",
  "luaforce emulator --empty --data accounts.json --schema my-objects.json",
  "curl -s -H 'Authorization: Bearer 00DLOCAL!luaforce-local-token' \\\n"
    .. "    'http://127.0.0.1:8080/services/data/v62.0/query?q=SELECT+Name+FROM+Account+LIMIT+3'",
}

local function check(opts)
  if opts.port and (opts.port < 0 or opts.port > 65535) then
    error(errors.usage(("--port %d is not a port"):format(opts.port), "use 0 to 65535"), 0)
  end
  if opts.now then
    local datetime = require "luaforce.emulator.datetime"
    if not datetime.clock(opts.now) then
      error(errors.usage(("--now '%s' is not an ISO date-time"):format(opts.now),
        "for example 2024-06-01T12:00:00Z"), 0)
    end
  end
  for _, name in ipairs { "token_ttl", "min_batch_size", "child_batch_size" } do
    if opts[name] and opts[name] <= 0 then
      error(errors.usage(("--%s must be positive"):format(name:gsub("_", "-"))), 0)
    end
  end
end

function M.run(ctx, opts)
  check(opts)
  local emulator = require "luaforce.emulator"
  local host = opts.host or "127.0.0.1"
  if host ~= "127.0.0.1" and host ~= "localhost" and host ~= "::1" then
    io.stderr:write("luaforce: warning: serving on ", host, " with well-known test credentials\n")
  end
  local emu, err = emulator.start {
    host = host, port = opts.port or 0, data = opts.data, schema = opts.schema, empty = opts.empty,
    seed = opts.seed, now = opts.now, token_ttl = opts.token_ttl, clients = opts.clients,
    min_batch_size = opts.min_batch_size, child_batch_size = opts.child_batch_size,
    log = not ctx.quiet,
  }
  if not emu then error(err, 0) end
  io.stdout:write("luaforce emulator listening on ", emu.url, "\n")
  io.stdout:flush()
  local signal = emu.server:wait()
  emu:stop()
  if not ctx.quiet then io.stderr:write("luaforce emulator: stopped (", tostring(signal), ")\n") end
  return 0
end

return M
