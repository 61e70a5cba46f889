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
    { name = "empty", help = "start with only the org's own records (Organization, Profile)" },
    { name = "seed", arg = "N", number = true, help = "seed of the demo org's data (default 1)" },
    { name = "now", arg = "ISO-DATETIME", help = "fix the org's clock (TODAY, CreatedDate, demo dates)" },
    { name = "token-ttl", arg = "SECONDS", number = true, help = "issued tokens expire after SECONDS" },
    { name = "clients", arg = "FILE", help = "more OAuth clients: [{\"client_id\":..,\"client_secret\":..}]" },
    { name = "min-batch-size", arg = "N", number = true, help = "smallest query page (default 200)" },
    { name = "child-batch-size", arg = "N", number = true, help = "child subquery page size (default 2000)" },
    { name = "api-limit", arg = "N", number = true, help = "daily API allowance (default 15000)" },
    { name = "bulk-rows-per-step", arg = "N", number = true,
      help = "Bulk API jobs: records one processing step writes (default 2000)" },
    { name = "faults", arg = "SPEC", multiple = true,
      help = "inject a fault: 'METHOD PATH -> ACTION [OPTIONS]' (repeatable; see below)" },
    { name = "tls-cert", arg = "FILE", help = "serve HTTPS with this PEM certificate (with --tls-key)" },
    { name = "tls-key", arg = "FILE", help = "the certificate's PEM private key" },
    { name = "make-cert", arg = "DIR", help = "write DIR/cert.pem and DIR/key.pem for localhost, then exit" },
    { name = "name", arg = "NAME", help = "serve the named local org NAME (--instance local:NAME), saving its records" },
    { name = "reset", arg = "NAME", help = "forget the named local org NAME's records, then exit" },
  },
}
M.description = [[
Serves a local org on HTTP: the Salesforce REST API (OAuth client credentials,
userinfo and the identity URL, versions 31.0 to 66.0, query and queryAll with
paging, sObject create, get, update, delete and upsert, describe, collections,
composite and sObject Tree, the Tooling query, Bulk API 2.0 ingest and query
jobs) over a realistic demo org, so
scripts, tests and client libraries (jsforce, the Salesforce CLI) run with no
account and no network.

On start it prints one line, `luaforce emulator listening on URL`, then a line
per request on standard error. Ctrl-C or SIGTERM stops it.

Test credentials (local use only):
  OAuth client    luaforce-local / luaforce-local-secret
  static token    00DLOCAL0000001!luaforce.local.token (always accepted; so is
                  00DLOCAL!luaforce-local-token, its earlier spelling)

Without --empty the org holds the demo data (deterministic from --seed, dates
relative to --now); --data files load on top of it. Controls for tests answer
on loopback under /_emulator/ (GET info, GET stats, POST reset, GET/PUT/DELETE
faults).

Faults (--faults, repeatable): METHOD PATH-PATTERN -> ACTION [OPTIONS]
  METHOD   * or GET or GET|POST;  PATH-PATTERN  * within a segment, ** across
  ACTION   status=N [code=C] [message="..."] [body=...] [header=Name:value]
           html (a proxy's 502 page)   close   cut   [when=before|after]
           expire-tokens   latency=200ms          (the last two combine)
  OPTIONS  p=0.1 | nth=3 | every=5 (default: every match)   times=N
p= is deterministic from --seed. Status answers replace the request (a
write is not applied); close and cut apply a write first only with
when=after. --api-limit N answers 403 REQUEST_LIMIT_EXCEEDED once N
authenticated API calls are spent.

Bulk API 2.0 jobs are processed in the background after they are closed
(query jobs: created), --bulk-rows-per-step records at a time, so a client
polling a large job sees it InProgress with numberRecordsProcessed growing.

Named local orgs: `--instance local:NAME` on any command uses the local org
NAME, whose records are kept between commands under
$XDG_STATE_HOME/luaforce/local/NAME/ (else ~/.local/state/luaforce/local/NAME/);
it starts as the demo org. --name NAME serves that org here: its saved
records (--data, --empty and --seed apply only to its first use; a --schema
given then is kept with the org and used by every later command), saved a
second after each change and when the emulator stops. One process uses a
named org at a time: while this one serves it, commands with --instance
local:NAME wait (point them at the URL printed instead). --reset NAME
removes its records: its next use starts again from the demo org.

HTTPS: --make-cert DIR writes a self-signed certificate for localhost and
127.0.0.1 (with the openssl command) and exits; --tls-cert DIR/cert.pem
--tls-key DIR/key.pem then serve https://, and clients trust that one
certificate (curl --cacert DIR/cert.pem).]]
M.examples = {
  "luaforce emulator --port 8080",
  "luaforce emulator --port 0 --now 2024-06-01T12:00:00Z --seed 7",
  "luaforce emulator --empty --data accounts.json --schema my-objects.json",
  "curl -s -H 'Authorization: Bearer 00DLOCAL0000001!luaforce.local.token' \\\n"
    .. "    'http://127.0.0.1:8080/services/data/v62.0/query?q=SELECT+Name+FROM+Account+LIMIT+3'",
  "luaforce emulator --faults 'POST /services/data/*/sobjects/* -> status=503 header=Retry-After:2 times=1'",
  "luaforce emulator --faults '* /services/data/** -> latency=200ms' --faults 'GET ** -> cut p=0.05'",
  "luaforce emulator --make-cert certs && luaforce emulator --tls-cert certs/cert.pem --tls-key certs/key.pem",
  "luaforce emulator --name demo --port 8080",
  "luaforce emulator --reset demo",
}

local function check(opts)
  if opts.port and (opts.port < 0 or opts.port > 65535) then
    error(errors.usage(("--port %d is not a port"):format(opts.port), "use 0 to 65535"), 0)
  end
  local emulator = require "luaforce.emulator"
  if opts.now then
    if not emulator.check_now(opts.now) then
      error(errors.usage(("--now '%s' is not an ISO date-time"):format(opts.now),
        "for example 2024-06-01T12:00:00Z"), 0)
    end
  end
  for _, name in ipairs { "token_ttl", "min_batch_size", "child_batch_size" } do
    if opts[name] and opts[name] <= 0 then
      error(errors.usage(("--%s must be positive"):format(name:gsub("_", "-"))), 0)
    end
  end
  if opts.api_limit and opts.api_limit < 0 then
    error(errors.usage("--api-limit must be 0 or more"), 0)
  end
  local step = opts.bulk_rows_per_step
  if step and (math.type(step) ~= "integer" or step < 1) then
    error(errors.usage("--bulk-rows-per-step must be a whole number, 1 or more"), 0)
  end
  for _, spec in ipairs(opts.faults or {}) do
    local ok, err = emulator.parse_fault(spec)
    if not ok then
      error(errors.usage("--faults: " .. err.message,
        "see luaforce emulator --help"), 0)
    end
  end
end

-- --make-cert DIR: the pair, then how to use it; nothing is served.
local function make_cert(dir)
  local paths, err = require("luaforce.emulator").make_cert(dir)
  if not paths then error(err, 0) end
  io.stdout:write("wrote ", paths.cert, " (a self-signed certificate for localhost and 127.0.0.1)\n",
    "wrote ", paths.key, " (its private key, mode 0600)\n",
    "serve HTTPS:   luaforce emulator --tls-cert ", paths.cert, " --tls-key ", paths.key, "\n",
    "trust it:      curl --cacert ", paths.cert, " https://127.0.0.1:PORT/services/data/\n")
  return 0
end

-- --reset NAME: the named org's records removed; nothing is served.
local function reset(ctx, name)
  local connect = require "luaforce.cli.connect"
  local had, err = require("luaforce.emulator").reset_named(connect.local_root(), name,
    connect.waiting { argv = ctx.argv })
  if had == nil then error(err, 0) end
  if not ctx.quiet then
    io.stdout:write(had and ("reset the local org '%s': its next use starts from the demo org\n"):format(name)
      or ("the local org '%s' has no saved records: nothing to reset\n"):format(name))
  end
  return 0
end

-- Waits for Ctrl-C or SIGTERM; a named org is saved a second after each
-- change meanwhile (emu:save writes only when something changed).
local function serve_until_stopped(emu)
  while true do
    local signal = emu.server:wait(emu.name and 1000 or nil)
    if signal then return signal end
    local ok, serr = emu:save()
    if ok == nil then io.stderr:write("luaforce: ", tostring(serr), "\n") end
  end
end

function M.run(ctx, opts)
  if opts.make_cert then return make_cert(opts.make_cert) end
  if opts.reset then return reset(ctx, opts.reset) end
  check(opts)
  local emulator = require "luaforce.emulator"
  local host = opts.host or "127.0.0.1"
  if host ~= "127.0.0.1" and host ~= "localhost" and host ~= "::1" then
    io.stderr:write("luaforce: warning: serving on ", host, " with well-known test credentials\n")
  end
  local start = opts.name and function(o)
    local connect = require "luaforce.cli.connect"
    o.argv = ctx.argv
    return emulator.open(connect.local_root(), opts.name, connect.waiting(o))
  end or emulator.start
  local emu, err = start {
    host = host, port = opts.port or 0, data = opts.data, schema = opts.schema, empty = opts.empty,
    seed = opts.seed, now = opts.now, token_ttl = opts.token_ttl, clients = opts.clients,
    min_batch_size = opts.min_batch_size, child_batch_size = opts.child_batch_size,
    api_limit = opts.api_limit, faults = opts.faults, bulk_rows_per_step = opts.bulk_rows_per_step,
    log = not ctx.quiet,
    tls_cert = opts.tls_cert, tls_key = opts.tls_key,
  }
  if not emu then error(err, 0) end
  io.stdout:write("luaforce emulator listening on ", emu.url, "\n")
  io.stdout:flush()
  local signal = serve_until_stopped(emu)
  local ok, serr = emu:stop()
  if not ok then error(serr, 0) end
  if not ctx.quiet then io.stderr:write("luaforce emulator: stopped (", tostring(signal), ")\n") end
  return 0
end

return M
