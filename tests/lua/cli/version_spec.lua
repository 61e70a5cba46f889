-- luaforce.cli.version: `luaforce version` / `--version`: luaforce's
-- version on the first line, Lua and then each library (sorted) on the second.
local version = require "luaforce.cli.version"
local core = require "luaforce.core"
local cli_run = require "support.cli_run"

describe("luaforce version", function()
  it("names luaforce's version, then Lua, then the libraries by name", function()
    local first, second = version.text():match("^([^\n]*)\n([^\n]*)$")
    assert.equal("luaforce " .. require("luaforce").version, first)
    assert.equal("luaforce " .. core.version, first)
    local parts = {}
    for p in (second .. ", "):gmatch("(.-), ") do parts[#parts + 1] = p end
    assert.equal(core.libraries.lua, parts[1])
    assert.matches("^Lua 5%.4", parts[1])
    local names = {}
    for i = 2, #parts do
      local name, v = parts[i]:match("^(%S+) (%S+)$")
      assert.equal(core.libraries[name], v)
      names[#names + 1] = name
    end
    local sorted = { table.unpack(names) }
    table.sort(sorted)
    assert.same(sorted, names)
    for _, lib in ipairs { "libcurl", "yajl", "gmp", "pcre2", "libmicrohttpd", "zlib", "expat" } do
      assert.truthy(core.libraries[lib], lib)
    end
  end)

  it("prints the text and exits 0", function()
    local r = cli_run.run(version, {})
    assert.equal(0, r.code)
    assert.equal(version.text() .. "\n", r.out)
  end)

  it("takes no argument and no connection options", function()
    local r = cli_run.run(version, { "now" })
    assert.equal(2, r.code)
    assert.equal("unexpected argument 'now' (usage: luaforce version)", tostring(r.err))
    assert.equal(2, cli_run.run(version, { "--instance", "local" }).code)
  end)
end)
