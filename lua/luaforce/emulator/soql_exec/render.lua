--- luaforce.emulator.soql_exec.render: query records written as JSON text
-- straight from the store's rows.
--
--   render.plan(ctx, plan) -> render | nil: the render plan of a plain query
--       (luaforce.emulator.soql_exec.records), or nil when a column needs
--       Lua to compute it (a subquery, TYPEOF, an aliased function) or the
--       store has no id map
--   render.records(rows, render, first, last, where, before, after)
--       -> text | nil, err: see luaforce.emulator.soql_exec.render_records
--
-- Building a table per record and encoding it costs a page several times
-- what a client spends decoding it. When every column is a stored value or
-- a parent, json_render.c writes the same bytes from the rows themselves;
-- here the shape is turned once per query into the plan it takes: the
-- literal pieces (keys and each record's `attributes` encoded by
-- json.encode, so they are escaped as the encoder escapes them), the url as
-- prefix .. row.Id, parents' leads by key prefix. json_render.c knows
-- nothing of Salesforce; its plan format is described there.
local json = require "luaforce.json"
local errors = require "luaforce.errors"
local raw_render_rows = require("luaforce.core.json").raw_render_rows

local M = {}

local type, ipairs, rawget, getmetatable = type, ipairs, rawget, getmetatable

-- A Salesforce id starts with its object's key prefix: a parent's lead (its
-- `attributes`) is chosen by the first three characters of the reference.
local KEY_PREFIX_LEN = 3
local URL_PATH = { "attributes", "url" }

-- The lead of a record of object `objname`: its `attributes` member,
-- {"type": objname, "url": sobjects .. objname .. "/" .. Id}.
local function lead(ctx, objname)
  local t = json.encode(objname)
  if not t then return nil end
  return { '{"attributes":{"type":' .. t .. ',"url":',
    { prefix = ctx.sobjects .. objname .. "/", field = "Id", path = URL_PATH }, "}" }
end

-- The columns of a shape, or nil when one needs Lua to compute it.
local function render_columns(shape)
  local out, parents = {}, false
  for i, c in ipairs(shape.cols) do
    local key = json.encode(c.key)
    if not key then return nil end
    local text = "," .. key .. ":"
    if c.kind == "value" then
      out[i] = { text = text, key = c.key, field = c.name }
    elseif c.kind == "parent" then
      local sub_shape = render_columns(c.shape)
      if not sub_shape then return nil end
      out[i] = { text = text, key = c.key, ref = c.ref, shape = sub_shape }
      parents = true
    else
      return nil
    end
  end
  return out, parents
end

-- Parents' leads by key prefix: a parent's type comes from its id, as
-- binding.lookups' type_of finds it.
local function parent_leads(ctx)
  local leads = {}
  for _, o in ipairs(ctx.schema:objects()) do
    local l = o.key_prefix and lead(ctx, o.name)
    if l then leads[o.key_prefix] = l end
  end
  return leads
end

--- The render plan of a plain query, or nil. Parents are read from the
-- store's id map, so a store without one renders the slow way.
function M.plan(ctx, plan)
  local by_id = rawget(ctx.store, "by_id")
  if type(by_id) ~= "table" or getmetatable(by_id) ~= nil then return nil end
  local shape, parents = render_columns(plan.shape)
  local top = shape and lead(ctx, plan.obj.name)
  if not top then return nil end
  shape.lead = top
  return { shape = shape, parents = by_id, leads = parents and parent_leads(ctx) or {}, lead_key = KEY_PREFIX_LEN }
end

--- See luaforce.emulator.soql_exec.render_records.
function M.records(rows, render, first, last, where, before, after)
  local text, message = raw_render_rows(rows, first, last, render, where, before, after)
  if text then return text end
  return nil, errors.new { code = "JSON_ENCODE_ERROR", message = message, exit = errors.EXIT.USAGE }
end

return M
