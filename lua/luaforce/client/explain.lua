--- luaforce.client.explain: what a person should read when an operation
-- fails, the one place that turns Salesforce's answer into it, for scripts
-- and the command line alike.
--
-- Salesforce answers an object the org does not have with 404 NOT_FOUND
-- "The requested resource does not exist", a misspelt field with a long
-- message about WSDLs, and a request under an API version the org does not
-- offer with the same 404 as a missing record. The operations (query, get,
-- create, update, delete, upsert, describe, a query's first page) hand their
-- error to `explain.error`, which asks the org what it has (describeGlobal,
-- describe, the versions: cached, and only when something failed) and
-- rewrites what a person reads:
--   message   without Salesforce's stock advice, or what is really wrong ("sObject type
--             'Acount' is not supported")
--   hint      the nearest name ("did you mean Account?"), the versions
--             offered, the external id fields, a restricted picklist's
--             nearest value
--   exit      2 (bad input) for a name, version or picklist value the org
--             does not have
--   problem   the code to lead a one-line report with, when it is not
--             Salesforce's errorCode ("INVALID_TYPE" for an object the org
--             does not have, which Salesforce answers 404 NOT_FOUND)
-- Everything else stays as Salesforce gave it: code (the status), status,
-- reason, error_code, errors (the whole original messages), variables and
-- request, so a connector task's expressions and a script's checks see the
-- same error as before (luaforce.connector.errors reads those, never the
-- message or hint of an HTTP error).
--
-- explain.error(org, err[, object]) -> err. `object` is the sObject the
--   operation named (default: the one the request's path names, if any). Idempotent (err.explained); an error that is
--   not the client's, an outcome unknown or an interruption is returned
--   untouched. Transport errors already carry their hint
--   (luaforce.client.errors.from_transport).
-- explain.brief(err) -> a luaforce error for a one-line report: led by
--   problem, else Salesforce's errorCode, else the code; no request (the
--   command, or the script's line, says which call it was); details = err
--   (printed under --verbose). Non-client errors are returned as they are.
local errors = require "luaforce.errors"

local M = {}

local EXIT = errors.EXIT

local NOTHING_SENT = "checked before sending: nothing was sent"

-- A Salesforce message without its stock advice ("If you are attempting
-- to use a custom field, be sure to append the '__c' ... Please reference
-- your WSDL or the describe call ..."), which the hint replaces. Anything
-- else (a validation rule's own words) is kept whole, as is a SOQL error's
-- position (" (at Row:1:Column:8)", which the client appended).
local function without_advice(msg)
  local at = msg:match("%s(%(at Row:%d+:Column:%d+%))$")
  if at then msg = msg:sub(1, #msg - #at - 1) end
  local cut = msg:find("%.?%s+If you are attempting to use a custom")
  if cut then msg = msg:sub(1, cut - 1) end
  return at and (msg .. " " .. at) or msg
end

local function names_of(list, key)
  local out = {}
  for _, x in ipairs(list or {}) do
    if type(x) == "table" and type(x[key]) == "string" then out[#out + 1] = x[key] end
  end
  return out
end

local function did_you_mean(word, names)
  local near = errors.nearest(word, names)
  return near and ("did you mean " .. near .. "?")
end

-- While an explanation asks the org, the requests it makes are not
-- explained in turn. The mark is per coroutine, not per org: requests run
-- side by side (http.parallel, a chain's concurrent chunks) each in their
-- own coroutine, and another task's failure meanwhile is explained as
-- any other.
local busy = setmetatable({}, { __mode = "k" })
local version_cache = setmetatable({}, { __mode = "k" })

local function ask(org, method, ...)
  local me = coroutine.running()
  busy[me] = true
  local ok, a, b = pcall(org[method], org, ...)
  busy[me] = nil
  if not ok then
    if errors.is_interrupt(a) then error(a, 0) end
    return nil
  end
  return a, b
end

-- "did you mean X?" for a field (or relationship) of `object`.
local function field_hint(org, object, field)
  local d = object and ask(org, "describe", object)
  if type(d) ~= "table" then return nil end
  local names = names_of(d.fields, "name")
  for _, n in ipairs(names_of(d.childRelationships, "relationshipName")) do names[#names + 1] = n end
  for _, n in ipairs(names_of(d.fields, "relationshipName")) do names[#names + 1] = n end
  return did_you_mean(field, names)
end

-- The external id fields of `object`, the nearest to `field` first.
local function external_id_hint(org, object, field)
  local d = object and field and ask(org, "describe", object)
  if type(d) ~= "table" then return nil end
  local names = {}
  for _, f in ipairs(d.fields or {}) do
    if f.externalId == true then names[#names + 1] = f.name end
  end
  if #names == 0 then return ("%s has no external id field: use update with the record's id"):format(object) end
  return did_you_mean(field, names) or ("the external id fields of " .. object .. ": " .. table.concat(names, ", "))
end

-- A value a restricted picklist does not have: the nearest active value,
-- else the values there are.
local function picklist_hint(org, object, field, value)
  local d = object and field and ask(org, "describe", object)
  if type(d) ~= "table" then return nil end
  for _, f in ipairs(d.fields or {}) do
    if type(f.name) == "string" and f.name:lower() == field:lower() and type(f.picklistValues) == "table" then
      local values = {}
      for _, p in ipairs(f.picklistValues) do
        if type(p) == "table" and p.active ~= false and type(p.value) == "string" then values[#values + 1] = p.value end
      end
      if #values == 0 then return nil end
      local shown = #values <= 8 and table.concat(values, ", ")
        or (table.concat(values, ", ", 1, 8) .. (", ... (%d values)"):format(#values))
      return (value and did_you_mean(value, values)) or ("the values of %s: %s"):format(f.name, shown)
    end
  end
  return nil
end

-- When `object` is not an object of the org: the message and hint that say
-- so, with the nearest name.
local function object_problem(org, object)
  if type(object) ~= "string" then return nil end
  local g = ask(org, "describe_global")
  if type(g) ~= "table" then return nil end
  local names = names_of(g.sobjects, "name")
  for _, n in ipairs(names) do
    if n:lower() == object:lower() then return nil end
  end
  return ("sObject type '%s' is not supported"):format(object),
    did_you_mean(object, names) or "run 'luaforce describe' for the objects"
end

-- A NOT_FOUND for every path under an API version the org does not offer:
-- the message names the versions it does (one request per org, on a 404).
local function version_problem(org)
  if type(org.api_version) ~= "string" then return nil end
  local list = version_cache[org]
  if list == nil then
    list = ask(org, "versions") or false
    version_cache[org] = list
  end
  if type(list) ~= "table" or #list == 0 then return nil end
  local want = org.api_version:gsub("^v", "")
  local numbers = {}
  for _, v in ipairs(list) do
    if type(v) == "table" and v.version == want then return nil end
    if type(v) == "table" and tonumber(v.version) then numbers[#numbers + 1] = tonumber(v.version) end
  end
  if #numbers == 0 then return nil end
  table.sort(numbers)
  local lo, hi = ("v%.1f"):format(numbers[1]), ("v%.1f"):format(numbers[#numbers])
  return ("API version %s is not one this org offers (it offers %s to %s)"):format(org.api_version, lo, hi),
    ("give --api-version %s, the newest, or leave it out for the default"):format(hi)
end

--- See the file comment.
function M.error(org, err, object)
  if not errors.is(err) or err.explained or errors.is_interrupt(err) then return err end
  if not err.error_code or err.exit == EXIT.UNKNOWN or err.code == "OUTCOME_UNKNOWN" then return err end
  if type(org) ~= "table" or busy[coroutine.running()] then return err end
  err.explained = true
  if object == nil and type(err.request) == "table" and type(err.request.path) == "string" then
    -- a call made by path (org:call, a connector task): the object it names
    object = err.request.path:match("/sobjects/([%w_]+)")
  end
  local code, message = err.error_code, err.message or ""
  if err.hint == NOTHING_SENT then
    -- luaforce's own check: its message is already the short one
    if code == "INVALID_FIELD" and err.fields and err.fields[1] and object then
      err.hint = field_hint(org, object, err.fields[1]) or err.hint
    end
    return err
  end
  message = without_advice(message)
  err.message = message
  if code == "NOT_FOUND" then
    local vm, vh = version_problem(org)
    if vm then
      err.message, err.hint, err.exit = vm, vh, EXIT.USAGE
      return err
    end
  end
  if code == "INVALID_FIELD" then
    local field, entity = message:match("No such column '([^']+)' on entity '([^']+)'")
    if not field then field, entity = message:match("No such column '([^']+)' on sobject of type (%w+)") end
    field = field or (err.fields and err.fields[1])
    if field then err.hint = field_hint(org, entity or object, field) or err.hint end
  elseif code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" and err.fields and err.fields[1] then
    local hint = picklist_hint(org, object, err.fields[1], message:match("picklist field: (.+)$"))
    if hint then err.hint, err.exit = hint, EXIT.USAGE end
  elseif code == "NOT_FOUND" and message:find("external ID field", 1, true) then
    err.hint = external_id_hint(org, object, message:match(":%s*(%S+)$")) or err.hint
    err.exit = EXIT.USAGE
  elseif code == "NOT_FOUND" or code == "INVALID_TYPE" then
    object = message:match("sObject type '([^']+)' is not supported") or object
    local m, h = object_problem(org, object)
    if m then
      err.message, err.hint, err.exit, err.problem = m, h, EXIT.USAGE, "INVALID_TYPE"
    end
  end
  return err
end

--- See the file comment.
function M.brief(err)
  if not errors.is(err) or errors.is_interrupt(err) or err.code == "OUTCOME_UNKNOWN" then return err end
  if not (err.error_code or err.kind or err.problem) then return err end
  local hint = err.hint
  if hint == NOTHING_SENT then hint = nil end
  return errors.new {
    code = err.problem or err.error_code or err.code, message = err.message, hint = hint, exit = err.exit,
    details = err, fields = err.fields, status = err.status, kind = err.kind,
  }
end

return M
