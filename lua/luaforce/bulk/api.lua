--- luaforce.bulk.api: the requests of Bulk API 2.0 (`jobs/ingest`,
-- `jobs/query`), one function each, through the client's org:call (its
-- retry policy, its errors, its outcome rules). `kind` is "ingest" or
-- "query". Each returns its value, or nil, err (a luaforce error).
--
--   api.create(org, kind, body) -> JobInfo      POST jobs/<kind>; not sent
--       again after a lost answer (each try would leave a job behind)
--   api.upload(org, id, path) -> true           PUT jobs/ingest/<id>/batches,
--       the CSV streamed from the file at `path` (any size, one buffer).
--       Never sent twice blindly: Salesforce takes one upload per job
--   api.set_state(org, kind, id, state) -> JobInfo   PATCH {"state": ...}
--   api.get(org, kind, id) -> JobInfo           GET jobs/<kind>/<id>
--   api.delete(org, kind, id) -> true           DELETE jobs/<kind>/<id>
--   api.list(org, kind [, url]) -> page         GET jobs/<kind> (or the page's
--       nextRecordsUrl): {done, records, nextRecordsUrl}
--   api.download(org, path, on_chunk [, query]) -> headers   a CSV resource
--       (results pages, successfulResults, ...), streamed to on_chunk;
--       headers: the response's (lower-case names)
--   api.result_path(org, kind, id, which) -> path    the path of a job's results:
--       which = "successful" | "failed" | "unprocessed" (ingest) or
--       "results" (query)
local M = {}

-- An upload of up to 100 MB or a results page may take far longer than a
-- REST call: their whole-transfer limit is an hour, not the client's default.
M.TRANSFER_TIMEOUT = 3600

local RESULTS = {
  successful = "successfulResults", failed = "failedResults", unprocessed = "unprocessedrecords",
}

local function path(org, kind, id, ...)
  if id then return org:path("jobs", kind, id, ...) end
  return org:path("jobs", kind)
end

local function body(res, err)
  if not res then return nil, err end
  return res.body
end

--- See the file comment.
function M.create(org, kind, spec)
  -- never sent twice blindly: each would leave a job behind (a query job
  -- runs its query in full)
  return body(org:call("POST", path(org, kind), { body = spec, retry = "create" }))
end

--- See the file comment.
function M.upload(org, id, file)
  local res, err = org:call("PUT", path(org, "ingest", id, "batches"), {
    body_file = file, headers = { ["Content-Type"] = "text/csv" }, retry = "create", expect_json = false,
    timeout = M.TRANSFER_TIMEOUT,
  })
  if not res then return nil, err end
  return true
end

--- See the file comment.
function M.set_state(org, kind, id, state)
  return body(org:call("PATCH", path(org, kind, id), { body = { state = state } }))
end

--- See the file comment.
function M.get(org, kind, id)
  return body(org:call("GET", path(org, kind, id)))
end

--- See the file comment.
function M.delete(org, kind, id)
  local res, err = org:call("DELETE", path(org, kind, id), { expect_json = false })
  if not res then return nil, err end
  return true
end

--- See the file comment.
function M.list(org, kind, url)
  return body(org:call("GET", url or path(org, kind)))
end

--- See the file comment.
function M.result_path(org, kind, id, which)
  if kind == "query" then return path(org, "query", id, "results") end
  local leaf = RESULTS[which]
  if not leaf then error(("bulk: unknown results %q (successful, failed or unprocessed)"):format(tostring(which)), 3) end
  return path(org, "ingest", id, leaf) .. "/"
end

--- See the file comment.
function M.download(org, target, on_chunk, query)
  local res, err = org:call("GET", target, {
    on_chunk = on_chunk, query = query, headers = { Accept = "text/csv" }, expect_json = false,
    timeout = M.TRANSFER_TIMEOUT,
  })
  if not res then return nil, err end
  return res.headers or {}
end

return M
