-- luaforce.connector.bpmn: the connector tasks of a Camunda 8 BPMN file, as
-- `luaforce connector --from-bpmn` lists and runs them: which elements are
-- tasks, their template, task definition, inputs and headers in document
-- order, whatever the prefixes, and a clear error (file, line, column,
-- what is wrong) for what is no BPMN file or a hostile one.
local bpmn = require "luaforce.connector.bpmn"
local errors = require "luaforce.errors"
local files = require "support.files"
local proc = require "support.proc"

local BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
local ZEEBE = "http://camunda.org/schema/zeebe/1.0"
local SF = "io.camunda.connectors.Salesforce.v1"

-- A definitions document around body, with the usual prefixes.
local function doc(body)
  return '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="' .. BPMN .. '" xmlns:zeebe="' .. ZEEBE
      .. '" id="Definitions_1">\n' .. body .. "\n</bpmn:definitions>\n"
end

-- The pairs of a list of inputs or headers, without positions.
local function pairs_of(list, a, b)
  local out = {}
  for i, x in ipairs(list) do out[i] = { x[a], x[b] } end
  return out
end

-- What a task says, without positions, for comparing readings.
local function summary(model)
  local out = {}
  for i, t in ipairs(model.tasks) do
    out[i] = { id = t.id, name = t.name, element = t.element, process = t.process, template = t.template,
      template_version = t.template_version, salesforce = t.salesforce, type = t.type, retries = t.retries,
      inputs = pairs_of(t.inputs, "source", "target"), outputs = pairs_of(t.outputs, "source", "target"),
      headers = pairs_of(t.headers, "key", "value") }
  end
  return out
end

local function ids(model)
  local out = {}
  for i, t in ipairs(model.tasks) do out[i] = t.id end
  return out
end

-- read must fail with BPMN_INVALID, exit 2 and this message.
local function invalid(text, message, origin)
  local model, err = bpmn.read(text, origin or "x.bpmn")
  assert.is_nil(model)
  assert.is_true(errors.is(err))
  assert.equal("BPMN_INVALID", err.code)
  assert.equal(2, err.exit)
  assert.equal(message, err.message)
  assert.equal("BPMN_INVALID: " .. message, tostring(err))
  return err
end

describe("luaforce.connector.bpmn", function()
  describe("examples/connector/two-tasks.bpmn", function()
    local model
    setup(function()
      model = assert(bpmn.read_file(proc.root .. "/examples/connector/two-tasks.bpmn"))
    end)

    it("lists its two Salesforce service tasks in document order with the template and task definition", function()
      assert.equal(proc.root .. "/examples/connector/two-tasks.bpmn", model.origin)
      assert.same({ "FindAccount", "ReadAccount" }, ids(model))
      for _, t in ipairs(model.tasks) do
        assert.same({ "serviceTask", "account-lookup", SF, "6", true, "io.camunda:http-json:1", "3" },
          { t.element, t.process, t.template, t.template_version, t.salesforce, t.type, t.retries })
      end
      assert.same({ "Find account", 8, 5 }, { model.tasks[1].name, model.tasks[1].line, model.tasks[1].column })
      assert.equal("Read account", model.tasks[2].name)
    end)

    it("binds the SOQL task's fields as template v6 does", function()
      local t = model.tasks[1]
      assert.same({
        { "{{secrets.SF_URL}}", "baseUrl" },
        { "v58.0", "apiVersion" },
        { "bearer", "authentication.type" },
        { "{{secrets.SF_TOKEN}}", "authentication.token" },
        { '=baseUrl + "/services/oauth2/token"', "authentication.oauthTokenEndpoint" },
        { "credentialsBody", "authentication.clientAuthentication" },
        { "soqlQuery", "salesforceInteractionType" },
        { "get", "method" },
        { [[="SELECT Id, Name FROM Account WHERE Name = '" + accountName + "' LIMIT 1"]], "soqlQuery" },
        { '=baseUrl + "/services/data/" + apiVersion + "/query"', "url" },
        { "={ q: soqlQuery }", "queryParameters" },
        { "20", "connectionTimeoutInSeconds" },
      }, pairs_of(t.inputs, "source", "target"))
      assert.same({
        { "elementTemplateVersion", "6" },
        { "elementTemplateId", SF },
        { "resultExpression", "={accountId: response.body.records[1].Id}" },
      }, pairs_of(t.headers, "key", "value"))
      assert.same({}, t.outputs)
    end)

    it("binds the sObject get's fields, the template's url expression and an error expression", function()
      local t = model.tasks[2]
      local by_target = {}
      for _, i in ipairs(t.inputs) do by_target[i.target] = i.source end
      assert.same({
        baseUrl = "{{secrets.SF_URL}}", apiVersion = "v58.0", ["authentication.type"] = "bearer",
        ["authentication.token"] = "{{secrets.SF_TOKEN}}",
        ["authentication.oauthTokenEndpoint"] = '=baseUrl + "/services/oauth2/token"',
        ["authentication.clientAuthentication"] = "credentialsBody",
        salesforceInteractionType = "sObject", method = "get", objectType = "Account", objectId = "=accountId",
        queryParameters = '={fields: "Id,Name,Industry"}',
        url = '=baseUrl + "/services/data/" + apiVersion + "/sobjects/" + objectType'
          .. ' + string(if objectId != null then "/" + objectId else "")'
          .. ' + string(if relationshipFieldName != null then "/" + relationshipFieldName else "")',
        connectionTimeoutInSeconds = "20",
      }, by_target)
      assert.equal(13, #t.inputs)
      assert.same({
        { "elementTemplateVersion", "6" },
        { "elementTemplateId", SF },
        { "resultVariable", "account" },
        { "errorExpression", '=if error.code = "404" then bpmnError("ACCOUNT_NOT_FOUND", error.message) else null' },
      }, pairs_of(t.headers, "key", "value"))
      assert.same({ 39, 11 }, { t.inputs[1].line, t.inputs[1].column })
    end)
  end)

  local TASK = [[
<P:serviceTask id="t1" name="One" zeebe:modelerTemplate="io.camunda.connectors.Salesforce.v1" zeebe:modelerTemplateVersion="5">
  <P:extensionElements>
    <zeebe:taskDefinition type="io.camunda:http-json:1" retries="2"/>
    <zeebe:ioMapping><zeebe:input source="=a" target="b"/><zeebe:output source="=c" target="d"/></zeebe:ioMapping>
    <zeebe:taskHeaders><zeebe:header key="resultVariable" value="r"/></zeebe:taskHeaders>
  </P:extensionElements>
</P:serviceTask>]]

  it("reads the same model whatever the BPMN prefix, or a default namespace", function()
    local expected = {
      { id = "t1", name = "One", element = "serviceTask", process = "p", template = SF, template_version = "5",
        salesforce = true, type = "io.camunda:http-json:1", retries = "2",
        inputs = { { "=a", "b" } }, outputs = { { "=c", "d" } }, headers = { { "resultVariable", "r" } } },
    }
    for _, prefix in ipairs { "bpmn", "bpmn2", "semantic", "" } do
      local open = prefix == "" and "" or prefix .. ":"
      local text = ('<%sdefinitions xmlns%s="%s" xmlns:zeebe="%s"><%sprocess id="p">%s</%sprocess></%sdefinitions>')
        :format(open, prefix == "" and "" or ":" .. prefix, BPMN, ZEEBE, open, TASK:gsub("P:", open), open, open)
      assert.same(expected, summary(assert(bpmn.read(text, "x.bpmn"))), prefix)
    end
    -- Zeebe's namespace under another prefix
    local z = doc('<bpmn:process id="p">' .. TASK:gsub("P:", "bpmn:"):gsub("zeebe:", "z:") .. "</bpmn:process>")
      :gsub('xmlns:zeebe=', 'xmlns:z=')
    assert.same(expected, summary(assert(bpmn.read(z))))
  end)

  it("lists tasks of every process and sub-process in document order, naming the top process", function()
    local model = assert(bpmn.read(doc [[
  <bpmn:collaboration id="c"><bpmn:participant id="x" processRef="p1"/></bpmn:collaboration>
  <bpmn:process id="p1">
    <bpmn:serviceTask id="a"/>
    <bpmn:subProcess id="s">
      <bpmn:serviceTask id="b"/>
      <bpmn:subProcess id="s2"><bpmn:serviceTask id="c"/></bpmn:subProcess>
    </bpmn:subProcess>
    <bpmn:serviceTask id="d"/>
  </bpmn:process>
  <bpmn:process id="p2">
    <bpmn:adHocSubProcess id="h"><bpmn:serviceTask id="e"/></bpmn:adHocSubProcess>
    <bpmn:transaction id="tx"><bpmn:serviceTask id="f"/></bpmn:transaction>
  </bpmn:process>]]))
    assert.same({ "a", "b", "c", "d", "e", "f" }, ids(model))
    local procs = {}
    for i, t in ipairs(model.tasks) do procs[i] = t.process end
    assert.same({ "p1", "p1", "p1", "p1", "p2", "p2" }, procs)
  end)

  it("decodes entities and character references in FEEL sources and header values", function()
    local model = assert(bpmn.read(doc [==[
  <bpmn:process id="p"><bpmn:serviceTask id="t">
    <bpmn:documentation><![CDATA[uses <a> & "b"]]></bpmn:documentation>
    <bpmn:extensionElements>
      <zeebe:ioMapping>
        <zeebe:input source="=if a &gt; 1 then &quot;big&quot; else &apos;small&apos;" target="size" />
        <zeebe:input source="=&#34;x&#34; + &#34;&lt;&amp;&#62;&#34;&#10;" target="odd" />
      </zeebe:ioMapping>
      <zeebe:taskHeaders>
        <zeebe:header key="errorExpression" value="=if a &lt; 2 and b &amp;&amp; c then null else null" />
      </zeebe:taskHeaders>
    </bpmn:extensionElements>
  </bpmn:serviceTask></bpmn:process>]==]))
    local t = model.tasks[1]
    assert.same({ { [[=if a > 1 then "big" else 'small']], "size" }, { '="x" + "<&>"\n', "odd" } },
      pairs_of(t.inputs, "source", "target"))
    assert.same({ { "errorExpression", "=if a < 2 and b && c then null else null" } },
      pairs_of(t.headers, "key", "value"))
  end)

  it("marks Salesforce tasks by template id, any version; other tasks are listed as not Salesforce", function()
    local model = assert(bpmn.read(doc [[
  <bpmn:process id="p">
    <bpmn:serviceTask id="sf4" zeebe:modelerTemplate="io.camunda.connectors.Salesforce.v1" zeebe:modelerTemplateVersion="4"/>
    <bpmn:serviceTask id="http" zeebe:modelerTemplate="io.camunda.connectors.HttpJson.v2">
      <bpmn:extensionElements><zeebe:taskDefinition type="io.camunda:http-json:1"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:serviceTask id="worker"><bpmn:extensionElements><zeebe:taskDefinition type="my-worker"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:serviceTask id="bare" />
    <bpmn:serviceTask id="close" zeebe:modelerTemplate="io.camunda.connectors.Salesforce.v1x" />
  </bpmn:process>]]))
    local got = {}
    for _, t in ipairs(model.tasks) do got[#got + 1] = { t.id, t.salesforce, t.template_version, t.type, t.retries } end
    assert.same({
      { "sf4", true, "4", nil, nil },
      { "http", false, nil, "io.camunda:http-json:1", nil },
      { "worker", false, nil, "my-worker", nil },
      { "bare", false, nil, nil, nil },
      { "close", false, nil, nil, nil },
    }, got)
    assert.same({}, model.tasks[4].inputs)
    assert.same({}, model.tasks[4].headers)
  end)

  it("lists send tasks, message throw events and other job elements only when they carry a task definition or template", function()
    local model = assert(bpmn.read(doc [[
  <bpmn:process id="p">
    <bpmn:sendTask id="send" zeebe:modelerTemplate="io.camunda.connectors.Salesforce.v1" />
    <bpmn:sendTask id="plain-send" />
    <bpmn:intermediateThrowEvent id="throw">
      <bpmn:extensionElements><zeebe:taskDefinition type="io.camunda:http-json:1" /></bpmn:extensionElements>
      <bpmn:messageEventDefinition id="m" />
    </bpmn:intermediateThrowEvent>
    <bpmn:intermediateThrowEvent id="none-throw" />
    <bpmn:endEvent id="end"><bpmn:extensionElements><zeebe:taskDefinition type="x" /></bpmn:extensionElements></bpmn:endEvent>
    <bpmn:endEvent id="plain-end" />
    <bpmn:scriptTask id="script"><bpmn:extensionElements><zeebe:taskDefinition type="s" /></bpmn:extensionElements></bpmn:scriptTask>
    <bpmn:scriptTask id="feel-script"><bpmn:extensionElements><zeebe:script expression="=1" resultVariable="x" /></bpmn:extensionElements></bpmn:scriptTask>
    <bpmn:businessRuleTask id="rule"><bpmn:extensionElements><zeebe:taskDefinition type="r" /></bpmn:extensionElements></bpmn:businessRuleTask>
    <bpmn:userTask id="user"><bpmn:extensionElements><zeebe:taskDefinition type="io.camunda.zeebe:userTask" /></bpmn:extensionElements></bpmn:userTask>
    <bpmn:task id="abstract" zeebe:modelerTemplate="io.camunda.connectors.Salesforce.v1" />
  </bpmn:process>]]))
    assert.same({ "send", "throw", "end", "script", "rule" }, ids(model))
    local kinds = {}
    for i, t in ipairs(model.tasks) do kinds[i] = t.element .. (t.salesforce and "+sf" or "") end
    assert.same({ "sendTask+sf", "intermediateThrowEvent", "endEvent", "scriptTask", "businessRuleTask" }, kinds)
  end)

  it("ignores what it does not know: other namespaces, the diagram, stray zeebe elements, text", function()
    local model = assert(bpmn.read(doc [[
  <bpmn:process id="p" xmlns:other="urn:other">
    <other:serviceTask id="not-bpmn" />
    <bpmn:serviceTask id="t" other:flag="1">
      <other:note>hello</other:note>
      <bpmn:extensionElements>
        <other:ioMapping><zeebe:input source="=x" target="no" /></other:ioMapping>
        <zeebe:properties><zeebe:property name="a" value="b" /></zeebe:properties>
        <zeebe:input source="=stray" target="stray" />
        <zeebe:ioMapping>
          <other:input source="=x" target="no" />
          <zeebe:input source="=1" target="yes" />
          text between
        </zeebe:ioMapping>
        <zeebe:futureThing />
      </bpmn:extensionElements>
      <bpmn:futureElement><bpmn:serviceTask id="nested-in-unknown" /></bpmn:futureElement>
    </bpmn:serviceTask>
    <bpmn:serviceTask id="u"><other:extensionElements><zeebe:taskDefinition type="no" /></other:extensionElements></bpmn:serviceTask>
  </bpmn:process>
  <other:process id="q" xmlns:other="urn:other"><bpmn:serviceTask id="in-foreign-process" /></other:process>
  <bpmndi:BPMNDiagram id="d" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" />]]))
    assert.same({ "t", "u" }, ids(model))
    assert.same({ { "=1", "yes" } }, pairs_of(model.tasks[1].inputs, "source", "target"))
    assert.is_nil(model.tasks[2].type)
  end)

  it("takes an input without a source and a header without a value as nil", function()
    local model = assert(bpmn.read(doc [[
  <bpmn:process id="p"><bpmn:serviceTask id="t"><bpmn:extensionElements>
    <zeebe:ioMapping><zeebe:input target="empty" /></zeebe:ioMapping>
    <zeebe:taskHeaders><zeebe:header key="k" /></zeebe:taskHeaders>
  </bpmn:extensionElements></bpmn:serviceTask></bpmn:process>]]))
    assert.same({ { nil, "empty" } }, pairs_of(model.tasks[1].inputs, "source", "target"))
    assert.same({ { "k", nil } }, pairs_of(model.tasks[1].headers, "key", "value"))
  end)

  it("reads a definitions document with no process as no tasks", function()
    assert.same({ origin = "x.bpmn", tasks = {} }, bpmn.read(doc "", "x.bpmn"))
  end)

  describe("errors: BPMN_INVALID, exit 2, naming the file, line and column", function()
    it("for text that is not XML, with the parser's reason", function()
      local err = invalid(doc('<bpmn:process id="p">\n<bpmn:serviceTask id="t">\n</bpmn:process>'),
        "x.bpmn:5:3: not XML: mismatched tag")
      assert.same({ "x.bpmn", 5, 3 }, { err.file, err.line, err.column })
      invalid("", "x.bpmn:1:1: not XML: no element found")
      invalid("not xml at all", "x.bpmn:1:1: not XML: syntax error")
      invalid('<bpmn:definitions xmlns:bpmn="' .. BPMN .. '"><zeebe:x/></bpmn:definitions>',
        "x.bpmn:1:76: not XML: unbound prefix")
    end)

    it("for XML that is not a BPMN definitions document", function()
      local why = ", not definitions in namespace " .. BPMN
      invalid("<definitions/>", "x.bpmn:1:1: not a BPMN definitions document: the root element is definitions" .. why)
      invalid('\n  <bpmn:process xmlns:bpmn="' .. BPMN .. '"/>',
        "x.bpmn:2:3: not a BPMN definitions document: the root element is bpmn:process" .. why)
      invalid('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/DI"/>',
        "x.bpmn:1:1: not a BPMN definitions document: the root element is "
          .. "{http://www.omg.org/spec/BPMN/20100524/DI}definitions" .. why)
      invalid('{"not": "xml"}', "x.bpmn:1:1: not XML: not well-formed (invalid token)")
    end)

    it("for a task without an id, two tasks with one id, an input without a target, a header without a key", function()
      invalid(doc('<bpmn:process id="p">\n  <bpmn:serviceTask name="x"/></bpmn:process>'),
        "x.bpmn:4:3: a bpmn:serviceTask without an id")
      invalid(doc('<bpmn:process id="p"><bpmn:sendTask id=""><bpmn:extensionElements><zeebe:taskDefinition type="t"/>'
        .. "</bpmn:extensionElements></bpmn:sendTask></bpmn:process>"), "x.bpmn:3:22: a bpmn:sendTask without an id")
      invalid(doc('<bpmn:process id="p"><bpmn:serviceTask id="a"/></bpmn:process>\n'
        .. '<bpmn:process id="q"><bpmn:serviceTask id="a"/></bpmn:process>'),
        "x.bpmn:4:22: two tasks have the id 'a' (the first at line 3)")
      invalid(doc('<bpmn:process id="p"><bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:ioMapping>\n'
        .. '<zeebe:input source="=1"/></zeebe:ioMapping></bpmn:extensionElements></bpmn:serviceTask></bpmn:process>'),
        "x.bpmn:4:1: a zeebe:input without a target")
      invalid(doc('<bpmn:process id="p"><bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:ioMapping>\n'
        .. '<zeebe:output source="=1" target=""/></zeebe:ioMapping></bpmn:extensionElements></bpmn:serviceTask></bpmn:process>'),
        "x.bpmn:4:1: a zeebe:output without a target")
      invalid(doc('<bpmn:process id="p"><bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskHeaders>\n'
        .. '  <zeebe:header value="v"/></zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask></bpmn:process>'),
        "x.bpmn:4:3: a zeebe:header without a key")
    end)

    it("without an origin, by line and column", function()
      local _, err = bpmn.read("<a>")
      assert.equal("line 1, column 4: not XML: the text ends inside element 'a' (opened at line 1, column 1, never closed)",
        err.message)
      assert.is_nil(err.file)
    end)
  end)

  describe("hostile files", function()
    it("refuses deep nesting at 256 levels", function()
      local deep = doc('<bpmn:process id="p">' .. ("<bpmn:subProcess>"):rep(300))
      local err = invalid(deep, "x.bpmn:3:" .. (22 + 254 * 17) .. ": not XML: elements nested deeper than 256 levels")
      assert.equal(3, err.line)
    end)

    it("refuses entity expansion (billion laughs) at the DOCTYPE", function()
      local lol = { '<?xml version="1.0"?>\n<!DOCTYPE bpmn:definitions [\n <!ENTITY lol "lol">\n' }
      for i = 1, 9 do
        lol[#lol + 1] = (' <!ENTITY lol%d "%s">\n'):format(i, ("&lol" .. (i > 1 and i - 1 or "") .. ";"):rep(10))
      end
      lol[#lol + 1] = '\n]>\n<bpmn:definitions xmlns:bpmn="' .. BPMN .. '"><bpmn:process id="&lol9;"/></bpmn:definitions>'
      local _, err = bpmn.read(table.concat(lol), "lol.bpmn")
      assert.equal("lol.bpmn", err.file)
      assert.equal(2, err.line)
      assert.matches("^lol%.bpmn:2:%d+: not XML: a document type declaration %(<!DOCTYPE %.%.%.>%) is not allowed",
        err.message)
    end)

    it("refuses an external entity without reading the file it names", function()
      local dir = files.scratch()
      local secret = dir .. "/secret"
      files.write(secret, "SECRET-MARKER")
      local text = '<?xml version="1.0"?>\n<!DOCTYPE d [ <!ENTITY xxe SYSTEM "file://' .. secret .. '"> ]>\n'
        .. doc('<bpmn:process id="p"><bpmn:serviceTask id="&xxe;"/></bpmn:process>'):gsub("^<%?xml[^\n]*\n", "")
      local model, err = bpmn.read(text, "xxe.bpmn")
      files.clear(dir)
      assert.is_nil(model)
      assert.equal("BPMN_INVALID", err.code)
      assert.matches("DOCTYPE", err.message, 1, true)
      assert.is_nil(tostring(err):find("SECRET-MARKER", 1, true))
    end)
  end)

  describe("read_file", function()
    local dir
    before_each(function()
      dir = files.scratch()
    end)
    after_each(function()
      files.clear(dir)
    end)

    local function write(name, text)
      files.write(dir .. "/" .. name, text)
      return dir .. "/" .. name
    end

    it("names the file in the model and in errors", function()
      local path = write("bad.bpmn", doc('<bpmn:process id="p"><bpmn:serviceTask/></bpmn:process>'))
      local model, err = bpmn.read_file(path)
      assert.is_nil(model)
      assert.equal(path .. ":3:22: a bpmn:serviceTask without an id", err.message)
      assert.equal(path, err.file)
      assert.equal(0, #assert(bpmn.read_file(write("ok.bpmn", doc "")).tasks))
    end)

    it("says why a file cannot be read (exit 2, no code in the line)", function()
      for path, why in pairs { [dir .. "/missing.bpmn"] = "no such file or directory", [dir] = "is a directory" } do
        local model, err = bpmn.read_file(path)
        assert.is_nil(model)
        assert.equal(2, err.exit)
        assert.equal(("cannot read the BPMN file '%s': %s"):format(path, why), tostring(err))
      end
      local _, err = bpmn.read_file(write("empty.bpmn", ""))
      assert.equal(dir .. "/empty.bpmn:1:1: not XML: no element found", err.message)
    end)

    it("refuses a file over 16 MiB without reading all of it", function()
      local path = write("big.bpmn", doc("<!--" .. ("x"):rep(16 * 1024 * 1024) .. "-->"))
      local _, err = bpmn.read_file(path)
      assert.equal(path .. ":1:1: not XML: the document is larger than 16777216 bytes", err.message)
    end)
  end)

  it("raises for misuse", function()
    assert.has_error(function() bpmn.read(nil) end, "bpmn.read: text must be a string")
  end)
end)
