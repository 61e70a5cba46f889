-- tests/feel/feel-scala/extract.lua, the reader of feel-scala's test
-- classes, on a small class written here in the same test forms: each
-- form becomes the row it states, Table rows expand with their own line,
-- and what cannot be converted exactly is skipped with a reason.
local extract = dofile("tests/feel/feel-scala/extract.lua")

-- A made-up test class using the forms the real suite uses.
local CLASS = [=[
package some.where

import x.y.Z

class ExampleThingsTest extends AnyFlatSpec with Matchers with FeelEngineTest {

  private val spaces = Table(
    ("Char", "Name"),
    ('\u00A0', "no-break"),
    ('\t', "tab")
  )

  "A sum" should "add" in {
    eval("1 + 2") should be(ValNumber(3))
    eval("x * 2", Map("x" -> 1.5)) should be(ValNumber(3.0))
  }

  it should "take named arguments and triple quotes" in {
    evaluateExpression(
      expression = """ {a: "b"}.a """,
      variables = Map("y" -> List(1, null, "z"), "d" -> LocalDate.parse("2024-02-29"))
    ) should returnResult("b")
    evaluateExpression("[1, 2]") should returnResult(List(1, 2))
    evaluateExpression("{b: 1, a: 2}") should returnResult(Map("b" -> 1, "a" -> 2))
    evaluateExpression("@\"PT36H\"") should returnResult(Duration.ofHours(36))
  }

  it should "fail" in {
    evaluateExpression("assert(false, false)") should failWith("failed to evaluate")
    evaluateExpression("1 +") should failToParse()
    evaluateExpression("x.y") should (returnNull() and reportFailure(NO_VARIABLE_FOUND, "no x"))
  }

  it should "test unary" in {
    evaluateUnaryTests(expression = "< 3", inputValue = 2) should returnResult(true)
    evaluateUnaryTests("[1..5]", 7, Map("z" -> "q")) should returnResult(false)
  }

  it should "expand a table" in {
    forEvery(spaces) { (c, _) =>
      val text = s"1${c}+ 1"
      evaluateExpression(text) should returnResult(2)
    }
  }

  it should "skip what Scala computes" in {
    evaluateExpression("f(1)", functions = Map("f" -> new Scala())) should returnResult(2)
    evaluateExpression("1 + 1") should returnResult(Math.abs(2))
  }

  ignore should "refuse what Camunda does not refuse yet" in {
    evaluateExpression("for") should failToParse()
    evaluateExpression("not") should failToParse()
  }
}
]=]

describe("feel-scala's test classes as rows (extract.lua)", function()
  local rows, skipped

  setup(function()
    rows, skipped = extract.extract_source(CLASS, "ExampleThingsTest.scala")
    assert(rows, skipped)
  end)

  local function row(line, n)
    local found = {}
    for _, r in ipairs(rows) do if r.line == line then found[#found + 1] = r end end
    return found[n or 1]
  end

  it("reads eval(..) should be(Val..) with the line and the test class as the area", function()
    local r = row(14)
    assert.same({ file = "ExampleThingsTest.scala", line = 14, area = "ExampleThings", kind = "expression",
      expression = "1 + 2", expected = "3" }, r)
    assert.equal('{"x":1.5}', row(15).variables)
    assert.equal("3", row(15).expected)
  end)

  it("reads named arguments, triple-quoted strings, Lists, Maps in their order, dates and durations", function()
    local r = row(19)
    assert.equal(' {a: "b"}.a ', r.expression)
    assert.equal('{"y":[1,null,"z"],"d":{"@date":"2024-02-29"}}', r.variables)
    assert.equal('"b"', r.expected)
    assert.equal("[1,2]", row(23).expected)
    assert.equal('{"b":1,"a":2}', row(24).expected)
    assert.equal('{"@days and time duration":"P1DT12H"}', row(25).expected)
  end)

  it("reads failures, parse failures and a null with a reported failure", function()
    assert.equal("failure", row(29).expected)
    assert.equal("syntax error", row(30).expected)
    assert.equal("null", row(31).expected)
    assert.is_true(row(31).warning)
  end)

  it("reads unary tests with their input, named or positional", function()
    assert.same({ "unary tests", "< 3", "2", "true" }, { row(35).kind, row(35).expression, row(35).input, row(35).expected })
    assert.same({ "[1..5]", "7", '{"z":"q"}', "false" }, { row(36).expression, row(36).input, row(36).variables, row(36).expected })
  end)

  it("expands each Table row into its own assertion, citing the row's line", function()
    local a, b = row(42, 1), row(42, 2)
    assert.equal("1\u{A0}+ 1", a.expression)
    assert.equal(9, a.row)
    assert.equal("1\t+ 1", b.expression)
    assert.equal(10, b.row)
  end)

  it("skips what it cannot convert exactly, with the reason", function()
    assert.is_nil(row(47))
    assert.is_nil(row(48))
    local why = {}
    for _, s in ipairs(skipped) do why[s.line] = s.why end
    assert.truthy(why[47]:find("Scala new", 1, true), why[47])
    assert.truthy(why[48]:find("Math", 1, true), why[48])
    assert.truthy(extract.report(rows, skipped, {}):find("4 skipped", 1, true))
  end)

  it("skips the assertions of a test Camunda ignores: they state what the engine does not do yet", function()
    assert.is_nil(row(53))
    assert.is_nil(row(54))
    local found
    for _, s in ipairs(skipped) do
      if s.line == 51 then found = s end
    end
    assert.truthy(found and found.why:find("ignored", 1, true))
    assert.equal(2, found.asserts)
  end)

  it("writes a data file that loads back into the same rows, invisible characters escaped", function()
    local text = extract.format(rows, "0123")
    assert.truthy(text:find('expression = "1\\u{A0}+ 1"', 1, true))
    local back = assert(load(text, "=assertions", "t", {}))()
    assert.equal(#rows, #back)
    for i, r in ipairs(rows) do assert.same(r, back[i]) end
  end)
end)
