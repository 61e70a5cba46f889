--- support.raises: asserts that `fn` raises a Lua argument error,
-- "bad argument #n to '...name' (message)". Lua names the function after
-- the way it was called (a field, a local, package.loaded), so only the
-- end of the name is fixed.
--
--   raises(function() calendar.weekday("x") end, "#1", "weekday", "number expected, got string")
local assert = require "luassert"

return function(fn, arg, name, message)
  local ok, err = pcall(fn)
  assert.is_false(ok)
  local tail = ("%s' (%s)"):format(name, message)
  assert.truthy(err:find(("bad argument %s to '"):format(arg), 1, true), err)
  assert.are.equal(tail, err:sub(-#tail), err)
end
