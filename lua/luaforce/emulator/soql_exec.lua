--- luaforce.emulator.soql_exec: runs SOQL against the local org's store.
--
--   exec.run(store, text, opts)      -> result | nil, err
--   exec.columns(store, text, opts)  -> the `?columns=true` body | nil, err
--   exec.explain(store, text, opts)  -> the `?explain=` body | nil, err
--   exec.render_records(rows, render, first, last, where, before, after)
--                                    -> text | nil, err
--
-- opts: `all_rows` (queryAll: deleted rows too), `version` ("62.0", for the
-- record URLs), `now` (epoch ms, for TODAY and friends; default the store's
-- clock, else the real one), `lazy` (plain queries: `records` is a proxy that
-- builds each record when first indexed; it answers `#` and `records[i]`
-- (so ipairs too), not pairs or json.encode: for a pager that copies pages
-- out), `schema` (when the store has no `schema` field).
--
-- result: `{total_size = N, records = json.array{...}, count_only = bool,
-- child_relationships = {"Contacts", ...}}`, and for plain queries whose
-- columns are all stored fields and parent fields (no subquery, TYPEOF or
-- aliased function) also `rows` (the matched store rows, in order) and
-- `render` (a plan for exec.render_records, which writes the records' JSON
-- text straight from those rows). Records are ready for
-- luaforce.json: `attributes` first, then the select list's order, canonical
-- API names as keys, `json.null` for nulls, parents nested, child subqueries
-- as `{totalSize, done, records}` (or null). err: a luaforce error with
-- Salesforce's `errorCode`, `message` (with the caret excerpt) and `status`.
--
-- How it runs: the text is parsed once (luaforce.soql.parser); every name is
-- resolved against the schema once, into getters that read rows by canonical
-- field name; the WHERE tree becomes a tree of closures (one call per node
-- per row, no name lookups or string building on the way); then one scan of
-- the object's rows, a stable sort, OFFSET/LIMIT, and the records are built
-- from precomputed shapes (one shared key-order metatable per level).
--
-- Salesforce's semantics kept here (see the spec for one row each): text `=`,
-- `!=`, LIKE, IN and GROUP BY ignore case (ASCII and the Latin-1 capitals);
-- `<`, `>` and ORDER BY collate text (case-folded, accented Latin-1 letters
-- with their base letter) and sort picklists in their defined order; `!=`
-- and NOT IN match nulls, the other operators never do; a 15-character id
-- literal matches its 18-character id; date literals are ranges
-- (date_literals.lua) and also cover date-time fields by UTC day; ORDER BY
-- defaults to ASC NULLS FIRST, DESC NULLS LAST, and is stable; OFFSET is at
-- most 2000; nulls form their own GROUP BY group; SUM is exact.
local json = require "luaforce.json"
local decimal = require "luaforce.decimal"
local errors = require "luaforce.errors"
local dt = require "luaforce.emulator.datetime"
local dl = require "luaforce.emulator.date_literals"
local ids = require "luaforce.emulator.ids"
local parser = require "luaforce.soql.parser"
local columns = require "luaforce.soql.columns"
local vocabulary = require "luaforce.soql.vocabulary"

local M = {}

local null = json.null
local lower, byte, sub, find, gsub, format, rep =
  string.lower, string.byte, string.sub, string.find, string.gsub, string.format, string.rep
local gmatch, char = string.gmatch, string.char
local concat, sort = table.concat, table.sort
local mtype, mmin = math.type, math.min
local dcompare = decimal.compare
local setmetatable, getmetatable, type, tonumber, tostring, ipairs, pcall, error =
  setmetatable, getmetatable, type, tonumber, tostring, ipairs, pcall, error

local MAX_OFFSET = 2000
local FIELDS_LIMIT = 200

-- One key-order metatable per record shape, shared by all its records.
local function object_mt(keys) return getmetatable(json.object({}, keys)) end
local ATTR_MT = object_mt { "type", "url" }
local AGG_ATTR_MT = object_mt { "type" }
local CHILD_MT = object_mt { "totalSize", "done", "records" }

---------------------------------------------------------------------------
-- Errors. Compilation is deeply recursive, so a failure is thrown as a
-- marked table and turned back into `nil, err` at the public entry points;
-- anything else thrown is a bug and propagates as it is.
---------------------------------------------------------------------------
local Thrown = {}

local function query_error(code, message)
  return errors.new { code = code, errorCode = code, message = message, status = 400 }
end

local function throw(ctx, code, pos, reason)
  local message = pos and parser.format_error(ctx.text, pos, reason) or reason
  error(setmetatable({ err = query_error(code, message) }, Thrown), 0)
end

local FIELD_HINT = " If you are attempting to use a custom field, be sure to append the '__c' after the"
  .. " custom field name. Please reference your WSDL or the describe call for the appropriate names."
local RELATIONSHIP_HINT = " If you are attempting to use a custom relationship, be sure to append the '__r'"
  .. " after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
local OBJECT_HINT = " If you are attempting to use a custom object, be sure to append the '__c' after the"
  .. " entity name. Please reference your WSDL or the describe call for the appropriate names."

---------------------------------------------------------------------------
-- Values
---------------------------------------------------------------------------

-- Salesforce compares text without regard to case. ASCII lower() plus the
-- Latin-1 capitals U+00C0..U+00DE (but U+00D7) covers the accented names of
-- the demo org; folding never changes the byte length.
local function fold_c3(c) return "\195" .. char(byte(c) + 32) end
local function fold(s)
  s = lower(s)
  if find(s, "\195", 1, true) then s = gsub(s, "\195([\128-\150\152-\158])", fold_c3) end
  return s
end

-- Field type -> comparison class, and the SOAP type name errors use.
local CLASS = {
  id = "id", reference = "id",
  string = "text", textarea = "text", email = "text", phone = "text", url = "text",
  picklist = "text", combobox = "text", encryptedstring = "text",
  multipicklist = "multi",
  boolean = "boolean",
  int = "number", double = "number", currency = "number", percent = "number",
  date = "date", datetime = "datetime",
}
local SOAP = {
  id = "id", reference = "id", boolean = "boolean", int = "integer", double = "double",
  currency = "double", percent = "double", date = "date", datetime = "dateTime",
}
local QUOTED = { text = true, multi = true, id = true }

-- -1, 0, 1 for numbers that may be decimals.
local function numcmp(a, b)
  if type(a) == "number" and type(b) == "number" then
    return a < b and -1 or (a > b and 1 or 0)
  end
  return dcompare(a, b)
end

-- Exact sums. Each number is read as its decimal digits (a float by its
-- shortest round-trip text), so currency cents add up as Salesforce adds
-- them (0.1 + 0.2 = 0.3), past what a double or an int64 holds.
local LIMB, LIMB_DIGITS = 10000000, 7

local function digits_of(v)
  local s
  if mtype(v) == "integer" then
    s = tostring(v)
  elseif type(v) == "number" then
    s = decimal.new(v):plain()
  else
    s = v:plain()
  end
  local neg = byte(s) == 45
  if neg then s = sub(s, 2) end
  local int, frac = s:match("^(%d*)%.?(%d*)$")
  return int .. frac, #frac, neg
end

local function add_digits(acc, digits)
  local i, k, carry = #digits, 1, 0
  while i >= 1 or carry > 0 do
    local chunk = 0
    if i >= 1 then
      local j = i - LIMB_DIGITS + 1
      if j < 1 then j = 1 end
      chunk = tonumber(sub(digits, j, i))
      i = j - 1
    end
    local s = (acc[k] or 0) + chunk + carry
    if s >= LIMB then acc[k], carry = s - LIMB, 1 else acc[k], carry = s, 0 end
    k = k + 1
  end
end

local function trim(a)
  while #a > 0 and a[#a] == 0 do a[#a] = nil end
  return a
end

local function cmp_limbs(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  for k = #a, 1, -1 do
    if a[k] ~= b[k] then return a[k] < b[k] and -1 or 1 end
  end
  return 0
end

local function sub_limbs(a, b) -- a >= b
  local out, borrow = {}, 0
  for k = 1, #a do
    local d = a[k] - (b[k] or 0) - borrow
    if d < 0 then d, borrow = d + LIMB, 1 else borrow = 0 end
    out[k] = d
  end
  return trim(out)
end

local function exact_sum(values)
  local scale, parts = 0, {}
  for i = 1, #values do
    local d, sc, neg = digits_of(values[i])
    parts[i] = { d, sc, neg }
    if sc > scale then scale = sc end
  end
  local pos, neg = {}, {}
  for i = 1, #parts do
    local p = parts[i]
    add_digits(p[3] and neg or pos, p[1] .. rep("0", scale - p[2]))
  end
  trim(pos)
  trim(neg)
  local sign, mag = "", nil
  if cmp_limbs(pos, neg) >= 0 then mag = sub_limbs(pos, neg) else mag, sign = sub_limbs(neg, pos), "-" end
  local t = { #mag > 0 and tostring(mag[#mag]) or "0" }
  for k = #mag - 1, 1, -1 do t[#t + 1] = format("%07d", mag[k]) end
  local digits = concat(t)
  if scale > 0 then
    if #digits <= scale then digits = rep("0", scale - #digits + 1) .. digits end
    digits = sub(digits, 1, #digits - scale) .. "." .. sub(digits, -scale)
  end
  return decimal.new(sign .. digits)
end

-- A sum as Salesforce's JSON shows it: a float when one holds the value
-- exactly (in shortest form), else the exact decimal.
local function plain_number(d)
  local f = d:tonumber() + 0.0
  if f == f and f ~= math.huge and f ~= -math.huge and dcompare(d, f) == 0 then return f end
  return d
end

-- The sum of non-null numbers of a field of type `ftype`.
local function sum_of(values, ftype)
  local all_int = true
  for i = 1, #values do
    if mtype(values[i]) ~= "integer" then all_int = false break end
  end
  if all_int and ftype == "int" then
    local s = 0
    for i = 1, #values do s = s + values[i] end
    return s
  end
  local d = exact_sum(values)
  for i = 1, #values do
    if decimal.is(values[i]) then return d end
  end
  return plain_number(d)
end

---------------------------------------------------------------------------
-- Names: objects, field paths, functions
---------------------------------------------------------------------------

local function object_or_throw(ctx, from)
  local obj = ctx.schema:object(from.name)
  if not obj then
    throw(ctx, "INVALID_TYPE", from.pos, format("sObject type '%s' is not supported.%s", from.name, OBJECT_HINT))
  end
  return obj
end

-- Parent rows by id. Stored references are canonical 18-character ids, so
-- the store's id map (`by_id`, when it has one) answers without
-- re-canonicalising each id as `st:find` does; the object comes from the
-- key prefix.
local function lookups(store, schema)
  local by_id = rawget(store, "by_id")
  local lookup
  if type(by_id) == "table" then
    lookup = function(id)
      local r = by_id[id]
      if r == nil then r = store:find(id) end
      return r
    end
  else
    lookup = function(id) return (store:find(id)) end
  end
  local by_prefix = {}
  for _, o in ipairs(schema:objects()) do
    if o.key_prefix then by_prefix[o.key_prefix] = o.name end
  end
  local function type_of(id)
    local name = by_prefix[sub(id, 1, 3)]
    if name then return name end
    local _, obj = store:find(id)
    return type(obj) == "table" and obj.name or tostring(obj)
  end
  return lookup, type_of
end

-- A typed value source ("tv"): `get(row)` plus what comparisons need to
-- know: `class`, field `type`, canonical `name`, the field `def`, the parent
-- `hops`, and `key`, the lower-cased canonical path GROUP BY matches on.
--
-- resolve() turns a field path as written (`a.Account.Owner.Name`, any case)
-- into one: a leading FROM alias or object name is dropped, every inner
-- segment must be a relationship, the last one a field.
local function resolve(ctx, scope, path, pos)
  local obj = scope.obj
  local i, n = 1, #path
  if n > 1 then
    local first = lower(path[1])
    if scope.alias and first == lower(scope.alias) then
      i = 2
    elseif first == lower(obj.name) and not obj:parent(path[1]) then
      i = 2
    end
  end
  local objs, hops, keyparts = { obj }, {}, {}
  for k = i, n - 1 do
    local seg, ref = path[k], nil
    for _, o in ipairs(objs) do
      ref = o:parent(seg)
      if ref then break end
    end
    if not ref then
      throw(ctx, "INVALID_FIELD", pos, format("Didn't understand relationship '%s' in field path.%s", seg, RELATIONSHIP_HINT))
    end
    local targets = {}
    for _, tname in ipairs(ref.reference_to or {}) do
      local t = ctx.schema:object(tname)
      if t then targets[#targets + 1] = t end
    end
    hops[#hops + 1] = { field = ref.name, rel = ref.relationship_name, targets = targets }
    keyparts[#keyparts + 1] = lower(ref.relationship_name)
    objs = targets
  end
  local last, def = path[n], nil
  for _, o in ipairs(objs) do
    def = o:field(last)
    if def then break end
  end
  if not def then
    throw(ctx, "INVALID_FIELD", pos,
      format("No such column '%s' on entity '%s'.%s", last, objs[1] and objs[1].name or "Name", FIELD_HINT))
  end
  keyparts[#keyparts + 1] = lower(def.name)

  local name, lookup, get = def.name, ctx.lookup, nil
  if #hops == 0 then
    get = function(r) return r[name] end
  elseif #hops == 1 then
    local f1 = hops[1].field
    get = function(r)
      local id = r[f1]
      if id == nil then return nil end
      local p = lookup(id)
      if p == nil then return nil end
      return p[name]
    end
  else
    local refs = {}
    for h = 1, #hops do refs[h] = hops[h].field end
    local nh = #refs
    get = function(r)
      for h = 1, nh do
        local id = r[refs[h]]
        if id == nil then return nil end
        r = lookup(id)
        if r == nil then return nil end
      end
      return r[name]
    end
  end
  return {
    get = get, class = CLASS[def.type] or "text", type = def.type, name = def.name, def = def,
    hops = hops, key = concat(keyparts, "."), path = path, pos = pos,
  }
end

-- Date functions read the stored text ("YYYY-MM-DD" or
-- "YYYY-MM-DDTHH:MM:SS.fff+0000", both UTC); fiscal = calendar.
local function day_in_year(s)
  return dt.parse_date(sub(s, 1, 10)) - dt.days_from_civil(tonumber(sub(s, 1, 4)), 1, 1) + 1
end
local DATE_FN_IMPLS = {
  CALENDAR_YEAR = function(s) return tonumber(sub(s, 1, 4)) end,
  CALENDAR_MONTH = function(s) return tonumber(sub(s, 6, 7)) end,
  CALENDAR_QUARTER = function(s) return (tonumber(sub(s, 6, 7)) - 1) // 3 + 1 end,
  DAY_IN_MONTH = function(s) return tonumber(sub(s, 9, 10)) end,
  DAY_IN_WEEK = function(s) return dt.weekday(dt.parse_date(sub(s, 1, 10))) + 1 end, -- 1 = Sunday
  DAY_IN_YEAR = day_in_year,
  WEEK_IN_MONTH = function(s) return (tonumber(sub(s, 9, 10)) - 1) // 7 + 1 end,
  WEEK_IN_YEAR = function(s) return (day_in_year(s) - 1) // 7 + 1 end,
  HOUR_IN_DAY = function(s) return tonumber(sub(s, 12, 13)) end,
  DAY_ONLY = function(s) return sub(s, 1, 10) end,
}
DATE_FN_IMPLS.FISCAL_YEAR = DATE_FN_IMPLS.CALENDAR_YEAR
DATE_FN_IMPLS.FISCAL_MONTH = DATE_FN_IMPLS.CALENDAR_MONTH
DATE_FN_IMPLS.FISCAL_QUARTER = DATE_FN_IMPLS.CALENDAR_QUARTER
-- every date function SOQL has (luaforce.soql.vocabulary), each implemented
local DATE_FNS = {}
for fn in pairs(vocabulary.DATE_FUNCTIONS) do
  DATE_FNS[fn] = DATE_FN_IMPLS[fn] or error("soql_exec: no implementation of the date function " .. fn)
end
local DATETIME_ONLY = { HOUR_IN_DAY = true, DAY_ONLY = true }
-- Functions that return their argument as it is in the local org.
local IDENTITY_FNS = { FORMAT = true, TOLABEL = true, CONVERTCURRENCY = true, CONVERTTIMEZONE = true }

local function function_tv(ctx, scope, node)
  local fn, arg = node.fn, node.arg
  if not arg or (arg.kind ~= "field" and arg.kind ~= "function") then
    throw(ctx, "MALFORMED_QUERY", node.pos, format("Invalid argument to %s", fn))
  end
  local base = arg.kind == "field" and resolve(ctx, scope, arg.path, arg.pos) or function_tv(ctx, scope, arg)
  if IDENTITY_FNS[fn] then return base end
  local f = DATE_FNS[fn]
  if not f then throw(ctx, "MALFORMED_QUERY", node.pos, format("Unknown function: %s", fn)) end
  if base.class ~= "datetime" and (DATETIME_ONLY[fn] or base.class ~= "date") then
    throw(ctx, "MALFORMED_QUERY", node.pos,
      format("%s can only be applied to %s fields: %s", fn, DATETIME_ONLY[fn] and "dateTime" or "date or dateTime",
        base.name))
  end
  local bget = base.get
  local is_day = fn == "DAY_ONLY"
  return {
    get = function(r)
      local s = bget(r)
      if s == nil then return nil end
      return f(s)
    end,
    class = is_day and "date" or "number", type = is_day and "date" or "int",
    name = base.name, def = base.def, hops = base.hops, pos = node.pos,
    key = lower(fn) .. "(" .. base.key .. ")", fn = fn,
  }
end

-- What a field can be used for. Salesforce refuses long text areas in
-- WHERE, ORDER BY and GROUP BY, multi-select picklists in ORDER BY and GROUP
-- BY, and fractional numbers and date-times in GROUP BY (group by
-- DAY_ONLY(CreatedDate) instead). A schema may say otherwise per field.
local function capable(def, what)
  local v = def[what]
  if v ~= nil then return v end
  local ty = def.type
  local long = ty == "textarea" and (def.length or 0) > 255
  if what == "filterable" then return not long end
  if what == "sortable" then return not long and ty ~= "multipicklist" end
  return not long and ty ~= "multipicklist" and ty ~= "double" and ty ~= "currency" and ty ~= "percent"
    and ty ~= "datetime"
end

local function check_flag(ctx, tv, flag, verb, pos)
  if tv.def and not tv.fn and not capable(tv.def, flag) then
    throw(ctx, "INVALID_FIELD", pos, format("field '%s' can not be %s in a query call", tv.name, verb))
  end
end

---------------------------------------------------------------------------
-- Conditions: each node becomes a closure `test(row) -> boolean`
---------------------------------------------------------------------------

local function type_error(ctx, tv, pos)
  throw(ctx, "INVALID_FIELD", pos, format(
    "value of filter criterion for field '%s' must be of type %s and should %sbe enclosed in quotes",
    tv.name, SOAP[tv.type] or "string", QUOTED[tv.class] and "" or "not "))
end

-- The literal as a value comparable with the field's stored values, or a
-- type error as Salesforce words it.
local function coerce(ctx, tv, lit, pos, like)
  local class, kind = tv.class, lit.kind
  if class == "text" or class == "multi" then
    if kind == "string" then return lit.value end
  elseif class == "id" then
    if kind == "string" then
      if like then return lit.value end
      local id = ids.to18(lit.value)
      if not id then throw(ctx, "INVALID_QUERY_FILTER_OPERATOR", pos, "invalid ID field: " .. lit.value) end
      return id
    end
  elseif class == "number" then
    if kind == "number" or (kind == "currency" and tv.type == "currency") then return lit.value end
  elseif class == "boolean" then
    if kind == "boolean" then return lit.value end
  elseif class == "date" then
    if kind == "date" and dt.parse_date(lit.value) then return lit.value end
  elseif class == "datetime" then
    if kind == "datetime" then
      local v = dt.normalize_datetime(lit.value)
      if v then return v end
    end
  end
  type_error(ctx, tv, pos)
end

local PRED = {
  ["="] = function(c) return c == 0 end,
  ["!="] = function(c) return c ~= 0 end,
  ["<"] = function(c) return c < 0 end,
  ["<="] = function(c) return c <= 0 end,
  [">"] = function(c) return c > 0 end,
  [">="] = function(c) return c >= 0 end,
}

local function strcmp(a, b) return a < b and -1 or (a > b and 1 or 0) end
local collate
local function collatecmp(a, b) return strcmp(collate(a), b) end
local function boolcmp(a, b)
  a, b = a == true and 1 or 0, b == true and 1 or 0
  return a - b
end

-- `v op L` for a non-null v through cmp; nulls match only `!=`.
local function ordered_test(get, op, L, cmp)
  local pred, on_null = PRED[op], op == "!="
  return function(r)
    local v = get(r)
    if v == nil then return on_null end
    return pred(cmp(v, L))
  end
end

local function text_test(get, op, L)
  local F = fold(L)
  local n = #F
  if op == "=" then
    return function(r)
      local v = get(r)
      return v ~= nil and #v == n and (v == L or fold(v) == F)
    end
  elseif op == "!=" then
    return function(r)
      local v = get(r)
      return v == nil or #v ~= n or (v ~= L and fold(v) ~= F)
    end
  end
  return ordered_test(get, op, collate(L), collatecmp)
end

-- A multi-select picklist value as a canonical set text: "b;A" -> "a;b".
local function multi_set(s)
  local parts = {}
  for p in gmatch(s, "[^;]+") do
    p = fold(p):match("^%s*(.-)%s*$")
    if p ~= "" then parts[#parts + 1] = p end
  end
  sort(parts)
  return parts
end
local function multi_key(s) return concat(multi_set(s), ";") end

-- [a, b) as stored text: the date literals.
local function range_test(get, op, a, b)
  if op == "=" then
    return function(r)
      local v = get(r)
      return v ~= nil and v >= a and v < b
    end
  elseif op == "!=" then
    return function(r)
      local v = get(r)
      return v == nil or v < a or v >= b
    end
  end
  -- `< X` is before X's first day, `<= X` before the day after its last,
  -- `> X` from the day after its last, `>= X` from its first day
  local bound = (op == "<" or op == ">=") and a or b
  if op == ">" or op == ">=" then
    return function(r)
      local v = get(r)
      return v ~= nil and v >= bound
    end
  end
  return function(r)
    local v = get(r)
    return v ~= nil and v < bound
  end
end

-- LIKE: `%` any run, `_` one character, `\%` and `\_` themselves (read from
-- the literal's raw text), case-insensitive. Common shapes (exact, prefix,
-- suffix, contains) avoid Lua patterns.
local ANY, ONE = {}, {}
local ESCAPES = { n = "\n", N = "\n", r = "\r", R = "\r", t = "\t", T = "\t", b = "\b", B = "\b", f = "\f", F = "\f" }
local UTF8_CHAR = "[\0-\127\194-\244][\128-\191]*"

local function like_parts(raw)
  local parts, buf = {}, {}
  local function flush()
    if #buf > 0 then
      parts[#parts + 1] = fold(concat(buf))
      buf = {}
    end
  end
  local i, n = 1, #raw
  while i <= n do
    local c = sub(raw, i, i)
    if c == "\\" then
      local nx = sub(raw, i + 1, i + 1)
      if nx == "u" or nx == "U" then
        buf[#buf + 1] = utf8.char(tonumber(sub(raw, i + 2, i + 5), 16) or 0xFFFD)
        i = i + 6
      else
        buf[#buf + 1] = ESCAPES[nx] or nx
        i = i + 2
      end
    elseif c == "%" then
      flush()
      if parts[#parts] ~= ANY then parts[#parts + 1] = ANY end
      i = i + 1
    elseif c == "_" then
      flush()
      parts[#parts + 1] = ONE
      i = i + 1
    else
      buf[#buf + 1] = c
      i = i + 1
    end
  end
  flush()
  return parts
end

local function like_matcher(parts)
  local np, has_one = #parts, false
  for _, p in ipairs(parts) do
    if p == ONE then has_one = true end
  end
  if not has_one then
    if np == 0 then return function(s) return s == "" end end
    if np == 1 and parts[1] == ANY then return function() return true end end
    if np == 1 then
      local lit = parts[1]
      local n = #lit
      return function(s) return #s == n and fold(s) == lit end
    end
    if np == 2 and parts[2] == ANY then
      local lit = parts[1]
      local n = #lit
      return function(s) return #s >= n and fold(sub(s, 1, n)) == lit end
    end
    if np == 2 and parts[1] == ANY then
      local lit = parts[2]
      local n = #lit
      return function(s) return #s >= n and fold(sub(s, -n)) == lit end
    end
    if np == 3 and parts[1] == ANY and parts[3] == ANY then
      local lit = parts[2]
      return function(s) return find(fold(s), lit, 1, true) ~= nil end
    end
  end
  local pat = { "^" }
  for _, p in ipairs(parts) do
    if p == ANY then
      pat[#pat + 1] = ".-"
    elseif p == ONE then
      pat[#pat + 1] = UTF8_CHAR
    else
      pat[#pat + 1] = (gsub(p, "[^%w]", "%%%0"))
    end
  end
  pat[#pat + 1] = "$"
  pat = concat(pat)
  return function(s) return find(fold(s), pat) ~= nil end
end

local function compare_test(ctx, tv, node)
  local op, lit, pos = node.op, node.right, node.pos
  local get, class = tv.get, tv.class
  if lit.kind == "null" then
    if op == "=" then return function(r) return get(r) == nil end end
    if op == "!=" then return function(r) return get(r) ~= nil end end
    return function() return false end
  end
  if lit.kind == "date_literal" and op ~= "LIKE" then
    if class ~= "date" and class ~= "datetime" then type_error(ctx, tv, pos) end
    local a, b = dl.bounds(class, lit.name, lit.n, ctx.now)
    if not a then throw(ctx, "MALFORMED_QUERY", lit.pos or pos, b) end
    return range_test(get, op, a, b)
  end
  if op == "LIKE" then
    coerce(ctx, tv, lit, pos, true)
    local m = like_matcher(like_parts(lit.raw or lit.value))
    return function(r)
      local v = get(r)
      return v ~= nil and m(v)
    end
  end
  local L = coerce(ctx, tv, lit, pos)
  if class == "text" then
    return text_test(get, op, L)
  elseif class == "multi" then
    if op == "=" or op == "!=" then
      local K = multi_key(L)
      local eq = op == "="
      return function(r)
        local v = get(r)
        if v == nil then return not eq end
        return (multi_key(v) == K) == eq
      end
    end
    return text_test(get, op, L)
  elseif class == "number" then
    return ordered_test(get, op, L, numcmp)
  elseif class == "boolean" then
    if op == "=" then return function(r) return (get(r) == true) == L end end
    if op == "!=" then return function(r) return (get(r) == true) ~= L end end
    return ordered_test(get, op, L, boolcmp)
  end
  -- ids, dates and date-times compare as their canonical stored text
  if op == "=" then return function(r) return get(r) == L end end
  if op == "!=" then return function(r) return get(r) ~= L end end
  return ordered_test(get, op, L, strcmp)
end

-- IN / NOT IN a list of literals; a null in the list matches nulls, and NOT
-- IN matches nulls unless the list holds one.
local function in_test(ctx, tv, node)
  local get, class = tv.get, tv.class
  local set, nums, ranges, has_null = {}, {}, {}, false
  for _, lit in ipairs(node.values) do
    if lit.kind == "null" then
      has_null = true
    elseif lit.kind == "date_literal" and (class == "date" or class == "datetime") then
      local a, b = dl.bounds(class, lit.name, lit.n, ctx.now)
      if not a then throw(ctx, "MALFORMED_QUERY", lit.pos or node.pos, b) end
      ranges[#ranges + 1] = { a, b }
    else
      local L = coerce(ctx, tv, lit, node.pos)
      if class == "text" then
        set[fold(L)] = true
      elseif class == "multi" then
        set[multi_key(L)] = true
      elseif class == "number" then
        nums[#nums + 1] = L
      else
        set[L] = true
      end
    end
  end
  local member
  if class == "text" then
    member = function(v) return set[fold(v)] == true end
  elseif class == "multi" then
    member = function(v) return set[multi_key(v)] == true end
  elseif class == "number" then
    member = function(v)
      for i = 1, #nums do
        if numcmp(v, nums[i]) == 0 then return true end
      end
      return false
    end
  else
    member = function(v)
      if set[v] then return true end
      for i = 1, #ranges do
        if v >= ranges[i][1] and v < ranges[i][2] then return true end
      end
      return false
    end
  end
  if node.negated then
    return function(r)
      local v = get(r)
      if v == nil then return not has_null end
      return not member(v)
    end
  end
  return function(r)
    local v = get(r)
    if v == nil then return has_null end
    return member(v)
  end
end

-- INCLUDES / EXCLUDES on a multi-select picklist: each listed value is a
-- set ('a;b' means both); INCLUDES matches when the row holds all of any one
-- set, EXCLUDES when it holds none of them wholly. A null holds nothing.
local function includes_test(ctx, tv, node)
  if tv.class ~= "multi" then
    throw(ctx, "INVALID_QUERY_FILTER_OPERATOR", node.pos,
      "includes or excludes operator only valid on multipicklist field")
  end
  local wanted = {}
  for _, lit in ipairs(node.values) do
    if lit.kind ~= "string" then type_error(ctx, tv, node.pos) end
    wanted[#wanted + 1] = multi_set(lit.value)
  end
  local get, excludes = tv.get, node.kind == "excludes"
  return function(r)
    local v = get(r)
    if v == nil then return excludes end
    local have = {}
    for _, p in ipairs(multi_set(v)) do have[p] = true end
    for _, req in ipairs(wanted) do
      local all = #req > 0
      for _, x in ipairs(req) do
        if not have[x] then
          all = false
          break
        end
      end
      if all then return not excludes end
    end
    return excludes
  end
end

local compile_cond, scan

-- Semi-join `Id IN (SELECT AccountId FROM Contact ...)` and anti-join (NOT
-- IN): the subquery runs once, at the first row, into a set of ids.
local function semijoin_test(ctx, tv, node)
  if tv.class ~= "id" then
    throw(ctx, "INVALID_FIELD", node.pos,
      format("Only Id or reference fields can be used with semi-join or anti-join subqueries: %s", tv.name))
  end
  local q = node.query
  local obj = object_or_throw(ctx, q.from)
  local scope = { obj = obj, alias = q.from.alias, inner = true }
  local item = q.fields[1]
  if #q.fields ~= 1 or item.kind ~= "field" then
    throw(ctx, "MALFORMED_QUERY", (q.fields[2] or item or q).pos,
      "The inner select field of a semi-join or anti-join must be a single Id or reference field")
  end
  local inner = resolve(ctx, scope, item.path, item.pos)
  if inner.class ~= "id" then
    throw(ctx, "INVALID_FIELD", item.pos,
      format("The selected field '%s' in a semi-join or anti-join must be an Id or reference field", inner.name))
  end
  local where = q.where and compile_cond(ctx, q.where, scope)
  local set
  local get, iget, negated, limit = tv.get, inner.get, node.negated, q.limit
  return function(r)
    if not set then
      set = {}
      for _, row in ipairs(scan(ctx, obj, where, limit)) do
        local v = iget(row)
        if v ~= nil then set[v] = true end
      end
    end
    local v = get(r)
    if v == nil then return negated end
    if negated then return not set[v] end
    return set[v] == true
  end
end

-- The left side of a row-level condition or ORDER BY key.
local function row_tv(ctx, scope, node)
  if node.kind == "field" then return resolve(ctx, scope, node.path, node.pos) end
  if node.kind == "function" then return function_tv(ctx, scope, node) end
  throw(ctx, "MALFORMED_QUERY", node.pos, "Aggregate functions are only allowed in the SELECT list, HAVING and ORDER BY of an aggregate query")
end

-- `side` is either a scope (WHERE: rows) or `{left = function(node) -> tv}`
-- (HAVING: groups).
function compile_cond(ctx, node, side)
  local kind = node.kind
  if kind == "and" or kind == "or" then
    local items = {}
    for i, c in ipairs(node.items) do items[i] = compile_cond(ctx, c, side) end
    local n = #items
    if kind == "and" then
      if n == 2 then
        local a, b = items[1], items[2]
        return function(r) return a(r) and b(r) end
      end
      return function(r)
        for i = 1, n do
          if not items[i](r) then return false end
        end
        return true
      end
    end
    if n == 2 then
      local a, b = items[1], items[2]
      return function(r) return a(r) or b(r) end
    end
    return function(r)
      for i = 1, n do
        if items[i](r) then return true end
      end
      return false
    end
  elseif kind == "not" then
    local p = compile_cond(ctx, node.item, side)
    return function(r) return not p(r) end
  end
  local tv
  if side.left then
    if kind == "in_query" then
      throw(ctx, "MALFORMED_QUERY", node.pos, "semi-join and anti-join subqueries are only allowed in WHERE")
    end
    tv = side.left(node.left)
  else
    tv = row_tv(ctx, side, node.left)
    check_flag(ctx, tv, "filterable", "filtered", node.left.pos or node.pos)
  end
  if kind == "compare" then
    return compare_test(ctx, tv, node)
  elseif kind == "in" then
    return in_test(ctx, tv, node)
  elseif kind == "in_query" then
    if side.inner then
      throw(ctx, "MALFORMED_QUERY", node.pos, "Nesting of semi join sub-selects is not supported")
    end
    return semijoin_test(ctx, tv, node)
  elseif kind == "includes" or kind == "excludes" then
    return includes_test(ctx, tv, node)
  end
  error("soql_exec: unknown condition kind " .. tostring(kind))
end

---------------------------------------------------------------------------
-- Scanning and ordering
---------------------------------------------------------------------------

-- The rows of obj that pass `where` (deleted ones only for queryAll), at
-- most `max` of them when given.
function scan(ctx, obj, where, max)
  local rows = ctx.store:all(obj.name, ctx.all_rows)
  local out, n, all = {}, 0, ctx.all_rows
  max = max or math.maxinteger
  if max <= 0 then return out end
  for i = 1, #rows do
    local r = rows[i]
    if (all or r.IsDeleted ~= true) and (not where or where(r)) then
      n = n + 1
      out[n] = r
      if n >= max then break end
    end
  end
  return out
end

-- ORDER BY collates text: case-folded, and the Latin-1 accented letters
-- sort with their base letter (Émile between acme and O'Brien), as
-- Salesforce's collation does.
local BASE = {}
do
  local groups = {
    a = "\128\129\130\131\132\133\160\161\162\163\164\165", c = "\135\167",
    e = "\136\137\138\139\168\169\170\171", i = "\140\141\142\143\172\173\174\175",
    n = "\145\177", o = "\146\147\148\149\150\152\178\179\180\181\182\184",
    u = "\153\154\155\156\185\186\187\188", y = "\157\189\191", ss = "\159", ae = "\134\166",
  }
  for base, bytes in pairs(groups) do
    for i = 1, #bytes do BASE["\195" .. sub(bytes, i, i)] = base end
  end
end
function collate(s)
  s = lower(s)
  if find(s, "\195", 1, true) then s = gsub(s, "\195[\128-\191]", BASE) end
  return s
end

local function order_key(class, v)
  if v == nil then return nil end
  if class == "text" or class == "multi" then return collate(v) end
  if class == "boolean" then return v == true and 1 or 0 end
  return v
end

-- A stable sort of rows (or groups) by keys `{get, class, desc, nulls_first}`.
local function sort_by(rows, keys)
  local n, nk = #rows, #keys
  if n < 2 then return rows end
  local items = {}
  for i = 1, n do
    local r = rows[i]
    local it = { r, i }
    for k = 1, nk do
      local key = keys[k]
      local v = key.get(r)
      if key.rank and v ~= nil then
        it[k + 2] = key.rank[lower(v)] or "999999" .. collate(v)
      else
        it[k + 2] = order_key(key.class, v)
      end
    end
    items[i] = it
  end
  if nk == 1 then
    -- one key (the common case): nulls set aside in their order, the rest
    -- sorted by a comparator without the general loop, when the values are
    -- all strings or all Lua numbers
    local nulls, vals, kind = {}, {}, nil
    for i = 1, n do
      local it = items[i]
      local x = it[3]
      if x == nil then
        nulls[#nulls + 1] = it
      else
        local tx = type(x)
        if kind == nil then kind = tx elseif kind ~= tx then kind = false end
        vals[#vals + 1] = it
      end
    end
    if kind == "string" then
      -- text: sort "key \0 position" strings with Lua's own comparison (no
      -- comparator call per step); the position keeps it stable, counted
      -- from the end for DESC so that ties keep their order once reversed
      local desc, m = keys[1].desc, #vals
      local tagged, by_tag = {}, {}
      for i = 1, m do
        local it = vals[i]
        local tag = format("%s\0%09d", it[3], desc and m - i or i)
        tagged[i] = tag
        by_tag[tag] = it
      end
      sort(tagged)
      for i = 1, m do
        vals[i] = by_tag[tagged[desc and m - i + 1 or i]]
      end
      kind = "sorted"
    end
    if kind == "sorted" or kind == "number" or kind == nil then
      if kind == "number" and keys[1].desc then
        sort(vals, function(a, b)
          local x, y = a[3], b[3]
          if x ~= y then return x > y end
          return a[2] < b[2]
        end)
      elseif kind == "number" then
        sort(vals, function(a, b)
          local x, y = a[3], b[3]
          if x ~= y then return x < y end
          return a[2] < b[2]
        end)
      end
      local first, second = nulls, vals
      if not keys[1].nulls_first then first, second = vals, nulls end
      local j = 0
      for i = 1, #first do
        j = j + 1
        rows[j] = first[i][1]
      end
      for i = 1, #second do
        j = j + 1
        rows[j] = second[i][1]
      end
      return rows
    end
  end
  sort(items, function(a, b)
    for k = 1, nk do
      local x, y = a[k + 2], b[k + 2]
      if x == nil then
        if y ~= nil then return keys[k].nulls_first end
      elseif y == nil then
        return not keys[k].nulls_first
      else
        local c
        local tx = type(x)
        if tx == "string" or (tx == "number" and type(y) == "number") then
          c = x < y and -1 or (x > y and 1 or 0)
        else
          c = dcompare(x, y)
        end
        if c ~= 0 then
          if keys[k].desc then return c > 0 end
          return c < 0
        end
      end
    end
    return a[2] < b[2]
  end)
  for i = 1, n do rows[i] = items[i][1] end
  return rows
end

local function order_keys(ctx, items, left)
  local keys = {}
  for i, o in ipairs(items) do
    local tv = left(o.expr)
    local desc = o.dir == "DESC"
    local nulls_first
    if o.nulls then nulls_first = o.nulls == "FIRST" else nulls_first = not desc end
    local rank
    local def = tv.def
    if def and def.type == "picklist" and def.picklist and not tv.fn then
      -- Salesforce sorts picklists in the order their values are defined
      rank = {}
      for r, v in ipairs(def.picklist) do rank[lower(v)] = format("%06d", r) end
    end
    keys[i] = { get = tv.get, class = tv.class, desc = desc, nulls_first = nulls_first, rank = rank }
  end
  return keys
end

-- ORDER BY, then OFFSET and LIMIT.
local function finish(plan, rows)
  if plan.order then sort_by(rows, plan.order) end
  local off, lim = plan.offset or 0, plan.limit
  if off == 0 and (not lim or lim >= #rows) then return rows end
  local out, last = {}, #rows
  if lim then last = mmin(last, off + lim) end
  for i = off + 1, last do out[#out + 1] = rows[i] end
  return out
end

local function check_offset(ctx, q)
  if q.offset and q.offset > MAX_OFFSET then
    throw(ctx, "NUMBER_OUTSIDE_VALID_RANGE", nil, format("Maximum SOQL offset allowed is %d", MAX_OFFSET))
  end
end

---------------------------------------------------------------------------
-- Plain queries: select shapes and record building
---------------------------------------------------------------------------

-- A shape is one level of a record: its keys in order and the columns that
-- fill them. Column kinds: "value" (row[name]), "get" (get(row)), "parent"
-- (a nested shape through a reference), "typeof", "child" (a subquery).
local function new_shape() return { keys = { "attributes" }, cols = {}, by_key = {} } end

local function shape_add(shape, col)
  local lk = lower(col.key)
  local have = shape.by_key[lk]
  if have then return have, false end
  shape.by_key[lk] = col
  shape.keys[#shape.keys + 1] = col.key
  shape.cols[#shape.cols + 1] = col
  return col, true
end

local function finalize(shape)
  shape.mt = object_mt(shape.keys)
  for _, c in ipairs(shape.cols) do
    if c.shape then finalize(c.shape) end
    if c.whens then
      for _, s in pairs(c.whens) do finalize(s) end
      finalize(c.empty)
    end
  end
  return shape
end

-- Adds a resolved field to a shape, nesting it under its relationships.
-- `quiet` skips the duplicate check (FIELDS() expansions).
local function add_field(ctx, shape, tv, pos, quiet)
  local node = shape
  for _, hop in ipairs(tv.hops) do
    local col = node.by_key[lower(hop.rel)]
    if not col then
      col = shape_add(node, { kind = "parent", key = hop.rel, ref = hop.field, shape = new_shape() })
    elseif col.kind ~= "parent" then
      throw(ctx, "MALFORMED_QUERY", pos, "duplicate field selected: " .. hop.rel)
    end
    node = col.shape
  end
  local _, added = shape_add(node, { kind = "value", key = tv.name, name = tv.name, def = tv.def })
  if not added and not quiet then
    throw(ctx, "MALFORMED_QUERY", pos, "duplicate field selected: " .. tv.name)
  end
end

local build

local function build_parent(ctx, shape, id)
  local p = ctx.lookup(id)
  if p == nil then return nil end
  return build(ctx, shape, p, ctx.type_of(id))
end

function build(ctx, shape, row, objname)
  local prefix = ctx.urls[objname]
  if not prefix then
    prefix = ctx.sobjects .. objname .. "/"
    ctx.urls[objname] = prefix
  end
  local t = { attributes = setmetatable({ type = objname, url = prefix .. row.Id }, ATTR_MT) }
  local cols = shape.cols
  for i = 1, #cols do
    local c = cols[i]
    local kind, v = c.kind, nil
    if kind == "value" then
      v = row[c.name]
    elseif kind == "get" then
      v = c.get(row)
    elseif kind == "parent" then
      local id = row[c.ref]
      if id ~= nil then v = build_parent(ctx, c.shape, id) end
    elseif kind == "typeof" then
      local id = row[c.ref]
      if id ~= nil then
        local p = ctx.lookup(id)
        if p ~= nil then
          local name = ctx.type_of(id)
          local sh = c.whens[lower(name)] or c.empty
          v = build(ctx, sh, p, name)
        end
      end
    else -- child
      v = c.fetch(row.Id)
    end
    if v == nil then v = null end
    t[c.key] = v
  end
  return setmetatable(t, shape.mt)
end

---------------------------------------------------------------------------
-- Render plans: records as JSON text straight from the rows
---------------------------------------------------------------------------

-- Building a table per record and encoding it costs a page several times
-- what a client spends decoding it. When every column is a stored value or
-- a parent, json_render.c writes the same bytes from the rows themselves;
-- here the shape is turned once per query into the literal pieces it needs
-- (keys and attribute heads encoded by json.encode, so they are escaped as
-- the encoder escapes them). Its format is described in json_render.c.
local raw_render_rows = require("luaforce.core.json").raw_render_rows

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

-- The render plan of a plain query, or nil. Parents are read from the
-- store's id map, so a store without one renders the slow way.
local function render_plan(ctx, plan)
  local by_id = rawget(ctx.store, "by_id")
  if type(by_id) ~= "table" or getmetatable(by_id) ~= nil then return nil end
  local shape, parents = render_columns(plan.shape)
  local head = shape and render_head(plan.obj.name)
  if not head then return nil end
  shape.head, shape.url = head, ctx.sobjects .. plan.obj.name .. "/"
  return { shape = shape, by_id = by_id, types = parents and render_types(ctx) or {} }
end

--- The JSON text of the records of rows[first..last] (a result's `rows`
-- and `render`), joined by ",": the bytes json.encode writes for the same
-- records. `where` (optional) names the array in error messages; `before`
-- and `after` (optional text) surround the records in the one string made.
-- A value JSON cannot hold gives nil and the error json.encode gives.
function M.render_records(rows, render, first, last, where, before, after)
  local text, message = raw_render_rows(rows, first, last, render.shape, render.by_id, render.types, where,
    before, after)
  if text then return text end
  return nil, errors.new { code = "JSON_ENCODE_ERROR", message = message, exit = errors.EXIT.USAGE }
end

local compile_plain

-- A child subquery `(SELECT ... FROM Contacts ...)`: its rows are read once
-- per query into buckets by parent id; WHERE, ORDER BY, OFFSET and LIMIT
-- apply per parent.
local function compile_child(ctx, parent, item)
  local q = item.query
  local rel = parent:child(q.from.name)
  if not rel then
    throw(ctx, "INVALID_FIELD", q.from.pos,
      format("Didn't understand relationship '%s' in FROM part of query call.%s", q.from.name, RELATIONSHIP_HINT))
  end
  local cobj = ctx.schema:object(rel.object)
  local plan = compile_plain(ctx, q, { obj = cobj, alias = q.from.alias }, true)
  local link_def = cobj:field(rel.field)
  local link = link_def and link_def.name or rel.field
  local buckets
  local function fetch(id)
    if not buckets then
      buckets = {}
      for _, r in ipairs(scan(ctx, cobj, plan.where)) do
        local p = r[link]
        if p ~= nil then
          local b = buckets[p]
          if not b then
            b = {}
            buckets[p] = b
          end
          b[#b + 1] = r
        end
      end
    end
    local rows = buckets[id]
    if not rows then return nil end
    rows = finish(plan, rows)
    if #rows == 0 then return nil end
    local recs = {}
    for i = 1, #rows do recs[i] = build(ctx, plan.shape, rows[i], cobj.name) end
    return setmetatable({ totalSize = #recs, done = true, records = json.array(recs) }, CHILD_MT)
  end
  return { kind = "child", key = rel.name, fetch = fetch, plan = plan, object = cobj }
end

-- TYPEOF What WHEN Account THEN Name, Phone WHEN ... ELSE Name END: one
-- shape per named type, and for the ELSE fields one per other target type.
local function compile_typeof(ctx, scope, item)
  local obj = scope.obj
  local relname = item.path[#item.path]
  local ref = obj:parent(relname)
  if #item.path ~= 1 or not ref then
    throw(ctx, "INVALID_FIELD", item.pos, format("Didn't understand relationship '%s' in field path.%s",
      relname, RELATIONSHIP_HINT))
  end
  local whens = {}
  for _, w in ipairs(item.whens) do
    local tobj = ctx.schema:object(w.type)
    if not tobj then
      throw(ctx, "INVALID_TYPE", w.pos or item.pos, format("sObject type '%s' is not supported.%s", w.type, OBJECT_HINT))
    end
    local sh = new_shape()
    for _, f in ipairs(w.fields) do add_field(ctx, sh, resolve(ctx, { obj = tobj }, f.path, f.pos), f.pos) end
    whens[lower(tobj.name)] = sh
  end
  if item.else_ then
    local found = {}
    for _, tname in ipairs(ref.reference_to or {}) do
      local tobj = ctx.schema:object(tname)
      if tobj and not whens[lower(tobj.name)] then
        local sh = new_shape()
        for i, f in ipairs(item.else_) do
          local ok, tv = pcall(resolve, ctx, { obj = tobj }, f.path, f.pos)
          if ok then
            add_field(ctx, sh, tv, f.pos, true)
            found[i] = true
          elseif getmetatable(tv) ~= Thrown then
            error(tv, 0)
          end
        end
        whens[lower(tobj.name)] = sh
      end
    end
    for i, f in ipairs(item.else_) do
      if not found[i] then
        local first = ctx.schema:object((ref.reference_to or {})[1] or "") or obj
        resolve(ctx, { obj = first }, f.path, f.pos) -- throws the right message
      end
    end
  end
  return { kind = "typeof", key = ref.relationship_name, ref = ref.name, whens = whens, empty = new_shape() }
end

function compile_plain(ctx, q, scope, is_child)
  local obj = scope.obj
  local shape, children = new_shape(), {}
  for _, col in ipairs(columns.of(q)) do
    local item, kind = col.item, col.item.kind
    if kind == "field" then
      add_field(ctx, shape, resolve(ctx, scope, item.path, item.pos), item.pos)
    elseif kind == "function" then
      if DATE_FNS[item.fn] then
        throw(ctx, "MALFORMED_QUERY", item.pos, format("%s can only be used in an aggregate query", item.fn))
      end
      local tv = function_tv(ctx, scope, item)
      if col.kind == "alias" then
        local _, added = shape_add(shape, { kind = "get", key = col.name, get = tv.get, def = tv.def })
        if not added then throw(ctx, "MALFORMED_QUERY", item.pos, "duplicate alias: " .. col.name) end
      else
        add_field(ctx, shape, tv, item.pos)
      end
    elseif kind == "fields" then
      if not is_child and item.which ~= "STANDARD" and (not q.limit or q.limit > FIELDS_LIMIT) then
        throw(ctx, "MALFORMED_QUERY", item.pos,
          format("The SOQL FIELDS function must have a LIMIT of at most %d", FIELDS_LIMIT))
      end
      for _, f in ipairs(obj.fields) do
        local custom = f.custom == true
        if item.which == "ALL" or (item.which == "CUSTOM") == custom then
          add_field(ctx, shape, resolve(ctx, { obj = obj }, { f.name }, item.pos), item.pos, true)
        end
      end
    elseif kind == "subquery" then
      if is_child then
        throw(ctx, "MALFORMED_QUERY", item.pos, "Nested child subqueries are not supported")
      end
      local col = compile_child(ctx, obj, item)
      local _, added = shape_add(shape, col)
      if not added then throw(ctx, "MALFORMED_QUERY", item.pos, "duplicate field selected: " .. col.key) end
      children[#children + 1] = col.key
    elseif kind == "typeof" then
      local col = compile_typeof(ctx, scope, item)
      local _, added = shape_add(shape, col)
      if not added then throw(ctx, "MALFORMED_QUERY", item.pos, "duplicate field selected: " .. col.key) end
    else
      throw(ctx, "MALFORMED_QUERY", item.pos, "unexpected select item")
    end
  end
  local where = q.where and compile_cond(ctx, q.where, scope)
  local order
  if q.order_by then
    order = order_keys(ctx, q.order_by, function(node)
      local tv = row_tv(ctx, scope, node)
      check_flag(ctx, tv, "sortable", "sorted", node.pos)
      return tv
    end)
  end
  return {
    kind = "plain", obj = obj, shape = finalize(shape), where = where, order = order,
    limit = q.limit, offset = q.offset, children = children, q = q,
  }
end

---------------------------------------------------------------------------
-- Aggregate queries
---------------------------------------------------------------------------

local NULL_KEY = {}

-- The table key a grouped value groups under (text without case, numbers
-- by value).
local function group_key(class, v)
  if v == nil then return NULL_KEY end
  if class == "text" or class == "multi" then return fold(v) end
  if decimal.is(v) then
    local f = v:tonumber()
    if dcompare(v, f) == 0 then return f end
    return "#" .. tostring(v)
  end
  return v
end

-- The aggregate under FORMAT(), convertCurrency() ... wrappers, if any.
local function inner_aggregate(node)
  while node and node.kind == "function" and IDENTITY_FNS[node.fn] do node = node.arg end
  if node and node.kind == "aggregate" then return node end
  return nil
end
local function is_aggregate(item) return inner_aggregate(item) ~= nil end

local function path_text(node)
  if node.kind == "field" then return concat(node.path, ".") end
  if node.kind == "aggregate" then return node.fn .. "(" .. (node.arg and path_text(node.arg) or "") .. ")" end
  if node.kind == "function" then return node.fn .. "(" .. (node.arg and path_text(node.arg) or "") .. ")" end
  return "?"
end

local function compile_aggregate(ctx, q, scope)
  local obj = scope.obj
  local function left(node) return row_tv(ctx, scope, node) end

  -- grouping expressions
  local groups, gindex = {}, {}
  if q.group_by then
    for i, g in ipairs(q.group_by.fields) do
      local tv = left(g)
      check_flag(ctx, tv, "groupable", "grouped", g.pos)
      groups[i] = tv
      gindex[tv.key] = i
    end
  end
  local function grouped(node, tv)
    local i = gindex[tv.key]
    if not i then
      throw(ctx, "MALFORMED_QUERY", node.pos, "Field must be grouped or aggregated: " .. path_text(node))
    end
    return i
  end
  local function group_value(i) return function(g) return g.vals[i] end end

  -- aggregates, each computed at most once per group
  local nspecs = 0
  local NONE = {}
  local function aggregate(node)
    local fn, compute, class, ftype, name = node.fn, nil, "number", "double", node.fn
    if node.arg == nil then
      if fn ~= "COUNT" then throw(ctx, "MALFORMED_QUERY", node.pos, fn .. "() needs a field") end
      compute = function(rows) return #rows end
      ftype = "int"
    else
      local tv = left(node.arg)
      local vget = tv.get
      name = tv.name
      if fn == "COUNT" then
        ftype = "int"
        compute = function(rows)
          local n = 0
          for i = 1, #rows do
            if vget(rows[i]) ~= nil then n = n + 1 end
          end
          return n
        end
      elseif fn == "COUNT_DISTINCT" then
        ftype = "int"
        local vclass = tv.class
        compute = function(rows)
          local seen, n = {}, 0
          for i = 1, #rows do
            local v = vget(rows[i])
            if v ~= nil then
              local k = group_key(vclass, v)
              if not seen[k] then
                seen[k] = true
                n = n + 1
              end
            end
          end
          return n
        end
      elseif fn == "SUM" or fn == "AVG" then
        if tv.class ~= "number" then
          throw(ctx, "MALFORMED_QUERY", node.pos, format("field %s does not support aggregate operator %s", tv.name, fn))
        end
        local avg, vtype = fn == "AVG", tv.type
        compute = function(rows)
          local vals = {}
          for i = 1, #rows do
            local v = vget(rows[i])
            if v ~= nil then vals[#vals + 1] = v end
          end
          if #vals == 0 then return nil end
          if avg then return exact_sum(vals):tonumber() / #vals end
          return sum_of(vals, vtype)
        end
      elseif fn == "MIN" or fn == "MAX" then
        class, ftype = tv.class, tv.type
        if class == "multi" then
          throw(ctx, "MALFORMED_QUERY", node.pos, format("field %s does not support aggregate operator %s", tv.name, fn))
        end
        local want = fn == "MIN" and -1 or 1
        compute = function(rows)
          local best, bkey
          for i = 1, #rows do
            local v = vget(rows[i])
            if v ~= nil then
              local k = order_key(class, v)
              if best == nil then
                best, bkey = v, k
              else
                local c
                if type(k) == "string" or (type(k) == "number" and type(bkey) == "number") then
                  c = strcmp(k, bkey)
                else
                  c = dcompare(k, bkey)
                end
                if c == want then best, bkey = v, k end
              end
            end
          end
          return best
        end
      else
        throw(ctx, "MALFORMED_QUERY", node.pos, "Unknown aggregate function: " .. tostring(fn))
      end
    end
    nspecs = nspecs + 1
    local id = nspecs
    return {
      class = class, type = ftype, name = name,
      get = function(g)
        local c = g.cache
        local v = c[id]
        if v == nil then
          v = compute(g.rows)
          if v == nil then v = NONE end
          c[id] = v
        end
        if v == NONE then return nil end
        return v
      end,
    }
  end

  -- the select list; names from luaforce.soql.columns, a grouped field's
  -- spelt as the schema has it
  local cols, count_only = {}, false
  for _, col in ipairs(columns.of(q)) do
    local item = col.item
    local kind = item.kind
    if col.kind == "count" then
      count_only = true
    elseif is_aggregate(item) then
      local spec = aggregate(inner_aggregate(item))
      cols[#cols + 1] = { key = col.name, get = spec.get, node = item, spec = spec }
    elseif kind == "function" and item.fn == "GROUPING" then
      -- 1 on the ROLLUP/CUBE subtotal rows where the field is rolled up
      local i = grouped(item.arg, left(item.arg))
      cols[#cols + 1] = {
        key = col.name, node = item, spec = { class = "number", type = "int" },
        get = function(g) return (g.rolled and g.rolled[i]) and 1 or 0 end,
      }
    elseif kind == "field" or kind == "function" then
      local tv = left(item)
      local i = grouped(item, tv)
      local key = col.kind == "field" and tv.name or col.name
      cols[#cols + 1] = { key = key, get = group_value(i), node = item, tv = tv }
    else
      throw(ctx, "MALFORMED_QUERY", item.pos, "Only grouped fields and aggregate functions can be selected in an aggregate query")
    end
  end
  if count_only and #q.fields > 1 then
    throw(ctx, "MALFORMED_QUERY", q.fields[2].pos, "COUNT() cannot be used with other fields")
  end

  -- HAVING and ORDER BY see groups: aggregates and grouped expressions
  local function group_tv(node)
    if is_aggregate(node) then return aggregate(inner_aggregate(node)) end
    local tv = left(node)
    local i = grouped(node, tv)
    return { get = group_value(i), class = tv.class, type = tv.type, name = tv.name, def = tv.def }
  end
  local having = q.having and compile_cond(ctx, q.having, { left = group_tv })
  local order = q.order_by and order_keys(ctx, q.order_by, group_tv)
  local keys = { "attributes" }
  for i, c in ipairs(cols) do keys[i + 1] = c.key end
  return {
    kind = "aggregate", obj = obj, where = q.where and compile_cond(ctx, q.where, scope),
    groups = groups, rollup = q.group_by and q.group_by.kind or "plain", having = having,
    order = order, limit = q.limit, offset = q.offset, cols = cols, mt = object_mt(keys),
    count_only = count_only, q = q,
  }
end

-- ROLLUP: the grouping sets (f1..fn), (f1..fn-1), ..., (); CUBE: every
-- subset, larger ones first. Returns lists of kept expression indexes.
local function grouping_sets(kind, n)
  local sets = {}
  if kind == "rollup" then
    for keep = n - 1, 0, -1 do
      local s = {}
      for i = 1, keep do s[i] = i end
      sets[#sets + 1] = s
    end
  elseif kind == "cube" then
    local masks = {}
    for m = (1 << n) - 2, 0, -1 do masks[#masks + 1] = m end
    sort(masks, function(a, b)
      local ca, cb = 0, 0
      for i = 0, n - 1 do
        if a & (1 << i) ~= 0 then ca = ca + 1 end
        if b & (1 << i) ~= 0 then cb = cb + 1 end
      end
      if ca ~= cb then return ca > cb end
      return a > b
    end)
    for _, m in ipairs(masks) do
      local s = {}
      for i = 1, n do
        if m & (1 << (i - 1)) ~= 0 then s[#s + 1] = i end
      end
      sets[#sets + 1] = s
    end
  end
  return sets
end

local function group_rows(plan, rows)
  local groups = plan.groups
  local ng = #groups
  if ng == 0 then return { { vals = {}, rows = rows, cache = {} } } end
  local list, root = {}, {}
  local vals = {}
  for r = 1, #rows do
    local row = rows[r]
    local node = root
    for i = 1, ng do
      local v = groups[i].get(row)
      vals[i] = v
      local k = group_key(groups[i].class, v)
      local nxt = node[k]
      if not nxt then
        if i == ng then
          local copy = {}
          for j = 1, ng do copy[j] = vals[j] end
          nxt = { vals = copy, rows = {}, cache = {} }
          list[#list + 1] = nxt
        else
          nxt = {}
        end
        node[k] = nxt
      end
      node = nxt
    end
    node.rows[#node.rows + 1] = row
  end
  -- subtotals of ROLLUP and CUBE, after the detailed groups
  local detailed = { table.unpack(list) }
  for _, set in ipairs(grouping_sets(plan.rollup, ng)) do
    local index, sub = {}, {}
    for _, g in ipairs(detailed) do
      local node = index
      for _, i in ipairs(set) do
        local k = group_key(groups[i].class, g.vals[i])
        node[k] = node[k] or {}
        node = node[k]
      end
      local agg = node[NULL_KEY]
      if not agg then
        local v, rolled = {}, {}
        for i = 1, ng do rolled[i] = true end
        for _, i in ipairs(set) do
          v[i] = g.vals[i]
          rolled[i] = nil
        end
        agg = { vals = v, rows = {}, cache = {}, rolled = rolled }
        node[NULL_KEY] = agg
        sub[#sub + 1] = agg
      end
      for _, r in ipairs(g.rows) do agg.rows[#agg.rows + 1] = r end
    end
    for _, g in ipairs(sub) do list[#list + 1] = g end
  end
  return list
end

local function run_aggregate(ctx, plan)
  local rows = scan(ctx, plan.obj, plan.where)
  local groups = group_rows(plan, rows)
  if plan.having then
    local kept = {}
    for _, g in ipairs(groups) do
      if plan.having(g) then kept[#kept + 1] = g end
    end
    groups = kept
  end
  groups = finish(plan, groups)
  if plan.count_only then
    return { total_size = #groups, records = json.array {}, count_only = true, child_relationships = {} }
  end
  local recs, cols, mt = {}, plan.cols, plan.mt
  for gi, g in ipairs(groups) do
    local t = { attributes = setmetatable({ type = "AggregateResult" }, AGG_ATTR_MT) }
    for i = 1, #cols do
      local v = cols[i].get(g)
      if v == nil then v = null end
      t[cols[i].key] = v
    end
    recs[gi] = setmetatable(t, mt)
  end
  return { total_size = #recs, records = json.array(recs), count_only = false, child_relationships = {} }
end

---------------------------------------------------------------------------
-- Entry points
---------------------------------------------------------------------------

local function context(store, text, opts)
  if type(store) ~= "table" then error("bad argument #1 to 'run' (store expected)", 3) end
  if type(text) ~= "string" then error("bad argument #2 to 'run' (string expected, got " .. type(text) .. ")", 3) end
  opts = opts or {}
  local schema = opts.schema or store.schema
  if not schema then error("soql_exec: the store has no schema (pass opts.schema)", 3) end
  local now = opts.now
  if now == nil and type(store.clock) == "table" and store.clock.now then now = store.clock.now() end
  local version = opts.version or "62.0"
  local lookup, type_of = lookups(store, schema)
  return {
    lookup = lookup, type_of = type_of, urls = {}, lazy = opts.lazy and true or false,
    store = store, schema = schema, text = text, all_rows = opts.all_rows and true or false,
    now = now or dt.now_ms(), version = version,
    sobjects = "/services/data/v" .. version .. "/sobjects/",
  }
end

local function parse(ctx)
  local ast, err = parser.parse(ctx.text)
  if not ast then
    if type(err) == "table" then
      err.errorCode = err.errorCode or err.code or "MALFORMED_QUERY"
      err.status = err.status or 400
    else
      err = query_error("MALFORMED_QUERY", tostring(err))
    end
    error(setmetatable({ err = err }, Thrown), 0)
  end
  return ast
end

-- Runs fn(...) turning thrown query errors into `nil, err`.
local function protect(fn, ...)
  local ok, res = pcall(fn, ...)
  if ok then return res end
  if getmetatable(res) == Thrown then return nil, res.err end
  error(res, 0)
end

local function compile_query(ctx, q)
  local obj = object_or_throw(ctx, q.from)
  local scope = { obj = obj, alias = q.from.alias }
  check_offset(ctx, q)
  local aggregate_query = q.group_by ~= nil
  for _, item in ipairs(q.fields) do
    if is_aggregate(item) then aggregate_query = true end
  end
  if aggregate_query then return compile_aggregate(ctx, q, scope) end
  return compile_plain(ctx, q, scope, false)
end

local function execute(ctx, plan)
  if plan.kind == "aggregate" then
    if plan.count_only and #plan.groups == 0 and not plan.having then
      -- SELECT COUNT() ...: no group to build, only rows to count
      local max = plan.limit and (plan.offset or 0) + plan.limit
      local n = #scan(ctx, plan.obj, plan.where, max) - (plan.offset or 0)
      if n < 0 then n = 0 end
      return { total_size = n, records = json.array {}, count_only = true, child_relationships = {} }
    end
    return run_aggregate(ctx, plan)
  end
  local max = (not plan.order and plan.limit) and (plan.offset or 0) + plan.limit or nil
  local rows = finish(plan, scan(ctx, plan.obj, plan.where, max))
  local shape, name, n = plan.shape, plan.obj.name, #rows
  local recs
  if ctx.lazy then
    -- records are built when first indexed: a client paging through a big
    -- result pays for the pages it reads, not for the whole result up front
    recs = setmetatable({}, {
      __len = function() return n end,
      __index = function(t, i)
        local row = math.type(i) == "integer" and rows[i]
        if not row then return nil end
        local r = build(ctx, shape, row, name)
        rawset(t, i, r)
        return r
      end,
    })
  else
    recs = {}
    for i = 1, n do recs[i] = build(ctx, shape, rows[i], name) end
    recs = json.array(recs)
  end
  local result = { total_size = n, records = recs, count_only = false, child_relationships = plan.children }
  local render = render_plan(ctx, plan)
  if render then result.rows, result.render = rows, render end
  return result
end

--- Runs a query: `result` or `nil, err` (see the top of this file).
function M.run(store, text, opts)
  local ctx = context(store, text, opts)
  return protect(function()
    return execute(ctx, compile_query(ctx, parse(ctx)))
  end)
end

-- columnMetadata (the Salesforce CLI's `?columns=true`)
local APEX = {
  id = "Id", reference = "Id", string = "String", textarea = "String", email = "String", phone = "String",
  url = "String", picklist = "String", multipicklist = "String", combobox = "String", boolean = "Boolean",
  int = "Integer", double = "Double", currency = "Decimal", percent = "Double", date = "Date", datetime = "Datetime",
}

local function flag(def, name, default)
  local v = def and def[name]
  if type(v) == "boolean" then return v end
  return default
end

local function column(name, display, def, extra)
  local ty = def and def.type
  local class = ty and CLASS[ty]
  local writable = def ~= nil and ty ~= "id" and not (def.read_only or def.calculated or def.formula)
  local c = {
    aggregate = false, apexType = APEX[ty] or null, booleanType = ty == "boolean", columnName = name,
    custom = def and def.custom == true or false, displayName = display, foreignKeyName = null,
    insertable = flag(def, "createable", writable), joinColumns = json.array {},
    numberType = class == "number", textType = class == "text" or class == "multi",
    updatable = flag(def, "updateable", writable),
  }
  for k, v in pairs(extra or {}) do c[k] = v end
  return c
end

local function shape_columns(shape, prefix)
  local out = {}
  for _, c in ipairs(shape.cols) do
    local display = prefix and prefix .. "." .. c.key or c.key
    if c.kind == "value" or c.kind == "get" then
      out[#out + 1] = column(c.key, display, c.def)
    elseif c.kind == "parent" then
      out[#out + 1] = column(c.key, display, nil, { joinColumns = json.array(shape_columns(c.shape, display)) })
    elseif c.kind == "typeof" then
      local joins = {}
      local seen = {}
      for _, sh in pairs(c.whens) do
        for _, jc in ipairs(shape_columns(sh, display)) do
          if not seen[jc.columnName] then
            seen[jc.columnName] = true
            joins[#joins + 1] = jc
          end
        end
      end
      sort(joins, function(a, b) return a.columnName < b.columnName end)
      out[#out + 1] = column(c.key, display, nil, { joinColumns = json.array(joins) })
    else
      out[#out + 1] = column(c.key, display, nil, {
        aggregate = true, joinColumns = json.array(shape_columns(c.plan.shape, nil)),
      })
    end
  end
  return out
end

--- The `?columns=true` body: `{columnMetadata, entityName, groupBy,
-- idSelected, keyPrefix}`.
function M.columns(store, text, opts)
  local ctx = context(store, text, opts)
  return protect(function()
    local q = parse(ctx)
    local plan = compile_query(ctx, q)
    local cols, id_selected = {}, false
    if plan.kind == "plain" then
      cols = shape_columns(plan.shape, nil)
      id_selected = plan.shape.by_key.id ~= nil
    else
      for _, c in ipairs(plan.cols) do
        local def = c.tv and c.tv.def or nil
        local display = c.node.alias or path_text(c.node)
        local col = column(c.key, display, def)
        if c.spec then
          col.aggregate = true
          col.apexType = c.spec.type == "int" and "Integer" or (APEX[c.spec.type] or "Double")
          col.numberType = c.spec.class == "number"
          col.textType = c.spec.class == "text"
          col.booleanType = false
          col.insertable, col.updatable, col.custom = false, false, false
        end
        cols[#cols + 1] = col
      end
    end
    return json.object({
      columnMetadata = json.array(cols), entityName = plan.obj.name, groupBy = q.group_by ~= nil,
      idSelected = id_selected, keyPrefix = plan.obj.key_prefix or null,
    }, { "columnMetadata", "entityName", "groupBy", "idSelected", "keyPrefix" })
  end)
end

--- The `?explain=` body: one table-scan plan with the row counts.
function M.explain(store, text, opts)
  local ctx = context(store, text, opts)
  return protect(function()
    local plan = compile_query(ctx, parse(ctx))
    local total = 0
    for _, r in ipairs(ctx.store:all(plan.obj.name, ctx.all_rows)) do
      if ctx.all_rows or r.IsDeleted ~= true then total = total + 1 end
    end
    local matched = #scan(ctx, plan.obj, plan.where)
    return {
      plans = json.array {
        {
          cardinality = matched, fields = json.array {}, leadingOperationType = "TableScan",
          notes = json.array {}, relativeCost = total == 0 and 0.0 or 1.0 * (0.5 + matched / total),
          sobjectCardinality = total, sobjectType = plan.obj.name,
        },
      },
    }
  end)
end

return M
