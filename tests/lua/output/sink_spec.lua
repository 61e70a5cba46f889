-- luaforce.output.sink: atomic files, streams and memory.
local sink = require "luaforce.output.sink"
local sys = require "luaforce.core.sys"
local files = require "support.files"

local read, write, names = files.read, files.write, files.names

describe("sink.open", function()
  local dir
  before_each(function() dir = files.scratch() end)
  after_each(function() files.clear(dir) end)

  it("replaces the file only when committed", function()
    local path = dir .. "/out.csv"
    write(path, "old\n")
    local s = assert(sink.open(path))
    assert(s:write("new 1\n"))
    assert.equal("old\n", read(path))
    assert(s:write("new 2\n"))
    assert(s:commit())
    assert.equal("new 1\nnew 2\n", read(path))
    assert.same({ "out.csv" }, names(dir))
  end)

  it("leaves the old file as it was when aborted, and no temporary file", function()
    local path = dir .. "/out.csv"
    write(path, "old\n")
    local s = assert(sink.open(path))
    assert(s:write("half of the new"))
    s:abort()
    s:abort()
    assert.equal("old\n", read(path))
    assert.same({ "out.csv" }, names(dir))
  end)

  it("creates a file that did not exist, and nothing when aborted", function()
    local path = dir .. "/new.json"
    local s = assert(sink.open(path))
    s:abort()
    assert.same({}, names(dir))
    s = assert(sink.open(path))
    assert(s:write("[]\n"))
    assert(s:commit())
    assert.equal("[]\n", read(path))
  end)

  it("keeps the mode of the file it replaces", function()
    local path = dir .. "/secret.csv"
    write(path, "x")
    os.execute("chmod 600 '" .. path .. "'")
    local s = assert(sink.open(path))
    assert(s:write("y"))
    assert(s:commit())
    assert.equal(384, sys.stat(path).mode & 511)
  end)

  it("refuses a directory with an error naming it", function()
    local s, err = sink.open(dir)
    assert.is_nil(s)
    assert.equal("OUTPUT", err.code)
    assert.equal(2, err.exit)
    assert.equal("cannot write '" .. dir .. "': it is a folder; give a file name", err.message)
    s, err = sink.open(dir .. "/")
    assert.is_nil(s)
    assert.matches("it is a folder", err.message, 1, true)
  end)

  -- defect: exit 1, and the message named the temporary file
  it("refuses a place it cannot write to: exit 2, the target named, not the temporary file", function()
    files.write(dir .. "/plain", "x")
    local rows = {
      { dir .. "/missing/out.csv", ("the folder '%s/missing' does not exist"):format(dir) },
      { dir .. "/plain/out.csv", ("'%s/plain' is not a folder"):format(dir) },
    }
    for _, row in ipairs(rows) do
      local s, err = sink.open(row[1])
      assert.is_nil(s)
      assert.equal("OUTPUT", err.code)
      assert.equal(2, err.exit)
      assert.equal(("cannot write '%s': %s"):format(row[1], row[2]), err.message)
      assert.is_nil(tostring(err):find(".tmp", 1, true))
      assert.matches("a folder that exists", err.hint, 1, true)
    end
  end)

  it("refuses writes after commit", function()
    local s = assert(sink.open(dir .. "/a"))
    assert(s:commit())
    local ok, err = s:write("late")
    assert.is_nil(ok)
    assert.matches("already closed", err.message)
    assert.is_true(s:commit())
  end)

  it("raises for a missing name (misuse)", function()
    assert.has_error(function() sink.open("") end)
    assert.has_error(function() sink.open(nil) end)
  end)
end)

describe("sink.stream", function()
  it("writes to the handle and flushes on commit", function()
    local got, flushed = {}, 0
    local file = {
      write = function(self, s) got[#got + 1] = s return self end,
      flush = function(self) flushed = flushed + 1 return self end,
    }
    local s = sink.stream(file)
    assert(s:write("a"))
    assert(s:write("b"))
    assert(s:commit())
    assert.same({ "a", "b" }, got)
    assert.equal(1, flushed)
  end)

  it("names the stream in a write error", function()
    local file = { write = function() return nil, "No space left on device" end, flush = function() return true end }
    local ok, err = sink.stream(file, "report.txt"):write("x")
    assert.is_nil(ok)
    assert.equal("cannot write 'report.txt': No space left on device", err.message)
    ok, err = sink.stream(io.stdout):write("")
    assert.is_true(ok)
  end)
end)

describe("sink.memory", function()
  it("keeps what is written", function()
    local s = sink.memory()
    assert(s:write("a,b\r\n"))
    assert(s:write("1,2\r\n"))
    assert(s:commit())
    assert.equal("a,b\r\n1,2\r\n", s:text())
    assert.is_nil(sink.stream(io.stdout):text())
  end)
end)
