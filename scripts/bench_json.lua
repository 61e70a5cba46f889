-- scripts/bench_json.lua: luaforce.json against lua-cjson on a realistic
-- Salesforce query page (2,000 Opportunity records, about 1 MB).
--
--   LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/lib/?.so;;" lua5.4 scripts/bench_json.lua [rounds]
--   build/luaforce run scripts/bench_json.lua
--
-- Both codecs run in the same process, interleaved round by round (the
-- machines are shared and noisy); each figure is the best of the rounds,
-- with the median alongside. CPU time (os.clock).
local json = require "luaforce.json"
local has_cjson, cjson = pcall(require, "cjson")

local ROUNDS = tonumber(arg and arg[1]) or 15
local RECORDS = 2000

-- A deterministic generator, so every run measures the same text.
local seed = 12345
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end

local ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
local function sfid(prefix)
  local t = { prefix, "5g0000" }
  for _ = 1, 9 do
    local i = rand(#ALNUM) + 1
    t[#t + 1] = ALNUM:sub(i, i)
  end
  t[#t + 1] = "AAA"
  return table.concat(t)
end

local STAGES = { "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
  "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost" }
local ACCOUNTS = { "Acme O'Brien café", "Globex Corporation", "Initech \"Core\" Systems", "Umbrella Corp — EMEA",
  "Müller & Söhne GmbH", "Soylent Green Ltd.", "株式会社サンプル", "Stark Industries", "Wayne Enterprises",
  "Cyberdyne Systems / R&D" }
local INDUSTRIES = { "Technology", "Manufacturing", "Finance", "Healthcare", "Retail" }
local SOURCES = { "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other" }

-- The number text Salesforce (and our encoder) writes for an amount in
-- cents: shortest form, integral values with ".0".
local function money(cents)
  local whole, frac = cents // 100, cents % 100
  if frac == 0 then return whole .. ".0" end
  if frac % 10 == 0 then return string.format("%d.%d", whole, frac // 10) end
  return string.format("%d.%02d", whole, frac)
end

local function q(s) -- JSON string literal for the few characters we use
  return '"' .. s:gsub('[\\"]', "\\%0"):gsub("\n", "\\n") .. '"'
end

local function record(i)
  local id, accid, owner = sfid("006"), sfid("001"), sfid("005")
  local acc = ACCOUNTS[rand(#ACCOUNTS) + 1]
  local stage = STAGES[rand(#STAGES) + 1]
  local desc = rand(3) == 0 and "null"
    or q("Renewal for " .. acc .. ".\nContact: \"Pat\" <pat@example.com>, budget approved Q" .. (rand(4) + 1))
  local parts = {
    '{"attributes":{"type":"Opportunity","url":"/services/data/v62.0/sobjects/Opportunity/', id, '"}',
    ',"Id":"', id, '"',
    ',"Name":', q(acc .. " - Opportunity " .. i),
    ',"Amount":', money(rand(50000000) + 100),
    ',"StageName":', q(stage),
    ',"CloseDate":"2024-', string.format("%02d-%02d", rand(12) + 1, rand(28) + 1), '"',
    ',"IsClosed":', stage:find("^Closed") and "true" or "false",
    ',"IsWon":', stage == "Closed Won" and "true" or "false",
    ',"Probability":', tostring(rand(11) * 10),
    ',"ExpectedRevenue":', money(rand(20000000)),
    ',"LeadSource":', rand(2) == 0 and "null" or q(SOURCES[rand(#SOURCES) + 1]),
    ',"OwnerId":"', owner, '"',
    ',"CreatedDate":"2023-11-', string.format("%02d", rand(28) + 1), 'T10:23:45.000+0000"',
    ',"Account":{"attributes":{"type":"Account","url":"/services/data/v62.0/sobjects/Account/', accid, '"}',
    ',"Name":', q(acc), ',"Industry":', q(INDUSTRIES[rand(#INDUSTRIES) + 1]), '}',
    ',"Description":', desc,
    ',"Discount__c":', string.format("%d.%d", rand(30), rand(10)),
    '}',
  }
  return table.concat(parts)
end

local function page()
  local recs = {}
  for i = 1, RECORDS do recs[i] = record(i) end
  return '{"totalSize":' .. RECORDS .. ',"done":true,"records":[' .. table.concat(recs, ",") .. "]}"
end

local text = page()
local MB = #text / 1e6

-- Correctness first: compact input comes back byte-identical.
local value = assert(json.decode(text))
local back = assert(json.encode(value))
if back ~= text then
  local i = 1
  while back:sub(i, i) == text:sub(i, i) do i = i + 1 end
  error("round trip differs at byte " .. i .. ": " .. text:sub(i - 40, i + 40) .. " vs " .. back:sub(i - 40, i + 40))
end

local function time(f)
  local t0 = os.clock()
  f()
  return os.clock() - t0
end

-- null_as_nil (how the Salesforce client decodes records) must round-trip too
local NIL = { null_as_nil = true }
local function nil_decode(t) return json.decode(t, NIL) end
assert(json.encode(nil_decode(text)) == text, "null_as_nil round trip differs")

local codecs = { { name = "luaforce.json", decode = json.decode, encode = json.encode } }
if has_cjson then
  codecs[#codecs + 1] = { name = "lua-cjson " .. tostring(cjson._VERSION), decode = cjson.decode, encode = cjson.encode }
end
codecs[#codecs + 1] = { name = "luaforce null_as_nil", decode = nil_decode, encode = json.encode }
for _, c in ipairs(codecs) do
  c.times = { decode = {}, encode = {} }
  c.value = c.decode(text)
end

collectgarbage()
for _ = 1, ROUNDS do
  for _, c in ipairs(codecs) do
    local v
    c.times.decode[#c.times.decode + 1] = time(function() v = c.decode(text) end)
    c.times.encode[#c.times.encode + 1] = time(function() c.encode(c.value) end)
    v = nil -- luacheck: ignore
    collectgarbage()
  end
end

local function stats(t)
  table.sort(t)
  return t[1], t[(#t + 1) // 2]
end

print(string.format("page: %d records, %.2f MB, %d rounds (best / median MB/s)", RECORDS, MB, ROUNDS))
local best = {}
for _, c in ipairs(codecs) do
  local db, dm = stats(c.times.decode)
  local eb, em = stats(c.times.encode)
  best[c.name] = { decode = MB / db, encode = MB / eb }
  print(string.format("  %-20s decode %7.1f / %7.1f   encode %7.1f / %7.1f", c.name, MB / db, MB / dm, MB / eb, MB / em))
end
if has_cjson then
  local a, b, n = best[codecs[1].name], best[codecs[2].name], best[codecs[3].name]
  print(string.format("  ratio luaforce/cjson  decode %.2fx   encode %.2fx", a.decode / b.decode, a.encode / b.encode))
  print(string.format("  ratio null_as_nil/cjson  decode %.2fx   encode %.2fx", n.decode / b.decode, n.encode / b.encode))
else
  print("  (lua-cjson not available: no comparison)")
end
