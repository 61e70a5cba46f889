--- FEEL builtins: boolean functions (not, is defined, get or else, assert).
local values = require "luaforce.feel.kinds"

-- A failed assert ends the whole evaluation, as in Camunda: it raises this
-- marker, and luaforce.feel turns it into a null result with the failure.
local function assert_failure(message)
  error({ feel_abort = true, type = "ASSERT_FAILURE", message = message }, 0)
end

return function(def)
  def("not", { "negand: any" }, function(b)
    if type(b) == "boolean" then return not b end
    return nil
  end)

  -- Camunda 8.3+: `is defined(x)` is `x != null`.
  def("is defined", { "value: any" }, function(v) return v ~= nil end)

  def("get or else", { "value: any", "default: any" }, function(v, d)
    if v == nil then return d end
    return v
  end)

  def("assert", { "value: any", "condition: any" }, function(v, c)
    if c ~= true then assert_failure("The condition is not fulfilled") end
    return v
  end)

  def("assert", { "value: any", "condition: any", "cause: any" }, function(v, c, cause)
    if c ~= true then assert_failure(values.tostring(cause)) end
    return v
  end)
end
