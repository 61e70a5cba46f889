local rows = require "feel.rows"
local NULL = rows.NULL

describe("FEEL context builtins", function()
  rows.run({
    { 'get value({a: 1}, "a")', 1 }, { 'get value({a: 1}, "b")', NULL },
    { 'get value(body, ["records"])[1].Id', "001A" },
    { 'get value({a: {b: {c: 3}}}, ["a", "b", "c"])', 3 }, { 'get value({a: 1}, ["a", "b"])', NULL },
    { 'get value(headers, "Sforce-Limit-Info")', "api-usage=18/15000" },
    { 'get value(context: {x: 2}, key: "x")', 2 },
    { "get entries({a: 1, b: null})", { { key = "a", value = 1 }, { key = "b", value = NULL } } },
    { "get entries({})", rows.empty_list() },
    { 'context put({a: 1}, "b", 2)', { a = 1, b = 2 } }, { 'context put({a: 1}, "a", 3)', { a = 3 } },
    { 'context put({a: {b: 1}}, ["a", "c"], 2)', { a = { b = 1, c = 2 } } },
    { 'context put({}, ["x", "y"], null)', { x = { y = NULL } } },
    { 'context put(context: {}, key: "k", value: "v")', { k = "v" } },
    { "context merge([{a: 1, b: 1}, {b: 2}, {c: 3}])", { a = 1, b = 2, c = 3 } },
    { "context merge([{a: 1}, 5])", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    -- several contexts, one, or one list of them; the old names put and put all
    { "context merge({a: 1}, {b: 2}, {a: 3})", { a = 3, b = 2 } }, { "context merge({a: 1})", { a = 1 } },
    { "context merge(contexts: [{a: 1}, {b: 2}])", { a = 1, b = 2 } },
    { "context merge({}, 1)", NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
    { "put all({a: 1}, {b: 2})", { a = 1, b = 2 } }, { 'put({a: 1}, "b", 2)', { a = 1, b = 2 } },
    -- every spelling Camunda gives a parameter
    { 'get value(m: {x: 2}, key: "x")', 2 }, { 'get value(context: {x: {y: 3}}, keys: ["x", "y"])', 3 },
    { "get entries(m: {a: 1})", { { key = "a", value = 1 } } },
    { "get entries(context: {a: 1})", { { key = "a", value = 1 } } },
    { 'context put(context: {x: {y: 1}}, keys: ["x", "y"], value: 2)', { x = { y = 2 } } },
    { 'get value(5, "a")', NULL, warn = "FUNCTION_INVOCATION_FAILURE" },
  }, rows.query_response)
end)
