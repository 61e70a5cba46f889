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
-- here the shape is turned once per query into the literal pieces it needs
-- (keys and attribute heads encoded by json.encode, so they are escaped as
-- the encoder escapes them). Its format is described in json_render.c.
local json = require "luaforce.json"
local errors = require "luaforce.errors"
local raw_render_rows = require("luaforce.core.json").raw_render_rows

local M = {}

local type, ipairs, rawget, getmetatable = type, ipairs, rawget, getmetatable

local function render_head(objname)
  local t = json.encode(objname)
  return t and '{"attributes":{"type":' .. t .. ',"url":'
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

-- Head and url prefix by key prefix: a parent's type comes from its id, as
-- type_of in lookups() finds it.
local function render_types(ctx)
  local types = {}
  for _, o in ipairs(ctx.schema:objects()) do
    local head = o.key_prefix and render_head(o.name)
    if head then types[o.key_prefix] = { head = head, url = ctx.sobjects .. o.name .. "/" } end
  end
  return types
end

--- The render plan of a plain query, or nil. Parents are read from the
-- store's id map, so a store without one renders the slow way.
function M.plan(ctx, plan)
  local by_id = rawget(ctx.store, "by_id")
  if type(by_id) ~= "table" or getmetatable(by_id) ~= nil then return nil end
  local shape, parents = render_columns(plan.shape)
  local head = shape and render_head(plan.obj.name)
  if not head then return nil end
  shape.head, shape.url = head, ctx.sobjects .. plan.obj.name .. "/"
  return { shape = shape, by_id = by_id, types = parents and render_types(ctx) or {} }
end

--- See luaforce.emulator.soql_exec.render_records.
function M.records(rows, render, first, last, where, before, after)
  local text, message = raw_render_rows(rows, first, last, render.shape, render.by_id, render.types, where,
    before, after)
  if text then return text end
  return nil, errors.new { code = "JSON_ENCODE_ERROR", message = message, exit = errors.EXIT.USAGE }
end

return M
