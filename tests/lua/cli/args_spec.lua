-- luaforce.cli.args: the one command-line parser, row by row: the forms an
-- option takes, positionals, `--`, stop_at_positional, and mistakes as
-- usage errors that suggest the nearest option or choice.
local args = require "luaforce.cli.args"

local SPEC = {
  command = "query",
  usage = "luaforce query [OPTIONS] SOQL",
  args = "SOQL",
  min_args = 1,
  max_args = 1,
  options = {
    { name = "format", short = "f", arg = "FMT", choices = { "table", "json", "csv" } },
    { name = "batch-size", arg = "N", number = true },
    { name = "data", arg = "FILE", multiple = true },
    { name = "verbose", short = "v" },
    { name = "quiet", short = "q" },
    { name = "help", short = "h" },
  },
}

describe("args.parse", function()
  local good = {
    -- argv, options, positionals
    { { "--format", "json", "Q" }, { format = "json" }, { "Q" } },
    { { "--format=csv", "Q" }, { format = "csv" }, { "Q" } },
    { { "-f", "table", "Q" }, { format = "table" }, { "Q" } },
    { { "-fjson", "Q" }, { format = "json" }, { "Q" } },
    { { "-vq", "Q" }, { verbose = true, quiet = true }, { "Q" } },
    { { "-vf", "csv", "Q" }, { verbose = true, format = "csv" }, { "Q" } },
    { { "--batch-size", "500", "Q" }, { batch_size = 500 }, { "Q" } },
    { { "--data", "a", "--data=b", "Q" }, { data = { "a", "b" } }, { "Q" } },
    { { "Q", "--verbose" }, { verbose = true }, { "Q" } },
    { { "--", "--format" }, {}, { "--format" } },
    { { "--help" }, { help = true }, {} }, -- help wins over a missing argument
  }
  for _, row in ipairs(good) do
    it(table.concat(row[1], " "), function()
      local opts, pos = args.parse(row[1], SPEC)
      assert.is_table(opts, tostring(pos))
      assert.same(row[2], opts)
      assert.same(row[3], pos)
    end)
  end

  local bad = {
    -- argv, message, hint
    { { "--fromat", "json", "Q" }, "unknown option '--fromat'", "did you mean --format?" },
    { { "--bogus-thing", "Q" }, "unknown option '--bogus-thing'", "see 'luaforce help query'" },
    { { "-x", "Q" }, "unknown option '-x'", "see 'luaforce help query'" },
    { { "--format", "jsno", "Q" }, "--format does not take 'jsno'", "did you mean json?" },
    { { "--format", "xml", "Q" }, "--format does not take 'xml'", "one of table, json, csv" },
    { { "--batch-size", "lots", "Q" }, "--batch-size takes a whole number, not 'lots'", nil },
    { { "Q", "--format" }, "option --format needs a value (FMT)", nil },
    { { "--verbose=yes", "Q" }, "option --verbose takes no value", nil },
    { {}, "missing argument: SOQL", "usage: luaforce query [OPTIONS] SOQL" },
    { { "Q", "R" }, "unexpected argument 'R'", "usage: luaforce query [OPTIONS] SOQL" },
  }
  for _, row in ipairs(bad) do
    it("refuses " .. table.concat(row[1], " "), function()
      local opts, err = args.parse(row[1], SPEC)
      assert.is_nil(opts)
      assert.equal(2, err.exit)
      assert.equal(row[2], err.message)
      assert.equal(row[3], err.hint)
    end)
  end

  it("hands everything from the first positional on to a script", function()
    local spec = { command = "run", stop_at_positional = true, options = SPEC.options }
    local opts, pos = args.parse({ "luaforce", "-v", "job.lua", "--format", "x", "-q" }, spec, 2)
    assert.same({ verbose = true }, opts)
    assert.same({ "job.lua", "--format", "x", "-q" }, pos)
  end)
end)

describe("args.nearest", function()
  it("suggests close words and abbreviations, and nothing far off", function()
    assert.equal("--instance", args.nearest("--instnace", { "--instance", "--token" }))
    assert.equal("Account", args.nearest("acount", { "Account", "Contact" }))
    assert.equal("Opportunity", args.nearest("Opp", { "Account", "Opportunity" }))
    assert.is_nil(args.nearest("zzz", { "Account", "Contact" }))
    assert.equal(1, args.distance("ab", "ba")) -- a transposition is one edit
    assert.equal(3, args.distance("", "abc"))
  end)
end)

describe("args.help", function()
  it("aligns the options with their arguments", function()
    local text = args.help { options = { { name = "format", short = "f", arg = "FMT", help = "how" },
      { name = "verbose", help = "more" } } }
    assert.equal("  -f, --format FMT  how\n      --verbose     more", text)
  end)
end)
