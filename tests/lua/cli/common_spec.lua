-- luaforce.cli.common: the option lists commands share, and how `with` and
-- `connected` put a command's options together (the order --help lists).
local common = require "luaforce.cli.common"
local main = require "luaforce.cli.main"

local function names(list)
  local out = {}
  for i, o in ipairs(list) do out[i] = o.name end
  return out
end

local function concat(...)
  local out = {}
  for i = 1, select("#", ...) do
    for _, n in ipairs((select(i, ...))) do out[#out + 1] = n end
  end
  return out
end

local OWN = { { name = "fields", arg = "A,B" }, { name = "relationship", arg = "NAME" } }
local FLAGS = { "help", "verbose", "quiet", "trace" }
local CONNECTION = { "instance", "api-version", "token", "client-id", "client-secret-file", "profile" }
local OUTPUT = { "format", "map", "map-response", "output" }

describe("common", function()
  it("has the flags, connection and output options a user reads in --help", function()
    assert.same(FLAGS, names(common.options))
    assert.same(CONNECTION, names(common.connection))
    assert.same(OUTPUT, names(common.output))
  end)

  it("takes no client secret itself on the command line", function()
    for _, o in ipairs(common.connection) do
      assert.is_nil(o.name:match("secret$"), o.name)
    end
  end)

  local rows = {
    -- name, the list, the option names in order
    { "with(): only the flags", common.with(), FLAGS },
    { "with(own)", common.with(OWN), concat({ "fields", "relationship" }, FLAGS) },
    { "with(own, connection)", common.with(OWN, common.connection),
      concat({ "fields", "relationship" }, CONNECTION, FLAGS) },
    { "with(connection, own)", common.with(common.connection, OWN),
      concat(CONNECTION, { "fields", "relationship" }, FLAGS) },
    { "connected(own): own, connection, output, flags", common.connected(OWN),
      concat({ "fields", "relationship" }, CONNECTION, OUTPUT, FLAGS) },
    { "connected(): connection, output, flags", common.connected(), concat(CONNECTION, OUTPUT, FLAGS) },
    { "connected({})", common.connected {}, concat(CONNECTION, OUTPUT, FLAGS) },
    { "connected(own, more): both, in order, then the rest", common.connected(OWN, { { name = "error-expression" } }),
      concat({ "fields", "relationship", "error-expression" }, CONNECTION, OUTPUT, FLAGS) },
  }
  for _, r in ipairs(rows) do
    it(r[1], function() assert.same(r[3], names(r[2])) end)
  end

  it("makes a new list each time and leaves the shared ones alone", function()
    local a, b = common.connected(OWN), common.connected(OWN)
    assert.are_not.equal(a, b)
    a[#a + 1] = { name = "extra" }
    assert.equal(#b + 1, #a)
    assert.same(FLAGS, names(common.options))
    assert.same(CONNECTION, names(common.connection))
    assert.equal(2, #OWN)
  end)

  it("gives every command options with distinct names and short letters", function()
    for _, c in ipairs(main.commands) do
      local spec = main.find_command(c.name).spec
      local long, short = {}, {}
      for _, o in ipairs(spec.options) do
        assert.is_nil(long[o.name], c.name .. " --" .. o.name)
        long[o.name] = true
        if o.short then
          assert.is_nil(short[o.short], c.name .. " -" .. o.short)
          short[o.short] = true
        end
      end
      assert.is_true(long.help and long.verbose and long.quiet and long.trace, c.name)
    end
  end)
end)
