-- scripts/soak_check.lua: the verdicts of scripts/soak's fault soak, kept
-- apart from the driving so that they can be tested on their own
-- (tests/e2e/soak_spec.lua feeds them reports and org states by hand).
--
--   check.single(res, err) -> outcome, said, problem
--       What one call (org:update, org:create, ...) reported: outcome
--       "applied", "failed" or "unknown" (exit 6, whatever the code: a
--       gateway's 502 to a write keeps its status); said, a few words of the
--       client's answer; problem, nil or why the answer contradicts itself
--       (OUTCOME_UNKNOWN with another exit code).
--   check.many(kind, n, results, err) -> rows, problems
--       The same for one collection call over n records: rows[i] =
--       {outcome =, said =} (nil where the report says nothing of record i),
--       problems a list of texts (a results list of the wrong length, a
--       record OUTCOME_UNKNOWN in a chunk that is not "unknown", a call with
--       an unknown chunk not exiting 6, results.failed miscounted).
--       For deletes, ENTITY_IS_DELETED says the record is gone, as asked
--       (an earlier attempt of a retried chunk removed it): "applied".
--   check.verify(items, state) -> violations, resolved
--       Each item (one input record: kind, via, outcome, and what identifies
--       it: id, marker, ext, token, got_id) against the org's state after
--       the run, read with the faults off:
--         state.accounts  id -> {Name =, Description =} (live Accounts)
--         state.names     Name -> list of ids (live Accounts)
--         state.invoices  External_Id__c -> list of {Id =, Notes__c =}
--         state.expected  Name or External_Id__c -> true for every record the
--                         soak seeded or may have written (anything else
--                         with the soak's prefix is a stray record)
--       violations: a list of {item =, message =} (item nil for a stray
--       record); resolved: {applied =, not_applied =} of the unknown ones.
--       Each item gets `in_org`: true when the org shows it applied, false
--       when not, nil when the state contradicts every report.
--   check.tally(items) -> rows, total
--       Counts per kind and via: rows[i] = {kind =, via =, total =,
--       applied =, failed =, unknown =, unaccounted =}, in a fixed order.
local M = {}

M.KINDS = { "update", "create", "delete", "upsert" }
M.VIAS = { "single", "many" }

local UNKNOWN_CODE = "OUTCOME_UNKNOWN"
local EXIT_UNKNOWN = 6

local function err_words(err)
  local parts = { tostring(err.code) }
  if err.error_code and err.error_code ~= err.code then parts[#parts + 1] = tostring(err.error_code) end
  parts[#parts + 1] = "exit " .. tostring(err.exit)
  return table.concat(parts, " ")
end

--- See the file comment.
function M.single(res, err)
  if res then
    if type(res.status) == "number" and res.status < 400 then return "applied", tostring(res.status) end
    return "failed", "status " .. tostring(res.status), "a response with status " .. tostring(res.status)
  end
  if type(err) ~= "table" then return "failed", tostring(err), "an error that is no error table" end
  local said = err_words(err)
  -- exit 6 is the promise; the code may be OUTCOME_UNKNOWN (the answer was
  -- lost) or the status of a gateway's answer (502, 504 to a write)
  if err.exit == EXIT_UNKNOWN then return "unknown", said end
  if err.code == UNKNOWN_CODE then
    return "unknown", said, "OUTCOME_UNKNOWN with exit " .. tostring(err.exit)
  end
  return "failed", said
end

local function chunk_of(chunks, i)
  for _, c in ipairs(chunks or {}) do
    if i >= c.first and i <= c.last then return c end
  end
end

local function status_code(r)
  local e1 = type(r.errors) == "table" and r.errors[1]
  return type(e1) == "table" and e1.statusCode or nil
end

--- See the file comment.
function M.many(kind, n, results, err)
  local problems = {}
  local function problem(fmt, ...) problems[#problems + 1] = fmt:format(...) end
  local list = results or (type(err) == "table" and err.results) or nil
  local rows = {}
  if type(list) ~= "table" then
    problem("no results list (the call answered %s)", tostring(err))
    return rows, problems
  end
  if #list ~= n then problem("%d results for %d records", #list, n) end
  local chunks = list.chunks or (type(err) == "table" and err.chunks) or nil
  local failed, any_unknown = 0, false
  for i = 1, n do
    local r = list[i]
    local c = chunk_of(chunks, i)
    if type(r) ~= "table" then
      problem("record %d: no result", i)
    elseif r.success == true then
      rows[i] = { outcome = "applied", said = "success" }
      if c and c.state == "unknown" then problem("record %d: success in a chunk whose outcome is unknown", i) end
    else
      failed = failed + 1
      local code = status_code(r) or "no statusCode"
      if code == UNKNOWN_CODE then
        rows[i] = { outcome = "unknown", said = code }
        if not (c and c.state == "unknown") then
          problem("record %d: OUTCOME_UNKNOWN in a chunk in state %s", i, c and c.state or "(none)")
        end
      elseif kind == "delete" and code == "ENTITY_IS_DELETED" then
        rows[i] = { outcome = "applied", said = code }
      else
        rows[i] = { outcome = "failed", said = code }
        if c and c.state == "unknown" then
          problem("record %d: %s in a chunk whose outcome is unknown", i, code)
        end
      end
    end
  end
  for _, c in ipairs(chunks or {}) do
    if c.state == "unknown" then any_unknown = true end
  end
  if any_unknown and not (results == nil and type(err) == "table" and err.exit == EXIT_UNKNOWN) then
    problem("a chunk's outcome is unknown, but the call %s", results and "succeeded"
      or ("exits " .. tostring(type(err) == "table" and err.exit)))
  end
  if list.failed ~= nil and list.failed ~= failed then
    problem("results.failed is %s, %d records failed", tostring(list.failed), failed)
  end
  return rows, problems
end

-- Whether the org shows what the item asked for, and what it shows (for
-- the violation's text); nil, message when the state contradicts any
-- report (a duplicate, a lost record).
local function applied_in(item, state)
  if item.kind == "update" then
    local row = state.accounts[item.id]
    if not row then return nil, "the record is gone" end
    return row.Description == item.token, ("Description = %q"):format(tostring(row.Description))
  elseif item.kind == "delete" then
    local gone = state.accounts[item.id] == nil
    return gone, gone and "the record is gone" or "the record is still there"
  elseif item.kind == "create" then
    local ids = state.names[item.marker] or {}
    if #ids > 1 then return nil, ("created %d times (%s)"):format(#ids, table.concat(ids, ", ")) end
    if #ids == 1 and item.outcome == "applied" and item.got_id and item.got_id ~= ids[1] then
      return nil, ("reported id %s, the org holds %s"):format(item.got_id, ids[1])
    end
    return #ids == 1, #ids == 1 and ("the record exists: " .. ids[1]) or "no such record"
  elseif item.kind == "upsert" then
    local rows = state.invoices[item.ext] or {}
    if #rows > 1 then return nil, ("%d records with External_Id__c %s"):format(#rows, item.ext) end
    if #rows == 0 then return false, "no such record" end
    return rows[1].Notes__c == item.token, ("Notes__c = %q"):format(tostring(rows[1].Notes__c))
  end
  error("soak_check: unknown kind " .. tostring(item.kind))
end

--- See the file comment.
function M.verify(items, state)
  local violations, resolved = {}, { applied = 0, not_applied = 0 }
  local function violation(item, message) violations[#violations + 1] = { item = item, message = message } end
  for _, item in ipairs(items) do
    local applied, shows = applied_in(item, state)
    item.in_org = applied
    if applied == nil then
      violation(item, shows)
    elseif item.outcome == "applied" and not applied then
      violation(item, "reported applied, but the org does not show it: " .. shows)
    elseif item.outcome == "failed" and applied then
      violation(item, "reported failed, but it was applied: " .. shows)
    elseif item.outcome == "unknown" then
      if applied then resolved.applied = resolved.applied + 1 else resolved.not_applied = resolved.not_applied + 1 end
    elseif item.outcome == nil then
      violation(item, "the report says nothing of this record")
    end
  end
  local stray = {}
  for name in pairs(state.names) do
    if not state.expected[name] then stray[#stray + 1] = "Account " .. name end
  end
  for ext in pairs(state.invoices) do
    if not state.expected[ext] then stray[#stray + 1] = "Invoice__c " .. ext end
  end
  table.sort(stray)
  for _, s in ipairs(stray) do violation(nil, "a record no input asked for: " .. s) end
  return violations, resolved
end

--- See the file comment.
function M.tally(items)
  local rows, by = {}, {}
  for _, kind in ipairs(M.KINDS) do
    for _, via in ipairs(M.VIAS) do
      local r = { kind = kind, via = via, total = 0, applied = 0, failed = 0, unknown = 0, unaccounted = 0 }
      rows[#rows + 1] = r
      by[kind .. " " .. via] = r
    end
  end
  local total = 0
  for _, item in ipairs(items) do
    local r = by[item.kind .. " " .. item.via]
    r.total = r.total + 1
    total = total + 1
    local o = item.outcome
    if o == "applied" or o == "failed" or o == "unknown" then r[o] = r[o] + 1
    else r.unaccounted = r.unaccounted + 1 end
  end
  return rows, total
end

return M
