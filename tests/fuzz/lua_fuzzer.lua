--- tests/fuzz/lua_fuzzer.lua: a coverage-guided mutation fuzzer for luaforce's
-- Lua code (libFuzzer would only see the Lua VM's C).
--
-- It keeps a corpus of inputs (the seeds of tests/fuzz/<target>/ and what
-- earlier runs kept), makes mutants of them, runs each through the target
-- while a debug.sethook line hook records the lines it executes in the
-- target's own files, and keeps a mutant that reached a line no input
-- before it reached.
--
--   lua5.4 tests/fuzz/lua_fuzzer.lua TARGET [--seconds N | --runs N] [--seed N]
--       [--corpus DIR] [--crashes DIR] [--max-len N] [--seeds DIR] [--targets FILE]
--   lua5.4 tests/fuzz/lua_fuzzer.lua TARGET --replay FILE|DIR...
--   lua5.4 tests/fuzz/lua_fuzzer.lua --list
-- --targets FILE takes the targets from FILE (a table like
-- tests/fuzz/lua_targets.lua returns) instead, --seeds DIR the seeds.
--
-- Run it from the repository root with build/ built (scripts/fuzz does
-- both). --corpus is where inputs worth keeping are written (and read back
-- next time); the seeds are read from tests/fuzz/TARGET/ as well.
--
-- The rule: target.run(input) returns (a value, or nil and an error) or
-- raises a luaforce.errors object. Anything else raised is a finding: a Lua
-- runtime error, a stack overflow, a check of the target's own that failed,
-- or a run past the line budget (a hang). A finding's input is saved as
-- CRASHES/crash-<hash>; the fuzzer prints the error, the traceback and the
-- command that reproduces it, and exits 1. --replay runs files through the
-- target once each (a reproduction, or the seeds as a regression test).
--
-- Mutations: bit flips, byte changes, inserts, deletes, copies of a range,
-- repetitions of a range (up to past the nesting limits), dictionary tokens
-- (the target's: keywords, punctuation) inserted or written over the text,
-- interesting numbers, and splices of two corpus entries.
--
-- As a module (specs): local fuzzer = dofile("tests/fuzz/lua_fuzzer.lua")
--   fuzzer.load_targets([file]) -> targets, sorted names
--   fuzzer.fuzz(target, opts) -> report | nil, finding
--   fuzzer.replay(target, inputs) -> count | nil, finding
--   fuzzer.mutate(rng, input, others, dict, max_len) -> a mutant
local M = {}

-- Past this many lines executed a run is a hang: the line hook counts them
-- (every turn of a loop is a line event, even `while true do end`).
M.LINE_BUDGET = 20000000

local errors -- luaforce.errors, loaded with the targets

---------------------------------------------------------------------------
-- Inputs on disk

local function hash(s)
  local h = 0xcbf29ce484222325
  for i = 1, #s do h = (h ~ s:byte(i)) * 0x100000001b3 end
  return ("%016x"):format(h)
end

-- tests/lua/support/files.lua's read and write (loaded once luaforce.core is)
local function read(path)
  require "luaforce.core"
  return require("support.files").read(path)
end

local function write(path, data)
  return require("support.files").write(path, data)
end

-- The regular files of dir in name order (none when it does not exist).
local function files_of(dir)
  local list = {}
  local p = io.popen("find '" .. dir:gsub("'", "'\\''") .. "' -maxdepth 1 -type f 2>/dev/null | sort")
  for line in p:lines() do list[#list + 1] = line end
  p:close()
  return list
end

local function mkdir(dir)
  os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "'")
end

-- A short, printable view of an input (%q, with line ends and bytes past
-- ASCII escaped too).
local function shown(s)
  local cut = #s > 160 and s:sub(1, 160) or s
  local q = ("%q"):format(cut):gsub("\\\n", "\\n"):gsub("[\128-\255]", function(c)
    return ("\\%d"):format(c:byte())
  end)
  return q .. (#s > 160 and (" ... (%d bytes)"):format(#s) or "")
end

---------------------------------------------------------------------------
-- Mutations

local INTERESTING = { "0", "-1", "1", "255", "65536", "2147483648", "9223372036854775807",
  "9223372036854775808", "-9223372036854775809", "1e309", "0.1", "1000", "1001", "99999999999" }
local REPEATS = { 2, 3, 4, 8, 16, 64, 256, 1000, 1001, 4096 }

-- A byte, mostly printable ASCII, sometimes anything.
local function some_byte(rng)
  local r = rng(100)
  if r <= 70 then return string.char(rng(32, 126)) end
  if r <= 80 then return ({ "\n", "\r", "\t", "\0", " " })[rng(5)] end
  return string.char(rng(0, 255))
end

local mutators = {
  function(rng, s) -- flip a bit
    if #s == 0 then return s end
    local i = rng(#s)
    return s:sub(1, i - 1) .. string.char(s:byte(i) ~ (1 << rng(0, 7))) .. s:sub(i + 1)
  end,
  function(rng, s) -- change a byte
    if #s == 0 then return s end
    local i = rng(#s)
    return s:sub(1, i - 1) .. some_byte(rng) .. s:sub(i + 1)
  end,
  function(rng, s) -- insert bytes
    local i = rng(#s + 1)
    local bytes = {}
    for k = 1, rng(4) do bytes[k] = some_byte(rng) end
    return s:sub(1, i - 1) .. table.concat(bytes) .. s:sub(i)
  end,
  function(rng, s) -- delete a range
    if #s == 0 then return s end
    local i = rng(#s)
    local n = rng(math.min(16, #s - i + 1))
    return s:sub(1, i - 1) .. s:sub(i + n)
  end,
  function(rng, s) -- copy a range elsewhere
    if #s == 0 then return s end
    local i = rng(#s)
    local piece = s:sub(i, i + rng(0, 31))
    local j = rng(#s + 1)
    return s:sub(1, j - 1) .. piece .. s:sub(j)
  end,
  function(rng, s, _, _, max_len) -- repeat a range, for depth
    if #s == 0 then return s end
    local i = rng(#s)
    local piece = s:sub(i, i + rng(0, 7))
    local n = REPEATS[rng(#REPEATS)]
    n = math.max(1, math.min(n, (max_len - #s) // #piece))
    return s:sub(1, i - 1) .. piece:rep(n + 1) .. s:sub(i + #piece)
  end,
  function(rng, s, _, dict) -- insert a dictionary token
    if #dict == 0 then return s end
    local tok = dict[rng(#dict)]
    local i = rng(#s + 1)
    local pad = rng(3) == 1 and " " or ""
    return s:sub(1, i - 1) .. pad .. tok .. pad .. s:sub(i)
  end,
  function(rng, s, _, dict) -- write a dictionary token over the text
    if #dict == 0 or #s == 0 then return s end
    local tok = dict[rng(#dict)]
    local i = rng(#s)
    return s:sub(1, i - 1) .. tok .. s:sub(i + #tok)
  end,
  function(rng, s) -- an interesting number in place of digits (or anywhere)
    local starts = {}
    for p in s:gmatch("()%d+") do starts[#starts + 1] = p end
    local num = INTERESTING[rng(#INTERESTING)]
    if #starts == 0 then
      local i = rng(#s + 1)
      return s:sub(1, i - 1) .. num .. s:sub(i)
    end
    local p = starts[rng(#starts)]
    local q = s:find("%D", p) or #s + 1
    return s:sub(1, p - 1) .. num .. s:sub(q)
  end,
  function(rng, s, others) -- splice with another input
    if #others == 0 then return s end
    local o = others[rng(#others)]
    return s:sub(1, rng(0, #s)) .. o:sub(rng(#o + 1))
  end,
}

--- A mutant of `input`: one to four mutations stacked. `rng(m[, n])` draws
-- like math.random; `others` are inputs to splice with; the result is cut
-- to max_len bytes.
function M.mutate(rng, input, others, dict, max_len)
  local s = input
  for _ = 1, rng(4) do s = mutators[rng(#mutators)](rng, s, others, dict, max_len) end
  if #s > max_len then s = s:sub(1, max_len) end
  return s
end

---------------------------------------------------------------------------
-- Running one input

-- A clean outcome: run returned, or raised a luaforce error object.
local function clean(ok, err)
  errors = errors or require "luaforce.errors"
  return ok or errors.is(err)
end

-- The message handler: a luaforce error passes through as it is (a clean
-- outcome); anything else becomes its text with the traceback.
local function traceback(err)
  errors = errors or require "luaforce.errors"
  if errors.is(err) then return err end
  if type(err) == "string" or (type(err) == "table" and getmetatable(err) and getmetatable(err).__tostring) then
    return debug.traceback(tostring(err), 2)
  end
  return debug.traceback(("(error object is a %s value)"):format(type(err)), 2)
end

-- Runs target.run(input) with the line hook of `cov` when given. Returns
-- nil when the outcome is clean, else the error with its traceback.
-- cov: {lines = {[source] = {[line] = true}}, seen = a weak-keyed table of
-- functions to their source's line set (false: not covered), new = count}.
local function run_one(target, input, cov)
  -- The hook sees every line of this thread, run_one's own after the
  -- target returns too: past the budget it raises once, then again only
  -- if the target swallowed that and ran 1000 lines more.
  local steps, limit = 0, M.LINE_BUDGET
  local function spend()
    steps = steps + 1
    if steps > limit then
      limit = steps + 1000
      error("line budget exceeded: the input hangs the target", 3)
    end
  end
  local ok, err
  if not cov then
    debug.sethook(spend, "l")
  else
    local getinfo, lines, seen, prefixes = debug.getinfo, cov.lines, cov.seen, target.covers
    debug.sethook(function(_, line)
      spend()
      -- by function first: getinfo "f" costs a third of "S"
      local fn = getinfo(2, "f").func
      local set = seen[fn]
      if set == nil then
        local src = getinfo(2, "S").source
        set = false
        for _, p in ipairs(prefixes) do
          if src:sub(1, #p) == p then
            set = lines[src] or {}
            lines[src] = set
            break
          end
        end
        seen[fn] = set
      end
      if set and not set[line] then
        set[line] = true
        cov.new = cov.new + 1
      end
    end, "l")
  end
  ok, err = xpcall(target.run, traceback, input)
  debug.sethook()
  if clean(ok, err) then return nil end
  return err
end

---------------------------------------------------------------------------
-- Fuzzing

local function count_lines(cov)
  local n = 0
  for _, set in pairs(cov.lines) do
    for _ in pairs(set) do n = n + 1 end
  end
  return n
end

-- Lines of the covered files that hold code (not blank, not only a
-- comment): the denominator of the coverage figure, near enough.
local function code_lines(cov)
  local n = 0
  for src in pairs(cov.lines) do
    local text = src:sub(1, 1) == "@" and read(src:sub(2))
    for line in (text or ""):gmatch("[^\n]*") do
      if line:match("%S") and not line:match("^%s*%-%-") then n = n + 1 end
    end
  end
  return n
end

--- Fuzzes `target` (an entry of M.load_targets, with its `name`).
-- opts: seconds, runs (stop at whichever comes first; runs alone is
-- deterministic for a seed), seed, seeds (list of inputs), corpus_dir
-- (kept inputs go there), crashes_dir, max_len, log (function(line)).
-- Returns a report {runs, seconds, corpus, kept, lines, code_lines} or
-- nil and a finding {input, error, file}.
function M.fuzz(target, opts)
  local rng_seed = opts.seed or os.time()
  math.randomseed(rng_seed)
  local rng = math.random
  local max_len = opts.max_len or target.max_len or 4096
  local dict = target.dict or {}
  local log = opts.log or function() end
  local cov = { lines = {}, seen = setmetatable({}, { __mode = "k" }), new = 0 }
  local corpus, known = {}, {}

  local runs = 0
  local function finding(input, err)
    local file
    if opts.crashes_dir then
      mkdir(opts.crashes_dir)
      file = opts.crashes_dir .. "/crash-" .. hash(input)
      write(file, input)
    end
    return nil, { input = input, error = err, file = file, runs = runs }
  end

  local function keep(input, save)
    known[input] = true
    corpus[#corpus + 1] = input
    if save and opts.corpus_dir then
      mkdir(opts.corpus_dir)
      write(opts.corpus_dir .. "/" .. hash(input), input)
    end
  end

  -- the seeds: all kept, whether they reach new lines or not
  for _, input in ipairs(opts.seeds or {}) do
    if not known[input] then
      local err = run_one(target, input, cov)
      if err then return finding(input, err) end
      keep(input, false)
    end
  end
  if #corpus == 0 then keep("", false) end
  local seeded = #corpus

  require "luaforce.core" -- registers luaforce.core.* from core.so
  local now = require("luaforce.core.sys").monotonic_ms
  local function clock() return now() / 1000 end
  local t0 = clock()
  local deadline = opts.seconds and t0 + opts.seconds or math.huge
  local max_runs = opts.runs or math.huge
  local next_log = t0 + 5
  while runs < max_runs and clock() < deadline do
    -- the shorter of two picks: short inputs run fast, so more of them run
    local parent, other = corpus[rng(#corpus)], corpus[rng(#corpus)]
    if #other < #parent then parent = other end
    local input = M.mutate(rng, parent, corpus, dict, max_len)
    runs = runs + 1
    if not known[input] then
      cov.new = 0
      local err = run_one(target, input, cov)
      if err then return finding(input, err) end
      if cov.new > 0 then keep(input, true) end
    end
    if clock() >= next_log then
      next_log = next_log + 5
      log(("%s: %d runs, %d lines, corpus %d"):format(target.name, runs, count_lines(cov), #corpus))
    end
  end
  return {
    runs = runs, seconds = clock() - t0, seed = rng_seed, corpus = #corpus, kept = #corpus - seeded,
    lines = count_lines(cov), code_lines = code_lines(cov),
  }
end

--- Runs each input once. Returns how many, or nil and the first finding.
function M.replay(target, inputs)
  for i, input in ipairs(inputs) do
    local err = run_one(target, input.data, nil)
    if err then return nil, { input = input.data, error = err, file = input.file }, i end
  end
  return #inputs
end

---------------------------------------------------------------------------
-- The command line

local USAGE = [[
usage: lua5.4 tests/fuzz/lua_fuzzer.lua TARGET [--seconds N | --runs N] [--seed N]
           [--corpus DIR] [--crashes DIR] [--max-len N] [--seeds DIR] [--targets FILE]
       lua5.4 tests/fuzz/lua_fuzzer.lua TARGET --replay FILE|DIR...
       lua5.4 tests/fuzz/lua_fuzzer.lua --list
(from the repository root; scripts/fuzz runs it for you)]]

local function inputs_of(paths)
  local list = {}
  for _, p in ipairs(paths) do
    local data = read(p)
    if data and #files_of(p) == 0 then
      list[#list + 1] = { file = p, data = data }
    else
      for _, f in ipairs(files_of(p)) do list[#list + 1] = { file = f, data = read(f) } end
    end
  end
  return list
end

local function report_finding(name, f, runs)
  io.stderr:write(("%s: FINDING%s: %s\n"):format(name, runs and (" after " .. runs .. " runs") or "",
    (tostring(f.error):match("^[^\n]*"))))
  io.stderr:write(("  input: %s\n"):format(shown(f.input)))
  if f.file then
    io.stderr:write(("  saved: %s\n  reproduce: scripts/fuzz %s --replay %s\n"):format(f.file, name, f.file))
  end
  io.stderr:write(tostring(f.error), "\n")
end

--- The targets of a file like tests/fuzz/lua_targets.lua (path nil: that
-- one), each given its `name`, and their names sorted.
function M.load_targets(path)
  local targets = path and dofile(path) or require "lua_targets"
  local names = {}
  for name, t in pairs(targets) do
    if type(t) == "table" then
      t.name = name
      names[#names + 1] = name
    end
  end
  table.sort(names)
  return targets, names
end

function M.main(argv)
  local name, opts, replay, targets_file = nil, {}, nil, nil
  local i = 1
  local function value(flag)
    i = i + 1
    local v = argv[i]
    if v == nil then error(flag .. " needs a value", 0) end
    return v
  end
  local function number(flag)
    local v = value(flag)
    local n = math.tointeger(tonumber(v))
    if not n or n < 0 then error(("%s takes a whole number, not '%s'"):format(flag, v), 0) end
    return n
  end
  local targets, names, list
  local ok, err = pcall(function()
    while i <= #argv do
      local a = argv[i]
      if a == "--list" then list = true
      elseif a == "-h" or a == "--help" then
        print(USAGE)
        os.exit(0)
      elseif a == "--seconds" then opts.seconds = number(a)
      elseif a == "--runs" then opts.runs = number(a)
      elseif a == "--seed" then opts.seed = number(a)
      elseif a == "--max-len" then opts.max_len = number(a)
      elseif a == "--corpus" then opts.corpus_dir = value(a)
      elseif a == "--crashes" then opts.crashes_dir = value(a)
      elseif a == "--targets" then targets_file = value(a)
      elseif a == "--seeds" then opts.seeds_dir = value(a)
      elseif a == "--replay" then
        replay = { table.unpack(argv, i + 1) }
        break
      elseif a:sub(1, 1) == "-" then error(("unknown option '%s'"):format(a), 0)
      elseif name then error(("one target at a time ('%s' and '%s')"):format(name, a), 0)
      else name = a end
      i = i + 1
    end
    targets, names = M.load_targets(targets_file)
    if list then return end
    if not name then error("name a target (--list shows them)", 0) end
    if type(targets[name]) ~= "table" then
      error(("no target '%s' (the targets: %s)"):format(name, table.concat(names, ", ")), 0)
    end
  end)
  if not ok then
    io.stderr:write("lua_fuzzer: ", tostring(err), "\n", USAGE, "\n")
    return 2
  end
  if list then
    for _, n in ipairs(names) do print(("%-10s %s"):format(n, targets[n].about or "")) end
    return 0
  end
  local target = targets[name]

  if replay then
    local inputs = inputs_of(replay)
    if #inputs == 0 then
      io.stderr:write("lua_fuzzer: --replay found no files\n")
      return 2
    end
    local n, f = M.replay(target, inputs)
    if not n then
      report_finding(name, f)
      return 1
    end
    print(("%s: replayed %d input(s), no finding"):format(name, n))
    return 0
  end

  local seeds = {}
  for _, inp in ipairs(inputs_of { opts.seeds_dir or ("tests/fuzz/" .. name) }) do seeds[#seeds + 1] = inp.data end
  if opts.corpus_dir then
    for _, inp in ipairs(inputs_of { opts.corpus_dir }) do seeds[#seeds + 1] = inp.data end
  end
  opts.seeds = seeds
  if not opts.runs and not opts.seconds then opts.seconds = 20 end
  opts.log = function(line) io.stderr:write(line, "\n") end
  local r, f = M.fuzz(target, opts)
  if not r then
    report_finding(name, f, f.runs)
    return 1
  end
  print(("%s: %d runs in %.0f s (%d/s), %d lines reached of ~%d in its files (%.1f%%), corpus %d (+%d), seed %d, no finding")
    :format(name, r.runs, r.seconds, math.floor(r.runs / math.max(r.seconds, 0.001)), r.lines, r.code_lines,
      100 * r.lines / math.max(r.code_lines, 1), r.corpus, r.kept, r.seed))
  return 0
end

-- Run as a script: the repository's modules first, then main.
if arg and arg[0] and arg[0]:match("lua_fuzzer%.lua$") and debug.getinfo(3) == nil then
  package.path = "lua/?.lua;lua/?/init.lua;tests/fuzz/?.lua;tests/lua/?.lua;" .. package.path
  package.cpath = "build/lib/?.so;" .. package.cpath
  os.exit(M.main(arg))
end

return M
