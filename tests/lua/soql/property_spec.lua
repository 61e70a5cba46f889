-- The safety property of luaforce.soql, checked over hundreds of hostile
-- strings: a value put into a query by the builder, by soql.format, through
-- the LIKE helpers, inside $in lists or by hand with soql.escape parses
-- (with soql.parse) as exactly ONE condition whose literal decodes back to
-- the input. Numbers and date-times get the same treatment.
local soql = require "luaforce.soql"
local errors = require "luaforce.errors"
local decimal = require "luaforce.decimal"

---------------------------------------------------------------------------
-- Hostile strings

local PIECES = {
  "'", "\\", '"', "%", "_", "\n", "\r", "\r\n", "\t", "\b", "\f", "\0", "\1", "\27", "\31", "\127",
  "é", "ß", "日本", "😀", "\194\133", "\194\160", "\u{2028}", "\u{FEFF}", " ", "a", "Z", "0", "9",
  "x' OR Name != 'x", "' OR '1'='1", "') OR (Id != '", "--", ";", "/*", "*/", "{", "}", "{}", "{x}", "{{",
  "(", ")", "\\'", "''", "\\%", "\\_", "\\u0041", "\\n", ":", "null", "LIMIT 1", " AND ", " OR ", "NOT ",
}

local function hostile_strings()
  local list = {
    "", "'", "\\", "x\\", "\\\\", "'\\", "\\'", "x' OR Name != 'x", "%", "_", "%%", "__", "\\%", "\\_",
    "\n", "\r\n", "\0", "100%", "it's", "O'Brien\\", "\"quoted\"", "日本語のテキスト", "😀😀", "a\tb",
  }
  for b = 0, 127 do list[#list + 1] = string.char(b) end
  for _, cp in ipairs { 0x80, 0x85, 0x9F, 0xA0, 0xFF, 0x7FF, 0x800, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF } do
    list[#list + 1] = utf8.char(cp)
  end
  math.randomseed(20240131)
  for _ = 1, 400 do
    local parts = {}
    for i = 1, math.random(1, 12) do parts[i] = PIECES[math.random(#PIECES)] end
    list[#list + 1] = table.concat(parts)
  end
  -- long ones: up to the 4,000-character limit, and right at the limit for LIKE
  for _, unit in ipairs { "a", "é", "'", "\\", "%", "😀" } do
    list[#list + 1] = unit:rep(4000)
    list[#list + 1] = unit:rep(3998)
  end
  local mixed = {}
  for i = 1, 4000 do mixed[i] = ({ "'", "\\", "x", "\n", "%", "é" })[i % 6 + 1] end
  list[#list + 1] = table.concat(mixed)
  return list
end

local HOSTILE = hostile_strings()

---------------------------------------------------------------------------
-- Checks

local function parse(text)
  local ast, err = soql.parse(text)
  assert(ast, err and ("does not parse: " .. text:sub(1, 200) .. err.message))
  return ast
end

-- The query is SELECT Id FROM Account WHERE <one condition> and nothing else.
local function one_condition(text, kind)
  local ast = parse(text)
  assert.equal(1, #ast.fields)
  assert.equal("Account", ast.from.name)
  assert.is_nil(ast.limit)
  assert.is_nil(ast.order_by)
  assert.is_nil(ast.having)
  local w = ast.where
  assert(w and w.kind == kind, ("expected one %s condition, got %s in %s"):format(kind, w and w.kind, text:sub(1, 200)))
  assert.same({ "Name" }, w.left.path)
  return w
end

local function check_equals(text, v)
  local w = one_condition(text, "compare")
  assert.equal("=", w.op)
  assert.equal("string", w.right.kind)
  assert(w.right.value == v, ("literal decodes to %q, not %q"):format(w.right.value, v))
end

-- A LIKE pattern's raw text read as LIKE reads it: ANY and ONE for the
-- wildcards, literal text (escapes decoded) in between.
local ANY, ONE = "<ANY>", "<ONE>"
local NAMED = { n = "\n", N = "\n", r = "\r", R = "\r", t = "\t", T = "\t", b = "\b", B = "\b", f = "\f", F = "\f" }
local function like_tokens(raw)
  local out, buf = {}, {}
  local function flush()
    if #buf > 0 then out[#out + 1] = table.concat(buf); buf = {} end
  end
  local i = 1
  while i <= #raw do
    local c = raw:sub(i, i)
    if c == "\\" then
      local nx = raw:sub(i + 1, i + 1)
      if nx == "u" then
        buf[#buf + 1] = utf8.char(tonumber(raw:sub(i + 2, i + 5), 16))
        i = i + 6
      else
        buf[#buf + 1] = NAMED[nx] or nx
        i = i + 2
      end
    elseif c == "%" or c == "_" then
      flush()
      out[#out + 1] = c == "%" and ANY or ONE
      i = i + 1
    else
      buf[#buf + 1] = c
      i = i + 1
    end
  end
  flush()
  return out
end

local function check_like(text, v, shape)
  local w = one_condition(text, "compare")
  assert.equal("LIKE", w.op)
  local expected = {}
  if shape ~= "starts" then expected[#expected + 1] = ANY end
  if v ~= "" then expected[#expected + 1] = v end
  if shape ~= "ends" then expected[#expected + 1] = ANY end
  assert.same(expected, like_tokens(w.right.raw))
end

local function check_list(text, kind, v, n)
  local w = one_condition(text, kind)
  assert.equal(n, #w.values)
  assert.equal("string", w.values[1].kind)
  assert(w.values[1].value == v, "first list value does not decode back")
  return w
end

local function refused(fn, fragment)
  local ok, err = pcall(fn)
  assert(not ok and errors.is(err) and err.code == "INVALID_SOQL" and err.message:find(fragment, 1, true),
    "expected an INVALID_SOQL error: " .. tostring(err))
end

local S = soql.select
local Q = "SELECT Id FROM Account WHERE "
local function acc(cond) return tostring(S { "Id" }:from("Account"):where(cond)) end

describe("luaforce.soql safety property", function()
  it(("has %d hostile strings to try"):format(#HOSTILE), function()
    assert(#HOSTILE >= 500)
  end)

  it("Name = v, by the builder, round-trips", function()
    for _, v in ipairs(HOSTILE) do
      check_equals(acc { Name = v }, v)
      check_equals(acc { Name = { ["$eq"] = v } }, v)
      check_equals(acc { { Name = v } }, v)
    end
  end)

  it("Name = v, by soql.format, round-trips", function()
    for _, v in ipairs(HOSTILE) do
      check_equals(soql.format(Q .. "Name = {}", { v }), v)
      check_equals(soql.format(Q .. "Name = {name}", { name = v }), v)
      check_equals(soql.format(Q .. "Name = '{}'", { v }), v)
    end
  end)

  it("Name = v, by hand with soql.escape and soql.quote, round-trips", function()
    for _, v in ipairs(HOSTILE) do
      check_equals(Q .. "Name = '" .. soql.escape(v) .. "'", v)
      check_equals(Q .. "Name = " .. soql.quote(v), v)
    end
  end)

  it("the LIKE helpers match v literally, or refuse a pattern over 4000 characters", function()
    for _, v in ipairs(HOSTILE) do
      local n = utf8.len(v)
      for shape, helper in pairs { starts = soql.starts_with, ends = soql.ends_with, contains = soql.contains } do
        local pattern = helper(v)
        local width = n + (shape == "contains" and 2 or 1)
        if width <= 4000 then
          check_like(acc { Name = { ["$like"] = pattern } }, v, shape)
          check_like(soql.format(Q .. "Name LIKE {}", { pattern }), v, shape)
        else
          refused(function() return acc { Name = { ["$like"] = pattern } } end, "characters")
          refused(function() return soql.format(Q .. "Name LIKE {}", { pattern }) end, "characters")
        end
      end
      -- a LIKE fragment spliced into the template's own pattern, and by hand
      -- (where only the parser is left to enforce the limit)
      local by_hand = Q .. "Name LIKE '%" .. soql.escape_like(v) .. "%'"
      if n + 2 <= 4000 then
        check_like(soql.format(Q .. "Name LIKE '%{p:like}%'", { p = v }), v, "contains")
        check_like(by_hand, v, "contains")
      else
        refused(function() return soql.format(Q .. "Name LIKE '%{p:like}%'", { p = v }) end, "characters")
        local ast, err = soql.parse(by_hand)
        assert(ast == nil and err.reason:find("too long", 1, true))
      end
      -- :like outside quotes is a pattern matching exactly v
      local w = one_condition(soql.format(Q .. "Name LIKE {:like}", { v }), "compare")
      assert.same(v == "" and {} or { v }, like_tokens(w.right.raw))
    end
  end)

  it("$nlike keeps v inside one negated condition", function()
    for _, v in ipairs(HOSTILE) do
      if utf8.len(v) <= 3998 then
        local ast = parse(acc { Name = { ["$nlike"] = soql.contains(v) } })
        assert.equal("not", ast.where.kind)
        assert.equal("compare", ast.where.item.kind)
        assert.equal("%" .. v .. "%", ast.where.item.right.value)
      end
    end
  end)

  it("values inside $in, $nin and INCLUDES lists round-trip", function()
    for _, v in ipairs(HOSTILE) do
      local w = check_list(acc { Name = { v, "other" } }, "in", v, 2)
      assert.is_false(w.negated)
      w = check_list(acc { Name = { ["$nin"] = { v } } }, "in", v, 1)
      assert.is_true(w.negated)
      check_list(acc { Name = { ["$in"] = { v, v, 1 } } }, "in", v, 3)
      check_list(acc { Name = { ["$includes"] = { v } } }, "includes", v, 1)
      check_list(acc { Name = { ["$excludes"] = v } }, "excludes", v, 1)
      check_list(soql.format(Q .. "Name IN {}", { { v, "x" } }), "in", v, 2)
      check_list(soql.format(Q .. "Name NOT IN {ids}", { ids = { v } }), "in", v, 1)
    end
  end)

  it("refuses strings over 4000 characters and invalid UTF-8", function()
    for _, unit in ipairs { "a", "é", "'", "\\", "😀" } do
      local v = unit:rep(4001)
      refused(function() return acc { Name = v } end, "4001 characters")
      refused(function() return acc { Name = { v } } end, "4001 characters")
      refused(function() return soql.format(Q .. "Name = {}", { v }) end, "4001 characters")
    end
    for _, bad in ipairs { "\128", "\255", "a\192\128", "\224\128\128", "\237\160\128", "\244\144\128\128", "\226\130" } do
      refused(function() return acc { Name = bad } end, "invalid UTF-8")
      refused(function() return acc { Name = { ["$like"] = soql.contains(bad) } } end, "invalid UTF-8")
      refused(function() return soql.format(Q .. "Name = {}", { bad }) end, "invalid UTF-8")
      refused(function() return soql.format(Q .. "Name = '{}'", { bad }) end, "invalid UTF-8")
      refused(function() return soql.escape(bad) end, "invalid UTF-8")
    end
  end)

  it("floats print without an exponent and read back to the same value", function()
    math.randomseed(7)
    local tried = 0
    local specials = { 0.1, 0.2, 1 / 3, 1e15, 1e16, 1e17, 1e21, 1e22, 1e-5, 1e-7, 2 ^ 53, 2 ^ 63, -(2 ^ 63), 2 ^ 64,
      123.456, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -0.0 }
    local function check(x)
      local text = soql.quote(x)
      assert.is_nil(text:find("[eE]"), text)
      local ast = parse(Q .. "Name = " .. text)
      local got = ast.where.right.value
      if decimal.is(got) then
        assert(decimal.compare(got, x) == 0, ("%s reads back as %s"):format(text, tostring(got)))
      else
        assert(got == x, ("%s reads back as %s, not %.17g"):format(text, tostring(got), x))
      end
      tried = tried + 1
    end
    for _, x in ipairs(specials) do check(x) end
    for _ = 1, 300 do
      local x = string.unpack("<d", string.pack("<i8", math.random(math.mininteger, math.maxinteger)))
      if x == x and x ~= math.huge and x ~= -math.huge then check(x) end
    end
    for _ = 1, 200 do check((math.random() - 0.5) * 10 ^ math.random(-12, 25)) end
    assert(tried > 400)
  end)

  it("integers and epoch date-times always parse", function()
    math.randomseed(11)
    for _ = 1, 300 do
      local n = math.random(math.mininteger, math.maxinteger)
      local ast = parse(acc { Name = n })
      assert.equal(n, ast.where.right.value)
      local secs = math.random(-62167219200, 253402300799)
      local t = soql.epoch(secs)
      ast = parse(acc { Name = { ["$gt"] = t } })
      assert.equal("datetime", ast.where.right.kind)
      local d = os.date("!*t", secs)
      assert.equal(("%04d-%02d-%02dT%02d:%02d:%02dZ"):format(d.year, d.month, d.day, d.hour, d.min, d.sec),
        ast.where.right.value)
    end
  end)
end)
