-- luaforce.cli.help: a command's help text (usage, summary, description,
-- options, examples, exit codes), `luaforce help [COMMAND]`, and every
-- example of every command being a command line luaforce accepts.
local help = require "luaforce.cli.help"
local main = require "luaforce.cli.main"
local args = require "luaforce.cli.args"
local cli_run = require "support.cli_run"

-- The commands of a shell line, each a list of words: quotes and
-- backslashes as sh reads them; |, && and ; separate commands.
local function shell_commands(line)
  local cmds, words, word, i = {}, {}, nil, 1
  local function flush_word()
    if word then words[#words + 1] = word end
    word = nil
  end
  local function flush_cmd()
    flush_word()
    if #words > 0 then cmds[#cmds + 1] = words end
    words = {}
  end
  while i <= #line do
    local c = line:sub(i, i)
    if c == "'" then
      local j = assert(line:find("'", i + 1, true), "unclosed ' in " .. line)
      word = (word or "") .. line:sub(i + 1, j - 1)
      i = j
    elseif c == '"' then
      local j, buf = i + 1, {}
      while line:sub(j, j) ~= '"' do
        assert(j <= #line, 'unclosed " in ' .. line)
        if line:sub(j, j) == "\\" and line:sub(j + 1, j + 1):match('["\\$`]') then j = j + 1 end
        buf[#buf + 1] = line:sub(j, j)
        j = j + 1
      end
      word = (word or "") .. table.concat(buf)
      i = j
    elseif c == "\\" then
      if line:sub(i + 1, i + 1) ~= "\n" then word = (word or "") .. line:sub(i + 1, i + 1) end
      i = i + 1
    elseif c:match("%s") then
      flush_word()
    elseif c == "|" or c == ";" then
      flush_cmd()
    elseif c == "&" and line:sub(i + 1, i + 1) == "&" then
      flush_cmd()
      i = i + 1
    else
      word = (word or "") .. c
    end
    i = i + 1
  end
  flush_cmd()
  return cmds
end

-- nil when luaforce would take `words` (a luaforce command line) as it is,
-- else what it would say.
local function refused(words)
  local gopts, pos = args.parse(words, main.global_spec, 2)
  if not gopts then return tostring(pos) end
  if gopts.execute then
    local chunk, err = load(gopts.execute, "=(command line)", "t")
    return not chunk and err or nil
  end
  if gopts.version or #pos == 0 then return nil end
  local cmd = main.find_command(pos[1])
  if not cmd then return "unknown command " .. pos[1] end
  local first = 2
  if cmd.subcommands then -- a group: `luaforce bulk import ...`
    if #pos == 2 and (pos[2] == "--help" or pos[2] == "-h") then return nil end
    cmd = pos[2] and main.find_command(pos[1] .. " " .. pos[2])
    if not cmd then return "unknown command " .. pos[1] .. " " .. tostring(pos[2]) end
    first = 3
  end
  local opts, err = args.parse(pos, cmd.spec, first)
  return not opts and tostring(err) or nil
end

-- every command and every subcommand of a group ("bulk import")
local all_commands = {}
for _, c in ipairs(main.commands) do
  all_commands[#all_commands + 1] = c
  for _, s in ipairs(main.find_command(c.name).subcommands or {}) do
    all_commands[#all_commands + 1] = { name = c.name .. " " .. s.name }
  end
end

describe("help.text", function()
  for _, c in ipairs(all_commands) do
    it("luaforce help " .. c.name, function()
      local cmd = main.find_command(c.name)
      local text = help.text(c.name)
      local first, summary = text:match("^Usage: ([^\n]*)\n\n([^\n]*)\n")
      assert.equal(cmd.spec.usage, first)
      assert.equal(cmd.summary:sub(1, 1):upper() .. cmd.summary:sub(2) .. ".", summary)
      if cmd.description then assert.truthy(text:find("\n\n" .. cmd.description .. "\n", 1, true)) end
      assert.truthy(text:find("\nOptions:\n" .. args.help(cmd.spec) .. "\n", 1, true))
      assert.truthy(text:find("\nExamples:\n", 1, true))
      for _, e in ipairs(cmd.examples) do
        assert.truthy(text:find("\n  " .. e .. "\n", 1, true), e)
      end
      assert.equal("\n" .. main.EXIT_CODES, text:sub(-#main.EXIT_CODES - 1))
    end)
  end
end)

describe("every command's examples", function()
  for _, c in ipairs(all_commands) do
    it("are command lines luaforce takes: " .. c.name, function()
      local cmd = main.find_command(c.name)
      local seen = 0
      for _, example in ipairs(cmd.examples) do
        for _, words in ipairs(shell_commands(example)) do
          while words[1] and words[1]:match("^[%u_]+=") do table.remove(words, 1) end -- VAR=value
          if words[1] == "luaforce" then
            seen = seen + 1
            assert.is_nil(refused(words), example)
          end
        end
      end
      assert.is_true(seen > 0) -- some examples are other programs (curl)
    end)
  end

  it("are checked: a wrong one is found", function()
    local rows = {
      "luaforce get Account",
      "luaforce query --fromat csv 'SELECT Id FROM Account'",
      "luaforce describe Account Contact",
      "luaforce nosuch",
      "luaforce -e 'print(('",
      "echo x | luaforce limits --max 3",
    }
    for _, line in ipairs(rows) do
      local cmds = shell_commands(line)
      assert.is_string(refused(cmds[#cmds]), line)
    end
  end)
end)

describe("luaforce help", function()
  it("without a command prints the overview", function()
    local r = cli_run.run(help, {})
    assert.equal(0, r.code)
    assert.equal(main.usage() .. "\n", r.out)
  end)

  it("with a command prints its help", function()
    local r = cli_run.run(help, { "upsert" })
    assert.equal(0, r.code)
    assert.equal(help.text("upsert") .. "\n", r.out)
  end)

  local bad = {
    { { "rnu" }, "unknown command 'rnu' (did you mean 'run'?)" },
    { { "zzzzzz" }, "unknown command 'zzzzzz' (run 'luaforce help' for the list)" },
    { { "get", "query" }, "unexpected argument 'query' (usage: luaforce help [COMMAND [SUBCOMMAND]])" },
    { { "bulk", "imprt" }, "unknown command 'luaforce bulk imprt' (run 'luaforce help bulk' for its commands)" },
  }
  for _, r in ipairs(bad) do
    it("refuses help " .. table.concat(r[1], " ") .. ", exit 2", function()
      local res = cli_run.run(help, r[1])
      assert.equal(2, res.code)
      assert.equal(r[2], tostring(res.err))
      assert.equal("", res.out)
    end)
  end
end)
