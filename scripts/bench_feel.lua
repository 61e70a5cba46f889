-- scripts/bench_feel.lua: luaforce's FEEL next to feelin 8.2.0 (node), in
-- one run (`scripts/bench feel`).
--
--   build/luaforce run scripts/bench_feel.lua [--rounds N]
--
-- Workloads, the same on both sides:
--   small    compile and evaluate 10,000 distinct small expressions (paths,
--            arithmetic, if, calls, contexts, loops, filters), each once:
--            what a program pays for expressions it has not seen
--   result   one typical connector result expression (a context with a
--            filter, a `sum`, string building and a `for` over the 2,000
--            records of a query page) evaluated 200 times against that page
-- luaforce compiles once and evaluates (feel.compile + compiled:eval, the
-- public API); feelin's public API parses on every evaluate() call (it has
-- no compiled form), so its figure for `result` includes one parse per
-- evaluation, a small part of a 2,000-record evaluation. Times are wall
-- clock, the best of N rounds (default 3) after a warm-up; both sides'
-- results are compared in canonical form (tests/feel/canonical.lua and
-- tests/feel/feelin_eval.js) and must agree. Target: at least 2x feelin's
-- rate on both workloads.
local json = require "luaforce.json"
local feel = require "luaforce.feel"
local sys = require "luaforce.core.sys"
local canonical = dofile("tests/feel/canonical.lua")

local SMALL, RECORDS, REPEAT = 10000, 2000, 200
local rounds = 3
for i = 1, #arg do
  if arg[i] == "--rounds" then rounds = assert(tonumber(arg[i + 1]), "--rounds N") end
end

local function now() return sys.monotonic_ms() / 1000 end

local function best(f)
  local b = math.huge
  for _ = 1, rounds do
    local t0 = now()
    f()
    b = math.min(b, now() - t0)
  end
  return b
end

-- Distinct small expressions: twelve shapes, each with its own constants.
local SHAPES = {
  function(i) return ("x + %d"):format(i) end,
  function(i) return ('if x > %d then "big" else "small"'):format(i % 10) end,
  function(i) return ('string length("item %d") * 2'):format(i) end,
  function(i) return ("{a: %d, b: a * 2}.b"):format(i) end,
  function(i) return ("count([%d, x, %d + 1])"):format(i, i) end,
  function(i) return ('upper case("name%d") + "!"'):format(i) end,
  function(i) return ("for k in [1, 2, 3] return k * %d"):format(i) end,
  function(i) return ("sum([%d, %d, x])"):format(i, i) end,
  function(i) return ("some k in [%d, x] satisfies k > 100"):format(i) end,
  function(i) return ('substring("abcdef%d", 2, 3)'):format(i) end,
  function(i) return ("items[%d] + %d"):format(i % 3 + 1, i) end,
  function(i) return ('count(items[item > %d]) + %d'):format(i % 4, i) end,
}
local small = {}
for i = 1, SMALL do small[i] = SHAPES[(i - 1) % #SHAPES + 1](i) end
local SMALL_CONTEXT = '{"x": 5, "name": "Acme", "items": [1, 2, 3]}'

-- A query page as the REST API returns it (amounts in halves, which a
-- double holds exactly, so both engines' sums are the same number).
local CITIES = { "Berlin", "Paris", "Austin", "Osaka", "Lagos" }
local records = {}
for i = 1, RECORDS do
  records[i] = json.object({
    attributes = json.object({ type = "Account", url = ("/services/data/v60.0/sobjects/Account/001%015d"):format(i) },
      { "type", "url" }),
    Id = ("001%015d"):format(i),
    Name = "Account " .. i,
    Amount = (i * 37) % 5000 + 0.5,
    BillingCity = CITIES[i % #CITIES + 1],
  }, { "attributes", "Id", "Name", "Amount", "BillingCity" })
end
local PAGE = assert(json.encode(json.object({ totalSize = RECORDS, done = true, records = json.array(records) },
  { "totalSize", "done", "records" })))
local RESULT = [[{
  big: records[Amount > 2500],
  total: sum(for r in big return r.Amount),
  summary: "Accounts over 2500: " + string(count(big)) + ", total " + string(total),
  names: for r in records return r.Name + " / " + r.BillingCity
}]]

local function run_luaforce()
  local ctx = assert(json.decode(SMALL_CONTEXT))
  local values = {}
  local function small_run()
    for i = 1, SMALL do
      local c = assert(feel.compile(small[i]))
      values[i] = c:eval(ctx)
    end
  end
  small_run() -- warm-up
  local small_s = best(small_run)

  local page = assert(json.decode(PAGE))
  local compiled = assert(feel.compile(RESULT))
  local value
  local result_s = best(function()
    for _ = 1, REPEAT do value = compiled:eval(page) end
  end)
  local texts = {}
  for i = 1, SMALL do texts[i] = canonical.value(values[i]) end
  return { small = { seconds = small_s, results = texts }, result = { seconds = result_s, value = canonical.value(value) } }
end

local function run_feelin()
  local p = io.popen("scripts/peers 2>&1")
  local out = p:read("a")
  if not p:close() then return nil, "scripts/peers failed: " .. out end
  local modules = out:match("([^\n]+)\n?$")
  local parts = {}
  for i, e in ipairs(small) do parts[i] = canonical.string(e) end
  local input = os.tmpname()
  local f = assert(io.open(input, "wb"))
  f:write('{"small":[', table.concat(parts, ","), '],"smallContext":', SMALL_CONTEXT, ',"page":', PAGE,
    ',"result":', canonical.string(RESULT), ',"repeat":', REPEAT, ',"rounds":', rounds, "}")
  f:close()
  p = io.popen(("NODE_PATH='%s' node scripts/bench_feel_feelin.js '%s' 2>&1"):format(modules, input))
  out = p:read("a")
  local ok = p:close()
  os.remove(input)
  if not ok then return nil, "bench_feel_feelin.js failed: " .. out end
  return assert(json.decode(out))
end

local function rate(n, s) return n / s end

local function fmt(n)
  local s = ("%d"):format(math.floor(n + 0.5))
  return (s:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", ""))
end

print(("FEEL: luaforce vs feelin 8.2.0 (best of %d rounds, wall clock)"):format(rounds))
local lf = run_luaforce()
local fe, err = run_feelin()
if not fe then
  io.stderr:write(err, "\n")
  os.exit(1)
end

local agree_small, first_diff = 0, nil
for i = 1, SMALL do
  if lf.small.results[i] == fe.small.results[i] then
    agree_small = agree_small + 1
  elseif not first_diff then
    first_diff = ("%s: luaforce %s, feelin %s"):format(small[i], lf.small.results[i], tostring(fe.small.results[i]))
  end
end
local agree_result = lf.result.value == fe.result.value

local rows = {
  { ("compile + evaluate %s small expressions"):format(fmt(SMALL)), SMALL, lf.small.seconds, fe.small.seconds },
  { ("result expression x %d (%s records)"):format(REPEAT, fmt(RECORDS)), REPEAT, lf.result.seconds, fe.result.seconds },
}
print(("%-44s %14s %14s %8s"):format("workload", "luaforce /s", "feelin /s", "ratio"))
local worst = math.huge
for _, r in ipairs(rows) do
  local a, b = rate(r[2], r[3]), rate(r[2], r[4])
  worst = math.min(worst, a / b)
  print(("%-44s %14s %14s %7.1fx"):format(r[1], fmt(a), fmt(b), a / b))
end
print(("same results: small %d of %d%s; result expression %s"):format(agree_small, SMALL,
  first_diff and (" (first difference: " .. first_diff .. ")") or "", agree_result and "yes" or "NO"))
if not agree_result then
  print("  luaforce: " .. lf.result.value:sub(1, 300))
  print("  feelin:   " .. tostring(fe.result.value):sub(1, 300))
end
print(("target: at least 2x feelin on both: %s (lowest ratio %.1fx; aim 10x)"):format(worst >= 2 and "met" or "NOT met", worst))
if agree_small ~= SMALL or not agree_result then os.exit(1) end
