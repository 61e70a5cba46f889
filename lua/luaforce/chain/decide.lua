--- luaforce.chain.decide: what a step's answer means for its item, with the
-- connector's outcome semantics (luaforce.connector.outcome and .verdict,
-- the one owner of that policy).
--
-- decide.step(step, item, o, retries, eopts) -> d
--   `o` is the step's outcome from luaforce.chain.wire ({response =} or
--   {err =}), `retries` the step's retries left for this item. d.kind:
--     "next"     go on: d.vars are the item's variables after the step
--                (`response`, the result_variable, the result expression's
--                entries, an ignoreError's variables; after an ignored
--                failure `error` is Camunda's error value and `response`
--                and the result_variable are null)
--     "unknown"  the write's outcome is unknown (no error expression can
--                change that; the step is never sent again)
--     "stopped"  a bpmnError: the chain stops for this item (d.code,
--                d.message; exit 7)
--     "retry"    a jobError with retries left: the step again after
--                d.backoff seconds, with d.retries left
--     "failed"   d.err (exit: the error's own; a jobError without retries
--                left 8; an expression that fails 9, as the connector's
--                incident; after an applied write d.applied = true)
local errors = require "luaforce.errors"
local json = require "luaforce.json"
local cerrors = require "luaforce.connector.errors"
local coutcome = require "luaforce.connector.outcome"
local crun = require "luaforce.connector.run"
local verdict = require "luaforce.connector.verdict"

local M = {}

local EXIT = errors.EXIT

local function copy_vars(vars)
  local t = {}
  for k, v in pairs(vars) do t[k] = v end
  return t
end

local function merge(vars, ctx)
  if not json.is_object(ctx) and type(ctx) ~= "table" then return end
  for _, k in ipairs(json.keys(ctx)) do
    local v = ctx[k]
    if v == nil then v = json.null end
    vars[k] = v
  end
end

local function expression_error(step, what, w, applied)
  local m = w and (w.message or tostring(w)) or "failed"
  -- the connector's message may say already which expression failed
  local prefix = ("the %s failed: "):format(what)
  if m:sub(1, #prefix) == prefix then m = m:sub(#prefix + 1) end
  if type(w) == "table" and w.excerpt then m = m .. "\n" .. w.excerpt end
  if applied then m = m .. " (the write itself succeeded: Salesforce applied it)" end
  return errors.new { code = "FEEL_RESULT", exit = EXIT.INCIDENT,
    message = ("%s: the %s failed: %s"):format(step.label, what, m) }
end

--- See the file comment.
function M.step(step, item, o, retries, eopts)
  local opts = step.opts or {}
  local response, err = o.response, o.err
  local d = {}
  local vars
  if response then
    vars = copy_vars(item.vars)
    vars.response = response
    if opts.result_variable then vars[opts.result_variable] = response end
    if opts.result_expression then
      local v, w = coutcome.result(opts.result_expression, response, eopts)
      if not v then
        return { kind = "failed", err = expression_error(step, "result expression", w, step.writes),
          applied = step.writes }
      end
      for _, k in ipairs(json.keys(v)) do
        local x = v[k]
        if x == nil then x = json.null end
        vars[k] = x
      end
    end
  end
  local unknown = err ~= nil and errors.is(err) and err.exit == EXIT.UNKNOWN
  local expr = opts.error_expression
  if expr and not unknown then
    local ctx = response and verdict.success_context(response, retries)
      or verdict.failure_context(cerrors.camunda(err), retries)
    local out, w = coutcome.outcome(expr, ctx, eopts)
    if out == nil then
      return { kind = "failed", err = expression_error(step, "error expression", w, response and step.writes),
        applied = response and step.writes or nil }
    end
    if out then
      local dec = verdict.decide(out)
      if dec.kind == "bpmnError" then
        d.kind, d.code, d.message = "stopped", dec.code, dec.message
        d.err = errors.new { code = "BPMN_ERROR", exit = EXIT.BPMN_ERROR, error_code = dec.code,
          message = ("%s: bpmnError %s%s"):format(step.label, tostring(dec.code),
            dec.message and dec.message ~= json.null and (": " .. tostring(dec.message)) or "") }
        d.applied = response and step.writes or nil
        return d
      elseif dec.kind == "ignore" then
        vars = vars or copy_vars(item.vars)
        if err then
          -- the failed step's answer, not an earlier step's: `response`
          -- holds no record a later step could take for this one's
          vars.error = cerrors.camunda(err)
          vars.response = json.null
          if opts.result_variable then vars[opts.result_variable] = json.null end
        end
        merge(vars, dec.variables)
        return { kind = "next", vars = vars, ignored = err ~= nil }
      else
        local wait = crun.seconds_of(dec.backoff) or 0
        if (dec.retries or 0) > 0 and not (response and step.writes) then
          return { kind = "retry", retries = dec.retries, backoff = wait, message = dec.message }
        end
        return { kind = "failed", applied = response and step.writes or nil,
          err = errors.new { code = "JOB_FAILED", exit = EXIT.JOB_FAILED,
            message = ("%s: jobError: %s%s"):format(step.label, tostring(dec.message),
              (dec.retries or 0) > 0 and " (a write that succeeded is not sent again)" or " (no retries left)") } }
      end
    end
  end
  if unknown then return { kind = "unknown", err = err } end
  if err then return { kind = "failed", err = err } end
  return { kind = "next", vars = vars }
end

return M
