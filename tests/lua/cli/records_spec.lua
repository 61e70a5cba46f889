-- luaforce.cli.records, what the record commands share: the fields from
-- --values (typed by a describe; a fake org here) or --json (text, @FILE,
-- @-), the id check, the output settings, and printing that leaves no
-- partial --output file when it fails. The commands themselves run in
-- their own specs; tests/e2e/cli_commands_spec.lua runs them as a process.
local records = require "luaforce.cli.records"
local json = require "luaforce.json"
local errors = require "luaforce.errors"
local ids = require "luaforce.client.ids"
local cli_run = require "support.cli_run"
local files = require "support.files"

-- A fake org whose describe is counted.
local function fake_org(describe_err)
  local org = { describes = 0 }
  function org:describe(object)
    self.describes = self.describes + 1
    if describe_err then return nil, describe_err end
    return { name = object, fields = {
      { name = "Name", type = "string" }, { name = "NumberOfEmployees", type = "int" },
      { name = "AnnualRevenue", type = "currency" }, { name = "Fax", type = "phone" },
    } }
  end
  return org
end

-- records.fields with io.stdin standing in: the fields as JSON text, or
-- the error raised.
local function fields_of(opts, required, stdin, org)
  org = org or fake_org()
  local saved = io.stdin
  io.stdin = cli_run.buffer(stdin)
  local ok, res = pcall(records.fields, org, "Account", opts, required)
  io.stdin = saved
  if not ok then return nil, res, org end
  return res ~= nil and json.encode(res) or nil, nil, org
end

describe("records.fields", function()
  local dir
  before_each(function()
    dir = files.scratch()
    files.write(dir .. "/acme.json", '{"Name": "Acme", "Fax": null, "NumberOfEmployees": 12}')
    files.write(dir .. "/list.json", '[{"Name": "Acme"}]')
  end)
  after_each(function() files.clear(dir) end)

  local good = {
    -- options, required, standard input, the fields as JSON
    { { values = [[Name="Acme Corp" NumberOfEmployees=120 AnnualRevenue=1234567890123456.78 Fax=null]] }, true, nil,
      '{"Name":"Acme Corp","NumberOfEmployees":120,"AnnualRevenue":1234567890123456.78,"Fax":null}' },
    { { values = "name=acme" }, true, nil, '{"Name":"acme"}' },
    { { json = '{"Name": "Acme", "Custom__c": [1, 2.5, 1234567890123456.78]}' }, true, nil,
      '{"Name":"Acme","Custom__c":[1,2.5,1234567890123456.78]}' },
    { { json = "@DIR/acme.json" }, true, nil, '{"Name":"Acme","Fax":null,"NumberOfEmployees":12}' },
    { { json = "@-" }, true, '{"Name": "From stdin"}', '{"Name":"From stdin"}' },
    { {}, false, nil, nil },
  }
  for _, r in ipairs(good) do
    local name = r[1].values and ("--values " .. r[1].values) or r[1].json and ("--json " .. r[1].json) or "nothing"
    it(name .. (r[2] and "" or " (not required)"), function()
      local opts = {}
      for k, v in pairs(r[1]) do opts[k] = v:gsub("^@DIR", "@" .. dir) end
      local text, err = fields_of(opts, r[2], r[3])
      assert.is_nil(err)
      assert.equal(r[4], text)
    end)
  end

  local bad = {
    -- options, required, the message (plain), the hint (plain) or nil
    { { values = "Name=a", json = "{}" }, true, "--values and --json together", "give the fields one way" },
    { {}, true, "no fields given", [[give --values 'Name="Acme"' or --json '{"Name": "Acme"}']] },
    { { values = [[Name="Acme]] }, true, [[--values: a " is not closed]], "close the quote" },
    { { values = "Nmae=x" }, true, "No such column 'Nmae' on sobject of type Account", "did you mean Name?" },
    { { values = "NumberOfEmployees=many" }, true, "NumberOfEmployees", nil },
    { { json = "{Name: 1}" }, true, "--json is not JSON: ", [[give an object: '{"Name": "Acme"}']] },
    { { json = "[1]" }, true, "--json must be a JSON object of fields", [[for example '{"Name": "Acme"}']] },
    { { json = "@DIR/list.json" }, true, "--json @DIR/list.json must be a JSON object of fields", nil },
    { { json = "@DIR/none.json" }, true, "cannot read the --json file 'DIR/none.json': no such file or directory",
      "give a file of JSON, or @- for standard input" },
    { { json = "@DIR" }, true, "cannot read the --json file 'DIR': is a directory", nil },
  }
  for _, r in ipairs(bad) do
    local name = r[1].values and ("--values " .. r[1].values) or r[1].json and ("--json " .. r[1].json) or "nothing"
    it("refuses " .. name .. ", exit 2", function()
      local opts = {}
      for k, v in pairs(r[1]) do opts[k] = v:gsub("^@DIR", "@" .. dir) end
      local text, err = fields_of(opts, r[2])
      assert.is_nil(text)
      assert.is_true(errors.is(err), tostring(err))
      assert.equal(2, err.exit)
      assert.truthy(err.message:find((r[3]:gsub("DIR", dir)), 1, true), err.message)
      if r[4] then assert.equal(r[4], err.hint) end
    end)
  end

  it("asks for the describe only for --values", function()
    local _, _, org = fields_of({ json = '{"Name": "x"}' }, true)
    assert.equal(0, org.describes)
    _, _, org = fields_of({ values = "Name=x" }, true)
    assert.equal(1, org.describes)
  end)

  it("fails with the describe's own error when it cannot be had", function()
    local down = errors.new { code = "CONNECT", kind = "CONNECT", message = "connection refused", exit = 4 }
    local _, err = fields_of({ values = "Name=x" }, true, nil, fake_org(down))
    assert.equal(4, err.exit)
    assert.equal("CONNECT", err.code)
  end)
end)

describe("records.check_id", function()
  local id15 = "001000000000001"
  local id18 = ids.to18(id15)
  for _, id in ipairs { id15, id18 } do
    it("takes " .. id, function() assert.equal(id, records.check_id(id)) end)
  end
  for _, id in ipairs { "001xyz", "", id15 .. "A", id15 .. "ZZZ", "001000000000001!AA" } do
    it(("refuses %q, exit 2"):format(id), function()
      local ok, err = pcall(records.check_id, id)
      assert.is_false(ok)
      assert.equal(2, err.exit)
    end)
  end
end)

describe("records.settings", function()
  it("fails a bad --map or a lone --map-response before anything is sent", function()
    for _, opts in ipairs { { map = "{a: }" }, { map_response = true } } do
      local ok, err = pcall(records.settings, {}, opts)
      assert.is_false(ok)
      assert.equal(2, err.exit)
    end
    assert.equal("csv", records.settings({}, { format = "csv" }).format)
  end)

  it("checks --error-expression before anything is sent, and keeps it", function()
    local ok, err = pcall(records.settings, {}, { error_expression = "bpmnError(" })
    assert.is_false(ok)
    assert.equal(2, err.exit)
    assert.matches("^%-%-error%-expression: syntax error", err.message)
    assert.equal("null", records.settings({}, { error_expression = "null" }).error_expression)
    assert.is_nil(records.settings({}, {}).error_expression)
  end)
end)

describe("records.print", function()
  local dir
  before_each(function() dir = files.scratch() end)
  after_each(function() files.clear(dir) end)

  local function print_to(path, fn, spec)
    local opts = { output = path, format = "json" }
    return pcall(records.print, {}, opts, records.settings({}, opts), spec or { kind = "value" }, fn)
  end

  it("writes what fn gives to the writer", function()
    local path = dir .. "/out.json"
    assert(print_to(path, function(w) w:value(records.done("001000000000001AAA")) end))
    assert.equal('{"id":"001000000000001AAA","success":true}\n', files.read(path))
  end)

  it("writes records with the columns of its spec", function()
    local path = dir .. "/out.csv"
    local opts = { output = path, format = "csv" }
    records.print({}, opts, records.settings({}, opts), { kind = "records", columns = { "b", "a" } }, function(w)
      w:record(json.object({ a = 1, b = 2 }, { "a", "b" }))
    end)
    assert.equal("b,a\r\n2,1\r\n", files.read(path))
  end)

  it("drops the output when fn fails, and raises its error as it was", function()
    local path = dir .. "/out.json"
    files.write(path, "old\n")
    local boom = errors.new { code = "X", message = "halfway" }
    local ok, err = print_to(path, function(w)
      w:record(json.object { Name = "first" })
      error(boom)
    end, { kind = "records" })
    assert.is_false(ok)
    assert.equal(boom, err)
    assert.equal("old\n", files.read(path))
    assert.same({ "out.json" }, files.names(dir))
  end)
end)

describe("records.done", function()
  it("is the body of a write answered with no body: {id, success}", function()
    assert.equal('{"id":"a0100000000001","success":true}', json.encode(records.done("a0100000000001")))
  end)
end)
