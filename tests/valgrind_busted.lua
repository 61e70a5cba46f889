-- busted under valgrind (scripts/test --valgrind): runs the busted script
-- named by the first argument, with the rest as its arguments, inside the
-- luaforce program, the collector in generational mode so that objects die
-- young and often: a __gc that frees what is still in use, or a C pointer
-- into a collected string, shows up as an invalid read at once.
--
--   luaforce run tests/valgrind_busted.lua /usr/bin/busted -o TAP SPEC...
local busted = assert(arg[1], "usage: luaforce run tests/valgrind_busted.lua BUSTED [ARGS...]")
table.remove(arg, 1)
arg[0] = busted
collectgarbage("generational")
dofile(busted)
