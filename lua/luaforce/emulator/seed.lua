--- luaforce.emulator.seed: the demo org's records, generated.
--
-- `seed.generate(sch, {seed = N, now = epoch_ms})` returns a data table for
-- `store:load` (`{Account = {...}, Contact = {...}, ...}`, ids given, every
-- reference by id). The same seed and `now` give the same data byte for
-- byte: the generator is its own (splitmix64 on Lua's wrapping 64-bit
-- integers), never math.random. Dates lie across the four years before
-- `now`, plus open opportunities closing in the months after it, so a fixed
-- `--now` fixes them all.
--
-- What a demo and the tests can count on (default schema): 60 accounts
-- (names with apostrophes and accents: "O'Brien & Sons", "Müller GmbH", ...;
-- a few with a parent), 220 contacts, 320 opportunities (every stage; open
-- ones with a CloseDate already past; amounts with cents, some null, one of
-- 18 digits as a decimal), 120 cases, 40 leads, 6 users (the first is
-- ids.DEFAULT_USER_ID, one is inactive), 12 invoices (named INV-0001... by
-- their auto number) with external ids "ERP-10001"..., nulls in optional fields, and one opportunity named
-- "TEST - delete me" that nothing refers to. With another schema, objects
-- and fields it lacks are left out.
local decimal = require "luaforce.decimal"
local datetime = require "luaforce.emulator.datetime"
local ids = require "luaforce.emulator.ids"
local system_objects = require "luaforce.emulator.system_objects"

local M = {}

local DAY = 86400000

M.COUNTS = { User = 6, Account = 60, Contact = 220, Opportunity = 320, Case = 120, Lead = 40, Invoice__c = 12 }
M.STALE_NAME = "TEST - delete me"

---------------------------------------------------------------------------
-- The generator: splitmix64 (Steele, Lea, Flood), whose whole state is one
-- 64-bit integer; Lua 5.4 integers wrap on overflow and >> is logical.
---------------------------------------------------------------------------
local Rng = {}
Rng.__index = Rng

local function new_rng(seed)
  return setmetatable({ state = seed * 0x2545F4914F6CDD1D + 0x1234567 }, Rng)
end

function Rng:next()
  self.state = self.state + 0x9E3779B97F4A7C15
  local z = self.state
  z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
  z = (z ~ (z >> 27)) * 0x94D049BB133111EB
  return z ~ (z >> 31)
end

--- An integer in [lo, hi].
function Rng:int(lo, hi)
  return lo + (self:next() >> 1) % (hi - lo + 1)
end

--- True with probability p.
function Rng:chance(p)
  return (self:next() >> 11) / 9007199254740992.0 < p
end

function Rng:pick(list)
  return list[self:int(1, #list)]
end

-- An entry of {{value, weight}, ...} chosen by weight.
function Rng:weighted(list)
  local total = 0
  for _, e in ipairs(list) do total = total + e[2] end
  local r = self:int(1, total)
  for _, e in ipairs(list) do
    r = r - e[2]
    if r <= 0 then return e[1] end
  end
  return list[#list][1]
end

function Rng:shuffle(list)
  for i = #list, 2, -1 do
    local j = self:int(1, i)
    list[i], list[j] = list[j], list[i]
  end
  return list
end

---------------------------------------------------------------------------
-- Word lists
---------------------------------------------------------------------------

-- Names every seed uses: the awkward ones a demo and the tests rely on.
local FIXED_ACCOUNTS = {
  "O'Brien & Sons", "Müller GmbH", "São Paulo Comércio Ltda", "Zürich Rückversicherung AG",
  "Café Olé S.A.", "Ærøskøbing Shipping ApS", "Łódź Textiles Sp. z o.o.", "D'Angelo Brothers",
  "Société Générale d'Énergie", "Nagoya Seimitsu K.K.",
}
local COMPANY_WORDS = {
  "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent",
  "Hooli", "Vandelay", "Oscorp", "Aperture", "Nakatomi", "Gekko", "Sterling", "Monarch", "Pinnacle",
  "Bluebird", "Northwind", "Contoso", "Fabrikam", "Litware", "Tailspin", "Woodgrove", "Adatum",
  "Proseware", "Lucerne", "Alpine", "Coho", "Fourth Coffee", "Margie's", "Wingtip", "Trey", "Blue Yonder",
  "Humongous", "Graphic Design", "Southridge", "Consolidated", "Lakeshore", "Redwood", "Ironbridge",
  "Silverline", "Evergreen", "Crescent", "Harbor", "Summit", "Keystone", "Meridian",
}
local COMPANY_SUFFIXES = {
  "Inc.", "Ltd", "GmbH", "S.A.", "LLC", "Corp.", "Group", "Holdings", "& Co.", "Industries", "Systems", "Labs",
}
local PLACES = {
  { "Zürich", "Switzerland" }, { "São Paulo", "Brazil" }, { "München", "Germany" }, { "Kraków", "Poland" },
  { "Montréal", "Canada" }, { "New York", "United States" }, { "London", "United Kingdom" },
  { "Dublin", "Ireland" }, { "Tokyo", "Japan" }, { "Sydney", "Australia" }, { "Paris", "France" },
  { "Málaga", "Spain" }, { "Göteborg", "Sweden" }, { "Chicago", "United States" },
  { "San Francisco", "United States" }, { "Austin", "United States" }, { "Köln", "Germany" },
  { "Reykjavík", "Iceland" }, { "Toronto", "Canada" }, { "Singapore", "Singapore" },
}
local STREETS = { "Main Street", "Bahnhofstrasse", "Rua Augusta", "Queen's Road", "Rue de la Paix",
  "Königsallee", "Calle Mayor", "Market Street", "Harbour Way", "Elm Avenue" }
local FIRST_NAMES = {
  "José", "Zoë", "Björn", "François", "Siobhán", "Łukasz", "Renée", "Chloé", "Mateo", "Amélie", "John", "Mary",
  "Wei", "Aisha", "Olga", "Pedro", "Hannah", "Jürgen", "Noah", "Emma", "Liam", "Sofía", "Yuki", "Ingrid",
  "Raj", "Fatima", "Connor", "Astrid", "Luis", "Grace", "Tomás", "Anaïs", "Kenji", "Maeve", "Dmitri", "Lena",
}
local LAST_NAMES = {
  "O'Brien", "Müller", "García", "Smith", "Nguyen", "D'Angelo", "Kowalski", "Johansson", "Dubois", "Rossi",
  "Tanaka", "Patel", "O'Connor", "Schäfer", "Fernández", "Brown", "Lefèvre", "Novák", "Murphy", "Silva",
  "Andersen", "Kim", "Costa", "Weiß", "Ó Briain", "MacLeod", "Van der Berg", "Da Silva", "Øster", "Chen",
}
local TITLES = {
  "CEO", "CFO", "CTO", "VP Sales", "VP Marketing", "Head of Procurement", "Purchasing Manager",
  "Operations Director", "IT Manager", "Office Manager", "Buyer", "Engineer", "Account Manager",
}
local DEPARTMENTS = { "Sales", "Finance", "IT", "Operations", "Procurement", "Marketing", "Legal" }
local DEAL_WORDS = {
  "Renewal", "Expansion", "New Licenses", "Pilot", "Upgrade", "Support Contract", "Consulting",
  "Hardware Refresh", "Training", "Enterprise Agreement", "Add-on Modules", "Q%d Order",
}
local CASE_SUBJECTS = {
  "Cannot log in", "Invoice shows the wrong amount", "Shipment delayed", "Request for a quote",
  "Device won't power on", "Password reset", "Performance degraded since the update",
  "Billing address change", "Installation help needed", "Feature request: export to CSV",
  "Error 500 on the portal", "Damaged on arrival", "Warranty question", "Contract renewal question",
}
local SOURCES = { "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other" }

local ASCII = {
  ["à"] = "a", ["á"] = "a", ["â"] = "a", ["ã"] = "a", ["ä"] = "a", ["å"] = "a", ["æ"] = "ae", ["ç"] = "c",
  ["è"] = "e", ["é"] = "e", ["ê"] = "e", ["ë"] = "e", ["ì"] = "i", ["í"] = "i", ["î"] = "i", ["ï"] = "i",
  ["ñ"] = "n", ["ò"] = "o", ["ó"] = "o", ["ô"] = "o", ["õ"] = "o", ["ö"] = "o", ["ø"] = "o", ["ù"] = "u",
  ["ú"] = "u", ["û"] = "u", ["ü"] = "u", ["ý"] = "y", ["ß"] = "ss", ["ł"] = "l", ["Ł"] = "l", ["Ø"] = "o",
  ["Ó"] = "o", ["Ö"] = "o", ["Ü"] = "u", ["Ä"] = "a", ["Å"] = "a", ["É"] = "e", ["Æ"] = "ae",
  ["À"] = "a", ["Á"] = "a", ["Â"] = "a", ["Ã"] = "a", ["Ç"] = "c", ["È"] = "e", ["Ê"] = "e", ["Ë"] = "e",
  ["Ì"] = "i", ["Í"] = "i", ["Î"] = "i", ["Ï"] = "i", ["Ñ"] = "n", ["Ò"] = "o", ["Ô"] = "o", ["Õ"] = "o",
  ["Ù"] = "u", ["Ú"] = "u", ["Û"] = "u", ["Ý"] = "y", ["ź"] = "z", ["Ź"] = "z", ["ż"] = "z", ["Ż"] = "z",
  ["ś"] = "s", ["Ś"] = "s", ["ń"] = "n", ["ć"] = "c",
}

-- "Siobhán O'Brien" → "siobhan.obrien": an address part from a name.
local function slug(s)
  s = s:gsub("[\xC3-\xC5][\x80-\xBF]", function(c) return ASCII[c] or "" end)
  return (s:lower():gsub("[^a-z0-9]+", ""))
end

local function domain_of(company)
  local w = slug((company:match("^(%S+)")))
  if w == "" then w = "example" end
  return w .. ".example.com"
end

---------------------------------------------------------------------------
-- Generation
---------------------------------------------------------------------------

local function stage_table(sch)
  local opp = sch:object("Opportunity")
  local f = opp and opp:field("StageName")
  local stages = {}
  if f and f.picklist_entries then
    for _, e in ipairs(f.picklist_entries) do
      stages[#stages + 1] = { value = e.value, probability = e.probability, closed = e.closed, won = e.won }
    end
  end
  return stages
end

--- The demo org's data for schema `sch`. `opts.seed` (integer, default 1),
-- `opts.now` (epoch ms, default the real clock).
function M.generate(sch, opts)
  opts = opts or {}
  local seed = math.tointeger(opts.seed or 1)
  if not seed then error("bad argument #2 to 'generate' (seed must be an integer)", 2) end
  local now = math.tointeger(opts.now or datetime.now_ms())
  if not now then error("bad argument #2 to 'generate' (now must be epoch milliseconds)", 2) end
  local rng = new_rng(seed)
  local today = now // DAY
  local data, gens = {}, {}

  local function new_id(object)
    local obj = sch:object(object)
    if not gens[object] then gens[object] = ids.generator(obj and obj.key_prefix or "000") end
    return gens[object]:next()
  end
  local function add(object, rec)
    local list = data[object]
    if not list then
      list = {}
      data[object] = list
    end
    list[#list + 1] = rec
    return rec
  end
  -- a time between two epoch-ms instants, whole seconds
  local function between(a, b)
    if b <= a then return a end
    return a + rng:int(0, (b - a) // 1000) * 1000
  end
  local function stamp(rec, created, owner)
    rec.CreatedDate = datetime.format_datetime(created)
    local modified = rng:chance(0.4) and created or between(created, now)
    rec.LastModifiedDate = datetime.format_datetime(modified)
    rec.SystemModstamp = rec.LastModifiedDate
    rec.OwnerId = owner
  end
  local function maybe(p, v) return rng:chance(p) and v or nil end

  -- Users: the first is the default user every store falls back to.
  local users, active = {}, {}
  local people = {
    { "Luaforce", "Admin", "System Administrator", "IT" },
    { "Priya", "Patel", "Sales Director", "Sales" },
    { "Tomás", "Álvarez", "Account Executive", "Sales" },
    { "Aoife", "O'Neill", "Account Executive", "Sales" },
    { "Yuki", "Tanaka", "Support Lead", "Support" },
    { "Jürgen", "Weiß", "Account Executive", "Sales" },
  }
  local org_start = now - 4 * 365 * DAY
  for i = 1, M.COUNTS.User do
    local p = people[i]
    local alias = (slug(p[1]):sub(1, 1) .. slug(p[2])):sub(1, 8)
    local u = add("User", {
      Id = new_id("User"), FirstName = p[1], LastName = p[2], Title = p[3], Department = p[4],
      Username = slug(p[1]) .. "." .. slug(p[2]) .. "@luaforce.local", Alias = alias,
      Email = slug(p[1]) .. "." .. slug(p[2]) .. "@luaforce.example.com", CompanyName = "Luaforce Demo",
      IsActive = i ~= 6, TimeZoneSidKey = "GMT",
    })
    u.CreatedDate = datetime.format_datetime(org_start + (i - 1) * DAY)
    u.LastModifiedDate, u.SystemModstamp = u.CreatedDate, u.CreatedDate
    users[i] = u
    if u.IsActive then active[#active + 1] = u.Id end
  end
  users[1].Username = "admin@luaforce.local"
  -- profiles: the users point at them, so the data carries them
  data.Profile = system_objects.profiles(sch)
  if data.Profile then
    for i, u in ipairs(users) do
      u.ProfileId = i == 1 and system_objects.PROFILES.admin or system_objects.PROFILES.standard
    end
  end
  for i = 3, #users do users[i].ManagerId = users[i == 5 and 1 or 2].Id end
  users[2].ManagerId = users[1].Id

  -- Accounts
  local names = {}
  for _, n in ipairs(FIXED_ACCOUNTS) do names[#names + 1] = n end
  local pool = {}
  for _, w in ipairs(COMPANY_WORDS) do pool[#pool + 1] = w end
  rng:shuffle(pool)
  for i = 1, M.COUNTS.Account - #FIXED_ACCOUNTS do
    names[#names + 1] = pool[i] .. " " .. rng:pick(COMPANY_SUFFIXES)
  end
  rng:shuffle(names)
  local industries = sch:object("Account") and sch:object("Account"):field("Industry")
  industries = industries and industries.picklist or { "Technology" }
  local types = { { "Customer - Direct", 5 }, { "Customer - Channel", 2 }, { "Prospect", 3 },
    { "Channel Partner / Reseller", 1 }, { "Technology Partner", 1 }, { "Other", 1 } }
  local accounts = {}
  for i, name in ipairs(names) do
    local place = rng:pick(PLACES)
    local created = between(org_start, now - 60 * DAY)
    local a = add("Account", {
      Id = new_id("Account"), Name = name, Type = maybe(0.9, rng:weighted(types)),
      Industry = maybe(0.85, rng:pick(industries)),
      BillingStreet = maybe(0.8, ("%d %s"):format(rng:int(1, 250), rng:pick(STREETS))),
      BillingCity = place[1], BillingCountry = place[2],
      BillingPostalCode = maybe(0.7, tostring(rng:int(10000, 99999))),
      ShippingCity = maybe(0.5, place[1]), ShippingCountry = maybe(0.5, place[2]),
      Phone = maybe(0.8, ("+%d %d %03d %04d"):format(rng:int(1, 99), rng:int(10, 99), rng:int(0, 999),
        rng:int(0, 9999))),
      Website = maybe(0.75, "https://www." .. domain_of(name)),
      AccountNumber = ("CD%06d"):format(100000 + i * 37),
      AnnualRevenue = maybe(0.8, rng:int(2, 5000) * 100000),
      NumberOfEmployees = maybe(0.85, rng:int(5, 120000)),
      Ownership = maybe(0.6, rng:pick { "Public", "Private", "Subsidiary", "Other" }),
      Rating = maybe(0.6, rng:pick { "Hot", "Warm", "Cold" }),
      AccountSource = maybe(0.7, rng:pick(SOURCES)),
      Description = maybe(0.3, ("%s, a %s customer since %d."):format(name, place[2],
        datetime.civil_from_days(created // DAY))),
    })
    stamp(a, created, rng:pick(active))
    a._created, a._domain = created, domain_of(name)
    accounts[i] = a
  end
  -- a few subsidiaries of earlier accounts
  for i = 1, 6 do
    local child = accounts[M.COUNTS.Account - i + 1]
    child.ParentId = accounts[rng:int(1, 20)].Id
  end

  -- Contacts: most belong to an account; some report to an earlier colleague.
  local contacts, by_account = {}, {}
  for i = 1, M.COUNTS.Contact do
    local acc = rng:chance(0.93) and rng:pick(accounts) or nil
    local first, last = maybe(0.95, rng:pick(FIRST_NAMES)), rng:pick(LAST_NAMES)
    local created = between(acc and acc._created or org_start, now - DAY)
    local domain = acc and acc._domain or "mail.example.org"
    local c = add("Contact", {
      Id = new_id("Contact"), AccountId = acc and acc.Id, FirstName = first, LastName = last,
      Salutation = maybe(0.5, rng:pick { "Mr.", "Ms.", "Mrs.", "Dr.", "Prof." }),
      Title = maybe(0.8, rng:pick(TITLES)), Department = maybe(0.5, rng:pick(DEPARTMENTS)),
      Email = maybe(0.9, ("%s%s%d@%s"):format(first and slug(first) .. "." or "", slug(last), i, domain)),
      Phone = maybe(0.7, ("+%d %d %03d %04d"):format(rng:int(1, 99), rng:int(10, 99), rng:int(0, 999),
        rng:int(0, 9999))),
      MobilePhone = maybe(0.3, ("+%d 7%d %04d %03d"):format(rng:int(1, 99), rng:int(0, 9), rng:int(0, 9999),
        rng:int(0, 999))),
      MailingCity = acc and acc.BillingCity or maybe(0.5, rng:pick(PLACES)[1]),
      MailingCountry = acc and acc.BillingCountry,
      LeadSource = maybe(0.6, rng:pick(SOURCES)),
      Birthdate = maybe(0.25, datetime.format_date(today - rng:int(22 * 365, 65 * 365))),
      HasOptedOutOfEmail = rng:chance(0.1), DoNotCall = rng:chance(0.05),
    })
    if acc then
      local colleagues = by_account[acc.Id]
      if not colleagues then
        colleagues = {}
        by_account[acc.Id] = colleagues
      end
      if #colleagues > 0 and rng:chance(0.3) then c.ReportsToId = colleagues[1].Id end
      colleagues[#colleagues + 1] = c
    end
    stamp(c, created, rng:pick(active))
    contacts[i] = c
  end

  -- Opportunities: every stage; closed ones in the past; open ones mostly
  -- closing ahead, some already overdue.
  local stages = stage_table(sch)
  local open_stages, won_stage, lost_stage = {}, nil, nil
  for _, s in ipairs(stages) do
    if s.won then won_stage = s elseif s.closed then lost_stage = s else open_stages[#open_stages + 1] = s end
  end
  local opps, won = {}, {}
  local opp_types = { "Existing Customer - Upgrade", "Existing Customer - Replacement",
    "Existing Customer - Downgrade", "New Customer" }
  for i = 1, M.COUNTS.Opportunity do
    local acc = rng:pick(accounts)
    local r = rng:int(1, 100)
    local stage
    if r <= 30 and won_stage then
      stage = won_stage
    elseif r <= 45 and lost_stage then
      stage = lost_stage
    elseif #open_stages > 0 then
      stage = open_stages[(i % #open_stages) + 1]
    else
      stage = stages[1] or { value = "Prospecting" }
    end
    local stale = i == M.COUNTS.Opportunity
    if stale and #open_stages > 0 then stage = open_stages[1] end
    local created = between(acc._created, now - 7 * DAY)
    local close
    if stage.closed then
      close = rng:int(math.min(created // DAY + 7, today - 1), today - 1)
    elseif stale or rng:chance(0.2) then
      close = rng:int(math.max(created // DAY, today - 120), today - 1) -- overdue
    else
      close = today + rng:int(1, 270)
    end
    if close < created // DAY then close = created // DAY end
    local deal = rng:pick(DEAL_WORDS):format(rng:int(1, 4))
    local amount
    if not rng:chance(0.06) then amount = rng:int(50000, 250000000) / 100 end -- 500.00 .. 2,500,000.00
    local team = by_account[acc.Id]
    local o = add("Opportunity", {
      Id = new_id("Opportunity"), AccountId = acc.Id,
      ContactId = team and rng:chance(0.6) and rng:pick(team).Id or nil,
      Name = acc.Name .. " - " .. deal, StageName = stage.value, Amount = amount,
      Probability = stage.probability, CloseDate = datetime.format_date(close),
      Type = maybe(0.8, rng:pick(opp_types)), LeadSource = maybe(0.6, rng:pick(SOURCES)),
      NextStep = not stage.closed and maybe(0.5, rng:pick { "Send proposal", "Demo scheduled",
        "Waiting for budget approval", "Legal review", "Call back next week" }) or nil,
      Description = maybe(0.2, "Opportunity for " .. deal:lower() .. ".") ,
      ForecastCategoryName = stage.won and "Closed" or stage.closed and "Omitted"
        or (stage.probability or 0) >= 70 and "Commit" or (stage.probability or 0) >= 50 and "Best Case"
        or "Pipeline",
    })
    stamp(o, created, acc.OwnerId)
    opps[i] = o
    if stage.won then won[#won + 1] = o end
  end
  -- the largest deal: 16 digits before the point, past what a double holds
  opps[7].Amount = decimal.new("1234567890123456.78")
  -- the stale test record a demo deletes
  local stale = opps[M.COUNTS.Opportunity]
  stale.Name, stale.Description = M.STALE_NAME, "Left over from a test run."
  stale.ContactId = nil

  -- Cases
  local case_status = { { "New", 3 }, { "Working", 3 }, { "Escalated", 1 }, { "Closed", 5 } }
  for _ = 1, M.COUNTS.Case do
    local c = rng:pick(contacts)
    local acc_id = c.AccountId
    local created = between(math.max(org_start, now - 2 * 365 * DAY), now - DAY)
    local status = rng:weighted(case_status)
    local k = add("Case", {
      Id = new_id("Case"), AccountId = acc_id, ContactId = maybe(0.9, c.Id),
      Subject = rng:pick(CASE_SUBJECTS), Status = status,
      Priority = rng:weighted { { "High", 2 }, { "Medium", 5 }, { "Low", 3 } },
      Origin = maybe(0.9, rng:pick { "Phone", "Email", "Web" }),
      Type = maybe(0.6, rng:pick { "Mechanical", "Electrical", "Electronic", "Structural", "Other" }),
      Reason = maybe(0.5, rng:pick { "Installation", "Performance", "Breakdown", "Feedback", "Other" }),
      Description = maybe(0.5, "Customer reported: " .. rng:pick(CASE_SUBJECTS):lower() .. "."),
      SuppliedEmail = maybe(0.3, c.Email), IsEscalated = status == "Escalated",
    })
    stamp(k, created, rng:pick(active))
  end

  -- Leads
  local lead_status = { { "Open - Not Contacted", 4 }, { "Working - Contacted", 3 },
    { "Closed - Converted", 2 }, { "Closed - Not Converted", 2 } }
  for i = 1, M.COUNTS.Lead do
    local first, last = maybe(0.9, rng:pick(FIRST_NAMES)), rng:pick(LAST_NAMES)
    local company = pool[#pool - (i % 12)] .. " " .. rng:pick(COMPANY_SUFFIXES)
    local place = rng:pick(PLACES)
    local status = rng:weighted(lead_status)
    local l = add("Lead", {
      Id = new_id("Lead"), FirstName = first, LastName = last, Company = company,
      Title = maybe(0.7, rng:pick(TITLES)), City = place[1], Country = place[2],
      Email = maybe(0.85, ("%s%d@%s"):format(slug(last), i, domain_of(company))),
      Phone = maybe(0.6, ("+%d %d %03d %04d"):format(rng:int(1, 99), rng:int(10, 99), rng:int(0, 999),
        rng:int(0, 9999))),
      Status = status, LeadSource = maybe(0.8, rng:pick(SOURCES)),
      Industry = maybe(0.6, rng:pick(industries)), Rating = maybe(0.5, rng:pick { "Hot", "Warm", "Cold" }),
      AnnualRevenue = maybe(0.4, rng:int(1, 500) * 100000), NumberOfEmployees = maybe(0.5, rng:int(1, 5000)),
      IsConverted = status == "Closed - Converted",
    })
    stamp(l, between(now - 365 * DAY, now - DAY), rng:pick(active))
  end

  -- Invoices for won deals, with external ids
  for i = 1, math.min(M.COUNTS.Invoice__c, #won) do
    local o = won[i]
    local issued = datetime.parse_date(o.CloseDate) * DAY + rng:int(8, 17) * 3600000
    local status = rng:pick { "Draft", "Sent", "Paid", "Paid", "Void" }
    local inv = add("Invoice__c", {
      Id = new_id("Invoice__c"), Account__c = o.AccountId, Opportunity__c = o.Id,
      External_Id__c = ("ERP-%05d"):format(10000 + i),
      Amount__c = o.Amount, Status__c = status, Paid__c = status == "Paid",
      Issued_At__c = datetime.format_datetime(issued),
      Due_Date__c = datetime.format_date(issued // DAY + 30),
      Notes__c = maybe(0.3, "Payment terms: 30 days net."),
    })
    stamp(inv, math.min(issued, now), o.OwnerId)
  end

  -- drop the helpers, and the objects and fields this schema lacks
  for object, list in pairs(data) do
    local obj = sch:object(object)
    if not obj then
      data[object] = nil
    else
      for _, rec in ipairs(list) do
        for k in pairs(rec) do
          if k:sub(1, 1) == "_" or not obj:field(k) then rec[k] = nil end
        end
      end
    end
  end
  return data
end

M.new_rng = new_rng

return M
