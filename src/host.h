/* host.h: the program's Lua state, embedded modules and protected calls. */
#ifndef LUAFORCE_HOST_H
#define LUAFORCE_HOST_H
#include <lua.h>

/* A new state with the standard libraries, luaforce.core and the Lua modules:
 * embedded ones, or those under lua_dir when it is not NULL (development). */
lua_State *lf_host_open(const char *lua_dir);

/* lua_pcall with a traceback handler and Ctrl-C turned into a Lua error for
 * the duration of the call. The only way host code enters Lua. */
int lf_host_pcall(lua_State *L, int narg, int nres);

#endif
