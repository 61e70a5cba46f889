-- luaforce.http.request: a request table as a script writes it, turned into
-- what luaforce.core.http performs (no network here; the session spec sends
-- requests for real). Rows: {name, session fields, request, what the raw
-- request must hold}.
local request = require "luaforce.http.request"

local function session(fields)
  local s = { headers = {}, user_agent = "luaforce/test" }
  for k, v in pairs(fields or {}) do s[k] = v end
  return s
end

describe("luaforce.http.request", function()
  describe("normalize", function()
    local rows = {
      { "GET without a body, POST with one",
        {}, { url = "http://h/x" }, { method = "GET", url = "http://h/x", headers = {} } },
      { "a body: POST, and an empty Content-Type so libcurl makes none up",
        {}, { url = "http://h/x", body = "b" }, { method = "POST", body = "b", headers = { "Content-Type:" } } },
      { "the method upper-cased",
        {}, { url = "http://h/x", method = "patch" }, { method = "PATCH" } },
      { "the query encoded, keys sorted, appended with ?",
        {}, { url = "http://h/x", query = { z = 1, a = "x y" } }, { url = "http://h/x?a=x%20y&z=1" } },
      { "appended with & to a query the URL has, the fragment dropped",
        {}, { url = "http://h/x?k=v#frag", query = { b = true } }, { url = "http://h/x?k=v&b=true" } },
      { "an empty query table leaves the URL alone",
        {}, { url = "http://h/x?", query = {} }, { url = "http://h/x?" } },
      { "an empty list as a query value adds nothing",
        {}, { url = "http://h/x", query = { a = {} } }, { url = "http://h/x" } },
      { "session headers first; request headers replace them by name, in any case",
        { headers = { ["X-Team"] = "a", ["X-Keep"] = "k" } },
        { url = "http://h/", headers = { ["x-team"] = "b", Accept = "*/*" } },
        { headers = { "X-Keep: k", "x-team: b", "Accept: */*" } } },
      { "a header list keeps its order and repeats; a list value repeats its name",
        {}, { url = "http://h/", headers = { { "B", "1" }, { "A", { "2", "3" } } } },
        { headers = { "B: 1", "A: 2", "A: 3" } } },
      { "false drops a header libcurl would add; \"\" sends it empty",
        {}, { url = "http://h/", headers = { Accept = false, ["X-Empty"] = "" } },
        { headers = { "Accept:", "X-Empty;" } } },
      { "numbers and booleans as header values",
        {}, { url = "http://h/", headers = { ["X-N"] = 5, ["X-F"] = 1.5, ["X-B"] = true } },
        { headers = { "X-B: true", "X-F: 1.5", "X-N: 5" } } },
      { "the User-Agent a request sets is the one traced",
        {}, { url = "http://h/", headers = { ["User-Agent"] = "mine/1" } }, { user_agent = "mine/1" } },
      { "otherwise the session's",
        {}, { url = "http://h/" }, { user_agent = "luaforce/test" } },
      { "timeouts, on_chunk, max_body and fresh_connect pass through",
        {}, { url = "http://h/", timeout = 3, connect_timeout = 1, max_body = 10, fresh_connect = true },
        { timeout = 3, connect_timeout = 1, max_body = 10, fresh_connect = true } },
    }
    for _, row in ipairs(rows) do
      it(row[1], function()
        local raw = request.normalize(session(row[2]), row[3])
        for k, want in pairs(row[4]) do assert.same(want, raw[k], k) end
      end)
    end

    local function call(req) return request.normalize(session(), req) end
    local misuse = {
      { "not a table", "x", "table expected" },
      { "an unknown field", { url = "http://h/", bogus = 1 }, "unknown field 'bogus'" },
      { "a field of the wrong type", { url = "http://h/", body = 1 }, "'body' must be a string" },
      { "no url", {}, "url is required" },
      { "blanks in the url", { url = "http://h/a b" }, "blanks or control characters" },
      { "a bad method", { url = "http://h/", method = "GE T" }, "bad method" },
      { "a bad redirect mode", { url = "http://h/", redirects = "some" }, "redirects must be" },
      { "a header name that is not a token", { url = "http://h/", headers = { ["a b"] = "1" } }, "bad header name" },
      { "a line break in a header value", { url = "http://h/", headers = { X = "a\r\nB: 1" } }, "line break" },
      { "a function as a query value", { url = "http://h/", query = { a = print } }, "must be a string, number or boolean" },
    }
    for _, row in ipairs(misuse) do
      it("raises for " .. row[1], function()
        local ok, err = pcall(call, row[2])
        assert.is_false(ok)
        assert.matches(row[3], tostring(err), 1, true)
      end)
    end
  end)

  it("encode_query: sorted keys, list values repeated, form spaces as +", function()
    assert.equal("a=1&a=2&m=x%20y%26z%3D%C3%A9&z=last",
      request.encode_query { z = "last", a = { 1, 2 }, m = "x y&z=é" })
    assert.equal("a=x+y", request.encode_query({ a = "x y" }, true))
    assert.equal("", request.encode_query {})
    assert.has_error(function() request.encode_query("x") end)
  end)

  it("escape: unreserved characters stay", function()
    assert.equal("AZaz09-._~%20%2F%3F", request.escape("AZaz09-._~ /?"))
  end)

  it("check_fields and check_redirects name what is wrong", function()
    local allowed = { a = "string" }
    assert.has_no.errors(function() request.check_fields({ a = "x" }, allowed, "thing", 1) end)
    assert.has_error(function() request.check_fields({ b = 1 }, allowed, "thing", 1) end,
      "thing: unknown field 'b'")
    assert.has_error(function() request.check_fields({ a = 1 }, allowed, "thing", 1) end,
      "thing: 'a' must be a string, not a number")
    assert.has_no.errors(function() request.check_redirects(nil, "thing", 1) end)
    assert.has_error(function() request.check_redirects("all", "thing", 1) end,
      'thing: redirects must be "same-host", "none" or "any", not "all"')
  end)
end)
