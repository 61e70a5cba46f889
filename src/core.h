/*
 * core.h: the C mechanism of luaforce, as Lua C modules.
 *
 * Each src/<name>.c provides luaopen_luaforce_core_<name>, loaded as the Lua
 * module "luaforce.core.<name>". luaopen_luaforce_core registers all of them in
 * package.preload, so the same code serves the luaforce program and a stock
 * lua5.4 loading luaforce/core.so.
 */
#ifndef LUAFORCE_CORE_H
#define LUAFORCE_CORE_H

#include <lua.h>

int luaopen_luaforce_core(lua_State *L);
int luaopen_luaforce_core_json(lua_State *L);
int luaopen_luaforce_core_decimal(lua_State *L);
int luaopen_luaforce_core_sys(lua_State *L);

/* Set by the program's SIGINT handler; C code that blocks (network waits)
 * polls it so that Ctrl-C is prompt. Always 0 in a stock lua5.4. */
extern volatile int lf_interrupted;

#endif
