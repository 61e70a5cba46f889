-- luaforce.output.table: widths, lines and whole tables.
local tbl = require "luaforce.output.table"
local width = require "luaforce.output.width"
local json = require "luaforce.json"

local function decode(text) return assert(json.decode(text)) end

-- The cell where each column starts, from the rule under the header.
local function starts(rule)
  local out, col = {}, 0
  for dashes, blanks in rule:gmatch("(%-+)( *)") do
    out[#out + 1] = col
    col = col + #dashes + #blanks
  end
  return out
end

-- Does each column's text start at the same cell on every line? (Every
-- cell of the rows given is filled, so the text after the boundary is not
-- blank.)
local function lines_up(text)
  local lines = {}
  for line in text:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  local cols = starts(lines[2])
  for i, line in ipairs(lines) do
    for c = 2, #cols do
      local before, cells = width.cut(line, cols[c])
      local rest = line:sub(#before + 1)
      if i ~= 2 and (cells ~= cols[c] or not before:match("  $") or rest:match("^ ")) then
        return false, line
      end
    end
  end
  return true
end

describe("tbl.widths", function()
  it("gives each column its widest text when all fit", function()
    assert.same({ 4, 6 }, tbl.widths({ "Id", "Name" }, { { "1", "Acme" }, { "1234", "Globex" } }, 80))
    assert.same({ 4, 6 }, tbl.widths({ "Id", "Name" }, { { "1", "Acme" }, { "1234", "Globex" } }))
  end)

  it("counts cells, not bytes or code points", function()
    assert.same({ 6, 4 }, tbl.widths({ "N", "M" }, { { "日本語", "Jose\u{301}" } }))
  end)

  it("narrows the widest columns first, none below six", function()
    local w = tbl.widths({ "A", "B", "C" }, { { ("a"):rep(10), ("b"):rep(40), ("c"):rep(30) } }, 50)
    assert.same({ 10, 18, 18 }, w)
    w = tbl.widths({ "A", "B" }, { { ("a"):rep(10), ("b"):rep(40) } }, 10)
    assert.same({ 6, 6 }, w)
  end)

  it("keeps a column of record ids whole", function()
    local w = tbl.widths({ "Id", "Name" }, { { "003000000000001AAA", ("n"):rep(40) } }, 30)
    assert.same({ 18, 10 }, w)
  end)
end)

describe("tbl.line", function()
  it("pads, cuts with … and trims the end", function()
    assert.equal("Acme    Glob…\n", tbl.line({ "Acme", "Globex Corp" }, { 6, 5 }))
    assert.equal("a\n", tbl.line({ "a", "" }, { 3, 4 }))
    assert.equal("a  x\n", tbl.line({ "a", "x  " }, { 1, 4 }))
    assert.equal("\n", tbl.line({}, {}))
  end)
end)

describe("tbl.render", function()
  it("flattens relationships, blanks nulls and counts children", function()
    local rows = decode([==[[
      {"attributes":{},"Name":"Ada","Account":{"attributes":{},"Name":"Acme"},"Email":null,
       "Tasks":{"totalSize":3,"done":true,"records":[{},{},{}]}},
      {"attributes":{},"Name":"Bob","Account":null,"Email":"b@x.org","Tasks":null}]]==])
    assert.equal(table.concat {
      "Name  Account.Name  Email    Tasks\n",
      "----  ------------  -------  -----------\n",
      "Ada   Acme                   [3 records]\n",
      "Bob                 b@x.org\n",
    }, tbl.render(rows))
  end)

  it("lines up accented, combining, wide and emoji text", function()
    local rows = {
      { Name = "Zoë Ångström", City = "Zürich", Note = "x" },
      { Name = "Jose\u{301} Nun\u{303}ez", City = "東京", Note = "y" },
      { Name = "株式会社日本", City = "서울", Note = "z" },
      { Name = "Party 🎉🎉", City = "❤\u{FE0F} Paris", Note = "w" },
      { Name = "👩\u{200D}💻 dev", City = "🇫🇷", Note = "v" },
    }
    local text = tbl.render(rows, { "Name", "City", "Note" })
    assert.is_true(lines_up(text))
    local lines = {}
    for line in text:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
    assert.equal("Name          City      Note", lines[1])
    assert.equal("株式会社日本  서울      z", lines[5])
    assert.equal("Jose\u{301} Nun\u{303}ez    東京      y", lines[4])
  end)

  it("cuts wide text by cells in a narrow table and still lines up", function()
    local rows = {
      { Name = "株式会社日本テキスト", City = "Zürich Rückversicherung" },
      { Name = "Jose\u{301} Nun\u{303}ez Garci\u{301}a", City = "東京都千代田区" },
    }
    local text = tbl.render(rows, { "Name", "City" }, 20)
    assert.is_true(lines_up(text))
    assert.matches("株式会社…", text)
    for line in text:gmatch("([^\n]*)\n") do assert.is_true(width.of(line) <= 20, line) end
  end)
end)
