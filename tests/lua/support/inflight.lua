--- Test support: requests held in flight at a luaforce.core.server, as the
-- server itself counts them (stats().active), so that concurrency is shown
-- by counters rather than by how long something took.
local proc = require "support.proc"

local M = {}

--- Starts `n` curl requests to `url` in the background (more curl arguments
-- in `args`, e.g. {"--cacert", file}) and waits until the server counts `n`
-- requests in flight, polling for at most about 20 s. Returns the count it
-- saw last (less than `n` when they never were all in flight at once).
function M.hold(srv, n, url, args)
  local extra = {}
  for _, a in ipairs(args or {}) do extra[#extra + 1] = proc.quote(a) end
  for _ = 1, n do
    os.execute(("curl -s -o /dev/null %s %s >/dev/null 2>&1 &"):format(table.concat(extra, " "), proc.quote(url)))
  end
  local active = srv:stats().active
  for _ = 1, 400 do
    if active >= n then break end
    proc.sleep(0.05)
    active = srv:stats().active
  end
  return active
end

return M
