--- luaforce.chain.items: where a chain's items come from, and what an
-- earlier run of it settled about them.
--
-- items.windows(steps, ctx, size) -> next
--   The items of the chain's source (a `query`'s records, every page; a
--   `from` list or iterator; else one item with no variables) a window of
--   `size` at a time: next() gives a list of {key, vars}, or nil at the end.
--   Query pages count in ctx.stats.requests.
-- items.key_of(step, vars, i, eopts[, strict]) -> the key of item i: the
--   step's key argument (text or a number; null: the position, unless
--   `strict`: a query's records under a state file need keys of their own),
--   else the position. A key that is a table or a boolean, or fails, raises
--   a usage error.
-- items.as_settled(ctx, item, p): an item as the state file entry `p` (a
--   final state) left it, counted in a collect step's list if it got there.
-- items.admit(ctx, list) -> the items the engine works on, from {key, vars}
--   entries, with what an earlier run settled (ctx.previous, from the
--   state file):
--     finished and stopped items are reported as they were (counted in a
--     collect step's list when they reached it) and not worked on again;
--     a write sent without an answer stays unknown, unless it is a create
--     keyed by an external id: then the item starts after its last finished
--     write, the reads made again, the create sent as an upsert;
--     failed items (whose failing step applied nothing) and items left in
--     the middle start after their last finished write, with their
--     variables then (reads are made again).
--   With a state file, two items with one key are refused (a usage error).
local errors = require "luaforce.errors"
local json = require "luaforce.json"
local value = require "luaforce.chain.value"

local M = {}

--- See the file comment.
function M.key_of(src_step, vars, i, eopts, strict)
  local spec = src_step.key
  if not spec then return tostring(i) end
  local v, err = value.resolve(spec, vars, eopts)
  if v == nil then error(err, 0) end
  if v == json.null then
    if strict then
      -- a state file finds a query's records again by their keys; a
      -- position changes as soon as the chain's writes change the query
      error(errors.usage(("%s: record %d has no key (%s is null), and a state file needs one to find it again")
        :format(spec.what, i, spec.source or "the key"), "select Id in the query, or give it key = \"=Field\""), 0)
    end
    return tostring(i)
  end
  if type(v) == "table" or type(v) == "boolean" then
    error(errors.usage(("%s: the key of item %d must be text or a number, not %s"):format(spec.what, i,
      type(v) == "table" and "a table" or "a boolean")), 0)
  end
  return tostring(v)
end

--- See the file comment.
function M.windows(steps, ctx, size)
  local first = steps[1]
  if first and first.op == "from" then
    local src, i = first.source, 0
    local nexti
    if type(src) == "table" then
      nexti = function()
        i = i + 1
        return src[i]
      end
    else
      nexti = function()
        i = i + 1
        return src()
      end
    end
    local done = false
    return function()
      if done then return nil end
      local list = {}
      while #list < size do
        local v = nexti()
        if v == nil then done = true; break end
        if type(v) ~= "table" then
          error(errors.usage(("step 1 (from): item %d is a %s, not a table of variables"):format(i, type(v))), 0)
        end
        list[#list + 1] = { key = M.key_of(first, v, i, ctx.eopts), vars = v }
      end
      if #list == 0 then return nil end
      return list
    end
  elseif first and first.op == "query" then
    local soql, err = value.resolve(first.soql, {}, ctx.eopts)
    if soql == nil or soql == json.null then
      error(err or errors.usage("step 1 (query): the query is null"), 0)
    end
    local it = ctx.org:records(soql, { include_deleted = first.opts.all or nil,
      batch_size = first.opts.batch_size })
    local done, n, pages = false, 0, 0
    return function()
      if done then return nil end
      local list = {}
      while #list < size do
        local rec = it()
        if rec == nil then done = true; break end
        n = n + 1
        list[#list + 1] = { key = M.key_of(first, rec, n, ctx.eopts, ctx.journal or ctx.previous), vars = rec }
      end
      ctx.stats.requests = ctx.stats.requests + (it.pages - pages)
      pages = it.pages
      if #list == 0 then return nil end
      return list
    end
  end
  -- no source: one item with no variables
  local given = false
  return function()
    if given then return nil end
    given = true
    return { { key = "1", vars = {} } }
  end
end

-- An item an earlier run left where it cannot go on: reported as it was.
local function settled_before(ctx, item, state, at, err)
  item.state, item.at, item.err, item.resumed = state, at, err, true
  ctx.report:finish(item)
end

-- Items as the engine keeps them, with what an earlier run settled:
-- finished and stopped items are reported as they were; a write sent
-- without an answer stays unknown, unless it is a create keyed by an
-- external id, which goes again as an upsert; failed items and items in
-- the middle start again after the last step whose writes they finished,
-- with their variables then (reads are made again).
--- An item as an earlier run left it (`p`, its state file entry with a
-- final state): its state, step and error; whether a write of its was
-- applied (then it is not "nothing written"); and, when it reached a
-- collect step, its place in that step's list.
function M.as_settled(ctx, item, p)
  item.state, item.at, item.resumed = p.state, p.at, true
  item.err = p.error and errors.new { code = p.error.code, message = p.error.message, exit = p.error.exit }
  item.wrote = (p.applied or p.through ~= nil) or nil
  local si = ctx.collect_stage[p.at]
  if si and p.state == "done" then
    local bag = ctx.collected[si] or {}
    ctx.collected[si] = bag
    bag[#bag + 1] = item.vars
  end
end

--- See the file comment.
function M.admit(ctx, list)
  local out = {}
  for _, x in ipairs(list) do
    if ctx.journal then
      -- a state file tells items apart by their keys
      if ctx.keys[x.key] then
        error(errors.usage(("two items have the key '%s': the state file could not tell them apart"):format(x.key),
          "give the query or from step a key that is unique (key = \"=Id\", say)"), 0)
      end
      ctx.keys[x.key] = true
    end
    ctx.seq = ctx.seq + 1
    local item = { key = x.key, vars = x.vars, seq = ctx.seq, outcomes = {} }
    local p = ctx.previous and ctx.previous[x.key]
    if p then
      ctx.previous[x.key] = nil
      local lost = p.pending and p.pending[1] or (p.state == "unknown" and p.at) or nil
      local function from_last_write()
        if p.through then
          if p.novars then
            item.wrote = true -- its write at step `through` was applied
            settled_before(ctx, item, "failed", p.through + 1, errors.new { code = "CHAIN_STATE",
              exit = errors.EXIT.USAGE,
              message = "its variables could not be kept in the state file, so it cannot resume in the middle" })
            return false
          end
          item.start, item.vars = p.through + 1, p.through_vars
        end
        return true
      end
      if lost then
        local s = ctx.steps[lost]
        local single = not p.pending or #p.pending == 1
        if single and s and s.op == "create" and s.opts.external_id then
          -- from after the last finished write, the reads made again, and
          -- the create as an upsert
          if from_last_write() then
            item.as_upsert = { [lost] = true }
            out[#out + 1] = item
          end
        else
          settled_before(ctx, item, "unknown", lost, errors.new { code = "OUTCOME_UNKNOWN", exit = errors.EXIT.UNKNOWN,
            message = ("step %d was sent in an earlier run and its answer was lost: check the record in the org "
              .. "before sending it again"):format(lost) })
        end
      elseif p.state == "failed" and not p.applied then
        if from_last_write() then out[#out + 1] = item end
      elseif p.state then
        item.vars = p.vars or item.vars
        M.as_settled(ctx, item, p)
        ctx.report:finish(item)
      elseif from_last_write() then
        out[#out + 1] = item
      end
    else
      out[#out + 1] = item
    end
    -- the caller knows better where an item the source no longer gives goes on
    if x.start and item.start == nil and not item.state then item.start = x.start end
  end
  return out
end

return M
