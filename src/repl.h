/* repl.h: luaforce.core.repl, the REPL's line editor (libedit); only in the
 * program, registered by host.c. See repl.c. */
#ifndef LUAFORCE_REPL_H
#define LUAFORCE_REPL_H
#include <lua.h>

int luaopen_luaforce_core_repl(lua_State *L);

#endif
