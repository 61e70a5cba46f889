-- luaforce.emulator.seed: the demo org is deterministic, realistic, loads
-- cleanly into a store and is quick to make.
local seed = require "luaforce.emulator.seed"
local schema = require "luaforce.emulator.schema"
local Store = require "luaforce.emulator.store"
local datetime = require "luaforce.emulator.datetime"
local ids = require "luaforce.emulator.ids"
local decimal = require "luaforce.decimal"
local json = require "luaforce.json"

local NOW = datetime.parse_datetime("2025-03-15T12:00:00Z")
local TODAY = datetime.format_date(NOW // 86400000)

local function encode(data)
  -- sorted keys: two equal tables give the same text
  return assert(json.encode(data, { sort_keys = true }))
end

describe("luaforce.emulator.seed", function()
  local sch = schema.default()
  local data = seed.generate(sch, { seed = 1, now = NOW })
  local st = Store.new { schema = sch, clock = datetime.clock(NOW, true) }
  local ok, err = st:load(data)

  it("loads into a store without a complaint", function()
    assert.is_true(ok, tostring(err))
  end)

  it("is the same for the same seed and differs for another", function()
    assert.equal(encode(data), encode(seed.generate(sch, { seed = 1, now = NOW })))
    assert.are_not.equal(encode(data), encode(seed.generate(sch, { seed = 2, now = NOW })))
    -- math.random's state plays no part
    math.randomseed(12345)
    local a = encode(seed.generate(sch, { seed = 7, now = NOW }))
    math.randomseed(999)
    assert.equal(a, encode(seed.generate(sch, { seed = 7, now = NOW })))
  end)

  it("moves its dates with `now`", function()
    local later = seed.generate(sch, { seed = 1, now = NOW + 365 * 86400000 })
    assert.are_not.equal(data.Opportunity[1].CloseDate, later.Opportunity[1].CloseDate)
  end)

  -- { object, at least }
  local counts = { { "Account", 50 }, { "Contact", 200 }, { "Opportunity", 300 }, { "Case", 100 },
    { "User", 3 }, { "Invoice__c", 5 }, { "Lead", 10 } }
  for _, row in ipairs(counts) do
    it(("has at least %d %s records"):format(row[2], row[1]), function()
      assert.is_true(#st:all(row[1]) >= row[2], #st:all(row[1]) .. " " .. row[1])
    end)
  end

  it("names accounts with apostrophes and accents", function()
    local names = {}
    for _, a in ipairs(st:all("Account")) do names[a.Name] = true end
    for _, n in ipairs { "O'Brien & Sons", "Müller GmbH", "São Paulo Comércio Ltda", "Zürich Rückversicherung AG" } do
      assert.is_true(names[n], n)
    end
  end)

  it("spreads opportunities over every stage, with overdue open ones", function()
    local stages, overdue, closed_future = {}, 0, 0
    for _, o in ipairs(st:all("Opportunity")) do
      stages[o.StageName] = true
      if not o.IsClosed and o.CloseDate < TODAY then overdue = overdue + 1 end
      if o.IsClosed and o.CloseDate > TODAY then closed_future = closed_future + 1 end
    end
    for _, v in ipairs(sch:object("Opportunity"):field("StageName").picklist) do assert.is_true(stages[v], v) end
    assert.is_true(overdue >= 5)
    assert.equal(0, closed_future)
  end)

  it("has amounts with cents, some nulls and an 18-digit one", function()
    local nulls, cents, big = 0, 0, 0
    for _, o in ipairs(st:all("Opportunity")) do
      if o.Amount == nil then
        nulls = nulls + 1
      elseif decimal.is(o.Amount) then
        if decimal.new(o.Amount):precision() >= 18 then big = big + 1 end
      elseif o.Amount ~= math.floor(o.Amount) then
        cents = cents + 1
      end
    end
    assert.is_true(nulls >= 3)
    assert.is_true(cents >= 100)
    assert.equal(1, big)
  end)

  it("dates records over several years before now, none after", function()
    local years, nowtext = {}, datetime.format_datetime(NOW)
    for _, obj in ipairs(sch:objects()) do
      for _, r in ipairs(st:all(obj.name)) do
        years[r.CreatedDate:sub(1, 4)] = true
        assert.is_true(r.CreatedDate <= nowtext, r.Id)
        assert.is_true(r.LastModifiedDate >= r.CreatedDate, r.Id)
      end
    end
    local n = 0
    for _ in pairs(years) do n = n + 1 end
    assert.is_true(n >= 3)
  end)

  it("relates records and leaves optional fields null sometimes", function()
    local with_account, without = 0, 0
    for _, c in ipairs(st:all("Contact")) do
      if c.AccountId then with_account = with_account + 1 else without = without + 1 end
      assert.is_string(c.Name)
    end
    assert.is_true(with_account > 150 and without > 0)
    local phones = 0
    for _, a in ipairs(st:all("Account")) do if a.Phone == nil then phones = phones + 1 end end
    assert.is_true(phones > 0)
    local owners = {}
    for _, o in ipairs(st:all("Opportunity")) do owners[o.OwnerId] = true end
    local n = 0
    for _ in pairs(owners) do n = n + 1 end
    assert.is_true(n >= 3)
  end)

  it("keeps every letter of a name in its email address, accented capitals and Polish letters too", function()
    local function letters(s)   -- ASCII letters plus UTF-8 characters
      return select(2, s:gsub("%a", "")) + select(2, s:gsub("[\xC0-\xF7][\x80-\xBF]+", ""))
    end
    for _, u in ipairs(data.User) do
      if u.LastName == "Álvarez" then assert.equal("tomas.alvarez@luaforce.example.com", u.Email) end
      local name_letters = letters(u.FirstName .. u.LastName)
      assert.is_true(select(2, u.Email:match("^[^@]*"):gsub("%a", "")) >= name_letters, u.Email)
    end
    for _, c in ipairs(data.Contact) do
      if c.Email and c.FirstName then
        local local_part = c.Email:match("^[^@]*")
        assert.is_true(select(2, local_part:gsub("%a", "")) >= letters(c.FirstName .. c.LastName), c.Email)
      end
    end
    for _, a in ipairs(data.Account) do
      if a.Name:match("^Łódź") then assert.equal("https://www.lodz.example.com", a.Website) end
    end
  end)

  it("makes the default user first", function()
    assert.equal(ids.DEFAULT_USER_ID, st:all("User")[1].Id)
  end)

  it("gives invoices external ids", function()
    local inv = st:find_by("Invoice__c", "External_Id__c", "ERP-10001")
    assert.equal(1, #inv)
    assert.is_string(inv[1].Account__c)
    assert.equal("INV-0001", inv[1].Name)
  end)

  it("has a stale test record nothing refers to", function()
    local stale
    for _, o in ipairs(st:all("Opportunity")) do
      if o.Name == seed.STALE_NAME then stale = o end
    end
    assert.is_table(stale)
    for _, inv in ipairs(st:all("Invoice__c")) do assert.are_not.equal(stale.Id, inv.Opportunity__c) end
    assert.is_true(st:delete("Opportunity", stale.Id))
  end)


  it("leaves out objects and fields another schema lacks", function()
    local small = assert(schema.load { objects = {
      { name = "User", keyPrefix = "005", hasOwner = false, fields = {
        { name = "Username", type = "string" }, { name = "LastName", type = "string" },
        { name = "Email", type = "email" } } },
      { name = "Account", keyPrefix = "001", fields = { { name = "Name", type = "string", required = true } } },
    } })
    local d = seed.generate(small, { seed = 1, now = NOW })
    assert.is_nil(d.Contact)
    assert.is_nil(d.Account[1].Industry)
    local s = Store.new { schema = small, clock = datetime.clock(NOW, true) }
    assert.is_true(s:load(d))
  end)
end)
