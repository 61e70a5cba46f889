-- luaforce.core.xml: an XML document as a Lua tree, on expat with
-- namespaces; what a reader of someone else's BPMN file relies on: names
-- by URI, attributes, text, positions, errors with a position, and hostile
-- input refused (DTDs and entities, depth, size, element count).
require "luaforce.core"
local xml = require "luaforce.core.xml"
local files = require "support.files"
local raises = require "support.raises"

local BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
local ZEEBE = "http://camunda.org/schema/zeebe/1.0"

-- The tree without positions, for assert.same.
local function bare(e)
  local out = { name = e.name, ns = e.ns, attrs = e.attrs, text = e.text }
  for i, c in ipairs(e) do out[i] = bare(c) end
  return out
end

local function refused(text, limits)
  local root, why, line, column = xml.parse(text, limits)
  assert.is_nil(root)
  assert.is_string(why)
  return why, line, column
end

describe("luaforce.core.xml", function()
  it("reads elements with their namespace URI, local name, attributes, position and children in order", function()
    local root = assert(xml.parse(table.concat {
      '<?xml version="1.0" encoding="UTF-8"?>\n',
      '<bpmn:definitions xmlns:bpmn="', BPMN, '" xmlns:zeebe="', ZEEBE, '" id="d">\n',
      '  <bpmn:serviceTask id="t" zeebe:modelerTemplate="m" name="Find">\n',
      '    <zeebe:input source="=a" target="b"/>\n',
      '  </bpmn:serviceTask>\n',
      '  <plain x="1"/>\n',
      '</bpmn:definitions>\n',
    }))
    assert.same({
      name = "definitions", ns = BPMN, attrs = { id = "d" },
      { name = "serviceTask", ns = BPMN, attrs = { id = "t", name = "Find", ["{" .. ZEEBE .. "}modelerTemplate"] = "m" },
        { name = "input", ns = ZEEBE, attrs = { source = "=a", target = "b" } } },
      { name = "plain", attrs = { x = "1" } },
    }, bare(root))
    assert.same({ 2, 1 }, { root.line, root.column })
    assert.same({ 3, 3 }, { root[1].line, root[1].column })
    assert.same({ 4, 5 }, { root[1][1].line, root[1][1].column })
  end)

  it("matches by URI: bpmn:, bpmn2: and a default namespace give the same tree", function()
    local a = xml.parse('<bpmn:definitions xmlns:bpmn="' .. BPMN .. '"><bpmn:process id="p"/></bpmn:definitions>')
    local b = xml.parse('<bpmn2:definitions xmlns:bpmn2="' .. BPMN .. '"><bpmn2:process id="p"/></bpmn2:definitions>')
    local c = xml.parse('<definitions xmlns="' .. BPMN .. '"><process id="p"/></definitions>')
    assert.same(bare(a), bare(b))
    assert.same(bare(a), bare(c))
    assert.equal(BPMN, c[1].ns)
    -- an unprefixed attribute takes no default namespace; xmlns="" undoes one
    local d = xml.parse('<a xmlns="u" k="v"><b xmlns=""/></a>')
    assert.same({ name = "a", ns = "u", attrs = { k = "v" }, { name = "b", attrs = {} } }, bare(d))
  end)

  it("decodes entities, character references and CDATA in text and attributes", function()
    local root = assert(xml.parse(
      '<a source="=if a &gt; 1 then &quot;x&quot; else &apos;y&apos; &amp; &#60;&#x3e;&#10;">'
      .. '<![CDATA[if a > 1 & b < 2]]> &lt;&amp;&#65;</a>'))
    assert.equal("=if a > 1 then \"x\" else 'y' & <>\n", root.attrs.source)
    assert.equal("if a > 1 & b < 2 <&A", root.text)
  end)

  it("keeps an element's own text, joined around its children, and drops indentation between children", function()
    local root = assert(xml.parse("<a>\n  one<b>inner</b>two\n  <c>  </c>\n  <d/>\n</a>"))
    assert.equal("\n  onetwo\n  \n  \n", root.text)
    assert.equal("inner", root[1].text)
    assert.equal("  ", root[2].text) -- whitespace alone in an element without children is its text
    assert.is_nil(root[3].text)
    local indented = assert(xml.parse("<a>\n  <b/>\n</a>"))
    assert.is_nil(indented.text)
  end)

  it("leaves out comments and processing instructions", function()
    local root = assert(xml.parse("<?xml version='1.0'?><!-- c --><a><?pi x?><!-- <b/> --><c/></a><!-- end -->"))
    assert.same({ name = "a", attrs = {}, { name = "c", attrs = {} } }, bare(root))
  end)

  it("gives UTF-8 whatever the document's encoding, and counts columns in characters", function()
    local utf16 = assert(xml.parse("\xff\xfe<\0a\0 \0n\0=\0\"\0\xe9\0\"\0>\0\xe9\0<\0/\0a\0>\0"))
    assert.same({ "é", "é" }, { utf16.attrs.n, utf16.text })
    local latin1 = assert(xml.parse('<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>'))
    assert.equal("é", latin1.text)
    assert.equal("é", assert(xml.parse("\xef\xbb\xbf<a>é</a>")).text)
    assert.equal(6, assert(xml.parse("<a>éé<b/></a>"))[1].column)
  end)

  it("counts lines across CR LF and reads a document larger than one parse chunk", function()
    local root = assert(xml.parse("<a>\r\n<b/>\r\n\r\n<c/></a>"))
    assert.same({ 2, 4 }, { root[1].line, root[2].line })
    local big = {}
    for i = 1, 30000 do big[i] = ('<r n="%d">%s</r>\n'):format(i, ("x"):rep(100)) end
    local doc = "<rows>\n" .. table.concat(big) .. "</rows>"
    assert.is_true(#doc > 3 * 1024 * 1024)
    local rows = assert(xml.parse(doc))
    assert.equal(30000, #rows)
    assert.same({ "30000", ("x"):rep(100), 30001 }, { rows[30000].attrs.n, rows[30000].text, rows[30000].line })
  end)

  -- what expat refuses, with the position it gives (line, column from 1)
  local malformed = {
    { "empty text", "", "no element found", 1, 1 },
    { "mismatched tag", "<a>\n  <b></a>", "mismatched tag", 2, 8 },
    { "unclosed element", "<a>\n<b>", "the text ends inside element 'b' (opened at line 2, column 1, never closed)", 2, 4 },
    { "unbound prefix", "<a><p:b/></a>", "unbound prefix", 1, 4 },
    { "undefined entity", "<a>&nbsp;</a>", "undefined entity", 1, 4 },
    { "two roots", "<a/><b/>", "junk after document element", 1, 5 },
    { "a duplicate attribute", '<a x="1" x="2"/>', "duplicate attribute", 1, 10 },
    { "a NUL byte", "<a>\0</a>", "not well-formed (invalid token)", 1, 4 },
    { "an invalid character reference", "<a>&#0;</a>", "reference to invalid character number", 1, 4 },
    { "invalid UTF-8", "<a>\xe9</a>", "not well-formed (invalid token)", 1, 4 },
    { "an unknown encoding", '<?xml version="1.0" encoding="x-nope"?><a/>', "unknown encoding", 1, 31 },
  }
  -- names expat's Latin-1 and UTF-16 readers let through, though XML allows
  -- the character in no name (its UTF-8 reader refuses it): such a tree
  -- could not be written as XML again
  local NO_NAME = "a name with a character XML does not allow in names (this document's encoding let it through)"
  malformed[#malformed + 1] = { "U+00BA in an element name (Latin-1)",
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n<a\xba/>', NO_NAME, 2, 1 }
  malformed[#malformed + 1] = { "U+00BA in an attribute name (UTF-16)", "<\0a\0 \0x\0\xba\0=\0'\0'\0/\0>\0",
    NO_NAME, 1, 1 }
  for _, row in ipairs(malformed) do
    it("refuses " .. row[1] .. " with expat's reason and its position", function()
      assert.same({ row[3], row[4], row[5] }, { refused(row[2]) })
    end)
  end

  describe("hostile input", function()
    it("refuses a DTD, so no entity expands (billion laughs)", function()
      local lol = { '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n' }
      for i = 1, 9 do
        lol[#lol + 1] = (' <!ENTITY lol%d "%s">\n'):format(i, ("&lol" .. (i > 1 and i - 1 or "") .. ";"):rep(10))
      end
      lol[#lol + 1] = "]>\n<lolz>&lol9;</lolz>\n"
      local why, line = refused(table.concat(lol))
      assert.equal("a document type declaration (<!DOCTYPE ...>) is not allowed: no DTD or entity is read", why)
      assert.equal(2, line)
    end)

    it("refuses external entities and external DTDs without reading them", function()
      local dir = files.scratch()
      local secret = dir .. "/secret"
      files.write(secret, "MARKER-not-to-be-read")
      for _, doc in ipairs {
        '<!DOCTYPE a [<!ENTITY x SYSTEM "file://' .. secret .. '">]><a>&x;</a>',
        '<!DOCTYPE a [<!ENTITY % x SYSTEM "file://' .. secret .. '"> %x;]><a/>',
        '<!DOCTYPE a SYSTEM "file://' .. secret .. '"><a>&x;</a>',
        '<!DOCTYPE a SYSTEM "' .. secret .. '"><a/>',
      } do
        local why = refused(doc)
        assert.matches("DOCTYPE", why, 1, true)
        assert.is_nil(why:find("MARKER", 1, true))
      end
      files.clear(dir)
    end)

    it("allows 256 levels of nesting, refuses 257, and takes a lower limit", function()
      assert.truthy(xml.parse(("<a>"):rep(256) .. ("</a>"):rep(256)))
      assert.same({ "elements nested deeper than 256 levels", 1, 769 },
        { refused(("<a>"):rep(257) .. ("</a>"):rep(257)) })
      assert.same({ "elements nested deeper than 3 levels", 1, 10 }, { refused("<a><a><a><a/></a></a></a>", { max_depth = 3 }) })
      -- very deep input stops at the limit, not at the end of the text
      assert.equal("elements nested deeper than 256 levels", (refused(("<a>"):rep(1000000))))
    end)

    it("refuses more elements than the limit (default 200,000)", function()
      assert.truthy(xml.parse("<a>" .. ("<b/>"):rep(199999) .. "</a>"))
      assert.same({ "more than 200000 elements", 1, 800000 }, { refused("<a>" .. ("<b/>"):rep(200000) .. "</a>") })
      assert.equal("more than 2 elements", (refused("<a><b/><b/></a>", { max_elements = 2 })))
    end)

    it("refuses a text larger than the limit (default 16 MiB) before parsing it", function()
      assert.same({ "the document is larger than 16777216 bytes", 1, 1 },
        { refused("<a>" .. ("x"):rep(16 * 1024 * 1024) .. "</a>") })
      assert.equal("the document is larger than 10 bytes", (refused("<a>12345</a>", { max_bytes = 10 })))
      assert.truthy(xml.parse("<a>1234</a>", { max_bytes = 11 }))
    end)

    it("raises for misuse: no text, a bad limit", function()
      raises(function() xml.parse(nil) end, "#1", "parse", "string expected, got nil")
      raises(function() xml.parse("<a/>", 5) end, "#2", "parse", "table expected, got number")
      raises(function() xml.parse("<a/>", { max_depth = 0 }) end, "#2", "parse",
        "max_depth must be a whole number from 1 to 1048576")
      raises(function() xml.parse("<a/>", { max_elements = 1.5 }) end, "#2", "parse",
        "max_elements must be a whole number from 1 to 1073741824")
    end)
  end)
end)
