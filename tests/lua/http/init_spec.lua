-- luaforce.http's public face (lua/luaforce/http/init.lua): the names a
-- script gets from require "luaforce.http", each the one implementation in
-- http/session.lua, request.lua, parallel.lua or trace.lua; the error kinds;
-- the default session behind http.request. What the functions do is
-- specified in the spec of the module that holds each.
local http = require "luaforce.http"
local server = require "luaforce.core.server"

describe("luaforce.http", function()
  it("offers exactly the documented names", function()
    local names = {}
    for k, v in pairs(http) do names[#names + 1] = k .. ":" .. type(v) end
    table.sort(names)
    assert.same({
      "KINDS:table", "add_secret:function", "encode_query:function", "escape:function",
      "holds_secret:function", "libcurl:string", "parallel:function", "redact:function", "request:function",
      "session:function", "sleep:function", "spawn:function", "trace:function", "version:string",
    }, names)
  end)

  it("hands each name to the module that does the work", function()
    local session = require "luaforce.http.session"
    local request = require "luaforce.http.request"
    local parallel = require "luaforce.http.parallel"
    local trace = require "luaforce.http.trace"
    assert.equal(session.new, http.session)
    assert.equal(request.escape, http.escape)
    assert.equal(request.encode_query, http.encode_query)
    assert.equal(parallel.parallel, http.parallel)
    assert.equal(parallel.spawn, http.spawn)
    assert.equal(parallel.sleep, http.sleep)
    assert.equal(trace.add_secret, http.add_secret)
    assert.equal(trace.redact, http.redact)
    assert.equal(trace.holds_secret, http.holds_secret)
    assert.equal(trace.set, http.trace)
  end)

  it("names luaforce's version and libcurl's", function()
    assert.equal(require("luaforce.core.http").version, http.version)
    assert.matches("^%d+%.%d+%.%d+", http.version)
    assert.matches("^%d+%.%d+", http.libcurl)
  end)

  it("describes every error kind, and a failure's kind is one of them", function()
    local kinds = {}
    for k, v in pairs(http.KINDS) do
      assert.equal("string", type(v))
      kinds[#kinds + 1] = k
    end
    table.sort(kinds)
    assert.same({ "ABORTED", "CONNECT", "DNS", "EMPTY_REPLY", "NETWORK", "PARTIAL_BODY", "PROTOCOL",
      "TIMEOUT", "TLS", "TOO_LARGE", "URL" }, kinds)
    local _, err = http.request { url = "http://[::1" }
    assert.truthy(http.KINDS[err.kind], err.kind)
  end)

  it("http.request sends on one default session, its connection kept alive", function()
    local srv = assert(server.start { handler = "support.http_handler", port = 0 })
    local before = srv:stats()
    assert.equal(200, assert(http.request { url = srv:url() .. "/status/200" }).status)
    assert.equal(201, assert(http.request { url = srv:url() .. "/status/201" }).status)
    local after = srv:stats()
    srv:stop()
    assert.equal(2, after.requests - before.requests)
    assert.equal(1, after.connections - before.connections)
  end)

  it("escapes and encodes queries as the summary says", function()
    assert.equal("a%20b%2F%C3%A9", http.escape("a b/é"))
    assert.equal("a+b", http.escape("a b", true))
    assert.equal("a=x%20y&b=1&b=2", http.encode_query { b = { 1, 2 }, a = "x y" })
    assert.equal("a=x+y&b=1&b=2", http.encode_query({ b = { 1, 2 }, a = "x y" }, true))
  end)

  it("http.trace returns the level it replaces", function()
    local lines = {}
    local before = http.trace(1, function(line) lines[#lines + 1] = line end)
    assert.equal(1, http.trace(before, function(line) io.stderr:write(line, "\n") end))
  end)
end)
