-- The house, checked: every `require` in lua/ against the table of packages
-- in docs/development.md (which package may use which), and the house rules
-- beside it: no module reaches another through package.loaded, no load error
-- hidden behind pcall(require, ...) but the two optional by design, no
-- global set or read beyond Lua's own.
local proc = require "support.proc"

local ROOT = proc.root

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function lua_files()
  local list = {}
  local p = io.popen("cd " .. proc.quote(ROOT) .. " && find lua -name '*.lua' | sort")
  for line in p:lines() do list[#list + 1] = line end
  p:close()
  return list
end

-- The table of docs/development.md: package -> {layer, uses = set, face_only}.
local function house()
  local text = slurp(ROOT .. "/docs/development.md")
  local section = assert(text:match("## The house.-\n(|.-)\n\n"), "no house table in docs/development.md")
  local pkgs, order = {}, {}
  for line in section:gmatch("[^\n]+") do
    local name, layer, uses = line:match("^| (%w+) | .- | (%w+) | (.-) |$")
    if name and name ~= "package" then
      local set = {}
      for word in uses:gmatch("[%w]+") do set[word] = true end
      pkgs[name] = { layer = layer, uses = set, every = uses:find("every package above", 1, true) ~= nil }
      order[#order + 1] = name
    end
  end
  -- "every package above": every package of a lower numeric layer
  for _, name in ipairs(order) do
    local p = pkgs[name]
    if p.every then
      for other, q in pairs(pkgs) do
        if tonumber(q.layer) and tonumber(p.layer) and tonumber(q.layer) < tonumber(p.layer) then
          p.uses[other] = true
        end
      end
    end
  end
  return pkgs
end

-- The package a module name belongs to ("luaforce.client.records" -> client).
local function package_of(module)
  if module == "luaforce" then return "luaforce" end
  local first = module:match("^luaforce%.([%w_]+)")
  if not first then return nil end
  if first == "core" then return "core" end
  return first
end

-- The package of a file (lua/luaforce/client/records.lua -> client).
local function package_of_file(path)
  local rel = path:match("^lua/luaforce/(.+)%.lua$")
  if rel == "init" then return "luaforce" end
  return rel:match("^([%w_]+)")
end

-- Code without comments and long strings' contents, so that a comment
-- naming a module is not a use of it.
local function code_of(text)
  text = text:gsub("%-%-%[(=*)%[.-%]%1%]", "")
  text = text:gsub("%-%-[^\n]*", "")
  return text
end

local function requires(text)
  local out = {}
  for name in code_of(text):gmatch("require%s*%(?%s*[\"']([%w_.]+)[\"']") do out[#out + 1] = name end
  return out
end

describe("the house (docs/development.md)", function()
  local pkgs = house()
  local files = lua_files()

  it("has a row for every package in lua/", function()
    for _, f in ipairs(files) do
      local p = package_of_file(f)
      assert.is_truthy(pkgs[p], f .. ": package '" .. tostring(p) .. "' has no row in docs/development.md")
    end
  end)

  it("every require goes where the table allows", function()
    local bad = {}
    for _, f in ipairs(files) do
      local from = package_of_file(f)
      for _, m in ipairs(requires(slurp(ROOT .. "/" .. f))) do
        local to = package_of(m)
        if to and to ~= from then
          if not pkgs[from].uses[to] then
            bad[#bad + 1] = ("%s (%s) uses %s (%s)"):format(f, from, m, to)
          elseif to == "emulator" and m ~= "luaforce.emulator" then
            bad[#bad + 1] = ("%s uses %s: the local org through luaforce.emulator only"):format(f, m)
          end
        end
      end
    end
    assert.same({}, bad)
  end)

  it("no module reaches another through package.loaded or hides a load error", function()
    local OPTIONAL = { ["luaforce.core.repl"] = true, ["luaforce.core.server_self"] = true }
    local bad = {}
    for _, f in ipairs(files) do
      local code = code_of(slurp(ROOT .. "/" .. f))
      for m in code:gmatch("package%.loaded%[%s*[\"']([%w_.]+)[\"']") do
        bad[#bad + 1] = f .. ": package.loaded[" .. m .. "]"
      end
      for m in code:gmatch("pcall%(%s*require%s*,%s*[\"']([%w_.]+)[\"']") do
        if not OPTIONAL[m] then bad[#bad + 1] = f .. ": pcall(require, " .. m .. ")" end
      end
    end
    assert.same({}, bad)
  end)

  it("no module sets or reads a global beyond Lua's own", function()
    local STD = {}
    for name in ([[_G _VERSION _ENV assert collectgarbage coroutine debug dofile error getmetatable io ipairs
      load loadfile math next os package pairs pcall print rawequal rawget rawlen rawset require select
      setmetatable string table tonumber tostring type utf8 warn xpcall arg]]):gmatch("%S+") do STD[name] = true end
    local bad = {}
    for _, f in ipairs(files) do
      local p = io.popen("luac5.4 -p -l -l " .. proc.quote(ROOT .. "/" .. f) .. " 2>&1")
      local listing = p:read("a")
      p:close()
      for op, name in listing:gmatch("([GS]ETTABUP)[^\n]-_ENV \"([%w_]+)\"") do
        if op == "SETTABUP" or not STD[name] then bad[#bad + 1] = ("%s: %s %s"):format(f, op, name) end
      end
    end
    assert.same({}, bad)
  end)
end)
