-- luaforce.chain.journal: the state file a chain keeps (mode 0600, one JSON
-- entry a line), read back on resume: a last line cut by a crash is no
-- entry, a damaged file and another chain's file are refused.
local journal = require "luaforce.chain.journal"
local json = require "luaforce.json"
local sys = require "luaforce.core.sys"
local files = require "support.files"

local FP = "from\ncreate Invoice__c {External_Id__c}"

local function lines(path)
  local out = {}
  for line in (files.read(path) or ""):gmatch("[^\n]+") do out[#out + 1] = line end
  return out
end

describe("chain.journal", function()
  local dir, path
  before_each(function()
    dir = files.scratch()
    path = dir .. "/run.state"
  end)
  after_each(function() files.clear(dir) end)

  -- A file with two items done, two sent without an answer, one failed
  -- and one in the middle of the chain.
  local function written()
    local j = assert(journal.create(path, FP, 3))
    j:intent({ 2 }, { "A", "B" })
    j:settle("A", { state = "done", at = 2, vars = { ext = "A" } })
    j:settle("B", { state = "done", at = 2, vars = { ext = "B" } })
    j:intent({ 2, 3 }, { "C", "D" })
    j:settle("E", { state = "failed", at = 3, vars = { ext = "E" },
      error = { code = "400", message = "bad", exit = 1, secret_field = "not kept" } })
    j:settle("F", { through = 2, vars = { ext = "F", n = 1 } })
    j:close()
  end

  it("is made mode 0600 even under umask 000, and refuses to overwrite a file", function()
    local old = sys.umask(0)
    local j, err = journal.create(path, FP, 3)
    sys.umask(old)
    assert.is_nil(err)
    j:close()
    assert.equal(384, sys.stat(path).mode & 511)
    local j2, e2 = journal.create(path, FP, 3)
    assert.is_nil(j2)
    assert.equal("CHAIN_STATE", e2.code)
    assert.equal(2, e2.exit)
    assert.matches("exists already", e2.message)
    assert.matches("resume that run", e2.hint)
  end)

  it("writes one JSON entry a line: the head, intents, and where items ended", function()
    written()
    local l = lines(path)
    assert.equal(7, #l)
    assert.equal('{"chain":1,"fingerprint":"from\\ncreate Invoice__c {External_Id__c}","steps":3}', l[1])
    assert.equal('{"send":["A","B"],"steps":[2]}', l[2])
    assert.equal('{"key":"A","state":"done","at":2,"vars":{"ext":"A"}}', l[3])
    assert.equal('{"key":"E","state":"failed","at":3,"vars":{"ext":"E"},"error":{"code":"400","message":"bad","exit":1}}',
      l[6])
    assert.equal('{"key":"F","through":2,"vars":{"ext":"F","n":1}}', l[7])
  end)

  it("resumes: where each item ended, what was sent without an answer", function()
    written()
    local j, prev = assert(journal.resume(path, FP))
    j:close()
    assert.equal("done", prev.A.state)
    assert.is_nil(prev.A.pending) -- settled after it was sent
    assert.same({ 2, 3 }, prev.C.pending)
    assert.same({ 2, 3 }, prev.D.pending)
    assert.equal("failed", prev.E.state)
    assert.equal(3, prev.E.at)
    assert.equal("bad", prev.E.error.message)
    assert.equal(2, prev.F.through)
    assert.equal(1, prev.F.through_vars.n)
    assert.is_nil(prev.F.state)
  end)

  it("keeps what it cannot encode out of the file, and says so on resume", function()
    local j = assert(journal.create(path, FP, 3))
    j:settle("G", { through = 2, vars = { f = function() end } })
    j:close()
    local _, prev = assert(journal.resume(path, FP))
    assert.is_true(prev.G.novars)
    assert.is_nil(prev.G.through_vars)
  end)

  it("takes a file whose last line a crash cut short, and can be resumed again after", function()
    written()
    local text = files.read(path)
    files.write(path, text .. '{"key":"C","state":"do')
    local j, prev = journal.resume(path, FP)
    assert.is_table(j, tostring(prev))
    assert.same({ 2, 3 }, prev.C.pending)
    j:settle("C", { state = "done", at = 3, vars = {} })
    j:close()
    assert.equal(384, sys.stat(path).mode & 511)
    -- the cut line is gone: the file reads whole again
    local j2, prev2 = journal.resume(path, FP)
    assert.is_table(j2, tostring(prev2))
    j2:close()
    assert.equal("done", prev2.C.state)
    assert.is_nil(prev2.C.pending)
    for i, line in ipairs(lines(path)) do
      assert.is_table(json.decode(line), ("line %d: %s"):format(i, line))
    end
  end)

  it("read gives the same as resume and leaves the file as it is", function()
    written()
    local text = files.read(path) .. '{"key":"C","sta'
    files.write(path, text)
    local prev = assert(journal.read(path, FP))
    assert.same({ 2, 3 }, prev.C.pending)
    assert.equal(2, prev.F.through)
    assert.equal(text, files.read(path))
    local none, err = journal.read(path, "other")
    assert.is_nil(none)
    assert.matches("belongs to another chain", err.message)
  end)

  it("refuses a file damaged before its end", function()
    written()
    local l = lines(path)
    l[4] = l[4]:sub(1, 10)
    files.write(path, table.concat(l, "\n") .. "\n")
    local j, err = journal.resume(path, FP)
    assert.is_nil(j)
    assert.equal("CHAIN_STATE", err.code)
    assert.equal(2, err.exit)
    assert.equal(path .. " line 4 is not a chain state entry", err.message)
  end)

  it("refuses another chain's file, a file that is none, an empty one and a missing one", function()
    written()
    local j, err = journal.resume(path, "from\ncreate Contact {LastName}")
    assert.is_nil(j)
    assert.equal(path .. " belongs to another chain (its steps differ from this one's)", err.message)
    assert.matches("start afresh with a new state file", err.hint)

    files.write(path, '{"records": []}\n')
    j, err = journal.resume(path, FP)
    assert.is_nil(j)
    assert.equal(path .. " is not a luaforce chain state file", err.message)

    files.write(path, "")
    j, err = journal.resume(path, FP)
    assert.is_nil(j)
    assert.equal(path .. " is empty: not a chain state file", err.message)

    j, err = journal.resume(dir .. "/none.state", FP)
    assert.is_nil(j)
    assert.matches("^cannot read the state file to resume: .*none%.state", err.message)
  end)
end)
