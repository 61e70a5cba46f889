-- luaforce.cli.input_file: a file named on the command line is read whole,
-- and one that cannot be (missing, a directory, unreadable) is a usage error
-- (exit 2) naming what it is and the path, never a traceback.
local input_file = require "luaforce.cli.input_file"
local errors = require "luaforce.errors"
local files = require "support.files"

describe("luaforce.cli.input_file", function()
  local dir
  setup(function() dir = files.scratch() end)
  teardown(function() files.clear(dir) end)

  local function refusal(fn, ...)
    local ok, err = pcall(fn, ...)
    assert.is_false(ok)
    assert.is_true(errors.is(err), tostring(err))
    assert.equal(2, err.exit)
    return tostring(err)
  end

  it("reads a file whole, bytes as they are", function()
    local path = dir .. "/ctx.json"
    files.write(path, '{"a":1}\r\n\0tail')
    assert.equal('{"a":1}\r\n\0tail', input_file.read(path, "the context file"))
    assert.equal(path, input_file.check(path, "the script"))
  end)

  it("reads an empty file as empty text; check accepts it", function()
    local path = dir .. "/empty"
    files.write(path, "")
    assert.equal("", input_file.read(path, "the context file"))
    assert.equal(path, input_file.check(path, "the script"))
  end)

  it("refuses a directory, saying so", function()
    assert.equal(("cannot read the context file '%s': is a directory (give a file)"):format(dir),
      refusal(input_file.read, dir, "the context file", "give a file"))
    assert.equal(("cannot read the script '%s': is a directory"):format(dir),
      refusal(input_file.check, dir, "the script"))
  end)

  it("refuses a missing file, naming it once", function()
    local path = dir .. "/none.json"
    assert.equal(("cannot read the --json file '%s': no such file or directory"):format(path),
      refusal(input_file.read, path, "the --json file"))
    assert.equal(("cannot read the script '%s': no such file or directory"):format(path),
      refusal(input_file.check, path, "the script"))
  end)
end)
