--- luaforce.chain.steps: the steps a chain is made of, checked when they are
-- added, and worked out per item into the call they make.
--
-- steps.new(op, ...) -> step   (raises a usage error for misuse, naming the
--   step: "step 3 (update): ...")
--   Operations (the connector's, and upsert):
--     query(soql [, opts])                 opts: all (queryAll), batch_size,
--                                          key (the item key, default "=Id")
--     get(object, id [, opts])             opts: fields ("A,B" or a list),
--                                          relationship, query (parameters)
--     create(object, fields [, opts])      opts: external_id (a field of
--                                          `fields` that keys the record: an
--                                          interrupted create resumes as an
--                                          upsert on it)
--     update(object, id, fields [, opts])
--     delete(object, id [, opts])
--     upsert(object, ext_field, value, fields [, opts])
--   and for every operation, Camunda's output mapping and outcome:
--     result_variable    the name the step's response object gets in the item
--     result_expression  "={...}": its entries go into the item
--     error_expression   "=...": bpmnError stops the item, ignoreError goes
--                        on, jobError retries the step (luaforce.connector.outcome)
--     retries            the step's retries for jobError (default 3)
--   Item steps: map(expr|fn), filter(expr|fn), each(fn), collect([name]),
--   and from(list|iterator [, {key =}]) (the items to start with).
--
-- steps.call(step, item, eopts) -> call | nil, err: the operation's
--   arguments for one item, resolved (luaforce.chain.value) and checked the
--   way the client checks them (a bad name or id is the 400 Salesforce
--   would answer, exit 2, nothing sent). `bound` (optional) lets arguments
--   become composite references (value.reference).
--   call = {op, object, id, ext_field, value, fields, get_fields (list),
--           relationship, query, external_id}
-- steps.describe(step) -> "update Opportunity =id" (plans and reports)
-- steps.signature(step) -> the step in full (state files check it)
local checks = require "luaforce.client.checks"
local cerrors = require "luaforce.client.errors"
local errors = require "luaforce.errors"
local feel = require "luaforce.feel"
local json = require "luaforce.json"
local value = require "luaforce.chain.value"

local M = {}

M.DEFAULT_RETRIES = 3

--- Operations that change the org.
M.WRITES = { create = true, update = true, delete = true, upsert = true }
--- Operations (steps that make requests).
M.OPERATIONS = { query = true, get = true, create = true, update = true, delete = true, upsert = true }

local COMMON = { result_variable = "string", result_expression = "string", error_expression = "string",
  retries = "integer" }
local EXTRA = {
  query = { all = "boolean", batch_size = "integer", key = true },
  get = { fields = true, relationship = "string", query = "table" },
  create = { external_id = "string" },
  update = {}, delete = {}, upsert = {},
}

local function fail(label, message)
  error(errors.usage(("%s: %s"):format(label, message)), 0)
end

local function check_opts(label, op, opts)
  if opts == nil then return {} end
  if type(opts) ~= "table" then fail(label, "options must be a table") end
  local extra = EXTRA[op]
  for k, v in pairs(opts) do
    local want = COMMON[k] or extra[k]
    if not want then
      local names = {}
      for n in pairs(COMMON) do names[#names + 1] = n end
      for n in pairs(extra) do names[#names + 1] = n end
      local near = errors.nearest(tostring(k), names)
      fail(label, ("unknown option '%s'%s"):format(tostring(k), near and (" (did you mean '" .. near .. "'?)") or ""))
    end
    if want == "integer" then
      if math.type(v) ~= "integer" or v < 0 then fail(label, ("%s must be a whole number >= 0"):format(k)) end
    elseif want ~= true and type(v) ~= want then
      fail(label, ("%s must be a %s, not a %s"):format(k, want, type(v)))
    end
  end
  for _, k in ipairs { "result_expression", "error_expression" } do
    if opts[k] then
      local c, err = feel.compile(opts[k])
      if not c then fail(label, ("%s: %s%s"):format(k, err.message, err.excerpt and ("\n" .. err.excerpt) or "")) end
    end
  end
  if opts.result_variable and not opts.result_variable:match("^[%a_][%w_]*$") then
    fail(label, ("result_variable '%s' must be a plain name"):format(opts.result_variable))
  end
  return opts
end

local function object_arg(label, v)
  if type(v) == "string" and not v:match("^%s*=") then
    local why = checks.name_problem(v)
    if why then fail(label, ("'%s' is no object API name (%s)"):format(v, why)) end
  elseif type(v) ~= "string" and type(v) ~= "function" then
    fail(label, ("the object must be a name, an =expression or a function, not a %s"):format(type(v)))
  end
  return value.prepare(v, label .. " object")
end

local function need(label, v, what)
  if v == nil then fail(label, what .. " is missing") end
end

local function fields_arg(label, v)
  if v == nil then v = {} end
  if type(v) ~= "table" and type(v) ~= "function" and not (type(v) == "string" and v:match("^%s*=")) then
    fail(label, ("the fields must be a table, an =expression or a function, not a %s"):format(type(v)))
  end
  return value.prepare(v, label .. " fields", true)
end

local function get_fields(label, f)
  if f == nil then return nil end
  local list = {}
  if type(f) == "string" then
    for name in f:gmatch("[^,%s]+") do list[#list + 1] = name end
  elseif type(f) == "table" then
    for i, name in ipairs(f) do
      if type(name) ~= "string" then fail(label, ("fields[%d] must be a string"):format(i)) end
      list[#list + 1] = name
    end
  else
    fail(label, "fields must be \"A,B\" or a list of names")
  end
  if #list == 0 then fail(label, "fields names no field") end
  for _, name in ipairs(list) do
    local why = checks.name_problem(name)
    if why and not name:match("^[%a_][%w_]*%.[%w_.]+$") then fail(label, ("'%s' is no field API name (%s)"):format(name, why)) end
  end
  return list
end

--- See the file comment. `index` is the step's position (for messages).
function M.new(index, op, a, b, c, d, e)
  local label = ("step %d (%s)"):format(index, op)
  local s = { op = op, index = index, label = label, writes = M.WRITES[op] or false }
  if op == "query" then
    need(label, a, "the query")
    if type(a) ~= "function" and not (type(a) == "string") and not checks.soql_text(a) then
      fail(label, "the query must be SOQL text, a luaforce.soql query, an =expression or a function")
    end
    if type(a) ~= "string" and type(a) ~= "function" then a = checks.soql_text(a) end
    s.soql = value.prepare(a, label .. " query")
    s.opts = check_opts(label, op, b)
    s.key = value.prepare(s.opts.key or "=Id", label .. " key")
  elseif op == "get" then
    s.object = object_arg(label, a)
    need(label, b, "the record id")
    s.id = value.prepare(b, label .. " id")
    s.opts = check_opts(label, op, c)
    s.get_fields = get_fields(label, s.opts.fields)
  elseif op == "create" then
    s.object = object_arg(label, a)
    s.fields = fields_arg(label, b)
    s.opts = check_opts(label, op, c)
  elseif op == "update" then
    s.object = object_arg(label, a)
    need(label, b, "the record id")
    s.id = value.prepare(b, label .. " id")
    s.fields = fields_arg(label, c)
    s.opts = check_opts(label, op, d)
  elseif op == "delete" then
    s.object = object_arg(label, a)
    need(label, b, "the record id")
    s.id = value.prepare(b, label .. " id")
    s.opts = check_opts(label, op, c)
  elseif op == "upsert" then
    s.object = object_arg(label, a)
    if type(b) ~= "string" or checks.name_problem(b) then
      fail(label, "the external id field must be a field API name such as Ext_Id__c")
    end
    s.ext_field = b
    need(label, c, "the external id value")
    s.value = value.prepare(c, label .. " external id value")
    s.fields = fields_arg(label, d)
    s.opts = check_opts(label, op, e)
  elseif op == "map" or op == "filter" then
    if a == nil or (type(a) ~= "function" and not (type(a) == "string" and a:match("^%s*="))) then
      fail(label, "give an =expression or a function of the item")
    end
    s.fn = value.prepare(a, label)
  elseif op == "each" then
    if type(a) ~= "function" then fail(label, "give a function of the item") end
    s.fn = value.prepare(a, label)
  elseif op == "collect" then
    if a ~= nil and (type(a) ~= "string" or not a:match("^[%a_][%w_]*$")) then
      fail(label, "the name must be a plain name such as records")
    end
    s.name = a or "items"
  else
    error("steps.new: unknown step " .. tostring(op), 2)
  end
  if s.opts then s.retries = s.opts.retries or M.DEFAULT_RETRIES end
  return s
end

local function arg_text(spec)
  if spec.kind == "literal" then return tostring(spec.value) end
  if spec.kind == "feel" then return spec.source end
  if spec.kind == "fn" then return "(function)" end
  return "{" .. table.concat(spec.order, ", ") .. "}"
end
M.arg_text = arg_text

-- An argument in full, for signatures: a literal as JSON, an expression
-- as written, a function as such, a fields table entry by entry.
local function arg_full(spec)
  if spec == nil then return "-" end
  if spec.kind == "literal" then
    local text = json.encode(spec.value)
    return "literal " .. (text or tostring(spec.value))
  end
  if spec.kind == "feel" then return "feel " .. spec.source end
  if spec.kind == "fn" then return "function" end
  local parts = {}
  for _, k in ipairs(spec.order) do parts[#parts + 1] = k .. "=" .. arg_full(spec.entries[k]) end
  return "{" .. table.concat(parts, "; ") .. "}"
end

M.arg_full = arg_full

--- A step in full (its arguments, options and key): a state file belongs to
-- the chain whose steps have the same signatures.
function M.signature(s)
  local parts = { s.op }
  for _, name in ipairs { "soql", "object", "id", "value", "fields", "fn", "key" } do
    if s[name] then parts[#parts + 1] = name .. ":" .. arg_full(s[name]) end
  end
  if s.ext_field then parts[#parts + 1] = "ext_field:" .. s.ext_field end
  if s.name then parts[#parts + 1] = "name:" .. s.name end
  local keys = {}
  for k in pairs(s.opts or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = s.opts[k]
    parts[#parts + 1] = k .. "=" .. (type(v) == "table" and (json.encode(v) or "table") or tostring(v))
  end
  return table.concat(parts, " | ")
end

--- See the file comment.
function M.describe(s)
  if s.op == "query" then return "query " .. arg_text(s.soql) end
  if s.op == "get" then
    return ("get %s %s%s"):format(arg_text(s.object), arg_text(s.id),
      s.get_fields and (" (" .. table.concat(s.get_fields, ",") .. ")") or "")
  end
  if s.op == "create" then return ("create %s %s"):format(arg_text(s.object), arg_text(s.fields)) end
  if s.op == "update" then return ("update %s %s %s"):format(arg_text(s.object), arg_text(s.id), arg_text(s.fields)) end
  if s.op == "delete" then return ("delete %s %s"):format(arg_text(s.object), arg_text(s.id)) end
  if s.op == "upsert" then
    return ("upsert %s %s=%s %s"):format(arg_text(s.object), s.ext_field, arg_text(s.value), arg_text(s.fields))
  end
  if s.op == "map" or s.op == "filter" then return s.op .. " " .. arg_text(s.fn) end
  if s.op == "collect" then return "collect " .. s.name end
  return s.op
end

-- The request an error names, for the checks below.
local function request_of(op, object)
  local method = ({ get = "GET", create = "POST", update = "PATCH", delete = "DELETE", upsert = "PATCH" })[op]
  return { method = method, path = "/sobjects/" .. tostring(object) }
end

-- Works one argument out: its value, a composite reference when `bound`
-- allows one, or nil, err.
local function arg(spec, item, eopts, bound)
  if bound then
    local r = value.reference(spec, bound)
    if r then return r end
  end
  local v, why = value.resolve(spec, item, eopts)
  if v == nil then return nil, why end
  return v, why
end

local function null_error(s, what, why)
  return errors.new { code = "INVALID_INPUT", exit = errors.EXIT.USAGE,
    message = ("%s: %s is null%s"):format(s.label, what, (why and why ~= "") and (" (" .. why .. ")") or "") }
end

local function text_arg(s, spec, item, eopts, bound, what)
  local v, why = arg(spec, item, eopts, bound)
  if v == nil then return nil, why end
  if value.is_ref(v) then return v end
  if v == json.null then return nil, null_error(s, what, why) end
  if math.type(v) == "integer" then v = ("%d"):format(v) end
  if type(v) ~= "string" then
    return nil, errors.new { code = "INVALID_INPUT", exit = errors.EXIT.USAGE,
      message = ("%s: %s must be text, not %s"):format(s.label, what, type(v)) }
  end
  return v
end

-- Fields: a table whose values may hold references (one level: a field's
-- whole value).
local function fields_of(s, item, eopts, bound)
  local spec = s.fields
  if spec.kind == "table" then
    local out, order = {}, {}
    for _, k in ipairs(spec.order) do
      local v, why = arg(spec.entries[k], item, eopts, bound)
      if v == nil then return nil, why end
      out[k] = v
      order[#order + 1] = k
    end
    return json.object(out, order)
  end
  local v, why = value.resolve(spec, item, eopts)
  if v == nil then return nil, why end
  if type(v) ~= "table" or v == json.null or json.is_array(v) then
    return nil, errors.new { code = "INVALID_INPUT", exit = errors.EXIT.USAGE,
      message = ("%s: the fields must be a context of field names and values, not %s"):format(s.label,
        v == json.null and "null" or type(v)) }
  end
  return v
end

--- See the file comment.
function M.call(s, item, eopts, bound)
  local c = { op = s.op, step = s }
  local err
  if s.op == "query" then
    c.soql, err = text_arg(s, s.soql, item, eopts, nil, "the query")
    if not c.soql then return nil, err end
    return c
  end
  c.object, err = text_arg(s, s.object, item, eopts, nil, "the object name")
  if not c.object then return nil, err end
  local request = request_of(s.op, c.object)
  local bad = checks.invalid("object", c.object, request)
  if bad then return nil, bad end
  if s.id then
    c.id, err = text_arg(s, s.id, item, eopts, bound, "the record id")
    if not c.id then return nil, err end
    if not value.is_ref(c.id) then
      bad = checks.invalid("id", c.id, request)
      if bad then return nil, bad end
    end
  end
  if s.op == "upsert" then
    c.ext_field = s.ext_field
    c.value, err = text_arg(s, s.value, item, eopts, bound, "the external id value")
    if not c.value then return nil, err end
    if c.value == "" then
      return nil, cerrors.bad_input("MISSING_ARGUMENT", s.label .. ": the external id value is empty", request)
    end
  end
  if s.fields then
    c.fields, err = fields_of(s, item, eopts, bound)
    if not c.fields then return nil, err end
    for k in pairs(c.fields) do
      if k ~= "attributes" then
        bad = checks.invalid("field", k, request)
        if bad then return nil, bad end
      end
    end
  end
  if s.op == "get" then
    c.get_fields, c.relationship, c.query = s.get_fields, s.opts.relationship, s.opts.query
  end
  if s.op == "create" and s.opts.external_id then
    c.external_id = s.opts.external_id
    local v = c.fields[c.external_id]
    if v == nil or v == json.null or value.is_ref(v) then
      return nil, errors.new { code = "INVALID_INPUT", exit = errors.EXIT.USAGE,
        message = ("%s: external_id names %s, but the record has no value for it"):format(s.label, c.external_id) }
    end
  end
  return c
end

--- Whether a call holds a composite reference anywhere.
function M.has_ref(c)
  if value.is_ref(c.id) or value.is_ref(c.value) then return true end
  for _, v in pairs(c.fields or {}) do
    if value.is_ref(v) then return true end
  end
  return false
end

return M
